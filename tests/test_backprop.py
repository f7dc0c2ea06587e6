"""nn.notes.backprop: the notes' δ rules in plain floats, against the engine's backward()."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Value
from nn import MLP, losses
from nn.activations import ACTIVATIONS
from nn.notes.backprop import (
    H_PRIME,
    LOSS_GRADS,
    MATCHING,
    PAIRS,
    H,
    Table,
    autograd_gradients,
    compare,
    deltas,
    forward_pass,
    loss_name,
    manual_gradients,
)

UNITS = sorted(H)
TOL = 1e-9


def targets_for(kind: str, k: int, rng: random.Random):
    """A target of the kind a loss takes, for k outputs."""
    if kind == "real":
        return [rng.uniform(-1.5, 1.5) for _ in range(k)]
    if kind == "binary":
        return [float(rng.random() < 0.5) for _ in range(k)]
    if kind == "sign":
        return [rng.choice((-1.0, 1.0)) for _ in range(k)]
    if kind == "index":
        return rng.randrange(k)
    if kind == "onehot":
        c = rng.randrange(k)
        return [1.0 if i == c else 0.0 for i in range(k)]
    raise AssertionError(kind)


def model_with_biases(nin, nouts, hidden, output, seed):
    model = MLP(nin, nouts, activation=hidden, output_activation=output, seed=seed)
    rng = random.Random(seed)
    for name, p in model.named_parameters():
        if name.startswith("b"):
            p.data = rng.uniform(-0.5, 0.5)
    return model


def assert_table_agrees(table: Table) -> None:
    assert len(table) > 0
    for row in table:
        assert abs(row.manual - row.autograd) <= TOL * max(1.0, abs(row.autograd)), row


# ---- the pieces, each against the engine ---------------------------------------------------------

POINTS = (-2.3, -0.7, -0.01, 0.4, 1.9)  # away from the kink of relu and leaky_relu at 0


@pytest.mark.parametrize("name", UNITS)
def test_h_and_h_prime_match_the_engine(name):
    op = ACTIVATIONS[name].value
    for z in POINTS:
        v = Value(z)
        a = op(v)
        assert H[name](z) == pytest.approx(a.data, rel=1e-12, abs=1e-15)
        engine = autograd.grad(a, [v])[0]
        assert H_PRIME[name](z) == pytest.approx(engine, rel=1e-12, abs=1e-15)


LOSS_CASES = [
    ("sse", [0.3, -1.2, 0.8], [0.0, -1.0, 1.5]),
    ("mse", [0.3, -1.2, 0.8], [0.0, -1.0, 1.5]),
    ("binary_cross_entropy", [0.3, 0.9, 0.6], [1.0, 0.0, 0.25]),
    ("binary_cross_entropy_with_logits", [0.3, -2.2, 1.6], [1.0, 0.0, 0.25]),
    ("cross_entropy", [0.3, -2.2, 1.6], 2),
    ("cross_entropy", [0.3, -2.2, 1.6], [0.2, 0.5, 0.3]),
    ("hinge", [0.3, -2.2, 1.6], [1.0, 1.0, -1.0]),
]


@pytest.mark.parametrize(("name", "a", "t"), LOSS_CASES)
def test_loss_gradient_formulas_match_the_engine(name, a, t):
    vs = [Value(v) for v in a]
    C = losses.LOSSES[name](vs, t)
    assert LOSS_GRADS[name](a, t) == pytest.approx(autograd.grad(C, vs), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("output", [*UNITS, "softmax"])
def test_forward_pass_matches_the_models_z_and_a(output):
    model = model_with_biases(3, [4, 3], "tanh", output, seed=1)
    x = [0.5, -1.1, 0.7]
    zs, as_ = forward_pass(model, x)
    model(x)
    assert zs[0] == [] and as_[0] == x and len(zs) == len(as_) == 3
    for l, layer in enumerate(model.layers, start=1):  # noqa: E741
        assert zs[l] == pytest.approx([v.data for v in layer.z], rel=1e-12, abs=1e-15)
        assert as_[l] == pytest.approx([v.data for v in layer.a], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("output", "loss"), sorted(MATCHING))
def test_matching_pair_shortcut_equals_the_general_formula(output, loss):
    """δ^L = y − t (004-8) is h'(z^L) ⊙ ∇C(a^L) worked out for the pair."""
    rng = random.Random(8)
    kind = next(p.targets for p in PAIRS if (p.output, p.loss) == (output, loss))
    for seed in range(5):
        model = model_with_biases(2, [3, 3], "tanh", output, seed)
        x = [rng.uniform(-2, 2) for _ in range(2)]
        t = targets_for(kind, 3, rng)
        short = deltas(model, x, t, loss)
        general = deltas(model, x, t, loss, shortcut=False)
        for ds, dg in zip(short[1:], general[1:], strict=True):
            assert ds == pytest.approx(dg, rel=1e-12, abs=1e-15)


def test_output_delta_is_y_minus_t_for_the_matching_pairs():
    x = [0.2, -0.9]
    m = model_with_biases(2, [3, 2], "tanh", "sigmoid", seed=3)
    _, as_ = forward_pass(m, x)
    assert deltas(m, x, [1.0, 0.0], "binary_cross_entropy")[2] == pytest.approx(
        [as_[2][0] - 1.0, as_[2][1]], rel=1e-12
    )
    m = model_with_biases(2, [3, 3], "tanh", "linear", seed=4)
    zs, _ = forward_pass(m, x)
    e = [math.exp(z) for z in zs[2]]
    y = [v / sum(e) for v in e]
    assert deltas(m, x, 1, "cross_entropy")[2] == pytest.approx([y[0], y[1] - 1, y[2]], rel=1e-12)


def test_hidden_delta_is_the_recursion_of_the_notes():
    """δ^1 = h'(z^1) ⊙ (W²)ᵀ δ², written out for one unit."""
    model = model_with_biases(2, [2, 1], "sigmoid", "linear", seed=5)
    x, t = [0.4, -0.3], [0.9]
    zs, as_ = forward_pass(model, x)
    ds = deltas(model, x, t, "sse")
    assert ds[2] == pytest.approx([as_[2][0] - t[0]], rel=1e-12)
    w2 = [w.data for w in model.layers[1].W[0]]
    for i in range(2):
        s = 1 / (1 + math.exp(-zs[1][i]))
        assert ds[1][i] == pytest.approx(s * (1 - s) * w2[i] * ds[2][0], rel=1e-12)


def test_manual_gradients_are_delta_times_activation():
    model = model_with_biases(3, [2, 2], "tanh", "linear", seed=6)
    x, t = [0.1, 0.2, -0.4], [0.3, 0.0]
    _, as_ = forward_pass(model, x)
    ds = deltas(model, x, t, "sse")
    g = manual_gradients(model, x, t, "sse")
    assert list(g) == [name for name, _ in model.named_parameters()]
    assert g["W2[1,0]"] == ds[2][1] * as_[1][0]
    assert g["W1[0,2]"] == ds[1][0] * x[2]
    assert g["b1[1]"] == ds[1][1]


# ---- compare: the table -------------------------------------------------------------------------


def test_compare_agrees_and_prints_an_aligned_table():
    model = model_with_biases(2, [3, 2], "tanh", "linear", seed=7)
    table = compare(model, [0.5, -0.25], [1.0, -1.0], "sse")
    assert isinstance(table, list) and isinstance(table, Table)
    assert [r.name for r in table] == [n for n, _ in model.named_parameters()]
    assert table.max_abs_diff == max(r.diff for r in table) <= 1e-12
    lines = str(table).splitlines()
    assert lines[0].split()[0] == "parameter" and "autograd" in lines[0]
    body = lines[2:-1]
    assert len(body) == len(table)
    ends = {len(line) for line in body}
    assert len(ends) == 1  # right-aligned numbers end in the same column
    assert lines[-1].startswith("max |diff| = ")
    html = table._repr_html_()
    assert html.startswith("<table>") and html.count("<tr>") == len(table) + 1
    assert "<code>W1[0,0]</code>" in html


def test_table_escapes_html():
    from nn.notes.backprop import Row

    table = Table([Row("<b>&", 1.0, 1.0, 0.0)])
    assert "&lt;b&gt;&amp;" in table._repr_html_()
    assert Table().max_abs_diff == 0.0


def test_compare_leaves_grads_and_the_last_call_as_they_were():
    model = model_with_biases(2, [3, 1], "tanh", "linear", seed=9)
    model([1.0, 2.0])
    z_before = [list(layer.z) for layer in model.layers]
    for k, p in enumerate(model.parameters()):
        p.grad = 0.5 + k
    compare(model, [0.3, -0.2], [0.7], "sse")
    assert [p.grad for p in model.parameters()] == [0.5 + k for k in range(len(model.parameters()))]
    for layer, zs in zip(model.layers, z_before, strict=True):
        assert all(a is b for a, b in zip(layer.z, zs, strict=True))


def test_the_manual_side_never_touches_the_engine(monkeypatch):
    """manual_gradients reads floats: no backward, no grad, no Value arithmetic."""
    model = model_with_biases(2, [3, 2], "sigmoid", "sigmoid", seed=10)
    expected = autograd_gradients(model, [0.4, 0.1], [1.0, 0.0], "binary_cross_entropy")

    def forbidden(*args, **kwargs):
        raise AssertionError("the manual side used the engine")

    for name in ("backward", "__add__", "__radd__", "__mul__", "__rmul__", "__sub__", "exp"):
        monkeypatch.setattr(Value, name, forbidden)
    monkeypatch.setattr(autograd, "grad", forbidden)
    got = manual_gradients(model, [0.4, 0.1], [1.0, 0.0], "binary_cross_entropy")
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_batches_sum_the_per_example_gradients():
    """004-10: ∂E/∂w = Σ_n ∂E_n/∂w."""
    model = model_with_biases(2, [3, 2], "relu", "linear", seed=11)
    X = [[0.3, -0.8], [1.2, 0.4], [-0.5, 0.9]]
    T = [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]
    batch = manual_gradients(model, X, T, "mse")
    per = [manual_gradients(model, x, t, "mse") for x, t in zip(X, T, strict=True)]
    for name, g in batch.items():
        assert g == pytest.approx(math.fsum(p[name] for p in per), rel=1e-12, abs=1e-15)
    assert_table_agrees(compare(model, X, T, "mse"))
    assert len(deltas(model, X, T, "mse")) == 3


def test_loss_given_as_a_function_of_nn_losses():
    model = model_with_biases(2, [2, 3], "tanh", "linear", seed=12)
    assert loss_name(losses.cross_entropy) == "cross_entropy"
    assert_table_agrees(compare(model, [0.1, 0.2], 2, losses.cross_entropy))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: compare(m, [0.1, 0.2], [0.0], "nope"), "unknown loss 'nope'"),
        (lambda m: compare(m, [0.1, 0.2], [0.0], lambda p, t: p[0]), "not a loss of nn.losses"),
        (lambda m: manual_gradients(m, [0.1], [0.0], "sse"), "1 values, the model takes 2"),
        (lambda m: manual_gradients(m, [0.1, 0.2], [0.0, 1.0], "sse"), "2 targets for 1 outputs"),
        (lambda m: manual_gradients(m, [[0.1, 0.2]] * 2, [[0.0]], "sse"), "needs 2 targets"),
        (lambda m: manual_gradients(m, [0.1, 0.2], [0.5], "hinge"), "-1 or \\+1"),
        (lambda m: manual_gradients(m, [0.1, 0.2], 3, "cross_entropy"), "outside 0..0"),
    ],
)
def test_bad_inputs_raise_value_errors_that_say_what(call, message):
    model = model_with_biases(2, [2, 1], "tanh", "linear", seed=13)
    with pytest.raises(ValueError, match=message):
        call(model)


def test_binary_cross_entropy_needs_probabilities():
    model = model_with_biases(2, [2, 1], "tanh", "linear", seed=13)
    model.layers[-1].b[0].data = 5.0  # a linear output far above 1
    with pytest.raises(ValueError, match=r"outside \(0, 1\).*sigmoid"):
        manual_gradients(model, [0.1, 0.2], [0.5], "binary_cross_entropy")


@pytest.mark.parametrize("output", [*UNITS, "softmax"])
@pytest.mark.parametrize("loss", ["sse", "mse"])
def test_every_output_activation_with_squares(output, loss):
    rng = random.Random(14)
    for seed in range(3):
        model = model_with_biases(2, [3, 3], rng.choice(UNITS), output, seed)
        t = [rng.uniform(-1, 1) for _ in range(3)]
        assert_table_agrees(compare(model, [rng.uniform(-2, 2) for _ in range(2)], t, loss))


def test_pairs_cover_every_loss():
    assert {p.loss for p in PAIRS} == set(losses.LOSSES) == set(LOSS_GRADS)
    assert {o for o, _ in MATCHING} <= {p.output for p in PAIRS}


# ---- the property: every activation and output/loss pair, any depth and width ------------------


@st.composite
def problems(draw):
    pair = draw(st.sampled_from(PAIRS))
    hidden = draw(st.sampled_from(UNITS))
    nin = draw(st.integers(1, 3))
    widths = draw(st.lists(st.integers(1, 4), min_size=0, max_size=3))
    k = draw(st.integers(2 if pair.targets in ("index", "onehot") else 1, 3))
    seed = draw(st.integers(0, 10_000))
    n = draw(st.integers(1, 3))
    rng = random.Random(seed)
    xs = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n)]
    ts = [targets_for(pair.targets, k, rng) for _ in range(n)]
    model = model_with_biases(nin, [*widths, k], hidden, pair.output, seed)
    if n == 1:
        return model, xs[0], ts[0], pair.loss
    return model, xs, ts, pair.loss


@settings(max_examples=150, deadline=None)
@given(problems())
def test_compare_agrees_with_autograd_on_random_mlps(problem):
    model, x, t, loss = problem
    table = compare(model, x, t, loss)
    assert len(table) == len(model.parameters())
    assert_table_agrees(table)
