"""`draw_backward(root)`: one frame per step of the backward pass, and an HTML player for them.

The player's HTML and JavaScript are in `templates/player.html` (package data), a
`string.Template` with the placeholders pid, last, caption, frames and n.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import re
from importlib import resources
from string import Template

from . import Step, backward_steps, render, topological_order
from .dot_text import Hot, check_drawable, describe, dot_source, num
from .value import Value

_PLAYERS = itertools.count(1)
_COMMENTS = re.compile(r"<!--.*?-->\n?", flags=re.S)
# The file ends with a newline, as text files do; the player's HTML does not.
PLAYER = Template(
    resources.files(__package__)
    .joinpath("templates", "player.html")
    .read_text("utf-8")
    .removesuffix("\n")
)


class BackwardFrames:
    """The backward pass as pictures: `frames[t]` is the SVG after `steps[t]`."""

    def __init__(self, steps: list[Step], sources: list[str], captions: list[str]) -> None:
        self.steps = steps
        self.sources = sources
        self.captions = captions
        self.frames = [render.svg(s) for s in sources]

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return f"<BackwardFrames: {len(self)} steps>"

    def _repr_html_(self) -> str:
        """A self-contained player: a slider and prev/next buttons over the frames."""
        # Unique on a page (players of one kernel are numbered), yet the same on every run of a
        # notebook, so that re-executed notebooks differ only where their content does.
        digest = hashlib.sha1("".join(self.sources).encode("utf-8")).hexdigest()[:10]
        pid = f"autograd-backward-{digest}-{next(_PLAYERS)}"
        frames = []
        for t, (svg, caption) in enumerate(zip(self.frames, self.captions, strict=True)):
            hidden = "" if t == 0 else ' style="display:none"'
            svg = _COMMENTS.sub("", svg[svg.index("<svg") :])  # inline: no prolog, no comments
            # Graphviz names elements node1, edge1, ... in every frame; make them unique.
            svg = svg.replace(' id="', f' id="{pid}-{t}-')
            frames.append(
                f'<div id="{pid}-frame-{t}" data-caption="{html.escape(caption)}"{hidden}>'
                f"{svg}</div>"
            )
        n = len(frames)
        return PLAYER.substitute(
            pid=pid,
            last=n - 1,
            caption=html.escape(self.captions[0]),
            frames="".join(frames),
            n=n,
        )


def draw_backward(
    root: Value,
    grad: float = 1.0,
    rankdir: str = "LR",
    show_local_grads: bool = True,
    max_nodes: int = 60,
) -> BackwardFrames:
    """One frame per step of `backward_steps(root)`: the node being visited and the edges to its
    parents highlighted, each edge showing grad × local derivative = what it sends; grads are
    those accumulated so far (grey: not final yet). `.grad` on the nodes is untouched."""
    check_drawable(root, rankdir, max_nodes, "draw_backward")
    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    steps = list(backward_steps(root, grad))
    received = [0.0] * len(order)
    pending = set(range(len(order)))
    sources, captions = [], []
    for t, step in enumerate(steps):
        c = index[step.node]
        received[c] = step.grad
        pending.discard(c)
        for p, sent in zip(step.node.parents, step.contributions, strict=True):
            received[index[p]] += sent
        caption = (
            f"step {t + 1} of {len(steps)}: {describe(step.node)} has its grad {num(step.grad)}"
        )
        if step.node.parents:
            caption += "; it sends grad × local derivative to each input"
        hot = Hot(
            values=frozenset({c}),
            ops=frozenset({c}) if step.node.op else frozenset(),
            in_edges=frozenset((c, k) for k in range(len(step.node.parents))),
            out_edges=frozenset({c}),
        )
        source, _, _ = dot_source(
            order,
            rankdir=rankdir,
            grads=received,
            show_local_grads=show_local_grads,
            hot=hot,
            current=c,
            sent=step.contributions,
            pending=frozenset(pending),
            caption=caption,
        )
        sources.append(source)
        captions.append(caption)
    return BackwardFrames(steps, sources, captions)
