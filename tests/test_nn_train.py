"""fit: the micrograd moons demo, batch semantics, metrics, progress, and NaN guarding."""

import ast
import math
import time
from pathlib import Path

import pytest

import autograd
import nn
from nn import data, losses


def demo(seed: int = 0):
    X, y = data.make_moons(100, noise=0.1, seed=seed)
    y = [2 * t - 1 for t in y]  # hinge labels ±1
    model = nn.MLP(2, [16, 16, 1], activation="relu", init="uniform", seed=seed)
    # micrograd's demo: full batch, lr 1.0 − 0.9·k/100, a small L2 penalty (α = 1e-4 on Σθ²)
    opt = nn.SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / 100, weight_decay=2e-4)
    return model, X, y, opt


def test_moons_demo_reaches_full_training_accuracy_within_100_steps():
    model, X, y, opt = demo(seed=0)
    start = time.perf_counter()
    history = nn.fit(model, X, y, "hinge", opt, epochs=100, progress=False)
    seconds = time.perf_counter() - start
    print(f"moons demo: 100 full-batch steps in {seconds:.2f} s")
    assert opt.steps == 100
    assert len(history) == 100
    assert 1.0 in history["accuracy"]
    assert history["accuracy"].index(1.0) < 100
    assert nn.accuracy(model, X, y, "hinge") == 1.0
    assert history.loss[-1] < 0.05 < history.loss[0]


def test_one_full_batch_step_uses_the_mean_of_the_example_losses():
    X, y = data.make_regression_1d("square", n=8, seed=0)
    model = nn.MLP(1, [3, 1], seed=1)
    before = model.state_dict()
    # the gradient of C = (1/N) Σₙ Cₙ, by hand, on a copy of the model
    twin = nn.MLP(1, [3, 1], seed=1)
    autograd.mean([losses.sse(twin(x), t) for x, t in zip(X, y, strict=True)]).backward()
    expected = {n: before[n] - 0.1 * p.grad for n, p in twin.named_parameters()}
    history = nn.fit(model, X, y, "sse", nn.SGD(model.parameters(), 0.1), 1, progress=False)
    assert model.state_dict() == pytest.approx(expected, rel=1e-12)
    assert len(history) == 1


def test_epoch_loss_is_the_mean_before_each_step():
    X, y = data.make_regression_1d("sin", n=10, seed=2)
    model = nn.MLP(1, [2, 1], seed=0)
    with autograd.no_grad():
        first = sum(losses.sse(model(x), t).data for x, t in zip(X, y, strict=True)) / 10
    history = nn.fit(model, X, y, losses.sse, nn.SGD(model.parameters(), 0.01), 2, progress=False)
    assert history.loss[0] == pytest.approx(first, rel=1e-12)
    assert "accuracy" not in history.metrics  # regression targets: no accuracy


@pytest.mark.parametrize(("batch_size", "steps"), [(None, 3), (1, 60), (8, 9)])
def test_one_step_per_batch(batch_size, steps):
    X, y = data.make_moons(20, seed=0)
    model = nn.MLP(2, [4, 1], output_activation="sigmoid", seed=0)
    opt = nn.SGD(model.parameters(), 0.1)
    nn.fit(model, X, y, "binary_cross_entropy", opt, 3, batch_size=batch_size, progress=False)
    assert opt.steps == steps


def test_universal_approximation_of_x_squared_lowers_the_loss():
    """004-14: three tanh hidden units and a linear output fit x² on 50 points in [−1, 1]."""
    X, y = data.make_regression_1d("square", n=50, seed=0)
    model = nn.MLP(1, [3, 1], seed=0)
    history = nn.fit(model, X, y, "sse", nn.Adam(model.parameters(), 0.05), 150, progress=False)
    assert history.loss[-1] < 0.05 * history.loss[0]
    assert history.loss[-1] < 1e-3


def test_same_seed_same_training():
    X, y = data.make_spirals(30, classes=3, seed=0)
    runs = []
    for _ in range(2):
        model = nn.MLP(2, [5, 3], seed=0)
        h = nn.fit(model, X, y, "cross_entropy", nn.Adam(model.parameters(), 0.05), 3, 4, seed=9)
        runs.append((h.loss, h["accuracy"], model.state_dict()))
    assert runs[0] == runs[1]


# ---- accuracy ------------------------------------------------------------------------------


def constant_model(*outputs):
    return lambda x: [autograd.Value(v) for v in outputs]


@pytest.mark.parametrize(
    ("outputs", "y", "loss", "expected"),
    [
        ((0.6,), [1, 0, 1], "binary_cross_entropy", 2 / 3),  # sigmoid output: threshold 0.5
        ((0.4,), [1, 0, 1], "binary_cross_entropy", 1 / 3),
        ((0.4,), [1, 0, 1], "binary_cross_entropy_with_logits", 2 / 3),  # logit: threshold 0
        ((-0.2,), [1, -1, -1], "hinge", 2 / 3),  # sign for ±1 labels
        ((0.2,), [[1], [-1], [-1]], "sse", 1 / 3),  # ±1 labels, midpoint 0
        ((0.1, 0.7, 0.2), [1, 1, 2], "cross_entropy", 2 / 3),  # argmax of the outputs
        ((0.1, 0.7, 0.2), [[0, 1, 0], [1, 0, 0]], "cross_entropy", 1 / 2),  # one-hot targets
    ],
)
def test_accuracy_rules(outputs, y, loss, expected):
    model = constant_model(*outputs)
    X = [[0.0]] * len(y)
    assert nn.accuracy(model, X, y, loss) == pytest.approx(expected)


def test_accuracy_needs_labels():
    with pytest.raises(ValueError, match="not class labels"):
        nn.accuracy(constant_model(0.3), [[0.0], [1.0]], [0.25, 0.5], "sse")


# ---- history, progress, errors -------------------------------------------------------------


def test_history_reads_like_a_dict_and_a_record():
    X, y = data.make_moons(10, seed=0)
    model = nn.MLP(2, [3, 2], output_activation="softmax", seed=0)
    h = nn.fit(model, X, y, "cross_entropy", nn.SGD(model.parameters(), 0.5), 4, progress=False)
    assert len(h) == 4 and h.keys() == ["loss", "accuracy"]
    assert h["loss"] is h.loss and h["accuracy"] is h.metrics["accuracy"]
    assert all(0.0 <= a <= 1.0 for a in h["accuracy"])
    with pytest.raises(KeyError, match="loss, accuracy"):
        h["f1"]
    assert (
        len(
            nn.fit(model, X, y, "cross_entropy", nn.SGD(model.parameters(), 0.5), 0, progress=False)
        )
        == 0
    )


def test_progress_bar_shows_the_running_loss_and_false_is_silent(capsys):
    X, y = data.make_moons(10, seed=0)
    y = [2 * t - 1 for t in y]
    model = nn.MLP(2, [3, 1], seed=0)
    nn.fit(model, X, y, "hinge", nn.SGD(model.parameters(), 0.1), 3, progress=False)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    nn.fit(model, X, y, "hinge", nn.SGD(model.parameters(), 0.1), 3, progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "loss=" in err and "acc=" in err


def test_a_nan_loss_stops_training_naming_the_epoch():
    X, y = data.make_moons(12, seed=0)
    model = nn.MLP(2, [3, 1], output_activation="sigmoid", seed=0)
    calls = []
    snapshot = {}

    def bad_from_epoch_3(preds, t):
        calls.append(1)
        if len(calls) == 2 * 12 + 1:
            snapshot.update(model.state_dict())
        loss = losses.binary_cross_entropy(preds, t)
        return loss * math.nan if len(calls) > 2 * 12 else loss

    opt = nn.SGD(model.parameters(), 0.1)
    with pytest.raises(FloatingPointError, match="epoch 3"):
        nn.fit(model, X, y, bad_from_epoch_3, opt, 5, progress=False)
    assert opt.steps == 2
    assert model.state_dict() == snapshot  # the failing batch made no step
    assert all(math.isfinite(v) for v in snapshot.values())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": -1}, "epochs"),
        ({"epochs": 1.5}, "epochs"),
        ({"metrics": ("f1",)}, "unknown metric 'f1'; known: accuracy"),
        ({"loss": "l1"}, "unknown loss"),
        ({"y": [0, 1]}, "4 examples but y has 2"),
        ({"y": [[0, 1]] * 4}, "1 predictions but 2 targets"),
    ],
)
def test_bad_arguments(kwargs, match):
    X = [[0.0, 1.0]] * 4
    model = nn.MLP(2, [1], seed=0)
    args = {"X": X, "y": [0, 1, 0, 1], "loss": "sse", "epochs": 1, "progress": False}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        nn.fit(model, optimizer=nn.SGD(model.parameters(), 0.1), **args)


def test_a_loss_carries_how_its_output_becomes_a_label():
    """fit and accuracy read the threshold and label pair off the loss, not off a list in train."""

    def model(x):
        return [autograd.Value(0.3)]

    X, y = [[0.0], [1.0]], [1, 1]

    def plain(p, t):
        return losses.binary_cross_entropy_with_logits(p, t)

    assert nn.accuracy(model, X, y, plain) == 0.0  # a user's callable: midpoint 0.5
    on_logits = losses.classifies(threshold=0.0)(lambda p, t: plain(p, t))
    assert nn.accuracy(model, X, y, on_logits) == 1.0
    assert nn.accuracy(model, X, y, "binary_cross_entropy_with_logits") == 1.0
    assert losses.hinge.labels == (-1.0, 1.0) and losses.hinge.threshold == 0.0
    code = ast.parse(Path(nn.train.__file__).read_text(encoding="utf-8"))
    names = {n.attr for n in ast.walk(code) if isinstance(n, ast.Attribute)}
    names |= {n.id for n in ast.walk(code) if isinstance(n, ast.Name)}
    assert names.isdisjoint(losses.LOSSES)


@pytest.mark.parametrize(
    ("activation", "loss", "opt"),
    [("relu", "hinge", "sgd"), ("tanh", "mse", "adam"), ("sigmoid", "cross_entropy", "sgd")],
)
def test_fit_compiled_equals_fit_to_the_last_digit(activation, loss, opt) -> None:
    """compile=True replays the first epoch's graph as code: same losses, accuracy, weights."""
    X, labels = data.make_moons(20, noise=0.1, seed=3)
    if loss == "hinge":
        y = [2 * t - 1 for t in labels]
    elif loss == "mse":
        y = [float(t) for t in labels]
    else:
        y = list(labels)
    nout = 2 if loss == "cross_entropy" else 1
    runs = []
    for compiled in (False, True):
        model = nn.MLP(2, [5, nout], activation=activation, seed=7)
        params = model.parameters()
        optimizer = nn.SGD(params, lr=0.1) if opt == "sgd" else nn.Adam(params, lr=0.01)
        history = nn.fit(model, X, y, loss, optimizer, epochs=4, progress=False, compile=compiled)
        runs.append((history.loss, history.metrics, [p.data for p in params]))
    assert runs[0] == runs[1]


@pytest.mark.parametrize("target", ["index", "one-hot"])
def test_fit_compiled_with_softmax_outputs_and_cross_entropy(target) -> None:
    """The loss uses only y_target of the softmax outputs; the others are replayed beside it
    (compile=True failed: "extra[0] is not a node of this trace")."""
    X, labels = data.make_moons(20, noise=0.1, seed=3)
    y = list(labels) if target == "index" else [[1.0 - t, float(t)] for t in labels]
    runs = []
    for compiled in (False, True):
        model = nn.MLP(2, [5, 2], activation="tanh", output_activation="softmax", seed=7)
        optimizer = nn.SGD(model.parameters(), lr=0.1)
        history = nn.fit(
            model, X, y, "cross_entropy", optimizer, epochs=4, progress=False, compile=compiled
        )
        runs.append((history.loss, history.metrics, [p.data for p in model.parameters()]))
    assert runs[0] == runs[1]
    assert len(runs[0][1]["accuracy"]) == 4


def test_fit_compile_needs_the_full_batch() -> None:
    model = nn.MLP(1, [1], seed=0)
    with pytest.raises(ValueError, match=r"needs the full batch \(batch_size=None\)"):
        nn.fit(
            model,
            [[0.0]],
            [0.0],
            "mse",
            nn.SGD(model.parameters(), lr=0.1),
            1,
            batch_size=1,
            progress=False,
            compile=True,
        )
