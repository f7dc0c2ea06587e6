"""Walking a graph: topological order and the backward pass, all iterative."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from .mode import state as _state

MANY = object()  # in a node's `_b`: it has three or more parents, `_a` and `_da` hold tuples

if TYPE_CHECKING:
    from .value import Value


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each after all of its parents; `root` comes last."""
    order: list[Value] = []
    emit = order.append
    # A depth-first walk on one stack. A node seen for the first time goes back on the stack
    # under a None marker, with its unseen parents above (the first parent on top, so it is
    # walked first); once they are all out, the marker comes up and the node comes out.
    # A node pushed by several children is skipped after the first time.
    seen: set[Value] = set()
    add = seen.add
    stack: list[Value | None] = [root]
    pop = stack.pop
    push = stack.append
    while stack:
        node = pop()
        if node is None:
            emit(pop())
            continue
        if node in seen:
            continue
        add(node)
        a = node._a
        if a is None:
            emit(node)
            continue
        push(node)
        push(None)
        b = node._b
        if b is MANY:
            for p in reversed(a):
                if p not in seen:
                    push(p)
            continue
        if b is not None and b not in seen:
            push(b)
        if a not in seen:
            push(a)
    return order


def backward_pass(root: Value, grad: float = 1.0) -> None:
    """Add grad·∂root/∂x to `x.grad` for every x in the graph of `root`.

    The grads already on the graph are set aside and added back at the end, so that this call
    sends on only its own contributions: a second call adds exactly as much as the first.
    """
    if _state.anomaly:
        _checked_backward(root, grad)
        return
    order = topological_order(root)
    held = [(node, node.grad) for node in order if node.grad]
    for node, _ in held:
        node.grad = 0.0
    root.grad = grad
    for node in reversed(order):
        a = node._a
        if a is None:
            continue
        g = node.grad
        b = node._b
        if b is None:
            a.grad += g * node._da
        elif b is MANY:
            for p, d in zip(a, node._da):
                p.grad += g * d
        else:
            a.grad += g * node._da
            b.grad += g * node._db
    for node, g in held:
        node.grad += g


def _checked_backward(root: Value, grad: float) -> None:
    """backward under `detect_anomaly`: every step is checked before any `.grad` changes."""
    steps = []
    for step in backward_steps(root, grad):
        for p, c in zip(step.node.parents, step.contributions):
            if not math.isfinite(c):
                who = f" {step.node.label!r}" if step.node.label else ""
                to = f" {p.label!r}" if p.label else ""
                raise FloatingPointError(
                    f"backward through op {step.node.op!r}{who} (data={step.node.data!r}) sent "
                    f"{c!r} to its input{to} (data={p.data!r}): upstream grad {step.grad!r}"
                )
        steps.append(step)
    for step in steps:
        step.node.grad += step.grad


class Step(NamedTuple):
    """One node of the backward pass: its gradient and what it sends to each parent."""

    node: Value
    grad: float
    contributions: tuple[float, ...]


def backward_steps(root: Value, grad: float = 1.0) -> Iterator[Step]:
    """Yield, in the order backward visits them, each node, its gradient and the contribution
    (upstream grad × local derivative) it sends to each parent; `.grad` is left untouched."""
    upstream = {root: grad}
    get = upstream.get
    for node in reversed(topological_order(root)):
        g = upstream.pop(node, 0.0)
        sent = tuple(g * d for d in node.local_grads)
        for p, c in zip(node.parents, sent):
            upstream[p] = get(p, 0.0) + c
        yield Step(node, g, sent)


def zero_grad(root: Value) -> None:
    """Set `grad` to 0 on every node of the graph of `root`."""
    for node in topological_order(root):
        node.grad = 0.0
