"""The notes' matrix equations, checked entry by entry against the engine's scalar gradients.

Each check takes a `BatchPass` (`nn.batch_pass.run`: one forward and one backward pass of an
MLP over a batch), reads the scalars the engine computed — `.data` of W^l, b^l, z^l, a^l and
`.grad` of every node — into plain Python lists, evaluates one matrix equation of the notes
with them, and puts every entry beside the engine's own `.grad` of that scalar:

    001-3   dC/dW^l = δ^l (a^{l−1})ᵀ, dC/db^l = δ^l    (a batch: Δ^l (A^{l−1})ᵀ and Δ^l 1)
    003-3   δ^L = h'(z^L) ⊙ ∇C(a^L)                     (softmax output: J(z^L)ᵀ ∇C)
    003-4   δ^l = h'(z^l) ⊙ (W^{l+1})ᵀ δ^{l+1}           (001-4 written with the ᵀ)
    004-18  Y = XW + B for each layer: Y = (Z^l)ᵀ, X = (A^{l−1})ᵀ, W = (W^l)ᵀ, B = 1(b^l)ᵀ;
            ∂C/∂W = Xᵀ ∂C/∂Y, ∂C/∂X = ∂C/∂Y Wᵀ, ∂C/∂B summed over the rows of ∂C/∂Y
    004-10  ∂C/∂w = Σ_n ∂C_n/∂w, each ∂C_n/∂w from a backward pass of its own

Where the notes are wrong the corrected form is the one checked, and the table says so, with
the notes' line as written beside it wherever that line is defined: 001-2 writes a_i^{m−1} for
a_j^{m−1} (so dC/dW_ij would be δ_i a_i), 001-4 drops the ᵀ (defined for square W only), and
004-18's ∂L/∂B = ∂L/∂Y holds for one example only (for a batch the one bias row takes the sum).

"To the last digit": both sides add the same rounded products, the engine in the order of its
backward pass and the check with `math.fsum`, so they may differ only by the rounding of k
additions; each row passes when |identity − engine| ≤ γ_{k+4}·|f|·Σ|terms| (f the factor in
front of the sum, γ_n = nu/(1 − nu), u = 2⁻⁵³: Higham, Accuracy and Stability of Numerical
Algorithms, §3–4). The table counts the rows that are identical to the last bit and gives how
far the others are in ulps of |f|·Σ|terms|, the scale that rounding works at (a sum that
cancels can be many ulps of its own small result away and still one ulp of its terms).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from autograd import grad

from ..batch_pass import BatchPass
from .backprop import H_PRIME

U = 2.0**-53
"""The unit roundoff of a float (IEEE double)."""


def gamma(n: int) -> float:
    """γ_n = nu/(1 − nu): the relative error bound of n rounded operations in a row."""
    return n * U / (1.0 - n * U)


def bound(terms: Sequence[float], factor: float = 1.0) -> float:
    """How far two roundings of factor·Σ terms may lie apart: γ_{k+4}·|factor|·Σ|terms|."""
    return gamma(len(terms) + 4) * abs(factor) * math.fsum(abs(t) for t in terms)


@dataclass(frozen=True)
class Row:
    """One entry: the notes' equation evaluated in floats as factor·Σ terms, beside the
    engine's scalar; `terms` are the rounded products the sum adds."""

    entry: str
    identity: float
    engine: float
    terms: tuple[float, ...]
    factor: float = 1.0
    written: float | None = None  # the notes' line as written, where it is wrong and defined

    @property
    def diff(self) -> float:
        """|identity − engine|."""
        return abs(self.identity - self.engine)

    @property
    def scale(self) -> float:
        """|factor|·Σ|terms|: the size the rounding of the sum is relative to."""
        return abs(self.factor) * math.fsum(abs(t) for t in self.terms)

    @property
    def bound(self) -> float:
        """γ_{k+4}·|factor|·Σ|terms| (module docstring)."""
        return bound(self.terms, self.factor)

    @property
    def ulps(self) -> float:
        """|identity − engine| in units in the last place of `scale` (0 when identical)."""
        return 0.0 if self.diff == 0 else self.diff / math.ulp(self.scale)

    @property
    def ok(self) -> bool:
        """The two agree to the rounding of the sum (see the module docstring)."""
        return self.diff <= self.bound

    @property
    def identical(self) -> bool:
        """The two are the same float, to the last bit."""
        return self.identity == self.engine


def _g(x: float) -> str:
    return f"{x + 0.0:.17g}"  # every digit: the point is exactness (+ 0.0: no -0)


class Table(list):
    """Rows of one equation, printed with every digit; `ok` when every row agrees."""

    def __init__(self, id: str, equation: str, note: str = "", rows: Sequence[Row] = ()) -> None:
        super().__init__(rows)
        self.id, self.equation, self.note = id, equation, note

    @property
    def ok(self) -> bool:
        """Every entry agrees with the engine to the rounding of its sum."""
        return all(r.ok for r in self)

    @property
    def identical(self) -> int:
        """How many entries are the engine's float to the last bit."""
        return sum(r.identical for r in self)

    @property
    def max_ulps(self) -> float:
        """The largest distance of an entry from the engine's, in ulps of its Σ|terms|."""
        return max((r.ulps for r in self), default=0.0)

    @property
    def written(self) -> int:
        """How many entries the notes' line as written is defined for."""
        return sum(r.written is not None for r in self)

    @property
    def wrong_as_written(self) -> int:
        """How many entries the notes' line as written misses (beyond the bound)."""
        return sum(r.written is not None and abs(r.written - r.engine) > r.bound for r in self)

    def summary(self) -> str:
        """One line: the id, the verdict and the counts."""
        verdict = "✓" if self.ok else "✗ FAILS"
        rest = len(self) - self.identical
        apart = f", {rest} within {self.max_ulps:.2g} ulp of Σ|terms|" if rest else ""
        notes = ""
        if self.written:
            notes = f"; as written: {self.wrong_as_written} of {self.written} entries wrong"
        return (
            f"{verdict} {self.id}  {self.equation}: {len(self)} entries, {self.identical} "
            f"identical to the last bit{apart}{notes}"
        )

    def _cells(self, most: int | None) -> list[tuple[str, ...]]:
        shown = self if most is None else self[:most]
        written = any(r.written is not None for r in self)
        out = []
        for r in shown:
            cells = (r.entry, _g(r.identity), _g(r.engine), f"{r.ulps:.2g}")
            if written:
                cells += ("—" if r.written is None else _g(r.written),)
            out.append(cells)
        return out

    def header(self) -> tuple[str, ...]:
        head = ("entry", "the equation, in floats", "the engine's .grad", "ulp apart")
        return head + (("notes as written",) if any(r.written is not None for r in self) else ())

    def text(self, most: int | None = 8) -> str:
        """The summary, the note, and the first `most` rows (all with None), aligned."""
        rows = [self.header(), *self._cells(most)]
        widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
        lines = [self.summary()] + ([self.note] if self.note else [])
        for k, r in enumerate(rows):
            lines.append(
                "  ".join(
                    c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))
                )
            )
            if k == 0:
                lines.append("  ".join("-" * w for w in widths))
        if most is not None and len(self) > most:
            lines.append(f"… {len(self) - most} more rows (.text(most=None) shows them all)")
        return "\n".join(lines)

    __str__ = text

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.header())
        body = "".join(
            "<tr>"
            + f"<td><code>{html.escape(c[0])}</code></td>"
            + "".join(
                f'<td style="text-align:right"><code>{html.escape(v)}</code></td>' for v in c[1:]
            )
            + "</tr>"
            for c in self._cells(8)
        )
        more = f"<p>… {len(self) - 8} more rows</p>" if len(self) > 8 else ""
        note = f"<p>{html.escape(self.note)}</p>" if self.note else ""
        return (
            f"<p><b>{html.escape(self.summary())}</b></p>{note}"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"
        )


# ---- reading the pass into lists ----------------------------------------------------------


def _h_prime(bp: BatchPass, l: int, z: float) -> float:  # noqa: E741
    return H_PRIME[bp.activation(l)](z)


def _delta(bp: BatchPass, l: int) -> list[list[float]]:  # noqa: E741
    """δ^l of every example, δ[n][i] = ∂C/∂z^l_i, as the engine left it."""
    return [[v.grad for v in zs] for zs in bp.z[l]]


def _acts(bp: BatchPass, l: int) -> list[list[float]]:  # noqa: E741
    """a^l of every example, a[n][j] (a⁰ = x)."""
    return [[v.data for v in vs] for vs in bp.a[l]]


def _weights(bp: BatchPass, l: int) -> list[list[float]]:  # noqa: E741
    return [[w.data for w in row] for row in bp.W(l)]


# ---- the equations ------------------------------------------------------------------------


def eq_001_3(bp: BatchPass) -> Table:
    """dC/dW^l_ij = Σ_n δ^l_{n,i} a^{l−1}_{n,j} and dC/db^l_i = Σ_n δ^l_{n,i}, every layer."""
    rows = []
    for l in range(1, bp.L + 1):  # noqa: E741
        d, a = _delta(bp, l), _acts(bp, l - 1)
        for i, row in enumerate(bp.W(l)):
            for j, w in enumerate(row):
                terms = [d[n][i] * a[n][j] for n in range(bp.N)]
                slip = None
                if i < len(a[0]):  # 001-2's a_i^{m−1} where a_j^{m−1} belongs
                    slip = math.fsum(d[n][i] * a[n][i] for n in range(bp.N))
                rows.append(
                    Row(f"∂C/∂{w.label}", math.fsum(terms), w.grad, tuple(terms), 1.0, slip)
                )
        for i, b in enumerate(bp.b(l)):
            terms = [d[n][i] for n in range(bp.N)]
            rows.append(Row(f"∂C/∂{b.label}", math.fsum(terms), b.grad, tuple(terms)))
    batch = " summed over the examples: Δ^l (A^{l−1})ᵀ and Δ^l 1" if bp.N > 1 else ""
    return Table(
        "001-3",
        "dC/dW^l = δ^l (a^{l−1})ᵀ, dC/db^l = δ^l" + batch,
        "001-2 writes dz_i/dW_ij = a_i^{m−1}; it is a_j^{m−1} (corrected here; the last column "
        "is δ_i a_i, the slip, where i indexes a^{l−1}).",
        rows,
    )


def eq_003_3(bp: BatchPass) -> Table:
    """δ^L = h'(z^L) ⊙ ∂C/∂a^L (softmax: J(z^L)ᵀ ∂C/∂a^L), with ∂C/∂a^L the engine's."""
    L, rows = bp.L, []
    act = bp.activation(L)
    for n in range(bp.N):
        zs, as_ = bp.z[L][n], bp.a[L][n]
        g = [v.grad for v in as_]
        s = [v.data for v in as_]
        for i, z in enumerate(zs):
            if act == "softmax":  # ∂a_j/∂z_i = s_j(δ_ji − s_i), the engine's stored derivative
                terms = [g[j] * (s[j] * ((1.0 if j == i else 0.0) - s[i])) for j in range(len(s))]
                value, f = math.fsum(terms), 1.0
            else:
                f = _h_prime(bp, L, z.data)
                terms = [g[i]]
                value = f * g[i]
            rows.append(Row(f"∂C/∂{z.label}", value, z.grad, tuple(terms), f))
    form = {"softmax": "J(z^L)ᵀ ∇C(a^L)", "linear": "∇C(a^L) (linear output: h' = 1)"}.get(
        act, f"{act}'(z^L) ⊙ ∇C(a^L)"
    )
    note = "a linear output layer makes a^L and z^L one node: δ^L is ∇C itself." * (act == "linear")
    return Table("003-3", f"δ^L = {form}", note, rows)


def eq_003_4(bp: BatchPass) -> Table:
    """δ^l = h'(z^l) ⊙ (W^{l+1})ᵀ δ^{l+1} for l < L, with δ^{l+1} the engine's."""
    rows = []
    for l in range(1, bp.L):  # noqa: E741
        W = _weights(bp, l + 1)
        d = _delta(bp, l + 1)
        square = len(W) == len(W[0])
        for n in range(bp.N):
            for i, z in enumerate(bp.z[l][n]):
                f = _h_prime(bp, l, z.data)
                terms = [W[k][i] * d[n][k] for k in range(len(W))]
                written = None
                if square:  # 001-4 as written: W^{m+1} dC/dz^{m+1}, no transpose
                    written = f * math.fsum(W[i][k] * d[n][k] for k in range(len(W)))
                rows.append(
                    Row(f"∂C/∂{z.label}", f * math.fsum(terms), z.grad, tuple(terms), f, written)
                )
    return Table(
        "003-4",
        "δ^l = h'(z^l) ⊙ (W^{l+1})ᵀ δ^{l+1}",
        "001-4 writes (W^{m+1} dC/dz^{m+1}) ∘ da^m/dz^m without the ᵀ (corrected here; the "
        "last column is that product where W^{m+1} is square, the only case it is defined).",
        rows,
    )


def eq_004_18(bp: BatchPass) -> list[Table]:
    """Y = XW + B for every layer, in 004's layout (rows are examples): the forward product
    and ∂C/∂W = Xᵀ ∂C/∂Y, ∂C/∂X = ∂C/∂Y Wᵀ, ∂C/∂B = column sums of ∂C/∂Y."""
    fwd, dW, dX, dB = [], [], [], []
    for l in range(1, bp.L + 1):  # noqa: E741
        X = _acts(bp, l - 1)  # N × n_{l−1}
        Wt = [list(col) for col in zip(*_weights(bp, l), strict=True)]  # W = (W^l)ᵀ: n_{l−1} × n_l
        B = [b.data for b in bp.b(l)]
        G = _delta(bp, l)  # ∂C/∂Y = (Δ^l)ᵀ: N × n_l
        n_in, n_out = len(Wt), len(B)
        for n in range(bp.N):
            for i in range(n_out):
                terms = [X[n][j] * Wt[j][i] for j in range(n_in)]
                z = bp.z[l][n][i]
                fwd.append(Row(z.label, math.fsum(terms) + B[i], z.data, (*terms, B[i])))
        for j in range(n_in):
            for i in range(n_out):
                terms = [X[n][j] * G[n][i] for n in range(bp.N)]
                w = bp.W(l)[i][j]
                dW.append(
                    Row(f"(XᵀG)[{j},{i}] = ∂C/∂{w.label}", math.fsum(terms), w.grad, tuple(terms))
                )
        for n in range(bp.N):
            for j in range(n_in):
                terms = [G[n][i] * Wt[j][i] for i in range(n_out)]
                x = bp.a[l - 1][n][j]
                dX.append(
                    Row(f"(GWᵀ)[{n},{j}] = ∂C/∂{x.label}", math.fsum(terms), x.grad, tuple(terms))
                )
        for i, b in enumerate(bp.b(l)):
            terms = [G[n][i] for n in range(bp.N)]
            written = G[0][i] if bp.N == 1 else None  # ∂L/∂B = ∂L/∂Y: a vector only for N = 1
            dB.append(
                Row(
                    f"Σₙ G[n,{i}] = ∂C/∂{b.label}",
                    math.fsum(terms),
                    b.grad,
                    tuple(terms),
                    1.0,
                    written,
                )
            )
    layout = "Y = (Z^l)ᵀ, X = (A^{l−1})ᵀ, W = (W^l)ᵀ, G = ∂C/∂Y = (Δ^l)ᵀ, rows n are examples"
    return [
        Table("004-18", "Y = XW + B (forward, the engine's z^l)", layout, fwd),
        Table("004-18", "∂C/∂W = Xᵀ ∂C/∂Y", layout, dW),
        Table("004-18", "∂C/∂X = ∂C/∂Y Wᵀ", layout + "; for l = 1, X is the input x", dX),
        Table(
            "004-18",
            "∂C/∂B = ∂C/∂Y summed over the rows",
            "The notes write ∂L/∂B = ∂L/∂Y: right for one example (the last column); for a batch "
            "B is one bias row shared by every row of X, so its gradient is the column sum.",
            dB,
        ),
    ]


def eq_004_10(bp: BatchPass) -> Table:
    """∂C/∂w = Σ_n ∂C_n/∂w: each example's gradient from a backward pass of its own (`grad`,
    which leaves `.grad` alone), summed, against the batch pass's `.grad`."""
    named = bp.model.named_parameters()
    params = [p for _, p in named]
    per = [grad(Cn, params) for Cn in bp.losses]
    rows = []
    for k, (name, p) in enumerate(named):
        terms = [g[k] for g in per]
        rows.append(Row(f"∂C/∂{name}", math.fsum(terms), p.grad, tuple(terms)))
    return Table("004-10", f"∂C/∂w = Σ_n ∂C_n/∂w over {bp.N} example(s)", "", rows)


def check(bp: BatchPass) -> list[Table]:
    """Every equation above on one pass, in the order of EQUATIONS.md."""
    return [eq_001_3(bp), eq_003_3(bp), eq_003_4(bp), *eq_004_18(bp), eq_004_10(bp)]


__all__ = [
    "Row",
    "Table",
    "bound",
    "check",
    "eq_001_3",
    "eq_003_3",
    "eq_003_4",
    "eq_004_10",
    "eq_004_18",
    "gamma",
]
