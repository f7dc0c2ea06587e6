"""Evidence from a learner's graph, for a case whose numbers came out wrong.

`walk` reads the learner's graph once, names the op of each node from the numbers (`infer`),
and runs the chain rule over *their* graph with chainrule's local derivatives: the expected
gradient of every node. Walking from the output, the first node whose gradient differs is
where it goes wrong; the nodes it feeds are right, so what they sent it is wrong. What each of
them sent is then measured, where the learner's nodes allow: a lecture-style node's own
`_backward` closure is called alone (with its input's gradient preset, and a node gradient of
2.5), a microgpt-style node's stored local derivatives are read. The result is a `Finding`: the
bug in words, with the node, the numbers and, where the source can be read, the line.

Everything here runs in the bounded thread of the case (it reads and calls the learner's
objects); it returns text and numbers only.
"""

from __future__ import annotations

import ast
import inspect
import io
import textwrap
import tokenize
from dataclasses import dataclass, field
from typing import Any

from ..ops import fmt
from . import infer
from . import nodes as learner
from .guard import class_name

P, G = 0.25, 2.5  # a unit call of one closure: its input's gradient before, the node's gradient


@dataclass(frozen=True)
class Finding:
    """A bug (or a limit, or a policy) as evidence shows it: `key` groups the cases that show the
    same one; `text` says it."""

    key: tuple[str, ...]
    text: str


@dataclass
class Info:
    """What the setup learned of the learner's class: its attribute names, the attribute that
    holds a node's backward closure (`_backward`), and the code of a new node's default one."""

    names: learner.Names
    children: str | None = None
    closure: str | None = None
    default: Any = None  # the code object of the closure every new node starts with
    local_grads: bool = False  # nodes store their local derivatives
    notes: list[str] = field(default_factory=list)
    cls: Any = None  # the learner's class
    prefer: frozenset[str] = frozenset()  # the op entries the case's expression uses
    made: dict[int, Any] = field(default_factory=dict)  # node id → its `makers.Maker`


def num(x: float) -> str:
    return fmt(x) if x == x and abs(x) != float("inf") else repr(x)


def method_of(fn: object, cls: Any = None) -> str:
    """The name of the learner's method that made the closure `fn`: the method of `cls` whose
    code holds the closure's (`Value.exp`, even where it was written as `def exp_on_input`
    and assigned), else the name its qualified name gives (`Value.__pow__.<locals>._backward`
    gives `__pow__`)."""
    if not learner.is_function(fn):
        return ""
    maker = maker_of(fn, cls)
    if maker is not None:
        return maker[0]
    q = fn.__qualname__
    head = q.split(".<locals>.")[0] if ".<locals>." in q else ""
    return head.rsplit(".", 1)[-1]


def maker_of(fn: object, cls: Any) -> tuple[str, Any] | None:
    """(name, function) of the method of `cls` in whose body the closure `fn` is defined."""
    if cls is None or not learner.is_function(fn):
        return None
    code = fn.__code__
    try:
        mro = type.__dict__["__mro__"].__get__(cls)
    except Exception:
        return None
    for klass in mro:
        for name, f in list(type.__dict__["__dict__"].__get__(klass).items()):
            f = getattr(f, "__func__", f)  # a staticmethod's or classmethod's function
            if learner.is_function(f) and code in f.__code__.co_consts:
                return name, f
    return None


def source_lines(fn: object) -> tuple[list[str], int, ast.AST] | None:
    """The source of a learner's function: its lines, first line number, and parse tree."""
    code = getattr(fn, "__code__", None) if learner.is_function(fn) else None
    if code is not None and code in _SOURCES:
        return _SOURCES[code]
    found = _source_lines(fn)
    if code is not None:
        if len(_SOURCES) >= 64:
            _SOURCES.clear()
        _SOURCES[code] = found
    return found


_SOURCES: dict = {}  # code object → its source: a closure made 2,500 times is read once


def _source_lines(fn: object) -> tuple[list[str], int, ast.AST] | None:
    try:
        lines, start = inspect.getsourcelines(fn)  # type: ignore[arg-type]
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except (OSError, TypeError, SyntaxError, ValueError):
        return None
    return lines, start, tree


def assignments(
    fn: object, attr: str, *, to_self: bool | None = None
) -> list[tuple[int, str, bool]]:
    """Lines of `fn` that set `<something>.<attr>`: (line, text, added), `added` for `+=`;
    `to_self`: only `self.<attr>` (True) or only other objects' (False)."""
    found = source_lines(fn)
    if found is None:
        return []
    lines, start, tree = found
    out = []
    for node in ast.walk(tree):
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, ast.AugAssign)
            else []
        )
        for t in targets:
            if isinstance(t, ast.Attribute) and t.attr == attr:
                mine = isinstance(t.value, ast.Name) and t.value.id == "self"
                if to_self is None or mine == to_self:
                    i = node.lineno - 1
                    text = lines[i].strip() if 0 <= i < len(lines) else ""
                    out.append((start + i, text, isinstance(node, ast.AugAssign)))
    return sorted(set(out))


def quote(lines: list[tuple[int, str, bool]], limit: int = 2) -> str:
    return "; ".join(f"line {n}: `{code_only(t)}`" for n, t, _ in lines[:limit])


def code_only(line: str) -> str:
    """A line of source without its comment."""
    if "#" not in line:
        return line
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line).readline))
    except (tokenize.TokenError, SyntaxError):
        return line
    for t in tokens:
        if t.type == tokenize.COMMENT:
            return line[: t.start[1]].rstrip()
    return line


# ---- the graph as numbers ------------------------------------------------------------------


@dataclass
class Node:
    """One of the learner's nodes as numbers: data, grad, inputs (by id), op."""

    obj: Any
    data: float | None
    grad: float | None
    kids: list[int]
    fits: list[infer.Fit]
    stored: list[float] | None  # its stored local derivatives (microgpt)
    name: str = ""
    maker: Any = None  # the learner's method seen to make it (`makers.Maker`), if known


def _read(out: object, info: Info, limit: int = 100_000) -> tuple[list[int], dict[int, Node]]:
    told = info.names
    attr = info.children or learner.children_attr(out, told)
    if attr is None:
        return [], {}
    graph = learner.read(out, attr, limit, told)
    table: dict[int, Node] = {}
    for v in graph.nodes:
        kids = graph.of(v)
        data = learner.number(getattr(v, told.data, None))
        grad = learner.number(getattr(v, told.grad, None))
        stored = None
        if kids and info.local_grads:
            raw = getattr(v, told.local_grads, None)
            if isinstance(raw, tuple | list) and len(raw) == len(kids):
                vals = [learner.number(d) for d in raw]
                stored = None if any(d is None for d in vals) else vals  # type: ignore[misc]
        found: list[infer.Fit] = []
        maker = info.made.get(id(v))
        made = maker.entries() if maker is not None else frozenset()
        if kids and data is not None:
            xs = [table[id(k)].data for k in kids]
            if all(x is not None for x in xs):
                ordered = not issubclass(type(getattr(v, attr, None)), set | frozenset)
                op = getattr(v, told.op, "")
                op = op if type(op) is str else ""
                # the op from the values; stored derivatives only to choose between ops that
                # fit (a wrong stored derivative is then seen as wrong, not as another op)
                found = infer.fits(data, xs, None, ordered, op, info.prefer, made)  # type: ignore[arg-type]
                if stored is not None and infer.local(found) is None:
                    found = infer.fits(data, xs, stored, ordered, op, info.prefer, made) or found  # type: ignore[arg-type]
        table[id(v)] = Node(v, data, grad, [id(k) for k in kids], found, stored, maker=maker)
    return [id(v) for v in graph.nodes], table


def describe(n: Node) -> str:
    """A node in words: its case name, else its op and data."""
    if n.name:
        return n.name
    op = infer.one_op(n.fits)
    what = f"the `{op.drawn()}` node" if op else "the node"
    return f"{what} (data {n.data:.6g})" if n.data is not None else what


# ---- the walk ------------------------------------------------------------------------------


@dataclass
class Walk:
    """What walking the learner's graph found: evidence lines and findings."""

    lines: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def walk(out: object, named: dict[str, Any], leaves: tuple[str, ...], info: Info) -> Walk:
    """The first node of the learner's graph, walking from `out`, whose gradient differs from
    the chain rule's over their own graph, and what the nodes it feeds sent it."""
    result = Walk()
    order, table = _read(out, info)
    if not order:
        return result
    for name, node in named.items():
        if id(node) in table:
            table[id(node)].name = name
    table[id(out)].name = table[id(out)].name or "out"
    leaf_ids = {id(named[n]) for n in leaves}
    root = table[id(out)]
    if root.grad is not None and not infer.close(root.grad, 1.0):
        result.lines.append(f"after backward(), out.grad = {num(root.grad)}, expected 1")
        result.findings.append(
            Finding(
                ("seed",),
                f"backward() leaves the output's own gradient at {num(root.grad)}: it must seed "
                "it with 1 (`self.grad = 1`, ∂out/∂out) before it runs the nodes' backward, "
                "and not change it after",
            )
        )
        return result
    orphan = _orphan(order, table, leaf_ids, info)
    if orphan is not None:
        result.findings.append(orphan)
        return result
    missing = [n for n in leaves if id(named[n]) not in table]
    if missing:
        result.findings.append(_unreached(missing, order, table, leaf_ids))
        return result
    relevant: dict[int, bool] = {}
    for i in order:
        relevant[i] = i in leaf_ids or any(relevant[k] for k in table[i].kids)
    expected: dict[int, float] = {id(out): 1.0}
    unknown: set[int] = set()
    for i in reversed(order):
        n = table[i]
        if not n.kids or not relevant[i]:
            continue
        if i in unknown or i not in expected:  # an input of a node not known is not known
            unknown.update(k for k in n.kids if relevant[k])
            continue
        for pos, k in enumerate(n.kids):
            if not relevant[k]:
                continue
            parts = infer.parts_at(n.fits, pos)
            if parts is None:
                unknown.add(k)
                continue
            expected[k] = expected.get(k, 0.0) + expected[i] * sum(parts)
    for i in reversed(order):
        n = table[i]
        if not relevant[i] or i in unknown or i not in expected:
            continue
        if n.grad is None:
            got = type(getattr(n.obj, info.names.grad, None)).__name__
            result.findings.append(
                Finding(("grad type",), f"{describe(n)}.{info.names.grad} is a {got}, not a number")
            )
            return result
        if infer.close(n.grad, expected[i]):
            continue
        result.lines.append(
            f"first wrong, walking your graph from the output: {describe(n)}.grad = "
            f"{num(n.grad)}, expected {num(expected[i])}"
        )
        result.findings.extend(_why(i, order, table, expected, relevant, info))
        return result
    return result


def replaced(out: object, node: object, info: Info) -> Finding | None:
    """Why `node`'s gradient was replaced rather than added to: the first node it feeds whose
    own closure, run alone with a gradient already on `node`, sets it with `=`."""
    if info.closure is None:
        return None
    order, table = _read(out, info)
    w = table.get(id(node))
    if w is None:
        return None
    for i in order:
        n = table[i]
        at = [infer.parts_at(n.fits, pos) for pos, k in enumerate(n.kids) if k == id(node)]
        if at and all(p is not None for p in at):
            parts = tuple(p for ps in at for p in ps)  # type: ignore[union-attr]
            found = _unit(n, w, sum(parts), parts, info)
            if found is not None and found.key[0] == "assign":
                return found
    return None


def _orphan(
    order: list[int], table: dict[int, Node], leaf_ids: set[int], info: Info
) -> Finding | None:
    """A node with no children that has a backward closure of its own: the op that made it
    ran backward through the closure but did not record its inputs, so the walk (and their
    backward()) never reaches them."""
    if info.closure is None:
        return None
    for i in order:
        n = table[i]
        if n.kids or i in leaf_ids:
            continue
        fn = getattr(n.obj, info.closure, None)
        if learner.is_function(fn) and fn.__code__ is not info.default and fn.__closure__:
            moved = moved_closure(n.obj, describe(n), info)
            if moved is not None:  # a leaf that carries a closure meant for a node made from it
                return moved
            method = method_of(fn, info.cls)
            who = f"your `{method}`" if method else "the op that made it"
            return Finding(
                ("no children", method or describe(n)),
                f"{who} makes its node without children: {describe(n)} has a backward "
                f"closure but no inputs recorded, so backward() never reaches the nodes before "
                f"it and their own backward never runs; pass them, `(self,)` or `(self, other)`",
            )
    return None


def _unreached(
    missing: list[str], order: list[int], table: dict[int, Node], leaf_ids: set[int]
) -> Finding:
    """A leaf that the output's graph does not contain: some op made a node without inputs."""
    orphans = [table[i] for i in order if not table[i].kids and i not in leaf_ids]
    first = table[order[-1]]
    if not first.kids:
        return Finding(
            ("no children",),
            f"{', '.join(missing)} is not in your graph: the node returned has no children, so "
            "backward() never reaches its input; make the op record it (`(self,)` or "
            "`(self, other)` as its children)",
        )
    made = ", ".join(describe(o) for o in orphans[:2]) or "one of the nodes"
    return Finding(
        ("no children",),
        f"{', '.join(missing)} is not in your graph of the output: {made} has no children, so "
        "backward() stops there; the op that made it must record its inputs",
    )


def _why(
    w: int,
    order: list[int],
    table: dict[int, Node],
    expected: dict[int, float],
    relevant: dict[int, bool],
    info: Info,
) -> list[Finding]:
    """Why node `w`'s gradient is wrong: what the nodes it feeds sent it."""
    node = table[w]
    users = []
    for i in order:
        n = table[i]
        if relevant[i] and w in n.kids and i in expected:
            found = [infer.parts_at(n.fits, pos) for pos, k in enumerate(n.kids) if k == w]
            if any(p is None for p in found):
                return []
            parts = tuple(p for ps in found for p in ps)  # type: ignore[union-attr]
            users.append((n, sum(parts), parts))
    if not users:
        return []
    if info.closure is not None:  # each closure alone; a node used 2,500 times: its first 50
        sends = [_unit(u, node, d, parts, info) for u, d, parts in users[:50]]
        bad = [s for s in sends if s is not None and s.key[0] != "right"]
        if bad:
            return bad[:1]
        if sends and all(s is not None and s.key[0] == "right" for s in sends):
            return [_order(node, users, info)]
    if info.local_grads:
        return _stored(node, users, expected, info)
    return _totals(node, users, expected)


# the learner's method that makes a node of each op (for reading its source)
MAKER = {
    "add": "__add__",
    "sub": "__sub__",
    "mul": "__mul__",
    "div": "__truediv__",
    "pow": "__pow__",
    "pow_c": "__pow__",
    "neg": "__neg__",
}


def _unit(user: Node, w: Node, d: float, parts: tuple[float, ...], info: Info) -> Finding | None:
    """Call `user`'s own closure alone, with w.grad preset to P and user.grad = G, and compare
    what w receives with G·∂user/∂w."""
    told = info.names
    fn = getattr(user.obj, info.closure, None)  # type: ignore[arg-type]
    if not learner.is_function(fn):
        return None
    moved = moved_closure(user.obj, describe(user), info)
    if moved is not None:
        return moved
    if fn.__code__ is info.default:
        return _unset(user, w, info)
    kids = list({id(k): k for k in _kids(user, info)}.values())
    saved = [(k, getattr(k, told.grad, None)) for k in kids]
    saved.append((user.obj, getattr(user.obj, told.grad, None)))
    try:
        for k in kids:
            setattr(k, told.grad, P if k is w.obj else 0.0)
        setattr(user.obj, told.grad, G)
        fn()
        after = learner.number(getattr(w.obj, told.grad, None))
    finally:
        for k, g in saved:
            setattr(k, told.grad, g)
    if after is None:
        return None
    sent, want = after - P, G * d
    if infer.close(after, P + want):
        return Finding(("right",), "")
    method = method_of(fn, info.cls)
    owner = f"your `{method}`" if method else describe(user)
    key = method or describe(user)
    lines = assignments(fn, told.grad)
    at = f" ({quote(lines)})" if lines else ""
    me, you = describe(user), describe(w)
    run = f"run alone on {me}, with out.grad = {num(G)}"
    if infer.close(after, want) or (
        len(parts) > 1 and any(infer.close(after, G * p) for p in parts)
    ):
        set_lines = [ln for ln in lines if not ln[2]]
        at = f" ({quote(set_lines)})" if set_lines else at
        return Finding(
            ("assign", key),
            f"{owner}'s backward sets the gradient with `=` instead of adding with `+=`{at}: "
            f"{run} and {you}.grad = {num(P)} already there, it leaves {you}.grad = "
            f"{num(after)}, where adding gives {num(P + want)}",
        )
    if len(parts) > 1 and any(infer.close(sent, G * p) for p in parts):
        return Finding(
            ("sends nothing", key),
            f"{owner}'s backward sends {you}, which this node uses {len(parts)} times, the "
            f"share of one use only{at}: {run}, it sends {num(sent)} where the chain rule sends "
            f"{' + '.join(num(G * p) for p in parts)} = {num(want)}: the other input's share "
            "is missing",
        )
    if infer.close(sent, d) or infer.close(after, d):
        return Finding(
            ("ignores out.grad", key),
            f"{owner}'s backward ignores out.grad{at}: {run}, it sends {num(sent)} to {you}, "
            f"the local derivative alone; the chain rule sends out.grad × {num(d)} = "
            f"{num(want)}",
        )
    if infer.close(after, P):
        return Finding(
            ("sends nothing", key),
            f"{owner}'s backward sends nothing to {you}{at}: {run}, {you}.grad stays as it was, "
            f"where the chain rule sends {num(G)} × {num(d)} = {num(want)}",
        )
    if sent == int(sent) and infer.close(sent, float(int(want))) and want != int(want):
        return Finding(
            ("int", key),
            f"{owner}'s backward cuts the gradient to a whole number with `int(...)`{at}: {run}, "
            f"it sends {num(sent)} to {you} where the chain rule sends {num(want)}",
        )
    return Finding(
        ("wrong local", key),
        f"{owner}'s backward uses {num(sent / G)} as the local derivative for {you}, where the "
        f"chain rule's is {num(d)}{_slip(user, w, sent / G)}{at}: {run}, it sends {num(sent)} "
        f"to {you}, not {num(G)} × {num(d)} = {num(want)}",
    )


def _slip(user: Node, w: Node, got: float) -> str:
    """A known slip that the wrong local derivative equals."""
    op = infer.one_op(user.fits)
    x, y = w.data, user.data
    if op is None or x is None or y is None:
        return ""
    slips: list[tuple[str, float]] = []
    if op.op.name == "tanh":
        slips = [
            ("1 − tanh(x), the square is missing", 1 - y),
            ("1 − x², the input squared instead of the output", 1 - x * x),
            ("tanh(x)²", y * y),
        ]
    elif op.op.name == "exp":
        slips = [("x, the input instead of exp(x)", x)]
    elif op.op.name == "pow_c" and op.param is not None:
        n = op.param
        slips = [
            ("n·x**n: the exponent is not lowered by one", n * x**n),
            ("x**(n−1): the factor n is missing", x ** (n - 1)),
            ("n·x·(n−1): `*` where `**` belongs", n * x * (n - 1)),
        ]
    elif op.op.name == "sub":
        slips = [("+1 for the subtracted input: the sign is missing", 1.0)]
    elif op.op.name == "mul" and len(set(user.kids)) == 2:
        slips = [(f"its own value, where the other factor's belongs: {SWAPPED}", x)]
    for what, value in slips:
        if infer.close(got, value):
            return f" ({what})"
    return ""


def _unset(user: Node, w: Node, info: Info) -> Finding:
    """A node whose closure is still the default: read the maker's source for why."""
    op = infer.one_op(user.fits)
    method = MAKER.get(op.op.name, op.op.name) if op else ""
    if user.maker is not None:  # seen to make it: better than the op's usual method
        method = user.maker.function
    src = getattr(info.cls, method, None) if method and info.cls is not None else None
    nested = _nested_assignment(src, info.closure) if src is not None else None  # type: ignore[arg-type]
    key = method or describe(user)
    who = f"your `{method}`" if method else "the op that made it"
    if nested is not None:
        line, text = nested
        why = (
            f"in {who}, line {line}: `{text}` sits inside `{info.closure}` itself, so it runs only "
            f"if `{info.closure}` does, which is never"
        )
    else:
        why = f"{who} never sets `out.{info.closure}`"
    return Finding(
        ("unset backward", key),
        f"{describe(user)} keeps the `{info.closure}` every new node starts with (`lambda: None`), "
        f"so nothing flows back through it to {describe(w)}: {why}",
    )


def _nested_assignment(fn: object, attr: str) -> tuple[int, str] | None:
    """A line `out.<attr> = ...` that sits inside a function nested in `fn`."""
    found = source_lines(fn)
    if found is None:
        return None
    lines, start, tree = found
    for outer in ast.walk(tree):
        if not isinstance(outer, ast.FunctionDef):
            continue
        for inner in outer.body:
            if not isinstance(inner, ast.FunctionDef):
                continue
            for node in ast.walk(inner):
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) and t.attr == attr for t in node.targets
                ):
                    i = node.lineno - 1
                    return start + i, lines[i].strip() if 0 <= i < len(lines) else ""
    return None


def moved_closure(node: object, name: str, info: Info) -> Finding | None:
    """A node whose closure was made for another node made from it (its cells hold that node):
    the op that made the other one wrote `self._backward = _backward`."""
    if info.closure is None:
        return None
    fn = getattr(node, info.closure, None)
    if not learner.is_function(fn) or fn.__code__ is info.default or not fn.__closure__:
        return None
    cells = []
    for cell in fn.__closure__:
        try:
            cells.append(cell.cell_contents)
        except ValueError:
            pass
    cls = info.cls
    if not any(
        c is not node and cls is not None and isinstance(c, cls) and _made_from(c, node, info)
        for c in cells
    ):
        return None
    method = method_of(fn, cls)
    maker = maker_of(fn, cls)
    lines = assignments(maker[1], info.closure, to_self=True) if maker is not None else []
    at = f" ({quote(lines)})" if lines else ""
    return Finding(
        ("self._backward", method),
        f"your `{method}` sets `self.{info.closure}` where `out.{info.closure}` belongs{at}: "
        f"the closure it makes for the node it returns lands on its input ({name} carries "
        "it), and the node returned keeps the default, which sends nothing back",
    )


def _made_from(node: object, child: object, info: Info) -> bool:
    attr = info.children or learner.children_attr(node, info.names)
    if attr is None:
        return False
    return any(k is child for k in learner.children(node, attr, 1000, info.names))


def moved_anywhere(out: object, info: Info) -> Finding | None:
    """The first node of `out`'s graph that carries a closure made for another node."""
    attr = info.children or learner.children_attr(out, info.names)
    if attr is None:
        return None
    for node in learner.read(out, attr, 100_000, info.names).nodes:
        found = moved_closure(node, "a node", info)
        if found is not None:
            return found
    return None


def _kids(user: Node, info: Info) -> list[Any]:
    attr = info.children or learner.children_attr(user.obj, info.names)
    return learner.children(user.obj, attr, 100_000, info.names) if attr else []


def _order(w: Node, users: list, info: Info) -> Finding:
    """Every node that feeds w sends the right amount when its closure runs alone: then
    backward() ran some of them more than once, or before their own gradient was complete."""
    return Finding(
        ("order",),
        f"each node that feeds {describe(w)} sends the right amount when its `{info.closure}` "
        "runs alone (checked), yet the total is wrong: backward() ran a closure more than "
        "once, or before all the uses of its node had added theirs; visit each node once, in "
        "reverse topological order",
    )


SWAPPED = "the product rule's factors are swapped, ∂(a·b)/∂a = b and ∂(a·b)/∂b = a"


def yours(m: Any, cls: Any) -> str:
    """`your `exp``, or `your `tanh` (Base's, which V inherits)` for a method of a base class."""
    own = class_name(cls) if cls is not None else ""
    if m.owner and own and m.owner != own:
        return f"your `{m.function}` ({m.owner}'s, which {own} inherits)"
    return f"your `{m.function}`"


def _stored_by(m: Any, u: Node, w: Node, stored: float, d: float, info: Info) -> Finding:
    """A wrong local derivative stored on `u`, whose maker `m` is known: that method, its line
    and the slip it makes; every node it makes so is the same bug."""
    key = ("stored local", m.function, m.file, str(m.line))
    lg = info.names.local_grads
    right = infer.local(u.fits)
    if (
        u.stored is not None
        and right is not None
        and len(u.stored) == len(right) == len(set(u.kids)) == 2
        and all(infer.close(a, b) for a, b in zip(u.stored, reversed(right)))
    ):
        op = infer.one_op(u.fits)
        why = f": {SWAPPED}" if op is not None and op.op.name == "mul" else ""
        given = ", ".join(num(v) for v in u.stored)
        shown = _swapped_source(m) or (f"({given})", f"({', '.join(num(v) for v in right)})")
        return Finding(
            key,
            f"{yours(m, info.cls)} stores its local derivatives swapped: {shown[0]} where "
            f"{shown[1]} belongs ({m.where()}){why}; {_node_words(u)} stores ({given}) in "
            f"`{lg}`, where the chain rule's are ({', '.join(num(v) for v in right)})",
        )
    return Finding(
        key,
        f"{yours(m, info.cls)} stores {num(stored)} in `{lg}` as its local derivative for "
        f"{describe(w)}{_slip(u, w, stored)}, on {_node_words(u)}; the chain rule's is {num(d)} "
        f"({m.where()})",
    )


def _node_words(u: Node) -> str:
    """`the `exp` node out`, or as `describe` says it."""
    op = infer.one_op(u.fits)
    return f"the `{op.drawn()}` node {u.name}" if op and u.name else describe(u)


def _swapped_source(m: Any) -> tuple[str, str] | None:
    """The two-element tuple of local derivatives in the call on the maker's line, as written
    and swapped back: (`(self.data, other.data)`, `(other.data, self.data)`)."""
    found = source_lines(m.code)
    if found is None:
        return None
    lines, start, tree = found
    text = textwrap.dedent("".join(lines))
    row = m.line - start + 1
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and n.lineno <= row <= (n.end_lineno or n.lineno)
    ]
    calls.sort(key=lambda n: ((n.end_lineno or n.lineno) - n.lineno, -n.col_offset))
    for call in calls:  # by keyword, or the third argument: (data, children, local grads)
        named = [k.value for k in call.keywords if k.arg and ("grad" in k.arg or "local" in k.arg)]
        for arg in named or call.args[2:3]:
            if isinstance(arg, ast.Tuple | ast.List) and len(arg.elts) == 2:
                parts = [ast.get_source_segment(text, e) for e in arg.elts]
                whole = ast.get_source_segment(text, arg)
                if whole is None or None in parts or "\n" in whole:
                    return None
                close_ = ")" if isinstance(arg, ast.Tuple) else "]"
                return f"`{whole}`", f"`{whole[0]}{parts[1]}, {parts[0]}{close_}`"
    return None


def _stored(
    w: Node,
    users: list[tuple[Node, float, tuple[float, ...]]],
    expected: dict[int, float],
    info: Info,
) -> list[Finding]:
    """microgpt style: the stored local derivatives, then how backward() combined them."""
    mine: list[tuple[Node, float]] = []  # each user's stored ∂user/∂w and its gradient
    for u, d, _ in users:
        if u.stored is None or u.grad is None:
            return _totals(w, users, expected)
        stored = sum(s for k, s in zip(u.kids, u.stored) if k == id(w.obj))
        if not infer.close(stored, d) and u.maker is not None:
            return [_stored_by(u.maker, u, w, stored, d, info)]
        if not infer.close(stored, d):
            op = infer.one_op(u.fits)
            name = op.drawn() if op else describe(u)
            who = f"the `{name}` node {u.name}" if op and u.name else describe(u)
            return [
                Finding(
                    ("stored local", name),
                    f"{who} stores {num(stored)} in `{info.names.local_grads}` as its local "
                    f"derivative for {describe(w)}{_slip(u, w, stored)}; the chain rule's is "
                    f"{num(d)}",
                )
            ]
        mine.extend((u, s) for k, s in zip(u.kids, u.stored) if k == id(w.obj))
    got = w.grad
    sent = [u.grad * s for u, s in mine]  # type: ignore[operator]
    if len(sent) > 1 and any(infer.close(got, c) for c in sent):  # type: ignore[arg-type]
        return [
            Finding(
                ("assign", "backward"),
                f"{describe(w)}.grad = {num(got)} is one of the {len(sent)} amounts sent to it "  # type: ignore[arg-type]
                f"({', '.join(num(c) for c in sent)}), not their sum: backward() sets each "
                "child's gradient with `=` instead of adding with `+=`",
            )
        ]
    if infer.close(got, sum(s for _, s in mine)):  # type: ignore[arg-type]
        return [
            Finding(
                ("ignores out.grad", "backward"),
                f"{describe(w)}.grad = {num(got)} is the sum of its stored local derivatives "  # type: ignore[arg-type]
                "alone: backward() adds `local` where the chain rule adds `local * v.grad`",
            )
        ]
    return [
        Finding(
            ("order",),
            f"the local derivatives stored on the nodes that feed {describe(w)} are right, yet "
            "its total is wrong: backward() ran a node more than once, or before all the uses "
            "of that node had added theirs; visit each node once, in reverse topological order",
        )
    ]


def _totals(
    w: Node, users: list[tuple[Node, float, tuple[float, ...]]], expected: dict[int, float]
) -> list[Finding]:
    """Only the totals are known: name what fits them, or say what was sent."""
    sends = [expected[id(u.obj)] * d for u, d, _ in users]
    got = w.grad
    if len(users) == 1 and len(users[0][2]) == 1:
        (u, d, _), want = users[0], sends[0]
        up = expected[id(u.obj)]
        if not infer.close(up, 1.0) and infer.close(got, d):  # type: ignore[arg-type]
            return [
                Finding(
                    ("ignores out.grad", describe(u)),
                    f"{describe(u)} sends {num(got)} to {describe(w)} = its local derivative "  # type: ignore[arg-type]
                    f"alone: its backward ignores out.grad ({num(up)} here; the chain rule "
                    f"sends {num(up)} × {num(d)} = {num(want)})",
                )
            ]
        return [
            Finding(
                ("wrong local", describe(u)),
                f"{describe(u)} sends {num(got)} to {describe(w)}, where the chain rule gives "  # type: ignore[arg-type]
                f"out.grad × ∂/∂{describe(w)} = {num(up)} × {num(d)} = {num(want)}",
            )
        ]
    total = sum(sends)
    parts = [expected[id(u.obj)] * p for u, _, ps in users for p in ps]
    if any(infer.close(got, s) for s in parts) and not infer.close(got, total):  # type: ignore[arg-type]
        return [
            Finding(
                ("assign",),
                f"{describe(w)}.grad = {num(got)} is one of the {len(parts)} amounts sent to it "  # type: ignore[arg-type]
                f"({', '.join(num(s) for s in parts)}), not their sum {num(total)}: a backward "
                "sets the gradient with `=` instead of adding with `+=`",
            )
        ]
    return []
