"""Checking a learner's gradients node by node, and saying which rule made a wrong one.

The nodes are taken in the order the backward pass reaches them. At each node n the checker
knows ∂L/∂c for every node c that uses n *as the learner has it* (their number where they gave
one, else the right rule applied to theirs), and every local derivative ∂c/∂n. A number is

- right when it matches the engine's gradient;
- carried when it is wrong only because an upstream number was: it matches the right rule
  applied to the learner's own upstream gradients;
- wrong with a diagnosis when it matches what a catalogued mistake (`nn.practice.mistakes`)
  gives from those same numbers — every matching mistake is named, with the number it gives;
- wrong, and nothing more, when no rule fits: a random wrong number gets no made-up cause.

"Matches" means within `ABS_TOL` + `REL_TOL`·|value| (three decimals or three significant
digits, what a hand computation keeps). A bad answer (not a number, an unknown name) is reported
in the verdicts, never raised: a learner's input cannot crash the checker.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from autograd import Value, topological_order

from .mistakes import Edge, Mistake, candidates, name_of

if TYPE_CHECKING:
    from .exercises import Exercise

ABS_TOL = 1e-3
REL_TOL = 1e-3

RIGHT, CARRIED, WRONG, MISSING, INVALID = "right", "carried", "wrong", "missing", "invalid"


def matches(answer: float, value: float) -> bool:
    """|answer − value| ≤ ABS_TOL + REL_TOL·|value|."""
    return abs(answer - value) <= ABS_TOL + REL_TOL * abs(value)


def fmt(x: float) -> str:
    """A number as a learner reads it: 4 significant digits, never -0."""
    return f"{x + 0.0:.4g}"


class Diagnosis(NamedTuple):
    """A mistake whose rule gives the learner's number, where it applies, and that number."""

    mistake: Mistake
    detail: str
    value: float

    def words(self) -> str:
        where = f" ({self.detail})" if self.detail else ""
        return f"{self.mistake.words}{where}: that gives {fmt(self.value)}"


@dataclass(frozen=True)
class Verdict:
    """One asked node: the learner's number, what it is judged, and why."""

    node: str
    answer: float | None
    status: str
    diagnoses: tuple[Diagnosis, ...] = ()
    note: str = ""

    @property
    def mistakes(self) -> list[str]:
        """The names of the matching mistakes."""
        return [d.mistake.name for d in self.diagnoses]

    def why(self) -> str:
        """The verdict in words."""
        if self.status == RIGHT:
            return "right"
        if self.status in (MISSING, INVALID):
            return self.note
        if self.status == CARRIED:
            return self.note
        if not self.diagnoses:
            return "wrong; no rule of the catalogue gives this number"
        return "wrong: " + "; or ".join(d.words() for d in self.diagnoses)


def _number(value: object) -> tuple[float | None, str]:
    """The learner's answer as a float, or None with what is wrong with it."""
    if value is None or value is Ellipsis:
        return None, "no answer yet"
    if isinstance(value, bool):
        return None, f"not a number: {value!r}"
    try:
        x = float(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        text = repr(value)
        return None, f"not a number: {text if len(text) <= 40 else text[:40] + '…'}"
    if not math.isfinite(x):
        return None, f"not a finite number: {x!r}"
    return x, ""


class Report:
    """The verdict on each asked node, in backward order; `draw()` marks the first wrong one."""

    def __init__(self, exercise: Exercise, reached: list[Verdict], unknown: list[str]) -> None:
        self.exercise = exercise
        self.reached = reached  # in the order backward reaches the nodes
        by_name = {v.node: v for v in reached}
        self.verdicts = [by_name[name] for name in exercise.asked]  # in the exercise's order
        self.unknown = unknown

    @property
    def done(self) -> bool:
        """Some answer was given."""
        return any(v.status != MISSING for v in self.verdicts)

    @property
    def right(self) -> int:
        """How many nodes are right."""
        return sum(v.status == RIGHT for v in self.verdicts)

    @property
    def all_right(self) -> bool:
        """Every asked node is right (and no unknown name was given)."""
        return self.right == len(self.verdicts) and not self.unknown

    @property
    def first_wrong(self) -> Verdict | None:
        """The first node backward reaches whose number is wrong: where a mistake entered."""
        for status in (WRONG, CARRIED, INVALID):
            for v in self.reached:
                if v.status == status:
                    return v
        return None

    def __getitem__(self, node: str) -> Verdict:
        for v in self.verdicts:
            if v.node == node:
                return v
        raise KeyError(f"{node!r} is not asked in this exercise")

    def draw(self):
        """The exercise's drawing, the first wrong node and its paths to L in red."""
        first = self.first_wrong
        return self.exercise.draw(highlight=None if first is None else first.node)

    def summary(self) -> str:
        """One line: done or not, and the score."""
        n = len(self.verdicts)
        if not self.done:
            names = ", ".join(v.node for v in self.verdicts)
            return f"not done yet: give a number for each of {names}"
        first = self.first_wrong
        where = f"; the first wrong number is ∂L/∂{first.node}" if first else ""
        return f"{self.right} of {n} right{where}"

    def text(self) -> str:
        """The summary and one line per node: answer, ✓/✗, why."""
        lines = [self.summary()]
        if not self.done:
            return lines[0]
        width = max(len(v.node) for v in self.verdicts)
        for v in self.verdicts:
            mark = {RIGHT: "✓", CARRIED: "✗ carried", WRONG: "✗"}.get(v.status, "·")
            answer = "" if v.answer is None else fmt(v.answer)
            text = "" if v.status == RIGHT else v.why()
            lines.append(f"  ∂L/∂{v.node.ljust(width)}  {answer:>9}  {mark:9}  {text}".rstrip())
        for name in self.unknown:
            lines.append(f"  {name!r} is not a node of this exercise")
        return "\n".join(lines)

    __str__ = text

    def __repr__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        if not self.done:
            return f"<p><b>{html.escape(self.summary())}</b></p>"
        rows = []
        for v in self.verdicts:
            mark = {RIGHT: "✓", CARRIED: "✗ carried", WRONG: "✗"}.get(v.status, "·")
            colour = "#2ca02c" if v.status == RIGHT else "#d62728"
            answer = "" if v.answer is None else fmt(v.answer)
            why = "" if v.status == RIGHT else html.escape(v.why())
            rows.append(
                f"<tr><td><code>∂L/∂{html.escape(v.node)}</code></td>"
                f'<td style="text-align:right">{answer}</td>'
                f'<td style="color:{colour}">{mark}</td><td style="text-align:left">{why}</td></tr>'
            )
        rows += [
            f'<tr><td colspan="4">{html.escape(repr(n))} is not a node of this exercise</td></tr>'
            for n in self.unknown
        ]
        return (
            f"<p><b>{html.escape(self.summary())}</b></p><table><thead><tr><th>node</th>"
            "<th>your answer</th><th></th><th>why</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )


def uses(order: list[Value]) -> dict[Value, list[tuple[Value, int]]]:
    """For each node, the (child, k) pairs where it is parent k of child."""
    out: dict[Value, list[tuple[Value, int]]] = {v: [] for v in order}
    for c in order:
        for k, p in enumerate(c.parents):
            out[p].append((c, k))
    return out


def check(exercise: Exercise, answers: Mapping[str, Any] | None) -> Report:
    """Each asked node's verdict (module docstring); `answers` maps node names to numbers."""
    asked = exercise.asked
    by_node = {v: name for name, v in asked.items()}
    given: dict[str, Any] = {}
    unknown: list[str] = []
    if isinstance(answers, Mapping):
        for key, value in answers.items():
            if isinstance(key, str) and key in asked:
                given[key] = value
            else:
                unknown.append(str(key)[:40])
    root = exercise.root
    order = topological_order(root)
    used = uses(order)
    right = exercise.gradients
    implied: dict[Value, float] = {root: 1.0}
    verdicts = []
    for n in reversed(order):
        if n is root:
            continue
        edges = [Edge(c, k, c.local_grads[k], implied[c]) for c, k in used[n]]
        here = math.fsum(e.upstream * e.d for e in edges)
        name = by_node.get(n)
        implied[n] = here
        if name is None:
            continue
        x, problem = _number(given.get(name))
        if x is None:
            status = MISSING if name not in given or given[name] in (None, Ellipsis) else INVALID
            verdicts.append(Verdict(name, None, status, note=problem))
            continue
        implied[n] = x
        if matches(x, right[n]):
            verdicts.append(Verdict(name, x, RIGHT))
            continue
        found = tuple(
            Diagnosis(m, detail, v) for m, detail, v in candidates(n, edges) if matches(x, v)
        )
        if not matches(here, right[n]) and matches(x, here):
            off = [name_of(e.child) for e in edges if not matches(e.upstream, right[e.child])]
            note = (
                "the right rule applied to your ∂L/∂"
                + ", ∂L/∂".join(dict.fromkeys(off))
                + ", which is wrong: fix that first"
            )
            verdicts.append(Verdict(name, x, CARRIED, found, note))
        else:
            verdicts.append(Verdict(name, x, WRONG, found))
    return Report(exercise, verdicts, unknown)


__all__ = [
    "ABS_TOL",
    "REL_TOL",
    "Diagnosis",
    "Report",
    "Verdict",
    "check",
    "matches",
]
