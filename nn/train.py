"""`fit`: the training loop (forward, loss, backward, step) with a tqdm progress bar.

Each optimiser step uses one batch: the batch loss is the MEAN of the per-example losses
`loss(model(x), t)`, so ∂C/∂θ = (1/B) Σₙ ∂Cₙ/∂θ (the notes' batch sum, scaled by 1/B so the
learning rate does not depend on the batch size). A target t is whatever the loss takes for one
example: a number for a one-output model, a list for several outputs, a class index for
`cross_entropy`. Regularisation belongs to the optimiser (`SGD(..., weight_decay=λ)`).

Accuracy, the one metric, is measured on the predictions made during the epoch (before each
step, as micrograd's demo reports it) and only for classification targets:
- several outputs: the predicted class is argmax of the outputs; the target is a class index
  or a one-hot (probability) list, whose argmax is the class;
- one output with labels in {0, 1} or {−1, +1}: the prediction is the upper label when the
  output exceeds a threshold, which the loss carries (`nn.losses.classifies`: 0 for losses on
  scores or logits), else the midpoint of the labels (0.5 after a sigmoid).
For other targets (regression) accuracy is left out of the history. `accuracy()` evaluates a
trained model with the same rule.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import autograd
from autograd import Value
from autograd.arguments import known_name, positive_int
from autograd.value import as_float

from . import losses as _losses
from .data import batches
from .optim import Optimizer

Judge = Callable[[list[Value], object], bool]
METRICS = ("accuracy",)


@dataclass
class History:
    """Per-epoch records: `loss` (mean training loss) and `metrics` (name → list)."""

    loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)

    def __getitem__(self, key: str) -> list[float]:
        if key == "loss":
            return self.loss
        if key in self.metrics:
            return self.metrics[key]
        raise KeyError(f"{key!r}: this history holds {', '.join(self.keys())}")

    def keys(self) -> list[str]:
        return ["loss", *self.metrics]

    def __len__(self) -> int:
        """The number of epochs completed."""
        return len(self.loss)


def _argmax(xs: Sequence[float]) -> int:
    return max(range(len(xs)), key=lambda k: xs[k])


def _one_hot_like(t: object) -> bool:
    if isinstance(t, (str, bytes)) or not isinstance(t, Sequence) or len(t) < 2:
        return False
    fs = [as_float(v) for v in t]
    return all(f is not None and 0.0 <= f <= 1.0 for f in fs) and abs(math.fsum(fs) - 1) < 1e-9


def _scalar(t: object) -> float | None:
    if isinstance(t, Sequence) and not isinstance(t, (str, bytes)) and len(t) == 1:
        t = t[0]
    return None if isinstance(t, Value) else as_float(t)


def classifier(nout: int, y: Sequence, loss: Callable) -> Judge | None:
    """judge(preds, target) → whether the prediction is right, or None if y is not labels."""
    if nout > 1:
        if all(isinstance(t, int) and not isinstance(t, bool) for t in y):
            return lambda preds, t: _argmax([p.data for p in preds]) == t
        if all(_one_hot_like(t) for t in y):
            return lambda preds, t: _argmax([p.data for p in preds]) == _argmax(t)
        return None
    labels = {_scalar(t) for t in y}
    pair = getattr(loss, "labels", None)  # the loss's own label pair, when it has one
    if pair is not None and labels <= set(pair):
        lo, hi = pair
    elif labels <= {-1.0, 1.0} and -1.0 in labels:
        lo, hi = -1.0, 1.0
    elif labels <= {0.0, 1.0}:
        lo, hi = 0.0, 1.0
    else:
        return None
    threshold = getattr(loss, "threshold", None)
    if threshold is None:
        threshold = (lo + hi) / 2
    return lambda preds, t: (hi if preds[0].data > threshold else lo) == _scalar(t)


def accuracy(model: Callable, X: Sequence, y: Sequence, loss: str | Callable = "sse") -> float:
    """The fraction of examples classified right, by the rule in this module's docstring."""
    if len(X) != len(y) or not len(X):
        raise ValueError(f"X has {len(X)} examples and y {len(y)} targets; need equal, > 0")
    with autograd.no_grad():
        preds = [model(x) for x in X]
    judge = classifier(len(preds[0]), y, _losses.get(loss))
    if judge is None:
        raise ValueError("accuracy: the targets are not class labels (see nn.train)")
    return sum(judge(p, t) for p, t in zip(preds, y, strict=True)) / len(y)


def fit(
    model: Callable,
    X: Sequence,
    y: Sequence,
    loss: str | Callable,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    metrics: Sequence[str] = ("accuracy",),
    progress: bool = True,
    seed: int | None = None,
    compile: bool = False,
) -> History:
    """Train for `epochs` passes over (X, y): per batch C = mean loss, backward, optimizer.step().

    Returns the per-epoch History. A non-finite loss raises FloatingPointError naming the epoch
    and batch, before that batch's step, so the parameters stay finite.

    `compile=True` (full batch only) builds the graph once, compiles its evaluation trace to
    straight-line code (`autograd.Trace.compile`) and replays that with the current weights
    each epoch: the same losses, gradients and steps to the last digit, without building a
    graph. It holds for models whose graph does not depend on the weights' values through
    Python `if`s (nn.MLP and nn.Layer: relu, abs and leaky_relu branches are ops, kept in the
    code); a model that branches in Python on a value must train without it.
    """
    loss_fn = _losses.get(loss)
    measure = _check_fit(X, y, epochs, metrics, batch_size, compile)
    trainer = _Trainer(model, loss_fn, optimizer, compile)
    rng = random.Random(seed)
    history = History()
    with _progress_bar(epochs, progress) as bar:
        for epoch in range(1, epochs + 1):
            total, right = 0.0, 0
            shuffle = batch_size is not None
            for b, (Xb, yb) in enumerate(batches(X, y, batch_size, shuffle, rng), start=1):
                value, preds = trainer.step(Xb, yb, epoch, b)
                total += value * len(Xb)
                if measure:
                    right += trainer.right(preds, yb, y)
            accuracy = None if trainer.judge is None else right / len(X)
            _record(history, bar, total / len(X), accuracy)
    return history


def _check_fit(
    X: Sequence,
    y: Sequence,
    epochs: int,
    metrics: Sequence[str],
    batch_size: int | None,
    compile: bool,
) -> bool:
    """Refuse what `fit` cannot train on; whether accuracy is measured."""
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)} targets")
    if not len(X):
        raise ValueError("fit: no examples")
    positive_int("epochs", epochs, least=0)
    if isinstance(metrics, str):
        metrics = (metrics,)
    for m in metrics:
        known_name("metric", m, METRICS)
    if compile and batch_size is not None:
        raise ValueError(
            f"fit: compile=True replays one graph, so it needs the full batch (batch_size=None), "
            f"not batch_size={batch_size!r}"
        )
    return "accuracy" in metrics


@contextmanager
def _progress_bar(epochs: int, progress: bool) -> Iterator[Any]:
    """A tqdm bar of `epochs` steps (None without `progress`), closed however fit ends."""
    if not progress:
        yield None
        return
    from tqdm.auto import tqdm  # here: it takes longer to import than all of nn

    bar = tqdm(total=epochs, unit="epoch", desc="fit")
    try:
        yield bar
    finally:
        bar.close()


def _record(history: History, bar: Any, loss: float, accuracy: float | None) -> None:
    """One epoch's mean loss (and accuracy, when measured) into the history and the bar."""
    history.loss.append(loss)
    shown = {"loss": f"{loss:.4g}"}
    if accuracy is not None:
        history.metrics.setdefault("accuracy", []).append(accuracy)
        shown["acc"] = f"{accuracy:.1%}"
    if bar is not None:
        bar.set_postfix(shown, refresh=False)
        bar.update(1)


class _Trainer:
    """What one `fit` keeps between batches: the model, its loss and optimiser, the compiled
    graph once there is one, and how predictions are judged."""

    def __init__(
        self, model: Callable, loss_fn: Callable, optimizer: Optimizer, compile: bool
    ) -> None:
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.compile = compile
        self.replay: _Replay | None = None
        self.judge: Judge | None = None
        self.judged = False

    def step(self, Xb: Sequence, yb: Sequence, epoch: int, b: int) -> tuple[float, list]:
        """Forward, check the loss, backward, optimizer.step(): (the loss, the predictions)."""
        cost = None
        if self.replay is not None:
            value, preds = self.replay.run()
        else:
            preds = [self.model(x) for x in Xb]
            cost = autograd.mean([self.loss_fn(p, t) for p, t in zip(preds, yb, strict=True)])
            value = cost.data
        if not math.isfinite(value):
            raise FloatingPointError(
                f"fit: the loss is {value} in epoch {epoch} (batch {b}); "
                "try a smaller learning rate. The parameters are as before this batch."
            )
        self.optimizer.zero_grad()
        if cost is not None:
            cost.backward()
            if self.compile:  # this first graph is the one replayed from now on
                self.replay = _Replay(cost, preds)
        elif self.replay is not None:
            self.replay.add_grads()
        self.optimizer.step()
        return value, preds

    def right(self, preds: list, yb: Sequence, y: Sequence) -> int:
        """How many of the batch's predictions are right (the judge is chosen on the first)."""
        if not self.judged:
            self.judge = classifier(len(preds[0]), y, self.loss_fn)
            self.judged = True
        if self.judge is None:
            return 0
        return sum(self.judge(p, t) for p, t in zip(preds, yb, strict=True))


class _Replay:
    """A batch's graph compiled once (`Trace.compile`), run again with the leaves' new data.

    The predictions are outputs of the trace beside the loss, so the code computes them even
    where the loss does not use them (cross-entropy on softmax outputs uses only y_target).
    """

    def __init__(self, cost: Value, preds: list[list[Value]]) -> None:
        from autograd.traces import trace  # here: `import nn` loads the engine only

        self.shape = [len(p) for p in preds]
        outputs = [v for p in preds for v in p]
        self.fn = trace([cost, *outputs]).compile(extra=outputs, output=0)
        self.leaves = self.fn.inputs
        self.grads: list[float] = []

    def run(self) -> tuple[float, list[list[Value]]]:
        """The loss and the predictions (as leaves, for the accuracy) at the current weights."""
        value, self.grads, outs = self.fn(*[x.data for x in self.leaves])
        preds, k = [], 0
        for n in self.shape:
            preds.append([Value(v) for v in outs[k : k + n]])
            k += n
        return value, preds

    def add_grads(self) -> None:
        """Add the last run's gradient to every leaf's `.grad`, as backward() would."""
        for x, g in zip(self.leaves, self.grads):
            x.grad += g


__all__ = ["METRICS", "History", "accuracy", "classifier", "fit"]
