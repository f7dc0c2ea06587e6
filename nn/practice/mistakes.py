"""The catalogue of mistakes a hand computation of gradients makes, each a rule that computes the
wrong number it leads to.

A node n's gradient is Σ over its edges into the nodes c that use it of ∂L/∂c · ∂c/∂n. Each
mistake changes that sum in one way: a wrong local derivative ∂c/∂n on the edges where it
applies (`local`), or a wrong way of adding up the edges (`whole`). The checker
(`nn.practice.diagnosis`) computes every rule at a node from the learner's own upstream gradients
and says a wrong number was made by a rule only when the number equals what the rule gives —
never a guess. One entry per mistake; a new one is an entry here and a test.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from autograd import Value


class Edge(NamedTuple):
    """One use of node n: n is parent `k` of node `child`, whose local derivative there is `d`;
    `upstream` is ∂L/∂child as the learner has it."""

    child: Value
    k: int
    d: float
    upstream: float


def name_of(v: Value) -> str:
    """How a diagnosis names a node: its label, else its op."""
    return v.label or f"the {v.primitive.name if v.primitive else 'leaf'} node"


@dataclass(frozen=True)
class Mistake:
    """One mistake: `local(child, k, n)` gives the wrong ∂child/∂n where the mistake applies
    (None elsewhere), or `whole(n, edges)` gives the wrong gradient(s) of n with what each is."""

    name: str
    words: str
    local: Callable[[Value, int, Value], float | None] | None = None
    whole: Callable[[Value, list[Edge]], list[tuple[str, float]]] | None = None

    def values(self, n: Value, edges: list[Edge]) -> list[tuple[str, float]]:
        """(detail, the gradient of n this mistake gives) for each way it applies at n."""
        if self.whole is not None:
            return self.whole(n, edges)
        total, applied = [], []
        for e in edges:
            d = self.local(e.child, e.k, n)
            if d is not None and d != e.d:
                applied.append(name_of(e.child))
                total.append(e.upstream * d)
            else:
                total.append(e.upstream * e.d)
        if not applied:
            return []
        where = ", ".join(f"{name_of(n)} → {c}" for c in dict.fromkeys(applied))
        return [(f"on the edge {where}", math.fsum(total))]


def _op(c: Value) -> str:
    return c.primitive.name if c.primitive is not None else ""


def _one_path(n: Value, edges: list[Edge]) -> list[tuple[str, float]]:
    if len(edges) < 2:
        return []
    out = []
    for e in edges:
        same = sum(f.child is e.child for f in edges) > 1
        where = f"factor {e.k + 1} of {name_of(e.child)}" if same else name_of(e.child)
        out.append((f"only the path through {where}", e.upstream * e.d))
    return out


def _sum(terms: list[float]) -> float:
    return math.fsum(terms)


MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "sigmoid_for_derivative",
        "σ(z) used for σ'(z) = σ(z)(1 − σ(z))",
        local=lambda c, k, n: c.data if _op(c) == "sigmoid" else None,
    ),
    Mistake(
        "tanh_prime_of_input",
        "tanh'(z) taken as 1 − z², where it is 1 − tanh²(z)",
        local=lambda c, k, n: 1.0 - n.data * n.data if _op(c) == "tanh" else None,
    ),
    Mistake(
        "tanh_for_derivative",
        "tanh(z) used for tanh'(z) = 1 − tanh²(z)",
        local=lambda c, k, n: c.data if _op(c) == "tanh" else None,
    ),
    Mistake(
        "relu_passes_negative",
        "ReLU'(z) taken as 1 where z ≤ 0 (there it is 0: nothing flows back)",
        local=lambda c, k, n: 1.0 if _op(c) == "relu" and n.data <= 0.0 else None,
    ),
    Mistake(
        "subtraction_sign",
        "∂(a − b)/∂b taken as +1, where it is −1",
        local=lambda c, k, n: 1.0 if (_op(c) == "sub" and k == 1) or _op(c) == "rsub_c" else None,
    ),
    Mistake(
        "product_factors_swapped",
        "∂(a·b)/∂a taken as a, where it is b (the product rule's factors swapped)",
        local=lambda c, k, n: (
            n.data
            if (_op(c) == "mul" and c.parents[0] is not c.parents[1]) or _op(c) == "dot"
            else None
        ),
    ),
    Mistake(
        "power_rule_exponent_dropped",
        "∂(xⁿ)/∂x taken as xⁿ⁻¹ (the exponent n not brought down: ∂(e²)/∂e as e)",
        local=lambda c, k, n: n.data ** (c.param - 1.0) if _op(c) == "pow_c" else None,
    ),
    Mistake(
        "softmax_diagonal_only",
        "softmax's Jacobian taken as diagonal: ∂p_i/∂z_j = 0 for j ≠ i",
        local=lambda c, k, n: 0.0 if _op(c) == "softmax" and k != c.param else None,
    ),
    Mistake(
        "softmax_kronecker_dropped",
        "∂p_i/∂z_i taken as −p_i² (the δ_ij of p_i(δ_ij − p_j) dropped): with cross-entropy, "
        "p_c where p_c − 1 belongs",
        local=lambda c, k, n: -c.data * c.data if _op(c) == "softmax" and k == c.param else None,
    ),
    Mistake(
        "log_derivative_without_reciprocal",
        "∂(ln p)/∂p taken as p, where it is 1/p",
        local=lambda c, k, n: n.data if _op(c) == "log" else None,
    ),
    Mistake(
        "one_path",
        "a node used twice: only one path counted, where the paths' contributions add up",
        whole=_one_path,
    ),
    Mistake(
        "local_without_upstream",
        "the local derivative alone, not multiplied by the upstream gradient ∂L/∂(its output)",
        whole=lambda n, edges: (
            [("", _sum([e.d for e in edges]))] if any(e.upstream != 1.0 for e in edges) else []
        ),
    ),
    Mistake(
        "upstream_without_local",
        "the upstream gradient passed on as it is, not multiplied by the local derivative",
        whole=lambda n, edges: (
            [("", _sum([e.upstream for e in edges]))] if any(e.d != 1.0 for e in edges) else []
        ),
    ),
    Mistake(
        "sign_flipped",
        "the right size with the wrong sign",
        whole=lambda n, edges: [("", -_sum([e.upstream * e.d for e in edges]))],
    ),
)
"""Every catalogued mistake, most specific first: a diagnosis lists matching ones in this order."""

BY_NAME: dict[str, Mistake] = {m.name: m for m in MISTAKES}


def candidates(n: Value, edges: list[Edge]) -> list[tuple[Mistake, str, float]]:
    """Every (mistake, detail, value) that applies at n and changes its gradient."""
    right = math.fsum(e.upstream * e.d for e in edges)
    out = []
    for m in MISTAKES:
        for detail, value in m.values(n, edges):
            if math.isfinite(value) and value != right:
                out.append((m, detail, value))
    return out


__all__ = ["BY_NAME", "MISTAKES", "Edge", "Mistake", "candidates", "name_of"]
