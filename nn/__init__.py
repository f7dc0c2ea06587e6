"""chainrule's neural networks: MLPs and a small GPT whose every weight is an `autograd.Value`."""

from . import activations, data, datasets, init, losses, optim
from .gpt import GPT, Vocabulary
from .layers import MLP, Layer, Neuron
from .module import Module
from .optim import SGD, Adam
from .serialize import load, save
from .train import History, accuracy, fit

__all__ = [
    "GPT",
    "MLP",
    "SGD",
    "Adam",
    "History",
    "Layer",
    "Module",
    "Neuron",
    "Vocabulary",
    "accuracy",
    "activations",
    "data",
    "datasets",
    "fit",
    "init",
    "load",
    "losses",
    "optim",
    "save",
]
