"""`grad`: derivatives returned rather than accumulated, of any order."""

from __future__ import annotations

from collections.abc import Sequence

from .backward import walk
from .mode import enable_grad
from .order import topological_order
from .value import Value


def grad(
    output: Value, inputs: Sequence[Value], create_graph: bool = False
) -> list[float] | list[Value]:
    """[∂output/∂x for x in inputs], leaving every `.grad` untouched.

    With `create_graph=True` each derivative is a Value with a graph of its own, so it can be
    differentiated again: grad(grad(y, [x], create_graph=True)[0], [x]) is y''.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, not {type(output).__name__}")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, not {type(x).__name__}")
    # Only nodes with an input among their ancestors can carry a gradient to an input.
    wanted = set(inputs)
    relevant = set()
    for node in topological_order(output):
        if node in wanted or any(p in relevant for p in node.parents):
            relevant.add(node)
    if not create_graph:
        totals = {s.node: s.grad for s in walk(output, 1.0, keep=relevant) if s.node in wanted}
        return [float(totals.get(x, 0.0)) for x in inputs]
    with enable_grad():
        steps = walk(output, Value(1.0), _derivatives, relevant)
        totals = {s.node: s.grad for s in steps if s.node in wanted}
    return [g if isinstance(g, Value) else Value(g) for g in (totals.get(x, 0.0) for x in inputs)]


def _derivatives(node: Value) -> tuple:
    """The local derivatives of `node` as Values, from its op's rule; () for a leaf."""
    op = node.primitive
    return () if op is None else op.derivatives(node)
