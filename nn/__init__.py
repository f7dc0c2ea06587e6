"""chainrule's neural networks: MLPs and a small GPT whose every weight is an `autograd.Value`."""

from . import autograd_clash

autograd_clash.check()  # before anything imports `autograd`: is it chainrule's, not HIPS's?

from autograd import __version__ as __version__  # noqa: E402 - one version, both packages

from . import activations, data, datasets, init, losses, optim  # noqa: E402
from .gpt import GPT, Vocabulary  # noqa: E402
from .layers import MLP, Layer, Neuron  # noqa: E402
from .module import Module  # noqa: E402
from .optim import SGD, Adam  # noqa: E402
from .serialize import load, save  # noqa: E402
from .train import History, accuracy, fit  # noqa: E402

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
