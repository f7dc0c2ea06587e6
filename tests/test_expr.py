"""nn.app.expr: the allow-listed expression language behind `chainrule graph`."""

from __future__ import annotations

import ast
import builtins
import math
import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from ops_table import UNARY

from autograd import Value, ops
from nn.app.expr import (
    MAX_DEPTH,
    MAX_LENGTH,
    BindingError,
    DomainError,
    ExprError,
    evaluate,
    functions,
    gradients,
    parse,
)


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


# expression, point, h(point), {var: ∂h/∂var at point} — closed forms written by hand.
KNOWN = [
    (
        "exp((2*x+3)**2)",
        {"x": 0.1},
        math.exp(3.2**2),
        {"x": 4 * 3.2 * math.exp(3.2**2)},  # the notes' 000-2 with the right factor 4
    ),
    ("x**3 - 2*x", {"x": 1.5}, 1.5**3 - 3, {"x": 3 * 1.5**2 - 2}),
    ("x*y + log(x)", {"x": 2.0, "y": 3.0}, 6 + math.log(2), {"x": 3.5, "y": 2.0}),
    (
        "sigmoid(w*x + b)",
        {"w": 0.5, "x": 2.0, "b": -0.3},
        sigmoid(0.7),
        {
            "w": sigmoid(0.7) * (1 - sigmoid(0.7)) * 2.0,
            "x": sigmoid(0.7) * (1 - sigmoid(0.7)) * 0.5,
            "b": sigmoid(0.7) * (1 - sigmoid(0.7)),
        },
    ),
    ("sqrt(x)/y", {"x": 4.0, "y": 2.0}, 1.0, {"x": 1 / (2 * 2 * 2), "y": -2 / 4}),
    (
        "tanh(x)*cos(y)",
        {"x": 0.3, "y": 0.4},
        math.tanh(0.3) * math.cos(0.4),
        {"x": (1 - math.tanh(0.3) ** 2) * math.cos(0.4), "y": -math.tanh(0.3) * math.sin(0.4)},
    ),
    ("atan(x)", {"x": 2.0}, math.atan(2.0), {"x": 1 / 5}),
    ("softplus(x)", {"x": -0.7}, math.log1p(math.exp(-0.7)), {"x": sigmoid(-0.7)}),
    ("relu(x) + relu(-x)", {"x": 1.3}, 1.3, {"x": 1.0}),
    ("abs(x)", {"x": -2.5}, 2.5, {"x": -1.0}),
    ("sin(x)**2 + cos(x)**2", {"x": 0.9}, 1.0, {"x": 0.0}),
    ("2**x", {"x": 3.0}, 8.0, {"x": 8 * math.log(2)}),
    ("x**y", {"x": 2.0, "y": 3.0}, 8.0, {"x": 12.0, "y": 8 * math.log(2)}),
    ("-x + +y", {"x": 1.0, "y": 2.0}, 1.0, {"x": -1.0, "y": 1.0}),
    ("1/x", {"x": 4.0}, 0.25, {"x": -1 / 16}),
    ("x*x*x", {"x": 3.0}, 27.0, {"x": 27.0}),  # one leaf used three times
    ("2*3*x - 1e-3", {"x": 1.0}, 6 - 1e-3, {"x": 6.0}),
    ("exp(1)*x", {"x": 2.0}, 2 * math.e, {"x": math.e}),
]


@pytest.mark.parametrize(("text", "at", "value", "partials"), KNOWN, ids=[k[0] for k in KNOWN])
def test_known_derivatives(text: str, at: dict, value: float, partials: dict) -> None:
    h, grads = gradients(text, at)
    assert h == pytest.approx(value, rel=1e-12, abs=1e-15)
    assert list(grads) == list(partials)  # order of first appearance
    for var, expected in partials.items():
        assert grads[var] == pytest.approx(expected, rel=1e-12, abs=1e-12), var


def test_variables_in_order_of_first_appearance() -> None:
    assert parse("b*a + c*a + exp(b) + d1").variables == ("b", "a", "c", "d1")


def test_leaves_are_labelled_and_shared() -> None:
    h, leaves = evaluate("x*y + x", {"x": 2.0, "y": 5.0})
    assert {name: leaf.label for name, leaf in leaves.items()} == {"x": "x", "y": "y"}
    assert h.label == "h"
    h.backward()
    assert leaves["x"].grad == 6.0 and leaves["y"].grad == 2.0


def test_numbers_fold_into_the_op_as_the_engine_does() -> None:
    h, leaves = evaluate("(2*3)*x", {"x": 1.0})
    assert h.op == "*6" and h.parents == (leaves["x"],)
    assert parse("2**10").program[0].arg == 1024.0  # a number alone is computed once, here
    assert len(parse("2**10").program) == 1


def test_nodes_are_labelled_by_their_text() -> None:
    h, _ = evaluate("exp(2*x+3) + y", {"x": 1.0, "y": 2.0})
    labels = {p.label for p in h.parents}
    assert labels == {"exp(2*x+3)", "y"}


def test_output_is_renamed_when_a_variable_is_called_h() -> None:
    expr = parse("h*x")
    assert expr.output_name == "f"
    root, _ = expr.evaluate({"h": 1.0, "x": 2.0})
    assert root.label == "f"


def test_expression_without_variables_gives_a_leaf() -> None:
    h, leaves = evaluate("2 + 3*4", {})
    assert isinstance(h, Value) and h.data == 14.0 and leaves == {}


def test_balanced_wide_expression() -> None:
    """2048 uses of x in a balanced tree: fine (depth 12), and d/dx counts them."""
    terms = ["x"] * 2048
    while len(terms) > 1:
        terms = [f"({a}+{b})" for a, b in zip(terms[::2], terms[1::2], strict=True)]
    assert len(terms[0]) <= MAX_LENGTH
    _, grads = gradients(terms[0], {"x": 0.5})
    assert grads == {"x": 2048.0}


# ---- bindings -------------------------------------------------------------------------------


def test_missing_variables_are_named() -> None:
    with pytest.raises(BindingError, match=r"no value given for y, z"):
        evaluate("x*y + z", {"x": 1.0})


def test_unused_values_are_an_error_unless_allowed() -> None:
    expr = parse("x*2")
    with pytest.raises(BindingError, match=r"value given for q, which the expression does not use"):
        expr.evaluate({"x": 1.0, "q": 2.0})
    h, _ = expr.evaluate({"x": 1.0, "q": 2.0}, allow_unused=True)
    assert h.data == 2.0


# ---- domain errors at the point --------------------------------------------------------------

DOMAIN = [
    ("log(x)", {"x": -1.0}, r"log: operand 'x' = -1\.0 is not > 0"),
    ("sqrt(x - 3)", {"x": 1.0}, r"sqrt: operand 'x - 3' = -2\.0 is negative"),
    ("x/(x-1)", {"x": 1.0}, r"division of 1\.0 by 'x-1' = 0\.0"),
    ("1/0 + x", {"x": 1.0}, r"division of .*1\.0 by 0 \(in `1/0`\)"),
    ("x**y", {"x": -2.0, "y": 0.5}, r"\*\*: operand 'x' = -2\.0 is not > 0"),
]


@pytest.mark.parametrize(("text", "at", "message"), DOMAIN, ids=[d[0] for d in DOMAIN])
def test_domain_errors_name_the_operand(text: str, at: dict, message: str) -> None:
    expr = parse(text)  # the text itself is fine
    with pytest.raises(DomainError, match=message):
        expr.evaluate(at)


# ---- rejection --------------------------------------------------------------------------------

# text, a fragment of the message, the 0-based column the caret points at (None: no caret)
REJECTED = [
    ("__import__('os').system('id')", "call of `__import__('os').system('id')`", 0),
    ("().__class__", "attribute access", 0),
    ("x.__dict__", "attribute access", 0),
    ("'a'*10**9", "string 'a'", 0),
    ("9**9**9**9", "numbers in an expression must stay within", 3),
    ("2**10**10", "evaluates to inf", 0),
    ("[x for x in y]", "list comprehension", 0),
    ("lambda: 1", "lambda", 0),
    ("x[0]", "subscript", 0),
    ("_x", "name '_x' is not allowed", 0),
    ("x_1 + 2", "name 'x_1' is not allowed", 0),
    ("open('f')", "function 'open' is not allowed", 0),
    ('f"{x}"', "f-string", 0),
    ("x + y.z", "attribute access", 4),
    ("x // y", "operator `//`", 2),
    ("'é' // x", "operator `//`", 4),  # columns count characters, not UTF-8 bytes
    ("x % 2", "operator `%`", 2),
    ("~x", "operator `~`", 0),
    ("not x", "operator `not`", 0),
    ("x < y", "comparison", 0),
    ("x if y else 2", "conditional expression", 0),
    ("x and y", "boolean operator", 0),
    ("(x, y)", "tuple", 0),
    ("{1: 2}", "dict", 0),
    ("(y := 2)", "assignment expression", 1),
    ("exp(x, y)", "exp() takes exactly one argument (2 given)", 0),
    ("exp()", "exp() takes exactly one argument (0 given)", 0),
    ("exp(*x)", "starred", 4),
    ("log(x=1)", "takes no keyword arguments", 4),
    ("exp", "'exp' is a function", 0),
    ("exp + 1", "'exp' is a function", 0),
    ("True", "boolean True", 0),
    ("None", "None", 0),
    ("1j", "complex number", 0),
    ("b'x'", "bytes", 0),
    ("...", "Ellipsis", 0),
    ("1e309", "number is larger than 1e+308", 0),
    ("1" + "0" * 400, "number is larger than 1e+308", 0),
    ("9" * 5000, "invalid syntax", 0),
    ("x +* y", "invalid syntax", 3),
    ("(x", "invalid syntax", None),
    ("x)", "invalid syntax", None),
    ("", "empty", None),
    ("   ", "empty", None),
    ("x\0", "NUL character", 1),
    ("é + x", "name 'é' is not allowed", 0),
    ("x = 1", "invalid syntax", None),
    ("import os", "invalid syntax", None),
    ("exec('1')", "function 'exec' is not allowed", 0),
]


@pytest.mark.parametrize(("text", "fragment", "col"), REJECTED, ids=[r[0][:30] for r in REJECTED])
def test_rejected_with_a_pointer(text: str, fragment: str, col: int | None) -> None:
    start = time.perf_counter()
    with pytest.raises(ExprError) as info:
        parse(text)
    assert time.perf_counter() - start < 1.0
    message = str(info.value)
    assert fragment in message
    if col is not None:
        assert info.value.col == col
        shown, carets = message.splitlines()[-2:]
        if len(text) <= 100:  # longer lines are cut to a window around the caret
            assert shown == "    " + text  # the line, indented by 4
        assert carets.index("^") == 4 + col  # and the caret under the offending part


def test_names_of_builtins_are_plain_variables() -> None:
    """`eval` or `os` are just variable names: their values come from --at, nothing is looked up."""
    h, leaves = evaluate("eval*os", {"eval": 2.0, "os": 3.0})
    assert h.data == 6.0 and set(leaves) == {"eval", "os"}


def test_caret_for_leading_whitespace_and_later_lines() -> None:
    with pytest.raises(ExprError) as info:
        parse("   x + y.z")
    assert info.value.col == 7
    with pytest.raises(ExprError) as info:
        parse("(x +\n y.z)")
    assert (info.value.line, info.value.col) == (2, 1)
    assert "line 2, column 2" in str(info.value)


def test_leading_whitespace_is_accepted() -> None:
    assert parse("  \n x*2").variables == ("x",)


def test_length_limit() -> None:
    assert parse("x" + " " * (MAX_LENGTH - 1)).variables == ("x",)
    assert parse("v" * MAX_LENGTH).variables == ("v" * MAX_LENGTH,)
    with pytest.raises(ExprError, match=r"20000 characters long; the limit is 10000"):
        parse("x+" * 10_000)


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "-" * n + "x",  # unary minus on unary minus
        lambda n: "exp(" * n + "x" + ")" * n,  # calls in calls
        lambda n: "+".join(["x"] * (n + 1)),  # a left-leaning sum: each + is a level
        lambda n: "**".join(["x"] * (n + 1)),  # a right-leaning power
    ],
    ids=["unary", "calls", "sum", "power"],
)
def test_depth_limit_is_exact(make) -> None:
    """MAX_DEPTH levels of operations above a leaf are fine; one more is rejected."""
    parse(make(MAX_DEPTH - 1))  # the leaf is the 200th level
    with pytest.raises(ExprError, match=r"nested deeper than 200 levels"):
        parse(make(MAX_DEPTH))


@pytest.mark.parametrize(
    "text",
    [
        "(" * 100_000 + "x" + ")" * 100_000,
        "(" * 4000 + "x" + ")" * 4000,
        "-" * 9000 + "x",
        "+".join(["x"] * 4000),
        "exp(" * 1500 + "x" + ")" * 1500,
        "[" * 300 + "]" * 300,
    ],
    ids=["parens-1e5", "parens-4000", "unary-9000", "sum-4000", "calls-1500", "lists-300"],
)
def test_pathological_nesting_is_rejected_quickly(text: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ExprError, match=r"nested deeper than 200 levels|characters long"):
        parse(text)
    assert time.perf_counter() - start < 2.0


def test_huge_powers_finish_quickly() -> None:
    start = time.perf_counter()
    h, _ = evaluate("x**10**10", {"x": 2.0})  # 10**10 is a fine number; 2**1e10 overflows
    assert h.data == math.inf
    assert time.perf_counter() - start < 1.0


def test_nothing_is_executed(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """eval/exec are never called, and compile only ever builds an AST (ast.parse)."""
    sentinel = tmp_path / "ran"

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec called")

    real_compile = builtins.compile

    def ast_only(source, filename, mode, flags=0, *args, **kwargs):
        assert flags & ast.PyCF_ONLY_AST, "compile() asked for code, not an AST"
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    monkeypatch.setattr(builtins, "compile", ast_only)
    for text in [
        f"__import__('os').system('touch {sentinel}')",
        f"open('{sentinel}', 'w')",
        "x.__class__.__bases__[0].__subclasses__()",
    ]:
        with pytest.raises(ExprError):
            parse(text)
    assert gradients("exp(x)*y", {"x": 0.0, "y": 2.0}) == (2.0, {"x": 2.0, "y": 1.0})
    assert not sentinel.exists()


def test_not_a_string() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        parse(b"x")


# ---- random expressions against a reference evaluation ------------------------------------


class _Floats:
    """The functions on plain floats, written from their definitions."""

    exp = staticmethod(math.exp)
    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)
    tanh = staticmethod(math.tanh)
    atan = staticmethod(math.atan)
    abs = staticmethod(abs)

    @staticmethod
    def log(x: float) -> float:
        return math.log(x)

    @staticmethod
    def sqrt(x: float) -> float:
        return math.sqrt(x)

    @staticmethod
    def sigmoid(x: float) -> float:
        """1/(1 + e^{−x}), in the form that cannot overflow."""
        return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))

    @staticmethod
    def relu(x: float) -> float:
        return x if x > 0 else 0.0

    @staticmethod
    def softplus(x: float) -> float:
        """ln(1 + eˣ) = max(x, 0) + ln(1 + e^{−|x|})"""
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))

    @staticmethod
    def leaky_relu(x: float) -> float:
        """x for x > 0, else slope·x with the slope `leaky_relu(x)` takes by default."""
        return x if x > 0 else ops.LEAKY_RELU.default * x

    def __getattr__(self, name: str):
        """Any other function of the op table: the float form of its row in the tests' table."""
        (row,) = [r for r in UNARY if r.op == name][:1]
        return row.float


class _Values:
    """The same functions on Values, built directly with the engine's methods."""

    def __getattr__(self, name: str):
        def f(v: Value | float) -> Value:
            v = v if isinstance(v, Value) else Value(v)
            return abs(v) if name == "abs" else getattr(v, name)()

        return f


VARS = ("x", "y", "z")
numbers = st.one_of(
    st.integers(-5, 5),
    st.floats(-3, 3, allow_nan=False).map(lambda f: round(f, 3)),
)
leaf = st.one_of(
    st.sampled_from(VARS).map(lambda v: (v, lambda env, lib, v=v: env[v])),
    numbers.map(lambda c: (f"({c!r})", lambda env, lib, c=c: c)),
)


def _extend(children):
    def binary(op: str):
        def make(pair):
            (ta, fa), (tb, fb) = pair
            if op == "+":
                return f"({ta} + {tb})", lambda e, lib: fa(e, lib) + fb(e, lib)
            if op == "-":
                return f"({ta} - {tb})", lambda e, lib: fa(e, lib) - fb(e, lib)
            if op == "*":
                return f"({ta} * {tb})", lambda e, lib: fa(e, lib) * fb(e, lib)
            # a denominator kept away from 0
            return (
                f"({ta} / (abs({tb}) + 1))",
                lambda e, lib: fa(e, lib) / (lib.abs(fb(e, lib)) + 1),
            )

        return st.tuples(children, children).map(make)

    def call(name: str):
        def make(child):
            t, f = child
            if name in ("log", "sqrt"):  # arguments kept inside the domain
                return (
                    f"{name}(abs({t}) + 1)",
                    lambda e, lib: getattr(lib, name)(lib.abs(f(e, lib)) + 1),
                )
            return f"{name}({t})", lambda e, lib: getattr(lib, name)(f(e, lib))

        return children.map(make)

    def power(pair):
        (t, f), k = pair
        return f"({t})**{k}", lambda e, lib: f(e, lib) ** k

    def negate(child):
        t, f = child
        return f"(-{t})", lambda e, lib: -f(e, lib)

    return st.one_of(
        *[binary(op) for op in "+-*/"],
        *[call(name) for name in functions()],
        st.tuples(children, st.integers(0, 3)).map(power),
        children.map(negate),
    )


expressions = st.recursive(leaf, _extend, max_leaves=10)
points = st.fixed_dictionaries({v: st.floats(-2, 2, allow_nan=False) for v in VARS})


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=150, deadline=None)
@given(expressions, points)
def test_random_expressions_match_a_reference(expression, point) -> None:
    text, reference = expression
    try:
        expected = reference(point, _Floats())
    except (OverflowError, ValueError, ZeroDivisionError):
        assume(False)
    assume(math.isfinite(expected) and abs(expected) < 1e100)
    try:
        expr = parse(text)
    except ExprError as e:  # a part made of numbers alone overflowed on the way
        assert "numbers in an expression must stay" in str(e)
        assume(False)
    at = {v: point[v] for v in expr.variables}
    h, leaves = expr.evaluate(at)
    assert _same(h.data, expected), (text, h.data, expected)

    # the gradients equal those of the same expression built directly from Values
    h.backward()
    direct_leaves = {v: Value(x, label=v) for v, x in at.items()}
    direct = reference(direct_leaves, _Values())
    if isinstance(direct, Value):
        direct.backward()
    for v in expr.variables:
        assert _same(leaves[v].grad, direct_leaves[v].grad), (text, v)


# ---- hardening: what a hostile command line found ------------------------------------------


def test_the_result_is_named_even_when_every_usual_name_is_a_variable() -> None:
    expr = parse("h+f+g+y+out")
    assert expr.output_name == "out1"
    root, _ = expr.evaluate(dict.fromkeys(("h", "f", "g", "y", "out"), 1.0))
    assert root.label == "out1"
    assert parse("h+f+g+y+out+out1").output_name == "out2"


def test_a_byte_that_is_not_utf8_gets_a_caret() -> None:
    text = b"x+\xff".decode("utf-8", "surrogateescape")  # as Python hands it over in sys.argv
    with pytest.raises(ExprError) as info:
        parse(text)
    assert "byte 0xff, which is not UTF-8 text" in str(info.value) and info.value.col == 2
    assert str(info.value).splitlines()[-1] == "      ^"


def test_a_bare_carriage_return_ends_a_line_and_keeps_the_caret() -> None:
    with pytest.raises(ExprError) as info:
        parse("x\r+ +")
    assert (info.value.line, info.value.col) == (2, 0)
    assert str(info.value).splitlines()[-2:] == ["    + +", "    ^"]
    with pytest.raises(ExprError) as info:
        parse("(x +\r y.z)")
    assert (info.value.line, info.value.col) == (2, 1) and "line 2, column 2" in str(info.value)


def test_a_long_flat_mistake_is_a_syntax_error_not_deep_nesting() -> None:
    with pytest.raises(ExprError) as info:
        parse("x " * 3000)
    assert "nested" not in str(info.value)
    assert info.value.reason.startswith("invalid syntax") and info.value.col == 2


def test_no_warning_escapes_the_parser() -> None:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for text in ("1or 2", "0x1for x", "'\\d'", "1 is 1"):
            with pytest.raises(ExprError):
                parse(text)
    assert [str(w.message) for w in caught] == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("(x y)", "invalid syntax: two operands in a row; is an operator such as * missing?"),
        ("sin(x y)", "invalid syntax: two operands in a row; is an operator such as * missing?"),
        ("(x", "invalid syntax: '(' was never closed"),
        ("x +* y", "invalid syntax"),
    ],
)
def test_a_syntax_error_says_invalid_syntax_once(text: str, reason: str) -> None:
    with pytest.raises(ExprError) as info:
        parse(text)
    assert info.value.reason == reason and str(info.value).count("invalid syntax") == 1


def test_pi_and_e_are_the_constants() -> None:
    h, leaves = evaluate("2*pi*x + e", {"x": 1.0})
    assert h.data == 2 * math.pi + math.e and list(leaves) == ["x"]
    assert parse("pi*e").variables == ()
    with pytest.raises(BindingError, match=r"value given for e, .* \(e is a constant\)"):
        evaluate("x", {"x": 1.0, "e": 2.0})


# ---- the functions are the op table's, and two slips of a new user get a suggestion ---------


def test_the_functions_are_the_op_table_s_unary_entries_and_abs():
    assert list(functions()) == [op.name for op in ops.METHODS] + ["abs"]
    slope = ops.LEAKY_RELU.default
    h, leaves = parse("leaky_relu(x)").evaluate({"x": -2.0})  # its default slope
    h.backward()
    assert (h.data, leaves["x"].grad) == (-2.0 * slope, slope)


def test_a_function_the_table_no_longer_has_is_refused(monkeypatch):
    monkeypatch.setattr(ops, "METHODS", tuple(op for op in ops.METHODS if op.name != "atan"))
    with pytest.raises(ExprError, match="function 'atan' is not allowed"):
        parse("atan(x)")
    assert "atan" not in functions() and "tanh" in functions()


@pytest.mark.parametrize(
    ("text", "hint", "col"),
    [
        ("2x+1", "write 2*x", 0),
        ("1 + 3.5y", "write 3.5*y", 4),
        ("x + 2e3x", "write 2e3*x", 4),
        ("tanh(10w)", "write 10*w", 5),
    ],
)
def test_a_number_against_a_name_suggests_the_product(text, hint, col):
    with pytest.raises(ExprError) as e:
        parse(text)
    assert e.value.reason == f"a number directly followed by a name: to multiply, {hint}"
    assert e.value.col == col and "invalid decimal literal" not in str(e.value)


def test_a_value_for_an_unused_name_is_named_beside_the_missing_one():
    with pytest.raises(BindingError) as e:
        parse("x**2").evaluate({"X": 3.0})
    assert str(e.value) == (
        "no value given for x; X was given, which the expression does not use "
        "(did you mean x instead of X? names are case-sensitive)"
    )
    with pytest.raises(BindingError) as e:
        parse("rate*t").evaluate({"rat": 1.0, "t": 2.0, "q": 0.0})
    assert str(e.value) == (
        "no value given for rate; rat, q were given, which the expression does not use "
        "(did you mean rate instead of rat?)"
    )
