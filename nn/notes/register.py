"""The REGISTER of equations, assembled here in the order of EQUATIONS.md, and `run`."""

from __future__ import annotations

from collections.abc import Iterable

from . import note000, note001, note002, note003, note004
from .entry import Entry, Result

NOTES = (note000, note001, note002, note003, note004)
"""One module per note file NNN_….txt, each with its ENTRIES NNN-1, NNN-2, … in order."""

REGISTER: dict[str, Entry] = {e.id: e for note in NOTES for e in note.ENTRIES}
"""Equation id → Entry, in the order of EQUATIONS.md."""


class UnknownIdError(KeyError, ValueError):
    """An equation id that is not in the register."""

    def __str__(self) -> str:
        return str(self.args[0])


def run(ids: Iterable[str] | str | None = None) -> list[Result]:
    """Check the given ids (all when None), in register order; unknown ids raise, naming them.

    A check that raises is reported as a failed Result naming the error, so one broken check
    does not hide the others.
    """
    if ids is None:
        wanted = list(REGISTER)
    else:
        if isinstance(ids, str):
            ids = [i for i in ids.split(",")]
        wanted = [i.strip() for i in ids]
        unknown = [i for i in wanted if i not in REGISTER]
        if unknown:
            raise UnknownIdError(
                f"unknown equation id(s): {', '.join(map(repr, unknown))}; "
                f"known ids run from {next(iter(REGISTER))} to {list(REGISTER)[-1]}"
            )
    results = []
    for i in wanted:
        entry = REGISTER[i]
        try:
            results.append(entry.check())
        except Exception as exc:  # reported, not swallowed: holds=False names it
            results.append(
                Result(i, entry.words, "error", "", False, False, f"{type(exc).__name__}: {exc}")
            )
    return results
