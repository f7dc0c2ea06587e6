"""`Module`: named parameters in the notes' notation, their gradients, and their state."""

from __future__ import annotations

import math
from collections.abc import Mapping

from autograd import Value
from autograd.arguments import short_repr
from autograd.value import as_float

_SHOWN = 10  # names listed per kind of problem in an error message


def _listing(names: list[str]) -> str:
    shown = ", ".join(n if len(n) <= 60 else n[:57] + "..." for n in names[:_SHOWN])
    more = len(names) - _SHOWN
    return shown + (f" … and {more} more" if more > 0 else "")


class Module:
    """Anything with parameters: `named_parameters()` is the one method a subclass supplies."""

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs, names like `W1[i,j]` and `b1[i]`, layers counted from 1."""
        return []

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of `named_parameters()`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's `grad` to 0 (backward adds to it)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """name → the parameter's value, as plain floats."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object]) -> None:
        """Set every parameter from `state`; ValueError lists every problem and changes nothing.

        `state` must hold exactly this module's names, each a finite number.
        """
        if not isinstance(state, Mapping):
            raise ValueError(
                f"load_state_dict: expected a dict of name → number, not {type(state).__name__}"
            )
        params = self.named_parameters()
        names = {name for name, _ in params}
        missing = [name for name, _ in params if name not in state]
        extra = [str(k) for k in state if k not in names]
        bad = []
        values = {}
        for name, _ in params:
            if name not in state:
                continue
            v = state[name]
            x = None if isinstance(v, bool) else as_float(v)
            if x is None or not math.isfinite(x):
                bad.append(f"{name}={short_repr(v)}")
            else:
                values[name] = x
        problems = []
        if missing:
            problems.append(f"missing {len(missing)}: {_listing(missing)}")
        if extra:
            problems.append(f"unexpected {len(extra)}: {_listing(extra)}")
        if bad:
            problems.append(f"not a finite number {len(bad)}: {_listing(bad)}")
        if problems:
            raise ValueError(
                f"load_state_dict: {'; '.join(problems)} "
                f"(this {type(self).__name__} has {len(params)} parameters); nothing was changed"
            )
        for name, p in params:
            p.data = values[name]


__all__ = ["Module"]
