"""`grad`: derivatives returned rather than accumulated, of any order."""

from __future__ import annotations

from collections.abc import Sequence

from .derivatives import local_grads_as_values
from .mode import enable_grad
from .traversal import topological_order
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
    order = topological_order(output)
    # Only nodes with an input among their ancestors can carry a gradient to an input.
    wanted = set(inputs)
    relevant = set()
    for node in order:
        if node in wanted or any(p in relevant for p in node.parents):
            relevant.add(node)
    if not create_graph:
        totals: dict = {output: 1.0}
        get = totals.get
        for node in reversed(order):
            if node not in relevant:
                continue
            g = totals[node] if node in totals else 0.0
            for p, d in zip(node.parents, node.local_grads):
                totals[p] = get(p, 0.0) + g * d
        return [float(totals.get(x, 0.0)) for x in inputs]
    with enable_grad():
        totals = {output: Value(1.0)}
        for node in reversed(order):
            if node not in relevant or node not in totals or not node.parents:
                continue
            g = totals[node]
            for p, d in zip(node.parents, local_grads_as_values(node)):
                if p not in relevant:
                    continue
                c = g * d
                totals[p] = totals[p] + c if p in totals else c
    return [_as_value(totals.get(x, 0.0)) for x in inputs]


def _as_value(g: Value | float) -> Value:
    return g if isinstance(g, Value) else Value(g)
