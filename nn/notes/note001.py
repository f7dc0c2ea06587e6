"""Note 001: layer notation, the recursive δ, cross-entropy, initialisation, an autograd example.

Entries 001-1 … 001-9: the multivariable chain rule, dC/dW^m = (dC/dz^m)(a^{m−1})ᵀ, the
recursive δ, sigmoid + cross-entropy giving a^L − y, vanishing and exploding gradients,
Var[o] = n_in σ² and Xavier/Glorot, and the worked ReLU example.
"""

from __future__ import annotations

import math
import random

from autograd import Value, backward_steps, dot, grad
from autograd import sum as vsum

from .. import losses
from ..activations import sigmoid
from .entry import Sides, checks
from .helpers import (
    X3,
    biases_of,
    engine_derivative,
    matvec,
    named_params,
    seeded_mlp,
    weights_of,
)


@checks("001-1", "Multivariable chain rule: dC/dw = Σ_i (dC/dz_i)(dz_i/dw)")
def _001_1() -> Sides:
    ws = (0.4, -1.3)
    eng, notes = [], []
    for w0 in ws:

        def C(w: Value) -> Value:
            z1, z2, z3 = w**2, w.sin(), 3 * w + 1
            return z1 * z2 + z3.tanh() * z1

        eng.append(engine_derivative(C, w0))
        z1, z2, z3 = w0**2, math.sin(w0), 3 * w0 + 1
        dC_dz = (z2 + math.tanh(z3), z1, z1 * (1 - math.tanh(z3) ** 2))
        dz_dw = (2 * w0, math.cos(w0), 3.0)
        notes.append(math.fsum(a * b for a, b in zip(dC_dz, dz_dw, strict=True)))
    return Sides(
        eng,
        notes,
        "C = z₁z₂ + tanh(z₃)z₁ with z₁ = w², z₂ = sin w, z₃ = 3w + 1, at w = 0.4, -1.3: the "
        "engine's dC/dw against Σ_i (∂C/∂z_i)(dz_i/dw).",
    )


@checks("001-2", "z^m = W^m a^{m−1} + b^m; dz_i^m/dW_ij^m = a_j^{m−1}, zero for other rows")
def _001_2() -> Sides:
    model = seeded_mlp(3, [4, 3, 2], "tanh", "linear", seed=12)
    model(X3)
    layer = model.layers[1]  # m = 2
    a_prev = [v.data for v in model.layers[0].a]
    flat = [w for row in layer.W for w in row]
    z_formula = matvec(weights_of(model, 2), a_prev, biases_of(model, 2))
    eng, notes, written = [v.data for v in layer.z], list(z_formula), list(z_formula)
    rows, cols = len(layer.W), len(a_prev)
    for i, z in enumerate(layer.z):
        eng += grad(z, flat)
        for k in range(rows):
            for j in range(cols):
                notes.append(a_prev[j] if k == i else 0.0)
                written.append(a_prev[i] if k == i else 0.0)
    dz = grad(layer.z[0], [layer.W[0][1]])[0]
    return Sides(
        eng,
        notes,
        "Layer m = 2 of MLP(3, [4, 3, 2]): z² from the engine against W²a¹ + b², then the engine's "
        "∂z_i²/∂W²_kj for every i, k, j against a_j¹ (k = i) and 0 (k ≠ i). The notes write "
        '"dz_i^m/dW_ij^m = a_i^{m−1}" (twice), an index slip: the engine gives '
        f"∂z_0/∂W2[0,1] = {dz:.10g} = a_1¹, while a_0¹ = {a_prev[0]:.10g}.",
        written=written,
    )


@checks("001-3", "dC/dW^m = (dC/dz^m)·(a^{m−1})ᵀ and dC/db^m = dC/dz^m")
def _001_3() -> Sides:
    model = seeded_mlp(3, [4, 3, 2], "tanh", "linear", seed=13)
    C = losses.sse(model(X3), [0.3, -0.6])
    named = named_params(model)
    eng, notes = [], []
    for m, layer in enumerate(model.layers, start=1):
        dz = grad(C, layer.z)
        a_prev = X3 if m == 1 else [v.data for v in model.layers[m - 2].a]
        ws = [named[f"W{m}[{i},{j}]"] for i in range(len(dz)) for j in range(len(a_prev))]
        bs = [named[f"b{m}[{i}]"] for i in range(len(dz))]
        eng += grad(C, ws + bs)
        notes += [dz[i] * a_prev[j] for i in range(len(dz)) for j in range(len(a_prev))] + dz
    return Sides(
        eng,
        notes,
        "Every layer of MLP(3, [4, 3, 2]) with C = ½‖y − t‖²: the engine's dC/dW^m and dC/db^m "
        "against the outer product (dC/dz^m)(a^{m−1})ᵀ, with dC/dz^m also from the engine.",
    )


@checks("001-4", "dC/dz^m = ((W^{m+1})ᵀ dC/dz^{m+1}) ∘ da^m/dz^m")
def _001_4() -> Sides:
    model = seeded_mlp(3, [3, 3, 3], "tanh", "linear", seed=14)  # square W², W³: the ᵀ matters
    C = losses.sse(model(X3), [0.3, -0.6, 0.1])
    eng, notes, written = [], [], []
    for m in (1, 2):
        z = model.layers[m - 1].z
        eng += grad(C, z)
        up = grad(C, model.layers[m].z)
        W = weights_of(model, m + 1)
        h = [1 - math.tanh(v.data) ** 2 for v in z]
        WT_up = [math.fsum(W[k][i] * up[k] for k in range(len(up))) for i in range(len(z))]
        W_up = [math.fsum(W[i][k] * up[k] for k in range(len(up))) for i in range(len(z))]
        notes += [s * d for s, d in zip(WT_up, h, strict=True)]
        written += [s * d for s, d in zip(W_up, h, strict=True)]
    return Sides(
        eng,
        notes,
        "MLP(3, [3, 3, 3]), tanh: the engine's dC/dz^m for m = 1, 2 against "
        "((W^{m+1})ᵀ dC/dz^{m+1}) ∘ (1 − tanh² z^m), dC/dz^{m+1} from the engine. Step 2) of the "
        'notes and their worked example write "(W^{m+1} dC/dz^{m+1}) ∘ da^m/dz^m" and '
        '"W^L(a^L − y) ∘ …" without the transpose (the slide\'s later line has it); with square '
        f"W the untransposed product gives {written[0]:.10g} for dC/dz¹_0, the engine "
        f"{eng[0]:.10g} (for a non-square W the product is not even defined).",
        written=written,
    )


@checks("001-5", "Sigmoid output, C = (y−1)·log(1−a^L) − y·log(a^L) ⇒ dC/dz^L = a^L − y")
def _001_5() -> Sides:
    model = seeded_mlp(2, [3, 1], "sigmoid", "sigmoid", seed=15)
    eng, notes, cs, bces = [], [], [], []
    for y in (1.0, 0.0, 0.3):
        out = model([0.4, -0.9])
        a = out[0]
        C = (y - 1) * (1 - a).log() - y * a.log()
        eng.append(grad(C, [model.layers[-1].z[0]])[0])
        notes.append(a.data - y)
        cs.append(C.data)
        bces.append(-(y * math.log(a.data) + (1 - y) * math.log(1 - a.data)))
    return Sides(
        eng + cs,
        notes + bces,
        "MLP(2, [3, 1]) with sigmoid units, targets y = 1, 0, 0.3: the engine's dC/dz^L of the "
        "notes' C against a^L − y, and C itself against the binary cross-entropy "
        "−[y ln a + (1 − y) ln(1 − a)]. The notes' sign is right: (y−1)·log(1−a) − y·log(a) is "
        f"that cross-entropy (C = {cs[0]:.10g} for y = 1, ≥ 0), and dC/da = (a − y)/(a(1 − a)).",
    )


@checks("001-6", "Repeated ·W and ·σ' (σ' ≤ 1/4) make gradients vanish or explode with depth")
def _001_6() -> Sides:
    depth = 12
    eng, notes, extra = [], [], {}
    for w in (1.0, 8.0):  # |w·σ'(0)| = 1/4 (vanishes), 2 (explodes)
        model = seeded_mlp(1, [1] * depth, "sigmoid", "sigmoid", seed=16)
        named = named_params(model)
        for l in range(1, depth + 1):  # noqa: E741
            named[f"W{l}[0,0]"].data = w
            named[f"b{l}[0]"].data = -w / 2  # keeps every z^l at 0 for a⁰ = 0.5
        x = Value(0.5)
        out = model([x])[0]
        g = grad(out, [x] + [named[f"b{l}[0]"] for l in range(1, depth + 1)])  # noqa: E741
        eng += g
        sp = sigmoid(0.0) * (1 - sigmoid(0.0))
        notes += [(w * sp) ** depth] + [sp * (w * sp) ** (depth - l) for l in range(1, depth + 1)]  # noqa: E741
        extra[f"dx_w{w:g}"] = g[0]
    peak = max(engine_derivative(lambda v: v.sigmoid(), t / 10) for t in range(-50, 51))
    eng.append(peak)
    notes.append(0.25)
    return Sides(
        eng,
        notes,
        f"A chain of {depth} sigmoid units with every z at 0: the engine's ∂a^L/∂x and "
        "∂a^L/∂b^l against (wσ'(0))^L and σ'(0)(wσ'(0))^{L−l}. With w = 1 the gradient at the "
        f"input is 4^-{depth} = {extra['dx_w1']:.4g} (vanishes), with w = 8 it is 2^{depth} = "
        f"{extra['dx_w8']:.6g} (explodes); the largest σ' on [-5, 5] is {peak} = 1/4.",
        extra=extra,
    )


@checks("001-7", "o = Σ w_i x_i, x_i ~ N(0,1), w_i ~ N(0,σ²): E[o] = 0, Var[o] = n_in σ²")
def _001_7() -> Sides:
    rng = random.Random(17)
    n_in, sigma, N = 16, 0.5, 4000
    os_ = []
    for _ in range(N):
        w = [Value(rng.gauss(0, sigma)) for _ in range(n_in)]
        x = [rng.gauss(0, 1) for _ in range(n_in)]
        os_.append(dot(w, x).data)
    mean = math.fsum(os_) / N
    var = math.fsum((o - mean) ** 2 for o in os_) / (N - 1)
    expected = n_in * sigma**2
    se = math.sqrt(expected / N)
    ok = abs(mean) <= 4 * se and abs(var / expected - 1) <= 0.10
    return Sides(
        [mean, var],
        [0.0, expected],
        f"{N} draws (seed 17) of o = Σ w_i x_i over n_in = {n_in} terms made by the engine's dot, "
        f"σ = {sigma}: sample mean {mean:.4f} (|·| ≤ 4 standard errors = {4 * se:.3f}), sample "
        f"variance {var:.4f} against n_in σ² = {expected:g} (within 10%). The notes' "
        '"Var[o] = E[o²] − (E[o])" lacks the square on E[o], harmless here as E[o] = 0.',
        holds=ok,
        tolerance="|mean| ≤ 4·√(n_in σ²/N); variance within 10%",
    )


@checks("001-8", "Xavier/Glorot: σ = √(2/(n_in+n_out)) balances forward and backward variance")
def _001_8() -> Sides:
    n_in, n_out, models, draws = 24, 8, 40, 15
    rng = random.Random(18)
    sigma2 = 2 / (n_in + n_out)
    fwd, bwd, ws = [], [], []
    for s in range(models):
        model = seeded_mlp(n_in, [n_out], "linear", "linear", seed=1800 + s, biases=False)
        ws += [w.data for row in model.layers[0].W for w in row]
        b = biases_of(model, 1)
        for _ in range(draws):
            x = [Value(rng.gauss(0, 1)) for _ in range(n_in)]
            z = model(x)
            fwd += [zk.data - bk for zk, bk in zip(z, b, strict=True)]  # o = Wx, the bias left out
            C = vsum([rng.gauss(0, 1) * zk for zk in z])  # upstream gradients g_k ~ N(0, 1)
            bwd += grad(C, x)  # ∂C/∂x_i = Σ_k W_ki g_k
    var = [math.fsum(v * v for v in vs) / len(vs) for vs in (ws, fwd, bwd)]
    expect = [sigma2, n_in * sigma2, n_out * sigma2]
    avg = (var[1] + var[2]) / 2
    ok = (
        all(abs(v / e - 1) <= 0.10 for v, e in zip(var, expect, strict=True))
        and abs(avg - 1) <= 0.10
    )
    return Sides(
        [*var, avg],
        [*expect, 1.0],
        f"{models} MLP({n_in}, [{n_out}]) with init='xavier_normal': weight variance {var[0]:.4f} "
        f"against σ² = 2/(n_in+n_out) = {sigma2:.4f}; forward Var[Wx] {var[1]:.4f} against "
        f"n_in σ² = {expect[1]:g}; backward Var[∂C/∂x] (engine backward, g ~ N(0,1)) "
        f"{var[2]:.4f} against n_out σ² = {expect[2]:g}; their average {avg:.4f} against 1.",
        holds=ok,
        tolerance="each variance within 10%",
    )


@checks("001-9", "Autograd example: h = ReLU(W_h x + b_h), o = W_o h + b_o, L = (y − o)²")
def _001_9() -> Sides:
    model = seeded_mlp(2, [3, 1], "relu", "linear", seed=19)
    x, y = [0.7, -0.4], 1.5
    o = model(x)[0]
    L = (y - o) ** 2
    named = named_params(model)
    eng = grad(L, list(named.values()))
    # the primitive ops of the notes: m_h = W_h x, z_h = m_h + b_h, h = ReLU(z_h),
    # m_o = W_o h, o = m_o + b_o, e = y − o, L = e²
    Wh, bh, Wo, bo = (
        weights_of(model, 1),
        biases_of(model, 1),
        weights_of(model, 2)[0],
        biases_of(model, 2)[0],
    )
    z_h = matvec(Wh, x, bh)
    h = [max(z, 0.0) for z in z_h]
    e = y - (math.fsum(w * v for w, v in zip(Wo, h, strict=True)) + bo)
    dL_de, de_do, do_dmo, do_dbo = 2 * e, -1.0, 1.0, 1.0
    dL_do = dL_de * de_do
    notes = {}
    for k in range(len(h)):
        dh_dz = 1.0 if z_h[k] > 0 else 0.0
        for j in range(len(x)):
            notes[f"W1[{k},{j}]"] = dL_do * do_dmo * Wo[k] * dh_dz * 1.0 * x[j]  # dz/dm · dm/dW
        notes[f"b1[{k}]"] = dL_do * do_dmo * Wo[k] * dh_dz * 1.0
        notes[f"W2[0,{k}]"] = dL_do * do_dmo * h[k]
    notes["b2[0]"] = dL_do * do_dbo
    steps = list(backward_steps(L))
    return Sides(
        eng,
        [notes[n] for n in named],
        "MLP(2, [3, 1]) with a ReLU hidden layer, L = (y − o)²: the engine's gradient of every "
        "weight and bias against the product of the local derivatives dL/de·de/do·do/dm_o·"
        f"dm_o/dh·dh/dz_h·dz_h/dm_h·dm_h/dW_h; backward took {len(steps)} steps.",
    )


ENTRIES = (
    _001_1,
    _001_2,
    _001_3,
    _001_4,
    _001_5,
    _001_6,
    _001_7,
    _001_8,
    _001_9,
)
"""This note's entries, in the order of EQUATIONS.md."""
