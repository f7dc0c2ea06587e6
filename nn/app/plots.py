"""The demo's two pictures: the decision boundary over the data, and loss and accuracy per epoch.

With matplotlib (the `dev` extra) they are PNGs drawn on a `Figure` (no pyplot state); without
it, the same two pictures as plain SVG written here.
"""

from __future__ import annotations

import html
import io
from typing import Any


def have_matplotlib() -> bool:
    """Whether matplotlib is installed (it comes with the `dev` extra)."""
    try:
        import matplotlib  # noqa: F401 - only asks whether it is installed
    except ImportError:
        return False
    return True


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def boundary_png(X: list, y: list, grid: tuple, title: str) -> bytes:
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


def history_png(loss: list[float], acc: list[float]) -> bytes:
    """Loss and accuracy per epoch, side by side (matplotlib)."""
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


def boundary_svg(X: list, y: list, grid: tuple, title: str) -> str:
    """The data over the regions where the model says +1 / −1, as plain SVG."""
    g1, g2, scores = grid
    size, pad = 400, 40
    lo1, hi1, lo2, hi2 = g1[0], g1[-1], g2[0], g2[-1]

    def px(a: float, b: float) -> tuple[float, float]:
        return (pad + (a - lo1) / (hi1 - lo1) * size, pad + (hi2 - b) / (hi2 - lo2) * size)

    cell = size / (len(g1) - 1)
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


def history_svg(loss: list[float], acc: list[float]) -> str:
    """Loss and accuracy per epoch, side by side, as plain SVG."""
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


__all__ = ["boundary_png", "boundary_svg", "have_matplotlib", "history_png", "history_svg"]
