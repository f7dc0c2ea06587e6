"""check_engine on the fourth held-out set (`learner_engines_heldout4`): each engine's report
as a student reads it. Every bug is named with its cause and the cases that show it, nothing
else is a bug, no failing case is left without a cause, and the headline counts one bug per
cause: the microgpt engine whose `__mul__` stores its local derivatives swapped has one bug,
named at that line, however many of its ops (`-`, unary -, `/`, the reflected ones) reach it."""

from __future__ import annotations

import inspect

import learner_engines_heldout4 as H
import pytest

from autograd import check_engine
from autograd.learner.report import FAIL, LIMIT, MISSING

TWICE = {"backward twice"}  # the lecture's limit that every engine here shares


def _line(method: object, starts: str) -> str:
    """`line N: `text`` of the line of `method` that starts with `starts`, as the report
    quotes it."""
    lines, first = inspect.getsourcelines(method)
    for i, text in enumerate(lines):
        if text.strip().startswith(starts):
            return f"line {first + i}: `{text.strip()}`"
    raise AssertionError(f"no line starting {starts!r} in {method}")


SWAPPED = "the product rule's factors are swapped, ∂(a·b)/∂a = b and ∂(a·b)/∂b = a"
# engine → its bugs (each: the words its diagnosis holds, and cases that must show it), the
# beyond-the-lecture cases that fail as the lecture's engine does, the cases not implemented
EXPECTED = {
    H.Good: {"bugs": [], "limits": TWICE},
    H.TanhInput: {
        "bugs": [
            (
                ("your `tanh`'s backward uses 0.75", "(1 − x², the input squared instead"),
                {"tanh(x)", "lecture: neuron"},
            )
        ],
        "limits": TWICE,
    },
    H.MulSwap: {
        "bugs": [
            (
                ("your `__mul__`'s backward uses 2 as the local derivative for a", SWAPPED),
                {"a * b", "a - b", "-x", "2 / x", "fan-out", "backward twice", "deep chain"},
            )
        ],
        "limits": set(),
    },
    H.FwdOrder: {
        "bugs": [(("visit each node once, in reverse topological order",), {"a - b"})],
        "limits": set(),
    },
    H.ExpLocalX: {
        "bugs": [
            (("your `exp`'s backward", "(x, the input instead of exp(x))"), {"exp(x)"}),
        ],
        "limits": TWICE,
    },
    H.AddNoWrap: {
        "bugs": [
            (
                ("AttributeError: 'int' object has no attribute 'data', in your `__add__`",),
                {"x + 2", "2 + x"},
            )
        ],
        "limits": TWICE,
    },
    H.SubNoNeg: {
        "bugs": [(("the value is wrong: your `__sub__` gives -1, expected 5",), {"a - b"})],
        "limits": TWICE,
    },
    H.DivNoMinus: {
        "bugs": [(("the value is wrong: your `__truediv__` gives -6",), {"a / b"})],
        "limits": TWICE,
    },
    H.LogNoUpstream: {
        "bugs": [(("your `log`'s backward ignores out.grad",), {"y + y, y = log(x)"})],
        "limits": TWICE,
    },
    H.ReluLeaks: {
        "bugs": [
            (
                (
                    "your `relu`'s backward uses 1 as the local derivative for x, where the chain "
                    "rule's is 0",
                ),
                {"relu(x) at x < 0"},
            )
        ],
        "limits": TWICE,
    },
    H.GoodGPT: {"bugs": [], "limits": TWICE},
    H.GPTSwapLocal: {
        "bugs": [
            (
                (
                    "your `__mul__` stores its local derivatives swapped: `(self.data, "
                    "other.data)` where `(other.data, self.data)` belongs (learner_engines_"
                    f"heldout4.py, {_line(H.GPTSwapLocal.__mul__, 'return')})",
                    SWAPPED,
                ),
                # each way in: `*` itself, `-` and unary - (`self * -1`), `/` (`self *
                # other**-1`), the reflected ops, and x / 2, where x·0.5 is also x**0.5
                {"a * b", "a - b", "-x", "2 - x", "x / 2", "2 / x", "a - a", "fan-out"},
            )
        ],
        "limits": set(),
    },
    H.GPTExpX: {
        "bugs": [
            (
                (
                    "your `tanh`, `log` and `relu` (GoodGPT's, which GPTExpX inherits) build "
                    "their nodes as a GoodGPT, not a GPTExpX",
                    _line(H.GoodGPT.tanh, "return"),
                    _line(H.GoodGPT.log, "return"),
                ),
                {"tanh(x)", "log(x)", "relu(x) at x < 0", "y + y, y = tanh(x)"},
            ),
            (
                (
                    "your `exp` stores 0.5 in `_local_grads` as its local derivative for x (x, "
                    "the input instead of exp(x))",
                    f"(learner_engines_heldout4.py, {_line(H.GPTExpX.exp, 'return')})",
                ),
                {"exp(x)", "exp(x) + exp(x)", "y + y, y = exp(x)"},
            ),
        ],
        "limits": TWICE,
    },
    H.NoRmul: {
        "bugs": [],
        "limits": TWICE,
        "missing": {
            "2 * x",
            "2 / x",
            "lecture: neuron, tanh from exp",
            "micrograd test: sanity check",
            "micrograd test: more ops",
        },
    },
    H.Value: {
        "bugs": [
            (
                (
                    "your `relu`'s backward uses 1 as the local derivative for x, where the chain "
                    "rule's is 0",
                ),
                {"relu(x) at x < 0"},
            )
        ],
        "limits": TWICE,
    },
    H.PowNoUpstreamTwice: {
        "bugs": [
            (
                ("your `__pow__`'s backward sets the gradient with `=` instead of adding",),
                {"x ** 3 + x ** 3"},
            )
        ],
        "limits": TWICE,
    },
}


def test_every_engine_of_the_set_has_its_expected_report():
    assert set(EXPECTED) == {*H.ENGINES, *H.MORE}


@pytest.fixture(scope="module")
def reports():
    return {V: check_engine(V, timeout=5.0) for V in EXPECTED}  # room for a busy machine


@pytest.mark.parametrize("V", list(EXPECTED), ids=lambda V: V.__name__)
def test_each_bug_named_once_and_counted_once(reports, V):
    report, spec = reports[V], EXPECTED[V]
    assert len(report.bugs) == len(spec["bugs"]), str(report)
    for bug, (words, cases) in zip(report.bugs, spec["bugs"]):
        for w in words:
            assert w in bug.diagnosis, f"{w!r} not in {bug.diagnosis!r}"
        assert cases <= set(bug.cases), f"{cases - set(bug.cases)} not in {bug.cases}"
    assert report.unexplained == [], str(report)  # every failing case has its cause
    failing = {c.name for c in report if c.status == FAIL}
    assert failing == {name for b in report.bugs for name in b.cases}
    assert {c.name for c in report if c.status == LIMIT} == spec["limits"]
    assert {c.name for c in report if c.status == MISSING} == spec.get("missing", set())
    n = len(spec["bugs"])
    counted = f"{n} bug{'s' if n != 1 else ''} found" if n else "pass"
    assert counted in report.headline() and "no cause found" not in report.headline()


def test_the_swapped_product_rule_is_one_bug_in_every_case_that_reaches_it(reports):
    """microgpt style: `-`, unary -, `/` and the reflected ops all build their nodes with the
    one `__mul__`; each wrong node is traced to it as the case builds it, so the 29 failing
    cases are one bug, not six."""
    report = reports[H.GPTSwapLocal]
    (bug,) = report.bugs
    assert len(bug.cases) == 29
    assert report.headline().startswith("check_engine(GPTSwapLocal): 1 bug found, in 29 cases")
    assert "the node (data" not in bug.diagnosis  # no anonymous node named as the cause


def test_a_taken_away_operator_is_not_implemented_with_its_line(reports):
    case = reports[H.NoRmul]["2 / x"]
    assert case.status == MISSING
    assert (
        f"your `__rtruediv__`, {_line(H.Good.__rtruediv__, 'return')} uses `*` with a number "
        "on the left, and NoRmul sets `__rmul__ = None`"
    ) in case.diagnosis
