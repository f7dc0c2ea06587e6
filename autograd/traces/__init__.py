"""Evaluation traces and forward mode: the rows of a computation as the textbooks tabulate them
(`trace`: `Trace`, `Adjoint`, `Tangent`; `record` takes them in program or evaluation order;
`tables` writes them as text, Markdown, LaTeX and HTML; `replay` writes them as Python), and
Jacobian-vector products beside reverse mode (`forward`: `jvp`, `jacobian`)."""

from .forward import Jacobian, jacobian, jvp
from .trace import Adjoint, Tangent, Trace, trace

__all__ = ["Adjoint", "Jacobian", "Tangent", "Trace", "jacobian", "jvp", "trace"]
