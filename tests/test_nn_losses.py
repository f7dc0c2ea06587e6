"""Losses against their closed forms and gradcheck, and the matching-pair δ rules (004-8)."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
from autograd import Value
from nn import losses


def sigmoid(s):
    return 1 / (1 + math.exp(-s))


def softmax(z):
    m = max(z)
    e = [math.exp(v - m) for v in z]
    return [v / math.fsum(e) for v in e]


# name → (closed form on floats, strategy for one example's (predictions, target))
scores = st.floats(-3, 3)
probs = st.floats(0.02, 0.98)
labels01 = st.sampled_from([0.0, 1.0])
CLOSED = {
    "sse": lambda y, t: 0.5 * sum((a - b) ** 2 for a, b in zip(y, t, strict=True)),
    "mse": lambda y, t: sum((a - b) ** 2 for a, b in zip(y, t, strict=True)) / len(y),
    "binary_cross_entropy": lambda y, t: (
        -sum(b * math.log(a) + (1 - b) * math.log(1 - a) for a, b in zip(y, t, strict=True))
    ),
    "binary_cross_entropy_with_logits": lambda s, t: (
        -sum(
            b * math.log(sigmoid(a)) + (1 - b) * math.log(1 - sigmoid(a))
            for a, b in zip(s, t, strict=True)
        )
    ),
    "cross_entropy": lambda z, c: -math.log(softmax(z)[c]),
    "hinge": lambda s, t: sum(max(0.0, 1 - b * a) for a, b in zip(s, t, strict=True)) / len(s),
}


@st.composite
def example(draw, name):
    k = draw(st.integers(1, 4))
    if name == "cross_entropy":
        return draw(st.lists(scores, min_size=k, max_size=k)), draw(st.integers(0, k - 1))
    preds = probs if name == "binary_cross_entropy" else scores
    ys = draw(st.lists(preds, min_size=k, max_size=k))
    if name in ("sse", "mse"):
        ts = draw(st.lists(scores, min_size=k, max_size=k))
    elif name == "hinge":
        ts = draw(st.lists(st.sampled_from([-1.0, 1.0]), min_size=k, max_size=k))
        ys = [y if abs(1 - t * y) > 1e-3 else y + 0.01 for y, t in zip(ys, ts, strict=True)]
    else:
        ts = draw(st.lists(st.one_of(labels01, st.floats(0, 1)), min_size=k, max_size=k))
    return ys, ts


def test_the_table_lists_every_loss():
    assert sorted(losses.LOSSES) == sorted(CLOSED)
    assert losses.get("hinge") is losses.hinge
    f = lambda y, t: y[0]  # noqa: E731
    assert losses.get(f) is f
    with pytest.raises(ValueError, match="cross_entropy"):
        losses.get("l1")


@pytest.mark.parametrize("name", sorted(CLOSED))
@given(data=st.data())
def test_loss_equals_its_closed_form_and_passes_gradcheck(name, data):
    ys, t = data.draw(example(name))
    fn = losses.LOSSES[name]
    out = fn([Value(y) for y in ys], t)
    assert isinstance(out, Value)
    assert out.data == pytest.approx(CLOSED[name](ys, t), rel=1e-9, abs=1e-12)
    assert autograd.gradcheck(lambda *v: fn(list(v), t), ys, atol=1e-5)


@pytest.mark.parametrize(
    ("name", "root_ops"),
    [
        ("sse", ["*0.5", "sum"]),
        ("mse", ["mean"]),
        ("binary_cross_entropy", ["wsum"]),
        ("binary_cross_entropy_with_logits", ["wsum"]),
        ("hinge", ["mean"]),
    ],
)
def test_losses_reduce_in_one_n_ary_node(name, root_ops):
    ys = [Value(0.3), Value(0.6), Value(0.2)]
    t = [1.0, -1.0, 1.0] if name == "hinge" else [1.0, 0.0, 1.0]
    node = losses.LOSSES[name](ys, t)
    for op in root_ops:
        assert node.op == op
        last = node
        node = node.parents[0]
    assert len(last.parents) >= 3  # one parent per output, not a chain of binary adds


def test_cross_entropy_is_logsumexp_minus_the_target_logit():
    z = [Value(1.0), Value(2.0), Value(0.5)]
    out = losses.cross_entropy(z, 1)
    assert out.op == "-" and out.parents[0].op == "logsumexp" and out.parents[1] is z[1]
    soft = losses.cross_entropy(z, [0.0, 1.0, 0.0])
    assert soft.data == pytest.approx(out.data, rel=1e-12)
    mixed = losses.cross_entropy(z, [0.25, 0.5, 0.25])
    expected = -sum(
        t * math.log(p) for t, p in zip([0.25, 0.5, 0.25], softmax([1, 2, 0.5]), strict=True)
    )
    assert mixed.data == pytest.approx(expected)


def test_scalar_prediction_and_target_are_a_list_of_one():
    assert losses.sse(Value(3.0), 1.0).data == 2.0
    assert losses.hinge([Value(0.5)], [1]).data == 0.5


@pytest.mark.parametrize("t", [0.0, 1.0])
@pytest.mark.parametrize("s", [-1000.0, -40.0, 0.0, 40.0, 1000.0])
def test_bce_with_logits_is_stable_for_large_logits(s, t):
    v = Value(s)
    out = losses.binary_cross_entropy_with_logits([v], [t])
    # softplus(s) − t·s, exactly: max(s, 0) − t·s + ln(1 + e^{−|s|})
    assert out.data == pytest.approx(max(s, 0) - t * s + math.log1p(math.exp(-abs(s))), abs=1e-12)
    out.backward()
    assert v.grad == pytest.approx(sigmoid(s) - t if abs(s) < 700 else float(s > 0) - t, abs=1e-12)


def test_cross_entropy_is_stable_for_large_logits():
    z = [Value(1000.0), Value(-1000.0), Value(0.0)]
    out = losses.cross_entropy(z, 1)
    assert out.data == pytest.approx(2000.0)
    out.backward()
    assert [v.grad for v in z] == pytest.approx([1.0, -1.0, 0.0])


# ---- δ = y − t at the output pre-activations for the matching pairs (the notes' 004-8) -------


def deltas_at_the_output(model, x, loss, t):
    y = model(x)
    loss(y, t).backward()
    return [z.grad for z in model.layers[-1].z], [a.data for a in y]


@given(seed=st.integers(0, 10**6), t=st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_identity_and_sse_give_y_minus_t(seed, t):
    model = nn.MLP(2, [4, 3], output_activation="linear", seed=seed)
    delta, y = deltas_at_the_output(model, [0.5, -0.3], losses.sse, t)
    assert delta == pytest.approx([a - b for a, b in zip(y, t, strict=True)], abs=1e-12)


@given(seed=st.integers(0, 10**6), t=st.lists(labels01, min_size=3, max_size=3))
def test_sigmoid_and_bce_give_a_minus_y(seed, t):
    model = nn.MLP(2, [4, 3], output_activation="sigmoid", seed=seed)
    delta, a = deltas_at_the_output(model, [0.5, -0.3], losses.binary_cross_entropy, t)
    assert delta == pytest.approx([ai - ti for ai, ti in zip(a, t, strict=True)], abs=1e-12)


@given(seed=st.integers(0, 10**6), c=st.integers(0, 3))
def test_softmax_and_cross_entropy_give_y_minus_t(seed, c):
    onehot = [1.0 if k == c else 0.0 for k in range(4)]
    model = nn.MLP(2, [4, 4], output_activation="softmax", seed=seed)
    delta, y = deltas_at_the_output(model, [0.5, -0.3], losses.cross_entropy, c)
    # the loss ran through the softmax nodes: −ln y_c
    assert delta == pytest.approx([a - b for a, b in zip(y, onehot, strict=True)], abs=1e-12)
    # on logits (linear output) the same δ = softmax(z) − t
    model = nn.MLP(2, [4, 4], output_activation="linear", seed=seed)
    delta, z = deltas_at_the_output(model, [0.5, -0.3], losses.cross_entropy, c)
    assert delta == pytest.approx(
        [a - b for a, b in zip(softmax(z), onehot, strict=True)], abs=1e-12
    )


def test_cross_entropy_on_softmax_outputs_builds_minus_log_y():
    y = autograd.softmax([Value(0.1), Value(0.7), Value(-0.4)])
    out = losses.cross_entropy(y, 2)
    assert out.op == "wsum" and out.parents[0].op == "log" and out.parents[0].parents[0] is y[2]
    assert out.data == pytest.approx(-math.log(y[2].data))
    # when y_c underflows to 0 the log-sum-exp form on the softmax's inputs takes over
    y = autograd.softmax([Value(0.0), Value(-1000.0)])
    assert y[1].data == 0.0
    assert losses.cross_entropy(y, 1).data == pytest.approx(1000.0)


def test_bce_with_logits_gives_sigmoid_minus_t():
    model = nn.MLP(2, [3, 2], seed=3)
    delta, z = deltas_at_the_output(
        model, [1.0, 2.0], losses.binary_cross_entropy_with_logits, [1.0, 0.0]
    )
    assert delta == pytest.approx([sigmoid(z[0]) - 1.0, sigmoid(z[1])], abs=1e-12)


# ---- bad targets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["sse", "mse", "binary_cross_entropy", "binary_cross_entropy_with_logits", "hinge"]
)
def test_wrong_number_of_targets_names_the_lengths(name):
    ys = [Value(0.5), Value(0.5)]
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        losses.LOSSES[name](ys, [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        losses.LOSSES[name](ys, 1.0)
    with pytest.raises(ValueError, match="target"):
        losses.LOSSES[name](ys, ["a", 1.0])
    with pytest.raises(ValueError, match="targets"):
        losses.LOSSES[name](ys, "ab")
    with pytest.raises(ValueError, match="0 predictions"):
        losses.LOSSES[name]([], [])


@pytest.mark.parametrize(
    ("fn", "preds", "target", "match"),
    [
        (losses.hinge, [0.5], [0.0], "-1 or \\+1"),
        (losses.binary_cross_entropy, [0.5], [2.0], "outside"),
        (losses.binary_cross_entropy_with_logits, [0.5], [-1.0], "outside"),
        (losses.cross_entropy, [0.5, 0.1], 2, "outside 0..1"),
        (losses.cross_entropy, [0.5, 0.1], 1.0, "class index"),
        (losses.cross_entropy, [0.5, 0.1], [1.0, 0.0, 0.0], "2 predictions but 3 targets"),
        (losses.sse, [0.5], [Value(1.0)], "not a number"),
        (losses.sse, [0.5], [float("nan")], "not a number"),
    ],
)
def test_bad_targets_are_value_errors(fn, preds, target, match):
    with pytest.raises(ValueError, match=match):
        fn([Value(p) for p in preds], target)


def test_bce_of_a_certain_wrong_answer_names_the_log():
    with pytest.raises(ValueError, match="log"):
        losses.binary_cross_entropy([Value(0.0)], [1.0])
    assert losses.binary_cross_entropy([Value(1.0)], [1.0]).data == 0.0
