"""Checking derivatives against central differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .functional import grad
from .mode import no_grad
from .value import Number, Value, as_float

Function = Callable[..., "Value | float"]


def _number(x: object) -> float | None:
    """The float of a Value (its data) or of a plain number; None for anything else."""
    return x.data if isinstance(x, Value) else as_float(x)


def _floats(inputs: Sequence[Value | Number]) -> list[float]:
    out = []
    for i, x in enumerate(inputs):
        f = _number(x)
        if f is None:
            raise TypeError(f"inputs[{i}] must be a Value or a number, not {type(x).__name__}")
        out.append(f)
    return out


def numerical_grad(f: Function, inputs: Sequence[Value | Number], eps: float = 1e-6) -> list[float]:
    """Central differences: ∂f/∂xᵢ ≈ (f(x + eps·eᵢ) − f(x − eps·eᵢ)) / (2·eps).

    `f` is called with one Value per input and returns a Value (or a number).
    """
    xs = _floats(inputs)

    def at(i: int, h: float) -> float:
        with no_grad():
            out = f(*(Value(x + h if j == i else x) for j, x in enumerate(xs)))
        y = _number(out)
        if y is None:
            raise TypeError(f"f must return a Value or a number, not {type(out).__name__}")
        return y

    return [(at(i, eps) - at(i, -eps)) / (2.0 * eps) for i in range(len(xs))]


def gradcheck(
    f: Function,
    inputs: Sequence[Value | Number],
    atol: float = 1e-6,
    rtol: float = 1e-4,
    eps: float = 1e-6,
) -> bool:
    """True when backprop agrees with central differences for every input, else AssertionError."""
    labels = [getattr(x, "label", "") or f"x{i}" for i, x in enumerate(inputs)]
    values = [Value(x, label) for x, label in zip(_floats(inputs), labels)]
    analytic = grad(_value_of(f(*values)), values)
    numeric = numerical_grad(f, values, eps)
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        if not abs(a - n) <= atol + rtol * abs(n):
            raise AssertionError(
                f"gradcheck: input {i} ({labels[i]} = {values[i].data!r}): analytic {a!r}, "
                f"numeric {n!r}, |diff| {abs(a - n):.3g} > atol {atol} + rtol {rtol}·|numeric|"
            )
    return True


def _value_of(out: Value | float) -> Value:
    if isinstance(out, Value):
        return out
    return Value(out)
