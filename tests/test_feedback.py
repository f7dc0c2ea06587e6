"""nn.notes.feedback: a blank answer is "not done yet", a right one ✓, and a wrong one ✗ with the
mistake named only when the answer is exactly what that mistake gives; a learner's function
that raises, returns nothing or never ends gets a message, never a traceback or a hang."""

from __future__ import annotations

import math
import threading

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autograd import Value
from nn.notes import feedback
from nn.notes.feedback import NOT_DONE, RIGHT, WRONG


def cell(source: str) -> dict:
    """Run `source` as a notebook cell would: a fresh namespace, code from a string."""
    namespace: dict = {}
    exec(compile(source, "<cell>", "exec"), namespace)
    return namespace


# ---- blank ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "def f(x):\n    ...",
        "def f(x): ...",
        "def f(f, x, eps):\n    '''An estimate of f'(x).'''\n    ...",
        "def f(x):\n    pass",
        "f = lambda x: None",
        "class C:\n    def f(self):\n        ...\nf = C().f",
    ],
)
def test_a_function_whose_body_is_dots_is_blank(source):
    assert feedback.blank(cell(source)["f"])


@pytest.mark.parametrize(
    "source",
    [
        "def f(x):\n    return x",
        "def f(x):\n    '''doc'''\n    return 0.0",
        "f = lambda x: 2 * x",
        "def f(x):\n    print(x)",
        "f = 0.0",
        "f = (..., 1.0)",
    ],
)
def test_an_answer_is_not_blank(source):
    assert not feedback.blank(cell(source)["f"])


def test_dots_and_none_are_blank():
    assert feedback.blank(...) and feedback.blank(None)


# ---- numbers -------------------------------------------------------------------------------

RIGHT_ANSWER = {"q": (-1.5, 0.5), "s": (1.0, 1.0), "t": 0.94}


def test_numbers_blank_partly_done_right_and_wrong():
    said = feedback.numbers(..., RIGHT_ANSWER)
    assert said.text.startswith(NOT_DONE) and not said.done
    said = feedback.numbers({"q": ..., "s": ..., "t": ...}, RIGHT_ANSWER)
    assert said.text == f"{NOT_DONE}: q, s, t still `...`"
    said = feedback.numbers({"q": (0.5, -1.5), "s": ..., "t": ...}, RIGHT_ANSWER)
    assert said.text.startswith(f"{NOT_DONE}: s, t still `...`; so far 0 of 3 right")
    assert "q = (0.5, -1.5): the right numbers in the wrong order" in said.text
    said = feedback.numbers({"q": (-1.5, 0.5), "s": (1, 1), "t": 0.9401}, RIGHT_ANSWER)
    assert said.right and said.text == f"{RIGHT} right: q, s, t"
    said = feedback.numbers({"q": [-1.5, 0.5], "s": (1, 1), "t": (0.94,)}, RIGHT_ANSWER)
    assert said.right  # a list for a tuple, a 1-tuple for a number


@pytest.mark.parametrize(
    ("got", "cause"),
    [
        ((1.5, -0.5), "the right size with the wrong sign"),
        ((-3.0, 1.0), "twice the right number"),
        ((-0.75, 0.25), "half the right number"),
        ((-1 / 1.5, 2.0), "the reciprocal of the right number"),
        ((0.5, -1.5), "the right numbers in the wrong order"),
        ((1.0, 1.0), "the number asked for s"),
        ((3.0, 4.0), "the product rule's factors swapped"),
        ((-1.5, 0.6), ""),
    ],
)
def test_a_wrong_number_is_given_the_cause_that_gives_exactly_it(got, cause):
    slips = {"q": [("the product rule's factors swapped", (3.0, 4.0))]}
    answer = {"q": got, "s": (1.0, 1.0), "t": 0.94}
    said = feedback.numbers(answer, RIGHT_ANSWER, slips=slips)
    assert said.status == "wrong" and said.text.startswith(f"{WRONG} 2 of 3 right")
    shown = f"({', '.join(f'{v:.6g}' for v in got)})"
    assert (
        f"q = {shown}: {cause}" in said.text if cause else f"q = {shown} is not right" in said.text
    )


@given(
    want=st.floats(-10, 10).filter(lambda w: abs(w) > 0.01),
    got=st.floats(-20, 20),
)
def test_a_number_that_fits_no_mistake_gets_no_cause(want, got):
    candidates = [want, -want, 2 * want, want / 2, 1 / want, 3.0]
    assume(all(not math.isclose(got, c, rel_tol=2e-3, abs_tol=1e-8) for c in candidates))
    said = feedback.numbers({"a": got, "b": 0.0}, {"a": want, "b": 3.0}, abs_tol=1e-9)
    assert said.status == "wrong"
    assert f"a = {got + 0.0:.6g} is not right" in said.text and "b = 0 is not right" in said.text


def test_what_is_not_a_number_is_named_in_the_learners_terms():
    said = feedback.numbers(
        {"x": "0.5", "y": Value(1.0), "z": (1.0,)}, {"x": 0.5, "y": 1.0, "z": (1.0, 2.0)}
    )
    assert "x: a str, not a number" in said.text
    assert "y: a Value, not a number: give its .data or its .grad" in said.text
    assert "z: 1 numbers, where 2 are asked for" in said.text
    said = feedback.numbers([0.5], {"x": 0.5})
    assert said.text == f"{WRONG} the answer is a list: give a dict, as shipped"
    said = feedback.numbers({"x": 0.5, "w": 1.0}, {"x": 0.5})
    assert "w: not asked for (the names are x)" in said.text


def test_one_number():
    assert feedback.number(..., 6e-4, name="the error").text.startswith(NOT_DONE)
    said = feedback.number(1.2e-3, 6e-4, name="the error")
    assert said.text == f"{WRONG} the error = 0.0012: twice the right number"
    assert feedback.number(6.05e-4, 6e-4, name="the error", rel=0.02).right
    assert feedback.number(-0.0, 6e-4, name="e").text == f"{WRONG} e = 0 is not right"  # not -0


# ---- finite differences --------------------------------------------------------------------


def estimate(body: str):
    return cell(f"def central_difference(f, x, eps):\n{body}")["central_difference"]


def test_a_central_difference_is_right_and_so_is_one_with_half_steps():
    said = feedback.finite_difference(estimate("    return (f(x + eps) - f(x - eps)) / (2 * eps)"))
    assert said.right and "shrinks like ε²" in said.text, said.text
    half = estimate("    return (f(x + eps / 2) - f(x - eps / 2)) / eps")
    assert feedback.finite_difference(half).right


def test_a_forward_difference_is_close_but_first_order():
    forward = estimate("    return (f(x + eps) - f(x)) / eps")
    said = feedback.finite_difference(forward)
    assert said.status == "wrong" and "shrinks like ε, not ε²" in said.text, said.text
    assert feedback.finite_difference(forward, order=1).right


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("    return (f(x + eps) - f(x - eps)) / eps", "twice f'(x)"),
        ("    return (f(x - eps) - f(x + eps)) / (2 * eps)", "the wrong sign"),
        ("    return f(x + eps) - f(x - eps)", "about 2ε·f'(x): the difference is not divided"),
        ("    return f(x) / eps", "gives"),
    ],
)
def test_a_wrong_estimate_is_named_by_what_it_gives(body, says):
    said = feedback.finite_difference(estimate(body))
    assert said.status == "wrong" and says in said.text, said.text
    assert "f(x) = x³" in said.text and "f'(2.0) is 12" in said.text


def test_a_learners_function_that_raises_returns_nothing_or_hangs_gets_a_message(monkeypatch):
    said = feedback.finite_difference(estimate("    d = f(x + eps) - f(x - eps)\n    return d / 0"))
    first, second = said.text.splitlines()
    assert first == (
        f"{WRONG} central_difference(f, 2.0, 0.01) raised ZeroDivisionError: float division by zero"
    )
    assert second == "  in central_difference, line 3"  # <cell> has no source to quote
    said = feedback.finite_difference(estimate("    d = f(x + eps) - f(x - eps)"))
    assert said.text.endswith("returned None, not a number: is `return` missing?")
    said = feedback.finite_difference(estimate("    return 'twelve'"))
    assert said.text.endswith("returned a str, not a number near f'(x)")
    said = feedback.finite_difference(estimate("    return float('inf')"))
    assert said.text.endswith("returned inf, not a number near f'(x)")
    said = feedback.finite_difference(estimate("    return math.inf"))
    assert "raised NameError: name 'math' is not defined" in said.text  # the cell's own slip
    monkeypatch.setattr(feedback, "TIMEOUT", 0.2)
    stop = threading.Event()

    def central_difference(f, x, eps):  # a loop that ends only when the test is over
        while not stop.wait(0.01):
            pass

    try:
        said = feedback.finite_difference(central_difference)
    finally:
        stop.set()  # no thread left spinning in the test process
    assert said.text.endswith("did not finish in 0.2 s: a loop that never ends?")
    assert feedback.finite_difference(estimate("    ...")).text.startswith(NOT_DONE)
    assert feedback.finite_difference(2.0).text == f"{WRONG} that is a float, not a function"


def test_an_error_in_a_notebook_cell_is_quoted_with_its_line(tmp_path):
    source = "def g(f, x, eps):\n    h = 0\n    return (f(x + eps) - f(x)) / h\n"
    path = tmp_path / "cell.py"  # a file, as IPython's cells are: linecache finds the line
    path.write_text(source)
    namespace: dict = {}
    exec(compile(source, str(path), "exec"), namespace)
    said = feedback.finite_difference(namespace["g"])
    assert said.text.splitlines()[1] == "  in g, line 3: return (f(x + eps) - f(x)) / h"


# ---- a learner's engine --------------------------------------------------------------------


def lecture_value(assign: bool = False) -> type:
    """A lecture-style Value with + and *; `assign` plants `=` where `+=` belongs."""

    class V:
        def __init__(self, data, _children=()):
            self.data, self.grad, self._prev = data, 0.0, set(_children)
            self._backward = lambda: None

        def _send(self, g):
            if assign:
                self.grad = g
            else:
                self.grad += g

        def __add__(self, other):
            other = other if isinstance(other, V) else V(other)
            out = V(self.data + other.data, (self, other))

            def _backward():
                self._send(out.grad)
                other._send(out.grad)

            out._backward = _backward
            return out

        def __mul__(self, other):
            other = other if isinstance(other, V) else V(other)
            out = V(self.data * other.data, (self, other))

            def _backward():
                self._send(other.data * out.grad)
                other._send(self.data * out.grad)

            out._backward = _backward
            return out

        def backward(self):
            topo, seen, stack = [], set(), [(self, False)]
            while stack:
                v, done = stack.pop()
                if done:
                    topo.append(v)
                elif v not in seen:
                    seen.add(v)
                    stack.append((v, True))
                    stack.extend((c, False) for c in v._prev)
            for v in topo:
                if v._prev:
                    v.grad = 0.0
            self.grad = 1.0
            for v in reversed(topo):
                v._backward()

    return V


def test_engine_blank_growing_right_and_wrong():
    assert feedback.engine(...).text.startswith(NOT_DONE)
    stub = cell("class V:\n    def __init__(self, data):\n        ...\n    def backward(self): ...")
    said = feedback.engine(stub["V"])
    assert said.text == f"{NOT_DONE}: __init__, backward still have `...` as their body"
    said = feedback.engine(lecture_value(), allow_missing=True)
    assert said.right and "need ops it does not have yet" in said.text, said.text
    said = feedback.engine(lecture_value())
    assert said.status == "wrong" and "not implemented" in said.text
    said = feedback.engine(lecture_value(assign=True), allow_missing=True)
    assert said.status == "wrong" and "a + a" in said.text and "`+=`" in said.text, said.text
    assert len(said.text.splitlines()) <= 12
    assert feedback.engine(3).text == f"{WRONG} that is an int, not a class"
