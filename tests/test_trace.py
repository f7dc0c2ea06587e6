"""Evaluation traces: Baydin et al.'s tables, every op of the table traced, the trace as code,
and labels escaped in every format."""

from __future__ import annotations

import math
import random
import re
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ops_table import OPS, Op
from test_properties import program_function, programs

import autograd
from autograd import Value, ops, trace


def baydin() -> tuple[Value, Value, Value]:
    """f(x1, x2) = ln(x1) + x1·x2 − sin(x2) at (2, 5): Baydin et al. 2018, Tables 2 and 3."""
    x1, x2 = Value(2.0, "x1"), Value(5.0, "x2")
    return x1, x2, x1.log() + x1 * x2 - x2.sin()


# ---- Baydin et al. (2018), Tables 2 and 3 ------------------------------------------------


def test_baydin_primal_trace_to_full_precision() -> None:
    *_, y = baydin()
    t = trace(y)
    assert [r.index for r in t.rows] == [-1, 0, 1, 2, 3, 4, 5]
    assert [r.node._op for r in t.rows[2:]] == [ops.LOG, ops.MUL, ops.SIN, ops.ADD, ops.SUB]
    assert [r.parents for r in t.rows[2:]] == [(-1,), (-1, 0), (0,), (1, 2), (4, 3)]
    values = [r.value for r in t.rows]
    v1, v2, v3 = math.log(2.0), 10.0, math.sin(5.0)
    assert values == [2.0, 5.0, v1, v2, v3, v1 + v2, v1 + v2 - v3]
    assert t.value == 11.652071455223084
    assert f"{v1:.3f} {v3:.3f} {v1 + v2:.3f} {t.value:.3f}" == "0.693 -0.959 10.693 11.652"
    assert t.row(3).local == (math.cos(5.0),)
    assert t.row(1).local == (0.5,)
    assert t.output == 5


def test_baydin_adjoint_trace_to_full_precision() -> None:
    *_, y = baydin()
    t = trace(y)
    assert t.grads == [5.5, 2.0 - math.cos(5.0)]
    assert t.grads[1] == 1.7163378145367738
    # Table 3's rows (target, source, value), in Baydin's order; backward runs the same rows,
    # with v̄₀ = v̄₃ ∂v₃/∂v₀ two rows earlier (another reverse topological order).
    table3 = [
        (5, None, 1.0),
        (4, 5, 1.0),
        (3, 5, -1.0),
        (1, 4, 1.0),
        (2, 4, 1.0),
        (0, 3, -math.cos(5.0)),
        (-1, 2, 5.0),
        (0, 2, 2.0 - math.cos(5.0)),
        (-1, 1, 5.5),
    ]
    rows = [(a.target, a.source, a.value) for a in t.adjoint]
    assert sorted(rows, key=str) == sorted(table3, key=str)
    assert [a.accumulates for a in t.adjoint].count(True) == 2
    # the order is backward's: the rows are backward_steps' contributions, one per edge
    sent = [
        (s.node, p, c)
        for s in autograd.backward_steps(y)
        for p, c in zip(s.node.parents, s.contributions)
    ]
    assert [a.source for a in t.adjoint[1:]] == [t.index[n] for n, _, _ in sent]


def test_baydin_tangent_trace() -> None:
    x1, _, y = baydin()
    t = trace(y)
    tan = t.tangent({x1: 1.0})
    assert tan.value == 5.5
    assert [r.value for r in tan.rows] == [1.0, 0.0, 0.5, 5.0, 0.0, 5.5, 5.5]
    assert t.tangent({"x2": 1.0}).value == t.grads[1]
    with pytest.raises(KeyError, match="x3"):
        t.tangent({"x3": 1.0})
    with pytest.raises(KeyError, match="not an input"):
        t.tangent({y: 1.0})


def test_baydin_text_shows_the_tables() -> None:
    *_, y = baydin()
    t = trace(y)
    text = t.text(3)
    assert "v₋₁ = x1" in text
    assert "v₁  = ln v₋₁" in text and "= 0.693" in text
    assert "v₃  = sin v₀" in text and "∂v₃/∂v₀ = cos v₀ = 0.284" in text
    assert "v̄₀ + v̄₂ · v₋₁" in text and "= 1.716" in text
    assert "∂y/∂x1 = v̄₋₁" in text
    assert repr(t) == t.text()
    assert "0.6931471805599453" in repr(t)
    tangent = t.tangent({"x1": 1}).text()
    assert "v̇₂  = v̇₋₁ · ∂v₂/∂v₋₁ + v̇₀ · ∂v₂/∂v₀ = v̇₋₁ · v₀ + v̇₀ · v₋₁ = 5" in tangent
    assert "ẏ   = v̇₅" in tangent


def test_digits() -> None:
    *_, y = baydin()
    t = trace(y)
    assert "= 0.69 " in t.text(2) and "= 11.65\n" in t.text(2)
    assert "= 1 " in t.text(0) and "= 12\n" in t.text(0)  # ln 2 to 0 decimals is 1


def test_folded_numbers_are_shown_as_numbers() -> None:
    x = Value(3.0, "x")
    t = trace((x * 2).sin() + 2.5)
    text = t.text()
    assert "v₁ = v₀ × 2" in text
    assert "v₃ = v₂ + 2.5" in text


# ---- the op table: every entry has a notation, every row traces, replays and renders -------


def test_every_entry_has_a_notation() -> None:
    for op in ops.TABLE:
        n = op.notation
        assert n is not None, f"{op.name}: give it notation= in autograd/ops.py"
        for part in ("math", "dmath", "code"):
            assert getattr(n, part) is not None, f"{op.name}: notation lacks {part}"
        assert n.pair or n.dcode is not None, f"{op.name}: notation lacks dcode"
        if op.arity in (1, 2):
            for part in ("dmath", "dcode") if not n.pair else ("dmath",):
                t = getattr(n, part)
                assert callable(t) or len(t) == op.arity, f"{op.name}: one {part} per operand"


def points(op: Op, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(lo, hi) for lo, hi in op.domain]


def engine(op: Op, xs: list[float]) -> tuple[float, list[float]]:
    inputs = [Value(x) for x in xs]
    y = op.value(*inputs)
    return y.data, autograd.grad(y, inputs)


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_compiled_replay_equals_engine(op: Op) -> None:
    inputs = [Value(x, f"x{i}") for i, x in enumerate(points(op, 0))]
    t = trace(op.value(*inputs))
    assert [t.index[x] for x in inputs] == list(range(-len(inputs) + 1, 1))
    f = t.compile()
    assert f.inputs == inputs
    assert f(*[x.data for x in inputs]) == (t.value, t.grads)
    for seed in (1, 2, 3):
        xs = points(op, seed)
        value, grads = f(*xs)
        assert (value, grads) == engine(op, xs), t.code()


@pytest.mark.parametrize("op", OPS, ids=repr)
def test_every_format_renders(op: Op) -> None:
    inputs = [Value(x, f"x{i}") for i, x in enumerate(points(op, 0))]
    t = trace(op.value(*inputs))
    tan = t.tangent({inputs[0]: 1.0})
    for obj in (t, tan):
        text = obj.text()
        assert "#" not in text and "\\" not in text, text  # every template filled, no LaTeX
        check_markdown(obj.markdown())
        check_latex(obj.latex())
        assert obj._repr_html_().count("<table") == obj._repr_html_().count("</table>")


@settings(max_examples=60, deadline=None)
@given(programs(), st.integers(0, 10**6))
def test_random_graphs_replay_exactly(program, st_seed) -> None:
    xs, steps = program
    f = program_function(steps)
    inputs = [Value(x) for x in xs]
    t = trace(f(*inputs))
    replay = t.compile()
    rng = random.Random(st_seed)
    new = [rng.uniform(-2, 2) for _ in xs]
    leaves = {x: v for x, v in zip(inputs, new)}
    args = [leaves.get(x, x.data) for x in replay.inputs]  # constants keep their values
    fresh = [Value(v) for v in new]
    y = f(*fresh)
    value, grads = replay(*args)
    assert value == y.data or (math.isnan(value) and math.isnan(y.data))
    by_leaf = dict(zip(replay.inputs, grads))
    expected = autograd.grad(y, fresh)
    assert [by_leaf[x] for x in inputs] == expected


def test_code_is_straight_line_and_keeps_branches() -> None:
    x = Value(-1.0, "x")
    t = trace(x.relu() + abs(x) + x.leaky_relu(0.1))
    code = t.code()
    assert "for " not in code and "while " not in code
    assert code.count(" if ") >= 3
    f = t.compile()
    # a piecewise op takes its branch from the new input: relu at +2 is the identity
    assert f(2.0) == (2.0 + 2.0 + 2.0, [3.0])
    assert f(-2.0) == (0.0 + 2.0 + -0.2, [0.0 + -1.0 + 0.1])


def test_code_of_a_leaf_and_of_shared_parents() -> None:
    x = Value(3.0, "x")
    assert trace(x).compile()(4.0) == (4.0, [1.0])
    t = trace(x * x)
    assert t.compile()(5.0) == (25.0, [10.0])
    with pytest.raises(ValueError, match="identifier"):
        t.code("not a name")


# ---- hostile labels -----------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    "a|b",
    "back\\slash",
    "$x$",
    "new\nline",
    "`tick`",
    "&amp;",
    "{}_^%#~",
    "'); import os #",
    "\\end{tabular}",
]


def hostile_trace() -> autograd.Trace:
    xs = [Value(float(i + 1), label) for i, label in enumerate(HOSTILE)]
    return trace(autograd.sum([x.tanh() for x in xs]))


def check_markdown(md: str) -> None:
    """Every table line has the header's number of unescaped | and no raw newline in a cell."""
    for block in md.strip().split("\n\n"):
        lines = block.splitlines()
        if len(lines) == 1:
            assert lines[0].startswith("**") and lines[0].endswith("**")
            continue
        bars = [len(re.findall(r"(?<!\\)\|", line)) for line in lines]
        assert len(set(bars)) == 1, block
        assert lines[1].startswith("|---")


def check_latex(tex: str) -> None:
    """Balanced braces and $, begin/end pairs, one & fewer than columns on every row."""
    unescaped = re.sub(r"\\[\\{}$&#%_]", "", tex.replace(r"\textbackslash{}", ""))
    depth = 0
    for ch in unescaped:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0, tex
    assert depth == 0
    assert tex.count(r"\begin{tabular}") == tex.count(r"\end{tabular}")
    for line in unescaped.splitlines():
        assert line.count("$") % 2 == 0, line
        if line.endswith(r"\\") and "multicolumn" not in line:
            assert line.count("&") == 3, line


def test_hostile_labels_escaped_in_html() -> None:
    out = hostile_trace()._repr_html_()
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "&amp;amp;" in out
    assert "\n" not in "".join(re.findall(r"<td[^>]*>(.*?)</td>", out, re.S))
    assert "new\\nline" in out


def test_hostile_labels_escaped_in_markdown() -> None:
    md = hostile_trace().markdown()
    check_markdown(md)
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "a\\|b" in md and "\\$x\\$" in md and "\\`tick\\`" in md
    assert "back\\\\slash" in md


def test_hostile_labels_escaped_in_latex() -> None:
    tex = hostile_trace().latex()
    check_latex(tex)
    assert r"\text{\$x\$}" in tex
    assert r"\text{\textbackslash{}end\{tabular\}}" in tex
    assert tex.count(r"\end{tabular}") == 2


def test_hostile_labels_escaped_in_the_tangent_tables() -> None:
    t = hostile_trace()
    tan = t.tangent({HOSTILE[0]: 1.0, HOSTILE[4]: 2.0})
    assert tan.value == t.grads[0] + 2 * t.grads[4]
    html_out = tan._repr_html_()
    assert "<script>" not in html_out and "&lt;script&gt;" in html_out
    check_markdown(tan.markdown())
    check_latex(tan.latex())
    assert "new\\nline" in tan.text() and "new\nline" not in tan.text()
    named = trace(Value(1.0, "x") * 2, name="<i>|$")
    assert "&lt;i&gt;" in named._repr_html_() and "<i>" not in named._repr_html_()
    check_markdown(named.markdown())
    check_latex(named.latex())
    assert r"\text{\textless{}i\textgreater{}\textbar{}\$}" in named.latex()


def test_hostile_labels_in_text_and_never_in_code() -> None:
    t = hostile_trace()
    text = t.text()
    assert "new\\nline" in text and "new\nline" not in text
    code = t.code()
    for label in HOSTILE:
        assert label not in code
    assert "import os" not in code
    value, grads = t.compile()(*[r.value for r in t.rows[: len(t.inputs)]])
    assert value == t.value and grads == t.grads


def _tex_engine() -> str | None:
    return next((e for e in ("pdflatex", "lualatex", "xelatex") if shutil.which(e)), None)


@pytest.mark.skipif(
    _tex_engine() is None, reason="no TeX engine: apt-get install -y texlive-latex-base"
)
def test_latex_compiles(tmp_path) -> None:
    """Baydin's tables, every op of the table and the hostile labels, in one document."""
    *_, y = baydin()
    t = trace(y)
    body = [t.latex(3), t.tangent({"x1": 1}).latex(3), hostile_trace().latex()]
    for op in OPS:  # every op's notation, as LaTeX
        inputs = [Value(x, f"x{i}") for i, x in enumerate(points(op, 0))]
        ti = trace(op.value(*inputs))
        body += [ti.latex(), ti.tangent({inputs[0]: 1.0}).latex()]
    assert all(ch.isascii() for ch in "".join(body))
    doc = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
    doc += "\n\\bigskip\n".join(body) + "\n\\end{document}\n"
    (tmp_path / "t.tex").write_text(doc, encoding="utf-8")
    run = subprocess.run(
        [_tex_engine(), "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout[-2000:]
