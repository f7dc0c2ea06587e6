"""Feedback on a learner's exercise in a course notebook: not done yet, right, or what is wrong.

An exercise cell (tag `exercise`) ships blank: `...` where a number goes, or a function whose
body is `...`. The cell after it (tag `check`) hands the learner's answer to one function here,
which grades it with the project's graders (the engine's gradients, `check_engine`) and returns
a `Feedback`. Its text starts with "not done yet" while anything is still blank, with "✓" when
the answer is right, and with "✗" and what is wrong, in the exercise's own names, otherwise. A
wrong number gets a cause only when it equals what that mistake gives (the sign, a factor 2, two
numbers swapped, a slip the exercise names), never a guess. The learner's code runs bounded in
time (except in Pyodide, which has no threads), and an error in it is quoted in two lines.

The worked solution (tag `solution`, its source hidden, first line `# A worked solution.`)
comes after the check: run top to bottom, each check meets the learner's own answer first, and
the solution then defines the names the cells below use. tests/test_course.py runs each course
notebook once as shipped with a copy of every check after its solution: "not done yet", then ✓.
"""

from __future__ import annotations

import dis
import linecache
import math
import sys
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from autograd import Value, grad
from autograd.value import as_float

NOT_DONE = "not done yet"
RIGHT = "✓"
WRONG = "✗"
TIMEOUT = 5.0  # seconds for one call of the learner's function
REL_TOL = 1e-3  # a number worked by hand to three digits or more is right within 0.1 %


class Feedback:
    """What a check found: `status` is "not done", "right" or "wrong"; `text` says it."""

    __slots__ = ("status", "text")

    def __init__(self, status: str, text: str) -> None:
        self.status = status
        self.text = text

    @property
    def right(self) -> bool:
        return self.status == "right"

    @property
    def done(self) -> bool:
        return self.status != "not done"

    def __repr__(self) -> str:
        return self.text


def _not_done(why: str) -> Feedback:
    return Feedback("not done", f"{NOT_DONE}: {why}")


def _right(why: str) -> Feedback:
    return Feedback("right", f"{RIGHT} right: {why}")


def _wrong(why: str) -> Feedback:
    return Feedback("wrong", f"{WRONG} {why}")


_EMPTY_BODY = {"RESUME", "NOP", "CACHE", "NOT_TAKEN", "EXTENDED_ARG"}


def blank(answer: object) -> bool:
    """Whether `answer` is still as shipped: `...` (or None), or a function whose body is `...`
    (or `pass`, or only a docstring: its code does nothing but return None)."""
    if answer is Ellipsis or answer is None:
        return True
    code = getattr(getattr(answer, "__func__", answer), "__code__", None)
    if code is None:
        return False
    steps = [i for i in dis.get_instructions(code) if i.opname not in _EMPTY_BODY]
    names = [i.opname for i in steps]
    returns_none = names in (["RETURN_CONST"], ["LOAD_CONST", "RETURN_VALUE"])
    return returns_none and steps[0].argval is None


def _a(x: object) -> str:
    """'a float', 'an int': the kind of a learner's object, in words."""
    name = type(x).__name__
    return f"{'an' if name[0] in 'aeiouAEIOU' else 'a'} {name}"


def _fmt(x: float) -> str:
    """Six significant digits, and never "-0"."""
    return f"{x + 0.0:.6g}"


def _close(a: float, b: float, rel: float, abs_: float) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


# ---- the learner's code, run bounded ---------------------------------------------------------


def _call(fn: Callable[..., Any], args: tuple, timeout: float) -> tuple[bool, Any, Any]:
    """(finished, result, exception) of `fn(*args)`, run in a daemon thread for at most `timeout`
    seconds; in Pyodide (no threads) run here, unbounded (interrupt the kernel to stop it)."""
    if sys.platform == "emscripten":
        try:
            return True, fn(*args), None
        except Exception as e:
            return True, None, e
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["result"] = fn(*args)
        except BaseException as e:  # SystemExit from their code too
            box["error"] = e

    worker = threading.Thread(target=run, name="feedback: the learner's function", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():  # Python cannot stop a thread: it runs on in the background
        return False, None, None
    return True, box.get("result"), box.get("error")


def _quote(e: BaseException) -> str:
    """The error in one line, and the learner's line it came from in a second."""
    try:
        text = str(e)
    except Exception:
        text = ""
    text = text if len(text) <= 160 else text[:160] + "…"
    line = f"{type(e).__name__}: {text}" if text else type(e).__name__
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename != __file__]
    if frames:
        f = frames[-1]
        source = (f.line or linecache.getline(f.filename, f.lineno)).strip()
        where = f"in {f.name}, line {f.lineno}" + (f": {source}" if source else "")
        line += "\n  " + where
    return line


# ---- numbers ---------------------------------------------------------------------------------

Right = float | Sequence[float]


def _as_numbers(x: object, n: int | None) -> list[float] | str:
    """`x` as a list of floats (n of them, or one if n is None), or what is wrong with it."""
    if isinstance(x, Value):
        return "a Value, not a number: give its .data or its .grad"
    one = isinstance(x, Sequence) and not isinstance(x, str) and len(x) == 1
    f = as_float(x[0] if one and n in (None, 1) else x)  # (0.5,) or 0.5 for one number
    if n in (None, 1) and f is not None:
        return [f]
    if n is None:
        return f"{_a(x)}, not a number"
    if not isinstance(x, Sequence) or isinstance(x, str):
        return f"{_a(x)}, not {n} numbers in parentheses"
    if len(x) != n:
        return f"{len(x)} numbers, where {n} are asked for"
    out = []
    for v in x:
        f = as_float(v)
        if f is None:
            return f"holds {_a(v)}, not a number"
        out.append(f)
    return out


def _cause(
    got: list[float],
    want: list[float],
    others: dict[str, list[float]],
    slips: Sequence[tuple[str, Right]],
    rel: float,
    abs_: float,
) -> str:
    """The mistake that gives exactly `got` where `want` is right, or "" when none fits."""

    def same(a: Sequence[float], b: Sequence[float]) -> bool:
        return len(a) == len(b) and all(_close(x, y, rel, abs_) for x, y in zip(a, b))

    candidates: list[tuple[str, list[float]]] = [
        (words, [float(v) for v in value] if isinstance(value, Sequence) else [float(value)])
        for words, value in slips
    ]
    if len(want) > 1:
        candidates.append(("the right numbers in the wrong order", want[::-1]))
    candidates += [
        ("the right size with the wrong sign", [-w for w in want]),
        ("twice the right number", [2 * w for w in want]),
        ("half the right number", [w / 2 for w in want]),
    ]
    if all(w != 0 for w in want):
        candidates.append(("the reciprocal of the right number", [1 / w for w in want]))
    candidates += [(f"the number asked for {name}", value) for name, value in others.items()]
    for words, value in candidates:
        if same(got, value) and not same(want, value):
            return words
    return ""


def numbers(
    answer: object,
    right: Mapping[str, Right],
    *,
    slips: Mapping[str, Sequence[tuple[str, Right]]] | None = None,
    rel: float = REL_TOL,
    abs_tol: float = 1e-9,
) -> Feedback:
    """Check a dict of name → number (or tuple of numbers) against `right`, entry by entry.

    An entry is right within `rel` (relative) or `abs_tol`. A wrong one is named, with its
    cause when it equals what a mistake gives: `slips[name]` lists (words, value) of the
    exercise's own, then come the sign, a factor 2, the reciprocal, a tuple in reverse order,
    and the number of another entry."""
    names = list(right)
    if blank(answer):
        return _not_done(f"replace the `...` with a dict of numbers for {', '.join(names)}")
    if not isinstance(answer, Mapping):
        return _wrong(f"the answer is {_a(answer)}: give a dict, as shipped")
    slips = slips or {}
    tuples = {n for n, r in right.items() if isinstance(r, Sequence)}
    want = {n: [float(v) for v in r] if n in tuples else [float(r)] for n, r in right.items()}
    todo, good, bad = [], [], []
    for name in names:
        if name not in answer or blank(answer[name]):
            todo.append(name)
            continue
        got = _as_numbers(answer[name], len(want[name]) if name in tuples else None)
        if isinstance(got, str):
            bad.append(f"{name}: {got}")
        elif all(_close(g, w, rel, abs_tol) for g, w in zip(got, want[name])):
            good.append(name)
        else:
            others = {k: v for k, v in want.items() if k != name}
            cause = _cause(got, want[name], others, slips.get(name, ()), rel, abs_tol)
            shown = ", ".join(map(_fmt, got))
            shown = f"({shown})" if len(got) > 1 else shown
            bad.append(f"{name} = {shown}: {cause}" if cause else f"{name} = {shown} is not right")
    extra = [k for k in answer if k not in right]
    if extra:
        bad.append(
            f"{', '.join(map(str, extra))}: not asked for (the names are {', '.join(names)})"
        )
    so_far = f"{len(good)} of {len(names)} right"
    if todo:
        return _not_done(
            f"{', '.join(todo)} still `...`"
            + (f"; so far {so_far}" if good or bad else "")
            + "".join(f"\n  {WRONG} {b}" for b in bad)
        )
    if bad and len(names) == 1:
        return _wrong(bad[0])
    if bad:
        return _wrong(so_far + "".join(f"\n  {b}" for b in bad))
    return _right(", ".join(names))


def number(
    answer: object,
    right: float,
    *,
    name: str,
    slips: Sequence[tuple[str, float]] = (),
    rel: float = REL_TOL,
    abs_tol: float = 1e-9,
) -> Feedback:
    """Check one number called `name`: `numbers` with a single entry."""
    if blank(answer):
        return _not_done(f"replace the `...` with your number for {name}")
    return numbers({name: answer}, {name: right}, slips={name: slips}, rel=rel, abs_tol=abs_tol)


# ---- code ------------------------------------------------------------------------------------

# (how the message names f, f as Values, the point x)
_FUNCTIONS: list[tuple[str, Callable[[Value], Value], float]] = [
    ("x³", lambda v: v**3, 2.0),
    ("sin x", lambda v: v.sin(), 0.5),
    ("eˣ", lambda v: v.exp(), 1.0),
]
_STEPS = (1e-2, 1e-3)  # large enough that rounding is far below the truncation error


def finite_difference(fn: object, *, order: int = 2) -> Feedback:
    """Check the learner's `fn(f, x, eps)`, an estimate of f'(x) from values of f, on x³, sin x
    and eˣ against the engine's derivative: right when its error shrinks like eps**order (order
    2: the central difference, 1: a one-sided one)."""
    if blank(fn):
        return _not_done("the function's body is still `...`")
    if not callable(fn):
        return _wrong(f"that is {_a(fn)}, not a function")
    name = getattr(fn, "__name__", "your function")
    errors = {}  # function → (error at each step)
    for label, g, x in _FUNCTIONS:

        def f(t: float, g: Callable[[Value], Value] = g) -> float:
            return g(Value(t)).data

        point = Value(x)
        d = grad(g(point), [point])[0]  # the engine's f'(x)
        ests = []
        for eps in _STEPS:
            call = f"{name}(f, {x}, {eps})"
            finished, est, error = _call(fn, (f, x, eps), TIMEOUT)
            if not finished:
                return _wrong(f"{call} did not finish in {TIMEOUT:g} s: a loop that never ends?")
            if error is not None:
                return _wrong(f"{call} raised {_quote(error)}")
            value = as_float(est) if not isinstance(est, Value) else None
            if est is None:
                return _wrong(f"{call} returned None, not a number: is `return` missing?")
            if value is None or not math.isfinite(value):
                shown = _fmt(value) if value is not None else _a(est)
                return _wrong(f"{call} returned {shown}, not a number near f'(x)")
            ests.append(value)
        e1, e2 = (abs(e - d) for e in ests)
        scale = max(1.0, abs(d))
        wrong = e1 > 0.1 * scale if order == 1 else e1 > 0.01 * scale
        call = f"{name}(f, {x}, {_STEPS[0]}) for f(x) = {label}"
        if wrong:
            return _wrong(f"{call} gives {_fmt(ests[0])}; f'({x}) is {_fmt(d)}" + _slip(ests[0], d))
        measured = math.log10(e1 / e2) if e2 > 0 and e1 > 0 else math.inf
        if not order - 0.5 < measured < order + 0.5:
            return _wrong(_order(name, label, order, measured, e1, e2))
        errors[label] = (e1, e2)
    e1, e2 = errors["x³"]
    power = "ε²" if order == 2 else "ε"
    return _right(
        f"on x³, sin x and eˣ the error of {name} shrinks like {power} "
        f"(for x³: {e1:.1e} at ε = {_STEPS[0]}, {e2:.1e} at ε = {_STEPS[1]})"
    )


def _slip(est: float, d: float) -> str:
    """A cause for an estimate far from f'(x), when it is exactly what a slip gives."""
    eps = _STEPS[0]
    slips = [
        (2 * d, "twice f'(x): x − ε and x + ε are 2ε apart, so divide by 2ε"),
        (d / 2, "half of f'(x): what do you divide by?"),
        (-d, "f'(x) with the wrong sign: the later point first, f(x + ε) − …"),
        (2 * eps * d, "about 2ε·f'(x): the difference is not divided by the step"),
        (eps * d, "about ε·f'(x): the difference is not divided by the step"),
    ]
    for value, words in slips:
        if _close(est, value, 0.05, 1e-12):
            return f": that is {words}"
    return ""


def _order(name: str, label: str, order: int, measured: float, e1: float, e2: float) -> str:
    steps = f"{e1:.1e} at ε = {_STEPS[0]}, {e2:.1e} at ε = {_STEPS[1]} for f(x) = {label}"
    if order == 2 and 0.5 < measured < 1.5:
        return (
            f"{name} is close, but its error shrinks like ε, not ε² ({steps}): a one-sided "
            "difference such as (f(x + ε) − f(x))/ε does that; the central difference steps to "
            "both sides, x − ε and x + ε"
        )
    return f"the error of {name} does not shrink like ε{'²' if order == 2 else ''} ({steps})"


def engine(V: object, *, allow_missing: bool = False) -> Feedback:
    """Check the learner's `Value` class with `check_engine`: every case right (with
    `allow_missing`, an op the class does not have yet does not count against it)."""
    from autograd.learner import check_engine  # the learner room, loaded when first asked for

    if blank(V):
        return _not_done("replace the `...` with your class")
    if not isinstance(V, type):
        return _wrong(f"that is {_a(V)}, not a class")
    empty = sorted(k for k, f in vars(V).items() if callable(f) and blank(f))
    if empty:
        return _not_done(f"{', '.join(empty)} still have `...` as their body")
    report = check_engine(V)
    bad = report.failures(allow_missing)
    n = report.counts()
    if not bad:
        missing = n["not implemented"]
        missing = f"; {missing} need ops it does not have yet" if missing else ""
        return _right(f"check_engine passes {n['pass']} of {len(report.cases)} cases{missing}")
    first = bad[0].summary().replace("\n", "\n  ")
    return _wrong(f"{report.headline()}; the first that does not pass:\n  {first}")
