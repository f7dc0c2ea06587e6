"""The import name `autograd` is also HIPS autograd's: a foreign `autograd` is caught where a
user meets it (`import nn`, the `chainrule` command), with a message naming the file and the
fix. Each case plants a fake `autograd` and reads the message."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from nn import autograd_clash

ROOT = Path(__file__).resolve().parents[1]
HIPS_INIT = (
    '"""HIPS autograd\'s __init__, as pip installs it."""\n'
    "from .differential_operators import grad\n"
)


def run(code_or_args: list[str], cwd: Path, pythonpath: list[Path]) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, *code_or_args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def last_line(r: subprocess.CompletedProcess) -> str:
    return r.stderr.strip().splitlines()[-1]


def fake_distribution(site: Path, files: list[str], version: str = "1.9.1") -> None:
    """The dist-info pip writes for HIPS autograd, claiming `files` (its RECORD)."""
    info = site / f"autograd-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: autograd\nVersion: {version}\n")
    (info / "RECORD").write_text("".join(f"{f},,\n" for f in files))


def test_a_learners_autograd_py_in_the_working_folder(tmp_path: Path) -> None:
    mine = tmp_path / "autograd.py"
    mine.write_text("class Value:\n    pass\n")
    r = run(["-c", "import nn"], tmp_path, [ROOT])
    assert r.returncode == 1
    expected = (
        f"`import autograd` loads {mine}, a file of your own, not chainrule's engine "
        f"({ROOT / 'autograd'}): rename your autograd.py (e.g. to my_autograd.py), or run Python "
        "from another folder."
    )
    assert last_line(r) == f"ImportError: {expected}"
    # the command line says the same in one line, without a traceback, exit status 1
    r = run(["-m", "nn", "graph", "x", "--at", "x=1"], tmp_path, [ROOT])
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == f"chainrule: error: {expected}\n"


def test_hips_autograd_first_on_the_path(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    (site / "autograd").mkdir(parents=True)
    (site / "autograd" / "__init__.py").write_text(HIPS_INIT)
    fake_distribution(site, ["autograd/__init__.py"])
    r = run(["-c", "import nn"], tmp_path, [site, ROOT])
    assert r.returncode == 1
    message = last_line(r)
    assert message.startswith(
        f"ImportError: `import autograd` loads HIPS autograd 1.9.1 from "
        f"{site / 'autograd' / '__init__.py'}, not chainrule's engine."
    )
    assert "cannot live in one environment" in message
    assert "pip uninstall autograd && pip install --force-reinstall --no-deps chainrule" in message


def test_hips_autograd_installed_over_chainrule(tmp_path: Path) -> None:
    """pip install autograd into chainrule's environment writes its __init__.py over ours."""
    site = tmp_path / "site-packages"
    for package in ("autograd", "nn"):
        shutil.copytree(
            ROOT / package, site / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    (site / "autograd" / "__init__.py").write_text(HIPS_INIT)
    fake_distribution(site, ["autograd/__init__.py", "autograd/core.py"])
    r = run(["-c", "import nn"], tmp_path, [site])
    assert r.returncode == 1
    assert last_line(r).startswith(
        f"ImportError: {site / 'autograd' / '__init__.py'} is HIPS autograd 1.9.1's file, "
        "installed over chainrule's engine, so `import autograd` no longer loads chainrule."
    )
    r = run(["-m", "nn", "--version"], tmp_path, [site])
    assert r.returncode == 1 and r.stderr.startswith("chainrule: error: ")
    assert "Traceback" not in r.stderr and "pip uninstall autograd" in r.stderr


def test_an_autograd_imported_before_nn_is_checked_too(monkeypatch, tmp_path: Path) -> None:
    fake = types.ModuleType("autograd")
    fake.__file__ = str(tmp_path / "autograd.py")
    monkeypatch.setitem(sys.modules, "autograd", fake)
    message = autograd_clash.problem()
    assert message is not None and message.startswith(f"`import autograd` loads {fake.__file__}")
    with pytest.raises(ImportError, match="a file of your own"):
        autograd_clash.check()


def test_chainrule_s_own_autograd_passes() -> None:
    assert autograd_clash.problem() is None
    r = run(
        ["-c", "import nn, autograd; print(nn.__version__ == autograd.__version__)"], ROOT, [ROOT]
    )
    assert r.returncode == 0 and r.stdout == "True\n", r.stderr
