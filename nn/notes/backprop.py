"""Backpropagation by hand: the notes' equations in plain floats, checked against the engine.

Everything here reads the model's weights as floats and computes with floats, straight from the
notes, without `backward()`; `compare` then puts the result next to the engine's gradients.

    forward (003-1)   z^l = W^l a^{l−1} + b^l,   a^l = h(z^l),   a^0 = x
    output  (003-3)   δ^L = h'(z^L) ⊙ ∇C(a^L)            (softmax: δ^L = J_softmaxᵀ ∇C(a^L))
                      δ^L = y − t for a matching output/loss pair (004-8)
    hidden  (003-4)   δ^l = h'(z^l) ⊙ (W^{l+1})ᵀ δ^{l+1}
    weights (003-5)   ∂C/∂W^l_ij = δ^l_i a^{l−1}_j,   ∂C/∂b^l_i = δ^l_i
    batch   (004-10)  ∂C/∂w = Σ_n ∂C_n/∂w

Output activation and loss (`PAIRS` lists them; any other combination the engine can evaluate
also works, through the general formula):

    output       loss                              targets            δ^L
    linear       sse                               reals              y − t   (matching)
    sigmoid      binary_cross_entropy              0/1                y − t   (matching)
    linear       cross_entropy (takes logits)      class index        softmax(z^L) − onehot(t)
    linear       binary_cross_entropy_with_logits  0/1                σ(z^L) − t
    linear       mse                               reals              2(y − t)/K
    linear       hinge                             ±1                 −t/K where t·y < 1, else 0
    softmax      sse, mse                          one-hot            J_softmaxᵀ ∇C(a^L)
    sigmoid      sse                               0/1                (y − t)·y(1 − y)

`cross_entropy` and `binary_cross_entropy_with_logits` apply softmax/σ themselves, so the output
layer stays linear; a softmax or sigmoid in front of them would squash twice.

A batch (x a list of examples, target a list of targets) has C = Σ_n C_n, as in 004-10; `nn.fit`
averages over the batch instead, which divides every gradient by N.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from autograd import sum as vsum

from .. import losses
from ..activations import ACTIVATIONS, sigmoid

# ---- activations and their derivatives, from the notes ----------------------------------------

H: dict[str, Callable[[float], float]] = {name: a.f for name, a in ACTIVATIONS.items()}
"""h(z) per activation name (nn.activations' float column)."""

H_PRIME: dict[str, Callable[[float], float]] = {name: a.df for name, a in ACTIVATIONS.items()}
"""h'(z) per activation: 1, step, step with slope, 1 − tanh², σ(1 − σ), σ — written as floats
in nn.activations, apart from the engine's own derivatives in autograd/value.py."""


def softmax(z: Sequence[float]) -> list[float]:
    """y_k = e^{z_k} / Σ_j e^{z_j} (shifted by max z, which leaves it unchanged)."""
    m = max(z)
    e = [math.exp(v - m) for v in z]
    s = math.fsum(e)
    return [v / s for v in e]


def softmax_backward(a: Sequence[float], g: Sequence[float]) -> list[float]:
    """J_softmaxᵀ g with ∂a_i/∂z_j = a_i(δ_ij − a_j): (a ⊙ (g − a·g))_j."""
    ag = math.fsum(ai * gi for ai, gi in zip(a, g, strict=True))
    return [ai * (gi - ag) for ai, gi in zip(a, g, strict=True)]


# ---- losses: ∇C(a^L) written out from each formula ---------------------------------------------


def _onehot(index: int, k: int) -> list[float]:
    return [1.0 if i == index else 0.0 for i in range(k)]


def _grad_sse(a: list[float], t: Any) -> list[float]:
    """C = ½ Σ (a − t)²  ⇒  ∂C/∂a_k = a_k − t_k."""
    return [ak - tk for ak, tk in zip(a, t, strict=True)]


def _grad_mse(a: list[float], t: Any) -> list[float]:
    """C = (1/K) Σ (a − t)²  ⇒  ∂C/∂a_k = 2(a_k − t_k)/K."""
    k = len(a)
    return [2.0 * (ak - tk) / k for ak, tk in zip(a, t, strict=True)]


def _grad_bce(a: list[float], t: Any) -> list[float]:
    """C = −Σ [t ln a + (1 − t) ln(1 − a)]  ⇒  ∂C/∂a_k = −t_k/a_k + (1 − t_k)/(1 − a_k).

    A term whose coefficient t_k or 1 − t_k is 0 is absent, as in `nn.losses`.
    """
    out = []
    for ak, tk in zip(a, t, strict=True):
        if (tk != 0.0 and ak <= 0.0) or (tk != 1.0 and ak >= 1.0):
            raise ValueError(
                f"binary_cross_entropy: prediction {ak!r} is outside (0, 1) (target {tk!r}); "
                "it takes probabilities, e.g. a sigmoid output"
            )
        g = 0.0
        if tk != 0.0:
            g -= tk / ak
        if tk != 1.0:
            g += (1.0 - tk) / (1.0 - ak)
        out.append(g)
    return out


def _grad_bce_logits(a: list[float], t: Any) -> list[float]:
    """C = −Σ [t ln σ(a) + (1 − t) ln(1 − σ(a))]  ⇒  ∂C/∂a_k = σ(a_k) − t_k."""
    return [sigmoid(ak) - tk for ak, tk in zip(a, t, strict=True)]


def _grad_cross_entropy(a: list[float], t: Any) -> list[float]:
    """C = −Σ_k t_k ln softmax(a)_k  ⇒  ∂C/∂a_k = (Σ_j t_j) softmax(a)_k − t_k.

    A class index c stands for the one-hot t, where this is softmax(a)_k − [k = c].
    """
    t = _onehot(t, len(a)) if isinstance(t, int) else t
    total = math.fsum(t)
    return [total * p - tk for p, tk in zip(softmax(a), t, strict=True)]


def _grad_hinge(a: list[float], t: Any) -> list[float]:
    """C = (1/K) Σ max(0, 1 − t_k a_k)  ⇒  ∂C/∂a_k = −t_k/K where 1 − t_k a_k > 0, else 0."""
    k = len(a)
    if any(tk not in (-1.0, 1.0) for tk in t):
        raise ValueError(f"hinge: targets must be -1 or +1, got {list(t)}")
    return [-tk / k if 1.0 - tk * ak > 0.0 else 0.0 for ak, tk in zip(a, t, strict=True)]


LOSS_GRADS: dict[str, Callable[[list[float], Any], list[float]]] = {
    "sse": _grad_sse,
    "mse": _grad_mse,
    "binary_cross_entropy": _grad_bce,
    "binary_cross_entropy_with_logits": _grad_bce_logits,
    "cross_entropy": _grad_cross_entropy,
    "hinge": _grad_hinge,
}
"""∇C(a^L) per loss name, for one example."""

MATCHING: dict[tuple[str, str], Callable[[list[float], list[float], Any], list[float]]] = {
    ("linear", "sse"): lambda z, a, t: [ak - tk for ak, tk in zip(a, t, strict=True)],
    ("sigmoid", "binary_cross_entropy"): lambda z, a, t: [
        ak - tk for ak, tk in zip(a, t, strict=True)
    ],
    ("linear", "cross_entropy"): lambda z, a, t: [
        y - o
        for y, o in zip(softmax(z), _onehot(t, len(z)) if isinstance(t, int) else t, strict=True)
    ],
    ("linear", "binary_cross_entropy_with_logits"): lambda z, a, t: [
        sigmoid(zk) - tk for zk, tk in zip(z, t, strict=True)
    ],
}
"""(output activation, loss) → δ^L = y − t (004-8), y the prediction the loss compares with t."""


class Pair(NamedTuple):
    """An output activation and a loss that belong together, with the targets they take."""

    output: str
    loss: str
    targets: str  # "real", "binary", "sign", "index", "onehot"


PAIRS: tuple[Pair, ...] = (
    Pair("linear", "sse", "real"),
    Pair("linear", "mse", "real"),
    Pair("linear", "cross_entropy", "index"),
    Pair("linear", "binary_cross_entropy_with_logits", "binary"),
    Pair("linear", "hinge", "sign"),
    Pair("sigmoid", "binary_cross_entropy", "binary"),
    Pair("sigmoid", "sse", "binary"),
    Pair("softmax", "sse", "onehot"),
    Pair("softmax", "mse", "onehot"),
)
"""The meaningful output/loss pairs the nn package offers (see the module docstring)."""


def loss_name(loss: str | Callable) -> str:
    """The name of a loss of `nn.losses`, given as its name or as the function itself."""
    if isinstance(loss, str):
        if loss not in LOSS_GRADS:
            known = ", ".join(sorted(LOSS_GRADS))
            raise ValueError(f"unknown loss {loss!r}; known losses: {known}")
        return loss
    for name, fn in losses.LOSSES.items():
        if fn is loss and name in LOSS_GRADS:
            return name
    raise ValueError(
        f"loss {getattr(loss, '__name__', loss)!r} is not a loss of nn.losses with a "
        f"hand-written gradient; known losses: {', '.join(sorted(LOSS_GRADS))}"
    )


def _loss_fn(name: str) -> Callable:
    return getattr(losses, name)


# ---- reading the model ------------------------------------------------------------------------


class _Layer(NamedTuple):
    W: list[list[float]]
    b: list[float]
    activation: str


def _layers(model: Any) -> list[_Layer]:
    """W^l, b^l (floats) and the activation name of every layer, l = 1..L."""
    out = []
    for layer in model.layers:
        W = [[w.data for w in row] for row in layer.W]
        b = [v.data for v in layer.b]
        act = layer.activation
        if act not in H and act != "softmax":
            raise ValueError(f"no hand-written derivative for activation {act!r}")
        out.append(_Layer(W, b, act))
    return out


def _floats(x: Sequence[Any], what: str) -> list[float]:
    try:
        return [float(v) for v in x]
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a list of numbers, got {x!r}") from None


def _is_batch(x: Any) -> bool:
    return (
        isinstance(x, (list, tuple))
        and len(x) > 0
        and isinstance(x[0], Sequence)
        and not isinstance(x[0], str)
    )


def _forward(layers: list[_Layer], x: list[float]) -> tuple[list[list[float]], list[list[float]]]:
    nin = len(layers[0].W[0]) if layers[0].W else 0
    if len(x) != nin:
        raise ValueError(f"input has {len(x)} values, the model takes {nin}")
    zs: list[list[float]] = [[]]
    as_: list[list[float]] = [list(x)]
    for layer in layers:
        a_prev = as_[-1]
        z = [
            math.fsum(w * a for w, a in zip(row, a_prev, strict=True)) + bi
            for row, bi in zip(layer.W, layer.b, strict=True)
        ]
        a = softmax(z) if layer.activation == "softmax" else [H[layer.activation](v) for v in z]
        zs.append(z)
        as_.append(a)
    return zs, as_


def forward_pass(model: Any, x: Sequence[float]) -> tuple[list[list[float]], list[list[float]]]:
    """z^l = W^l a^{l−1} + b^l, a^l = h(z^l): lists indexed by layer, zs[0] = [] and as_[0] = x."""
    return _forward(_layers(model), _floats(x, "x"))


def _check_target(name: str, target: Any, k: int) -> Any:
    if name == "cross_entropy" and isinstance(target, int) and not isinstance(target, bool):
        if not 0 <= target < k:
            raise ValueError(f"cross_entropy: target index {target} is outside 0..{k - 1}")
        return target
    t = [target] if isinstance(target, (int, float)) and k == 1 else target
    t = _floats(t, "target")
    if len(t) != k:
        raise ValueError(f"{name}: {len(t)} targets for {k} outputs")
    return t


def _deltas(layers: list[_Layer], x: list[float], target: Any, name: str, shortcut: bool):
    zs, as_ = _forward(layers, x)
    L = len(layers)
    out_act = layers[-1].activation
    t = _check_target(name, target, len(zs[L]))
    ds: list[list[float]] = [[] for _ in range(L + 1)]
    soft = name == "cross_entropy" and not isinstance(t, int) and math.fsum(t) != 1.0
    if shortcut and (out_act, name) in MATCHING and not soft:
        ds[L] = MATCHING[out_act, name](zs[L], as_[L], t)
    else:
        g = LOSS_GRADS[name](as_[L], t)
        if out_act == "softmax":
            ds[L] = softmax_backward(as_[L], g)
        else:
            ds[L] = [H_PRIME[out_act](z) * gk for z, gk in zip(zs[L], g, strict=True)]
    for l in range(L - 1, 0, -1):  # noqa: E741
        W_next = layers[l].W  # W^{l+1}: layers are stored from index 0
        d_next = ds[l + 1]
        back = [
            math.fsum(W_next[k][i] * d_next[k] for k in range(len(d_next)))
            for i in range(len(zs[l]))
        ]
        ds[l] = [H_PRIME[layers[l - 1].activation](z) * s for z, s in zip(zs[l], back, strict=True)]
    return ds, as_


def deltas(
    model: Any, x: Sequence[Any], target: Any, loss: str | Callable, shortcut: bool = True
) -> list[list[float]]:
    """δ^L = h'(z^L) ⊙ ∇C(a^L) (or y − t for a matching pair), δ^l = h'(z^l) ⊙ (W^{l+1})ᵀ δ^{l+1}.

    Indexed by layer: ds[l] = δ^l, ds[0] = []. A batch (x a list of examples) gives one such
    list per example. `shortcut=False` uses the general formula even for a matching pair.
    """
    name = loss_name(loss)
    layers = _layers(model)
    if _is_batch(x):
        xs, ts = _batch(x, target)
        return [_deltas(layers, xi, ti, name, shortcut)[0] for xi, ti in zip(xs, ts, strict=True)]
    return _deltas(layers, _floats(x, "x"), target, name, shortcut)[0]


def _batch(X: Any, targets: Any) -> tuple[list[list[float]], list[Any]]:
    if not isinstance(targets, (list, tuple)) or len(targets) != len(X):
        n = len(targets) if isinstance(targets, (list, tuple)) else type(targets).__name__
        raise ValueError(f"a batch of {len(X)} examples needs {len(X)} targets, got {n}")
    return [_floats(x, f"X[{n}]") for n, x in enumerate(X)], list(targets)


def manual_gradients(
    model: Any, x: Sequence[Any], target: Any, loss: str | Callable, shortcut: bool = True
) -> dict[str, float]:
    """{W{l}[i,j]: δ^l_i a^{l−1}_j, b{l}[i]: δ^l_i}, summed over the examples of a batch.

    The names come in the order of `model.named_parameters()`.
    """
    name = loss_name(loss)
    layers = _layers(model)
    if _is_batch(x):
        xs, ts = _batch(x, target)
    else:
        xs, ts = [_floats(x, "x")], [target]
    terms: dict[str, list[float]] = {}
    for xi, ti in zip(xs, ts, strict=True):
        ds, as_ = _deltas(layers, xi, ti, name, shortcut)
        for l, layer in enumerate(layers, start=1):  # noqa: E741
            for i, row in enumerate(layer.W):
                for j in range(len(row)):
                    terms.setdefault(f"W{l}[{i},{j}]", []).append(ds[l][i] * as_[l - 1][j])
            for i in range(len(layer.b)):
                terms.setdefault(f"b{l}[{i}]", []).append(ds[l][i])
    return {k: math.fsum(v) for k, v in terms.items()}


# ---- the comparison table ---------------------------------------------------------------------


class Row(NamedTuple):
    """One parameter: the notes' gradient, the engine's, and how far apart they are."""

    name: str
    manual: float
    autograd: float
    diff: float


class Table(list):
    """Rows (name, manual, autograd, |diff|) that print aligned and render as HTML."""

    HEADER = ("parameter", "manual (notes)", "autograd (engine)", "|diff|")

    @property
    def max_abs_diff(self) -> float:
        """max over rows of |manual − autograd|."""
        return max((r.diff for r in self), default=0.0)

    def _cells(self) -> list[tuple[str, str, str, str]]:
        return [(r.name, f"{r.manual:.12g}", f"{r.autograd:.12g}", f"{r.diff:.1e}") for r in self]

    def __str__(self) -> str:
        rows = [self.HEADER, *self._cells()]
        widths = [max(len(r[c]) for r in rows) for c in range(4)]
        lines = []
        for n, r in enumerate(rows):
            name = r[0].ljust(widths[0])
            rest = "  ".join(r[c].rjust(widths[c]) for c in range(1, 4))
            lines.append(f"{name}  {rest}".rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines.append(f"max |diff| = {self.max_abs_diff:.1e}")
        return "\n".join(lines)

    __repr__ = __str__  # a table at the prompt prints aligned, not as a list of rows

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.HEADER)
        body = "".join(
            "<tr>"
            + f"<td><code>{html.escape(c[0])}</code></td>"
            + "".join(f'<td style="text-align:right">{html.escape(v)}</td>' for v in c[1:])
            + "</tr>"
            for c in self._cells()
        )
        foot = f"<caption>max |diff| = {self.max_abs_diff:.1e}</caption>"
        return f"<table>{foot}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _engine_loss(model: Any, name: str, xs: list[list[float]], ts: list[Any]):
    fn = _loss_fn(name)
    return vsum([fn(model(x), t) for x, t in zip(xs, ts, strict=True)])


def autograd_gradients(
    model: Any, x: Sequence[Any], target: Any, loss: str | Callable
) -> dict[str, float]:
    """The engine's ∂C/∂w for every parameter: C built from Values, then `C.backward()`.

    The model's `.grad`s and its layers' last `z`/`a` are restored afterwards.
    """
    name = loss_name(loss)
    if _is_batch(x):
        xs, ts = _batch(x, target)
    else:
        xs, ts = [_floats(x, "x")], [target]
    k = len(model.layers[-1].b)
    ts = [_check_target(name, t, k) for t in ts]
    named = list(model.named_parameters())
    saved_grads = [p.grad for _, p in named]
    saved_za = [(lay.z, lay.a) for lay in model.layers]
    try:
        for _, p in named:
            p.grad = 0.0
        _engine_loss(model, name, xs, ts).backward()
        return {n: p.grad for n, p in named}
    finally:
        for (_, p), g in zip(named, saved_grads, strict=True):
            p.grad = g
        for lay, (z, a) in zip(model.layers, saved_za, strict=True):
            lay.z, lay.a = z, a


def compare(model: Any, x: Sequence[Any], target: Any, loss: str | Callable) -> Table:
    """Per parameter: the notes' δ_i^l a_j^{l−1} (or δ_i^l) next to the engine's gradient."""
    manual = manual_gradients(model, x, target, loss)
    auto = autograd_gradients(model, x, target, loss)
    rows = Table()
    for name, _ in model.named_parameters():
        m, a = manual[name], auto[name]
        rows.append(Row(name, m, a, abs(m - a)))
    return rows


__all__ = [
    "H_PRIME",
    "LOSS_GRADS",
    "MATCHING",
    "PAIRS",
    "H",
    "Pair",
    "Row",
    "Table",
    "autograd_gradients",
    "compare",
    "deltas",
    "forward_pass",
    "loss_name",
    "manual_gradients",
    "softmax",
    "softmax_backward",
]
