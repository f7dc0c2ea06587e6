"""What `check_engine` found, as `EngineReport`: each case's `CaseResult`, the bugs (each named
once, with the cases that show it) kept apart from the lecture's own limits, the cost of the
learner's `backward()`, a short repr, full tables in `str()` and HTML."""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field

from .cases import BEYOND
from .cost import Cost, power_text

PASS, FAIL, MISSING, NOT_RUN = "pass", "fail", "not implemented", "not run"
LIMIT = "lecture's limit"  # a beyond-the-lecture case failing as micrograd's own engine does
POLICY = "policy"  # a deliberate choice that gives right gradients (zeroing in backward)
STATUSES = (PASS, FAIL, LIMIT, POLICY, MISSING, NOT_RUN)
LEFT = "text-align:left;"  # on each cell: notebook front ends align table cells right
COLOURS = {
    PASS: "#2ca02c",
    FAIL: "#d62728",
    LIMIT: "#9467bd",
    POLICY: "#1f77b4",
    MISSING: "#ff7f0e",
    NOT_RUN: "#7f7f7f",
}


@dataclass
class CaseResult:
    """What one case gave. `status`: pass, fail (a bug), lecture's limit (a beyond-the-lecture
    case failing as micrograd's own engine does), policy, not implemented, or not run."""

    name: str
    expression: str
    status: str
    lines: list[str] = field(default_factory=list)  # the numbers, or the exception quoted
    diagnosis: str = ""
    kind: str = "lecture"
    bug: tuple[str, ...] = ()  # the same bug in several cases has the same key
    uses: tuple[str, ...] = ()  # the learner's methods its run was seen to call (wrong values)
    cites: str = ""  # the case whose evidence this one's diagnosis points to
    made: tuple[str, ...] = ()  # a node of the wrong kind: its maker, the maker's class, file, line

    @property
    def ok(self) -> bool:
        """Passed, or gave right gradients by a policy of its own."""
        return self.status in (PASS, POLICY)

    def __repr__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        parts = [f"{self.name} ({self.status}): {self.expression}", *self.lines]
        if self.diagnosis:
            parts.append(self.diagnosis)
        return "\n  ".join(parts)


@dataclass(frozen=True)
class Bug:
    """One bug, with the cases that show it."""

    diagnosis: str
    cases: tuple[str, ...]


class EngineReport:
    """The cases of one `check_engine` run. `.ok`: no bugs, and every lecture case checked;
    `.strict`: also every beyond-the-lecture case passes. `.bugs`, `.cases` (also by name or
    number: `report["a + a"]`, `for case in report`), `.cost`, `.assert_ok()`, `.failing()`;
    a short repr, the full table in `str(report)` and in HTML."""

    def __init__(
        self,
        engine: str,
        cases: list[CaseResult],
        shown: list[CaseResult] | None = None,
        notes: list[str] | None = None,
        cost: Cost | None = None,
        unchecked: str = "",
    ) -> None:
        self.engine = engine
        self.cases = cases
        self.shown = cases if shown is None else shown  # the rows that text and HTML show
        self.notes = notes or []  # said once, at the top (attribute names, missing dunders)
        self.cost = cost or Cost()
        self.unchecked = unchecked  # why no case could run, if none could

    # ---- the verdicts --------------------------------------------------------------------

    @property
    def bugs(self) -> list[Bug]:
        """Each bug whose cause was found once, in the order of the first case that shows it."""
        seen: dict[tuple[str, ...], list[CaseResult]] = {}
        for c in self.cases:
            if c.status == FAIL and c.diagnosis:
                seen.setdefault(c.bug or ("case", c.name), []).append(c)
        return [
            Bug(next((c for c in cs if not c.cites), cs[0]).diagnosis, tuple(c.name for c in cs))
            for cs in seen.values()
        ]

    @property
    def unexplained(self) -> list[CaseResult]:
        """The cases that fail with no cause found (their numbers are the evidence)."""
        return [c for c in self.cases if c.status == FAIL and not c.diagnosis]

    @property
    def ok(self) -> bool:
        """No bugs, and every lecture case checked (an op not implemented, or a lecture case
        not run, is not ok; a beyond-the-lecture case failing as micrograd's does is)."""
        return not self.failures() and not self.unchecked

    @property
    def strict(self) -> bool:
        """`.ok`, and every beyond-the-lecture case passes too (a policy of zeroing counts)."""
        return self.ok and all(c.ok for c in self.cases if c.kind == BEYOND)

    def failures(self, allow_missing: bool = False) -> list[CaseResult]:
        """The cases that make the report not ok: bugs, lecture cases not run, and (unless
        `allow_missing`) cases whose op is not implemented."""
        bad = []
        for c in self.cases:
            if c.status == FAIL or (c.status == MISSING and not allow_missing):
                bad.append(c)
            elif c.status == NOT_RUN and c.kind != BEYOND:
                bad.append(c)
        return bad

    def assert_ok(self, allow_missing: bool = False, strict: bool = False) -> None:
        """Raise AssertionError quoting the first case that is not ok (with `strict`, a
        beyond-the-lecture case that does not pass counts too)."""
        bad = self.failures(allow_missing)
        if strict:
            bad += [c for c in self.cases if c.kind == BEYOND and not c.ok and c not in bad]
        if self.unchecked:
            raise AssertionError(f"{self.engine}: not checked: {self.unchecked}")
        if bad:
            raise AssertionError(
                f"{self.engine}: {len(bad)} of {len(self.cases)} cases are not ok; the first: "
                + bad[0].summary()
            )

    def failing(self) -> EngineReport:
        """The same report showing only the cases that did not pass (not the ops not
        implemented)."""
        shown = [c for c in self.cases if c.status in (FAIL, LIMIT, NOT_RUN)]
        return EngineReport(self.engine, self.cases, shown, self.notes, self.cost, self.unchecked)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for c in self.cases:
            out[c.status] += 1
        return out

    # ---- as a sequence of cases ----------------------------------------------------------

    def __iter__(self) -> Iterator[CaseResult]:
        return iter(self.cases)

    def __len__(self) -> int:
        return len(self.cases)

    def __getitem__(self, key: str | int) -> CaseResult:
        if isinstance(key, int):
            return self.cases[key]
        for c in self.cases:
            if c.name == key:
                return c
        raise KeyError(f"no case named {key!r}; the cases are {[c.name for c in self.cases]}")

    # ---- in words ------------------------------------------------------------------------

    def headline(self) -> str:
        """One line: the bugs, then the lecture's limits, apart."""
        who = f"check_engine({self.engine})"
        if self.unchecked:
            return f"{who}: not checked: {self.unchecked}"
        n = self.counts()
        lecture = [c for c in self.cases if c.kind != BEYOND]
        beyond = [c for c in self.cases if c.kind == BEYOND]
        parts = []
        bugs, unexplained = self.bugs, self.unexplained
        if bugs or unexplained:
            failing = sum(len(b.cases) for b in bugs)
            found = f"{_n(len(bugs), 'bug')} found, in {_n(failing, 'case')}; " if bugs else ""
            more = "more " if bugs else ""
            if unexplained:
                found += f"{len(unexplained)} {more}failing with no cause found; "
            parts.append(f"{found}{n[PASS] + n[POLICY]} of {len(self.cases)} cases pass")
        else:
            ran = [c for c in lecture if c.status not in (MISSING, NOT_RUN)]
            if len(ran) == len(lecture):
                parts.append(f"all {len(lecture)} lecture cases pass")
            elif ran:
                parts.append(f"the {len(ran)} lecture cases it implements pass")
        limits = [c.name for c in beyond if c.status == LIMIT]
        if limits:
            verb = "fails" if len(limits) == 1 else "fail"
            parts.append(
                f"{_n(len(limits), 'beyond-the-lecture case')} {verb} as micrograd's own engine "
                f"does ({', '.join(limits)})"
            )
        if any(c.status == POLICY for c in beyond):
            parts.append("backward() zeroes the gradients first (a policy, explained below)")
        if not bugs and beyond and all(c.status == PASS for c in beyond):
            parts.append(f"the {len(beyond)} beyond-the-lecture cases pass too")
        if n[MISSING]:
            parts.append(f"{n[MISSING]} not implemented")
        if n[NOT_RUN]:
            slow = self.cost.power
            why = (
                f" (backward() grows about as {power_text(slow)}: see the cost)"
                if slow and slow > 1
                else ""
            )
            parts.append(f"{n[NOT_RUN]} not run{why}")
        line = f"{who}: " + "; ".join(parts)
        if self.shown is not self.cases:
            line += f" (showing the {len(self.shown)} that did not pass)"
        return line

    def _bug_lines(self) -> list[str]:
        lines = [f"bug: {b.diagnosis} (in {_names(b.cases)})" for b in self.bugs]
        if self.unexplained:
            names = tuple(c.name for c in self.unexplained)
            lines.append(f"failing, no cause found: {_names(names)} (their numbers are below)")
        return lines

    def __repr__(self) -> str:
        """A few lines: the headline, each bug once, and where the tables are."""
        rows = [self.headline(), *self.notes[:2], *self._bug_lines()[:5]]
        if len(self.bugs) > 5:
            rows.append(f"… and {len(self.bugs) - 5} more bugs")
        rows.append("print(report) for every case; report.failing() for those that did not pass")
        return "\n".join(rows)

    def __str__(self) -> str:
        """The full table: every shown case, its numbers and its diagnosis."""
        width = max((len(c.name) for c in self.shown), default=0)
        rows = [self.headline(), *self.notes]
        for c in self.shown:
            status = c.status.upper() if c.status == FAIL else c.status
            rows.append(f"  {status:<15}  {c.name:<{width}}  {c.expression}")
            pad = " " * (21 + width)
            rows.extend(pad + line for line in c.lines)
            if c.diagnosis:
                rows.append(pad + "→ " + c.diagnosis)
        cost = self.cost.words()
        if cost:
            rows.append("cost: " + cost)
        return "\n".join(rows)

    def _repr_html_(self) -> str:
        rows = []
        for c in self.shown:
            notes = "".join(f"<div>{html.escape(line)}</div>" for line in c.lines)
            if c.diagnosis:
                notes += f"<div><b>→ {html.escape(c.diagnosis)}</b></div>"
            rows.append(
                f'<tr style="vertical-align:top"><td style="{LEFT}color:{COLOURS[c.status]};'
                f'white-space:nowrap">{html.escape(c.status)}</td>'
                f'<td style="{LEFT}white-space:nowrap"><code>{html.escape(c.name)}</code></td>'
                f'<td style="{LEFT}"><code>{html.escape(c.expression)}</code>'
                f"{notes}</td></tr>"
            )
        top = "".join(f"<p>{html.escape(t)}</p>" for t in self.notes)
        bugs = "".join(
            f"<li>{html.escape(t[5:] if t.startswith('bug: ') else t)}</li>"
            for t in self._bug_lines()
        )
        cost = self.cost.words()
        return (
            f"<div><p><b>{html.escape(self.headline())}</b></p>{top}"
            + (f"<p>Bugs:</p><ul>{bugs}</ul>" if bugs else "")
            + (f"<p>Cost: {html.escape(cost)}</p>" if cost else "")
            + f'<table><tr><th style="{LEFT}">status</th><th style="{LEFT}">case</th>'
            f'<th style="{LEFT}">expression, and what went wrong</th></tr>'
            f"{''.join(rows)}</table></div>"
        )


def _names(names: tuple[str, ...]) -> str:
    shown = ", ".join(f"`{c}`" for c in names[:4])
    return shown + (f" and {len(names) - 4} more" if len(names) > 4 else "")


def _n(k: int, what: str) -> str:
    return f"{k} {what}" + ("" if k == 1 else "s")
