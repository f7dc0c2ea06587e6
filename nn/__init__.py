"""chainrule's neural networks: MLPs whose every weight is an `autograd.Value`."""

from . import activations, init, losses
from .layers import MLP, Layer, Neuron
from .module import Module

__all__ = ["MLP", "Layer", "Module", "Neuron", "activations", "init", "losses"]
