"""One entry of the register: the equation's id and words, the check that computes its `Sides`,
and the `Result` that compares them (`close`, to REL_TOL)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

REL_TOL = 1e-9
"""Agreement asked of every deterministic check: relative, with a 1e-15 floor for zeros."""
ABS_TOL = 1e-15


@dataclass(frozen=True)
class Result:
    """Both sides of one equation and whether the project's claim holds."""

    id: str
    words: str
    engine: str  # the engine's number(s), as text
    notes: str  # the notes' side, as text (as written, and corrected where the notes are wrong)
    holds: bool  # the project's claim (for a wrong line: its correction) holds
    notes_wrong: bool  # the notes' line, as written, disagrees with the engine
    detail: str  # what was compared; where the notes are wrong, the line and the correction
    engine_values: tuple[float, ...] = ()
    notes_values: tuple[float, ...] = ()  # the notes' formula (corrected where it is wrong)
    written_values: tuple[float, ...] = ()  # the notes' line as written, where it is wrong
    extra: dict[str, float] = field(default_factory=dict)  # further numbers a check reports
    tolerance: str = f"relative {REL_TOL:g}"

    @property
    def status(self) -> str:
        """What the check found, in words that cannot be misread."""
        if not self.holds:
            return "✗ FAILS"
        return "✗ as written, ✓ corrected" if self.notes_wrong else "✓ holds as written"

    def row(self) -> str:
        """One line for a table of results: the id, the status, the equation in words."""
        return f"{self.id:7} {self.status:26} {self.words}"


@dataclass(frozen=True)
class Entry:
    """One equation id: its words and the function that checks it."""

    id: str
    words: str
    compute: Callable[[], Sides]

    def check(self) -> Result:
        """Compute both sides and compare them."""
        s = self.compute()
        e = tuple(float(v) for v in s.engine)
        n = tuple(float(v) for v in s.notes)
        w = tuple(float(v) for v in s.written)
        holds = close(e, n, s.rel_tol, s.abs_tol) if s.holds is None else bool(s.holds)
        wrong = bool(w) and not close(e, w, s.rel_tol, s.abs_tol)
        notes_text = _fmt(n)
        if w:
            written, corrected = written_and_corrected(w, n)
            notes_text = f"as written {written}; corrected {corrected}"
        return Result(
            id=self.id,
            words=self.words,
            engine=s.engine_text or _fmt(e),
            notes=s.notes_text or notes_text,
            holds=holds,
            notes_wrong=wrong,
            detail=s.detail,
            engine_values=e,
            notes_values=n,
            written_values=w,
            extra=dict(s.extra),
            tolerance=s.tolerance or f"relative {s.rel_tol:g}",
        )

    __call__ = check


@dataclass
class Sides:
    """What a check computes: the engine's numbers, the notes' numbers, and how to judge them."""

    engine: Sequence[float]
    notes: Sequence[float]
    detail: str = ""
    written: Sequence[float] = ()
    holds: bool | None = None  # None: the two sides agree to rel_tol
    extra: dict[str, float] = field(default_factory=dict)
    rel_tol: float = REL_TOL
    abs_tol: float = ABS_TOL
    tolerance: str = ""
    engine_text: str = ""
    notes_text: str = ""


def checks(id: str, words: str) -> Callable[[Callable[[], Sides]], Entry]:
    """Decorator: the function computing both sides becomes the Entry of equation `id`."""

    def make(compute: Callable[[], Sides]) -> Entry:
        return Entry(id, words, compute)

    return make


def close(a: Sequence[float], b: Sequence[float], rel: float = REL_TOL, abs_: float = ABS_TOL):
    """Same length and |a_i − b_i| ≤ max(rel·max(|a_i|, |b_i|), abs_) for every i."""
    return len(a) == len(b) and all(
        math.isclose(x, y, rel_tol=rel, abs_tol=abs_) for x, y in zip(a, b, strict=True)
    )


def _num(v: float, digits: int = 10) -> str:
    return f"{v + 0.0:.{digits}g}"  # + 0.0: a zero prints as 0, never -0


def _fmt(values: Sequence[float], most: int = 4) -> str:
    shown = ", ".join(_num(v) for v in values[:most])
    more = f", … ({len(values)} values)" if len(values) > most else ""
    return f"[{shown}{more}]" if len(values) != 1 else shown


def _apart(a: float, b: float) -> int:
    """The fewest significant digits (10 to 17) at which a and b print differently."""
    return next((d for d in range(10, 18) if _num(a, d) != _num(b, d)), 17)


def differing(a: Sequence[float], b: Sequence[float]) -> list[int]:
    """The indices where a and b disagree (by `close`)."""
    return [i for i, (x, y) in enumerate(zip(a, b)) if not close([x], [y])]


def written_and_corrected(
    written: Sequence[float], corrected: Sequence[float], *others: Sequence[float], most: int = 4
) -> tuple[str, ...]:
    """The notes' values as written and as corrected (then `others`, e.g. the engine's, at the
    same places), printed so that the first two differ visibly: the first `most` values where
    those include a difference, else the elements that differ (`[i] value`), each with as many
    digits as it takes to tell written from corrected."""
    lists = (written, corrected, *others)
    off = differing(written, corrected)
    if any(len(v) != len(written) for v in lists) or not off:
        return tuple(_fmt(v, most) for v in lists)
    if off[0] < most:
        shown = range(min(most, len(written)))
        digits = {i: _apart(written[i], corrected[i]) if i in off else 10 for i in shown}
        more = f", … ({len(written)} values)" if len(written) > most else ""

        def row(values: Sequence[float]) -> str:
            text = ", ".join(_num(values[i], digits[i]) for i in shown)
            return f"[{text}{more}]" if len(values) != 1 else text

        return tuple(row(v) for v in lists)
    count = f" ({len(off)} of {len(written)} values differ)"

    def elements(values: Sequence[float]) -> str:
        parts = [f"[{i}] {_num(values[i], _apart(written[i], corrected[i]))}" for i in off[:most]]
        return ", ".join(parts) + (", …" if len(off) > most else "") + count

    return tuple(elements(v) for v in lists)
