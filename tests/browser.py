"""Browser-test helpers: JupyterLab, Notebook 7 and nbconvert HTML pages in headless Chromium.

`missing()` gives the reason to skip (and how to get what is missing) or None. Servers bind
127.0.0.1, answer within `timeout` seconds or are stopped, and each runs in its own process group
with isolated config, data (the trust database), runtime, workspace and settings directories, so
that `stop()` ends the server and its kernels and nothing leaks between tests. Screenshots go to
`SHOTS` (tests/browser-shots/, ignored by git).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
BIN = Path(sys.executable).parent  # jupyter and the kernel from the same venv as the tests
SHOTS = Path(__file__).parent / "browser-shots"
TOKEN = "chainrule-test"


def missing(app: str = "lab") -> str | None:
    """None when the browser tests can run here, else a reason saying how to get what is missing."""
    for p in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(p):
            return f"{p} is missing: apt-get install -y chromium chromium-driver"
    modules = {"selenium": "selenium", "nbconvert": "nbconvert"}
    modules["jupyterlab" if app == "lab" else "notebook"] = "jupyterlab"
    for module in modules:
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed: pip install -e '.[dev,browser]' (make test does)"
    return None


# Font set-ups. "system" is the machine's own fonts, which on a machine set up by .ci/run are
# DejaVu only (what most Linux readers without Microsoft-metric fonts have); the others are
# private sets that .ci/fonts extracts beside them, each used alone through a FONTCONFIG_FILE
# of its own, so that they never change the machine's fonts.
FONTS_DIR = Path(os.environ.get("CHAINRULE_FONTS", "/opt/chainrule-fonts"))
FONT_SETS = ("system", "liberation", "urw")
# what fontconfig must answer for each family in each set: fc-match's family names
EXPECTED_FONTS = {
    "system": {f: "DejaVu" for f in ("serif", "sans-serif", "monospace", "Times", "Courier")},
    "liberation": {
        "Times": "Liberation Serif",
        "Arial": "Liberation Sans",
        "Courier New": "Liberation Mono",
        "monospace": "Liberation Mono",
    },
    "urw": {
        "Times": "Nimbus Roman",
        "Helvetica": "Nimbus Sans",
        "Courier": "Nimbus Mono PS",
        "monospace": "Nimbus Mono PS",
    },
}
# Families that stand in for Times, Arial/Helvetica or Courier by their metrics: none of them
# may be among the machine's own fonts, or the "system" set would be a second Liberation set.
METRIC_FAMILIES = (
    "Liberation", "Nimbus", "TeX Gyre", "Tinos", "Arimo", "Cousine", "Times", "Arial",
    "Helvetica", "Courier", "FreeSerif", "FreeSans", "FreeMono",
)  # fmt: skip
_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
{rules}
</fontconfig>
"""


def fonts_missing(fonts: str) -> str | None:
    """None when font set `fonts` can be used here, else the reason and how to get it."""
    if fonts == "system":
        return None
    if not shutil.which("fc-match"):
        return "fc-match is missing: apt-get install -y fontconfig"
    if not any((FONTS_DIR / fonts).glob("*.[ot]tf")):
        return (
            f"the private font set {fonts!r} is not in {FONTS_DIR / fonts}: run `.ci/fonts` "
            "(as root, or with a folder you own as its argument and CHAINRULE_FONTS set to it)"
        )
    return None


def font_env(fonts: str) -> dict[str, str]:
    """The environment in which fontconfig (and so Chromium) sees font set `fonts` alone."""
    if fonts == "system":
        return {k: v for k, v in os.environ.items() if k != "FONTCONFIG_FILE"}
    home = Path(tempfile.gettempdir()) / f"chainrule-fontconfig-{os.getuid()}" / fonts
    (home / "cache").mkdir(parents=True, exist_ok=True)
    conf = home / "fonts.conf"
    # the machine's rules (aliases such as Times → Liberation Serif, generic families), but
    # none of its font folders: the set is alone
    rules = "\n".join(
        f'  <include ignore_missing="yes">{f}</include>'
        for f in sorted(Path("/etc/fonts/conf.d").glob("*.conf"))
        if "<dir" not in f.read_text(errors="replace")
    )
    text = _FONTS_CONF.format(fonts=FONTS_DIR / fonts, cache=home / "cache", rules=rules)
    if not conf.exists() or conf.read_text() != text:
        conf.write_text(text)
    return dict(os.environ, FONTCONFIG_FILE=str(conf))


def font_matches(fonts: str) -> dict[str, str]:
    """What fontconfig gives, in set `fonts`, for each family that set is checked on."""
    env = font_env(fonts)
    out = {}
    for family in EXPECTED_FONTS[fonts]:
        run = subprocess.run(
            ["fc-match", "-f", "%{family[0]}", family],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        out[family] = run.stdout.strip()
    return out


def font_families(fonts: str) -> list[str]:
    """Every font family fontconfig knows in set `fonts`."""
    run = subprocess.run(
        ["fc-list", ":", "family"], env=font_env(fonts), capture_output=True, text=True, timeout=60
    )
    return sorted({line.split(",")[0] for line in run.stdout.splitlines() if line})


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A running `jupyter lab` / `jupyter notebook`; `home` holds its isolated dirs and log."""

    url: str  # base url, ends with /
    proc: subprocess.Popen
    home: Path
    startup_s: float = 0.0

    @property
    def log(self) -> Path:
        return self.home / "server.log"

    def env(self) -> dict[str, str]:
        """The environment the server runs in (so `jupyter trust` writes to its database)."""
        h = self.home
        return dict(
            os.environ,
            JUPYTER_CONFIG_DIR=str(h / "cfg"),
            JUPYTER_DATA_DIR=str(h / "data"),
            JUPYTER_RUNTIME_DIR=str(h / "rt"),
            JUPYTERLAB_WORKSPACES_DIR=str(h / "ws"),
            JUPYTERLAB_SETTINGS_DIR=str(h / "settings"),
        )

    def stop(self) -> None:
        """Stop the server and its kernels: its own process group only."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        shutil.rmtree(self.home, ignore_errors=True)


# JupyterLab 4's default windowingMode 'contentVisibility' skips the layout of off-screen cells,
# so their pictures measure 0 x 0; 'none' lays out every cell. No news pop-up either.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}


def start_server(root: str | Path, app: str = "lab", timeout: float = 60) -> Server:
    """Start `jupyter lab` (or `notebook`) on 127.0.0.1 serving `root`; returns once it answers."""
    home = Path(tempfile.mkdtemp(prefix="chainrule-jupyter-"))
    for name, values in LAB_SETTINGS.items():
        f = home / "settings" / (name + ".jupyterlab-settings")
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(values))
    port = free_port()
    cmd = [
        str(BIN / "jupyter"),
        app,
        f"--ServerApp.root_dir={root}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}",
        "--ServerApp.open_browser=False",
        "--allow-root",  # CI runs as root
        "--ServerApp.shutdown_no_activity_timeout=600",  # never outlives a lost test for long
        "--MappingKernelManager.cull_idle_timeout=300",
        "--LabApp.news_url=None",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: open notebooks without reload
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    srv = Server(f"http://127.0.0.1:{port}/", None, home)
    t0 = time.monotonic()
    srv.proc = subprocess.Popen(
        cmd,
        stdout=srv.log.open("w"),
        stderr=subprocess.STDOUT,
        env=srv.env(),
        start_new_session=True,
    )
    while time.monotonic() - t0 < timeout:
        if srv.proc.poll() is not None:
            log = srv.log.read_text()[-2000:]
            srv.stop()
            raise RuntimeError(f"jupyter {app} exited: {log}")
        try:
            with urllib.request.urlopen(f"{srv.url}api/status?token={TOKEN}", timeout=2) as r:
                if r.status == 200:
                    srv.startup_s = time.monotonic() - t0
                    return srv
        except OSError:
            time.sleep(0.3)
    srv.stop()
    raise TimeoutError(f"jupyter {app} did not answer within {timeout} s")


def browser(
    js: bool = True,
    width: int = 1280,
    height: int = 1200,
    flags: tuple[str, ...] = (),
    fonts: str = "system",
):
    """Headless Chromium with the project's flags (and `flags`); js=False turns JavaScript off;
    `fonts` is the font set it draws with (FONT_SETS)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="chainrule-chromium-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        *flags,
    ):
        opts.add_argument(flag)
    if not js:
        opts.add_argument("--blink-settings=scriptEnabled=false")
        opts.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    service = Service(CHROMEDRIVER, env=font_env(fonts))  # Chromium inherits its fontconfig
    drv = webdriver.Chrome(service=service, options=opts)
    drv.chainrule_profile = profile
    drv.set_page_load_timeout(60)
    drv.set_script_timeout(30)
    return drv


def quit_browser(drv) -> None:
    """Close Chromium and remove its throw-away profile."""
    try:
        drv.quit()
    finally:
        shutil.rmtree(getattr(drv, "chainrule_profile", ""), ignore_errors=True)


_OPEN_IN_PLACE = """
const [path, done] = [arguments[0], arguments[arguments.length - 1]];
const app = window.jupyterapp, c = app.commands;
// Lab may mark a notebook it just opened as changed; close it without asking to save
for (const w of app.shell.widgets('main')) if (w.context) w.context.model.dirty = false;
c.execute('application:close-all')
 .then(() => c.execute('docmanager:open', {path, factory: 'Notebook',
                                           kernelPreference: {shouldStart: false}}))
 .then(() => done(true), e => done(String(e)));
"""
_CURRENT = """
const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
return !window.jupyterapp || !!(w && w.context && w.context.path === arguments[0]);
"""


def open_notebook(
    drv, srv: Server, path: str, app: str = "lab", n_outputs: int = 1, timeout: float = 60
) -> float:
    """Open `path` in JupyterLab (/lab/tree) or Notebook 7 (/notebooks); wait for n outputs.
    A JupyterLab page already open on `srv` closes its notebook and opens `path` in place,
    with no kernel (a page load and a kernel start cost seconds each)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    t0 = time.monotonic()
    in_place = app == "lab" and drv.current_url.startswith(f"{srv.url}lab")
    if in_place and drv.execute_script("return !!window.jupyterapp"):
        opened = drv.execute_async_script(_OPEN_IN_PLACE, path)
        if opened is not True:
            raise RuntimeError(f"JupyterLab could not open {path}: {opened}")
    else:
        route = "lab/tree" if app == "lab" else "notebooks"
        drv.get(f"{srv.url}{route}/{path}?token={TOKEN}&reset")
    WebDriverWait(drv, timeout).until(
        lambda d: (
            d.execute_script(_CURRENT, path)
            and len(d.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel")) == 1
            and len(d.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output")) >= n_outputs
        )
    )
    wait_images(drv)
    return time.monotonic() - t0


def open_html(drv, html_path: str | Path) -> float:
    """Open an exported HTML file and wait until it and its images have loaded."""
    from selenium.webdriver.support.ui import WebDriverWait

    t0 = time.monotonic()
    drv.get(Path(html_path).resolve().as_uri())
    WebDriverWait(drv, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    wait_images(drv)
    return time.monotonic() - t0


def wait_images(drv, timeout: float = 20) -> None:
    """Wait until every <img> on the page has decoded, then let layout settle."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(drv, timeout).until(
        lambda d: d.execute_script("return [...document.images].every(i => i.complete)")
    )
    time.sleep(0.5)


# One call collects, for every output area in document order, what was rendered there.
_PROBE = r"""
const outs = [...document.querySelectorAll('.jp-OutputArea-output')];
return outs.map((o, i) => {
  const pics = [...o.querySelectorAll('svg, img')].filter(e => !e.parentElement.closest('svg'));
  const col = (o.closest('.jp-OutputArea') || o).getBoundingClientRect();
  return {
    index: i,
    mime: o.getAttribute('data-mime-type') || (o.className.match(/jp-Rendered\w+/) || [''])[0],
    text: o.innerText.slice(0, 300),
    column_width: col.width,
    scroll_w: o.scrollWidth, client_w: o.clientWidth,
    pictures: pics.map(e => { const r = e.getBoundingClientRect(); return {
      tag: e.tagName.toLowerCase(), w: r.width, h: r.height,
      natural_w: e.naturalWidth || null, alt: e.getAttribute('alt'),
      visible: r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden',
      src: (e.getAttribute('src') || '').slice(0, 30)}; }),
  };
});
"""


def outputs(drv) -> list[dict]:
    """Every output area: the chosen renderer, its text, and its pictures with rendered sizes."""
    return drv.execute_script(_PROBE)


# Label height as rendered: measured for inline SVG; for an <img> of an SVG data URI, the
# font size (user units) times the rendered scale (px per user unit) of the picture.
_LABELS = r"""
const root = arguments[0] || document;
const res = [];
for (const svg of root.querySelectorAll('svg')) {
  for (const t of svg.querySelectorAll('text')) {
    const r = t.getBoundingClientRect();
    res.push({kind: 'inline', text: t.textContent, h: r.height, w: r.width});
  }
}
for (const img of root.querySelectorAll('img')) {
  if (!img.src.startsWith('data:image/svg+xml')) continue;
  const body = img.src.slice(img.src.indexOf(',') + 1);
  const src = img.src.includes(';base64,')
    ? new TextDecoder().decode(Uint8Array.from(atob(body), c => c.charCodeAt(0)))
    : decodeURIComponent(body);
  const svg = new DOMParser().parseFromString(src, 'image/svg+xml').documentElement;
  const vb = (svg.getAttribute('viewBox') || '').split(/[ ,]+/).map(Number);
  const scale = img.getBoundingClientRect().width / (vb[2] || img.naturalWidth);
  for (const t of svg.querySelectorAll('text')) {
    const fs = parseFloat(t.getAttribute('font-size') || '14');
    res.push({kind: 'img', text: t.textContent, h: fs * scale, scale: scale,
              natural_w: vb[2] * 4 / 3, w: img.getBoundingClientRect().width});
  }
}
return res;
"""


def label_heights(drv, root=None) -> list[dict]:
    """Rendered height in px of each SVG <text> label under `root` (default: the page)."""
    return drv.execute_script(_LABELS, root)


_AT_WIDTH = r"""
const [img, width] = arguments;
const box = img.parentElement;
const saved = box.style.cssText;
if (width) { box.style.width = width + 'px'; box.style.maxWidth = 'none'; }
const r = img.getBoundingClientRect();
const hs = labels(box).map(t => t.h);
const res = {w: r.width, h: r.height, box_w: box.clientWidth, box_scroll_w: box.scrollWidth,
             min_label: Math.min(...hs), labels: hs.length};
box.style.cssText = saved;
return res;
"""


def picture_at(drv, img, width: int | None = None) -> dict:
    """`img` measured with its box set `width` px wide (None: as laid out): its rendered width
    `w`, the box's `box_w` and `box_scroll_w`, and `min_label`, the smallest label height."""
    script = "const labels = root => (function () {" + _LABELS + "}).call(null, root);\n"
    return drv.execute_script(script + _AT_WIDTH, img, width)


def screenshot(drv, name: str, full: bool = True) -> Path:
    """Save SHOTS/<name>.png; full=True grows the window to the page (Lab scrolls a panel)."""
    path = SHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    if full:
        h = drv.execute_script(
            "const p = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer')"
            " || document.querySelector('.jp-Notebook');"
            "const extra = p ? window.innerHeight - p.clientHeight : 0;"
            "return Math.max(document.documentElement.scrollHeight,"
            " p ? p.scrollHeight + extra : 0)"
        )
        w = drv.get_window_size()["width"]
        drv.set_window_size(w, min(max(int(h), 800), 8000))
        time.sleep(0.5)
    drv.save_screenshot(str(path))
    return path


def screenshot_outputs(drv, prefix: str) -> list[Path]:
    """One PNG per non-empty output area, SHOTS/<prefix>-<index>.png."""
    from selenium.webdriver.common.by import By

    SHOTS.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, el in enumerate(drv.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output")):
        drv.execute_script("arguments[0].scrollIntoView({block: 'start'})", el)
        if el.size["height"] > 0 and el.size["width"] > 0:
            p = SHOTS / f"{prefix}-{i}.png"
            el.screenshot(str(p))
            paths.append(p)
    return paths


def export_html(ipynbs: list[Path], out_dir: str | Path) -> list[Path]:
    """`jupyter nbconvert --to html`, in one run (the lab template: what nbviewer shows)."""
    subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--output-dir", str(out_dir)]
        + [str(p) for p in ipynbs],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return [Path(out_dir) / (Path(p).stem + ".html") for p in ipynbs]


def trust(ipynbs: list[Path], srv: Server) -> None:
    """`jupyter trust`, signed into the server's own (isolated) trust database."""
    subprocess.run(
        [str(BIN / "jupyter"), "trust", *map(str, ipynbs)],
        check=True,
        env=srv.env(),
        capture_output=True,
        timeout=60,
    )
