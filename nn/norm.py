"""RMSNorm: rescale a vector to unit root-mean-square, yᵢ = xᵢ / √(Σⱼ xⱼ²/n + ε)."""

from __future__ import annotations

from collections.abc import Sequence

import autograd
from autograd import Value


def rmsnorm(x: Sequence[Value], eps: float = 1e-5) -> list[Value]:
    """yᵢ = xᵢ·r, r = (Σⱼ xⱼ²/n + ε)^(−½): ∂yᵢ/∂xⱼ = r(δᵢⱼ − yᵢyⱼ/n) (one dot node for Σxⱼ²)."""
    x = list(x)
    if not x:
        raise ValueError("rmsnorm: needs at least one value, got an empty sequence")
    r = (autograd.dot(x, x) * (1.0 / len(x)) + eps) ** -0.5
    return [xi * r for xi in x]


__all__ = ["rmsnorm"]
