"""Numbers the checks share: seeded models and data, the engine's f'(x), float algebra."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

from autograd import Value, grad
from autograd import sum as vsum

from .. import losses
from ..layers import MLP


def engine_derivative(f: Callable[[Value], Value], x: float) -> float:
    """The engine's f'(x): build f on a leaf and ask `grad`."""
    v = Value(x)
    return grad(f(v), [v])[0]


def seeded_mlp(
    nin: int, nouts: list[int], activation: str, output: str, seed: int, biases: bool = True
):
    """nn.MLP with Xavier weights from `seed`; nn starts biases at 0, so give them values too."""
    model = MLP(nin, nouts, activation=activation, output_activation=output, seed=seed)
    if biases:
        rng = random.Random(seed + 7919)
        for name, p in model.named_parameters():
            if name.startswith("b"):
                p.data = rng.uniform(-0.5, 0.5)
    return model


def named_params(model) -> dict[str, Value]:
    return dict(model.named_parameters())


def weights_of(model, l: int) -> list[list[float]]:  # noqa: E741
    return [[w.data for w in row] for row in model.layers[l - 1].W]


def biases_of(model, l: int) -> list[float]:  # noqa: E741
    return [v.data for v in model.layers[l - 1].b]


def matvec(W: list[list[float]], a: Sequence[float], b: Sequence[float] | None = None):
    out = [math.fsum(w * x for w, x in zip(row, a, strict=True)) for row in W]
    return out if b is None else [o + bi for o, bi in zip(out, b, strict=True)]


def solve(A: list[list[float]], y: list[float]) -> list[float]:
    """x with A x = y, Gaussian elimination with partial pivoting."""
    n = len(y)
    M = [[*row, yi] for row, yi in zip(A, y, strict=True)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(M[r][c]))
        M[c], M[p] = M[p], M[c]
        for r in range(c + 1, n):
            f = M[r][c] / M[c][c]
            for k in range(c, n + 1):
                M[r][k] -= f * M[c][k]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (M[r][n] - math.fsum(M[r][k] * x[k] for k in range(r + 1, n))) / M[r][r]
    return x


X3 = [0.5, -1.2, 0.8]  # the input most checks use


def random_data(
    n: int, nin: int, nout: int, seed: int
) -> tuple[list[list[float]], list[list[float]]]:
    rng = random.Random(seed)
    X = [[rng.uniform(-1.5, 1.5) for _ in range(nin)] for _ in range(n)]
    Y = [[math.sin(sum(x) + k) * 0.8 for k in range(nout)] for x in X]
    return X, Y


def sse_batch(model, X, Y) -> Value:
    return vsum([losses.sse(model(x), y) for x, y in zip(X, Y, strict=True)])


def descend(model, X, Y, eta: float, epochs: int, batch: int | None) -> list[float]:
    """w ← w − η ∂L_b/∂w over mini-batches b (the whole set when batch is None); loss per epoch."""
    params = list(named_params(model).values())
    size = len(X) if batch is None else batch
    history = [sse_batch(model, X, Y).data]
    for _ in range(epochs):
        for s in range(0, len(X), size):
            Lb = sse_batch(model, X[s : s + size], Y[s : s + size])
            for p, g in zip(params, grad(Lb, params), strict=True):
                p.data -= eta * g
        history.append(sse_batch(model, X, Y).data)
    return history


def rand_matrix(rng: random.Random, rows: int, cols: int) -> list[list[float]]:
    return [[rng.gauss(0, 0.8) for _ in range(cols)] for _ in range(rows)]
