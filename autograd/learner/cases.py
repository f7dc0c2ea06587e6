"""The named cases that `check_engine` runs: each op and its reflected form with plain numbers,
nodes used twice, fan-out, a chain deeper than the recursion limit, tanh and exp at large |x|,
backward twice, and the micrograd lecture's and test file's expressions.

A case's `build(V)` makes its expression with the class `V` (a learner's, or chainrule's
`Value` for the right answer) and returns the result and its named nodes: the leaves whose
gradients are compared, and the steps in between, by which a wrong gradient is located.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Build = Callable[[type], tuple[Any, dict[str, Any]]]

# ops in the deep chain; the recursion limit is held at 1000 while it runs. Pyodide frees a
# chain of a learner's nodes recursively on the JavaScript engine's stack, which ~3,000 of them
# overflow (the interpreter dies): there the chain is shorter, still past the limit.
DEEP = 1500 if sys.platform == "emscripten" else 5000
RECURSION_LIMIT = 1000


@dataclass(frozen=True)
class Case:
    """One expression: `build(V)` → (result, {name: node}) for the named leaves and steps."""

    name: str
    expression: str
    build: Build
    needs: tuple[str, ...]
    leaves: tuple[str, ...]
    about: str = ""  # which derivative or habit of backward the case is about
    calls: int = 1  # backward() calls
    deep: bool = False
    x: float | None = None  # the input of a one-input case, for naming a wrong derivative


CASES: list[Case] = []


def _case(name: str, expression: str, needs: str, leaves: str, **kw: Any) -> Callable:
    def register(build: Build) -> Build:
        needed = (*needs.split(), "backward")
        case = Case(name, expression, build, needed, tuple(leaves.split()), **kw)
        CASES.append(case)
        return build

    return register


def _binary(name: str, needs: str, f: Callable, a: float, b: float) -> None:
    def build(V: type) -> tuple[Any, dict[str, Any]]:
        x, y = V(a), V(b)
        return f(x, y), {"a": x, "b": y}

    _case(name, f"{name} at a = {a:g}, b = {b:g}", needs, "a b")(build)


def _unary(
    name: str, needs: str, f: Callable, x0: float, about: str = "", expr: str = "", leaf: str = "x"
) -> None:
    def build(V: type) -> tuple[Any, dict[str, Any]]:
        x = V(x0)
        return f(x), {leaf: x}

    expression = f"{expr or name} at {leaf} = {x0:g}"
    _case(name, expression, needs, leaf, about=about, x=x0)(build)


_binary("a + b", "__add__", lambda a, b: a + b, 2.0, -3.0)
_binary("a * b", "__mul__", lambda a, b: a * b, 2.0, -3.0)
_binary("a - b", "__sub__", lambda a, b: a - b, 2.0, -3.0)
_binary("a / b", "__truediv__", lambda a, b: a / b, 2.0, -3.0)
# Each op with a plain number on either side: `2 * v` is int.__mul__ first, then V.__rmul__.
_unary("x + 2", "__add__", lambda x: x + 2, 3.0)
_unary("2 + x", "__radd__", lambda x: 2 + x, 3.0)
_unary("x - 2", "__sub__", lambda x: x - 2, 3.0)
_unary("2 - x", "__rsub__", lambda x: 2 - x, 3.0)
_unary("x * 2", "__mul__", lambda x: x * 2, 3.0)
_unary("2 * x", "__rmul__", lambda x: 2 * x, 3.0)
_unary("x / 2", "__truediv__", lambda x: x / 2, 4.0)
_unary("2 / x", "__rtruediv__", lambda x: 2 / x, 4.0)
_unary("-x", "__neg__", lambda x: -x, 3.0)
_unary("x ** 3", "__pow__", lambda x: x**3, 1.5, about="pow")
_unary("x ** -1", "__pow__", lambda x: x**-1, 4.0, about="pow")
_unary("x ** 0.5", "__pow__", lambda x: x**0.5, 2.0, about="pow")
_unary("tanh(x)", "tanh", lambda x: x.tanh(), 0.5, about="tanh")
_unary("exp(x)", "exp", lambda x: x.exp(), 0.5, about="exp")
_unary("log(x)", "log", lambda x: x.log(), 2.0, about="log")
_unary("relu(x) at x > 0", "relu", lambda x: x.relu(), 3.0, about="relu", expr="relu(x)")
_unary("relu(x) at x < 0", "relu", lambda x: x.relu(), -2.0, about="relu", expr="relu(x)")
for _x in (30.0, -30.0, 800.0, -800.0):
    _unary(f"tanh({_x:g})", "tanh", lambda x: x.tanh(), _x, about="tanh", expr="tanh(x)")
# exp(800) is left out: it overflows a float, giving inf in IEEE arithmetic (chainrule,
# PyTorch) but OverflowError from math.exp, and neither is a mistake in a learner's engine.
for _x in (700.0, -800.0):
    _unary(f"exp({_x:g})", "exp", lambda x: x.exp(), _x, about="exp", expr="exp(x)")
del _x
_unary("a + a", "__add__", lambda a: a + a, 3.0, about="twice-used", leaf="a")
_unary("a * a", "__mul__", lambda a: a * a, 3.0, about="twice-used", leaf="a")


@_case(
    "fan-out",
    "b = a*3; c = b*b; d = c + b; out = d*a, at a = 2",
    "__mul__ __add__",
    "a",
    about="fan-out",
)
def _fan_out(V: type) -> tuple[Any, dict[str, Any]]:
    a = V(2.0)
    b = a * V(3.0)
    c = b * b
    d = c + b
    return d * a, {"a": a, "b": b, "c": c, "d": d}


@_case(
    "shared x",
    "xy = x*y; xz = x*z; out = xy + xz, at x = 2, y = -3, z = 5",
    "__mul__ __add__",
    "x y z",
    about="fan-out",
)
def _shared(V: type) -> tuple[Any, dict[str, Any]]:
    x, y, z = V(2.0), V(-3.0), V(5.0)
    xy, xz = x * y, x * z
    return xy + xz, {"x": x, "y": y, "z": z, "xy": xy, "xz": xz}


@_case(
    "deep chain",
    f"y = x; then {DEEP // 2} times y = y*k + m, at x = 0.5, k = 0.999, m = 0.001 "
    f"({DEEP} ops, deeper than the recursion limit {RECURSION_LIMIT})",
    "__mul__ __add__",
    "x k m",
    about="deep",
    deep=True,
)
def _deep(V: type) -> tuple[Any, dict[str, Any]]:
    x, k, m = V(0.5), V(0.999), V(0.001)
    y = x
    for _ in range(DEEP // 2):
        y = y * k + m
    return y, {"x": x, "k": k, "m": m}


@_case(
    "backward twice",
    "c = a*b + a; out = c*b, at a = 2, b = -3; out.backward() twice: each call adds its own "
    "gradient, so the leaves get exactly twice one call's (chainrule and PyTorch)",
    "__mul__ __add__",
    "a b",
    about="twice",
    calls=2,
)
def _twice(V: type) -> tuple[Any, dict[str, Any]]:
    a, b = V(2.0), V(-3.0)
    c = a * b + a
    return c * b, {"a": a, "b": b}


@_case(
    "lecture: d = a*b + c",
    "e = a*b; d = e + c, at a = 2, b = -3, c = 10 (the micrograd lecture)",
    "__mul__ __add__",
    "a b c",
)
def _lecture_d(V: type) -> tuple[Any, dict[str, Any]]:
    a, b, c = V(2.0), V(-3.0), V(10.0)
    e = a * b
    return e + c, {"a": a, "b": b, "c": c, "e": e}


@_case(
    "lecture: L = d*f",
    "e = a*b; d = e + c; L = d*f, at a = 2, b = -3, c = 10, f = -2 (the micrograd lecture)",
    "__mul__ __add__",
    "a b c f",
)
def _lecture_L(V: type) -> tuple[Any, dict[str, Any]]:
    a, b, c, f = V(2.0), V(-3.0), V(10.0), V(-2.0)
    e = a * b
    d = e + c
    return d * f, {"a": a, "b": b, "c": c, "f": f, "e": e, "d": d}


_NEURON = "x1 = 2, x2 = 0, w1 = -3, w2 = 1, b = 6.8813735870195432"


def _neuron_n(V: type) -> tuple[Any, dict[str, Any]]:
    x1, x2, w1, w2 = V(2.0), V(0.0), V(-3.0), V(1.0)
    b = V(6.8813735870195432)
    x1w1, x2w2 = x1 * w1, x2 * w2
    s = x1w1 + x2w2
    n = s + b
    return n, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "x1w1": x1w1, "x2w2": x2w2, "n": n}


@_case(
    "lecture: neuron",
    f"n = x1*w1 + x2*w2 + b; o = tanh(n), at {_NEURON} (o = 0.7071)",
    "__mul__ __add__ tanh",
    "x1 x2 w1 w2 b",
    about="tanh",
)
def _neuron(V: type) -> tuple[Any, dict[str, Any]]:
    n, nodes = _neuron_n(V)
    return n.tanh(), nodes


@_case(
    "lecture: neuron, tanh from exp",
    f"n as above; e = exp(2*n); o = (e - 1)/(e + 1), at {_NEURON}",
    "__mul__ __add__ __rmul__ __sub__ __truediv__ exp",
    "x1 x2 w1 w2 b",
)
def _neuron_exp(V: type) -> tuple[Any, dict[str, Any]]:
    n, nodes = _neuron_n(V)
    e = (2 * n).exp()
    return (e - 1) / (e + 1), nodes | {"e": e}


@_case(
    "micrograd test: sanity check",
    "z = 2*x + 2 + x; q = relu(z) + z*x; h = relu(z*z); y = h + q + q*x, at x = -4 "
    "(micrograd's test/test_engine.py)",
    "__add__ __mul__ __radd__ __rmul__ relu",
    "x",
)
def _sanity(V: type) -> tuple[Any, dict[str, Any]]:
    x = V(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x, {"x": x, "z": z, "q": q, "h": h}


@_case(
    "micrograd test: more ops",
    "c = a + b; d = a*b + b**3; c += c + 1; c += 1 + c + (-a); d += d*2 + relu(b + a); "
    "d += 3*d + relu(b - a); e = c - d; f = e**2; g = f/2.0; g += 10.0/f, at a = -4, b = 2 "
    "(micrograd's test/test_engine.py)",
    "__add__ __mul__ __radd__ __rmul__ __pow__ __neg__ __sub__ __truediv__ __rtruediv__ relu",
    "a b",
)
def _more_ops(V: type) -> tuple[Any, dict[str, Any]]:
    a, b = V(-4.0), V(2.0)
    c = a + b
    d = a * b + b**3
    c = c + (c + 1)
    c = c + (1 + c + (-a))
    d = d + (d * 2 + (b + a).relu())
    d = d + (3 * d + (b - a).relu())
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return g, {"a": a, "b": b, "e": e, "f": f}
