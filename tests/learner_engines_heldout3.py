"""A third held-out set: engines written after the second held-out set had been run and the
checker changed for it, and run once, as they are.

`HELD_OUT` as in `learner_engines_heldout`.
"""

from __future__ import annotations

import math


def topo_sort(root):
    """Kahn's algorithm over the graph behind root: outputs before their inputs."""
    nodes, stack, seen = [], [root], {id(root)}
    while stack:
        n = stack.pop()
        nodes.append(n)
        for p in n._prev:
            if id(p) not in seen:
                seen.add(id(p))
                stack.append(p)
    users = {id(n): 0 for n in nodes}
    for n in nodes:
        for p in n._prev:
            users[id(p)] += 1
    ready, order = [root], []
    while ready:
        n = ready.pop()
        order.append(n)
        for p in n._prev:
            users[id(p)] -= 1
            if users[id(p)] == 0:
                ready.append(p)
    return order


class Kahn:
    """Right: Kahn's order from a module function, closures named `_grad_fn`, a tuple of
    inputs, inner grads zeroed first, math.tanh."""

    def __init__(self, data, prev=(), op=""):
        self.data, self.grad, self._prev, self._op = data, 0.0, tuple(prev), op
        self._grad_fn = lambda: None

    def _lift(self, x):
        return x if isinstance(x, Kahn) else type(self)(x)

    def __add__(self, other):
        other = self._lift(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _grad_fn():
            self.grad += out.grad
            other.grad += out.grad

        out._grad_fn = _grad_fn
        return out

    def __mul__(self, other):
        other = self._lift(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _grad_fn():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._grad_fn = _grad_fn
        return out

    def __pow__(self, n):
        out = type(self)(self.data**n, (self,), f"**{n}")

        def _grad_fn():
            self.grad += n * self.data ** (n - 1) * out.grad

        out._grad_fn = _grad_fn
        return out

    def exp(self):
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _grad_fn():
            self.grad += math.exp(self.data) * out.grad

        out._grad_fn = _grad_fn
        return out

    def tanh(self):
        out = type(self)(math.tanh(self.data), (self,), "tanh")

        def _grad_fn():
            self.grad += (1 - out.data**2) * out.grad

        out._grad_fn = _grad_fn
        return out

    def relu(self):
        out = type(self)(max(self.data, 0.0), (self,), "relu")

        def _grad_fn():
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._grad_fn = _grad_fn
        return out

    def log(self):
        out = type(self)(math.log(self.data), (self,), "log")

        def _grad_fn():
            self.grad += out.grad / self.data

        out._grad_fn = _grad_fn
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._lift(other))

    def __rsub__(self, other):
        return self._lift(other) - self

    def __truediv__(self, other):
        return self * self._lift(other) ** -1

    def __rtruediv__(self, other):
        return self._lift(other) * self**-1

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        order = topo_sort(self)
        for n in order:
            if n._prev:
                n.grad = 0.0
        self.grad = 1.0
        for n in order:
            n._grad_fn()


class AddSelfOnly(Kahn):
    """`+` whose backward forgets `other`."""

    def __add__(self, other):
        other = self._lift(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _grad_fn():
            self.grad += out.grad

        out._grad_fn = _grad_fn
        return out

    __radd__ = __add__


class MulOwnData(Kahn):
    """`*` whose backward multiplies by the input's own data, not the other's."""

    def __mul__(self, other):
        other = self._lift(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _grad_fn():
            self.grad += self.data * out.grad
            other.grad += other.data * out.grad

        out._grad_fn = _grad_fn
        return out

    __rmul__ = __mul__


class IntPowersOnly(Kahn):
    """Powers refused unless the exponent is an int, by an assertion that says so."""

    def __pow__(self, n):
        assert isinstance(n, int), "only int powers are supported"
        return super().__pow__(n)


class LeakyRelu(Kahn):
    """relu written as a leaky relu (slope 0.01): not 0 below 0."""

    def relu(self):
        slope = 1.0 if self.data > 0 else 0.01
        out = type(self)(self.data * slope, (self,), "relu")

        def _grad_fn():
            self.grad += slope * out.grad

        out._grad_fn = _grad_fn
        return out


class SeedZero(Kahn):
    """backward() never seeds the output's gradient with 1."""

    def backward(self):
        order = topo_sort(self)
        for n in order:
            n.grad = 0.0
        for n in order:
            n._grad_fn()


class MicroSubSign:
    """microgpt layout with a direct `__sub__` whose stored local derivatives are (1, 1)."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(self, data, children=(), local_grads=()):
        self.data, self.grad = data, 0.0
        self._children, self._local_grads = children, local_grads

    def _lift(self, o):
        return o if isinstance(o, MicroSubSign) else type(self)(o)

    def __add__(self, o):
        o = self._lift(o)
        return type(self)(self.data + o.data, (self, o), (1.0, 1.0))

    def __mul__(self, o):
        o = self._lift(o)
        return type(self)(self.data * o.data, (self, o), (o.data, self.data))

    def __sub__(self, o):
        o = self._lift(o)
        return type(self)(self.data - o.data, (self, o), (1.0, 1.0))

    def __rsub__(self, o):
        return self._lift(o) - self

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


class Touchy(Kahn):
    """Right, with a `__repr__` and a `label` that raise: nothing of the checker reads them."""

    def __repr__(self):
        raise RuntimeError("no repr")

    @property
    def label(self):
        raise RuntimeError("no label")


class ExpRecursive:
    """The lecture's layout with exp recomputed in its backward and the recursive sort: right
    within the lecture."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, ExpRecursive) else ExpRecursive(other)
        out = ExpRecursive(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, ExpRecursive) else ExpRecursive(other)
        out = ExpRecursive(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = ExpRecursive(math.exp(self.data), (self,), "exp")

        def _backward():
            self.grad += math.exp(self.data) * out.grad

        out._backward = _backward
        return out

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for c in v._prev:
                    build(c)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


HELD_OUT = {
    Kahn: {"bugs": [], "limits": set()},
    AddSelfOnly: {"bugs": [("your `__add__`'s backward sends nothing to b", "a + b")]},
    MulOwnData: {
        "bugs": [("your `__mul__`'s backward uses -3 as the local derivative for b", "a * b")]
    },
    IntPowersOnly: {"bugs": [("only int powers are supported", "x ** 0.5")]},
    LeakyRelu: {"bugs": [("your `relu` gives -0.02, expected 0", "relu(x) at x < 0")]},
    SeedZero: {"bugs": [("it must seed it with 1", "a + b")]},
    MicroSubSign: {"bugs": [("stores 1 in `_local_grads` as its local derivative for b", "a - b")]},
    Touchy: {"bugs": [], "limits": set()},
    ExpRecursive: {"bugs": [], "limits": {"backward twice", "deep chain"}},
}
