"""check_engine: a correct learner's engine passes, each classic bug planted in a copy of it is
caught by name, and a hostile class gives failed cases, never a hang or a crash."""

from __future__ import annotations

import math
import sys
import threading
import time
from pathlib import Path

import pytest

from autograd import Value, check_engine
from autograd.learner.cases import CASES

FAST = 0.5  # seconds per case: every case here takes milliseconds


def make_engine(
    *,
    assign: bool = False,
    reflected: bool = True,
    recursive_sort: bool = False,
    tanh_slip: bool = False,
    pow_slip: bool = False,
    no_order: bool = False,
) -> type:
    """A lecture-style engine (`_prev`, `_op`, closures), correct unless a bug is planted."""

    def send(node, g):
        if assign:  # the bug the lecture's video made: `=` where `+=` belongs
            node.grad = g
        else:
            node.grad += g

    class V:
        def __init__(self, data, _children=(), _op=""):
            self.data = data
            self.grad = 0.0
            self._backward = lambda: None
            self._prev = set(_children)
            self._op = _op

        def __add__(self, other):
            other = other if isinstance(other, V) else type(self)(other)
            out = type(self)(self.data + other.data, (self, other), "+")

            def _backward():
                send(self, out.grad)
                send(other, out.grad)

            out._backward = _backward
            return out

        def __mul__(self, other):
            other = other if isinstance(other, V) else type(self)(other)
            out = type(self)(self.data * other.data, (self, other), "*")

            def _backward():
                send(self, other.data * out.grad)
                send(other, self.data * out.grad)

            out._backward = _backward
            return out

        def __pow__(self, n):
            out = type(self)(self.data**n, (self,), f"**{n}")

            def _backward():
                d = n * self.data**n if pow_slip else n * self.data ** (n - 1)
                send(self, d * out.grad)

            out._backward = _backward
            return out

        def _unary(self, y, d, op):
            out = type(self)(y, (self,), op)

            def _backward():
                send(self, d * out.grad)

            out._backward = _backward
            return out

        def tanh(self):
            t = math.tanh(self.data)
            return self._unary(t, (1 - t) if tanh_slip else (1 - t * t), "tanh")

        def exp(self):
            e = math.exp(self.data)
            return self._unary(e, e, "exp")

        def log(self):
            return self._unary(math.log(self.data), 1 / self.data, "log")

        def relu(self):
            return self._unary(max(0.0, self.data), float(self.data > 0), "ReLU")

        def __neg__(self):
            return self * -1

        def __sub__(self, other):
            return self + (-other)

        def __truediv__(self, other):
            return self * other**-1

        def backward(self):
            topo = []
            if recursive_sort:
                seen = set()

                def build(v):
                    if v not in seen:
                        seen.add(v)
                        for child in v._prev:
                            build(child)
                        topo.append(v)

                build(self)
            else:
                seen, stack = set(), [(self, False)]
                while stack:
                    v, done = stack.pop()
                    if done:
                        topo.append(v)
                    elif v not in seen:
                        seen.add(v)
                        stack.append((v, True))
                        stack.extend((c, False) for c in v._prev if c not in seen)
            for v in topo:  # a second backward() must not resend what the first left inside
                if v._prev:
                    v.grad = 0.0
            self.grad = 1.0
            if no_order:  # every path from the root, each node passing on what it has so far
                stack = [self]
                while stack:
                    v = stack.pop()
                    v._backward()
                    stack.extend(v._prev)
                return
            for v in reversed(topo):
                v._backward()

    if reflected:
        V.__radd__ = lambda self, other: self + other
        V.__rmul__ = lambda self, other: self * other
        V.__rsub__ = lambda self, other: other + (-self)
        V.__rtruediv__ = lambda self, other: other * self**-1
    return V


class Micro:
    """A microgpt-style engine: slots, children and local gradients in tuples."""

    __slots__ = ("_children", "_local_grads", "data", "grad")
    assign = False

    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, Micro) else type(self)(other)
        return type(self)(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, Micro) else type(self)(other)
        return type(self)(self.data * other.data, (self, other), (other.data, self.data))

    def backward(self):
        topo, seen, stack = [], set(), [(self, False)]
        while stack:
            v, done = stack.pop()
            if done:
                topo.append(v)
            elif v not in seen:
                seen.add(v)
                stack.append((v, True))
                stack.extend((c, False) for c in v._children)
        for v in topo:
            if v._children:
                v.grad = 0
        self.grad = 1
        for v in reversed(topo):
            for child, d in zip(v._children, v._local_grads):
                if self.assign:
                    child.grad = d * v.grad
                else:
                    child.grad += d * v.grad


def test_chainrules_own_value_passes():
    report = check_engine(Value)
    assert report.ok, report
    report.assert_ok()
    assert len(report.cases) == len(CASES)


def test_a_correct_minimal_engine_passes_every_case():
    report = check_engine(make_engine(), timeout=FAST)
    assert report.ok, report
    assert all(c.status == "pass" for c in report.cases)


def test_cases_are_named_and_cover_the_brief():
    names = {c.name for c in CASES}
    assert len(names) == len(CASES)
    for name in (
        "2 + x",
        "2 - x",
        "2 * x",
        "2 / x",
        "a + a",
        "a * a",
        "fan-out",
        "deep chain",
        "x ** -1",
        "a / b",
        "tanh(800)",
        "tanh(-30)",
        "exp(700)",
        "backward twice",
        "lecture: d = a*b + c",
        "lecture: neuron",
        "micrograd test: sanity check",
        "micrograd test: more ops",
    ):
        assert name in names


def test_the_readme_counts_the_cases():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"through {len(CASES)} named cases" in readme


def test_a_missing_backward_or_an_op_built_from_a_missing_one_is_not_implemented():
    NoBackward = make_engine()
    del NoBackward.backward
    report = check_engine(NoBackward, timeout=FAST)
    assert {c.status for c in report.cases} == {"not implemented"}
    assert "has no backward" in report["a + b"].lines[0]
    NoNeg = make_engine()
    del NoNeg.__neg__
    case = check_engine(NoNeg, timeout=FAST)["2 - x"]
    assert case.status == "not implemented" and "unary -" in case.diagnosis

    class ByName(make_engine()):
        def __sub__(self, other):
            return self + other.__neg__()

    del make_engine_base(ByName).__neg__
    case = check_engine(ByName, timeout=FAST)["a - b"]
    assert case.status == "not implemented" and "__neg__" in case.diagnosis

    class Typo(make_engine()):
        def backward(self):
            self._prevv  # noqa: B018 - a slip in the learner's own code is a failure

    assert check_engine(Typo, timeout=FAST)["a + b"].status == "fail"


def make_engine_base(cls: type) -> type:
    return cls.__mro__[1]


def test_bug_assign_instead_of_add():
    report = check_engine(make_engine(assign=True), timeout=FAST)
    case = report["a + a"]
    assert case.status == "fail"
    assert case.diagnosis == (
        "`a + a` gives a.grad = 1, expected 2: backward sets the gradient with `=` instead of "
        "adding with `+=`"
    )
    assert "`=` instead of adding with `+=`" in report["a * a"].diagnosis
    assert not report.ok
    with pytest.raises(AssertionError, match=r"a \+ a"):
        report.assert_ok()
    shown = report.failing()
    assert [c.status for c in shown.shown] == ["fail"] * len(report.failures())
    assert repr(shown).splitlines()[0].endswith(f"(showing the {len(shown.shown)} that fail)")
    assert "fan-out" in repr(shown) and "x ** 3" not in repr(shown)


def test_bug_no_reflected_ops():
    report = check_engine(make_engine(reflected=False), timeout=FAST)
    for name, method in [("2 * x", "__rmul__"), ("2 + x", "__radd__"), ("2 - x", "__rsub__")]:
        case = report[name]
        assert case.status == "not implemented"
        assert method in case.lines[0]
    assert report["x * 2"].status == "pass"
    with pytest.raises(AssertionError):
        report.assert_ok()
    assert report.failures(allow_missing=True) == []


def test_bug_recursive_topological_sort():
    limit = sys.getrecursionlimit()
    report = check_engine(make_engine(recursive_sort=True), timeout=FAST)
    assert sys.getrecursionlimit() == limit
    case = report["deep chain"]
    assert case.status == "fail"
    assert "RecursionError" in case.lines[0]
    assert "explicit stack" in case.diagnosis
    assert report["fan-out"].status == "pass"


def test_bug_wrong_tanh_derivative():
    report = check_engine(make_engine(tanh_slip=True), timeout=FAST)
    case = report["tanh(x)"]
    assert case.status == "fail"
    assert case.diagnosis.startswith("wrong tanh derivative: ∂tanh(x)/∂x = 1 − tanh(x)²")
    assert "the square is missing" in case.diagnosis
    assert report["lecture: neuron"].status == "fail"
    assert report["exp(x)"].status == "pass"


def test_bug_wrong_pow_derivative():
    report = check_engine(make_engine(pow_slip=True), timeout=FAST)
    case = report["x ** 3"]
    assert case.status == "fail"
    assert "wrong pow derivative: ∂(x**n)/∂x = n·x**(n−1)" in case.diagnosis
    assert "not lowered" in case.diagnosis
    assert report["x ** -1"].status == "fail"


def test_bug_grads_not_accumulated_across_uses():
    report = check_engine(make_engine(no_order=True), timeout=FAST)
    case = report["fan-out"]
    assert case.status == "fail"
    assert case.diagnosis.startswith("grads not accumulated across uses")
    # the graph walk finds that b's own gradient is right and a's, after it, is not
    assert any(line.startswith("first wrong") and "a.grad" in line for line in case.lines)
    assert report["a + a"].status == "pass"


def test_the_first_wrong_node_is_found_through_children_too():
    class Bad(Micro):
        __slots__ = ()
        assign = True

    assert check_engine(Micro, timeout=FAST)["fan-out"].status == "pass"
    case = check_engine(Bad, timeout=FAST)["fan-out"]
    assert case.status == "fail"
    located = [line for line in case.lines if line.startswith("first wrong")]
    assert located and "expected" in located[0]


def test_backward_twice_says_what_pytorch_does():
    report = check_engine(Micro, timeout=FAST)
    assert report["backward twice"].status == "pass"

    class Lecture(make_engine()):
        def backward(self):  # the lecture's: inner grads left from the first call are resent
            topo, seen, stack = [], set(), [(self, False)]
            while stack:
                v, done = stack.pop()
                if done:
                    topo.append(v)
                elif v not in seen:
                    seen.add(v)
                    stack.append((v, True))
                    stack.extend((c, False) for c in v._prev)
            self.grad = 1.0
            for v in reversed(topo):
                v._backward()

    case = check_engine(Lecture, timeout=FAST)["backward twice"]
    assert case.status == "fail"
    assert "a.grad = 27, expected 12" in case.diagnosis


@pytest.fixture
def stop():
    """Set at teardown, so that the test's runaway threads end with the test."""
    event = threading.Event()
    yield event
    event.set()


def test_a_backward_that_never_returns_does_not_hang_the_checker(stop):
    class Forever(make_engine()):
        def backward(self):
            while not stop.is_set():
                pass

    start = time.monotonic()
    report = check_engine(Forever, timeout=0.2)
    assert time.monotonic() - start < 5
    first = report.cases[0]
    assert first.status == "fail"
    assert "did not finish within 0.2 s" in first.lines[0]
    assert {c.status for c in report.cases[1:]} <= {"not run", "not implemented"}
    assert not report.ok


def test_a_class_that_raises_gives_failed_cases_quoting_it():
    class Raises(make_engine()):
        def backward(self):
            raise ValueError("<b>boom</b>")

    report = check_engine(Raises, timeout=FAST)
    case = report["a + b"]
    assert case.status == "fail"
    assert case.lines == [f"ValueError: <b>boom</b> (in backward, line {_line(Raises)})"]
    assert "&lt;b&gt;boom" in report._repr_html_()
    assert "<b>boom" not in report._repr_html_()


def _line(cls: type) -> int:
    return cls.backward.__code__.co_firstlineno + 1


def test_wrong_return_types_and_strange_exceptions_are_failed_cases():
    class Floats(make_engine()):
        def __add__(self, other):
            return 5.0

    class TextGrad(make_engine()):
        def backward(self):
            self.grad = "one"
            for v in self._prev:
                v.grad = "one"

    class Exits(make_engine()):
        def backward(self):
            raise SystemExit(3)

    class Unreadable(Exception):
        def __str__(self):
            raise RuntimeError("no")

    class Odd(make_engine()):
        def backward(self):
            raise Unreadable()

    class Cycle(make_engine()):  # a graph that cannot be walked: the numbers still stand
        def backward(self):
            self._prev = {self}

    case = check_engine(Cycle, timeout=FAST)["a + b"]
    assert case.status == "fail" and case.lines[0].startswith("value ")
    assert "could not be walked" in case.lines[-1] and "cycle" in case.lines[-1]

    case = check_engine(Floats, timeout=FAST)["a + b"]
    assert (case.status, case.lines) == ("fail", ["the result is a float, not a Floats"])
    case = check_engine(TextGrad, timeout=FAST)["a * b"]
    assert (case.status, case.lines) == ("fail", ["a.grad is a str, not a number"])
    assert check_engine(Exits, timeout=FAST)["a + b"].lines[0].startswith("SystemExit: 3")
    assert "could not be read" in check_engine(Odd, timeout=FAST)["a + b"].lines[0]


def test_a_stage_with_only_add_and_mul_passes_what_it_implements():
    Stage = make_engine()
    for name in ("__pow__", "tanh", "exp", "log", "relu", "__neg__", "__sub__", "__truediv__"):
        delattr(Stage, name)
    del Stage.__rsub__, Stage.__rtruediv__
    report = check_engine(Stage, timeout=FAST)
    report.assert_ok(allow_missing=True)
    assert report["a + a"].status == "pass"
    assert report["tanh(x)"].status == "not implemented"
    assert not report.ok


def test_report_text_is_aligned_and_html_escapes_the_class_name():
    V = type("<script>", (make_engine(tanh_slip=True),), {})
    report = check_engine(V, timeout=FAST)
    text = repr(report)
    assert text.splitlines()[0].startswith("check_engine(<script>): ")
    rows = [line for line in text.splitlines()[1:] if not line.startswith(" " * 10)]
    assert len({line.index(c.name) for line, c in zip(rows, report.cases)}) == 1
    page = report._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_micrograd_itself_fails_the_deep_chain_and_backward_twice():
    engine = pytest.importorskip(
        "micrograd.engine", reason="micrograd is not installed: pip install micrograd==0.1.0"
    )
    report = check_engine(engine.Value, timeout=FAST)
    assert report.counts() == {"pass": 26, "fail": 2, "not implemented": 11, "not run": 0}
    assert {c.name for c in report.failures(allow_missing=True)} == {"deep chain", "backward twice"}


def test_bad_arguments():
    with pytest.raises(TypeError, match="takes a class"):
        check_engine(Value(1.0))
    with pytest.raises(ValueError, match="timeout"):
        check_engine(Value, timeout=0)
