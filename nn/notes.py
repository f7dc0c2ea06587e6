"""The register: every equation of the course notes, checked one scalar at a time.

`REGISTER` maps each id of `shared/notes/EQUATIONS.md` (in its order) to an `Entry`; calling
`entry.check()` computes both sides of the equation: one with the engine (`backward()`/`grad()`),
the other from the notes' formula written out in floats. Where a line of the notes is wrong the
entry also computes the line as written, and the `Result` says so (`notes_wrong`), quoting the
line and giving the correction with the engine's numbers; `holds` is then the project's claim
that the correction holds.

    >>> from nn.notes import run
    >>> [r.holds for r in run(["000-2"])]
    [True]
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from autograd import Value, backward_steps, dot, grad, topological_order
from autograd import softmax as vsoftmax
from autograd import sum as vsum

from . import backprop, losses
from .backprop import softmax
from .layers import MLP

REL_TOL = 1e-9
"""Agreement asked of every deterministic check: relative, with a 1e-15 floor for zeros."""
ABS_TOL = 1e-15


@dataclass(frozen=True)
class Result:
    """Both sides of one equation and whether the project's claim holds."""

    id: str
    words: str
    engine: str  # the engine's number(s), as text
    notes: str  # the notes' side, as text (as written, and corrected where the notes are wrong)
    holds: bool  # the project's claim (for a wrong line: its correction) holds
    notes_wrong: bool  # the notes' line, as written, disagrees with the engine
    detail: str  # what was compared; where the notes are wrong, the line and the correction
    engine_values: tuple[float, ...] = ()
    notes_values: tuple[float, ...] = ()  # the notes' formula (corrected where it is wrong)
    written_values: tuple[float, ...] = ()  # the notes' line as written, where it is wrong
    extra: dict[str, float] = field(default_factory=dict)  # further numbers a check reports
    tolerance: str = f"relative {REL_TOL:g}"


@dataclass(frozen=True)
class Entry:
    """One equation id: its words and the function that checks it."""

    id: str
    words: str
    compute: Callable[[], Sides]

    def check(self) -> Result:
        """Compute both sides and compare them."""
        s = self.compute()
        e = tuple(float(v) for v in s.engine)
        n = tuple(float(v) for v in s.notes)
        w = tuple(float(v) for v in s.written)
        holds = close(e, n, s.rel_tol, s.abs_tol) if s.holds is None else bool(s.holds)
        wrong = bool(w) and not close(e, w, s.rel_tol, s.abs_tol)
        notes_text = _fmt(n)
        if w:
            notes_text = f"as written {_fmt(w)}; corrected {notes_text}"
        return Result(
            id=self.id,
            words=self.words,
            engine=s.engine_text or _fmt(e),
            notes=s.notes_text or notes_text,
            holds=holds,
            notes_wrong=wrong,
            detail=s.detail,
            engine_values=e,
            notes_values=n,
            written_values=w,
            extra=dict(s.extra),
            tolerance=s.tolerance or f"relative {s.rel_tol:g}",
        )

    __call__ = check


@dataclass
class Sides:
    """What a check computes: the engine's numbers, the notes' numbers, and how to judge them."""

    engine: Sequence[float]
    notes: Sequence[float]
    detail: str = ""
    written: Sequence[float] = ()
    holds: bool | None = None  # None: the two sides agree to rel_tol
    extra: dict[str, float] = field(default_factory=dict)
    rel_tol: float = REL_TOL
    abs_tol: float = ABS_TOL
    tolerance: str = ""
    engine_text: str = ""
    notes_text: str = ""


REGISTER: dict[str, Entry] = {}
"""Equation id → Entry, in the order of EQUATIONS.md."""


def _entry(id: str, words: str) -> Callable[[Callable[[], Sides]], Callable[[], Sides]]:
    def register(fn: Callable[[], Sides]) -> Callable[[], Sides]:
        REGISTER[id] = Entry(id, words, fn)
        return fn

    return register


class UnknownIdError(KeyError, ValueError):
    """An equation id that is not in the register."""

    def __str__(self) -> str:
        return str(self.args[0])


def run(ids: Iterable[str] | str | None = None) -> list[Result]:
    """Check the given ids (all when None), in register order; unknown ids raise, naming them.

    A check that raises is reported as a failed Result naming the error, so one broken check
    does not hide the others.
    """
    if ids is None:
        wanted = list(REGISTER)
    else:
        if isinstance(ids, str):
            ids = [i for i in ids.split(",")]
        wanted = [i.strip() for i in ids]
        unknown = [i for i in wanted if i not in REGISTER]
        if unknown:
            raise UnknownIdError(
                f"unknown equation id(s): {', '.join(map(repr, unknown))}; "
                f"known ids run from {next(iter(REGISTER))} to {list(REGISTER)[-1]}"
            )
    results = []
    for i in wanted:
        entry = REGISTER[i]
        try:
            results.append(entry.check())
        except Exception as exc:  # reported, not swallowed: holds=False names it
            results.append(
                Result(i, entry.words, "error", "", False, False, f"{type(exc).__name__}: {exc}")
            )
    return results


# ---- helpers -----------------------------------------------------------------------------------


def close(a: Sequence[float], b: Sequence[float], rel: float = REL_TOL, abs_: float = ABS_TOL):
    """Same length and |a_i − b_i| ≤ max(rel·max(|a_i|, |b_i|), abs_) for every i."""
    return len(a) == len(b) and all(
        math.isclose(x, y, rel_tol=rel, abs_tol=abs_) for x, y in zip(a, b, strict=True)
    )


def _fmt(values: Sequence[float], most: int = 4) -> str:
    shown = ", ".join(f"{v:.10g}" for v in values[:most])
    more = f", … ({len(values)} values)" if len(values) > most else ""
    return f"[{shown}{more}]" if len(values) != 1 else shown


def _d(f: Callable[[Value], Value], x: float) -> float:
    """The engine's f'(x): build f on a leaf and ask `grad`."""
    v = Value(x)
    return grad(f(v), [v])[0]


def _mlp(nin: int, nouts: list[int], activation: str, output: str, seed: int, biases: bool = True):
    """nn.MLP with Xavier weights from `seed`; nn starts biases at 0, so give them values too."""
    model = MLP(nin, nouts, activation=activation, output_activation=output, seed=seed)
    if biases:
        rng = random.Random(seed + 7919)
        for name, p in model.named_parameters():
            if name.startswith("b"):
                p.data = rng.uniform(-0.5, 0.5)
    return model


def _named(model) -> dict[str, Value]:
    named = model.named_parameters()
    return dict(named.items() if isinstance(named, dict) else named)


def _W(model, l: int) -> list[list[float]]:  # noqa: E741
    return [[w.data for w in row] for row in model.layers[l - 1].W]


def _b(model, l: int) -> list[float]:  # noqa: E741
    return [v.data for v in model.layers[l - 1].b]


def _sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _matvec(W: list[list[float]], a: Sequence[float], b: Sequence[float] | None = None):
    out = [math.fsum(w * x for w, x in zip(row, a, strict=True)) for row in W]
    return out if b is None else [o + bi for o, bi in zip(out, b, strict=True)]


def _solve(A: list[list[float]], y: list[float]) -> list[float]:
    """x with A x = y, Gaussian elimination with partial pivoting."""
    n = len(y)
    M = [[*row, yi] for row, yi in zip(A, y, strict=True)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(M[r][c]))
        M[c], M[p] = M[p], M[c]
        for r in range(c + 1, n):
            f = M[r][c] / M[c][c]
            for k in range(c, n + 1):
                M[r][k] -= f * M[c][k]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (M[r][n] - math.fsum(M[r][k] * x[k] for k in range(r + 1, n))) / M[r][r]
    return x


X3 = [0.5, -1.2, 0.8]  # the input most checks use


# ---- 000: chain rule, sigmoid, MLP, δ rules, GD ------------------------------------------------


@_entry("000-1", "h(x) = e^{x²} ⇒ h'(x) = 2x·e^{x²}")
def _000_1() -> Sides:
    xs = (-1.1, 0.3, 0.9)
    return Sides(
        [_d(lambda x: (x**2).exp(), x) for x in xs],
        [2 * x * math.exp(x * x) for x in xs],
        f"h'(x) at x = {xs}: engine grad of exp(x**2) against 2x·e^(x²).",
    )


@_entry("000-2", "h(x) = e^{(2x+3)²}: h'(x) = e^{(2x+3)²}·2(2x+3)·2 = 4(2x+3)e^{(2x+3)²}")
def _000_2() -> Sides:
    xs = (-1.25, -1.0, 0.1)
    eng = [_d(lambda x: ((2 * x + 3) ** 2).exp(), x) for x in xs]
    chain = [math.exp((2 * x + 3) ** 2) * 2 * (2 * x + 3) * 2 for x in xs]
    written = [6 * (2 * x + 3) * math.exp((2 * x + 3) ** 2) for x in xs]
    return Sides(
        eng,
        chain,
        'The notes\' last line "= 6(2x+3)e^{(2x+3)²}" is wrong: the line above it, '
        "e^{(2x+3)²}·2(2x+3)·2, is 4(2x+3)e^{(2x+3)²} (2·2 = 4, not 6). "
        f"At x = 0.1 the engine gives h'(0.1) = {eng[2]:.10g} = 4·3.2·e^10.24; the notes' "
        f"6(2x+3)e^{{(2x+3)²}} gives {written[2]:.10g}, 1.5 times too large "
        f"(at x = -1.25: engine {eng[0]:.10g}, notes' line {written[0]:.10g}).",
        written=written,
    )


@_entry("000-3", "h(x) = f(g(t(x))) ⇒ h'(x) = f'(g(t(x)))·g'(t(x))·t'(x)")
def _000_3() -> Sides:
    xs = (-0.7, 0.35)
    # (f, g, t) as Value functions, and their derivatives as the notes write them
    chains = [
        (lambda u: u.exp(), lambda u: u**2, lambda x: 2 * x + 3,
         math.exp, lambda u: 2 * u, lambda x: 2.0, lambda u: u * u, lambda x: 2 * x + 3),
        (lambda u: u.sin(), lambda u: u.tanh(), lambda x: x**3 - 1,
         math.cos, lambda u: 1 - math.tanh(u) ** 2, lambda x: 3 * x * x, math.tanh,
         lambda x: x**3 - 1),
    ]  # fmt: skip
    eng, notes = [], []
    for f, g, t, df, dg, dt, g_, t_ in chains:
        for x in xs:
            eng.append(_d(lambda v, f=f, g=g, t=t: f(g(t(v))), x))
            notes.append(df(g_(t_(x))) * dg(t_(x)) * dt(x))
    return Sides(
        eng,
        notes,
        "Chains e^{(2x+3)²} and sin(tanh(x³−1)) at x = -0.7, 0.35: engine grad against the "
        "product f'(g(t(x)))·g'(t(x))·t'(x).",
    )


@_entry("000-4", "σ(x) = 1/(1+e^{−x}), σ'(x) = σ(x)(1−σ(x))")
def _000_4() -> Sides:
    xs = (-3.0, -0.5, 0.0, 0.7, 2.5)
    composed = [_d(lambda x: 1 / (1 + (-x).exp()), x) for x in xs]  # chain rule through primitives
    op = [_d(lambda x: x.sigmoid(), x) for x in xs]
    formula = [(1 / (1 + math.exp(-x))) * (1 - 1 / (1 + math.exp(-x))) for x in xs]
    return Sides(
        composed + op,
        formula + formula,
        f"At x = {xs}: the engine's derivative of 1/(1+exp(-x)) built from primitives, and of "
        "the sigmoid op, against σ(x)(1−σ(x)).",
    )


@_entry("000-5", "Gradient descent x ← x − η f'(x) reaches the minimiser of f")
def _000_5() -> Sides:
    # f(x) = eˣ − 2x has its minimum where f'(x) = eˣ − 2 = 0: x* = ln 2.
    x, eta, steps = 2.0, 0.3, 80
    fs = []
    for _ in range(steps):
        v = Value(x)
        fx = v.exp() - 2 * v
        fs.append(fx.data)
        x = x - eta * grad(fx, [v])[0]
    decreasing = all(b <= a for a, b in itertools.pairwise(fs))
    return Sides(
        [x],
        [math.log(2)],
        f"f(x) = eˣ − 2x from x = 2 with η = {eta}, {steps} steps of x ← x − η f'(x) with f' from "
        f"the engine; f fell at every step ({fs[0]:.6g} → {fs[-1]:.10g}); minimiser ln 2.",
        holds=close([x], [math.log(2)]) and decreasing,
        extra={"f_first": fs[0], "f_last": fs[-1], "monotone": float(decreasing)},
    )


@_entry("000-6", "Bias units folded in (θ = [σ(Wθ); 1]) give the same outputs as z = Wa + b")
def _000_6() -> Sides:
    p, H1 = 3, 4
    model = _mlp(p, [H1, 3, 2], "sigmoid", "sigmoid", seed=6)
    out = [v.data for v in model(X3)]
    theta = [*X3, 1.0]  # θ⁽⁰⁾ = [x; 1]
    for l in range(1, len(model.layers) + 1):  # noqa: E741
        W_hat = [[*row, b] for row, b in zip(_W(model, l), _b(model, l), strict=True)]  # [W | b]
        theta_hat = [_sig(s) for s in _matvec(W_hat, theta)]
        theta = theta_hat if l == len(model.layers) else [*theta_hat, 1.0]
        if l == 1:
            theta1_len = len(theta)
    n_first = sum(1 for n in _named(model) if n.startswith(("W1[", "b1[")))
    H2 = len(model.layers[1].b)
    return Sides(
        [*out, n_first, theta1_len],
        [*theta, (p + 1) * H1, H1 + 1],
        "MLP(3, [4, 3, 2]) with sigmoid units: the engine's outputs against the folded form "
        "θ⁽ᵏ⁾ = [σ(Ŵ⁽ᵏ⁻¹⁾θ⁽ᵏ⁻¹⁾); 1] with Ŵ = [W | b]; the first layer has (p+1)×H₁ = "
        f'{(p + 1) * H1} weights. The notes\' first line "θ⁽¹⁾ ∈ R^{{(H₂+1)×1}}" is a slip: '
        f"θ⁽¹⁾ has H₁+1 = {H1 + 1} entries, not H₂+1 = {H2 + 1} (the notes' Aside has it right).",
        written=[*out, (p + 1) * H1, H2 + 1],
    )


def _data(n: int, nin: int, nout: int, seed: int) -> tuple[list[list[float]], list[list[float]]]:
    rng = random.Random(seed)
    X = [[rng.uniform(-1.5, 1.5) for _ in range(nin)] for _ in range(n)]
    Y = [[math.sin(sum(x) + k) * 0.8 for k in range(nout)] for x in X]
    return X, Y


@_entry("000-7", "L(w) = ½ Σ_d ‖y_d − ŷ_d‖² (half sum of squares over the data set)")
def _000_7() -> Sides:
    model = _mlp(2, [3, 2], "tanh", "linear", seed=7)
    X, Y = _data(10, 2, 2, seed=7)
    preds = [model(x) for x in X]
    L = vsum([losses.sse(p, y) for p, y in zip(preds, Y, strict=True)])
    flat = [v for p in preds for v in p]
    g = grad(L, flat)
    yhat = [[v.data for v in p] for p in preds]
    half = 0.5 * math.fsum(
        (y - h) ** 2 for ys, hs in zip(Y, yhat, strict=True) for y, h in zip(ys, hs, strict=True)
    )
    return Sides(
        [L.data, *g],
        [
            half,
            *[h - y for ys, hs in zip(Y, yhat, strict=True) for y, h in zip(ys, hs, strict=True)],
        ],
        "10 examples, 2 outputs: Σ_d nn.losses.sse (value and the engine's ∂L/∂ŷ_dk) against "
        "½ Σ_d Σ_k (y_dk − ŷ_dk)² and its derivative ŷ_dk − y_dk.",
    )


@_entry("000-8", "Output layer: ∂L_d/∂w_ji = −(y_j − θ_j)·θ_j(1−θ_j)·θ_i = −δ_j θ_i")
def _000_8() -> Sides:
    model = _mlp(3, [4, 2], "sigmoid", "sigmoid", seed=8)
    y = [0.9, 0.2]
    L = losses.sse(model(X3), y)
    named = _named(model)
    names = [n for n in named if n.startswith(("W2[", "b2["))]
    eng = grad(L, [named[n] for n in names])
    _, as_ = backprop.forward_pass(model, X3)
    theta_in, theta = [*as_[1], 1.0], as_[2]  # θ_i (with the bias unit), θ_j
    notes = {}
    for j, th in enumerate(theta):
        delta = (y[j] - th) * th * (1 - th)  # δ_j = −∂L/∂net_j
        for i in range(len(as_[1])):
            notes[f"W2[{j},{i}]"] = -delta * theta_in[i]
        notes[f"b2[{j}]"] = -delta * theta_in[-1]
    return Sides(
        eng,
        [notes[n] for n in names],
        "Sigmoid output layer of MLP(3, [4, 2]) with L = ½Σ(y−θ)²: engine gradients of W2, b2 "
        "against −(y_j − θ_j)θ_j(1−θ_j)θ_i (θ_i = 1 for the bias unit).",
    )


@_entry("000-9", "Hidden layer: δ_j = o_j(1−o_j)·Σ_z δ_z w_zj and ∂L/∂w_ji = −δ_j o_i")
def _000_9() -> Sides:
    model = _mlp(3, [4, 3, 2], "sigmoid", "sigmoid", seed=9)
    y = [0.9, 0.2]
    L = losses.sse(model(X3), y)
    named = _named(model)
    names = [n for n in named if not n.startswith(("W3[", "b3["))]
    eng = grad(L, [named[n] for n in names])
    _, o = backprop.forward_pass(model, X3)
    Lyr = len(model.layers)
    delta = {Lyr: [(y[j] - t) * t * (1 - t) for j, t in enumerate(o[Lyr])]}
    for m in range(Lyr - 1, 0, -1):
        W_down = _W(model, m + 1)
        delta[m] = [
            o[m][j]
            * (1 - o[m][j])
            * math.fsum(delta[m + 1][z] * W_down[z][j] for z in range(len(W_down)))
            for j in range(len(o[m]))
        ]
    notes, written = {}, {}
    for m in range(1, Lyr):
        o_in = [*o[m - 1], 1.0]
        for j in range(len(o[m])):
            # as written: [Σ_z δ_z w_zj o_j(1 − o_j)]·o_j^{(G)}: no minus sign, and the j-th
            # entry of the layer below (θ with its trailing 1) where the input o_i belongs
            for i in range(len(o[m - 1])):
                notes[f"W{m}[{j},{i}]"] = -delta[m][j] * o_in[i]
                written[f"W{m}[{j},{i}]"] = delta[m][j] * o_in[j]
            notes[f"b{m}[{j}]"] = -delta[m][j] * o_in[-1]
            written[f"b{m}[{j}]"] = delta[m][j] * o_in[j]
    n0 = "W1[0,1]"
    return Sides(
        eng,
        [notes[n] for n in names],
        "Hidden layers of MLP(3, [4, 3, 2]), sigmoid units, L = ½Σ(y−θ)²: engine gradients "
        "against −δ_j o_i with δ_j = o_j(1−o_j) Σ_z δ_z w_zj (δ = −∂L/∂net). The notes' "
        'derivation ends "= [Σ_z δ_{G+2,z}(w_zj o_j(1 − o_j))] o_j^{(G)}": it drops the minus '
        "sign that δ = −∂L/∂net brings, and multiplies by o_j^{(G)} where the weight's input "
        "o_i^{(G)} belongs; "
        f"for {n0} the engine gives {eng[names.index(n0)]:.10g} = −δ_j o_i, the line as written "
        f"gives {written[n0]:.10g}. (The notes' SGD step below it, w + η o_i δ_j, is right.)",
        written=[written[n] for n in names],
    )


def _sse_batch(model, X, Y) -> Value:
    return vsum([losses.sse(model(x), y) for x, y in zip(X, Y, strict=True)])


def _descend(model, X, Y, eta: float, epochs: int, batch: int | None) -> list[float]:
    """w ← w − η ∂L_b/∂w over mini-batches b (the whole set when batch is None); loss per epoch."""
    params = list(_named(model).values())
    size = len(X) if batch is None else batch
    history = [_sse_batch(model, X, Y).data]
    for _ in range(epochs):
        for s in range(0, len(X), size):
            Lb = _sse_batch(model, X[s : s + size], Y[s : s + size])
            for p, g in zip(params, grad(Lb, params), strict=True):
                p.data -= eta * g
        history.append(_sse_batch(model, X, Y).data)
    return history


@_entry("000-10", "GD, SGD, mini-batch: batch gradient = Σ per-example gradients; each lowers L")
def _000_10() -> Sides:
    X, Y = _data(8, 2, 1, seed=10)
    model = _mlp(2, [3, 1], "tanh", "linear", seed=10)
    named = _named(model)
    eng = grad(_sse_batch(model, X, Y), list(named.values()))
    per = [backprop.manual_gradients(model, x, y, "sse") for x, y in zip(X, Y, strict=True)]
    summed = [math.fsum(g[n] for g in per) for n in named]
    runs = {}
    for label, batch in (("GD", None), ("SGD", 1), ("mini-batch", 4)):
        runs[label] = _descend(_mlp(2, [3, 1], "tanh", "linear", seed=10), X, Y, 0.05, 15, batch)
    lowered = all(h[-1] < h[0] for h in runs.values())
    summary = ", ".join(f"{k} {h[0]:.6g} → {h[-1]:.6g}" for k, h in runs.items())
    return Sides(
        eng,
        summed,
        "MLP(2, [3, 1]) on 8 examples, L = Σ_d ½(y_d − ŷ_d)²: the engine's gradient of L against "
        "the sum of the notes' per-example gradients; then 15 epochs of each variant, η = 0.05, "
        f"lower L: {summary}.",
        holds=close(eng, summed) and lowered,
        extra={f"{k}_{w}": h[i] for k, h in runs.items() for w, i in (("first", 0), ("last", -1))},
    )


@_entry("000-11", "Linear regression: gradient descent on ½Σ(wᵀx − y)² reaches w = (XᵀX)⁻¹Xᵀy")
def _000_11() -> Sides:
    rng = random.Random(11)
    X = [[rng.gauss(0, 1), rng.gauss(0, 1), 1.0] for _ in range(20)]  # trailing 1: intercept
    y = [1.5 * a - 2.0 * b + 0.7 + rng.gauss(0, 0.3) for a, b, _ in X]
    w = [Value(0.0) for _ in range(3)]
    eta, steps = 0.03, 300
    for _ in range(steps):
        L = 0.5 * vsum([(dot(w, x) - t) ** 2 for x, t in zip(X, y, strict=True)])
        for wi, g in zip(w, grad(L, w), strict=True):
            wi.data -= eta * g
    XtX = [[math.fsum(x[i] * x[j] for x in X) for j in range(3)] for i in range(3)]
    Xty = [math.fsum(x[i] * t for x, t in zip(X, y, strict=True)) for i in range(3)]
    closed = _solve(XtX, Xty)
    return Sides(
        [wi.data for wi in w],
        closed,
        f"20 points, ŷ = w₁x₁ + w₂x₂ + w₃: {steps} steps of gradient descent (η = {eta}, "
        "gradient from the engine) against the closed form (XᵀX)⁻¹Xᵀy solved in floats.",
    )


# ---- 001: layer notation, recursive δ, cross-entropy, initialisation, autograd example --------


@_entry("001-1", "Multivariable chain rule: dC/dw = Σ_i (dC/dz_i)(dz_i/dw)")
def _001_1() -> Sides:
    ws = (0.4, -1.3)
    eng, notes = [], []
    for w0 in ws:

        def C(w: Value) -> Value:
            z1, z2, z3 = w**2, w.sin(), 3 * w + 1
            return z1 * z2 + z3.tanh() * z1

        eng.append(_d(C, w0))
        z1, z2, z3 = w0**2, math.sin(w0), 3 * w0 + 1
        dC_dz = (z2 + math.tanh(z3), z1, z1 * (1 - math.tanh(z3) ** 2))
        dz_dw = (2 * w0, math.cos(w0), 3.0)
        notes.append(math.fsum(a * b for a, b in zip(dC_dz, dz_dw, strict=True)))
    return Sides(
        eng,
        notes,
        "C = z₁z₂ + tanh(z₃)z₁ with z₁ = w², z₂ = sin w, z₃ = 3w + 1, at w = 0.4, -1.3: the "
        "engine's dC/dw against Σ_i (∂C/∂z_i)(dz_i/dw).",
    )


@_entry("001-2", "z^m = W^m a^{m−1} + b^m; dz_i^m/dW_ij^m = a_j^{m−1}, zero for other rows")
def _001_2() -> Sides:
    model = _mlp(3, [4, 3, 2], "tanh", "linear", seed=12)
    model(X3)
    layer = model.layers[1]  # m = 2
    a_prev = [v.data for v in model.layers[0].a]
    flat = [w for row in layer.W for w in row]
    z_formula = _matvec(_W(model, 2), a_prev, _b(model, 2))
    eng, notes, written = [v.data for v in layer.z], list(z_formula), list(z_formula)
    rows, cols = len(layer.W), len(a_prev)
    for i, z in enumerate(layer.z):
        eng += grad(z, flat)
        for k in range(rows):
            for j in range(cols):
                notes.append(a_prev[j] if k == i else 0.0)
                written.append(a_prev[i] if k == i else 0.0)
    dz = grad(layer.z[0], [layer.W[0][1]])[0]
    return Sides(
        eng,
        notes,
        "Layer m = 2 of MLP(3, [4, 3, 2]): z² from the engine against W²a¹ + b², then the engine's "
        "∂z_i²/∂W²_kj for every i, k, j against a_j¹ (k = i) and 0 (k ≠ i). The notes write "
        '"dz_i^m/dW_ij^m = a_i^{m−1}" (twice), an index slip: the engine gives '
        f"∂z_0/∂W2[0,1] = {dz:.10g} = a_1¹, while a_0¹ = {a_prev[0]:.10g}.",
        written=written,
    )


@_entry("001-3", "dC/dW^m = (dC/dz^m)·(a^{m−1})ᵀ and dC/db^m = dC/dz^m")
def _001_3() -> Sides:
    model = _mlp(3, [4, 3, 2], "tanh", "linear", seed=13)
    C = losses.sse(model(X3), [0.3, -0.6])
    named = _named(model)
    eng, notes = [], []
    for m, layer in enumerate(model.layers, start=1):
        dz = grad(C, layer.z)
        a_prev = X3 if m == 1 else [v.data for v in model.layers[m - 2].a]
        ws = [named[f"W{m}[{i},{j}]"] for i in range(len(dz)) for j in range(len(a_prev))]
        bs = [named[f"b{m}[{i}]"] for i in range(len(dz))]
        eng += grad(C, ws + bs)
        notes += [dz[i] * a_prev[j] for i in range(len(dz)) for j in range(len(a_prev))] + dz
    return Sides(
        eng,
        notes,
        "Every layer of MLP(3, [4, 3, 2]) with C = ½‖y − t‖²: the engine's dC/dW^m and dC/db^m "
        "against the outer product (dC/dz^m)(a^{m−1})ᵀ, with dC/dz^m also from the engine.",
    )


@_entry("001-4", "dC/dz^m = ((W^{m+1})ᵀ dC/dz^{m+1}) ∘ da^m/dz^m")
def _001_4() -> Sides:
    model = _mlp(3, [3, 3, 3], "tanh", "linear", seed=14)  # square W², W³: the ᵀ matters
    C = losses.sse(model(X3), [0.3, -0.6, 0.1])
    eng, notes, written = [], [], []
    for m in (1, 2):
        z = model.layers[m - 1].z
        eng += grad(C, z)
        up = grad(C, model.layers[m].z)
        W = _W(model, m + 1)
        h = [1 - math.tanh(v.data) ** 2 for v in z]
        WT_up = [math.fsum(W[k][i] * up[k] for k in range(len(up))) for i in range(len(z))]
        W_up = [math.fsum(W[i][k] * up[k] for k in range(len(up))) for i in range(len(z))]
        notes += [s * d for s, d in zip(WT_up, h, strict=True)]
        written += [s * d for s, d in zip(W_up, h, strict=True)]
    return Sides(
        eng,
        notes,
        "MLP(3, [3, 3, 3]), tanh: the engine's dC/dz^m for m = 1, 2 against "
        "((W^{m+1})ᵀ dC/dz^{m+1}) ∘ (1 − tanh² z^m), dC/dz^{m+1} from the engine. Step 2) of the "
        'notes and their worked example write "(W^{m+1} dC/dz^{m+1}) ∘ da^m/dz^m" and '
        '"W^L(a^L − y) ∘ …" without the transpose (the slide\'s later line has it); with square '
        f"W the untransposed product gives {written[0]:.10g} for dC/dz¹_0, the engine "
        f"{eng[0]:.10g} (for a non-square W the product is not even defined).",
        written=written,
    )


@_entry("001-5", "Sigmoid output, C = (y−1)·log(1−a^L) − y·log(a^L) ⇒ dC/dz^L = a^L − y")
def _001_5() -> Sides:
    model = _mlp(2, [3, 1], "sigmoid", "sigmoid", seed=15)
    eng, notes, cs, bces = [], [], [], []
    for y in (1.0, 0.0, 0.3):
        out = model([0.4, -0.9])
        a = out[0]
        C = (y - 1) * (1 - a).log() - y * a.log()
        eng.append(grad(C, [model.layers[-1].z[0]])[0])
        notes.append(a.data - y)
        cs.append(C.data)
        bces.append(-(y * math.log(a.data) + (1 - y) * math.log(1 - a.data)))
    return Sides(
        eng + cs,
        notes + bces,
        "MLP(2, [3, 1]) with sigmoid units, targets y = 1, 0, 0.3: the engine's dC/dz^L of the "
        "notes' C against a^L − y, and C itself against the binary cross-entropy "
        "−[y ln a + (1 − y) ln(1 − a)]. The notes' sign is right: (y−1)·log(1−a) − y·log(a) is "
        f"that cross-entropy (C = {cs[0]:.10g} for y = 1, ≥ 0), and dC/da = (a − y)/(a(1 − a)).",
    )


@_entry("001-6", "Repeated ·W and ·σ' (σ' ≤ 1/4) make gradients vanish or explode with depth")
def _001_6() -> Sides:
    depth = 12
    eng, notes, extra = [], [], {}
    for w in (1.0, 8.0):  # |w·σ'(0)| = 1/4 (vanishes), 2 (explodes)
        model = _mlp(1, [1] * depth, "sigmoid", "sigmoid", seed=16)
        named = _named(model)
        for l in range(1, depth + 1):  # noqa: E741
            named[f"W{l}[0,0]"].data = w
            named[f"b{l}[0]"].data = -w / 2  # keeps every z^l at 0 for a⁰ = 0.5
        x = Value(0.5)
        out = model([x])[0]
        g = grad(out, [x] + [named[f"b{l}[0]"] for l in range(1, depth + 1)])  # noqa: E741
        eng += g
        sp = _sig(0.0) * (1 - _sig(0.0))
        notes += [(w * sp) ** depth] + [sp * (w * sp) ** (depth - l) for l in range(1, depth + 1)]  # noqa: E741
        extra[f"dx_w{w:g}"] = g[0]
    peak = max(_d(lambda v: v.sigmoid(), t / 10) for t in range(-50, 51))
    eng.append(peak)
    notes.append(0.25)
    return Sides(
        eng,
        notes,
        f"A chain of {depth} sigmoid units with every z at 0: the engine's ∂a^L/∂x and "
        "∂a^L/∂b^l against (wσ'(0))^L and σ'(0)(wσ'(0))^{L−l}. With w = 1 the gradient at the "
        f"input is 4^-{depth} = {extra['dx_w1']:.4g} (vanishes), with w = 8 it is 2^{depth} = "
        f"{extra['dx_w8']:.6g} (explodes); the largest σ' on [-5, 5] is {peak} = 1/4.",
        extra=extra,
    )


@_entry("001-7", "o = Σ w_i x_i, x_i ~ N(0,1), w_i ~ N(0,σ²): E[o] = 0, Var[o] = n_in σ²")
def _001_7() -> Sides:
    rng = random.Random(17)
    n_in, sigma, N = 16, 0.5, 4000
    os_ = []
    for _ in range(N):
        w = [Value(rng.gauss(0, sigma)) for _ in range(n_in)]
        x = [rng.gauss(0, 1) for _ in range(n_in)]
        os_.append(dot(w, x).data)
    mean = math.fsum(os_) / N
    var = math.fsum((o - mean) ** 2 for o in os_) / (N - 1)
    expected = n_in * sigma**2
    se = math.sqrt(expected / N)
    ok = abs(mean) <= 4 * se and abs(var / expected - 1) <= 0.10
    return Sides(
        [mean, var],
        [0.0, expected],
        f"{N} draws (seed 17) of o = Σ w_i x_i over n_in = {n_in} terms made by the engine's dot, "
        f"σ = {sigma}: sample mean {mean:.4f} (|·| ≤ 4 standard errors = {4 * se:.3f}), sample "
        f"variance {var:.4f} against n_in σ² = {expected:g} (within 10%). The notes' "
        '"Var[o] = E[o²] − (E[o])" lacks the square on E[o], harmless here as E[o] = 0.',
        holds=ok,
        tolerance="|mean| ≤ 4·√(n_in σ²/N); variance within 10%",
    )


@_entry("001-8", "Xavier/Glorot: σ = √(2/(n_in+n_out)) balances forward and backward variance")
def _001_8() -> Sides:
    n_in, n_out, models, draws = 24, 8, 40, 15
    rng = random.Random(18)
    sigma2 = 2 / (n_in + n_out)
    fwd, bwd, ws = [], [], []
    for s in range(models):
        model = _mlp(n_in, [n_out], "linear", "linear", seed=1800 + s, biases=False)
        ws += [w.data for row in model.layers[0].W for w in row]
        b = _b(model, 1)
        for _ in range(draws):
            x = [Value(rng.gauss(0, 1)) for _ in range(n_in)]
            z = model(x)
            fwd += [zk.data - bk for zk, bk in zip(z, b, strict=True)]  # o = Wx, the bias left out
            C = vsum([rng.gauss(0, 1) * zk for zk in z])  # upstream gradients g_k ~ N(0, 1)
            bwd += grad(C, x)  # ∂C/∂x_i = Σ_k W_ki g_k
    var = [math.fsum(v * v for v in vs) / len(vs) for vs in (ws, fwd, bwd)]
    expect = [sigma2, n_in * sigma2, n_out * sigma2]
    avg = (var[1] + var[2]) / 2
    ok = (
        all(abs(v / e - 1) <= 0.10 for v, e in zip(var, expect, strict=True))
        and abs(avg - 1) <= 0.10
    )
    return Sides(
        [*var, avg],
        [*expect, 1.0],
        f"{models} MLP({n_in}, [{n_out}]) with init='xavier_normal': weight variance {var[0]:.4f} "
        f"against σ² = 2/(n_in+n_out) = {sigma2:.4f}; forward Var[Wx] {var[1]:.4f} against "
        f"n_in σ² = {expect[1]:g}; backward Var[∂C/∂x] (engine backward, g ~ N(0,1)) "
        f"{var[2]:.4f} against n_out σ² = {expect[2]:g}; their average {avg:.4f} against 1.",
        holds=ok,
        tolerance="each variance within 10%",
    )


@_entry("001-9", "Autograd example: h = ReLU(W_h x + b_h), o = W_o h + b_o, L = (y − o)²")
def _001_9() -> Sides:
    model = _mlp(2, [3, 1], "relu", "linear", seed=19)
    x, y = [0.7, -0.4], 1.5
    o = model(x)[0]
    L = (y - o) ** 2
    named = _named(model)
    eng = grad(L, list(named.values()))
    # the primitive ops of the notes: m_h = W_h x, z_h = m_h + b_h, h = ReLU(z_h),
    # m_o = W_o h, o = m_o + b_o, e = y − o, L = e²
    Wh, bh, Wo, bo = _W(model, 1), _b(model, 1), _W(model, 2)[0], _b(model, 2)[0]
    z_h = _matvec(Wh, x, bh)
    h = [max(z, 0.0) for z in z_h]
    e = y - (math.fsum(w * v for w, v in zip(Wo, h, strict=True)) + bo)
    dL_de, de_do, do_dmo, do_dbo = 2 * e, -1.0, 1.0, 1.0
    dL_do = dL_de * de_do
    notes = {}
    for k in range(len(h)):
        dh_dz = 1.0 if z_h[k] > 0 else 0.0
        for j in range(len(x)):
            notes[f"W1[{k},{j}]"] = dL_do * do_dmo * Wo[k] * dh_dz * 1.0 * x[j]  # dz/dm · dm/dW
        notes[f"b1[{k}]"] = dL_do * do_dmo * Wo[k] * dh_dz * 1.0
        notes[f"W2[0,{k}]"] = dL_do * do_dmo * h[k]
    notes["b2[0]"] = dL_do * do_dbo
    steps = list(backward_steps(L))
    return Sides(
        eng,
        [notes[n] for n in named],
        "MLP(2, [3, 1]) with a ReLU hidden layer, L = (y − o)²: the engine's gradient of every "
        "weight and bias against the product of the local derivatives dL/de·de/do·do/dm_o·"
        f"dm_o/dh·dh/dz_h·dz_h/dm_h·dm_h/dW_h; backward took {len(steps)} steps.",
    )


# ---- 002: residual form, deeper networks, cost -------------------------------------------------


_HS: dict[str, tuple[Callable[[Value], Value], Callable[[float], float], Callable[[float], float]]]
_HS = {
    "tanh": (lambda v: v.tanh(), math.tanh, lambda s: 1 - math.tanh(s) ** 2),
    "sigmoid": (lambda v: v.sigmoid(), _sig, lambda s: _sig(s) * (1 - _sig(s))),
    "softplus": (lambda v: v.softplus(), lambda s: math.log1p(math.exp(s)), _sig),
}


def _rand_matrix(rng: random.Random, rows: int, cols: int) -> list[list[float]]:
    return [[rng.gauss(0, 0.8) for _ in range(cols)] for _ in range(rows)]


def _deep_f(h: str, Ws: list[list[list[float]]], w: list[float], x: list[float], y: float):
    """f = ½(wᵀh(W⁽ᵐ⁾ … h(W⁽¹⁾x)) − y)² built with Values: f and the weight Values."""
    hv = _HS[h][0]
    VWs = [[[Value(v) for v in row] for row in W] for W in Ws]
    vw = [Value(v) for v in w]
    z: list = list(x)
    for VW in VWs:
        z = [hv(dot(row, z)) for row in VW]
    f = 0.5 * (dot(vw, z) - y) ** 2
    return f, VWs, vw


def _deep_grads(h: str, Ws, w, x, y) -> list[float]:
    f, VWs, vw = _deep_f(h, Ws, w, x, y)
    return grad(f, [v for VW in VWs for row in VW for v in row] + vw)


@_entry("002-1", "r = Σ_c w_c h(W_c x) − y: ∂f/∂w_c = r·h(W_c x), ∂f/∂W_cj = r·v_c·x_j")
def _002_1() -> Sides:
    rng = random.Random(21)
    k, d = 4, 3
    W, w, x, y = _rand_matrix(rng, k, d), [rng.gauss(0, 1) for _ in range(k)], X3, 0.7
    _, h, dh = _HS["tanh"]
    s = _matvec(W, x)
    r = math.fsum(wc * h(sc) for wc, sc in zip(w, s, strict=True)) - y
    v = [wc * dh(sc) for wc, sc in zip(w, s, strict=True)]
    notes = [r * v[c] * x[j] for c in range(k) for j in range(d)] + [r * h(sc) for sc in s]
    return Sides(
        _deep_grads("tanh", [W], w, x, y),
        notes,
        "f(w, W) = ½(Σ_c w_c tanh(W_c x) − y)², k = 4 hidden units, d = 3 inputs: the engine's "
        "∂f/∂W_cj and ∂f/∂w_c against r·v_c·x_j and r·h(W_c x).",
    )


@_entry("002-2", "Two hidden layers: ∂f/∂W⁽²⁾_cc' = r v_c z⁽¹⁾_c', ∂f/∂W⁽¹⁾_cj = r(Σ v W⁽²⁾)h' x_j")
def _002_2() -> Sides:
    rng = random.Random(22)
    k, d = 4, 3
    W1, W2 = _rand_matrix(rng, k, d), _rand_matrix(rng, k, k)
    w, x, y = [rng.gauss(0, 1) for _ in range(k)], X3, -0.4
    _, h, dh = _HS["sigmoid"]
    s1 = _matvec(W1, x)
    z1 = [h(v) for v in s1]
    s2 = _matvec(W2, z1)
    z2 = [h(v) for v in s2]
    r = math.fsum(a * b for a, b in zip(w, z2, strict=True)) - y
    v = [w[c] * dh(s2[c]) for c in range(k)]
    g1 = [
        r * math.fsum(v[cp] * W2[cp][c] for cp in range(k)) * dh(s1[c]) * x[j]
        for c in range(k)
        for j in range(d)
    ]
    g2 = [r * v[c] * z1[cp] for c in range(k) for cp in range(k)]
    return Sides(
        _deep_grads("sigmoid", [W1, W2], w, x, y),
        g1 + g2 + [r * z for z in z2],
        "f = ½(wᵀσ(W⁽²⁾σ(W⁽¹⁾x)) − y)², 4 units per layer: the engine's gradients of W⁽¹⁾, "
        "W⁽²⁾, w against r(Σ_c' v_c' W⁽²⁾_c'c)h'(W⁽¹⁾_c x)x_j, r v_c z⁽¹⁾_c' and r z⁽²⁾_c.",
    )


@_entry("002-3", "Three hidden layers: the same recursion once more")
def _002_3() -> Sides:
    rng = random.Random(23)
    k, d = 3, 3
    Ws = [_rand_matrix(rng, k, d), _rand_matrix(rng, k, k), _rand_matrix(rng, k, k)]
    w, x, y = [rng.gauss(0, 1) for _ in range(k)], X3, 0.25
    _, h, dh = _HS["softplus"]
    s, zs = [], [list(x)]
    for W in Ws:
        s.append(_matvec(W, zs[-1]))
        zs.append([h(v) for v in s[-1]])
    r = math.fsum(a * b for a, b in zip(w, zs[3], strict=True)) - y
    # v_c = w_c h'(·) at layer 3; b_c and d_c carry it down through W⁽³⁾ and W⁽²⁾
    v = [w[c] * dh(s[2][c]) for c in range(k)]
    b = [math.fsum(v[cp] * Ws[2][cp][c] for cp in range(k)) * dh(s[1][c]) for c in range(k)]
    dd = [math.fsum(b[cp] * Ws[1][cp][c] for cp in range(k)) * dh(s[0][c]) for c in range(k)]
    g1 = [r * dd[c] * x[j] for c in range(k) for j in range(d)]
    g2 = [r * b[c] * zs[1][cp] for c in range(k) for cp in range(k)]
    g3 = [r * v[c] * zs[2][cp] for c in range(k) for cp in range(k)]
    return Sides(
        _deep_grads("softplus", Ws, w, x, y),
        g1 + g2 + g3 + [r * z for z in zs[3]],
        "f = ½(wᵀh(W⁽³⁾h(W⁽²⁾h(W⁽¹⁾x))) − y)² with h = softplus: the engine's gradients against "
        "r z⁽³⁾_c, r v_c z⁽²⁾_c', r b_c z⁽¹⁾_c', r d_c x_j (v, b, d each one layer further down). "
        "The notes label both ∂f/∂W⁽³⁾_cc' = r v_c z⁽²⁾_c' and r(vᵀu_c)z⁽¹⁾_c' as W⁽³⁾; the second "
        "is the gradient of W⁽²⁾.",
    )


def _count(d: int, k: int, m: int) -> tuple[int, int]:
    """Multiplications by weights in the forward pass; local-derivative products in backward."""
    model = _mlp(d, [k] * m + [1], "tanh", "linear", seed=24)
    out = model([0.1 * (i + 1) for i in range(d)])[0]
    fwd = 0
    for node in topological_order(out):
        if node.op == "dot":
            fwd += len(node.parents) // 2
        elif node.op == "wsum":
            fwd += len(node.parents)
    bwd = sum(len(step.contributions) for step in backward_steps(out))
    return fwd, bwd


@_entry("002-4", "Cost: O(dk + mk²) forward for m layers of k units on d inputs; backward the same")
def _002_4() -> Sides:
    sizes = [(3, 4, 1), (3, 8, 2), (3, 16, 3), (5, 16, 2)]
    fwd, bwd, formula = [], [], []
    for d, k, m in sizes:
        f, b = _count(d, k, m)
        fwd.append(f)
        bwd.append(b)
        formula.append(d * k + (m - 1) * k * k + k)
    ratios = [b / f for f, b in zip(fwd, bwd, strict=True)]
    ok = close(fwd, formula) and all(1.0 <= q <= 3.0 for q in ratios)
    return Sides(
        fwd,
        formula,
        "MLPs with (d, k, m) = " + ", ".join(map(str, sizes)) + ": the multiplications by "
        "weights in the engine's forward graph equal dk + (m−1)k² + k exactly; the backward "
        f"pass does {bwd} local-derivative products, {', '.join(f'{q:.2f}' for q in ratios)} "
        "times the forward count: the same order (ratio within [1, 3]).",
        holds=ok,
        extra={f"backward_{i}": float(b) for i, b in enumerate(bwd)}
        | {f"ratio_{i}": q for i, q in enumerate(ratios)},
    )


@_entry("002-5", "Softmax loss is cross-entropy: −log softmax(z)_c = −Σ_k t_k ln y_k")
def _002_5() -> Sides:
    z0, c = [1.2, -0.4, 0.3, 2.0], 2
    z = [Value(v) for v in z0]
    C = losses.cross_entropy(z, c)
    y = softmax(z0)
    t = [1.0 if k == c else 0.0 for k in range(len(z0))]
    ce = -math.fsum(tk * math.log(yk) for tk, yk in zip(t, y, strict=True))
    softmax_loss = -z0[c] + math.log(math.fsum(math.exp(v) for v in z0))
    return Sides(
        [C.data, *grad(C, z)],
        [ce, *[yk - tk for yk, tk in zip(y, t, strict=True)]],
        f"Logits {z0}, class {c}: nn.losses.cross_entropy (value, and the engine's gradient) "
        "against −Σ_k t_k ln softmax(z)_k and softmax(z) − t; the softmax loss "
        f"−z_c + ln Σ e^z = {softmax_loss:.10g}.",
        extra={"softmax_loss": softmax_loss},
    )


# ---- 003: forward and backward passes in vector form -------------------------------------------


@_entry("003-1", "z^l = W^l a^{l−1} + b^l, a^l = σ(z^l); y = σ(W^L … σ(W¹x + b¹) … + b^L)")
def _003_1() -> Sides:
    model = _mlp(3, [4, 3, 2], "sigmoid", "sigmoid", seed=31)
    out = model(X3)
    W1, W2, W3 = (_W(model, l) for l in (1, 2, 3))  # noqa: E741
    b1, b2, b3 = (_b(model, l) for l in (1, 2, 3))  # noqa: E741

    def sig(v: list[float]) -> list[float]:
        return [_sig(s) for s in v]

    y = sig(_matvec(W3, sig(_matvec(W2, sig(_matvec(W1, X3, b1)), b2)), b3))
    eng = [v.data for v in out]
    notes = list(y)
    a = list(X3)
    for l, layer in enumerate(model.layers, start=1):  # noqa: E741
        z = _matvec(_W(model, l), a, _b(model, l))
        a = sig(z)
        eng += [v.data for v in layer.z] + [v.data for v in layer.a]
        notes += z + a
    return Sides(
        eng,
        notes,
        "MLP(3, [4, 3, 2]) with sigmoid units: the engine's outputs against the nested "
        "σ(W³σ(W²σ(W¹x + b¹) + b²) + b³), and every layer's z^l, a^l against W^l a^{l−1} + b^l, "
        "σ(z^l).",
    )


@_entry("003-2", "∂z_i^l/∂w_ij^l = a_j^{l−1} for l > 1 and x_j for l = 1")
def _003_2() -> Sides:
    model = _mlp(3, [4, 3, 2], "sigmoid", "sigmoid", seed=32)
    model(X3)
    eng, notes = [], []
    for l, layer in enumerate(model.layers, start=1):  # noqa: E741
        a_prev = X3 if l == 1 else [v.data for v in model.layers[l - 2].a]
        for i, row in enumerate(layer.W):
            eng += grad(layer.z[i], row)
            notes += a_prev
    return Sides(
        eng,
        notes,
        "Every weight of MLP(3, [4, 3, 2]): the engine's ∂z_i^l/∂w_ij^l against x_j (l = 1) "
        "and a_j^{l−1} (l > 1).",
    )


@_entry("003-3", "δ^L = σ'(z^L) ⊙ ∇C(y)")
def _003_3() -> Sides:
    model = _mlp(3, [4, 2], "sigmoid", "sigmoid", seed=33)
    t = [1.0, 0.0]
    eng, notes = [], []
    for name in ("sse", "binary_cross_entropy"):
        C = getattr(losses, name)(model(X3), t)
        zL = model.layers[-1].z
        eng += grad(C, zL)
        y = [_sig(v.data) for v in zL]
        grad_C = (
            [yk - tk for yk, tk in zip(y, t, strict=True)]
            if name == "sse"
            else [(yk - tk) / (yk * (1 - yk)) for yk, tk in zip(y, t, strict=True)]
        )
        notes += [yk * (1 - yk) * gk for yk, gk in zip(y, grad_C, strict=True)]
    return Sides(
        eng,
        notes,
        "Sigmoid output of MLP(3, [4, 2]) with C = ½‖y − t‖² and with binary cross-entropy: the "
        "engine's ∂C/∂z^L against σ'(z^L) ⊙ ∇C(y), ∇C(y) = y − t and (y − t)/(y(1 − y)).",
    )


@_entry("003-4", "δ^l = σ'(z^l) ⊙ (W^{l+1})ᵀ δ^{l+1}")
def _003_4() -> Sides:
    model = _mlp(3, [4, 3, 2], "sigmoid", "sigmoid", seed=34)
    t = [0.9, 0.1]
    C = losses.sse(model(X3), t)
    eng = [g for layer in model.layers for g in grad(C, layer.z)]
    ds = backprop.deltas(model, X3, t, "sse", shortcut=False)
    return Sides(
        eng,
        [d for l in range(1, len(ds)) for d in ds[l]],  # noqa: E741
        "MLP(3, [4, 3, 2]), sigmoid units, C = ½‖y − t‖²: the engine's ∂C/∂z^l for every layer "
        "against nn.backprop.deltas, which runs δ^L = σ'(z^L) ⊙ ∇C and δ^l = σ'(z^l) ⊙ "
        "(W^{l+1})ᵀδ^{l+1} in floats.",
    )


@_entry("003-5", "∂C/∂w_ij^l = δ_i^l · a_j^{l−1}; ∂C/∂b_i^l = δ_i^l")
def _003_5() -> Sides:
    model = _mlp(3, [4, 3, 2], "sigmoid", "sigmoid", seed=35)
    table = backprop.compare(model, X3, [0.9, 0.1], "sse")
    return Sides(
        [r.autograd for r in table],
        [r.manual for r in table],
        f"nn.backprop.compare on MLP(3, [4, 3, 2]), {len(table)} parameters: the engine's "
        f"gradients against δ_i^l a_j^{{l−1}} and δ_i^l; max |diff| = {table.max_abs_diff:.1e}.",
        extra={"max_abs_diff": table.max_abs_diff},
    )


@_entry("003-6", "θ ← θ − η∇C(θ) lowers C for a small enough η")
def _003_6() -> Sides:
    X, Y = _data(6, 2, 1, seed=36)
    model = _mlp(2, [4, 1], "sigmoid", "linear", seed=36)
    params = list(_named(model).values())
    C0 = _sse_batch(model, X, Y)
    g = grad(C0, params)
    eta = 1e-6
    for p, gi in zip(params, g, strict=True):
        p.data -= eta * gi
    dC = _sse_batch(model, X, Y).data - C0.data
    predicted = -eta * math.fsum(gi * gi for gi in g)
    history = _descend(model, X, Y, 0.1, 20, None)
    monotone = all(b < a for a, b in itertools.pairwise(history))
    ok = close([dC], [predicted], rel=1e-4) and monotone
    return Sides(
        [dC],
        [predicted],
        f"MLP(2, [4, 1]) on 6 points: one step with η = {eta:g} changes C by {dC:.6g}, the "
        f"first-order prediction −η‖∇C‖² is {predicted:.6g}; 20 further steps with η = 0.1 lower "
        f"C at every step, {history[0]:.6g} → {history[-1]:.6g}.",
        holds=ok,
        rel_tol=1e-4,
        tolerance="relative 1e-4 (second-order term of the step)",
        extra={"C_first": history[0], "C_last": history[-1], "monotone": float(monotone)},
    )


# ---- 004: Bishop ch. 5 -------------------------------------------------------------------------


@_entry("004-1", "Folding the biases into the weights with x₀ = z₀ = 1 gives the same outputs")
def _004_1() -> Sides:
    model = _mlp(3, [4, 2], "tanh", "sigmoid", seed=41)
    xv = [Value(v) for v in X3]
    out = model(xv)
    eng = [v.data for v in out] + [g for yk in out for g in grad(yk, xv)]
    W1 = [[b, *row] for row, b in zip(_W(model, 1), _b(model, 1), strict=True)]  # w_j0 = bias
    W2 = [[b, *row] for row, b in zip(_W(model, 2), _b(model, 2), strict=True)]
    x = [1.0, *X3]  # x₀ = 1
    a_hidden = _matvec(W1, x)
    z = [1.0, *[math.tanh(a) for a in a_hidden]]  # z₀ = 1
    a_out = _matvec(W2, z)
    y = [_sig(a) for a in a_out]
    # ∂y_k/∂x_i = σ'(a_k) Σ_j w_kj h'(a_j) w_ji, through the folded weights
    dy = [
        y[k]
        * (1 - y[k])
        * math.fsum(
            W2[k][j + 1] * (1 - math.tanh(a_hidden[j]) ** 2) * W1[j][i + 1]
            for j in range(len(a_hidden))
        )
        for k in range(len(y))
        for i in range(len(X3))
    ]
    return Sides(
        eng,
        y + dy,
        "MLP(3, [4, 2]), tanh hidden, sigmoid output: the engine's outputs and ∂y_k/∂x_i "
        "against y_k = σ(Σ_{j=0}^M w_kj h(Σ_{i=0}^D w_ji x_i)) with x₀ = z₀ = 1.",
    )


@_entry("004-2", "All-linear hidden units: the network equals one with no hidden layer")
def _004_2() -> Sides:
    model = _mlp(3, [4, 2], "linear", "linear", seed=42)
    W1, W2, b1, b2 = _W(model, 1), _W(model, 2), _b(model, 1), _b(model, 2)
    W = [[math.fsum(W2[k][j] * W1[j][i] for j in range(4)) for i in range(3)] for k in range(2)]
    b = _matvec(W2, b1, b2)
    eng, notes = [], []
    for x0 in (X3, [-0.3, 0.9, 1.7]):
        xv = [Value(v) for v in x0]
        out = model(xv)
        eng += [v.data for v in out] + [g for yk in out for g in grad(yk, xv)]
        notes += _matvec(W, x0, b) + [w for row in W for w in row]
    return Sides(
        eng,
        notes,
        "MLP(3, [4, 2]) with linear units: the engine's outputs and Jacobian ∂y/∂x at two inputs "
        "against the single layer y = (W²W¹)x + (W²b¹ + b²).",
    )


@_entry("004-3", "Sum of squares, binary CE, K binary labels, categorical CE with softmax")
def _004_3() -> Sides:
    eng, notes = [], []
    # sum of squares, 3 examples × 2 outputs
    Y = [[0.2, -0.5], [1.1, 0.3], [-0.7, 0.8]]
    T = [[0.0, -0.4], [1.0, 0.9], [-1.0, 0.5]]
    P = [[Value(v) for v in row] for row in Y]
    E = vsum([losses.sse(p, t) for p, t in zip(P, T, strict=True)])
    eng += [E.data, *grad(E, [v for p in P for v in p])]
    notes += [
        0.5
        * math.fsum(
            (y - t) ** 2 for ys, ts in zip(Y, T, strict=True) for y, t in zip(ys, ts, strict=True)
        )
    ]
    notes += [y - t for ys, ts in zip(Y, T, strict=True) for y, t in zip(ys, ts, strict=True)]
    # binary CE (one output, 4 examples) and K = 3 independent binary labels (2 examples)
    for Y, T in (
        ([[0.8], [0.3], [0.6], [0.1]], [[1.0], [0.0], [1.0], [0.0]]),
        ([[0.7, 0.2, 0.9], [0.4, 0.6, 0.05]], [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]),
    ):
        P = [[Value(v) for v in row] for row in Y]
        E = vsum([losses.binary_cross_entropy(p, t) for p, t in zip(P, T, strict=True)])
        eng += [E.data, *grad(E, [v for p in P for v in p])]
        pairs = [(y, t) for ys, ts in zip(Y, T, strict=True) for y, t in zip(ys, ts, strict=True)]
        notes += [-math.fsum(t * math.log(y) + (1 - t) * math.log(1 - y) for y, t in pairs)]
        notes += [-t / y + (1 - t) / (1 - y) for y, t in pairs]
    # categorical CE with softmax outputs, 2 examples × 3 classes
    A = [[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]]
    T = [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    Av = [[Value(v) for v in row] for row in A]
    Ys = [vsoftmax(a) for a in Av]
    E = -vsum(
        [t * y.log() for ys, ts in zip(Ys, T, strict=True) for y, t in zip(ys, ts, strict=True)]
    )
    eng += [E.data, *grad(E, [v for a in Av for v in a])]
    eng += [v.data for ys in Ys for v in ys] + [math.fsum(v.data for v in ys) for ys in Ys]
    Yf = [softmax(a) for a in A]
    notes += [
        -math.fsum(
            t * math.log(y)
            for ys, ts in zip(Yf, T, strict=True)
            for y, t in zip(ys, ts, strict=True)
        )
    ]
    notes += [y - t for ys, ts in zip(Yf, T, strict=True) for y, t in zip(ys, ts, strict=True)]
    notes += [y for ys in Yf for y in ys] + [1.0, 1.0]
    in_unit = all(0.0 <= v.data <= 1.0 for ys in Ys for v in ys)
    return Sides(
        eng,
        notes,
        "Each error function built with the engine (nn.losses.sse, binary_cross_entropy, and "
        "−Σ t ln y over autograd.softmax), its value and its gradient, against the notes' "
        "formulas: y − t, −t/y + (1 − t)/(1 − y), and softmax − t at the softmax inputs; the "
        "softmax outputs lie in [0, 1] and sum to 1.",
        holds=close(eng, notes) and in_unit,
    )


@_entry("004-4", "One-hot target: H(y, p) = −Σ_i y_i log p_i = −log p_c")
def _004_4() -> Sides:
    p0, c = [0.15, 0.6, 0.25], 1
    p = [Value(v) for v in p0]
    y = [1.0 if i == c else 0.0 for i in range(3)]
    H = -vsum([yi * pi.log() for yi, pi in zip(y, p, strict=True)])
    via_logits = losses.cross_entropy([Value(math.log(v)) for v in p0], c)
    return Sides(
        [H.data, via_logits.data, *grad(H, p)],
        [-math.log(p0[c]), -math.log(p0[c]), *[-1 / p0[i] if i == c else 0.0 for i in range(3)]],
        f"p = {p0}, class c = {c}: −Σ y_i log p_i built with the engine (and nn.losses."
        "cross_entropy on logits ln p) against −log p_c; the engine's ∂H/∂p is −1/p_c at c, 0 "
        "elsewhere.",
    )


TABLE_004_5 = (
    ("Car", [1, 0, 0], [0.8, 0.1, 0.1]),
    ("Bike", [0, 1, 0], [0.2, 0.7, 0.1]),
    ("Person", [0, 0, 1], [0.1, 0.2, 0.7]),
    ("Car", [1, 0, 0], [0.6, 0.2, 0.2]),
)
"""The notes' four-example table: ground truth (one-hot) and predicted probabilities."""


@_entry("004-5", "The four-example table: categorical CE of each row and of the table")
def _004_5() -> Sides:
    eng, notes, grads = [], [], []
    for _, t, p0 in TABLE_004_5:
        p = [Value(v) for v in p0]
        H = -vsum([ti * pi.log() for ti, pi in zip(t, p, strict=True)])
        eng.append(H.data)
        grads.append(grad(H, p)[t.index(1)])
        notes.append(-math.log(p0[t.index(1)]))
    table = [losses.cross_entropy([Value(math.log(v)) for v in p0], t.index(1)).data
             for _, t, p0 in TABLE_004_5]  # fmt: skip
    total, mean = math.fsum(eng), math.fsum(eng) / 4
    bits = [-math.log2(p0[t.index(1)]) for _, t, p0 in TABLE_004_5]
    return Sides(
        [*eng, *table, total, mean, *grads],
        [*notes, *notes, math.fsum(notes), math.fsum(notes) / 4,
         *[-1 / p0[t.index(1)] for _, t, p0 in TABLE_004_5]],
        "Rows Car, Bike, Person, Car: −Σ_i y_i ln ŷ_i = −ln ŷ_c = "
        + ", ".join(f"{v:.6f}" for v in eng)
        + f" (nats); the table's E = Σ_n = {total:.6f}, the mean per example {mean:.6f}. "
        "The notes give the table but no loss values; they are in nats (natural log, as Bishop's "
        "ln); in bits they would be " + ", ".join(f"{v:.4f}" for v in bits) + ".",
        extra={"total": total, "mean": mean},
    )  # fmt: skip


@_entry("004-6", "Linear outputs, E_n = ½Σ_k (y_nk − t_nk)²: ∂E_n/∂w_ji = (y_nj − t_nj) x_ni")
def _004_6() -> Sides:
    model = _mlp(3, [2], "linear", "linear", seed=46)
    t = [0.4, -0.3]
    out = model(X3)
    E = losses.sse(out, t)
    named = _named(model)
    y = [v.data for v in out]
    xb = [*X3, 1.0]
    notes = {f"W1[{j},{i}]": (y[j] - t[j]) * xb[i] for j in range(2) for i in range(3)}
    notes |= {f"b1[{j}]": (y[j] - t[j]) * xb[3] for j in range(2)}
    sig_model = _mlp(3, [2], "linear", "sigmoid", seed=46)
    s_out = sig_model(X3)
    g_sig = grad(losses.sse(s_out, t), [sig_model.layers[0].W[0][0]])[0]
    plain = (s_out[0].data - t[0]) * X3[0]
    return Sides(
        grad(E, list(named.values())),
        [notes[n] for n in named],
        "A linear layer y = Wx + b (bias as x₀ = 1), E_n = ½Σ(y − t)²: the engine's gradients "
        "against (y_j − t_j)x_i. The notes' equation bank puts this line under \"Error BP, "
        'Sigmoid:"; it holds for linear outputs (as Bishop says), not for sigmoid outputs with '
        f"squares: there the engine gives ∂E/∂w_00 = {g_sig:.10g}, (y − t)x = {plain:.10g}, "
        "off by the factor y(1 − y).",
        extra={"sigmoid_engine": g_sig, "sigmoid_plain": plain},
    )


@_entry("004-7", "δ_j ≡ ∂E_n/∂a_j; ∂E_n/∂w_ji = δ_j z_i")
def _004_7() -> Sides:
    model = _mlp(3, [4, 2], "tanh", "linear", seed=47)
    E = losses.sse(model(X3), [0.5, -0.5])
    eng, notes, written = [], [], []
    for l, layer in enumerate(model.layers, start=1):  # noqa: E741
        delta = grad(E, layer.z)  # δ_j = ∂E_n/∂a_j, a_j the unit's summed input
        z_in = X3 if l == 1 else [v.data for v in model.layers[l - 2].a]
        for j, row in enumerate(layer.W):
            eng += grad(E, row)
            notes += [delta[j] * zi for zi in z_in]
            written += [delta[j] * layer.a[j].data] * len(z_in)  # δ_j O_j: the unit's own output
    k = 3 * 4 + 1  # W2[0,1]
    return Sides(
        eng,
        notes,
        "MLP(3, [4, 2]), tanh hidden, linear output, sum of squares: the engine's ∂E_n/∂w_ji "
        "against δ_j z_i, with δ_j = ∂E_n/∂a_j from the engine and z_i the unit's inputs. The "
        'notes\' closing summary writes "Δw_ij = η × δ_j × O_j": the weight from unit i to unit '
        "j moves with the output O_i of the unit it comes from, not with O_j. For W2[0,1] the "
        f"engine gives ∂E/∂w = {eng[k]:.10g} = δ_0 z_1; δ_0 times the unit's own output gives "
        f"{written[k]:.10g}.",
        written=written,
    )


@_entry("004-8", "δ_k = y_k − t_k for identity + squares, sigmoid + binary CE, softmax + CE")
def _004_8() -> Sides:
    eng, notes = [], []
    t2 = [1.0, 0.0]
    cases = (
        ("linear", lambda o: losses.sse(o, [0.3, -0.8]), [0.3, -0.8], 2),
        ("sigmoid", lambda o: losses.binary_cross_entropy(o, t2), t2, 2),
        ("linear", lambda o: losses.cross_entropy(o, 1), [0.0, 1.0, 0.0], 3),
    )
    for n, (out_act, loss, t, k) in enumerate(cases):
        model = _mlp(3, [4, k], "tanh", out_act, seed=480 + n)
        E = loss(model(X3))
        zL = model.layers[-1].z
        eng += grad(E, zL)
        y = [v.data for v in model.layers[-1].a]
        if n == 2:
            y = softmax([v.data for v in zL])  # cross_entropy's softmax of the logits
        notes += [yk - tk for yk, tk in zip(y, t, strict=True)]
    sq = _mlp(3, [4, 2], "tanh", "sigmoid", seed=481)
    E = losses.sse(sq(X3), t2)
    off = grad(E, sq.layers[-1].z)[0]
    y0 = sq.layers[-1].a[0].data
    return Sides(
        eng,
        notes,
        "The engine's ∂E/∂a_k at the output units against y_k − t_k for identity + ½Σ(y−t)², "
        "sigmoid + binary cross-entropy, and softmax (inside nn.losses.cross_entropy) + "
        f"categorical CE. A non-matching pair does not give it: sigmoid + squares gives {off:.6g} "
        f"where y − t = {y0 - t2[0]:.6g}.",
    )


@_entry("004-9", "δ_j = h'(a_j) Σ_k w_kj δ_k for hidden units")
def _004_9() -> Sides:
    model = _mlp(3, [4, 3, 2], "tanh", "linear", seed=49)
    t = [0.2, -0.1]
    out = model(X3)
    E = losses.sse(out, t)
    eng = grad(E, model.layers[0].z) + grad(E, model.layers[1].z)
    zs, as_ = backprop.forward_pass(model, X3)
    delta_k = [y - tk for y, tk in zip(as_[3], t, strict=True)]  # output units: identity + squares
    notes: list[float] = []
    for l in (2, 1):  # noqa: E741
        W = _W(model, l + 1)
        delta_k = [
            (1 - math.tanh(a) ** 2) * math.fsum(W[k][j] * delta_k[k] for k in range(len(W)))
            for j, a in enumerate(zs[l])
        ]
        notes = delta_k + notes
    return Sides(
        eng,
        notes,
        "Both hidden layers of MLP(3, [4, 3, 2]), tanh: the engine's ∂E/∂a_j against "
        "h'(a_j) Σ_k w_kj δ_k, starting from δ_k = y_k − t_k, with h' = 1 − tanh².",
    )


@_entry("004-10", "Batch: ∂E/∂w_ji = Σ_n ∂E_n/∂w_ji")
def _004_10() -> Sides:
    model = _mlp(2, [3, 2], "tanh", "linear", seed=410)
    X, Y = _data(5, 2, 2, seed=410)
    named = _named(model)
    eng = grad(_sse_batch(model, X, Y), list(named.values()))
    per = [backprop.manual_gradients(model, x, y, "sse") for x, y in zip(X, Y, strict=True)]
    return Sides(
        eng,
        [math.fsum(g[n] for g in per) for n in named],
        "MLP(2, [3, 2]), 5 examples: the engine's gradient of E = Σ_n E_n against the sum over n "
        "of the notes' per-example gradients δ_j z_i (nn.backprop, one example at a time).",
    )


def _classic_step(W1, b1, W2, b2, x, t, eta, written=False):
    """One step of the notes' loop (sigmoid units, squares): new (W1, b1, W2, b2) in floats."""
    z = [_sig(s) for s in _matvec(W1, x, b1)]
    y = [_sig(s) for s in _matvec(W2, z, b2)]
    if written:  # the hand-written variants: f(f − 1) where σ' = f(1 − f)
        d_out = [(tk - yk) * yk * (yk - 1) for yk, tk in zip(y, t, strict=True)]
        d_hid = [
            zh * (zh - 1) * math.fsum(W2[k][h] * d_out[k] for k in range(len(y)))
            for h, zh in enumerate(z)
        ]
    else:
        d_out = [yk * (1 - yk) * (tk - yk) for yk, tk in zip(y, t, strict=True)]
        d_hid = [
            zh * (1 - zh) * math.fsum(W2[k][h] * d_out[k] for k in range(len(y)))
            for h, zh in enumerate(z)
        ]
    W2n = [[w + eta * d_out[k] * z[h] for h, w in enumerate(row)] for k, row in enumerate(W2)]
    b2n = [b + eta * d for b, d in zip(b2, d_out, strict=True)]
    W1n = [[w + eta * d_hid[h] * x[i] for i, w in enumerate(row)] for h, row in enumerate(W1)]
    b1n = [b + eta * d for b, d in zip(b1, d_hid, strict=True)]
    return W1n, b1n, W2n, b2n


def _sse_float(W1, b1, W2, b2, x, t) -> float:
    z = [_sig(s) for s in _matvec(W1, x, b1)]
    y = [_sig(s) for s in _matvec(W2, z, b2)]
    return 0.5 * math.fsum((yk - tk) ** 2 for yk, tk in zip(y, t, strict=True))


def _flat(W1, b1, W2, b2) -> list[float]:
    return [w for row in W1 for w in row] + list(b1) + [w for row in W2 for w in row] + list(b2)


@_entry(
    "004-11", "Classic loop: δ_k ← y_k(1−y_k)(t_k − y_k), δ_h ← z_h(1−z_h)Σ w_kh δ_k, w ← w + ηδx"
)
def _004_11() -> Sides:
    model = _mlp(2, [3, 2], "sigmoid", "sigmoid", seed=411)
    x, t, eta = [0.6, -0.9], [1.0, 0.0], 0.5
    named = _named(model)
    E = losses.sse(model(x), t)
    g = dict(zip(named, grad(E, list(named.values())), strict=True))
    weights = (_W(model, 1), _b(model, 1), _W(model, 2), _b(model, 2))
    order = list(named)  # W1 row by row, b1, W2, b2: the layout of _flat
    eng = [named[n].data - eta * g[n] for n in order]  # w ← w − η ∂E/∂w, ∂E/∂w by the engine
    right = _classic_step(*weights, x, t, eta)
    wrong = _classic_step(*weights, x, t, eta, written=True)
    E0 = _sse_float(*weights, x, t)
    E_right, E_wrong = _sse_float(*right, x, t), _sse_float(*wrong, x, t)
    n_hidden = len(weights[0]) * len(weights[0][0]) + len(weights[1])
    hidden_same = close(_flat(*right)[:n_hidden], _flat(*wrong)[:n_hidden])
    k = order.index("W2[0,0]")
    return Sides(
        eng,
        _flat(*right),
        "One step of the notes' loop on MLP(2, [3, 2]) with sigmoid units, η = 0.5, against the "
        "engine's w − η ∂E/∂w: they agree. The hand-written variants write "
        "\"Δw_kj = η(y_pk − o_pk) f(f−1) i_pj\" for the output layer: f(f−1) = −f(1−f), so the "
        f"step climbs the error: W2[0,0] becomes {_flat(*wrong)[k]:.10g} instead of the engine's "
        f"{eng[k]:.10g}, and E goes {E0:.6g} → {E_wrong:.6g} (up) instead of → {E_right:.6g}. "
        "In their hidden-layer line \"η f_j^h(f_j^h − 1) Σ_k[δ_pk f_k^o(f_k^o − 1) w_kj] x_pz\" "
        "the two sign slips cancel, so the hidden weights come out right"
        f"{'' if hidden_same else ' (they do not, here)'}. Their line "
        "\"δ_pj^h = Σ_k w_kj δ_pk^o\" also drops the factor f_j^h' that the next lines restore.",
        written=_flat(*wrong),
        extra={"E_before": E0, "E_after": E_right, "E_after_written": E_wrong,
               "hidden_written_equal": float(hidden_same)},
    )  # fmt: skip


@_entry("004-12", "tanh(x) = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ); tanh' = 1 − tanh²")
def _004_12() -> Sides:
    xs = (-1.7, -0.2, 0.6, 2.2)

    def composed(x: Value) -> Value:
        return (x.exp() - (-x).exp()) / (x.exp() + (-x).exp())

    t = [(math.exp(x) - math.exp(-x)) / (math.exp(x) + math.exp(-x)) for x in xs]
    vals = []
    for x in xs:
        v = Value(x)
        vals.append(composed(v).data)
    return Sides(
        vals + [_d(composed, x) for x in xs] + [_d(lambda v: v.tanh(), x) for x in xs],
        [math.tanh(x) for x in xs] + [1 - tk**2 for tk in t] * 2,
        f"At x = {xs}: (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ) built from the engine's exp against tanh x, and "
        "the engine's derivatives of that expression and of the tanh op against 1 − tanh².",
    )


@_entry("004-13", "Gudermannian gd(x) = ∫₀ˣ dt/cosh t = 2·arctan(tanh(x/2)); gd'(x) = 1/cosh x")
def _004_13() -> Sides:
    xs = (-2.0, -0.5, 0.3, 1.5)

    def gd(x: Value) -> Value:
        return 2 * (x / 2).tanh().atan()

    def integral(x: float, n: int = 2000) -> float:  # composite Simpson's rule
        h = x / n
        s = [1 / math.cosh(i * h) * (1 if i in (0, n) else 4 if i % 2 else 2) for i in range(n + 1)]
        return h / 3 * math.fsum(s)

    return Sides(
        [gd(Value(x)).data for x in xs] + [_d(gd, x) for x in xs],
        [integral(x) for x in xs] + [1 / math.cosh(x) for x in xs],
        f"At x = {xs}: 2·atan(tanh(x/2)) built with the engine against ∫₀ˣ dt/cosh t (Simpson, "
        "2000 intervals), and its engine derivative against 1/cosh x.",
    )


def _fit_levenberg_marquardt(model, X: list[float], Y: list[float], iters: int) -> float:
    """Least squares on ½Σ(ŷ − y)² with Jacobians from the engine; returns the RMS error."""
    params = list(_named(model).values())
    n = len(params)

    def residuals() -> list[Value]:
        return [model([x])[0] - y for x, y in zip(X, Y, strict=True)]

    res = residuals()
    E = math.fsum(r.data**2 for r in res)
    lam = 1e-2
    for _ in range(iters):
        J = [grad(r, params) for r in res]  # row n: ∂r_n/∂w, by the engine
        JTJ = [[math.fsum(row[i] * row[j] for row in J) for j in range(n)] for i in range(n)]
        JTr = [math.fsum(row[i] * r.data for row, r in zip(J, res, strict=True)) for i in range(n)]
        old = [p.data for p in params]
        while True:
            A = [[JTJ[i][j] + (lam * (1 + JTJ[i][i]) if i == j else 0.0) for j in range(n)]
                 for i in range(n)]  # fmt: skip
            step = _solve(A, [-g for g in JTr])
            for p, o, s in zip(params, old, step, strict=True):
                p.data = o + s
            new = residuals()
            E_new = math.fsum(r.data**2 for r in new)
            if E_new < E:
                res, E, lam = new, E_new, max(lam / 3, 1e-12)
                break
            lam *= 3
            if lam > 1e12:  # no step lowers E: converged
                for p, o in zip(params, old, strict=True):
                    p.data = o
                return math.sqrt(E / len(X))
    return math.sqrt(E / len(X))


UA_FUNCTIONS: dict[str, Callable[[float], float]] = {
    "x²": lambda x: x * x,
    "sin(x)": math.sin,
    "|x|": abs,
    "H(x)": lambda x: 1.0 if x > 0 else 0.0,
}
UA_BOUND = 0.05
"""The fit counts as fitted when its RMS error over the 50 points is below this."""


@_entry("004-14", "3 tanh hidden units + linear output, trained on 50 points, fit x², sin, |x|, H")
def _004_14() -> Sides:
    rng = random.Random(414)
    X = [rng.uniform(-1, 1) for _ in range(50)]
    rms = {}
    for name, f in UA_FUNCTIONS.items():
        model = _mlp(1, [3, 1], "tanh", "linear", seed=414)
        rms[name] = _fit_levenberg_marquardt(model, X, [f(x) for x in X], iters=40)
    spread = {n: math.sqrt(math.fsum((f(x) - math.fsum(map(f, X)) / 50) ** 2 for x in X) / 50)
              for n, f in UA_FUNCTIONS.items()}  # fmt: skip
    return Sides(
        list(rms.values()),
        [UA_BOUND] * 4,
        "MLP(1, [3, 1]), tanh hidden, linear output, on 50 points uniform in [-1, 1] (seed 414), "
        "trained by 40 Levenberg–Marquardt iterations (damped Gauss–Newton on ½Σ(ŷ − f)², "
        "every Jacobian row from the engine's grad), which keeps the check well under a "
        "second. RMS error "
        + ", ".join(f"{n} {v:.2g} (targets' spread {spread[n]:.2f})" for n, v in rms.items())
        + f"; each below {UA_BOUND}.",
        holds=all(v < UA_BOUND for v in rms.values()),
        tolerance=f"RMS error < {UA_BOUND}",
        engine_text=", ".join(f"{n}: {v:.2g}" for n, v in rms.items()),
        notes_text=f"fits (RMS < {UA_BOUND})",
        extra={n: v for n, v in rms.items()},
    )


@_entry("004-15", "Gradient descent w ← w − η∇E and on-line SGD w ← w − η∇E_n")
def _004_15() -> Sides:
    X, Y = _data(6, 2, 1, seed=415)
    eta = 0.1
    # the engine's updates: one GD step on E, then one epoch of SGD on each E_n
    model = _mlp(2, [3, 1], "tanh", "linear", seed=415)
    params = list(_named(model).values())
    for p, g in zip(params, grad(_sse_batch(model, X, Y), params), strict=True):
        p.data -= eta * g
    gd_engine = [p.data for p in params]
    for x, y in zip(X, Y, strict=True):
        for p, g in zip(params, grad(losses.sse(model(x), y), params), strict=True):
            p.data -= eta * g
    sgd_engine = [p.data for p in params]
    # the notes' updates in floats, gradients from the δ rules (nn.backprop), never backward()
    twin = _mlp(2, [3, 1], "tanh", "linear", seed=415)
    tw = _named(twin)
    total = backprop.manual_gradients(twin, X, Y, "sse")
    for n, p in tw.items():
        p.data -= eta * total[n]
    gd_notes = [p.data for p in tw.values()]
    for x, y in zip(X, Y, strict=True):
        g = backprop.manual_gradients(twin, x, y, "sse")
        for n, p in tw.items():
            p.data -= eta * g[n]
    sgd_notes = [p.data for p in tw.values()]
    E0 = _sse_batch(_mlp(2, [3, 1], "tanh", "linear", seed=415), X, Y).data
    E_gd = _descend(_mlp(2, [3, 1], "tanh", "linear", seed=415), X, Y, eta, 10, None)[-1]
    E_sgd = _descend(_mlp(2, [3, 1], "tanh", "linear", seed=415), X, Y, eta, 10, 1)[-1]
    return Sides(
        gd_engine + sgd_engine,
        gd_notes + sgd_notes,
        "MLP(2, [3, 1]) on 6 examples, η = 0.1: one GD step and one on-line epoch with the "
        "engine's gradients against the same updates with the notes' δ-rule gradients in floats; "
        f"10 epochs lower E from {E0:.6g} to {E_gd:.6g} (GD) and {E_sgd:.6g} (SGD).",
        holds=close(gd_engine + sgd_engine, gd_notes + sgd_notes) and E_gd < E0 and E_sgd < E0,
        extra={"E_first": E0, "E_gd": E_gd, "E_sgd": E_sgd},
    )


@_entry("004-16", "Jacobian J_ij = ∂y_i/∂x_j, and ∂L/∂x = Jᵀ ∂L/∂y for a scalar L")
def _004_16() -> Sides:
    rng = random.Random(416)
    W = _rand_matrix(rng, 3, 2)
    x0 = [0.4, -0.7]
    x = [Value(v) for v in x0]
    y = [dot(row, x).tanh() for row in W]  # y = tanh(Wx): 2 inputs, 3 outputs
    L = vsum([yi**2 for yi in y]) * 0.5 + y[0] * y[2]
    J_engine = [grad(yi, x) for yi in y]
    s = _matvec(W, x0)
    yf = [math.tanh(v) for v in s]
    J = [[(1 - yf[i] ** 2) * W[i][j] for j in range(2)] for i in range(3)]  # ∂y_i/∂x_j
    dL_dy = [yf[0] + yf[2], yf[1], yf[2] + yf[0]]
    JT_g = [math.fsum(J[i][j] * dL_dy[i] for i in range(3)) for j in range(2)]
    return Sides(
        [g for row in J_engine for g in row] + grad(L, x),
        [g for row in J for g in row] + JT_g,
        "y = tanh(Wx) with 2 inputs and 3 outputs, L = ½‖y‖² + y₀y₂: the engine's ∂y_i/∂x_j "
        "against (1 − y_i²)W_ij, and the engine's ∂L/∂x against Jᵀ ∂L/∂y.",
    )


@_entry("004-17", "y_j = Σ_i w_ij x_i (2 in, 3 out): ∂y_j/∂x_i = w_ij, ∂L/∂w_ij = (∂L/∂y_j)·x_i")
def _004_17() -> Sides:
    w0 = [[0.3, -1.1, 0.8], [0.5, 0.2, -0.6]]  # w_ij: input i, output j
    x0 = [1.4, -0.9]
    w = [[Value(v) for v in row] for row in w0]
    x = [Value(v) for v in x0]
    y = [dot([w[i][j] for i in range(2)], x) for j in range(3)]
    L = (y[0] * y[1]).sin() + y[2] ** 2  # any scalar of y
    yf = [math.fsum(w0[i][j] * x0[i] for i in range(2)) for j in range(3)]
    dL_dy = [math.cos(yf[0] * yf[1]) * yf[1], math.cos(yf[0] * yf[1]) * yf[0], 2 * yf[2]]
    eng = [g for j in range(3) for g in grad(y[j], x)] + grad(L, [v for row in w for v in row])
    notes = [w0[i][j] for j in range(3) for i in range(2)]
    notes += [dL_dy[j] * x0[i] for i in range(2) for j in range(3)]
    return Sides(
        eng,
        notes,
        "y_j = Σ_i w_ij x_i with 2 inputs, 3 outputs, L = sin(y₀y₁) + y₂²: the engine's ∂y_j/∂x_i "
        "against w_ij and its ∂L/∂w_ij against (∂L/∂y_j)x_i.",
    )


@_entry("004-18", "Y = XW + B: ∂L/∂W = Xᵀ∂L/∂Y, ∂L/∂X = (∂L/∂Y)Wᵀ, ∂L/∂B = ∂L/∂Y (row-summed)")
def _004_18() -> Sides:
    X0 = [[0.2, -1.0], [1.3, 0.4], [-0.6, 0.9]]  # 3 rows × 2 inputs
    W0 = [[0.5, -0.3, 1.2], [0.8, 0.1, -0.7]]  # 2 × 3
    B0 = [0.1, -0.2, 0.3]  # one bias row shared by every row of X
    Xv = [[Value(v) for v in row] for row in X0]
    Wv = [[Value(v) for v in row] for row in W0]
    Bv = [Value(v) for v in B0]
    Y = [[dot(row, [Wv[i][j] for i in range(2)]) + Bv[j] for j in range(3)] for row in Xv]
    L = vsum([(y * y).tanh() + 0.3 * y for row in Y for y in row])  # any scalar of Y
    Yf = [[y.data for y in row] for row in Y]
    G = [[(1 - math.tanh(y * y) ** 2) * 2 * y + 0.3 for y in row] for row in Yf]  # ∂L/∂Y
    dW = [[math.fsum(X0[n][i] * G[n][j] for n in range(3)) for j in range(3)] for i in range(2)]
    dX = [[math.fsum(G[n][j] * W0[i][j] for j in range(3)) for i in range(2)] for n in range(3)]
    dB = [math.fsum(G[n][j] for n in range(3)) for j in range(3)]
    flat = [v for row in Wv for v in row] + [v for row in Xv for v in row] + Bv
    return Sides(
        grad(L, flat),
        [g for row in dW for g in row] + [g for row in dX for g in row] + dB,
        "Y = XW + B with X 3×2, W 2×3 and one bias row B, L = Σ tanh(Y²) + 0.3ΣY: the engine's "
        "gradients of W, X, B against Xᵀ∂L/∂Y, (∂L/∂Y)Wᵀ and the column sums of ∂L/∂Y. The notes "
        "write ∂L/∂B = ∂L/∂Y, true for a full bias matrix; a bias row shared by the rows of X "
        "takes the sum over rows.",
    )


__all__ = ["REGISTER", "Entry", "Result", "UnknownIdError", "close", "run"]
