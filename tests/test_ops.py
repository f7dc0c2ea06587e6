"""Every op of the shared table: value, structure, derivatives of order 1 to 3, edge inputs."""

from __future__ import annotations

import inspect
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ops_table import EDGE_OPS, NARY, OPS, Op

import autograd
from autograd import Value, grad, gradcheck, numerical_grad
from autograd import ops as op_table
from autograd import value as value_module

EDGES = [0.0, 1e-8, -1e-8, 30.0, -30.0, 1000.0, -1000.0]


def close(a: float, b: float, rel: float = 1e-7, abs_: float = 1e-9) -> bool:
    """a ≈ b, with inf equal to an inf of the same sign and NaN to NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= abs_ + rel * abs(b)


def assert_close(actual, expected, rel: float = 1e-7, abs_: float = 1e-9, what: str = "") -> None:
    """Elementwise over nested lists of floats."""
    if isinstance(expected, list):
        assert len(actual) == len(expected), what
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_close(a, e, rel, abs_, f"{what}[{i}]")
        return
    assert close(float(actual), float(expected), rel, abs_), f"{what}: {actual!r} != {expected!r}"


def inputs(op: Op) -> st.SearchStrategy[tuple[float, ...]]:
    return st.tuples(*(st.floats(lo, hi) for lo, hi in op.domain))


def leaves(xs: tuple[float, ...]) -> list[Value]:
    return [Value(x, f"x{i}") for i, x in enumerate(xs)]


def central(f, xs: tuple[float, ...], eps: float = 1e-6) -> list:
    """Central differences of a float function whose result is a float or nested lists."""

    def diff(hi, lo):
        if isinstance(hi, list):
            return [diff(h, lo_) for h, lo_ in zip(hi, lo, strict=True)]
        return (hi - lo) / (2 * eps)

    out = []
    for i in range(len(xs)):
        up = [x + eps if j == i else x for j, x in enumerate(xs)]
        down = [x - eps if j == i else x for j, x in enumerate(xs)]
        out.append(diff(f(*up), f(*down)))
    # out[i] is ∂/∂xᵢ of f; the table indexes the new axis last: f[...][i]
    return _move_first_axis_last(out)


def _move_first_axis_last(t: list) -> list:
    if not isinstance(t[0], list):
        return t
    return [_move_first_axis_last([t[i][j] for i in range(len(t))]) for j in range(len(t[0]))]


ops = pytest.mark.parametrize("op", OPS, ids=repr)


# ---- the table itself: each closed form is the derivative of the one before ----------------


@ops
@given(data=st.data())
def test_table_closed_forms_are_derivatives_of_each_other(op: Op, data) -> None:
    xs = data.draw(inputs(op))
    assert_close(op.d1(*xs), central(op.float, xs), 1e-5, 1e-6, "d1 vs float form")
    assert_close(op.d2(*xs), central(op.d1, xs), 1e-5, 1e-6, "d2 vs d1")
    assert_close(op.d3(*xs), central(op.d2, xs), 1e-5, 1e-6, "d3 vs d2")


# ---- the engine against the table ----------------------------------------------------------


@ops
@given(data=st.data())
def test_value_matches_float_form(op: Op, data) -> None:
    xs = data.draw(inputs(op))
    out = op.value(*leaves(xs))
    assert type(out.data) is float
    assert close(out.data, op.float(*xs), 1e-12, 1e-14)


@ops
@given(data=st.data())
def test_one_node_with_the_inputs_as_parents(op: Op, data) -> None:
    """Each op is ONE node: parents are exactly the inputs, local grads the closed form ∂f/∂xᵢ."""
    xs = data.draw(inputs(op))
    vs = leaves(xs)
    out = op.value(*vs)
    assert out.op == op.op
    assert len(out.parents) == op.arity
    assert all(p is v for p, v in zip(out.parents, vs, strict=True))
    assert all(type(d) is float for d in out.local_grads)
    assert_close(list(out.local_grads), op.d1(*xs), 1e-9, 1e-12, "local_grads")
    assert out.grad == 0.0
    assert all(v.grad == 0.0 for v in vs)


@ops
@given(data=st.data())
def test_first_derivative_matches_closed_form(op: Op, data) -> None:
    xs = data.draw(inputs(op))
    vs = leaves(xs)
    out = op.value(*vs)
    assert_close(grad(out, vs), op.d1(*xs), 1e-9, 1e-12, "grad")
    out.backward()
    assert_close([v.grad for v in vs], op.d1(*xs), 1e-9, 1e-12, "backward")


@ops
@given(data=st.data())
def test_first_derivative_matches_central_differences(op: Op, data) -> None:
    xs = data.draw(inputs(op))
    vs = leaves(xs)
    numeric = numerical_grad(op.value, vs)
    assert_close(grad(op.value(*vs), vs), numeric, 1e-5, 1e-6, "grad vs numerical_grad")
    assert gradcheck(op.value, xs)


@ops
@given(data=st.data())
def test_second_derivative_matches_closed_form(op: Op, data) -> None:
    xs = data.draw(inputs(op))
    vs = leaves(xs)
    first = grad(op.value(*vs), vs, create_graph=True)
    assert all(isinstance(g, Value) for g in first)
    assert_close([g.data for g in first], op.d1(*xs), 1e-9, 1e-12, "create_graph d1")
    hessian = [grad(g, vs) for g in first]
    assert_close(hessian, op.d2(*xs), 1e-8, 1e-10, "d2")


@ops
@given(data=st.data())
def test_third_derivative_matches_closed_form(op: Op, data) -> None:
    xs = data.draw(inputs(op))
    vs = leaves(xs)
    first = grad(op.value(*vs), vs, create_graph=True)
    second = [grad(g, vs, create_graph=True) for g in first]
    third = [[grad(h, vs) for h in row] for row in second]
    assert_close(third, op.d3(*xs), 1e-8, 1e-9, "d3")


def test_every_unary_op_has_its_third_derivative_tested() -> None:
    methods = {op.name for op in op_table.METHODS} | {"neg", "abs"}
    assert methods <= {op.op for op in OPS if op.arity == 1}
    binary = {"+", "-", "*", "/", "**"}
    assert binary <= {op.op for op in OPS}
    nary = {"sum", "mean", "dot", "wsum", "logsumexp", "softmax[0]"}
    assert nary <= {op.op for op in OPS}


def entry_of(row: Op) -> op_table.Op:
    """The op-table entry of the node that a row builds."""
    xs = tuple((lo + hi) / 2 for lo, hi in row.domain)
    return row.value(*leaves(xs))._op


def test_every_entry_of_the_op_table_has_a_row_in_the_tests_table() -> None:
    covered = {entry_of(row) for row in OPS}
    missing = [op.name for op in op_table.TABLE if op not in covered]
    assert not missing, f"add a row to tests/ops_table.py for: {', '.join(missing)}"


def test_every_public_value_method_comes_from_the_op_table() -> None:
    graph = {"backward", "zero_grad", "detach"}
    attributes = {"data", "grad", "label", "op", "parents", "local_grads", "param", "primitive"}
    public = {name for name in dir(Value) if not name.startswith("_")} - graph - attributes
    assert public == {op.name for op in op_table.METHODS}


INSIDE = 0.25  # an input inside the domain of every unary entry


@pytest.mark.parametrize("entry", op_table.METHODS, ids=lambda op: op.name)
def test_every_method_is_a_def_in_value_py_applying_its_entry(entry: op_table.Op) -> None:
    """grep "def tanh", go-to-definition and help(Value.tanh) find each method, which applies
    its own entry and documents the new Value and the entry's local derivative."""
    method = Value.__dict__.get(entry.name)
    assert inspect.isfunction(method), f"add `def {entry.name}` to Value in autograd/value.py"
    assert method.__qualname__ == f"Value.{entry.name}"
    assert f"    def {entry.name}(self" in inspect.getsource(value_module)
    doc = inspect.getdoc(method)
    assert "new Value" in doc and " ".join(entry.doc.split()) in " ".join(doc.split()), doc
    parameters = list(inspect.signature(method).parameters.values())[1:]
    if entry.param is None:
        assert parameters == []
    else:
        assert [(p.name, p.default) for p in parameters] == [(entry.param, entry.default)]
    out = method(Value(INSIDE))
    assert out.primitive is entry
    assert (out.data, *out.local_grads) == entry.forward(
        INSIDE, *([entry.default] if entry.param else [])
    )


def test_a_missing_higher_order_rule_raises_naming_the_op(monkeypatch) -> None:
    monkeypatch.setattr(op_table.TANH, "rule", None)
    x = Value(0.5)
    y = x.tanh()
    assert grad(y, [x]) == [pytest.approx(1 - math.tanh(0.5) ** 2)]  # first order needs no rule
    with pytest.raises(NotImplementedError, match="'tanh'"):
        grad(y, [x], create_graph=True)


# ---- edge inputs ---------------------------------------------------------------------------


@pytest.mark.parametrize("x", EDGES)
@pytest.mark.parametrize("op", EDGE_OPS, ids=repr)
def test_unary_edge_inputs(op: Op, x: float) -> None:
    """0, ±1e-8, ±30, ±1000: the right value (inf only where the maths overflows), the right
    local derivative, no OverflowError; a domain error where the maths has no value."""
    error = op.error(x)
    v = Value(x, "x")
    if error is not None:
        with pytest.raises(error) as info:
            op.value(v)
        message = str(info.value)
        assert op.op.strip("0123456789.-") in message and repr(x) in message, message
        assert v.grad == 0.0 and v.parents == ()
        return
    out = op.value(v)
    expected = op.float(x)
    assert close(out.data, expected, 1e-12, 1e-15), (out.data, expected)
    assert math.isfinite(out.data) == math.isfinite(expected)
    try:
        d1 = op.d1(x)[0]
    except ZeroDivisionError:  # sqrt at 0: the derivative is +inf
        d1 = math.inf
    assert close(out.local_grads[0], d1, 1e-6, 1e-15), (out.local_grads[0], d1)
    out.backward()
    assert close(v.grad, d1, 1e-6, 1e-15)


@pytest.mark.parametrize(
    "xs",
    [
        (1000.0, -1000.0, 0.0, 30.0),
        (1000.0, 1000.0, 1000.0, 1000.0),
        (-1000.0, -1000.0, -1000.0, -1000.0),
        (30.0, -30.0, 1e-8, -1e-8),
        (0.0, 0.0, 0.0, 0.0),
    ],
)
@pytest.mark.parametrize("op", NARY, ids=repr)
def test_nary_edge_inputs(op: Op, xs: tuple[float, ...]) -> None:
    """logsumexp and softmax are computed stably: finite at ±1000."""
    xs = xs[: op.arity]
    vs = leaves(xs)
    out = op.value(*vs)
    assert math.isfinite(out.data)
    assert close(out.data, op.float(*xs), 1e-12, 1e-15)
    assert all(math.isfinite(d) for d in out.local_grads)
    assert_close(list(out.local_grads), op.d1(*xs), 1e-9, 1e-14, "local_grads")


@pytest.mark.parametrize("x", [1000.0, -1000.0])
@pytest.mark.parametrize("method", ["sigmoid", "softplus", "tanh"])
def test_stable_forms_stay_finite_at_1000(method: str, x: float) -> None:
    v = Value(x)
    out = getattr(v, method)()
    expected = {
        "sigmoid": 1.0 if x > 0 else 0.0,
        "softplus": max(x, 0.0),
        "tanh": math.copysign(1.0, x),
    }[method]
    assert out.data == expected
    out.backward()
    assert math.isfinite(v.grad)


# ---- + − × ÷ are written out in value.py for speed: pinned to their entries' forwards ------

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 3.0, -2.5, math.inf, -math.inf, math.nan]
SPECIAL += [5e-324, -5e-324, 2.2250738585072014e-308, -1e-310, 1e308, -1.7976931348623157e308]
FLOATS = st.one_of(
    st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True)
)


def same(x: float, y: float) -> bool:
    """x and y are the same float: NaN is NaN, and 0.0 is not −0.0."""
    if x != x or y != y:
        return x != x and y != y
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


INLINED = [
    # (how the operator is written, the entry it must equal, does the number fold in)
    ("a + b", lambda a, b: a + b, op_table.ADD, False),
    ("a + c", lambda a, c: a + c, op_table.ADD_C, True),
    ("c + a", lambda a, c: c + a, op_table.ADD_C, True),
    ("a - b", lambda a, b: a - b, op_table.SUB, False),
    ("a - c", lambda a, c: a - c, op_table.SUB_C, True),
    ("c - a", lambda a, c: c - a, op_table.RSUB_C, True),
    ("a * b", lambda a, b: a * b, op_table.MUL, False),
    ("a * c", lambda a, c: a * c, op_table.MUL_C, True),
    ("c * a", lambda a, c: c * a, op_table.MUL_C, True),
    ("a / b", lambda a, b: a / b, op_table.DIV, False),
    ("a / c", lambda a, c: a / c, op_table.DIV_C, True),
    ("c / a", lambda a, c: c / a, op_table.RDIV_C, True),
]


@pytest.mark.parametrize(
    ("written", "apply", "entry", "folds"), INLINED, ids=[i[0] for i in INLINED]
)
@given(a=FLOATS, b=FLOATS)
def test_inlined_operators_equal_their_entries(written, apply, entry, folds, a, b) -> None:
    """Every sign, zero, ±inf, NaN and subnormal: the same value, local derivatives, folded
    number and entry as the table's forward, or the same error (÷ 0)."""
    try:
        expected = entry.forward(a, b)
    except ZeroDivisionError:
        with pytest.raises(ZeroDivisionError, match=r"^/: division of "):  # names the operands
            apply(Value(a), b if folds else Value(b))
        return
    x = Value(a)
    y = b if folds else Value(b)
    out = apply(x, y)
    assert out.primitive is entry
    assert out.parents == ((x,) if folds else (x, y))
    got = (out.data, *out.local_grads)
    assert all(type(v) is float for v in got)
    assert len(got) == len(expected) and all(map(same, got, expected)), (got, expected)
    assert same(out.param, b) if folds else out.param is None


# ---- the ops the textbooks use: against PyTorch, in the compiled replay, at their edges ------

TEXTBOOK = ["tan", "sinh", "cosh", "asin", "acos", "erf", "gelu", "silu"]
EDGE_VALUES = [0.0, -0.0, 1e-8, -1e-8, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 3.0, -3.0, 7.0, -7.0]
EDGE_VALUES += [30.0, -30.0, 1000.0, -1000.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324]


def torch_reference(name: str):
    """PyTorch's function of that name, on float64 tensors."""
    torch = pytest.importorskip("torch", reason="pip install torch==2.13.0 for this cross-check")
    functional = {"gelu": torch.nn.functional.gelu, "silu": torch.nn.functional.silu}
    return torch, functional[name] if name in functional else getattr(torch, name)


@pytest.mark.parametrize("name", TEXTBOOK)
def test_textbook_ops_agree_with_pytorch(name: str) -> None:
    """Value, first and second derivative against torch 2.13 (float64, create_graph), across the
    domain; far left GELU is compared in absolute terms: torch's ½(1 + erf(x/√2)) loses the
    digits that chainrule's erfc form keeps."""
    torch, f = torch_reference(name)
    lo, hi = (
        (-0.99, 0.99) if name in ("asin", "acos") else (-1.4, 1.4) if name == "tan" else (-8, 8)
    )
    for k in range(81):
        x0 = lo + (hi - lo) * k / 80
        t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        ty = f(t)
        (tg,) = torch.autograd.grad(ty, t, create_graph=True)
        (th,) = torch.autograd.grad(tg, t)
        x = Value(x0)
        y = getattr(x, name)()
        (g,) = grad(y, [x], create_graph=True)
        (h,) = grad(g, [x])
        y.backward()
        for ours, theirs in [(y.data, ty), (x.grad, tg), (g.data, tg), (h, th)]:
            assert close(ours, theirs.item(), 1e-12, 1e-15 if name != "gelu" else 1e-14), (
                name,
                x0,
                ours,
                theirs.item(),
            )


@pytest.mark.parametrize("x", EDGE_VALUES)
@pytest.mark.parametrize("name", TEXTBOOK)
def test_textbook_ops_replay_compiled_to_the_last_digit(name: str, x: float) -> None:
    """The compiled trace (Trace.compile, CODE_NAMES: the engine's own float functions) gives
    the engine's value and gradient bit for bit, or the same error, at every edge value."""
    v = Value(0.25, "x")
    replay = autograd.trace(getattr(v, name)()).compile()
    try:
        v = Value(x, "x")
        y = getattr(v, name)()
    except ValueError:
        with pytest.raises(ValueError):
            replay(x)
        return
    (expected,) = grad(y, [v])
    value, (gradient,) = replay(x)
    assert same(value, y.data) and same(gradient, expected), (value, gradient, y.data, expected)


@pytest.mark.parametrize("name", ["asin", "acos"])
def test_asin_and_acos_at_the_ends_of_their_domain(name: str) -> None:
    """±1 belong to the domain: the value ±π/2 (or 0, π), the local derivative ±inf, and the
    same inf from create_graph; just outside, an error naming the op and the operand."""
    sign = 1.0 if name == "asin" else -1.0
    for end in (1.0, -1.0):
        x = Value(end, "x")
        y = getattr(x, name)()
        assert y.data == getattr(math, name)(end)
        assert y.local_grads == (sign * math.inf,)
        (g,) = grad(y, [x], create_graph=True)
        assert g.data == sign * math.inf
    for outside in (1.0000000000000002, -1.0000000000000002, 10.0, -math.inf, math.inf):
        with pytest.raises(ValueError, match=rf"{name}: operand 'x' = .* is outside \[-1, 1\]"):
            getattr(Value(outside, "x"), name)()


@pytest.mark.parametrize("name", ["gelu", "silu"])
def test_gelu_and_silu_take_their_limits_at_infinity(name: str) -> None:
    """+inf → (inf, 1); −inf → (−0, −0): the limits, where x·Φ(x) and x·σ(x) would give NaN;
    create_graph gives the same constants, whose own derivative is 0."""
    for x0, value, slope in [(math.inf, math.inf, 1.0), (-math.inf, -0.0, -0.0)]:
        x = Value(x0)
        y = getattr(x, name)()
        assert same(y.data, value) and same(y.local_grads[0], slope)
        (g,) = grad(y, [x], create_graph=True)
        assert same(g.data, slope) and grad(g, [x]) == [0.0]


def test_gelu_keeps_its_digits_far_left() -> None:
    """GELU(x) = x·Φ(x) with Φ(x) = ½·erfc(−x/√2): far left it is tiny but not 0, and right to
    ~2 ulp (mpmath at 50 digits) from −37 to 8, where ½(1 + erf(x/√2)) gives 0 or a few digits;
    GELU' = Φ + xφ to ~2 ulp of its two terms (its zero near −0.75 cancels them)."""
    mpmath = pytest.importorskip("mpmath", reason="pip install mpmath for this cross-check")
    from decimal import Decimal, localcontext

    from autograd.ops import _SQRT1_2, _SQRT1_2_LO, gelu, gelu_derivative, normal_cdf, normal_pdf

    with localcontext() as ctx:
        ctx.prec = 50
        assert _SQRT1_2_LO == float(Decimal(2).sqrt() / 2 - Decimal(_SQRT1_2))
    mpmath.mp.dps = 50
    ulp = 2.0**-52
    for k in range(181):
        x = -37.0 + k / 4
        cdf, pdf = mpmath.ncdf(x), mpmath.npdf(x)
        for ours, exact in [(gelu(x), x * cdf), (normal_cdf(x), cdf), (normal_pdf(x), pdf)]:
            assert abs(ours - float(exact)) <= 3 * ulp * abs(float(exact)), (x, ours, exact)
        scale = float(cdf) + abs(x * float(pdf))
        assert abs(gelu_derivative(x) - float(cdf + x * pdf)) <= 3 * ulp * scale, x
    assert gelu(-37.0) < 0.0 and 0.5 * (1 + math.erf(-37.0 / math.sqrt(2))) == 0.0


def test_a_trace_writes_the_textbook_ops_as_the_books_do() -> None:
    x = Value(0.5, "x")
    text = autograd.trace(x.tan()).text()
    assert "v₁ = tan v₀" in text and "∂v₁/∂v₀ = 1 + v₁^2" in text, text
    rows = {
        "sinh": "sinh v₀",
        "cosh": "cosh v₀",
        "asin": "arcsin v₀",
        "acos": "arccos v₀",
        "erf": "erf v₀",
        "gelu": "GELU(v₀)",
        "silu": "SiLU(v₀)",
    }
    for name, row in rows.items():
        assert f"v₁ = {row}" in autograd.trace(getattr(x, name)()).text(), name
