"""The plain arguments a user passes (sizes, counts, names of parts), checked and quoted with one
wording everywhere: the engine's rooms and `nn` import these rather than writing their own."""

from __future__ import annotations

import reprlib
from collections.abc import Collection, Mapping
from typing import TypeVar

T = TypeVar("T")

_QUOTE = reprlib.Repr()  # a bad value from a file can be megabytes: messages quote a prefix
_QUOTE.maxstring = _QUOTE.maxother = _QUOTE.maxlong = 40
_QUOTE.maxlist, _QUOTE.maxdict = 10, 4
_QUOTE.maxlevel = 2


def short_repr(value: object) -> str:
    """repr(value), cut to a short prefix (about 40 characters per part, 2 levels deep)."""
    return _QUOTE.repr(value)


def positive_int(what: str, n: object, least: int = 1) -> int:
    """`n` itself if it is an int ≥ `least` (a bool is not): by default a positive int, with
    `least=0` a count that may be 0; else ValueError naming `what`."""
    if isinstance(n, bool) or not isinstance(n, int) or n < least:
        kind = "a positive int" if least == 1 else f"an int ≥ {least}"
        raise ValueError(f"{what} must be {kind}, not {short_repr(n)}")
    return n


def known_name(kind: str, name: object, names: Collection[str]) -> str:
    """`name` if it is one of `names`; else ValueError naming the `kind` and listing `names`."""
    if isinstance(name, str) and name in names:
        return name
    raise ValueError(f"unknown {kind} {short_repr(name)}; known: {', '.join(names)}")


def lookup(kind: str, name: object, table: Mapping[str, T]) -> T:
    """`table[name]`, the part of that `kind` called `name`; else `known_name`'s ValueError."""
    return table[known_name(kind, name, table)]
