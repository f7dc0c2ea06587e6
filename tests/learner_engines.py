"""Engines written the ways learners write them, for `check_engine`'s tests.

Each reproduces a pattern seen in engines that learners published after the micrograd lecture
or microgpt (lecture copies, microgpt ports, iterative sorts, other attribute names, and the
classic slips); none is copied from one. `CORRECT` are right (zero bugs expected); `BUGGY` maps
each buggy engine to the words its report must say and the cases that must show them.

The lecture-style ones build nodes with `type(self)(...)` where a learner writes `Value(...)`,
so that a variant can override one method of `Lecture` and keep the rest; `without(cls, ...)`
makes a copy of one that lacks some methods altogether, as a learner's unfinished class does.
"""

from __future__ import annotations

import math


class Node:
    """What every lecture-style engine here derives from, so that `without` can copy one."""


def without(cls: type, *names: str) -> type:
    """A copy of `cls` (a class deriving from `Node`) that has none of the methods `names`."""
    methods: dict = {}
    for klass in reversed(cls.__mro__[:-2]):  # Node and object left out
        methods.update(vars(klass))
    for name in (*names, "__dict__", "__weakref__"):
        methods.pop(name, None)
    return type(cls.__name__, (Node,), methods)


class Lecture(Node):
    """A faithful copy of the lecture's engine: a set of children, closures, a recursive
    topological sort, tanh from exp, inner grads left as they are between backward() calls."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __repr__(self):
        return f"Value(data={self.data})"

    def __add__(self, other):
        other = other if isinstance(other, Node) else type(self)(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Node) else type(self)(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, other):
        assert isinstance(other, (int, float)), "only supporting int/float powers for now"
        out = type(self)(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += other * (self.data ** (other - 1)) * out.grad

        out._backward = _backward
        return out

    def __rmul__(self, other):
        return self * other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return other * self**-1

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return other + (-self)

    def __radd__(self, other):
        return self + other

    def tanh(self):
        x = self.data
        t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
        out = type(self)(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def exp(self):
        x = self.data
        out = type(self)(math.exp(x), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self):
        out = type(self)(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += (1 / self.data) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = type(self)(0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()


class MicroGPT:
    """A faithful copy of microgpt's engine: slots, children and local derivatives in tuples,
    a recursive topological sort, no tanh."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, MicroGPT) else type(self)(other)
        return type(self)(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, MicroGPT) else type(self)(other)
        return type(self)(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, other):
        return type(self)(self.data**other, (self,), (other * self.data ** (other - 1),))

    def log(self):
        return type(self)(math.log(self.data), (self,), (1 / self.data,))

    def exp(self):
        return type(self)(math.exp(self.data), (self,), (math.exp(self.data),))

    def relu(self):
        return type(self)(max(0, self.data), (self,), (float(self.data > 0),))

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
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._children:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1
        for v in reversed(topo):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad += local_grad * v.grad


class Iterative(Lecture):
    """The lecture's engine made complete: an explicit stack for the order, the inner nodes'
    grads set to 0 first (so a second backward() adds exactly one call's), math.tanh."""

    def tanh(self):
        t = math.tanh(self.data)
        out = type(self)(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t * t) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo, visited, stack = [], set(), [(self, False)]
        while stack:
            v, expanded = stack.pop()
            if expanded:
                topo.append(v)
            elif v not in visited:
                visited.add(v)
                stack.append((v, True))
                for child in v._prev:
                    if child not in visited:
                        stack.append((child, False))
        for v in topo:
            if v._prev:
                v.grad = 0.0
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


class ZeroFirst(Iterative):
    """Every grad, leaves too, set to 0 at the start of backward(): a policy (each call gives
    one call's gradient), as in a pull request to micrograd that made backward() idempotent."""

    def backward(self):
        topo, visited, stack = [], set(), [self]
        while stack:  # Kahn-free: a post-order from an explicit stack of (node, iterator)
            v = stack[-1]
            if v in visited:
                stack.pop()
                continue
            pending = [c for c in v._prev if c not in visited]
            if pending:
                stack.extend(pending)
            else:
                visited.add(v)
                topo.append(v)
                stack.pop()
        for v in topo:
            v.grad = 0.0
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


class Port:
    """A microgpt port with more ops (tanh, sigmoid, a direct division), an iterative sort and
    the inner grads zeroed first: right everywhere, beyond the lecture too."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(self, data, children=(), local_grads=()):
        self.data = float(data)
        self.grad = 0.0
        self._children = children
        self._local_grads = local_grads

    @staticmethod
    def lift(x):
        return x if isinstance(x, Port) else Port(x)

    def __add__(self, other):
        other = Port.lift(other)
        return Port(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = Port.lift(other)
        return Port(self.data * other.data, (self, other), (other.data, self.data))

    def __truediv__(self, other):
        other = Port.lift(other)
        q = self.data / other.data
        return Port(q, (self, other), (1 / other.data, -q / other.data))

    def __rtruediv__(self, other):
        return Port.lift(other) / self

    def __pow__(self, n):
        return Port(self.data**n, (self,), (n * self.data ** (n - 1),))

    def tanh(self):
        t = math.tanh(self.data)
        return Port(t, (self,), (1 - t * t,))

    def sigmoid(self):
        s = 1 / (1 + math.exp(-self.data))
        return Port(s, (self,), (s * (1 - s),))

    def exp(self):
        e = math.exp(self.data)
        return Port(e, (self,), (e,))

    def log(self):
        return Port(math.log(self.data), (self,), (1 / self.data,))

    def relu(self):
        return Port(max(0.0, self.data), (self,), (1.0 if self.data > 0 else 0.0,))

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-Port.lift(other))

    def __rsub__(self, other):
        return Port.lift(other) - self

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        order, seen, todo = [], set(), [(self, iter(self._children))]
        seen.add(id(self))
        while todo:
            node, kids = todo[-1]
            for kid in kids:
                if id(kid) not in seen:
                    seen.add(id(kid))
                    todo.append((kid, iter(kid._children)))
                    break
            else:
                todo.pop()
                order.append(node)
        for node in order:
            if node._children:
                node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for kid, local in zip(node._children, node._local_grads):
                kid.grad += local * node.grad


class Renamed:
    """Right, with names of its own: `.value`, `.gradient`, `._kids`, `._operation`."""

    def __init__(self, value, kids=(), operation=""):
        self.value = value
        self.gradient = 0.0
        self._kids = tuple(kids)
        self._operation = operation
        self._backward = lambda: None

    def _wrap(self, other):
        return other if isinstance(other, Renamed) else Renamed(other)

    def __add__(self, other):
        other = self._wrap(other)
        out = Renamed(self.value + other.value, (self, other), "+")

        def _backward():
            self.gradient += out.gradient
            other.gradient += out.gradient

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = self._wrap(other)
        out = Renamed(self.value * other.value, (self, other), "*")

        def _backward():
            self.gradient += other.value * out.gradient
            other.gradient += self.value * out.gradient

        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Renamed(self.value**k, (self,), f"**{k}")

        def _backward():
            self.gradient += k * self.value ** (k - 1) * out.gradient

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.value)
        out = Renamed(t, (self,), "tanh")

        def _backward():
            self.gradient += (1 - t**2) * out.gradient

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-self._wrap(other))

    def __rsub__(self, other):
        return self._wrap(other) - self

    def __truediv__(self, other):
        return self * self._wrap(other) ** -1

    def __rtruediv__(self, other):
        return self._wrap(other) * self**-1

    __radd__ = __add__
    __rmul__ = __mul__

    def backward(self):
        order, done, stack = [], set(), [self]
        while stack:
            node = stack.pop()
            if id(node) in done:
                continue
            waiting = [k for k in node._kids if id(k) not in done]
            if waiting:
                stack.append(node)
                stack.extend(waiting)
            else:
                done.add(id(node))
                order.append(node)
        for node in order:
            if node._kids:
                node.gradient = 0.0
        self.gradient = 1.0
        for node in reversed(order):
            node._backward()


class SlowSort(Iterative):
    """Right, but its topological sort scans every node for one whose inputs are all placed,
    with `in` on lists: about n³."""

    def backward(self):
        nodes, stack = [], [self]
        while stack:
            v = stack.pop()
            if v not in nodes:
                nodes.append(v)
                stack.extend(v._prev)
        topo = []
        while len(topo) < len(nodes):
            for v in nodes:
                if v not in topo and all(c in topo for c in v._prev):
                    topo.append(v)
                    break
        for v in topo:
            if v._prev:
                v.grad = 0.0
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


# ---- the classic slips, each in one method ----------------------------------------------


class SelfBackward(Iterative):
    """`self._backward = _backward` in exp: the closure lands on the input."""

    def exp(self):
        x = self.data
        out = type(self)(math.exp(x), (self,), "exp")

        def _backward():
            self.grad += out.data * out.grad

        self._backward = _backward
        return out


class PowAssign(Iterative):
    """`self.grad = ...` in pow's backward, the most common slip of published copies."""

    def __pow__(self, other):
        assert isinstance(other, (int, float)), "only supporting int/float powers for now"
        out = type(self)(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad = (other * self.data ** (other - 1)) * out.grad

        out._backward = _backward
        return out


class ReluIgnoresUpstream(Iterative):
    """relu's backward adds its local derivative alone, without out.grad."""

    def relu(self):
        x = self.data
        out = type(self)(x * int(x > 0), (self,), "relu")

        def _backward():
            self.grad += int(x > 0)

        out._backward = _backward
        return out


class NoneChildren(Iterative):
    """`__pow__` passes None for the children: the error surfaces in __init__."""

    def __pow__(self, other):
        out = type(self)(self.data**other, None, f"**{other}")

        def _backward():
            self.grad += other * self.data ** (other - 1) * out.grad

        out._backward = _backward
        return out


class AssertOtherData(Iterative):
    """`__pow__` asserts on `other.data`, as if the exponent were a node."""

    def __pow__(self, other):
        assert isinstance(other.data, (int, float)), "exponent must be a number"
        out = type(self)(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += other * self.data ** (other - 1) * out.grad

        out._backward = _backward
        return out


class PlainPow:
    """A whole engine whose power is a `pow` method: Python needs `__pow__` for `**`."""

    def __init__(self, data, _children=(), _op=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op

    def __add__(self, other):
        other = other if isinstance(other, PlainPow) else PlainPow(other)
        out = PlainPow(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, PlainPow) else PlainPow(other)
        out = PlainPow(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def pow(self, other):
        out = PlainPow(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += other * self.data ** (other - 1) * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __truediv__(self, other):
        return self * other**-1

    def backward(self):
        topo, seen, stack = [], set(), [(self, False)]
        while stack:
            v, done = stack.pop()
            if done:
                topo.append(v)
            elif v not in seen:
                seen.add(v)
                stack.append((v, True))
                stack.extend((c, False) for c in v._prev)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()


class RsubSwapped(Iterative):
    """`__rsub__` written as `__sub__`: `2 - x` computes x - 2."""

    def __rsub__(self, other):
        return self + (-other)


class ReluNoChildren(Iterative):
    """relu makes its node without children: backward never reaches x."""

    def relu(self):
        out = type(self)(0 if self.data < 0 else self.data)

        def _backward():
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out


class IntGrad(Iterative):
    """`int(...)` around what `+` sends: every gradient through `+` is cut to a whole number."""

    def __add__(self, other):
        other = other if isinstance(other, Node) else type(self)(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += int(1.0 * out.grad)
            other.grad += int(1.0 * out.grad)

        out._backward = _backward
        return out


class LogBackwardNotSet(Iterative):
    """`out._backward = _backward` indented into `_backward` itself: it never runs."""

    def log(self):
        out = type(self)(math.log(self.data), (self,), "log")

        def _backward():
            self.grad += (self.data**-1) * out.grad
            out._backward = _backward

        return out


class ExpDunder:
    """A whole engine (microgpt layout) whose exp is `__exp__`, which Python never calls."""

    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0.0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, ExpDunder) else ExpDunder(other)
        return ExpDunder(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, ExpDunder) else ExpDunder(other)
        return ExpDunder(self.data * other.data, (self, other), (other.data, self.data))

    def __exp__(self):
        e = math.exp(self.data)
        return ExpDunder(e, (self,), (e,))

    def tanh(self):
        t = math.tanh(self.data)
        return ExpDunder(t, (self,), (1 - t * t,))

    __radd__, __rmul__ = __add__, __mul__

    def backward(self):
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            v, done = stack.pop()
            if done:
                order.append(v)
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((c, False) for c in v._children)
        for v in order:
            if v._children:
                v.grad = 0.0
        self.grad = 1.0
        for v in reversed(order):
            for c, d in zip(v._children, v._local_grads):
                c.grad += d * v.grad


class SubSign(Iterative):
    """A direct `__sub__` that sends +out.grad to `other`."""

    def __sub__(self, other):
        other = other if isinstance(other, Node) else type(self)(other)
        out = type(self)(self.data - other.data, (self, other), "-")

        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad

        out._backward = _backward
        return out


class ExpLocalFromInput(Iterative):
    """exp's local derivative taken as the input, not the output."""

    def exp(self):
        x = self.data
        out = type(self)(math.exp(x), (self,), "exp")

        def _backward():
            self.grad += self.data * out.grad

        out._backward = _backward
        return out


class NoTopo(Iterative):
    """backward() without a topological order: each node runs its closure, then its
    children's backward, recursively (a node reached twice runs twice)."""

    def backward(self, first=True):
        if first:
            self.grad = 1.0
        self._backward()
        for child in self._prev:
            child.backward(False)


class MulAssign(Iterative):
    """`=` in mul's backward."""

    def __mul__(self, other):
        other = other if isinstance(other, Node) else type(self)(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad = other.data * out.grad
            other.grad = self.data * out.grad

        out._backward = _backward
        return out


class MicroAssign(MicroGPT):
    """microgpt's loop with `=`: a node used twice keeps the last amount sent."""

    __slots__ = ()

    def backward(self):
        topo, visited, stack = [], set(), [(self, False)]
        while stack:
            v, done = stack.pop()
            if done:
                topo.append(v)
            elif v not in visited:
                visited.add(v)
                stack.append((v, True))
                stack.extend((c, False) for c in v._children)
        self.grad = 1
        for v in reversed(topo):
            for child, local_grad in zip(v._children, v._local_grads):
                child.grad = local_grad * v.grad


class MicroTanhSlip(MicroGPT):
    """A microgpt port whose tanh stores 1 − x² as its local derivative (the input squared)."""

    __slots__ = ()

    def tanh(self):
        t = math.tanh(self.data)
        return type(self)(t, (self,), (1 - self.data**2,))


class RaddRecursion(Iterative):
    """`__radd__` returns `other + self`: Python asks int first, then __radd__ again."""

    def __radd__(self, other):
        return other + self


class PowTimesSlip(Iterative):
    """pow's local derivative with `*` where `**` belongs: n·x·(n−1)."""

    def __pow__(self, other):
        out = type(self)(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += (other * self.data * (other - 1)) * out.grad

        out._backward = _backward
        return out


class ReturnsFloat(Iterative):
    """`__add__` returns the float sum, not a node."""

    def __add__(self, other):
        other = other if isinstance(other, Node) else type(self)(other)
        return self.data + other.data


CORRECT = {
    Lecture: {"limits": {"tanh(800)", "backward twice", "deep chain"}},
    MicroGPT: {"limits": {"backward twice", "deep chain"}},
    Iterative: {"limits": set()},
    ZeroFirst: {"limits": set(), "policy": {"backward twice"}},
    Port: {"limits": set()},
    Renamed: {"limits": set()},
    SlowSort: {"limits": set(), "not run": {"deep chain"}},
}

# engine → (words its one bug's diagnosis must contain (a tuple: each of them), a case that must
# show it; None: an op that Python never calls, said once at the top)
BUGGY = {
    SelfBackward: (
        "your `exp` sets `self._backward` where `out._backward` belongs",
        "exp(x) + exp(x)",
    ),
    PowAssign: (
        "your `__pow__`'s backward sets the gradient with `=` instead of adding with `+=`",
        "x ** 3 + x ** 3",
    ),
    ReluIgnoresUpstream: ("your `relu`'s backward ignores out.grad", "y + y, y = relu(x)"),
    NoneChildren: (
        (
            "TypeError: 'NoneType' object is not iterable, in your `__init__`, line ",
            ": `self._prev = set(_children)`, called from your `__pow__`, line ",
        ),
        "x ** 3",
    ),
    AssertOtherData: (
        "AttributeError: 'int' object has no attribute 'data', in your `__pow__`",
        "x ** 3",
    ),
    PlainPow: ("Python calls `__pow__` for `**`", None),
    RsubSwapped: ("your `__rsub__` computes self − other", "2 - x"),
    ReluNoChildren: ("your `relu` makes its node without children", "micrograd test: sanity check"),
    IntGrad: ("your `__add__`'s backward cuts the gradient to a whole number", "lecture: neuron"),
    LogBackwardNotSet: ("`out._backward = _backward` sits inside `_backward` itself", "log(x)"),
    ExpDunder: ("has `__exp__`, which Python never calls", None),
    SubSign: ("your `__sub__`'s backward uses 1 as the local derivative for b", "a - b"),
    ExpLocalFromInput: ("(x, the input instead of exp(x))", "exp(x)"),
    NoTopo: ("visit each node once, in reverse topological order", "fan-out"),
    MulAssign: (
        "your `__mul__`'s backward sets the gradient with `=` instead of adding with `+=`",
        "a * a",
    ),
    MicroAssign: ("backward() sets each child's gradient with `=`", "a + a"),
    MicroTanhSlip: ("(1 − x², the input squared instead of the output)", "tanh(x)"),
    RaddRecursion: ("your `__radd__` calls itself without end", "2 + x"),
    PowTimesSlip: ("(n·x·(n−1): `*` where `**` belongs)", "x ** 3"),
    ReturnsFloat: ("every op must return a new ReturnsFloat", "a + b"),
}
