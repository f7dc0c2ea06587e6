"""The op table: every primitive of the engine, declared once.

Each entry gives, side by side, the op's float forward with its local derivatives (what a node
stores on its edges) and its derivative rule written in differentiable ops, in terms of the
node `y`, its parents and its folded number `c` (what `grad(..., create_graph=True)` builds, as
HIPS autograd's `defvjp` and JAX's rule tables do). An op whose local derivatives are constants
says so with `rule=CONSTANT`; an op with no rule raises NotImplementedError when differentiated
twice. `value.py` turns the entries into `Value` methods and nodes; nothing else parses an op.

Forwards compute with IEEE floats: overflow gives ±inf and a NaN stays NaN, never an exception
(domain errors such as log of a negative number are checked by `domain` before the forward).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

_INF = math.inf

CONSTANT: Any = "constant"  # a rule: the stored local derivatives are exact constants


def fmt(c: float) -> str:
    """The shortest text that reads back as exactly `c`: `2` for 2.0, `0.1`, `-0.0`, `1e+300`,
    `inf`, `nan` (op names and traces carry constants in it); the one exact formatter."""
    if type(c) is int:
        return str(c)
    if c.is_integer() and abs(c) < 1e16 and (c or math.copysign(1.0, c) > 0):
        return str(int(c))
    return repr(c)


Template = "str | Callable[..., Any]"


def _paren(c: float) -> str:
    """A folded number inside an op's drawing: negative ones in parentheses."""
    return fmt(c) if c >= 0 else f"({fmt(c)})"


class Notation:
    """How an evaluation trace writes an op (`autograd.traces`): maths for its rows, Python for
    `Trace.code()`.

    A template is a str in which `#0`, `#1`, … stand for the operands, `#c` for the folded
    number and `#y` for the node itself, or, for ops of any arity, a function
    `(operands, c, y, ds) → str` (ds: the node's stored local derivatives; for the derivative
    templates it returns one str per operand). `math` and `dmath` are written in LaTeX (a trace
    turns the few macros used here into plain text); `code` and `dcode` are Python
    expressions over the names of `CODE_NAMES`. With `pair=True`, `code` evaluates to
    (value, local derivatives) as the op's forward does, and `dcode` is not used.
    """

    __slots__ = ("code", "dcode", "dmath", "math", "pair")

    def __init__(
        self,
        math: Any,
        dmath: Any,
        code: Any,
        dcode: Any = None,
        *,
        pair: bool = False,
    ) -> None:
        self.math = math  # the value in terms of the operands: "\\sin #0"
        self.dmath = dmath  # ∂node/∂operand for each operand: ("\\cos #0",)
        self.code = code  # the value as Python: "sin(#0)"
        self.dcode = dcode  # ∂node/∂operand as Python: ("cos(#0)",)
        self.pair = pair


class Op:
    """One primitive: its name, forward, derivative rule, display name and trace notation."""

    __slots__ = (
        "arity",
        "default",
        "doc",
        "domain",
        "drawn",
        "forward",
        "name",
        "notation",
        "param",
        "rule",
        "show",
    )

    def __init__(
        self,
        name: str,
        forward: Callable[..., tuple],
        rule: Callable[..., tuple] | None,
        *,
        arity: int = 1,
        doc: str = "",
        domain: Callable[..., str | None] | None = None,
        param: str | None = None,
        default: float | None = None,
        show: Callable[[Any], str] | None = None,
        drawn: Callable[[Any], str] | None = None,
        notation: Notation | None = None,
    ) -> None:
        self.name = name  # the entry's name, and the `Value` method for a unary function
        self.forward = forward  # floats → (value, ∂/∂input, ...); n-ary: (value, tuple)
        self.rule = rule  # Values → ∂/∂input as Values (or exact floats); CONSTANT; None
        self.arity = arity  # 1, 2, or 0 for any number of inputs
        self.doc = doc or forward.__doc__ or ""
        self.domain = domain  # float(s) → why the input is outside the domain, or None
        self.param = param  # the name of the folded number, if the op has one
        self.default = default  # its default, for a method that takes it (leaky_relu's slope)
        self.show = show or (lambda c: name)  # the folded number → the display name (`.op`)
        self.drawn = drawn or (lambda c: name)  # … → how a drawing writes it, as maths: "· × 2"
        self.notation = notation  # how a trace writes it (tests/test_trace.py: every entry has one)

    def __repr__(self) -> str:
        return f"<op {self.name}>"

    def derivatives(self, y: Any) -> tuple:
        """∂y/∂parent for each parent of node `y`, as Values (or exact float constants)."""
        rule = self.rule
        if rule is CONSTANT:
            return y.local_grads
        if rule is None:
            raise NotImplementedError(
                f"op {self.name!r} has no derivative rule, so it cannot be differentiated "
                "twice (create_graph=True): add one to its entry in autograd/ops.py"
            )
        if self.param is not None:
            return rule(y, *y.parents, y.param)
        return rule(y, *y.parents)


# ---- float helpers, IEEE semantics: the one float σ, softplus, exp and power --------------


def exp(x: float) -> float:
    """eˣ, inf on overflow (math.exp raises instead)."""
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def power(a: float, c: float) -> float:
    """a**c as IEEE floats: overflow gives ±inf and 0**negative gives inf, never an exception."""
    try:
        return a**c
    except OverflowError:
        return -_INF if a < 0 and c % 2 == 1 else _INF
    except ZeroDivisionError:
        return _INF


def sigmoid(x: float) -> float:
    """σ(x) = 1/(1 + e^{−x}), computed without overflow for large |x|."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def softplus(x: float) -> float:
    """softplus(x) = ln(1 + eˣ) = max(x, 0) + ln(1 + e^{−|x|})."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def tan(x: float) -> float:
    """tan x; NaN for x = ±inf, where math raises instead."""
    try:
        return math.tan(x)
    except ValueError:
        return math.nan


def sinh(x: float) -> float:
    """sinh x, ±inf on overflow (math.sinh raises instead)."""
    try:
        return math.sinh(x)
    except OverflowError:
        return math.copysign(_INF, x)


def cosh(x: float) -> float:
    """cosh x, inf on overflow (math.cosh raises instead)."""
    try:
        return math.cosh(x)
    except OverflowError:
        return _INF


_SQRT1_2 = math.sqrt(0.5)  # 1/√2, rounded
_SQRT1_2_LO = -4.833646656726457e-17  # 1/√2 − _SQRT1_2: the digits the rounding left out
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)  # φ(0) = 1/√(2π)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)  # erf'(0)


def _product(a: float, b: float) -> tuple[float, float]:
    """a·b as the float p nearest to it and the rest e, a·b = p + e exactly (Dekker's product,
    for |a|, |b| < 1e300)."""
    p = a * b
    c = 134217729.0 * a  # 2²⁷ + 1: splits a into two halves of 26 bits
    a_hi = c - (c - a)
    a_lo = a - a_hi
    c = 134217729.0 * b
    b_hi = c - (c - b)
    b_lo = b - b_hi
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def normal_cdf(x: float) -> float:
    """Φ(x) = ½·erfc(−x/√2), the standard normal CDF, to a few ulp even far left."""
    z = -x * _SQRT1_2
    if not 1.0 < z < 40.0:
        return 0.5 * math.erfc(z)
    # Far left erfc(z) falls like e^{−z²}, so z's own rounding (relative ε) would cost 2z²ε of
    # it: put it back, erfc(z + δ) ≈ erfc(z) − δ·(2/√π)·e^{−z²}.
    _, e = _product(-x, _SQRT1_2)
    delta = e + -x * _SQRT1_2_LO
    return 0.5 * (math.erfc(z) - delta * _TWO_OVER_SQRT_PI * exp(-z * z))


def normal_pdf(x: float) -> float:
    """φ(x) = e^{−x²/2}/√(2π), the standard normal density, to a few ulp even far out."""
    if not 1.0 < abs(x) < 40.0:
        return exp(x * x * -0.5) * _INV_SQRT_2PI
    # x² = h + l exactly; the rounding l would cost x²ε/2 of e^{−x²/2}: e^{−l/2} ≈ 1 − l/2
    h, l = _product(x, x)  # noqa: E741 - h and l, the high and low parts
    return exp(h * -0.5) * (1.0 - 0.5 * l) * _INV_SQRT_2PI


def gelu(x: float) -> float:
    """GELU(x) = x·Φ(x), exact (not tanh's approximation), and accurate far left too, where
    ½(1 + erf(x/√2)) loses its digits to cancellation; −0 at −inf."""
    if x == -_INF:
        return -0.0
    return x * normal_cdf(x)


def gelu_derivative(x: float) -> float:
    """GELU'(x) = Φ(x) + x·φ(x); its limits 1 and −0 at ±inf."""
    if x == _INF or x == -_INF:
        return 1.0 if x > 0 else -0.0
    return normal_cdf(x) + x * normal_pdf(x)


def silu(x: float) -> float:
    """SiLU(x) = x·σ(x) (the swish); −0 at −inf."""
    if x == -_INF:
        return -0.0
    return x * sigmoid(x)


def silu_derivative(x: float) -> float:
    """SiLU'(x) = σ(x)(1 + x(1 − σ(x))); its limits 1 and −0 at ±inf."""
    if x == _INF or x == -_INF:
        return 1.0 if x > 0 else -0.0
    s = sigmoid(x)
    return s * (1.0 + x * (1.0 - s))


def _trig(x: float) -> tuple[float, float]:
    """(sin x, cos x); NaN for x = ±inf, where math raises instead."""
    try:
        return math.sin(x), math.cos(x)
    except ValueError:
        return math.nan, math.nan


def _nan_wins(x: float, value: float) -> float:
    """`value`, or x itself when x is NaN: piecewise ops keep NaN in value and derivative."""
    return x if x != x else value


# ---- binary operators on two Values (value.py inlines + − × ÷ for speed) -------------------


def _add(a: float, b: float) -> tuple[float, float, float]:
    """∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1"""
    return a + b, 1.0, 1.0


def _sub(a: float, b: float) -> tuple[float, float, float]:
    """∂(a−b)/∂a = 1, ∂(a−b)/∂b = −1"""
    return a - b, 1.0, -1.0


def _mul(a: float, b: float) -> tuple[float, float, float]:
    """∂(a·b)/∂a = b, ∂(a·b)/∂b = a"""
    return a * b, b, a


def _div(a: float, b: float) -> tuple[float, float, float]:
    """∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²"""
    out = a / b
    return out, 1.0 / b, -out / b


def _pow(a: float, b: float) -> tuple[float, float, float]:
    """∂(aᵇ)/∂a = b·aᵇ⁻¹ (0 when b = 0), ∂(aᵇ)/∂b = aᵇ · ln a"""
    out = power(a, b)
    return out, 0.0 if b == 0.0 else b * power(a, b - 1.0), out * math.log(a)


N = Notation

ADD = Op(
    "add",
    _add,
    CONSTANT,
    arity=2,
    show=lambda c: "+",
    notation=N("#0 + #1", ("1", "1"), "#0 + #1", ("1.0", "1.0")),
    drawn=lambda c: "+",
)
SUB = Op(
    "sub",
    _sub,
    CONSTANT,
    arity=2,
    show=lambda c: "-",
    notation=N("#0 - #1", ("1", "-1"), "#0 - #1", ("1.0", "-1.0")),
    drawn=lambda c: "−",
)
MUL = Op(
    "mul",
    _mul,
    lambda y, a, b: (b, a),
    arity=2,
    show=lambda c: "*",
    notation=N("#0 \\times #1", ("#1", "#0"), "#0 * #1", ("#1", "#0")),
    drawn=lambda c: "×",
)
DIV = Op(
    "div",
    _div,
    lambda y, a, b: (1.0 / b, -y / b),
    arity=2,
    show=lambda c: "/",
    notation=N("#0 / #1", ("1/#1", "-#y/#1"), "#0 / #1", ("1.0 / #1", "-#y / #1")),
    drawn=lambda c: "÷",
)


def _ln(x: Any) -> Any:
    """ln x as a Value whose own derivative does not overflow: below 2⁻¹⁰⁰⁰ (subnormals), where
    1/x is inf, ln x = ln(x·2⁶⁴) − 64·ln 2, so that y·(1/x) reaches x as the finite y/x."""
    if x.data < 2.0**-1000:
        return (x * 2.0**64).log() - 64.0 * math.log(2.0)
    return x.log()


def _pow_rule(y: Any, a: Any, b: Any) -> tuple:
    # ∂/∂a = b·a^(b−1), which is 0 at b = 0 even where a^(b−1) overflows (a subnormal): there
    # it is built as (b/a)·y, finite, with the same derivatives
    da = (b / a) * y if b.data == 0.0 else b * a ** (b - 1.0)
    return da, y * _ln(a)


POW = Op(
    "pow",
    _pow,
    _pow_rule,
    arity=2,
    domain=lambda a, b: "is not > 0: a Value exponent needs ln(base)" if a <= 0.0 else None,
    show=lambda c: "**",
    notation=N(
        "#0^{#1}",
        ("#1 \\cdot #0^{#1 - 1}", "#y \\cdot \\ln #0"),
        "power(#0, #1)",
        ("(0.0 if #1 == 0.0 else #1 * power(#0, #1 - 1.0))", "#y * log(#0)"),
    ),
    drawn=lambda c: "**",
)

# ---- binary operators with a plain number c folded in: one parent -------------------------


def _pow_c(x: float, c: float) -> tuple[float, float]:
    """∂(xᶜ)/∂x = c·xᶜ⁻¹ (0 when c = 0)"""
    return power(x, c), 0.0 if c == 0.0 else c * power(x, c - 1.0)


def _pow_c_domain(x: float, c: float) -> str | None:
    if x == 0.0 and c < 0.0:
        return "is 0 and the exponent is negative"
    if x < 0.0 and not c.is_integer():
        return "is negative and the exponent is not an integer"
    return None


def _pow_c_rule(y: Any, x: Any, c: float) -> tuple:
    # c·x^(c−1) through the entry itself, not `**`: at x = 0 it gives inf as the first order
    # does, where `**` would refuse 0 to a negative power.
    return (0.0,) if c == 0.0 else (c * x._apply(POW_C, c - 1.0),)


def _rpow_c(x: float, c: float) -> tuple[float, float]:
    """∂(cˣ)/∂x = cˣ · ln c"""
    out = power(c, x)
    return out, out * math.log(c)


def _pow_c_dmath(x: list[str], c: float, y: str, ds: tuple) -> tuple[str]:
    if c == 0.0:
        return ("0",)
    if c == 2.0:
        return (f"2 \\cdot {x[0]}",)
    return (f"{fmt(c)} \\cdot {x[0]}^{{{fmt(c - 1.0)}}}",)


def _pow_c_dcode(x: list[str], c: float, y: str, ds: tuple) -> tuple[str]:
    return ("0.0",) if c == 0.0 else (f"{c!r} * power({x[0]}, {c - 1.0!r})",)


ADD_C = Op(
    "add_c",
    lambda x, c: (x + c, 1.0),
    CONSTANT,
    doc="∂(x+c)/∂x = 1",
    param="c",
    show=lambda c: "+" + fmt(c),
    notation=N("#0 + #c", ("1",), "#0 + #c", ("1.0",)),
    drawn=lambda c: f"· − {fmt(-c)}" if c < 0 else f"· + {fmt(c)}",
)
SUB_C = Op(
    "sub_c",
    lambda x, c: (x - c, 1.0),
    CONSTANT,
    doc="∂(x−c)/∂x = 1",
    param="c",
    show=lambda c: "-" + fmt(c),
    notation=N("#0 - #c", ("1",), "#0 - #c", ("1.0",)),
    drawn=lambda c: f"· + {fmt(-c)}" if c < 0 else f"· − {fmt(c)}",
)
RSUB_C = Op(
    "rsub_c",
    lambda x, c: (c - x, -1.0),
    CONSTANT,
    doc="∂(c−x)/∂x = −1",
    param="c",
    show=lambda c: fmt(c) + "-",
    notation=N("#c - #0", ("-1",), "#c - #0", ("-1.0",)),
    drawn=lambda c: f"{fmt(c)} − ·",
)
MUL_C = Op(
    "mul_c",
    lambda x, c: (x * c, c),
    CONSTANT,
    doc="∂(x·c)/∂x = c",
    param="c",
    show=lambda c: "*" + fmt(c),
    notation=N("#c \\times #0", ("#c",), "#0 * #c", ("#c",)),  # written 2 × v₀, as 2x
    drawn=lambda c: f"· × {_paren(c)}",
)
DIV_C = Op(
    "div_c",
    lambda x, c: (x / c, 1.0 / c),
    CONSTANT,
    doc="∂(x/c)/∂x = 1/c",
    param="c",
    show=lambda c: "/" + fmt(c),
    notation=N("#0 / #c", ("1/#c",), "#0 / #c", ("1.0 / #c",)),
    drawn=lambda c: f"· ÷ {_paren(c)}",
)
RDIV_C = Op(
    "rdiv_c",
    lambda x, c: (c / x, -(c / x) / x),
    lambda y, x, c: (-y / x,),
    doc="∂(c/x)/∂x = −c/x²",
    param="c",
    show=lambda c: fmt(c) + "/",
    notation=N("#c / #0", ("-#y/#0",), "#c / #0", ("-#y / #0",)),
    drawn=lambda c: f"{fmt(c)} ÷ ·",
)
POW_C = Op(
    "pow_c",
    _pow_c,
    _pow_c_rule,
    param="c",
    domain=_pow_c_domain,
    show=lambda c: "**" + fmt(c),
    notation=N("#0^{#c}", _pow_c_dmath, "power(#0, #c)", _pow_c_dcode),
    drawn=lambda c: f"· ** {_paren(c)}",
)
RPOW_C = Op(
    "rpow_c",
    _rpow_c,
    lambda y, x, c: (y * math.log(c),),
    param="c",
    show=lambda c: fmt(c) + "**",
    notation=N(
        "#c^{#0}",
        ("#y \\cdot \\ln #c",),
        "power(#c, #0)",
        lambda x, c, y, ds: (f"{y} * {math.log(c)!r}",),
    ),
    drawn=lambda c: f"{_paren(c)} ** ·",
)

# ---- functions of one Value: each becomes a `Value` method of its name --------------------


def _neg(x: float) -> tuple[float, float]:
    """∂(−x)/∂x = −1"""
    return -x, -1.0


def _abs(x: float) -> tuple[float, float]:
    """|x|' = sign(x), 0 at 0"""
    return abs(x), _nan_wins(x, 1.0 if x > 0 else -1.0 if x < 0 else 0.0)


def _exp(x: float) -> tuple[float, float]:
    """exp'(x) = exp(x)"""
    out = exp(x)
    return out, out


def _log(x: float) -> tuple[float, float]:
    """log'(x) = 1/x"""
    return math.log(x), 1.0 / x


def _sqrt(x: float) -> tuple[float, float]:
    """sqrt'(x) = 1/(2·sqrt(x)), inf at 0"""
    out = math.sqrt(x)
    return out, 0.5 / out if out else _INF


def _sin(x: float) -> tuple[float, float]:
    """sin'(x) = cos(x)"""
    return _trig(x)


def _cos(x: float) -> tuple[float, float]:
    """cos'(x) = −sin(x)"""
    s, c = _trig(x)
    return c, -s


def _tanh(x: float) -> tuple[float, float]:
    """tanh'(x) = 1 − tanh²(x)"""
    t = math.tanh(x)
    return t, 1.0 - t * t


def _atan(x: float) -> tuple[float, float]:
    """atan'(x) = 1/(1 + x²)"""
    return math.atan(x), 1.0 / (1.0 + x * x)


def _sigmoid(x: float) -> tuple[float, float]:
    """σ'(x) = σ(x)(1 − σ(x))"""
    s = sigmoid(x)
    return s, s * (1.0 - s)


def _relu(x: float) -> tuple[float, float]:
    """relu'(x) = 1 for x > 0, else 0"""
    if x > 0.0:
        return x, 1.0
    return _nan_wins(x, 0.0), _nan_wins(x, 0.0)


def _leaky_relu(x: float, slope: float) -> tuple[float, float]:
    """leaky_relu'(x) = 1 for x > 0, else slope"""
    if x > 0.0:
        return x, 1.0
    return _nan_wins(x, slope * x), _nan_wins(x, slope)


def _softplus(x: float) -> tuple[float, float]:
    """softplus'(x) = σ(x)"""
    return softplus(x), sigmoid(x)


def _sqrt_rule(y: Any, x: Any) -> tuple:
    # 0.5·y⁻¹ through the power entry, which gives inf at y = 0 as the first order does
    return (0.5 * y._apply(POW_C, -1.0),)


# The piecewise ops (abs, relu, leaky_relu) keep their branch in the code: their derivative
# depends on which side of the kink the input is. A NaN input falls through every comparison
# and comes out as itself, as from the forwards (`_nan_wins`).
NEG = Op("neg", _neg, CONSTANT, notation=N("-#0", ("-1",), "-#0", ("-1.0",)), drawn=lambda c: "−·")
ABS = Op(
    "abs",
    _abs,
    CONSTANT,
    notation=N(
        "|#0|",
        ("\\operatorname{sign} #0",),
        "abs(#0)",
        ("(1.0 if #0 > 0.0 else -1.0 if #0 < 0.0 else 0.0 if #0 == 0.0 else #0)",),
    ),
    drawn=lambda c: "|·|",
)
EXP = Op("exp", _exp, lambda y, x: (y,), notation=N("e^{#0}", ("#y",), "exp(#0)", ("#y",)))
LOG = Op(
    "log",
    _log,
    lambda y, x: (1.0 / x,),
    domain=lambda x: "is not > 0" if x <= 0.0 else None,
    notation=N("\\ln #0", ("1/#0",), "log(#0)", ("1.0 / #0",)),
)
SQRT = Op(
    "sqrt",
    _sqrt,
    _sqrt_rule,
    domain=lambda x: "is negative" if x < 0.0 else None,
    notation=N("\\sqrt{#0}", ("1/(2 #y)",), "sqrt(#0)", ("(0.5 / #y if #y else inf)",)),
)
SIN = Op(
    "sin",
    _sin,
    lambda y, x: (x.cos(),),
    notation=N("\\sin #0", ("\\cos #0",), "sin(#0)", ("cos(#0)",)),
)
COS = Op(
    "cos",
    _cos,
    lambda y, x: (-x.sin(),),
    notation=N("\\cos #0", ("-\\sin #0",), "cos(#0)", ("-sin(#0)",)),
)
TANH = Op(
    "tanh",
    _tanh,
    lambda y, x: (1.0 - y * y,),
    notation=N("\\tanh #0", ("1 - #y^{2}",), "tanh(#0)", ("1.0 - #y * #y",)),
)
ATAN = Op(
    "atan",
    _atan,
    lambda y, x: (1.0 / (1.0 + x * x),),
    notation=N("\\arctan #0", ("1/(1 + #0^{2})",), "atan(#0)", ("1.0 / (1.0 + #0 * #0)",)),
)
SIGMOID = Op(
    "sigmoid",
    _sigmoid,
    lambda y, x: (y * (1.0 - y),),
    notation=N("\\sigma(#0)", ("#y (1 - #y)",), "sigmoid(#0)", ("#y * (1.0 - #y)",)),
)
RELU = Op(
    "relu",
    _relu,
    CONSTANT,
    notation=N(
        "\\max(#0, 0)",
        ("1 \\text{ if } #0 > 0 \\text{ else } 0",),
        "(#0 if #0 > 0.0 else 0.0 if #0 <= 0.0 else #0)",
        ("(1.0 if #0 > 0.0 else 0.0 if #0 <= 0.0 else #0)",),
    ),
)
LEAKY_RELU = Op(
    "leaky_relu",
    _leaky_relu,
    CONSTANT,
    param="slope",
    default=0.01,
    notation=N(
        "#0 \\text{ if } #0 > 0 \\text{ else } #c \\cdot #0",
        ("1 \\text{ if } #0 > 0 \\text{ else } #c",),
        "(#0 if #0 > 0.0 else #c * #0)",
        ("(1.0 if #0 > 0.0 else #c if #0 <= 0.0 else #0)",),
    ),
    drawn=lambda c: f"leaky_relu, slope {fmt(c)}",
)
SOFTPLUS = Op(
    "softplus",
    _softplus,
    lambda y, x: (x.sigmoid(),),
    notation=N("\\ln(1 + e^{#0})", ("\\sigma(#0)",), "softplus(#0)", ("sigmoid(#0)",)),
)

# ---- the functions of the textbooks' tables and of current networks ----------------------


def _tan(x: float) -> tuple[float, float]:
    """tan'(x) = 1 + tan²(x)"""
    t = tan(x)
    return t, 1.0 + t * t


def _sinh(x: float) -> tuple[float, float]:
    """sinh'(x) = cosh(x)"""
    return sinh(x), cosh(x)


def _cosh(x: float) -> tuple[float, float]:
    """cosh'(x) = sinh(x)"""
    return cosh(x), sinh(x)


def _asin(x: float) -> tuple[float, float]:
    """asin'(x) = 1/√(1 − x²), inf at ±1"""
    # (1 − x)(1 + x) rather than 1 − x², exact near ±1; the rule below computes the same
    return math.asin(x), power((1.0 - x) * (1.0 + x), -0.5)


def _acos(x: float) -> tuple[float, float]:
    """acos'(x) = −1/√(1 − x²), −inf at ±1"""
    return math.acos(x), -power((1.0 - x) * (1.0 + x), -0.5)


def _unit_interval(x: float) -> str | None:
    return "is outside [-1, 1]" if x < -1.0 or x > 1.0 else None


def _asin_rule(y: Any, x: Any) -> tuple:
    # through the power entry, which gives inf at ±1 as the first order does
    return (((1.0 - x) * (1.0 + x))._apply(POW_C, -0.5),)


def _erf(x: float) -> tuple[float, float]:
    """erf'(x) = 2/√π · e^{−x²}"""
    return math.erf(x), exp(-(x * x)) * _TWO_OVER_SQRT_PI


def _gelu(x: float) -> tuple[float, float]:
    """GELU'(x) = Φ(x) + x·φ(x), Φ and φ the standard normal CDF and density"""
    return gelu(x), gelu_derivative(x)


def _gelu_rule(y: Any, x: Any) -> tuple:
    if math.isinf(x.data):  # the limits 1 and −0, constants
        return y.local_grads
    # Φ(x) through erf, but Φ = y/x left of −1, where ½(1 + erf(x/√2)) loses digits
    cdf = y / x if x.data < -1.0 else (x * _SQRT1_2).erf() * 0.5 + 0.5
    return (cdf + x * ((x * x * -0.5).exp() * _INV_SQRT_2PI),)


def _silu(x: float) -> tuple[float, float]:
    """SiLU'(x) = σ(x)(1 + x(1 − σ(x)))"""
    return silu(x), silu_derivative(x)


def _silu_rule(y: Any, x: Any) -> tuple:
    if math.isinf(x.data):  # the limits 1 and −0, constants
        return y.local_grads
    s = x.sigmoid()
    return (s * (1.0 + x * (1.0 - s)),)


TAN = Op(
    "tan",
    _tan,
    lambda y, x: (1.0 + y * y,),
    notation=N("\\tan #0", ("1 + #y^{2}",), "tan(#0)", ("1.0 + #y * #y",)),
)
SINH = Op(
    "sinh",
    _sinh,
    lambda y, x: (x.cosh(),),
    notation=N("\\sinh #0", ("\\cosh #0",), "sinh(#0)", ("cosh(#0)",)),
)
COSH = Op(
    "cosh",
    _cosh,
    lambda y, x: (x.sinh(),),
    notation=N("\\cosh #0", ("\\sinh #0",), "cosh(#0)", ("sinh(#0)",)),
)
ASIN = Op(
    "asin",
    _asin,
    _asin_rule,
    domain=_unit_interval,
    notation=N(
        "\\arcsin #0",
        ("1/\\sqrt{1 - #0^{2}}",),
        "asin(#0)",
        ("power((1.0 - #0) * (1.0 + #0), -0.5)",),
    ),
)
ACOS = Op(
    "acos",
    _acos,
    lambda y, x: (-_asin_rule(y, x)[0],),
    domain=_unit_interval,
    notation=N(
        "\\arccos #0",
        ("-1/\\sqrt{1 - #0^{2}}",),
        "acos(#0)",
        ("-power((1.0 - #0) * (1.0 + #0), -0.5)",),
    ),
)
ERF = Op(
    "erf",
    _erf,
    lambda y, x: ((-(x * x)).exp() * _TWO_OVER_SQRT_PI,),
    notation=N(
        "\\operatorname{erf} #0",
        ("2 e^{-#0^{2}}/\\sqrt{\\pi}",),
        "erf(#0)",
        (f"exp(-(#0 * #0)) * {_TWO_OVER_SQRT_PI!r}",),
    ),
)
GELU = Op(
    "gelu",
    _gelu,
    _gelu_rule,
    notation=N(
        "\\operatorname{GELU}(#0)",
        ("(1 + \\operatorname{erf}(#0/\\sqrt{2}))/2 + #0 e^{-#0^{2}/2}/\\sqrt{2 \\pi}",),
        "gelu(#0)",
        ("gelu_derivative(#0)",),
    ),
)
SILU = Op(
    "silu",
    _silu,
    _silu_rule,
    notation=N(
        "\\operatorname{SiLU}(#0)",
        ("\\sigma(#0) (1 + #0 (1 - \\sigma(#0)))",),
        "silu(#0)",
        ("silu_derivative(#0)",),
    ),
)

METHODS = (
    *(EXP, LOG, SQRT, SIN, COS, TAN, TANH, SINH, COSH, ASIN, ACOS, ATAN, ERF),
    *(SIGMOID, RELU, LEAKY_RELU, SOFTPLUS, GELU, SILU),
)
"""The unary functions that `Value` has as methods, `x.tanh()`, named by their entries."""

# ---- n-ary ops, one node of n parents (reductions.py takes the arguments apart) -----------


def fsum(terms: list[float]) -> float:
    """Σ terms, correctly rounded; as IEEE floats (±inf, NaN) when an intermediate overflows."""
    try:
        return math.fsum(terms)
    except (OverflowError, ValueError):  # fsum raises where float addition gives inf or NaN
        return sum(terms)


def _sum(xs: list[float], offset: float) -> tuple[float, tuple]:
    """∂(Σᵢ xᵢ + c)/∂xᵢ = 1"""
    return fsum(xs) + offset, (1.0,) * len(xs)


def _mean(xs: list[float], n: int, offset: float) -> tuple[float, tuple]:
    """∂((Σᵢ xᵢ + c)/n)/∂xᵢ = 1/n, n counting the folded numbers too"""
    return (fsum(xs) + offset) / n, (1.0 / n,) * len(xs)


def _dot(ws: list[float], xs: list[float]) -> tuple[float, tuple]:
    """∂(Σᵢ wᵢxᵢ)/∂wᵢ = xᵢ and ∂/∂xᵢ = wᵢ; parents all of w, then all of x"""
    return fsum([w * x for w, x in zip(ws, xs)]), (*xs, *ws)


def _wsum(xs: list[float], cs: list[float]) -> tuple[float, tuple]:
    """∂(Σᵢ cᵢxᵢ)/∂xᵢ = cᵢ, the cᵢ plain numbers"""
    return fsum([x * c for x, c in zip(xs, cs)]), tuple(cs)


def _shifted_exps(xs: list[float]) -> tuple[float, list[float], float]:
    """m = max x, eˣⁱ⁻ᵐ and their sum: the stable pieces of logsumexp and softmax."""
    m = max(xs)
    exps = [math.exp(x - m) for x in xs]
    return m, exps, math.fsum(exps)


def _logsumexp(xs: list[float]) -> tuple[float, tuple]:
    """∂ ln Σⱼ e^{xⱼ} / ∂xᵢ = softmax(x)ᵢ, as m + ln Σⱼ e^{xⱼ−m}, m = max x"""
    if any(x != x for x in xs):  # NaN wins, in any order
        return math.nan, (math.nan,) * len(xs)
    m = max(xs)
    if math.isinf(m):  # all −inf, or some +inf: the softmax shares 1 among the largest
        top = [x == m for x in xs]
        share = 1.0 / top.count(True)
        return m, tuple(share if t else 0.0 for t in top)
    m, exps, total = _shifted_exps(xs)
    return m + math.log(total), tuple(e / total for e in exps)


def _softmax(xs: list[float]) -> list[tuple[float, tuple]]:
    """sᵢ = e^{xᵢ} / Σⱼ e^{xⱼ}, ∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ): every output i with its derivatives"""
    _, exps, total = _shifted_exps(xs)
    s = [e / total for e in exps]
    return [
        (si, tuple(si * ((1.0 if i == j else 0.0) - sj) for j, sj in enumerate(s)))
        for i, si in enumerate(s)
    ]


def _stable_softmax(xs: tuple) -> list | None:
    """softmax(x) as Values in the float forward's stable form, or None at ±inf or NaN.

    sⱼ = e^{xⱼ − m} / Σₖ e^{xₖ − m} with m = max x a constant: xⱼ − m is exact near the max, so
    at x = 1e15 the rule is as exact as the first order (e^{xⱼ − y} is not: y has lost digits).
    """
    m = max(x.data for x in xs)
    if not math.isfinite(m) or any(x.data != x.data for x in xs):
        return None
    exps = [(x - m).exp() for x in xs]
    total = xs[0]._sum(exps)
    return [e / total for e in exps]


def _logsumexp_rule(y: Any, *xs: Any) -> tuple:
    s = _stable_softmax(xs)
    return y.local_grads if s is None else tuple(s)


def _softmax_rule(y: Any, *args: Any) -> tuple:
    *xs, i = args
    s = _stable_softmax(xs)
    if s is None:
        return y.local_grads
    return tuple(y * (1.0 - y) if j == i else -y * sj for j, sj in enumerate(s))


def _halves(x: list[str]) -> list[tuple[str, str]]:
    """(wᵢ, xᵢ) pairs of a dot's operands, which are all of w, then all of x."""
    n = len(x) // 2
    return list(zip(x[:n], x[n:]))


def _dot_rule(y: Any, *parents: Any) -> tuple:
    n = len(parents) // 2
    return parents[n:] + parents[:n]


# ---- how a trace writes the n-ary ops: functions of the operand list ---------------------


def _plus(terms: list[str], c: float = 0.0, number: Callable[[float], str] = fmt) -> str:
    """t₁ + t₂ + … (+ c when c is not 0)."""
    return " + ".join([*terms, number(c)] if c else terms)


def _fsum(terms: list[str], c: float = 0.0) -> str:
    """fsum([t₁, t₂, …]) (+ c): the engine's correctly rounded sum, then the folded number."""
    total = f"fsum([{', '.join(terms)}])"
    return f"{total} + {c!r}" if c else total


def _mean_n(ds: tuple) -> int:
    """n, the count the mean divides by (folded numbers included), from ∂/∂xᵢ = 1/n."""
    return round(1.0 / ds[0])


def _exps(x: list[str]) -> str:
    return " + ".join(f"e^{{{xi}}}" for xi in x)


def _softmax_dmath(x: list[str], i: int, y: str, ds: tuple) -> tuple[str, ...]:
    return tuple(
        f"{y} (1 - {y})" if j == i else f"-{y} \\cdot e^{{{xj}}}/({_exps(x)})"
        for j, xj in enumerate(x)
    )


SUM = Op(
    "sum",
    _sum,
    CONSTANT,
    arity=0,
    param="offset",
    show=lambda c: "sum" if not c else "sum+" + fmt(c),
    notation=N(
        lambda x, c, y, ds: _plus(x, c),
        lambda x, c, y, ds: ("1",) * len(x),
        lambda x, c, y, ds: _fsum(x, c),
        lambda x, c, y, ds: ("1.0",) * len(x),
    ),
    drawn=lambda c: f"sum + {fmt(c)}" if c else "sum",
)
MEAN = Op(
    "mean",
    _mean,
    CONSTANT,
    arity=0,
    param="offset",  # n is not kept: it is 1/∂mean/∂xᵢ
    notation=N(
        lambda x, c, y, ds: f"({_plus(x, c)})/{_mean_n(ds)}",
        lambda x, c, y, ds: (f"1/{_mean_n(ds)}",) * len(x),
        lambda x, c, y, ds: f"({_fsum(x, c)}) / {_mean_n(ds)}",
        lambda x, c, y, ds: tuple(repr(d) for d in ds),
    ),
    drawn=lambda c: f"mean, numbers Σ {fmt(c)}" if c else "mean",
)
DOT = Op(
    "dot",
    _dot,
    _dot_rule,
    arity=0,
    notation=N(
        lambda x, c, y, ds: _plus([f"{w} \\cdot {v}" for w, v in _halves(x)]),
        lambda x, c, y, ds: (*x[len(x) // 2 :], *x[: len(x) // 2]),
        lambda x, c, y, ds: _fsum([f"{w} * {v}" for w, v in _halves(x)]),
        lambda x, c, y, ds: (*x[len(x) // 2 :], *x[: len(x) // 2]),
    ),
)
WSUM = Op(
    "wsum",
    _wsum,
    CONSTANT,
    arity=0,
    notation=N(
        lambda x, c, y, ds: _plus([f"{fmt(d)} \\cdot {v}" for v, d in zip(x, ds)]),
        lambda x, c, y, ds: tuple(fmt(d) for d in ds),
        lambda x, c, y, ds: _fsum([f"{v} * {d!r}" for v, d in zip(x, ds)]),
        lambda x, c, y, ds: tuple(repr(d) for d in ds),
    ),
    drawn=lambda c: "dot",
)
LOGSUMEXP = Op(
    "logsumexp",
    _logsumexp,
    _logsumexp_rule,
    arity=0,
    notation=N(
        lambda x, c, y, ds: f"\\ln({_exps(x)})",
        lambda x, c, y, ds: tuple(f"e^{{{xi} - {y}}}" for xi in x),
        lambda x, c, y, ds: f"logsumexp([{', '.join(x)}])",
        pair=True,
    ),
)
SOFTMAX = Op(
    "softmax",
    _softmax,
    _softmax_rule,
    arity=0,
    param="i",
    show=lambda i: f"softmax[{i}]",
    notation=N(
        lambda x, i, y, ds: f"e^{{{x[i]}}}/({_exps(x)})",
        _softmax_dmath,
        lambda x, i, y, ds: f"softmax([{', '.join(x)}])[{i}]",
        pair=True,
    ),
    drawn=lambda i: f"softmax[{i}]",
)

TABLE: tuple[Op, ...] = (
    *(ADD, SUB, MUL, DIV, POW),
    *(ADD_C, SUB_C, RSUB_C, MUL_C, DIV_C, RDIV_C, POW_C, RPOW_C),
    *(NEG, ABS, *METHODS),
    *(SUM, MEAN, DOT, WSUM, LOGSUMEXP, SOFTMAX),
)
"""Every primitive of the engine."""

CODE_NAMES: dict[str, Any] = {
    "abs": abs,
    "acos": math.acos,
    "asin": math.asin,
    "atan": math.atan,
    "cos": math.cos,
    "cosh": cosh,
    "erf": math.erf,
    "exp": exp,
    "fsum": fsum,
    "gelu": gelu,
    "gelu_derivative": gelu_derivative,
    "inf": _INF,
    "log": math.log,
    "logsumexp": _logsumexp,
    "nan": math.nan,
    "power": power,
    "sigmoid": sigmoid,
    "silu": silu,
    "silu_derivative": silu_derivative,
    "sin": math.sin,
    "sinh": sinh,
    "softmax": _softmax,
    "softplus": softplus,
    "sqrt": math.sqrt,
    "tan": tan,
    "tanh": math.tanh,
}
"""The names the `code` templates use: the engine's own float functions, so that a trace's code
computes what the forwards compute, to the last digit."""
