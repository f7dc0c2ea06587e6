"""N-ary ops, each one node with n parents: sum, mean, dot, logsumexp, softmax."""

from __future__ import annotations

import builtins
import math
from collections.abc import Iterable, Sequence

from .value import Number, Value, _nary, as_float, constant, fmt


def _fsum(terms: list[float]) -> float:
    """Σ terms, correctly rounded; as IEEE floats (±inf, NaN) when an intermediate overflows."""
    try:
        return math.fsum(terms)
    except (OverflowError, ValueError):  # fsum raises where float addition gives inf or NaN
        return builtins.sum(terms)


def _split(values: Iterable[Value | Number], op: str) -> tuple[tuple[Value, ...], float]:
    """The Value terms and the sum of the plain-number terms."""
    nodes = []
    offset = 0.0
    for v in values:
        if type(v) is Value or isinstance(v, Value):
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
    data = _fsum([v.data for v in nodes]) + offset
    op = "sum" if offset == 0.0 else "sum+" + fmt(offset)
    if not nodes:
        return Value(data)
    return _nary(data, op, nodes, (1.0,) * len(nodes))


def mean(values: Iterable[Value | Number]) -> Value:
    """∂(Σᵢ vᵢ / n)/∂vᵢ = 1/n, as one node."""
    items = list(values)
    if not items:
        raise ValueError("mean: needs at least one value, got an empty sequence")
    nodes, offset = _split(items, "mean")
    n = len(items)
    data = (_fsum([v.data for v in nodes]) + offset) / n
    if not nodes:
        return Value(data)
    return _nary(data, "mean", nodes, (1.0 / n,) * len(nodes))


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
    data = _fsum([w.data * x.data for w, x in zip(ws, xs)])
    return _nary(data, "dot", (*ws, *xs), (*(x.data for x in xs), *(w.data for w in ws)))


def _weighted_sum(nodes: list, coefs: list) -> Value:
    """Σᵢ cᵢvᵢ with plain-number coefficients: ∂/∂vᵢ = cᵢ."""
    cs = []
    for c in coefs:
        f = as_float(c)
        if f is None:
            raise TypeError(f"dot: terms must be Values or numbers, not {type(c).__name__}")
        cs.append(f)
    nodes = tuple(constant(v) for v in nodes)
    data = _fsum([v.data * c for v, c in zip(nodes, cs)])
    return _nary(data, "wsum", nodes, tuple(cs))


def logsumexp(values: Iterable[Value | Number]) -> Value:
    """∂ ln Σⱼ e^{vⱼ} / ∂vᵢ = softmax(v)ᵢ, computed as m + ln Σⱼ e^{vⱼ−m}, m = max v."""
    nodes = tuple(constant(v) for v in values)
    if not nodes:
        raise ValueError("logsumexp: needs at least one value, got an empty sequence")
    m = max(v.data for v in nodes)
    if math.isinf(m):
        return _nary(m, "logsumexp", nodes, tuple(1.0 if v.data == m else 0.0 for v in nodes))
    exps = [math.exp(v.data - m) for v in nodes]
    total = math.fsum(exps)
    return _nary(m + math.log(total), "logsumexp", nodes, tuple(e / total for e in exps))


def softmax(values: Iterable[Value | Number]) -> list[Value]:
    """sᵢ = e^{vᵢ} / Σⱼ e^{vⱼ}, ∂sᵢ/∂vⱼ = sᵢ(δᵢⱼ − sⱼ); one node per output, n parents each."""
    nodes = tuple(constant(v) for v in values)
    if not nodes:
        raise ValueError("softmax: needs at least one value, got an empty sequence")
    m = max(v.data for v in nodes)
    exps = [math.exp(v.data - m) for v in nodes]
    total = math.fsum(exps)
    s = [e / total for e in exps]
    out = []
    for i, si in enumerate(s):
        local = tuple(si * ((1.0 if i == j else 0.0) - sj) for j, sj in enumerate(s))
        out.append(_nary(si, f"softmax[{i}]", nodes, local))
    return out


__all__ = ["dot", "logsumexp", "mean", "softmax", "sum"]
