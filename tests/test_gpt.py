"""The GPT's parts (embedding, Linear, RMSNorm, attention, MLP block, the model) against central
differences, one attention head against its gradients derived by hand, and the names data."""

import math
import random
import re
from pathlib import Path

import pytest

import autograd
import nn.datasets
from autograd import Value, gradcheck
from nn import Adam
from nn.attention import CausalSelfAttention, KVCache, attention_head
from nn.embedding import Embedding
from nn.gpt import GPT, MLPBlock, Vocabulary
from nn.linear import Linear
from nn.norm import rmsnorm

ROOT = Path(__file__).resolve().parents[1]


def tables(m) -> list[list[list[Value]]]:
    """The parameter tables of a module, in the order of its named_parameters()."""
    if isinstance(m, Embedding):
        return [m.E]
    if isinstance(m, Linear):
        return [m.W]
    if isinstance(m, CausalSelfAttention):
        return [t for w in (m.Wq, m.Wk, m.Wv, m.Wo) for t in tables(w)]
    if isinstance(m, MLPBlock):
        return tables(m.up) + tables(m.down)
    assert isinstance(m, GPT)
    out = tables(m.wte) + tables(m.wpe)
    for attn, mlp in zip(m.attn, m.mlp):
        out += tables(attn) + tables(mlp)
    return out + tables(m.lm_head)


def swap(m, values) -> None:
    """Put `values` in the place of m's parameters (gradcheck hands f fresh Values)."""
    it = iter(values)
    for table in tables(m):
        for row in table:
            for j in range(len(row)):
                row[j] = next(it)
    assert next(it, None) is None


def check_module(m, f, atol=1e-6, rtol=1e-4):
    """gradcheck of f(m) with respect to every parameter of m."""
    params = m.parameters()
    assert [p.label for p in params] == [n for n, _ in m.named_parameters()]
    assert [v for t in tables(m) for row in t for v in row] == params

    assert sum(g != 0.0 for g in autograd.grad(f(m), params)) > len(params) // 3

    def g(*values):
        swap(m, values)
        return f(m)

    try:
        return gradcheck(g, params, atol=atol, rtol=rtol)
    finally:
        swap(m, params)


def vec(rng, n, scale=1.0, name="x"):
    return [Value(rng.uniform(-scale, scale), f"{name}{i}") for i in range(n)]


def weighted(ys, cs):
    """L = Σᵢ cᵢyᵢ: a scalar whose ∂L/∂yᵢ is the chosen cᵢ."""
    return autograd.dot(cs, ys)


# ---- the names data --------------------------------------------------------------------------


def test_names_ship_as_lowercase_unique_words_with_their_origin():
    names = nn.datasets.names()
    assert len(names) == 5163
    assert len(set(names)) == len(names)
    assert all(re.fullmatch("[a-z]+", n) for n in names)
    assert names == sorted(names)
    header = (ROOT / "nn" / "datasets" / "names.txt").read_text().split("\n", 5)[:5]
    assert all(line.startswith("#") for line in header)
    assert "1990" in header[0] and "public-domain" in header[0] and "`names` 0.3.0" in header[2]
    assert '"nn.datasets" = ["names.txt"]' in (ROOT / "pyproject.toml").read_text()


def test_vocabulary_marks_start_and_end_with_one_bos():
    voc = Vocabulary(["ab", "ca"])
    assert voc.chars == ["a", "b", "c"] and voc.bos == 3 and len(voc) == 4
    assert voc.encode("cab") == [3, 2, 0, 1, 3]
    assert voc.decode(voc.encode("cab")) == "cab"
    with pytest.raises(ValueError, match="'z' of 'az' is unknown"):
        voc.encode("az")
    with pytest.raises(ValueError, match="no characters"):
        Vocabulary([""])


@pytest.mark.parametrize("bad", [-1, 4, 5, 10**30, True, 1.0, "a", None])
def test_decode_refuses_what_is_not_a_token_id(bad):
    voc = nn.Vocabulary(["cab"])  # a b c, then BOS = 3
    assert voc.decode([0, 3, 2, 1]) == "acb"  # BOS left out
    with pytest.raises(ValueError) as e:
        voc.decode([0, 1, bad])
    assert str(e.value) == (
        f"Vocabulary.decode: ids[2] = {bad!r} is not a token id: the ids are the ints 0..3 "
        "(3 characters, then BOS = 3)"
    )


# ---- the parts against central differences ---------------------------------------------------


def test_embedding_lookup_is_the_rows_themselves():
    E = Embedding(5, 3, "wte", rng=random.Random(1))
    row = E(2)
    assert row == E.E[2] and row is not E.E[2]
    assert [n for n, _ in E.named_parameters()][:4] == [
        "wte[0,0]",
        "wte[0,1]",
        "wte[0,2]",
        "wte[1,0]",
    ]
    weighted(E(2) + E(4) + E(2), [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]).backward()
    assert [v.grad for v in E.E[2]] == [8.0, 10.0, 12.0]  # used twice: 1 + 7, 2 + 8, 3 + 9
    assert [v.grad for v in E.E[4]] == [4.0, 5.0, 6.0]
    assert all(v.grad == 0.0 for i in (0, 1, 3) for v in E.E[i])
    for bad in (5, -1, 1.0, True):
        with pytest.raises(IndexError, match="wte: index"):
            E(bad)
    check_module(E, lambda m: weighted(m(1) + m(3), [0.3, -1.2, 0.7, 2.0, 0.1, -0.4]))


def test_linear_is_W_x_one_dot_node_per_output():
    rng = random.Random(2)
    lin = Linear(3, 2, "Wq", rng=rng)
    x = vec(rng, 3)
    y = lin(x)
    assert [v.op for v in y] == ["dot", "dot"]
    for yi, row in zip(y, lin.W, strict=True):
        assert yi.data == pytest.approx(math.fsum(w.data * xj.data for w, xj in zip(row, x)))
    assert lin.named_parameters()[4][0] == "Wq[1,1]"
    with pytest.raises(ValueError, match="Wq: takes 3 inputs, got 2"):
        lin(x[:2])
    check_module(lin, lambda m: weighted(m(x), [1.5, -0.5]))
    gradcheck(lambda *xs: weighted(lin(xs), [1.5, -0.5]), x)


def test_rmsnorm_and_its_jacobian():
    """yᵢ = xᵢr, r = (Σⱼxⱼ²/n + ε)^(−½): ∂yᵢ/∂xⱼ = r(δᵢⱼ − yᵢyⱼ/n)."""
    rng = random.Random(3)
    x = vec(rng, 4, 2.0)
    y = rmsnorm(x)
    assert math.fsum(v.data**2 for v in y) / 4 == pytest.approx(1.0, abs=1e-4)
    n, eps = 4, 1e-5
    r = 1.0 / math.sqrt(math.fsum(v.data**2 for v in x) / n + eps)
    for i in range(n):
        row = autograd.grad(y[i], x)
        for j in range(n):
            want = r * ((i == j) - y[i].data * y[j].data / n)
            assert row[j] == pytest.approx(want, rel=1e-12, abs=1e-15)
    gradcheck(lambda *xs: weighted(rmsnorm(xs), [0.2, -1.0, 0.5, 1.3]), x)
    with pytest.raises(ValueError, match="rmsnorm: needs at least one"):
        rmsnorm([])


def test_attention_head_against_central_differences():
    rng = random.Random(4)
    d, T = 3, 4
    q = vec(rng, d, name="q")
    ks = [vec(rng, d, name=f"k{u}_") for u in range(T)]
    vs = [vec(rng, d, name=f"v{u}_") for u in range(T)]
    out = attention_head(q, ks, vs)
    assert [o.op for o in out] == ["dot"] * d
    weights = out[0].parents[:T]
    assert [s.op for s in weights] == [f"softmax[{u}]" for u in range(T)]
    assert math.fsum(s.data for s in weights) == pytest.approx(1.0)
    flat = q + [x for k in ks for x in k] + [x for v in vs for x in v]
    cs = [0.7, -1.1, 0.4]

    def f(*xs):
        q, rest = xs[:d], xs[d:]
        ks = [rest[u * d : (u + 1) * d] for u in range(T)]
        vs = [rest[T * d + u * d : T * d + (u + 1) * d] for u in range(T)]
        return weighted(attention_head(q, ks, vs), cs)

    gradcheck(f, flat)
    with pytest.raises(ValueError, match="2 keys, 1 values"):
        attention_head(q, ks[:2], vs[:1])
    with pytest.raises(ValueError, match="key 1 has 2 entries, the query 3"):
        attention_head(q, [ks[0], ks[1][:2]], vs[:2])


def test_attention_head_against_its_hand_derivation():
    """One head in floats: aᵤ = q·kᵤ/√d, s = softmax(a), oⱼ = Σᵤ sᵤvᵤⱼ, L = Σⱼ gⱼoⱼ; then
    ∂L/∂vᵤⱼ = sᵤgⱼ, eᵤ = Σⱼ gⱼvᵤⱼ, ∂L/∂aᵤ = Σ_w e_w s_w(δ_wu − sᵤ) (the softmax Jacobian, 004-16's
    Jᵀ times the upstream gradient), ∂L/∂qᵢ = Σᵤ ∂L/∂aᵤ·kᵤᵢ/√d, ∂L/∂kᵤᵢ = ∂L/∂aᵤ·qᵢ/√d."""
    rng = random.Random(5)
    d, T = 4, 3
    q = vec(rng, d, 1.5, "q")
    ks = [vec(rng, d, 1.5, f"k{u}_") for u in range(T)]
    vs = [vec(rng, d, 1.5, f"v{u}_") for u in range(T)]
    g = [rng.uniform(-1, 1) for _ in range(d)]
    weighted(attention_head(q, ks, vs), g).backward()

    Q = [x.data for x in q]
    K = [[x.data for x in k] for k in ks]
    V = [[x.data for x in v] for v in vs]
    a = [math.fsum(qi * ki for qi, ki in zip(Q, k)) / math.sqrt(d) for k in K]
    m = max(a)
    z = math.fsum(math.exp(au - m) for au in a)
    s = [math.exp(au - m) / z for au in a]
    dV = [[s[u] * g[j] for j in range(d)] for u in range(T)]
    e = [math.fsum(g[j] * V[u][j] for j in range(d)) for u in range(T)]
    da = [math.fsum(e[w] * s[w] * ((w == u) - s[u]) for w in range(T)) for u in range(T)]
    assert da == pytest.approx(
        [s[u] * (e[u] - math.fsum(sw * ew for sw, ew in zip(s, e))) for u in range(T)]
    )
    dQ = [math.fsum(da[u] * K[u][i] for u in range(T)) / math.sqrt(d) for i in range(d)]
    dK = [[da[u] * Q[i] / math.sqrt(d) for i in range(d)] for u in range(T)]

    assert [x.grad for x in q] == pytest.approx(dQ, rel=1e-12, abs=1e-15)
    for u in range(T):
        assert [x.grad for x in ks[u]] == pytest.approx(dK[u], rel=1e-12, abs=1e-15)
        assert [x.grad for x in vs[u]] == pytest.approx(dV[u], rel=1e-12, abs=1e-15)
    assert math.fsum(da) == pytest.approx(0.0, abs=1e-15)  # softmax ignores a common shift


def test_multi_head_attention_is_causal_and_checks_out():
    rng = random.Random(6)
    attn = CausalSelfAttention(4, 2, "1", std=0.5, rng=rng)
    assert attn.head_dim == 2
    assert [n for n, _ in attn.named_parameters()][::16] == [
        "Wq1[0,0]",
        "Wk1[0,0]",
        "Wv1[0,0]",
        "Wo1[0,0]",
    ]
    xs = [[rng.uniform(-1, 1) for _ in range(4)] for _ in range(3)]

    def run(m, xs):
        keys, values = [], []
        return [m([Value(x) for x in row], keys, values) for row in xs]

    first = [v.data for v in run(attn, xs[:1])[0]]
    later = run(attn, [xs[0], *xs[1:]])
    assert [v.data for v in later[0]] == first  # position 0 never sees positions after it
    changed = [xs[0], xs[1], [-x for x in xs[2]]]
    assert [v.data for v in run(attn, changed)[1]] == [v.data for v in later[1]]
    cs = [0.5, -1.0, 0.25, 2.0]
    check_module(attn, lambda m: autograd.sum(weighted(y, cs) for y in run(m, xs)))
    with pytest.raises(ValueError, match="not a multiple of n_head 3"):
        CausalSelfAttention(4, 3)


def test_mlp_block():
    rng = random.Random(7)
    mlp = MLPBlock(3, "1", std=0.5, rng=rng)
    assert len(mlp.parameters()) == 2 * 3 * 12
    assert (
        mlp.named_parameters()[0][0] == "Wup1[0,0]"
        and mlp.named_parameters()[-1][0] == "Wdown1[2,11]"
    )
    x = vec(rng, 3)
    check_module(mlp, lambda m: weighted(m(x), [1.0, -2.0, 0.5]))


def tiny_gpt(seed=8):
    return GPT(vocab_size=5, n_embd=4, n_head=2, n_layer=1, block_size=4, std=0.5, seed=seed)


def test_gpt_loss_against_central_differences():
    model = tiny_gpt()
    assert len(model.parameters()) == 5 * 4 + 4 * 4 + 4 * 16 + 2 * 4 * 16 + 5 * 4
    check_module(model, lambda m: m.loss([4, 0, 2, 1, 4]))


def test_gpt_two_layers_against_central_differences():
    model = GPT(vocab_size=3, n_embd=2, n_head=1, n_layer=2, block_size=3, std=0.7, seed=9)
    assert "Wq2[0,0]" in dict(model.named_parameters())
    check_module(model, lambda m: m.loss([2, 0, 1, 2]))


def test_gpt_default_size_and_names():
    model = GPT(27, seed=0)
    names = [n for n, _ in model.named_parameters()]
    assert len(names) == len(set(names)) == 27 * 16 + 16 * 16 + 4 * 16 * 16 + 2 * 16 * 64 + 27 * 16
    assert names[0] == "wte[0,0]" and names[27 * 16] == "wpe[0,0]" and names[-1] == "Wlm[26,15]"
    loss = model.loss([26, 0, 1, 26])
    assert loss.data == pytest.approx(math.log(27), abs=0.3)  # small weights: near-uniform
    with pytest.raises(ValueError, match="position 16 is outside the block of 16"):
        model(0, 16, KVCache(1))
    with pytest.raises(IndexError, match="wte: index 27"):
        model(27, 0, KVCache(1))
    with pytest.raises(ValueError, match="at least 2 tokens"):
        model.loss([26])


def test_gpt_learns_a_name_and_samples_from_its_characters():
    voc = Vocabulary(["anna", "bob"])
    model = GPT(len(voc), n_embd=8, n_head=2, block_size=8, seed=1)
    opt = Adam(model.parameters(), lr=0.05, betas=(0.85, 0.99))
    tokens = voc.encode("anna")
    first = model.loss(tokens).data
    for _ in range(30):
        loss = model.loss(tokens)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert model.loss(tokens).data < first / 4
    samples = [voc.decode(model.sample(random.Random(k), voc.bos, 0.5)) for k in range(5)]
    assert samples.count("anna") >= 4
    assert samples == [voc.decode(model.sample(random.Random(k), voc.bos, 0.5)) for k in range(5)]
    with pytest.raises(ValueError, match="temperature must be > 0"):
        model.sample(random.Random(0), voc.bos, 0.0)


def float_gpt_loss(model: GPT, tokens: list[int]) -> float:
    """The GPT's loss in plain floats, microgpt's forward pass written out (one block)."""

    def table(lin):
        return [[w.data for w in row] for row in lin.W]

    def mv(W, x):
        return [math.fsum(w * xi for w, xi in zip(row, x)) for row in W]

    def norm(x):
        r = (math.fsum(xi * xi for xi in x) / len(x) + 1e-5) ** -0.5
        return [xi * r for xi in x]

    def softmax(z):
        e = [math.exp(zi - max(z)) for zi in z]
        return [ei / math.fsum(e) for ei in e]

    attn, mlp = model.attn[0], model.mlp[0]
    Wq, Wk, Wv, Wo = (table(w) for w in (attn.Wq, attn.Wk, attn.Wv, attn.Wo))
    d = attn.head_dim
    keys, values, terms = [], [], []
    for t in range(len(tokens) - 1):
        x = [e.data + p.data for e, p in zip(model.wte.E[tokens[t]], model.wpe.E[t])]
        x = norm(x)
        h = norm(x)
        q = mv(Wq, h)
        keys.append(mv(Wk, h))
        values.append(mv(Wv, h))
        heads = []
        for lo in range(0, len(q), d):
            a = [math.fsum(q[lo + i] * k[lo + i] for i in range(d)) / math.sqrt(d) for k in keys]
            s = softmax(a)
            heads += [math.fsum(su * v[lo + j] for su, v in zip(s, values)) for j in range(d)]
        x = [y + r for y, r in zip(mv(Wo, heads), x)]
        up = [max(0.0, u) for u in mv(table(mlp.up), norm(x))]
        x = [y + r for y, r in zip(mv(table(mlp.down), up), x)]
        p = softmax(mv(table(model.lm_head), x))
        terms.append(-math.log(p[tokens[t + 1]]))
    return math.fsum(terms) / len(terms)


def test_gpt_forward_is_microgpts():
    """x = rmsnorm(wte + wpe); x += attn(rmsnorm(x)); x += W_down relu(W_up rmsnorm(x))."""
    model = GPT(27, seed=3, std=0.3)
    tokens = [26, 4, 12, 12, 0, 26]
    assert model.loss(tokens).data == pytest.approx(float_gpt_loss(model, tokens), rel=1e-12)
