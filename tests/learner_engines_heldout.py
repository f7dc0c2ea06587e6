"""Engines written after `check_engine` was finished, which it was not tuned on: learners' ways
of writing a `Value` that the corpus (`learner_engines`) does not have, a few bugs each.

`HELD_OUT` maps each engine to the bugs it has (the words their diagnoses must contain, and a
case that must show each) and the beyond-the-lecture cases it fails as the lecture's engine
does. `tests/test_check_engine.py` counts wrong diagnoses and missed bugs over them.
"""

from __future__ import annotations

import math


class Scalar:
    """Its own names (`val`, `_parents`, `backward_fn`), the lecture's recursive sort: right."""

    def __init__(self, val, parents=()):
        self.val = val
        self.grad = 0.0
        self._parents = tuple(parents)
        self.backward_fn = lambda: None

    def of(self, x):
        return x if isinstance(x, Scalar) else type(self)(x)

    def __add__(self, other):
        other = self.of(other)
        out = type(self)(self.val + other.val, (self, other))

        def backward_fn():
            self.grad += out.grad
            other.grad += out.grad

        out.backward_fn = backward_fn
        return out

    def __mul__(self, other):
        other = self.of(other)
        out = type(self)(self.val * other.val, (self, other))

        def backward_fn():
            self.grad += other.val * out.grad
            other.grad += self.val * out.grad

        out.backward_fn = backward_fn
        return out

    def __pow__(self, k):
        out = type(self)(self.val**k, (self,))

        def backward_fn():
            self.grad += k * self.val ** (k - 1) * out.grad

        out.backward_fn = backward_fn
        return out

    def tanh(self):
        t = math.tanh(self.val)
        out = type(self)(t, (self,))

        def backward_fn():
            self.grad += (1 - t * t) * out.grad

        out.backward_fn = backward_fn
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self.of(other))

    def __rsub__(self, other):
        return self.of(other) - self

    def __truediv__(self, other):
        return self * self.of(other) ** -1

    def __rtruediv__(self, other):
        return self.of(other) / self

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        order, seen = [], set()

        def visit(node):
            if id(node) not in seen:
                seen.add(id(node))
                for p in node._parents:
                    visit(p)
                order.append(node)

        visit(self)
        self.grad = 1.0
        for node in reversed(order):
            node.backward_fn()


class DivDirect(Scalar):
    """A direct division whose derivative for the denominator lost its minus sign."""

    def __truediv__(self, other):
        other = self.of(other)
        out = type(self)(self.val / other.val, (self, other))

        def backward_fn():
            self.grad += (1 / other.val) * out.grad
            other.grad += (self.val / other.val**2) * out.grad

        out.backward_fn = backward_fn
        return out

    def __rtruediv__(self, other):
        return type(self)(other) / self


class Sig:
    """microgpt layout with sigmoid and tanh, an iterative sort; `__rtruediv__` swapped."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(self, data, children=(), local_grads=()):
        self.data, self.grad = data, 0
        self._children, self._local_grads = children, local_grads

    def __add__(self, o):
        o = o if isinstance(o, Sig) else type(self)(o)
        return type(self)(self.data + o.data, (self, o), (1, 1))

    def __mul__(self, o):
        o = o if isinstance(o, Sig) else type(self)(o)
        return type(self)(self.data * o.data, (self, o), (o.data, self.data))

    def __pow__(self, k):
        return type(self)(self.data**k, (self,), (k * self.data ** (k - 1),))

    def tanh(self):
        t = math.tanh(self.data)
        return type(self)(t, (self,), (1 - t**2,))

    def sigmoid(self):
        s = 1 / (1 + math.exp(-self.data))
        return type(self)(s, (self,), (s * (1 - s),))

    def exp(self):
        return type(self)(math.exp(self.data), (self,), (math.exp(self.data),))

    def log(self):
        return type(self)(math.log(self.data), (self,), (1 / self.data,))

    def relu(self):
        return type(self)(max(0, self.data), (self,), (int(self.data > 0),))

    def __neg__(self):
        return self * -1

    def __sub__(self, o):
        return self + (-o)

    def __rsub__(self, o):
        return o + (-self)

    def __truediv__(self, o):
        return self * o**-1

    def __rtruediv__(self, o):
        return self * o**-1  # the slip: `2 / x` computes x / 2

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        topo, stack, seen = [], [(self, 0)], set()
        while stack:
            node, i = stack.pop()
            if i < len(node._children):
                stack.append((node, i + 1))
                kid = node._children[i]
                if id(kid) not in seen:
                    stack.append((kid, 0))
            elif id(node) not in seen:
                seen.add(id(node))
                topo.append(node)
        for node in topo:
            if node._children:
                node.grad = 0
        self.grad = 1
        for node in reversed(topo):
            for kid, d in zip(node._children, node._local_grads):
                kid.grad += d * node.grad


class TanhFromInput(Scalar):
    """tanh's backward from the input: 1 − x² where 1 − tanh(x)² belongs."""

    def tanh(self):
        t = math.tanh(self.val)
        out = type(self)(t, (self,))

        def backward_fn():
            self.grad += (1 - self.val**2) * out.grad

        out.backward_fn = backward_fn
        return out


class LoopForgetsGrad(Sig):
    """microgpt's loop without `* node.grad`."""

    __slots__ = ()

    def backward(self):
        topo, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                topo.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((k, False) for k in node._children)
        self.grad = 1
        for node in reversed(topo):
            for kid, d in zip(node._children, node._local_grads):
                kid.grad += d


class TwoSlips(Scalar):
    """Two slips in one class: `=` in pow's backward, and a sign in a direct `__sub__`."""

    def __pow__(self, k):
        out = type(self)(self.val**k, (self,))

        def backward_fn():
            self.grad = k * self.val ** (k - 1) * out.grad

        out.backward_fn = backward_fn
        return out

    def __sub__(self, other):
        other = self.of(other)
        out = type(self)(self.val - other.val, (self, other))

        def backward_fn():
            self.grad += out.grad
            other.grad += out.grad

        out.backward_fn = backward_fn
        return out


class TanhViaExp(Scalar):
    """tanh built from its own exp node, as in the lecture's second form: right, but exp(1600)
    overflows at tanh(800)."""

    def exp(self):
        e = math.exp(self.val)
        out = type(self)(e, (self,))

        def backward_fn():
            self.grad += e * out.grad

        out.backward_fn = backward_fn
        return out

    def tanh(self):
        e = (2 * self).exp()
        return (e - 1) / (e + 1)


class RefCounted:
    """Kahn's order from use counts kept since the forward pass: right once, but the counts
    are spent after one backward(), so a second call sends nothing past the output."""

    def __init__(self, data, prev=()):
        self.data, self.grad, self._prev, self.uses = data, 0.0, tuple(prev), 0
        self._backward = lambda: None
        for p in prev:
            p.uses += 1

    def __add__(self, o):
        o = o if isinstance(o, RefCounted) else RefCounted(o)
        out = RefCounted(self.data + o.data, (self, o))

        def _backward():
            self.grad += out.grad
            o.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, o):
        o = o if isinstance(o, RefCounted) else RefCounted(o)
        out = RefCounted(self.data * o.data, (self, o))

        def _backward():
            self.grad += o.data * out.grad
            o.grad += self.data * out.grad

        out._backward = _backward
        return out

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        self.grad = 1.0
        ready = [self]
        while ready:
            node = ready.pop()
            node._backward()
            for p in node._prev:
                p.uses -= 1
                if p.uses == 0:
                    ready.append(p)


class NoneGrad(Scalar):
    """`grad = None` until something arrives, as PyTorch shows it: right."""

    def __init__(self, val, parents=()):
        super().__init__(val, parents)
        self.grad = None

    def _add_grad(self, g):
        self.grad = g if self.grad is None else self.grad + g

    def __add__(self, other):
        other = other if isinstance(other, Scalar) else type(self)(other)
        out = type(self)(self.val + other.val, (self, other))

        def backward_fn():
            self._add_grad(out.grad)
            other._add_grad(out.grad)

        out.backward_fn = backward_fn
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Scalar) else type(self)(other)
        out = type(self)(self.val * other.val, (self, other))

        def backward_fn():
            self._add_grad(other.val * out.grad)
            other._add_grad(self.val * out.grad)

        out.backward_fn = backward_fn
        return out

    def __pow__(self, k):
        out = type(self)(self.val**k, (self,))

        def backward_fn():
            self._add_grad(k * self.val ** (k - 1) * out.grad)

        out.backward_fn = backward_fn
        return out

    def tanh(self):
        t = math.tanh(self.val)
        out = type(self)(t, (self,))

        def backward_fn():
            self._add_grad((1 - t * t) * out.grad)

        out.backward_fn = backward_fn
        return out

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((p, False) for p in node._parents)
        for node in order:
            if node._parents:
                node.grad = None
        self.grad = 1.0
        for node in reversed(order):
            node.backward_fn()


class NegSign(Scalar):
    """A direct negation that forgets its sign in backward."""

    def __neg__(self):
        out = type(self)(-self.val, (self,))

        def backward_fn():
            self.grad += out.grad

        out.backward_fn = backward_fn
        return out


class InPlaceAdd(Scalar):
    """`+` that changes its left input and returns it, numpy-style: no new node."""

    def __add__(self, other):
        other = self.of(other)
        self.val += other.val
        return self

    __radd__ = __add__


class MulOnInput(Scalar):
    """`self.backward_fn = backward_fn` in `__mul__`."""

    def __mul__(self, other):
        other = self.of(other)
        out = type(self)(self.val * other.val, (self, other))

        def backward_fn():
            self.grad += other.val * out.grad
            other.grad += self.val * out.grad

        self.backward_fn = backward_fn
        return out


HELD_OUT = {
    Scalar: {"bugs": [], "limits": {"backward twice", "deep chain"}},
    DivDirect: {
        "bugs": [("your `__truediv__`'s backward uses", "a / b")],
        "limits": {"backward twice", "deep chain"},
    },
    Sig: {"bugs": [("your `__rtruediv__` computes self ÷ other", "2 / x")], "limits": set()},
    TanhFromInput: {
        "bugs": [("(1 − x², the input squared instead of the output)", "tanh(x)")],
        "limits": {"backward twice", "deep chain"},
    },
    LoopForgetsGrad: {
        "bugs": [
            ("backward() adds `local` where the chain rule adds `local * v.grad`", "a / b"),
            ("your `__rtruediv__` computes self ÷ other", "2 / x"),  # Sig's, inherited
        ],
        "limits": set(),
    },
    TwoSlips: {
        "bugs": [
            ("your `__pow__`'s backward sets the gradient with `=`", "x ** 3 + x ** 3"),
            ("your `__sub__`'s backward uses 1 as the local derivative for b", "a - b"),
        ],
        "limits": {"backward twice", "deep chain"},
    },
    TanhViaExp: {"bugs": [], "limits": {"tanh(800)", "backward twice", "deep chain"}},
    RefCounted: {"bugs": [("after two backward() calls", "backward twice")], "limits": set()},
    NoneGrad: {"bugs": [], "limits": set()},
    NegSign: {
        "bugs": [("your `__neg__`'s backward uses 1 as the local derivative", "-x")],
        "limits": {"backward twice", "deep chain"},
    },
    InPlaceAdd: {
        "bugs": [("your `__add__` gives back its input, changed in place", "a + b")],
        "limits": {"deep chain"},
    },
    MulOnInput: {
        "bugs": [
            ("your `__mul__` sets `self.backward_fn` where `out.backward_fn` belongs", "a / b")
        ],
        "limits": {"deep chain"},
    },
}
