"""Evaluation traces (Wengert lists): a graph as numbered rows, swept forward and backward.

Numbered as Griewank & Walther and Baydin et al. (2018) number them: the n inputs (the leaves)
are v₋ₙ₊₁ … v₀, the intermediates v₁ … v_l in a topological order, and the output is y = v_l.
Each primal row is one op of the table, written from its entry's notation in terms of earlier
rows, with its value and its stored local derivatives. The adjoint rows are the backward pass
as it runs (`backward_steps`): v̄ᵢ = v̄ᵢ + v̄ₖ · ∂vₖ/∂vᵢ, one row per edge, ending in the gradients.
`tangent(seed)` sweeps forward over the same local derivatives: v̇ᵢ = Σⱼ ∂vᵢ/∂vⱼ · v̇ⱼ.

Intermediates are numbered by depth (the longest path from an input), ties in the order the
backward pass's topological sort gives: the rows of Baydin's Table 2 come out in its order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from .. import ops
from ..backward import backward_steps
from ..node import Node
from ..order import topological_order
from . import tables
from .forward import tangents
from .tables import Style, Table


class Row(NamedTuple):
    """A primal row: vᵢ = op(v_parents), its value and ∂vᵢ/∂v_parent for each operand."""

    index: int
    node: Node
    parents: tuple[int, ...]
    value: float
    local: tuple[float, ...]


class AdjointRow(NamedTuple):
    """v̄_target (+)= v̄_source · ∂v_source/∂v_target; `value` is v̄_target after the row."""

    target: int
    source: int | None  # None: the seed ȳ = 1
    operand: int  # which operand of the source the target is
    local: float
    value: float
    accumulates: bool  # adds to an earlier partial sum


class TangentRow(NamedTuple):
    """v̇ᵢ = Σⱼ ∂vᵢ/∂vⱼ · v̇ⱼ over the operands that carry a tangent (`terms`: operand positions)."""

    index: int
    terms: tuple[int, ...]
    value: float


def _sub(i: int) -> str:
    """A code name for row i: v3, vm1 for v₋₁."""
    return f"{i}" if i >= 0 else f"m{-i}"


class Shown:
    """Shown as tables, from `_tables(style)`: aligned text at the prompt, HTML in notebooks,
    Markdown and LaTeX for slides and papers."""

    def _tables(self, style: Style) -> list[Table]:
        raise NotImplementedError

    def tables(self, digits: int | None = None) -> list[Table]:
        """The tables, each a title, headers and rows of plain-text cells."""
        return self._tables(Style("text", digits))

    def text(self, digits: int | None = None) -> str:
        """The tables as aligned text (values to `digits` decimals, or all)."""
        return tables.text(self._tables(Style("text", digits)))

    def markdown(self, digits: int | None = None) -> str:
        """The tables as Markdown, every cell escaped."""
        return tables.markdown(self._tables(Style("text", digits)))

    def latex(self, digits: int | None = None) -> str:
        """The tables as LaTeX `tabular`s (labels escaped)."""
        return tables.latex(self._tables(Style("latex", digits)))

    def _repr_html_(self) -> str:
        return tables.html_tables(self._tables(Style("text")))

    def __repr__(self) -> str:
        return self.text()


class Trace(Shown):
    """The evaluation trace of a graph: `rows` (primal), `adjoint`, `inputs`, `grads`."""

    def __init__(self, root: Node, name: str = "y") -> None:
        self.name = name  # what the output is called in the tables: y = v_l, ȳ, ẏ
        order = topological_order(root)
        position = {node: k for k, node in enumerate(order)}
        depth: dict[Node, int] = {}
        for node in order:
            ps = node.parents
            depth[node] = 1 + max(depth[p] for p in ps) if ps else 0
        leaves = [node for node in order if node._op is None]
        inner = sorted(
            (n for n in order if n._op is not None), key=lambda n: (depth[n], position[n])
        )
        self.inputs: list[Node] = leaves
        self.root = root
        n = len(leaves)
        self.index: dict[Node, int] = {}
        for k, node in enumerate(leaves):
            self.index[node] = k - n + 1
        for k, node in enumerate(inner, start=1):
            self.index[node] = k
        idx = self.index
        self.rows: list[Row] = [
            Row(idx[node], node, tuple(idx[p] for p in node.parents), node.data, node.local_grads)
            for node in (*leaves, *inner)
        ]
        self.output: int = idx[root]
        self.value: float = root.data
        self.adjoint: list[AdjointRow] = []
        partial: dict[int, float] = {}
        for step in backward_steps(root):
            k = idx[step.node]
            if step.node is root:
                partial[k] = step.grad
                self.adjoint.append(AdjointRow(k, None, 0, 1.0, step.grad, False))
            ds = step.node.local_grads
            for j, (p, c) in enumerate(zip(step.node.parents, step.contributions)):
                i = idx[p]
                before = partial.get(i)
                partial[i] = c if before is None else before + c
                self.adjoint.append(AdjointRow(i, k, j, ds[j], partial[i], before is not None))
        self.grads: list[float] = [partial[idx[x]] for x in leaves]

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, i: int) -> Row:
        """Row vᵢ (i from −n+1 to l)."""
        return self.rows[i + len(self.inputs) - 1]

    # ---- forward mode ---------------------------------------------------------------------

    def tangent(self, seed: Mapping[Node | str, float]) -> Tangent:
        """The forward tangent trace for the input tangents `seed` ({x1: 1.0}, or by label)."""
        by_label = {x.label: x for x in self.inputs if x.label}
        chosen: dict[Node, float] = {}
        for key, t in seed.items():
            node = by_label.get(key) if isinstance(key, str) else key
            if node is None or node not in self.index or self.index[node] > 0:
                raise KeyError(f"tangent: {key!r} is not an input of this trace")
            chosen[node] = float(t)
        seeded = {x: chosen.get(x, 0.0) for x in self.inputs}
        dot = tangents([r.node for r in self.rows], seeded)
        rows = []
        for r in self.rows:
            node = r.node
            terms = tuple(j for j, p in enumerate(node.parents) if p in dot)
            rows.append(TangentRow(r.index, terms, float(dot.get(node, 0.0))))
        return Tangent(self, rows)

    # ---- the tables -----------------------------------------------------------------------

    def _formula(self, style: Style, r: Row) -> tuple[str, tuple[str, ...]]:
        """vᵢ's op in terms of earlier rows, and each local derivative's formula."""
        node = r.node
        notation = node._op.notation
        operands = [style.var(i) for i in r.parents]
        y = style.var(r.index)
        c = node.param
        return (
            style.formula(notation.math, operands, c, y, r.local),
            style.formula(notation.dmath, operands, c, y, r.local),
        )

    def _primal_table(self, style: Style) -> Table:
        rows = []
        for r in self.rows:
            name = style.var(r.index)
            if r.index <= 0:
                label = style.label(r.node.label) if r.node.label else ""
                rows.append((name, label, style.number(r.value), ""))
                continue
            expr, dexprs = self._formula(style, r)
            derivs = "; ".join(
                f"{style.partial(r.index, i)} = {d}"
                + ("" if _is_number(d) else f" = {style.number(v)}")
                for i, d, v in zip(r.parents, dexprs, r.local)
            )
            rows.append((name, expr, style.number(r.value), derivs))
        rows.append((style.output(self.name), style.var(self.output), style.number(self.value), ""))
        headers = ("row", "operation", "value", "local derivatives")
        return Table("Forward primal trace", headers, rows)

    def _adjoint_table(self, style: Style) -> Table:
        rows = []
        dots = style.times()
        formulas: dict[int, tuple[str, ...]] = {}
        for a in self.adjoint:
            target = style.var(a.target, "bar")
            if a.source is None:
                seed = style.output(self.name, "bar")
                rows.append((target, seed, "", style.number(a.value)))
                continue
            if a.source not in formulas:
                formulas[a.source] = self._formula(style, self.row(a.source))[1]
            d = style.factor(formulas[a.source][a.operand])
            source = style.var(a.source, "bar")
            head = f"{target} + " if a.accumulates else ""
            rule = f"{head}{source} {dots} {style.partial(a.source, a.target)}"
            rows.append((target, rule, f"{head}{source} {dots} {d}", style.number(a.value)))
        for x, g in zip(self.inputs, self.grads):
            i = self.index[x]
            who = style.label(x.label) if x.label else style.var(i)
            y = style.output(self.name)
            lhs = rf"\partial {y}/\partial {who}" if style.latex else f"∂{y}/∂{who}"
            rows.append((lhs, style.var(i, "bar"), "", style.number(g)))
        headers = ("adjoint", "rule", "with the local derivative", "value")
        return Table("Reverse adjoint trace (in the order backward runs)", headers, rows)

    def _tables(self, style: Style) -> list[Table]:
        return [self._primal_table(style), self._adjoint_table(style)]

    # ---- the trace as a program -----------------------------------------------------------

    def code(self, name: str = "replay", extra: Sequence[Node] = ()) -> str:
        """The forward and adjoint sweeps as a straight-line Python function of the leaf values
        (in `inputs` order) returning (y, [∂y/∂input, ...]); one assignment per row. With
        `extra` nodes of the graph, it returns (y, gradient, [their values]) instead.

        Piecewise ops (relu, abs, leaky_relu) keep their branch. Like JAX's `jit`, the code is
        only valid for inputs that take the same Python-level branches (any `if` in the code that
        built the graph) as the traced call did: the graph, not the program, is replayed.
        """
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise ValueError(f"code: name must be a Python identifier, not {name!r}")
        for k, node in enumerate(extra):
            if node not in self.index:
                raise ValueError(f"code: extra[{k}] is not a node of this trace")
        args = ", ".join(f"v{_sub(self.index[x])}" for x in self.inputs)
        lines = [
            f"def {name}({args}):",
            f'    """y = v{_sub(self.output)} and its gradient; vm1 is v₋₁, vbar3 is v̄₃, '
            'd3_0 is ∂v₃/∂(its operand 0)."""',
            "    # forward sweep: each row's value and its local derivatives",
        ]
        derivative: dict[tuple[int, int], str] = {}
        for r in self.rows[len(self.inputs) :]:
            notation = r.node._op.notation
            operands = [f"v{_sub(i)}" for i in r.parents]
            y = f"v{_sub(r.index)}"
            c = r.node.param
            value = _code(notation.code, operands, c, y, r.local)
            if notation.pair:
                dname = f"d{_sub(r.index)}"
                lines.append(f"    {y}, {dname} = {value}")
                for j in range(len(r.parents)):
                    derivative[r.index, j] = f"{dname}[{j}]"
                continue
            lines.append(f"    {y} = {value}")
            exprs = _code(notation.dcode, operands, c, y, r.local)
            for j, expr in enumerate(exprs):
                if _atomic(expr):
                    derivative[r.index, j] = expr
                else:
                    dname = f"d{_sub(r.index)}_{j}"
                    lines.append(f"    {dname} = {expr}")
                    derivative[r.index, j] = dname
        lines.append("    # reverse sweep: v̄ᵢ = v̄ᵢ + v̄ₖ · ∂vₖ/∂vᵢ, in the order backward runs")
        for a in self.adjoint:
            target = f"vbar{_sub(a.target)}"
            if a.source is None:
                lines.append(f"    {target} = 1.0")
                continue
            term = _times(f"vbar{_sub(a.source)}", derivative[a.source, a.operand])
            lines.append(
                f"    {target} = {target} + {term}" if a.accumulates else f"    {target} = {term}"
            )
        grads = ", ".join(f"vbar{_sub(self.index[x])}" for x in self.inputs)
        result = f"v{_sub(self.output)}, [{grads}]"
        if extra:
            result += ", [" + ", ".join(f"v{_sub(self.index[node])}" for node in extra) + "]"
        lines.append(f"    return {result}")
        return "\n".join(lines) + "\n"

    def compile(self, extra: Sequence[Node] = ()) -> Callable[..., tuple]:
        """`code()` compiled: f(*leaf values) → (y, gradients) (and the `extra` nodes' values),
        with no graph built.

        The source is generated from the graph and the op table's templates (no label text
        reaches it); `f.inputs` are the leaves in argument order, `f.source` the code.
        """
        source = self.code(extra=extra)
        namespace: dict[str, Any] = dict(ops.CODE_NAMES)
        exec(compile(source, "<chainrule trace>", "exec"), namespace)  # our generated source
        fn = namespace["replay"]
        fn.inputs = list(self.inputs)
        fn.source = source
        return fn


_NUMBER = re.compile(r"-?(\d+\.?\d*(e[-+]?\d+)?|inf)")


def _is_number(text: str) -> bool:
    """A formula that is a number already (1, −1, 0.5): its value is not shown twice."""
    try:
        float(text.replace("−", "-"))
    except ValueError:
        return False
    return True


def _atomic(expr: str) -> bool:
    """A name or a number: used in place, not given a row of its own."""
    return bool(re.fullmatch(r"[A-Za-z_]\w*", expr) or _NUMBER.fullmatch(expr))


def _times(g: str, d: str) -> str:
    """g · d, with · 1 and · −1 left out (exact: g·1 = g and g·(−1) = −g in IEEE arithmetic)."""
    if d == "1.0":
        return g
    if d == "-1.0":
        return f"-{g}"
    return f"{g} * {d}"


def _code(template: Any, operands: list[str], c: Any, y: str, ds: tuple) -> Any:
    if callable(template):
        return template(operands, c, y, ds)
    if isinstance(template, tuple):
        return tuple(_code(t, operands, c, y, ds) for t in template)
    return tables.fill(template, operands, repr(c) if c is not None else "", y)


class Tangent(Shown):
    """A forward tangent trace: `rows` (v̇ᵢ for every row) and `value` (ẏ)."""

    def __init__(self, trace: Trace, rows: list[TangentRow]) -> None:
        self.trace = trace
        self.rows = rows
        self.value: float = rows[trace.output + len(trace.inputs) - 1].value

    def _tables(self, style: Style) -> list[Table]:
        tr = self.trace
        dots = style.times()
        out = []
        for t, r in zip(self.rows, tr.rows):
            lhs = style.var(t.index, "dot")
            if t.index <= 0:
                who = style.label(r.node.label) if r.node.label else style.var(t.index)
                seed = style.words("seed of ") + who
                out.append((lhs, seed, "", style.number(t.value)))
                continue
            if not t.terms:
                out.append((lhs, "0", "", style.number(t.value)))
                continue
            _, ds = tr._formula(style, r)
            rule = " + ".join(
                f"{style.var(r.parents[j], 'dot')} {dots} {style.partial(t.index, r.parents[j])}"
                for j in t.terms
            )
            with_d = " + ".join(
                f"{style.var(r.parents[j], 'dot')} {dots} {style.factor(ds[j])}" for j in t.terms
            )
            out.append((lhs, rule, with_d, style.number(t.value)))
        ydot = style.output(tr.name, "dot")
        out.append((ydot, style.var(tr.output, "dot"), "", style.number(self.value)))
        headers = ("tangent", "rule", "with the local derivatives", "value")
        return [Table("Forward tangent trace", headers, out)]


def trace(root: Node, name: str = "y") -> Trace:
    """The evaluation trace of `root`'s graph: primal rows v₋ₙ₊₁ … v_l, adjoint rows, gradients;
    `name` is what the tables call the output (y = v_l)."""
    if not isinstance(root, Node):
        raise TypeError(f"trace: root must be a Value, not {type(root).__name__}")
    if not isinstance(name, str) or not name:
        raise TypeError(f"trace: name must be a non-empty str, not {name!r}")
    return Trace(root, name)


__all__ = ["AdjointRow", "Row", "Tangent", "TangentRow", "Trace", "trace"]
