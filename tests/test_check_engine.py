"""check_engine: right engines in several styles pass with no bug reported; each pattern of the
corpus (`learner_engines`) gets its one diagnosis, from its own evidence; the lecture's limits
stay apart from bugs; hostile classes give a report in bounded time; the process's recursion
limit is never touched."""

from __future__ import annotations

import math
import sys
import threading
import time
from pathlib import Path

import learner_engines as E
import pytest

from autograd import Value, check_engine
from autograd.learner.cases import BEYOND, CASES, DEEP
from autograd.learner.cost import Cost, power_text
from autograd.learner.report import LIMIT, MISSING, NOT_RUN, PASS, POLICY

FAST = 5.0  # seconds per case: every case here takes milliseconds, on a busy machine more


@pytest.fixture(scope="module")
def reports():
    """One report per engine of the corpus, made once."""
    engines = [*E.CORRECT, *E.BUGGY]
    return {V: check_engine(V, timeout=FAST) for V in engines}


def test_chainrules_own_value_passes_strictly():
    report = check_engine(Value)
    assert report.ok and report.strict, report
    report.assert_ok(strict=True)
    assert len(report.cases) == len(CASES) and not report.bugs
    assert report.headline() == (
        f"check_engine(Value): all {len(CASES) - 3} lecture cases pass; the 3 "
        "beyond-the-lecture cases pass too"
    )


@pytest.mark.parametrize("V", list(E.CORRECT), ids=lambda V: V.__name__)
def test_right_engines_in_every_style_have_no_bug(reports, V):
    report, spec = reports[V], E.CORRECT[V]
    assert report.bugs == [], str(report)
    assert {c.name for c in report if c.status == LIMIT} == spec["limits"]
    assert {c.name for c in report if c.status == POLICY} == spec.get("policy", set())
    assert {c.name for c in report if c.status == NOT_RUN} == spec.get("not run", set())
    assert report.ok == (not any(c.status == MISSING for c in report))
    assert report.strict == (report.ok and not spec["limits"] and not spec.get("not run"))


@pytest.mark.parametrize("V", list(E.BUGGY), ids=lambda V: V.__name__)
def test_each_pattern_gets_its_one_diagnosis(reports, V):
    report = reports[V]
    words, case = E.BUGGY[V]
    words = (words,) if isinstance(words, str) else words
    if case is None:  # an op Python never calls: said once, at the top; its cases not implemented
        assert report.bugs == [] and any(words[0] in note for note in report.notes), str(report)
        return
    assert len(report.bugs) == 1, str(report)
    bug = report.bugs[0]
    assert all(w in bug.diagnosis for w in words), bug.diagnosis
    assert case in bug.cases
    assert not report.ok and words[0] in repr(report)
    with pytest.raises(AssertionError, match="not ok"):
        report.assert_ok(allow_missing=True)


def test_the_lecture_copy_fails_only_beyond_the_lecture_as_micrograd_does(reports):
    report = reports[E.Lecture]
    assert report.ok and not report.strict
    report.assert_ok()
    with pytest.raises(AssertionError, match="tanh\\(800\\)"):
        report.assert_ok(strict=True)
    assert report.headline() == (
        f"check_engine(Lecture): all {len(CASES) - 3} lecture cases pass; 3 beyond-the-lecture "
        "cases fail as micrograd's own engine does (tanh(800), backward twice, deep chain)"
    )
    twice = report["backward twice"]
    assert twice.diagnosis.startswith(
        "after two backward() calls a.grad = 27, b.grad = -32, as micrograd's own engine gives"
    )
    deep = report["deep chain"]
    assert "your `build_topo` calls itself (line" in deep.diagnosis
    assert "the lecture's own engine does this too" in deep.diagnosis
    assert "tanh computed from exp overflows at x = 800" in report["tanh(800)"].diagnosis


def test_micrograd_itself_fails_the_deep_chain_and_backward_twice():
    engine = pytest.importorskip(
        "micrograd.engine", reason="micrograd is not installed: pip install micrograd==0.1.0"
    )
    report = check_engine(engine.Value, timeout=FAST)
    limits = {c.name for c in report if c.status == LIMIT}
    assert limits == {"deep chain", "backward twice"} and report.bugs == []
    assert report.counts()[PASS] == 42 and report.counts()[MISSING] == len(CASES) - 44
    assert "2 beyond-the-lecture cases fail as micrograd's own engine does" in report.headline()
    # the short repr: a few lines, where the whole table once was 56
    assert len(repr(report).splitlines()) <= 4 < len(str(report).splitlines())


def test_zeroing_every_grad_first_is_a_policy(reports):
    report = reports[E.ZeroFirst]
    case = report["backward twice"]
    assert case.status == POLICY and case.ok
    assert "a.grad was 5 before one backward() and 6 after" in case.diagnosis
    assert "a policy" in report.headline() and report.strict


def test_a_slow_sort_is_measured_and_the_deep_chain_not_started():
    # a time bound that lets 500 ops finish (about 1 s) on a busy machine: the growth is the
    # ratio of two times taken under the same load
    report = check_engine(E.SlowSort, timeout=20)
    assert report.cost.power >= 3  # n³: 8× the time for 2× the ops, give or take the load
    assert f"about {power_text(report.cost.power)}" in report.cost.words()
    deep = report["deep chain"]
    assert deep.status == NOT_RUN and "would take about" in deep.lines[0]
    assert all(c.status == PASS for c in report if c is not deep)  # nothing else stopped
    assert "1 not run (backward() grows about as n" in report.headline()
    assert report.ok and not report.strict


def test_the_cost_in_words():
    cube = Cost([250, 500], [0.08, 0.65])
    assert cube.power == 3 and cube.predict(5000) == pytest.approx(0.65 * 1000)
    assert cube.words() == (
        "backward() on chains of 250 ops 80.0 ms, 500 ops 650.0 ms: time × 8.1 for × 2 ops, "
        "about n³"
    )
    fast = Cost([250, 500, 1000], [0.0001, 0.0002, 0.0004])
    assert fast.power is None and fast.words().endswith(": fast")
    late = Cost([250, 500], [0.3, 2.0], late=True)
    assert late.words() == (
        "backward() on chains of 250 ops 300.0 ms, 500 ops more than 2.00 s: time × more than "
        "6.7 for × 2 ops, about n³ or more"
    )


def test_the_deep_chain_runs_last():
    assert CASES[-1].deep and CASES[-1].kind == BEYOND
    assert {c.name for c in CASES if c.kind == BEYOND} == {
        "tanh(800)",
        "backward twice",
        "deep chain",
    }


def test_cases_are_named_and_cover_the_brief():
    names = [c.name for c in CASES]
    assert len(set(names)) == len(names)
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
    # every op with an upstream gradient of 2, and with its input used twice
    for op in ("a + b", "a * b", "a - b", "a / b", "-x", "x ** 3", "tanh(x)", "relu(x)"):
        assert f"y + y, y = {op}" in names
    for op in ("-x", "x ** 3", "tanh(x)", "exp(x)", "log(x)", "relu(x)"):
        assert f"{op} + {op}" in names
    for op in ("a + b", "a * b", "a - b", "a / b"):
        assert f"({op}) + a + b" in names


def test_the_readme_counts_the_cases():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"through {len(CASES)} named cases" in readme


# ---- the issue's own examples ---------------------------------------------------------------


def test_attributes_of_other_names_are_found_and_said_once(reports):
    report = reports[E.Renamed]
    assert report.notes[:2] == [
        "Renamed has no .data: Renamed(2.0) keeps 2.0 in .value, so the cases read .value; say "
        "so with check_engine(Renamed, data='value')",
        "Renamed has no .grad: after (x*y).backward() at x = 2, y = -3, x.gradient = -3 and "
        "y.gradient = 2, so the cases read .gradient; say so with "
        "check_engine(Renamed, grad='gradient')",
    ]
    assert report.bugs == [] and report.counts()[PASS] > 30
    told = check_engine(
        E.Renamed, timeout=FAST, data="value", grad="gradient", children="_kids", op="_operation"
    )
    assert told.notes == [] and told.counts() == report.counts()


def test_a_class_whose_gradient_cannot_be_found_gets_one_headline():
    class Hidden(E.Iterative):
        def backward(self):
            raise NotImplementedError

    Hidden.__init__ = lambda self, data, _children=(), _op="": _set(self, data, _children)
    report = check_engine(Hidden, timeout=FAST)
    assert report.headline().startswith(
        "check_engine(Hidden): not checked: Hidden has no .grad, and no attribute of its nodes "
        "holds the gradient after backward()"
    )
    assert all(c.status == NOT_RUN and not c.lines for c in report)  # no case-by-case noise
    with pytest.raises(AssertionError, match="not checked"):
        report.assert_ok()
    wrong = check_engine(E.Iterative, timeout=FAST, grad="gradient")
    assert wrong.unchecked == "Iterative(2.0) has no .gradient (grad='gradient' was given)"


def _set(node, data, children):
    node.data, node.g, node._prev, node._backward = data, 0.0, set(children), lambda: None


def test_a_result_of_the_wrong_kind_names_the_learners_class_as_theirs(reports):
    report = reports[E.ReturnsFloat]
    assert report["a + b"].lines == ["`a + b` gave a float, not a ReturnsFloat (your class)"]


def test_no_diagnosis_is_borrowed_from_another_case(reports):
    """Each failing case's diagnosis comes from its own evidence: cases that fail for different
    reasons keep different diagnoses, and one that shows no cause says none."""
    for V in E.BUGGY:
        for c in reports[V]:
            if c.status == "fail":
                assert "perhaps the bug that" not in c.diagnosis
                assert "probably the bug that" not in c.diagnosis


# ---- the report as an object ----------------------------------------------------------------


def test_a_report_iterates_indexes_and_reads_short(reports):
    report = reports[E.PowAssign]
    assert [c.name for c in report] == [c.name for c in CASES]  # once KeyError: 0
    assert len(report) == len(CASES) and report[0].name == CASES[0].name
    assert report["x ** 3 + x ** 3"] is report[[c.name for c in CASES].index("x ** 3 + x ** 3")]
    with pytest.raises(KeyError, match="no case named"):
        report["nope"]
    lines = repr(report).splitlines()
    assert lines[0] == report.headline() and len(lines) == 3
    assert lines[1].startswith("bug: your `__pow__`'s backward sets the gradient with `=`")
    table = str(report)
    assert "x ** 3 + x ** 3" in table and "value 6.75, expected 6.75" in table
    shown = report.failing()
    assert {c.status for c in shown.shown} == {"fail"}
    assert shown.headline().endswith(f"(showing the {len(shown.shown)} that did not pass)")


def test_report_text_is_aligned_and_html_escapes_the_class_name():
    V = type("<script>", (E.PowAssign,), {})
    report = check_engine(V, timeout=FAST)
    text = str(report)
    assert text.splitlines()[0].startswith("check_engine(<script>): ")
    rows = [line for line in text.splitlines()[1:] if not line.startswith(" " * 10)]
    starts = {line.index(c.name) for line, c in zip(rows, report.cases) if not line.startswith("c")}
    assert len(starts) == 1
    page = report._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_numbers_are_exact():
    report = check_engine(E.ExpLocalFromInput, timeout=FAST)
    assert "expected 1.6487212707001282" in str(report["exp(x)"].lines)  # ops.fmt: every digit


# ---- stages and missing methods ------------------------------------------------------------


def test_a_stage_with_only_add_and_mul_passes_what_it_implements():
    Stage = E.without(
        E.Iterative, "__pow__", "__neg__", "__sub__", "__truediv__", "__rsub__", "__rtruediv__"
    )
    Stage = E.without(Stage, "tanh", "exp", "log", "relu")
    Stage.__name__ = "Stage"
    report = check_engine(Stage, timeout=FAST)
    report.assert_ok(allow_missing=True)
    assert report["a + a"].status == PASS
    assert report["tanh(x)"].status == MISSING
    assert not report.ok
    assert report.headline().startswith("check_engine(Stage): the ")


def test_a_missing_backward_or_an_op_built_from_a_missing_one_is_not_implemented():
    report = check_engine(E.without(E.Iterative, "backward"), timeout=FAST)
    assert {c.status for c in report} == {MISSING}
    assert "has no backward" in report["a + b"].lines[0]

    case = check_engine(E.without(E.Iterative, "__neg__"), timeout=FAST)["2 - x"]
    assert case.status == MISSING
    line = E.Lecture.__rsub__.__code__.co_firstlineno + 1
    assert case.diagnosis == (
        f"your `__rsub__`, line {line}: `return other + (-self)` negates a Iterative, and "
        "Iterative has no `__neg__`"
    )

    class ByName(E.Iterative):
        def __sub__(self, other):
            return self + other.__neg__()

    ByName = E.without(ByName, "__neg__")
    case = check_engine(ByName, timeout=FAST)["a - b"]
    assert case.status == MISSING and "uses `__neg__`, which ByName does not have" in case.diagnosis

    class Typo(E.Iterative):
        def backward(self):
            self._prevv  # noqa: B018 - a slip in the learner's own code is a failure

    case = check_engine(Typo, timeout=FAST)["a + b"]
    assert case.status == "fail" and "'Typo' object has no attribute '_prevv'" in case.diagnosis


def test_no_reflected_ops_are_not_implemented_with_the_reason():
    OneSided = E.without(E.Iterative, "__radd__", "__rmul__", "__rsub__", "__rtruediv__")
    OneSided.__name__ = "OneSided"
    report = check_engine(OneSided, timeout=FAST)
    for name, method in [("2 * x", "__rmul__"), ("2 + x", "__radd__"), ("2 - x", "__rsub__")]:
        assert report[name].status == MISSING
        assert method in report[name].lines[0] and "your OneSided" in report[name].lines[0]
    assert report["x * 2"].status == PASS
    assert report.failures(allow_missing=True) == []


# ---- bounded and guarded -------------------------------------------------------------------


@pytest.fixture
def stop():
    """Set at teardown, so that the test's runaway threads end with the test."""
    event = threading.Event()
    yield event
    event.set()


def hostile(stop: threading.Event) -> dict[str, type]:
    """Classes that attack the checker: each must give a report, in bounded time."""

    class Loops(Exception):
        def __str__(self):
            while not stop.is_set():
                pass
            return "x"

    class Raises(Exception):
        def __str__(self):
            raise RuntimeError("no")

    class BadName(AttributeError):
        @property
        def name(self):
            raise RuntimeError("name")

        @name.setter
        def name(self, value):
            pass

    class NotText(Exception):
        def __str__(self):
            return 7

    class Meta(type):
        def __getattribute__(cls, name):
            raise RuntimeError(f"no {name}")

    def raising(exc):
        def backward(self):
            raise exc

        return backward

    def forever(self, *args, **kwargs):
        while not stop.is_set():
            pass

    def swallowing(self):
        while not stop.is_set():
            try:
                while not stop.is_set():
                    pass
            except BaseException:
                pass

    class Exits(E.Iterative):
        def backward(self):
            raise SystemExit(3)

    class Interrupts(E.Iterative):
        def backward(self):
            raise KeyboardInterrupt

    class Attributes(E.Iterative):
        def __getattribute__(self, name):
            raise RuntimeError("no attributes")

    class ClassProperty(E.Iterative):
        @property
        def __class__(self):
            raise RuntimeError("no class")

    class HugeData(E.Iterative):
        def __init__(self, data, _children=(), _op=""):
            super().__init__(10**400 if data == 2.0 else data, _children, _op)

    class Unhashable(E.Iterative):
        __hash__ = None

    return {
        "__str__ loops": type("StrLoops", (E.Iterative,), {"backward": raising(Loops())}),
        "__str__ raises": type("StrRaises", (E.Iterative,), {"backward": raising(Raises())}),
        "__str__ not text": type("NotText", (E.Iterative,), {"backward": raising(NotText())}),
        "AttributeError.name raises": type(
            "NameRaises", (E.Iterative,), {"backward": raising(BadName("x"))}
        ),
        "metaclass raises": Meta("MetaRaises", (E.Iterative,), {}),
        "__init__ loops": type("InitLoops", (E.Iterative,), {"__init__": forever}),
        "backward loops": type("Loops", (E.Iterative,), {"backward": forever}),
        "swallows the stop": type("Swallows", (E.Iterative,), {"backward": swallowing}),
        "SystemExit": Exits,
        "KeyboardInterrupt": Interrupts,
        "__getattribute__ raises": Attributes,
        "__class__ raises": ClassProperty,
        "10**400 as data": HugeData,
        "unhashable": Unhashable,
    }


HOSTILE = list(hostile(threading.Event()))


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_class_gives_a_report_in_bounded_time(stop, name):
    V = hostile(stop)[name]
    start = time.monotonic()
    report = check_engine(V, timeout=0.2)
    # 3 late cases at most (then the rest are not run), each stopped within 1 s of trying:
    # a few seconds on a quiet machine; the bound is wide so that a busy machine cannot fail it,
    # and a hang (what it guards against) still does
    assert time.monotonic() - start < 120
    assert len(report.cases) == len(CASES)
    text = str(report) + repr(report) + report._repr_html_()
    assert "Traceback" not in text


def test_each_hostile_case_says_what_happened(stop):
    classes = hostile(stop)
    report = check_engine(classes["__str__ raises"], timeout=0.2)
    assert (
        report["a + b"]
        .lines[0]
        .startswith("Raises: (its message could not be read: its __str__ raised)")
    )
    report = check_engine(classes["__str__ loops"], timeout=0.2)
    first = report["a + b"]
    assert first.status == "fail" and "in your `__str__`" in first.diagnosis
    assert report[3].lines == ["not run: the 3 cases before it each ran past 0.2 s"]
    report = check_engine(classes["metaclass raises"], timeout=0.2)
    assert report.unchecked.startswith("reading the class: RuntimeError: no __")
    report = check_engine(classes["__init__ loops"], timeout=0.2)
    assert report.unchecked.startswith("reading the class: did not finish within 0.2 s")
    assert "and was stopped (it was in your `forever`" in report.unchecked
    report = check_engine(classes["swallows the stop"], timeout=0.2)
    assert "could not be stopped" in report["a + b"].lines[0]
    assert report[1].lines == ["not run: case 'a + b' is still running in the background"]
    report = check_engine(classes["SystemExit"], timeout=0.2)
    assert report["a + b"].lines[0].startswith("SystemExit: 3")


def test_a_backward_that_never_returns_is_stopped_and_the_next_case_runs(stop):
    class Sometimes(E.Iterative):
        def backward(self):
            if self.data == -1.0:  # a + b at 2, -3: only that case loops
                while not stop.is_set():
                    pass
            super().backward()

    report = check_engine(Sometimes, timeout=0.5)
    assert report["a + b"].lines[0].startswith("did not finish within 0.5 s, and was stopped")
    assert report["a * b"].status == PASS
    # every case after it ran (the deep chain, on a busy machine, may itself run past 0.5 s)
    assert [c.name for c in report if c.status == NOT_RUN] in ([], ["deep chain"])


def test_the_recursion_limit_is_never_touched_even_by_two_runs_at_once():
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(5000)
    seen, errors = set(), []
    done = threading.Event()

    def deep(n):
        return 0 if n == 0 else 1 + deep(n - 1)

    def recurse():  # another thread, 3,000 deep under a limit of 5,000, all the while
        while not done.is_set():
            seen.add(sys.getrecursionlimit())
            try:
                deep(3000)
            except RecursionError as e:
                errors.append(e)

    try:
        other = threading.Thread(target=recurse)
        other.start()
        results = [None, None]

        def run(i):  # a generous time bound: three busy threads share the interpreter here
            results[i] = check_engine(E.Lecture, timeout=20)

        runs = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in runs:
            t.start()
        for t in runs:
            t.join()
        done.set()
        other.join()
        assert seen == {5000} and errors == [] and sys.getrecursionlimit() == 5000
        # with a limit of 5,000 the lecture's recursive sort would pass 5,000 ops: the depth
        # guard still stops it at Python's default of 1,000 calls, in that case's thread only
        for r in results:
            assert r["deep chain"].status == LIMIT
            assert r["deep chain"].lines[0].startswith("RecursionLimit: more than 1000 calls deep")
    finally:
        done.set()
        sys.setrecursionlimit(before)


def test_bad_arguments():
    with pytest.raises(TypeError, match="takes a class"):
        check_engine(Value(1.0))
    with pytest.raises(ValueError, match="timeout"):
        check_engine(Value, timeout=0)
    with pytest.raises(ValueError, match="timeout"):
        check_engine(Value, timeout=math.inf)
    with pytest.raises(TypeError, match="grad= names the attribute"):
        check_engine(Value, grad=3)


def test_the_deep_chain_is_deeper_than_the_depth_guard():
    from autograd.learner.guard import DEPTH

    assert DEEP > DEPTH


# ---- which of the learner's methods made each node ------------------------------------------


class Made:
    """microgpt layout: `-` and unary - reach `__mul__`, which builds through a private
    helper."""

    def __init__(self, data, children=(), local_grads=()):
        self.data, self.grad = data, 0.0
        self._children, self._local_grads = children, local_grads

    def _make(self, data, children, local_grads):
        return Made(data, children, local_grads)

    def __add__(self, other):
        return Made(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        other = other if isinstance(other, Made) else Made(other)
        return self._make(self.data * other.data, (self, other), (other.data, self.data))

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)


def test_each_node_is_traced_to_the_innermost_op_that_built_it():
    from autograd.learner import makers

    a, b = Made(2.0), Made(-3.0)
    out, made = makers.record(Made, lambda: a - b)
    add, mul = made.of(out), made.of(out._children[1])
    assert (add.function, add.owner, add.text) == (
        "__add__",
        "Made",
        "return Made(self.data + other.data, (self, other), (1, 1))",
    )
    # built in `_make`, called by `__mul__`, called by `__neg__`, called by `__sub__`: the op
    # whose line holds the local derivatives, not the helper
    assert mul.function == "__mul__" and mul.text.startswith("return self._make(")
    assert mul.where() == f"test_check_engine.py, line {mul.line}: `{mul.text}`"
    assert mul.entries() == {"mul"} and made.of(a) is None  # the leaves were made here
    assert made.first(Made) is made.of(out._children[1]._children[1])  # the -1 came first


def test_noting_makers_leaves_the_profile_function_as_it_was():
    """The profile function already there (the depth guard) sees every event while makers are
    noted, and is back afterwards, even when the build raises; one that raised is gone, as
    Python removes a profile function that raises."""
    from autograd.learner import makers

    events = []

    def guard(frame, event, arg):
        events.append(event)

    def boom():
        raise ValueError("boom")

    def limit(frame, event, arg):
        if event == "call" and frame.f_code.co_name == "__neg__":
            raise RecursionError("the guard's limit")

    try:
        sys.setprofile(guard)
        makers.record(Made, lambda: Made(2.0) - Made(1.0))
        assert sys.getprofile() is guard and events.count("call") >= 4
        with pytest.raises(ValueError, match="boom"):
            makers.record(Made, boom)
        assert sys.getprofile() is guard
        sys.setprofile(limit)
        with pytest.raises(RecursionError):
            makers.record(Made, lambda: -Made(2.0))
        assert sys.getprofile() is None
    finally:
        sys.setprofile(None)
