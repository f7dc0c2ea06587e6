"""Loss functions, each returning one Value built from a few n-ary nodes.

Every loss takes the predictions of ONE example as a flat list (a single Value or number is a
list of one) and its targets: a list of numbers of the same length, or a plain number when
there is one prediction. `cross_entropy` takes a class index instead. For a batch, average the
per-example losses (`nn.fit` does).

Matching pairs (the notes' 004-8): identity + `sse`, sigmoid + `binary_cross_entropy`, and
softmax + categorical cross-entropy all give δ = y − t at the output pre-activations; here the
last is `cross_entropy` on the logits, so ∂L/∂zₖ = softmax(z)ₖ − tₖ.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import autograd
from autograd import Value, ops
from autograd.arguments import lookup
from autograd.value import as_float, constant

Loss = Callable[..., Value]


def classifies(
    threshold: float | None = None, labels: tuple[float, float] | None = None
) -> Callable[[Loss], Loss]:
    """Say how `fit` and `accuracy` turn one output into a label, for a loss on one output.

    The prediction is the upper label when the output exceeds `threshold` (None: the midpoint
    of the labels, 0.5 after a sigmoid; 0 for a loss on scores or logits). `labels` is the pair
    the loss takes whenever the targets fit it (None: {−1, +1} if a target is −1, else {0, 1}).
    A loss without these marks, a user's function for one, follows the None rules.
    """

    def mark(loss: Loss) -> Loss:
        loss.threshold = threshold
        loss.labels = labels
        return loss

    return mark


def _preds(preds: object, who: str) -> list[Value]:
    if isinstance(preds, Value) or as_float(preds) is not None:
        return [constant(preds)]
    if isinstance(preds, (str, bytes)) or not isinstance(preds, Sequence):
        raise ValueError(f"{who}: predictions must be a list of Values, not {type(preds).__name__}")
    if not preds:
        raise ValueError(f"{who}: got 0 predictions")
    try:
        return [constant(p) for p in preds]
    except TypeError as e:
        raise ValueError(f"{who}: predictions must be Values or numbers ({e})") from None


def _targets(targets: object, n: int, who: str) -> list[float]:
    """The targets as floats, n of them; a plain number stands for [number]."""
    if isinstance(targets, Value):
        raise ValueError(f"{who}: targets must be plain numbers, not Values")
    single = as_float(targets)
    items = [targets] if single is not None else targets
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise ValueError(f"{who}: targets must be a list of numbers, not {type(targets).__name__}")
    if len(items) != n:
        raise ValueError(f"{who}: {n} predictions but {len(items)} targets")
    out = []
    for k, t in enumerate(items):
        f = None if isinstance(t, Value) else as_float(t)
        if f is None or math.isnan(f):
            raise ValueError(f"{who}: target {k} is {t!r}, not a number")
        out.append(f)
    return out


def _check_range(ts: list[float], lo: float, hi: float, who: str) -> None:
    for k, t in enumerate(ts):
        if not lo <= t <= hi:
            raise ValueError(f"{who}: target {k} = {t!r} is outside [{lo:g}, {hi:g}]")


def sse(preds: Sequence[Value], targets: Sequence[float] | float) -> Value:
    """L = ½ Σₖ (yₖ − tₖ)² (the notes' half sum of squares): ∂L/∂yₖ = yₖ − tₖ."""
    ys = _preds(preds, "sse")
    ts = _targets(targets, len(ys), "sse")
    return 0.5 * autograd.sum([(y - t) ** 2 for y, t in zip(ys, ts, strict=True)])


def mse(preds: Sequence[Value], targets: Sequence[float] | float) -> Value:
    """L = (1/K) Σₖ (yₖ − tₖ)²: ∂L/∂yₖ = 2(yₖ − tₖ)/K."""
    ys = _preds(preds, "mse")
    ts = _targets(targets, len(ys), "mse")
    return autograd.mean([(y - t) ** 2 for y, t in zip(ys, ts, strict=True)])


def binary_cross_entropy(probs: Sequence[Value], targets: Sequence[float] | float) -> Value:
    """L = −Σₖ [tₖ ln yₖ + (1 − tₖ) ln(1 − yₖ)], yₖ ∈ (0, 1): ∂L/∂yₖ = (yₖ − tₖ)/(yₖ(1 − yₖ)).

    After a sigmoid, ∂L/∂zₖ = yₖ − tₖ. Terms whose coefficient is 0 are left out, so a
    confident right answer (y = 1, t = 1) is fine; ln 0 is an error naming the operand.
    """
    ys = _preds(probs, "binary_cross_entropy")
    ts = _targets(targets, len(ys), "binary_cross_entropy")
    _check_range(ts, 0.0, 1.0, "binary_cross_entropy")
    coefs: list[float] = []
    logs: list[Value] = []
    for y, t in zip(ys, ts, strict=True):
        if t != 0.0:
            coefs.append(-t)
            logs.append(y.log())
        if t != 1.0:
            coefs.append(t - 1.0)
            logs.append((1.0 - y).log())
    return autograd.dot(coefs, logs)


@classifies(threshold=0.0)
def binary_cross_entropy_with_logits(
    logits: Sequence[Value], targets: Sequence[float] | float
) -> Value:
    """L = Σₖ [softplus(sₖ) − tₖsₖ] = BCE of σ(sₖ), stable for any sₖ: ∂L/∂sₖ = σ(sₖ) − tₖ."""
    ss = _preds(logits, "binary_cross_entropy_with_logits")
    ts = _targets(targets, len(ss), "binary_cross_entropy_with_logits")
    _check_range(ts, 0.0, 1.0, "binary_cross_entropy_with_logits")
    coefs: list[float] = []
    terms: list[Value] = []
    for s, t in zip(ss, ts, strict=True):
        coefs.append(1.0)
        terms.append(s.softplus())
        if t != 0.0:
            coefs.append(-t)
            terms.append(s)
    return autograd.dot(coefs, terms)


def _softmax_outputs(values: list[Value]) -> bool:
    """True when `values` are the outputs of one `autograd.softmax` call, in order."""
    first = values[0].parents
    return len(first) == len(values) and all(
        v.primitive is ops.SOFTMAX and v.param == k and v.parents == first
        for k, v in enumerate(values)
    )


def cross_entropy(logits: Sequence[Value], target: int | Sequence[float]) -> Value:
    """L = −ln softmax(z)_c = logsumexp(z) − z_c: ∂L/∂zₖ = softmax(z)ₖ − tₖ.

    `target` is the class index c, or a list of target probabilities tₖ (one-hot or soft), for
    which L = −Σₖ tₖ ln softmax(z)ₖ = (Σₖ tₖ)·logsumexp(z) − Σₖ tₖzₖ.

    Given the outputs y of `autograd.softmax` (an MLP with output_activation="softmax") instead
    of logits, L = −Σₖ tₖ ln yₖ is built on them (the notes' categorical cross-entropy), so
    backprop runs through the softmax and still gives δ = y − t at its inputs; should a needed
    yₖ underflow to 0, the log-sum-exp form on the softmax's inputs is used instead.
    """
    zs = _preds(logits, "cross_entropy")
    k = len(zs)
    if isinstance(target, int) and not isinstance(target, bool):
        if not 0 <= target < k:
            raise ValueError(
                f"cross_entropy: target index {target} is outside 0..{k - 1} ({k} logits)"
            )
        ts = [1.0 if j == target else 0.0 for j in range(k)]
    elif as_float(target) is not None:
        raise ValueError(
            f"cross_entropy: target must be a class index or {k} probabilities, not {target!r}"
        )
    else:
        ts = _targets(target, k, "cross_entropy")
        _check_range(ts, 0.0, math.inf, "cross_entropy")
    if _softmax_outputs(zs):
        used = [(t, y) for t, y in zip(ts, zs, strict=True) if t != 0.0]
        if all(y.data > 0.0 for _, y in used):
            return autograd.dot([-t for t, _ in used], [y.log() for _, y in used])
        zs = list(zs[0].parents)
    lse = autograd.logsumexp(zs)
    if isinstance(target, int):
        return lse - zs[target]
    coefs = [math.fsum(ts)] + [-t for t in ts]
    return autograd.dot(coefs, [lse, *zs])


@classifies(threshold=0.0, labels=(-1.0, 1.0))
def hinge(scores: Sequence[Value], targets: Sequence[float] | float) -> Value:
    """L = (1/K) Σₖ max(0, 1 − tₖsₖ) with tₖ = ±1 (micrograd's max-margin loss)."""
    ss = _preds(scores, "hinge")
    ts = _targets(targets, len(ss), "hinge")
    margins = []
    for k, (s, t) in enumerate(zip(ss, ts, strict=True)):
        if t == 1.0:
            margins.append((1.0 - s).relu())
        elif t == -1.0:
            margins.append((s + 1.0).relu())
        else:
            raise ValueError(
                f"hinge: target {k} = {t!r}; hinge targets are -1 or +1 (map 0/1 labels by 2t − 1)"
            )
    return autograd.mean(margins)


LOSSES: dict[str, Loss] = {
    "sse": sse,
    "mse": mse,
    "binary_cross_entropy": binary_cross_entropy,
    "binary_cross_entropy_with_logits": binary_cross_entropy_with_logits,
    "cross_entropy": cross_entropy,
    "hinge": hinge,
}


def get(loss: str | Loss) -> Loss:
    """The loss called `loss` (or `loss` itself if callable); ValueError lists the names."""
    return loss if callable(loss) else lookup("loss", loss, LOSSES)


__all__ = [
    "LOSSES",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "classifies",
    "cross_entropy",
    "get",
    "hinge",
    "mse",
    "sse",
]
