"""Reading a learner's own graph nodes, whatever they name their attributes: micrograd lecture
style (`_prev`, a set, and `_op`), microgpt style (`_children` and `_local_grads`, tuples), or
names of the learner's own (`Names`, given as `data="value", grad="gradient", …`).

Nodes are told apart by `id`, never by hashing or comparing them: a learner's class may define
`__eq__` (and so lose `__hash__`) or overload `==` to build a node. Every read here runs the
learner's code (properties, `__getattr__`, `__iter__`): callers run it bounded and guarded.
"""

from __future__ import annotations

import itertools
import math
import numbers
import types
from dataclasses import dataclass, replace
from typing import Any

CHILDREN = ("_children", "_prev", "parents")  # microgpt, the micrograd lecture, chainrule
ROLES = ("data", "grad", "children", "op", "local_grads", "label")


@dataclass(frozen=True)
class Names:
    """The attribute names of a learner's nodes. `children=None`: the first of `CHILDREN` that a
    node has. `given` lists the roles the caller named."""

    data: str = "data"
    grad: str = "grad"
    children: str | None = None
    op: str = "_op"
    local_grads: str = "_local_grads"
    label: str = "label"
    given: tuple[str, ...] = ()

    def told(self, **roles: str) -> Names:
        """These names with some roles renamed (by discovery, not by the caller)."""
        return replace(self, **roles)

    def how(self, caller: str) -> str:
        """How the caller says these names: `check_engine(V, data="value")`."""
        parts = [f"{r}={getattr(self, r)!r}" for r in ROLES if r in self.given]
        return ", ".join(parts)


def names(caller: str, **given: str | None) -> Names:
    """`Names` from a caller's keyword arguments (None: the default), each checked to be an
    attribute name."""
    told = {}
    for role, name in given.items():
        if name is None:
            continue
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(
                f"{caller}(): {role}= names the attribute that holds a node's {role}, so it must "
                f"be an attribute name such as {role}={_EXAMPLE[role]!r}, not {name!r}"
            )
        told[role] = name
    return Names(**told, given=tuple(told))


_EXAMPLE = {
    "data": "value",
    "grad": "gradient",
    "children": "_kids",
    "op": "_operation",
    "local_grads": "_locs",
    "label": "name",
}


def number(x: object) -> float | None:
    """The float of a plain number (int, float, bool, a numpy scalar), or None. Only numbers'
    own methods run: a learner's object is None, whatever its `__float__` says."""
    t = type(x)
    if t is float:
        return x  # type: ignore[return-value]
    if t is int or t is bool:
        try:
            return float(x)  # type: ignore[arg-type]
        except OverflowError:
            return math.inf if x > 0 else -math.inf  # type: ignore[operator]
    if issubclass(t, float):
        return float.__float__(x)  # type: ignore[arg-type]
    if issubclass(t, int):
        return number(int.__index__(x))  # type: ignore[arg-type]
    try:
        module = type.__dict__["__module__"].__get__(t)
    except Exception:
        return None
    if module == "numpy" and issubclass(t, numbers.Real):
        return float(x)  # type: ignore[arg-type]
    return None


def children_attr(node: object, told: Names) -> str | None:
    """The name of the attribute that holds `node`'s inputs, or None if it has none."""
    if told.children is not None:
        return told.children if hasattr(node, told.children) else None
    for attr in CHILDREN:
        if hasattr(node, attr):
            return attr
    return None


class NotNodes(TypeError):
    """A node's children attribute is not a collection of nodes."""


class TooMany(ValueError):
    """More nodes than the limit."""


def children(node: object, attr: str, limit: int, told: Names | None = None) -> list[Any]:
    """The inputs of `node` (none for a leaf), at most `limit` of them. A set, the lecture's
    `_prev`, has no order of its own (it follows the members' ids), so its members are sorted by
    label, op and data: the same expression then gives the same walk, and the same drawing, on
    every run."""
    kids = getattr(node, attr, None)
    if kids is None:
        return []
    try:
        items = iter(kids)
    except TypeError:
        raise NotNodes(f"is a {type_name(kids)}, not a collection of nodes") from None
    got = list(itertools.islice(items, limit + 1))
    if len(got) > limit:
        raise TooMany(f"a node has more than {limit} children")
    if issubclass(type(kids), set | frozenset):
        return sorted(got, key=lambda k: _sort_key(k, told or Names()))
    return got


def type_name(x: object) -> str:
    try:
        return type.__dict__["__name__"].__get__(type(x))
    except Exception:
        return "?"


def _sort_key(node: object, told: Names) -> tuple[str, str, float]:
    label, op = getattr(node, told.label, ""), getattr(node, told.op, "")
    x = number(getattr(node, told.data, None))
    return (
        label if type(label) is str else "",
        op if type(op) is str else "",
        math.inf if x is None or math.isnan(x) else x,
    )


@dataclass
class Graph:
    """A learner's graph read once: its nodes, each after its inputs, and each node's inputs
    by id (read once, so a children attribute that builds new objects on every read still
    gives one graph)."""

    nodes: list[Any]
    kids: dict[int, list[Any]]

    def of(self, node: object) -> list[Any]:
        return self.kids.get(id(node), [])


def read(root: object, attr: str, limit: int, told: Names | None = None) -> Graph:
    """Every node `root` depends on, each after its inputs, by an iterative depth-first walk
    that stops as soon as it has met more than `limit` nodes (TooMany); ValueError on a cycle,
    NotNodes when a children attribute is not a collection."""
    out: list[Any] = []
    kids: dict[int, list[Any]] = {}
    state: dict[int, int] = {}  # 1: its inputs are being walked, 2: out
    keep: list[Any] = []  # every node met stays alive, so that no id is reused during the walk
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            state[id(node)] = 2
            out.append(node)
            continue
        seen = state.get(id(node))
        if seen == 2:
            continue
        if seen == 1:
            raise ValueError("the graph has a cycle: a node is among its own inputs")
        state[id(node)] = 1
        keep.append(node)
        if len(state) > limit:
            raise TooMany(f"the graph has more than {limit} nodes")
        mine = children(node, attr, limit, told)
        kids[id(node)] = mine
        stack.append((node, True))
        for child in reversed(mine):
            if state.get(id(child)) != 2:
                stack.append((child, False))
    return Graph(out, kids)


def is_function(x: object) -> bool:
    """A plain Python function or lambda (a closure such as the lecture's `_backward`)."""
    return type(x) is types.FunctionType


def attributes(node: object) -> dict[str, Any]:
    """The instance attributes of `node`: its `__dict__`, and its slots."""
    found: dict[str, Any] = {}
    d = getattr(node, "__dict__", None)
    if isinstance(d, dict):
        found.update((k, v) for k, v in list(d.items())[:200] if type(k) is str)
    for klass in type.__dict__["__mro__"].__get__(type(node)):
        slots = type.__dict__["__dict__"].__get__(klass).get("__slots__", ())
        for name in (slots,) if isinstance(slots, str) else slots:
            if type(name) is str and name not in found and name not in ("__dict__", "__weakref__"):
                try:
                    found[name] = getattr(node, name)
                except AttributeError:
                    pass
    return found
