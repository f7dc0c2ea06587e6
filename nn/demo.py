"""micrograd's two-moons demo, run with this project's parts and written to files.

`run_demo` trains MLP(2, [16, 16, 1]) on two moons with the hinge loss (ReLU units, uniform
initial weights, SGD with η from 1.0 down to 0.1) and writes to a directory: the decision
boundary and the loss/accuracy curves (matplotlib PNG, or SVG drawn here when matplotlib is
missing), the graph of one neuron with its local derivatives, and the model as JSON.
`chainrule demo` is its command line.
"""

from __future__ import annotations

import html
import io
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograd import Graph, Value, draw, no_grad
from autograd.files import write_atomic

from .data import make_moons
from .layers import MLP
from .optim import SGD
from .serialize import save
from .train import History, accuracy, fit

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

    `out_dir` is created and proved writable before any training. `progress` shows tqdm's bar
    and says on standard error when the plots fall back to SVG. Raises ValueError for
    epochs < 1 and DemoError, in one line, when the work fails.
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

    try:
        if _matplotlib():
            write("decision_boundary.png", _boundary_png(X, y, grid, title))
            write("loss.png", _history_png(loss, acc))
        else:
            if progress:
                print(
                    "matplotlib is not installed: drawing the plots as SVG instead",
                    file=sys.stderr,
                )
            write("decision_boundary.svg", _boundary_svg(X, y, grid, title))
            write("loss.svg", _history_svg(loss, acc))
        write("neuron_graph.svg", _neuron_graph(model, X).svg())
        save(model, out / "model.json")
        written.append(out / "model.json")
    except OSError as e:
        raise DemoError(f"cannot write to output directory {str(out)!r}: {e}") from None
    except RuntimeError as e:  # e.g. no Graphviz renderer for the neuron graph
        done = ", ".join(p.name for p in written) or "nothing"
        raise DemoError(f"cannot draw the neuron graph: {e} (written: {done})") from None
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


def _matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401 - only asks whether it is installed
    except ImportError:
        return False
    return True


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _boundary_png(X: list, y: list, grid: tuple, title: str) -> bytes:
    """The data over the regions where the model says +1 / −1 (matplotlib, no pyplot state)."""
    from matplotlib.figure import Figure

    g1, g2, scores = grid
    fig = Figure(figsize=(6, 5), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    top = max(1.0, max(abs(s) for row in scores for s in row))
    ax.contourf(g1, g2, scores, levels=[-top, 0.0, top], colors=["#f6c7c3", "#c6dbef"])
    ax.contour(g1, g2, scores, levels=[0.0], colors="#555555", linewidths=1)
    for label, colour in ((-1, "#d62728"), (1, "#1f77b4")):
        pts = [x for x, t in zip(X, y, strict=True) if t == label]
        ax.scatter(
            [p[0] for p in pts],
            [p[1] for p in pts],
            c=colour,
            edgecolors="black",
            linewidths=0.5,
            s=30,
            label=f"class {label:+d}",
        )
    ax.set(title=title, xlabel="x[0]", ylabel="x[1]")
    ax.legend(loc="upper right")
    return _png(fig)


def _history_png(loss: list[float], acc: list[float]) -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.5), dpi=100, layout="constrained")
    epochs = range(1, len(loss) + 1)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(epochs, loss, color="#d62728")
    ax1.set(title="hinge loss per epoch", xlabel="epoch", ylabel="mean loss")
    ax2.plot(epochs, [100 * a for a in acc], color="#1f77b4")
    ax2.set(title="training accuracy per epoch", xlabel="epoch", ylabel="accuracy (%)")
    ax2.set_ylim(0, 105)
    return _png(fig)


# Without matplotlib: the same two pictures as plain SVG, drawn here.


def _svg_doc(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">\n<title>{html.escape(title)}</title>\n'
        f'<rect width="{width}" height="{height}" fill="white"/>\n' + "\n".join(body) + "\n</svg>\n"
    )


def _boundary_svg(X: list, y: list, grid: tuple, title: str) -> str:
    g1, g2, scores = grid
    size, pad = 400, 40
    lo1, hi1, lo2, hi2 = g1[0], g1[-1], g2[0], g2[-1]

    def px(a: float, b: float) -> tuple[float, float]:
        return (pad + (a - lo1) / (hi1 - lo1) * size, pad + (hi2 - b) / (hi2 - lo2) * size)

    cell = size / (GRID - 1)
    body = []
    for j, b in enumerate(g2):
        for i, a in enumerate(g1):
            x, yy = px(a, b)
            fill = "#c6dbef" if scores[j][i] > 0 else "#f6c7c3"
            body.append(
                f'<rect x="{x - cell / 2:.1f}" y="{yy - cell / 2:.1f}" width="{cell + 0.5:.1f}" '
                f'height="{cell + 0.5:.1f}" fill="{fill}"/>'
            )
    for (a, b), t in zip(X, y, strict=True):
        x, yy = px(a, b)
        fill = "#1f77b4" if t > 0 else "#d62728"
        body.append(f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="4" fill="{fill}" stroke="black"/>')
    body.append(f'<text x="{pad}" y="{pad - 12}" font-size="14">{html.escape(title)}</text>')
    return _svg_doc(size + 2 * pad, size + 2 * pad, body, title)


def _history_svg(loss: list[float], acc: list[float]) -> str:
    w, h, pad = 360, 240, 40
    body = []
    for k, (name, values, colour) in enumerate(
        (("hinge loss per epoch", loss, "#d62728"), ("accuracy per epoch", acc, "#1f77b4"))
    ):
        x0 = pad + k * (w + 2 * pad)
        top = max(max(values), 1e-12) if k == 0 else 1.0
        n = max(len(values) - 1, 1)
        points = " ".join(
            f"{x0 + w * i / n:.1f},{pad + h - h * v / top:.1f}" for i, v in enumerate(values)
        )
        body += [
            f'<rect x="{x0}" y="{pad}" width="{w}" height="{h}" fill="none" stroke="#888"/>',
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>',
            f'<text x="{x0}" y="{pad - 12}" font-size="14">{name} (0 to {top:.3g})</text>',
            f'<text x="{x0}" y="{pad + h + 20}" font-size="12">epoch 1 to {len(values)}</text>',
        ]
    return _svg_doc(2 * (w + 2 * pad), h + 2 * pad + 10, body, "loss and accuracy per epoch")


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
    neuron = model.layers[0].neurons[i]
    neuron.zero_grad()  # show this input's gradients, not the last training step's
    a = neuron(xs)
    a.label = f"a1[{i}]"
    if len(a.parents) == 1 and a.parents[0].op and not a.parents[0].label:
        a.parents[0].label = f"z1[{i}]"
    a.backward()
    return draw(a)


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
