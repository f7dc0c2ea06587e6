"""The backward pass: the chain rule, node by node, in reverse topological order.

`walk` is the reference: a node's gradient is the sum of what its children sent it, and it
sends each parent gradient × local derivative. `backward_steps`, `grad()` (of any order) and
`backward` under `detect_anomaly` are that walk; plain `backward` is the same loop specialised
for speed, accumulating in the nodes' own `.grad` slots instead of a dictionary.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Collection, Iterator
from typing import Any, NamedTuple

from .mode import fast as _fast
from .mode import state as _state
from .node import Node, showing_before
from .order import order_and_nodes, topological_order

# Backward passes take turns: two threads backpropagating into shared parameters must each add
# exactly their own contributions (under the GIL they would run one at a time anyway).
_lock = threading.Lock()


class Step(NamedTuple):
    """One node of the backward pass: its gradient and what it sends to each parent."""

    node: Node
    grad: Any  # a float, or a Value when the walk builds a graph (create_graph=True)
    contributions: tuple


def walk(
    root: Node,
    seed: Any = 1.0,
    local_grads: Callable[[Node], tuple] | None = None,
    keep: Collection[Node] | None = None,
) -> Iterator[Step]:
    """Yield every node of `root`'s graph with its gradient ∂root/∂node · seed and what it sends
    to each parent (gradient × local derivative); `.grad` is left untouched.

    `local_grads(node)` gives the local derivatives (default: the stored floats; Values to build
    a graph of the derivative). With `keep`, only those nodes are walked and sent to.
    """
    upstream = {root: seed}
    for node in reversed(topological_order(root)):
        if keep is not None and node not in keep:
            continue
        g = upstream.pop(node)
        parents = node.parents
        ds = node.local_grads if local_grads is None else local_grads(node)
        if keep is None:
            sent = tuple(g * d for d in ds)
        else:
            sent = tuple(g * d if p in keep else 0.0 for p, d in zip(parents, ds))
        for p, c in zip(parents, sent):
            if keep is None or p in keep:
                upstream[p] = upstream[p] + c if p in upstream else c
        yield Step(node, g, sent)


def backward_steps(root: Node, grad: float = 1.0) -> Iterator[Step]:
    """Yield, in the order backward visits them, each node, its gradient and the contribution
    (upstream grad × local derivative) it sends to each parent; `.grad` is left untouched."""
    return walk(root, grad)


def backward_pass(root: Node, grad: float = 1.0) -> None:
    """Add grad·∂root/∂x to `x.grad` for every x in the graph of `root`.

    The grads already on the graph are set aside and added back at the end, so that this call
    sends on only its own contributions: a second call adds exactly as much as the first. Until
    the pass ends, `.grad` of the graph's nodes reads as before it (`node.showing_before`), so
    another thread sees each grad before the pass or after it, never 0 nor a part of a sum.
    """
    if not _fast.plain and _state().anomaly:
        _checked_backward(root, grad)
        return
    order, nodes = order_and_nodes(root)
    with _lock:
        # `walk`, with each node's upstream sum kept in its own `_grad` slot (no dictionary)
        # and the stored local derivatives read from the slots (node.py has the layout).
        held = {node: node._grad for node in order if node._grad}
        with showing_before(nodes, held):
            for node in held:
                node._grad = 0.0
            root._grad = grad
            for node in reversed(order):
                a = node._a
                if a is None:
                    continue
                g = node._grad
                db = node._db
                if db is not None:  # two parents
                    a._grad += g * node._da
                    node._b._grad += g * db
                elif type(a) is tuple:  # more than two
                    for p, d in zip(a, node._da):
                        p._grad += g * d
                else:
                    a._grad += g * node._da
            for node, g in held.items():
                node._grad += g


def _checked_backward(root: Node, grad: float) -> None:
    """backward under `detect_anomaly`: every step is checked before any `.grad` changes."""
    steps = []
    for step in walk(root, grad):
        for p, c in zip(step.node.parents, step.contributions):
            if not math.isfinite(c):
                who = f" {step.node.label!r}" if step.node.label else ""
                to = f" {p.label!r}" if p.label else ""
                raise FloatingPointError(
                    f"backward through op {step.node.op!r}{who} (data={step.node.data!r}) sent "
                    f"{c!r} to its input{to} (data={p.data!r}): upstream grad {step.grad!r}"
                )
        steps.append(step)
    with _lock:
        for step in steps:  # each node's grad changes once, to its new value
            step.node._grad += step.grad


def zero_grad(root: Node) -> None:
    """Set `grad` to 0 on every node of the graph of `root`."""
    for node in topological_order(root):
        node._grad = 0.0
