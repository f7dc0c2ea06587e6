"""Activation functions h(z): for each name, the Value op, the float function and h'(z).

The float pair lets the notes' δ rules (δ = h'(z) ⊙ …) be computed without building a graph;
h and h' are the op table's own floats (`autograd.ops`), so σ is written once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from autograd import Value, ops
from autograd.arguments import lookup
from autograd.ops import sigmoid, softplus

LEAKY_SLOPE = 0.01


class Activation(NamedTuple):
    """One row of the table: h on Values, h on floats, and h' on floats."""

    value: Callable[[Value], Value]
    f: Callable[[float], float]
    df: Callable[[float], float]


def _d(op: ops.Op) -> Callable[[float], float]:
    """h'(z) from the op table: the local derivative the engine stores for h."""
    return lambda z: op.forward(z)[1]


ACTIVATIONS: dict[str, Activation] = {
    # linear: h(z) = z, h'(z) = 1; a is z itself, no extra node in the graph
    "linear": Activation(lambda z: z, lambda z: z, lambda z: 1.0),
    # relu: h(z) = max(0, z), h'(z) = 1 for z > 0 else 0
    "relu": Activation(Value.relu, lambda z: max(z, 0.0), _d(ops.RELU)),
    # leaky_relu: h(z) = z for z > 0 else 0.01·z
    "leaky_relu": Activation(
        lambda z: z.leaky_relu(LEAKY_SLOPE),
        lambda z: z if z > 0 else LEAKY_SLOPE * z,
        lambda z: ops.LEAKY_RELU.forward(z, LEAKY_SLOPE)[1],
    ),
    # tanh: h'(z) = 1 − tanh²(z)
    "tanh": Activation(Value.tanh, math.tanh, _d(ops.TANH)),
    # sigmoid: σ'(z) = σ(z)(1 − σ(z))
    "sigmoid": Activation(Value.sigmoid, sigmoid, _d(ops.SIGMOID)),
    # softplus: h(z) = ln(1 + e^z), h'(z) = σ(z)
    "softplus": Activation(Value.softplus, softplus, sigmoid),
}

# softmax couples the units of a layer, so only a Layer (the output layer) can use it.
OUTPUT_ONLY = ("softmax",)


def get(name: str) -> Activation:
    """The table row for `name`; ValueError listing the known names otherwise."""
    if name in OUTPUT_ONLY:
        raise ValueError(
            f"activation {name!r} couples the units of a layer: use it as a Layer's or an "
            f"MLP's output_activation; per-unit activations are: {', '.join(ACTIVATIONS)}"
        )
    try:
        return lookup("activation", name, ACTIVATIONS)
    except ValueError as e:
        raise ValueError(f"{e} (and softmax for an output layer)") from None


__all__ = ["ACTIVATIONS", "LEAKY_SLOPE", "Activation", "get", "sigmoid", "softplus"]
