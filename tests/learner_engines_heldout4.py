"""A fourth held-out set: engines written after the third held-out set had been run and the
checker changed for it, by someone who had not read the checker, and run once, as they are.

`ENGINES` and `MORE` list them; `tests/test_check_engine_heldout4.py` states the report each
must get. Two families: `Good` (lecture style: `_prev`, `_op`, a `_backward` closure) and
`GoodGPT` (microgpt style: `_children` and `_local_grads`, no closures, no op names), each right,
and each of the others one of them with one mistake.
"""

from __future__ import annotations

import math


def _order(root):
    """The nodes behind root, each after its inputs, by an explicit stack."""
    seen, order, stack = set(), [], [(root, False)]
    while stack:
        n, done = stack.pop()
        if done:
            order.append(n)
            continue
        if id(n) in seen:
            continue
        seen.add(id(n))
        stack.append((n, True))
        for c in n._prev:
            stack.append((c, False))
    return order


class Good:
    """Right: the lecture's engine with an iterative sort, ops built from `+ * **`."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def _w(self, o):
        return o if isinstance(o, Good) else type(self)(o)

    def __add__(self, o):
        o = self._w(o)
        out = type(self)(self.data + o.data, (self, o), "+")

        def _b():
            self.grad += out.grad
            o.grad += out.grad

        out._backward = _b
        return out

    def __radd__(self, o):
        return self + o

    def __mul__(self, o):
        o = self._w(o)
        out = type(self)(self.data * o.data, (self, o), "*")

        def _b():
            self.grad += o.data * out.grad
            o.grad += self.data * out.grad

        out._backward = _b
        return out

    def __rmul__(self, o):
        return self * o

    def __pow__(self, k):
        out = type(self)(self.data**k, (self,), f"**{k}")

        def _b():
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _b
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, o):
        return self + (-o)

    def __rsub__(self, o):
        return (-self) + o

    def __truediv__(self, o):
        return self * o**-1

    def __rtruediv__(self, o):
        return o * self**-1

    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t, (self,), "tanh")

        def _b():
            self.grad += (1 - t * t) * out.grad

        out._backward = _b
        return out

    def exp(self):
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _b():
            self.grad += out.data * out.grad

        out._backward = _b
        return out

    def log(self):
        out = type(self)(math.log(self.data), (self,), "log")

        def _b():
            self.grad += out.grad / self.data

        out._backward = _b
        return out

    def relu(self):
        out = type(self)(max(0.0, self.data), (self,), "relu")

        def _b():
            self.grad += (out.data > 0) * out.grad

        out._backward = _b
        return out

    def backward(self):
        order = _order(self)
        self.grad = 1.0
        for n in reversed(order):
            n._backward()


class TanhInput(Good):
    """tanh's derivative from the input: 1 − x² where 1 − tanh(x)² belongs."""

    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t, (self,), "tanh")

        def _b():
            self.grad += (1 - self.data**2) * out.grad

        out._backward = _b
        return out


class MulSwap(Good):
    """The product rule's factors swapped: each input gets its own value times out.grad."""

    def __mul__(self, o):
        o = self._w(o)
        out = type(self)(self.data * o.data, (self, o), "*")

        def _b():
            self.grad += self.data * out.grad
            o.grad += o.data * out.grad

        out._backward = _b
        return out


class FwdOrder(Good):
    """backward() runs the closures in topological order, inputs first: not reversed."""

    def backward(self):
        order = _order(self)
        self.grad = 1.0
        for n in order:
            n._backward()


class ExpLocalX(Good):
    """exp's backward uses the input x where exp(x) belongs."""

    def exp(self):
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _b():
            self.grad += self.data * out.grad

        out._backward = _b
        return out


class AddNoWrap(Good):
    """`__add__` does not wrap a plain number: `x + 2` reads 2.data."""

    def __add__(self, o):
        out = type(self)(self.data + o.data, (self, o), "+")

        def _b():
            self.grad += out.grad
            o.grad += out.grad

        out._backward = _b
        return out


class SubNoNeg(Good):
    """`__sub__` adds: `self + o` where `self + (-o)` belongs."""

    def __sub__(self, o):
        return self + o


class DivNoMinus(Good):
    """`__truediv__` multiplies by `o ** 1` where `o ** -1` belongs."""

    def __truediv__(self, o):
        return self * o**1


class LogNoUpstream(Good):
    """log's backward sends its local derivative alone, without out.grad."""

    def log(self):
        out = type(self)(math.log(self.data), (self,), "log")

        def _b():
            self.grad += 1 / self.data

        out._backward = _b
        return out


class ReluLeaks(Good):
    """relu's backward sends out.grad whatever the sign: 1 where 0 belongs for x < 0."""

    def relu(self):
        out = type(self)(max(0.0, self.data), (self,), "relu")

        def _b():
            self.grad += out.grad

        out._backward = _b
        return out


class GoodGPT:
    """Right: microgpt's layout, each node storing its local derivatives; ops that build
    `GoodGPT(...)` by name; an iterative sort."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, GoodGPT) else GoodGPT(other)
        return GoodGPT(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, GoodGPT) else GoodGPT(other)
        return GoodGPT(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, other):
        return GoodGPT(self.data**other, (self,), (other * self.data ** (other - 1),))

    def log(self):
        return GoodGPT(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        return GoodGPT(math.exp(self.data), (self,), (math.exp(self.data),))

    def relu(self):
        return GoodGPT(max(0, self.data), (self,), (float(self.data > 0),))

    def tanh(self):
        t = math.tanh(self.data)
        return GoodGPT(t, (self,), (1 - t * t,))

    def __neg__(self):
        return self * -1

    def __radd__(self, other):
        return self + other

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def backward(self):
        topo, visited, stack = [], set(), [(self, 0)]
        while stack:
            v, i = stack.pop()
            if i == 0:
                if v in visited:
                    continue
                visited.add(v)
            if i < len(v._children):
                stack.append((v, i + 1))
                stack.append((v._children[i], 0))
            else:
                topo.append(v)
        self.grad = 1
        for v in reversed(topo):
            for child, lg in zip(v._children, v._local_grads):
                child.grad += lg * v.grad


class GPTSwapLocal(GoodGPT):
    """`__mul__` stores its local derivatives swapped, `(self.data, other.data)`; `-`, unary -,
    `/` and the reflected ops all reach it."""

    def __mul__(self, other):
        other = other if isinstance(other, GoodGPT) else type(self)(other)
        return type(self)(self.data * other.data, (self, other), (self.data, other.data))

    def __add__(self, other):
        other = other if isinstance(other, GoodGPT) else type(self)(other)
        return type(self)(self.data + other.data, (self, other), (1, 1))

    def __pow__(self, other):
        return type(self)(self.data**other, (self,), (other * self.data ** (other - 1),))

    def tanh(self):
        t = math.tanh(self.data)
        return type(self)(t, (self,), (1 - t * t,))

    def exp(self):
        return type(self)(math.exp(self.data), (self,), (math.exp(self.data),))

    def log(self):
        return type(self)(math.log(self.data), (self,), (1 / self.data,))

    def relu(self):
        return type(self)(max(0, self.data), (self,), (float(self.data > 0),))


ENGINES = [
    Good,
    TanhInput,
    MulSwap,
    FwdOrder,
    ExpLocalX,
    AddNoWrap,
    SubNoNeg,
    DivNoMinus,
    LogNoUpstream,
    ReluLeaks,
    GoodGPT,
    GPTSwapLocal,
]


class GPTExpX(GoodGPT):
    """exp stores x where eˣ belongs; tanh, log and relu are GoodGPT's, which build GoodGPT
    nodes by name."""

    def exp(self):
        return type(self)(math.exp(self.data), (self,), (self.data,))

    def __add__(self, other):
        other = other if isinstance(other, GoodGPT) else type(self)(other)
        return type(self)(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, GoodGPT) else type(self)(other)
        return type(self)(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, other):
        return type(self)(self.data**other, (self,), (other * self.data ** (other - 1),))


class NoRmul(Good):
    """`__rmul__` taken away (set to None): `2 * x` cannot work, nor `2 / x`, whose
    `__rtruediv__` computes `o * self ** -1`."""

    __rmul__ = None


class Value(Good):
    """Named Value, as the lecture's; relu's backward tests `out.data >= 0`, so relu(x) = 0 at
    x < 0 passes out.grad on."""

    def relu(self):
        out = type(self)(max(0.0, self.data), (self,), "relu")

        def _b():
            self.grad += (out.data >= 0) * out.grad

        out._backward = _b
        return out


class PowNoUpstreamTwice(Good):
    """pow's backward sets its input's gradient with `=` where `+=` belongs."""

    def __pow__(self, k):
        out = type(self)(self.data**k, (self,), f"**{k}")

        def _b():
            self.grad = k * self.data ** (k - 1) * out.grad

        out._backward = _b
        return out


MORE = [GPTExpX, NoRmul, Value, PowNoUpstreamTwice]
