"""`Linear`: y = W x without a bias, as a transformer's projections use it."""

from __future__ import annotations

import random
from collections.abc import Sequence

import autograd
from autograd import Value
from autograd.arguments import positive_int

from .module import Module


class Linear(Module):
    """yᵢ = Σⱼ Wᵢⱼxⱼ, one `dot` node per output; W[i][j] ~ N(0, std²), named `{name}[i,j]`."""

    def __init__(
        self,
        nin: int,
        nout: int,
        name: str = "W",
        std: float = 0.08,
        rng: random.Random | None = None,
    ) -> None:
        self.nin = positive_int("nin", nin)
        self.nout = positive_int("nout", nout)
        self.name = name
        rng = rng if rng is not None else random.Random()
        self.W = [
            [Value(rng.gauss(0.0, std), f"{name}[{i},{j}]") for j in range(nin)]
            for i in range(nout)
        ]

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """y = W x: ∂yᵢ/∂Wᵢⱼ = xⱼ, ∂yᵢ/∂xⱼ = Wᵢⱼ."""
        if isinstance(x, (Value, int, float, str, bytes)) or not hasattr(x, "__len__"):
            raise TypeError(
                f"{self.name}: takes a list of {self.nin} inputs, not {type(x).__name__}"
            )
        if len(x) != self.nin:
            raise ValueError(f"{self.name}: takes {self.nin} inputs, got {len(x)}")
        return [autograd.dot(row, x) for row in self.W]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [(w.label, w) for row in self.W for w in row]

    def __repr__(self) -> str:
        return f"Linear({self.nin}, {self.nout}, name={self.name!r})"


__all__ = ["Linear"]
