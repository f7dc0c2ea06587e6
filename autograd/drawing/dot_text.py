"""DOT text for a computation graph: every value a record (label | data | grad), every op its own
node, and on each edge the local derivative ∂z/∂x that the chain rule multiplies along it.

Nodes are named by their position in `topological_order(root)` (`n3` for value 3, `op3` for the
op that made it), so the same expression always gives the same DOT. Labels are escaped so that
Graphviz prints them verbatim; `Hot` says which nodes and edges to colour.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import graphviz

from .. import ops
from ..arguments import positive_int
from ..value import Value
from . import render

RANKDIRS = ("LR", "RL", "TB", "BT")
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


def record_text(text: str) -> str:
    """`text` as one field of a record label that Graphviz prints verbatim."""
    # Every blank as an entity: a record drops leading and trailing blanks and merges runs,
    # and Graphviz 2.43 drops a blank next to a non-ASCII character ("· × 2" became "·×2").
    field = text.translate(_RECORD).replace(" ", "&#32;")
    # A record whose first field opens with a line break corrupts Graphviz's memory (seen in
    # the wasm build: a trap on a later render), so such a field starts with a blank.
    return "&#32;" + field if field.startswith("\\n") else field


def plain_label(text: str) -> str:
    """`text` as a quoted DOT label printed verbatim (`"` is left to graphviz's quoting)."""
    return graphviz.nohtml(text.translate(_PLAIN))


def num(x: float) -> str:
    """A number for a label: four decimals in the everyday range, scientific outside it."""
    if not math.isfinite(x):
        return repr(x)
    if x == 0 or 1e-4 <= abs(x) < 1e6:
        return f"{x:.4f}"
    return f"{x:.4e}"


def drawn_op(v: Value) -> str:
    """The op that made `v` as a drawing writes it, from its op-table entry (`Op.drawn`: `1.5 − ·`,
    `· × 2`; wsum and dot both read "dot"); a learner's own nodes: their own op name."""
    op = v._op
    return op.drawn(v.param) if isinstance(op, ops.Op) else v.op


def describe(v: Value) -> str:
    """`v` in words for a caption: its label, else its op, and its data."""
    label = v.label if len(v.label) <= 1000 else v.label[:999] + "…"  # captions stay one line
    who = repr(label) if v.label else f"the {drawn_op(v)!r} node" if v.op else "a leaf"
    return f"{who} (data {num(v.data)})"


class Hot(NamedTuple):
    """What to colour, by position in the topological order: value nodes, op nodes, the
    edges (i, k) from parent k into op i, and the edges op i → value i."""

    values: frozenset[int] = frozenset()
    ops: frozenset[int] = frozenset()
    in_edges: frozenset[tuple[int, int]] = frozenset()
    out_edges: frozenset[int] = frozenset()


COLD = Hot()


class Cluster(NamedTuple):
    """A titled box around some values (and the ops that made them) in a drawing, holding
    smaller boxes: a layer of neurons, a neuron. A value is drawn in the innermost box that
    lists it, the first such box if several do."""

    title: str
    values: Sequence[Value] = ()
    inner: Sequence[Cluster] = ()


def _boxes(clusters: Sequence[Cluster], index: dict[Value, int]):
    """Each box as (id, parent id or None, title), parents first, and the box of each value."""
    boxes, home = [], {}
    stack = [(c, None) for c in reversed(clusters)]
    while stack:
        c, parent = stack.pop()
        if not isinstance(c, Cluster):
            raise TypeError(f"clusters takes Clusters, not {type(c).__name__}")
        box = len(boxes)
        boxes.append((box, parent, c.title))
        for v in c.values:
            i = index.get(v)
            if i is not None and (home.get(i) is None or home[i] == parent):
                home[i] = box
        stack += [(inner, box) for inner in reversed(c.inner)]
    return boxes, home


def dot_source(
    order: Sequence[Value],
    *,
    rankdir: str,
    grads: Sequence[float] | None,
    show_local_grads: bool,
    hot: Hot = COLD,
    sent: Mapping[int, Sequence[float]] | None = None,
    pending: frozenset[int] = frozenset(),
    caption: str = "",
    clusters: Sequence[Cluster] = (),
    ids: bool = False,
) -> tuple[str, int, int]:
    """DOT text for the values in `order` and the ops that made them; node and edge counts.
    `sent` maps the values being visited to what each sends its inputs; `ids` names nodes and
    edges in the SVG (n3, op3, e3_0 from input 0 into op3, o3 from op3 to value 3)."""
    sent = sent or {}
    index = {v: i for i, v in enumerate(order)}
    # ordering=in: an op's inputs are placed in argument order (W1[0,0] above W1[0,1])
    font = render.LAYOUT_FONT  # sized as every monospace font draws it (render.fit_texts)
    g = graphviz.Digraph(
        graph_attr={"rankdir": rankdir, "ordering": "in", "fontname": font},
        node_attr={"fontsize": "12", "fontname": font},
        edge_attr={"fontsize": "10", "fontname": font},
    )
    boxes, home = _boxes(clusters, index)
    sub = [
        graphviz.Digraph(
            name=f"cluster_{box}",
            graph_attr={"label": plain_label(title), "fontsize": "12", "style": "rounded"},
        )
        for box, _, title in boxes
    ]
    links = []  # the edges, written after every node so that nodes take their boxes' order
    if caption:
        g.attr(label=plain_label(caption), labelloc="t", labeljust="l", fontsize="12")
    braces = rankdir in ("LR", "RL")  # keeps label | data | grad side by side either way
    nodes = edges = 0
    for i, v in enumerate(order):
        fields = [render.checked_label(v.label, record_text(v.label))] if v.label else []
        fields.append(f"data {num(v.data)}")
        if grads is not None:
            fields.append(f"grad {num(grads[i])}")
        body = " | ".join(fields)
        style = {}
        if i in hot.values:
            style = {"color": HOT, "fontcolor": HOT, "penwidth": "2"}
        elif i in pending:
            style = {"color": PENDING, "fontcolor": PENDING}
        if i in sent:
            style |= {"style": "filled", "fillcolor": CURRENT_FILL}
        if ids:
            style["id"] = f"n{i}"
        box = sub[home[i]] if i in home else g
        box.node(
            f"n{i}",
            graphviz.nohtml("{ " + body + " }" if braces else body),
            shape="record",
            **style,
        )
        nodes += 1
        if not v.op:
            continue
        op_style = {"style": "filled", "fillcolor": CURRENT_FILL if i in sent else OP_FILL}
        if i in hot.ops:
            op_style |= {"color": HOT, "fontcolor": HOT, "penwidth": "2"}
        if ids:
            op_style["id"] = f"op{i}"
        box.node(
            f"op{i}", plain_label(drawn_op(v)), shape="ellipse", margin="0.05,0.02", **op_style
        )
        nodes += 1
        for k, (p, d) in enumerate(zip(v.parents, v.local_grads, strict=True)):
            attrs = {}
            if show_local_grads:
                label = num(d)
                if i in sent:
                    label = f"{num(grads[i])} × {label}\n= {num(sent[i][k])}"
                attrs["label"] = plain_label(label)
            if ids:
                attrs["id"] = f"e{i}_{k}"
            if (i, k) in hot.in_edges:
                attrs |= {"color": HOT, "fontcolor": HOT, "penwidth": "2"}
            links.append((f"n{index[p]}", f"op{i}", attrs))
        out = {"color": HOT, "penwidth": "2"} if i in hot.out_edges else {}
        if ids:
            out["id"] = f"o{i}"
        links.append((f"op{i}", f"n{i}", out))
        edges += len(v.parents) + 1
    children: list[list[int]] = [[] for _ in boxes]
    for box, parent, _ in boxes:
        if parent is not None:
            children[parent].append(box)
    for box, _, _ in reversed(boxes):  # innermost first: a box is complete when placed
        for child in children[box]:
            sub[box].subgraph(sub[child])
    for box, parent, _ in boxes:
        if parent is None:
            g.subgraph(sub[box])
    for tail, head, attrs in links:
        g.edge(tail, head, **attrs)
    return g.source, nodes, edges


def count_values(root: Value) -> int:
    """Number of values in the graph of `root`, by a plain iterative walk."""
    seen = {root}
    stack = [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return len(seen)


def check_drawable(root: object, rankdir: str, max_nodes: object, caller: str) -> None:
    """Refuse, naming the argument, what `caller` cannot draw; count values before drawing."""
    if not isinstance(root, Value):
        raise TypeError(f"{caller}() takes a Value, not {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, not {rankdir!r}")
    positive_int("max_nodes", max_nodes)
    n = count_values(root)
    if n > max_nodes:
        raise ValueError(
            f"{caller}(): the graph has {n} values, more than max_nodes={max_nodes}; draw a "
            f"sub-expression (e.g. one neuron's output) or raise the limit with max_nodes={n}"
        )


def highlight_paths(order: Sequence[Value], sources: Iterable[Value]) -> Hot:
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
    return Hot(frozenset(values), frozenset(ops), frozenset(in_edges), frozenset(ops))


def highlight_values(highlight: Value | Iterable[Value] | None, graph: set[Value]) -> list[Value]:
    """`highlight` as a list of Values of `graph`; TypeError/ValueError naming a bad one."""
    if highlight is None:
        return []
    items = [highlight] if isinstance(highlight, Value) else highlight
    try:
        items = list(items)
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
