"""The JupyterLite site (`make site`) in headless Chromium with the network cut to 127.0.0.1:
the notebooks that need no numpy or matplotlib and the smoke notebook run to their last cell,
their graphs are pictures, every check of an exercise says "not done yet" there as shipped, and no
request of the page or its kernel worker leaves 127.0.0.1.

The site is served from a sub-path (/site/, as on GitHub Pages) by `python -m http.server`.
Every host name but 127.0.0.1 fails to resolve, so nothing can leave; Chromium's NetLog counts
what was tried, workers included. Chromium's own background requests (component updates and the
like, whose initiator is no origin) are not the site's and are only listed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import browser
import pytest

pytestmark = pytest.mark.skipif(bool(browser.missing()), reason=str(browser.missing()))

# the notebooks that need no numpy/matplotlib, and the smoke notebook (draw, backward, train)
NOTEBOOKS = [
    "smoke.ipynb",
    "01_values_and_derivatives.ipynb",
    "01_chain_rule.ipynb",
    "03_backprop_equations.ipynb",
    "08_forward_and_reverse_mode.ipynb",
    "09_build_your_own_micrograd.ipynb",
    "11_from_scalars_to_matrices.ipynb",
    "12_practice.ipynb",
]
DRAW_NOTHING = {"03_backprop_equations.ipynb", "08_forward_and_reverse_mode.ipynb"}  # equations
BLOCK = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"

# Outputs from the notebook model (JupyterLab keeps off-screen cells out of the DOM).
_STATE = """
const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
if (!w || !w.content || !w.content.model) return null;
const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
const cells = [];
for (const c of w.content.model.cells) {
  if (c.type !== 'code') continue;
  const j = c.toJSON();
  cells.push({n: j.execution_count, outputs: j.outputs, tags: (j.metadata || {}).tags || []});
}
return JSON.stringify({cells, path: w.context.path, kernel: kernel ? kernel.status : null});
"""


@pytest.fixture(scope="module")
def served(built_site):
    """The built site's parent folder on 127.0.0.1 (stopped afterwards): the site at /site/."""
    port = browser.free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "-d",
            str(built_site["path"].parent),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/site/"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)


def netlog_requests(path: Path) -> list[tuple[str, str]]:
    """(url, initiator) of each URL request Chromium started, from its NetLog."""
    text = path.read_text(errors="replace").strip()
    try:
        log = json.loads(text)
    except json.JSONDecodeError:  # unterminated if Chromium did not close it
        log = json.loads(text.rstrip(",") + "]}")
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        (e["params"]["url"], e["params"].get("initiator", ""))
        for e in log["events"]
        if e["type"] == start and "url" in e.get("params", {})
    ]


def run_notebook(drv, url: str, path: str, timeout: float = 150) -> dict:
    """Open a notebook, run all cells, wait for the last; times from page load, and outputs."""
    t0 = time.monotonic()
    drv.get(url)
    marks: dict = {}
    deadline = t0 + timeout
    state = None
    ran = cleared = False
    while time.monotonic() < deadline:
        # a notebook opened by URL may ask which kernel to use: take the default (Pyodide)
        drv.execute_script(
            "const b = document.querySelector('.jp-Dialog .jp-mod-accept'); if (b) b.click();"
        )
        raw = drv.execute_script(_STATE)
        state = json.loads(raw) if raw else None
        if state and state["path"] != path:  # another notebook (a restored layout) in front
            state = None
        if state and state["kernel"] and not ran:
            marks["kernel_s"] = round(time.monotonic() - t0, 1)
            # the notebooks carry their outputs from CPython: clear them, so only new ones count
            drv.execute_script(
                "const c = window.jupyterapp.commands;"
                "const cells = [...window.jupyterapp.shell.currentWidget.content.model.cells];"
                "const old = cells.some(x => x.type === 'code' && x.toJSON().outputs.length);"
                "(old ? c.execute('notebook:clear-all-cell-outputs') : Promise.resolve())"
                ".then(() => c.execute('notebook:run-all-cells'));"
            )
            ran = True
        if state and ran and not cleared:
            cleared = not any(c["n"] or c["outputs"] for c in state["cells"])
        elif state and cleared:
            cells = state["cells"]
            if "first_result_s" not in marks and any(c["outputs"] for c in cells):
                marks["first_result_s"] = round(time.monotonic() - t0, 1)
            errors = [o for c in cells for o in c["outputs"] if o["output_type"] == "error"]
            if errors or (all(c["n"] for c in cells) and state["kernel"] == "idle"):
                break
        time.sleep(0.2)
    marks["last_result_s"] = round(time.monotonic() - t0, 1)
    marks["cells"] = state["cells"] if state else []
    return marks


def pictures_in_view(drv, cell: int) -> int:
    """Scroll code cell `cell` to the top; count the rendered graph pictures with a size."""
    drv.execute_script(
        "const nb = window.jupyterapp.shell.currentWidget.content;"
        "const i = [...nb.model.cells].map((c, k) => [c.type, k]).filter(c => c[0] === 'code')"
        "[arguments[0]][1]; nb.scrollToItem(i, 'start');",
        cell,
    )
    time.sleep(1.0)
    return drv.execute_script(
        "return [...document.querySelectorAll('.jp-OutputArea-output svg g.node,"
        " .jp-OutputArea-output img')].filter(g => g.getBoundingClientRect().width > 0).length"
    )


def text(output: dict) -> str:
    """An output's text: a stream's, or a result's text/plain."""
    t = output.get("text", output.get("data", {}).get("text/plain", ""))
    return "".join(t) if isinstance(t, list) else t


def mimes(cells: list[dict]) -> list[set[str]]:
    return [{m for o in c["outputs"] for m in o.get("data", {})} for c in cells]


@pytest.mark.parametrize("nb", NOTEBOOKS)
def test_notebook_runs_offline_in_chromium(nb, served, built_site, tmp_path):
    """A fresh Chromium (empty cache, as on a first visit) opens the notebook and runs it."""
    netlog = tmp_path / "netlog.json"
    drv = browser.browser(width=1400, height=1000, flags=(BLOCK, f"--log-net-log={netlog}"))
    drv.set_page_load_timeout(120)
    try:
        r = run_notebook(drv, f"{served}lab/index.html?path={nb}", nb)
        cells = r["cells"]
        errors = [o for c in cells for o in c["outputs"] if o["output_type"] == "error"]
        assert not errors, (nb, errors[0]["ename"], errors[0]["evalue"])
        unfinished = [i for i, c in enumerate(cells) if not c["n"]]
        assert cells and not unfinished, f"{nb}: code cells {unfinished} did not run ({r})"[:2000]
        for i, c in enumerate(cells):  # an exercise as shipped: its check asks for the answer
            if "check" in c["tags"]:
                shown = "".join(text(o) for o in c["outputs"])
                assert shown.startswith("not done yet"), f"{nb}: check in code cell {i}: {shown}"
        drawings = [i for i, k in enumerate(mimes(cells)) if "image/svg+xml" in k]
        r["pictures"] = pictures_in_view(drv, drawings[0]) if drawings else 0
        browser.screenshot(drv, f"site-{nb.removesuffix('.ipynb')}", full=False)
        drv.execute_script(
            "const nb = window.jupyterapp.shell.currentWidget.content;"
            "nb.scrollToItem(nb.model.cells.length - 1, 'end');"
        )
        time.sleep(0.5)
        browser.screenshot(drv, f"site-{nb.removesuffix('.ipynb')}-end", full=False)
        if nb not in DRAW_NOTHING:
            assert r["pictures"] > 0, f"{nb}: the graph of cell {drawings[:1]} is not drawn"
        note = ""
        if nb == "smoke.ipynb":
            assert "text/html" in mimes(cells)[2]  # the backward player
            assert "SMOKE OK" in "".join(o.get("text", "") for o in cells[-1]["outputs"])
            note = "; " + "".join(o.get("text", "") for o in cells[3]["outputs"]).strip()
    finally:
        browser.quit_browser(drv)  # closes the NetLog
    requests = netlog_requests(netlog)
    site = [u for u, ini in requests if ini.startswith("http://127.0.0.1")]
    left = sorted({u for u in site if urlparse(u).hostname != "127.0.0.1"})
    own = {urlparse(u).hostname for u, ini in requests if not ini.startswith("http://127.0")}
    print(
        f"\n{nb}: kernel {r.get('kernel_s')} s, first output {r.get('first_result_s')} s, last "
        f"{r['last_result_s']} s after page load; {r['pictures']} graph nodes drawn{note}; "
        f"{len(site)} requests by the site, {len(left)} outside 127.0.0.1; Chromium's own "
        f"(blocked, not counted): {sorted(own - {None, '127.0.0.1'})}"
    )
    assert site, "the NetLog recorded none of the site's requests"
    assert not left, f"requests left 127.0.0.1: {left}"
