"""What a node of the graph holds: its value, its gradient, its op, its parents and ∂node/∂parent.

This module owns the layout: `write` is the one function that sets a node's op, parents, local
derivatives and folded number (`value.py` inlines it on its fast path, under a test that the
two agree); `order` and `backward` read and write the slots directly (their speed is that of
the slot accesses); everything else goes through the properties. A node holds no closure, so a
graph is freed by reference counting as soon as its root goes. A node of one or two parents
keeps them and their local derivatives in its own slots rather than in tuples: each node is
then one object for the cyclic garbage collector to track, not two or three, which was most of
its cost while a graph is built.

A node is `_op(_a, _b)`: the op's entry applied to its first and second input, each slot with
one meaning whatever the node:

    slot   holds                                                 x * y   x * 2   exp(x)  sum(xs) + c
    _op    the op-table entry that made the node; None: a leaf   MUL     MUL_C   EXP     SUM
    _a     the first input: a parent, or all the parents as a    x       x       x       xs (tuple)
           tuple when there are more than two
    _da    ∂node/∂_a (a tuple with a tuple _a)                   y       2.0     eˣ      (1.0, …)
    _b     the second input: a parent, or the plain number       y       2.0     None    c
           folded into the op, or None
    _db    ∂node/∂_b when _b is a parent; None otherwise         x       None    None    None

So a node has two parents exactly when `_db` is not None, and more than two when `_a` is a
tuple. A number folded into the op (the 2 of `x * 2`, the slope of `leaky_relu`, the index of a
softmax output, the numbers of a sum) is an input that gets no gradient; it is kept as a number
and shown only when drawn.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from .ops import Op

_EMPTY: tuple = ()

# While a backward pass changes the grads of a graph, `.grad` reads of that graph's nodes give
# their values from before the pass (the pass's graph, and its nonzero grads from before it):
# another thread sees each grad before or after the pass, never a part of it (`backward.py`).
_before: tuple[set, dict] | None = None


class Node:
    """The slots of a graph node; `Value` adds the operators."""

    __slots__ = {
        "_a": "The op's first input: a parent, or a tuple of all the parents.",
        "_b": "The op's second input: a parent, or the number folded into the op, or None.",
        "_da": "∂node/∂_a (a tuple with a tuple _a).",
        "_db": "∂node/∂_b when _b is a parent, else None.",
        "_grad": "The gradient itself; `grad` reads it (as before a pass that is running).",
        "_op": "The op-table entry that made the node; None for a leaf (see autograd/node.py).",
        "data": "The float this node holds: its value (assign to it to change a leaf).",
        "label": "A name shown in drawings, traces and error messages ('' for none).",
    }

    data: float
    label: str
    _grad: float
    _op: Op | None

    @property
    def grad(self) -> float:
        """∂(the output backward ran from)/∂(this node), summed over every backward call since
        the last zero_grad(); 0.0 until then. Read while another thread's backward pass changes
        it, it is its value from before that pass."""
        # No eval-breaker check between reading `_before` and the slot (no call, no jump
        # back), so under the GIL a pass cannot start or end between the two reads.
        before = _before
        if before is not None and self in before[0]:
            return before[1].get(self, 0.0)
        return self._grad

    @grad.setter
    def grad(self, value: float) -> None:
        self._grad = value

    @property
    def parents(self) -> tuple[Node, ...]:
        """The inputs of the op that made this node, in argument order; () for a leaf."""
        a = self._a
        if a is None:
            return _EMPTY
        if self._db is not None:
            return (a, self._b)
        if type(a) is tuple:
            return a
        return (a,)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent, the numbers drawn on the edges."""
        a = self._a
        if a is None:
            return _EMPTY
        db = self._db
        if db is not None:
            return (self._da, db)
        if type(a) is tuple:
            return self._da
        return (self._da,)

    @property
    def param(self) -> float | int | None:
        """The number folded into the op (`x * 2` → 2.0), or None."""
        return None if self._db is not None else self._b

    @property
    def primitive(self) -> Op | None:
        """The op-table entry that made this node (`autograd.ops.MUL`, …); None for a leaf."""
        return self._op

    @property
    def op(self) -> str:
        """The op's display name, with its folded number (`*2`, `softmax[1]`); "" for a leaf."""
        op = self._op
        return "" if op is None else op.show(self.param)


@contextmanager
def showing_before(nodes: set, grads: dict) -> Iterator[None]:
    """Inside: `.grad` of each of `nodes` reads as in `grads` (0.0 where absent), whatever the
    slots hold; for a backward pass, which holds the lock that makes passes take turns."""
    global _before
    _before = (nodes, grads)
    try:
        yield
    finally:
        _before = None


def write(
    node: Node,
    op: Any,
    parents: Sequence[Node] = _EMPTY,
    local_grads: Sequence[Any] = _EMPTY,
    param: object = None,
) -> None:
    """Record on `node` that `op` made it from `parents`, ∂node/∂parents[i] = local_grads[i],
    with the number `param` folded in; `op` None makes it a leaf. Lays out the slots above."""
    if op is None:
        node._op = node._a = node._da = node._b = node._db = None
        return
    if len(parents) != len(local_grads) or not parents:
        raise ValueError(f"{op!r}: needs one local derivative per parent, and a parent")
    node._op = op
    if len(parents) == 1:
        node._a, node._da, node._b, node._db = parents[0], local_grads[0], param, None
    elif len(parents) == 2 and param is None and local_grads[1] is not None:
        (node._a, node._b), (node._da, node._db) = parents, local_grads
    else:  # more than two parents, or two with a number (sum([x, 2, y])) or unknown derivatives
        node._a, node._da, node._b, node._db = tuple(parents), tuple(local_grads), param, None


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
    _dying.extend(node.parents)
    write(node, None)  # no slot keeps a parent alive past the drain below
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
