"""Evaluation traces: Baydin et al.'s Tables 2 and 3 row for row, program order, several outputs,
the adjoint's order, names, every op of the table traced and replayed (equal to the engine at
every edge value), the procedure form of `chainrule trace`, and labels escaped in every format."""

from __future__ import annotations

import itertools
import math
import random
import re
import shutil
import subprocess
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ops_table import OPS, Op
from test_properties import program_function, programs

import autograd
import nn
from autograd import Value, mode, ops, trace
from nn.app.cli import main
from nn.app.expr import ExprError, is_procedure, parse_procedure

# ---- Baydin et al. (2018), Tables 2 and 3 ------------------------------------------------


def baydin_f(x1: Value, x2: Value) -> Value:
    """f(x1, x2) = ln(x1) + x1·x2 − sin(x2), written as the paper's trace computes it."""
    v1 = x1.log()
    v2 = x1 * x2
    v3 = x2.sin()
    v4 = v1 + v2
    return v4 - v3


def baydin() -> autograd.Trace:
    return trace(baydin_f, 2, 5)


# Table 2, forward primal trace, as printed (values to the paper's three decimals).
TABLE2_PRIMAL = [
    "v₋₁ = x1       = 2",
    "v₀  = x2       = 5",
    "v₁  = ln v₋₁   = 0.693    ∂v₁/∂v₋₁ = 1/v₋₁ = 0.5",
    "v₂  = v₋₁ × v₀ = 10       ∂v₂/∂v₋₁ = v₀ = 5; ∂v₂/∂v₀ = v₋₁ = 2",
    "v₃  = sin v₀   = −0.959   ∂v₃/∂v₀ = cos v₀ = 0.284",
    "v₄  = v₁ + v₂  = 10.693   ∂v₄/∂v₁ = 1; ∂v₄/∂v₂ = 1",
    "v₅  = v₄ − v₃  = 11.652   ∂v₅/∂v₄ = 1; ∂v₅/∂v₃ = −1",
    "y   = v₅       = 11.652",
]
# Table 2, forward tangent trace for ẋ1 = 1: (row, rule, value as printed).
TABLE2_TANGENT = [
    (-1, "ẋ1", 1),
    (0, "ẋ2", 0),
    (1, "v̇₋₁ · ∂v₁/∂v₋₁", 0.5),
    (2, "v̇₋₁ · ∂v₂/∂v₋₁ + v̇₀ · ∂v₂/∂v₀", 5),
    (3, "v̇₀ · ∂v₃/∂v₀", 0),
    (4, "v̇₁ · ∂v₄/∂v₁ + v̇₂ · ∂v₄/∂v₂", 5.5),
    (5, "v̇₄ · ∂v₅/∂v₄ + v̇₃ · ∂v₅/∂v₃", 5.5),
]
# Table 3, reverse adjoint trace, as the paper prints it from the top: its arrow points up, so
# the sweep runs from the last row to the first, and the gradient x̄ stands at the top.
# (adjoint, its rule, the value as printed)
TABLE3_PRINTED = [
    ("x̄1", "v̄₋₁", 5.5),
    ("x̄2", "v̄₀", 1.716),
    ("v̄₋₁", "v̄₋₁ + v̄₁ · ∂v₁/∂v₋₁", 5.5),
    ("v̄₀", "v̄₀ + v̄₂ · ∂v₂/∂v₀", 1.716),
    ("v̄₋₁", "v̄₂ · ∂v₂/∂v₋₁", 5),
    ("v̄₀", "v̄₃ · ∂v₃/∂v₀", -0.284),
    ("v̄₂", "v̄₄ · ∂v₄/∂v₂", 1),
    ("v̄₁", "v̄₄ · ∂v₄/∂v₁", 1),
    ("v̄₃", "v̄₅ · ∂v₅/∂v₃", -1),
    ("v̄₄", "v̄₅ · ∂v₅/∂v₄", 1),
    ("v̄₅", "ȳ", 1),
]


def printed(x: float, digits: int = 3) -> float:
    return round(x, digits) + 0.0


def test_baydin_table2_primal_row_for_row() -> None:
    t = baydin()
    assert [r.index for r in t.rows] == [-1, 0, 1, 2, 3, 4, 5]
    assert [r.node.primitive for r in t.rows[2:]] == [ops.LOG, ops.MUL, ops.SIN, ops.ADD, ops.SUB]
    assert [r.parents for r in t.rows[2:]] == [(-1,), (-1, 0), (0,), (1, 2), (4, 3)]
    v1, v2, v3 = math.log(2.0), 10.0, math.sin(5.0)
    assert [r.value for r in t.rows] == [2.0, 5.0, v1, v2, v3, v1 + v2, v1 + v2 - v3]
    assert t.value == 11.652071455223084 and t.output == 5 and t.name == "y"
    assert t.input_names == ["x1", "x2"]
    lines = t.text(digits=3).splitlines()
    assert lines[0] == "Forward primal trace"
    assert [line.strip() for line in lines[1:9]] == TABLE2_PRIMAL


def test_baydin_table2_tangent_row_for_row() -> None:
    t = baydin()
    tangent = t.tangent({"x1": 1})
    rows = tangent.tables(digits=3)[0].rows
    assert [(r[0], r[1], float(r[3])) for r in rows[:7]] == [
        (f"v̇{str(i).translate(str.maketrans('-0123456789', '₋₀₁₂₃₄₅₆₇₈₉'))}", rule, value)
        for i, rule, value in TABLE2_TANGENT
    ]
    assert rows[7][:2] == ("ẏ", "v̇₅") and tangent.value == 5.5
    assert [r.value for r in tangent.rows] == [1.0, 0.0, 0.5, 5.0, 0.0, 5.5, 5.5]


def test_baydin_table3_adjoint_row_for_row() -> None:
    t = baydin()
    adjoint = t.adjoint()
    assert adjoint.order == "program" and adjoint.grads == [5.5, 2.0 - math.cos(5.0)]
    rows = adjoint.tables(digits=3)[0].rows
    ours = [(r[0], r[1], float(r[3].replace("−", "-"))) for r in rows]
    # reading the paper's column upward gives our rows one for one; its x̄ rows are at its top
    sweep = TABLE3_PRINTED[2:][::-1]
    assert ours[: len(sweep)] == sweep
    assert ours[len(sweep) :] == TABLE3_PRINTED[:2]
    # full precision: (target, source, value) of each row
    assert [(a.target, a.source) for a in adjoint] == [
        (5, None),
        (4, 5),
        (3, 5),
        (1, 4),
        (2, 4),
        (0, 3),
        (-1, 2),
        (0, 2),
        (-1, 1),
    ]
    assert [a.accumulates for a in adjoint].count(True) == 2
    assert printed(adjoint[5].value) == -0.284 and t.grads[1] == 1.7163378145367738


def test_backward_order_is_available_and_labelled() -> None:
    t = baydin()
    mine = t.adjoint(order="backward")
    assert "in the order backward runs" in mine.text()
    assert "reverse program order" in t.adjoint().text()
    # the rows are backward_steps' contributions, one per edge, in its order
    y = t.row(t.output).node
    sent = [
        (s.node, p, c)
        for s in autograd.backward_steps(y)
        for p, c in zip(s.node.parents, s.contributions)
    ]
    assert [a.source for a in mine.rows[1:]] == [t.index[n] for n, _, _ in sent]
    assert [a.value for a in mine.rows[1:]] != [] and mine.grads == t.grads
    # the same rows as the default order, in another order: v̄₀ = v̄₃ ∂v₃/∂v₀ is earlier
    assert sorted(mine.rows) == sorted(t.adjoint().rows)
    assert mine.rows != t.adjoint().rows
    with pytest.raises(ValueError, match="order must be 'program' or 'backward'"):
        t.adjoint(order="sideways")


# ---- program order, inputs in argument order, evaluation order of a graph ------------------


def test_rows_follow_the_statements() -> None:
    def f(x, w):
        a = x * w  # written first: v₁
        b = x + 1  # written second: v₂ (depth numbering made it v₁)
        return a * b

    t = trace(f, 3.0, 2.0)
    assert [r.node.primitive for r in t.rows[2:]] == [ops.MUL, ops.ADD_C, ops.MUL]
    assert [r.parents for r in t.rows[2:]] == [(-1, 0), (-1,), (1, 2)]
    assert t.text().splitlines()[3].startswith("  v₁  = v₋₁ × v₀ = 6 ")


def test_inputs_in_argument_order_named_by_parameters() -> None:
    def f(nu, gamma, omega, t):
        u = omega * t  # used first: omega, t
        return nu * u / (gamma - u)

    tr = trace(f, 1.5, 9.81, 2.0, 0.5)
    assert tr.input_names == ["nu", "gamma", "omega", "t"]
    assert [tr.index[x] for x in tr.inputs] == [-3, -2, -1, 0]
    assert [r.value for r in tr.rows[:4]] == [1.5, 9.81, 2.0, 0.5]
    # keywords, *args, lists, and Values that keep their labels
    tr = trace(lambda a, *b, c: a * b[0] * b[1] * c, 1.0, 2.0, 3.0, c=4.0)
    assert tr.input_names == ["a", "b1", "b2", "c"] and tr.value == 24.0
    tr = trace(lambda xs: xs[0] * xs[1], [2.0, 3.0])
    assert tr.input_names == ["xs[0]", "xs[1]"]
    w = Value(2.0, "weight")
    assert trace(lambda x: x * 3, w).input_names == ["weight"]
    with pytest.raises(TypeError, match=r"cannot take these inputs"):
        trace(lambda x: x, 1.0, 2.0)
    with pytest.raises(TypeError, match="input x must be a number or a Value, not str"):
        trace(lambda x: x, "a")


def test_trace_of_a_graph_numbers_rows_in_evaluation_order() -> None:
    x1, x2 = Value(2.0, "x1"), Value(5.0, "x2")
    y = x1.log() + x1 * x2 - x2.sin()  # Python: ln, ×, +, sin, −
    t = trace(y)
    assert [r.node.primitive for r in t.rows[2:]] == [ops.LOG, ops.MUL, ops.ADD, ops.SIN, ops.SUB]
    assert t.order == "evaluation" and t.input_names == ["x1", "x2"]
    # a deep left operand and a shallow right one: the left one's rows come first
    a = Value(1.0, "a")
    z = (a.exp().exp().exp()) + a * 2
    assert [r.node.op for r in trace(z).rows[1:]] == ["exp", "exp", "exp", "*2", "+"]


def test_closed_over_values_and_constants_are_inputs_after_the_arguments() -> None:
    w = Value(0.5, "w")

    def f(x):
        return x * w + Value(1.0)

    t = trace(f, 3.0)
    assert t.input_names == ["x", "w", ""]
    assert t.grads == [0.5, 3.0, 1.0]
    # made before the call: rows of their own, first, as they were computed first
    u = w * 2

    def g(x):
        return x + u

    t = trace(g, 1.0)
    assert [r.node.op for r in t.rows[len(t.inputs) :]] == ["*2", "+"]
    assert t.grads == [1.0, 2.0]


def test_an_argument_that_is_not_a_leaf_is_an_input_of_the_trace() -> None:
    x = Value(3.0, "x")
    h = x * x
    t = trace(lambda u: u.sin(), h)
    assert len(t.inputs) == 1 and t.grads == [math.cos(9.0)]
    assert len(t.rows) == 2


def test_recording_leaves_the_fast_path_as_it_was() -> None:
    assert mode.fast.plain
    with pytest.raises(ZeroDivisionError):
        trace(lambda x: x / 0, 1.0)
    assert mode.fast.plain and mode.state().tape is None
    inner: list = []

    def f(x):
        inner.append(trace(lambda y: y.exp(), x))  # a trace inside a trace
        return x.sin() * 2

    outer = trace(f, 0.5)
    assert [r.node.op for r in outer.rows[1:]] == ["sin", "*2"]
    assert [r.node.op for r in inner[0].rows[1:]] == ["exp"]
    assert mode.fast.plain
    with autograd.no_grad():  # a trace records f's ops even so; f's own no_grad is kept
        t = trace(lambda x: x.exp() * x, 1.0)
        assert autograd.is_grad_enabled() is False
    assert [r.node.op for r in t.rows[1:]] == ["exp", "*"] and t.grads == [2 * math.e]

    def g(x):
        with autograd.no_grad():
            c = x * 3  # a constant for the trace: a leaf
        return x * c

    t = trace(g, 2.0)
    assert t.input_names == ["x", ""] and t.grads == [6.0, 2.0]
    assert mode.fast.plain


def test_other_threads_ops_are_not_recorded() -> None:
    started, done = threading.Event(), threading.Event()
    made = []

    def other() -> None:
        started.wait(10)
        made.append(Value(1.0) * 2)
        done.set()

    thread = threading.Thread(target=other)
    thread.start()

    def f(x):
        started.set()
        done.wait(10)
        return x + 1

    t = trace(f, 1.0)
    thread.join(10)
    assert made and [r.node.op for r in t.rows[1:]] == ["+1"]


# ---- several outputs ------------------------------------------------------------------------


def two_outputs(w, t, nu, g):
    """u = w·t; y1 = ν·sin u / (g − cos u); y2 = g·y1: y2 shares every row of y1."""
    u = w * t
    y1 = nu * u.sin() / (g - u.cos())
    return {"y1": y1, "y2": g * y1}


POINT = (2.0, 0.5, 1.5, 9.81)


def central(f, xs: list[float], i: int, j: int, h: float = 1e-6) -> float:
    up, down = list(xs), list(xs)
    up[j] += h
    down[j] -= h
    plus = list(f(*[Value(v) for v in up]).values())[i].data
    minus = list(f(*[Value(v) for v in down]).values())[i].data
    return (plus - minus) / (2 * h)


def test_two_outputs_share_rows_and_are_marked() -> None:
    t = trace(two_outputs, *POINT)
    assert t.output_names == ["y1", "y2"] and t.outputs == [6, 7]
    text = t.text(digits=4)
    assert re.search(r"\n  y1 += v₆ += 0\.1362\n  y2 += v₇ += 1\.3358\n", text)
    assert text.count("Reverse adjoint trace") == 2
    with pytest.raises(ValueError, match="has 2 outputs"):
        t.value  # noqa: B018
    assert t.values == [t.row(6).value, t.row(7).value]


def test_two_outputs_tangent_adjoint_and_jacobian() -> None:
    t = trace(two_outputs, *POINT)
    rev, fwd = t.jacobian("reverse"), t.jacobian("forward")
    assert (rev.sweeps, fwd.sweeps) == (2, 4) and (rev.mode, fwd.mode) == ("reverse", "forward")
    for i in range(2):
        for j in range(4):
            assert rev[i][j] == pytest.approx(fwd[i][j], rel=1e-14, abs=1e-15)
            assert rev[i][j] == pytest.approx(central(two_outputs, list(POINT), i, j), rel=1e-7)
    adj = t.adjoint({"y2": 1})
    assert adj.grads == rev[1] and adj.seeds == [0.0, 1.0]
    # y2's seed flows into y1's row: v̄₆ = v̄₆ + v̄₇ · ∂v₇/∂v₆
    assert any(a.target == 6 and a.source == 7 and a.accumulates for a in adj)
    both = t.adjoint({"y1": 1, "y2": 2})
    assert both.grads == pytest.approx([a + 2 * b for a, b in zip(rev[0], rev[1])], rel=1e-14)
    tan = t.tangent({"w": 1})
    assert tan.values == [fwd[0][0], fwd[1][0]]
    assert "ẏ1  = v̇₆" in tan.text() and "ẏ2  = v̇₇" in tan.text()
    with pytest.raises(TypeError, match="give a seed per output"):
        t.adjoint()
    with pytest.raises(KeyError, match="'y3' is not an output"):
        t.adjoint({"y3": 1})
    with pytest.raises(TypeError, match="must be a number"):
        t.adjoint({"y1": "1"})


def test_tuple_outputs_are_named_y1_to_ym() -> None:
    t = trace(lambda x: (x.sin(), x.cos(), x * 2), 0.3)
    assert t.output_names == ["y1", "y2", "y3"]
    assert t.jacobian("forward") == [[math.cos(0.3)], [-math.sin(0.3)], [2.0]]


# ---- names --------------------------------------------------------------------------------


def test_output_never_named_like_an_input() -> None:
    # a course's exercise, f(x, y) = exp(−(sin x − cos y)²): the output is not called y
    t = trace(lambda x, y: (-((x.sin() - y.cos()) ** 2)).exp(), math.pi / 3, math.pi / 6)
    assert t.input_names == ["x", "y"] and t.output_names == ["f"]
    assert re.search(r"\n  f +  = v₆ += 1\n", t.text()) and "\n  ȳ   = v̄₀" in t.text()
    assert trace(lambda y1, y2: (y1 * 2, y2 * 3), 1.0, 2.0).output_names == ["f1", "f2"]
    x = Value(1.0, "y")
    assert trace(x * 2).output_names == ["f"]
    with pytest.raises(ValueError, match="the output 'x' has the name of an input"):
        trace(lambda x: {"x": x * 2}, 1.0)
    with pytest.raises(ValueError, match="has the name of an input"):
        trace(Value(1.0, "L") * 2, name="L")


def test_inputs_keep_their_names_in_every_format() -> None:
    t = trace(lambda nu, omega: nu * omega.sin(), 1.5, 0.5)
    assert "v₋₁ = nu" in t.text() and re.search("n\u0305u\u0305 +  = v̄₋₁", t.text())
    assert "| v₋₁ | nu |" in t.markdown()
    assert r"\text{omega}" in t.latex() and r"\bar{\text{nu}}" in t.latex()
    assert "<td" in t._repr_html_() and ">omega</td>" in t._repr_html_()
    assert t.code().startswith("def replay(nu, omega):")
    assert "ṅu̇" in t.tangent({"nu": 1}).text()


def test_ambiguous_names_are_refused_when_seeding() -> None:
    a, b = Value(1.0, "w"), Value(2.0, "w")
    t = trace(a * b)
    with pytest.raises(ValueError, match=r"2 inputs are called 'w' \(v₋₁, v₀\)"):
        t.tangent({"w": 1})
    assert t.tangent({a: 1}).value == 2.0  # by Value it is clear
    with pytest.raises(ValueError, match="are the same Value"):
        trace(lambda p, q: p * q, a, a)


def test_code_names_its_parameters_only_with_safe_identifiers() -> None:
    xs = [
        Value(1.0, "exp"),
        Value(2.0, "v1"),
        Value(3.0, "ｅｘｐ"),
        Value(4.0, "ok"),
        Value(5.0, "ok"),
    ]
    t = trace(autograd.sum([x.exp() for x in xs]))
    assert t.code().startswith("def replay(vm4, vm3, vm2, ok, v0):")
    value, grads = t.compile()(*[x.data for x in xs])
    assert value == t.value and grads == t.grads


# ---- the short repr, the minus sign, the folded numbers -----------------------------------


def test_repr_is_a_summary_and_print_shows_the_tables() -> None:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = nn.losses.mse(model([0.5, -1.0]), [1.0])
    t = trace(loss)
    summary = repr(t)
    assert len(summary.splitlines()) <= 3 and len(summary) < 400, summary
    assert "Trace of y = v" in summary and "337 inputs" in summary
    assert str(t) == t.text() and len(str(t).splitlines()) > 1000
    tb = baydin()
    assert repr(tb).startswith("Trace of y = v₅ = 11.652071455223084 from 2 inputs (x1, x2)")
    assert repr(tb.tangent({"x1": 1})).startswith("Forward tangent trace, ẋ1 = 1, ẋ2 = 0: ẏ = 5.5")
    assert "x̄1 = 5.5" in repr(tb.adjoint())


def test_one_minus_sign_in_each_format() -> None:
    x = Value(-2.5, "x")
    t = trace((x * -3).sin() - x.exp())
    for text in (
        t.text(),
        t.text(digits=3),
        t.markdown(),
        t._repr_html_(),
        t.tangent({x: 1}).text(),
    ):
        cells = re.sub(r"\de-\d", "", text)  # the exponent of 1e-05 is not a minus sign
        for markup in ("margin-bottom", "text-align", "chainrule-trace", "|---"):  # markup
            cells = cells.replace(markup, "")
        assert "-" not in cells, text
        assert "−" in text
    latex = t.latex()
    assert "−" not in latex and "-3" in latex


def test_folded_numbers_are_shown_as_numbers() -> None:
    x = Value(3.0, "x")
    text = trace((x * 2).sin() + 2.5).text()
    assert "v₁ = 2 × v₀" in text  # a coefficient, written first, as in 2x
    assert "v₃ = v₂ + 2.5" in text
    assert "v₁ = 2 × v₀" in trace(2 * x).text()


def test_digits() -> None:
    t = baydin()
    assert "= 0.69 " in t.text(2) and "= 11.65\n" in t.text(2)
    assert "= 1 " in t.text(0) and "= 12\n" in t.text(0)  # ln 2 to 0 decimals is 1
    assert "= 0 " in trace(Value(-0.0001) * 1).text(3)  # no −0


@pytest.mark.parametrize("digits", [-1, 18, True, 1.5, "3"])
def test_digits_must_be_an_int_from_0_to_17(digits) -> None:
    t = baydin()
    error = ValueError if isinstance(digits, int) and not isinstance(digits, bool) else TypeError
    for show in (t.text, t.markdown, t.latex, t.tables, t.tangent({"x1": 1}).text):
        with pytest.raises(error, match="digits must be"):
            show(digits)


def test_row_refuses_rows_that_do_not_exist() -> None:
    t = baydin()
    assert t.row(-1).value == 2.0 and t.row(5).value == t.value
    for i in (-2, 6):
        with pytest.raises(IndexError, match="the rows are v₋₁ … v₅"):
            t.row(i)
    with pytest.raises(TypeError, match="must be an int"):
        t.row(1.0)


# ---- the op table: every entry has a notation, every row traces, replays and renders -------


def test_every_entry_has_a_notation() -> None:
    for op in ops.TABLE:
        n = op.notation
        assert n is not None, f"{op.name}: give it notation= in autograd/ops.py"
        for part in ("math", "dmath", "code"):
            assert getattr(n, part) is not None, f"{op.name}: notation lacks {part}"
        assert n.pair or n.dcode is not None, f"{op.name}: notation lacks dcode"
        if op.arity in (1, 2):
            for part in ("dmath", "dcode") if not n.pair else ("dmath",):
                t = getattr(n, part)
                assert callable(t) or len(t) == op.arity, f"{op.name}: one {part} per operand"


def points(op: Op, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(lo, hi) for lo, hi in op.domain]


def engine(op: Op, xs: list[float]) -> tuple:
    """What the engine gives at xs: (value, gradient), or (error type, message)."""
    inputs = [Value(x, f"x{i}") for i, x in enumerate(xs)]
    try:
        y = op.value(*inputs)
    except (ValueError, ArithmeticError) as e:
        return type(e), str(e)
    return y.data, autograd.grad(y, inputs)


def replayed(f, xs: list[float]) -> tuple:
    try:
        value, grads = f(*xs)
    except (ValueError, ArithmeticError) as e:
        return type(e), str(e)
    return value, grads


def same(a: object, b: object) -> bool:
    """Equal to the last bit: NaN as NaN, 0.0 and −0.0 told apart."""
    if isinstance(a, float) and isinstance(b, float):
        return (a != a and b != b) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_compiled_replay_equals_engine(op: Op) -> None:
    inputs = [Value(x, f"x{i}") for i, x in enumerate(points(op, 0))]
    t = trace(op.value(*inputs))
    assert [t.index[x] for x in inputs] == list(range(-len(inputs) + 1, 1))
    f = t.compile()
    assert f.inputs == inputs
    assert f(*[x.data for x in inputs]) == (t.value, t.grads)
    for seed in (1, 2, 3):
        xs = points(op, seed)
        assert same(replayed(f, xs), engine(op, xs)), t.code()


EDGES = [
    math.nan,
    math.inf,
    -math.inf,
    0.0,
    -0.0,
    5e-324,
    -5e-324,
    2.2250738585072014e-308,
    1e-300,
    -1.0,
    1.0,
    0.5,
    -2.5,
    3.0,
    800.0,
    -800.0,
    1e308,
    -1e308,
]
SMALL_EDGES = [math.nan, math.inf, -math.inf, 0.0, -0.0, 5e-324, -1.0, 2.0, 800.0]


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_compiled_replay_equals_engine_at_every_edge(op: Op) -> None:
    """Value, gradient and error, to the last bit, at NaN, ±inf, ±0, subnormals, huge numbers
    and the domains' edges (0 for log, sqrt, x**-1.5, 3/x; negatives for x**0.5)."""
    inputs = [Value(x, f"x{i}") for i, x in enumerate(points(op, 0))]
    f = trace(op.value(*inputs)).compile()
    edges = EDGES if op.arity <= 2 else SMALL_EDGES
    arity = len(inputs)
    rng = random.Random(0)
    combos = (
        itertools.product(edges, repeat=arity)
        if arity <= 2
        else [tuple(rng.choice(edges) for _ in range(arity)) for _ in range(300)]
    )
    for xs in combos:
        want, got = engine(op, list(xs)), replayed(f, list(xs))
        assert same(got, want), (xs, got, want)


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_every_format_renders(op: Op) -> None:
    inputs = [Value(x, f"x{i}") for i, x in enumerate(points(op, 0))]
    t = trace(op.value(*inputs))
    tan = t.tangent({inputs[0]: 1.0})
    for obj in (t, tan, t.adjoint(order="backward")):
        text = obj.text()
        assert "#" not in text and "\\" not in text, text  # every template filled, no LaTeX
        check_markdown(obj.markdown())
        check_latex(obj.latex())
        assert obj._repr_html_().count("<table") == obj._repr_html_().count("</table>")


@settings(max_examples=60, deadline=None)
@given(programs(), st.integers(0, 10**6))
def test_random_graphs_replay_exactly(program, st_seed) -> None:
    xs, steps = program
    f = program_function(steps)
    inputs = [Value(x) for x in xs]
    t = trace(f(*inputs))
    replay = t.compile()
    rng = random.Random(st_seed)
    new = [rng.uniform(-2, 2) for _ in xs]
    leaves = {x: v for x, v in zip(inputs, new)}
    args = [leaves.get(x, x.data) for x in replay.inputs]  # constants keep their values
    fresh = [Value(v) for v in new]
    y = f(*fresh)
    value, grads = replay(*args)
    assert same(value, y.data)
    by_leaf = dict(zip(replay.inputs, grads))
    expected = autograd.grad(y, fresh)
    assert [by_leaf[x] for x in inputs] == expected


@settings(max_examples=40, deadline=None)
@given(programs())
def test_random_functions_traced_in_program_order(program) -> None:
    """trace(f) gives the graph's gradient, its rows in the order the ops ran."""
    xs, steps = program
    f = program_function(steps)
    t = trace(f, *xs)
    fresh = [Value(x) for x in xs]
    assert t.grads == autograd.grad(f(*fresh), fresh)
    made = [r.node for r in t.rows[len(t.inputs) :]]
    assert all(t.index[p] < t.index[n] for n in made for p in n.parents)


def test_code_is_straight_line_and_keeps_branches() -> None:
    x = Value(-1.0, "x")
    t = trace(x.relu() + abs(x) + x.leaky_relu(0.1))
    code = t.code()
    assert "for " not in code and "while " not in code
    assert code.count(" if ") >= 3
    f = t.compile()
    # a piecewise op takes its branch from the new input: relu at +2 is the identity
    assert f(2.0) == (2.0 + 2.0 + 2.0, [3.0])
    assert f(-2.0) == (0.0 + 2.0 + -0.2, [0.0 + -1.0 + 0.1])
    value, grads = f(math.nan)  # NaN stays NaN, as in the engine (issue: relu gave 0.0)
    assert math.isnan(value) and math.isnan(grads[0])


def test_compiled_errors_are_the_engine_s() -> None:
    x = Value(4.0, "x")
    f = trace((x**2.5).log()).compile()
    with pytest.raises(ValueError, match=r"\*\*2\.5: operand 'x' = -4\.0 is negative and the exp"):
        f(-4.0)
    value, grads = trace(x.exp().sin()).compile()(1000.0)  # sin(inf) is NaN, not an error
    assert math.isnan(value) and math.isnan(grads[0])
    p = Value(0.5, "p")
    bce = nn.losses.binary_cross_entropy([p], [1.0])
    g = trace(bce).compile()
    with pytest.raises(ValueError) as replay_error:
        g(0.0)
    with pytest.raises(ValueError) as engine_error:
        nn.losses.binary_cross_entropy([Value(0.0, "p")], [1.0])
    assert str(replay_error.value) == str(engine_error.value)
    assert "math domain error" not in str(replay_error.value)
    with pytest.raises(ZeroDivisionError, match=r"/: division of 1\.0 by 'x' = 0\.0"):
        trace(1.0 / x).compile()(0.0)


def test_code_of_a_leaf_and_of_shared_parents() -> None:
    x = Value(3.0, "x")
    assert trace(x).compile()(4.0) == (4.0, [1.0])
    t = trace(x * x)
    assert t.compile()(5.0) == (25.0, [10.0])


@pytest.mark.parametrize("name", ["class", "not a name", "exp", "ops", "v1", "vbar2", "_x", "", 3])
def test_code_refuses_a_name_that_would_not_work(name) -> None:
    with pytest.raises(ValueError, match="code: name must be"):
        trace(Value(3.0, "x") * 2).code(name)


def test_code_takes_any_identifier() -> None:
    t = trace(Value(3.0, "x") * 2)
    source = t.code("é")
    namespace: dict = {}
    exec(compile(source, "<test>", "exec"), namespace)
    assert source.startswith("def é(x):") and "é" in namespace


def test_softmax_outputs_share_one_call_of_the_forward() -> None:
    n = 50
    xs = [Value(k / n) for k in range(n)]
    s = autograd.softmax(xs)
    loss = autograd.sum([si * (k % 3) for k, si in enumerate(s)])
    t = trace(loss)
    code = t.code()
    assert code.count("softmax(") == 1  # it was n calls, each O(n²): O(n³)
    value, grads = t.compile()(*[x.data for x in t.inputs])
    fresh = [Value(k / n) for k in range(n)]
    engine_loss = autograd.sum([si * (k % 3) for k, si in enumerate(autograd.softmax(fresh))])
    assert value == engine_loss.data and grads == autograd.grad(engine_loss, fresh)


def test_code_of_several_outputs_says_whose_gradient() -> None:
    t = trace(two_outputs, *POINT)
    with pytest.raises(ValueError, match="say whose gradient"):
        t.code()
    value, grads = t.compile(output="y2")(*POINT)
    assert value == t.values[1] and grads == t.adjoint({"y2": 1}, order="backward").grads
    y1 = t.row(t.outputs[0]).node
    _, _, extra = t.compile(output=1, extra=[y1])(*POINT)
    assert extra == [t.values[0]]


# ---- hostile labels -----------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "a|b",
    "back\\slash",
    "$x$",
    "new\nline",
    "`tick`",
    "&amp;",
    "{}_^%#~",
    "'); import os #",
    "\\end{tabular}",
]


def hostile_trace() -> autograd.Trace:
    xs = [Value(float(i + 1), label) for i, label in enumerate(HOSTILE)]
    return trace(autograd.sum([x.tanh() for x in xs]))


def check_markdown(md: str) -> None:
    """Every table line has the header's number of unescaped | and no raw newline in a cell."""
    for block in md.strip().split("\n\n"):
        lines = block.splitlines()
        if len(lines) == 1:
            assert lines[0].startswith("**") and lines[0].endswith("**")
            continue
        bars = [len(re.findall(r"(?<!\\)\|", line)) for line in lines]
        assert len(set(bars)) == 1, block
        assert lines[1].startswith("|---")


def check_latex(tex: str) -> None:
    """Balanced braces and $, begin/end pairs, one & fewer than columns on every row."""
    unescaped = re.sub(r"\\[\\{}$&#%_]", "", tex.replace(r"\textbackslash{}", ""))
    depth = 0
    for ch in unescaped:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0, tex
    assert depth == 0
    assert tex.count(r"\begin{tabular}") == tex.count(r"\end{tabular}")
    for line in unescaped.splitlines():
        assert line.count("$") % 2 == 0, line
        if line.endswith(r"\\") and "multicolumn" not in line:
            assert line.count("&") == 3, line


def test_hostile_labels_escaped_in_html() -> None:
    out = hostile_trace()._repr_html_()
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "&amp;amp;" in out
    assert "\n" not in "".join(re.findall(r"<td[^>]*>(.*?)</td>", out, re.S))
    assert "new\\nline" in out


def test_hostile_labels_escaped_in_markdown() -> None:
    md = hostile_trace().markdown()
    check_markdown(md)
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "a\\|b" in md and "\\$x\\$" in md and "\\`tick\\`" in md
    assert "back\\\\slash" in md


def test_hostile_labels_escaped_in_latex() -> None:
    tex = hostile_trace().latex()
    check_latex(tex)
    assert r"\text{\$x\$}" in tex
    assert r"\text{\textbackslash{}end\{tabular\}}" in tex
    assert tex.count(r"\end{tabular}") == 2


def test_hostile_labels_escaped_in_the_tangent_tables() -> None:
    t = hostile_trace()
    tan = t.tangent({HOSTILE[0]: 1.0, HOSTILE[4]: 2.0})
    assert tan.value == t.grads[0] + 2 * t.grads[4]
    html_out = tan._repr_html_()
    assert "<script>" not in html_out and "dot(&lt;script&gt;" in html_out
    check_markdown(tan.markdown())
    check_latex(tan.latex())
    assert "ṅėẇ\\nline" in tan.text() and "new\nline" not in tan.text()
    named = trace(Value(1.0, "x") * 2, name="<i>|$")
    assert "&lt;i&gt;" in named._repr_html_() and "<i>" not in named._repr_html_()
    check_markdown(named.markdown())
    check_latex(named.latex())
    assert r"\text{\textless{}i\textgreater{}\textbar{}\$}" in named.latex()


def test_hostile_labels_in_text_and_never_in_code() -> None:
    t = hostile_trace()
    text = t.text()
    assert "new\\nline" in text and "new\nline" not in text
    assert "\n" not in repr(t).split("\n(")[0]
    code = t.code()
    for label in HOSTILE:
        assert label not in code
    assert "import os" not in code
    value, grads = t.compile()(*[r.value for r in t.rows[: len(t.inputs)]])
    assert value == t.value and grads == t.grads


def _tex_engine() -> str | None:
    return next((e for e in ("pdflatex", "lualatex", "xelatex") if shutil.which(e)), None)


@pytest.mark.skipif(
    _tex_engine() is None, reason="no TeX engine: apt-get install -y texlive-latex-base"
)
def test_latex_compiles(tmp_path) -> None:
    """Baydin's tables, a two-output procedure, every op of the table and the hostile labels,
    in one document."""
    t = baydin()
    two = trace(two_outputs, *POINT)
    body = [t.latex(3), t.tangent({"x1": 1}).latex(3), two.latex(3), hostile_trace().latex()]
    body.append(two.tangent({"nu": 1}).latex(3))
    for op in OPS:  # every op's notation, as LaTeX
        inputs = [Value(x, f"x{i}") for i, x in enumerate(points(op, 0))]
        ti = trace(op.value(*inputs))
        body += [ti.latex(), ti.tangent({inputs[0]: 1.0}).latex()]
    assert all(ch.isascii() for ch in "".join(body))
    doc = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
    doc += "\n\\bigskip\n".join(body) + "\n\\end{document}\n"
    (tmp_path / "t.tex").write_text(doc, encoding="utf-8")
    run = subprocess.run(
        [_tex_engine(), "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:]


# ---- `chainrule trace` with a procedure -----------------------------------------------------

PROCEDURE = "u = w*t; y1 = nu*sin(u)/(g - cos(u)); y2 = g*y1"
AT = "w=2,t=0.5,nu=1.5,g=9.81"


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["trace", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_procedure_rows_follow_the_statements(capsys) -> None:
    code, out, err = cli(capsys, PROCEDURE, "--at", AT, "--outputs", "y1,y2", "--digits", "4")
    assert code == 0, err
    api = trace(two_outputs, *POINT)
    assert out == api.text(4)  # the same trace as the API's, row for row
    assert "v₁  = v₋₃ × v₋₂ = 1" in out and "v₂  = sin v₁" in out
    # newlines separate statements too, and the lines may be indented
    lines = "\n  u = w*t\n  y1 = nu*sin(u)/(g - cos(u))\n  y2 = g*y1\n"
    assert (
        cli(capsys, lines, "--at", AT, "--outputs", "y1", "--outputs", "y2", "--digits", "4")[1]
        == out
    )


def test_cli_procedure_default_output_tangent_and_formats(capsys) -> None:
    code, out, _ = cli(capsys, PROCEDURE, "--at", AT, "--tangent", "w", "--format", "markdown")
    assert code == 0
    assert "| y2 | v₇ |" in out and "| y1 |" not in out  # the last statement's name
    assert "| ẏ2 | v̇₇ |" in out
    code, out, _ = cli(capsys, "a = x*x; y = 2*a", "--at", "x=3")
    assert code == 0 and "v₂ = 2 × v₁" in out and "  y  = v₂" in out


@pytest.mark.parametrize(
    ("text", "message", "caret"),
    [
        ("u = x; x.a = u", "assignment to an attribute is not allowed", "x.a"),
        ("u = x; u[0] = 1", "assignment to a subscript is not allowed", "u[0]"),
        ("y = z*2; z = x", "z is used before it is assigned", "z"),
        ("y = foo(x)", "function 'foo' is not allowed", "foo"),
        ("y = x; y += 1", "augmented assignment `+=` is not allowed", "y += 1"),
        ("a, b = x, x", "assignment to several names at once", "a, b"),
        ("y = x; import os", "import statement is not allowed", "import os"),
        ("y = x; x*2", "this statement is not an assignment", "x*2"),
        ("y = __import__('os')", "function '__import__' is not allowed", "__import__"),
        ("sin = x", "'sin' is a function", "sin"),
        ("y = x.__class__", "attribute access is not allowed", "x.__class__"),
        ("y_1 = x", "name 'y_1' is not allowed", "y_1"),
    ],
)
def test_cli_procedure_refuses_hostile_input_with_a_caret(capsys, text, message, caret) -> None:
    assert is_procedure(text)
    with pytest.raises(ExprError) as e:
        parse_procedure(text)
    col = e.value.col
    assert text[col : col + len(caret)] == caret, (e.value.col, str(e.value))
    code, out, err = cli(capsys, text, "--at", "x=1")
    assert code == 2 and out == ""
    assert "rejected procedure" in err and message in err and "^" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--outputs", "y3"], "'y3' is not assigned by the procedure (it assigns u, y1, y2)"),
        (["--outputs", "nu"], "'nu' is an input"),
        (["--outputs", "y1,y1"], "y1 is given twice"),
        (["--tangent", "u"], "u is not an input of the procedure"),
    ],
)
def test_cli_procedure_bad_options(capsys, args, message) -> None:
    code, out, err = cli(capsys, PROCEDURE, "--at", AT, *args)
    assert code == 2 and out == "" and message in err, err


def test_cli_expression_names_the_output_as_the_api_does(capsys) -> None:
    code, out, _ = cli(capsys, "2*x", "--at", "x=3")
    assert code == 0 and "v₁ = 2 × v₀" in out and "  y  = v₁" in out and "x̄  = v̄₀" in out
    code, out, _ = cli(capsys, "x*y", "--at", "x=3,y=2")
    assert re.search(r"\n  f +  = v₁ ", out)  # y is an input
    code, _, err = cli(capsys, "2*x", "--at", "x=3", "--outputs", "y")
    assert code == 2 and "--outputs names the results of a procedure" in err
    code, _, err = cli(capsys, "y = log(x)", "--at", "x=-1")
    assert code == 1 and "is not > 0" in err and "log(x)" in err


def test_cli_procedure_says_which_output_is_not_finite(capsys) -> None:
    text = "u = exp(x); y1 = u*2; y2 = sqrt(x - 1000)"
    code, out, err = cli(capsys, text, "--at", "x=1000", "--outputs", "y1,y2")
    assert code == 1 and re.search(r"\n  y1 += v₂ ", out)  # printed, then said
    lines = err.splitlines()
    assert lines[0].startswith("chainrule trace: error: y1 and dy1/dx are not finite: `u`")
    assert lines[1].startswith("chainrule trace: error: dy2/dx is not finite: the local")
    assert "`sqrt(x - 1000)`" in lines[1]
    assert cli(capsys, text, "--at", "x=1001", "--outputs", "y1")[0] == 1
    assert cli(capsys, text, "--at", "x=1001", "--outputs", "y2")[0] == 0


def test_the_textbooks_ops_are_written_as_the_textbooks_write_them(capsys) -> None:
    """The issue's procedure, with tan: `v₂ = tan v₁`, ∂v₂/∂v₁ = 1 + v₂², one row each."""
    text = "u = w*t; y1 = nu*tan(u)/(g - tan(u)); y2 = g*y1"
    code, out, err = cli(capsys, text, "--at", AT, "--outputs", "y1,y2", "--digits", "4")
    assert code == 0, err
    assert "v₂  = tan v₁    = 1.5574   ∂v₂/∂v₁ = 1 + v₂^2 = 3.4255" in out
    assert "v₄  = tan v₁" in out and "v₈" not in out  # 7 rows: tan is one row, not sin/cos

    def f(w, t, nu, g):
        u = w * t
        y1 = nu * u.tan() / (g - u.tan())
        return {"y1": y1, "y2": g * y1}

    assert out == trace(f, *POINT).text(4)
    rows = {
        name: trace(lambda x, n=name: getattr(x, n)(), 0.3).text(4).splitlines()[2]
        for name in ("sinh", "cosh", "asin", "acos", "erf", "gelu", "silu")
    }
    assert "v₁ = sinh v₀ = 0.3045   ∂v₁/∂v₀ = cosh v₀ = 1.0453" in rows["sinh"]
    assert "v₁ = arcsin v₀" in rows["asin"] and "√(1 − v₀^2)" in rows["asin"]
    assert "∂v₁/∂v₀ = 2 e^(−v₀^2)/√π" in rows["erf"]
    assert "v₁ = GELU(v₀)" in rows["gelu"] and "v₁ = SiLU(v₀)" in rows["silu"]
