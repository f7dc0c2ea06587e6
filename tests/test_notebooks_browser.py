"""The committed notebooks in a real browser: every graph is a picture, readable at 1000 px.

JupyterLab and Notebook 7 on a fresh copy of each notebook, untrusted (as after `git clone`) and
then trusted, and nbconvert's HTML export with JavaScript on and off. For every static graph: a
visible `<img>` (not the text repr); at a 1000 px column it fits (no sideways scrolling) with
every label at least 9 px high; in a 500 px column the labels stay at 9 px and its own box
scrolls. Screenshots and the measurements go to tests/browser-shots/.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import browser as B
import nbformat
import pytest

REASON = B.missing()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
COLUMN = 1000  # px: the column every graph must fit with readable labels
NARROW = 500  # px: a column it cannot fit, where it must scroll rather than shrink
MIN_LABEL = 9.0  # px
MEASURED: dict[str, list[dict]] = {}
# Graphs that cannot fit 1000 px at 9 px labels in any layout, so scroll in their own box:
# (notebook, cell) → why.
SCROLLS = {
    ("10_gpt_one_scalar_at_a_time.ipynb", 18): "eight leaves q, k feed two dot nodes: left to "
    "right it is 1640-1880 px wide (needs 1110-1270 px at 9 px), top to bottom 3840 px",
}


def drawn(path: Path) -> list[tuple[int, int, str]]:
    """(cell, output, 'graph' or 'player') for each drawn output of the committed notebook."""
    found = []
    for c, cell in enumerate(nbformat.read(path, 4).cells):
        for k, out in enumerate(cell.get("outputs", [])):
            text = out.get("data", {}).get("text/plain", "")
            if text.startswith("<Graph:"):
                found.append((c, k, "graph"))
            elif text.startswith("<BackwardFrames"):
                found.append((c, k, "player"))
    return found


def old_player(path: Path) -> bool:
    """The player still draws its frames as inline <svg>, which untrusted JupyterLab strips."""
    for cell in nbformat.read(path, 4).cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if data.get("text/plain", "").startswith("<BackwardFrames"):
                return "<svg" in data.get("text/html", "")
    return False


def output_area(drv, cell: int, output: int, n_outputs: int):
    """The page's output area for output `output` of cell `cell` (JupyterLab and nbconvert
    both give every cell a .jp-Cell and every output a .jp-OutputArea-output)."""
    cells = drv.find_elements("css selector", ".jp-Notebook .jp-Cell, body > main .jp-Cell")
    outs = cells[cell].find_elements("css selector", ".jp-OutputArea-output")
    return outs[output] if len(outs) == n_outputs else outs[-1]


@pytest.fixture(scope="module")
def copies(tmp_path_factory) -> Path:
    """A fresh copy of the committed notebooks (never signed: untrusted)."""
    B.SHOTS.mkdir(parents=True, exist_ok=True)
    root = tmp_path_factory.mktemp("notebooks")
    for nb in NOTEBOOKS:
        shutil.copy(nb, root / nb.name)
    if (ROOT / "notebooks" / "figures").is_dir():
        shutil.copytree(ROOT / "notebooks" / "figures", root / "figures")
    return root


@pytest.fixture(scope="module")
def chromium():
    drv = B.browser(width=1500, height=1000)  # JupyterLab's column is then about 1070 px
    yield drv
    B.quit_browser(drv)


@pytest.fixture(scope="module")
def chromium_nojs():
    drv = B.browser(js=False, width=1500, height=1000)
    yield drv
    B.quit_browser(drv)


@pytest.fixture(scope="module", params=["untrusted", "trusted"])
def lab(request, copies):
    srv = B.start_server(copies)
    if request.param == "trusted":
        B.trust(sorted(copies.glob("*.ipynb")), srv)
    yield request.param, srv
    srv.stop()


@pytest.fixture(scope="module")
def exported(copies, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    B.export_html(sorted(copies.glob("*.ipynb")), out)
    return out


def check_page(drv, nb: Path, where: str) -> None:
    """Every drawn output of `nb` on the open page is a visible picture; graphs fit the rule."""
    cells = nbformat.read(nb, 4).cells
    shown = drv.find_elements("css selector", ".jp-Notebook .jp-Cell, body > main .jp-Cell")
    assert len(shown) == len(cells), f"{where} {nb.name}: {len(shown)} of {len(cells)} cells"
    rows = MEASURED.setdefault(where, [])
    stale_player = None
    for c, k, kind in drawn(nb):
        out = output_area(drv, c, k, len(cells[c].outputs))
        what = f"{where} {nb.name} cell {c} ({kind})"
        drv.execute_script("arguments[0].scrollIntoView({block: 'start'})", out)
        out.screenshot(str(B.SHOTS / f"{where}-{nb.stem}-cell{c}.png"))
        assert not out.text.lstrip().startswith(("<Graph:", "<BackwardFrames")), (
            f"{what} is shown as text: {out.text[:80]!r}"
        )
        pictures = out.find_elements("css selector", "img, svg")
        visible = [p for p in pictures if p.size["width"] > 0 and p.size["height"] > 0]
        if kind == "player":
            if old_player(nb) and not visible:
                stale_player = f"{what}: the player still draws inline <svg> (branch player)"
                continue
            assert visible, f"{what} shows no picture"
            continue
        (img,) = out.find_elements("css selector", 'img[alt^="Graph:"]')
        assert img.size["width"] > 0 and img.size["height"] > 0, f"{what} is not visible"
        here = B.picture_at(drv, img)
        fit = B.picture_at(drv, img, COLUMN)
        narrow = B.picture_at(drv, img, NARROW)
        rows.append({"notebook": nb.name, "cell": c, "here": here, "1000": fit, "500": narrow})
        for m in (here, fit, narrow):
            assert m["labels"] > 0 and m["min_label"] >= MIN_LABEL - 0.01, (what, m)
        if (nb.name, c) in SCROLLS:
            assert fit["box_scroll_w"] > fit["box_w"], (what, fit)  # scrolls, never shrinks
        else:
            assert fit["w"] <= COLUMN + 0.5 and fit["box_scroll_w"] <= fit["box_w"] + 1, (
                f"{what} does not fit a {COLUMN} px column with {MIN_LABEL} px labels: {fit}"
            )
        if narrow["w"] > NARROW + 1:  # too wide to shrink: its own box scrolls
            assert narrow["box_scroll_w"] > narrow["box_w"], (what, narrow)
    if stale_player:
        pytest.xfail(stale_player)


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem[:2] for p in NOTEBOOKS])
def test_lab_shows_every_graph_as_a_readable_picture(lab, chromium, nb):
    trust, srv = lab
    B.open_notebook(chromium, srv, nb.name)
    column = chromium.execute_script(
        "return document.querySelector('.jp-OutputArea').getBoundingClientRect().width"
    )
    assert column >= COLUMN, f"the window gives a {column} px column"
    check_page(chromium, nb, f"lab-{trust}")
    if drawn(nb):
        B.screenshot(chromium, f"lab-{trust}-{nb.stem}")
        chromium.set_window_size(1500, 1000)


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[p.stem[:2] for p in NOTEBOOKS])
def test_html_export_shows_every_graph_as_a_readable_picture(
    exported, chromium, chromium_nojs, nb, js
):
    drv = chromium if js else chromium_nojs
    B.open_html(drv, exported / (nb.stem + ".html"))
    where = "html-js" if js else "html-nojs"
    check_page(drv, nb, where)
    if drawn(nb):
        B.screenshot(drv, f"{where}-{nb.stem}")
        drv.set_window_size(1500, 1000)


def teardown_module() -> None:
    if MEASURED:
        B.SHOTS.mkdir(parents=True, exist_ok=True)
        (B.SHOTS / "measurements.json").write_text(json.dumps(MEASURED, indent=1))


DRAWING = [p for p in NOTEBOOKS if drawn(p)]


@pytest.fixture(scope="module", params=["untrusted", "trusted"])
def notebook7(request, copies):
    srv = B.start_server(copies, app="notebook")
    if request.param == "trusted":
        B.trust(sorted(copies.glob("*.ipynb")), srv)
    yield request.param, srv
    srv.stop()


@pytest.mark.parametrize("nb", DRAWING, ids=[p.stem[:2] for p in DRAWING])
def test_notebook7_shows_every_graph_as_a_readable_picture(notebook7, chromium, nb):
    trust, srv = notebook7
    B.open_notebook(chromium, srv, nb.name, app="notebook")
    column = chromium.execute_script(
        "return document.querySelector('.jp-OutputArea').getBoundingClientRect().width"
    )
    assert column >= COLUMN, f"Notebook 7 gives a {column} px column"
    check_page(chromium, nb, f"notebook7-{trust}")
    B.screenshot(chromium, f"notebook7-{trust}-{nb.stem}")
    chromium.set_window_size(1500, 1000)
