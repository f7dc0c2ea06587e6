"""A saved backward player in headless Chromium: next, prev, the slider and the ←/→ keys change
the frame; every node and edge stays where it is in every frame; each frame shows the texts of
`frames[t]`; with JavaScript off, the note and every step one below the other, no controls.
Screenshots go to tests/browser-shots/player-*.png."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import browser as B
import pytest

from autograd import Value, draw_backward
from autograd.drawing import render

REASON = B.missing()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")
SVG = "{http://www.w3.org/2000/svg}"

# Each node group's place and size, each edge's path and label place, the picture's size and
# the player's size, and every text shown, keyed by Graphviz id (kept as data-cr-id).
_FRAME = r"""
const root = document.querySelector('.chainrule-player');
const svg = root.querySelector('svg');
const at = svg.getBoundingClientRect();  // places relative to the picture, which may scroll
const box = e => { const r = e.getBoundingClientRect();
                   return [r.x - at.x, r.y - at.y, r.width, r.height]; };
const place = {}, texts = {};
svg.querySelectorAll('g[data-cr-id]').forEach(g => {
  const id = g.getAttribute('data-cr-id');
  // its own shapes (a group inside it is measured as itself: its box holds its texts)
  const shapes = [...g.children].filter(e => !['text', 'title', 'g'].includes(e.tagName));
  place[id] = shapes.map(e => [e.tagName, e.getAttribute('points') || e.getAttribute('d') ||
                               [e.getAttribute('cx'), e.getAttribute('cy')].join(','), box(e)]);
  texts[id] = [...g.querySelectorAll(id === 'graph0' ? ':scope > text' : 'text')]
    .map(t => t.textContent);
  if (id !== 'graph0') place[id].push(...[...g.querySelectorAll('text')].map(
    t => ['text', t.getAttribute('x') + ',' + t.getAttribute('y')]));  // its box: its words
});
// every text of a node inside its shape, 1 px from its edges
const outside = [];
svg.querySelectorAll('g[data-cr-id^="n"], g[data-cr-id^="op"]').forEach(g => {
  const shape = g.querySelector('polygon, ellipse');
  if (!shape) return;
  const s = shape.getBoundingClientRect();
  g.querySelectorAll('text').forEach(t => {
    const r = t.getBoundingClientRect();
    if (r.left < s.left + 1 || r.right > s.right - 1 || r.top < s.top || r.bottom > s.bottom)
      outside.push([g.getAttribute('data-cr-id'), t.textContent,
                    r.left - s.left, s.right - r.right]);
  });
});
const [prev, next] = root.querySelectorAll('button');
const scroller = svg.parentElement, rr = root.getBoundingClientRect();
const cur = svg.querySelector(`g[data-cr-id="${arguments[0]}"]`).getBoundingClientRect();
const view = scroller.getBoundingClientRect();
return {place, texts, outside, svg: [at.width, at.height], player: [rr.width, rr.height],
        wide: scroller.scrollWidth > scroller.clientWidth,
        in_view: cur.left >= view.left - 0.5 && cur.right <= view.right + 0.5,
        caption: root.querySelector('.cr-caption').textContent,
        slider: root.querySelector('input[type=range]').value,
        prev: prev.disabled, next: next.disabled};
"""


def python_texts(frame: str) -> dict[str, list[str]]:
    """The same texts from the SVG `frames[t]` Python makes (the caption: the graph's own)."""
    out = {}
    for g in ET.fromstring(frame).iter(SVG + "g"):
        gid = g.get("id")
        if gid == "graph0":
            out[gid] = [t.text or "" for t in g.findall(SVG + "text")]
        elif gid:
            out[gid] = [t.text or "" for t in g.iter(SVG + "text")]
    return out


def same(a, b, tol: float = 0.05) -> bool:
    """Equal, numbers within `tol` px (scrolling the box leaves sub-pixel noise)."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= tol
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, tol) for x, y in zip(a, b, strict=True))
    return a == b


def example():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    d = e + c
    f = Value(-2.0, label="f")
    return (d * f).tanh() + 1e-5 * a  # grads of several widths, a used twice


@pytest.fixture(scope="module", params=["dot", "wasm"])
def saved(request, tmp_path_factory):
    """The player saved as a page, rendered by the system `dot` and by the wasm build."""
    if request.param == "dot" and render.system_dot() is None:
        pytest.skip("system Graphviz `dot` not on PATH: apt-get install graphviz")
    real = render.system_dot
    if request.param == "wasm":
        render.system_dot = lambda: None
    try:
        bw = draw_backward(example())
        path = bw.save(tmp_path_factory.mktemp("player") / "player.html")
    finally:
        render.system_dot = real
    return request.param, bw, path


@pytest.fixture(scope="module", params=B.FONT_SETS)
def fonts(request):
    """The font set Chromium draws with: the machine's (DejaVu), Liberation, URW."""
    if (why := B.fonts_missing(request.param)) is not None:
        pytest.skip(why)
    return request.param


@pytest.fixture(scope="module")
def chromium(fonts):
    drv = B.browser(width=1300, height=700, fonts=fonts)
    yield drv
    B.quit_browser(drv)


def test_player_steps_and_holds_still(saved, fonts, chromium):
    from selenium.webdriver.common.keys import Keys

    backend, bw, path = saved
    drv = chromium
    B.open_html(drv, path)
    n = len(bw)
    buttons = drv.find_elements("css selector", ".chainrule-player button")
    prev, next_ = buttons
    slider = drv.find_element("css selector", ".chainrule-player input[type=range]")
    player = drv.find_element("css selector", ".chainrule-player")
    seen = {}

    def frame(expect: int) -> dict:
        state = drv.execute_script(_FRAME, f"n{bw.plan['steps'][expect][0]}")
        assert state["in_view"], f"frame {expect}: the visited node is scrolled out of view"
        assert int(state["slider"]) == expect
        assert state["prev"] == (expect == 0) and state["next"] == (expect == n - 1)
        want = python_texts(bw.frames[expect])
        # the caption once: above the box, so it stays in view when the box scrolls
        assert want.pop("graph0") == [bw.captions[expect]] == [state["caption"]]
        assert state["texts"].pop("graph0") == [""]
        assert state["texts"] == want, f"frame {expect}"
        assert not state["outside"], f"frame {expect}: texts outside their nodes (px inside)"
        seen[expect] = state
        return state

    first = frame(0)
    B.screenshot(drv, f"player-{backend}-{fonts}-step1", full=False)
    for t in range(1, n):  # next, all the way
        next_.click()
        frame(t)
        if t == 2:
            B.screenshot(drv, f"player-{backend}-{fonts}-step3", full=False)
    B.screenshot(drv, f"player-{backend}-{fonts}-last", full=False)
    next_.click()  # disabled at the end: nothing changes
    frame(n - 1)
    prev.click()
    frame(n - 2)
    drv.execute_script(
        "arguments[0].value = 1; arguments[0].dispatchEvent(new Event('input'))", slider
    )
    frame(1)
    player.click()
    player.send_keys(Keys.ARROW_RIGHT)
    frame(2)
    player.send_keys(Keys.ARROW_LEFT, Keys.ARROW_LEFT)
    frame(0)
    player.send_keys(Keys.END)
    frame(n - 1)
    slider.send_keys(Keys.HOME)  # the slider's own keys
    frame(0)

    # One layout: every node, edge and label at the same coordinates in every frame, the
    # picture and the player the same size.
    assert len(seen) == n
    assert first["wide"]  # the picture is wider than its box, so the box scrolled to follow
    assert sum(k.startswith(("n", "op")) for k in first["place"]) > 8
    for t, state in seen.items():
        assert same(state["place"], first["place"]), f"frame {t} moved something"
        assert same(state["svg"], first["svg"]) and same(state["player"], first["player"]), t
    # frames differ in what they show
    assert len({str(s["texts"]) + s["caption"] for s in seen.values()}) == n


def test_player_without_javascript_lists_every_step(saved):
    backend, bw, path = saved
    drv = B.browser(js=False, width=1300, height=700)
    try:
        B.open_html(drv, path)
        root = drv.find_element("css selector", ".chainrule-player")
        assert not root.find_elements("css selector", "button, input")  # no dead controls
        note = root.find_element("css selector", ".cr-note")
        assert note.is_displayed() and "Scripts are off" in note.text
        img = root.find_element("css selector", ".cr-picture img")
        assert img.size["width"] > 100 and img.size["height"] > 20
        steps = root.find_elements("css selector", ".cr-steps > ol > li")
        assert len(steps) == len(bw) and all(s.is_displayed() for s in steps)
        tops = [s.location["y"] for s in steps]
        assert tops == sorted(tops) and len(set(tops)) == len(tops)  # one below the other
        for s, caption in zip(steps, bw.captions, strict=True):
            assert s.text.startswith(caption)
        B.screenshot(drv, f"player-{backend}-nojs")
    finally:
        B.quit_browser(drv)
