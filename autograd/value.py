"""`Value`: one float and its gradient, made by the ops of `autograd.ops`.

Every op looks up its entry in the op table, computes its result and local derivatives with the
entry's forward, and records them on a new node (`node.py` has the layout). The unary functions
(`exp`, `tanh`, …) are installed as methods straight from the table, so a new entry there is a
new method here. Only + − × ÷ are written out in full below: they are most of every graph, and
calling the entry's forward from them would cost ~12% of the demo step (`make bench`).
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable

from . import ops
from .backward import backward_pass, zero_grad
from .mode import fast as _fast
from .mode import state as _state
from .node import MANY, Node
from .ops import ADD, ADD_C, DIV, DIV_C, MUL, MUL_C, RDIV_C, SUB, SUB_C, Op

Number = int | float
_INF = math.inf
_new = object.__new__


def as_float(x: object) -> float | None:
    """The float of a plain number (bool, int, float, numpy scalar), or None for anything else."""
    t = type(x)
    if t is float:
        return x
    if t is int or t is bool or isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:  # an int beyond the float range
            return _INF if x > 0 else -_INF
    return None


def _node(data: float, op: Op, a: Value, da: float, b: object = None, db: object = None) -> Value:
    """A new node of parent `a` with ∂out/∂a = `da`, and `b`, `db` (or the op's number `db`)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if _fast.plain:
        out._op = op
        out._a = a
        out._da = da
        out._b = b
        out._db = db
        return out
    if b is None:
        return _unusual(out, op, (a,), (da,), db)
    return _unusual(out, op, (a, b), (da, db), None)


def _nary(data: float, op: Op, parents: tuple, local_grads: tuple, param: object = None) -> Value:
    """A new node of any number of parents, `local_grads[i]` = ∂out/∂parents[i]."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if _fast.plain:
        out._op = op
        out._a = parents
        out._da = local_grads
        out._b = MANY
        out._db = param
        return out
    return _unusual(out, op, parents, local_grads, param)


def _unusual(out: Value, op: Op, parents: tuple, local_grads: tuple, param: object) -> Value:
    """`out` made while some thread is in `no_grad` or `detect_anomaly` or taking a trace:
    this thread's modes."""
    mode = _state()
    if mode.anomaly and not math.isfinite(out.data):
        inputs = ", ".join(f"{p.label or '?'}={p.data!r}" for p in parents)
        shown = op.show(param)
        raise FloatingPointError(f"op {shown!r} produced {out.data!r} from inputs ({inputs})")
    if not mode.recording:
        out._op = out._a = out._b = None
        return out
    out._op = op
    if len(parents) == 1:
        out._a, out._da, out._b, out._db = parents[0], local_grads[0], None, param
    elif len(parents) == 2:
        (out._a, out._b), (out._da, out._db) = parents, local_grads
    else:
        out._a, out._da, out._b, out._db = parents, local_grads, MANY, param
    if mode.tape is not None:  # a trace of a function is being taken (`mode.taping`)
        mode.tape.append(out)
    return out


def _operand(v: Value) -> str:
    """`'x' = 0.0` for a labelled Value, `0.0` otherwise: for error messages."""
    return f"{v.label!r} = {v.data!r}" if v.label else repr(v.data)


def _domain(op: Op, c: object, x: Value, why: str) -> ValueError:
    name = f" {x.label!r}" if x.label else ""
    return ValueError(f"{op.show(c)}: operand{name} = {x.data!r} {why}")


def _method(op: Op) -> Callable[..., Value]:
    """`x.name()` for a unary entry of the table (with its folded number, if it has one)."""
    forward, domain = op.forward, op.domain
    if op.param is None:

        def method(self: Value) -> Value:
            x = self.data
            if domain is not None and (why := domain(x)) is not None:
                raise _domain(op, None, self, why)
            y, d = forward(x)
            return _node(y, op, self, d)

    else:

        def method(self: Value, c: Number = op.default, /, **named: Number) -> Value:
            if named:  # the number by its name: x.leaky_relu(slope=0.2)
                if set(named) != {op.param}:
                    raise TypeError(f"{op.name}() takes one number, {op.param}, not {named}")
                c = named[op.param]
            k = as_float(c)
            if k is None:
                raise TypeError(f"{op.name}: {op.param} must be a number, not {type(c).__name__}")
            y, d = forward(self.data, k)
            return _node(y, op, self, d, None, k)

        P = inspect.Parameter  # so that help(x.leaky_relu) shows leaky_relu(slope=0.01)
        method.__signature__ = inspect.Signature(
            [P("self", P.POSITIONAL_ONLY), P(op.param, P.POSITIONAL_OR_KEYWORD, default=op.default)]
        )

    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = op.doc
    return method


class Value(Node):
    """A scalar node of a computation graph: `data`, `grad`, and how it was made."""

    __slots__ = ()
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
        self._op = self._a = self._b = None

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        op = f", op={self.op!r}" if self._op is not None else ""
        return f"Value({self.data!r}, grad={self.grad!r}{label}{op})"

    def __float__(self) -> float:
        return self.data

    # ---- + − × ÷, written out: the entries' forwards inlined (see the module docstring) ----

    def __add__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            return _node(self.data + other.data, ADD, self, 1.0, other, 1.0)
        c = as_float(other)
        if c is None:
            return NotImplemented
        return _node(self.data + c, ADD_C, self, 1.0, None, c)

    __radd__ = __add__

    def __sub__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            return _node(self.data - other.data, SUB, self, 1.0, other, -1.0)
        c = as_float(other)
        if c is None:
            return NotImplemented
        return _node(self.data - c, SUB_C, self, 1.0, None, c)

    def __rsub__(self, other: Number) -> Value:
        return self._fold(ops.RSUB_C, other)

    def __mul__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            return _node(self.data * other.data, MUL, self, other.data, other, self.data)
        c = as_float(other)
        if c is None:
            return NotImplemented
        return _node(self.data * c, MUL_C, self, c, None, c)

    __rmul__ = __mul__

    def __truediv__(self, other: Value | Number) -> Value:
        if type(other) is Value:
            b = other.data
            if b == 0.0:
                raise ZeroDivisionError(f"/: division of {self.data!r} by {_operand(other)}")
            out = self.data / b
            return _node(out, DIV, self, 1.0 / b, other, -out / b)
        c = as_float(other)
        if c is None:
            return NotImplemented
        if c == 0.0:
            raise ZeroDivisionError(f"/: division of {_operand(self)} by 0")
        return _node(self.data / c, DIV_C, self, 1.0 / c, None, c)

    def __rtruediv__(self, other: Number) -> Value:
        c = as_float(other)
        if c is None:
            return NotImplemented
        if self.data == 0.0:
            raise ZeroDivisionError(f"/: division of {c!r} by {_operand(self)}")
        return self._apply(RDIV_C, c)

    # ---- the other operators, from their entries --------------------------------------------

    def __pow__(self, other: Value | Number) -> Value:
        """∂(a**c)/∂a = c·a**(c−1); ∂(a**b)/∂b = a**b · ln a"""
        if type(other) is Value:
            op = ops.POW
            why = op.domain(self.data, other.data)
            if why is not None:
                raise _domain(op, None, self, why)
            out, da, db = op.forward(self.data, other.data)
            return _node(out, op, self, da, other, db)
        return self._fold(ops.POW_C, other)

    def __rpow__(self, other: Number) -> Value:
        """∂(c**a)/∂a = c**a · ln c"""
        c = as_float(other)
        if c is None:
            return NotImplemented
        if c <= 0.0:
            name = f"{self.label!r} " if self.label else ""
            raise ValueError(f"**: base {c!r} is not > 0: the exponent {name}is a Value")
        return self._apply(ops.RPOW_C, c)

    def __neg__(self) -> Value:
        """∂(−a)/∂a = −1"""
        return self._apply(ops.NEG)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        """|a|' = sign(a), 0 at 0"""
        return self._apply(ops.ABS)

    def _fold(self, op: Op, other: object) -> Value:
        """`op` with the plain number `other` folded in, after its domain check."""
        c = as_float(other)
        if c is None:
            return NotImplemented
        if op.domain is not None and (why := op.domain(self.data, c)) is not None:
            raise _domain(op, c, self, why)
        return self._apply(op, c)

    def _apply(self, op: Op, c: float | None = None) -> Value:
        """A node of the unary `op` on self (with its number `c`), no domain check: the
        derivative rules build with it where the first order gives inf (0 to a negative power)."""
        if c is None:
            y, d = op.forward(self.data)
        else:
            y, d = op.forward(self.data, c)
        return _node(y, op, self, d, None, c)

    @staticmethod
    def _sum(values: list[Value]) -> Value:
        """Σ values as one node (the n-ary `sum` without its argument checks), for rules."""
        y, d = ops.SUM.forward([v.data for v in values], 0.0)
        return _nary(y, ops.SUM, tuple(values), d, 0.0)

    # ---- the graph --------------------------------------------------------------------------

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


for _op in ops.METHODS:
    setattr(Value, _op.name, _method(_op))
del _op


def constant(x: Value | Number) -> Value:
    """`x` itself if it is a Value, else a new leaf; TypeError names anything else."""
    if isinstance(x, Value):
        return x
    return Value(x)
