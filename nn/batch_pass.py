"""One backward pass of an MLP over a batch, with every example's z^l and a^l kept.

`run(model, X, targets, loss)` builds C = Σ_n C_n (004-10; for one example C is C_1 itself)
from Values — the inputs too, so that ∂C/∂X exists — and calls `C.backward()` once. The matrix
view (`nn.matrix_view`) and the notes' matrix identities (`nn.notes.matrix_identities`) read
their numbers from these nodes: `.data` and `.grad` of W^l, b^l, z^l, a^l and X.

The layout is the notes' (001, 003): z^l and a^l are column vectors, so for a batch of N
examples Z^l = [z^l_1 … z^l_N] has one column per example, W^l one row per unit, and
dC/dW^l = Δ^l (A^{l−1})ᵀ sums over the examples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import autograd
from autograd import Value

from . import losses as _losses
from .layers import MLP


def superscript(n: int) -> str:
    """`n` as superscript digits: the notes' layer index (W², a⁰)."""
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def loss_name(loss: str | Callable) -> str:
    """The name under which `nn.losses.LOSSES` holds `loss` (given as a name or a function)."""
    if isinstance(loss, str) and loss in _losses.LOSSES:
        return loss
    for name, fn in _losses.LOSSES.items():
        if fn is loss:
            return name
    known = ", ".join(_losses.LOSSES)
    raise ValueError(f"loss must be one of nn.losses' {known}, not {loss!r}")


@dataclass
class BatchPass:
    """The nodes of one forward and backward pass: `z[l][n][i]`, `a[l][n][i]` (l = 1..L, with
    a[0] = X the inputs and z[0] empty), the per-example losses C_n and their sum C."""

    model: MLP
    X: list[list[Value]]
    targets: list[Any]
    loss: str
    z: list[list[list[Value]]]
    a: list[list[list[Value]]]
    losses: list[Value]
    C: Value

    @property
    def L(self) -> int:
        """The number of layers."""
        return len(self.model.layers)

    @property
    def N(self) -> int:
        """The number of examples."""
        return len(self.X)

    def W(self, l: int) -> list[list[Value]]:  # noqa: E741 - the notes' layer index
        """W^l as rows of Values (row i: unit i's weights)."""
        return self.model.layers[l - 1].W

    def b(self, l: int) -> list[Value]:  # noqa: E741
        """b^l, one Value per unit."""
        return self.model.layers[l - 1].b

    def activation(self, l: int) -> str:  # noqa: E741
        """The activation of layer l ("linear", "tanh", …, "softmax")."""
        return self.model.layers[l - 1].activation

    def columns(self, nodes: list[list[Value]], what: str = "data") -> list[list[float]]:
        """Per-example lists `nodes[n][i]` as a matrix with one column per example: rows i."""
        return [
            [getattr(nodes[n][i], what) for n in range(len(nodes))] for i in range(len(nodes[0]))
        ]

    def __repr__(self) -> str:
        sizes = [len(self.X[0]), *(layer.nout for layer in self.model.layers)]
        return (
            f"<BatchPass: {self.N} example(s), sizes {sizes}, loss {self.loss}, "
            f"C = {self.C.data:.6g}>"
        )


def _examples(X: Sequence[Any], nin: int) -> list[list[float]]:
    """X as a list of examples of `nin` numbers each; one example may be given as a flat list."""
    if isinstance(X, (str, bytes)) or not isinstance(X, Sequence) or not X:
        raise ValueError(f"X must be one example (a list of {nin} numbers) or a list of examples")
    batch = isinstance(X[0], Sequence) and not isinstance(X[0], (str, bytes))
    rows = list(X) if batch else [X]
    out = []
    for n, row in enumerate(rows):
        if not isinstance(row, Sequence) or len(row) != nin:
            raise ValueError(f"example {n} of X must be {nin} numbers, got {row!r}")
        try:
            out.append([float(v.data if isinstance(v, Value) else v) for v in row])
        except (TypeError, ValueError):
            raise ValueError(f"example {n} of X must be {nin} numbers, got {row!r}") from None
    return out


def run(model: MLP, X: Sequence[Any], targets: Any, loss: str | Callable = "sse") -> BatchPass:
    """C = Σ_n loss(model(x_n), t_n) built from Values and backpropagated once (the model's
    gradients are zeroed first); one example may be given as a flat list with its target."""
    if not isinstance(model, MLP):
        raise TypeError(f"run takes an nn.MLP, not {type(model).__name__}")
    name = loss_name(loss)
    fn = _losses.LOSSES[name]
    rows = _examples(X, model.nin)
    batch = len(rows) > 1 or (isinstance(X[0], Sequence) and not isinstance(X[0], (str, bytes)))
    ts = list(targets) if batch else [targets]
    if len(ts) != len(rows):
        raise ValueError(f"{len(rows)} examples need {len(rows)} targets, got {len(ts)}")
    model.zero_grad()
    N = len(rows)
    suffix = [f" (n={n})" if N > 1 else "" for n in range(N)]
    xs = [
        [Value(v, label=f"x[{j}]{suffix[n]}") for j, v in enumerate(row)]
        for n, row in enumerate(rows)
    ]
    z: list[list[list[Value]]] = [[] for _ in range(len(model.layers) + 1)]
    a: list[list[list[Value]]] = [[] for _ in range(len(model.layers) + 1)]
    a[0] = xs
    per_example = []
    for n, x in enumerate(xs):
        out = model(x)
        for l, layer in enumerate(model.layers, start=1):  # noqa: E741
            z[l].append(layer.z)
            a[l].append(layer.a)
            if N > 1:  # each example's own nodes, told apart in a drawing of the batch
                for v in {*layer.z, *layer.a}:
                    v.label += suffix[n]
        per_example.append(fn(out, ts[n]))
    C = per_example[0] if N == 1 else autograd.sum(per_example)
    C.label = "C" if N == 1 else "C = Σₙ Cₙ"
    C.backward()
    return BatchPass(model, xs, ts, name, z, a, per_example, C)


__all__ = ["BatchPass", "loss_name", "run", "superscript"]
