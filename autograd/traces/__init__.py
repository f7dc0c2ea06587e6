"""Evaluation traces and forward mode: the rows of a computation as the textbooks tabulate them
(`trace`: `Trace`, `Tangent`; `tables` writes them as text, Markdown, LaTeX and HTML), and
Jacobian-vector products beside reverse mode (`forward`: `jvp`, `jacobian`)."""

from .forward import Jacobian, jacobian, jvp
from .trace import Tangent, Trace, trace

__all__ = ["Jacobian", "Tangent", "Trace", "jacobian", "jvp", "trace"]
