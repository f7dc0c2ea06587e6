"""Numerical edge cases: higher-order rules as stable as the first order, IEEE values at the
edges of the domains, NaN and infinities in logsumexp."""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import Value, grad, ops


def first_and_second(y_of: object, x: Value) -> tuple[float, float]:
    y = y_of(x)
    (g,) = grad(y, [x], create_graph=True)
    (h,) = grad(g, [x])
    return g.data, h


@pytest.mark.parametrize("big", [1e15, 1e300])
def test_create_graph_logsumexp_and_softmax_match_backward_at_large_inputs(big: float) -> None:
    a, b = Value(big), Value(big + 1.0)  # at 1e300 the two are equal: +1 is below one ulp
    for y in (autograd.logsumexp([a, b]), autograd.softmax([a, b])[0]):
        y.zero_grad()
        y.backward()
        (g,) = grad(y, [a], create_graph=True)
        assert g.data == a.grad
    expected = 0.5 if big == 1e300 else 1.0 / (1.0 + math.e)
    (g,) = grad(autograd.logsumexp([a, b]), [a], create_graph=True)
    assert g.data == pytest.approx(expected, rel=1e-15)


def test_second_derivative_of_logsumexp_at_large_inputs_is_right() -> None:
    a, b = Value(1e15), Value(1e15 + 1.0)
    y = autograd.logsumexp([a, b])
    (g,) = grad(y, [a], create_graph=True)
    (h,) = grad(g, [a])
    s = 1.0 / (1.0 + math.e)
    assert h == pytest.approx(s * (1 - s), rel=1e-12)


@pytest.mark.parametrize(
    "f",
    [lambda x: x.sqrt(), lambda x: x**0.5, lambda x: x ** (1 / 3)],
    ids=["sqrt", "**0.5", "**1/3"],
)
def test_create_graph_at_zero_gives_inf_as_backward_does(f: object) -> None:
    x = Value(0.0)
    y = f(x)
    y.backward()
    assert x.grad == math.inf
    g, h = first_and_second(f, Value(0.0))
    assert g == math.inf
    assert h == -math.inf or math.isnan(h)


def test_pow_of_a_tiny_base_to_the_zero_has_derivative_zero() -> None:
    a, b = Value(5e-324), Value(0.0)
    y = a**b
    y.backward()
    assert (y.data, a.grad) == (1.0, 0.0)
    assert b.grad == pytest.approx(math.log(5e-324))


@pytest.mark.parametrize("xs", [[-math.inf, math.nan], [math.nan, -math.inf], [1.0, math.nan]])
def test_logsumexp_nan_wins_in_any_order(xs: list[float]) -> None:
    vs = [Value(x) for x in xs]
    y = autograd.logsumexp(vs)
    assert math.isnan(y.data)
    assert all(math.isnan(d) for d in y.local_grads)


@pytest.mark.parametrize("inf", [math.inf, -math.inf])
def test_logsumexp_of_equal_infinities_shares_the_derivative(inf: float) -> None:
    x = Value(inf)
    y = autograd.logsumexp([x, x])
    assert y.local_grads == (0.5, 0.5)
    y.backward()
    assert x.grad == 1.0
    y = autograd.logsumexp([Value(inf), Value(inf), Value(0.0)])
    expected = (0.5, 0.5, 0.0) if inf > 0 else (0.0, 0.0, 1.0)
    assert y.local_grads == expected


@pytest.mark.parametrize(
    ("a0", "b0"),
    [(5e-324, 0.0), (5e-324, 0.5), (5e-324, 2.0), (1e-310, 0.0), (1e-310, 0.5), (3.0, 0.0)],
)
def test_second_derivatives_of_a_power_at_a_subnormal_base(a0: float, b0: float) -> None:
    """y = a**b at a subnormal a: create_graph's first derivatives are backward's (∂y/∂a was NaN
    at b = 0), and ∂²y/∂a∂b = a^(b−1)(1 + b ln a) comes out the same both ways round (it was inf
    at (5e-324, 0.5), true −1.67e164, and NaN at (5e-324, 2), true −7.35e-321)."""
    a, b = Value(a0, "a"), Value(b0, "b")
    y = a**b
    ga, gb = grad(y, [a, b], create_graph=True)
    y.backward()
    assert ga.data == a.grad and gb.data == pytest.approx(b.grad, rel=1e-15)
    try:
        cross = a0 ** (b0 - 1.0) * (1.0 + b0 * math.log(a0))
    except OverflowError:  # 1/a beyond the float range: inf, as IEEE has it
        cross = math.inf
    tiny = 8e-323  # a few steps of the subnormal grid
    for h in (grad(ga, [b])[0], grad(gb, [a])[0]):
        assert h == cross or h == pytest.approx(cross, rel=1e-13, abs=tiny), (h, cross)
    laa = grad(ga, [a])[0]  # b(b − 1)·a^(b−2): 0 at b = 0, −inf at b = ½ (overflow), 2 at b = 2
    expected = 0.0 if b0 == 0.0 else b0 * (b0 - 1.0) * ops.power(a0, b0 - 2.0)
    assert laa == expected or laa == pytest.approx(expected, rel=1e-13)
    lbb = grad(gb, [b])[0]  # y·ln²a
    assert lbb == pytest.approx(y.data * math.log(a0) ** 2, rel=1e-13, abs=tiny)
