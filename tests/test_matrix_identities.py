"""nn.notes.matrix_identities: the notes' matrix equations, entry by entry, against the engine's
scalar gradients — on random models (sizes, activations, output/loss pairs, batches)."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from nn.batch_pass import run
from nn.notes import backprop
from nn.notes import matrix_identities as mi

UNITS = ["linear", "tanh", "sigmoid", "relu", "leaky_relu", "softplus"]
# (output activation, loss, targets)
OUTPUTS = [
    ("linear", "sse", "real"),
    ("sigmoid", "binary_cross_entropy", "binary"),
    ("softmax", "sse", "onehot"),
    ("linear", "cross_entropy", "index"),
    ("linear", "mse", "real"),
]


def target(kind: str, k: int, rng: random.Random):
    if kind == "real":
        return [rng.uniform(-1.5, 1.5) for _ in range(k)]
    if kind == "binary":
        return [float(rng.random() < 0.5) for _ in range(k)]
    c = rng.randrange(k)
    return c if kind == "index" else [1.0 if i == c else 0.0 for i in range(k)]


def random_pass(seed: int, nin: int, hidden: list[int], nout: int, unit: str, out: int, n: int):
    output, loss, kind = OUTPUTS[out]
    model = nn.MLP(nin, [*hidden, nout], activation=unit, output_activation=output, seed=seed)
    rng = random.Random(seed)
    for name, p in model.named_parameters():
        if name.startswith("b"):
            p.data = rng.uniform(-0.5, 0.5)
    X = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n)]
    T = [target(kind, nout, rng) for _ in range(n)]
    return run(model, X if n > 1 else X[0], T if n > 1 else T[0], loss)


passes = st.builds(
    random_pass,
    seed=st.integers(0, 10_000),
    nin=st.integers(1, 4),
    hidden=st.lists(st.integers(1, 4), min_size=0, max_size=2),
    nout=st.integers(2, 3),
    unit=st.sampled_from(UNITS),
    out=st.integers(0, len(OUTPUTS) - 1),
    n=st.integers(1, 4),
)


@given(passes)
def test_every_identity_holds_entry_by_entry_on_random_models(bp):
    tables = mi.check(bp)
    assert [t.id for t in tables] == ["001-3", "003-3", "003-4", *["004-18"] * 4, "004-10"]
    for t in tables:
        bad = [r for r in t if not r.ok]
        assert not bad, (t.summary(), bad[:3])
    sizes = [len(bp.X[0]), *(layer.nout for layer in bp.model.layers)]
    n_params = sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))  # noqa: E741
    assert len(tables[0]) == n_params == len(tables[-1])  # every W and b entry, twice
    assert len(tables[1]) == bp.N * sizes[-1]  # δ^L: every output of every example
    assert len(tables[2]) == bp.N * sum(sizes[1:-1])  # δ^l, l < L
    assert len(tables[3]) == bp.N * sum(sizes[1:])  # Y = XW + B, every z
    assert len(tables[5]) == bp.N * sum(sizes[:-1])  # ∂C/∂X: every a^{l−1}, x included


@given(passes)
def test_one_example_gives_the_engines_floats_to_the_last_bit(bp):
    """With one example dC/dW_ij is one product δ_i a_j, the very product backward forms."""
    if bp.N != 1:
        return
    t = mi.eq_001_3(bp)
    assert t.identical == len(t), t.text(None)


def test_the_identities_agree_with_the_hand_written_deltas():
    """003-4's δ from the engine equals nn.notes.backprop's δ rules written in floats (a third
    computation, which never calls backward)."""
    bp = random_pass(5, 3, [4, 3], 2, "tanh", 0, 1)
    model = bp.model
    x = [v.data for v in bp.X[0]]
    ds = backprop.deltas(model, x, bp.targets[0], "sse")
    for l in range(1, bp.L + 1):  # noqa: E741
        for i, z in enumerate(bp.z[l][0]):
            assert math.isclose(z.grad, ds[l][i], rel_tol=1e-12, abs_tol=1e-15)


def test_the_notes_lines_as_written_fail_where_the_readme_says():
    """001-4 without the ᵀ (a square W), 001-2's a_i for a_j, and 004-18's ∂L/∂B = ∂L/∂Y on a
    batch: the tables carry the line as written, and it misses the engine."""
    bp = random_pass(11, 3, [3, 3], 3, "tanh", 0, 1)  # square W² and W³
    t4 = mi.eq_003_4(bp)
    assert all(r.ok for r in t4) and t4.wrong_as_written == len(t4) > 0
    t3 = mi.eq_001_3(bp)
    assert t3.ok and t3.wrong_as_written > 0
    batch = random_pass(11, 3, [3], 2, "tanh", 0, 3)
    dB = mi.eq_004_18(batch)[3]
    assert dB.ok and all(r.written is None for r in dB)  # ∂L/∂Y is a 3×2 matrix, not a row
    single = mi.eq_004_18(random_pass(11, 3, [3], 2, "tanh", 0, 1))[3]
    assert single.wrong_as_written == 0 and all(r.written is not None for r in single)


def test_a_gradient_off_in_its_last_digits_is_caught():
    """The check can fail: one W.grad moved by 64 ulps (beyond the rounding of its sum) is a
    failed row, and the engine's own value passes again."""
    bp = random_pass(3, 2, [3], 2, "sigmoid", 0, 2)
    w = bp.W(1)[0][1]
    right = w.grad
    w.grad = right + 64 * math.ulp(right)
    t = mi.eq_001_3(bp)
    assert not t.ok and [r.entry for r in t if not r.ok] == [f"∂C/∂{w.label}"]
    assert "✗ FAILS" in t.summary()
    w.grad = right
    assert mi.eq_001_3(bp).ok


def test_the_batch_sum_is_a_sum_of_separate_backward_passes():
    """004-10 runs one backward per example with `grad` (no .grad touched) and sums them."""
    bp = random_pass(8, 2, [3], 2, "tanh", 0, 4)
    before = [p.grad for p in bp.model.parameters()]
    t = mi.eq_004_10(bp)
    assert t.ok and len(t) == len(before)
    assert [p.grad for p in bp.model.parameters()] == before


def test_the_table_prints_every_digit_and_stays_short():
    bp = random_pass(2, 3, [4], 2, "tanh", 0, 3)
    t = mi.eq_001_3(bp)
    text = t.text()
    assert text.splitlines()[0].startswith("✓ 001-3") and "identical to the last bit" in text
    assert len(text.splitlines()) <= 14 and "more rows" in text
    r = t[0]
    assert f"{r.identity:.17g}" in text
    assert len(t.text(None).splitlines()) == len(t) + 4
    assert "<table>" in t._repr_html_()


def test_bound_and_ulps():
    assert mi.gamma(1) == pytest.approx(2.0**-53)
    assert mi.bound([1.0, -1.0], 2.0) == pytest.approx(mi.gamma(6) * 4.0)
    row = mi.Row("r", 1e-3, 1e-3 + 2**-52, (0.5, -0.499), 2.0)
    assert row.scale == pytest.approx(1.998) and row.ulps == 1.0 and row.ok  # ulps of 2·Σ|t|
    assert mi.Row("r", 1.0, 1.0, (1.0,)).ulps == 0.0
