"""chainrule's engine: scalar reverse-mode automatic differentiation.

`autograd` here is chainrule's package; HIPS autograd uses the same import name, so the two
cannot share an environment.
"""

from .backward import Step, backward_steps, zero_grad
from .check import gradcheck, numerical_grad
from .draw import Graph, draw, draw_backward
from .forward import Jacobian, jacobian, jvp
from .functional import grad
from .mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .order import topological_order
from .reductions import dot, logsumexp, mean, softmax, sum
from .trace import Tangent, Trace, trace
from .value import Value

__all__ = [
    "Graph",
    "Jacobian",
    "Step",
    "Tangent",
    "Trace",
    "Value",
    "backward_steps",
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
