"""One test per equation id of the course notes (shared/notes/EQUATIONS.md).

Each test runs the register's check (`nn.notes.REGISTER[id]`: one side from the engine's
`backward`/`grad`, the other from the notes' formula in floats) and asserts the numbers agree to
1e-9 relative, or to the stated statistical or training bound; most also recompute a number of
their own. Where the notes are wrong, the test asserts what is true and its docstring quotes the
notes' line and the correction.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from autograd import Value, grad
from nn import MLP, losses
from nn.notes import REGISTER, Result, UnknownIdError, run

REL = 1e-9
NOTES_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "notes"


def check(id: str) -> Result:
    r = REGISTER[id].check()
    assert r.id == id and r.words
    return r


def assert_agree(r: Result, rel: float = REL) -> None:
    """engine_values and notes_values agree pairwise to `rel` (1e-15 absolute floor)."""
    assert len(r.engine_values) == len(r.notes_values) > 0
    for k, (e, n) in enumerate(zip(r.engine_values, r.notes_values, strict=True)):
        assert math.isclose(e, n, rel_tol=rel, abs_tol=1e-15), f"{r.id}[{k}]: {e!r} vs {n!r}"


def assert_written_differs(r: Result, at_least: int = 1) -> None:
    """The notes' line as written disagrees with the engine in at least `at_least` numbers."""
    assert len(r.written_values) == len(r.engine_values)
    off = [
        k
        for k, (e, w) in enumerate(zip(r.engine_values, r.written_values, strict=True))
        if not math.isclose(e, w, rel_tol=1e-6, abs_tol=1e-12)
    ]
    assert len(off) >= at_least, f"{r.id}: the notes' line as written matches the engine"


def derivative(f, x: float) -> float:
    v = Value(x)
    f(v).backward()
    return v.grad


# ---- 000 ----------------------------------------------------------------------------------------


def test_000_1():
    """h(x) = e^{x²} ⇒ h'(x) = 2x·e^{x²}."""
    r = check("000-1")
    assert_agree(r)
    assert derivative(lambda x: (x**2).exp(), 0.9) == pytest.approx(1.8 * math.exp(0.81), rel=REL)
    assert r.holds and not r.notes_wrong


def test_000_2():
    """The notes end the chain for h(x) = e^{(2x+3)²} with "h'(x) = 6(2x+3)·e^{(2x+3)²}".

    Wrong: the line above it, e^{(2x+3)²}·2(2x+3)·2, is 4(2x+3)e^{(2x+3)²}. At x = 0.1 the engine
    gives h'(0.1) = 358414.41… = 4·3.2·e^{10.24}; the notes' line gives 537621.62…, 1.5 times too
    large.
    """
    r = check("000-2")
    assert_agree(r)
    assert r.notes_wrong and r.holds
    assert_written_differs(r, at_least=3)
    x = 0.1
    engine = derivative(lambda v: ((2 * v + 3) ** 2).exp(), x)
    assert engine == pytest.approx(4 * (2 * x + 3) * math.exp((2 * x + 3) ** 2), rel=REL)
    assert engine == pytest.approx(358414.4119, rel=1e-9)
    notes_line = 6 * (2 * x + 3) * math.exp((2 * x + 3) ** 2)
    assert notes_line / engine == pytest.approx(1.5, rel=REL)
    assert "6(2x+3)" in r.detail and "4(2x+3)" in r.detail


def test_000_3():
    """h(x) = f(g(t(x))) ⇒ h'(x) = f'(g(t(x)))·g'(t(x))·t'(x)."""
    r = check("000-3")
    assert_agree(r)
    x = 0.35
    t, g = x**3 - 1, math.tanh(x**3 - 1)
    expected = math.cos(g) * (1 - math.tanh(t) ** 2) * 3 * x * x
    assert derivative(lambda v: (v**3 - 1).tanh().sin(), x) == pytest.approx(expected, rel=REL)


def test_000_4():
    """σ(x) = 1/(1+e^{−x}), σ'(x) = σ(x)(1−σ(x)); σ'(0) = 1/4."""
    r = check("000-4")
    assert_agree(r)
    assert derivative(lambda v: 1 / (1 + (-v).exp()), 0.0) == pytest.approx(0.25, rel=REL)
    s = 1 / (1 + math.exp(-0.7))
    assert derivative(lambda v: v.sigmoid(), 0.7) == pytest.approx(s * (1 - s), rel=REL)


def test_000_5():
    """Gradient descent x ← x − η f'(x) on f(x) = eˣ − 2x reaches the minimiser ln 2."""
    r = check("000-5")
    assert_agree(r)
    assert r.engine_values[0] == pytest.approx(math.log(2), rel=REL)
    assert r.extra["monotone"] == 1.0
    assert r.extra["f_last"] == pytest.approx(2 - 2 * math.log(2), rel=REL)  # f(ln 2)


def test_000_6():
    """Bias units folded in: same outputs; the first layer has (p+1)×H₁ weights.

    The notes' first line "θ⁽¹⁾ ∈ R^{(H₂+1)×1}" is a slip: θ⁽¹⁾ = [σ(W⁽⁰⁾θ⁽⁰⁾); 1] has H₁+1
    entries (5 for H₁ = 4, not H₂+1 = 4), as the notes' own Aside writes.
    """
    r = check("000-6")
    assert_agree(r)
    assert r.engine_values[-2:] == (16.0, 5.0)  # (p+1)H₁ with p = 3, H₁ = 4; H₁ + 1
    assert r.written_values[-1] == 4.0 and r.notes_wrong and r.holds
    assert r.engine_values[:2] == r.written_values[:2]  # the outputs themselves agree


def test_000_7():
    """L(w) = ½ Σ_d ‖y_d − ŷ_d‖², and ∂L/∂ŷ_dk = ŷ_dk − y_dk."""
    r = check("000-7")
    assert_agree(r)
    preds = [Value(0.5), Value(-1.0)]
    L = losses.sse(preds, [1.5, 1.0])
    assert L.data == pytest.approx(0.5 * (1.0 + 4.0), rel=REL)
    assert grad(L, preds) == pytest.approx([-1.0, -2.0], rel=REL)


def test_000_8():
    """Output layer: ∂L_d/∂w_ji = −(y_j − θ_j)·θ_j(1−θ_j)·θ_i = −δ_j θ_i."""
    r = check("000-8")
    assert_agree(r)
    assert len(r.engine_values) == 2 * 4 + 2  # W2 (2×4) and b2


def test_000_9():
    """Hidden layer: δ_j = o_j(1−o_j)·Σ_z δ_z w_zj, ∂L/∂w_ji = −δ_j o_i (δ = −∂L/∂net).

    The notes' derivation ends "= [Σ_z δ_{G+2,z}(w_zj o_j(1 − o_j))] o_j^{(G)}": no minus sign,
    and o_j^{(G)} where the weight's input o_i^{(G)} belongs. For W1[0,1] the engine gives
    0.0011191…, = −δ_j o_i; the line as written gives 0.00046630….
    """
    r = check("000-9")
    assert_agree(r)
    assert r.notes_wrong and r.holds
    assert_written_differs(r, at_least=len(r.engine_values) // 2)


def test_000_10():
    """Batch gradient = Σ per-example gradients; GD, SGD and mini-batch each lower L."""
    r = check("000-10")
    assert_agree(r)
    for variant in ("GD", "SGD", "mini-batch"):
        assert r.extra[f"{variant}_last"] < 0.5 * r.extra[f"{variant}_first"]


def test_000_11():
    """Linear regression: gradient descent reaches the closed form w = (XᵀX)⁻¹Xᵀy."""
    r = check("000-11")
    assert_agree(r)
    assert r.engine_values == pytest.approx([1.5, -2.0, 0.7], abs=0.3)  # the generating w


# ---- 001 ----------------------------------------------------------------------------------------


def test_001_1():
    """Multivariable chain rule: dC/dw = Σ_i (dC/dz_i)(dz_i/dw)."""
    r = check("001-1")
    assert_agree(r)
    # C = z₁ + z₂ with z₁ = w², z₂ = 3w: dC/dw = 1·2w + 1·3
    assert derivative(lambda w: w**2 + 3 * w, 0.4) == pytest.approx(0.8 + 3, rel=REL)


def test_001_2():
    """z^m = W^m a^{m−1} + b^m; dz_i^m/dW_ij^m = a_j^{m−1}, zero for other rows.

    The notes write "dz_i^m/dW_ij^m = a_i^{m−1}": an index slip. The engine gives
    ∂z_0²/∂W2[0,1] = a_1¹ = −0.64574…, where a_0¹ = −0.51827….
    """
    r = check("001-2")
    assert_agree(r)
    assert r.notes_wrong and r.holds
    model = MLP(2, [2, 2], seed=0)
    model([0.3, -0.8])
    z = model.layers[1].z[1]
    a = [v.data for v in model.layers[0].a]
    assert grad(z, model.layers[1].W[1]) == pytest.approx(a, rel=REL)
    assert grad(z, model.layers[1].W[0]) == [0.0, 0.0]


def test_001_3():
    """dC/dW^m = (dC/dz^m)·(a^{m−1})ᵀ and dC/db^m = dC/dz^m."""
    r = check("001-3")
    assert_agree(r)
    assert len(r.engine_values) == (4 * 3 + 4) + (3 * 4 + 3) + (2 * 3 + 2)


def test_001_4():
    """dC/dz^m = ((W^{m+1})ᵀ dC/dz^{m+1}) ∘ da^m/dz^m.

    The notes' step 2) writes "(W^{m+1} dC/dz^{m+1}) ∘ da^m/dz^m" and the worked example
    "W^L(a^L − y) ∘ a^{L−1}(1 − a^{L−1})", without the transpose; with a square W that gives
    0.027851… for dC/dz¹_0 where the engine gives −0.0062438….
    """
    r = check("001-4")
    assert_agree(r)
    assert r.notes_wrong and r.holds
    assert_written_differs(r, at_least=4)


def test_001_5():
    """Sigmoid output, C = (y−1)·log(1−a^L) − y·log(a^L) ⇒ dC/dz^L = a^L − y.

    The notes' sign is right: (y−1)·log(1−a) − y·log(a) = −[y log a + (1−y) log(1−a)].
    """
    r = check("001-5")
    assert_agree(r)
    assert not r.notes_wrong
    z = Value(0.3)
    a = z.sigmoid()
    y = 1.0
    C = (y - 1) * (1 - a).log() - y * a.log()
    assert C.data > 0
    assert C.data == pytest.approx(losses.binary_cross_entropy([a], [y]).data, rel=REL)
    assert grad(C, [z])[0] == pytest.approx(a.data - y, rel=REL)


def test_001_6():
    """Vanishing/exploding: ∂a^L/∂x = Π wσ'(z^l); σ' ≤ 1/4."""
    r = check("001-6")
    assert_agree(r)
    assert r.extra["dx_w1"] == pytest.approx(4.0**-12, rel=REL)
    assert r.extra["dx_w8"] == pytest.approx(2.0**12, rel=REL)
    assert r.engine_values[-1] == 0.25


def test_001_7():
    """E[o] = 0, Var[o] = n_in σ² for o = Σ w_i x_i (seed 17; mean within 4 s.e., Var 10%)."""
    r = check("001-7")
    mean, var = r.engine_values
    assert r.notes_values == (0.0, 4.0)
    assert abs(mean) <= 4 * math.sqrt(4.0 / 4000)
    assert var == pytest.approx(4.0, rel=0.10)
    assert r.holds


def test_001_8():
    """Xavier: σ² = 2/(n_in+n_out); Var forward = n_in σ², backward = n_out σ² (within 10%)."""
    r = check("001-8")
    w_var, fwd, bwd, avg = r.engine_values
    assert r.notes_values == pytest.approx([2 / 32, 24 * 2 / 32, 8 * 2 / 32, 1.0], rel=REL)
    assert w_var == pytest.approx(2 / 32, rel=0.10)
    assert fwd == pytest.approx(1.5, rel=0.10)
    assert bwd == pytest.approx(0.5, rel=0.10)
    assert avg == pytest.approx(1.0, rel=0.10)
    assert r.holds


def test_001_9():
    """Autograd example: every gradient is the product of the primitive ops' local derivatives."""
    r = check("001-9")
    assert_agree(r)
    assert len(r.engine_values) == (3 * 2 + 3) + (3 + 1)


# ---- 002 ----------------------------------------------------------------------------------------


def test_002_1():
    """∂f/∂w_c = r·h(W_c x), ∂f/∂W_cj = r·v_c·x_j with v_c = w_c h'(W_c x)."""
    r = check("002-1")
    assert_agree(r)
    # one hidden unit by hand: f = ½(w tanh(Wx) − y)²
    W, w, x, y = Value(0.4), Value(-1.2), 0.9, 0.3
    f = 0.5 * (w * (W * x).tanh() - y) ** 2
    res = w.data * math.tanh(0.36) - y
    gW, gw = grad(f, [W, w])
    assert gw == pytest.approx(res * math.tanh(0.36), rel=REL)
    assert gW == pytest.approx(res * w.data * (1 - math.tanh(0.36) ** 2) * x, rel=REL)


def test_002_2():
    """Two hidden layers: the same pattern one layer deeper."""
    r = check("002-2")
    assert_agree(r)
    assert len(r.engine_values) == 4 * 3 + 4 * 4 + 4


def test_002_3():
    """Three hidden layers: the same recursion once more."""
    r = check("002-3")
    assert_agree(r)
    assert len(r.engine_values) == 3 * 3 * 3 + 3


def test_002_4():
    """Forward cost dk + (m−1)k² + k multiplications; backward the same order."""
    r = check("002-4")
    assert_agree(r)
    assert r.engine_values == (16.0, 96.0, 576.0, 352.0)
    for k in range(4):
        assert 1.0 <= r.extra[f"ratio_{k}"] <= 3.0


def test_002_5():
    """Softmax loss is cross-entropy: −log softmax(z)_c = −Σ_k t_k ln y_k."""
    r = check("002-5")
    assert_agree(r)
    assert r.extra["softmax_loss"] == pytest.approx(r.engine_values[0], rel=REL)


# ---- 003 ----------------------------------------------------------------------------------------


def test_003_1():
    """z^l = W^l a^{l−1} + b^l, a^l = σ(z^l); y is the nested composition."""
    r = check("003-1")
    assert_agree(r)


def test_003_2():
    """∂z_i^l/∂w_ij^l = a_j^{l−1} for l > 1 and x_j for l = 1."""
    r = check("003-2")
    assert_agree(r)
    assert r.engine_values[:3] == pytest.approx([0.5, -1.2, 0.8], rel=REL)  # x_j


def test_003_3():
    """δ^L = σ'(z^L) ⊙ ∇C(y), for squares and for binary cross-entropy."""
    r = check("003-3")
    assert_agree(r)


def test_003_4():
    """δ^l = σ'(z^l) ⊙ (W^{l+1})ᵀ δ^{l+1} (nn.notes.backprop.deltas against the engine)."""
    r = check("003-4")
    assert_agree(r)
    assert len(r.engine_values) == 4 + 3 + 2


def test_003_5():
    """∂C/∂w_ij^l = δ_i^l · a_j^{l−1}; ∂C/∂b_i^l = δ_i^l."""
    r = check("003-5")
    assert_agree(r)
    assert r.extra["max_abs_diff"] <= 1e-12


def test_003_6():
    """θ ← θ − η∇C lowers C: ΔC = −η‖∇C‖² to first order (relative 1e-4 at η = 1e-6)."""
    r = check("003-6")
    (dC,), (predicted,) = r.engine_values, r.notes_values
    assert dC < 0
    assert dC == pytest.approx(predicted, rel=1e-4)
    assert r.extra["monotone"] == 1.0 and r.extra["C_last"] < r.extra["C_first"]
    assert r.holds


# ---- 004 ----------------------------------------------------------------------------------------


def test_004_1():
    """Folding the biases with x₀ = z₀ = 1 gives the same outputs (and input gradients)."""
    r = check("004-1")
    assert_agree(r)


def test_004_2():
    """A network with linear hidden units equals the single layer (W²W¹, W²b¹ + b²)."""
    r = check("004-2")
    assert_agree(r)


def test_004_3():
    """Sum of squares, binary CE, K binary labels, categorical CE; softmax in [0,1], Σ = 1."""
    r = check("004-3")
    assert_agree(r)
    assert r.holds


def test_004_4():
    """One-hot target: H(y, p) = −Σ y_i log p_i = −log p_c."""
    r = check("004-4")
    assert_agree(r)
    assert r.engine_values[0] == pytest.approx(-math.log(0.6), rel=REL)


def test_004_5():
    """The four-example table: −ln 0.8, −ln 0.7, −ln 0.7, −ln 0.6; E = 1.447319, mean 0.361830.

    The notes give the table without loss values; these are in nats (natural log).
    """
    r = check("004-5")
    assert_agree(r)
    rows = r.engine_values[:4]
    assert rows == pytest.approx([-math.log(p) for p in (0.8, 0.7, 0.7, 0.6)], rel=REL)
    assert rows == pytest.approx([0.2231435513, 0.3566749439, 0.3566749439, 0.5108256238])
    assert r.extra["total"] == pytest.approx(1.4473190630, rel=1e-9)
    assert r.extra["mean"] == pytest.approx(0.3618297657, rel=1e-9)


def test_004_6():
    """Linear outputs, E_n = ½Σ(y − t)²: ∂E_n/∂w_ji = (y_nj − t_nj) x_ni.

    The equation bank labels this "Error BP, Sigmoid:"; with sigmoid outputs and squares the
    gradient carries the extra factor y(1 − y), so the formula is for linear outputs only.
    """
    r = check("004-6")
    assert_agree(r)
    assert not math.isclose(r.extra["sigmoid_engine"], r.extra["sigmoid_plain"], rel_tol=0.1)


def test_004_7():
    """δ_j ≡ ∂E_n/∂a_j; ∂E_n/∂w_ji = δ_j z_i, z_i the output of the unit the weight comes from.

    The notes' closing summary writes "Δw_ij = η × δ_j × O_j"; it is O_i (as their own
    ∂E/∂w_ij = o_i δ_j above it says): for W2[0,1] the engine gives δ_0 z_1 = −0.46303…, while
    δ_0 times the unit's own output is 0.26472….
    """
    r = check("004-7")
    assert_agree(r)
    assert r.notes_wrong and r.holds
    assert_written_differs(r, at_least=len(r.engine_values) // 2)
    # one unit by hand: a = w₀z₀ + w₁z₁, E = ½(a − t)², ∂E/∂w₁ = (a − t)z₁
    w, z, t = [Value(0.4), Value(-0.3)], [1.5, 2.0], 0.2
    a = w[0] * z[0] + w[1] * z[1]
    E = 0.5 * (a - t) ** 2
    assert grad(E, w) == pytest.approx([(a.data - t) * z[0], (a.data - t) * z[1]], rel=REL)


def test_004_8():
    """δ_k = y_k − t_k for identity + squares, sigmoid + binary CE, softmax + categorical CE."""
    r = check("004-8")
    assert_agree(r)
    assert len(r.engine_values) == 2 + 2 + 3


def test_004_9():
    """δ_j = h'(a_j) Σ_k w_kj δ_k for hidden units."""
    r = check("004-9")
    assert_agree(r)


def test_004_10():
    """Batch: ∂E/∂w_ji = Σ_n ∂E_n/∂w_ji."""
    r = check("004-10")
    assert_agree(r)


def test_004_11():
    """The classic loop δ_k ← y_k(1−y_k)(t_k − y_k), δ_h ← z_h(1−z_h)Σ w_kh δ_k, w ← w + ηδx.

    The hand-written variants write "Δw_kj = η(y_pk − o_pk) f(f−1) i_pj" (y_pk the target):
    f(f−1) = −f(1−f), so the output step climbs the error, E 0.157173 → 0.171497 instead of
    → 0.139921; the correction is f(1−f). In their hidden-layer line the two f(f−1) cancel.
    """
    r = check("004-11")
    assert_agree(r)
    assert r.notes_wrong and r.holds
    assert r.extra["E_after"] < r.extra["E_before"] < r.extra["E_after_written"]
    assert r.extra["hidden_written_equal"] == 1.0
    f = 0.7  # f(f − 1) = −f(1 − f)
    assert f * (f - 1) == pytest.approx(-(f * (1 - f)), rel=REL)


def test_004_12():
    """tanh(x) = (eˣ − e⁻ˣ)/(eˣ + e⁻ˣ); tanh' = 1 − tanh²."""
    r = check("004-12")
    assert_agree(r)
    assert derivative(lambda v: v.tanh(), 0.6) == pytest.approx(1 - math.tanh(0.6) ** 2, rel=REL)


def test_004_13():
    """gd(x) = ∫₀ˣ dt/cosh t = 2·arctan(tanh(x/2)); gd'(x) = 1/cosh x."""
    r = check("004-13")
    assert_agree(r)
    gd = derivative(lambda v: 2 * (v / 2).tanh().atan(), 1.5)
    assert gd == pytest.approx(1 / math.cosh(1.5), rel=REL)


def test_004_14():
    """3 tanh units + linear output fit x², sin x, |x| and H(x) on 50 points: RMS < 0.05."""
    r = check("004-14")
    assert set(r.extra) == {"x²", "sin(x)", "|x|", "H(x)"}
    for name, rms in r.extra.items():
        assert rms < 0.05, name
    assert r.engine_values == tuple(r.extra.values())
    assert r.holds


def test_004_15():
    """Gradient descent w ← w − η∇E and on-line SGD w ← w − η∇E_n."""
    r = check("004-15")
    assert_agree(r)
    assert r.extra["E_gd"] < r.extra["E_first"] and r.extra["E_sgd"] < r.extra["E_first"]


def test_004_16():
    """Jacobian J_ij = ∂y_i/∂x_j, and ∂L/∂x = Jᵀ ∂L/∂y."""
    r = check("004-16")
    assert_agree(r)


def test_004_17():
    """y_j = Σ_i w_ij x_i: ∂y_j/∂x_i = w_ij, ∂L/∂w_ij = (∂L/∂y_j)·x_i."""
    r = check("004-17")
    assert_agree(r)
    assert r.engine_values[:2] == pytest.approx([0.3, 0.5], rel=REL)  # w_11, w_21 for y_1


def test_004_18():
    """Y = XW + B: ∂L/∂W = Xᵀ∂L/∂Y, ∂L/∂X = (∂L/∂Y)Wᵀ, ∂L/∂B = ∂L/∂Y summed over rows.

    The notes write ∂L/∂B = ∂L/∂Y, true for a full bias matrix; a bias row shared by every
    row of X takes the column sums.
    """
    r = check("004-18")
    assert_agree(r)


# ---- the register as a whole ---------------------------------------------------------------------


def _ids_in_notes() -> list[str]:
    text = (NOTES_DIR / "EQUATIONS.md").read_text(encoding="utf-8")
    return re.findall(r"\*\*(\d{3}-\d+)\*\*", text)


def _test_names() -> set[str]:
    return {n for n in globals() if re.fullmatch(r"test_\d{3}_\d+", n)}


@pytest.mark.skipif(not NOTES_DIR.is_dir(), reason=f"the course notes are not at {NOTES_DIR}")
def test_every_id_has_its_test_and_its_entry():
    ids = _ids_in_notes()
    assert len(ids) == 49
    assert _test_names() == {"test_" + i.replace("-", "_") for i in ids}
    assert list(REGISTER) == ids


@pytest.mark.skipif(not NOTES_DIR.is_dir(), reason=f"the course notes are not at {NOTES_DIR}")
def test_each_note_file_has_its_module_holding_its_ids_in_order():
    """nn.notes.noteNNN checks NNN_….txt: its ENTRIES are the ids NNN-k of EQUATIONS.md."""
    import importlib

    from nn.notes.register import NOTES

    numbers = sorted(f.name[:3] for f in NOTES_DIR.glob("[0-9][0-9][0-9]_*.txt"))
    assert [m.__name__ for m in NOTES] == [f"nn.notes.note{n}" for n in numbers]
    ids = _ids_in_notes()
    for n in numbers:
        module = importlib.import_module(f"nn.notes.note{n}")
        assert [e.id for e in module.ENTRIES] == [i for i in ids if i.startswith(n + "-")]


def test_register_order_and_tests_match():
    assert len(REGISTER) == 49
    assert _test_names() == {"test_" + i.replace("-", "_") for i in REGISTER}


def test_run_selects_ids_and_rejects_unknown_ones():
    rs = run(["004-5", "000-2"])
    assert [r.id for r in rs] == ["004-5", "000-2"]
    assert [r.id for r in run("000-1, 000-4")] == ["000-1", "000-4"]
    with pytest.raises(KeyError, match=r"'009-9'.*'000-99'"):
        run(["000-1", "009-9", "000-99"])
    with pytest.raises(ValueError, match="009-9"):
        run(["009-9"])
    assert issubclass(UnknownIdError, KeyError)


def test_a_check_that_raises_is_a_failed_result(monkeypatch):
    entry = REGISTER["000-1"]

    def broken():
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(REGISTER, "000-1", type(entry)(entry.id, entry.words, broken))
    (r,) = run(["000-1"])
    assert not r.holds and "ZeroDivisionError: boom" in r.detail


def test_results_carry_what_the_command_line_prints():
    for r in run(["000-2", "001-7", "003-6"]):
        assert isinstance(r.engine, str) and r.engine
        assert isinstance(r.notes, str) and r.notes
        assert isinstance(r.detail, str) and r.detail
        assert isinstance(r.holds, bool) and isinstance(r.notes_wrong, bool)
    assert "as written" in run(["000-2"])[0].notes


# ---- printing results: rows that cannot be misread -------------------------------------------


def test_a_row_says_what_the_check_found_in_one_status() -> None:
    holds, wrong = run(["000-1", "000-2"])
    assert holds.row().startswith("000-1   ✓ holds as written ")
    assert wrong.row().startswith("000-2   ✗ as written, ✓ corrected ")
    failing = Result("9", "w", "1", "2", False, False, "")
    assert failing.status == "✗ FAILS"


def test_written_and_corrected_differ_visibly() -> None:
    from nn.notes.entry import written_and_corrected

    for id in ("001-2", "004-11"):  # their first four values agree: the differing ones are shown
        (r,) = run([id])
        written, corrected = written_and_corrected(r.written_values, r.notes_values)
        assert written != corrected and "values differ" in written
        assert r.notes == f"as written {written}; corrected {corrected}"
    assert written_and_corrected([1.0, 2.0], [1.0, 3.0]) == ("[1, 2]", "[1, 3]")
    assert written_and_corrected([-0.0], [1.0]) == ("0", "1")  # never -0
