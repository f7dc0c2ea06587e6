"""Note 000: the chain rule on graphs, the sigmoid, an MLP with bias units, the δ rules, GD.

Entries 000-1 … 000-11: worked chain-rule examples, σ' = σ(1 − σ), gradient descent on a
scalar, θ vectors with a trailing 1, half sum of squares, the output- and hidden-layer δ rules,
GD / SGD / mini-batch, and least squares against its closed form.
"""

from __future__ import annotations

import itertools
import math
import random

from autograd import Value, dot, grad
from autograd import sum as vsum

from .. import losses
from ..activations import sigmoid
from . import backprop
from .entry import Sides, checks, close
from .helpers import (
    X3,
    biases_of,
    descend,
    engine_derivative,
    matvec,
    named_params,
    random_data,
    seeded_mlp,
    solve,
    sse_batch,
    weights_of,
)


@checks("000-1", "h(x) = e^{x²} ⇒ h'(x) = 2x·e^{x²}")
def _000_1() -> Sides:
    xs = (-1.1, 0.3, 0.9)
    return Sides(
        [engine_derivative(lambda x: (x**2).exp(), x) for x in xs],
        [2 * x * math.exp(x * x) for x in xs],
        f"h'(x) at x = {xs}: engine grad of exp(x**2) against 2x·e^(x²).",
    )


@checks("000-2", "h(x) = e^{(2x+3)²}: h'(x) = e^{(2x+3)²}·2(2x+3)·2 = 4(2x+3)e^{(2x+3)²}")
def _000_2() -> Sides:
    xs = (-1.25, -1.0, 0.1)
    eng = [engine_derivative(lambda x: ((2 * x + 3) ** 2).exp(), x) for x in xs]
    chain = [math.exp((2 * x + 3) ** 2) * 2 * (2 * x + 3) * 2 for x in xs]
    written = [6 * (2 * x + 3) * math.exp((2 * x + 3) ** 2) for x in xs]
    return Sides(
        eng,
        chain,
        'The notes\' last line "= 6(2x+3)e^{(2x+3)²}" is wrong: the line above it, '
        "e^{(2x+3)²}·2(2x+3)·2, is 4(2x+3)e^{(2x+3)²} (2·2 = 4, not 6). "
        f"At x = 0.1 the engine gives h'(0.1) = {eng[2]:.10g} = 4·3.2·e^10.24; the notes' "
        f"6(2x+3)e^{{(2x+3)²}} gives {written[2]:.10g}, 1.5 times too large "
        f"(at x = -1.25: engine {eng[0]:.10g}, notes' line {written[0]:.10g}).",
        written=written,
    )


@checks("000-3", "h(x) = f(g(t(x))) ⇒ h'(x) = f'(g(t(x)))·g'(t(x))·t'(x)")
def _000_3() -> Sides:
    xs = (-0.7, 0.35)
    # (f, g, t) as Value functions, and their derivatives as the notes write them
    chains = [
        (lambda u: u.exp(), lambda u: u**2, lambda x: 2 * x + 3,
         math.exp, lambda u: 2 * u, lambda x: 2.0, lambda u: u * u, lambda x: 2 * x + 3),
        (lambda u: u.sin(), lambda u: u.tanh(), lambda x: x**3 - 1,
         math.cos, lambda u: 1 - math.tanh(u) ** 2, lambda x: 3 * x * x, math.tanh,
         lambda x: x**3 - 1),
    ]  # fmt: skip
    eng, notes = [], []
    for f, g, t, df, dg, dt, g_, t_ in chains:
        for x in xs:
            eng.append(engine_derivative(lambda v, f=f, g=g, t=t: f(g(t(v))), x))
            notes.append(df(g_(t_(x))) * dg(t_(x)) * dt(x))
    return Sides(
        eng,
        notes,
        "Chains e^{(2x+3)²} and sin(tanh(x³−1)) at x = -0.7, 0.35: engine grad against the "
        "product f'(g(t(x)))·g'(t(x))·t'(x).",
    )


@checks("000-4", "σ(x) = 1/(1+e^{−x}), σ'(x) = σ(x)(1−σ(x))")
def _000_4() -> Sides:
    xs = (-3.0, -0.5, 0.0, 0.7, 2.5)
    composed = [
        engine_derivative(lambda x: 1 / (1 + (-x).exp()), x) for x in xs
    ]  # chain rule through primitives
    op = [engine_derivative(lambda x: x.sigmoid(), x) for x in xs]
    formula = [(1 / (1 + math.exp(-x))) * (1 - 1 / (1 + math.exp(-x))) for x in xs]
    return Sides(
        composed + op,
        formula + formula,
        f"At x = {xs}: the engine's derivative of 1/(1+exp(-x)) built from primitives, and of "
        "the sigmoid op, against σ(x)(1−σ(x)).",
    )


@checks("000-5", "Gradient descent x ← x − η f'(x) reaches the minimiser of f")
def _000_5() -> Sides:
    # f(x) = eˣ − 2x has its minimum where f'(x) = eˣ − 2 = 0: x* = ln 2.
    x, eta, steps = 2.0, 0.3, 80
    fs = []
    for _ in range(steps):
        v = Value(x)
        fx = v.exp() - 2 * v
        fs.append(fx.data)
        x = x - eta * grad(fx, [v])[0]
    decreasing = all(b <= a for a, b in itertools.pairwise(fs))
    return Sides(
        [x],
        [math.log(2)],
        f"f(x) = eˣ − 2x from x = 2 with η = {eta}, {steps} steps of x ← x − η f'(x) with f' from "
        f"the engine; f fell at every step ({fs[0]:.6g} → {fs[-1]:.10g}); minimiser ln 2.",
        holds=close([x], [math.log(2)]) and decreasing,
        extra={"f_first": fs[0], "f_last": fs[-1], "monotone": float(decreasing)},
    )


@checks("000-6", "Bias units folded in (θ = [σ(Wθ); 1]) give the same outputs as z = Wa + b")
def _000_6() -> Sides:
    p, H1 = 3, 4
    model = seeded_mlp(p, [H1, 3, 2], "sigmoid", "sigmoid", seed=6)
    out = [v.data for v in model(X3)]
    theta = [*X3, 1.0]  # θ⁽⁰⁾ = [x; 1]
    for l in range(1, len(model.layers) + 1):  # noqa: E741
        W_hat = [
            [*row, b] for row, b in zip(weights_of(model, l), biases_of(model, l), strict=True)
        ]  # [W | b]
        theta_hat = [sigmoid(s) for s in matvec(W_hat, theta)]
        theta = theta_hat if l == len(model.layers) else [*theta_hat, 1.0]
        if l == 1:
            theta1_len = len(theta)
    n_first = sum(1 for n in named_params(model) if n.startswith(("W1[", "b1[")))
    H2 = len(model.layers[1].b)
    return Sides(
        [*out, n_first, theta1_len],
        [*theta, (p + 1) * H1, H1 + 1],
        "MLP(3, [4, 3, 2]) with sigmoid units: the engine's outputs against the folded form "
        "θ⁽ᵏ⁾ = [σ(Ŵ⁽ᵏ⁻¹⁾θ⁽ᵏ⁻¹⁾); 1] with Ŵ = [W | b]; the first layer has (p+1)×H₁ = "
        f'{(p + 1) * H1} weights. The notes\' first line "θ⁽¹⁾ ∈ R^{{(H₂+1)×1}}" is a slip: '
        f"θ⁽¹⁾ has H₁+1 = {H1 + 1} entries, not H₂+1 = {H2 + 1} (the notes' Aside has it right).",
        written=[*out, (p + 1) * H1, H2 + 1],
    )


@checks("000-7", "L(w) = ½ Σ_d ‖y_d − ŷ_d‖² (half sum of squares over the data set)")
def _000_7() -> Sides:
    model = seeded_mlp(2, [3, 2], "tanh", "linear", seed=7)
    X, Y = random_data(10, 2, 2, seed=7)
    preds = [model(x) for x in X]
    L = vsum([losses.sse(p, y) for p, y in zip(preds, Y, strict=True)])
    flat = [v for p in preds for v in p]
    g = grad(L, flat)
    yhat = [[v.data for v in p] for p in preds]
    half = 0.5 * math.fsum(
        (y - h) ** 2 for ys, hs in zip(Y, yhat, strict=True) for y, h in zip(ys, hs, strict=True)
    )
    return Sides(
        [L.data, *g],
        [
            half,
            *[h - y for ys, hs in zip(Y, yhat, strict=True) for y, h in zip(ys, hs, strict=True)],
        ],
        "10 examples, 2 outputs: Σ_d nn.losses.sse (value and the engine's ∂L/∂ŷ_dk) against "
        "½ Σ_d Σ_k (y_dk − ŷ_dk)² and its derivative ŷ_dk − y_dk.",
    )


@checks("000-8", "Output layer: ∂L_d/∂w_ji = −(y_j − θ_j)·θ_j(1−θ_j)·θ_i = −δ_j θ_i")
def _000_8() -> Sides:
    model = seeded_mlp(3, [4, 2], "sigmoid", "sigmoid", seed=8)
    y = [0.9, 0.2]
    L = losses.sse(model(X3), y)
    named = named_params(model)
    names = [n for n in named if n.startswith(("W2[", "b2["))]
    eng = grad(L, [named[n] for n in names])
    _, as_ = backprop.forward_pass(model, X3)
    theta_in, theta = [*as_[1], 1.0], as_[2]  # θ_i (with the bias unit), θ_j
    notes = {}
    for j, th in enumerate(theta):
        delta = (y[j] - th) * th * (1 - th)  # δ_j = −∂L/∂net_j
        for i in range(len(as_[1])):
            notes[f"W2[{j},{i}]"] = -delta * theta_in[i]
        notes[f"b2[{j}]"] = -delta * theta_in[-1]
    return Sides(
        eng,
        [notes[n] for n in names],
        "Sigmoid output layer of MLP(3, [4, 2]) with L = ½Σ(y−θ)²: engine gradients of W2, b2 "
        "against −(y_j − θ_j)θ_j(1−θ_j)θ_i (θ_i = 1 for the bias unit).",
    )


@checks("000-9", "Hidden layer: δ_j = o_j(1−o_j)·Σ_z δ_z w_zj and ∂L/∂w_ji = −δ_j o_i")
def _000_9() -> Sides:
    model = seeded_mlp(3, [4, 3, 2], "sigmoid", "sigmoid", seed=9)
    y = [0.9, 0.2]
    L = losses.sse(model(X3), y)
    named = named_params(model)
    names = [n for n in named if not n.startswith(("W3[", "b3["))]
    eng = grad(L, [named[n] for n in names])
    _, o = backprop.forward_pass(model, X3)
    Lyr = len(model.layers)
    delta = {Lyr: [(y[j] - t) * t * (1 - t) for j, t in enumerate(o[Lyr])]}
    for m in range(Lyr - 1, 0, -1):
        W_down = weights_of(model, m + 1)
        delta[m] = [
            o[m][j]
            * (1 - o[m][j])
            * math.fsum(delta[m + 1][z] * W_down[z][j] for z in range(len(W_down)))
            for j in range(len(o[m]))
        ]
    notes, written = {}, {}
    for m in range(1, Lyr):
        o_in = [*o[m - 1], 1.0]
        for j in range(len(o[m])):
            # as written: [Σ_z δ_z w_zj o_j(1 − o_j)]·o_j^{(G)}: no minus sign, and the j-th
            # entry of the layer below (θ with its trailing 1) where the input o_i belongs
            for i in range(len(o[m - 1])):
                notes[f"W{m}[{j},{i}]"] = -delta[m][j] * o_in[i]
                written[f"W{m}[{j},{i}]"] = delta[m][j] * o_in[j]
            notes[f"b{m}[{j}]"] = -delta[m][j] * o_in[-1]
            written[f"b{m}[{j}]"] = delta[m][j] * o_in[j]
    n0 = "W1[0,1]"
    return Sides(
        eng,
        [notes[n] for n in names],
        "Hidden layers of MLP(3, [4, 3, 2]), sigmoid units, L = ½Σ(y−θ)²: engine gradients "
        "against −δ_j o_i with δ_j = o_j(1−o_j) Σ_z δ_z w_zj (δ = −∂L/∂net). The notes' "
        'derivation ends "= [Σ_z δ_{G+2,z}(w_zj o_j(1 − o_j))] o_j^{(G)}": it drops the minus '
        "sign that δ = −∂L/∂net brings, and multiplies by o_j^{(G)} where the weight's input "
        "o_i^{(G)} belongs; "
        f"for {n0} the engine gives {eng[names.index(n0)]:.10g} = −δ_j o_i, the line as written "
        f"gives {written[n0]:.10g}. (The notes' SGD step below it, w + η o_i δ_j, is right.)",
        written=[written[n] for n in names],
    )


@checks("000-10", "GD, SGD, mini-batch: batch gradient = Σ per-example gradients; each lowers L")
def _000_10() -> Sides:
    X, Y = random_data(8, 2, 1, seed=10)
    model = seeded_mlp(2, [3, 1], "tanh", "linear", seed=10)
    named = named_params(model)
    eng = grad(sse_batch(model, X, Y), list(named.values()))
    per = [backprop.manual_gradients(model, x, y, "sse") for x, y in zip(X, Y, strict=True)]
    summed = [math.fsum(g[n] for g in per) for n in named]
    runs = {}
    for label, batch in (("GD", None), ("SGD", 1), ("mini-batch", 4)):
        runs[label] = descend(
            seeded_mlp(2, [3, 1], "tanh", "linear", seed=10), X, Y, 0.05, 15, batch
        )
    lowered = all(h[-1] < h[0] for h in runs.values())
    summary = ", ".join(f"{k} {h[0]:.6g} → {h[-1]:.6g}" for k, h in runs.items())
    return Sides(
        eng,
        summed,
        "MLP(2, [3, 1]) on 8 examples, L = Σ_d ½(y_d − ŷ_d)²: the engine's gradient of L against "
        "the sum of the notes' per-example gradients; then 15 epochs of each variant, η = 0.05, "
        f"lower L: {summary}.",
        holds=close(eng, summed) and lowered,
        extra={f"{k}_{w}": h[i] for k, h in runs.items() for w, i in (("first", 0), ("last", -1))},
    )


@checks("000-11", "Linear regression: gradient descent on ½Σ(wᵀx − y)² reaches w = (XᵀX)⁻¹Xᵀy")
def _000_11() -> Sides:
    rng = random.Random(11)
    X = [[rng.gauss(0, 1), rng.gauss(0, 1), 1.0] for _ in range(20)]  # trailing 1: intercept
    y = [1.5 * a - 2.0 * b + 0.7 + rng.gauss(0, 0.3) for a, b, _ in X]
    w = [Value(0.0) for _ in range(3)]
    eta, steps = 0.03, 300
    for _ in range(steps):
        L = 0.5 * vsum([(dot(w, x) - t) ** 2 for x, t in zip(X, y, strict=True)])
        for wi, g in zip(w, grad(L, w), strict=True):
            wi.data -= eta * g
    XtX = [[math.fsum(x[i] * x[j] for x in X) for j in range(3)] for i in range(3)]
    Xty = [math.fsum(x[i] * t for x, t in zip(X, y, strict=True)) for i in range(3)]
    closed = solve(XtX, Xty)
    return Sides(
        [wi.data for wi in w],
        closed,
        f"20 points, ŷ = w₁x₁ + w₂x₂ + w₃: {steps} steps of gradient descent (η = {eta}, "
        "gradient from the engine) against the closed form (XᵀX)⁻¹Xᵀy solved in floats.",
    )


ENTRIES = (
    _000_1,
    _000_2,
    _000_3,
    _000_4,
    _000_5,
    _000_6,
    _000_7,
    _000_8,
    _000_9,
    _000_10,
    _000_11,
)
"""This note's entries, in the order of EQUATIONS.md."""
