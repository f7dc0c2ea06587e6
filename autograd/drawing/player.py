"""`draw_backward(root)`: the backward pass step by step on ONE layout, and an HTML player.

The graph is laid out once by Graphviz, with room reserved for the widest text each node and
edge will show; every frame is that SVG with colours and texts changed (node and edge groups
found by their ids: n3, op3, e3_0, o3). So nodes never move, and a frame costs what changes.

The player's HTML and JavaScript are in `templates/player.html` (package data), a
`string.Template` with the placeholders n, picture, steps and data. Its static part is
a note, the picture after the last step and the steps listed one below the other, so that
where scripts do not run (untrusted JupyterLab, GitHub, JavaScript off) nothing looks live; the
script replaces it with the picture inline, prev/next buttons, a slider and ←/→ keys.
"""

from __future__ import annotations

import html
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from string import Template

from ..backward import Step, backward_steps
from ..files import write_atomic
from ..order import topological_order
from ..value import Value
from . import render
from .dot_text import CURRENT_FILL, HOT, OP_FILL, PENDING, check_drawable, describe, dot_source, num
from .graph import mime_bundle, picture_html

SVG_NS = "http://www.w3.org/2000/svg"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_COMMENTS = re.compile(r"<!--.*?-->\n?", flags=re.S)
PLAYER = Template(
    resources.files(__package__).joinpath("templates", "player.html").read_text("utf-8")
)
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
</head>
<body style="font-family:sans-serif">
{player}
</body>
</html>
"""


def _value_look(stroke: str, fill: str, width: str, text: str) -> dict[str, dict[str, str]]:
    line = {"stroke": stroke, "stroke-width": width}
    return {"polygon": {"fill": fill, **line}, "polyline": line, "text": {"fill": text}}


def _edge_look(colour: str, width: str) -> dict[str, dict[str, str]]:
    line = {"stroke": colour, "stroke-width": width}
    return {"path": line, "polygon": {"fill": colour, **line}, "text": {"fill": colour}}


# SVG attributes per kind of element and state: the one place the player's colours are set.
LOOKS = {
    "pending": _value_look(PENDING, "none", "1", PENDING),  # backward has not reached it
    "done": _value_look("black", "none", "1", "black"),
    "current": _value_look(HOT, CURRENT_FILL, "2", HOT),
    "op": {
        "ellipse": {"fill": OP_FILL, "stroke": "black", "stroke-width": "1"},
        "text": {"fill": "black"},
    },
    "op-current": {
        "ellipse": {"fill": CURRENT_FILL, "stroke": HOT, "stroke-width": "2"},
        "text": {"fill": HOT},
    },
    "edge": _edge_look("black", "1"),
    "edge-hot": _edge_look(HOT, "2"),
}


class BackwardFrames:
    """The backward pass as pictures on one layout: `frames[t]` is the SVG after `steps[t]`."""

    def __init__(
        self, steps: list[Step], source: str, layout: str, plan: dict, sends: list[list[str]]
    ) -> None:
        self.steps = steps
        self.source = source  # the DOT text of the one layout
        self.sends = sends  # per step, what it sends each input, in words
        self.layout = layout  # the SVG Graphviz drew once; every frame is it recoloured
        self.plan = plan  # what each step changes (the player's data)
        self.captions = [s[1] for s in plan["steps"]]
        self.frames = _Frames(self)

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        return f"<BackwardFrames: {len(self)} steps; .frames[t], .save(path)>"

    def frame(self, t: int, caption: bool = True) -> str:
        """The SVG after step `t`: the one layout with that step's colours and texts (and its
        caption, unless the page around it prints that)."""
        root = ET.fromstring(self.layout)
        groups = {g.get("id"): g for g in root.iter(f"{{{SVG_NS}}}g") if g.get("id")}
        for gid, look, lines in _state(self.plan, t):
            if gid in groups:
                _paint(groups[gid], look, lines if caption or gid != "graph0" else [""])
        return ET.tostring(root, encoding="unicode")

    def _repr_html_(self) -> str:
        """The player: with scripts, one picture and controls; without, every step listed."""
        n = len(self)
        last = self.frame(n - 1, caption=False)  # the list below says what each step did
        items = "".join(
            f"<li>{html.escape(c)}{_sends(s)}</li>"
            for c, s in zip(self.captions, self.sends, strict=True)
        )
        data = json.dumps(self.plan, ensure_ascii=False, separators=(",", ":"))
        # inside <script> no "<" at all ("</script>", "<!--" would end or bend it) and no
        # U+2028/9 (line ends to older engines); "<" only occurs inside JSON strings
        for c in "<\u2028\u2029":
            data = data.replace(c, f"\\u{ord(c):04x}")
        return PLAYER.substitute(
            n=n,
            picture=picture_html(last, f"the graph after all {n} steps of the backward pass"),
            steps=items,
            data=data,
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return mime_bundle(
            {"text/html": self._repr_html_, "text/plain": self.__repr__}, include, exclude
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the player as a standalone HTML page (works offline), atomically."""
        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            raise ValueError(
                f"cannot save a player as {path.name!r}: the suffix must be .html or .htm"
            )
        title = html.escape(f"Backward pass, {len(self)} steps")
        write_atomic(path, PAGE.format(title=title, player=self._repr_html_()))
        return path


def _sends(lines: list[str]) -> str:
    if not lines:
        return ""
    return "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>"


class _Frames(Sequence):
    """`frames[t]` made on demand: holding all of them would cost steps × picture."""

    def __init__(self, player: BackwardFrames) -> None:
        self._player = player

    def __len__(self) -> int:
        return len(self._player)

    def __getitem__(self, t):
        if isinstance(t, slice):
            return [self[i] for i in range(*t.indices(len(self)))]
        n = len(self)
        if not -n <= t < n:
            raise IndexError(f"frame {t} of a player with {n} steps")
        return self._player.frame(t % n)


def _state(plan: dict, k: int) -> list[tuple[str, str, list[str] | None]]:
    """(element id, look, its last text lines or None) for every node and edge after step
    `k`: the same rules as `show` in the player's script."""
    steps = plan["steps"]
    c = steps[k][0]
    grads = list(plan["grads"])
    for t in range(k + 1):
        for i, text in steps[t][2]:
            grads[i] = text
    out = []
    for i, nparents in enumerate(plan["parents"]):
        look = "current" if i == c else "done" if plan["visit"][i] <= k else "pending"
        out.append((f"n{i}", look, grads[i]))
        if nparents < 0:
            continue
        out.append((f"op{i}", "op-current" if i == c else "op", None))
        out.append((f"o{i}", "edge-hot" if i == c else "edge", None))
        for j in range(nparents):
            text = None
            if plan["labels"] is not None:
                text = steps[k][3][j] if i == c else plan["labels"][i][j]
            out.append((f"e{i}_{j}", "edge-hot" if i == c else "edge", text))
    out.append(("graph0", "", [steps[k][1]]))
    return out


def _paint(g: ET.Element, look: str, lines: list[str] | None) -> None:
    """Set the SVG attributes of `look` on the shapes and texts of group `g`, and its last
    texts (a record's grad field, an edge's label, the graph's caption) to `lines`."""
    if look:
        for tag, attrs in LOOKS[look].items():
            for e in g.iter(f"{{{SVG_NS}}}{tag}"):
                e.attrib.update(attrs)
    if lines:
        inside = g if g.get("class") == "graph" else g.iter()  # the caption: the graph's own
        texts = [e for e in inside if e.tag == f"{{{SVG_NS}}}text"]
        for e, line in zip(texts[-len(lines) :], lines, strict=False):
            e.text = line
            e.set("textLength", _fitted(line, e))


def _fitted(line: str, e: ET.Element) -> str:
    """The width `line` is pinned to in text element `e`: its own, at most the room the layout
    made there (`data-cr-room`, see `_with_rooms`)."""
    room = float(e.get("data-cr-room", "inf"))
    return f"{min(render.text_width(line, float(e.get('font-size', '14'))), room):.2f}"


def _texts(plan: dict) -> set[str]:
    """Every text the player's script writes into the picture."""
    texts = {""}
    for lines in plan["grads"]:
        texts.update(lines)
    for edges in plan["labels"] or ():
        for lines in edges:
            texts.update(lines)
    for _, _, changes, long in plan["steps"]:
        for _, lines in changes:
            texts.update(lines)
        for lines in long:
            texts.update(lines)
    return texts


def _prepared(svg: str) -> str:
    """The layout as every frame starts from it: each text's room, the width the layout pinned
    it to, kept as `data-cr-room` (a frame's texts may be narrower; the script reads the room
    from whichever frame it starts from), and the caption anchored at its left end, where
    shorter captions should start (Graphviz centres it on the box it made for the widest)."""
    root = ET.fromstring(svg)
    for e in root.iter(f"{{{SVG_NS}}}text"):
        e.set("data-cr-room", e.get("textLength", "Infinity"))
    graph = next(g for g in root.iter(f"{{{SVG_NS}}}g") if g.get("class") == "graph")
    for e in graph.findall(f"{{{SVG_NS}}}text"):
        e.set("text-anchor", "start")
        e.set("x", "0")
    return ET.tostring(root, encoding="unicode")


def draw_backward(
    root: Value,
    grad: float = 1.0,
    rankdir: str = "LR",
    show_local_grads: bool = True,
    max_nodes: int = 60,
) -> BackwardFrames:
    """One frame per step of `backward_steps(root)`, all on one layout: the node being visited
    and the edges to its parents highlighted, each edge showing grad × local derivative = what
    it sends; grads are those accumulated so far (grey: not reached yet). `.grad` on the nodes
    is untouched. Graphs of more than `max_nodes` values raise ValueError."""
    check_drawable(root, rankdir, max_nodes, "draw_backward")
    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    steps = list(backward_steps(root, grad))
    received = [0.0] * len(order)
    widest = [0.0] * len(order)  # per value, the grad whose text needs most room
    plan_steps, sends = [], []
    for t, step in enumerate(steps):
        c = index[step.node]
        received[c] = step.grad
        changed = {c}
        for p, sent in zip(step.node.parents, step.contributions, strict=True):
            received[index[p]] += sent
            changed.add(index[p])
        for i in changed:
            if len(num(received[i])) > len(num(widest[i])):
                widest[i] = received[i]
        caption = (
            f"step {t + 1} of {len(steps)}: {describe(step.node)} has its grad {num(step.grad)}"
        )
        if step.node.parents:
            caption += "; it sends grad × local derivative to each input"
        long = [
            [f"{num(step.grad)} × {num(d)}", f"= {num(s)}"]
            for d, s in zip(step.node.local_grads, step.contributions, strict=True)
        ]
        parents = zip(step.node.parents, long, strict=True)
        sends.append([f"to {describe(p)}: {x} {y}" for p, (x, y) in parents])
        changes = [[i, [f"grad {num(received[i])}"]] for i in sorted(changed)]
        plan_steps.append([c, caption, changes, long if show_local_grads else []])
    plan = {
        "parents": [len(v.parents) if v.op else -1 for v in order],
        "visit": [0] * len(order),
        "grads": [[f"grad {num(0.0)}"]] * len(order),
        # an edge's label is two lines in the layout (grad × derivative, = sent): the local
        # derivative alone takes the first
        "labels": [[[num(d), ""] for d in v.local_grads] for v in order]
        if show_local_grads
        else None,
        "steps": plan_steps,
        "looks": LOOKS,
    }
    # what each text is pinned to, in font sizes: the script sets the same widths as `frame`
    plan["ems"] = {t: render.text_width(t, 1.0) for t in _texts(plan)}
    for t, s in enumerate(plan_steps):
        plan["visit"][s[0]] = t
    # The one layout: every value with its widest grad, every edge into an op with its long
    # label (grad × local derivative = sent, shown while the op's value is visited), the
    # widest caption.
    sent = {index[s.node]: s.contributions for s in steps if s.node.parents}
    source, _, _ = dot_source(
        order,
        rankdir=rankdir,
        grads=widest,
        show_local_grads=show_local_grads,
        sent=sent,
        caption=max((s[1] for s in plan_steps), key=len),
        ids=True,
    )
    svg = render.svg(source)
    layout = _prepared(_COMMENTS.sub("", svg[svg.index("<svg") :]))
    return BackwardFrames(steps, source, layout, plan, sends)
