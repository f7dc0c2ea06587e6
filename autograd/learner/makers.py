"""Which of the learner's methods made each node of a case: seen while the case builds its
expression, by a profile function of the case's thread (chained to the depth guard, and removed
when the build ends).

When a node's `__init__` (or `__new__`) of the learner's class starts, the innermost of the
lecture's ops on the stack made it: `__mul__` for the node of `a - b` that `__neg__` builds with
`self * -1`, and the line of it that was running is the one that builds the node (in microgpt's
style, the line that stores its local derivatives). A helper that builds nodes for several ops
(`_make`) is passed over for the op that called it; where no op is on the stack, the innermost
other method of the class counts, else a function of the learner's module.

The nodes are kept alive while their makers are known, so that no id is reused. A `Maker` is
text and numbers, and the code object its source is read from: that stays in the case's thread.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .guard import frame_of, theirs
from .walk import code_only

LIMIT = 200_000  # nodes whose maker is noted in one build (a deep chain makes ~10,000)
STACK = 64  # frames looked at, from a node's `__init__` outwards
# the op entries (`ops.py`) that the node made by each method of the lecture computes
ENTRIES = {
    "__add__": ("add",),
    "__radd__": ("add",),
    "__sub__": ("sub",),
    "__rsub__": ("sub",),
    "__mul__": ("mul",),
    "__rmul__": ("mul",),
    "__truediv__": ("div",),
    "__rtruediv__": ("div",),
    "__pow__": ("pow_c", "pow"),
    "__neg__": ("neg",),
    "tanh": ("tanh",),
    "exp": ("exp",),
    "log": ("log",),
    "relu": ("relu",),
}


@dataclass(frozen=True)
class Maker:
    """The learner's method (or function) that made a node, and the line of it that ran."""

    function: str  # as the class calls it (`__mul__`)
    owner: str  # the class whose own method it is ("" for a function of a module)
    file: str
    line: int
    text: str  # the line, without its comment
    code: Any = field(default=None, compare=False, repr=False)  # for reading its source

    def where(self) -> str:
        """`engine.py, line 12: `return Value(...)``; a notebook cell's file is not named."""
        return f"{self.source()}, {self.at()}" if self.source() else self.at()

    def at(self) -> str:
        """`line 12: `return Value(...)``"""
        return f"line {self.line}: `{self.text}`" if self.text else f"line {self.line}"

    def source(self) -> str:
        """The name of its file (not a notebook cell's, which means nothing to its reader)."""
        name = os.path.basename(self.file)
        return name if name.endswith(".py") and "ipykernel" not in self.file else ""

    def entries(self) -> frozenset[str]:
        """The op entries its node computes, if it is one of the lecture's ops."""
        return frozenset(ENTRIES.get(self.function, ()))


def _functions(V: type) -> tuple[dict[Any, tuple[str, str]], set[Any]]:
    """The code of each method of `V`'s classes → (name as the class calls it, owner), and the
    code of their `__init__` and `__new__`; read from the classes' dicts, running none of their
    code."""
    names: dict[Any, list[tuple[str, str]]] = {}
    inits: set[Any] = set()
    try:
        mro = type.__dict__["__mro__"].__get__(V)
    except Exception:
        return {}, set()
    for klass in mro:
        try:
            owner = type.__dict__["__name__"].__get__(klass)
            items = list(type.__dict__["__dict__"].__get__(klass).items())
        except Exception:
            continue
        for name, f in items[:2000]:
            f = f.__func__ if type(f) in (staticmethod, classmethod) else f
            if type(f) is not types.FunctionType or type(name) is not str:
                continue
            if name in ("__init__", "__new__"):
                inits.add(f.__code__)
            else:
                names.setdefault(f.__code__, []).append((name, owner))
    chosen = {}
    for code, found in names.items():  # `__rmul__ = __mul__`: the name it was written under
        chosen[code] = next((n for n in found if n[0] == code.co_name), found[0])
    return chosen, inits


def _maker(frame: types.FrameType, methods: dict, inits: set) -> Maker | None:
    """The method that called the `__init__` running in `frame`: the innermost of the lecture's
    ops on the stack (`__mul__`, though `__neg__` and `__sub__` called it, and though it built
    the node through a helper of its own), else the innermost public method, else any method,
    else the innermost function of the learner's module."""
    f, seen = frame.f_back, 0
    public = method = module = None
    while f is not None and seen < STACK:
        code = f.f_code
        if code in methods:
            name, owner = methods[code]
            found = (name, owner, code, f.f_lineno)
            if name in ENTRIES:
                return _made(*found)
            if public is None and not (name.startswith("_") and not name.startswith("__")):
                public = found
            method = method or found
        elif module is None and code not in inits and theirs(code):
            module = (code.co_name, "", code, f.f_lineno)
        f, seen = f.f_back, seen + 1
    found = public or method or module
    return _made(*found) if found else None


def _made(name: str, owner: str, code: Any, line: int | None) -> Maker:
    frame = frame_of(code, line)
    return Maker(name, owner, frame.file, frame.line, code_only(frame.text), code)


@dataclass
class Made:
    """The makers of the nodes one build made, by node id; `nodes` keeps those nodes alive, so
    that no id is reused while the ids are read."""

    by_id: dict[int, Maker] = field(default_factory=dict)
    nodes: list[Any] = field(default_factory=list)

    def of(self, node: object) -> Maker | None:
        return self.by_id.get(id(node))

    def first(self, kind: type) -> Maker | None:
        """The maker of the first node of class `kind` made (where a node of another class than
        the learner's first appeared: `tanh` of a base class building its own class's node)."""
        node = next((n for n in self.nodes if type(n) is kind), None)
        return None if node is None else self.by_id.get(id(node))


def record(V: type, build: Callable[[], Any]) -> tuple[Any, Made]:
    """`build()`, noting the maker of each node of `V`'s classes that it makes. Whatever profile
    function runs (the depth guard) goes on seeing every event; it is back when this returns."""
    methods, inits = _functions(V)
    made = Made()
    if not inits:
        return build(), made
    before = sys.getprofile()

    def note(frame: types.FrameType, event: str, arg: object) -> None:
        if before is not None:
            before(frame, event, arg)  # the depth guard: what it raises goes to the learner
        if frame.f_code not in inits or len(made.nodes) >= LIMIT:
            return
        if event == "call" and frame.f_code.co_name == "__init__" and frame.f_code.co_argcount:
            try:
                node = frame.f_locals[frame.f_code.co_varnames[0]]  # self
            except Exception:
                return
        elif event == "return" and frame.f_code.co_name == "__new__" and arg is not None:
            node = arg  # the new node (None: `__new__` raised)
        else:
            return
        if id(node) in made.by_id:  # a subclass's `__init__` calling its base's: noted already
            return
        try:
            maker = _maker(frame, methods, inits)
        except Exception:
            return
        if maker is not None:
            made.nodes.append(node)
            made.by_id[id(node)] = maker

    sys.setprofile(note)
    try:
        result = build()
    finally:
        if sys.getprofile() is note:  # else it raised (the guard's limit) and is gone, as the
            sys.setprofile(before)  # guard itself would be
    return result, made
