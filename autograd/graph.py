"""`draw(root)`: the picture of a computation graph as a `Graph` (DOT text, SVG, files, inline
in Jupyter). The DOT comes from `autograd.dot_text`, the pictures from `autograd.render`."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from . import foreign, render, topological_order
from .dot_text import COLD, check_drawable, dot_source, highlight_paths, highlight_values
from .files import write_atomic
from .value import Value

SAVE_SUFFIXES = (".svg", ".dot", ".gv", ".png", ".pdf")


class Graph:
    """A drawn computation graph: DOT `source`, `svg()`, `save(path)`, inline in Jupyter."""

    def __init__(self, source: str, nodes: int, edges: int) -> None:
        self.source = source
        self.nodes = nodes
        self.edges = edges
        self._svg: str | None = None

    def svg(self) -> str:
        """The picture as SVG text (system `dot` if on PATH, else Graphviz compiled to wasm)."""
        if self._svg is None:
            self._svg = render.svg(self.source)
        return self._svg

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the graph in the format its suffix names: .svg, .dot/.gv, .png or .pdf."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in SAVE_SUFFIXES:
            raise ValueError(
                f"cannot save a graph as {path.name!r}: the suffix must be one of "
                f"{', '.join(SAVE_SUFFIXES)} (.png and .pdf need the system Graphviz `dot`)"
            )
        if suffix == ".svg":
            data = self.svg().encode("utf-8")
        elif suffix in (".dot", ".gv"):
            data = self.source.encode("utf-8")
        else:
            data = render.render_with_dot(self.source, suffix[1:])
        write_atomic(path, data)
        return path

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        bundle = {"image/svg+xml": self.svg(), "text/plain": repr(self)}
        return {
            k: v
            for k, v in bundle.items()
            if (include is None or k in include) and (exclude is None or k not in exclude)
        }

    def __repr__(self) -> str:
        return f"<Graph: {self.nodes} nodes, {self.edges} edges; .svg(), .save(path)>"


def draw(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local_grads: bool = True,
    highlight: Value | Iterable[Value] | None = None,
    max_nodes: int = 500,
) -> Graph:
    """The graph behind `root`: values as records (label | data | grad), ops as small nodes,
    local derivatives ∂z/∂x on the edges; `highlight` colours every path from those values to
    `root`, the paths whose products of local derivatives sum to their gradient. Graphs of more
    than `max_nodes` values raise ValueError (counted before anything is drawn). `root` may be
    a node of a learner's own engine (micrograd lecture or microgpt style): see `foreign`."""
    if not isinstance(root, Value):
        root, highlight, show_local_grads = foreign.for_draw(
            root, highlight, show_local_grads, max_nodes
        )
    check_drawable(root, rankdir, max_nodes, "draw")
    order = topological_order(root)
    sources = highlight_values(highlight, set(order))
    hot = highlight_paths(order, sources) if sources else COLD
    grads = [v.grad for v in order] if show_grad else None
    source, nodes, edges = dot_source(
        order, rankdir=rankdir, grads=grads, show_local_grads=show_local_grads, hot=hot
    )
    return Graph(source, nodes, edges)
