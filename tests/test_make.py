"""The Makefile's own steps: the Python it accepts, and the tidy step after `make notebooks`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKEFILE = ROOT / "Makefile"
needs_make = pytest.mark.skipif(
    shutil.which("make") is None, reason="needs GNU make (apt-get install -y make)"
)


@needs_make
def test_make_refuses_a_python_older_than_3_11(tmp_path: Path) -> None:
    fake = tmp_path / "python3.10"
    fake.write_text(  # this Python, claiming to be 3.10
        "#!/bin/sh\n"
        f'exec "{sys.executable}" -c \'import collections, sys; '
        'sys.version_info = collections.namedtuple("V", "major minor micro releaselevel '
        'serial")(3, 10, 14, "final", 0); code = sys.argv[2]; sys.argv = sys.argv[2:]; '
        'exec(code)\' "$@"\n'
    )
    fake.chmod(0o755)
    venv = tmp_path / "venv"
    r = subprocess.run(
        ["make", "-f", str(MAKEFILE), f"PYTHON={fake}", f"VENV={venv}", f"{venv}/bin/python"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode != 0
    assert f"chainrule needs Python >= 3.11, but {fake} is 3.10" in r.stderr
    assert not venv.exists()  # refused before anything was made


def test_pyproject_requires_3_11_without_version_markers() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'requires-python = ">=3.11"' in text and 'target-version = "py311"' in text
    assert "python_version" not in text
    assert "Python ≥ 3.11" in (ROOT / "README.md").read_text(encoding="utf-8")


def tidy_script() -> str:
    text = MAKEFILE.read_text(encoding="utf-8")
    match = re.search(r"^define TIDY_NOTEBOOKS\n(.*?)^endef$", text, re.S | re.M)
    assert match, "the Makefile defines TIDY_NOTEBOOKS, run after `make notebooks`"
    return match.group(1)


def test_tidy_merges_split_printed_output_and_drops_timings(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('print("a"); print("b")')
    cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00"}
    stream = nbformat.v4.new_output
    cell.outputs = [
        stream("stream", name="stdout", text="a\n"),
        stream("stream", name="stdout", text="b"),
        stream("stream", name="stdout", text="\n"),
        stream("stream", name="stderr", text="warning\n"),
        stream("stream", name="stdout", text="c\n"),
    ]
    nb.cells.append(cell)
    (tmp_path / "notebooks").mkdir()
    nbformat.write(nb, tmp_path / "notebooks" / "n.ipynb")
    env = {**os.environ, "PYTHONPATH": ""}
    subprocess.run([sys.executable, "-c", tidy_script()], cwd=tmp_path, check=True, env=env)
    (tidied,) = nbformat.read(tmp_path / "notebooks" / "n.ipynb", 4).cells
    assert "execution" not in tidied.metadata
    assert [(o.name, o.text) for o in tidied.outputs] == [
        ("stdout", "a\nb\n"),
        ("stderr", "warning\n"),
        ("stdout", "c\n"),
    ]


def test_notebook_02_prints_rounding_errors_as_a_bound() -> None:
    nb = nbformat.read(ROOT / "notebooks" / "02_neuron_and_activations.ipynb", 4)
    printed = "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
    )
    assert "< 1e-15" in printed
    assert re.search(r"\de-1[6-9]\b", printed) is None  # digits that changed from run to run


def test_no_notebook_prints_a_timing() -> None:
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, 4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                text = out.get("text", "")
                assert re.search(r"\d\s*(ms|µs|s)\b", text) is None, (path.name, text)


def dry_run(target: str, tmp_path: Path) -> list[str]:
    """The commands `make TARGET` would run in a clone with no .venv yet (make -n)."""
    r = subprocess.run(
        ["make", "-n", "-f", str(MAKEFILE), f"VENV={tmp_path / 'venv'}", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


@needs_make
@pytest.mark.parametrize(
    ("target", "extra", "runs"),
    [("demo", "plot", "bin/chainrule demo"), ("lab", "notebooks", "bin/jupyter lab")],
)
def test_demo_and_lab_install_only_what_they_need(target, extra, runs, tmp_path: Path) -> None:
    commands = dry_run(target, tmp_path)
    installs = [c for c in commands if " pip install " in c and "--upgrade pip" not in c]
    assert installs == [f"{tmp_path / 'venv'}/bin/python -m pip install -q -e '.[{extra}]'"]
    assert any(runs in c for c in commands)


def test_the_notebooks_extra_has_every_library_the_notebooks_import() -> None:
    imported: set[str] = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type == "code":
                found = re.findall(r"^\s*(?:import|from)\s+(\w+)", cell.source, re.M)
                imported.update(found)
    third_party = imported - set(sys.stdlib_module_names) - {"autograd", "nn"}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = pyproject["project"]["optional-dependencies"]
    names = {re.match(r"[\w-]+", r).group() for r in extras["notebooks"]}
    assert third_party and third_party <= names, third_party - names
    assert {re.match(r"[\w-]+", r).group() for r in extras["plot"]} == {"matplotlib"}
