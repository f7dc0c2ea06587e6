"""A learner's own graph as chainrule nodes, so that `draw` pictures it unchanged.

`mirror(root)` reads a graph of lecture-style nodes (`_prev`, `_op`, `label`, `data`, `grad`),
microgpt-style ones (`_children`, `_local_grads`, `data`, `grad`), or nodes whose attributes
have names of the learner's own (`draw(root, children="kids", local_grads="locs")`), and builds,
iteratively, a mirror of it: one `Mirror` node per node, with the same .data .grad .label .op
.parents, and .local_grads where the learner's nodes store them. The learner's nodes are only
read, each attribute once, and the walk stops as soon as it meets more than `max_nodes` nodes.

A node that stores no op name (microgpt's store none) is named from the numbers: its stored
local derivatives and its inputs' values, where exactly one op of chainrule's table fits them
(`infer`), marked with a "?" that the picture's caption explains; "op" where none fits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from ..node import write
from ..value import Value
from . import guard, infer
from . import nodes as learner

NO_OP = "op"  # drawn for an inner node that keeps no op name and whose op no numbers tell
INFERRED = " ?"  # after an op name read from the numbers
CAPTION = "?: op read from the numbers (your nodes store no op name)"


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
    """The mirror of a learner's graph: its root, the mirror of each node by id, whether every
    inner node stores its local derivatives, and how many ops were read from the numbers."""

    root: Mirror
    nodes: dict[int, Mirror]
    local_grads: bool
    inferred: int = 0

    def of(self, node: object) -> Mirror:
        """The mirror of one of the learner's nodes; ValueError if it is not in the graph."""
        if isinstance(node, Value) and not isinstance(node, Mirror):
            raise ValueError("highlight: a chainrule Value is not in a learner's graph")
        try:
            return self.nodes[id(node)]
        except KeyError:
            raise ValueError("highlight: that node is not in the graph being drawn") from None


def _read(node: object, attr: str, who: str, caller: str) -> Any:
    """`node.attr`, with whatever their property raises turned into a ValueError naming it."""
    try:
        return getattr(node, attr, None)
    except Exception as e:
        raise ValueError(
            f"{caller}(): reading .{attr} of {who} raised {guard.describe(e).text()}"
        ) from None


def _number(node: object, attr: str, who: str, caller: str) -> float:
    value = _read(node, attr, who, caller)
    x = learner.number(value)
    if x is None:
        raise TypeError(
            f"{caller}(): {who} has .{attr} of type {guard.type_name(value)}, not a number"
        )
    return x


def _has(node: object, attr: str, caller: str) -> bool:
    try:
        return hasattr(node, attr)
    except Exception as e:
        raise ValueError(
            f"{caller}(): looking for .{attr} on {guard.type_name(node)} raised "
            f"{guard.describe(e).text()}"
        ) from None


def _refuse(root: object, told: learner.Names, caller: str) -> str:
    """The attribute that holds the root's inputs; TypeError naming what was looked for when
    its value or its inputs cannot be found."""
    kind = guard.type_name(root)
    missing = []
    if not _has(root, told.data, caller):
        how = "data=" if "data" in told.given else "data='…' names yours"
        missing.append(f".{told.data} for its value ({how})")
    tried = (told.children,) if told.children is not None else learner.CHILDREN
    attr = next((a for a in tried if _has(root, a, caller)), None)
    if attr is None:
        how = "children=" if told.children is not None else "children='…' names yours"
        missing.append(f"{', '.join(f'.{a}' for a in tried)} for its inputs ({how})")
    if missing:
        raise TypeError(
            f"{caller}() takes a Value, or a node of your own engine; a {kind} has none of "
            f"{'; nor '.join(missing)}: e.g. {caller}(root, data='value', children='_kids')"
        )
    return attr  # type: ignore[return-value]


def mirror(
    root: object,
    max_nodes: int = 500,
    caller: str = "draw",
    told: learner.Names | None = None,
) -> Mirrored:
    """The mirror of the learner's graph behind `root` (at most `max_nodes` nodes)."""
    told = told or learner.Names()
    if type(max_nodes) is not int or max_nodes < 1:  # as check_drawable says it, before a walk
        raise ValueError(f"max_nodes must be a positive int, not {max_nodes!r}")
    attr = _refuse(root, told, caller)
    try:
        graph = learner.read(root, attr, max_nodes, told)
    except learner.TooMany:
        fresh = _fresh(root, attr, told)
        raise ValueError(
            f"{caller}(): the graph has more than max_nodes={max_nodes} values (counting "
            f"stopped there); draw a sub-expression (e.g. one neuron's output) or raise the "
            f"limit with max_nodes=…{fresh}"
        ) from None
    except learner.NotNodes as e:
        raise TypeError(f"{caller}(): a node's .{attr} {e}") from None
    except ValueError as e:
        raise ValueError(f"{caller}(): {e}") from None
    except Exception as e:
        raise ValueError(
            f"{caller}(): reading the graph raised {guard.describe(e).text()}"
        ) from None
    made: dict[int, Mirror] = {}
    every_local, inferred = True, 0
    n = len(graph.nodes)
    for i, node in enumerate(graph.nodes):
        label = _read(node, told.label, f"node {i + 1} of {n}", caller)
        label = "" if label is None else label if type(label) is str else str(label)
        who = repr(label) if label else f"node {i + 1} of {n}"
        m = Mirror.__new__(Mirror)
        m.data = _number(node, told.data, who, caller)
        m.grad = _number(node, told.grad, who, caller)
        m.label = label
        kids = graph.of(node)
        if not kids:
            write(m, None)
            made[id(node)] = m
            continue
        parents = [made[id(k)] for k in kids]
        ds = _local_grads(node, len(kids), who, caller, told, attr)
        if ds is None:
            every_local = False
        op = _read(node, told.op, who, caller)
        if type(op) is str and op:
            text = op
        else:
            text = _infer(m.data, parents, ds, node, attr)
            inferred += text.endswith(INFERRED)
        write(m, _Shown(text), parents, ds if ds is not None else [None] * len(parents))
        made[id(node)] = m
    return Mirrored(made[id(root)], made, every_local, inferred)


def _fresh(root: object, attr: str, told: learner.Names) -> str:
    """Whether the root's inputs are new objects on every read (then the graph never ends)."""
    try:
        first = learner.children(root, attr, 10, told)
        again = learner.children(root, attr, 10, told)
    except Exception:
        return ""
    if first and {id(k) for k in first}.isdisjoint(id(k) for k in again):
        return f" — its .{attr} gives new objects on every read, so its graph never ends"
    return ""


def _infer(y: float, parents: list[Mirror], ds: list[float] | None, node: Any, attr: str) -> str:
    """The op of a node with no op name, from the numbers, marked as read from them."""
    ordered = not issubclass(type(getattr(node, attr, None)), set | frozenset)
    found = infer.fits(y, [p.data for p in parents], ds, ordered)
    one = infer.one_op(found)
    return one.drawn() + INFERRED if one is not None else NO_OP


def _local_grads(
    node: object, n: int, who: str, caller: str, told: learner.Names, attr: str
) -> list[float] | None:
    stored = _read(node, told.local_grads, who, caller)
    if stored is None or issubclass(type(_read(node, attr, who, caller)), set | frozenset):
        return None  # a set of children has no order to pair local derivatives with
    try:
        items = list(stored)[: n + 1]
    except TypeError:
        raise TypeError(
            f"{caller}(): {who} has .{told.local_grads} of type {guard.type_name(stored)}, not a "
            "sequence of numbers"
        ) from None
    if len(items) != n:
        raise ValueError(
            f"{caller}(): {who} has {n} children but .{told.local_grads} holds "
            f"{len(items) if len(items) <= n else 'more'} numbers: one local derivative per "
            "child is needed"
        )
    ds = []
    for k, d in enumerate(items):
        x = learner.number(d)
        if x is None:
            raise TypeError(
                f"{caller}(): {who} has .{told.local_grads}[{k}] = a {guard.type_name(d)}, not a "
                "number: each local derivative must be a number"
            )
        ds.append(x)
    return ds


def for_draw(
    root: object,
    highlight: object,
    show_local_grads: bool,
    max_nodes: int,
    caller: str = "draw",
    told: learner.Names | None = None,
) -> tuple[Mirror, Any, bool, str]:
    """`draw`'s arguments for a learner's root: the mirror root, highlight in mirrors, local
    derivatives shown only when the learner's nodes store them, and the picture's caption."""
    told = told or learner.Names()
    m = mirror(root, max_nodes, caller, told)
    if highlight is not None:
        if isinstance(highlight, Iterable) and not _has(highlight, told.data, caller):
            highlight = [m.of(h) for h in highlight]
        else:
            highlight = m.of(highlight)
    return m.root, highlight, show_local_grads and m.local_grads, CAPTION if m.inferred else ""
