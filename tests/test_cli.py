"""The `chainrule` command line, run as a user runs it: a subprocess per command."""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nn.app.check_cmd import parse_ids
from nn.app.cli import build_parser, main
from nn.app.expr_cmd import parse_at

ROOT = Path(__file__).resolve().parents[1]
HAS_NOTES = (ROOT / "nn" / "notes" / "__init__.py").exists()
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("HYPOTHESIS_PROFILE", None)
    return env


def chainrule(
    *args: str, cwd: Path, timeout: float = 120, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """`python -m nn ARGS` in `cwd`, capturing text output."""
    return subprocess.run(
        [sys.executable, "-m", "nn", *args],
        cwd=cwd,
        env=_env(),
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )


def numbers(stdout: str) -> dict[str, float]:
    """The `name = number` lines of `chainrule graph`: h and dh/dx, dh/dy, …"""
    out = {}
    for line in stdout.splitlines():
        m = re.fullmatch(r"(\w+|d\w+/d\w+) = (\S+)", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


# ---- --help -----------------------------------------------------------------------------------


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def test_top_level_help_lists_every_command(tmp_path: Path) -> None:
    r = chainrule("--help", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for text in ("usage: chainrule", "demo", "graph", "check", "examples:", "Exit status"):
        assert text in r.stdout
    for name in _subparsers(build_parser()):
        assert name in r.stdout


@pytest.mark.parametrize("command", ["demo", "graph", "trace", "check"])
def test_subcommand_help_is_complete(command: str, tmp_path: Path) -> None:
    r = chainrule(command, "--help", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    text = r.stdout
    assert text.startswith(f"usage: chainrule {command}")
    assert "examples:" in text and f"chainrule {command}" in text.split("examples:")[1]
    sub = _subparsers(build_parser())[command]
    assert sub.description and sub.description.splitlines()[0] in text
    for action in sub._actions:
        if action.option_strings and "--help" not in action.option_strings:
            assert action.option_strings[-1] in text
            assert "default" in (action.help or ""), f"{action.option_strings} states no default"
    # the help text itself shows each default
    help_text = " ".join(text.split())
    if command == "demo":
        for default in ("(default: 100)", "(default: 1337)", "(default: ./chainrule-demo/)"):
            assert default in help_text


def test_no_command_prints_help_and_exits_2(tmp_path: Path) -> None:
    r = chainrule(cwd=tmp_path)
    assert r.returncode == 2 and "graph" in r.stderr


# ---- chainrule graph ---------------------------------------------------------------------------

KNOWN = [
    ("exp((2*x+3)**2)", "x=0.1", {"h": math.exp(3.2**2), "dh/dx": 4 * 3.2 * math.exp(3.2**2)}),
    ("x**3 - 2*x", "x=1.5", {"h": 1.5**3 - 3, "dh/dx": 3 * 1.5**2 - 2}),
    ("x*y + log(x)", "x=2,y=3", {"h": 6 + math.log(2), "dh/dx": 3.5, "dh/dy": 2.0}),
    (
        "sigmoid(w*x + b)",
        "w=0.5,x=2,b=-0.3",
        {
            "h": 1 / (1 + math.exp(-0.7)),
            "dh/dw": 2 * math.exp(-0.7) / (1 + math.exp(-0.7)) ** 2,
            "dh/dx": 0.5 * math.exp(-0.7) / (1 + math.exp(-0.7)) ** 2,
            "dh/db": math.exp(-0.7) / (1 + math.exp(-0.7)) ** 2,
        },
    ),
    ("tanh(x) * sin(y)", "y=0.4, x=0.3", None),  # checked against finite differences below
    ("sqrt(x)/y", "x=4,y=2", {"h": 1.0, "dh/dx": 0.125, "dh/dy": -0.5}),
]


@pytest.mark.parametrize(("expr", "at", "expected"), KNOWN, ids=[k[0] for k in KNOWN])
def test_graph_prints_value_and_partials(expr: str, at: str, expected, tmp_path: Path) -> None:
    r = chainrule("graph", expr, "--at", at, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    got = numbers(r.stdout)
    if expected is None:  # tanh(x)·sin(y): central differences of the closed form
        f = lambda x, y: math.tanh(x) * math.sin(y)  # noqa: E731
        e = 1e-6
        expected = {
            "h": f(0.3, 0.4),
            "dh/dx": (f(0.3 + e, 0.4) - f(0.3 - e, 0.4)) / (2 * e),
            "dh/dy": (f(0.3, 0.4 + e) - f(0.3, 0.4 - e)) / (2 * e),
        }
        assert list(got) == ["h", "dh/dx", "dh/dy"]  # order of first appearance, not of --at
        for k, v in expected.items():
            assert got[k] == pytest.approx(v, rel=1e-7)
        return
    assert list(got) == list(expected)
    for k, v in expected.items():
        assert got[k] == pytest.approx(v, rel=1e-12), k


def test_graph_example_from_the_issue(tmp_path: Path) -> None:
    """h(x) = e^{(2x+3)²}: dh/dx = 4(2x+3)e^{(2x+3)²} (the notes' 000-2 says 6: wrong)."""
    r = chainrule("graph", "exp((2*x+3)**2)", "--at", "x=0.1", cwd=tmp_path)
    got = numbers(r.stdout)
    assert got["dh/dx"] == pytest.approx(4 * 3.2 * math.exp(3.2**2), rel=1e-14)
    assert got["dh/dx"] != pytest.approx(6 * 3.2 * math.exp(3.2**2), rel=1e-3)


def test_graph_writes_svg_and_dot(tmp_path: Path) -> None:
    r = chainrule("graph", "x*y + exp(x)", "--at", "x=0.5,y=2", "--out", "g.svg", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "graph written to g.svg" in r.stdout
    root = ET.parse(tmp_path / "g.svg").getroot()
    assert root.tag.endswith("svg")
    text = " ".join(t.text or "" for t in root.iter() if t.tag.endswith("text"))
    for label in ("x", "y", "exp(x)", "h"):
        assert label in text.split()

    r = chainrule("graph", "x*y", "--at", "x=0.5,y=2", "--dot", "--out", "g.txt", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "g.txt").read_text().startswith("digraph")

    # DOT on standard output: stdout is pure DOT, the numbers go to stderr
    r = chainrule("graph", "x*y", "--at", "x=0.5,y=2", "--dot", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("digraph") and r.stdout.rstrip().endswith("}")
    assert numbers(r.stderr) == {"h": 1.0, "dh/dx": 2.0, "dh/dy": 0.5}


def test_graph_bad_out_is_refused_before_work(tmp_path: Path) -> None:
    r = chainrule("graph", "x", "--at", "x=1", "--out", "graph", cwd=tmp_path)
    assert r.returncode == 2 and "suffix" in r.stderr
    r = chainrule("graph", "x", "--at", "x=1", "--out", "missing/g.svg", cwd=tmp_path)
    assert r.returncode == 1 and "the folder 'missing' does not exist" in r.stderr
    assert r.stdout == ""


BAD_AT = [
    (["--at", "x"], "not NAME=NUMBER"),
    (["--at", "x=abc"], "'abc' is not a number"),
    (["--at", "x=1,,y=2"], "empty entry"),
    (["--at", "x=nan"], "finite"),
    (["--at", "x=1,x=2"], "x is given twice"),
    (["--at", "_x=1"], "not NAME=NUMBER"),
    (["--at", "x=1"], "no value given for y"),
    (["--at", "x=1,y=2,z=3"], "value given for z, which the expression does not use"),
    ([], "no value given for x, y"),
]


@pytest.mark.parametrize(("args", "message"), BAD_AT, ids=[m for _, m in BAD_AT])
def test_graph_bad_at_exits_2(args: list[str], message: str, tmp_path: Path) -> None:
    r = chainrule("graph", "x*y", *args, cwd=tmp_path)
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr


def test_graph_at_may_be_repeated(tmp_path: Path) -> None:
    r = chainrule("graph", "x*y", "--at", "x=3", "--at", "y=-2", cwd=tmp_path)
    assert numbers(r.stdout) == {"h": -6.0, "dh/dx": -2.0, "dh/dy": 3.0}


@pytest.mark.parametrize(
    ("expr", "at", "message"),
    [
        ("log(x)", "x=-1", "log: operand 'x' = -1.0 is not > 0"),
        ("1/(x-2)", "x=2", "division of 1.0 by 'x-2' = 0.0"),
        ("sqrt(x*y)", "x=-1,y=2", "sqrt: operand 'x*y' = -2.0 is negative"),
    ],
)
def test_graph_domain_error_exits_1(expr: str, at: str, message: str, tmp_path: Path) -> None:
    r = chainrule("graph", expr, "--at", at, cwd=tmp_path)
    assert r.returncode == 1
    assert message in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


# The hostile list: each is rejected with exit status 2, quickly, and nothing runs.
SENTINEL = "ran-sentinel"
HOSTILE = [
    f"__import__('os').system('touch {SENTINEL}')",
    "__import__('os').system('id')",
    f"open('{SENTINEL}', 'w')",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__dict__",
    "'a'*10**9",
    "9**9**9**9",
    "2**10**10",
    "[x for x in y]",
    "lambda: 1",
    "x[0]",
    "_x",
    'f"{x}"',
    "(" * 100_000 + "x" + ")" * 100_000,
    "exp(" * 250 + "x" + ")" * 250,
    "-" * 300 + "x",
    "x" + "+x" * 9_999,
    "exec('import os')",
    "globals()",
]


@pytest.mark.parametrize("expr", HOSTILE, ids=[h[:25] for h in HOSTILE])
def test_graph_rejects_hostile_input(expr: str, tmp_path: Path) -> None:
    start = time.perf_counter()
    if len(expr) > 50_000:  # longer than one command-line argument may be: EXPR - reads stdin
        r = chainrule("graph", "-", "--at", "x=1", cwd=tmp_path, timeout=30, stdin=expr)
    else:
        r = chainrule("graph", "--at", "x=1", "--", expr, cwd=tmp_path, timeout=30)
    elapsed = time.perf_counter() - start
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert elapsed < 5.0
    assert "rejected expression" in r.stderr and "Traceback" not in r.stderr
    assert r.stdout == ""
    assert not (tmp_path / SENTINEL).exists()
    assert list(tmp_path.iterdir()) == []  # nothing written at all


def test_rejection_points_at_the_offending_part(tmp_path: Path) -> None:
    r = chainrule("graph", "x + y.__class__", "--at", "x=1,y=2", cwd=tmp_path)
    assert r.returncode == 2
    *_, shown, carets = r.stderr.rstrip("\n").splitlines()
    assert shown.strip() == "x + y.__class__"
    assert shown.index("y") == carets.index("^")  # the caret starts under y.__class__
    assert "attribute access" in r.stderr and "column 5" in r.stderr


def test_expression_from_standard_input(tmp_path: Path) -> None:
    r = chainrule("graph", "-", "--at", "x=2", cwd=tmp_path, stdin="x**2 +\n 1\n")
    assert r.returncode == 2  # a newline outside parentheses ends a Python expression
    r = chainrule("graph", "-", "--at", "x=2", cwd=tmp_path, stdin="(x**2 +\n 1)\n")
    assert numbers(r.stdout) == {"h": 5.0, "dh/dx": 4.0}
    r = chainrule("graph", "-", cwd=tmp_path, stdin="x" * 10_001)
    assert r.returncode == 2 and "more than 10000 characters" in r.stderr


def test_expression_starting_with_minus(tmp_path: Path) -> None:
    r = chainrule("graph", "--at", "x=3", "--", "-x**2", cwd=tmp_path)
    assert numbers(r.stdout) == {"h": -9.0, "dh/dx": -6.0}


# ---- chainrule trace ----------------------------------------------------------------------------

BAYDIN = ("trace", "log(x1) + x1*x2 - sin(x2)", "--at", "x1=2,x2=5")


def test_trace_prints_baydin_tables(tmp_path: Path) -> None:
    r = chainrule(*BAYDIN, "--tangent", "x1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for title in ("Forward primal trace", "Reverse adjoint trace", "Forward tangent trace"):
        assert title in out
    assert "v₁  = ln v₋₁   = 0.6931471805599453" in out
    assert f"= {11.652071455223084!r}" in out
    assert re.search(r"x̄1 += v̄₋₁ += 5\.5", out)  # the output is y, as in the API
    assert f"= {2 - math.cos(5)!r}" in out
    assert re.search(r"ẏ +=  *v̇₅ += 5\.5", out)


def test_trace_formats_and_digits(tmp_path: Path) -> None:
    r = chainrule(*BAYDIN, "--format", "markdown", "--digits", "3", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "| v₁ | ln v₋₁ | 0.693 |" in r.stdout
    r = chainrule(*BAYDIN, "--format", "latex", "--tangent", "x2=1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.count(r"\begin{tabular}") == 3
    assert r"$= \ln v_{-1}$" in r.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tangent", "x3"], "x3 is not a variable of the expression (its variables: x1, x2)"),
        (["--tangent", "x1=a"], "'a' is not a number"),
        (["--tangent", "x1,x1"], "x1 is given twice"),
        (["--tangent", "1x"], "is not NAME or NAME=NUMBER"),
        (["--format", "html"], "invalid choice: 'html'"),
        (["--digits", "99"], "give 0 to 17 decimals"),
    ],
)
def test_trace_bad_options_exit_2(args: list[str], message: str, tmp_path: Path) -> None:
    r = chainrule(*BAYDIN, *args, cwd=tmp_path)
    assert r.returncode == 2 and message in r.stderr, r.stderr
    assert r.stdout == ""


def test_trace_shares_graph_errors(tmp_path: Path) -> None:
    r = chainrule("trace", "log(x)", "--at", "x=-1", cwd=tmp_path)
    assert r.returncode == 1 and "is not > 0" in r.stderr
    r = chainrule("trace", "x*y", "--at", "x=1", cwd=tmp_path)
    assert r.returncode == 2 and "no value given for y" in r.stderr
    r = chainrule("trace", "-", "--at", "x=3", cwd=tmp_path, stdin="x**2\n")
    assert r.returncode == 0 and "v₁ = v₀^2" in r.stdout


@pytest.mark.parametrize("expr", HOSTILE[:5], ids=[h[:25] for h in HOSTILE[:5]])
def test_trace_rejects_hostile_input(expr: str, tmp_path: Path) -> None:
    r = chainrule("trace", "--at", "x=1", "--", expr, cwd=tmp_path, timeout=30)
    assert r.returncode == 2 and "rejected expression" in r.stderr
    assert r.stdout == "" and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []


# ---- chainrule demo ----------------------------------------------------------------------------


def _moons_accuracy(model, seed: int) -> float:
    from nn.data import make_moons
    from nn.train import accuracy

    X, labels = make_moons(100, 0.1, seed=seed)
    return accuracy(model, X, [2 * t - 1 for t in labels], "hinge")


def test_demo_writes_all_four_files(tmp_path: Path) -> None:
    from matplotlib.image import imread

    import nn

    out = tmp_path / "demo out"  # a space in the path, too
    start = time.perf_counter()
    r = chainrule("demo", "--epochs", "5", "--seed", "3", "--out", str(out), cwd=tmp_path)
    elapsed = time.perf_counter() - start
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "decision_boundary.png",
        "loss.png",
        "model.json",
        "neuron_graph.svg",
    ]
    for name in ("decision_boundary.png", "loss.png"):
        data = (out / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE)
        image = imread(out / name)
        assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
        assert image.std() > 0.05  # a picture, not a blank canvas

    svg = ET.parse(out / "neuron_graph.svg").getroot()
    words = " ".join(t.text or "" for t in svg.iter() if t.tag.endswith("text")).split()
    for label in ("x[0]", "x[1]", "dot", "relu"):
        assert label in words
    assert any(re.fullmatch(r"W1\[\d+,0\]", w) for w in words)
    assert any(re.fullmatch(r"b1\[\d+\]", w) for w in words)
    assert any(re.fullmatch(r"a1\[\d+\]", w) for w in words)

    model = nn.load(out / "model.json")
    assert len(model([0.5, -0.25])) == 1  # it predicts
    acc = float(re.search(r"accuracy (\d+\.\d)%", r.stdout).group(1)) / 100
    assert _moons_accuracy(model, seed=3) == pytest.approx(acc, abs=1e-9)  # the trained weights
    assert "final loss" in r.stdout and str(out) in r.stdout
    assert "fit" in r.stderr and "loss=" in r.stderr and "acc=" in r.stderr  # the tqdm bar
    assert elapsed < 60


def test_demo_without_matplotlib_draws_svg(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from nn.app.cli import main\n"
        "sys.exit(main(['demo', '--epochs', '2', '--out', 'out']))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["decision_boundary.svg", "loss.svg", "model.json", "neuron_graph.svg"]
    boundary = ET.parse(tmp_path / "out" / "decision_boundary.svg").getroot()
    circles = [e for e in boundary.iter() if e.tag.endswith("circle")]
    assert len(circles) == 100  # every data point
    loss = ET.parse(tmp_path / "out" / "loss.svg").getroot()
    assert len([e for e in loss.iter() if e.tag.endswith("polyline")]) == 2
    assert "matplotlib is not installed" in r.stderr


@pytest.mark.parametrize("where", ["under-a-file", "is-a-file"])
def test_demo_unwritable_out_dir_fails_before_training(where: str, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    out = blocker / "sub" if where == "under-a-file" else blocker
    r = chainrule("demo", "--out", str(out), cwd=tmp_path)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot write to output directory" in lines[0]  # no progress bar
    assert blocker.read_text() == "not a directory"


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="root can write to read-only directories"
)
def test_demo_read_only_out_dir(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        r = chainrule("demo", "--out", str(ro), cwd=tmp_path)
    finally:
        ro.chmod(0o755)
    assert r.returncode == 1 and "cannot write to output directory" in r.stderr
    assert list(ro.iterdir()) == []


def test_demo_bad_epochs(tmp_path: Path) -> None:
    r = chainrule("demo", "--epochs", "0", "--out", "o", cwd=tmp_path)
    assert r.returncode == 2 and "--epochs must be at least 1" in r.stderr
    r = chainrule("demo", "--epochs", "many", cwd=tmp_path)
    assert r.returncode == 2 and "invalid int value" in r.stderr


# ---- chainrule check ---------------------------------------------------------------------------

needs_notes = pytest.mark.skipif(not HAS_NOTES, reason="nn/notes/ (the register) is not there")


def check_entries(stdout: str) -> tuple[dict[str, str], str]:
    """`chainrule check`'s output: {id: its lines, joined}, and the summary (the last lines)."""
    entries: dict[str, list[str]] = {}
    lines = stdout.rstrip("\n").split("\n")
    summary_at = max(i for i, line in enumerate(lines) if re.match(r"\d+ equations? checked", line))
    for line in lines[:summary_at]:
        if not line.startswith(" "):
            entries[line.split()[0]] = []
        entries[list(entries)[-1]].append(line)
    return {k: "\n".join(v) for k, v in entries.items()}, " ".join(lines[summary_at:])


@needs_notes
def test_check_runs_the_whole_register(tmp_path: Path) -> None:
    from nn.notes import REGISTER

    r = chainrule("check", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    entries, summary = check_entries(r.stdout)
    assert list(entries) == list(REGISTER)
    for row in entries.values():
        assert " ✓ " in row or " ✗ notes wrong " in row, row
        assert "engine:" in row and "notes" in row
    assert "✗ notes wrong" in entries["000-2"]
    # The summary adds up, under the ✗ notes wrong rows: no "all hold" beside seven ✗.
    wrong = sum(" ✗ notes wrong " in row for row in entries.values())
    assert wrong == 7
    assert summary == (
        f"{len(REGISTER)} equations checked: {len(REGISTER) - wrong} hold as written in the "
        f"notes, {wrong} hold once a wrong line of the notes is corrected (✗ notes wrong), 0 fail."
    )


@needs_notes
def test_check_selected_ids(tmp_path: Path) -> None:
    r = chainrule("check", "--ids", "000-2, 004-5", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = list(check_entries(r.stdout)[0].values())
    assert [row.split()[0] for row in rows] == ["000-2", "004-5"]
    assert "✗ notes wrong" in rows[0] and "358414.4119" in rows[0]


@needs_notes
def test_check_unknown_ids_exit_2(tmp_path: Path) -> None:
    r = chainrule("check", "--ids", "000-2,999-9,abc", cwd=tmp_path)
    assert r.returncode == 2
    assert "unknown equation id(s): 999-9, abc" in r.stderr
    assert r.stdout == ""


def test_check_exit_status_follows_the_register(monkeypatch, capsys) -> None:
    """In process, with a stand-in register: a failing claim gives ✗ FAILS and exit status 1."""
    import types
    from dataclasses import dataclass

    @dataclass
    class Result:
        id: str
        words: str
        engine: str
        notes: str
        holds: bool
        notes_wrong: bool
        detail: str

    results = {
        "000-1": Result("000-1", "a = a", "1", "1", True, False, ""),
        "000-2": Result("000-2", "b = c", "2", "3", True, True, "the notes say 3"),
        "000-3": Result("000-3", "d = e", "4", "5", False, False, "4 ≠ 5"),
    }
    fake = types.ModuleType("nn.notes")
    fake.REGISTER = dict.fromkeys(results)
    fake.run = lambda ids=None: [results[i] for i in (ids or results)]
    monkeypatch.setitem(sys.modules, "nn.notes", fake)
    import nn

    monkeypatch.setattr(nn, "notes", fake, raising=False)
    assert main(["check", "--ids", "000-1,000-2"]) == 0
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "000-3  ✗ FAILS" in out and "4 ≠ 5" in out
    assert "000-2  ✗ notes wrong" in out and "the notes say 3" in out
    assert " ".join(out.splitlines()[-2:]) == (
        "3 equations checked: 1 holds as written in the notes, 1 holds once a wrong line of the "
        "notes is corrected (✗ notes wrong), 1 fails (✗ FAILS)."
    )


# ---- pieces, in process ------------------------------------------------------------------------


def test_parse_at() -> None:
    assert parse_at(["x=0.5,y=2", " z = -1e-3 "]) == {"x": 0.5, "y": 2.0, "z": -1e-3}
    assert parse_at(None) == {}


def test_parse_ids() -> None:
    known = ["000-1", "000-2", "001-1", "004-5"]
    assert parse_ids(None, known) is None
    assert parse_ids("004-5,000-1", known) == ["004-5", "000-1"]
    assert parse_ids("000", known) == ["000-1", "000-2"]


def test_main_returns_argparse_status(capsys) -> None:
    assert main(["--version"]) == 0
    assert main(["graph"]) == 2  # EXPR missing
    assert "the following arguments are required: EXPR" in capsys.readouterr().err


@pytest.mark.skipif(
    shutil.which("chainrule", path=str(Path(sys.executable).parent)) is None,
    reason="the chainrule console script is not installed next to this Python",
)
def test_console_script(tmp_path: Path) -> None:
    script = shutil.which("chainrule", path=str(Path(sys.executable).parent))
    r = subprocess.run(
        [script, "graph", "x*x*x", "--at", "x=2"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert numbers(r.stdout) == {"h": 8.0, "dh/dx": 12.0}


# ---- hardening: every failure is one line and exit status 1 or 2 ------------------------------


def one_line_error(r: subprocess.CompletedProcess, status: int) -> str:
    assert r.returncode == status, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    return r.stderr


def test_graph_names_the_result_when_h_f_g_y_out_are_taken(tmp_path: Path) -> None:
    r = chainrule("graph", "h+f+g+y+out", "--at", "h=1,f=1,g=1,y=1,out=1", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert numbers(r.stdout)["out1"] == 5.0 and numbers(r.stdout)["dout1/dh"] == 1.0


def test_graph_out_name_too_long(tmp_path: Path) -> None:
    r = chainrule("graph", "x", "--at", "x=1", "--out", "a" * 300 + ".svg", cwd=tmp_path)
    assert "File name too long" in one_line_error(r, 1)


def test_graph_out_below_an_unreadable_folder(tmp_path: Path) -> None:
    base = Path(tempfile.mkdtemp(prefix="chainrule-locked-"))
    try:
        base.chmod(0o755)
        (base / "locked").mkdir(mode=0o000)
        cmd = [sys.executable, "-m", "nn", "graph", "x", "--at", "x=1"]
        cmd += ["--out", str(base / "locked" / "sub" / "g.svg")]
        if os.geteuid() == 0:  # root reads every folder: run as nobody
            if shutil.which("setpriv") is None:
                pytest.skip("running as root without setpriv (util-linux) to become nobody")
            cmd = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", *cmd]
        r = subprocess.run(cmd, cwd="/", env=_env(), capture_output=True, text=True, timeout=60)
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)
    assert "Permission denied" in one_line_error(r, 1)


def test_graph_expression_from_a_closed_standard_input(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "nn", "graph", "-", "--at", "x=1"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(0),  # as `<&-` in a shell
    )
    assert "standard input is closed" in one_line_error(r, 2)


def test_graph_bytes_that_are_not_utf8_get_a_caret(tmp_path: Path) -> None:
    for args, stdin in (([b"x+\xff"], None), ([b"-"], b"x+\xff\n")):
        r = subprocess.run(
            [sys.executable, "-m", "nn", "graph", *args, "--at", "x=1"],
            cwd=tmp_path,
            env=_env(),
            input=stdin,
            capture_output=True,
            timeout=60,
        )
        err = r.stderr.decode("utf-8")
        assert r.returncode == 2 and "Traceback" not in err
        assert "byte 0xff, which is not UTF-8 text (at column 3)" in err
        assert err.splitlines()[-1] == "      ^"


def test_graph_lets_no_syntax_warning_through(tmp_path: Path) -> None:
    r = chainrule("graph", "1or 2", cwd=tmp_path)
    assert r.returncode == 2 and "Warning" not in r.stderr, r.stderr


def balanced_sum(leaves: int) -> str:
    terms = ["x"] * leaves
    while len(terms) > 1:
        terms = [f"({a}+{b})" for a, b in zip(terms[::2], terms[1::2])]
    return terms[0]


def test_graph_max_nodes_is_an_option_and_the_message_names_it(tmp_path: Path) -> None:
    expr = balanced_sum(512)  # one leaf x and 511 sums: 512 values
    r = chainrule("graph", expr, "--at", "x=1", "--out", "g.svg", cwd=tmp_path)
    err = one_line_error(r, 1)
    assert "more than --max-nodes 500" in err and "--max-nodes 512" in err
    assert "max_nodes=" not in err
    r = chainrule("graph", expr, "--at", "x=1", "--dot", "--max-nodes", "512", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("digraph")
    r = chainrule("graph", "x", "--at", "x=1", "--max-nodes", "0", cwd=tmp_path)
    assert r.returncode == 2 and "must be at least 1" in r.stderr


@pytest.mark.parametrize(
    "args",
    [["x*w", "--at", "w=1", "x=2"], ["--at", "w=1", "x=2", "x*w"], ["--at", "w=1", "x=2"]],
)
def test_graph_at_with_a_space_says_what_was_meant(args: list[str], tmp_path: Path) -> None:
    err = one_line_error(chainrule("graph", *args, cwd=tmp_path), 2)
    assert "'x=2' looks like a value for --at" in err and "(--at w=1,x=2)" in err


def test_graph_expression_starting_with_minus_needs_no_double_dash(tmp_path: Path) -> None:
    for args in (["-x**2", "--at", "x=3"], ["--at", "x=3", "-x**2"], ["-2*x", "--at=x=3"]):
        r = chainrule("graph", *args, cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert numbers(r.stdout)["h"] in (-9.0, -6.0)


def test_graph_pi_and_e_are_constants(tmp_path: Path) -> None:
    r = chainrule("graph", "pi*x + e", "--at", "x=2", cwd=tmp_path)
    assert numbers(r.stdout) == {"h": 2 * math.pi + math.e, "dh/dx": math.pi}
    assert "the constants pi and e" in chainrule("graph", "--help", cwd=tmp_path).stdout


@needs_notes
def test_check_is_wrapped_and_shows_each_wrong_line_as_written_and_corrected(
    tmp_path: Path,
) -> None:
    from nn.notes import run

    wrong = [r.id for r in run() if r.notes_wrong]
    env = {"COLUMNS": "250"}  # not a terminal: at most 100 columns all the same
    r = subprocess.run(
        [sys.executable, "-m", "nn", "check"],
        cwd=tmp_path,
        env={**_env(), **env},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert max(len(line) for line in r.stdout.splitlines()) <= 100
    entries, _ = check_entries(r.stdout)
    assert {"001-2", "004-11"} <= set(wrong)
    for id in wrong:
        text = " ".join(entries[id].split())
        written = re.search(r"notes as written: (.*?) corrected: (.*?) ", text)
        assert written, entries[id]
        assert written.group(1) != written.group(2), entries[id]  # they differ visibly
    assert "[4] -0.5182681717" in entries["001-2"] and "[4] -0.6457439598" in entries["001-2"]
    assert re.search(r"(?<![\w.])-0(?![\w.])", r.stdout) is None  # no -0


@needs_notes
def test_check_counts_in_the_singular(tmp_path: Path) -> None:
    r = chainrule("check", "--ids", "000-1", cwd=tmp_path)
    assert r.stdout.splitlines()[-1] == (
        "1 equation checked: 1 holds as written in the notes, 0 fail."
    )
    r = chainrule("check", "--ids", "000-2", cwd=tmp_path)
    assert " ".join(r.stdout.splitlines()[-2:]) == (
        "1 equation checked: 0 hold as written in the notes, 1 holds once a wrong line of the "
        "notes is corrected (✗ notes wrong), 0 fail."
    )


@pytest.mark.parametrize("broken", ["neuron graph", "plots"])
def test_demo_writes_the_model_before_any_drawing(broken: str, tmp_path: Path, monkeypatch, capsys):
    import nn
    from nn.app import demo

    def fail(*args, **kwargs):
        raise ValueError("no renderer for this\ngraph")

    if broken == "neuron graph":
        monkeypatch.setattr(demo, "_neuron_graph", fail)
    else:
        monkeypatch.setattr(demo.plots, "have_matplotlib", lambda: False)
        monkeypatch.setattr(demo.plots, "boundary_svg", fail)
    out = tmp_path / "out"
    assert main(["demo", "--epochs", "2", "--out", str(out)]) == 1
    last = capsys.readouterr().err.rstrip("\n").split("\n")[-1]
    assert last.startswith(f"chainrule demo: error: cannot draw the {broken}: no renderer")
    assert "written: model.json" in last
    assert len(nn.load(out / "model.json").parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1


def test_trace_shares_graph_s_reading_of_minus_and_spaced_at(tmp_path: Path) -> None:
    r = chainrule("trace", "-x**2", "--at", "x=3", cwd=tmp_path)
    assert r.returncode == 0 and "= 9" in r.stdout, r.stderr
    err = one_line_error(chainrule("trace", "x*w", "--at", "w=1", "x=2", cwd=tmp_path), 2)
    assert "chainrule trace: error: 'x=2' looks like a value for --at" in err


# ---- what a new user meets first: each message before and after -------------------------------


def test_a_mistyped_command_gets_did_you_mean(tmp_path: Path) -> None:
    r = chainrule("grpah", "x", "--at", "x=1", cwd=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.splitlines()[-1] == (
        "chainrule: error: unknown command 'grpah'; did you mean 'graph'? "
        "(commands: demo, graph, trace, check)"
    )
    r = chainrule("zzz", cwd=tmp_path)
    assert r.returncode == 2 and "unknown command 'zzz' (commands:" in r.stderr


def test_a_value_after_a_space_says_to_write_it_with_equals(tmp_path: Path) -> None:
    err = one_line_error(chainrule("graph", "x**2", "--at", "x", "3", cwd=tmp_path), 2)
    assert err.strip() == "chainrule graph: error: --at x 3: write the value with =, as --at x=3"


def test_a_stray_argument_gets_the_subcommand_s_usage(tmp_path: Path) -> None:
    r = chainrule("graph", "x**2", "--at", "x=3", "extra", cwd=tmp_path)
    assert r.returncode == 2
    usage, error = r.stderr.strip().splitlines()[0], r.stderr.strip().splitlines()[-1]
    assert usage.startswith("usage: chainrule graph [-h] [--at NAME=NUMBER,...]")
    assert error == "chainrule graph: error: unrecognized arguments: extra"


@pytest.mark.parametrize(
    ("expr", "suggestion", "caret"),
    [
        ("2x+1", "2*x", "    ^^"),
        ("1 + 3.5y", "3.5*y", "        ^^^^"),
        ("x - 2sin(x)", "2*sin", ""),
    ],
)
def test_a_number_written_against_a_name_suggests_the_product(
    expr: str, suggestion: str, caret: str, tmp_path: Path
) -> None:
    r = chainrule("graph", expr, "--at", "x=1,y=2" if "y" in expr else "x=1", cwd=tmp_path)
    assert r.returncode == 2 and "invalid decimal literal" not in r.stderr
    assert f"a number directly followed by a name: to multiply, write {suggestion}" in r.stderr
    assert not caret or caret in r.stderr.splitlines()


def test_a_value_for_a_name_in_the_wrong_case_is_named(tmp_path: Path) -> None:
    err = one_line_error(chainrule("graph", "x**2", "--at", "X=3", cwd=tmp_path), 2)
    assert (
        "no value given for x; X was given, which the expression does not use "
        "(did you mean x instead of X? names are case-sensitive)" in err
    )


@pytest.mark.parametrize("command", ["graph", "trace"])
@pytest.mark.parametrize(
    ("expr", "at", "word"),
    [
        ("exp(x)", "x=1000", "h and dh/dx are not finite: `exp(x)` overflowed to inf"),
        ("exp(x) - exp(x)", "x=1000", "h and dh/dx are not finite: `exp(x)` overflowed to inf"),
        ("sqrt(x)", "x=0", "dh/dx is not finite: the local derivative of `sqrt(x)` is infinite"),
    ],
)
def test_an_infinite_or_nan_number_is_printed_then_said_with_exit_status_1(
    command: str, expr: str, at: str, word: str, tmp_path: Path
) -> None:
    r = chainrule(command, expr, "--at", at, cwd=tmp_path)
    assert r.returncode == 1
    if command == "graph":
        assert re.search(r"^dh/dx = (inf|nan)$", r.stdout, re.M), r.stdout
    else:  # trace names the output as autograd.trace does: y, its adjoints x̄
        assert re.search(r"^  x̄ += v̄₀ += (inf|nan)$", r.stdout, re.M), r.stdout
        word = word.replace("h and dh/dx", "y and dy/dx").replace("dh/dx", "dy/dx")
    err = one_line_error(r, 1)
    assert err.startswith(f"chainrule {command}: error: {word}")
    assert err.rstrip().endswith("choose a point where they stay finite")
    assert chainrule(command, expr, "--at", "x=1", cwd=tmp_path).returncode == 0


def test_graph_help_lists_the_formats_that_work(tmp_path: Path) -> None:
    text = " ".join(chainrule("graph", "--help", cwd=tmp_path).stdout.split())
    assert ".svg: always" in text and ".dot, .gv: the DOT text" in text
    here = "found on PATH here" if shutil.which("dot") else "not found on PATH here"
    assert f".png, .pdf: only with the system Graphviz `dot` ({here})" in text
    assert "SVG, or DOT for a .dot suffix" not in text


def _without_dot(tmp_path: Path) -> dict[str, str]:
    env = _env()
    env["PATH"] = str(tmp_path / "no-dot-here")
    return env


def test_without_system_dot_a_png_is_refused_before_any_number(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "nn", "graph", "x*y", "--at", "x=1,y=2", "--out", "g.png"],
        cwd=tmp_path,
        env=_without_dot(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1 and r.stdout == ""
    assert "PNG needs the system Graphviz `dot` program, which is not on PATH" in r.stderr
    assert ".svg, .dot, .gv work without it" in r.stderr
    assert not (tmp_path / "g.png").exists()
    help_text = subprocess.run(
        [sys.executable, "-m", "nn", "graph", "--help"],
        cwd=tmp_path,
        env=_without_dot(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "(not found on PATH here)" in help_text


@pytest.mark.parametrize("out", ["x.svg", "x.png", "x.PDF"])
def test_dot_text_is_never_written_into_a_picture_s_name(out: str, tmp_path: Path) -> None:
    err = one_line_error(
        chainrule("graph", "x", "--at", "x=1", "--out", out, "--dot", cwd=tmp_path), 2
    )
    suffix = out[out.index(".") :].lower()
    assert f"--out '{out}' with --dot would write DOT text into a {suffix} file" in err
    assert os.listdir(tmp_path) == []
    r = chainrule("graph", "x", "--at", "x=1", "--out", "x.gv", "--dot", cwd=tmp_path)
    assert r.returncode == 0 and (tmp_path / "x.gv").read_text().startswith("digraph")


def test_a_path_ending_in_a_slash_is_refused_and_nothing_written(tmp_path: Path) -> None:
    for out, extra in (("x.svg/", []), ("x.dot/", ["--dot"]), ("x/", ["--dot"])):
        r = chainrule("graph", "x", "--at", "x=1", "--out", out, *extra, cwd=tmp_path)
        err = one_line_error(r, 1)
        assert f"cannot write '{out}': a path ending in a slash is a directory" in err
        assert r.stdout == "" and os.listdir(tmp_path) == []


def test_a_very_long_unknown_id_is_not_repeated_in_full(tmp_path: Path) -> None:
    long_id = "9" * 5000
    err = one_line_error(chainrule("check", "--ids", f"{long_id},abc", cwd=tmp_path), 2)
    assert "unknown equation id(s): 999999999999… (5,000 characters), abc (known:" in err
    assert len(err) < 200


def test_a_new_op_in_the_table_is_a_function_of_graph_and_trace(monkeypatch, capsys) -> None:
    """An entry added to the op table (and its Value method, as every entry has one) works in
    `chainrule graph` and `trace` with no edit to the command line."""
    from autograd import Value, ops

    cube = ops.Op(
        "cube",
        lambda x: (x**3, 3.0 * x * x),
        lambda y, x: (3.0 * x * x,),
        notation=ops.Notation("#0^{3}", ("3 #0^{2}",), "#0 ** 3", ("3.0 * #0 ** 2",)),
    )
    monkeypatch.setattr(ops, "METHODS", (*ops.METHODS, cube))
    monkeypatch.setattr(ops, "TABLE", (*ops.TABLE, cube))
    monkeypatch.setattr(Value, "cube", lambda self: self._apply(cube), raising=False)
    assert main(["graph", "cube(x) + x", "--at", "x=2"]) == 0
    assert numbers(capsys.readouterr().out) == {"h": 10.0, "dh/dx": 13.0}
    assert main(["trace", "cube(x)", "--at", "x=2"]) == 0
    out = capsys.readouterr().out
    assert "v₁ = v₀^3 = 8   ∂v₁/∂v₀ = 3 v₀^2 = 12" in out  # the entry's own notation
    assert re.search(r"x̄  = v̄₀ += 12$", out, re.M), out
    assert main(["graph", "--help"]) == 0
    assert " cube" in capsys.readouterr().out
    with monkeypatch.context() as m:  # without the entry, the same text is refused
        m.setattr(ops, "METHODS", tuple(op for op in ops.METHODS if op is not cube))
        assert main(["graph", "cube(x)", "--at", "x=2"]) == 2
        assert "function 'cube' is not allowed" in capsys.readouterr().err
