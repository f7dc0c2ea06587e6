"""Pictures of a computation graph: every value with its label, data and grad, every op as its own
node, and on each edge the local derivative ∂z/∂x that the chain rule multiplies along it.

`draw(root)` gives a `Graph` (DOT text, SVG, files, inline in Jupyter); `draw_backward(root)` gives
one frame per step of the backward pass and an HTML player for them. Nodes are named by their
position in `topological_order(root)`, so the same expression always gives the same DOT.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import math
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

import graphviz

from . import foreign, render
from .backward import Step, backward_steps
from .files import write_atomic
from .order import topological_order
from .value import Value

RANKDIRS = ("LR", "RL", "TB", "BT")
_PLAYERS = itertools.count(1)
SAVE_SUFFIXES = (".svg", ".dot", ".gv", ".png", ".pdf")
HOT = "#d62728"  # paths from a highlighted value to the root; the step backward is at
CURRENT_FILL = "#ffe599"
PENDING = "#9e9e9e"  # nodes backward has not reached yet
OP_FILL = "#eeeeee"


def _escape_table(record: bool) -> dict[int, str]:
    table = {c: f"\\\\x{c:02x}" for c in range(0x20)}  # control characters, shown as \x0b
    table |= {0xFFFE: "\\\\ufffe", 0xFFFF: "\\\\uffff"}  # not allowed in XML
    table[ord("\n")] = "\\n"  # DOT's line break
    table[ord("\\")] = "\\\\"
    table[ord("&")] = "&amp;"  # else Graphviz decodes entities such as &lt;
    if record:
        table |= {ord(c): "\\" + c for c in "{}|<>"}
    table[ord("\t")] = "&#9;" if record else "\t"  # records drop tabs
    return table


_RECORD = _escape_table(record=True)
_PLAIN = _escape_table(record=False)


_BLANKS = re.compile(r"^ +| +$| {2,}")  # blanks a record would drop or merge


def _record_text(text: str) -> str:
    """`text` as one field of a record label that Graphviz prints verbatim."""
    field = _BLANKS.sub(lambda m: "&#32;" * len(m[0]), text.translate(_RECORD))
    # A record whose first field opens with a line break corrupts Graphviz's memory (seen in
    # the wasm build: a trap on a later render), so such a field starts with a blank.
    return "&#32;" + field if field.startswith("\\n") else field


def _plain_label(text: str) -> str:
    """`text` as a quoted DOT label printed verbatim (`"` is left to graphviz's quoting)."""
    return graphviz.nohtml(text.translate(_PLAIN))


def _num(x: float) -> str:
    """A number for a label: four decimals in the everyday range, scientific outside it."""
    if not math.isfinite(x):
        return repr(x)
    if x == 0 or 1e-4 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.4e}"


def _name(v: Value) -> str:
    who = repr(v.label) if v.label else f"the {v.op!r} node" if v.op else "a leaf"
    return f"{who} (data {_num(v.data)})"


class _Hot(NamedTuple):
    """What to colour, by position in the topological order: value nodes, op nodes, the
    edges (i, k) from parent k into op i, and the edges op i → value i."""

    values: frozenset[int] = frozenset()
    ops: frozenset[int] = frozenset()
    in_edges: frozenset[tuple[int, int]] = frozenset()
    out_edges: frozenset[int] = frozenset()


_COLD = _Hot()
_COMMENTS = re.compile(r"<!--.*?-->\n?", flags=re.S)


def _dot(
    order: Sequence[Value],
    *,
    rankdir: str,
    grads: Sequence[float] | None,
    show_local_grads: bool,
    hot: _Hot = _COLD,
    current: int | None = None,
    sent: Sequence[float] = (),
    pending: frozenset[int] = frozenset(),
    caption: str = "",
) -> tuple[str, int, int]:
    """DOT text for the values in `order` and the ops that made them; node and edge counts."""
    index = {v: i for i, v in enumerate(order)}
    g = graphviz.Digraph(
        graph_attr={"rankdir": rankdir},
        node_attr={"fontsize": "12"},
        edge_attr={"fontsize": "10"},
    )
    if caption:
        g.attr(label=_plain_label(caption), labelloc="t", fontsize="12")
    braces = rankdir in ("LR", "RL")  # keeps label | data | grad side by side either way
    nodes = edges = 0
    for i, v in enumerate(order):
        fields = [_record_text(v.label)] if v.label else []
        fields.append(f"data {_num(v.data)}")
        if grads is not None:
            fields.append(f"grad {_num(grads[i])}")
        body = " | ".join(fields)
        style = {}
        if i in hot.values:
            style = {"color": HOT, "fontcolor": HOT, "penwidth": "2"}
        elif i in pending:
            style = {"color": PENDING, "fontcolor": PENDING}
        if i == current:
            style |= {"style": "filled", "fillcolor": CURRENT_FILL}
        g.node(
            f"n{i}",
            graphviz.nohtml("{ " + body + " }" if braces else body),
            shape="record",
            **style,
        )
        nodes += 1
        if not v.op:
            continue
        op_style = {"style": "filled", "fillcolor": CURRENT_FILL if i == current else OP_FILL}
        if i in hot.ops:
            op_style |= {"color": HOT, "fontcolor": HOT, "penwidth": "2"}
        g.node(f"op{i}", _plain_label(v.op), shape="ellipse", margin="0.05,0.02", **op_style)
        nodes += 1
        for k, (p, d) in enumerate(zip(v.parents, v.local_grads, strict=True)):
            attrs = {}
            if show_local_grads:
                label = _num(d)
                if i == current:
                    label = f"{_num(grads[i])} × {label} = {_num(sent[k])}"  # type: ignore[index]
                attrs["label"] = _plain_label(label)
            if (i, k) in hot.in_edges:
                attrs |= {"color": HOT, "fontcolor": HOT, "penwidth": "2"}
            g.edge(f"n{index[p]}", f"op{i}", **attrs)
        out = {"color": HOT, "penwidth": "2"} if i in hot.out_edges else {}
        g.edge(f"op{i}", f"n{i}", **out)
        edges += len(v.parents) + 1
    return g.source, nodes, edges


def _count_values(root: Value) -> int:
    """Number of values in the graph of `root`, by a plain iterative walk."""
    seen = {root}
    stack = [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return len(seen)


def _check(root: object, rankdir: str, max_nodes: object, caller: str) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"{caller}() takes a Value, not {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, not {rankdir!r}")
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int, not {max_nodes!r}")
    n = _count_values(root)
    if n > max_nodes:
        raise ValueError(
            f"{caller}(): the graph has {n} values, more than max_nodes={max_nodes}; draw a "
            f"sub-expression (e.g. one neuron's output) or raise the limit with max_nodes={n}"
        )


def _highlight(order: Sequence[Value], sources: Iterable[Value]) -> _Hot:
    """Every node and edge on a path from a value in `sources` to the root (the last in order)."""
    marked: set[Value] = set(sources)
    values, ops, in_edges = set(), set(), set()
    for i, v in enumerate(order):  # parents come first, so one forward sweep suffices
        hot_parents = [k for k, p in enumerate(v.parents) if p in marked]
        if hot_parents:
            marked.add(v)
            ops.add(i)
            in_edges.update((i, k) for k in hot_parents)
        if v in marked:
            values.add(i)
    return _Hot(frozenset(values), frozenset(ops), frozenset(in_edges), frozenset(ops))


def _highlight_values(highlight: Value | Iterable[Value] | None, graph: set[Value]) -> list[Value]:
    if highlight is None:
        return []
    items = [highlight] if isinstance(highlight, Value) else highlight
    try:
        items = list(items)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"highlight takes a Value or a list of Values, not {type(highlight).__name__}"
        ) from None
    for h in items:
        if not isinstance(h, Value):
            raise TypeError(f"highlight takes Values, not {type(h).__name__}: {h!r}")
        if h not in graph:
            raise ValueError(f"highlight: {h!r} is not in the graph being drawn")
    return items


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
    _check(root, rankdir, max_nodes, "draw")
    order = topological_order(root)
    sources = _highlight_values(highlight, set(order))
    hot = _highlight(order, sources) if sources else _COLD
    grads = [v.grad for v in order] if show_grad else None
    source, nodes, edges = _dot(
        order, rankdir=rankdir, grads=grads, show_local_grads=show_local_grads, hot=hot
    )
    return Graph(source, nodes, edges)


class BackwardFrames:
    """The backward pass as pictures: `frames[t]` is the SVG after `steps[t]`."""

    def __init__(self, steps: list[Step], sources: list[str], captions: list[str]) -> None:
        self.steps = steps
        self.sources = sources
        self.captions = captions
        self.frames = [render.svg(s) for s in sources]

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return f"<BackwardFrames: {len(self)} steps>"

    def _repr_html_(self) -> str:
        """A self-contained player: a slider and prev/next buttons over the frames."""
        # Unique on a page (players of one kernel are numbered), yet the same on every run of a
        # notebook, so that re-executed notebooks differ only where their content does.
        digest = hashlib.sha1("".join(self.sources).encode("utf-8")).hexdigest()[:10]
        pid = f"autograd-backward-{digest}-{next(_PLAYERS)}"
        frames = []
        for t, (svg, caption) in enumerate(zip(self.frames, self.captions, strict=True)):
            hidden = "" if t == 0 else ' style="display:none"'
            svg = _COMMENTS.sub("", svg[svg.index("<svg") :])  # inline: no prolog, no comments
            # Graphviz names elements node1, edge1, ... in every frame; make them unique.
            svg = svg.replace(' id="', f' id="{pid}-{t}-')
            frames.append(
                f'<div id="{pid}-frame-{t}" data-caption="{html.escape(caption)}"{hidden}>'
                f"{svg}</div>"
            )
        n = len(frames)
        return f"""<div id="{pid}" class="autograd-backward">
<div style="display:flex;align-items:center;gap:0.5em">
<button type="button" id="{pid}-prev">&#9664; prev</button>
<input type="range" id="{pid}-slider" min="0" max="{n - 1}" value="0" step="1">
<button type="button" id="{pid}-next">next &#9654;</button>
<span id="{pid}-caption">{html.escape(self.captions[0])}</span>
</div>
{"".join(frames)}
</div>
<script>
(function () {{
  var pid = "{pid}", n = {n};
  var slider = document.getElementById(pid + "-slider");
  var prev = document.getElementById(pid + "-prev");
  var next = document.getElementById(pid + "-next");
  var caption = document.getElementById(pid + "-caption");
  function show(k) {{
    k = Math.max(0, Math.min(n - 1, k));
    for (var t = 0; t < n; t++) {{
      document.getElementById(pid + "-frame-" + t).style.display = t === k ? "" : "none";
    }}
    slider.value = k;
    caption.textContent = document.getElementById(pid + "-frame-" + k).dataset.caption;
    prev.disabled = k === 0;
    next.disabled = k === n - 1;
  }}
  slider.addEventListener("input", function () {{ show(parseInt(slider.value, 10)); }});
  prev.addEventListener("click", function () {{ show(parseInt(slider.value, 10) - 1); }});
  next.addEventListener("click", function () {{ show(parseInt(slider.value, 10) + 1); }});
  show(0);
}})();
</script>"""


def draw_backward(
    root: Value,
    grad: float = 1.0,
    rankdir: str = "LR",
    show_local_grads: bool = True,
    max_nodes: int = 60,
) -> BackwardFrames:
    """One frame per step of `backward_steps(root)`: the node being visited and the edges to its
    parents highlighted, each edge showing grad × local derivative = what it sends; grads are
    those accumulated so far (grey: not final yet). `.grad` on the nodes is untouched."""
    _check(root, rankdir, max_nodes, "draw_backward")
    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    steps = list(backward_steps(root, grad))
    received = [0.0] * len(order)
    pending = set(range(len(order)))
    sources, captions = [], []
    for t, step in enumerate(steps):
        c = index[step.node]
        received[c] = step.grad
        pending.discard(c)
        for p, sent in zip(step.node.parents, step.contributions, strict=True):
            received[index[p]] += sent
        caption = f"step {t + 1} of {len(steps)}: {_name(step.node)} has its grad {_num(step.grad)}"
        if step.node.parents:
            caption += "; it sends grad × local derivative to each input"
        hot = _Hot(
            values=frozenset({c}),
            ops=frozenset({c}) if step.node.op else frozenset(),
            in_edges=frozenset((c, k) for k in range(len(step.node.parents))),
            out_edges=frozenset({c}),
        )
        source, _, _ = _dot(
            order,
            rankdir=rankdir,
            grads=received,
            show_local_grads=show_local_grads,
            hot=hot,
            current=c,
            sent=step.contributions,
            pending=frozenset(pending),
            caption=caption,
        )
        sources.append(source)
        captions.append(caption)
    return BackwardFrames(steps, sources, captions)
