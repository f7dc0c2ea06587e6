"""Forward mode (tangent sweeps, jvp, jacobian) against reverse mode."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from ops_table import OPS, UNARY, Op
from test_properties import program_function, programs

import autograd
from autograd import Value, grad, jacobian, jvp, trace


def points(op: Op, seed: int = 0) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(lo, hi) for lo, hi in op.domain]


def test_baydin_jvp() -> None:
    def f(x1, x2):
        return x1.log() + x1 * x2 - x2.sin()

    value, ydot = jvp(f, [2.0, 5.0], [1.0, 0.0])
    assert value == math.log(2.0) + 10.0 - math.sin(5.0)
    assert ydot == 5.5
    assert jvp(f, [2.0, 5.0], [0.0, 1.0])[1] == 2.0 - math.cos(5.0)


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_forward_equals_reverse_on_every_op(op: Op) -> None:
    """One-hot tangents give each partial derivative exactly as backward does."""
    xs = points(op)
    inputs = [Value(x) for x in xs]
    reverse = grad(op.value(*inputs), inputs)
    for j in range(op.arity):
        seed = [1.0 if k == j else 0.0 for k in range(op.arity)]
        value, ydot = jvp(op.value, xs, seed)
        assert value == op.value(*[Value(x) for x in xs]).data
        assert ydot == reverse[j]
    forward = jacobian(op.value, xs, mode="forward")
    backward = jacobian(op.value, xs, mode="reverse")
    assert forward.matrix == backward.matrix == [reverse]
    assert (forward.sweeps, backward.sweeps) == (op.arity, 1)
    t = trace(op.value(*[Value(x) for x in xs]))
    for j, x in enumerate(t.inputs):
        assert t.tangent({x: 1.0}).value == reverse[j] == t.grads[j]


@pytest.mark.parametrize("op", UNARY, ids=repr)
def test_forward_over_reverse_gives_the_second_derivative(op: Op) -> None:
    """jvp of grad(create_graph=True) is f'' (and equals reverse over reverse)."""
    (x0,) = points(op)

    def fprime(x: Value) -> Value:
        return grad(op.value(x), [x], create_graph=True)[0]

    value, second = jvp(fprime, [x0], [1.0])
    x = Value(x0)
    g = grad(op.value(x), [x], create_graph=True)[0]
    assert value == g.data
    expected = grad(g, [x])[0] if g._op is not None else 0.0
    assert second == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert second == pytest.approx(op.d2(x0)[0][0], rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("op", UNARY, ids=repr)
def test_reverse_over_forward_and_forward_over_forward(op: Op) -> None:
    """jvp(create_graph=True) gives a tangent that is a Value: grad of it, or jvp of it, is f''."""
    (x0,) = points(op)
    x = Value(x0)
    _, ydot = jvp(op.value, [x], [1.0], create_graph=True)
    assert ydot.data == pytest.approx(op.d1(x0)[0], rel=1e-12, abs=1e-12)
    second = grad(ydot, [x])[0] if ydot._op is not None else 0.0
    assert second == pytest.approx(op.d2(x0)[0][0], rel=1e-9, abs=1e-9)

    def tangent(v: Value) -> Value:
        return jvp(op.value, [v], [1.0], create_graph=True)[1]

    _, again = jvp(tangent, [x0], [1.0])
    assert again == pytest.approx(second, rel=1e-12, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(programs())
def test_forward_equals_reverse_on_random_graphs(program) -> None:
    """Equal up to the order of the products: (d₃·d₂)·d₁ backward, d₃·(d₂·d₁) forward."""
    xs, steps = program
    f = program_function(steps)
    rev = jacobian(f, xs, mode="reverse")
    fwd = jacobian(f, xs, mode="forward")
    assert fwd.sweeps == len(xs) and rev.sweeps == 1
    for a, b in zip(fwd.matrix[0], rev.matrix[0]):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-12)


def test_jacobian_of_several_outputs() -> None:
    def f(a, b, c):
        return autograd.softmax([a, b, c])

    fwd = jacobian(f, [0.5, -1.0, 2.0], mode="forward")
    rev = jacobian(f, [0.5, -1.0, 2.0], mode="reverse")
    assert (fwd.sweeps, rev.sweeps) == (3, 3)
    assert fwd.matrix == rev.matrix  # one op: each entry is its stored local derivative
    s = [v.data for v in f(*[Value(x) for x in (0.5, -1.0, 2.0)])]
    for i in range(3):
        for j in range(3):
            assert fwd.matrix[i][j] == pytest.approx(s[i] * ((i == j) - s[j]), rel=1e-12)

    def g(x):
        return [x.sin(), x * x, x.exp() * 2]

    fwd = jacobian(g, [0.3], mode="forward")
    rev = jacobian(g, [0.3], mode="reverse")
    assert (fwd.sweeps, rev.sweeps) == (1, 3)
    assert fwd.matrix == rev.matrix == [[math.cos(0.3)], [0.6], [math.exp(0.3) * 2]]


def test_outputs_independent_of_an_input() -> None:
    def f(x, y):
        return [x * 2, Value(1.0)]

    assert jacobian(f, [1.0, 2.0], mode="forward").matrix == [[2.0, 0.0], [0.0, 0.0]]
    assert jacobian(f, [1.0, 2.0], mode="reverse").matrix == [[2.0, 0.0], [0.0, 0.0]]
    assert jvp(lambda x: x, [3.0], [2.0]) == (3.0, 2.0)


def test_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="mode must be 'forward' or 'reverse', not 'sideways'"):
        jacobian(lambda x: x, [1.0], mode="sideways")
    with pytest.raises(ValueError, match="2 inputs but 1 tangents"):
        jvp(lambda x, y: x * y, [1.0, 2.0], [1.0])
    with pytest.raises(TypeError, match=r"tangents\[0\] must be a number, not str"):
        jvp(lambda x: x, [1.0], ["a"])
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a number or a Value, not str"):
        jvp(lambda x: x, ["a"], [1.0])
    with pytest.raises(TypeError, match="must return a Value"):
        jvp(lambda x: 3.0, [1.0], [1.0])


def test_one_value_passed_twice_is_refused() -> None:
    """f(a, b) = a·b with x passed as both: the answers were 12 and [[0, 6]] / [[6, 6]]."""
    x = Value(3.0, "x")

    def f(a, b):
        return a * b

    with pytest.raises(ValueError, match=r"inputs\[0\] and inputs\[1\] are the same Value"):
        jvp(f, [x, x], [1.0, 2.0])
    for mode in ("forward", "reverse"):
        with pytest.raises(ValueError, match="pass it once"):
            jacobian(f, [x, x], mode=mode)
    # two inputs of the same value are two inputs
    assert jvp(f, [x, Value(3.0)], [1.0, 2.0]) == (9.0, 9.0)
    assert jacobian(f, [3.0, 3.0]) == [[3.0, 3.0]]
    assert jvp(f, [x, x.data], [1.0, 2.0]) == (9.0, 9.0)


def test_a_jacobian_indexes_and_iterates_as_its_matrix() -> None:
    def f(x, y):
        return [x * y, x + y, x.sin()]

    J = jacobian(f, [2.0, 3.0], mode="forward")
    assert J[0][1] == 2.0 and J[1][0] == 1.0  # an entry, not a row of (matrix, sweeps, mode)
    assert len(J) == 3 and [row for row in J] == [[3.0, 2.0], [1.0, 1.0], [math.cos(2.0), 0.0]]
    assert J == J.matrix and (J.sweeps, J.mode) == (2, "forward")
    rows, cols = len(J), len(J[0])
    assert (rows, cols) == (3, 2)
    assert repr(J).startswith("Jacobian([[3.0, 2.0], [1.0, 1.0], ") and "sweeps=2" in repr(J)
