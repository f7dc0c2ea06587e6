"""Random expression graphs built from the op table, with shared sub-expressions.

A program is a list of steps, each making a new node from earlier ones (chosen with
repetition, so nodes fan out to several children). Besides the table's ops, steps build the
shapes that break naive engines: `a*a`, `b = a + a; c = b + b`, and diamonds. Every operand is
first squashed into its op's safe domain, lo + (hi − lo)·σ(v), so each graph stays away from
domain edges and kinks whatever the inputs; the output sums every node, inputs included.
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from ops_table import OPS, Op

import autograd
from autograd import Value, backward_steps, grad, gradcheck, topological_order

SHAPES = ["a*a", "b=a+a;c=b+b", "diamond"]
Step = tuple


def squash(v: Value, lo: float, hi: float) -> Value:
    """A node in (lo, hi), smooth in v."""
    return v.sigmoid() * (hi - lo) + lo


@st.composite
def programs(draw, max_steps: int = 10) -> tuple[tuple[float, ...], list[Step]]:
    n_inputs = draw(st.integers(1, 3))
    xs = tuple(draw(st.floats(-2.0, 2.0)) for _ in range(n_inputs))
    steps: list[Step] = []
    for size in range(n_inputs, n_inputs + draw(st.integers(1, max_steps))):
        node = st.integers(0, size - 1)
        if draw(st.integers(0, 3)) == 0:
            steps.append((draw(st.sampled_from(SHAPES)), draw(node)))
        else:
            op: Op = draw(st.sampled_from(OPS))
            steps.append((op, tuple(draw(node) for _ in range(op.arity))))
    return xs, steps


def run(steps: list[Step], inputs: tuple[Value, ...]) -> Value:
    pool = list(inputs)
    for what, args in steps:
        if isinstance(what, Op):
            operands = [
                squash(pool[i], lo, hi) for i, (lo, hi) in zip(args, what.domain, strict=True)
            ]
            pool.append(what.value(*operands))
            continue
        a = squash(pool[args], -2.0, 2.0)
        if what == "a*a":
            pool.append(a * a)
        elif what == "b=a+a;c=b+b":
            b = a + a
            pool.append(b + b)
        else:  # diamond: two paths from a meet again
            pool.append(a.sin() * a.exp())
    return autograd.sum(pool)


def program_function(steps: list[Step]):
    return lambda *inputs: run(steps, inputs)


@settings(max_examples=150)
@given(programs())
def test_random_graphs_pass_gradcheck(program) -> None:
    xs, steps = program
    assert gradcheck(program_function(steps), xs)


@settings(max_examples=150)
@given(programs())
def test_backward_agrees_with_grad_and_accumulates_exactly(program) -> None:
    xs, steps = program
    inputs = tuple(Value(x, f"x{i}") for i, x in enumerate(xs))
    out = run(steps, inputs)
    expected = grad(out, inputs)
    order = topological_order(out)
    assert all(n.grad == 0.0 for n in order)
    out.backward()
    for x, g in zip(inputs, expected, strict=True):
        assert math.isclose(x.grad, g, rel_tol=1e-12, abs_tol=1e-15)
    first = [n.grad for n in order]
    out.backward()
    assert [n.grad for n in order] == [2 * g for g in first]  # exactly double, every node
    out.zero_grad()
    assert all(n.grad == 0.0 for n in order)
    # backward_steps reports the same gradients, node by node, without touching .grad
    steps_grads = {id(s.node): s.grad for s in backward_steps(out)}
    assert [steps_grads[id(n)] for n in order] == first
    assert all(n.grad == 0.0 for n in order)


@settings(max_examples=150)
@given(programs())
def test_topological_order_lists_each_node_once_after_its_parents(program) -> None:
    xs, steps = program
    out = run(steps, tuple(Value(x) for x in xs))
    order = topological_order(out)
    position = {id(n): i for i, n in enumerate(order)}
    assert len(position) == len(order) and order[-1] is out
    for n in order:
        assert all(position[id(p)] < position[id(n)] for p in n.parents)


@settings(max_examples=50)
@given(programs(max_steps=5))
def test_second_derivatives_match_differences_of_first(program) -> None:
    """∂²f/∂xᵢ∂xⱼ from grad(create_graph=True) against central differences of grad()."""
    xs, steps = program
    inputs = tuple(Value(x) for x in xs)
    out = run(steps, inputs)
    first = grad(out, inputs, create_graph=True)
    plain = grad(out, inputs)
    for g, p in zip(first, plain, strict=True):
        assert math.isclose(g.data, p, rel_tol=1e-9, abs_tol=1e-12)
    hessian = [grad(g, inputs) for g in first]
    eps = 1e-5
    for j in range(len(xs)):
        up = tuple(Value(x + eps if k == j else x) for k, x in enumerate(xs))
        down = tuple(Value(x - eps if k == j else x) for k, x in enumerate(xs))
        g_up, g_down = grad(run(steps, up), up), grad(run(steps, down), down)
        for i in range(len(xs)):
            numeric = (g_up[i] - g_down[i]) / (2 * eps)
            assert math.isclose(hessian[i][j], numeric, rel_tol=1e-4, abs_tol=1e-5), (i, j)
