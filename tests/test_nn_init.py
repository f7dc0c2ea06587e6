"""Initialisers, and the notes' variance claims 001-7 and 001-8 measured over many seeds."""

import functools
import math
import random
import statistics

import pytest

import autograd
import nn
from nn import init

# name → σ² of one weight for a layer with n_in inputs and n_out units
VARIANCE = {
    "xavier_normal": lambda n_in, n_out: 2 / (n_in + n_out),
    "xavier_uniform": lambda n_in, n_out: 2 / (n_in + n_out),
    "he_normal": lambda n_in, n_out: 2 / n_in,
    "uniform": lambda n_in, n_out: 1 / 3,  # U(−1, 1)
    "normal": lambda n_in, n_out: 1.0,
    "zeros": lambda n_in, n_out: 0.0,
}


def test_the_table_and_lookup():
    assert sorted(init.INITIALISERS) == sorted(VARIANCE)
    assert init.get("he_normal") is init.he_normal
    f = functools.partial(init.normal, std=0.1)
    assert init.get(f) is f
    with pytest.raises(ValueError, match="xavier_normal") as e:
        init.get("glorot")
    assert "glorot" in str(e.value)
    with pytest.raises(ValueError, match="he_normal"):
        nn.MLP(2, [3], init="kaiming")


@pytest.mark.parametrize("name", sorted(VARIANCE))
def test_weight_variance_matches_the_formula(name):
    rng = random.Random(0)
    ws = [init.INITIALISERS[name](20, 30, rng) for _ in range(20000)]
    expected = VARIANCE[name](20, 30)
    assert statistics.fmean(ws) == pytest.approx(0.0, abs=0.02)
    assert statistics.pvariance(ws) == pytest.approx(expected, rel=0.05, abs=1e-12)


def test_uniform_limits():
    rng = random.Random(1)
    limit = math.sqrt(6 / (20 + 30))
    assert all(abs(init.xavier_uniform(20, 30, rng)) <= limit for _ in range(2000))
    assert all(-1 <= init.uniform(5, 5, rng) <= 1 for _ in range(2000))
    assert all(2 <= init.uniform(5, 5, rng, a=2, b=3) <= 3 for _ in range(200))
    assert statistics.pstdev([init.normal(1, 1, rng, std=0.1) for _ in range(5000)]) == (
        pytest.approx(0.1, rel=0.05)
    )


@pytest.mark.parametrize(
    ("name", "n_in", "n_out"),
    [("xavier_normal", 20, 30), ("xavier_uniform", 20, 30), ("he_normal", 20, 30)],
)
def test_pre_activation_variance_is_n_in_sigma_squared(name, n_in, n_out):
    """001-7: x ~ N(0, 1), w ~ (0, σ²) ⇒ Var z = n_in σ²; Xavier σ² = 2/(n_in + n_out) (001-8)."""
    data = random.Random(12345)
    zs = []
    for seed in range(300):
        layer = nn.Layer(n_in, n_out, activation="linear", init=name, rng=random.Random(seed))
        x = [data.gauss(0.0, 1.0) for _ in range(n_in)]
        with autograd.no_grad():
            zs += [z.data for z in layer(x)]
    expected = n_in * VARIANCE[name](n_in, n_out)
    assert statistics.fmean(zs) == pytest.approx(0.0, abs=0.05 * math.sqrt(expected))
    assert statistics.pvariance(zs) == pytest.approx(expected, rel=0.10)


def test_backward_variance_is_n_out_sigma_squared():
    """001-8's backward half: with upstream δᵢ ~ N(0, 1), Var ∂L/∂xⱼ = Var Σᵢ Wᵢⱼδᵢ = n_out σ²."""
    n_in, n_out = 30, 20
    data = random.Random(54321)
    grads = []
    for seed in range(300):
        layer = nn.Layer(n_in, n_out, activation="linear", rng=random.Random(seed))
        x = [autograd.Value(data.gauss(0.0, 1.0)) for _ in range(n_in)]
        delta = [data.gauss(0.0, 1.0) for _ in range(n_out)]
        grads += autograd.grad(autograd.dot(delta, layer(x)), x)
    expected = n_out * VARIANCE["xavier_normal"](n_in, n_out)
    assert statistics.pvariance(grads) == pytest.approx(expected, rel=0.10)


@pytest.mark.parametrize("name", sorted(VARIANCE))
def test_models_use_the_named_initialiser_and_zero_biases(name):
    model = nn.MLP(3, [4, 2], init=name, seed=0)
    for layer in model.layers:
        assert all(b.data == 0.0 for b in layer.b)
    reference = random.Random(0)
    first = [init.INITIALISERS[name](3, 4, reference) for _ in range(12)]
    assert [w.data for row in model.layers[0].W for w in row] == first
    if name == "zeros":
        assert all(p.data == 0.0 for p in model.parameters())


def test_a_custom_initialiser_callable():
    model = nn.MLP(2, [3], init=lambda n_in, n_out, rng: 0.25, seed=0)
    assert all(w.data == 0.25 for row in model.layers[0].W for w in row)
