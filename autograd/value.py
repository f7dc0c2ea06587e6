"""`Value`: one float and its gradient, made by the ops of `autograd.ops`.

Every op looks up its entry in the op table, computes its result and local derivatives with the
entry's forward, and records them on a new node (`node.py` has the layout). Each function of one
Value (`exp`, `tanh`, …) is a one-line method applying its entry, so `grep "def tanh"` finds it
and `tests/test_ops.py` fails while an entry has no method or a method no entry. Only + − × ÷
are written out in full below: they are most of every graph, and calling the entry's forward
from them would cost ~12% of the demo step (`make bench`); a test pins them to their entries.
"""

from __future__ import annotations

import math
import numbers

from . import ops
from .backward import backward_pass, zero_grad
from .mode import fast as _fast
from .mode import state as _state
from .node import Node, write
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
    """A new node `op(a, b)` with ∂out/∂a = `da`: `b` a second parent with ∂out/∂b = `db`, or
    the number folded into the op (or None) with `db` None."""
    out = _new(Value)
    out.data = data
    out._grad = 0.0
    out.label = ""
    if _fast.plain:
        # node.write, inlined for one or two parents (most of every graph): `_b` is the second
        # input whether a parent or a number, so one assignment per slot does both
        out._op = op
        out._a = a
        out._da = da
        out._b = b
        out._db = db
        return out
    if db is None:
        return _unusual(out, op, (a,), (da,), b)
    return _unusual(out, op, (a, b), (da, db), None)


def _nary(data: float, op: Op, parents: tuple, local_grads: tuple, param: object = None) -> Value:
    """A new node of any number of parents, `local_grads[i]` = ∂out/∂parents[i]."""
    out = _new(Value)
    out.data = data
    out._grad = 0.0
    out.label = ""
    if _fast.plain and len(parents) > 2:
        # node.write, inlined for more than two parents
        out._op = op
        out._a = parents
        out._da = local_grads
        out._b = param
        out._db = None
        return out
    return _unusual(out, op, parents, local_grads, param)


def _unusual(out: Value, op: Op, parents: tuple, local_grads: tuple, param: object) -> Value:
    """`out` made off the fast path: written by `node.write`, after this thread's modes (is some
    thread in `no_grad` or `detect_anomaly`, or taking a trace?)."""
    if not _fast.plain:
        mode = _state()
        if mode.anomaly and not math.isfinite(out.data):
            inputs = ", ".join(f"{p.label or '?'}={p.data!r}" for p in parents)
            shown = op.show(param)
            raise FloatingPointError(f"op {shown!r} produced {out.data!r} from inputs ({inputs})")
        if not mode.recording:
            write(out, None)
            return out
        write(out, op, parents, local_grads, param)
        if mode.tape is not None:  # a trace of a function is being taken (`mode.taping`)
            mode.tape.append(out)
        return out
    write(out, op, parents, local_grads, param)
    return out


def _operand(v: Value) -> str:
    """`'x' = 0.0` for a labelled Value, `0.0` otherwise: for error messages."""
    return f"{v.label!r} = {v.data!r}" if v.label else repr(v.data)


def _domain(op: Op, c: object, x: Value, why: str) -> ValueError:
    name = f" {x.label!r}" if x.label else ""
    return ValueError(f"{op.show(c)}: operand{name} = {x.data!r} {why}")


class Value(Node):
    """A scalar of a computation graph: a float, its gradient, and the op that made it.

    Value(data, label="") is a leaf: `data` the number (an int or a float, kept as a float),
    `label` a name shown in drawings, traces and error messages. Every op on Values
    (+ − × ÷ **, x.tanh(), autograd.sum, …) returns a new Value that records its parents and
    the local derivative on each edge; y.backward() then adds ∂y/∂x to x.grad for every x
    that y depends on.

    Attributes: data (float), grad (float: 0.0 until a backward, then summed over backward
    calls until zero_grad()), label (str); read only: op (the op's name, "" for a leaf),
    parents, local_grads (∂self/∂parent for each parent), param (the number folded into the
    op: 2.0 for x * 2), primitive (the op's entry in autograd.ops).
    """

    __slots__ = ()
    __array_ufunc__ = None  # numpy defers to our reflected operators

    def __init__(self, data: Number, label: str = "") -> None:
        """A leaf holding `data` (an int or a float, kept as a float), named `label`."""
        x = as_float(data)
        if x is None:
            raise TypeError(f"Value() takes an int or a float, not {type(data).__name__}")
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, not {type(label).__name__}")
        self.data = x
        self._grad = 0.0
        self.label = label
        write(self, None)

    def __repr__(self) -> str:
        """Value(data, grad=…, label=…, op=…): the label and op where there are."""
        label = f", label={self.label!r}" if self.label else ""
        op = f", op={self.op!r}" if self._op is not None else ""
        return f"Value({self.data!r}, grad={self.grad!r}{label}{op})"

    def __float__(self) -> float:
        """Refused: float(v), and math.tanh(v) and its like through it, would drop the graph."""
        raise TypeError(
            "a Value is not a float: math.tanh(v) and the like would drop the graph and its "
            "gradients; v.tanh() (and every op of Value) keeps them, and v.data is the number"
        )

    # ---- + − × ÷, written out: the entries' forwards inlined (see the module docstring) ----

    def __add__(self, other: Value | Number) -> Value:
        """self + other as a new Value; local derivatives ∂(a+b)/∂a = 1, ∂(a+b)/∂b = 1"""
        if type(other) is Value:
            return _node(self.data + other.data, ADD, self, 1.0, other, 1.0)
        c = as_float(other)
        if c is None:
            return NotImplemented
        return _node(self.data + c, ADD_C, self, 1.0, c)

    __radd__ = __add__

    def __sub__(self, other: Value | Number) -> Value:
        """self − other as a new Value; local derivatives ∂(a−b)/∂a = 1, ∂(a−b)/∂b = −1"""
        if type(other) is Value:
            return _node(self.data - other.data, SUB, self, 1.0, other, -1.0)
        c = as_float(other)
        if c is None:
            return NotImplemented
        return _node(self.data - c, SUB_C, self, 1.0, c)

    def __rsub__(self, other: Number) -> Value:
        """other − self as a new Value; local derivative ∂(c−x)/∂x = −1"""
        return self._fold(ops.RSUB_C, other)

    def __mul__(self, other: Value | Number) -> Value:
        """self · other as a new Value; local derivatives ∂(a·b)/∂a = b, ∂(a·b)/∂b = a"""
        if type(other) is Value:
            return _node(self.data * other.data, MUL, self, other.data, other, self.data)
        c = as_float(other)
        if c is None:
            return NotImplemented
        return _node(self.data * c, MUL_C, self, c, c)

    __rmul__ = __mul__

    def __truediv__(self, other: Value | Number) -> Value:
        """self / other as a new Value; local derivatives ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −a/b²"""
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
        return _node(self.data / c, DIV_C, self, 1.0 / c, c)

    def __rtruediv__(self, other: Number) -> Value:
        """other / self as a new Value; local derivative ∂(c/x)/∂x = −c/x²"""
        c = as_float(other)
        if c is None:
            return NotImplemented
        if self.data == 0.0:
            raise ZeroDivisionError(f"/: division of {c!r} by {_operand(self)}")
        return self._apply(RDIV_C, c)

    # ---- the other operators, from their entries --------------------------------------------

    def __pow__(self, other: Value | Number) -> Value:
        """self ** other as a new Value; local derivatives ∂(aᵇ)/∂a = b·aᵇ⁻¹ (0 when b = 0),
        ∂(aᵇ)/∂b = aᵇ · ln a (other a Value, a > 0)"""
        if type(other) is Value:
            op = ops.POW
            why = op.domain(self.data, other.data)
            if why is not None:
                raise _domain(op, None, self, why)
            out, da, db = op.forward(self.data, other.data)
            return _node(out, op, self, da, other, db)
        return self._fold(ops.POW_C, other)

    def __rpow__(self, other: Number) -> Value:
        """other ** self as a new Value, other > 0; local derivative ∂(cˣ)/∂x = cˣ · ln c"""
        c = as_float(other)
        if c is None:
            return NotImplemented
        if c <= 0.0:
            name = f"{self.label!r} " if self.label else ""
            raise ValueError(f"**: base {c!r} is not > 0: the exponent {name}is a Value")
        return self._apply(ops.RPOW_C, c)

    def __neg__(self) -> Value:
        """−self as a new Value; local derivative ∂(−x)/∂x = −1"""
        return self._apply(ops.NEG)

    def __pos__(self) -> Value:
        """+self is self: no new node."""
        return self

    def __abs__(self) -> Value:
        """|self| as a new Value; local derivative |x|' = sign(x), 0 at 0"""
        return self._apply(ops.ABS)

    # ---- functions of one Value: each applies its entry of the op table --------------------

    def exp(self) -> Value:
        """eˣ as a new Value; local derivative exp'(x) = exp(x)"""
        return self._unary(ops.EXP)

    def log(self) -> Value:
        """ln x as a new Value (x > 0); local derivative log'(x) = 1/x"""
        return self._unary(ops.LOG)

    def sqrt(self) -> Value:
        """√x as a new Value (x ≥ 0); local derivative sqrt'(x) = 1/(2·sqrt(x)), inf at 0"""
        return self._unary(ops.SQRT)

    def sin(self) -> Value:
        """sin x as a new Value; local derivative sin'(x) = cos(x)"""
        return self._unary(ops.SIN)

    def cos(self) -> Value:
        """cos x as a new Value; local derivative cos'(x) = −sin(x)"""
        return self._unary(ops.COS)

    def tan(self) -> Value:
        """tan x as a new Value; local derivative tan'(x) = 1 + tan²(x)"""
        return self._unary(ops.TAN)

    def tanh(self) -> Value:
        """tanh x as a new Value; local derivative tanh'(x) = 1 − tanh²(x)"""
        return self._unary(ops.TANH)

    def sinh(self) -> Value:
        """sinh x = (eˣ − e⁻ˣ)/2 as a new Value; local derivative sinh'(x) = cosh(x)"""
        return self._unary(ops.SINH)

    def cosh(self) -> Value:
        """cosh x = (eˣ + e⁻ˣ)/2 as a new Value; local derivative cosh'(x) = sinh(x)"""
        return self._unary(ops.COSH)

    def asin(self) -> Value:
        """arcsin x as a new Value, |x| ≤ 1; local derivative asin'(x) = 1/√(1 − x²), inf at ±1"""
        return self._unary(ops.ASIN)

    def acos(self) -> Value:
        """arccos x as a new Value, |x| ≤ 1; local derivative acos'(x) = −1/√(1 − x²), −inf at ±1"""
        return self._unary(ops.ACOS)

    def atan(self) -> Value:
        """arctan x as a new Value; local derivative atan'(x) = 1/(1 + x²)"""
        return self._unary(ops.ATAN)

    def erf(self) -> Value:
        """erf x = 2/√π ∫₀ˣ e^{−t²} dt as a new Value; local derivative erf'(x) = 2/√π · e^{−x²}"""
        return self._unary(ops.ERF)

    def sigmoid(self) -> Value:
        """σ(x) = 1/(1 + e⁻ˣ) as a new Value; local derivative σ'(x) = σ(x)(1 − σ(x))"""
        return self._unary(ops.SIGMOID)

    def relu(self) -> Value:
        """max(x, 0) as a new Value; local derivative relu'(x) = 1 for x > 0, else 0"""
        return self._unary(ops.RELU)

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x for x > 0, else slope·x, as a new Value; local derivative
        leaky_relu'(x) = 1 for x > 0, else slope"""
        return self._unary(ops.LEAKY_RELU, slope)

    def softplus(self) -> Value:
        """ln(1 + eˣ) as a new Value; local derivative softplus'(x) = σ(x)"""
        return self._unary(ops.SOFTPLUS)

    def gelu(self) -> Value:
        """GELU(x) = x·Φ(x), exact (Φ the standard normal CDF, through erfc), as a new Value;
        local derivative GELU'(x) = Φ(x) + x·φ(x), Φ and φ the standard normal CDF and density"""
        return self._unary(ops.GELU)

    def silu(self) -> Value:
        """SiLU(x) = x·σ(x) as a new Value; local derivative SiLU'(x) = σ(x)(1 + x(1 − σ(x)))"""
        return self._unary(ops.SILU)

    # ---- how the ops above and the operators apply an entry -------------------------------

    def _unary(self, op: Op, c: object = None) -> Value:
        """`op` on self (with the number `c` folded in), after the entry's domain check."""
        x = self.data
        domain = op.domain
        if c is None:
            if domain is not None and (why := domain(x)) is not None:
                raise _domain(op, None, self, why)
            y, d = op.forward(x)
            return _node(y, op, self, d)
        if type(c) is not float:
            k = as_float(c)
            if k is None:
                raise TypeError(f"{op.name}: {op.param} must be a number, not {type(c).__name__}")
            c = k
        if domain is not None and (why := domain(x, c)) is not None:
            raise _domain(op, c, self, why)
        y, d = op.forward(x, c)
        return _node(y, op, self, d, c)

    def _fold(self, op: Op, other: object) -> Value:
        """`op` with the plain number `other` folded in; NotImplemented for anything else."""
        c = as_float(other)
        if c is None:
            return NotImplemented
        return self._unary(op, c)

    def _apply(self, op: Op, c: float | None = None) -> Value:
        """A node of the unary `op` on self (with its number `c`), no domain check: the
        derivative rules build with it where the first order gives inf (0 to a negative power)."""
        if c is None:
            y, d = op.forward(self.data)
        else:
            y, d = op.forward(self.data, c)
        return _node(y, op, self, d, c)

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


def constant(x: Value | Number) -> Value:
    """`x` itself if it is a Value, else a new leaf; TypeError names anything else."""
    if isinstance(x, Value):
        return x
    return Value(x)
