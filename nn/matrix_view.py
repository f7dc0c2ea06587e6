"""The matrix view of an MLP's scalar graph: one node per matrix, the notes' equations on the edges.

`matrix_view(bp)` draws a `BatchPass` (`nn.batch_pass.run`) at layer level: one record per x =
a⁰, W^l, b^l, z^l, a^l, the targets t and the loss C, each with its values and its gradient as
a small matrix (one column per example, as in Z^l = [z^l_1 … z^l_N]). On each edge is what the
gradient of its head is multiplied by to give its tail's share — the matrix form of the local
derivative:

    a^{l−1} → z^l   (W^l)ᵀ ·           003-4's (W^{l+1})ᵀ δ^{l+1}, 004-18's ∂L/∂X = ∂L/∂Y Wᵀ
    W^l → z^l       · (a^{l−1})ᵀ       001-3's dC/dW^l = δ^l (a^{l−1})ᵀ, 004-18's Xᵀ ∂L/∂Y
    b^l → z^l       · 1                dC/db^l = δ^l, summed over the examples of a batch
    z^l → a^l       h'(z^l) ⊙ ·        003-3/003-4's σ'(z^l) ⊙ (softmax: J(z^l)ᵀ ·)
    a^L → C         ∇C(a^L)

`expand=[l]` draws layer l scalar by scalar instead, on the same page: every W^l[i,j], b^l[i]
and, per example, the dot, +, z and a nodes with their local derivatives, as `draw` shows them.
`highlight="W2[0,1]"` (or b, or the parameter Value) expands its layer and colours the scalar
edges whose contributions add up to that entry of dC/dW^l, with what each sends, and every path
from it to C. All numbers are the nodes' own `.data` and `.grad`: the scalar view
(`draw(bp.C)`) shows the same backward pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import graphviz

from autograd import Value, topological_order
from autograd.arguments import positive_int
from autograd.drawing import Graph
from autograd.drawing import render as _render
from autograd.drawing.dot_text import HOT, OP_FILL, drawn_op, num, plain_label, record_text

from .batch_pass import BatchPass, superscript

HOT_STYLE = {"color": HOT, "fontcolor": HOT, "penwidth": "2"}
H_NAMES = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "leaky_relu": "leaky_relu"}


class MatrixView(Graph):
    """A drawn matrix view: a `Graph` (DOT `source`, `svg()`, `save()`, inline in Jupyter) that
    also keeps the matrices it shows: `matrices[name] = (values, grads)` (grads None for t)."""

    def __init__(self, source: str, nodes: int, edges: int, matrices: dict) -> None:
        super().__init__(source, nodes, edges)
        self.matrices = matrices


def _cells(rows: Sequence[Sequence[float]]) -> list[str]:
    return ["{" + " | ".join(record_text(num(x)) for x in row) + "}" for row in rows]


def _matrix_record(
    title: str, blocks: list[tuple[str, Sequence[Sequence[float]]]], tb: bool
) -> str:
    """A record: the title above each block, a header above a grid of numbers (fields stacked
    top to bottom, each row of a grid across)."""
    fields = [record_text(title)]
    for head, rows in blocks:
        fields += [record_text(head), *_cells(rows)]
    body = " | ".join(fields)
    return "{ " + body + " }" if tb else body


def _h_prime(activation: str, l: int) -> str:  # noqa: E741
    s = superscript(l)
    if activation == "softmax":
        return f"J(z{s})ᵀ ·"
    return f"{H_NAMES.get(activation, activation)}'(z{s}) ⊙ ·"


def _param_entry(bp: BatchPass, highlight: object) -> tuple[int, str, int, int]:
    """(l, "W" or "b", i, j) of the parameter `highlight` names or is; ValueError otherwise."""
    named = bp.model.named_parameters()
    name = highlight
    if isinstance(highlight, Value):
        found = [n for n, p in named if p is highlight]
        if not found:
            raise ValueError(f"highlight: {highlight!r} is not a parameter of this model")
        name = found[0]
    if not isinstance(name, str) or name not in dict(named):
        some = ", ".join(n for n, _ in named[:4])
        raise ValueError(f"highlight must name a parameter ({some}, …), not {highlight!r}")
    kind, rest = name[0], name[1:]
    l_text, index = rest.split("[", 1)
    ij = [int(k) for k in index.rstrip("]").split(",")]
    return int(l_text), kind, ij[0], ij[1] if len(ij) > 1 else 0


def _sizes(bp: BatchPass, expanded: set[int], max_entries: int) -> None:
    """Refuse, before drawing, a matrix too big for one record or an expanded layer too big
    for a page (a record's label is at most 16,000 bytes of DOT text)."""
    n0 = len(bp.X[0])
    shapes = {"x = a⁰": (n0, bp.N)}
    for l, layer in enumerate(bp.model.layers, start=1):  # noqa: E741
        s = superscript(l)
        shapes |= {f"W{s}": (layer.nout, layer.nin), f"z{s}": (layer.nout, bp.N)}
        if l in expanded and layer.nout * (layer.nin + 4 * bp.N + 1) > max_entries:
            raise ValueError(
                f"matrix_view: layer {l} drawn scalar by scalar has about "
                f"{layer.nout * (layer.nin + 4 * bp.N + 1)} nodes, more than "
                f"max_entries={max_entries}; expand a smaller layer, or fewer examples"
            )
    for name, (rows, cols) in shapes.items():
        if rows * cols > max_entries:
            raise ValueError(
                f"matrix_view: {name} is {rows}×{cols} = {rows * cols} entries, more than "
                f"max_entries={max_entries}; draw fewer units or examples, or raise max_entries"
            )


def matrix_view(
    bp: BatchPass,
    expand: Iterable[int] = (),
    highlight: str | Value | None = None,
    rankdir: str = "TB",
    max_entries: int = 256,
) -> MatrixView:
    """The layer-level picture of `bp` (module docstring); `expand` lists layers drawn scalar by
    scalar; `highlight` a parameter whose dC/d entry is shown as the sum of its edges. A matrix
    of more than `max_entries` numbers (or an expanded layer of more nodes) raises ValueError."""
    if not isinstance(bp, BatchPass):
        raise TypeError(
            f"matrix_view takes a BatchPass (nn.batch_pass.run), not {type(bp).__name__}"
        )
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"rankdir must be TB or LR, not {rankdir!r}")
    expanded = set()
    for l in expand:  # noqa: E741
        if isinstance(l, bool) or not isinstance(l, int) or not 1 <= l <= bp.L:
            raise ValueError(f"expand takes layer numbers 1..{bp.L}, not {l!r}")
        expanded.add(l)
    target = None
    if highlight is not None:
        target = _param_entry(bp, highlight)
        expanded.add(target[0])
    positive_int("max_entries", max_entries)
    _sizes(bp, expanded, max_entries)
    return _Builder(bp, expanded, target, rankdir == "TB").build()


class _Builder:
    """Writes the DOT text of one matrix view."""

    def __init__(self, bp: BatchPass, expanded: set[int], target, tb: bool) -> None:
        self.bp, self.expanded, self.target, self.tb = bp, expanded, target, tb
        font = _render.LAYOUT_FONT
        self.g = graphviz.Digraph(
            graph_attr={"rankdir": "TB" if tb else "LR", "fontname": font, "nodesep": "0.3"},
            node_attr={"fontsize": "12", "fontname": font},
            edge_attr={"fontsize": "10", "fontname": font},
        )
        self.matrices: dict[str, tuple] = {}
        self.nodes = self.edges = 0
        self.hot: set[Value] = set()
        self.source_of: dict[Value, str] = {}  # a drawn value → the DOT node that shows it
        self.held: dict[str, set[Value]] = {"C": {bp.C}}  # a matrix node → the values it shows
        if target is not None:
            self.hot = self._paths_from(self._target_value())

    def _target_value(self) -> Value:
        l, kind, i, j = self.target  # noqa: E741
        return self.bp.W(l)[i][j] if kind == "W" else self.bp.b(l)[i]

    def _paths_from(self, source: Value) -> set[Value]:
        """Every value on a path from `source` to C (parents come first in the order)."""
        marked = {source}
        for v in topological_order(self.bp.C):
            if any(p in marked for p in v.parents):
                marked.add(v)
        return marked

    # ---- matrix nodes ---------------------------------------------------------------------

    def _matrix(
        self, name: str, title: str, nodes: list[list[Value]], grad_head: str | None
    ) -> None:
        """One record for a matrix of Values, `nodes[row][col]`."""
        values = [[v.data for v in row] for row in nodes]
        grads = [[v.grad for v in row] for row in nodes] if grad_head else None
        self.matrices[name] = (values, grads)
        blocks = [("value", values)] + ([(grad_head, grads)] if grads is not None else [])
        self.held[name] = {v for row in nodes for v in row}
        style = HOT_STYLE if self._node_hot(name) else {}
        self.g.node(
            name, graphviz.nohtml(_matrix_record(title, blocks, self.tb)), shape="record", **style
        )
        self.nodes += 1
        for row in nodes:
            for v in row:
                self.source_of.setdefault(v, name)

    def _edge(self, tail: str, head: str, label: str = "", hot: bool = False, **attrs) -> None:
        if label:
            attrs["label"] = plain_label(label)
        if hot:
            attrs |= HOT_STYLE
        self.g.edge(tail, head, **attrs)
        self.edges += 1

    # ---- scalar nodes (an expanded layer) -------------------------------------------------

    def _scalar(self, box, name: str, v: Value) -> None:
        fields = [record_text(v.label)] if v.label else []
        fields += [f"data {num(v.data)}", f"grad {num(v.grad)}"]
        body = " | ".join(fields)
        style = HOT_STYLE if v in self.hot else {}
        # label above data above grad: narrow, so that a layer's scalars fit across a page
        box.node(
            name, graphviz.nohtml("{ " + body + " }" if self.tb else body), shape="record", **style
        )
        self.nodes += 1
        self.source_of[v] = name

    def _op(self, box, name: str, v: Value) -> None:
        style = {"style": "filled", "fillcolor": OP_FILL}
        if v in self.hot:
            style |= HOT_STYLE
        box.node(name, plain_label(drawn_op(v)), shape="ellipse", margin="0.05,0.02", **style)
        self.nodes += 1

    def _into_op(self, v: Value, op_name: str, skip: Sequence[Value] = ()) -> None:
        """The edges from v's parents (already drawn, or held by a matrix node) into its op."""
        seen_matrix = set()
        for p, d in zip(v.parents, v.local_grads, strict=True):
            if p in skip:
                continue
            tail = self.source_of[p]
            hot = p in self.hot and v in self.hot
            if tail in self.matrices:  # a whole matrix feeds this op: one edge, no number
                if tail not in seen_matrix:
                    seen_matrix.add(tail)
                    self._edge(tail, op_name, hot=hot)
                continue
            label = num(d)
            if hot and self.target is not None and p is self._target_value():
                label = f"{num(v.grad)} × {num(d)}\n= {num(v.grad * d)}"
            self._edge(tail, op_name, label, hot)

    def _expanded_layer(self, l: int) -> None:  # noqa: E741
        bp = self.bp
        box = graphviz.Digraph(
            name=f"cluster_layer{l}",
            graph_attr={
                "label": plain_label(f"layer {l}, scalar by scalar"),
                "style": "rounded",
                "fontsize": "12",
            },
        )
        W, b = bp.W(l), bp.b(l)
        for i, row in enumerate(W):
            for j, w in enumerate(row):
                self._scalar(box, f"W{l}_{i}_{j}", w)
        for i, bi in enumerate(b):
            self._scalar(box, f"b{l}_{i}", bi)
        linear = bp.activation(l) == "linear"
        for n in range(bp.N):
            # a batch: each example's nodes in a dashed box of their own
            ex = box
            if bp.N > 1:
                ex = graphviz.Digraph(
                    name=f"cluster_layer{l}_n{n}",
                    graph_attr={"label": plain_label(f"example {n}"), "style": "dashed"},
                )
            pending = []
            for i, z in enumerate(bp.z[l][n]):
                wsum = z.parents[0]
                self._op(ex, f"op_dot{l}_{n}_{i}", wsum)
                self._scalar(ex, f"dot{l}_{n}_{i}", wsum)
                self._op(ex, f"op_z{l}_{n}_{i}", z)
                self._scalar(ex, f"z{l}_{n}_{i}", z)
                pending.append((wsum, f"op_dot{l}_{n}_{i}", f"dot{l}_{n}_{i}"))
                pending.append((z, f"op_z{l}_{n}_{i}", f"z{l}_{n}_{i}"))
            if not linear:
                for i, a in enumerate(bp.a[l][n]):
                    self._op(ex, f"op_a{l}_{n}_{i}", a)
                    self._scalar(ex, f"a{l}_{n}_{i}", a)
                    pending.append((a, f"op_a{l}_{n}_{i}", f"a{l}_{n}_{i}"))
            if ex is not box:
                box.subgraph(ex)
            for v, op_name, value_name in pending:
                self._into_op(v, op_name)
                self._edge(op_name, value_name, hot=v in self.hot)
        self.g.subgraph(box)

    # ---- the whole picture ---------------------------------------------------------------------

    def build(self) -> MatrixView:
        """Every layer, then the loss; the caption when an entry is highlighted."""
        bp = self.bp
        cols = lambda nodes: [list(r) for r in zip(*nodes, strict=True)]  # noqa: E731 - rows i, columns n
        self._matrix("a0", f"x = a⁰ ({len(bp.X[0])}×{bp.N})", cols(bp.X), "grad")
        for l in range(1, bp.L + 1):  # noqa: E741
            s, p = superscript(l), superscript(l - 1)
            act = bp.activation(l)
            linear = act == "linear"
            if l in self.expanded:
                self._expanded_layer(l)
            else:
                W, b = bp.W(l), bp.b(l)
                self._matrix(f"W{l}", f"W{s} ({len(W)}×{len(W[0])})", W, f"grad = ∂C/∂W{s}")
                self._matrix(f"b{l}", f"b{s} ({len(b)}×1)", [[v] for v in b], f"grad = ∂C/∂b{s}")
                z = cols(bp.z[l])
                title = f"a{s} = z{s}" if linear else f"z{s}"
                self._matrix(f"z{l}", f"{title} ({len(z)}×{bp.N})", z, f"grad = δ{s}")
                if not linear:
                    a = cols(bp.a[l])
                    self._matrix(f"a{l}", f"a{s} ({len(a)}×{bp.N})", a, f"grad = ∂C/∂a{s}")
                    self._edge(f"z{l}", f"a{l}", _h_prime(act, l), self._hot_edge(f"z{l}", f"a{l}"))
                prev = (
                    "a0"
                    if l == 1
                    else (f"z{l - 1}" if bp.activation(l - 1) == "linear" else f"a{l - 1}")
                )
                if (l - 1) in self.expanded:
                    self._from_scalars(l - 1, f"z{l}")
                else:
                    self._edge(prev, f"z{l}", f"(W{s})ᵀ ·", self._hot_edge(prev, f"z{l}"))
                self._edge(f"W{l}", f"z{l}", f"· (a{p})ᵀ", self._hot_edge(f"W{l}", f"z{l}"))
                self._edge(f"b{l}", f"z{l}", "· 1", self._hot_edge(f"b{l}", f"z{l}"))
        self._loss()
        caption = self._caption()
        if caption:
            self.g.attr(label=plain_label(caption), labelloc="t", labeljust="l", fontsize="12")
        return MatrixView(self.g.source, self.nodes, self.edges, self.matrices)

    def _hot_edge(self, tail: str, head: str) -> bool:
        return self._node_hot(tail) and self._node_hot(head)

    def _node_hot(self, name: str) -> bool:
        """Whether the matrix node `name` shows a value on a highlighted path."""
        return not self.hot.isdisjoint(self.held.get(name, ()))

    def _from_scalars(self, l: int, head: str) -> None:  # noqa: E741
        """Edges from layer l's scalar outputs (drawn expanded) into the matrix node `head`."""
        linear = self.bp.activation(l) == "linear"
        for n in range(self.bp.N):
            for i in range(len(self.bp.z[l][n])):
                tail = f"z{l}_{n}_{i}" if linear else f"a{l}_{n}_{i}"
                v = self.bp.a[l][n][i]
                self._edge(tail, head, hot=v in self.hot)

    def _loss(self) -> None:
        bp = self.bp
        L = bp.L
        s = superscript(L)
        targets = bp.targets
        if all(isinstance(t, int) and not isinstance(t, bool) for t in targets):
            rows = [[float(t) for t in targets]]
            title = f"t: class (1×{bp.N})"
        else:
            flat = [[float(x) for x in (t if isinstance(t, Sequence) else [t])] for t in targets]
            rows = [list(r) for r in zip(*flat, strict=True)]
            title = f"t ({len(rows)}×{bp.N})"
        self.matrices["t"] = (rows, None)
        self.g.node(
            "t", graphviz.nohtml(_matrix_record(title, [("value", rows)], self.tb)), shape="record"
        )
        self.nodes += 1
        C = bp.C
        self.matrices["C"] = ([[C.data]], [[C.grad]])
        name = "C = Σₙ Cₙ" if bp.N > 1 else "C"
        blocks = [("value", [[C.data]]), ("grad", [[C.grad]])]
        style = HOT_STYLE if C in self.hot else {}
        self.g.node(
            "C",
            graphviz.nohtml(_matrix_record(f"{name} ({bp.loss})", blocks, self.tb)),
            shape="record",
            **style,
        )
        self.nodes += 1
        last = f"z{L}" if bp.activation(L) == "linear" else f"a{L}"
        if L in self.expanded:
            self._from_scalars(L, "C")
        else:
            self._edge(last, "C", f"∇C(a{s})", self._hot_edge(last, "C"))
        self._edge("t", "C", style="dashed")

    def _caption(self) -> str:
        if self.target is None:
            return ""
        v = self._target_value()
        parts = []
        for child in topological_order(self.bp.C):
            for p, d in zip(child.parents, child.local_grads, strict=True):
                if p is v:
                    parts.append(child.grad * d)
        name = v.label
        sent = " + ".join(num(x) for x in parts)
        return (
            f"∂C/∂{name}: the red edges out of {name} send {sent}"
            + (f" = {num(sum(parts))}" if len(parts) > 1 else "")
            + f"; the engine's {name}.grad = {num(v.grad)}"
        )


__all__ = ["MatrixView", "matrix_view"]
