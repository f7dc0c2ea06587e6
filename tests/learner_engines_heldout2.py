"""A second held-out set: engines written after the first held-out set had been run and the
checker changed for it, and run once, as they are, to measure it again.

`HELD_OUT` as in `learner_engines_heldout`.
"""

from __future__ import annotations

import math


class Rec:
    """A lecture-style base written the way many learners do, with its own names: `value`,
    `inputs` (a list), `op`, a closure `_bw`; iterative order, inner grads zeroed first."""

    def __init__(self, value, inputs=(), op=""):
        self.value = value
        self.grad = 0.0
        self.inputs = list(inputs)
        self.op = op
        self._bw = lambda: None

    def wrap(self, x):
        return x if isinstance(x, Rec) else type(self)(x)

    def __add__(self, other):
        other = self.wrap(other)
        out = type(self)(self.value + other.value, [self, other], "+")

        def _bw():
            self.grad += out.grad
            other.grad += out.grad

        out._bw = _bw
        return out

    def __mul__(self, other):
        other = self.wrap(other)
        out = type(self)(self.value * other.value, [self, other], "*")

        def _bw():
            self.grad += other.value * out.grad
            other.grad += self.value * out.grad

        out._bw = _bw
        return out

    def __pow__(self, p):
        out = type(self)(self.value**p, [self], f"^{p}")

        def _bw():
            self.grad += p * self.value ** (p - 1) * out.grad

        out._bw = _bw
        return out

    def tanh(self):
        t = math.tanh(self.value)
        out = type(self)(t, [self], "tanh")

        def _bw():
            self.grad += (1 - t**2) * out.grad

        out._bw = _bw
        return out

    def relu(self):
        out = type(self)(self.value if self.value > 0 else 0.0, [self], "relu")

        def _bw():
            self.grad += (self.value >= 0) * out.grad  # 1 at 0: a choice, not tested

        out._bw = _bw
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self.wrap(other))

    def __rsub__(self, other):
        return self.wrap(other) + (-self)

    def __truediv__(self, other):
        return self * self.wrap(other) ** -1

    def __rtruediv__(self, other):
        return self.wrap(other) * self**-1

    __radd__ = __add__
    __rmul__ = __mul__

    def order(self):
        topo, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                topo.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((i, False) for i in node.inputs)
        return topo

    def backward(self):
        topo = self.order()
        for node in topo:
            if node.inputs:
                node.grad = 0.0
        self.grad = 1.0
        for node in reversed(topo):
            node._bw()


class ListVisited(Rec):
    """Right, but the order keeps the visited nodes in a list: about n² in all."""

    def order(self):
        topo, visited, stack = [], [], [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                topo.append(node)
            elif not any(node is v for v in visited):
                visited.append(node)
                stack.append((node, True))
                stack.extend((i, False) for i in node.inputs)
        return topo


class PowNoUpstream(Rec):
    """pow's backward without `* out.grad`."""

    def __pow__(self, p):
        out = type(self)(self.value**p, [self], f"^{p}")

        def _bw():
            self.grad += p * self.value ** (p - 1)

        out._bw = _bw
        return out


class SubAssignsSelf(Rec):
    """A direct `__sub__` whose backward sets `self.grad` with `=` (the other side is right)."""

    def __sub__(self, other):
        other = self.wrap(other)
        out = type(self)(self.value - other.value, [self, other], "-")

        def _bw():
            self.grad = out.grad
            other.grad -= out.grad

        out._bw = _bw
        return out


class TanhNoSquare(Rec):
    """tanh's backward with 1 − t where 1 − t² belongs."""

    def tanh(self):
        t = math.tanh(self.value)
        out = type(self)(t, [self], "tanh")

        def _bw():
            self.grad += (1 - t) * out.grad

        out._bw = _bw
        return out


class ZeroAllMulAssign(Rec):
    """Every grad zeroed at the start of backward() (a policy), and `=` in mul's backward (a
    bug): the policy must not hide the bug, nor the bug pass for the policy."""

    def __mul__(self, other):
        other = self.wrap(other)
        out = type(self)(self.value * other.value, [self, other], "*")

        def _bw():
            self.grad = other.value * out.grad
            other.grad = self.value * out.grad

        out._bw = _bw
        return out

    def backward(self):
        topo = self.order()
        for node in topo:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(topo):
            node._bw()


class DoubleVisit(Rec):
    """A depth-first order without a visited set: a node reached twice is in it twice, and its
    closure runs twice."""

    def order(self):
        topo = []
        stack = [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                topo.append(node)
            else:
                stack.append((node, True))
                stack.extend((i, False) for i in node.inputs)
        return topo


class NegAsReciprocal(Rec):
    """`__neg__` as `self ** -1`: the reciprocal, not the negation."""

    def __neg__(self):
        return self**-1


class NotReversed(Rec):
    """The closures run in topological order, not reversed: inputs before their outputs."""

    def backward(self):
        topo = self.order()
        for node in topo:
            if node.inputs:
                node.grad = 0.0
        self.grad = 1.0
        for node in topo:
            node._bw()


class MicroExpInput:
    """microgpt layout whose exp stores its input as its local derivative."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(self, data, children=(), local_grads=()):
        self.data, self.grad = data, 0.0
        self._children, self._local_grads = children, local_grads

    def _lift(self, o):
        return o if isinstance(o, MicroExpInput) else type(self)(o)

    def __add__(self, o):
        o = self._lift(o)
        return type(self)(self.data + o.data, (self, o), (1.0, 1.0))

    def __mul__(self, o):
        o = self._lift(o)
        return type(self)(self.data * o.data, (self, o), (o.data, self.data))

    def exp(self):
        return type(self)(math.exp(self.data), (self,), (self.data,))

    def log(self):
        return type(self)(math.log(self.data), (self,), (1 / self.data,))

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        topo, seen, stack = [], set(), [(self, False)]
        while stack:
            v, done = stack.pop()
            if done:
                topo.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((c, False) for c in v._children)
        for v in topo:
            if v._children:
                v.grad = 0.0
        self.grad = 1.0
        for v in reversed(topo):
            for c, d in zip(v._children, v._local_grads):
                c.grad += d * v.grad


class ClassGrad(Rec):
    """`grad` a class attribute (0), each node's own only once `+=` writes it: right."""

    grad = 0.0

    def __init__(self, value, inputs=(), op=""):
        self.value, self.inputs, self.op = value, list(inputs), op
        self._bw = lambda: None


HELD_OUT = {
    Rec: {"bugs": [], "limits": set()},
    ListVisited: {"bugs": [], "limits": set()},
    PowNoUpstream: {"bugs": [("your `__pow__`'s backward ignores out.grad", "y + y, y = x ** 3")]},
    SubAssignsSelf: {
        "bugs": [("your `__sub__`'s backward sets the gradient with `=`", "(a - b) + a + b")]
    },
    TanhNoSquare: {"bugs": [("(1 − tanh(x), the square is missing)", "tanh(x)")]},
    ZeroAllMulAssign: {"bugs": [("your `__mul__`'s backward sets the gradient with `=`", "a * a")]},
    DoubleVisit: {"bugs": [("visit each node once", "fan-out")]},
    NegAsReciprocal: {"bugs": [("your `__neg__` gives", "-x")]},
    NotReversed: {"bugs": [("reverse topological order", "a - b")]},
    MicroExpInput: {"bugs": [("(x, the input instead of exp(x))", "exp(x)")]},
    ClassGrad: {"bugs": [], "limits": set()},
}
