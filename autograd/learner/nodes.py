"""Reading a learner's own graph nodes: micrograd lecture style (`_prev`, a set, and `_op`) or
microgpt style (`_children` and `_local_grads`, tuples), and their topological order.

Nodes are told apart by `id`, never by hashing or comparing them: a learner's class may define
`__eq__` (and so lose `__hash__`) or overload `==` to build a node.
"""

from __future__ import annotations

import math
from typing import Any

from ..value import as_float

CHILDREN = ("_children", "_prev", "parents")  # microgpt, the micrograd lecture, chainrule


def children_attr(node: object) -> str | None:
    """The name of the attribute that holds `node`'s inputs, or None if it has none."""
    for attr in CHILDREN:
        if hasattr(node, attr):
            return attr
    return None


def children(node: object, attr: str) -> list[Any]:
    """The inputs of `node` (none for a leaf). A set, the lecture's `_prev`, has no order of its
    own (it follows the members' ids), so its members are sorted by label, op and data: the same
    expression then gives the same walk, and the same drawing, on every run."""
    kids = getattr(node, attr, None)
    if kids is None:
        return []
    if isinstance(kids, set | frozenset):
        return sorted(kids, key=_sort_key)
    return list(kids)


def _sort_key(node: object) -> tuple[str, str, float]:
    label, op = getattr(node, "label", ""), getattr(node, "_op", "")
    x = as_float(getattr(node, "data", None))
    return (
        label if isinstance(label, str) else "",
        op if isinstance(op, str) else "",
        math.inf if x is None or math.isnan(x) else x,
    )


def order(root: object, attr: str, limit: int | None = None) -> list[Any]:
    """Every node `root` depends on, each after its inputs, by an iterative depth-first walk;
    ValueError on a cycle, or when there are more than `limit` nodes."""
    out: list[Any] = []
    state: dict[int, int] = {}  # 1: its inputs are being walked, 2: out
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
        if limit is not None and len(state) > limit:
            raise ValueError(f"the graph has more than {limit} nodes")
        stack.append((node, True))
        for child in reversed(children(node, attr)):
            if state.get(id(child)) != 2:
                stack.append((child, False))
    return out
