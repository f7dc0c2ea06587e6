"""Activation functions h(z): for each name, the Value op, the float function and h'(z).

The float pair lets tests and notebooks compare the engine's local derivative with the
formula in the notes (δ = h'(z) ⊙ …) without building a graph.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

from autograd import Value

LEAKY_SLOPE = 0.01


class Activation(NamedTuple):
    """One row of the table: h on Values, h on floats, and h' on floats."""

    value: Callable[[Value], Value]
    f: Callable[[float], float]
    df: Callable[[float], float]


def sigmoid(z: float) -> float:
    """σ(z) = 1/(1 + e^{−z}), computed without overflow for large |z|."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def softplus(z: float) -> float:
    """softplus(z) = ln(1 + e^z) = max(z, 0) + ln(1 + e^{−|z|})."""
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


ACTIVATIONS: dict[str, Activation] = {
    # linear: h(z) = z, h'(z) = 1; a is z itself, no extra node in the graph
    "linear": Activation(lambda z: z, lambda z: z, lambda z: 1.0),
    # relu: h(z) = max(0, z), h'(z) = 1 for z > 0 else 0
    "relu": Activation(Value.relu, lambda z: max(z, 0.0), lambda z: 1.0 if z > 0 else 0.0),
    # leaky_relu: h(z) = z for z > 0 else 0.01·z
    "leaky_relu": Activation(
        lambda z: z.leaky_relu(LEAKY_SLOPE),
        lambda z: z if z > 0 else LEAKY_SLOPE * z,
        lambda z: 1.0 if z > 0 else LEAKY_SLOPE,
    ),
    # tanh: h'(z) = 1 − tanh²(z)
    "tanh": Activation(Value.tanh, math.tanh, lambda z: 1.0 - math.tanh(z) ** 2),
    # sigmoid: σ'(z) = σ(z)(1 − σ(z))
    "sigmoid": Activation(Value.sigmoid, sigmoid, lambda z: sigmoid(z) * (1.0 - sigmoid(z))),
    # softplus: h(z) = ln(1 + e^z), h'(z) = σ(z)
    "softplus": Activation(Value.softplus, softplus, sigmoid),
}

# softmax couples the units of a layer, so only a Layer (the output layer) can use it.
OUTPUT_ONLY = ("softmax",)


def get(name: str) -> Activation:
    """The table row for `name`; ValueError listing the known names otherwise."""
    if isinstance(name, str) and name in ACTIVATIONS:
        return ACTIVATIONS[name]
    known = ", ".join(ACTIVATIONS)
    if name in OUTPUT_ONLY:
        raise ValueError(
            f"activation {name!r} couples the units of a layer: use it as a Layer's or an "
            f"MLP's output_activation; per-unit activations are: {known}"
        )
    raise ValueError(
        f"unknown activation {name!r}; known: {known} (and softmax for an output layer)"
    )


__all__ = ["ACTIVATIONS", "LEAKY_SLOPE", "Activation", "get", "sigmoid", "softplus"]
