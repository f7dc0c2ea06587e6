"""Forward mode: tangents swept forward over a recorded graph, `jvp` and `jacobian`.

A node's tangent is v̇ᵢ = Σⱼ ∂vᵢ/∂vⱼ · v̇ⱼ over its parents, from the same local derivatives the
backward pass uses; one forward sweep gives the derivative of every node along one direction
of the inputs, one backward sweep the derivative of one output along every input. So for
f: Rⁿ → Rᵐ forward mode takes n sweeps for the Jacobian and reverse mode m.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..functional import _derivatives, grad
from ..mode import enable_grad
from ..node import Node
from ..order import topological_order
from ..value import Value, as_float


def graph_order(outputs: Sequence[Node]) -> list[Node]:
    """Every node the outputs depend on, each after its parents (one order for all outputs)."""
    seen: set[Node] = set()
    order: list[Node] = []
    for out in outputs:
        for node in topological_order(out):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return order


def tangents(
    order: Sequence[Node], seed: Mapping[Node, Any], create_graph: bool = False
) -> dict[Node, Any]:
    """v̇ for every node of `order` that depends on a seeded node: v̇ᵢ = Σⱼ ∂vᵢ/∂vⱼ · v̇ⱼ.

    `seed` gives the tangents of the inputs (other leaves have none: structurally 0, as in
    `grad`, which sends nothing to them). With `create_graph` the local derivatives are Values
    from the op rules, so the tangents can be differentiated again.
    """
    dot: dict[Node, Any] = dict(seed)
    for node in order:
        if node.primitive is None or node in seed:
            continue
        ds = _derivatives(node) if create_graph else node.local_grads
        total = None
        for p, d in zip(node.parents, ds):
            if p in dot:
                term = dot[p] * d  # v̇ⱼ · ∂vᵢ/∂vⱼ
                total = term if total is None else total + term
        if total is not None:
            dot[node] = total
    return dot


def _leaves(inputs: Sequence[Value | float], who: str) -> list[Value]:
    """The inputs as Values (numbers become leaves); one Value given twice is refused: each
    input has a tangent (a column of the Jacobian) of its own, which one node cannot carry."""
    xs = []
    seen: dict[Value, int] = {}
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
            if x in seen:
                raise ValueError(
                    f"{who}: inputs[{seen[x]}] and inputs[{i}] are the same Value; each input "
                    "is differentiated on its own, so pass it once (or a copy, Value(x.data))"
                )
            seen[x] = i
            xs.append(x)
            continue
        f = as_float(x)
        if f is None:
            raise TypeError(
                f"{who}: inputs[{i}] must be a number or a Value, not {type(x).__name__}"
            )
        xs.append(Value(f))
    return xs


def _outputs(out: object, who: str) -> tuple[list[Value], bool]:
    """The function's outputs as a list, and whether it returned a single Value."""
    if isinstance(out, Value):
        return [out], True
    if isinstance(out, (list, tuple)) and out and all(isinstance(o, Value) for o in out):
        return list(out), False
    raise TypeError(f"{who}: f must return a Value or a non-empty list of Values, not {out!r:.80}")


def jvp(
    f: Callable[..., Any],
    inputs: Sequence[Value | float],
    tangents_in: Sequence[float | Value],
    create_graph: bool = False,
) -> tuple[Any, Any]:
    """(f(x), J(x)·ẋ): the value and the directional derivative along ẋ, by one forward sweep.

    f is called once on Values (numbers become leaves); the tangents are swept forward over the
    graph it records, and no backward pass runs. A function returning several Values gives
    lists. With `create_graph=True` the results are Values that can be differentiated again.
    """
    xs = _leaves(inputs, "jvp")
    ts = list(tangents_in)
    if len(ts) != len(xs):
        raise ValueError(f"jvp: {len(xs)} inputs but {len(ts)} tangents")
    seed: dict[Node, Any] = {}
    for i, (x, t) in enumerate(zip(xs, ts)):
        if isinstance(t, Value):
            seed[x] = t if create_graph else t.data
            continue
        c = as_float(t)
        if c is None:
            raise TypeError(f"jvp: tangents[{i}] must be a number, not {type(t).__name__}")
        seed[x] = Value(c) if create_graph else c
    outs, single = _outputs(f(*xs), "jvp")
    if create_graph:
        with enable_grad():
            dot = tangents(graph_order(outs), seed, create_graph=True)
        values: list = outs
        ds = [dot.get(o, Value(0.0)) for o in outs]
        ds = [d if isinstance(d, Value) else Value(d) for d in ds]
    else:
        dot = tangents(graph_order(outs), seed)
        values = [o.data for o in outs]
        ds = [float(dot.get(o, 0.0)) for o in outs]
    return (values[0], ds[0]) if single else (values, ds)


class Jacobian(list):
    """∂fᵢ/∂xⱼ: indexes and iterates as its matrix, J[i][j] (rows i, one per output), and says
    how many sweeps it took (`sweeps`: n forward, m reverse) and in which `mode`."""

    __slots__ = ("mode", "sweeps")

    def __init__(self, matrix: Sequence[Sequence[Any]], sweeps: int, mode: str) -> None:
        super().__init__(list(row) for row in matrix)
        self.sweeps = sweeps
        self.mode = mode

    @property
    def matrix(self) -> list[list[float]]:
        """The rows, as a plain list of lists."""
        return [list(row) for row in self]

    def __repr__(self) -> str:
        return f"Jacobian({list.__repr__(self)}, sweeps={self.sweeps}, mode={self.mode!r})"


def jacobian(
    f: Callable[..., Any], inputs: Sequence[Value | float], mode: str = "reverse"
) -> Jacobian:
    """J[i][j] = ∂fᵢ/∂xⱼ, by n forward sweeps (mode="forward") or m backward sweeps ("reverse")
    over the one graph f records; a single-Value f is one row."""
    if mode not in ("forward", "reverse"):
        raise ValueError(f"jacobian: mode must be 'forward' or 'reverse', not {mode!r}")
    xs = _leaves(inputs, "jacobian")
    outs, _ = _outputs(f(*xs), "jacobian")
    if mode == "reverse":
        return Jacobian([grad(o, xs) for o in outs], len(outs), mode)
    order = graph_order(outs)
    columns = []
    for j in range(len(xs)):
        dot = tangents(order, {x: 1.0 if k == j else 0.0 for k, x in enumerate(xs)})
        columns.append([float(dot.get(o, 0.0)) for o in outs])
    matrix = [[columns[j][i] for j in range(len(xs))] for i in range(len(outs))]
    return Jacobian(matrix, len(xs), mode)


__all__ = ["Jacobian", "graph_order", "jacobian", "jvp", "tangents"]
