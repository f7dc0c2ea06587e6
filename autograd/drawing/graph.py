"""`draw(root)`: the picture of a computation graph as a `Graph` (DOT text, SVG, files, inline
in Jupyter). The DOT comes from `dot_text`, the pictures from `render`."""

from __future__ import annotations

import base64
import html
import math
import os
import re
from collections.abc import Iterable
from pathlib import Path

from ..files import write_atomic
from ..learner import foreign
from ..learner.nodes import names as learner_names
from ..order import topological_order
from ..value import Value
from . import render
from .dot_text import COLD, Cluster, check_drawable, dot_source, highlight_paths, highlight_values

SAVE_SUFFIXES = (".svg", ".dot", ".gv", ".png", ".pdf")
MIN_LABEL_PX = 9.0  # a picture is never shrunk so far that a label is less than this high
# Graphviz's <svg width="Wpt" height="Hpt" viewBox="0 0 w h">; labels' font-size in user units
_SIZE = re.compile(
    r'<svg\b[^>]*?\swidth="([\d.]+)pt" height="[\d.]+pt"\s+viewBox="[-\d.]+ [-\d.]+ ([\d.]+)'
)
_FONT = re.compile(r'font-size="([\d.]+)"')


def picture_html(svg: str, alt: str) -> str:
    """`svg` as an `<img>` in a box of its own: as wide as the column allows up to its natural
    size, never narrower than where its smallest label is `MIN_LABEL_PX` high (the box then
    scrolls sideways). An `<img>` with a data URI, not inline `<svg>`: JupyterLab's sanitizer
    drops `<svg>` tags from untrusted HTML and keeps `<img src="data:...">`."""
    m = _SIZE.search(svg)
    width = float(m[1]) * 4 / 3 if m else 0.0  # Graphviz sizes in pt; 1 pt = 4/3 px
    style = "height:auto"
    if m and float(m[2]) > 0:
        fonts = [float(f) for f in _FONT.findall(svg)]
        smallest = min(fonts, default=14.0) * width / float(m[2])  # px at natural size
        least = width * min(1.0, MIN_LABEL_PX / smallest) if smallest > 0 else width
        style = f"width:100%;max-width:{math.ceil(width)}px;min-width:{math.ceil(least)}px;" + style
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (
        '<div style="overflow-x:auto;max-width:100%">'
        f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt)}"'
        f' width="{math.ceil(width)}" style="{style}"></div>'
    )


def mime_bundle(makers: dict, include: object = None, exclude: object = None) -> dict[str, str]:
    """IPython's `_repr_mimebundle_`: each mime type's text, honouring include and exclude,
    and made only when asked for."""
    return {
        k: make()
        for k, make in makers.items()
        if (include is None or k in include) and (exclude is None or k not in exclude)
    }


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

    def html(self) -> str:
        """The picture as HTML: an `<img>` of the SVG in a box that scrolls if it must."""
        return picture_html(self.svg(), f"Graph: {self.nodes} nodes, {self.edges} edges")

    def _repr_svg_(self) -> str:
        return self.svg()

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        """text/html (what notebook front ends show, trusted or not), image/svg+xml (for
        LaTeX/PDF and markdown exports and viewers without HTML), text/plain."""
        makers = {"text/html": self.html, "image/svg+xml": self.svg, "text/plain": self.__repr__}
        return mime_bundle(makers, include, exclude)

    def __repr__(self) -> str:
        return f"<Graph: {self.nodes} nodes, {self.edges} edges; .svg(), .save(path)>"


def draw(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local_grads: bool = True,
    highlight: Value | Iterable[Value] | None = None,
    max_nodes: int = 500,
    clusters: Cluster | Iterable[Cluster] = (),
    *,
    data: str | None = None,
    grad: str | None = None,
    children: str | None = None,
    local_grads: str | None = None,
    op: str | None = None,
    label: str | None = None,
) -> Graph:
    """The graph behind `root`: values as records (label | data | grad), ops as small nodes,
    local derivatives ∂z/∂x on the edges; `highlight` colours every path from those values to
    `root`, the paths whose products of local derivatives sum to their gradient; `clusters`
    draws boxes around values (an nn model's `.clusters()`: one per layer and per neuron).
    Graphs of more than `max_nodes` values raise ValueError (counted before anything is drawn).
    `root` may be a node of a learner's own engine (micrograd lecture or microgpt style, or
    with attributes of its own named by `data`, `grad`, `children`, `local_grads`, `op`,
    `label`): see `foreign`."""
    caption = ""
    names = {"data": data, "grad": grad, "children": children, "local_grads": local_grads}
    names |= {"op": op, "label": label}
    if not isinstance(root, Value):
        told = learner_names("draw", **names)
        root, highlight, show_local_grads, caption = foreign.for_draw(
            root, highlight, show_local_grads, max_nodes, told=told
        )
    elif any(v is not None for v in names.values()):
        given = ", ".join(k for k, v in names.items() if v is not None)
        raise TypeError(
            f"draw(): {given} name the attributes of a learner's own nodes, not of a Value"
        )
    check_drawable(root, rankdir, max_nodes, "draw")
    order = topological_order(root)
    sources = highlight_values(highlight, set(order))
    hot = highlight_paths(order, sources) if sources else COLD
    grads = [v.grad for v in order] if show_grad else None
    source, nodes, edges = dot_source(
        order,
        rankdir=rankdir,
        grads=grads,
        show_local_grads=show_local_grads,
        hot=hot,
        clusters=[clusters] if isinstance(clusters, Cluster) else list(clusters),
        caption=caption,
    )
    return Graph(source, nodes, edges)
