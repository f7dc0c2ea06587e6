"""Which op of chainrule's table made a learner's node, read from the numbers alone: the node's
value, its inputs' values and, where the node stores them (microgpt), its local derivatives.

`fits(y, xs, ds)` lists every op of the table that gives `y` from `xs` (and `ds` as its local
derivatives), with the local derivatives chainrule's entry gives. A learner's nodes keep their
constants as leaves (`x * 2` has a leaf 2), so a node of one input is a function (exp, tanh, …),
a power with a plain-number exponent, or an op of two inputs given the same node twice (`a + a`
in a set of children). Where more than one op fits (relu and tanh both give 0 at 0), the op is
not known from these numbers, and nothing is claimed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .. import ops

UNARY = (
    ops.EXP,
    ops.LOG,
    ops.TANH,
    ops.RELU,
    ops.SIGMOID,
    ops.SIN,
    ops.COS,
    ops.ATAN,
    ops.SOFTPLUS,
    ops.NEG,
)
BINARY = (ops.ADD, ops.SUB, ops.MUL, ops.DIV, ops.POW)
NAMES = {
    "+": ops.ADD,
    "add": ops.ADD,
    "-": ops.SUB,
    "sub": ops.SUB,
    "*": ops.MUL,
    "×": ops.MUL,
    "mul": ops.MUL,
    "/": ops.DIV,
    "÷": ops.DIV,
    "div": ops.DIV,
    "neg": ops.NEG,
    **{op.name: op for op in UNARY},
}
_POWER = re.compile(r"^\s*(?:\*\*|\^|pow)\s*\(?\s*([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)?")


@dataclass(frozen=True)
class Fit:
    """One op that explains a node: the entry, its folded number (a power's exponent), and for
    each input as the learner's node lists them, ∂node/∂input of each use of it (two uses where
    a set of children holds the one node of `a * a`)."""

    op: ops.Op
    param: float | None
    parts: tuple[tuple[float, ...], ...]

    @property
    def local(self) -> tuple[float, ...]:
        """∂node/∂input for each input (its uses added)."""
        return tuple(sum(p) for p in self.parts)

    def drawn(self) -> str:
        """The op as chainrule's drawings write it (`×`, `· ** 3`, `tanh`)."""
        return self.op.drawn(self.param)


def close(got: float, want: float) -> bool:
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)


def _exponent(c: float) -> bool:
    """A power a learner writes: a multiple of ½, not 0 or 1 (x**1 would fit every identity)."""
    return math.isfinite(c) and abs(2 * c - round(2 * c)) < 1e-9 and round(2 * c) not in (0, 2)


def _binary(op: ops.Op, a: float, b: float) -> tuple[float, float, float] | None:
    if op is ops.POW:  # the exponent's derivative needs ln a: NaN where a ≤ 0, not an error
        if a <= 0 and not float(b).is_integer():
            return None
        y = ops.power(a, b)
        return (
            y,
            (0.0 if b == 0 else b * ops.power(a, b - 1)),
            (y * math.log(a) if a > 0 else math.nan),
        )
    try:
        return op.forward(a, b)
    except (ArithmeticError, ValueError):
        return None


def _unary(op: ops.Op, x: float) -> tuple[float, float] | None:
    try:
        if op.domain is not None and op.domain(x):
            return None
        return op.forward(x)
    except (ArithmeticError, ValueError):
        return None


def _powers(y: float, x: float, d: float | None, hint: float | None) -> list[float]:
    """The exponents c with x**c = y worth trying."""
    if hint is not None:
        return [hint]
    if d is not None and y != 0:
        return [d * x / y]
    if x not in (0.0, 1.0, -1.0) and y != 0 and abs(y) != 1:
        return [math.log(abs(y)) / math.log(abs(x))]
    return []


def fits(
    y: float,
    xs: list[float],
    ds: list[float] | None = None,
    ordered: bool = True,
    name: str = "",
    prefer: frozenset[str] = frozenset(),
    made: frozenset[str] = frozenset(),
) -> list[Fit]:
    """Every op of the table that gives `y` from inputs `xs` (and local derivatives `ds`, when
    the node stores them); `ordered=False` for a set of inputs, whose order is not known. A
    learner's op name (`name`: "+", "**3", "ReLU"), else the op of the method seen to make the
    node (`made`: `__mul__` makes a `mul`), else the ops the expression is known to use
    (`prefer`, entry names), choose among several that fit."""
    if not all(math.isfinite(v) for v in (y, *xs, *(ds or ()))):
        return []
    found: list[Fit] = []

    def keep(op: ops.Op, param: float | None, value: float, *parts: tuple[float, ...]) -> None:
        local = [sum(p) for p in parts]
        if close(value, y) and (ds is None or all(close(d, w) for d, w in zip(ds, local))):
            found.append(Fit(op, param, parts))

    hint = _power_hint(name)
    if len(xs) == 1:
        (x,) = xs
        for op in UNARY:
            r = _unary(op, x)
            if r is not None:
                keep(op, None, r[0], (r[1],))
        for c in _powers(y, x, ds[0] if ds else None, hint):
            if _exponent(c) and not (x < 0 and not c.is_integer()) and not (x == 0 and c < 0):
                c = round(2 * c) / 2 if hint is None else c
                value, d = ops.POW_C.forward(x, c)
                keep(ops.POW_C, c, value, (d,))
        if not ordered:  # `a + a` with a set of children: one input, given twice
            for op in BINARY:
                r = _binary(op, x, x)
                if r is not None:
                    keep(op, None, r[0], (r[1], r[2]))
    elif len(xs) == 2:
        a, b = xs
        for op in BINARY:
            r = _binary(op, a, b)
            if r is not None:
                keep(op, None, r[0], (r[1],), (r[2],))
            if not ordered:
                r = _binary(op, b, a)
                if r is not None:
                    keep(op, None, r[0], (r[2],), (r[1],))
    elif len(xs) > 2:
        keep(ops.SUM, 0.0, math.fsum(xs), *((1.0,),) * len(xs))
    named = NAMES.get(name.strip().lower() if isinstance(name, str) else "")
    if hint is not None or (isinstance(name, str) and _POWER.match(name)):
        named = ops.POW_C if len(xs) == 1 else ops.POW
    chosen = [f for f in found if f.op is named]
    if not chosen and made:  # `x * 0.5` is also x ** 0.5 at x = 4; __mul__ made it
        chosen = [f for f in found if f.op.name in made]
    if not chosen and prefer:  # the ops the expression uses, where several fit
        chosen = [f for f in found if f.op.name in prefer]
    return chosen or found


def _power_hint(name: object) -> float | None:
    """The exponent in a learner's op name: "**3", "^-1", "**0.5" (None if it names none)."""
    if not isinstance(name, str):
        return None
    m = _POWER.match(name)
    if not m or not m.group(1):
        return None
    try:
        return float(m.group(1))
    except ValueError:
        return None


def one_op(found: list[Fit]) -> Fit | None:
    """The op, if exactly one op of the table (with one folded number) fits."""
    ops_found = {(f.op.name, f.param) for f in found}
    return found[0] if len(ops_found) == 1 else None


def local(found: list[Fit]) -> tuple[float, ...] | None:
    """The local derivatives, if every op that fits gives the same ones."""
    if not found:
        return None
    first = found[0].local
    same = all(
        len(f.local) == len(first) and all(close(a, b) for a, b in zip(f.local, first))
        for f in found
    )
    return first if same else None


def parts_at(found: list[Fit], k: int) -> tuple[float, ...] | None:
    """∂node/∂input k for each use of it, if every op that fits gives the same (a constant's
    input may be told by no op, `x * -1` being `x / -1`, while the other input's is known)."""
    if not found or any(len(f.parts) <= k for f in found):
        return None
    first = found[0].parts[k]
    for f in found[1:]:
        p = f.parts[k]
        if len(p) != len(first) or not all(close(a, b) for a, b in zip(p, first)):
            return None
    return first
