"""`Embedding`: a table of learned vectors, looked up by index (tokens, positions).

Looking up row i makes no node: the row's Values are the parameters themselves, so backward adds
∂L/∂e straight into E[i,j], and rows that were not looked up keep a zero gradient.
"""

from __future__ import annotations

import random

from autograd import Value
from autograd.arguments import positive_int

from .module import Module


class Embedding(Module):
    """e = E[i]: row i of an n × d table, E[i,j] ~ N(0, std²); parameters named `{name}[i,j]`."""

    def __init__(
        self,
        n: int,
        dim: int,
        name: str = "E",
        std: float = 0.08,
        rng: random.Random | None = None,
    ) -> None:
        self.n = positive_int("n", n)
        self.dim = positive_int("dim", dim)
        self.name = name
        rng = rng if rng is not None else random.Random()
        self.E = [
            [Value(rng.gauss(0.0, std), f"{name}[{i},{j}]") for j in range(dim)] for i in range(n)
        ]

    def __call__(self, i: int) -> list[Value]:
        """The row E[i] (the same Values, not copies)."""
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < self.n:
            raise IndexError(f"{self.name}: index {i!r} is not an int in 0..{self.n - 1}")
        return list(self.E[i])

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(v.label, v) for row in self.E for v in row]

    def __repr__(self) -> str:
        return f"Embedding({self.n}, {self.dim}, name={self.name!r})"


__all__ = ["Embedding"]
