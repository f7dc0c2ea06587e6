"""Recording modes, per thread as in PyTorch: `no_grad`, `enable_grad` and `detect_anomaly`,
and the tape on which `autograd.trace(f, ...)` records the nodes of f's call in program order.

Each thread starts recording, without anomaly checks, whatever other threads do. Every op reads
one process-wide flag, `fast.plain`, true while no thread at all is in an unusual mode; only when
it is false does an op look up its own thread's modes (a thread-local read costs more than the
rest of the check).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager


class Modes(threading.local):
    """This thread's modes: does it record parents, does it check for NaN and inf."""

    recording = True
    anomaly = False
    tape: list | None = None  # while a trace is taken: every node this thread makes, in order


class _Fast:
    __slots__ = ("plain",)

    def __init__(self) -> None:
        self.plain = True  # no thread is in no_grad or detect_anomaly


_modes = Modes()
fast = _Fast()
_unusual_threads = 0  # how many threads have a mode other than recording without checks
_lock = threading.Lock()


def state() -> Modes:
    """The calling thread's modes."""
    return _modes


def _set(recording: bool, anomaly: bool, tape: list | None = None) -> None:
    """Set this thread's modes, and the process-wide flag from every thread's."""
    global _unusual_threads
    was_plain = _modes.recording and not _modes.anomaly and _modes.tape is None
    _modes.recording = recording
    _modes.anomaly = anomaly
    _modes.tape = tape
    now_plain = recording and not anomaly and tape is None
    if was_plain != now_plain:
        with _lock:
            _unusual_threads += -1 if now_plain else 1
            fast.plain = _unusual_threads == 0


@contextmanager
def _mode(recording: bool, anomaly: bool) -> Iterator[None]:
    before = (_modes.recording, _modes.anomaly, _modes.tape)
    _set(recording, anomaly, _modes.tape)
    try:
        yield
    finally:
        _set(*before)


def no_grad() -> AbstractContextManager[None]:
    """Ops inside record no parents in this thread: their results are constants (leaves)."""
    return _mode(False, _modes.anomaly)


def enable_grad() -> AbstractContextManager[None]:
    """Record parents again inside a `no_grad` block, in this thread."""
    return _mode(True, _modes.anomaly)


def detect_anomaly() -> AbstractContextManager[None]:
    """In this thread, the first op or backward step giving NaN or ±inf raises an error."""
    return _mode(_modes.recording, True)


@contextmanager
def taping() -> Iterator[list]:
    """Every node this thread's ops make inside is appended to the list yielded, in the order
    they are made (program order). No thread pays for it outside: while no tape is running,
    ops take their usual fast path (`fast.plain`). A tape inside a tape passes its nodes on."""
    outer = _modes.tape
    tape: list = []
    _set(_modes.recording, _modes.anomaly, tape)
    try:
        yield tape
    finally:
        _set(_modes.recording, _modes.anomaly, outer)
        if outer is not None:
            outer.extend(tape)


def is_grad_enabled() -> bool:
    """True when ops in this thread record their parents."""
    return _modes.recording
