"""Neurons, layers and MLPs built from `Value`s, in the notes' notation.

Layer l computes z^l = W^l a^{l−1} + b^l and a^l = h(z^l), with a^0 = x. Row i of W^l holds
the weights of neuron i, column j the weights on input j; parameters are named and labelled
`W{l}[i,j]` and `b{l}[i]`, layers counted from 1.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import autograd
from autograd import Value
from autograd.arguments import positive_int

from . import activations as _activations
from . import init as _init
from .module import Module

Input = Sequence["Value | float"]


def _inputs(x: Input, nin: int, who: str) -> list:
    """x as a list of nin items; ValueError with the lengths otherwise."""
    if isinstance(x, (Value, int, float, str, bytes)) or not hasattr(x, "__len__"):
        raise TypeError(
            f"{who} takes a list of {nin} inputs (floats or Values), not {type(x).__name__}"
        )
    if len(x) != nin:
        raise ValueError(f"{who} takes {nin} inputs, got {len(x)}")
    return list(x)


class Neuron(Module):
    """a = h(w·x + b): one `dot` node for w·x, one `+` for the bias, then the activation."""

    def __init__(
        self,
        nin: int,
        activation: str = "tanh",
        init: str | _init.Initialiser = "xavier_normal",
        rng: random.Random | None = None,
        nout: int = 1,
    ) -> None:
        self.nin = positive_int("nin", nin)
        positive_int("nout", nout)
        self._h = _activations.get(activation)
        self.activation = activation
        draw = _init.get(init)
        rng = rng if rng is not None else random.Random()
        self.w = [Value(float(draw(nin, nout, rng))) for _ in range(nin)]
        self.b = Value(0.0)
        self._rename([f"w[{j}]" for j in range(nin)], "b")

    def _rename(self, w_names: list[str], b_name: str) -> None:
        """Name the parameters and set their labels to the same names."""
        self._w_names = w_names
        self._b_name = b_name
        for w, name in zip(self.w, w_names, strict=True):
            w.label = name
        self.b.label = b_name

    def linear(self, x: Input) -> Value:
        """z = Σⱼ wⱼxⱼ + b (no activation)."""
        return autograd.dot(self.w, x) + self.b

    def __call__(self, x: Input) -> Value:
        """a = h(z), z = Σⱼ wⱼxⱼ + b; the nodes labelled z and a for drawings."""
        z = self.linear(_inputs(x, len(self.w), "Neuron"))
        z.label = "z"
        a = self._h.value(z)
        a.label = "a" if a is not z else "a = z"
        self._last = (z, a)
        return a

    def clusters(self, title: str = "neuron", z: Value | None = None, a: Value | None = None):
        """A box for `draw(..., clusters=)` around this neuron's w, b, w·x, z and a (of its
        last call, unless given)."""
        z, a = (z, a) if z is not None else getattr(self, "_last", (None, None))
        values = [*self.w, self.b]
        if z is not None:
            values += [*z.parents, z, a]
        return autograd.Cluster(title, values)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [*zip(self._w_names, self.w, strict=True), (self._b_name, self.b)]

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


class Layer(Module):
    """z = W a + b, a = h(z) for `nout` neurons on `nin` inputs; keeps z and a of its last call.

    `activation="softmax"` (for an output layer) computes z linearly and a = softmax(z).
    `index` is the layer's number l in an MLP, used in the names `W{l}[i,j]`, `b{l}[i]`.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "tanh",
        init: str | _init.Initialiser = "xavier_normal",
        rng: random.Random | None = None,
        *,
        index: int | None = None,
    ) -> None:
        self.nin = positive_int("nin", nin)
        self.nout = positive_int("nout", nout)
        self.activation = activation
        unit = "linear" if activation == "softmax" else activation
        _activations.get(unit)
        rng = rng if rng is not None else random.Random()
        self.neurons = [Neuron(nin, unit, init, rng, nout) for _ in range(nout)]
        self.z: list[Value] = []
        self.a: list[Value] = []
        self.index = index
        self._rename(index)

    def _rename(self, index: int | None) -> None:
        l = "" if index is None else str(index)  # noqa: E741 - the notes' layer index
        self.index = index
        for i, n in enumerate(self.neurons):
            n._rename([f"W{l}[{i},{j}]" for j in range(self.nin)], f"b{l}[{i}]")
        # the labels of z and a, made once here rather than on every call
        self._z_names = [f"z{l}[{i}]" for i in range(self.nout)]
        same = self.activation == "linear"  # then a is z itself: one node, both names
        self._a_names = [
            f"a{l}[{i}] = z{l}[{i}]" if same else f"a{l}[{i}]" for i in range(self.nout)
        ]

    @property
    def W(self) -> list[list[Value]]:
        """W^l as rows: W[i][j] is the weight of neuron i on input j."""
        return [n.w for n in self.neurons]

    @property
    def b(self) -> list[Value]:
        """b^l: b[i] is the bias of neuron i."""
        return [n.b for n in self.neurons]

    def __call__(self, x: Input) -> list[Value]:
        """a^l = h(W^l a^{l−1} + b^l), one Value per neuron."""
        x = _inputs(x, self.nin, f"Layer {self.index}" if self.index else "Layer")
        z = [n.linear(x) for n in self.neurons]
        if self.activation == "softmax":
            a = autograd.softmax(z)
        else:
            h = self.neurons[0]._h.value
            a = [h(zi) for zi in z]
        for v, name in zip(z, self._z_names):
            v.label = name
        for v, name in zip(a, self._a_names):
            v.label = name
        self.z, self.a = z, a
        return a

    def clusters(self):
        """A box for `draw(..., clusters=)` around this layer, holding one box per neuron."""
        l = "" if self.index is None else str(self.index)  # noqa: E741 - the notes' layer index
        have = len(self.z) == self.nout
        inner = [
            n.clusters(f"neuron {l}[{i}]", *((self.z[i], self.a[i]) if have else (None, None)))
            for i, n in enumerate(self.neurons)
        ]
        return autograd.Cluster(f"layer {l}".strip(), (), inner)

    def named_parameters(self) -> list[tuple[str, Value]]:
        ws = [pair for n in self.neurons for pair in zip(n._w_names, n.w, strict=True)]
        return ws + [(n._b_name, n.b) for n in self.neurons]

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r})"


class MLP(Module):
    """A multilayer perceptron: `layers[l-1]` is the notes' layer l, counted from 1.

    Hidden layers use `activation`, the last layer `output_activation` (which may be
    "softmax"). `seed` fixes the initial weights through a private `random.Random`.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "tanh",
        output_activation: str = "linear",
        init: str | _init.Initialiser = "xavier_normal",
        seed: int | None = None,
    ) -> None:
        self.nin = positive_int("nin", nin)
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"nouts must be a non-empty list of layer sizes, not {nouts!r}")
        self.nouts = [positive_int(f"nouts[{k}]", n) for k, n in enumerate(nouts)]
        _activations.get(activation)
        if output_activation != "softmax":
            _activations.get(output_activation)
        _init.get(init)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"seed must be an int or None, not {seed!r}")
        self.activation = activation
        self.output_activation = output_activation
        self.init = init
        self.seed = seed
        rng = random.Random(seed)
        sizes = [self.nin, *self.nouts]
        last = len(self.nouts)
        self.layers = [
            Layer(
                sizes[l - 1],
                sizes[l],
                output_activation if l == last else activation,
                init,
                rng,
                index=l,
            )
            for l in range(1, last + 1)  # noqa: E741 - the notes' layer index
        ]

    def __call__(self, x: Input) -> list[Value]:
        """y = a^L, with a^0 = x and a^l = h(W^l a^{l−1} + b^l); always a list."""
        a = _inputs(x, self.nin, "MLP")
        for layer in self.layers:
            a = layer(a)
        return a

    def clusters(self) -> list:
        """Boxes for `draw(..., clusters=)`: one per layer, in it one per neuron."""
        return [layer.clusters() for layer in self.layers]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [pair for layer in self.layers for pair in layer.named_parameters()]

    def __repr__(self) -> str:
        return (
            f"MLP({self.nin}, {self.nouts}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r}, init={self.init!r}, seed={self.seed!r})"
        )


__all__ = ["MLP", "Layer", "Neuron"]
