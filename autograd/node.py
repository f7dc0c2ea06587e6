"""What a node of the graph holds: its value, its gradient, its op, its parents and ∂node/∂parent.

This module owns the layout; `order` and `backward` read the slots directly (their speed is
that of the slot reads), and `value` builds nodes. A node holds no closure, so a graph is freed
by reference counting as soon as its root goes. A node of one or two parents keeps them and
their local derivatives in its own slots rather than in tuples: each node is then one object
for the cyclic garbage collector to track, not two or three, which was most of its cost while a
graph is built.

    slot    a leaf   one parent          two parents   three or more parents
    _op     None     the op's entry      the entry     the entry
    _a      None     the parent          first parent  tuple of the parents
    _da     —        ∂node/∂_a           ∂node/∂_a     tuple of ∂node/∂parent
    _b      None     None                second parent MANY
    _db     —        the op's parameter  ∂node/∂_b     the op's parameter

The op's parameter is the number folded into it (the 2 of `x * 2`, the slope of `leaky_relu`,
the index of a softmax output), or None; it is kept as a number and shown only when drawn.
"""

from __future__ import annotations

import sys

from .ops import Op

MANY = object()  # in `_b`: the node has three or more parents, `_a` and `_da` are tuples
_EMPTY: tuple = ()


class Node:
    """The slots of a graph node; `Value` adds the operators."""

    __slots__ = ("_a", "_b", "_da", "_db", "_op", "data", "grad", "label")

    data: float
    grad: float
    label: str
    _op: Op | None

    @property
    def parents(self) -> tuple[Node, ...]:
        """The inputs of the op that made this node, in argument order; () for a leaf."""
        a, b = self._a, self._b
        if a is None:
            return _EMPTY
        if b is None:
            return (a,)
        if b is MANY:
            return a
        return (a, b)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent."""
        a, b = self._a, self._b
        if a is None:
            return _EMPTY
        if b is None:
            return (self._da,)
        if b is MANY:
            return self._da
        return (self._da, self._db)

    @property
    def param(self) -> float | int | None:
        """The number folded into the op (`x * 2` → 2.0), or None."""
        if self._a is None or (self._b is not None and self._b is not MANY):
            return None
        return self._db

    @property
    def primitive(self) -> Op | None:
        """The op-table entry that made this node (`autograd.ops.MUL`, …); None for a leaf."""
        return self._op

    @property
    def op(self) -> str:
        """The op's display name, with its folded number (`*2`, `softmax[1]`); "" for a leaf."""
        op = self._op
        return "" if op is None else op.show(self.param)


# Freeing a chain of nodes is recursive inside CPython (each node drops its parent). In Pyodide
# that recursion runs on the JavaScript engine's own stack, which CPython's guard does not see:
# a chain of ~5,000 ops overflowed it and killed the interpreter when its root went. So there a
# dying node hands its parents to a queue that the outermost death drains: depth stays at two.
_dying: list = []
_draining = False


def _free_iteratively(node: Node) -> None:
    global _draining
    if node._a is None:
        return
    _dying.append(node._a)
    if node._b is not None and node._b is not MANY:
        _dying.append(node._b)
    node._a = node._b = None  # no local keeps a parent alive past the drain below
    if _draining:  # an outer death drains the queue (Pyodide has no threads)
        return
    _draining = True
    try:
        while _dying:
            _dying.pop()
    finally:
        _draining = False


if sys.platform == "emscripten":
    Node.__del__ = _free_iteratively
