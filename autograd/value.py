"""`Value`: one float, its gradient, and the local derivative of the op that made it.

Each op below computes its result and its local derivatives side by side, so the file reads
as a table of derivatives. A node holds no closure, so a graph is freed by reference counting
as soon as its root goes. A node of one or two parents keeps them and their local derivatives
in its own slots rather than in tuples: each node is then one object for the cyclic garbage
collector to track, not two or three, which was most of its cost while a graph is built.
`.parents` and `.local_grads` give them as tuples.
"""

from __future__ import annotations

import functools
import math
import numbers

from .mode import state as _state
from .traversal import MANY, backward_pass, zero_grad

Number = int | float
_EMPTY: tuple = ()
_INF = math.inf
_new = object.__new__


def as_float(x: object) -> float | None:
    """The float of a plain number (bool, int, float, numpy scalar), or None for anything else."""
    t = type(x)
    if t is float:
        return x  # type: ignore[return-value]
    if t is int or t is bool or isinstance(x, numbers.Real):
        try:
            return float(x)  # type: ignore[arg-type]
        except OverflowError:  # an int beyond the float range
            return _INF if x > 0 else -_INF  # type: ignore[operator]
    return None


@functools.lru_cache(maxsize=4096)  # op names repeat the same few constants
def fmt(c: float) -> str:
    """Shortest text that reads back as exactly `c` (`2` for 2.0): op names carry constants."""
    if c.is_integer() and abs(c) < 1e16:
        return str(int(c))
    return repr(c)


def _pow(a: float, c: float) -> float:
    """a**c as IEEE floats: overflow gives ±inf and 0**negative gives inf, never an exception."""
    try:
        return a**c
    except OverflowError:
        return -_INF if a < 0 and c % 2 == 1 else _INF
    except ZeroDivisionError:
        return _INF


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _node(
    data: float, op: str, a: Value, da: float, b: Value | None = None, db: float = 0.0
) -> Value:
    """A new node of parent `a` with local derivative `da` = ∂out/∂a (and `b`, `db`)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if _state.plain:
        out.op = op
        out._a = a
        out._da = da
        out._b = b
        out._db = db
        return out
    return _unusual(out, op, (a,) if b is None else (a, b), (da,) if b is None else (da, db))


def _nary(data: float, op: str, parents: tuple, local_grads: tuple) -> Value:
    """A new node of any number of parents, `local_grads[i]` = ∂out/∂parents[i]."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if _state.plain:
        out.op = op
        out._a = parents
        out._da = local_grads
        out._b = MANY
        return out
    return _unusual(out, op, parents, local_grads)


def _unusual(out: Value, op: str, parents: tuple, local_grads: tuple) -> Value:
    """`out` finished under `no_grad` (a constant) or `detect_anomaly` (checked for NaN/inf)."""
    if _state.anomaly and not math.isfinite(out.data):
        inputs = ", ".join(f"{p.label or '?'}={p.data!r}" for p in parents)
        raise FloatingPointError(f"op {op!r} produced {out.data!r} from inputs ({inputs})")
    if not _state.recording:
        out.op = ""
        out._a = out._b = None
        return out
    out.op = op
    if len(parents) == 1:
        out._a, out._da, out._b = parents[0], local_grads[0], None
    elif len(parents) == 2:
        (out._a, out._b), (out._da, out._db) = parents, local_grads
    else:
        out._a, out._da, out._b = parents, local_grads, MANY
    return out


def _domain(op: str, x: Value, why: str) -> ValueError:
    name = f" {x.label!r}" if x.label else ""
    return ValueError(f"{op}: operand{name} = {x.data!r} {why}")


class Value:
    """A scalar node of a computation graph: `data`, `grad`, and how it was made."""

    # _a, _da: the first parent and ∂self/∂_a; _b, _db: the second (_b None with one parent);
    # with more parents _a and _da are their tuples and _b is MANY. _a None: a leaf.
    __slots__ = ("_a", "_b", "_da", "_db", "data", "grad", "label", "op")
    __array_ufunc__ = None  # numpy defers to our reflected operators

    def __init__(self, data: Number, label: str = "") -> None:
        x = as_float(data)
        if x is None:
            raise TypeError(f"Value() takes an int or a float, not {type(data).__name__}")
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, not {type(label).__name__}")
        self.data = x
        self.grad = 0.0
        self.label = label
        self.op = ""
        self._a = self._b = None

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in argument order; () for a leaf."""
        a, b = self._a, self._b
        if a is None:
            return _EMPTY
        if b is None:
            return (a,)
        if b is MANY:
            return a
        return (a, b)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent."""
        a, b = self._a, self._b
        if a is None:
            return _EMPTY
        if b is None:
            return (self._da,)
        if b is MANY:
            return self._da
        return (self._da, self._db)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        op = f", op={self.op!r}" if self.op else ""
        return f"Value({self.data!r}, grad={self.grad!r}{label}{op})"

    def __float__(self) -> float:
        return self.data

    # ---- binary operators ------------------------------------------------------------------

    def __add__(self, other: Value | Number) -> Value:
        """∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1"""
        if type(other) is Value:
            return _node(self.data + other.data, "+", self, 1.0, other, 1.0)
        c = as_float(other)
        if c is None:
            return NotImplemented
        return _node(self.data + c, "+" + fmt(c), self, 1.0)

    __radd__ = __add__

    def __sub__(self, other: Value | Number) -> Value:
        """∂(a−b)/∂a = 1, ∂(a−b)/∂b = −1"""
        if type(other) is Value:
            return _node(self.data - other.data, "-", self, 1.0, other, -1.0)
        c = as_float(other)
        if c is None:
            return NotImplemented
        return _node(self.data - c, "-" + fmt(c), self, 1.0)

    def __rsub__(self, other: Number) -> Value:
        """∂(c−a)/∂a = −1"""
        c = as_float(other)
        if c is None:
            return NotImplemented
        return _node(c - self.data, fmt(c) + "-", self, -1.0)

    def __mul__(self, other: Value | Number) -> Value:
        """∂(a·b)/∂a = b, ∂(a·b)/∂b = a"""
        if type(other) is Value:
            return _node(self.data * other.data, "*", self, other.data, other, self.data)
        c = as_float(other)
        if c is None:
            return NotImplemented
        return _node(self.data * c, "*" + fmt(c), self, c)

    __rmul__ = __mul__

    def __truediv__(self, other: Value | Number) -> Value:
        """∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²"""
        if type(other) is Value:
            b = other.data
            if b == 0.0:
                raise ZeroDivisionError(f"/: division of {self.data!r} by {_operand(other)}")
            out = self.data / b
            return _node(out, "/", self, 1.0 / b, other, -out / b)
        c = as_float(other)
        if c is None:
            return NotImplemented
        if c == 0.0:
            raise ZeroDivisionError(f"/: division of {_operand(self)} by 0")
        return _node(self.data / c, "/" + fmt(c), self, 1.0 / c)

    def __rtruediv__(self, other: Number) -> Value:
        """∂(c/a)/∂a = −c/a²"""
        c = as_float(other)
        if c is None:
            return NotImplemented
        a = self.data
        if a == 0.0:
            raise ZeroDivisionError(f"/: division of {c!r} by {_operand(self)}")
        out = c / a
        return _node(out, fmt(c) + "/", self, -out / a)

    def __pow__(self, other: Value | Number) -> Value:
        """∂(a**c)/∂a = c·a**(c−1); ∂(a**b)/∂b = a**b · ln a"""
        a = self.data
        if type(other) is Value:
            b = other.data
            if a <= 0.0:
                raise _domain("**", self, "is not > 0: a Value exponent needs ln(base)")
            out = _pow(a, b)
            return _node(out, "**", self, b * _pow(a, b - 1.0), other, out * math.log(a))
        c = as_float(other)
        if c is None:
            return NotImplemented
        if a == 0.0 and c < 0.0:
            raise _domain(f"**{fmt(c)}", self, "is 0 and the exponent is negative")
        if a < 0.0 and not c.is_integer():
            raise _domain(f"**{fmt(c)}", self, "is negative and the exponent is not an integer")
        lg = 0.0 if c == 0.0 else c * _pow(a, c - 1.0)
        return _node(_pow(a, c), "**" + fmt(c), self, lg)

    def __rpow__(self, other: Number) -> Value:
        """∂(c**a)/∂a = c**a · ln c"""
        c = as_float(other)
        if c is None:
            return NotImplemented
        if c <= 0.0:
            raise ValueError(f"**: base {c!r} is not > 0: the exponent {_name(self)}is a Value")
        out = _pow(c, self.data)
        return _node(out, fmt(c) + "**", self, out * math.log(c))

    def __neg__(self) -> Value:
        """∂(−a)/∂a = −1"""
        return _node(-self.data, "neg", self, -1.0)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        """|a|' = sign(a), 0 at 0"""
        a = self.data
        sign = 1.0 if a > 0 else -1.0 if a < 0 else 0.0 if a == 0 else a  # NaN stays NaN
        return _node(abs(a), "abs", self, sign)

    # ---- functions -------------------------------------------------------------------------

    def exp(self) -> Value:
        """exp'(x) = exp(x)"""
        out = _exp(self.data)
        return _node(out, "exp", self, out)

    def log(self) -> Value:
        """log'(x) = 1/x"""
        x = self.data
        if x <= 0.0:
            raise _domain("log", self, "is not > 0")
        return _node(math.log(x), "log", self, 1.0 / x)

    def sqrt(self) -> Value:
        """sqrt'(x) = 1/(2·sqrt(x))"""
        x = self.data
        if x < 0.0:
            raise _domain("sqrt", self, "is negative")
        out = math.sqrt(x)
        return _node(out, "sqrt", self, 0.5 / out if out else _INF)

    def sin(self) -> Value:
        """sin'(x) = cos(x)"""
        x = self.data
        try:
            s, c = math.sin(x), math.cos(x)
        except ValueError:  # x = ±inf: math raises where IEEE floats give NaN
            s = c = math.nan
        return _node(s, "sin", self, c)

    def cos(self) -> Value:
        """cos'(x) = −sin(x)"""
        x = self.data
        try:
            c, s = math.cos(x), math.sin(x)
        except ValueError:  # x = ±inf: math raises where IEEE floats give NaN
            c = s = math.nan
        return _node(c, "cos", self, -s)

    def tanh(self) -> Value:
        """tanh'(x) = 1 − tanh²(x)"""
        t = math.tanh(self.data)
        return _node(t, "tanh", self, 1.0 - t * t)

    def atan(self) -> Value:
        """atan'(x) = 1/(1 + x²)"""
        x = self.data
        return _node(math.atan(x), "atan", self, 1.0 / (1.0 + x * x))

    def sigmoid(self) -> Value:
        """σ'(x) = σ(x)(1 − σ(x))"""
        s = _sigmoid(self.data)
        return _node(s, "sigmoid", self, s * (1.0 - s))

    def relu(self) -> Value:
        """relu'(x) = 1 for x > 0, else 0"""
        x = self.data
        if x > 0.0:
            return _node(x, "relu", self, 1.0)
        if x <= 0.0:
            return _node(0.0, "relu", self, 0.0)
        return _node(x, "relu", self, x)  # NaN stays NaN, in value and derivative

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """leaky_relu'(x) = 1 for x > 0, else slope"""
        s = as_float(slope)
        if s is None:
            raise TypeError(f"leaky_relu: slope must be a number, not {type(slope).__name__}")
        x = self.data
        if x > 0.0:
            return _node(x, "leaky_relu", self, 1.0)
        if x <= 0.0:
            return _node(s * x, "leaky_relu", self, s)
        return _node(x, "leaky_relu", self, x)  # NaN stays NaN

    def softplus(self) -> Value:
        """softplus(x) = ln(1 + eˣ), softplus'(x) = σ(x)"""
        x = self.data
        out = max(x, 0.0) + math.log1p(math.exp(-abs(x)))
        return _node(out, "softplus", self, _sigmoid(x))

    # ---- the graph -------------------------------------------------------------------------

    def backward(self, grad: Number = 1.0) -> None:
        """Add grad·∂self/∂x to `x.grad` for every node x that self depends on."""
        g = as_float(grad)
        if g is None:
            raise TypeError(f"backward: grad must be a number, not {type(grad).__name__}")
        backward_pass(self, g)

    def zero_grad(self) -> None:
        """Set `grad` to 0 on every node of this graph."""
        zero_grad(self)

    def detach(self) -> Value:
        """A leaf with the same data."""
        return Value(self.data, self.label)


def _name(v: Value) -> str:
    return f"{v.label!r} " if v.label else ""


def _operand(v: Value) -> str:
    """`'x' = 0.0` for a labelled Value, `0.0` otherwise: for error messages."""
    return f"{v.label!r} = {v.data!r}" if v.label else repr(v.data)


def constant(x: Value | Number) -> Value:
    """`x` itself if it is a Value, else a new leaf; TypeError names anything else."""
    if type(x) is Value or isinstance(x, Value):
        return x  # type: ignore[return-value]
    return Value(x)  # type: ignore[arg-type]
