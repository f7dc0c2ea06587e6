"""`make bench`: chainrule against micrograd 0.1.0 (and PyTorch scalars if installed), side by side.

Workloads, each run interleaved engine by engine so both see the same machine state:
  1a  one training step of micrograd's demo, graph built op by op exactly as micrograd builds it
  1b  the same step with chainrule's own nn.MLP (n-ary dot nodes, one sum node)
  1c  1b's graph traced once and compiled to straight-line code (`Trace.compile`), replayed
      each step with the new weights: no graph built; the time to trace and compile is shown
  2   forward + backward per op on a chain of 10^4 ops
  3   bytes per node (tracemalloc) of the demo step's graph
Prints medians and ratios as a Markdown table.
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
from nn import MLP, losses
from nn.data import make_moons

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
    assert math.isfinite(c)


if __name__ == "__main__":
    main()
