"""Neuron, Layer and MLP: the notes' z^l = W^l a^{l−1} + b^l, a^l = h(z^l), names and labels."""

import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
from autograd import Value
from nn.activations import ACTIVATIONS

UNITS = sorted(ACTIVATIONS)
OUTPUTS = [*UNITS, "softmax"]
# Inputs and pre-activations kept away from the kinks of relu and leaky_relu at 0.
away_from_0 = st.floats(-4, 4).filter(lambda z: abs(z) > 1e-3)


def float_forward(model: nn.MLP, x: list[float]) -> list[list[float]]:
    """a^l for every layer, in plain floats from W and b, with the float activations."""
    a = list(x)
    out = []
    for layer in model.layers:
        z = [
            math.fsum(w.data * aj for w, aj in zip(row, a, strict=True)) + b.data
            for row, b in zip(layer.W, layer.b, strict=True)
        ]
        if layer.activation == "softmax":
            m = max(z)
            e = [math.exp(v - m) for v in z]
            a = [v / sum(e) for v in e]
        else:
            a = [ACTIVATIONS[layer.activation].f(v) for v in z]
        out.append(a)
    return out


# ---- the activation table -------------------------------------------------------------------


@pytest.mark.parametrize("name", UNITS)
@given(z=away_from_0)
def test_activation_value_float_and_derivative_agree(name, z):
    act = ACTIVATIONS[name]
    v = Value(z)
    a = act.value(v)
    assert a.data == pytest.approx(act.f(z), rel=1e-12, abs=1e-12)
    (g,) = autograd.grad(a, [v]) if a is not v else (1.0,)
    assert g == pytest.approx(act.df(z), rel=1e-9, abs=1e-12)
    h = 1e-6
    assert act.df(z) == pytest.approx((act.f(z + h) - act.f(z - h)) / (2 * h), rel=1e-4, abs=1e-6)


def test_unknown_activation_lists_the_known_ones():
    with pytest.raises(ValueError, match="relu") as e:
        nn.Neuron(2, activation="swish")
    assert "tanh" in str(e.value) and "swish" in str(e.value)
    with pytest.raises(ValueError, match="output"):
        nn.MLP(2, [3, 1], activation="softmax")
    with pytest.raises(ValueError, match="output"):
        nn.Neuron(2, activation="softmax")


# ---- structure, names, labels ---------------------------------------------------------------


def test_parameter_names_follow_the_notes_and_are_the_labels():
    model = nn.MLP(3, [4, 2], seed=0)
    names = [n for n, _ in model.named_parameters()]
    expected = (
        [f"W1[{i},{j}]" for i in range(4) for j in range(3)]
        + [f"b1[{i}]" for i in range(4)]
        + [f"W2[{i},{j}]" for i in range(2) for j in range(4)]
        + [f"b2[{i}]" for i in range(2)]
    )
    assert names == expected
    assert all(p.label == n for n, p in model.named_parameters())
    assert len(model.parameters()) == 3 * 4 + 4 + 4 * 2 + 2
    assert len({id(p) for p in model.parameters()}) == len(names)


def test_W_rows_are_neurons_and_columns_inputs():
    model = nn.MLP(3, [4, 2], seed=1)
    layer = model.layers[1]
    assert (layer.nin, layer.nout) == (4, 2)
    assert len(layer.W) == 2 and all(len(row) == 4 for row in layer.W)
    for i, neuron in enumerate(layer.neurons):
        assert layer.W[i] is neuron.w
        assert layer.b[i] is neuron.b
        assert [w.label for w in layer.W[i]] == [f"W2[{i},{j}]" for j in range(4)]
    assert model.nin == 3 and model.nouts == [4, 2]
    assert [la.activation for la in model.layers] == ["tanh", "linear"]


def test_standalone_neuron_and_layer_names():
    n = nn.Neuron(2, rng=random.Random(0))
    assert [name for name, _ in n.named_parameters()] == ["w[0]", "w[1]", "b"]
    layer = nn.Layer(2, 2, rng=random.Random(0))
    assert [name for name, _ in layer.named_parameters()] == [
        "W[0,0]",
        "W[0,1]",
        "W[1,0]",
        "W[1,1]",
        "b[0]",
        "b[1]",
    ]


def test_pre_activation_is_one_dot_node_plus_the_bias():
    neuron = nn.Neuron(3, activation="tanh", rng=random.Random(0))
    x = [0.5, -1.0, 2.0]
    a = neuron(x)
    assert a.op == "tanh"
    (z,) = a.parents
    assert z.op == "+" and z.parents[1] is neuron.b
    wsum = z.parents[0]
    assert wsum.op == "wsum"
    assert list(wsum.parents) == neuron.w and list(wsum.local_grads) == x
    # with Value inputs the dot node keeps them, labels and all
    xs = [Value(v, f"x[{j}]") for j, v in enumerate(x)]
    dot = neuron(xs).parents[0].parents[0]
    assert dot.op == "dot" and list(dot.parents) == neuron.w + xs
    assert [p.label for p in dot.parents[3:]] == ["x[0]", "x[1]", "x[2]"]


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("hidden", UNITS)
def test_forward_matches_the_notes_formula(hidden, output):
    model = nn.MLP(3, [5, 4, 3], activation=hidden, output_activation=output, seed=7)
    x = [0.3, -0.7, 1.1]
    y = model(x)
    expected = float_forward(model, x)
    for layer, a in zip(model.layers, expected, strict=True):
        assert [v.data for v in layer.a] == pytest.approx(a, rel=1e-12, abs=1e-12)
        assert len(layer.z) == layer.nout
    assert y is model.layers[-1].a
    assert [v.data for v in y] == pytest.approx(expected[-1], rel=1e-12, abs=1e-12)
    if output == "softmax":
        assert math.fsum(v.data for v in y) == pytest.approx(1.0)
        assert [v.op for v in y] == ["softmax[0]", "softmax[1]", "softmax[2]"]
        assert all(list(v.parents) == model.layers[-1].z for v in y)


def test_one_output_is_still_a_list_and_linear_a_is_z():
    model = nn.MLP(2, [3, 1], seed=0)
    y = model([1.0, 2.0])
    assert isinstance(y, list) and len(y) == 1 and isinstance(y[0], Value)
    assert model.layers[-1].a[0] is model.layers[-1].z[0]


@given(
    x=st.lists(st.floats(-2, 2), min_size=2, max_size=2),
    seed=st.integers(0, 10**6),
)
def test_backprop_through_the_mlp_matches_numerical_gradients(x, seed):
    model = nn.MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", seed=seed)

    def f(*xs):
        return autograd.sum(model(list(xs)))

    assert autograd.gradcheck(f, x)


def test_wrong_inputs_are_errors_naming_the_lengths():
    model = nn.MLP(3, [2, 1], seed=0)
    with pytest.raises(ValueError, match=r"3 inputs, got 2"):
        model([1.0, 2.0])
    with pytest.raises(ValueError, match=r"3 inputs, got 4"):
        model.layers[0]([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(TypeError, match="list of 3 inputs"):
        model(1.0)
    with pytest.raises(TypeError):
        model(["a", "b", "c"])


@pytest.mark.parametrize(
    "args",
    [(0, [2]), (2, []), (2, [0]), (2, [2, -1]), (2.5, [2]), (2, "12"), (True, [2])],
)
def test_bad_architectures_are_value_errors(args):
    with pytest.raises(ValueError):
        nn.MLP(*args)


def test_seed_reproduces_the_weights_and_leaves_the_global_rng_alone():
    state = random.getstate()
    a = nn.MLP(2, [4, 1], seed=5).state_dict()
    assert random.getstate() == state
    assert nn.MLP(2, [4, 1], seed=5).state_dict() == a
    assert nn.MLP(2, [4, 1], seed=6).state_dict() != a
    assert nn.MLP(2, [4, 1]).state_dict() != nn.MLP(2, [4, 1]).state_dict()


def test_zero_grad_clears_every_parameter():
    model = nn.MLP(2, [3, 1], seed=0)
    model([1.0, -1.0])[0].backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())


def test_repr_names_the_architecture():
    assert repr(nn.MLP(2, [3, 1], seed=4)) == (
        "MLP(2, [3, 1], activation='tanh', output_activation='linear', "
        "init='xavier_normal', seed=4)"
    )
    assert repr(nn.Layer(2, 3, "relu")) == "Layer(2, 3, activation='relu')"


def test_every_z_and_a_is_labelled_as_in_the_notes_for_any_model():
    model = nn.MLP(2, [4, 4, 1], seed=3)
    model([0.5, -1.0])
    for l, layer in enumerate(model.layers, start=1):  # noqa: E741 - the notes' layer index
        for i in range(layer.nout):
            if layer.activation == "linear":  # a is z itself
                assert layer.a[i] is layer.z[i] and layer.a[i].label == f"a{l}[{i}] = z{l}[{i}]"
            else:
                assert (layer.z[i].label, layer.a[i].label) == (f"z{l}[{i}]", f"a{l}[{i}]")
    (a,) = nn.MLP(3, [2], output_activation="softmax", seed=1).layers[0]([1.0, 2.0, 3.0])[:1]
    assert a.label == "a1[0]"
    neuron = nn.Neuron(2, activation="sigmoid")
    a = neuron([1.0, 2.0])
    assert (a.label, a.parents[0].label) == ("a", "z")
    # the names are made once per layer, not per call
    layer = model.layers[0]
    layer([0.1, 0.2])
    first = layer.z[0].label
    layer([0.3, 0.4])
    assert layer.z[0].label is first
