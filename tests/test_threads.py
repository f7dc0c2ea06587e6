"""Threads, as in PyTorch: recording modes belong to the thread that sets them, and backward
passes into shared parameters add exactly their own contributions."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

import autograd
from autograd import Value, detect_anomaly, is_grad_enabled, no_grad


@contextmanager
def switching_often() -> Iterator[None]:
    """Make the interpreter switch threads every microsecond, so races show in a short run."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def run_together(*targets: Callable[[], None]) -> None:
    """Start every target in its own thread at the same moment; re-raise the first error."""
    start = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target: Callable[[], None]) -> None:
        start.wait()
        try:
            target()
        except BaseException as e:  # reported in the main thread
            errors.append(e)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    if errors:
        raise errors[0]


def test_no_grad_in_one_thread_leaves_other_threads_recording() -> None:
    inside = threading.Event()
    done = threading.Event()
    ungraded = []

    def quiet() -> None:
        with no_grad():
            inside.set()
            done.wait(timeout=30)

    def busy() -> None:
        inside.wait(timeout=30)
        for _ in range(2000):
            x = Value(2.0)
            y = x * x + 1.0
            y.backward()
            if x.grad != 4.0:
                ungraded.append(y)
        done.set()

    with switching_often():
        run_together(quiet, busy)
    assert ungraded == []
    assert is_grad_enabled()


def test_overlapping_no_grad_blocks_in_two_threads_restore_recording() -> None:
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def a() -> None:  # enters first, leaves first
        with no_grad():
            a_in.set()
            b_in.wait(timeout=30)
        a_out.set()

    def b() -> None:  # enters second, leaves last
        a_in.wait(timeout=30)
        with no_grad():
            b_in.set()
            a_out.wait(timeout=30)

    run_together(a, b)
    assert is_grad_enabled()
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0


def test_a_new_thread_records_even_when_started_inside_no_grad() -> None:
    seen = {}

    def child() -> None:
        x = Value(3.0)
        seen["enabled"] = is_grad_enabled()
        seen["parents"] = len((x * x).parents)

    with no_grad():
        t = threading.Thread(target=child)
        t.start()
        t.join(timeout=30)
        assert not is_grad_enabled()
    assert seen == {"enabled": True, "parents": 2}


def test_detect_anomaly_is_confined_to_its_thread() -> None:
    inside = threading.Event()
    done = threading.Event()
    results = {}

    def checking() -> None:
        with detect_anomaly():
            inside.set()
            done.wait(timeout=30)
            with pytest.raises(FloatingPointError):
                Value(1000.0).exp()
            results["checked"] = True

    def plain() -> None:
        inside.wait(timeout=30)
        results["plain"] = Value(1000.0).exp().data  # inf, no error in this thread
        done.set()

    run_together(checking, plain)
    assert results == {"checked": True, "plain": float("inf")}


def test_concurrent_backward_into_shared_parameters_sums_exactly() -> None:
    params = [Value(0.1 * (i + 1), f"p{i}") for i in range(8)]
    rounds, per_thread = 5, 300

    def worker(scale: float) -> Callable[[], None]:
        def run() -> None:
            for _ in range(per_thread):
                loss = autograd.sum([p * scale for p in params]) + params[0] * params[1]
                loss.backward()

        return run

    with switching_often():
        for _ in range(rounds):
            for p in params:
                p.grad = 0.0
            run_together(worker(1.0), worker(2.0))
            n = per_thread
            expected = [3.0 * n] * len(params)
            expected[0] += 2 * n * params[1].data
            expected[1] += 2 * n * params[0].data
            assert [p.grad for p in params] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("before", [1.0, 0.0], ids=["grads already there", "fresh grads"])
def test_a_reader_sees_each_grad_before_or_after_another_threads_backward(before) -> None:
    """An optimiser reading .grad while another thread runs backward sees the old value or the
    new, never 0 nor a part of the sum: w (a leaf used 200 times) and h (inside the graph, used
    200 times) each change once per pass, whether they held a grad before or not."""
    w = Value(0.5, "w")
    h = w * 1.0
    terms = [h * float(k % 3 + 1) + w * 2.0 for k in range(200)]
    loss = autograd.sum(terms)
    dw, dh = autograd.grad(loss, [w, h])  # what one pass adds: 799 and 399
    per_pass = {"w": dw, "h": dh}
    passes = 600
    w.grad, h.grad = before, before
    allowed = {
        "w": {before + k * per_pass["w"] for k in range(passes + 1)},
        "h": {before + k * per_pass["h"] for k in range(passes + 1)},
    }
    seen: dict[str, set[float]] = {"w": set(), "h": set()}
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen["w"].add(w.grad)
            seen["h"].add(h.grad)

    def write() -> None:
        try:
            for _ in range(passes):
                loss.backward()
        finally:
            done.set()

    with switching_often():
        run_together(read, write)
    assert w.grad == before + passes * per_pass["w"] and h.grad == before + passes * per_pass["h"]
    assert seen["w"] <= allowed["w"], sorted(seen["w"] - allowed["w"])[:5]
    assert seen["h"] <= allowed["h"], sorted(seen["h"] - allowed["h"])[:5]
