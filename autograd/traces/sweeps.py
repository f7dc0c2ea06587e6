"""The sweeps of a trace as tables: the reverse adjoint trace (`Adjoint`) and the forward
tangent trace (`Tangent`), each row with its rule, its local derivatives and its value."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from .tables import Shown, Style, Table, few

if TYPE_CHECKING:
    from .trace import Trace


class AdjointRow(NamedTuple):
    """v̄_target (+)= v̄_source · ∂v_source/∂v_target, or a seed v̄_target (+)= ȳ_output;
    `value` is v̄_target after the row."""

    target: int
    source: int | None  # None: a seed row
    operand: int  # which operand of the source the target is
    local: float
    value: float
    accumulates: bool  # adds to an earlier partial sum
    output: int | None = None  # a seed row: which output's seed


class TangentRow(NamedTuple):
    """v̇ᵢ = Σⱼ ∂vᵢ/∂vⱼ · v̇ⱼ over the operands that carry a tangent (`terms`: operand positions)."""

    index: int
    terms: tuple[int, ...]
    value: float


class Adjoint(Shown):
    """A reverse adjoint trace: `rows`, `grads` (each input's adjoint x̄), `seeds`, `order`."""

    def __init__(
        self,
        trace: Trace,
        rows: list[AdjointRow],
        grads: list[float],
        seeds: list[float],
        order: str,
    ) -> None:
        self.trace = trace
        self.rows = rows
        self.grads = grads
        self.seeds = seeds
        self.order = order

    def __iter__(self) -> Iterator[AdjointRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, k: int) -> AdjointRow:
        return self.rows[k]

    def _title(self) -> str:
        how = "reverse program order" if self.order == "program" else "in the order backward runs"
        if self.order == "program" and self.trace.order == "evaluation":
            how = "reverse evaluation order"
        return f"Reverse adjoint trace ({how})"

    def _tables(self, style: Style) -> list[Table]:
        tr = self.trace
        rows: list[tuple[str, ...]] = []
        dots = style.times()
        formulas: dict[int, tuple[str, ...]] = {}
        for a in self.rows:
            target = style.var(a.target, "bar")
            if a.source is None:  # a seed row: `output` says whose
                seed = style.name(tr.output_names[a.output or 0], "bar")
                rule = f"{target} + {seed}" if a.accumulates else seed
                rows.append((target, rule, "", style.number(a.value)))
                continue
            if a.source not in formulas:
                formulas[a.source] = tr._formula(style, tr.row(a.source))[1]
            d = style.factor(formulas[a.source][a.operand])
            source = style.var(a.source, "bar")
            head = f"{target} + " if a.accumulates else ""
            rule = f"{head}{source} {dots} {style.partial(a.source, a.target)}"
            rows.append((target, rule, f"{head}{source} {dots} {d}", style.number(a.value)))
        for k, (x, g) in enumerate(zip(tr.inputs, self.grads)):
            bar = style.var(tr.index[x], "bar")
            name = tr._input_name(k, style, "bar")
            rows.append(
                (name, bar, "", style.number(g)) if name else (bar, "", "", style.number(g))
            )
        headers = ("adjoint", "rule", "with the local derivative", "value")
        return [Table(self._title(), headers, rows)]

    def _summary(self) -> str:
        s = Style("text")
        tr = self.trace
        seeds = [f"{s.name(n, 'bar')} = {s.number(v)}" for n, v in zip(tr.output_names, self.seeds)]
        grads = [
            f"{s.name(n, 'bar') if n else s.var(tr.index[x], 'bar')} = {s.number(g)}"
            for n, x, g in zip(tr.input_names, tr.inputs, self.grads)
        ]
        return (
            f"{self._title()}, {few(seeds, 3)}: {few(grads, 4, 40)}\n"
            f"({len(self.rows)} rows; print it for the table)"
        )


class Tangent(Shown):
    """A forward tangent trace: `rows` (v̇ᵢ for every row), `values` (ẏ of each output), `seeds`."""

    def __init__(self, trace: Trace, rows: list[TangentRow], seeds: list[float]) -> None:
        self.trace = trace
        self.rows = rows
        self.seeds = seeds
        first = trace.rows[0].index if trace.rows else 0
        self.values: list[float] = [rows[i - first].value for i in trace.outputs]

    @property
    def value(self) -> float:
        """ẏ, the output's tangent (one output)."""
        self.trace._single("value")
        return self.values[0]

    def _tables(self, style: Style) -> list[Table]:
        tr = self.trace
        dots = style.times()
        out: list[tuple[str, ...]] = []
        for k, (t, r) in enumerate(zip(self.rows, tr.rows)):
            lhs = style.var(t.index, "dot")
            if t.index <= 0:
                out.append((lhs, tr._input_name(k, style, "dot"), "", style.number(t.value)))
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
        out += tr._output_rows(style, "dot", self.values)
        headers = ("tangent", "rule", "with the local derivatives", "value")
        return [Table("Forward tangent trace", headers, out)]

    def _summary(self) -> str:
        s = Style("text")
        tr = self.trace
        seeds = [
            f"{s.name(n, 'dot') if n else s.var(tr.index[x], 'dot')} = {s.number(v)}"
            for n, x, v in zip(tr.input_names, tr.inputs, self.seeds)
        ]
        outs = [f"{s.name(n, 'dot')} = {s.number(v)}" for n, v in zip(tr.output_names, self.values)]
        return f"Forward tangent trace, {few(seeds)}: {few(outs, 3, 40)}\n(print it for the table)"


__all__ = ["Adjoint", "AdjointRow", "Tangent", "TangentRow"]
