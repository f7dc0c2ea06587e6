"""The named cases that `check_engine` runs, in the order it runs them.

*Lecture cases*: each op and its reflected form with plain numbers, tanh and exp at large |x|,
nodes used twice, fan-out, the micrograd lecture's expressions and micrograd's test file: what
the lecture's engine gets right. *Probes*: each op once more with its input used twice
(`x**3 + x**3`: `=` for `+=` shows) and with an upstream gradient of 2 (`y + y, y = x**3`: a
backward that ignores `out.grad` shows). *Beyond the lecture*: what the lecture's own engine
(and micrograd 0.1.0) gets wrong — tanh(800) from exp overflows, `backward()` twice resends the
inner gradients, and a chain deeper than Python's default recursion limit, run last.

A case's `build(V)` makes its expression with the class `V` (a learner's, or chainrule's `Value`
for the right answer) and returns the result and its named nodes: the leaves whose gradients are
compared, and the steps in between, by which a wrong gradient is located.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .guard import DEPTH

Build = Callable[[type], tuple[Any, dict[str, Any]]]

# ops in the deep chain. Pyodide frees a chain of a learner's nodes recursively on the
# JavaScript engine's stack, which ~3,000 of them overflow (the interpreter dies): there the
# chain is shorter, still deeper than the depth at which a learner's recursion is stopped.
DEEP = 1500 if sys.platform == "emscripten" else 5000
LECTURE, PROBE, BEYOND = "lecture", "probe", "beyond the lecture"


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
    kind: str = LECTURE
    method: str = ""  # the learner's method that the case is about ("__pow__", "tanh")
    upstream: float = 1.0  # the gradient that arrives at that op's node


CASES: list[Case] = []


def _case(name: str, expression: str, needs: str, leaves: str, **kw: Any) -> Callable:
    def register(build: Build) -> Build:
        needed = (*needs.split(), "backward")
        CASES.append(Case(name, expression, build, needed, tuple(leaves.split()), **kw))
        return build

    return register


def _binary(name: str, method: str, f: Callable, a: float, b: float) -> None:
    def build(V: type) -> tuple[Any, dict[str, Any]]:
        x, y = V(a), V(b)
        return f(x, y), {"a": x, "b": y}

    _case(name, f"{name} at a = {a:g}, b = {b:g}", method, "a b", method=method)(build)


def _unary(
    name: str,
    method: str,
    f: Callable,
    x0: float,
    about: str = "",
    expr: str = "",
    leaf: str = "x",
    kind: str = LECTURE,
) -> None:
    def build(V: type) -> tuple[Any, dict[str, Any]]:
        x = V(x0)
        return f(x), {leaf: x}

    expression = f"{expr or name} at {leaf} = {x0:g}"
    kw = {"about": about, "x": x0, "kind": kind, "method": method.split()[0]}
    _case(name, expression, method, leaf, **kw)(build)


def _neg(x: Any) -> Any:
    return -x


_ONE = {  # the one-input ops: (method, how it is called, at x)
    "-x": ("__neg__", _neg, 3.0),
    "x ** 3": ("__pow__", lambda x: x**3, 1.5),
    "tanh(x)": ("tanh", lambda x: x.tanh(), 0.5),
    "exp(x)": ("exp", lambda x: x.exp(), 0.5),
    "log(x)": ("log", lambda x: x.log(), 2.0),
    "relu(x)": ("relu", lambda x: x.relu(), 3.0),
}
_TWO = {  # the two-input ops
    "a + b": ("__add__", lambda a, b: a + b),
    "a * b": ("__mul__", lambda a, b: a * b),
    "a - b": ("__sub__", lambda a, b: a - b),
    "a / b": ("__truediv__", lambda a, b: a / b),
}

for _name, (_method, _f) in _TWO.items():
    _binary(_name, _method, _f, 2.0, -3.0)
# Each op with a plain number on either side: `2 * v` is int.__mul__ first, then V.__rmul__.
_unary("x + 2", "__add__", lambda x: x + 2, 3.0)
_unary("2 + x", "__radd__", lambda x: 2 + x, 3.0)
_unary("x - 2", "__sub__", lambda x: x - 2, 3.0)
_unary("2 - x", "__rsub__", lambda x: 2 - x, 3.0, about="reflected")
_unary("x * 2", "__mul__", lambda x: x * 2, 3.0)
_unary("2 * x", "__rmul__", lambda x: 2 * x, 3.0)
_unary("x / 2", "__truediv__", lambda x: x / 2, 4.0)
_unary("2 / x", "__rtruediv__", lambda x: 2 / x, 4.0, about="reflected")
_unary("-x", "__neg__", _neg, 3.0)
_unary("x ** 3", "__pow__", lambda x: x**3, 1.5, about="pow")
_unary("x ** -1", "__pow__", lambda x: x**-1, 4.0, about="pow")
_unary("x ** 0.5", "__pow__", lambda x: x**0.5, 2.0, about="pow")
_unary("tanh(x)", "tanh", lambda x: x.tanh(), 0.5, about="tanh")
_unary("exp(x)", "exp", lambda x: x.exp(), 0.5, about="exp")
_unary("log(x)", "log", lambda x: x.log(), 2.0, about="log")
_unary("relu(x) at x > 0", "relu", lambda x: x.relu(), 3.0, about="relu", expr="relu(x)")
_unary("relu(x) at x < 0", "relu", lambda x: x.relu(), -2.0, about="relu", expr="relu(x)")
for _x in (30.0, -30.0, -800.0):
    _unary(f"tanh({_x:g})", "tanh", lambda x: x.tanh(), _x, about="tanh", expr="tanh(x)")
# exp(800) is left out: it overflows a float, giving inf in IEEE arithmetic (chainrule,
# PyTorch) but OverflowError from math.exp, and neither is a mistake in a learner's engine.
for _x in (700.0, -800.0):
    _unary(f"exp({_x:g})", "exp", lambda x: x.exp(), _x, about="exp", expr="exp(x)")

# Nodes used twice: a node's backward must add (`+=`) what each use sends.
_unary("a + a", "__add__", lambda a: a + a, 3.0, about="twice-used", leaf="a")
_unary("a * a", "__mul__", lambda a: a * a, 3.0, about="twice-used", leaf="a")
_unary("a - a", "__sub__", lambda a: a - a, 3.0, about="twice-used", leaf="a", kind=PROBE)
_unary("a / a", "__truediv__", lambda a: a / a, 3.0, about="twice-used", leaf="a", kind=PROBE)


def _twice(name: str, method: str, f: Callable, x0: float) -> None:
    def build(V: type) -> tuple[Any, dict[str, Any]]:
        x = V(x0)
        y1, y2 = f(x), f(x)
        return y1 + y2, {"x": x, "y1": y1, "y2": y2}

    expression = (
        f"y1 = {name}; y2 = {name}; out = y1 + y2, at x = {x0:g}: x gets a gradient from "
        "each, and must keep both"
    )
    kw = {"about": "twice-used", "kind": PROBE, "method": method, "x": x0}
    _case(f"{name} + {name}", expression, f"{method} __add__", "x", **kw)(build)


def _upstream(name: str, method: str, f: Callable, xs: tuple[float, ...]) -> None:
    leaves = ("x",) if len(xs) == 1 else ("a", "b")

    def build(V: type) -> tuple[Any, dict[str, Any]]:
        ins = [V(v) for v in xs]
        y = f(*ins)
        return y + y, {**dict(zip(leaves, ins)), "y": y}

    at = ", ".join(f"{n} = {v:g}" for n, v in zip(leaves, xs))
    expression = (
        f"y = {name}; out = y + y, at {at}: y's backward gets out.grad = 2 and must multiply "
        "its local derivative by it"
    )
    kw = {"about": "upstream", "kind": PROBE, "method": method, "upstream": 2.0}
    kw["x"] = xs[0] if len(xs) == 1 else None
    _case(f"y + y, y = {name}", expression, f"{method} __add__", " ".join(leaves), **kw)(build)


def _both_again(name: str, method: str, f: Callable) -> None:
    """(a op b) + a + b: each input also receives 1 from `+`, which a backward that sets its
    input's gradient with `=` (on either side) would overwrite."""

    def build(V: type) -> tuple[Any, dict[str, Any]]:
        a, b = V(2.0), V(-3.0)
        y = f(a, b)
        return y + a + b, {"a": a, "b": b, "y": y}

    expression = (
        f"y = {name}; out = y + a + b, at a = 2, b = -3: a and b each get a gradient from y and "
        "from +, and must keep both"
    )
    kw = {"about": "twice-used", "kind": PROBE, "method": method}
    _case(f"({name}) + a + b", expression, f"{method} __add__", "a b", **kw)(build)


for _name, (_method, _f, _x0) in _ONE.items():
    _twice(_name, _method, _f, _x0)
for _name, (_method, _f) in _TWO.items():
    _both_again(_name, _method, _f)
for _name, (_method, _f) in _TWO.items():
    _upstream(_name, _method, _f, (2.0, -3.0))
for _name, (_method, _f, _x0) in _ONE.items():
    _upstream(_name, _method, _f, (_x0,))
del _x, _name, _method, _f, _x0


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


# ---- beyond the lecture: what the lecture's own engine gets wrong, the deep chain last ----

_unary("tanh(800)", "tanh", lambda x: x.tanh(), 800.0, about="tanh", expr="tanh(x)", kind=BEYOND)


@_case(
    "backward twice",
    "c = a*b + a; out = c*b, at a = 2, b = -3; out.backward() twice: each call adds its own "
    "gradient, so the leaves get exactly twice one call's (chainrule and PyTorch)",
    "__mul__ __add__",
    "a b",
    about="twice",
    calls=2,
    kind=BEYOND,
)
def _backward_twice(V: type) -> tuple[Any, dict[str, Any]]:
    a, b = V(2.0), V(-3.0)
    c = a * b + a
    return c * b, {"a": a, "b": b, "c": c}


def chain(V: type, n: int) -> tuple[Any, dict[str, Any]]:
    """y = x, then n/2 times y = y*k + m: n ops in a line."""
    x, k, m = V(0.5), V(0.999), V(0.001)
    y = x
    for _ in range(n // 2):
        y = y * k + m
    return y, {"x": x, "k": k, "m": m}


@_case(
    "deep chain",
    f"y = x; then {DEEP // 2} times y = y*k + m, at x = 0.5, k = 0.999, m = 0.001 "
    f"({DEEP} ops, deeper than Python's default recursion limit of {DEPTH})",
    "__mul__ __add__",
    "x k m",
    about="deep",
    deep=True,
    kind=BEYOND,
)
def _deep(V: type) -> tuple[Any, dict[str, Any]]:
    return chain(V, DEEP)
