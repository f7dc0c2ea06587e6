"""chainrule's engine: scalar reverse-mode automatic differentiation.

`import autograd` loads the engine only (the modules beside this file). The rest of the public
API lives in the package's rooms and is loaded on first use: the drawing (`autograd.drawing`,
which needs graphviz), traces and forward mode (`autograd.traces`), and the tools for a
learner's own engine (`autograd.learner`). `from autograd import draw` works as before.

`autograd` here is chainrule's package; HIPS autograd uses the same import name, so the two
cannot share an environment.
"""

import importlib

__version__ = "0.1.0"  # the package's version: pyproject.toml reads it from here, nn repeats it

from .backward import Step, backward_steps, zero_grad
from .functional import grad
from .gradcheck import gradcheck, numerical_grad
from .mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .order import topological_order
from .reductions import dot, logsumexp, mean, softmax, sum
from .value import Value

# name → the room that defines it, imported when the name is first asked for
ROOMS = {
    "Cluster": "drawing",
    "Graph": "drawing",
    "draw": "drawing",
    "draw_backward": "drawing",
    "Adjoint": "traces",
    "Jacobian": "traces",
    "Tangent": "traces",
    "Trace": "traces",
    "jacobian": "traces",
    "jvp": "traces",
    "trace": "traces",
    "EngineReport": "learner",
    "check_engine": "learner",
}


def __getattr__(name: str) -> object:
    if name in ROOMS:
        value = getattr(importlib.import_module(f".{ROOMS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *ROOMS])


__all__ = [
    "Adjoint",
    "Cluster",
    "EngineReport",
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
