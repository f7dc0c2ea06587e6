"""Check a learner's own `Value` class against chainrule's, one named case at a time.

`check_engine(V)` builds each case of `engine_cases` twice, with `V` and with chainrule's `Value`,
calls `backward()` on both and compares the value and every leaf's gradient. The class is
duck-typed: `V(2.0)`, `.data`, `.grad`, `+ - * /`, `.backward()`, and optionally `**`, `tanh`,
`exp`, `log`, `relu`; its graph, where it exposes one (`_prev` as in the micrograd lecture,
`_children` as in microgpt), is walked to find the first node whose gradient goes wrong.

The learner's code runs in a daemon thread per case, bounded by `timeout` seconds: a class
defined in a notebook cell cannot be sent to a subprocess, and a thread is enough to keep the
checker from hanging. Python cannot stop a thread, so a case that times out keeps running in
the background until the interpreter exits (restart the kernel to stop it); the cases after it
are not run, since that thread slows them down and may change the class's state. A thread stuck
inside one long C call that holds the GIL (`2 ** 10**10`) holds up the checker too, until the
call returns: only a subprocess could bound that, and it cannot run a notebook's class.
"""

from __future__ import annotations

import html
import math
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..value import Value, as_float
from . import nodes as learner
from .cases import CASES, DEEP, RECURSION_LIMIT, Case

PASS, FAIL, MISSING, NOT_RUN = "pass", "fail", "not implemented", "not run"


@dataclass
class CaseResult:
    """What one case gave: `status` is pass, fail, not implemented or not run."""

    name: str
    expression: str
    status: str
    lines: list[str] = field(default_factory=list)  # the numbers, or the exception quoted
    diagnosis: str = ""

    @property
    def ok(self) -> bool:
        return self.status == PASS

    def __repr__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        parts = [f"{self.name} ({self.status}): {self.expression}", *self.lines]
        if self.diagnosis:
            parts.append(self.diagnosis)
        return "\n  ".join(parts)


class EngineReport:
    """The cases of one `check_engine` run: `.ok`, `.cases`, `.assert_ok()`, text and HTML."""

    def __init__(
        self, engine: str, cases: list[CaseResult], shown: list[CaseResult] | None = None
    ) -> None:
        self.engine = engine
        self.cases = cases
        self.shown = cases if shown is None else shown  # the rows that text and HTML show

    def failing(self) -> EngineReport:
        """The same report showing only the cases that fail (not those not implemented)."""
        return EngineReport(self.engine, self.cases, [c for c in self.cases if c.status == FAIL])

    @property
    def ok(self) -> bool:
        """True when every case passed (a case not implemented is not a pass)."""
        return all(c.ok for c in self.cases)

    def __getitem__(self, name: str) -> CaseResult:
        for c in self.cases:
            if c.name == name:
                return c
        raise KeyError(f"no case named {name!r}; the cases are {[c.name for c in self.cases]}")

    def failures(self, allow_missing: bool = False) -> list[CaseResult]:
        """Cases that did not pass (with `allow_missing`: not counting those not implemented)."""
        skip = {PASS, MISSING} if allow_missing else {PASS}
        return [c for c in self.cases if c.status not in skip]

    def assert_ok(self, allow_missing: bool = False) -> None:
        """Raise AssertionError quoting the first case that did not pass."""
        bad = self.failures(allow_missing)
        if bad:
            raise AssertionError(
                f"{self.engine}: {len(bad)} of {len(self.cases)} cases did not pass; the first: "
                + bad[0].summary()
            )

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys((PASS, FAIL, MISSING, NOT_RUN), 0)
        for c in self.cases:
            out[c.status] += 1
        return out

    def headline(self) -> str:
        n = self.counts()
        tail = ", ".join(f"{k} {v}" for k, v in n.items() if k != PASS and v)
        line = f"check_engine({self.engine}): {n[PASS]} of {len(self.cases)} cases pass"
        line += f"; {tail}" if tail else ""
        if self.shown is not self.cases:
            line += f" (showing the {len(self.shown)} that fail)"
        return line

    def __repr__(self) -> str:
        width = max((len(c.name) for c in self.shown), default=0)
        rows = [self.headline()]
        for c in self.shown:
            status = c.status.upper() if c.status == FAIL else c.status
            rows.append(f"  {status:<15}  {c.name:<{width}}  {c.expression}")
            pad = " " * (21 + width)
            rows.extend(pad + line for line in c.lines)
            if c.diagnosis:
                rows.append(pad + "→ " + c.diagnosis)
        return "\n".join(rows)

    def _repr_html_(self) -> str:
        colours = {PASS: "#2ca02c", FAIL: "#d62728", MISSING: "#ff7f0e", NOT_RUN: "#7f7f7f"}
        rows = []
        for c in self.shown:
            notes = "".join(f"<div>{html.escape(line)}</div>" for line in c.lines)
            if c.diagnosis:
                notes += f"<div><b>→ {html.escape(c.diagnosis)}</b></div>"
            rows.append(
                f'<tr style="vertical-align:top"><td style="color:{colours[c.status]};'
                f'white-space:nowrap">{html.escape(c.status)}</td>'
                f'<td style="white-space:nowrap"><code>{html.escape(c.name)}</code></td>'
                f"<td><code>{html.escape(c.expression)}</code>"
                f"{notes}</td></tr>"
            )
        return (
            f"<div><p>{html.escape(self.headline())}</p>"
            '<table style="text-align:left"><tr><th>status</th><th>case</th>'
            f"<th>expression, and what went wrong</th></tr>{''.join(rows)}</table></div>"
        )


# ---- running a case -------------------------------------------------------------------------


class _Wrong(Exception):
    """The learner's class gave something of the wrong kind (not an exception in its code)."""


@dataclass
class _Outcome:
    data: float
    grads: dict[str, float]
    first_wrong: str = ""  # where the gradients first go wrong, walking the learner's graph


def _number(x: object, what: str) -> float:
    f = as_float(x)
    if f is None:  # no repr of the learner's object: its __repr__ is code that may hang
        raise _Wrong(f"{what} is a {type(x).__name__}, not a number")
    return f


def _close(got: float, want: float) -> bool:
    if math.isnan(want):
        return math.isnan(got)
    return math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)


def _reference(case: Case) -> tuple[float, dict[str, float], dict[str, float]]:
    """chainrule's value, leaf grads and the grads of every named node, for `case`."""
    out, nodes = case.build(Value)
    for _ in range(case.calls):
        out.backward()
    grads = {name: nodes[name].grad for name in case.leaves}
    return out.data, grads, {name: n.grad for name, n in nodes.items()} | {"out": out.grad}


def _first_wrong(out: object, nodes: dict[str, Any], want: dict[str, float]) -> str:
    """The first named node, in the order backward visits the learner's graph, whose gradient
    differs from chainrule's for the same sub-expression."""
    attr = learner.children_attr(out)
    if attr is None:
        return ""
    names = {id(n): name for name, n in nodes.items()}
    names.setdefault(id(out), "out")
    for node in reversed(learner.order(out, attr, limit=100_000)):
        name = names.get(id(node))
        if name is None:
            continue
        got = as_float(getattr(node, "grad", None))
        if got is None or not _close(got, want[name]):
            shown = "not a number" if got is None else _fmt(got)
            return f"{name}.grad = {shown}, expected {_fmt(want[name])}"
    return ""


def _learner(case: Case, V: type, want: tuple) -> _Outcome:
    """Run `case` on the learner's class (in the worker thread)."""
    out, nodes = case.build(V)
    if not isinstance(out, V):
        raise _Wrong(f"the result is a {type(out).__name__}, not a {V.__name__}")
    for _ in range(case.calls):
        out.backward()
    data = _number(getattr(out, "data", None), "the result's .data")
    grads = {}
    for name in case.leaves:
        if not isinstance(nodes[name], V):
            raise _Wrong(f"{name} is a {type(nodes[name]).__name__}, not a {V.__name__}")
        grads[name] = _number(getattr(nodes[name], "grad", None), f"{name}.grad")
    outcome = _Outcome(data, grads)
    ok = _close(data, want[0]) and all(_close(grads[n], want[1][n]) for n in case.leaves)
    if not ok and case.calls == 1:
        try:
            outcome.first_wrong = _first_wrong(out, nodes, want[2])
        except Exception as e:  # a property of theirs that raises: the numbers still stand
            outcome.first_wrong = f"(your graph could not be walked: {_quote(e)})"
    return outcome


def _bounded(fn: Callable[[], Any], timeout: float, name: str) -> tuple[bool, Any, Any]:
    """(finished, result, exception) of `fn()` run in a daemon thread for at most `timeout` s."""
    box: dict[str, Any] = {}
    if sys.platform == "emscripten":  # Pyodide (JupyterLite) has no threads: run it here, unbounded
        try:
            return True, fn(), None
        except (Exception, SystemExit) as e:  # an interrupt (KeyboardInterrupt) stops the checker
            return True, None, e

    def run() -> None:
        try:
            box["result"] = fn()
        except BaseException as e:  # SystemExit and KeyboardInterrupt from their code too
            box["error"] = e

    worker = threading.Thread(target=run, name=f"check_engine: {name}", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        return False, None, None
    return True, box.get("result"), box.get("error")


def _fmt(x: float) -> str:
    return repr(int(x)) if x.is_integer() and abs(x) < 1e16 else f"{x:.10g}"


def _quote(e: BaseException) -> str:
    try:
        text = str(e)
    except Exception:
        text = "(its message could not be read)"
    if len(text) > 200:
        text = text[:200] + "…"
    where = ""
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename != __file__]
    if frames:
        where = f" (in {frames[-1].name}, line {frames[-1].lineno})"
    return f"{type(e).__name__}: {text}{where}" if text else f"{type(e).__name__}{where}"


_REFLECTED = {
    "__radd__": "+",
    "__rsub__": "-",
    "__rmul__": "*",
    "__rtruediv__": "/",
}


def _missing(case: Case, V: type, missing: list[str]) -> str:
    text = f"{V.__name__} has no {', '.join(missing)}"
    for m in missing:
        if m in _REFLECTED:
            op = _REFLECTED[m]
            text += (
                f"; `2 {op} x` asks int first, which does not know {V.__name__}, then "
                f"{V.__name__}.{m}: add it (e.g. `def {m}(self, other): return ...`)"
            )
            break
    return text


_OPTIONAL = ("tanh", "exp", "log", "relu")

# What a local derivative should be, for a diagnosis that names it.
_RULES = {
    "tanh": "∂tanh(x)/∂x = 1 − tanh(x)², that is 1 − out.data**2",
    "pow": "∂(x**n)/∂x = n·x**(n−1)",
    "exp": "∂exp(x)/∂x = exp(x), that is out.data",
    "log": "∂log(x)/∂x = 1/x",
    "relu": "∂relu(x)/∂x = 1 for x > 0, 0 otherwise",
}


def _wrong_rule(case: Case, x: float, got: float) -> str:
    """What a wrong local derivative of a one-input case looks like, if it is a known slip."""
    slips: dict[str, list[tuple[str, float]]] = {}
    if case.about == "tanh":
        t = math.tanh(x)
        slips["tanh"] = [
            ("1 − tanh(x), the square is missing", 1 - t),
            ("1 − x², the input squared instead of the output", 1 - x * x),
            ("tanh(x)²", t * t),
            ("1 + tanh(x)², a sign", 1 + t * t),
        ]
    if case.about == "pow" and case.name.startswith("x ** "):
        n = float(case.name.split("**")[1])
        slips["pow"] = [
            ("n·x**n, the exponent is not lowered by one", n * x**n),
            ("x**(n−1), the factor n is missing", x ** (n - 1)),
            ("n·x**(n+1)", n * x ** (n + 1)),
        ]
    for what, value in slips.get(case.about, []):
        if _close(got, value):
            return f"; yours is {what}"
    return ""


def _diagnose(
    case: Case, want: tuple, got: _Outcome | None, error: BaseException | None
) -> tuple[str, str]:
    """(status, diagnosis) for a case that did not pass."""
    name = case.name
    if isinstance(error, TypeError) and "unsupported operand" in str(error):
        return MISSING, f"an operator returns NotImplemented for this operand ({error})"
    if isinstance(error, TypeError) and "bad operand type for unary" in str(error):
        return MISSING, f"an op is built from one the class does not have ({error})"
    missing = getattr(error, "name", None) if isinstance(error, AttributeError) else None
    if isinstance(missing, str) and (missing in _OPTIONAL or missing.startswith("__")):
        # an op built from another that the class does not have (x.__neg__() in __sub__)
        return MISSING, f"an op is built from {missing}, which the class does not have"
    if isinstance(error, RecursionError):
        if case.deep:
            return FAIL, (
                f"a recursive topological sort (build_topo calling itself) goes one Python call "
                f"deeper per node, so a chain of {DEEP} ops passes the recursion limit "
                f"({RECURSION_LIMIT}): build the topological order with an explicit stack"
            )
        return FAIL, "recursion went too deep: walk the graph with an explicit stack"
    if isinstance(error, OverflowError) and case.about == "tanh":
        return FAIL, (
            "tanh computed from exp, (e**(2x) − 1)/(e**(2x) + 1), overflows at large x: "
            "use math.tanh(x)"
        )
    if isinstance(error, AttributeError) and "object has no attribute 'data'" in str(error):
        return FAIL, (
            "an op does not accept a plain number: wrap it first, "
            "`other = other if isinstance(other, Value) else Value(other)`"
        )
    if error is not None or got is None:
        return FAIL, ""
    if not _close(got.data, want[0]):
        return FAIL, "the value is wrong: check the op's forward formula"
    leaf = next(n for n in case.leaves if not _close(got.grads[n], want[1][n]))
    g, w = got.grads[leaf], want[1][leaf]
    if case.about == "twice-used" and _close(2 * g, w):
        return FAIL, (
            f"`{name}` gives {leaf}.grad = {_fmt(g)}, expected {_fmt(w)}: backward sets the "
            "gradient with `=` instead of adding with `+=`"
        )
    if case.about == "fan-out":
        return FAIL, _NOT_ACCUMULATED
    if case.about == "twice":
        if _close(g, w / 2):
            return FAIL, (
                "the second backward() replaced the leaves' gradients instead of adding to them "
                "(PyTorch and chainrule accumulate; zero the grads to start afresh)"
            )
        return FAIL, (
            f"after two backward() calls {leaf}.grad = {_fmt(g)}, expected {_fmt(w)} (exactly "
            "twice one call's): the second call sent on again the gradients the first left on "
            "the inner nodes; set the grads of the non-leaf nodes to 0 at the start of backward"
        )
    if case.about in _RULES:
        slip = _wrong_rule(case, case.x, g) if case.x is not None else ""
        return FAIL, f"wrong {case.about} derivative: {_RULES[case.about]}{slip}"
    return FAIL, ""


_NOT_ACCUMULATED = (
    "grads not accumulated across uses: a node used in several places sent its gradient on "
    "before all its uses had added theirs (or was visited twice): visit each node once, in "
    "reverse topological order"
)
_ASSIGN = "instead of adding with `+=`"


def _cross_reference(results: list[CaseResult]) -> None:
    """A failure without a diagnosis of its own most likely has the bug that a simpler case
    before it named; `=` for `+=` (named by `a + a`) also explains fan-out and backward twice."""
    named = [r for r in results if r.status == FAIL and r.diagnosis]
    assign = next((r for r in named if _ASSIGN in r.diagnosis), None)
    for r in results:
        if r.status != FAIL or r is assign:
            continue
        if assign is not None and (
            not r.diagnosis or r.diagnosis == _NOT_ACCUMULATED or r.name == "backward twice"
        ):
            r.diagnosis = f"probably the bug that `{assign.name}` shows: `=` {_ASSIGN}"
        elif not r.diagnosis and named:
            r.diagnosis = f"perhaps the bug that `{named[0].name}` shows: {named[0].diagnosis}"


def _run(case: Case, V: type, timeout: float) -> tuple[CaseResult, bool]:
    """The result of one case, and whether its thread finished."""
    missing = [m for m in case.needs if getattr(V, m, None) is None]
    if missing:
        return CaseResult(case.name, case.expression, MISSING, [_missing(case, V, missing)]), True
    want = _reference(case)
    limit = sys.getrecursionlimit()
    if case.deep:
        sys.setrecursionlimit(min(limit, RECURSION_LIMIT))
    try:
        finished, got, error = _bounded(lambda: _learner(case, V, want), timeout, case.name)
    finally:
        sys.setrecursionlimit(limit)
    if not finished:
        line = (
            f"did not finish within {timeout:g} s; it goes on running in a background thread "
            "(restart the kernel to stop it), so the cases after it are not run"
        )
        return CaseResult(case.name, case.expression, FAIL, [line]), False
    lines: list[str] = []
    if error is None:
        ok = _close(got.data, want[0]) and all(_close(got.grads[n], want[1][n]) for n in want[1])
        if ok:
            return CaseResult(case.name, case.expression, PASS), True
        lines.append(f"value {_fmt(got.data)}, expected {_fmt(want[0])}")
        lines.append(
            "grads "
            + ", ".join(
                f"{n} = {_fmt(got.grads[n])}" + ("" if _close(got.grads[n], w) else " ✗")
                for n, w in want[1].items()
            )
            + "; expected "
            + ", ".join(f"{n} = {_fmt(w)}" for n, w in want[1].items())
        )
        if got.first_wrong:
            lines.append("first wrong, walking your graph from the output: " + got.first_wrong)
    elif isinstance(error, _Wrong):
        lines.append(str(error))
        why = f"every op must return a new {V.__name__}, whose .data and .grad are numbers"
        return CaseResult(case.name, case.expression, FAIL, lines, why), True
    else:
        lines.append(_quote(error))
    status, diagnosis = _diagnose(case, want, got, error)
    return CaseResult(case.name, case.expression, status, lines, diagnosis), True


def check_engine(V: type, timeout: float = 2.0) -> EngineReport:
    """Run every case of `CASES` on the class `V` and on chainrule's `Value`, and compare.

    Each case runs in a daemon thread for at most `timeout` seconds. One that takes longer is a
    failed case; its thread cannot be stopped and keeps running in the background (restart
    the kernel to end it), and the cases after it are reported as not run. In Pyodide, which has
    no threads, cases run unbounded (interrupt the kernel to stop one)."""
    if not isinstance(V, type):
        raise TypeError(f"check_engine() takes a class (your Value), not {type(V).__name__}")
    if not (isinstance(timeout, int | float) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    results: list[CaseResult] = []
    stuck = ""
    for case in CASES:
        if stuck:
            line = f"not run: case {stuck!r} is still running in the background"
            results.append(CaseResult(case.name, case.expression, NOT_RUN, [line]))
            continue
        result, finished = _run(case, V, timeout)
        results.append(result)
        if not finished:
            stuck = case.name
    _cross_reference(results)
    return EngineReport(V.__name__, results)
