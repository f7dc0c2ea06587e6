"""Evaluation traces and forward mode: the rows of a computation as the textbooks tabulate them
(`trace`: `Trace`; `sweeps`: its `Adjoint` and `Tangent`; `record` takes a trace in program or
evaluation order; `tables` writes them as text, Markdown, LaTeX and HTML; `replay` as Python),
and Jacobian-vector products beside reverse mode (`forward`: `jvp`, `jacobian`)."""

from .forward import Jacobian, jacobian, jvp
from .sweeps import Adjoint, Tangent
from .trace import Trace, trace

__all__ = ["Adjoint", "Jacobian", "Tangent", "Trace", "jacobian", "jvp", "trace"]
