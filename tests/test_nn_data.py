"""Data sets (scikit-learn's constructions, without scikit-learn) and batches."""

import math
import random
import statistics

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nn import data

CLASSIFIERS = {
    "moons": data.make_moons,
    "circles": data.make_circles,
    "spirals": data.make_spirals,
}


def sklearn_moons(n):
    """scikit-learn's make_moons without noise or shuffling, in numpy."""
    n_out, n_in = n // 2, n - n // 2
    outer = np.stack([np.cos(np.linspace(0, np.pi, n_out)), np.sin(np.linspace(0, np.pi, n_out))])
    inner = np.stack(
        [1 - np.cos(np.linspace(0, np.pi, n_in)), 1 - np.sin(np.linspace(0, np.pi, n_in)) - 0.5]
    )
    return np.vstack([outer.T, inner.T]), [0] * n_out + [1] * n_in


def sklearn_circles(n, factor):
    n_out, n_in = n // 2, n - n // 2
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    outer = np.stack([np.cos(t_out), np.sin(t_out)]).T
    inner = np.stack([np.cos(t_in) * factor, np.sin(t_in) * factor]).T
    return np.vstack([outer, inner]), [0] * n_out + [1] * n_in


@pytest.mark.parametrize("n", [2, 7, 100])
def test_noiseless_moons_are_scikit_learns(n):
    X, y = data.make_moons(n, noise=0.0, shuffle=False)
    ref, ref_y = sklearn_moons(n)
    assert np.allclose(np.array(X), ref, atol=1e-12, rtol=0)
    assert y == ref_y


@pytest.mark.parametrize("n", [2, 9, 100])
def test_noiseless_circles_are_scikit_learns(n):
    X, y = data.make_circles(n, noise=0.0, factor=0.5, shuffle=False)
    ref, ref_y = sklearn_circles(n, 0.5)
    assert np.allclose(np.array(X), ref, atol=1e-12, rtol=0)
    assert y == ref_y


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_shapes_seeds_and_the_global_rng(name):
    make = CLASSIFIERS[name]
    state = random.getstate()
    X, y = make(101, noise=0.1, seed=3)
    assert random.getstate() == state
    assert len(X) == len(y) == 101
    assert all(isinstance(x, list) and len(x) == 2 for x in X)
    assert all(type(v) is float for x in X for v in x)
    assert all(type(t) is int for t in y)
    assert make(101, noise=0.1, seed=3) == (X, y)
    assert make(101, noise=0.1, seed=4) != (X, y)


def test_moons_noise_has_the_requested_spread():
    X0, y0 = data.make_moons(4000, noise=0.0, seed=1)
    X, y = data.make_moons(4000, noise=0.2, seed=1)
    assert y == y0  # the same shuffle; noise is added after it
    d = [a - b for x, x0 in zip(X, X0, strict=True) for a, b in zip(x, x0, strict=True)]
    assert statistics.fmean(d) == pytest.approx(0.0, abs=0.01)
    assert statistics.pstdev(d) == pytest.approx(0.2, rel=0.05)
    assert sorted(set(y)) == [0, 1] and y.count(0) == 2000


def test_spirals_share_out_the_points_and_stay_in_the_unit_disc():
    X, y = data.make_spirals(10, classes=3, noise=0.0, shuffle=False)
    assert [y.count(k) for k in range(3)] == [4, 3, 3]
    assert all(math.hypot(*x) <= 1 + 1e-12 for x in X)
    # arm k starts at angle 2πk/classes + 4r
    r = math.hypot(*X[0])
    assert math.atan2(X[0][1], X[0][0]) == pytest.approx(math.remainder(4 * r, 2 * math.pi))


@pytest.mark.parametrize(
    ("name", "f"),
    [
        ("square", lambda x: x * x),
        ("sin", math.sin),
        ("abs", abs),
        ("step", lambda x: float(x > 0)),
    ],
)
def test_regression_curves_of_the_notes(name, f):
    X, t = data.make_regression_1d(name, n=50, seed=0)
    xs = [x[0] for x in X]
    assert len(X) == 50 and all(len(x) == 1 for x in X)
    assert xs == sorted(xs) and all(-1 <= x <= 1 for x in xs)
    assert t == [f(x) for x in xs]
    assert data.make_regression_1d(name, n=50, seed=0) == (X, t)


def test_regression_with_a_callable_and_a_range():
    X, t = data.make_regression_1d(lambda x: 2 * x + 1, n=20, lo=2, hi=5, seed=1)
    assert all(2 <= x[0] <= 5 for x in X)
    assert t == [2 * x[0] + 1 for x in X]


@pytest.mark.parametrize(
    "call",
    [
        lambda: data.make_regression_1d("cube"),
        lambda: data.make_regression_1d(3),
        lambda: data.make_regression_1d("sin", lo=1, hi=-1),
        lambda: data.make_moons(0),
        lambda: data.make_moons(10, noise=-0.1),
        lambda: data.make_moons(10, seed="x"),
        lambda: data.make_circles(10, factor=1.0),
        lambda: data.make_spirals(10, classes=0),
    ],
)
def test_bad_arguments_are_value_errors(call):
    with pytest.raises(ValueError):
        call()


def test_unknown_curve_lists_the_names():
    with pytest.raises(ValueError, match="square, sin, abs, step"):
        data.make_regression_1d("cube")


# ---- batches -------------------------------------------------------------------------------


@given(n=st.integers(1, 60), size=st.one_of(st.none(), st.integers(1, 70)), seed=st.integers(0, 99))
def test_batches_cover_every_example_once(n, size, seed):
    X = [[float(k)] for k in range(n)]
    y = list(range(n))
    got = list(data.batches(X, y, size, seed=seed))
    expected = 1 if size is None else math.ceil(n / size)
    assert len(got) == expected
    assert all(len(xb) == len(yb) for xb, yb in got)
    assert all(len(yb) == (n if size is None else size) for _, yb in got[:-1])
    assert sorted(t for _, yb in got for t in yb) == y
    assert all([x[0] for x in xb] == [float(t) for t in yb] for xb, yb in got)


def test_full_batch_sgd_and_mini_batch_sizes():
    X, y = data.make_moons(100, seed=0)
    assert [len(b) for _, b in data.batches(X, y)] == [100]
    assert [len(b) for _, b in data.batches(X, y, 1)] == [1] * 100
    assert [len(b) for _, b in data.batches(X, y, 32)] == [32, 32, 32, 4]
    assert next(data.batches(X, y, 10, shuffle=False)) == (X[:10], y[:10])
    a = list(data.batches(X, y, 10, seed=5))
    assert a == list(data.batches(X, y, 10, seed=5))
    assert a != list(data.batches(X, y, 10, seed=6))


def test_bad_batches_fail_before_iterating():
    with pytest.raises(ValueError, match="3 examples but y has 2"):
        data.batches([[1], [2], [3]], [0, 1])
    with pytest.raises(ValueError, match="batch_size"):
        data.batches([[1]], [0], batch_size=0)
    with pytest.raises(ValueError, match="empty"):
        data.batches([], [])
