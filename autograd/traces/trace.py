"""Evaluation traces (Wengert lists): a computation as numbered rows, swept forward and backward.

Numbered as Griewank & Walther and Baydin et al. (2018) number them: the n inputs are
v₋ₙ₊₁ … v₀, the ops v₁ … v_l, and each output is named beside the row that computes it
(y = v_l; y1 = v₅, y2 = v₆). Each primal row is one op of the table, written from its entry's
notation in terms of earlier rows, with its value and its stored local derivatives.

`trace(f, *inputs, **named)` calls f and numbers the rows in program order, the inputs in
argument order (`record.py`); `trace(y)` numbers an existing graph's rows in evaluation order.
`adjoint(seed)` sweeps backward, v̄ᵢ = v̄ᵢ + v̄ₖ · ∂vₖ/∂vᵢ, one row per edge: in reverse program
order as the books tabulate it (every row's adjoint complete before it is passed on), or in the
order chainrule's backward runs. `tangent(seed)` sweeps forward: v̇ᵢ = Σⱼ ∂vᵢ/∂vⱼ · v̇ⱼ.
`jacobian()` builds the Jacobian from m adjoint sweeps or n tangent sweeps; `code()` and
`compile()` write the sweeps as straight-line Python (`replay.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from ..node import Node
from ..order import topological_order
from ..value import as_float
from . import record, replay
from .forward import Jacobian, tangents
from .sweeps import Adjoint, AdjointRow, Tangent, TangentRow
from .tables import Shown, Style, Table, few

ORDERS = ("program", "backward")


class Row(NamedTuple):
    """A primal row: vᵢ = op(v_parents), its value and ∂vᵢ/∂v_parent for each operand."""

    index: int
    node: Node
    parents: tuple[int, ...]
    value: float
    local: tuple[float, ...]


class Trace(Shown):
    """The evaluation trace of a computation: `rows` (primal), `inputs` and `input_names`,
    `outputs` (their rows) and `output_names`; `adjoint()`, `tangent()`, `jacobian()`."""

    def __init__(self, taken: record.Taken) -> None:
        n = len(taken.inputs)
        self.inputs: list[Node] = list(taken.inputs)
        self.input_names: list[str] = list(taken.input_names)
        self.order: str = taken.order  # "program" (trace of f) or "evaluation" (trace of y)
        self.index: dict[Node, int] = {}
        for k, node in enumerate(taken.inputs):
            self.index[node] = k - n + 1
        for k, node in enumerate(taken.inner, start=1):
            self.index[node] = k
        idx = self.index
        self.rows: list[Row] = [Row(idx[x], x, (), x.data, ()) for x in taken.inputs]
        self.rows += [
            Row(idx[node], node, tuple(idx[p] for p in node.parents), node.data, node.local_grads)
            for node in taken.inner
        ]
        self.outputs: list[int] = [idx[o] for o in taken.outputs]
        self.output_names: list[str] = list(taken.output_names)
        self._backward: list[Node] | None = None
        self._grads: list[float] | None = None

    # ---- one output: the names a single-output trace has always had ------------------------

    def _single(self, what: str) -> int:
        if len(self.outputs) != 1:
            raise ValueError(
                f"Trace.{what}: this trace has {len(self.outputs)} outputs "
                f"({few(self.output_names)}); use .outputs, .values or .adjoint(seed)"
            )
        return self.outputs[0]

    @property
    def name(self) -> str:
        """The name of the output (one output)."""
        self._single("name")
        return self.output_names[0]

    @property
    def output(self) -> int:
        """The row of the output: y = v_output (one output)."""
        return self._single("output")

    @property
    def value(self) -> float:
        """y, the output's value (one output)."""
        return self.row(self._single("value")).value

    @property
    def values(self) -> list[float]:
        """Each output's value."""
        return [self.row(i).value for i in self.outputs]

    @property
    def grads(self) -> list[float]:
        """∂y/∂x for each input x (one output), summed in the order backward sums them, so
        equal to `grad` to the last bit. (The tables' reverse program order adds a row's
        contributions in another order, which may differ in the last bit where three or more
        meet.)"""
        self._single("grads")
        if self._grads is None:
            self._grads = self._adjoint([1.0], "backward")[1]
        return list(self._grads)

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, i: int) -> Row:
        """Row vᵢ (i from −n+1 to l)."""
        first, last = self.rows[0].index if self.rows else 0, len(self.rows) - len(self.inputs)
        if isinstance(i, bool) or not isinstance(i, int):
            raise TypeError(f"Trace.row: i must be an int, not {type(i).__name__}")
        if not first <= i <= last:
            s = Style("text")
            raise IndexError(
                f"Trace.row: there is no row {s.var(i)}; the rows are {s.var(first)} … "
                f"{s.var(last)}"
            )
        return self.rows[i - first]

    # ---- the sweeps --------------------------------------------------------------------------

    def _positions(self, key: object, who: str, kind: str) -> list[int]:
        """Which inputs (kind "input") or outputs ("output") a seed's key names."""
        nodes = self.inputs if kind == "input" else [self.row(i).node for i in self.outputs]
        names = self.input_names if kind == "input" else self.output_names
        if isinstance(key, Node):
            found = [k for k, n in enumerate(nodes) if n is key]
        elif isinstance(key, str):
            found = [k for k, n in enumerate(names) if n == key]
        else:
            raise TypeError(
                f"{who}: seed keys are {kind} names or Values, not {type(key).__name__}"
            )
        if not found:
            known = few([n for n in names if n]) or "none named"
            raise KeyError(f"{who}: {key!r:.60} is not an {kind} of this trace ({kind}s: {known})")
        if len(found) > 1:
            rows = ", ".join(
                Style("text").var(self.index[nodes[k]] if kind == "input" else self.outputs[k])
                for k in found
            )
            raise ValueError(
                f"{who}: {len(found)} {kind}s are called {key!r:.60} ({rows}); seed them by "
                "Value, or give them different names"
            )
        return found

    def _seeds(self, seed: Mapping | None, kind: str, who: str) -> list[float]:
        count = len(self.inputs) if kind == "input" else len(self.outputs)
        if seed is None:
            if kind == "output" and count == 1:
                return [1.0]
            raise TypeError(f"{who}: give a seed per {kind}, e.g. {{name: 1}}")
        if not isinstance(seed, Mapping):
            raise TypeError(f"{who}: seed must be a dict {{{kind}: number}}, not {seed!r:.60}")
        values = [0.0] * count
        given: set[int] = set()
        for key, v in seed.items():
            (k,) = self._positions(key, who, kind)
            if k in given:
                raise ValueError(f"{who}: {key!r:.60} is seeded twice")
            f = as_float(v) if not isinstance(v, bool) else None
            if f is None:
                raise TypeError(f"{who}: the seed of {key!r:.60} must be a number, not {v!r:.60}")
            values[k] = f
            given.add(k)
        return values

    def _sources(self, order: str) -> list[Node]:
        """The rows that pass their adjoint on, in the order of the sweep."""
        if order == "program":
            return [r.node for r in reversed(self.rows[len(self.inputs) :])]
        if self._backward is None:
            outs = [self.row(i).node for i in self.outputs]
            if len(outs) == 1:
                walked = topological_order(outs[0])  # exactly the order backward walks
            else:  # as one backward pass over the outputs' joint graph would walk it
                walked = record.evaluation_order(outs, set(self.inputs))
            self._backward = [n for n in reversed(walked) if self.index.get(n, 0) > 0]
        return self._backward

    def _adjoint(self, seeds: list[float], order: str) -> tuple[list[AdjointRow], list[float]]:
        idx = self.index
        partial: dict[int, float] = {}
        rows = []
        for k, (i, s) in enumerate(zip(self.outputs, seeds)):
            before = partial.get(i)
            partial[i] = s if before is None else before + s
            rows.append(AdjointRow(i, None, 0, 1.0, partial[i], before is not None, k))
        for node in self._sources(order):
            k = idx[node]
            g = partial.get(k)
            if g is None:  # no output depends on it
                continue
            for j, (p, d) in enumerate(zip(node.parents, node.local_grads)):
                i = idx[p]
                c = g * d
                before = partial.get(i)
                partial[i] = c if before is None else before + c
                rows.append(AdjointRow(i, k, j, d, partial[i], before is not None))
        return rows, [partial.get(idx[x], 0.0) for x in self.inputs]

    def adjoint(self, seed: Mapping | None = None, order: str = "program") -> Adjoint:
        """The reverse adjoint trace for the output adjoints `seed` ({"y1": 1.0}, by name or
        by Value; the others 0; default ȳ = 1 for a single output), in reverse program order
        or in the order `backward` runs ("backward")."""
        if order not in ORDERS:
            raise ValueError(f"adjoint: order must be 'program' or 'backward', not {order!r}")
        seeds = self._seeds(seed, "output", "adjoint")
        rows, grads = self._adjoint(seeds, order)
        return Adjoint(self, rows, grads, seeds, order)

    def tangent(self, seed: Mapping) -> Tangent:
        """The forward tangent trace for the input tangents `seed` ({x1: 1.0}, or by name; the
        others 0)."""
        return self._tangent(self._seeds(seed, "input", "tangent"))

    def _tangent(self, seeds: list[float]) -> Tangent:
        dot = tangents([r.node for r in self.rows], dict(zip(self.inputs, seeds)))
        rows = []
        for r in self.rows:
            node = r.node
            terms = tuple(j for j, p in enumerate(node.parents) if p in dot) if r.index > 0 else ()
            rows.append(TangentRow(r.index, terms, float(dot.get(node, 0.0))))
        return Tangent(self, rows, seeds)

    def jacobian(self, mode: str = "reverse") -> Jacobian:
        """J[i][j] = ∂yᵢ/∂xⱼ from the sweeps of this trace: one adjoint sweep per output
        (mode="reverse", m sweeps) or one tangent sweep per input ("forward", n sweeps)."""
        m, n = len(self.outputs), len(self.inputs)
        if mode == "reverse":
            one_hot = [[1.0 if k == i else 0.0 for k in range(m)] for i in range(m)]
            return Jacobian([self._adjoint(s, "program")[1] for s in one_hot], m, mode)
        if mode == "forward":
            columns = [
                self._tangent([1.0 if k == j else 0.0 for k in range(n)]).values for j in range(n)
            ]
            return Jacobian([[columns[j][i] for j in range(n)] for i in range(m)], n, mode)
        raise ValueError(f"jacobian: mode must be 'forward' or 'reverse', not {mode!r}")

    # ---- the tables -------------------------------------------------------------------------

    def _formula(self, style: Style, r: Row) -> tuple[str, tuple[str, ...]]:
        """vᵢ's op in terms of earlier rows, and each local derivative's formula."""
        node = r.node
        op = node.primitive
        notation = op.notation if op is not None else None
        if notation is None:
            raise ValueError(f"trace: op {node.op!r} has no notation in the op table")
        operands = [style.var(i) for i in r.parents]
        y = style.var(r.index)
        c = node.param
        return (
            style.formula(notation.math, operands, c, y, r.local),
            style.formula(notation.dmath, operands, c, y, r.local),
        )

    def _input_name(self, k: int, style: Style, mark: str = "") -> str:
        name = self.input_names[k]
        return style.name(name, mark) if name else ""

    def _output_rows(
        self, style: Style, mark: str, values: Sequence[float]
    ) -> list[tuple[str, ...]]:
        marked = "" if not mark else mark
        return [
            (style.name(name, marked), style.var(i, marked), "", style.number(v))
            for name, i, v in zip(self.output_names, self.outputs, values)
        ]

    def _primal_table(self, style: Style) -> Table:
        rows: list[tuple[str, ...]] = []
        for k, r in enumerate(self.rows):
            name = style.var(r.index)
            if r.index <= 0:
                rows.append((name, self._input_name(k, style), style.number(r.value), ""))
                continue
            expr, dexprs = self._formula(style, r)
            derivs = "; ".join(
                f"{style.partial(r.index, i)} = {d}"
                + ("" if _is_number(d) else f" = {style.number(v)}")
                for i, d, v in zip(r.parents, dexprs, r.local)
            )
            rows.append((name, expr, style.number(r.value), derivs))
        rows += [(a, b, c, "") for a, b, _, c in self._output_rows(style, "", self.values)]
        headers = ("row", "operation", "value", "local derivatives")
        return Table("Forward primal trace", headers, rows)

    def _tables(self, style: Style) -> list[Table]:
        out = [self._primal_table(style)]
        m = len(self.outputs)
        for i in range(m):
            seeds = [1.0 if k == i else 0.0 for k in range(m)]
            rows, grads = self._adjoint(seeds, "program")
            out += Adjoint(self, rows, grads, seeds, "program")._tables(style)
        return out

    def _summary(self) -> str:
        s = Style("text")
        outs = [
            f"{s.name(name)} = {s.var(i)} = {s.number(self.row(i).value)}"
            for name, i in zip(self.output_names, self.outputs)
        ]
        names = [name or s.var(self.index[x]) for name, x in zip(self.input_names, self.inputs)]
        ops = len(self.rows) - len(self.inputs)
        return (
            f"Trace of {few(outs, 3, 60)} from {len(names)} input{'s' * (len(names) != 1)} "
            f"({few(names)}): {ops} op{'s' * (ops != 1)} in {self.order} order\n"
            "(print it for the tables; .text(digits=3), .markdown(), .latex(), .adjoint(seed), "
            ".tangent(seed))"
        )

    # ---- the trace as a program -------------------------------------------------------------

    def code(
        self, name: str = "replay", extra: Sequence[Node] = (), output: int | str | None = None
    ) -> str:
        """The forward and adjoint sweeps as a straight-line Python function of the inputs' values
        (in `inputs` order) returning (y, [∂y/∂input, ...]) for one output (`output`: its name
        or position; the only one by default); with `extra` nodes of the trace, (y, gradient,
        [their values]). Each row runs the op table's own float forward and domain check, so
        the code gives what the engine gives, value, gradient and error.

        Like JAX's `jit`, the code is only valid for inputs that take the same Python-level
        branches (any `if` in the code that built the graph) as the traced call did: the graph,
        not the program, is replayed. Piecewise ops (relu, abs, …) take their branch anew.
        """
        return replay.program(self, name, extra, output).source

    def compile(
        self, extra: Sequence[Node] = (), output: int | str | None = None
    ) -> Callable[..., tuple]:
        """`code()` compiled: f(*input values) → (y, gradients) (and the `extra` nodes' values),
        with no graph built; `f.inputs` are the inputs in argument order, `f.source` the code."""
        return replay.program(self, "replay", extra, output).compile()


_NUMBER_CHARS = set("0123456789.e+-−")


def _is_number(text: str) -> bool:
    """A formula that is a number already (1, −1, 0.5): its value is not shown twice."""
    if not text or not set(text) <= _NUMBER_CHARS:
        return False
    try:
        float(text.replace("−", "-"))
    except ValueError:
        return False
    return True


def trace(target: object, *inputs: object, **named: object) -> Trace:
    """The evaluation trace of a function or of a graph.

    `trace(f, *inputs, **named)` calls f on the inputs (numbers become leaves named by f's
    parameters; Values keep their labels) and records its ops as they run: rows in program
    order, inputs in argument order. f returns a Value, a tuple or list of them, or a dict
    name → Value; outputs are named by the dict's keys, else y or y1 … ym.

    `trace(y)`, `trace([y1, y2])`, `trace({"loss": y})` read a graph built already: rows in
    evaluation order (each op after its operands, left to right), the leaves as inputs;
    `trace(y, name="L")` names a single output.
    """
    outputs = _values(target)
    if outputs is not None:
        if inputs:
            raise TypeError(
                "trace(y) takes no inputs: y is built already (trace(f, x1, x2) calls f)"
            )
        name = named.pop("name", None)
        if named:
            raise TypeError(f"trace(y) takes only name=, not {', '.join(named)}")
        nodes, names = outputs
        if name is not None:
            if not isinstance(name, str) or not name:
                raise TypeError(f"trace: name must be a non-empty str, not {name!r}")
            if names is not None or len(nodes) != 1:
                raise TypeError("trace: name= names a single output; a dict names several")
        return Trace(record.of_values(nodes, names, name))
    if callable(target):
        return Trace(record.of_function(target, inputs, named))
    raise TypeError(
        "trace: give a function and its inputs, trace(f, 2.0, 5.0), or a Value, "
        f"trace(y); not {type(target).__name__}"
    )


def _values(target: object) -> tuple[list[Node], list[str] | None] | None:
    """The outputs when `target` is a Value, a list or tuple of them, or a dict of them."""
    if isinstance(target, Node):
        return [target], None
    if isinstance(target, (list, tuple, Mapping)) and target:
        items = target.values() if isinstance(target, Mapping) else target
        if all(isinstance(v, Node) for v in items):
            return record.split_outputs(target, "trace")
    return None


__all__ = ["Adjoint", "AdjointRow", "Row", "Tangent", "TangentRow", "Trace", "trace"]
