"""Note 004: Bishop ch. 5: network functions, error functions, backpropagation, Jacobians.

Entries 004-1 … 004-18: bias absorption, linear hidden units, the error functions and their
matching outputs, δ_k = y_k − t_k, δ_j = h'(a_j) Σ_k w_kj δ_k, batch sums, the classic training
loop, tanh and the Gudermannian, universal approximation, Jacobians, and Y = XW + B.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from autograd import Value, dot, grad
from autograd import softmax as vsoftmax
from autograd import sum as vsum

from .. import losses
from ..activations import sigmoid
from . import backprop
from .backprop import softmax
from .entry import Sides, checks, close
from .helpers import (
    X3,
    biases_of,
    descend,
    engine_derivative,
    matvec,
    named_params,
    rand_matrix,
    random_data,
    seeded_mlp,
    solve,
    sse_batch,
    weights_of,
)


@checks("004-1", "Folding the biases into the weights with x₀ = z₀ = 1 gives the same outputs")
def _004_1() -> Sides:
    model = seeded_mlp(3, [4, 2], "tanh", "sigmoid", seed=41)
    xv = [Value(v) for v in X3]
    out = model(xv)
    eng = [v.data for v in out] + [g for yk in out for g in grad(yk, xv)]
    W1 = [
        [b, *row] for row, b in zip(weights_of(model, 1), biases_of(model, 1), strict=True)
    ]  # w_j0 = bias
    W2 = [[b, *row] for row, b in zip(weights_of(model, 2), biases_of(model, 2), strict=True)]
    x = [1.0, *X3]  # x₀ = 1
    a_hidden = matvec(W1, x)
    z = [1.0, *[math.tanh(a) for a in a_hidden]]  # z₀ = 1
    a_out = matvec(W2, z)
    y = [sigmoid(a) for a in a_out]
    # ∂y_k/∂x_i = σ'(a_k) Σ_j w_kj h'(a_j) w_ji, through the folded weights
    dy = [
        y[k]
        * (1 - y[k])
        * math.fsum(
            W2[k][j + 1] * (1 - math.tanh(a_hidden[j]) ** 2) * W1[j][i + 1]
            for j in range(len(a_hidden))
        )
        for k in range(len(y))
        for i in range(len(X3))
    ]
    return Sides(
        eng,
        y + dy,
        "MLP(3, [4, 2]), tanh hidden, sigmoid output: the engine's outputs and ∂y_k/∂x_i "
        "against y_k = σ(Σ_{j=0}^M w_kj h(Σ_{i=0}^D w_ji x_i)) with x₀ = z₀ = 1.",
    )


@checks("004-2", "All-linear hidden units: the network equals one with no hidden layer")
def _004_2() -> Sides:
    model = seeded_mlp(3, [4, 2], "linear", "linear", seed=42)
    W1, W2, b1, b2 = (
        weights_of(model, 1),
        weights_of(model, 2),
        biases_of(model, 1),
        biases_of(model, 2),
    )
    W = [[math.fsum(W2[k][j] * W1[j][i] for j in range(4)) for i in range(3)] for k in range(2)]
    b = matvec(W2, b1, b2)
    eng, notes = [], []
    for x0 in (X3, [-0.3, 0.9, 1.7]):
        xv = [Value(v) for v in x0]
        out = model(xv)
        eng += [v.data for v in out] + [g for yk in out for g in grad(yk, xv)]
        notes += matvec(W, x0, b) + [w for row in W for w in row]
    return Sides(
        eng,
        notes,
        "MLP(3, [4, 2]) with linear units: the engine's outputs and Jacobian ∂y/∂x at two inputs "
        "against the single layer y = (W²W¹)x + (W²b¹ + b²).",
    )


@checks("004-3", "Sum of squares, binary CE, K binary labels, categorical CE with softmax")
def _004_3() -> Sides:
    eng, notes = [], []
    # sum of squares, 3 examples × 2 outputs
    Y = [[0.2, -0.5], [1.1, 0.3], [-0.7, 0.8]]
    T = [[0.0, -0.4], [1.0, 0.9], [-1.0, 0.5]]
    P = [[Value(v) for v in row] for row in Y]
    E = vsum([losses.sse(p, t) for p, t in zip(P, T, strict=True)])
    eng += [E.data, *grad(E, [v for p in P for v in p])]
    notes += [
        0.5
        * math.fsum(
            (y - t) ** 2 for ys, ts in zip(Y, T, strict=True) for y, t in zip(ys, ts, strict=True)
        )
    ]
    notes += [y - t for ys, ts in zip(Y, T, strict=True) for y, t in zip(ys, ts, strict=True)]
    # binary CE (one output, 4 examples) and K = 3 independent binary labels (2 examples)
    for Y, T in (
        ([[0.8], [0.3], [0.6], [0.1]], [[1.0], [0.0], [1.0], [0.0]]),
        ([[0.7, 0.2, 0.9], [0.4, 0.6, 0.05]], [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]),
    ):
        P = [[Value(v) for v in row] for row in Y]
        E = vsum([losses.binary_cross_entropy(p, t) for p, t in zip(P, T, strict=True)])
        eng += [E.data, *grad(E, [v for p in P for v in p])]
        pairs = [(y, t) for ys, ts in zip(Y, T, strict=True) for y, t in zip(ys, ts, strict=True)]
        notes += [-math.fsum(t * math.log(y) + (1 - t) * math.log(1 - y) for y, t in pairs)]
        notes += [-t / y + (1 - t) / (1 - y) for y, t in pairs]
    # categorical CE with softmax outputs, 2 examples × 3 classes
    A = [[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]]
    T = [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    Av = [[Value(v) for v in row] for row in A]
    Ys = [vsoftmax(a) for a in Av]
    E = -vsum(
        [t * y.log() for ys, ts in zip(Ys, T, strict=True) for y, t in zip(ys, ts, strict=True)]
    )
    eng += [E.data, *grad(E, [v for a in Av for v in a])]
    eng += [v.data for ys in Ys for v in ys] + [math.fsum(v.data for v in ys) for ys in Ys]
    Yf = [softmax(a) for a in A]
    notes += [
        -math.fsum(
            t * math.log(y)
            for ys, ts in zip(Yf, T, strict=True)
            for y, t in zip(ys, ts, strict=True)
        )
    ]
    notes += [y - t for ys, ts in zip(Yf, T, strict=True) for y, t in zip(ys, ts, strict=True)]
    notes += [y for ys in Yf for y in ys] + [1.0, 1.0]
    in_unit = all(0.0 <= v.data <= 1.0 for ys in Ys for v in ys)
    return Sides(
        eng,
        notes,
        "Each error function built with the engine (nn.losses.sse, binary_cross_entropy, and "
        "−Σ t ln y over autograd.softmax), its value and its gradient, against the notes' "
        "formulas: y − t, −t/y + (1 − t)/(1 − y), and softmax − t at the softmax inputs; the "
        "softmax outputs lie in [0, 1] and sum to 1.",
        holds=close(eng, notes) and in_unit,
    )


@checks("004-4", "One-hot target: H(y, p) = −Σ_i y_i log p_i = −log p_c")
def _004_4() -> Sides:
    p0, c = [0.15, 0.6, 0.25], 1
    p = [Value(v) for v in p0]
    y = [1.0 if i == c else 0.0 for i in range(3)]
    H = -vsum([yi * pi.log() for yi, pi in zip(y, p, strict=True)])
    via_logits = losses.cross_entropy([Value(math.log(v)) for v in p0], c)
    return Sides(
        [H.data, via_logits.data, *grad(H, p)],
        [-math.log(p0[c]), -math.log(p0[c]), *[-1 / p0[i] if i == c else 0.0 for i in range(3)]],
        f"p = {p0}, class c = {c}: −Σ y_i log p_i built with the engine (and nn.losses."
        "cross_entropy on logits ln p) against −log p_c; the engine's ∂H/∂p is −1/p_c at c, 0 "
        "elsewhere.",
    )


TABLE_004_5 = (
    ("Car", [1, 0, 0], [0.8, 0.1, 0.1]),
    ("Bike", [0, 1, 0], [0.2, 0.7, 0.1]),
    ("Person", [0, 0, 1], [0.1, 0.2, 0.7]),
    ("Car", [1, 0, 0], [0.6, 0.2, 0.2]),
)
"""The notes' four-example table: ground truth (one-hot) and predicted probabilities."""


@checks("004-5", "The four-example table: categorical CE of each row and of the table")
def _004_5() -> Sides:
    eng, notes, grads = [], [], []
    for _, t, p0 in TABLE_004_5:
        p = [Value(v) for v in p0]
        H = -vsum([ti * pi.log() for ti, pi in zip(t, p, strict=True)])
        eng.append(H.data)
        grads.append(grad(H, p)[t.index(1)])
        notes.append(-math.log(p0[t.index(1)]))
    table = [losses.cross_entropy([Value(math.log(v)) for v in p0], t.index(1)).data
             for _, t, p0 in TABLE_004_5]  # fmt: skip
    total, mean = math.fsum(eng), math.fsum(eng) / 4
    bits = [-math.log2(p0[t.index(1)]) for _, t, p0 in TABLE_004_5]
    return Sides(
        [*eng, *table, total, mean, *grads],
        [*notes, *notes, math.fsum(notes), math.fsum(notes) / 4,
         *[-1 / p0[t.index(1)] for _, t, p0 in TABLE_004_5]],
        "Rows Car, Bike, Person, Car: −Σ_i y_i ln ŷ_i = −ln ŷ_c = "
        + ", ".join(f"{v:.6f}" for v in eng)
        + f" (nats); the table's E = Σ_n = {total:.6f}, the mean per example {mean:.6f}. "
        "The notes give the table but no loss values; they are in nats (natural log, as Bishop's "
        "ln); in bits they would be " + ", ".join(f"{v:.4f}" for v in bits) + ".",
        extra={"total": total, "mean": mean},
    )  # fmt: skip


@checks("004-6", "Linear outputs, E_n = ½Σ_k (y_nk − t_nk)²: ∂E_n/∂w_ji = (y_nj − t_nj) x_ni")
def _004_6() -> Sides:
    model = seeded_mlp(3, [2], "linear", "linear", seed=46)
    t = [0.4, -0.3]
    out = model(X3)
    E = losses.sse(out, t)
    named = named_params(model)
    y = [v.data for v in out]
    xb = [*X3, 1.0]
    notes = {f"W1[{j},{i}]": (y[j] - t[j]) * xb[i] for j in range(2) for i in range(3)}
    notes |= {f"b1[{j}]": (y[j] - t[j]) * xb[3] for j in range(2)}
    sig_model = seeded_mlp(3, [2], "linear", "sigmoid", seed=46)
    s_out = sig_model(X3)
    g_sig = grad(losses.sse(s_out, t), [sig_model.layers[0].W[0][0]])[0]
    plain = (s_out[0].data - t[0]) * X3[0]
    return Sides(
        grad(E, list(named.values())),
        [notes[n] for n in named],
        "A linear layer y = Wx + b (bias as x₀ = 1), E_n = ½Σ(y − t)²: the engine's gradients "
        "against (y_j − t_j)x_i. The notes' equation bank puts this line under \"Error BP, "
        'Sigmoid:"; it holds for linear outputs (as Bishop says), not for sigmoid outputs with '
        f"squares: there the engine gives ∂E/∂w_00 = {g_sig:.10g}, (y − t)x = {plain:.10g}, "
        "off by the factor y(1 − y).",
        extra={"sigmoid_engine": g_sig, "sigmoid_plain": plain},
    )


@checks("004-7", "δ_j ≡ ∂E_n/∂a_j; ∂E_n/∂w_ji = δ_j z_i")
def _004_7() -> Sides:
    model = seeded_mlp(3, [4, 2], "tanh", "linear", seed=47)
    E = losses.sse(model(X3), [0.5, -0.5])
    eng, notes, written = [], [], []
    for l, layer in enumerate(model.layers, start=1):  # noqa: E741
        delta = grad(E, layer.z)  # δ_j = ∂E_n/∂a_j, a_j the unit's summed input
        z_in = X3 if l == 1 else [v.data for v in model.layers[l - 2].a]
        for j, row in enumerate(layer.W):
            eng += grad(E, row)
            notes += [delta[j] * zi for zi in z_in]
            written += [delta[j] * layer.a[j].data] * len(z_in)  # δ_j O_j: the unit's own output
    k = 3 * 4 + 1  # W2[0,1]
    return Sides(
        eng,
        notes,
        "MLP(3, [4, 2]), tanh hidden, linear output, sum of squares: the engine's ∂E_n/∂w_ji "
        "against δ_j z_i, with δ_j = ∂E_n/∂a_j from the engine and z_i the unit's inputs. The "
        'notes\' closing summary writes "Δw_ij = η × δ_j × O_j": the weight from unit i to unit '
        "j moves with the output O_i of the unit it comes from, not with O_j. For W2[0,1] the "
        f"engine gives ∂E/∂w = {eng[k]:.10g} = δ_0 z_1; δ_0 times the unit's own output gives "
        f"{written[k]:.10g}.",
        written=written,
    )


@checks("004-8", "δ_k = y_k − t_k for identity + squares, sigmoid + binary CE, softmax + CE")
def _004_8() -> Sides:
    eng, notes = [], []
    t2 = [1.0, 0.0]
    cases = (
        ("linear", lambda o: losses.sse(o, [0.3, -0.8]), [0.3, -0.8], 2),
        ("sigmoid", lambda o: losses.binary_cross_entropy(o, t2), t2, 2),
        ("linear", lambda o: losses.cross_entropy(o, 1), [0.0, 1.0, 0.0], 3),
    )
    for n, (out_act, loss, t, k) in enumerate(cases):
        model = seeded_mlp(3, [4, k], "tanh", out_act, seed=480 + n)
        E = loss(model(X3))
        zL = model.layers[-1].z
        eng += grad(E, zL)
        y = [v.data for v in model.layers[-1].a]
        if n == 2:
            y = softmax([v.data for v in zL])  # cross_entropy's softmax of the logits
        notes += [yk - tk for yk, tk in zip(y, t, strict=True)]
    sq = seeded_mlp(3, [4, 2], "tanh", "sigmoid", seed=481)
    E = losses.sse(sq(X3), t2)
    off = grad(E, sq.layers[-1].z)[0]
    y0 = sq.layers[-1].a[0].data
    return Sides(
        eng,
        notes,
        "The engine's ∂E/∂a_k at the output units against y_k − t_k for identity + ½Σ(y−t)², "
        "sigmoid + binary cross-entropy, and softmax (inside nn.losses.cross_entropy) + "
        f"categorical CE. A non-matching pair does not give it: sigmoid + squares gives {off:.6g} "
        f"where y − t = {y0 - t2[0]:.6g}.",
    )


@checks("004-9", "δ_j = h'(a_j) Σ_k w_kj δ_k for hidden units")
def _004_9() -> Sides:
    model = seeded_mlp(3, [4, 3, 2], "tanh", "linear", seed=49)
    t = [0.2, -0.1]
    out = model(X3)
    E = losses.sse(out, t)
    eng = grad(E, model.layers[0].z) + grad(E, model.layers[1].z)
    zs, as_ = backprop.forward_pass(model, X3)
    delta_k = [y - tk for y, tk in zip(as_[3], t, strict=True)]  # output units: identity + squares
    notes: list[float] = []
    for l in (2, 1):  # noqa: E741
        W = weights_of(model, l + 1)
        delta_k = [
            (1 - math.tanh(a) ** 2) * math.fsum(W[k][j] * delta_k[k] for k in range(len(W)))
            for j, a in enumerate(zs[l])
        ]
        notes = delta_k + notes
    return Sides(
        eng,
        notes,
        "Both hidden layers of MLP(3, [4, 3, 2]), tanh: the engine's ∂E/∂a_j against "
        "h'(a_j) Σ_k w_kj δ_k, starting from δ_k = y_k − t_k, with h' = 1 − tanh².",
    )


@checks("004-10", "Batch: ∂E/∂w_ji = Σ_n ∂E_n/∂w_ji")
def _004_10() -> Sides:
    model = seeded_mlp(2, [3, 2], "tanh", "linear", seed=410)
    X, Y = random_data(5, 2, 2, seed=410)
    named = named_params(model)
    eng = grad(sse_batch(model, X, Y), list(named.values()))
    per = [backprop.manual_gradients(model, x, y, "sse") for x, y in zip(X, Y, strict=True)]
    return Sides(
        eng,
        [math.fsum(g[n] for g in per) for n in named],
        "MLP(2, [3, 2]), 5 examples: the engine's gradient of E = Σ_n E_n against the sum over n "
        "of the notes' per-example gradients δ_j z_i (nn.backprop, one example at a time).",
    )


def _classic_step(W1, b1, W2, b2, x, t, eta, written=False):
    """One step of the notes' loop (sigmoid units, squares): new (W1, b1, W2, b2) in floats."""
    z = [sigmoid(s) for s in matvec(W1, x, b1)]
    y = [sigmoid(s) for s in matvec(W2, z, b2)]
    if written:  # the hand-written variants: f(f − 1) where σ' = f(1 − f)
        d_out = [(tk - yk) * yk * (yk - 1) for yk, tk in zip(y, t, strict=True)]
        d_hid = [
            zh * (zh - 1) * math.fsum(W2[k][h] * d_out[k] for k in range(len(y)))
            for h, zh in enumerate(z)
        ]
    else:
        d_out = [yk * (1 - yk) * (tk - yk) for yk, tk in zip(y, t, strict=True)]
        d_hid = [
            zh * (1 - zh) * math.fsum(W2[k][h] * d_out[k] for k in range(len(y)))
            for h, zh in enumerate(z)
        ]
    W2n = [[w + eta * d_out[k] * z[h] for h, w in enumerate(row)] for k, row in enumerate(W2)]
    b2n = [b + eta * d for b, d in zip(b2, d_out, strict=True)]
    W1n = [[w + eta * d_hid[h] * x[i] for i, w in enumerate(row)] for h, row in enumerate(W1)]
    b1n = [b + eta * d for b, d in zip(b1, d_hid, strict=True)]
    return W1n, b1n, W2n, b2n


def _sse_float(W1, b1, W2, b2, x, t) -> float:
    z = [sigmoid(s) for s in matvec(W1, x, b1)]
    y = [sigmoid(s) for s in matvec(W2, z, b2)]
    return 0.5 * math.fsum((yk - tk) ** 2 for yk, tk in zip(y, t, strict=True))


def _flat(W1, b1, W2, b2) -> list[float]:
    return [w for row in W1 for w in row] + list(b1) + [w for row in W2 for w in row] + list(b2)


@checks(
    "004-11", "Classic loop: δ_k ← y_k(1−y_k)(t_k − y_k), δ_h ← z_h(1−z_h)Σ w_kh δ_k, w ← w + ηδx"
)
def _004_11() -> Sides:
    model = seeded_mlp(2, [3, 2], "sigmoid", "sigmoid", seed=411)
    x, t, eta = [0.6, -0.9], [1.0, 0.0], 0.5
    named = named_params(model)
    E = losses.sse(model(x), t)
    g = dict(zip(named, grad(E, list(named.values())), strict=True))
    weights = (weights_of(model, 1), biases_of(model, 1), weights_of(model, 2), biases_of(model, 2))
    order = list(named)  # W1 row by row, b1, W2, b2: the layout of _flat
    eng = [named[n].data - eta * g[n] for n in order]  # w ← w − η ∂E/∂w, ∂E/∂w by the engine
    right = _classic_step(*weights, x, t, eta)
    wrong = _classic_step(*weights, x, t, eta, written=True)
    E0 = _sse_float(*weights, x, t)
    E_right, E_wrong = _sse_float(*right, x, t), _sse_float(*wrong, x, t)
    n_hidden = len(weights[0]) * len(weights[0][0]) + len(weights[1])
    hidden_same = close(_flat(*right)[:n_hidden], _flat(*wrong)[:n_hidden])
    k = order.index("W2[0,0]")
    return Sides(
        eng,
        _flat(*right),
        "One step of the notes' loop on MLP(2, [3, 2]) with sigmoid units, η = 0.5, against the "
        "engine's w − η ∂E/∂w: they agree. The hand-written variants write "
        "\"Δw_kj = η(y_pk − o_pk) f(f−1) i_pj\" for the output layer: f(f−1) = −f(1−f), so the "
        f"step climbs the error: W2[0,0] becomes {_flat(*wrong)[k]:.10g} instead of the engine's "
        f"{eng[k]:.10g}, and E goes {E0:.6g} → {E_wrong:.6g} (up) instead of → {E_right:.6g}. "
        "In their hidden-layer line \"η f_j^h(f_j^h − 1) Σ_k[δ_pk f_k^o(f_k^o − 1) w_kj] x_pz\" "
        "the two sign slips cancel, so the hidden weights come out right"
        f"{'' if hidden_same else ' (they do not, here)'}. Their line "
        "\"δ_pj^h = Σ_k w_kj δ_pk^o\" also drops the factor f_j^h' that the next lines restore.",
        written=_flat(*wrong),
        extra={"E_before": E0, "E_after": E_right, "E_after_written": E_wrong,
               "hidden_written_equal": float(hidden_same)},
    )  # fmt: skip


@checks("004-12", "tanh(x) = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ); tanh' = 1 − tanh²")
def _004_12() -> Sides:
    xs = (-1.7, -0.2, 0.6, 2.2)

    def composed(x: Value) -> Value:
        return (x.exp() - (-x).exp()) / (x.exp() + (-x).exp())

    t = [(math.exp(x) - math.exp(-x)) / (math.exp(x) + math.exp(-x)) for x in xs]
    vals = []
    for x in xs:
        v = Value(x)
        vals.append(composed(v).data)
    return Sides(
        vals
        + [engine_derivative(composed, x) for x in xs]
        + [engine_derivative(lambda v: v.tanh(), x) for x in xs],
        [math.tanh(x) for x in xs] + [1 - tk**2 for tk in t] * 2,
        f"At x = {xs}: (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ) built from the engine's exp against tanh x, and "
        "the engine's derivatives of that expression and of the tanh op against 1 − tanh².",
    )


@checks("004-13", "Gudermannian gd(x) = ∫₀ˣ dt/cosh t = 2·arctan(tanh(x/2)); gd'(x) = 1/cosh x")
def _004_13() -> Sides:
    xs = (-2.0, -0.5, 0.3, 1.5)

    def gd(x: Value) -> Value:
        return 2 * (x / 2).tanh().atan()

    def integral(x: float, n: int = 2000) -> float:  # composite Simpson's rule
        h = x / n
        s = [1 / math.cosh(i * h) * (1 if i in (0, n) else 4 if i % 2 else 2) for i in range(n + 1)]
        return h / 3 * math.fsum(s)

    return Sides(
        [gd(Value(x)).data for x in xs] + [engine_derivative(gd, x) for x in xs],
        [integral(x) for x in xs] + [1 / math.cosh(x) for x in xs],
        f"At x = {xs}: 2·atan(tanh(x/2)) built with the engine against ∫₀ˣ dt/cosh t (Simpson, "
        "2000 intervals), and its engine derivative against 1/cosh x.",
    )


def _fit_levenberg_marquardt(model, X: list[float], Y: list[float], iters: int) -> float:
    """Least squares on ½Σ(ŷ − y)² with Jacobians from the engine; returns the RMS error."""
    params = list(named_params(model).values())
    n = len(params)

    def residuals() -> list[Value]:
        return [model([x])[0] - y for x, y in zip(X, Y, strict=True)]

    res = residuals()
    E = math.fsum(r.data**2 for r in res)
    lam = 1e-2
    for _ in range(iters):
        J = [grad(r, params) for r in res]  # row n: ∂r_n/∂w, by the engine
        JTJ = [[math.fsum(row[i] * row[j] for row in J) for j in range(n)] for i in range(n)]
        JTr = [math.fsum(row[i] * r.data for row, r in zip(J, res, strict=True)) for i in range(n)]
        old = [p.data for p in params]
        while True:
            A = [[JTJ[i][j] + (lam * (1 + JTJ[i][i]) if i == j else 0.0) for j in range(n)]
                 for i in range(n)]  # fmt: skip
            step = solve(A, [-g for g in JTr])
            for p, o, s in zip(params, old, step, strict=True):
                p.data = o + s
            new = residuals()
            E_new = math.fsum(r.data**2 for r in new)
            if E_new < E:
                res, E, lam = new, E_new, max(lam / 3, 1e-12)
                break
            lam *= 3
            if lam > 1e12:  # no step lowers E: converged
                for p, o in zip(params, old, strict=True):
                    p.data = o
                return math.sqrt(E / len(X))
    return math.sqrt(E / len(X))


UA_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "x²": lambda x: x * x,
    "sin(x)": math.sin,
    "|x|": abs,
    "H(x)": lambda x: 1.0 if x > 0 else 0.0,
}
UA_BOUND = 0.05
"""The fit counts as fitted when its RMS error over the 50 points is below this."""


@checks("004-14", "3 tanh hidden units + linear output, trained on 50 points, fit x², sin, |x|, H")
def _004_14() -> Sides:
    rng = random.Random(414)
    X = [rng.uniform(-1, 1) for _ in range(50)]
    rms = {}
    for name, f in UA_FUNCTIONS.items():
        model = seeded_mlp(1, [3, 1], "tanh", "linear", seed=414)
        rms[name] = _fit_levenberg_marquardt(model, X, [f(x) for x in X], iters=40)
    spread = {n: math.sqrt(math.fsum((f(x) - math.fsum(map(f, X)) / 50) ** 2 for x in X) / 50)
              for n, f in UA_FUNCTIONS.items()}  # fmt: skip
    return Sides(
        list(rms.values()),
        [UA_BOUND] * 4,
        "MLP(1, [3, 1]), tanh hidden, linear output, on 50 points uniform in [-1, 1] (seed 414), "
        "trained by 40 Levenberg–Marquardt iterations (damped Gauss–Newton on ½Σ(ŷ − f)², "
        "every Jacobian row from the engine's grad), which keeps the check well under a "
        "second. RMS error "
        + ", ".join(f"{n} {v:.2g} (targets' spread {spread[n]:.2f})" for n, v in rms.items())
        + f"; each below {UA_BOUND}.",
        holds=all(v < UA_BOUND for v in rms.values()),
        tolerance=f"RMS error < {UA_BOUND}",
        engine_text=", ".join(f"{n}: {v:.2g}" for n, v in rms.items()),
        notes_text=f"fits (RMS < {UA_BOUND})",
        extra={n: v for n, v in rms.items()},
    )


@checks("004-15", "Gradient descent w ← w − η∇E and on-line SGD w ← w − η∇E_n")
def _004_15() -> Sides:
    X, Y = random_data(6, 2, 1, seed=415)
    eta = 0.1
    # the engine's updates: one GD step on E, then one epoch of SGD on each E_n
    model = seeded_mlp(2, [3, 1], "tanh", "linear", seed=415)
    params = list(named_params(model).values())
    for p, g in zip(params, grad(sse_batch(model, X, Y), params), strict=True):
        p.data -= eta * g
    gd_engine = [p.data for p in params]
    for x, y in zip(X, Y, strict=True):
        for p, g in zip(params, grad(losses.sse(model(x), y), params), strict=True):
            p.data -= eta * g
    sgd_engine = [p.data for p in params]
    # the notes' updates in floats, gradients from the δ rules (nn.backprop), never backward()
    twin = seeded_mlp(2, [3, 1], "tanh", "linear", seed=415)
    tw = named_params(twin)
    total = backprop.manual_gradients(twin, X, Y, "sse")
    for n, p in tw.items():
        p.data -= eta * total[n]
    gd_notes = [p.data for p in tw.values()]
    for x, y in zip(X, Y, strict=True):
        g = backprop.manual_gradients(twin, x, y, "sse")
        for n, p in tw.items():
            p.data -= eta * g[n]
    sgd_notes = [p.data for p in tw.values()]
    E0 = sse_batch(seeded_mlp(2, [3, 1], "tanh", "linear", seed=415), X, Y).data
    E_gd = descend(seeded_mlp(2, [3, 1], "tanh", "linear", seed=415), X, Y, eta, 10, None)[-1]
    E_sgd = descend(seeded_mlp(2, [3, 1], "tanh", "linear", seed=415), X, Y, eta, 10, 1)[-1]
    return Sides(
        gd_engine + sgd_engine,
        gd_notes + sgd_notes,
        "MLP(2, [3, 1]) on 6 examples, η = 0.1: one GD step and one on-line epoch with the "
        "engine's gradients against the same updates with the notes' δ-rule gradients in floats; "
        f"10 epochs lower E from {E0:.6g} to {E_gd:.6g} (GD) and {E_sgd:.6g} (SGD).",
        holds=close(gd_engine + sgd_engine, gd_notes + sgd_notes) and E_gd < E0 and E_sgd < E0,
        extra={"E_first": E0, "E_gd": E_gd, "E_sgd": E_sgd},
    )


@checks("004-16", "Jacobian J_ij = ∂y_i/∂x_j, and ∂L/∂x = Jᵀ ∂L/∂y for a scalar L")
def _004_16() -> Sides:
    rng = random.Random(416)
    W = rand_matrix(rng, 3, 2)
    x0 = [0.4, -0.7]
    x = [Value(v) for v in x0]
    y = [dot(row, x).tanh() for row in W]  # y = tanh(Wx): 2 inputs, 3 outputs
    L = vsum([yi**2 for yi in y]) * 0.5 + y[0] * y[2]
    J_engine = [grad(yi, x) for yi in y]
    s = matvec(W, x0)
    yf = [math.tanh(v) for v in s]
    J = [[(1 - yf[i] ** 2) * W[i][j] for j in range(2)] for i in range(3)]  # ∂y_i/∂x_j
    dL_dy = [yf[0] + yf[2], yf[1], yf[2] + yf[0]]
    JT_g = [math.fsum(J[i][j] * dL_dy[i] for i in range(3)) for j in range(2)]
    return Sides(
        [g for row in J_engine for g in row] + grad(L, x),
        [g for row in J for g in row] + JT_g,
        "y = tanh(Wx) with 2 inputs and 3 outputs, L = ½‖y‖² + y₀y₂: the engine's ∂y_i/∂x_j "
        "against (1 − y_i²)W_ij, and the engine's ∂L/∂x against Jᵀ ∂L/∂y.",
    )


@checks("004-17", "y_j = Σ_i w_ij x_i (2 in, 3 out): ∂y_j/∂x_i = w_ij, ∂L/∂w_ij = (∂L/∂y_j)·x_i")
def _004_17() -> Sides:
    w0 = [[0.3, -1.1, 0.8], [0.5, 0.2, -0.6]]  # w_ij: input i, output j
    x0 = [1.4, -0.9]
    w = [[Value(v) for v in row] for row in w0]
    x = [Value(v) for v in x0]
    y = [dot([w[i][j] for i in range(2)], x) for j in range(3)]
    L = (y[0] * y[1]).sin() + y[2] ** 2  # any scalar of y
    yf = [math.fsum(w0[i][j] * x0[i] for i in range(2)) for j in range(3)]
    dL_dy = [math.cos(yf[0] * yf[1]) * yf[1], math.cos(yf[0] * yf[1]) * yf[0], 2 * yf[2]]
    eng = [g for j in range(3) for g in grad(y[j], x)] + grad(L, [v for row in w for v in row])
    notes = [w0[i][j] for j in range(3) for i in range(2)]
    notes += [dL_dy[j] * x0[i] for i in range(2) for j in range(3)]
    return Sides(
        eng,
        notes,
        "y_j = Σ_i w_ij x_i with 2 inputs, 3 outputs, L = sin(y₀y₁) + y₂²: the engine's ∂y_j/∂x_i "
        "against w_ij and its ∂L/∂w_ij against (∂L/∂y_j)x_i.",
    )


@checks("004-18", "Y = XW + B: ∂L/∂W = Xᵀ∂L/∂Y, ∂L/∂X = (∂L/∂Y)Wᵀ, ∂L/∂B = ∂L/∂Y (row-summed)")
def _004_18() -> Sides:
    X0 = [[0.2, -1.0], [1.3, 0.4], [-0.6, 0.9]]  # 3 rows × 2 inputs
    W0 = [[0.5, -0.3, 1.2], [0.8, 0.1, -0.7]]  # 2 × 3
    B0 = [0.1, -0.2, 0.3]  # one bias row shared by every row of X
    Xv = [[Value(v) for v in row] for row in X0]
    Wv = [[Value(v) for v in row] for row in W0]
    Bv = [Value(v) for v in B0]
    Y = [[dot(row, [Wv[i][j] for i in range(2)]) + Bv[j] for j in range(3)] for row in Xv]
    L = vsum([(y * y).tanh() + 0.3 * y for row in Y for y in row])  # any scalar of Y
    Yf = [[y.data for y in row] for row in Y]
    G = [[(1 - math.tanh(y * y) ** 2) * 2 * y + 0.3 for y in row] for row in Yf]  # ∂L/∂Y
    dW = [[math.fsum(X0[n][i] * G[n][j] for n in range(3)) for j in range(3)] for i in range(2)]
    dX = [[math.fsum(G[n][j] * W0[i][j] for j in range(3)) for i in range(2)] for n in range(3)]
    dB = [math.fsum(G[n][j] for n in range(3)) for j in range(3)]
    flat = [v for row in Wv for v in row] + [v for row in Xv for v in row] + Bv
    return Sides(
        grad(L, flat),
        [g for row in dW for g in row] + [g for row in dX for g in row] + dB,
        "Y = XW + B with X 3×2, W 2×3 and one bias row B, L = Σ tanh(Y²) + 0.3ΣY: the engine's "
        "gradients of W, X, B against Xᵀ∂L/∂Y, (∂L/∂Y)Wᵀ and the column sums of ∂L/∂Y. The notes "
        "write ∂L/∂B = ∂L/∂Y, true for a full bias matrix; a bias row shared by the rows of X "
        "takes the sum over rows.",
    )


ENTRIES = (
    _004_1,
    _004_2,
    _004_3,
    _004_4,
    _004_5,
    _004_6,
    _004_7,
    _004_8,
    _004_9,
    _004_10,
    _004_11,
    _004_12,
    _004_13,
    _004_14,
    _004_15,
    _004_16,
    _004_17,
    _004_18,
)
"""This note's entries, in the order of EQUATIONS.md."""
