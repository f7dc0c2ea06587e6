"""nn.practice: exercises from a seed and a level, checked node by node with a diagnosis.

The learner here is simulated by a backward pass written in this file from the maths (its own
local derivatives, not the engine's), with one catalogued mistake made at one node and carried
on from there, as a person computing by hand would. Every mistake must then be diagnosed as
itself at that node; the right answer accepted; and any other number called wrong without a
cause unless it equals what a rule of the catalogue gives.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import topological_order
from autograd.drawing.dot_text import HOT
from nn import practice
from nn.practice import diagnosis
from nn.practice.stream import Stream

ROOT = Path(__file__).resolve().parents[1]
LEVELS = [1, 2, 3, 4, 5]
VARIANTS = [(1, None), (2, None), (3, "sigmoid"), (3, "tanh"), (3, "relu"), (4, "tanh")]
VARIANTS += [(4, "sigmoid"), (5, None)]


def sigma(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def softmax(xs: list[float]) -> list[float]:
    m = max(xs)
    e = [math.exp(v - m) for v in xs]
    return [v / math.fsum(e) for v in e]


def local(c, k) -> float:
    """∂c/∂(parent k), from the maths and the parents' values."""
    op, p = c.primitive.name, [q.data for q in c.parents]
    if op in ("add", "sum", "add_c", "sub_c"):
        return 1.0
    if op == "sub":
        return 1.0 if k == 0 else -1.0
    if op in ("rsub_c", "neg"):
        return -1.0
    if op == "mul":
        return p[1 - k]
    if op == "dot":
        h = len(p) // 2
        return p[k + h] if k < h else p[k - h]
    if op == "pow_c":
        return c.param * p[0] ** (c.param - 1)
    if op == "tanh":
        return 1.0 - math.tanh(p[0]) ** 2
    if op == "sigmoid":
        return sigma(p[0]) * (1.0 - sigma(p[0]))
    if op == "relu":
        return 1.0 if p[0] > 0 else 0.0
    if op == "log":
        return 1.0 / p[0]
    if op == "softmax":
        s, i = softmax(p), c.param
        return s[i] * ((1.0 if i == k else 0.0) - s[k])
    raise AssertionError(f"no derivative for {op} in the test")


def wrong_local(name: str, c, k):
    """The mistaken ∂c/∂(parent k) of mistake `name`, or None where it does not apply."""
    op, p = c.primitive.name, [q.data for q in c.parents]
    rules = {
        "sigmoid_for_derivative": op == "sigmoid" and sigma(p[0]),
        "tanh_prime_of_input": op == "tanh" and 1.0 - p[0] ** 2,
        "tanh_for_derivative": op == "tanh" and math.tanh(p[0]),
        "relu_passes_negative": op == "relu" and p[0] <= 0 and 1.0,
        "subtraction_sign": ((op == "sub" and k == 1) or op == "rsub_c") and 1.0,
        "product_factors_swapped": (
            ((op == "mul" and c.parents[0] is not c.parents[1]) or op == "dot") and p[k]
        ),
        "power_rule_exponent_dropped": op == "pow_c" and p[0] ** (c.param - 1),
        "softmax_diagonal_only": op == "softmax" and k != c.param and 0.0,
        "softmax_kronecker_dropped": op == "softmax" and k == c.param and -(softmax(p)[k] ** 2),
        "log_derivative_without_reciprocal": op == "log" and p[0],
    }
    value = rules[name]
    return None if value is False else float(value)


WHOLE = ("one_path", "local_without_upstream", "upstream_without_local", "sign_flipped")


def children(ex) -> dict:
    order = topological_order(ex.root)
    out = {v: [] for v in order}
    for c in order:
        for k, q in enumerate(c.parents):
            out[q].append((c, k))
    return out


def learner(ex, at=None, mistake: str | None = None, path: int = 0) -> dict[str, float]:
    """A hand computation of every asked gradient: right everywhere, except mistake `mistake`
    made at node `at` (for one_path: only edge `path` counted) and carried on from there."""
    kids = children(ex)
    g = {ex.root: 1.0}
    for n in reversed(topological_order(ex.root)):
        if n is ex.root:
            continue
        ups = [g[c] for c, _ in kids[n]]
        ds = [local(c, k) for c, k in kids[n]]
        if n is at and mistake in WHOLE:
            if mistake == "one_path":
                g[n] = ups[path] * ds[path]
            elif mistake == "local_without_upstream":
                g[n] = math.fsum(ds)
            elif mistake == "upstream_without_local":
                g[n] = math.fsum(ups)
            else:  # sign_flipped
                g[n] = -math.fsum(u * d for u, d in zip(ups, ds, strict=True))
            continue
        if n is at:
            ds = [
                d if (w := wrong_local(mistake, c, k)) is None else w
                for (c, k), d in zip(kids[n], ds, strict=True)
            ]
        g[n] = math.fsum(u * d for u, d in zip(ups, ds, strict=True))
    return {name: g[v] for name, v in ex.asked.items()}


def variants_at(ex, name: str) -> dict[str, list[float]]:
    """Every mistake's number at node `name`, all else right: mistake → its values there."""
    v = ex.asked[name]
    right = ex.solution()[name]
    out = {}
    for m in practice.MISTAKES:
        paths = range(len(children(ex)[v])) if m.name == "one_path" else [0]
        if m.name == "one_path" and len(paths) < 2:
            continue
        values = [learner(ex, v, m.name, k)[name] for k in paths]
        values = [x for x in values if abs(x - right) > 1e-12 * max(1.0, abs(right))]
        if values:
            out[m.name] = values
    return out


def some_exercises(count: int = 12):
    for seed in range(count):
        for level, act in VARIANTS:
            yield practice.exercise(seed, level, activation=act)


# ---- the stream and reproducibility ---------------------------------------------------------


def test_stream_is_splitmix64():
    """The reference outputs of splitmix64 for seed 1234567 (Vigna's splitmix64.c)."""
    s = Stream(1234567)
    assert [s.next64() for _ in range(3)] == [
        6457827717110365317,
        3203168211198807973,
        9817491932198370423,
    ]


def test_stream_draws_stay_in_range_and_cover_it():
    s = Stream(5)
    draws = [s.below(7) for _ in range(7000)]
    assert set(draws) == set(range(7)) and all(abs(draws.count(k) - 1000) < 150 for k in range(7))
    tenths = [s.tenths(-1, 1) for _ in range(500)]
    assert all(-1 <= t <= 1 and t != 0 and t == round(t * 10) / 10 for t in tenths)
    assert Stream(5, 1).next64() != Stream(5, 2).next64() != Stream(5).next64()
    with pytest.raises(TypeError, match="a seed must be an int"):
        Stream(1.5)


def snapshot(seeds: range) -> str:
    """Everything an exercise is, for the seeds and every variant: what is made from the seed
    (task, nodes and ops, the leaves' values, the asked names, the DOT text) and what is
    computed from it (every node's value, every answer)."""
    out = []
    for seed in seeds:
        for level, act in VARIANTS:
            ex = practice.exercise(seed, level, activation=act)
            spec = ex.spec()
            nodes = spec.pop("nodes")
            made = [spec, [[label, op, x if not op else None] for label, op, x in nodes]]
            computed = [x for _, _, x in nodes] + list(ex.solution().values())
            out.append([made, ex.draw().source, computed])
    return json.dumps(out, ensure_ascii=False)


def test_exercises_are_the_same_in_every_run():
    """Two more interpreters, with different hash seeds (set and dict orders): the same
    exercises, answers and DOT text."""
    here = snapshot(range(6))
    code = (
        "import sys; sys.path.insert(0, 'tests'); import test_practice as t; "
        "print(t.snapshot(range(6)))"
    )
    for hashseed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hashseed}
        run = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert run.stdout.strip() == here


def test_every_level_varies_with_the_seed():
    for level in LEVELS:
        specs = {json.dumps(practice.exercise(seed, level).spec()) for seed in range(10)}
        assert len(specs) == 10, level


# ---- judging answers ------------------------------------------------------------------------


def test_the_right_answer_is_accepted_and_rounded_to_three_decimals_too():
    for ex in some_exercises():
        assert ex.check(ex.solution()).all_right, ex
        rounded = {k: round(v, 3) for k, v in ex.solution().items()}
        report = ex.check(rounded)
        assert report.all_right, (ex, report)


def test_each_mistake_apart_from_the_right_number_wherever_it_applies():
    """The generator's promise: every mistake that changes a node's number changes it beyond
    twice the tolerance, so a mistaken answer is never taken for right."""
    for ex in some_exercises():
        sol = ex.solution()
        for name in ex.asked:
            for mistake, values in variants_at(ex, name).items():
                for x in values:
                    gap = 2 * (practice.ABS_TOL + practice.REL_TOL * max(abs(x), abs(sol[name])))
                    assert abs(x - sol[name]) > gap, (ex, name, mistake)


def find_case(mistake: str):
    """An exercise and node where `mistake` changes the number."""
    for ex in some_exercises(40):
        for name in ex.asked:
            if mistake in variants_at(ex, name):
                return ex, name
    raise AssertionError(f"no exercise of 40 seeds lets {mistake} change a number")


@pytest.mark.parametrize("mistake", [m.name for m in practice.MISTAKES])
def test_each_catalogued_mistake_is_diagnosed_as_itself(mistake):
    ex, name = find_case(mistake)
    at = ex.asked[name]
    paths = range(len(children(ex)[at])) if mistake == "one_path" else [0]
    for path in paths:
        answers = learner(ex, at, mistake, path)
        report = ex.check(answers)
        verdict = report[name]
        assert verdict.status == diagnosis.WRONG, (ex, report)
        assert mistake in verdict.mistakes, (ex, report)
        assert all(matches_value(answers[name], d.value) for d in verdict.diagnoses)
        assert report.first_wrong.node == name
        seen_mistake = False
        for v in report.reached:  # before it: right; after it: right, or carried from it
            if v.node == name:
                seen_mistake = True
            elif not seen_mistake:
                assert v.status == diagnosis.RIGHT, (v, report)
            else:
                assert v.status in (diagnosis.RIGHT, diagnosis.CARRIED), (v, report)
        drawn = report.draw().source
        (node_line,) = [line for line in drawn.splitlines() if f'label="{name} | data' in line]
        assert f'color="{HOT}"' in node_line  # the first wrong node, highlighted


def matches_value(a: float, b: float) -> bool:
    return diagnosis.matches(a, b)


@given(
    seed=st.integers(0, 10_000),
    variant=st.sampled_from(VARIANTS),
    which=st.integers(0, 100),
    number=st.floats(-20, 20, allow_nan=False),
)
def test_a_random_wrong_number_gets_a_cause_only_when_a_rule_gives_it(seed, variant, which, number):
    ex = practice.exercise(seed, variant[0], activation=variant[1])
    names = list(ex.asked)
    name = names[which % len(names)]
    answers = ex.solution() | {name: number}
    verdict = ex.check(answers)[name]
    if diagnosis.matches(number, ex.solution()[name]):
        assert verdict.status == diagnosis.RIGHT
        return
    expected = {
        m
        for m, values in variants_at(ex, name).items()
        if any(diagnosis.matches(number, x) for x in values)
    }
    assert verdict.status == diagnosis.WRONG and set(verdict.mistakes) == expected


@given(seed=st.integers(0, 10_000), variant=st.sampled_from(VARIANTS), which=st.integers(0, 100))
def test_a_number_a_rule_gives_is_diagnosed_as_that_rule(seed, variant, which):
    ex = practice.exercise(seed, variant[0], activation=variant[1])
    names = list(ex.asked)
    name = names[which % len(names)]
    for mistake, values in variants_at(ex, name).items():
        for x in values:
            nudged = x + 0.4 * (practice.ABS_TOL + practice.REL_TOL * abs(x))  # a rounding
            verdict = ex.check(ex.solution() | {name: nudged})[name]
            assert mistake in verdict.mistakes, (ex, name, mistake, verdict)


def test_no_answer_yet_says_not_done_and_odd_answers_never_raise():
    ex = practice.exercise(1, 3)
    blank = ex.check(ex.blank())
    assert not blank.done and blank.text().startswith("not done yet: give a number for each of e")
    assert str(ex.check(None)).startswith("not done yet")
    odd = [None, ..., "abc", "", "1e400", math.nan, math.inf, True, [1], {"a": 1}, object()]
    odd += [10**400, complex(1, 2), " 0.5 "]
    names = list(ex.asked)
    answers = {names[k % len(names)]: v for k, v in enumerate(odd)}
    for answers_ in (answers, [], "text", 5, {1: 2, None: 3, ("t",): 4, "nope": 1.0}):
        report = ex.check(answers_)
        assert report.text() and report._repr_html_()
    report = ex.check({"nope": 1.0, names[0]: "abc"})
    assert "'nope' is not a node of this exercise" in report.text()
    assert report[names[0]].status == diagnosis.INVALID and "not a number" in report[names[0]].why()
    assert ex.check({names[0]: " 0.5 "})[names[0]].answer == 0.5  # typed as text: still a number


def test_carried_errors_point_at_their_source():
    ex = practice.exercise(3, 3, activation="sigmoid")
    answers = learner(ex, ex.asked["z"], "sigmoid_for_derivative")
    report = ex.check(answers)
    assert report["z"].mistakes == ["sigmoid_for_derivative"]
    assert report["w1"].status == diagnosis.CARRIED and "∂L/∂p1" in report["w1"].why()
    assert "the first wrong number is ∂L/∂z" in report.summary()


def test_worked_answers_end_in_the_right_numbers_and_show_folded():
    for ex in some_exercises(3):
        folded = ex.worked_answer()._repr_html_()
        assert folded.startswith("<details><summary>") and "<pre>∂L/∂" in folded
        lines = ex.worked().splitlines()
        assert len(lines) == len(ex.asked)
        for line, (name, value) in zip(lines, ex.solution().items(), strict=True):
            assert line.startswith(f"∂L/∂{name} = ") and line.endswith(
                f"= {practice.diagnosis.fmt(value)}"
            )


def test_a_class_set_gives_each_student_a_seed_and_the_teacher_a_key():
    cs = practice.class_set(100, ["ana", "ben"], levels=(1, 3))
    assert cs.seeds == {"ana": 100, "ben": 101}
    key = cs.answer_key().splitlines()
    assert len(key) == 2 + 2 * 2 and key[2].startswith("| ana | 100 | 1 |")
    again = [e.spec() for e in practice.exercise_set(101, (1, 3))]
    assert [e.spec() for e in cs.exercises("ben")] == again
    assert list(practice.class_set(7, 3).seeds) == ["student 1", "student 2", "student 3"]


def test_bad_requests_are_refused_naming_the_argument():
    with pytest.raises(ValueError, match="level must be one of 1, 2, 3, 4, 5"):
        practice.exercise(1, 6)
    with pytest.raises(ValueError, match="activation is chosen for levels 3 and 4"):
        practice.exercise(1, 1, activation="tanh")
    with pytest.raises(ValueError, match="activation must be one of"):
        practice.exercise(1, 3, activation="softplus")
    with pytest.raises(TypeError, match="a seed must be an int"):
        practice.exercise("7", 1)
    with pytest.raises(ValueError, match="different names"):
        practice.class_set(1, ["a", "a"])
