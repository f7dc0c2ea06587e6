"""The engine's behaviour beyond single ops: types, bad inputs, accumulation, modes, grad()."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ops_table import OPS
from ops_table import Op as Row

import autograd
from autograd import (
    Value,
    backward_steps,
    detect_anomaly,
    enable_grad,
    grad,
    gradcheck,
    is_grad_enabled,
    no_grad,
    numerical_grad,
    topological_order,
    zero_grad,
)
from autograd.node import write


def snapshot(root: Value) -> list[tuple]:
    """Everything about every node of root's graph, to check that nothing changed."""
    return [
        (id(n), n.data, n.grad, n.label, n.op, tuple(map(id, n.parents)), n.local_grads)
        for n in topological_order(root)
    ]


# ---- construction and types ----------------------------------------------------------------


@pytest.mark.parametrize(
    "data, type_name",
    [("x", "str"), (None, "NoneType"), ([1.0], "list"), (1j, "complex"), ({}, "dict")],
)
def test_value_rejects_non_numbers_naming_the_type(data, type_name) -> None:
    with pytest.raises(TypeError, match=type_name):
        Value(data)


@pytest.mark.parametrize(
    "data, expected",
    [
        (True, 1.0),
        (False, 0.0),
        (3, 3.0),
        (np.float64(2.5), 2.5),
        (np.float32(0.5), 0.5),
        (np.int64(-4), -4.0),
        (10**400, math.inf),
    ],
)
def test_value_accepts_numbers_as_floats(data, expected) -> None:
    v = Value(data)
    assert type(v.data) is float and v.data == expected
    assert type(v.grad) is float and v.grad == 0.0
    assert (v.op, v.parents, v.local_grads, v.label) == ("", (), (), "")


def test_label_repr_float_and_identity_hash() -> None:
    a = Value(2.0, "a")
    b = Value(2.0)
    b.label = "b"
    assert (a.label, b.label) == ("a", "b")
    assert "2.0" in repr(a) and "'a'" in repr(a)
    assert "'*'" in repr(a * b)
    assert len({a, b}) == 2 and a != b
    with pytest.raises(TypeError, match="int"):
        Value(1.0, label=3)


BAD_OPERANDS = ["a", None, [1.0], 1j, {}, (1,)]


@pytest.mark.parametrize("bad", BAD_OPERANDS, ids=repr)
@pytest.mark.parametrize(
    "op",
    [
        lambda v, o: v + o,
        lambda v, o: o + v,
        lambda v, o: v - o,
        lambda v, o: o - v,
        lambda v, o: v * o,
        lambda v, o: o * v,
        lambda v, o: v / o,
        lambda v, o: o / v,
        lambda v, o: v**o,
        lambda v, o: o**v,
    ],
    ids=["v+o", "o+v", "v-o", "o-v", "v*o", "o*v", "v/o", "o/v", "v**o", "o**v"],
)
def test_non_numeric_operands_raise_type_error(op, bad) -> None:
    v = Value(2.0, "v") * 1.5
    before = snapshot(v)
    with pytest.raises(TypeError):
        op(v, bad)
    assert snapshot(v) == before


@pytest.mark.parametrize(
    "call",
    [
        lambda v: autograd.sum([v, "a"]),
        lambda v: autograd.mean([v, None]),
        lambda v: autograd.dot([1.0, "a"], [v, v]),
        lambda v: autograd.dot([v, v], [None, 1.0]),
        lambda v: autograd.logsumexp([v, "a"]),
        lambda v: autograd.softmax([v, [1]]),
        lambda v: v.leaky_relu("a"),
        lambda v: v.backward("a"),
    ],
    ids=["sum", "mean", "dot-w", "dot-x", "logsumexp", "softmax", "leaky_relu slope", "backward"],
)
def test_non_numeric_arguments_raise_type_error(call) -> None:
    v = Value(2.0, "v") * 1.5
    before = snapshot(v)
    with pytest.raises(TypeError):
        call(v)
    assert snapshot(v) == before


@pytest.mark.parametrize(
    "number",
    [np.float64(3.0), np.int64(3), np.float32(3.0), 3, 3.0],
    ids=["float64", "int64", "float32", "int", "float"],
)
def test_numbers_of_any_kind_fold_into_the_op(number) -> None:
    v = Value(2.0)
    for out, op in [
        (v * number, "*3"),
        (number * v, "*3"),
        (v + number, "+3"),
        (number - v, "3-"),
        (number / v, "3/"),
        (v**number, "**3"),
        (number**v, "3**"),
    ]:
        assert type(out) is Value, (op, type(out))
        assert out.op == op and out.parents == (v,)
    assert (v * True).op == "*1"


def test_numpy_array_of_values_is_not_an_operand_silently() -> None:
    # __array_ufunc__ = None: numpy defers to Value instead of broadcasting an object array
    with pytest.raises(TypeError):
        np.array([1.0, 2.0]) * Value(2.0)


# ---- bad inputs: a clear error at the op, nothing corrupted ---------------------------------

BAD = [
    # (name, bad data of x, the op on x, exception, op text in message, operand text)
    ("log(0)", 0.0, lambda x: x.log(), ValueError, "log", "0.0"),
    ("log(-2)", -2.0, lambda x: x.log(), ValueError, "log", "-2.0"),
    ("sqrt(-1)", -1.0, lambda x: x.sqrt(), ValueError, "sqrt", "-1.0"),
    ("v/x at 0", 0.0, lambda x: Value(1.0) / x, ZeroDivisionError, "/", "0.0"),
    ("1/x at 0", 0.0, lambda x: 1 / x, ZeroDivisionError, "/", "0.0"),
    ("x/0", 2.0, lambda x: x / 0, ZeroDivisionError, "/", "2.0"),
    ("x/v(0)", 2.0, lambda x: x / Value(0.0), ZeroDivisionError, "/", "2.0"),
    ("0**-1", 0.0, lambda x: x**-1, ValueError, "**", "0.0"),
    ("0**-0.5", 0.0, lambda x: x**-0.5, ValueError, "**", "0.0"),
    ("(-2)**0.5", -2.0, lambda x: x**0.5, ValueError, "**", "-2.0"),
    ("(-8)**(1/3)", -8.0, lambda x: x ** (1 / 3), ValueError, "**", "-8.0"),
    ("x**Value, x<0", -2.0, lambda x: x ** Value(2.0), ValueError, "**", "-2.0"),
    ("x**Value, x=0", 0.0, lambda x: x ** Value(2.0), ValueError, "**", "0.0"),
    ("(-2)**x", 1.5, lambda x: (-2) ** x, ValueError, "**", "-2"),
    ("0**x", 1.5, lambda x: 0**x, ValueError, "**", "0"),
]


@pytest.mark.parametrize(
    ("x_data", "call", "error", "op", "operand"), [b[1:] for b in BAD], ids=[b[0] for b in BAD]
)
def test_bad_input_raises_naming_op_and_operand_and_changes_nothing(
    x_data, call, error, op, operand
) -> None:
    a = Value(x_data - 1.0, "a")
    x = a + 1.0
    x.label = "x"
    y = x * a + a  # a graph around x, with grads already in it
    y.backward()
    before = snapshot(y)
    with pytest.raises(error) as info:
        call(x)
    message = str(info.value)
    assert op in message and operand in message, message
    assert snapshot(y) == before


def test_error_message_names_the_label_and_reads_well_without_one() -> None:
    with pytest.raises(ValueError, match=r"log.*'x'.*-2\.0"):
        Value(-2.0, "x").log()
    with pytest.raises(ZeroDivisionError) as info:
        Value(1.0) / Value(0.0)
    assert "0.0" in str(info.value) and "= 0.0" not in str(info.value).replace("'", "")


# ---- no OverflowError anywhere: IEEE inf instead ---------------------------------------------


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: Value(1000.0).exp(), math.inf),
        (lambda: Value(1e200) ** 2, math.inf),
        (lambda: Value(-1e200) ** 3, -math.inf),
        (lambda: Value(1e-200) ** -2, math.inf),
        (lambda: 2 ** Value(1e4), math.inf),
        (lambda: Value(2.0) ** Value(1e4), math.inf),
        (lambda: Value(1e200) * Value(1e200), math.inf),
        (lambda: Value(1e308) + Value(1e308), math.inf),
        (lambda: Value(1e300) / 1e-300, math.inf),
        (lambda: Value(1.0) + 10**400, math.inf),
        (lambda: autograd.sum([Value(1e308), Value(1e308)]), math.inf),
        (lambda: autograd.sum([Value(1e308), 1e308]), math.inf),
        (lambda: autograd.mean([Value(1e308), Value(1e308)]), math.inf),
        (lambda: autograd.dot([Value(1e308), Value(1e308)], [2.0, 2.0]), math.inf),
        (lambda: autograd.dot([Value(1e308), Value(1e308)], [Value(1.0), Value(1.0)]), math.inf),
        (lambda: autograd.sum([Value(math.inf), Value(-math.inf)]), math.nan),
        (lambda: Value(1000.0).exp().sin(), math.nan),
        (lambda: Value(1000.0).exp().cos(), math.nan),
        (lambda: Value(1000.0).exp().tanh(), 1.0),
        (lambda: Value(1000.0).exp().sigmoid(), 1.0),
        (lambda: Value(1000.0).exp().softplus(), math.inf),
        (lambda: Value(1000.0).exp().atan(), math.pi / 2),
    ],
)
def test_overflow_gives_ieee_values_never_overflow_error(make, expected) -> None:
    out = make()
    if math.isnan(expected):
        assert math.isnan(out.data)
    else:
        assert out.data == expected
    out.backward()  # no exception in backward either


def test_exp_1000_backward_gives_inf() -> None:
    x = Value(1000.0)
    x.exp().backward()
    assert x.grad == math.inf


# ---- backward accumulates, exactly -----------------------------------------------------------


def test_backward_twice_gives_exactly_double_also_through_intermediate_nodes() -> None:
    x = Value(3.0, "x")
    xx = x * x
    y = xx * x
    y.backward()
    assert (x.grad, xx.grad, y.grad) == (27.0, 3.0, 1.0)
    y.backward()
    assert (x.grad, xx.grad, y.grad) == (54.0, 6.0, 2.0)  # micrograd gives 45 for x


def test_grads_already_on_intermediate_nodes_are_never_sent_on() -> None:
    x = Value(3.0)
    xx = x * x
    y = xx * x
    xx.grad = 100.0  # e.g. left over from another backward through xx
    y.backward()
    assert (x.grad, xx.grad) == (27.0, 103.0)
    xx.backward()
    assert (x.grad, xx.grad) == (33.0, 104.0)
    x.backward()  # a leaf: adds the seed to itself
    assert x.grad == 34.0


def test_backward_with_a_seed_grad_scales() -> None:
    x = Value(3.0)
    y = x * x
    y.backward(2.0)
    assert x.grad == 12.0
    y.backward(np.float64(0.5))
    assert x.grad == 15.0


@pytest.mark.parametrize(
    "build, expected",
    [
        (lambda a: a * a, 2 * 1.5),  # a*a: two parents, both a
        (lambda a: (a + a) + (a + a), 4.0),  # b = a + a; c = b + b
        (lambda a: a.exp() * a.sin(), math.exp(1.5) * (math.sin(1.5) + math.cos(1.5))),  # diamond
        (lambda a: autograd.sum([a, a, a * 2]), 4.0),  # fan-out into one n-ary node
        (lambda a: autograd.dot([a, a], [a, 1.0]), 2 * 1.5 + 1.0),
    ],
    ids=["a*a", "b=a+a;c=b+b", "diamond", "sum fan-out", "dot fan-out"],
)
def test_shared_subexpressions_sum_their_contributions(build, expected) -> None:
    a = Value(1.5, "a")
    out = build(a)
    out.backward()
    assert a.grad == pytest.approx(expected, rel=1e-12)
    assert grad(out, [a])[0] == pytest.approx(expected, rel=1e-12)


def test_a_times_a_has_two_parents() -> None:
    a = Value(1.5)
    out = a * a
    assert out.parents == (a, a) and out.local_grads == (1.5, 1.5)


def test_x_times_2_has_one_parent_and_local_grad_2() -> None:
    x = Value(1.5)
    out = x * 2
    assert out.parents == (x,) and out.local_grads == (2.0,) and type(out.local_grads[0]) is float


@pytest.mark.parametrize("n", [2, 7, 100])
def test_nary_helpers_are_one_node_with_n_parents(n: int) -> None:
    xs = [Value(0.1 * i, f"x{i}") for i in range(n)]
    ws = [Value(1.0 - 0.05 * i) for i in range(n)]
    for out in [autograd.sum(xs), autograd.mean(xs), autograd.logsumexp(xs)]:
        assert out.parents == tuple(xs)
    d = autograd.dot(ws, xs)
    assert d.op == "dot" and d.parents == (*ws, *xs)
    w = autograd.dot([0.5] * n, xs)
    assert w.op == "wsum" and w.parents == tuple(xs) and w.local_grads == (0.5,) * n
    s = autograd.softmax(xs)
    assert len(s) == n
    assert all(si.parents == tuple(xs) and si.op == f"softmax[{i}]" for i, si in enumerate(s))
    assert math.fsum(si.data for si in s) == pytest.approx(1.0, abs=1e-15)
    folded = autograd.sum([*xs, 2, 0.5])
    assert folded.op == "sum+2.5" and folded.parents == tuple(xs)


def test_zero_grad_clears_the_whole_graph_and_only_it() -> None:
    x = Value(3.0)
    other = Value(1.0)
    (other * 2).backward()
    y = (x * x).exp() * x
    y.backward()
    first = [n.grad for n in topological_order(y)]
    assert all(g != 0.0 for g in first)
    y.zero_grad()
    assert all(n.grad == 0.0 for n in topological_order(y))
    assert other.grad == 2.0
    y.backward()
    assert [n.grad for n in topological_order(y)] == first
    zero_grad(y)
    assert all(n.grad == 0.0 for n in topological_order(y))


# ---- no_grad, enable_grad, detach ----------------------------------------------------------


def test_no_grad_makes_leaves_and_restores_recording() -> None:
    x = Value(2.0)
    assert is_grad_enabled()
    with no_grad():
        assert not is_grad_enabled()
        y = (x * 3).exp() + x
        with enable_grad():
            z = x * 3
        w = autograd.sum([x, x])
    assert is_grad_enabled()
    assert y.data == pytest.approx(math.exp(6.0) + 2.0)
    assert (y.op, y.parents, y.local_grads) == ("", (), ())
    assert (w.op, w.parents, w.data) == ("", (), 4.0)
    assert z.parents == (x,)
    (y * x).backward()
    assert x.grad == y.data  # y is a constant: only the direct edge counts


def test_no_grad_restores_recording_after_an_exception() -> None:
    with pytest.raises(ValueError), no_grad():
        Value(-1.0).log()
    assert is_grad_enabled()
    assert (Value(1.0) * 2).parents != ()


def test_detach_is_a_leaf_with_the_same_data() -> None:
    x = Value(2.0, "x")
    y = x * x
    d = y.detach()
    assert d is not y and d.data == y.data == 4.0
    assert (d.op, d.parents, d.grad) == ("", (), 0.0)
    (d * x).backward()
    assert x.grad == 4.0  # not 4 + 2·x·x: the path through d is cut
    assert y.grad == 0.0 and y.parents == (x, x)


# ---- detect_anomaly ----------------------------------------------------------------------


def test_detect_anomaly_raises_in_forward_naming_the_op_and_inputs() -> None:
    x = Value(1000.0, "x")
    with pytest.raises(FloatingPointError) as info, detect_anomaly():
        x.exp()
    message = str(info.value)
    assert "exp" in message and "x" in message and "1000.0" in message
    assert x.exp().data == math.inf  # outside the block: inf, no error


def test_detect_anomaly_raises_on_nan_in_forward() -> None:
    with pytest.raises(FloatingPointError, match=r"\*"), detect_anomaly():
        Value(math.inf) * Value(0.0)


def test_detect_anomaly_raises_in_backward_naming_the_op() -> None:
    x = Value(0.0, "x")
    y = x.sqrt() * 2  # sqrt at 0: finite value, infinite local derivative
    before = snapshot(y)
    with pytest.raises(FloatingPointError) as info, detect_anomaly():
        y.backward()
    message = str(info.value)
    assert "sqrt" in message and "inf" in message
    assert x.grad == 0.0  # the infinite contribution never reached x
    assert [s[:2] + s[3:] for s in snapshot(y)] == [s[:2] + s[3:] for s in before]
    y.backward()  # without the block the same backward gives inf, no error
    assert x.grad == math.inf


def test_detect_anomaly_changes_nothing_on_a_healthy_graph() -> None:
    def build(x: Value) -> Value:
        return (x.sin() * x.exp() / (x * x + 1.0)).tanh()

    x = Value(0.7)
    build(x).backward()
    plain = x.grad
    x2 = Value(0.7)
    with detect_anomaly():
        build(x2).backward()
        with no_grad():
            assert build(x2).parents == ()
    assert x2.grad == plain


# ---- grad(), backward_steps, topological_order, gradcheck --------------------------------------


def test_grad_leaves_every_grad_untouched() -> None:
    x = Value(2.0)
    y = x * x * x
    for n in topological_order(y):
        n.grad = 7.0
    assert grad(y, [x]) == [12.0]
    first = grad(y, [x], create_graph=True)[0]
    assert isinstance(first, Value) and first.data == 12.0
    assert all(n.grad == 7.0 for n in topological_order(y))


def test_grad_of_an_input_not_in_the_graph_is_zero() -> None:
    x, z = Value(2.0), Value(5.0)
    y = x * 3
    assert grad(y, [x, z]) == [3.0, 0.0]
    dz = grad(y, [z], create_graph=True)[0]
    assert isinstance(dz, Value) and dz.data == 0.0
    assert grad(x, [x]) == [1.0]
    assert grad(y, [x, x]) == [3.0, 3.0]


def test_grad_rejects_non_values() -> None:
    with pytest.raises(TypeError):
        grad(3.0, [Value(1.0)])
    with pytest.raises(TypeError):
        grad(Value(1.0), [1.0])


def test_grad_of_any_order() -> None:
    x = Value(0.3)
    y = x.sin() * x
    d1 = grad(y, [x], create_graph=True)[0]
    d2 = grad(d1, [x], create_graph=True)[0]
    d3 = grad(d2, [x], create_graph=True)[0]
    d4 = grad(d3, [x])[0]
    s, c = math.sin(0.3), math.cos(0.3)
    assert d1.data == pytest.approx(s + 0.3 * c)
    assert d2.data == pytest.approx(2 * c - 0.3 * s)
    assert d3.data == pytest.approx(-3 * s - 0.3 * c)
    assert d4 == pytest.approx(-4 * c + 0.3 * s)


def test_topological_order_puts_parents_first_each_node_once() -> None:
    a = Value(1.0)
    b = a + a
    c = b * a
    d = c + b
    order = topological_order(d)
    assert order[-1] is d and len(order) == len({id(n) for n in order}) == 4
    pos = {id(n): i for i, n in enumerate(order)}
    assert all(pos[id(p)] < pos[id(n)] for n in order for p in n.parents)
    assert topological_order(a) == [a]


def test_backward_steps_report_the_chain_rule_without_touching_grads() -> None:
    x = Value(3.0, "x")
    y = x * x
    z = y * 2
    steps = list(backward_steps(z))
    assert [s.node for s in steps] == [z, y, x]
    assert [s.grad for s in steps] == [1.0, 2.0, 12.0]
    assert steps[0].contributions == (2.0,)
    assert steps[1].contributions == (6.0, 6.0)
    assert steps[2].contributions == ()
    assert (x.grad, y.grad, z.grad) == (0.0, 0.0, 0.0)


def test_numerical_grad_and_gradcheck() -> None:
    f = lambda a, b: a * b.exp() + a.sin()  # noqa: E731
    num = numerical_grad(f, [0.5, -0.25])
    assert num[0] == pytest.approx(math.exp(-0.25) + math.cos(0.5), rel=1e-8)
    assert num[1] == pytest.approx(0.5 * math.exp(-0.25), rel=1e-8)
    assert gradcheck(f, [Value(0.5), Value(-0.25)]) is True


def test_gradcheck_names_the_input_and_both_values_when_it_fails() -> None:
    def wrong(x: Value) -> Value:
        return x * x.detach()  # d/dx is x, but x² has 2x

    with pytest.raises(AssertionError) as info:
        gradcheck(wrong, [Value(1.5, "w")])
    message = str(info.value)
    assert "w = 1.5" in message, message
    assert "analytic 1.5" in message and re.search(r"numeric (3\.0|2\.999)", message), message


def test_detect_anomaly_backward_changes_no_grad_when_it_raises():
    """All or nothing: a backward that raises under detect_anomaly leaves every .grad as it was."""
    x = Value(0.0, "x")
    w = Value(2.0, "w")
    y = x.sqrt() * w + w  # sqrt'(0) = inf reaches x only after w has its grad
    with detect_anomaly(), pytest.raises(FloatingPointError, match="sqrt"):
        y.backward()
    assert (x.grad, w.grad, y.grad) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize("op", [lambda v: v.relu(), abs, lambda v: v.leaky_relu()])
def test_piecewise_ops_keep_nan(op):
    """relu, abs and leaky_relu of NaN give NaN, value and derivative, so NaN is never hidden."""
    x = Value(math.nan)
    y = op(x)
    assert math.isnan(y.data) and math.isnan(y.local_grads[0])
    y.backward()
    assert math.isnan(x.grad)


# ---- the node layout: one writer, and the fast paths agree with it -------------------------

SLOTS = ("_op", "_a", "_da", "_b", "_db")


def same_slot(x: object, y: object) -> bool:
    """The same node, or an equal number (NaN equal to NaN), or tuples of such."""
    if isinstance(x, tuple) and isinstance(y, tuple):
        return len(x) == len(y) and all(map(same_slot, x, y))
    if isinstance(x, float) and isinstance(y, float):
        return x == y or (x != x and y != y)
    return x is y or (type(x) is type(y) is int and x == y)


@pytest.mark.parametrize("row", OPS, ids=repr)
def test_the_fast_paths_lay_out_a_node_as_node_write_does(row: Row) -> None:
    """value.py inlines node.write for speed: every op of the table lays out its node exactly as
    the writer does, and as the slow path (which calls the writer) does."""
    vs = [Value((lo + hi) / 2, f"x{i}") for i, (lo, hi) in enumerate(row.domain)]
    fast = row.value(*vs)
    with detect_anomaly():  # off the fast path: the node goes through node.write itself
        slow = row.value(*vs)
    written = Value.__new__(Value)
    write(written, fast.primitive, fast.parents, fast.local_grads, fast.param)
    for node in (slow, written):
        for slot in SLOTS:
            assert same_slot(getattr(fast, slot), getattr(node, slot)), (slot, fast, node)
    # each slot one meaning: _b is a parent exactly when _db is not None, _a a tuple beyond two
    n = len(fast.parents)
    assert (fast._db is not None) == (n == 2 and fast.param is None)
    assert isinstance(fast._a, tuple) == (n > 2 or (n == 2 and fast.param is not None))
    assert fast.param is None or not isinstance(fast.param, Value)


@pytest.mark.parametrize(
    "make",
    [lambda: Value(1.5), lambda: Value(2.0).detach(), lambda: no_grad_product()],
    ids=["Value()", "detach", "no_grad"],
)
def test_a_leaf_has_every_slot_of_the_layout_empty(make) -> None:
    leaf = make()
    assert [getattr(leaf, slot) for slot in SLOTS] == [None] * 5
    assert (leaf.parents, leaf.local_grads, leaf.param, leaf.primitive) == ((), (), None, None)


def no_grad_product() -> Value:
    with no_grad():
        return Value(2.0) * Value(3.0)


def test_node_write_lays_out_every_shape() -> None:
    x, y, z = Value(1.0), Value(2.0), Value(3.0)
    node = Value.__new__(Value)
    write(node, autograd.ops.MUL, (x, y), (2.0, 1.0))
    assert (node.parents, node.local_grads, node.param) == ((x, y), (2.0, 1.0), None)
    write(node, autograd.ops.MUL_C, (x,), (2.0,), 2.0)
    assert (node.parents, node.local_grads, node.param) == ((x,), (2.0,), 2.0)
    write(node, autograd.ops.SUM, [x, y], [1.0, 1.0], 2.5)  # two parents and a number
    assert (node.parents, node.local_grads, node.param) == ((x, y), (1.0, 1.0), 2.5)
    write(node, autograd.ops.SUM, [x, y, z], [1.0] * 3, 0.0)
    assert (node.parents, node.local_grads, node.param) == ((x, y, z), (1.0,) * 3, 0.0)
    write(node, "drawn only", (x, y), (None, None))  # a learner's node with no derivatives
    assert (node.parents, node.local_grads) == ((x, y), (None, None))
    write(node, None)
    assert (node.parents, node.local_grads, node.primitive) == ((), (), None)
    with pytest.raises(ValueError, match="one local derivative per parent"):
        write(node, autograd.ops.MUL, (x, y), (1.0,))


def test_pyodides_iterative_free_unlinks_every_kind_of_node() -> None:
    """In Pyodide a dying node hands its parents to a queue (node._free_iteratively, through
    node.write): run here with it installed, a deep chain of one-, two- and many-parent nodes
    is freed, every node of it, with no error inside a __del__."""
    script = """
import gc, sys
sys.setrecursionlimit(100)  # a recursive free would overflow it inside a __del__
from autograd import Value, sum as vsum
from autograd.node import Node, _free_iteratively
Node.__del__ = _free_iteratively
gc.disable()  # reference counting alone frees the graph
x = Value(0.5)
y = x
for i in range(30_000):
    y = (y * 1.0001 + x) if i % 3 else vsum([y, x, y])
alive = lambda: sum(type(o) is Value for o in gc.get_objects())
assert alive() > 50_000
del y
print(alive(), x.parents, x.data)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert (done.stdout.strip(), done.stderr) == ("1 () 0.5", ""), done.stderr[-2000:]


# ---- help() that teaches, and no silent float -----------------------------------------------


@pytest.mark.parametrize(
    "call",
    [math.tanh, math.exp, math.sqrt, math.isfinite, float, lambda v: np.float64(v)],
    ids=["math.tanh", "math.exp", "math.sqrt", "math.isfinite", "float", "np.float64"],
)
def test_math_functions_refuse_a_value_instead_of_dropping_its_graph(call) -> None:
    """math.tanh(v) used to return the float 0.7616 through __float__, the graph silently
    lost: the classic slip of a learner who writes math.tanh(x)."""
    x = Value(1.0, "x")
    with pytest.raises(TypeError) as info:
        call(x)
    message = str(info.value)
    assert "v.tanh()" in message and "v.data" in message and "graph" in message, message


def test_help_on_value_documents_the_constructor_and_every_attribute() -> None:
    import pydoc

    text = pydoc.render_doc(Value, renderer=pydoc.plaintext)
    assert "Value(data, label" in text and "__init__(self, data" in text
    for attribute in ("data", "grad", "label", "op", "parents", "local_grads", "param"):
        block = text.split(f"\n |  {attribute}\n", 1)
        assert len(block) == 2, f"help(Value) lists no {attribute}"
        first_line = block[1].split("\n", 1)[0]
        assert first_line.strip(), f"help(Value) shows {attribute} without a description"


OPERATORS = {
    "__add__": autograd.ops.ADD,
    "__radd__": autograd.ops.ADD,
    "__sub__": autograd.ops.SUB,
    "__rsub__": autograd.ops.RSUB_C,
    "__mul__": autograd.ops.MUL,
    "__rmul__": autograd.ops.MUL,
    "__truediv__": autograd.ops.DIV,
    "__rtruediv__": autograd.ops.RDIV_C,
    "__pow__": autograd.ops.POW,
    "__rpow__": autograd.ops.RPOW_C,
    "__neg__": autograd.ops.NEG,
    "__abs__": autograd.ops.ABS,
}


@pytest.mark.parametrize("name", OPERATORS)
def test_each_operator_says_it_returns_a_new_value_and_its_local_derivative(name: str) -> None:
    doc = " ".join(getattr(Value, name).__doc__.split())
    entry = OPERATORS[name]
    assert "new Value" in doc and entry.doc and entry.doc in doc, (name, doc, entry.doc)


def test_every_entry_of_the_op_table_states_its_local_derivative() -> None:
    assert [op.name for op in autograd.ops.TABLE if "∂" not in op.doc and "'" not in op.doc] == []


# ---- one check of a count, one lookup by name, one exact number formatter --------------------


def test_positive_int_is_the_one_check_of_a_count() -> None:
    from autograd.arguments import positive_int

    assert positive_int("nin", 3) == 3 and positive_int("n", 2, least=2) == 2
    for bad, shown in [(0, "0"), (-1, "-1"), (True, "True"), (2.0, "2.0"), ("3", "'3'")]:
        with pytest.raises(ValueError, match=rf"^nin must be a positive int, not {shown}$"):
            positive_int("nin", bad)
    with pytest.raises(ValueError, match=r"^n must be an int ≥ 2, not 1$"):
        positive_int("n", 1, least=2)
    with pytest.raises(ValueError) as info:  # a value read from a file is quoted short
        positive_int("nin", "9" * 10_000)
    assert len(str(info.value)) < 100


def test_lookup_is_the_one_lookup_by_name() -> None:
    from autograd.arguments import lookup

    table = {"sse": 1, "hinge": 2}
    assert lookup("loss", "hinge", table) == 2
    for bad in ("l1", None, ["sse"], "x" * 10_000):
        with pytest.raises(ValueError, match=r"^unknown loss .*; known: sse, hinge$") as info:
            lookup("loss", bad, table)
        assert len(str(info.value)) < 100


def test_no_module_writes_its_own_count_check_or_lookup() -> None:
    """The wording lives in autograd/arguments.py only (the learner's room and the command line
    have their own owners and are left out)."""
    root = Path(autograd.__file__).parent.parent
    sources = [*root.glob("autograd/**/*.py"), *root.glob("nn/**/*.py")]
    own = {"arguments.py"}
    skip = ("autograd/learner/", "nn/app/")
    for path in sources:
        text = path.read_text()
        where = path.relative_to(root).as_posix()
        if path.name in own or where.startswith(skip):
            continue
        assert "must be a positive int" not in text, where
        assert not re.search(r"not isinstance\(\w+, int\) or \w+ < ", text), where
        assert "; known: " not in text, where


@pytest.mark.parametrize(
    ("c", "text"),
    [
        *[(2.0, "2"), (-3.0, "-3"), (0.1, "0.1"), (-0.0, "-0.0"), (0.0, "0"), (1e16, "1e+16")],
        *[(1e300, "1e+300"), (math.inf, "inf"), (-math.inf, "-inf"), (math.nan, "nan"), (7, "7")],
    ],
)
def test_fmt_is_the_one_exact_number_formatter(c: float, text: str) -> None:
    assert autograd.ops.fmt(c) == text
    if c == c:
        back = float(text)
        assert back == c and math.copysign(1.0, back) == math.copysign(1.0, c)
