"""No recursion on graphs: a chain of 10⁶ ops and a sum of 10⁶ terms run backward."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import autograd
from autograd import Value, backward_steps, grad, topological_order

N = 1_000_000


def frame_depth() -> int:
    depth, frame = 0, sys._getframe()
    while frame is not None:
        depth, frame = depth + 1, frame.f_back
    return depth


@contextmanager
def shallow_stack(room: int = 40) -> Iterator[None]:
    """Allow only `room` more Python frames: any recursion over a graph raises RecursionError."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(frame_depth() + room)
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def test_chain_of_a_million_ops_runs_backward() -> None:
    x = Value(1.0, "x")
    y = x
    for i in range(N):
        y = y * 1.0000001 if i % 2 else y + 1e-7
    y.backward()
    assert math.isclose(x.grad, 1.0000001 ** (N // 2), rel_tol=1e-9)
    assert y.grad == 1.0 and y.parents[0].grad == 1.0000001


def test_sum_of_a_million_terms_runs_backward() -> None:
    xs = [Value(i * 1e-6) for i in range(N)]
    s = autograd.sum(xs)
    assert len(s.parents) == N and s.op == "sum"
    assert s.data == math.fsum(i * 1e-6 for i in range(N))
    s.backward()
    assert all(x.grad == 1.0 for x in xs)
    assert s.grad == 1.0


def test_every_traversal_is_iterative() -> None:
    """With ~40 frames to spare, every walk over a 60,000-deep graph still works."""
    x = Value(0.5, "x")
    y = x
    for _ in range(20_000):
        y = (y * 1.00001).exp().log()  # y = x·1.00001ⁿ, dy/dx = 1.00001ⁿ ≈ e^0.2
    with shallow_stack():
        assert len(topological_order(y)) == 60_001
        y.backward()
        g = x.grad
        assert math.isclose(g, 1.00001**20_000, rel_tol=1e-9)
        assert math.isclose(grad(y, [x])[0], g, rel_tol=1e-12)
        assert sum(1 for _ in backward_steps(y)) == 60_001
        y.zero_grad()
        assert x.grad == 0.0
        d1 = grad(y, [x], create_graph=True)[0]
        assert math.isclose(d1.data, g, rel_tol=1e-12)
        d2 = grad(d1, [x])[0]
        assert abs(d2) < 1e-9  # y is linear in x
        del d1
        del y  # freeing a deep graph recurses in C, never in Python
