"""Optimisers: gradient descent θ ← θ − η∇C (with momentum and weight decay) and Adam.

Each optimiser holds a list of parameters and, on `step()`, changes their `.data` in place
from their `.grad`; no graph nodes are made. The learning rate may be a number or a schedule,
a callable `lr(step_index) -> float` with step_index = 0 for the first step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from autograd import Value
from autograd.value import as_float

Schedule = Callable[[int], float]


def _number(name: str, x: object, lo: float, hi: float, hi_open: bool = False) -> float:
    f = None if isinstance(x, bool) else as_float(x)
    if f is None or not lo <= f <= hi or (hi_open and f == hi) or math.isnan(f):
        bracket = ")" if hi_open else "]"
        raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}{bracket}, not {x!r}")
    return f


class Optimizer:
    """The parameters, the learning rate or its schedule, and the number of steps taken."""

    def __init__(self, params: Iterable[Value], lr: float | Schedule) -> None:
        unique: dict[int, Value] = {}
        for k, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"params[{k}] is a {type(p).__name__}, not a Value")
            unique.setdefault(id(p), p)  # a parameter listed twice is updated once
        if not unique:
            raise ValueError("the optimiser got no parameters")
        self.params = list(unique.values())
        if not callable(lr):
            _number("lr", lr, 0.0, math.inf)
        self.lr = lr
        self.steps = 0

    def get_lr(self) -> float:
        """The learning rate the next `step()` uses: lr, or lr(steps) for a schedule."""
        if not callable(self.lr):
            return float(self.lr)
        eta = self.lr(self.steps)
        f = None if isinstance(eta, bool) else as_float(eta)
        if f is None or not math.isfinite(f) or f < 0:
            raise ValueError(
                f"the lr schedule gave {eta!r} at step {self.steps}; need a number ≥ 0"
            )
        return f

    def zero_grad(self) -> None:
        """Set every parameter's `grad` to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter once from its `.grad`."""
        self._update(self.get_lr())
        self.steps += 1

    def _update(self, lr: float) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """g = ∂C/∂θ + λθ;  v ← μv + g;  θ ← θ − ηv  (plain gradient descent when μ = λ = 0).

    Weight decay λ adds the gradient of (λ/2)‖θ‖² (an L2 penalty) without changing the loss.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float | Schedule,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _number("momentum", momentum, 0.0, 1.0, hi_open=True)
        self.weight_decay = _number("weight_decay", weight_decay, 0.0, math.inf)
        self.velocity = [0.0] * len(self.params)

    def _update(self, lr: float) -> None:
        mu, wd, v = self.momentum, self.weight_decay, self.velocity
        for k, p in enumerate(self.params):
            g = p.grad + wd * p.data if wd else p.grad
            if mu:
                g = v[k] = mu * v[k] + g
            p.data -= lr * g


class Adam(Optimizer):
    """m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², θ ← θ − η m̂/(√v̂ + ε), m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)."""

    def __init__(
        self,
        params: Iterable[Value],
        lr: float | Schedule = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (β₁, β₂), not {betas!r}")
        self.betas = (
            _number("betas[0]", betas[0], 0.0, 1.0, hi_open=True),
            _number("betas[1]", betas[1], 0.0, 1.0, hi_open=True),
        )
        self.eps = _number("eps", eps, 0.0, math.inf)
        self.weight_decay = _number("weight_decay", weight_decay, 0.0, math.inf)
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def _update(self, lr: float) -> None:
        b1, b2 = self.betas
        t = self.steps + 1
        c1 = 1.0 - b1**t
        c2 = 1.0 - b2**t
        m, v, wd, eps = self.m, self.v, self.weight_decay, self.eps
        for k, p in enumerate(self.params):
            g = p.grad + wd * p.data if wd else p.grad
            m[k] = b1 * m[k] + (1.0 - b1) * g
            v[k] = b2 * v[k] + (1.0 - b2) * g * g
            p.data -= lr * (m[k] / c1) / (math.sqrt(v[k] / c2) + eps)


__all__ = ["SGD", "Adam", "Optimizer", "Schedule"]
