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
            notes_text = f"as written {_fmt(w)}; corrected {notes_text}"
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


def _fmt(values: Sequence[float], most: int = 4) -> str:
    shown = ", ".join(f"{v:.10g}" for v in values[:most])
    more = f", … ({len(values)} values)" if len(values) > most else ""
    return f"[{shown}{more}]" if len(values) != 1 else shown
