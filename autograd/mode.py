"""Global recording modes: `no_grad` and `detect_anomaly`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class _State:
    """What every op reads before it records a node."""

    __slots__ = ("anomaly", "plain", "recording")

    def __init__(self) -> None:
        self.recording = True
        self.anomaly = False
        # One flag for the hot path: record parents and skip the anomaly checks.
        self.plain = True

    def set(self, recording: bool, anomaly: bool) -> None:
        self.recording = recording
        self.anomaly = anomaly
        self.plain = recording and not anomaly


state = _State()


@contextmanager
def no_grad() -> Iterator[None]:
    """Ops inside record no parents: their results are constants (leaves)."""
    before = state.recording
    state.set(False, state.anomaly)
    try:
        yield
    finally:
        state.set(before, state.anomaly)


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record parents again inside a `no_grad` block."""
    before = state.recording
    state.set(True, state.anomaly)
    try:
        yield
    finally:
        state.set(before, state.anomaly)


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """The first op or backward step that yields NaN or ±inf raises `FloatingPointError`."""
    before = state.anomaly
    state.set(state.recording, True)
    try:
        yield
    finally:
        state.set(state.recording, before)


def is_grad_enabled() -> bool:
    """True when ops record their parents."""
    return state.recording
