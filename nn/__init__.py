"""chainrule's neural networks: MLPs whose every weight is an `autograd.Value`."""

from . import activations, data, init, losses, optim
from .layers import MLP, Layer, Neuron
from .module import Module
from .optim import SGD, Adam
from .serialize import load, save
from .train import History, accuracy, fit

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "accuracy",
    "activations",
    "data",
    "fit",
    "init",
    "load",
    "losses",
    "optim",
    "save",
]
