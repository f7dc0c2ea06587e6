"""Causal self-attention built from Values: one head, then several side by side.

At position t a head compares its query q with the keys k_u of every position u ≤ t,
  aᵤ = q·kᵤ/√d,  s = softmax(a),  oⱼ = Σᵤ sᵤvᵤⱼ,
a `dot` node and a `*1/√d` per score, one `softmax` node per weight and one `dot` node per
output. Going backward, with gⱼ = ∂L/∂oⱼ:
  ∂L/∂vᵤⱼ = sᵤgⱼ,  eᵤ = ∂L/∂sᵤ = Σⱼ gⱼvᵤⱼ,  ∂L/∂aᵤ = Σ_w e_w s_w(δ_wu − sᵤ) = sᵤ(eᵤ − Σ_w s_w e_w),
  ∂L/∂qᵢ = Σᵤ (∂L/∂aᵤ) kᵤᵢ/√d,  ∂L/∂kᵤᵢ = (∂L/∂aᵤ) qᵢ/√d.
Causality needs no mask: position t only ever sees the keys and values cached up to it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import autograd
from autograd import Value
from autograd.arguments import positive_int

from .linear import Linear
from .module import Module


def attention_head(
    q: Sequence[Value], keys: Sequence[Sequence[Value]], values: Sequence[Sequence[Value]]
) -> list[Value]:
    """oⱼ = Σᵤ sᵤvᵤⱼ with s = softmax(q·kᵤ/√d) over the cached positions u."""
    if not keys or len(keys) != len(values):
        raise ValueError(
            f"attention_head: needs as many keys as values, at least one: "
            f"got {len(keys)} keys, {len(values)} values"
        )
    d = len(q)
    scale = 1.0 / math.sqrt(d)
    for u, k in enumerate(keys):
        if len(k) != d:
            raise ValueError(f"attention_head: key {u} has {len(k)} entries, the query {d}")
    scores = [autograd.dot(q, k) * scale for k in keys]
    s = autograd.softmax(scores)
    dv = len(values[0])
    return [autograd.dot(s, [v[j] for v in values]) for j in range(dv)]


class KVCache:
    """The keys and values of the positions seen so far, one list per layer."""

    def __init__(self, n_layer: int) -> None:
        self.keys: list[list[list[Value]]] = [[] for _ in range(n_layer)]
        self.values: list[list[list[Value]]] = [[] for _ in range(n_layer)]

    def __len__(self) -> int:
        """Positions cached (in the first layer)."""
        return len(self.keys[0])


class CausalSelfAttention(Module):
    """Multi-head attention: q = W_q x, k = W_k x, v = W_v x split into `n_head` heads of
    d = n_embd/n_head entries, each head attends over the cache, y = W_o [o¹ … oʰ].

    `name` numbers the layer: parameters `Wq{name}[i,j]`, `Wk…`, `Wv…`, `Wo…`.
    """

    def __init__(
        self,
        n_embd: int,
        n_head: int,
        name: str = "",
        std: float = 0.08,
        rng: random.Random | None = None,
    ) -> None:
        positive_int("n_embd", n_embd)
        positive_int("n_head", n_head)
        if n_embd % n_head:
            raise ValueError(f"n_embd {n_embd} is not a multiple of n_head {n_head}")
        self.n_embd, self.n_head, self.head_dim = n_embd, n_head, n_embd // n_head
        self.name = name
        rng = rng if rng is not None else random.Random()
        self.Wq, self.Wk, self.Wv, self.Wo = (
            Linear(n_embd, n_embd, f"W{w}{name}", std, rng) for w in "qkvo"
        )

    def __call__(self, x: Sequence[Value], keys: list, values: list) -> list[Value]:
        """y at the next position; appends its k and v to `keys` and `values` (one layer's)."""
        q, k, v = self.Wq(x), self.Wk(x), self.Wv(x)
        keys.append(k)
        values.append(v)
        out: list[Value] = []
        d = self.head_dim
        for h in range(self.n_head):
            lo, hi = h * d, (h + 1) * d
            out += attention_head(
                q[lo:hi], [ku[lo:hi] for ku in keys], [vu[lo:hi] for vu in values]
            )
        return self.Wo(out)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [pair for w in (self.Wq, self.Wk, self.Wv, self.Wo) for pair in w.named_parameters()]

    def __repr__(self) -> str:
        return f"CausalSelfAttention({self.n_embd}, n_head={self.n_head})"


__all__ = ["CausalSelfAttention", "KVCache", "attention_head"]
