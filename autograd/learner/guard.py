"""Running a learner's code so that it can neither hang nor crash the tool that runs it.

`run(fn, timeout)` calls `fn()` in a daemon thread for at most `timeout` seconds, with its
recursion depth held at `DEPTH` calls by a profile function of that thread alone (the process's
recursion limit is never touched: another thread's recursion is not affected). A call that runs
past its time is stopped by an exception raised inside it (`Stopped`); one that cannot be
stopped (inside one long C call, or swallowing every exception) is reported as still running.

Whatever reads a learner's objects — even an exception's message, which is the learner's
`__str__` — runs inside the bounded thread, and comes out as plain text and numbers
(`describe`): nothing of theirs reaches the calling thread, so not even a `__del__` of theirs
runs there. In Pyodide, which has no threads, `fn()` runs in place, unbounded in time.
"""

from __future__ import annotations

import builtins
import linecache
import os
import sys
import threading
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEPTH = 1000  # calls deep, as Python's default recursion limit, whatever this process's is
STOP_TRIES = 5  # a runaway call is sent `Stopped` this many times, 0.2 s apart
THREADS = sys.platform != "emscripten"


class Stopped(BaseException):
    """Raised inside a learner's call that ran past its time."""


class RecursionLimit(RecursionError):
    """Raised inside a learner's call that went `DEPTH` calls deep."""


def type_name(x: object) -> str:
    """The name of `x`'s class, read without running any code of the class's metaclass."""
    try:
        return type.__dict__["__name__"].__get__(type(x))
    except Exception:
        return "?"


def class_name(cls: type) -> str:
    try:
        return type.__dict__["__name__"].__get__(cls)
    except Exception:
        return "?"


@dataclass(frozen=True)
class Frame:
    """One frame of a traceback, as text: the function, the file, the line and its text."""

    function: str
    file: str
    line: int
    text: str

    def where(self) -> str:
        """`__pow__`, line 30: `out = Value(...)`"""
        shown = f": `{self.text}`" if self.text else ""
        return f"`{self.function}`, line {self.line}{shown}"


@dataclass(frozen=True)
class Error:
    """A learner's exception as plain text: its class name, message and the learner's frames
    (innermost last), and whether some frame called itself (`repeated`, with its count)."""

    kind: str
    message: str
    frames: tuple[Frame, ...] = ()
    depth: int = 0  # frames in the whole traceback
    repeated: Frame | None = None  # the frame that occurs most often, if more than 20 times
    repeats: int = 0
    is_type: tuple[str, ...] = ()  # names of the builtin exception classes it derives from
    attribute: str | None = None  # AttributeError.name, when readable
    unreadable: bool = False  # its message could not be read

    def isa(self, name: str) -> bool:
        return name in self.is_type

    def text(self) -> str:
        """`ValueError: boom` (message cut at 200 characters)."""
        return f"{self.kind}: {self.message}" if self.message else self.kind


_BUILTIN = (
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "IndexError",
    "KeyError",
    "NameError",
    "OverflowError",
    "RecursionError",
    "TypeError",
    "ValueError",
    "ZeroDivisionError",
)


def frame_of(code: types.CodeType, lineno: int | None) -> Frame:
    line = lineno or 0
    text = linecache.getline(code.co_filename, line).strip() if line else ""
    if len(text) > 120:
        text = text[:119] + "…"
    return Frame(code.co_name, code.co_filename, line, text)


ROOM = os.path.dirname(os.path.abspath(__file__)) + os.sep
STDLIB = os.path.dirname(os.path.abspath(threading.__file__)) + os.sep


def theirs(code: types.CodeType) -> bool:
    """A frame of the learner's code: not this room's, not the standard library's."""
    name = code.co_filename
    if name.startswith(("<frozen ", "<string>")):
        return name == "<string>"
    return not (name.startswith(ROOM) or name.startswith(STDLIB))


def unguard() -> None:
    """End the depth guard of the calling thread: what runs next is this room's own code."""
    sys.setprofile(None)


def describe(e: BaseException) -> Error:
    """The exception `e` as plain text; runs the learner's `__str__`, so call it bounded."""
    t = type(e)
    is_type = tuple(n for n in _BUILTIN if issubclass(t, getattr(builtins, n)))
    try:
        message = str(e)
        unreadable = False
    except BaseException:
        message, unreadable = "(its message could not be read: its __str__ raised)", True
    if type(message) is not str:
        message, unreadable = "(its message is not text)", True
    if len(message) > 200:
        message = message[:200] + "…"
    attribute = None
    if "AttributeError" in is_type:
        try:
            name = e.name  # a property of theirs may raise
            attribute = name if type(name) is str else None
        except BaseException:
            attribute = None
    frames: list[Frame] = []
    counts: dict[tuple[str, int], int] = {}
    depth = 0
    tb = e.__traceback__
    while tb is not None and depth < 100_000:
        code = tb.tb_frame.f_code
        depth += 1
        if theirs(code):
            key = (code.co_filename, tb.tb_lineno)
            counts[key] = counts.get(key, 0) + 1
            if counts[key] <= 2 or tb.tb_next is None:  # a recursion shown twice, not 1,000 times
                frames.append(frame_of(code, tb.tb_lineno))
        tb = tb.tb_next
    repeated, repeats = None, 0
    if counts:
        (file, line), repeats = max(counts.items(), key=lambda kv: kv[1])
        if repeats > 20:
            repeated = next(f for f in frames if (f.file, f.line) == (file, line))
        else:
            repeats = 0
    return Error(
        type_name(e),
        message,
        tuple(frames[-12:]),
        depth,
        repeated,
        repeats,
        is_type,
        attribute,
        unreadable,
    )


def where_now(thread: threading.Thread) -> Frame | None:
    """The learner's innermost frame that `thread` is running now, if any."""
    frames = getattr(sys, "_current_frames", dict)()
    f = frames.get(thread.ident)
    while f is not None:
        if theirs(f.f_code):
            return frame_of(f.f_code, f.f_lineno)
        f = f.f_back
    return None


@dataclass
class Run:
    """How a bounded call went: its value, or the learner's exception as text, or that it ran
    past its time (`late`: stopped, or `stuck` if it could not be stopped)."""

    value: Any = None
    error: Error | None = None
    late: bool = False
    stuck: bool = False
    at: Frame | None = None  # where a late call was running
    seconds: float = 0.0


def _depth_guard(limit: int) -> Callable:
    depth = 0

    def guard(frame: types.FrameType, event: str, arg: object) -> None:
        nonlocal depth
        if event == "call":
            depth += 1
            if depth > limit:
                depth = 0  # the guard is removed when it raises; a new one starts afresh
                raise RecursionLimit(
                    f"more than {limit} calls deep (check_engine stops a learner's code there, "
                    "at Python's default recursion limit, whatever this process's limit is)"
                )
        elif event == "return":
            depth -= 1

    return guard


def run(fn: Callable[[], Any], timeout: float, name: str, depth: int | None = DEPTH) -> Run:
    """`fn()` in a daemon thread for at most `timeout` s, `depth` calls deep at most (None: no
    guard, for timing). `fn` turns whatever it raises into an `Error` itself only if it wants
    to; anything it lets out is described here, still in the thread."""
    result = Run()  # filled in by the thread; a late call's result is a new one

    def body() -> None:
        before = sys.getprofile()
        if depth is not None:
            sys.setprofile(_depth_guard(depth))
        t0 = time.perf_counter()
        try:
            result.value = fn()
        except BaseException as e:  # SystemExit and KeyboardInterrupt of theirs too
            result.error = describe(e)
            del e
        finally:
            result.seconds = time.perf_counter() - t0
            sys.setprofile(before)

    if not THREADS:
        try:
            body()
        except BaseException as e:  # pragma: no cover - only a stop of our own gets here
            result.error = describe(e)
        return result

    finished, released = threading.Event(), threading.Event()

    def target() -> None:
        try:
            try:
                body()
            finally:
                finished.set()
        except BaseException:  # a `Stopped` that arrived as the call ended
            pass
        while not released.is_set():  # until no `Stopped` can come: one that does ends here
            try:
                released.wait(0.5)
            except BaseException:
                pass

    worker = threading.Thread(target=target, name=f"check_engine: {name}", daemon=True)
    worker.start()
    try:
        if finished.wait(timeout):
            return result
        at = where_now(worker)
        return Run(late=True, stuck=not stop(worker, finished), at=at, seconds=timeout)
    finally:
        released.set()


def stop(worker: threading.Thread, finished: threading.Event) -> bool:
    """Raise `Stopped` inside `worker` (as often as `STOP_TRIES`); True once its call ended."""
    import ctypes  # here, not at the top: Pyodide, which has no threads, never needs it

    set_async = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)
    if set_async is None or worker.ident is None:
        return False
    for _ in range(STOP_TRIES):
        if finished.is_set():
            return True
        set_async(ctypes.c_ulong(worker.ident), ctypes.py_object(Stopped))
        if finished.wait(0.2):
            return True
    return False
