"""`make bench`: chainrule against micrograd 0.1.0 (and PyTorch scalars if installed), side by side.

Workloads, each run interleaved engine by engine so both see the same machine state:
  1a  one training step of micrograd's demo, graph built op by op exactly as micrograd builds it
  1b  the same step with chainrule's own nn.MLP (n-ary dot nodes, one sum node)
  1c  1b's graph traced once and compiled to straight-line code (`Trace.compile`), replayed
      each step with the new weights: no graph built; the time to trace and compile is shown
  2   forward + backward per op on a chain of 10^4 ops
  3   bytes per node (tracemalloc) of the demo step's graph
  4   one GPT training step (microgpt's model): microgpt's Value design, chainrule's Value in the
      same plain code, chainrule's nn.gpt.GPT with n-ary ops, and PyTorch scalars if installed
  5   draw_backward of a chain of 60 and of 500 values: time and size of the player (chainrule only)
Prints medians and ratios as Markdown tables.
"""

from __future__ import annotations

import gc
import itertools
import math
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable

import autograd
from autograd import Value
from nn import MLP, Adam, losses
from nn.data import make_moons
from nn.datasets import names
from nn.gpt import GPT, Vocabulary

try:
    from micrograd.engine import Value as MicroValue
except ImportError:  # pragma: no cover - the bench extra installs it
    sys.exit("make bench needs micrograd==0.1.0: pip install -e '.[bench]'")

try:
    import torch

    torch.set_num_threads(1)  # scalar ops gain nothing from threads, whose spinning skews the rest
except ImportError:
    torch = None

REPEATS = 7
SIZES = (2, 16, 16, 1)
ALPHA = 1e-4
LR = 0.1


def demo_weights(seed: int = 1337) -> list[list[tuple[list[float], float]]]:
    """Weights of MLP(2, [16, 16, 1]) as plain floats, so every engine starts from the same ones."""
    rng = random.Random(seed)
    return [
        [([rng.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)]
        for nin, nout in itertools.pairwise(SIZES)
    ]


def micrograd_style_step(make: Callable[[float], object], weights, X, y) -> float:
    """micrograd's demo step: relu MLP, hinge loss + α·Σp², backward, SGD; the graph is freed."""
    total, params = demo_graph(make, weights, X, y)
    for p in params:
        p.grad = 0.0
    total.backward()
    for p in params:
        p.data -= LR * p.grad
    return float(total.data)


def torch_step(weights, X, y) -> float:
    """The same step with PyTorch 0-dim tensors, op by op."""

    def make(v: float):
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    total, params = demo_graph(make, weights, X, y)
    total.backward()
    with torch.no_grad():
        for p in params:
            p -= LR * p.grad
    return total.item()


def nn_step(model: MLP, X, y) -> float:
    """The demo step with chainrule's nn.MLP: one dot node per neuron, one sum for the loss."""
    scores = [model(x)[0] for x in X]
    params = model.parameters()
    total = losses.hinge(scores, y) + ALPHA * autograd.dot(params, params)
    model.zero_grad()
    total.backward()
    with autograd.no_grad():
        for p in params:
            p.data -= LR * p.grad
    return total.data


def demo_loss(model: MLP, X, y) -> Value:
    """nn_step's loss: hinge over the scores + α·Σθ²."""
    scores = [model(x)[0] for x in X]
    params = model.parameters()
    return losses.hinge(scores, y) + ALPHA * autograd.dot(params, params)


def compiled_step(model: MLP, X, y) -> tuple[Callable[[], float], float]:
    """nn_step's graph traced and compiled once: (a step that replays it, seconds it took).

    The replay is valid for any weights: the demo's only data-dependent branches are relus,
    which the compiled code keeps.
    """
    start = time.perf_counter()
    replay = autograd.trace(demo_loss(model, X, y)).compile()
    seconds = time.perf_counter() - start
    leaves = replay.inputs
    params = set(model.parameters())
    update = [k for k, x in enumerate(leaves) if x in params]

    def step() -> float:
        value, grads = replay(*[x.data for x in leaves])
        for k in update:
            leaves[k].data -= LR * grads[k]
        return value

    return step, seconds


def chain(make: Callable[[float], object], n: int, constants: bool = False) -> None:
    """y ← y·w + b, n/2 times (n ops), then backward; w and b Values, or plain numbers."""
    w, b = (0.999, 0.001) if constants else (make(0.999), make(0.001))
    y = make(0.5)
    for _ in range(n // 2):
        y = y * w + b
    y.backward()


def constant_chain(make: Callable[[float], object], n: int) -> object:
    """y ← y·1.0001, n times: every node keeps a folded number."""
    y = make(0.5)
    for _ in range(n):
        y = y * 1.0001
    return y


def timed(fn: Callable[[], object]) -> float:
    """Seconds to run fn and free its graph, whether reference counting or the cyclic
    collector frees it: a collection right after the run counts, less an empty one."""
    gc.collect()
    start = time.perf_counter()
    fn()
    ran = time.perf_counter()
    gc.collect()
    collected = time.perf_counter()
    gc.collect()
    empty = time.perf_counter() - collected
    return (ran - start) + max(0.0, (collected - ran) - empty)


def side_by_side(runs: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Median seconds of each run, the runs interleaved repeat by repeat."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for fn in runs.values():  # warm-up
        timed(fn)
    for _ in range(REPEATS):
        for name, fn in runs.items():
            times[name].append(timed(fn))
    return {name: statistics.median(ts) for name, ts in times.items()}


def bytes_per_node(build: Callable[[], object], count: Callable[[object], int]) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = build()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / count(root)


def micrograd_count(root) -> int:
    seen, stack = {root}, [root]
    while stack:
        for p in stack.pop()._prev:
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return len(seen)


def demo_graph(make, weights, X, y):
    """The demo's loss built op by op as micrograd builds it, and the parameters."""
    layers = [[([make(w) for w in ws], make(b)) for ws, b in layer] for layer in weights]
    params = [p for layer in layers for ws, b in layer for p in (*ws, b)]
    scores = []
    for x in X:
        a = [make(v) for v in x]
        for depth, layer in enumerate(layers):
            outs = []
            for ws, b in layer:
                act = sum((wi * xi for wi, xi in zip(ws, a)), b)
                outs.append(act.relu() if depth < len(layers) - 1 else act)
            a = outs
        scores.append(a[0])
    data_loss = sum((1 + -yi * si).relu() for yi, si in zip(y, scores)) * (1.0 / len(scores))
    return data_loss + ALPHA * sum(p * p for p in params), params


def micrograd_default_limits() -> list[str]:
    """What micrograd cannot run at Python's default recursion limit."""
    notes = []
    for n, what in ((2_000, "a chain of 2,000 ops"), (1_000, "sum() of 1,000 terms")):
        if what.startswith("sum"):
            root = sum(MicroValue(float(i)) for i in range(n))
        else:
            root = MicroValue(1.0)
            for _ in range(n):
                root = root * 1.0
        try:
            root.backward()
            notes.append(f"micrograd runs {what} at the default recursion limit")
        except RecursionError:
            notes.append(
                f"micrograd fails on {what} at the default recursion limit (RecursionError)"
            )
    x = MicroValue(3.0)
    y = x * x * x
    y.backward()
    first = x.grad
    y.backward()
    notes.append(
        f"micrograd, x*x*x at 3, backward twice: x.grad {first:g} then {x.grad:g} "
        f"(exactly double is {2 * first:g}; chainrule gives {double_backward_chainrule():g})"
    )
    return notes


def double_backward_chainrule() -> float:
    x = Value(3.0)
    y = x * x * x
    y.backward()
    y.backward()
    return x.grad


# ---- (4) the GPT training step ---------------------------------------------------------------
#
# microgpt's model (one block, n_embd 16, 4 heads, block 16, 4,192 weights) trained on one name
# per step: forward, backward, Adam. Three ways to build the same graph:
#   plain   the model written as microgpt writes it, binary + and × only, for any Value class:
#           MicroGPTValue below (microgpt's design), chainrule's Value dropped in, torch scalars
#   nn      chainrule's nn.gpt.GPT: one n-ary dot per projection output and attention score,
#           one softmax node per attention weight, logsumexp for the loss

GPT_NAME = "olivia"  # 6 letters, the mean length of the names list
ADAM_LR, ADAM_BETAS, ADAM_EPS = 0.01, (0.85, 0.99), 1e-8


class MicroGPTValue:
    """The baseline: microgpt's Value design (slots; children and local derivatives in tuples;
    a recursive topological sort, which needs a raised recursion limit on deep graphs)."""

    __slots__ = ("_children", "_local_grads", "data", "grad")

    def __init__(self, data, children=(), local_grads=()):
        self.data = data
        self.grad = 0.0
        self._children = children
        self._local_grads = local_grads

    def __add__(self, other):
        other = other if isinstance(other, MicroGPTValue) else MicroGPTValue(other)
        return MicroGPTValue(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, MicroGPTValue) else MicroGPTValue(other)
        return MicroGPTValue(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k):
        return MicroGPTValue(self.data**k, (self,), (k * self.data ** (k - 1),))

    def exp(self):
        e = math.exp(self.data)
        return MicroGPTValue(e, (self,), (e,))

    def log(self):
        return MicroGPTValue(math.log(self.data), (self,), (1.0 / self.data,))

    def relu(self):
        return MicroGPTValue(max(0.0, self.data), (self,), (float(self.data > 0),))

    __radd__ = __add__
    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-other)

    def __rsub__(self, other):
        return (-self) + other

    def __truediv__(self, other):
        return self * other**-1

    def __rtruediv__(self, other):
        return self**-1 * other

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if v not in seen:
                seen.add(v)
                for child in v._children:
                    visit(child)
                order.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(order):
            for child, local in zip(v._children, v._local_grads):
                child.grad += local * v.grad


GPT_TABLES = ("wte", "wpe", "Wq1", "Wk1", "Wv1", "Wo1", "Wup1", "Wdown1", "Wlm")


def gpt_weights(model: GPT) -> dict[str, list[list[float]]]:
    """nn's GPT weights as float matrices, one per table, rows as stored."""
    out: dict[str, list[list[float]]] = {}
    for name, p in model.named_parameters():
        table, index = name[:-1].split("[")
        i, _ = (int(k) for k in index.split(","))
        rows = out.setdefault(table, [])
        if i == len(rows):
            rows.append([])
        rows[i].append(p.data)
    assert tuple(out) == GPT_TABLES
    return out


class PlainGPT:
    """microgpt's forward pass written with binary ops only, for any scalar class `make`."""

    def __init__(self, make: Callable[[float], object], weights: dict, n_head: int = 4):
        self.w = {k: [[make(x) for x in row] for row in rows] for k, rows in weights.items()}
        self.params = [p for rows in self.w.values() for row in rows for p in row]
        self.n_head = n_head

    @staticmethod
    def linear(x, W):
        return [sum(wi * xi for wi, xi in zip(row, x)) for row in W]

    @staticmethod
    def softmax(z):
        m = max(zi.data for zi in z)
        e = [(zi - m).exp() for zi in z]
        total = sum(e)
        return [ei / total for ei in e]

    @staticmethod
    def rmsnorm(x):
        r = (sum(xi * xi for xi in x) / len(x) + 1e-5) ** -0.5
        return [xi * r for xi in x]

    def logits(self, token, pos, keys, values):
        w, lin = self.w, self.linear
        x = self.rmsnorm([t + p for t, p in zip(w["wte"][token], w["wpe"][pos])])
        residual, x = x, self.rmsnorm(x)
        q, k, v = lin(x, w["Wq1"]), lin(x, w["Wk1"]), lin(x, w["Wv1"])
        keys.append(k)
        values.append(v)
        d = len(q) // self.n_head
        heads = []
        for h in range(self.n_head):
            lo = h * d
            scores = [sum(q[lo + j] * ku[lo + j] for j in range(d)) / d**0.5 for ku in keys]
            s = self.softmax(scores)
            heads += [sum(s[u] * values[u][lo + j] for u in range(len(s))) for j in range(d)]
        x = [a + r for a, r in zip(lin(heads, w["Wo1"]), residual)]
        residual, x = x, self.rmsnorm(x)
        x = lin([h.relu() for h in lin(x, w["Wup1"])], w["Wdown1"])
        x = [a + r for a, r in zip(x, residual)]
        return lin(x, w["Wlm"])

    def loss(self, tokens):
        keys, values, terms = [], [], []
        n = len(tokens) - 1
        for t in range(n):
            probs = self.softmax(self.logits(tokens[t], t, keys, values))
            terms.append(-probs[tokens[t + 1]].log())
        return (1 / n) * sum(terms)


class FloatAdam:
    """Adam on plain floats, as microgpt writes it: the same update as nn.Adam."""

    def __init__(self, n: int):
        self.m, self.v, self.t = [0.0] * n, [0.0] * n, 0

    def step(self, params, grads) -> None:
        (b1, b2), self.t = ADAM_BETAS, self.t + 1
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        for k, (p, g) in enumerate(zip(params, grads)):
            self.m[k] = b1 * self.m[k] + (1 - b1) * g
            self.v[k] = b2 * self.v[k] + (1 - b2) * g * g
            p.data -= ADAM_LR * (self.m[k] / c1) / (math.sqrt(self.v[k] / c2) + ADAM_EPS)


def plain_gpt_step(model: PlainGPT, adam: FloatAdam, tokens) -> float:
    loss = model.loss(tokens)
    for p in model.params:
        p.grad = 0.0
    loss.backward()
    adam.step(model.params, [p.grad for p in model.params])
    return loss.data


def torch_gpt_step(model: PlainGPT, opt, tokens) -> float:
    loss = model.loss(tokens)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.item()


def nn_gpt_step(model: GPT, opt: Adam, tokens) -> float:
    loss = model.loss(tokens)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss.data


def gpt_bench() -> list[str]:
    """Markdown rows: median seconds per GPT step for each engine, and the first losses."""
    docs = names()
    voc = Vocabulary(docs)
    tokens = voc.encode(GPT_NAME)
    nn_model = GPT(len(voc), n_embd=16, n_head=4, n_layer=1, block_size=16, seed=42)
    weights = gpt_weights(nn_model)
    micro = PlainGPT(MicroGPTValue, weights)
    plain = PlainGPT(Value, weights)
    first = {
        "microgpt Value": micro.loss(tokens).data,
        "chainrule, plain": plain.loss(tokens).data,
        "chainrule nn.GPT": nn_model.loss(tokens).data,
    }
    steps: dict[str, Callable[[], object]] = {}
    adam_micro, adam_plain = FloatAdam(len(micro.params)), FloatAdam(len(plain.params))
    steps["microgpt Value"] = lambda: plain_gpt_step(micro, adam_micro, tokens)
    steps["chainrule, plain"] = lambda: plain_gpt_step(plain, adam_plain, tokens)
    opt = Adam(nn_model.parameters(), lr=ADAM_LR, betas=ADAM_BETAS, eps=ADAM_EPS)
    steps["chainrule nn.GPT"] = lambda: nn_gpt_step(nn_model, opt, tokens)
    if torch is not None:

        def scalar(x: float):
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        tmodel = PlainGPT(scalar, weights)
        first["torch scalars"] = tmodel.loss(tokens).item()
        topt = torch.optim.Adam(tmodel.params, lr=ADAM_LR, betas=ADAM_BETAS, eps=ADAM_EPS)
        steps["torch scalars"] = lambda: torch_gpt_step(tmodel, topt, tokens)
    nodes = {
        "microgpt Value": microgpt_count(micro.loss(tokens)),
        "chainrule, plain": len(autograd.topological_order(plain.loss(tokens))),
        "chainrule nn.GPT": len(autograd.topological_order(nn_model.loss(tokens))),
    }
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(100_000)  # the baseline's recursive sort
    try:
        step = side_by_side(steps)
    finally:
        sys.setrecursionlimit(old_limit)
    base = step["microgpt Value"]
    agree = max(abs(x - first["microgpt Value"]) for x in first.values())
    last = {"microgpt Value": micro.loss(tokens).data, "chainrule, plain": plain.loss(tokens).data}
    last["chainrule nn.GPT"] = nn_model.loss(tokens).data
    if torch is not None:
        last["torch scalars"] = tmodel.loss(tokens).item()
    after = max(abs(x - last["microgpt Value"]) for x in last.values())
    rows = [
        f"\nGPT training step (microgpt's model, 4,192 weights, one name {GPT_NAME!r} = "
        f"{len(tokens) - 1} positions: forward, backward, Adam), medians of {REPEATS}\n",
        "| engine | graph nodes | ms per step | speed-up over microgpt's Value |",
        "|---|---|---|---|",
    ]
    for name, seconds in step.items():
        count = f"{nodes[name]:,}" if name in nodes else "—"
        rows.append(f"| {name} | {count} | {seconds * 1e3:.1f} | {base / seconds:.2f}× |")
    rows.append(
        f"\n- first losses agree to {agree:.1e} ({first['microgpt Value']:.12f}; ln 27 = "
        f"{math.log(27):.4f}); after the {REPEATS + 1} steps each engine took, to {after:.1e} "
        f"({last['microgpt Value']:.12f})"
    )
    if torch is None:
        rows.append("- (torch not installed: no torch-scalars row)")
    return rows


def microgpt_count(root) -> int:
    """Nodes behind a MicroGPTValue, counted without recursion."""
    seen, stack = {id(root)}, [root]
    while stack:
        for c in stack.pop()._children:
            if id(c) not in seen:
                seen.add(id(c))
                stack.append(c)
    return len(seen)


def main() -> None:
    X, labels = make_moons(100, noise=0.1, seed=1)
    y = [1 if t else -1 for t in labels]
    weights = demo_weights()
    limits = micrograd_default_limits()

    runs = {
        "micrograd": lambda: micrograd_style_step(MicroValue, weights, X, y),
        "chainrule": lambda: micrograd_style_step(Value, weights, X, y),
    }
    if torch is not None:
        runs["torch"] = lambda: torch_step(weights, X, y)
    model = MLP(2, [16, 16, 1], activation="relu", init="uniform", seed=1337)
    runs["chainrule nn.MLP"] = lambda: nn_step(model, X, y)
    twin = MLP(2, [16, 16, 1], activation="relu", init="uniform", seed=1337)
    replay, compile_seconds = compiled_step(twin, X, y)
    first = demo_loss(MLP(2, [16, 16, 1], activation="relu", init="uniform", seed=1337), X, y)
    assert replay() == first.data  # the replay computes nn_step's loss, to the last digit
    runs["chainrule compiled"] = replay
    step = side_by_side(runs)

    chain_n = 10_000
    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10 * chain_n)  # micrograd's recursive sort needs it
    per_op = side_by_side(
        {
            "micrograd": lambda: chain(MicroValue, chain_n),
            "chainrule": lambda: chain(Value, chain_n),
            "micrograd, constants": lambda: chain(MicroValue, chain_n, constants=True),
            "chainrule, constants": lambda: chain(Value, chain_n, constants=True),
        }
    )
    sys.setrecursionlimit(old_limit)
    per_op = {k: v / chain_n for k, v in per_op.items()}

    memory = {
        "micrograd": bytes_per_node(
            lambda: demo_graph(MicroValue, weights, X, y)[0], micrograd_count
        ),
        "chainrule": bytes_per_node(
            lambda: demo_graph(Value, weights, X, y)[0],
            lambda r: len(autograd.topological_order(r)),
        ),
        "micrograd, constants": bytes_per_node(
            lambda: constant_chain(MicroValue, chain_n), micrograd_count
        ),
        "chainrule, constants": bytes_per_node(
            lambda: constant_chain(Value, chain_n),
            lambda r: len(autograd.topological_order(r)),
        ),
    }

    py = sys.version.split()[0]
    print(f"\nchainrule vs micrograd 0.1.0 — CPython {py}, medians of {REPEATS} interleaved runs\n")
    print(
        "| workload | micrograd | chainrule | speed-up |" + (" torch | vs torch |" if torch else "")
    )
    print("|---|---|---|---|" + ("---|---|" if torch else ""))
    m, c = step["micrograd"], step["chainrule"]
    row = f"| (1a) demo step, micrograd's graph | {m * 1e3:.0f} ms | {c * 1e3:.0f} ms "
    row += f"| {m / c:.1f}× |"
    if torch:
        row += f" {step['torch'] * 1e3:.0f} ms | {step['torch'] / c:.1f}× |"
    print(row)
    n = step["chainrule nn.MLP"]
    row = (
        f"| (1b) demo step, chainrule nn.MLP | {m * 1e3:.0f} ms | {n * 1e3:.0f} ms | {m / n:.1f}× |"
    )
    print(row + (" | |" if torch else ""))
    r = step["chainrule compiled"]
    row = f"| (1c) demo step, nn.MLP compiled (Trace.compile: {compile_seconds:.1f} s, once) "
    row += f"| {m * 1e3:.0f} ms | {r * 1e3:.1f} ms | {m / r:.1f}× ({n / r:.1f}× nn.MLP) |"
    print(row + (" | |" if torch else ""))
    for key, what in (("", "w, b Values"), (", constants", "w, b numbers")):
        pm, pc = per_op["micrograd" + key], per_op["chainrule" + key]
        row = f"| (2) chain y·w + b of 10^4 ops ({what}), per op | {pm * 1e6:.2f} µs "
        row += f"| {pc * 1e6:.2f} µs | {pm / pc:.1f}× |"
        print(row + (" | |" if torch else ""))
    for key, what in (("", "demo graph"), (", constants", "chain y·1.0001")):
        bm, bc = memory["micrograd" + key], memory["chainrule" + key]
        row = f"| (3) bytes per node, {what} | {bm:.0f} B | {bc:.0f} B | {bm / bc:.1f}× less |"
        print(row + (" | |" if torch else ""))
    if torch is None:
        print("\n(torch not installed: no PyTorch column; `pip install torch==2.13.0` adds it)")
    for note in limits:
        print(f"- {note}")
    print("- chainrule: no recursion; see tests/test_scale.py for 10^6-op chains and sums")
    for row in gpt_bench():
        print(row)
    player_rows()
    assert math.isfinite(c)


def player_rows() -> None:
    """(5) The backward player: one Graphviz layout, frames recoloured, so time and size grow
    with the graph, not graph × steps (500 values took 32 s and 403 MB, wasm, when every
    frame was laid out and stored in full)."""
    from autograd import draw_backward
    from autograd.drawing import render

    print(f"\n| (5) draw_backward ({render.backend()}), chain x + 1 + 1 ... | time | HTML |")
    print("|---|---|---|")
    for n in (60, 500):
        x = Value(0.0)
        for _ in range(n - 1):
            x = x + 1
        t0 = time.perf_counter()
        page = draw_backward(x, max_nodes=n)._repr_html_()
        took = time.perf_counter() - t0
        print(f"| {n} values | {took:.2f} s | {len(page.encode()) / 1e3:.0f} kB |")


if __name__ == "__main__":
    main()
