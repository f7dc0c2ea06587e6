"""micrograd's two-moons demo, run with this project's parts and written to files.

`run_demo` trains MLP(2, [16, 16, 1]) on two moons with the hinge loss (ReLU units, uniform
initial weights, SGD with η from 1.0 down to 0.1) and writes to a directory: the decision
boundary and the loss/accuracy curves (matplotlib PNG, or SVG drawn here when matplotlib is
missing), the graph of one neuron with its local derivatives, and the model as JSON.
`chainrule demo` is its command line.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd import Graph, Value, draw, no_grad
from autograd.files import write_atomic
from nn.data import make_moons
from nn.layers import MLP
from nn.optim import SGD
from nn.serialize import save
from nn.train import History, accuracy, fit

from . import plots

DEMO_POINTS = 100
DEMO_NOISE = 0.1
DEMO_SIZES = (16, 16, 1)
GRID = 40  # the decision boundary is drawn from GRID × GRID model evaluations


class DemoError(Exception):
    """The demo could not do its work: OUT_DIR not writable, training diverged, a write failed."""


@dataclass(frozen=True)
class DemoResult:
    """What `run_demo` made: the trained model, its history and the files it wrote."""

    model: MLP
    history: History
    accuracy: float  # on the training points, after the last epoch
    points: int  # the number of training points
    out_dir: Path
    files: tuple[Path, ...]  # in the order written

    @property
    def final_loss(self) -> float:
        """Mean hinge loss of the last epoch."""
        return self.history["loss"][-1]


def run_demo(
    out_dir: str | os.PathLike, epochs: int = 100, seed: int = 1337, progress: bool = True
) -> DemoResult:
    """Train the demo's MLP for `epochs` epochs from `seed` and write its four files to `out_dir`.

    `out_dir` is created and proved writable before any training, and model.json is written
    before any drawing, so a drawing failure never loses the trained model. `progress` shows
    tqdm's bar and says on standard error when the plots fall back to SVG. Raises ValueError
    for epochs < 1 and DemoError, in one line, when the work fails.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, not {epochs}")
    out = prepare_out_dir(Path(out_dir))
    X, y, model, history = _train(epochs, seed, progress)
    final = accuracy(model, X, y, "hinge")
    title = f"MLP(2, [16, 16, 1]) after {epochs} epochs: accuracy {final:.0%}"
    loss, acc = history["loss"], history["accuracy"]
    grid = _grid(model, X)
    written: list[Path] = []

    def write(name: str, data: str | bytes) -> None:
        write_atomic(out / name, data)
        written.append(out / name)

    try:  # the model first: no drawing step can lose the training
        save(model, out / "model.json")
        written.append(out / "model.json")
    except OSError as e:
        raise DemoError(f"cannot write to output directory {str(out)!r}: {e}") from None
    what = "the plots"
    try:
        if plots.have_matplotlib():
            write("decision_boundary.png", plots.boundary_png(X, y, grid, title))
            write("loss.png", plots.history_png(loss, acc))
        else:
            if progress:
                print(
                    "matplotlib is not installed: drawing the plots as SVG instead",
                    file=sys.stderr,
                )
            write("decision_boundary.svg", plots.boundary_svg(X, y, grid, title))
            write("loss.svg", plots.history_svg(loss, acc))
        what = "the neuron graph"
        write("neuron_graph.svg", _neuron_graph(model, X).svg())
    except OSError as e:
        raise DemoError(f"cannot write to output directory {str(out)!r}: {e}") from None
    except Exception as e:  # e.g. no Graphviz renderer: reported in one line, the model kept
        done = ", ".join(p.name for p in written)
        reason = " ".join(str(e).split()) or type(e).__name__
        raise DemoError(f"cannot draw {what}: {reason} (written: {done})") from None
    return DemoResult(model, history, final, len(X), out, tuple(written))


def prepare_out_dir(out: Path) -> Path:
    """Create `out` and prove it writable before any training; DemoError in one line if not."""
    if out.exists() and not out.is_dir():
        raise DemoError(f"cannot write to output directory {str(out)!r}: it is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".chainrule-write-test-"):
            pass
    except OSError as e:
        reason = e.strerror or str(e)
        raise DemoError(f"cannot write to output directory {str(out)!r}: {reason}") from None
    return out


def _train(epochs: int, seed: int, progress: bool) -> tuple[list, list[int], MLP, History]:
    """micrograd's demo: ReLU MLP, uniform init, hinge loss, SGD with η from 1.0 down to 0.1."""
    X, labels = make_moons(DEMO_POINTS, DEMO_NOISE, seed=seed)
    y = [2 * t - 1 for t in labels]  # hinge targets are ±1
    model = MLP(2, list(DEMO_SIZES), activation="relu", init="uniform", seed=seed)
    optimizer = SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / epochs, weight_decay=1e-4)
    try:
        history = fit(model, X, y, "hinge", optimizer, epochs=epochs, progress=progress)
    except FloatingPointError as e:
        raise DemoError(str(e)) from None
    return X, y, model, history


def _grid(model: Any, X: list[list[float]]) -> tuple[list[float], list[float], list[list[float]]]:
    """Grid coordinates around the data and the model's score s(x1, x2) at every grid point."""

    def axis(k: int) -> list[float]:
        lo = min(x[k] for x in X) - 0.5
        hi = max(x[k] for x in X) + 0.5
        return [lo + (hi - lo) * i / (GRID - 1) for i in range(GRID)]

    g1, g2 = axis(0), axis(1)
    with no_grad():
        scores = [[model([a, b])[0].data for a in g1] for b in g2]
    return g1, g2, scores


def _active_neuron(model: Any, X: list[list[float]]) -> tuple[int, list[float]]:
    """A neuron i of layer 1 and an input x with z1[i] > 0, so gradients flow through it."""
    layer = model.layers[0]
    with no_grad():
        for i, neuron in enumerate(layer.neurons):
            for x in X:
                if neuron.linear(x).data > 0:
                    return i, x
    return 0, X[0]


def _neuron_graph(model: Any, X: list[list[float]]) -> Graph:
    """The graph of a1[i] = h(W1[i,:]·x + b1[i]) for one input, after its own backward pass."""
    i, x = _active_neuron(model, X)
    xs = [Value(v, label=f"x[{j}]") for j, v in enumerate(x)]
    layer = model.layers[0]
    neuron = layer.neurons[i]
    neuron.zero_grad()  # show this input's gradients, not the last training step's
    layer(xs)  # labels z1[i] and a1[i]
    z, a = layer.z[i], layer.a[i]
    a.backward()
    return draw(a, clusters=neuron.clusters(f"neuron 1[{i}]", z, a))


__all__ = [
    "DEMO_NOISE",
    "DEMO_POINTS",
    "DEMO_SIZES",
    "GRID",
    "DemoError",
    "DemoResult",
    "prepare_out_dir",
    "run_demo",
]
