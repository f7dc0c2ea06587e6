"""Note 003: the forward and backward passes in vector form.

Entries 003-1 … 003-6: z^l = W^l a^{l−1} + b^l, ∂z_i^l/∂w_ij^l = a_j^{l−1}, δ^L = σ'(z^L) ⊙ ∇C,
δ^l = σ'(z^l) ⊙ (W^{l+1})ᵀδ^{l+1}, ∂C/∂w = δ a, and one gradient-descent step.
"""

from __future__ import annotations

import itertools
import math

from autograd import grad

from .. import losses
from ..activations import sigmoid
from . import backprop
from .entry import Sides, checks, close
from .helpers import (
    X3,
    biases_of,
    descend,
    matvec,
    named_params,
    random_data,
    seeded_mlp,
    sse_batch,
    weights_of,
)


@checks("003-1", "z^l = W^l a^{l−1} + b^l, a^l = σ(z^l); y = σ(W^L … σ(W¹x + b¹) … + b^L)")
def _003_1() -> Sides:
    model = seeded_mlp(3, [4, 3, 2], "sigmoid", "sigmoid", seed=31)
    out = model(X3)
    W1, W2, W3 = (weights_of(model, l) for l in (1, 2, 3))  # noqa: E741
    b1, b2, b3 = (biases_of(model, l) for l in (1, 2, 3))  # noqa: E741

    def sig(v: list[float]) -> list[float]:
        return [sigmoid(s) for s in v]

    y = sig(matvec(W3, sig(matvec(W2, sig(matvec(W1, X3, b1)), b2)), b3))
    eng = [v.data for v in out]
    notes = list(y)
    a = list(X3)
    for l, layer in enumerate(model.layers, start=1):  # noqa: E741
        z = matvec(weights_of(model, l), a, biases_of(model, l))
        a = sig(z)
        eng += [v.data for v in layer.z] + [v.data for v in layer.a]
        notes += z + a
    return Sides(
        eng,
        notes,
        "MLP(3, [4, 3, 2]) with sigmoid units: the engine's outputs against the nested "
        "σ(W³σ(W²σ(W¹x + b¹) + b²) + b³), and every layer's z^l, a^l against W^l a^{l−1} + b^l, "
        "σ(z^l).",
    )


@checks("003-2", "∂z_i^l/∂w_ij^l = a_j^{l−1} for l > 1 and x_j for l = 1")
def _003_2() -> Sides:
    model = seeded_mlp(3, [4, 3, 2], "sigmoid", "sigmoid", seed=32)
    model(X3)
    eng, notes = [], []
    for l, layer in enumerate(model.layers, start=1):  # noqa: E741
        a_prev = X3 if l == 1 else [v.data for v in model.layers[l - 2].a]
        for i, row in enumerate(layer.W):
            eng += grad(layer.z[i], row)
            notes += a_prev
    return Sides(
        eng,
        notes,
        "Every weight of MLP(3, [4, 3, 2]): the engine's ∂z_i^l/∂w_ij^l against x_j (l = 1) "
        "and a_j^{l−1} (l > 1).",
    )


@checks("003-3", "δ^L = σ'(z^L) ⊙ ∇C(y)")
def _003_3() -> Sides:
    model = seeded_mlp(3, [4, 2], "sigmoid", "sigmoid", seed=33)
    t = [1.0, 0.0]
    eng, notes = [], []
    for name in ("sse", "binary_cross_entropy"):
        C = getattr(losses, name)(model(X3), t)
        zL = model.layers[-1].z
        eng += grad(C, zL)
        y = [sigmoid(v.data) for v in zL]
        grad_C = (
            [yk - tk for yk, tk in zip(y, t, strict=True)]
            if name == "sse"
            else [(yk - tk) / (yk * (1 - yk)) for yk, tk in zip(y, t, strict=True)]
        )
        notes += [yk * (1 - yk) * gk for yk, gk in zip(y, grad_C, strict=True)]
    return Sides(
        eng,
        notes,
        "Sigmoid output of MLP(3, [4, 2]) with C = ½‖y − t‖² and with binary cross-entropy: the "
        "engine's ∂C/∂z^L against σ'(z^L) ⊙ ∇C(y), ∇C(y) = y − t and (y − t)/(y(1 − y)).",
    )


@checks("003-4", "δ^l = σ'(z^l) ⊙ (W^{l+1})ᵀ δ^{l+1}")
def _003_4() -> Sides:
    model = seeded_mlp(3, [4, 3, 2], "sigmoid", "sigmoid", seed=34)
    t = [0.9, 0.1]
    C = losses.sse(model(X3), t)
    eng = [g for layer in model.layers for g in grad(C, layer.z)]
    ds = backprop.deltas(model, X3, t, "sse", shortcut=False)
    return Sides(
        eng,
        [d for l in range(1, len(ds)) for d in ds[l]],  # noqa: E741
        "MLP(3, [4, 3, 2]), sigmoid units, C = ½‖y − t‖²: the engine's ∂C/∂z^l for every layer "
        "against nn.backprop.deltas, which runs δ^L = σ'(z^L) ⊙ ∇C and δ^l = σ'(z^l) ⊙ "
        "(W^{l+1})ᵀδ^{l+1} in floats.",
    )


@checks("003-5", "∂C/∂w_ij^l = δ_i^l · a_j^{l−1}; ∂C/∂b_i^l = δ_i^l")
def _003_5() -> Sides:
    model = seeded_mlp(3, [4, 3, 2], "sigmoid", "sigmoid", seed=35)
    table = backprop.compare(model, X3, [0.9, 0.1], "sse")
    return Sides(
        [r.autograd for r in table],
        [r.manual for r in table],
        f"nn.backprop.compare on MLP(3, [4, 3, 2]), {len(table)} parameters: the engine's "
        f"gradients against δ_i^l a_j^{{l−1}} and δ_i^l; max |diff| = {table.max_abs_diff:.1e}.",
        extra={"max_abs_diff": table.max_abs_diff},
    )


@checks("003-6", "θ ← θ − η∇C(θ) lowers C for a small enough η")
def _003_6() -> Sides:
    X, Y = random_data(6, 2, 1, seed=36)
    model = seeded_mlp(2, [4, 1], "sigmoid", "linear", seed=36)
    params = list(named_params(model).values())
    C0 = sse_batch(model, X, Y)
    g = grad(C0, params)
    eta = 1e-6
    for p, gi in zip(params, g, strict=True):
        p.data -= eta * gi
    dC = sse_batch(model, X, Y).data - C0.data
    predicted = -eta * math.fsum(gi * gi for gi in g)
    history = descend(model, X, Y, 0.1, 20, None)
    monotone = all(b < a for a, b in itertools.pairwise(history))
    ok = close([dC], [predicted], rel=1e-4) and monotone
    return Sides(
        [dC],
        [predicted],
        f"MLP(2, [4, 1]) on 6 points: one step with η = {eta:g} changes C by {dC:.6g}, the "
        f"first-order prediction −η‖∇C‖² is {predicted:.6g}; 20 further steps with η = 0.1 lower "
        f"C at every step, {history[0]:.6g} → {history[-1]:.6g}.",
        holds=ok,
        rel_tol=1e-4,
        tolerance="relative 1e-4 (second-order term of the step)",
        extra={"C_first": history[0], "C_last": history[-1], "monotone": float(monotone)},
    )


ENTRIES = (
    _003_1,
    _003_2,
    _003_3,
    _003_4,
    _003_5,
    _003_6,
)
"""This note's entries, in the order of EQUATIONS.md."""
