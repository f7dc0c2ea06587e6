"""The one table of ops that drives the op tests and the random-graph strategies.

Each entry is a scalar function of `arity` Values that the engine builds as ONE node whose
parents are exactly the inputs, in order. It carries the Value form, an independent float form
(the reference maths, IEEE semantics: overflow gives inf), closed-form first, second and third
derivatives (gradient, Hessian, third-order tensor) and a safe input domain per input, away
from domain edges and kinks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import autograd
from autograd import Value

Grad = list[float]
Hessian = list[list[float]]
Third = list[list[list[float]]]


def exp(x: float) -> float:
    """e**x as IEEE floats: inf on overflow (Python's math.exp raises instead)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def power(a: float, c: float) -> float:
    """a**c as IEEE floats: ±inf on overflow."""
    try:
        return a**c
    except OverflowError:
        return -math.inf if a < 0 and c % 2 == 1 else math.inf


def sigmoid(x: float) -> float:
    """σ(x) = (1 + tanh(x/2)) / 2: a different stable form from the engine's."""
    return 0.5 * (1.0 + math.tanh(0.5 * x))


def softplus(x: float) -> float:
    """ln(1 + eˣ) via numpy's logaddexp(0, x)."""
    return float(np.logaddexp(0.0, x))


def lse(xs: tuple[float, ...]) -> float:
    """ln Σ eˣⁱ via numpy's logaddexp.reduce."""
    return float(np.logaddexp.reduce(np.array(xs, dtype=float)))


def softmax(xs: tuple[float, ...]) -> list[float]:
    m = lse(xs)
    return [math.exp(x - m) for x in xs]


def ieee(f: Callable[[float], float]) -> Callable[[float], float]:
    """numpy's f as a float function, overflow giving ±inf without a warning."""

    def g(x: float) -> float:
        with np.errstate(over="ignore", invalid="ignore"):
            return float(f(x))

    return g


tan, sinh, cosh = ieee(np.tan), ieee(np.sinh), ieee(np.cosh)
SQRT2 = math.sqrt(2.0)


def phi(x: float) -> float:
    """φ(x), the standard normal density."""
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def Phi(x: float) -> float:
    """Φ(x), the standard normal CDF, ½·erfc(−x/√2)."""
    return 0.5 * math.erfc(-x / SQRT2)


def outside_unit(x: float) -> type[Exception] | None:
    return ValueError if abs(x) > 1 else None


def no_error(x: float) -> type[Exception] | None:
    return None


@dataclass(frozen=True)
class Op:
    """One row of the table."""

    name: str  # the test id
    op: str  # the `.op` of the node the engine builds
    arity: int
    value: Callable[..., Value]  # the Value form: takes `arity` Values
    float: Callable[..., float]  # the float form: takes `arity` floats
    d1: Callable[..., Grad]  # ∂f/∂xᵢ
    d2: Callable[..., Hessian]  # ∂²f/∂xᵢ∂xⱼ
    d3: Callable[..., Third]  # ∂³f/∂xᵢ∂xⱼ∂xₖ
    domain: tuple[tuple[float, float], ...]  # a safe (lo, hi) per input
    # For unary rows: which error a plain input raises (log at 0 → ValueError), else None.
    error: Callable[[float], type[Exception] | None] = field(default=no_error)
    edges: bool = True  # unary rows: run the edge-input test (False for a duplicate row)

    def __repr__(self) -> str:
        return self.name


def zeros(n: int, order: int) -> list:
    if order == 1:
        return [0.0] * n
    return [zeros(n, order - 1) for _ in range(n)]


def unary(
    name: str,
    op: str,
    value: Callable[[Value], Value],
    fl: Callable[[float], float],
    d1: Callable[[float], float],
    d2: Callable[[float], float],
    d3: Callable[[float], float],
    domain: tuple[float, float] = (-3.0, 3.0),
    error: Callable[[float], type[Exception] | None] = no_error,
    edges: bool = True,
) -> Op:
    return Op(
        name,
        op,
        1,
        value,
        fl,
        lambda x: [d1(x)],
        lambda x: [[d2(x)]],
        lambda x: [[[d3(x)]]],
        (domain,),
        error,
        edges,
    )


def const(c: float) -> Callable[[float], float]:
    return lambda x: c


def sign(x: float) -> float:
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


POS = (0.3, 3.0)  # away from 0 for log, sqrt, 1/x, negative powers
NEG = (-3.0, -0.3)

# ---- unary ops: methods, unary operators, and binary operators with a number folded in ----

s = sigmoid  # short names for the closed forms below
SLOPE = 0.2

UNARY = [
    unary("neg", "neg", lambda x: -x, lambda x: -x, const(-1.0), const(0.0), const(0.0)),
    unary("abs(x>0)", "abs", abs, abs, sign, const(0.0), const(0.0), POS),
    unary("abs(x<0)", "abs", abs, abs, sign, const(0.0), const(0.0), NEG, edges=False),
    unary("exp", "exp", Value.exp, exp, exp, exp, exp),
    unary(
        "log",
        "log",
        Value.log,
        math.log,
        lambda x: 1 / x,
        lambda x: -1 / x**2,
        lambda x: 2 / x**3,
        POS,
        error=lambda x: ValueError if x <= 0 else None,
    ),
    unary(
        "sqrt",
        "sqrt",
        Value.sqrt,
        math.sqrt,
        lambda x: 0.5 * x**-0.5,
        lambda x: -0.25 * x**-1.5,
        lambda x: 0.375 * x**-2.5,
        POS,
        error=lambda x: ValueError if x < 0 else None,
    ),
    unary(
        "sin",
        "sin",
        Value.sin,
        math.sin,
        math.cos,
        lambda x: -math.sin(x),
        lambda x: -math.cos(x),
        (-4.0, 4.0),
    ),
    unary(
        "cos",
        "cos",
        Value.cos,
        math.cos,
        lambda x: -math.sin(x),
        lambda x: -math.cos(x),
        math.sin,
        (-4.0, 4.0),
    ),
    unary(
        "tanh",
        "tanh",
        Value.tanh,
        math.tanh,
        lambda x: 1 - math.tanh(x) ** 2,
        lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
        lambda x: (1 - math.tanh(x) ** 2) * (6 * math.tanh(x) ** 2 - 2),
    ),
    unary(
        "tan",
        "tan",
        Value.tan,
        tan,
        lambda x: 1 + tan(x) ** 2,
        lambda x: 2 * tan(x) * (1 + tan(x) ** 2),
        lambda x: 2 * (1 + tan(x) ** 2) * (1 + 3 * tan(x) ** 2),
        (-1.2, 1.2),
    ),
    unary("sinh", "sinh", Value.sinh, sinh, cosh, sinh, cosh),
    unary("cosh", "cosh", Value.cosh, cosh, sinh, cosh, sinh),
    unary(
        "asin",
        "asin",
        Value.asin,
        math.asin,
        lambda x: (1 - x * x) ** -0.5,
        lambda x: x * (1 - x * x) ** -1.5,
        lambda x: (1 + 2 * x * x) * (1 - x * x) ** -2.5,
        (-0.9, 0.9),
        error=outside_unit,
    ),
    unary(
        "acos",
        "acos",
        Value.acos,
        math.acos,
        lambda x: -((1 - x * x) ** -0.5),
        lambda x: -x * (1 - x * x) ** -1.5,
        lambda x: -(1 + 2 * x * x) * (1 - x * x) ** -2.5,
        (-0.9, 0.9),
        error=outside_unit,
    ),
    unary(
        "erf",
        "erf",
        Value.erf,
        math.erf,
        lambda x: 2 / math.sqrt(math.pi) * math.exp(-x * x),
        lambda x: -2 * x * 2 / math.sqrt(math.pi) * math.exp(-x * x),
        lambda x: (4 * x * x - 2) * 2 / math.sqrt(math.pi) * math.exp(-x * x),
    ),
    unary(
        "gelu",
        "gelu",
        Value.gelu,
        lambda x: x * Phi(x),
        lambda x: Phi(x) + x * phi(x),
        lambda x: phi(x) * (2 - x * x),
        lambda x: phi(x) * (x**3 - 4 * x),
        (-4.0, 3.0),  # both forms of the rule: Φ = y/x left of −1, through erf right of it
    ),
    unary(
        "silu",
        "silu",
        Value.silu,
        lambda x: x * sigmoid(x),
        lambda x: s(x) * (1 + x * (1 - s(x))),
        lambda x: s(x) * (1 - s(x)) * (2 + x * (1 - 2 * s(x))),
        lambda x: s(x) * (1 - s(x)) * (3 * (1 - 2 * s(x)) + x * (1 - 6 * s(x) + 6 * s(x) ** 2)),
        (-4.0, 4.0),
    ),
    unary(
        "atan",
        "atan",
        Value.atan,
        math.atan,
        lambda x: 1 / (1 + x * x),
        lambda x: -2 * x / (1 + x * x) ** 2,
        lambda x: (6 * x * x - 2) / (1 + x * x) ** 3,
    ),
    unary(
        "sigmoid",
        "sigmoid",
        Value.sigmoid,
        sigmoid,
        lambda x: s(x) * (1 - s(x)),
        lambda x: s(x) * (1 - s(x)) * (1 - 2 * s(x)),
        lambda x: s(x) * (1 - s(x)) * (1 - 6 * s(x) + 6 * s(x) ** 2),
        (-4.0, 4.0),
    ),
    unary(
        "softplus",
        "softplus",
        Value.softplus,
        softplus,
        sigmoid,
        lambda x: s(x) * (1 - s(x)),
        lambda x: s(x) * (1 - s(x)) * (1 - 2 * s(x)),
        (-4.0, 4.0),
    ),
    unary(
        "relu(x>0)",
        "relu",
        Value.relu,
        lambda x: max(x, 0.0),
        lambda x: 1.0 if x > 0 else 0.0,
        const(0.0),
        const(0.0),
        POS,
    ),
    unary(
        "relu(x<0)",
        "relu",
        Value.relu,
        lambda x: max(x, 0.0),
        lambda x: 1.0 if x > 0 else 0.0,
        const(0.0),
        const(0.0),
        NEG,
        edges=False,
    ),
    unary(
        "leaky_relu(x>0)",
        "leaky_relu",
        Value.leaky_relu,
        lambda x: x if x > 0 else 0.01 * x,
        lambda x: 1.0 if x > 0 else 0.01,
        const(0.0),
        const(0.0),
        POS,
    ),
    unary(
        "leaky_relu(x<0)",
        "leaky_relu",
        Value.leaky_relu,
        lambda x: x if x > 0 else 0.01 * x,
        lambda x: 1.0 if x > 0 else 0.01,
        const(0.0),
        const(0.0),
        NEG,
        edges=False,
    ),
    unary(
        "leaky_relu(x<0, slope=0.2)",
        "leaky_relu",
        lambda x: x.leaky_relu(SLOPE),
        lambda x: x if x > 0 else SLOPE * x,
        lambda x: 1.0 if x > 0 else SLOPE,
        const(0.0),
        const(0.0),
        NEG,
    ),
    # binary operators with a plain number on either side: one parent, the constant folded in
    unary("x+2.5", "+2.5", lambda x: x + 2.5, lambda x: x + 2.5, const(1.0), const(0), const(0)),
    unary("2.5+x", "+2.5", lambda x: 2.5 + x, lambda x: 2.5 + x, const(1.0), const(0), const(0)),
    unary("x-2.5", "-2.5", lambda x: x - 2.5, lambda x: x - 2.5, const(1.0), const(0), const(0)),
    unary("2.5-x", "2.5-", lambda x: 2.5 - x, lambda x: 2.5 - x, const(-1.0), const(0), const(0)),
    unary("x*2", "*2", lambda x: x * 2, lambda x: x * 2, const(2.0), const(0), const(0)),
    unary(
        "-1.5*x", "*-1.5", lambda x: -1.5 * x, lambda x: -1.5 * x, const(-1.5), const(0), const(0)
    ),
    unary("x/4", "/4", lambda x: x / 4, lambda x: x / 4, const(0.25), const(0), const(0)),
    unary(
        "3/x",
        "3/",
        lambda x: 3 / x,
        lambda x: 3 / x,
        lambda x: -3 / x**2,
        lambda x: 6 / x**3,
        lambda x: -18 / x**4,
        POS,
        error=lambda x: ZeroDivisionError if x == 0 else None,
    ),
    unary(
        "x**2",
        "**2",
        lambda x: x**2,
        lambda x: power(x, 2),
        lambda x: 2 * x,
        const(2.0),
        const(0.0),
    ),
    unary(
        "x**3",
        "**3",
        lambda x: x**3,
        lambda x: power(x, 3),
        lambda x: 3 * x**2,
        lambda x: 6 * x,
        const(6.0),
    ),
    unary(
        "x**-1.5",
        "**-1.5",
        lambda x: x**-1.5,
        lambda x: x**-1.5,
        lambda x: -1.5 * x**-2.5,
        lambda x: 3.75 * x**-3.5,
        lambda x: -13.125 * x**-4.5,
        POS,
        error=lambda x: ValueError if x <= 0 else None,
    ),
    unary(
        "x**0.5",
        "**0.5",
        lambda x: x**0.5,
        math.sqrt,
        lambda x: 0.5 * x**-0.5,
        lambda x: -0.25 * x**-1.5,
        lambda x: 0.375 * x**-2.5,
        POS,
        error=lambda x: ValueError if x < 0 else None,
    ),
    unary("x**0", "**0", lambda x: x**0, lambda x: 1.0, const(0.0), const(0.0), const(0.0)),
    unary(
        "2**x",
        "2**",
        lambda x: 2**x,
        lambda x: power(2.0, x),
        lambda x: power(2.0, x) * math.log(2),
        lambda x: power(2.0, x) * math.log(2) ** 2,
        lambda x: power(2.0, x) * math.log(2) ** 3,
    ),
    unary(
        "0.5**x",
        "0.5**",
        lambda x: 0.5**x,
        lambda x: power(0.5, x),
        lambda x: power(0.5, x) * math.log(0.5),
        lambda x: power(0.5, x) * math.log(0.5) ** 2,
        lambda x: power(0.5, x) * math.log(0.5) ** 3,
    ),
]

# ---- binary operators on two Values ------------------------------------------------------


def _pow_d3(a: float, b: float) -> Third:
    """Third derivatives of aᵇ, indexed by (0 = a, 1 = b)."""
    la = math.log(a)
    aaa = b * (b - 1) * (b - 2) * a ** (b - 3)
    aab = (2 * b - 1) * a ** (b - 2) + b * (b - 1) * a ** (b - 2) * la
    abb = a ** (b - 1) * la * (2 + b * la)
    bbb = a**b * la**3
    return [[[aaa, aab], [aab, abb]], [[aab, abb], [abb, bbb]]]


BINARY = [
    Op(
        "a+b",
        "+",
        2,
        lambda a, b: a + b,
        lambda a, b: a + b,
        lambda a, b: [1.0, 1.0],
        lambda a, b: zeros(2, 2),
        lambda a, b: zeros(2, 3),
        ((-3.0, 3.0), (-3.0, 3.0)),
    ),
    Op(
        "a-b",
        "-",
        2,
        lambda a, b: a - b,
        lambda a, b: a - b,
        lambda a, b: [1.0, -1.0],
        lambda a, b: zeros(2, 2),
        lambda a, b: zeros(2, 3),
        ((-3.0, 3.0), (-3.0, 3.0)),
    ),
    Op(
        "a*b",
        "*",
        2,
        lambda a, b: a * b,
        lambda a, b: a * b,
        lambda a, b: [b, a],
        lambda a, b: [[0.0, 1.0], [1.0, 0.0]],
        lambda a, b: zeros(2, 3),
        ((-3.0, 3.0), (-3.0, 3.0)),
    ),
    Op(
        "a/b",
        "/",
        2,
        lambda a, b: a / b,
        lambda a, b: a / b,
        lambda a, b: [1 / b, -a / b**2],
        lambda a, b: [[0.0, -1 / b**2], [-1 / b**2, 2 * a / b**3]],
        lambda a, b: [
            [[0.0, 0.0], [0.0, 2 / b**3]],
            [[0.0, 2 / b**3], [2 / b**3, -6 * a / b**4]],
        ],
        ((-3.0, 3.0), POS),
    ),
    Op(
        "a**b",
        "**",
        2,
        lambda a, b: a**b,
        lambda a, b: a**b,
        lambda a, b: [b * a ** (b - 1), a**b * math.log(a)],
        lambda a, b: [
            [b * (b - 1) * a ** (b - 2), a ** (b - 1) * (1 + b * math.log(a))],
            [a ** (b - 1) * (1 + b * math.log(a)), a**b * math.log(a) ** 2],
        ],
        _pow_d3,
        (POS, (-2.0, 2.0)),
    ),
]

# ---- n-ary helpers: one node, n parents --------------------------------------------------


def _lse_d1(*x: float) -> Grad:
    return softmax(x)


def _softmax_d1(i: int) -> Callable[..., Grad]:
    """∂sᵢ/∂xⱼ = sᵢ(δᵢⱼ − sⱼ)"""

    def d1(*x: float) -> Grad:
        sm = softmax(x)
        n = len(x)
        return [sm[i] * ((i == j) - sm[j]) for j in range(n)]

    return d1


def _softmax_and_a(x: tuple[float, ...]) -> tuple[list[float], Callable[[int, int], float]]:
    """s = softmax(x) and Aₚq = δₚq − s_q, the pieces of every softmax derivative below."""
    sm = softmax(x)
    return sm, lambda p, q: (p == q) - sm[q]


def _softmax_d2(i: int) -> Callable[..., Hessian]:
    """∂²sᵢ/∂xⱼ∂xₖ = sᵢ Aᵢₖ Aᵢⱼ − sᵢ sⱼ Aⱼₖ with Aᵢⱼ = δᵢⱼ − sⱼ."""

    def d2(*x: float) -> Hessian:
        sm, A = _softmax_and_a(x)
        n = len(x)
        return [
            [sm[i] * A(i, k) * A(i, j) - sm[i] * sm[j] * A(j, k) for k in range(n)]
            for j in range(n)
        ]

    return d2


def _softmax_d3(i: int) -> Callable[..., Third]:
    """∂/∂xₗ of the Hessian above, using ∂sᵢ/∂xₗ = sᵢAᵢₗ and ∂Aᵢⱼ/∂xₗ = −sⱼAⱼₗ."""

    def d3(*x: float) -> Third:
        sm, A = _softmax_and_a(x)
        n = len(x)
        si = sm[i]
        return [
            [
                [
                    si * A(i, l) * A(i, k) * A(i, j)
                    - si * sm[k] * A(k, l) * A(i, j)
                    - si * A(i, k) * sm[j] * A(j, l)
                    - si * A(i, l) * sm[j] * A(j, k)
                    - si * sm[j] * A(j, l) * A(j, k)
                    + si * sm[j] * sm[k] * A(k, l)
                    for l in range(n)  # noqa: E741 - the index from the formula
                ]
                for k in range(n)
            ]
            for j in range(n)
        ]

    return d3


def _lse_d2(*x: float) -> Hessian:
    """∂²L/∂xⱼ∂xₖ = ∂sⱼ/∂xₖ"""
    return [_softmax_d1(j)(*x) for j in range(len(x))]


def _lse_d3(*x: float) -> Third:
    return [_softmax_d2(j)(*x) for j in range(len(x))]


def _dot_d2(*v: float) -> Hessian:
    """Parents w1, w2, x1, x2: ∂²(Σ wᵢxᵢ)/∂wᵢ∂xᵢ = 1."""
    n = len(v)
    h = n // 2
    return [[1.0 if abs(j - k) == h else 0.0 for k in range(n)] for j in range(n)]


WSUM = (0.5, -2.0, 3.0)
SYM = (-3.0, 3.0)

NARY = [
    Op(
        "sum",
        "sum",
        3,
        lambda a, b, c: autograd.sum([a, b, c]),
        lambda a, b, c: math.fsum([a, b, c]),
        lambda *x: [1.0] * 3,
        lambda *x: zeros(3, 2),
        lambda *x: zeros(3, 3),
        (SYM,) * 3,
    ),
    Op(
        "sum with 2 folded",
        "sum+2",
        2,
        lambda a, b: autograd.sum([a, 2, b]),
        lambda a, b: a + 2 + b,
        lambda *x: [1.0] * 2,
        lambda *x: zeros(2, 2),
        lambda *x: zeros(2, 3),
        (SYM,) * 2,
    ),
    Op(
        "mean",
        "mean",
        3,
        lambda a, b, c: autograd.mean([a, b, c]),
        lambda a, b, c: (a + b + c) / 3,
        lambda *x: [1 / 3] * 3,
        lambda *x: zeros(3, 2),
        lambda *x: zeros(3, 3),
        (SYM,) * 3,
    ),
    Op(
        "mean with 1.5",
        "mean",
        2,
        lambda a, b: autograd.mean([a, 1.5, b]),
        lambda a, b: (a + 1.5 + b) / 3,
        lambda *x: [1 / 3] * 2,
        lambda *x: zeros(2, 2),
        lambda *x: zeros(2, 3),
        (SYM,) * 2,
    ),
    Op(
        "dot",
        "dot",
        4,
        lambda w1, w2, x1, x2: autograd.dot([w1, w2], [x1, x2]),
        lambda w1, w2, x1, x2: w1 * x1 + w2 * x2,
        lambda w1, w2, x1, x2: [x1, x2, w1, w2],
        _dot_d2,
        lambda *v: zeros(4, 3),
        (SYM,) * 4,
    ),
    Op(
        "dot with numbers (wsum)",
        "wsum",
        3,
        lambda a, b, c: autograd.dot(list(WSUM), [a, b, c]),
        lambda a, b, c: math.fsum(w * x for w, x in zip(WSUM, (a, b, c), strict=True)),
        lambda *x: list(WSUM),
        lambda *x: zeros(3, 2),
        lambda *x: zeros(3, 3),
        (SYM,) * 3,
    ),
    Op(
        "logsumexp",
        "logsumexp",
        3,
        lambda a, b, c: autograd.logsumexp([a, b, c]),
        lambda *x: lse(x),
        _lse_d1,
        _lse_d2,
        _lse_d3,
        (SYM,) * 3,
    ),
    *(
        Op(
            f"softmax[{i}]",
            f"softmax[{i}]",
            3,
            lambda a, b, c, i=i: autograd.softmax([a, b, c])[i],
            lambda *x, i=i: softmax(x)[i],
            _softmax_d1(i),
            _softmax_d2(i),
            _softmax_d3(i),
            (SYM,) * 3,
        )
        for i in (0, 2)
    ),
]

OPS: list[Op] = [*UNARY, *BINARY, *NARY]
EDGE_OPS: list[Op] = [op for op in UNARY if op.edges]
