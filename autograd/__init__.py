"""chainrule's engine: scalar reverse-mode automatic differentiation.

`autograd` here is chainrule's package; HIPS autograd uses the same import name, so the two
cannot share an environment.
"""

import importlib

from .backward import Step, backward_steps, zero_grad
from .check import gradcheck, numerical_grad
from .check_engine import check_engine
from .forward import Jacobian, jacobian, jvp
from .functional import grad
from .mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .order import topological_order
from .reductions import dot, logsumexp, mean, softmax, sum
from .trace import Tangent, Trace, trace
from .value import Value

# Drawing needs graphviz (and wasmtime to render): imported when first used, not on import.
_DRAWING = {"Cluster": "dot_text", "Graph": "graph", "draw": "graph", "draw_backward": "player"}


def __getattr__(name: str) -> object:
    if name in _DRAWING:
        value = getattr(importlib.import_module(f".{_DRAWING[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Cluster",
    "Graph",
    "Jacobian",
    "Step",
    "Tangent",
    "Trace",
    "Value",
    "backward_steps",
    "check_engine",
    "detect_anomaly",
    "dot",
    "draw",
    "draw_backward",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "logsumexp",
    "mean",
    "no_grad",
    "numerical_grad",
    "softmax",
    "sum",
    "topological_order",
    "trace",
    "zero_grad",
]
