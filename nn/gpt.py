"""A GPT one scalar at a time: characters in, a distribution over the next character out.

The model of Karpathy's microgpt (2026) in nn's parts: token and position embeddings, RMSNorm,
n_layer blocks of causal self-attention and a ReLU MLP (each with a residual connection), and a
linear head giving one logit per character. A name is read as BOS c₁ … cₙ BOS: the same token
marks the start and the end, and the loss is the mean cross-entropy of each next character.
"""

from __future__ import annotations

import math
import operator
import random
from collections.abc import Iterable, Sequence

import autograd
from autograd import Value
from autograd.arguments import positive_int

from . import losses
from .attention import CausalSelfAttention, KVCache
from .embedding import Embedding
from .linear import Linear
from .module import Module, short_repr
from .norm import rmsnorm


class Vocabulary:
    """The characters of a list of documents plus one BOS token: ids 0..n−1, BOS = n."""

    def __init__(self, docs: Iterable[str]) -> None:
        self.chars = sorted(set("".join(docs)))
        if not self.chars:
            raise ValueError("Vocabulary: the documents have no characters")
        self.index = {c: i for i, c in enumerate(self.chars)}
        self.bos = len(self.chars)

    def __len__(self) -> int:
        return len(self.chars) + 1

    def encode(self, doc: str) -> list[int]:
        """[BOS, ids of doc's characters…, BOS]."""
        try:
            return [self.bos, *(self.index[c] for c in doc), self.bos]
        except KeyError as e:
            raise ValueError(f"Vocabulary: character {e.args[0]!r} of {doc!r} is unknown") from None

    def decode(self, ids: Iterable[int]) -> str:
        """The characters of ids, BOS left out; ValueError names an id outside 0..BOS."""
        out = []
        for k, i in enumerate(ids):
            try:
                j = operator.index(i) if not isinstance(i, bool) else None
            except TypeError:
                j = None
            if j is None or not 0 <= j <= self.bos:
                raise ValueError(
                    f"Vocabulary.decode: ids[{k}] = {short_repr(i)} is not a token id: the ids "
                    f"are the ints 0..{self.bos} ({len(self.chars)} characters, then BOS = "
                    f"{self.bos})"
                )
            if j != self.bos:
                out.append(self.chars[j])
        return "".join(out)


class MLPBlock(Module):
    """y = W_down relu(W_up x): n_embd → 4·n_embd → n_embd, no biases."""

    def __init__(
        self, n_embd: int, name: str = "", std: float = 0.08, rng: random.Random | None = None
    ) -> None:
        self.n_embd = positive_int("n_embd", n_embd)
        self.name = name
        rng = rng if rng is not None else random.Random()
        self.up = Linear(n_embd, 4 * n_embd, f"Wup{name}", std, rng)
        self.down = Linear(4 * n_embd, n_embd, f"Wdown{name}", std, rng)

    def __call__(self, x: Sequence[Value]) -> list[Value]:
        return self.down([h.relu() for h in self.up(x)])

    def named_parameters(self) -> list[tuple[str, Value]]:
        return self.up.named_parameters() + self.down.named_parameters()


class GPT(Module):
    """logits of the next token from the tokens so far; blocks numbered from 1.

    x = rmsnorm(wte[token] + wpe[pos]); per block x ← x + attn(rmsnorm(x)), x ← x + mlp(rmsnorm(x));
    logits = W_lm x. Weights ~ N(0, std²) from `seed` through a private random.Random.
    """

    def __init__(
        self,
        vocab_size: int,
        n_embd: int = 16,
        n_head: int = 4,
        n_layer: int = 1,
        block_size: int = 16,
        std: float = 0.08,
        seed: int | None = None,
    ) -> None:
        self.vocab_size = positive_int("vocab_size", vocab_size)
        self.n_embd = positive_int("n_embd", n_embd)
        self.n_head = positive_int("n_head", n_head)
        self.n_layer = positive_int("n_layer", n_layer)
        self.block_size = positive_int("block_size", block_size)
        rng = random.Random(seed)
        self.wte = Embedding(vocab_size, n_embd, "wte", std, rng)
        self.wpe = Embedding(block_size, n_embd, "wpe", std, rng)
        self.attn = []
        self.mlp = []
        for l in range(1, n_layer + 1):  # noqa: E741 - the notes' layer index
            self.attn.append(CausalSelfAttention(n_embd, n_head, str(l), std, rng))
            self.mlp.append(MLPBlock(n_embd, str(l), std, rng))
        self.lm_head = Linear(n_embd, vocab_size, "Wlm", std, rng)

    def __call__(self, token: int, pos: int, cache: KVCache) -> list[Value]:
        """The logits after `token` at position `pos`; adds this position to `cache`."""
        if not 0 <= pos < self.block_size:
            raise ValueError(f"GPT: position {pos} is outside the block of {self.block_size}")
        x = [t + p for t, p in zip(self.wte(token), self.wpe(pos))]
        x = rmsnorm(x)
        for attn, mlp, keys, values in zip(self.attn, self.mlp, cache.keys, cache.values):
            x = [a + r for a, r in zip(attn(rmsnorm(x), keys, values), x)]
            x = [m + r for m, r in zip(mlp(rmsnorm(x)), x)]
        return self.lm_head(x)

    def loss(self, tokens: Sequence[int]) -> Value:
        """L = (1/n) Σₜ −ln softmax(logitsₜ)[tokens[t+1]] over the first n = min(block, len−1)."""
        n = min(self.block_size, len(tokens) - 1)
        if n < 1:
            raise ValueError(f"GPT.loss: needs at least 2 tokens, got {len(tokens)}")
        cache = KVCache(self.n_layer)
        terms = [losses.cross_entropy(self(tokens[t], t, cache), tokens[t + 1]) for t in range(n)]
        return autograd.mean(terms)

    def sample(
        self, rng: random.Random, bos: int, temperature: float = 1.0, max_len: int | None = None
    ) -> list[int]:
        """Token ids drawn one at a time from softmax(logits/temperature), until BOS comes back."""
        if not temperature > 0:
            raise ValueError(f"GPT.sample: temperature must be > 0, not {temperature!r}")
        n = self.block_size if max_len is None else min(max_len, self.block_size)
        cache = KVCache(self.n_layer)
        token, out = bos, []
        with autograd.no_grad():
            for pos in range(n):
                z = [v.data / temperature for v in self(token, pos, cache)]
                m = max(z)
                weights = [math.exp(zi - m) for zi in z]
                token = rng.choices(range(self.vocab_size), weights=weights)[0]
                if token == bos:
                    break
                out.append(token)
        return out

    def named_parameters(self) -> list[tuple[str, Value]]:
        pairs = self.wte.named_parameters() + self.wpe.named_parameters()
        for attn, mlp in zip(self.attn, self.mlp):
            pairs += attn.named_parameters() + mlp.named_parameters()
        return pairs + self.lm_head.named_parameters()

    def __repr__(self) -> str:
        return (
            f"GPT({self.vocab_size}, n_embd={self.n_embd}, n_head={self.n_head}, "
            f"n_layer={self.n_layer}, block_size={self.block_size})"
        )


__all__ = ["GPT", "MLPBlock", "Vocabulary"]
