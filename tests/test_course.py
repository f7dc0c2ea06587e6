"""The course notebooks as a learner meets them.

Each opens with its objectives, its prerequisites and a time in minutes; has at least two
exercises, each shipped blank (`...` where the answer goes), followed by the cell that checks it
and then by a worked solution whose source is hidden; and shows no text output over 40 lines.

Run as shipped, every exercise blank and every solution in place, a notebook must say "not done
yet" in each check cell and show no traceback anywhere; and each check, run again after its
solution, must say ✓. One execution per notebook does both: a copy of each check cell goes in
after the solution cell, so the same check code that met the blank meets the solution.
"""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import nbformat
import pytest

from nn.notes.feedback import NOT_DONE, RIGHT

ROOT = Path(__file__).resolve().parents[1]
# The notebooks of the course, in its order. Phase 2 of the course adds the rest.
COURSE = ["01_values_and_derivatives.ipynb"]
MAX_LINES = 40
OPENING = {
    "objectives": r"\*\*Objectives\.\*\*",
    "prerequisites": r"\*\*Prerequisites\.\*\*",
    "a time in minutes": r"\*\*Time\.\*\*[^\n]*?\b\d+\s+minutes\b",
}


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def read(name: str):
    return nbformat.read(ROOT / "notebooks" / name, 4)


def texts(cell) -> list[str]:
    """The text of each of the cell's outputs (streams, plain-text results, tracebacks)."""
    out = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            out.append(o.text)
        elif o.output_type == "error":
            out.append("\n".join(o.traceback))
        elif "text/plain" in o.get("data", {}):
            out.append(o.data["text/plain"])
    return out


def placeholders(source: str) -> int:
    """How many `...` the learner has to replace (an Ellipsis anywhere in the code)."""
    tree = ast.parse(source)
    return sum(isinstance(n, ast.Constant) and n.value is Ellipsis for n in ast.walk(tree))


@pytest.fixture(params=COURSE)
def notebook(request):
    return request.param, read(request.param)


def test_opening_cell_gives_objectives_prerequisites_and_minutes(notebook):
    name, nb = notebook
    first = nb.cells[0]
    assert first.cell_type == "markdown", f"{name}: the first cell is {first.cell_type}"
    missing = [what for what, pattern in OPENING.items() if not re.search(pattern, first.source)]
    assert not missing, f"{name}: the opening cell lacks {', '.join(missing)}"


def test_each_exercise_is_blank_checked_and_solved_in_a_hidden_cell(notebook):
    name, nb = notebook
    cells = nb.cells
    exercises = [i for i, c in enumerate(cells) if "exercise" in tags(c)]
    assert len(exercises) >= 2, f"{name}: {len(exercises)} exercise cells, at least 2 wanted"
    for i in exercises:
        assert placeholders(cells[i].source), f"{name} cell {i}: an exercise ships blank (`...`)"
        after = cells[i + 1] if i + 1 < len(cells) else None
        assert after is not None and "check" in tags(after), f"{name} cell {i}: no check after"
        solution = cells[i + 2] if i + 2 < len(cells) else None
        assert solution is not None and "solution" in tags(solution), (
            f"{name} cell {i}: no solution after its check"
        )
    for i, c in enumerate(cells):
        if "solution" in tags(c):
            assert "check" in tags(cells[i - 1]), f"{name} cell {i}: a solution follows a check"
            hidden = c.metadata.get("jupyter", {}).get("source_hidden") is True
            assert hidden and "hide-input" in tags(c), (
                f"{name} cell {i}: a solution's source is hidden (jupyter.source_hidden for "
                "JupyterLab and Notebook 7, the hide-input tag for Jupyter Book)"
            )
            # JupyterLab shows the first line of a folded cell: it must give nothing away
            assert c.source.startswith("# A worked solution"), f"{name} cell {i}: first line"


def test_no_text_output_is_longer_than_40_lines(notebook):
    name, nb = notebook
    for i, c in enumerate(nb.cells):
        for text in texts(c):
            lines = len(text.rstrip("\n").splitlines())
            assert lines <= MAX_LINES, f"{name} cell {i}: an output of {lines} lines"


def test_committed_checks_say_not_done_yet(notebook):
    """What a learner sees on opening the notebook: every check asks for the answer."""
    name, nb = notebook
    for i, c in enumerate(nb.cells):
        if "check" in tags(c):
            shown = "".join(texts(c))
            assert shown.startswith(NOT_DONE), f"{name} cell {i} shows {shown[:80]!r}"


def test_a_notebook_run_as_shipped_says_not_done_yet_and_its_solutions_pass(notebook):
    pytest.importorskip("nbclient")
    from nbclient import NotebookClient

    name, nb = notebook
    nb = copy.deepcopy(nb)
    rechecks = []
    cells = []
    for c in nb.cells:
        cells.append(c)
        if "solution" in tags(c):
            check = copy.deepcopy(cells[-2])
            check.id = f"{c.id}-recheck"
            check.metadata["tags"] = ["recheck"]
            cells.append(check)
    nb.cells = cells
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        allow_errors=True,  # so that every cell's output can be looked at
        resources={"metadata": {"path": str(ROOT / "notebooks")}},
    )
    client.execute()
    for i, c in enumerate(nb.cells):
        if c.cell_type != "code":
            continue
        errors = [o for o in c.outputs if o.output_type == "error"]
        assert not errors, f"{name} cell {i}: {errors[0].ename}: {errors[0].evalue}"
        shown = "".join(texts(c))
        assert "Traceback" not in shown, f"{name} cell {i}: {shown[:300]}"
        if "check" in tags(c):
            assert shown.startswith(NOT_DONE), f"{name} cell {i}, blank: {shown[:200]!r}"
        if "recheck" in tags(c):
            rechecks.append(i)
            assert shown.startswith(RIGHT), f"{name} cell {i}, solved: {shown[:300]!r}"
    assert len(rechecks) >= 2
