"""Note 002: the residual form of the gradients, deeper networks, their cost, the softmax loss.

Entries 002-1 … 002-5: r and v_c = w_c h'(W_c x) for one, two and three hidden layers, the
O(dk + mk²) cost of forward and backward passes, and softmax loss = cross-entropy.
"""

from __future__ import annotations

import math
import random

from autograd import Value, backward_steps, dot, grad, topological_order

from .. import losses
from ..activations import ACTIVATIONS
from .backprop import softmax
from .entry import Sides, checks, close
from .helpers import (
    X3,
    matvec,
    rand_matrix,
    seeded_mlp,
)

_HS = {name: ACTIVATIONS[name] for name in ("tanh", "sigmoid", "softplus")}
"""h on Values, h and h' on floats (nn.activations), for the deep nets of 002-2."""


def _deep_f(h: str, Ws: list[list[list[float]]], w: list[float], x: list[float], y: float):
    """f = ½(wᵀh(W⁽ᵐ⁾ … h(W⁽¹⁾x)) − y)² built with Values: f and the weight Values."""
    hv = _HS[h][0]
    VWs = [[[Value(v) for v in row] for row in W] for W in Ws]
    vw = [Value(v) for v in w]
    z: list = list(x)
    for VW in VWs:
        z = [hv(dot(row, z)) for row in VW]
    f = 0.5 * (dot(vw, z) - y) ** 2
    return f, VWs, vw


def _deep_grads(h: str, Ws, w, x, y) -> list[float]:
    f, VWs, vw = _deep_f(h, Ws, w, x, y)
    return grad(f, [v for VW in VWs for row in VW for v in row] + vw)


@checks("002-1", "r = Σ_c w_c h(W_c x) − y: ∂f/∂w_c = r·h(W_c x), ∂f/∂W_cj = r·v_c·x_j")
def _002_1() -> Sides:
    rng = random.Random(21)
    k, d = 4, 3
    W, w, x, y = rand_matrix(rng, k, d), [rng.gauss(0, 1) for _ in range(k)], X3, 0.7
    _, h, dh = _HS["tanh"]
    s = matvec(W, x)
    r = math.fsum(wc * h(sc) for wc, sc in zip(w, s, strict=True)) - y
    v = [wc * dh(sc) for wc, sc in zip(w, s, strict=True)]
    notes = [r * v[c] * x[j] for c in range(k) for j in range(d)] + [r * h(sc) for sc in s]
    return Sides(
        _deep_grads("tanh", [W], w, x, y),
        notes,
        "f(w, W) = ½(Σ_c w_c tanh(W_c x) − y)², k = 4 hidden units, d = 3 inputs: the engine's "
        "∂f/∂W_cj and ∂f/∂w_c against r·v_c·x_j and r·h(W_c x).",
    )


@checks("002-2", "Two hidden layers: ∂f/∂W⁽²⁾_cc' = r v_c z⁽¹⁾_c', ∂f/∂W⁽¹⁾_cj = r(Σ v W⁽²⁾)h' x_j")
def _002_2() -> Sides:
    rng = random.Random(22)
    k, d = 4, 3
    W1, W2 = rand_matrix(rng, k, d), rand_matrix(rng, k, k)
    w, x, y = [rng.gauss(0, 1) for _ in range(k)], X3, -0.4
    _, h, dh = _HS["sigmoid"]
    s1 = matvec(W1, x)
    z1 = [h(v) for v in s1]
    s2 = matvec(W2, z1)
    z2 = [h(v) for v in s2]
    r = math.fsum(a * b for a, b in zip(w, z2, strict=True)) - y
    v = [w[c] * dh(s2[c]) for c in range(k)]
    g1 = [
        r * math.fsum(v[cp] * W2[cp][c] for cp in range(k)) * dh(s1[c]) * x[j]
        for c in range(k)
        for j in range(d)
    ]
    g2 = [r * v[c] * z1[cp] for c in range(k) for cp in range(k)]
    return Sides(
        _deep_grads("sigmoid", [W1, W2], w, x, y),
        g1 + g2 + [r * z for z in z2],
        "f = ½(wᵀσ(W⁽²⁾σ(W⁽¹⁾x)) − y)², 4 units per layer: the engine's gradients of W⁽¹⁾, "
        "W⁽²⁾, w against r(Σ_c' v_c' W⁽²⁾_c'c)h'(W⁽¹⁾_c x)x_j, r v_c z⁽¹⁾_c' and r z⁽²⁾_c.",
    )


@checks("002-3", "Three hidden layers: the same recursion once more")
def _002_3() -> Sides:
    rng = random.Random(23)
    k, d = 3, 3
    Ws = [rand_matrix(rng, k, d), rand_matrix(rng, k, k), rand_matrix(rng, k, k)]
    w, x, y = [rng.gauss(0, 1) for _ in range(k)], X3, 0.25
    _, h, dh = _HS["softplus"]
    s, zs = [], [list(x)]
    for W in Ws:
        s.append(matvec(W, zs[-1]))
        zs.append([h(v) for v in s[-1]])
    r = math.fsum(a * b for a, b in zip(w, zs[3], strict=True)) - y
    # v_c = w_c h'(·) at layer 3; b_c and d_c carry it down through W⁽³⁾ and W⁽²⁾
    v = [w[c] * dh(s[2][c]) for c in range(k)]
    b = [math.fsum(v[cp] * Ws[2][cp][c] for cp in range(k)) * dh(s[1][c]) for c in range(k)]
    dd = [math.fsum(b[cp] * Ws[1][cp][c] for cp in range(k)) * dh(s[0][c]) for c in range(k)]
    g1 = [r * dd[c] * x[j] for c in range(k) for j in range(d)]
    g2 = [r * b[c] * zs[1][cp] for c in range(k) for cp in range(k)]
    g3 = [r * v[c] * zs[2][cp] for c in range(k) for cp in range(k)]
    return Sides(
        _deep_grads("softplus", Ws, w, x, y),
        g1 + g2 + g3 + [r * z for z in zs[3]],
        "f = ½(wᵀh(W⁽³⁾h(W⁽²⁾h(W⁽¹⁾x))) − y)² with h = softplus: the engine's gradients against "
        "r z⁽³⁾_c, r v_c z⁽²⁾_c', r b_c z⁽¹⁾_c', r d_c x_j (v, b, d each one layer further down). "
        "The notes label both ∂f/∂W⁽³⁾_cc' = r v_c z⁽²⁾_c' and r(vᵀu_c)z⁽¹⁾_c' as W⁽³⁾; the second "
        "is the gradient of W⁽²⁾.",
    )


def _count(d: int, k: int, m: int) -> tuple[int, int]:
    """Multiplications by weights in the forward pass; local-derivative products in backward."""
    model = seeded_mlp(d, [k] * m + [1], "tanh", "linear", seed=24)
    out = model([0.1 * (i + 1) for i in range(d)])[0]
    fwd = 0
    for node in topological_order(out):
        if node.op == "dot":
            fwd += len(node.parents) // 2
        elif node.op == "wsum":
            fwd += len(node.parents)
    bwd = sum(len(step.contributions) for step in backward_steps(out))
    return fwd, bwd


@checks("002-4", "Cost: O(dk + mk²) forward for m layers of k units on d inputs; backward the same")
def _002_4() -> Sides:
    sizes = [(3, 4, 1), (3, 8, 2), (3, 16, 3), (5, 16, 2)]
    fwd, bwd, formula = [], [], []
    for d, k, m in sizes:
        f, b = _count(d, k, m)
        fwd.append(f)
        bwd.append(b)
        formula.append(d * k + (m - 1) * k * k + k)
    ratios = [b / f for f, b in zip(fwd, bwd, strict=True)]
    ok = close(fwd, formula) and all(1.0 <= q <= 3.0 for q in ratios)
    return Sides(
        fwd,
        formula,
        "MLPs with (d, k, m) = " + ", ".join(map(str, sizes)) + ": the multiplications by "
        "weights in the engine's forward graph equal dk + (m−1)k² + k exactly; the backward "
        f"pass does {bwd} local-derivative products, {', '.join(f'{q:.2f}' for q in ratios)} "
        "times the forward count: the same order (ratio within [1, 3]).",
        holds=ok,
        extra={f"backward_{i}": float(b) for i, b in enumerate(bwd)}
        | {f"ratio_{i}": q for i, q in enumerate(ratios)},
    )


@checks("002-5", "Softmax loss is cross-entropy: −log softmax(z)_c = −Σ_k t_k ln y_k")
def _002_5() -> Sides:
    z0, c = [1.2, -0.4, 0.3, 2.0], 2
    z = [Value(v) for v in z0]
    C = losses.cross_entropy(z, c)
    y = softmax(z0)
    t = [1.0 if k == c else 0.0 for k in range(len(z0))]
    ce = -math.fsum(tk * math.log(yk) for tk, yk in zip(t, y, strict=True))
    softmax_loss = -z0[c] + math.log(math.fsum(math.exp(v) for v in z0))
    return Sides(
        [C.data, *grad(C, z)],
        [ce, *[yk - tk for yk, tk in zip(y, t, strict=True)]],
        f"Logits {z0}, class {c}: nn.losses.cross_entropy (value, and the engine's gradient) "
        "against −Σ_k t_k ln softmax(z)_k and softmax(z) − t; the softmax loss "
        f"−z_c + ln Σ e^z = {softmax_loss:.10g}.",
        extra={"softmax_loss": softmax_loss},
    )


ENTRIES = (
    _002_1,
    _002_2,
    _002_3,
    _002_4,
    _002_5,
)
"""This note's entries, in the order of EQUATIONS.md."""
