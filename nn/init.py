"""Weight initialisers: each is `init(n_in, n_out, rng) -> float`, one weight per call.

`n_in` and `n_out` are the fan-in and fan-out of the layer the weight belongs to, `rng` a
`random.Random`. Extra parameters are keywords, so `functools.partial(normal, std=0.1)` is an
initialiser too. Biases always start at 0.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from autograd.arguments import lookup

Initialiser = Callable[[int, int, random.Random], float]


def uniform(n_in: int, n_out: int, rng: random.Random, a: float = -1.0, b: float = 1.0) -> float:
    """w ~ U(a, b); micrograd's choice is U(−1, 1), whatever the layer's size."""
    return rng.uniform(a, b)


def normal(n_in: int, n_out: int, rng: random.Random, std: float = 1.0) -> float:
    """w ~ N(0, std²)."""
    return rng.gauss(0.0, std)


def xavier_normal(n_in: int, n_out: int, rng: random.Random) -> float:
    """w ~ N(0, σ²) with σ² = 2/(n_in + n_out) (Xavier/Glorot, the notes' 001-8)."""
    return rng.gauss(0.0, math.sqrt(2.0 / (n_in + n_out)))


def xavier_uniform(n_in: int, n_out: int, rng: random.Random) -> float:
    """w ~ U(−ℓ, ℓ) with ℓ = √(6/(n_in + n_out)), so Var w = ℓ²/3 = 2/(n_in + n_out)."""
    limit = math.sqrt(6.0 / (n_in + n_out))
    return rng.uniform(-limit, limit)


def he_normal(n_in: int, n_out: int, rng: random.Random) -> float:
    """w ~ N(0, 2/n_in) (He et al.): keeps Var z steady through ReLU layers."""
    return rng.gauss(0.0, math.sqrt(2.0 / n_in))


def zeros(n_in: int, n_out: int, rng: random.Random) -> float:
    """w = 0: every unit of a layer then stays identical (the symmetry problem)."""
    return 0.0


INITIALISERS: dict[str, Initialiser] = {
    "uniform": uniform,
    "normal": normal,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "he_normal": he_normal,
    "zeros": zeros,
}


def get(init: str | Initialiser) -> Initialiser:
    """The initialiser called `init` (or `init` itself if callable); ValueError lists the names."""
    return init if callable(init) else lookup("initialiser", init, INITIALISERS)


__all__ = [
    "INITIALISERS",
    "Initialiser",
    "get",
    "he_normal",
    "normal",
    "uniform",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]
