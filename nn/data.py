"""Small data sets as plain lists (no numpy, no scikit-learn) and a batch iterator.

Each generator returns (X, y): X a list of input lists of floats, y a list of targets.
`seed` fixes the randomness through a private `random.Random`; None draws a fresh one.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence

from autograd.arguments import lookup, positive_int


def _rng(seed: int | random.Random | None) -> random.Random:
    if isinstance(seed, random.Random):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ValueError(f"seed must be an int, a random.Random or None, not {seed!r}")
    return random.Random(seed)


def _noise(noise: object) -> float:
    f = noise if isinstance(noise, (int, float)) and not isinstance(noise, bool) else None
    if f is None or not math.isfinite(f) or f < 0:
        raise ValueError(f"noise must be a number ≥ 0, not {noise!r}")
    return float(f)


def _linspace(lo: float, hi: float, n: int, endpoint: bool = True) -> list[float]:
    """numpy.linspace(lo, hi, n, endpoint) as a list."""
    if n == 1:
        return [lo]
    step = (hi - lo) / (n - 1 if endpoint else n)
    return [lo + k * step for k in range(n)]


def _shuffled(X: list, y: list, rng: random.Random) -> tuple[list, list]:
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[k] for k in order], [y[k] for k in order]


def _two_classes(
    X: list[list[float]], n_out: int, rng: random.Random, shuffle: bool, noise: float
) -> tuple[list[list[float]], list[int]]:
    """Label the first n_out points 0 and the rest 1, shuffle (as scikit-learn does, before
    the noise), then add N(0, noise²) to each coordinate."""
    y = [0] * n_out + [1] * (len(X) - n_out)
    if shuffle:
        X, y = _shuffled(X, y, rng)
    if noise:
        X = [[x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)] for x1, x2 in X]
    return X, y


def make_moons(
    n: int = 100, noise: float = 0.1, seed: int | random.Random | None = None, shuffle: bool = True
) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles, as scikit-learn's make_moons: ⌊n/2⌋ points of class 0 on
    (cos θ, sin θ) and the rest of class 1 on (1 − cos θ, ½ − sin θ), θ ∈ [0, π], plus
    N(0, noise²) on each coordinate."""
    n = positive_int("n", n, least=2)
    noise = _noise(noise)
    rng = _rng(seed)
    n_out = n // 2
    n_in = n - n_out
    X = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, n_out)]
    X += [[1.0 - math.cos(t), 0.5 - math.sin(t)] for t in _linspace(0.0, math.pi, n_in)]
    return _two_classes(X, n_out, rng, shuffle, noise)


def make_circles(
    n: int = 100,
    noise: float = 0.0,
    factor: float = 0.8,
    seed: int | random.Random | None = None,
    shuffle: bool = True,
) -> tuple[list[list[float]], list[int]]:
    """A circle of radius `factor` (class 1) inside the unit circle (class 0), as
    scikit-learn's make_circles, plus N(0, noise²) on each coordinate."""
    n = positive_int("n", n, least=2)
    noise = _noise(noise)
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 <= factor < 1:
        raise ValueError(f"factor must be a number in [0, 1), not {factor!r}")
    rng = _rng(seed)
    n_out = n // 2
    n_in = n - n_out
    X = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, 2 * math.pi, n_out, endpoint=False)]
    X += [
        [factor * math.cos(t), factor * math.sin(t)]
        for t in _linspace(0.0, 2 * math.pi, n_in, endpoint=False)
    ]
    return _two_classes(X, n_out, rng, shuffle, noise)


def make_spirals(
    n: int = 100,
    classes: int = 2,
    noise: float = 0.2,
    seed: int | random.Random | None = None,
    shuffle: bool = True,
) -> tuple[list[list[float]], list[int]]:
    """`classes` interleaved spiral arms (CS231n's construction): arm k has radius r ∈ (0, 1]
    and angle θ = 2πk/classes + 4r + N(0, noise²); a point is (r cos θ, r sin θ), label k.
    The n points are shared out as evenly as possible."""
    n = positive_int("n", n)
    classes = positive_int("classes", classes)
    noise = _noise(noise)
    rng = _rng(seed)
    X: list[list[float]] = []
    y: list[int] = []
    for k in range(classes):
        m = n // classes + (1 if k < n % classes else 0)
        for i in range(m):
            r = (i + 1) / m
            t = 2 * math.pi * k / classes + 4.0 * r + (rng.gauss(0.0, noise) if noise else 0.0)
            X.append([r * math.cos(t), r * math.sin(t)])
            y.append(k)
    if shuffle:
        X, y = _shuffled(X, y, rng)
    return X, y


def _heaviside(x: float) -> float:
    return 1.0 if x > 0 else 0.0


CURVES: dict[str, Callable[[float], float]] = {
    "square": lambda x: x * x,
    "sin": math.sin,
    "abs": abs,
    "step": _heaviside,
}


def make_regression_1d(
    f: str | Callable[[float], float],
    n: int = 50,
    lo: float = -1.0,
    hi: float = 1.0,
    seed: int | random.Random | None = None,
) -> tuple[list[list[float]], list[float]]:
    """n points xₙ drawn uniformly from [lo, hi] (sorted) and tₙ = f(xₙ): the notes' 004-14 set.

    `f` is a callable or one of "square" (x²), "sin" (sin x), "abs" (|x|), "step" (H(x)).
    X holds one-element lists [xₙ], so `model(X[n])` works for an MLP with nin = 1.
    """
    if isinstance(f, str):
        f = lookup("curve", f, CURVES)
    elif not callable(f):
        raise ValueError(f"f must be a callable or a curve name, not {f!r}")
    n = positive_int("n", n)
    if not lo < hi:
        raise ValueError(f"need lo < hi, got lo={lo!r}, hi={hi!r}")
    rng = _rng(seed)
    xs = sorted(rng.uniform(lo, hi) for _ in range(n))
    return [[x] for x in xs], [float(f(x)) for x in xs]


def batches(
    X: Sequence,
    y: Sequence,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int | random.Random | None = None,
) -> Iterator[tuple[list, list]]:
    """(Xb, yb) pairs covering the data once: batch_size None is full-batch gradient descent,
    1 is stochastic (on-line) gradient descent, anything between is mini-batch; the last batch
    may be smaller. `shuffle` visits the examples in a random order."""
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)} targets")
    if not len(X):
        raise ValueError("no examples: X and y are empty")
    if batch_size is not None:
        batch_size = positive_int("batch_size", batch_size)
    order = list(range(len(X)))
    if shuffle:
        _rng(seed).shuffle(order)
    size = len(X) if batch_size is None else batch_size
    return (
        ([X[k] for k in order[start : start + size]], [y[k] for k in order[start : start + size]])
        for start in range(0, len(X), size)
    )


__all__ = [
    "CURVES",
    "batches",
    "make_circles",
    "make_moons",
    "make_regression_1d",
    "make_spirals",
]
