"""N-ary ops, each one node with n parents: sum, mean, dot, logsumexp, softmax.

The forwards and derivative rules are the op table's (`autograd.ops`); here the arguments are
taken apart: Values become parents, plain numbers fold into the op.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from . import ops
from .value import Number, Value, _nary, as_float, constant


def _split(values: Iterable[Value | Number], op: str) -> tuple[tuple[Value, ...], float]:
    """The Value terms and the sum of the plain-number terms."""
    nodes = []
    offset = 0.0
    for v in values:
        if isinstance(v, Value):
            nodes.append(v)
            continue
        c = as_float(v)
        if c is None:
            raise TypeError(f"{op}: terms must be Values or numbers, not {type(v).__name__}")
        offset += c
    return tuple(nodes), offset


def sum(values: Iterable[Value | Number]) -> Value:
    """∂(Σᵢ vᵢ)/∂vᵢ = 1, as one node; plain numbers fold into the op."""
    nodes, offset = _split(values, "sum")
    data, local = ops.SUM.forward([v.data for v in nodes], offset)
    if not nodes:
        return Value(data)
    return _nary(data, ops.SUM, nodes, local, offset)


def mean(values: Iterable[Value | Number]) -> Value:
    """∂(Σᵢ vᵢ / n)/∂vᵢ = 1/n, as one node."""
    items = list(values)
    if not items:
        raise ValueError("mean: needs at least one value, got an empty sequence")
    nodes, offset = _split(items, "mean")
    data, local = ops.MEAN.forward([v.data for v in nodes], len(items), offset)
    if not nodes:
        return Value(data)
    return _nary(data, ops.MEAN, nodes, local, offset)


def dot(ws: Sequence[Value | Number], xs: Sequence[Value | Number]) -> Value:
    """∂(Σᵢ wᵢxᵢ)/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ, as one node.

    With Values on both sides the parents are all of `ws`, then all of `xs` (op "dot"); when
    one side is all plain numbers they fold into the local derivatives (op "wsum").
    """
    ws = list(ws)
    xs = list(xs)
    if len(ws) != len(xs):
        raise ValueError(f"dot: lengths differ: {len(ws)} weights, {len(xs)} inputs")
    if not any(isinstance(x, Value) for x in xs):
        return _weighted_sum(ws, xs)
    if not any(isinstance(w, Value) for w in ws):
        return _weighted_sum(xs, ws)
    ws = [constant(w) for w in ws]
    xs = [constant(x) for x in xs]
    data, local = ops.DOT.forward([w.data for w in ws], [x.data for x in xs])
    return _nary(data, ops.DOT, (*ws, *xs), local)


def _weighted_sum(nodes: list, coefs: list) -> Value:
    """Σᵢ cᵢvᵢ with plain-number coefficients: ∂/∂vᵢ = cᵢ."""
    cs = []
    for c in coefs:
        f = as_float(c)
        if f is None:
            raise TypeError(f"dot: terms must be Values or numbers, not {type(c).__name__}")
        cs.append(f)
    nodes = tuple(constant(v) for v in nodes)
    data, local = ops.WSUM.forward([v.data for v in nodes], cs)
    return _nary(data, ops.WSUM, nodes, local)


def logsumexp(values: Iterable[Value | Number]) -> Value:
    """∂ ln Σⱼ e^{vⱼ} / ∂vᵢ = softmax(v)ᵢ, computed as m + ln Σⱼ e^{vⱼ−m}, m = max v."""
    nodes = tuple(constant(v) for v in values)
    if not nodes:
        raise ValueError("logsumexp: needs at least one value, got an empty sequence")
    data, local = ops.LOGSUMEXP.forward([v.data for v in nodes])
    return _nary(data, ops.LOGSUMEXP, nodes, local)


def softmax(values: Iterable[Value | Number]) -> list[Value]:
    """sᵢ = e^{vᵢ} / Σⱼ e^{vⱼ}, ∂sᵢ/∂vⱼ = sᵢ(δᵢⱼ − sⱼ); one node per output, n parents each."""
    nodes = tuple(constant(v) for v in values)
    if not nodes:
        raise ValueError("softmax: needs at least one value, got an empty sequence")
    outputs = ops.SOFTMAX.forward([v.data for v in nodes])
    return [_nary(s, ops.SOFTMAX, nodes, local, i) for i, (s, local) in enumerate(outputs)]


__all__ = ["dot", "logsumexp", "mean", "softmax", "sum"]
