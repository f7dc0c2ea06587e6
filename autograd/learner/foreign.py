"""A learner's own graph as chainrule nodes, so that `draw` pictures it unchanged.

`mirror(root)` reads a graph of lecture-style nodes (`_prev`, `_op`, `label`, `data`, `grad`)
or microgpt-style ones (`_children`, `_local_grads`, `data`, `grad`) and builds, iteratively, a
mirror of it: one `Mirror` node per node, with the same .data .grad .label .op .parents, and
.local_grads where the learner's nodes store them. The learner's nodes are only read.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from ..node import write
from ..value import Value, as_float
from . import nodes as learner

NO_OP = "op"  # drawn for an inner node that keeps no op name (microgpt's keep none)


class Mirror(Value):
    """A stand-in for one node of a learner's graph (only for drawing: it has no op entry)."""

    __slots__ = ()


class _Shown:
    """Takes the place of an op-table entry: the display name is all that drawing reads."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def show(self, param: object) -> str:
        return self.text


class Mirrored(NamedTuple):
    """The mirror of a learner's graph: its root, the mirror of each node by id, and whether
    every inner node stores its local derivatives."""

    root: Mirror
    nodes: dict[int, Mirror]
    local_grads: bool

    def of(self, node: object) -> Mirror:
        """The mirror of one of the learner's nodes; ValueError if it is not in the graph."""
        if isinstance(node, Value) and not isinstance(node, Mirror):
            raise ValueError("highlight: a chainrule Value is not in a learner's graph")
        try:
            return self.nodes[id(node)]
        except KeyError:
            raise ValueError("highlight: that node is not in the graph being drawn") from None


def _number(node: object, attr: str, who: str, caller: str) -> float:
    x = as_float(getattr(node, attr, None))
    if x is None:
        kind = type(getattr(node, attr, None)).__name__
        raise TypeError(f"{caller}(): {who} has .{attr} of type {kind}, not a number")
    return x


def mirror(root: object, max_nodes: int = 500, caller: str = "draw") -> Mirrored:
    """The mirror of the learner's graph behind `root` (at most `max_nodes` nodes)."""
    attr = learner.children_attr(root)
    if attr is None or not hasattr(root, "data"):
        raise TypeError(
            f"{caller}() takes a Value, or a node of your own with .data and _prev (micrograd "
            f"lecture) or _children (microgpt), not {type(root).__name__}"
        )
    try:
        nodes = learner.order(root, attr)
    except ValueError as e:
        raise ValueError(f"{caller}(): {e}") from None
    except TypeError as e:
        raise TypeError(
            f"{caller}(): a node's .{attr} is not a collection of nodes ({e})"
        ) from None
    if len(nodes) > max_nodes:  # counted before anything is built, as for chainrule's graphs
        n = len(nodes)
        raise ValueError(
            f"{caller}(): the graph has {n} values, more than max_nodes={max_nodes}; draw a "
            f"sub-expression (e.g. one neuron's output) or raise the limit with max_nodes={n}"
        )
    made: dict[int, Mirror] = {}
    every_local = True
    for i, node in enumerate(nodes):
        label = getattr(node, "label", "")
        label = "" if label is None else label if isinstance(label, str) else str(label)
        who = repr(label) if label else f"node {i + 1} of {len(nodes)}"
        m = Mirror.__new__(Mirror)
        m.data = _number(node, "data", who, caller)
        m.grad = _number(node, "grad", who, caller)
        m.label = label
        kids = learner.children(node, attr)
        if not kids:
            write(m, None)
            made[id(node)] = m
            continue
        parents = [made[id(k)] for k in kids]
        ds = _local_grads(node, len(kids), who, caller)
        if ds is None:
            every_local = False
        op = getattr(node, "_op", "")
        shown = _Shown(op if isinstance(op, str) and op else NO_OP)
        write(m, shown, parents, ds if ds is not None else [None] * len(parents))
        made[id(node)] = m
    return Mirrored(made[id(root)], made, every_local)


def _local_grads(node: object, n: int, who: str, caller: str) -> list[float] | None:
    stored = getattr(node, "_local_grads", None)
    if stored is None or isinstance(getattr(node, "_prev", None), set | frozenset):
        return None  # a set of children has no order to pair local derivatives with
    ds = [as_float(d) for d in stored]
    if len(ds) != n or any(d is None for d in ds):
        raise ValueError(
            f"{caller}(): {who} has {n} children but _local_grads {len(ds)} numbers: "
            "one local derivative per child is needed"
        )
    return ds


def for_draw(
    root: object,
    highlight: object,
    show_local_grads: bool,
    max_nodes: int,
    caller: str = "draw",
) -> tuple[Mirror, Any, bool]:
    """`draw`'s arguments for a learner's root: the mirror root, highlight in mirrors, and
    local derivatives shown only when the learner's nodes store them."""
    m = mirror(root, max_nodes, caller)
    if highlight is not None:
        if isinstance(highlight, Iterable) and not hasattr(highlight, "data"):
            highlight = [m.of(h) for h in highlight]
        else:
            highlight = m.of(highlight)
    return m.root, highlight, show_local_grads and m.local_grads
