"""Check a learner's own `Value` class against chainrule's, one named case at a time.

`check_engine(V)` builds each case of `cases.CASES` twice, with `V` and with chainrule's
`Value`, calls `backward()` on both and compares the value and every leaf's gradient. The class
is duck-typed: `V(2.0)`, `+ - * /`, `.backward()`, and optionally `**`, `tanh`, `exp`, `log`,
`relu`; the value and gradient are read from `.data` and `.grad`, or from the attributes named
(`check_engine(V, data="value", grad="gradient")`), or, when the class has neither, from the
ones that hold them (found by experiment, and said once at the top of the report).

A failing case is diagnosed from its own evidence only: the learner's exception (the frames of
their code: the op that raised or that passed the bad value, with its line), or their graph
walked edge by edge against chainrule's local derivatives (`walk`). The beyond-the-lecture
cases (tanh(800), `backward()` twice, the deep chain) say when they fail exactly as the
lecture's own engine does; a `backward()` that zeroes every gradient first is a policy.

Every touch of the learner's objects runs in a thread bounded in time and depth (`guard`): a
case that runs past `timeout` is stopped and reported, and the next case runs. The cost of
their `backward()` is measured on growing chains (`cost`) before the deep chain runs, last.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field, replace
from typing import Any

from ..order import topological_order
from ..value import Value
from . import guard, infer, makers, walk
from . import nodes as learner
from .cases import BEYOND, CASES, DEEP, Case
from .cost import Cost, measure
from .guard import DEPTH, Error, class_name, type_name
from .infer import close
from .makers import Maker
from .report import FAIL, LIMIT, MISSING, NOT_RUN, PASS, POLICY, CaseResult, EngineReport
from .walk import Finding, Info, num

OPERATORS = {
    "__add__": "+",
    "__mul__": "*",
    "__sub__": "-",
    "__truediv__": "/",
    "__pow__": "**",
    "__neg__": "unary -",
    "__radd__": "+ with a number on the left (2 + x)",
    "__rmul__": "* with a number on the left (2 * x)",
    "__rsub__": "- with a number on the left (2 - x)",
    "__rtruediv__": "/ with a number on the left (2 / x)",
}
FUNCTIONS = ("tanh", "exp", "log", "relu")
METHODS = (*OPERATORS, *FUNCTIONS, "backward")
PLAIN = {  # what learners name an operator method without its dunder
    "__truediv__": ("truediv", "div", "__div__"),
    "__rtruediv__": ("rtruediv", "rdiv", "__rdiv__"),
}


# ---- the setup: the class's methods and attribute names ------------------------------------


@dataclass
class Setup:
    """What the class offers, found once, in a bounded thread."""

    info: Info
    methods: set[str] = field(default_factory=set)
    near: dict[str, str] = field(default_factory=dict)  # a missing method → what it has instead
    unchecked: str = ""


class _Wrong(Exception):
    """The learner's class gave something of the wrong kind (not an exception in its code)."""


def _near(V: type, methods: set[str]) -> dict[str, str]:
    """For each missing method, the one the class has instead (`pow` for `__pow__`)."""
    try:
        have = [n for n in dir(V)[:2000] if type(n) is str]
    except Exception:
        return {}
    name = class_name(V)
    out = {}
    for m in OPERATORS:
        if m in methods:
            continue
        plain = next((p for p in (m.strip("_"), *PLAIN.get(m, ())) if p in have), None)
        if plain:
            if plain.startswith("__"):
                out[m] = (
                    f"{name} has `{plain}` but no `{m}`: Python 3 calls `{m}` for "
                    f"`{OPERATORS[m].split(' ')[0]}` (`{plain}` was Python 2's); rename it"
                )
            else:
                out[m] = (
                    f"{name} has `{plain}` but no `{m}`: Python calls `{m}` for "
                    f"`{OPERATORS[m].split(' ')[0]}`, never `{plain}`; rename it `{m}` (or add "
                    f"`{m} = {plain}`)"
                )
    for f in FUNCTIONS:
        if f in methods:
            continue
        other = next((n for n in have if n.strip("_").lower() == f and n != f), None)
        if other is None:
            continue
        if other.startswith("__"):
            out[f] = (
                f"{name} has `{other}`, which Python never calls: `x.{f}()` looks for a method "
                f"named `{f}`; rename it"
            )
        else:
            out[f] = f"{name} has `{other}` but no `{f}`: the cases call `x.{f}()`; rename it"
    return out


def _setup(V: type, told: learner.Names) -> Setup:
    """In the bounded thread: which methods the class has, and the names of its attributes."""
    name = class_name(V)
    methods = {m for m in METHODS if getattr(V, m, None) is not None}
    setup = Setup(Info(told, cls=V), methods, _near(V, methods))
    try:
        x, y = V(2.0), V(-3.0)
    except Exception as e:
        setup.unchecked = f"{name}(2.0) raised {guard.describe(e).text()}"
        return setup
    notes = setup.info.notes
    attrs = learner.attributes(x)
    if not hasattr(x, told.data):
        if "data" in told.given:
            setup.unchecked = f"{name}(2.0) has no .{told.data} (data={told.data!r} was given)"
            return setup
        found = [
            k
            for k, v in attrs.items()
            if learner.number(v) == 2.0 and learner.number(getattr(y, k, None)) == -3.0
        ]
        if len(found) != 1:
            setup.unchecked = (
                f"{name}(2.0) has no .data, and no attribute of it holds 2.0 alone "
                f"({'; '.join(found) or 'none does'}): name it, check_engine({name}, data=...)"
            )
            return setup
        told = told.told(data=found[0])
        notes.append(
            f"{name} has no .data: {name}(2.0) keeps 2.0 in .{found[0]}, so the cases read "
            f".{found[0]}; say so with check_engine({name}, data={found[0]!r})"
        )
    out = None
    if not hasattr(x, told.grad):
        if "grad" in told.given:
            setup.unchecked = f"{name}(2.0) has no .{told.grad} (grad={told.grad!r} was given)"
            return setup
        found, out, how = _find_grad(V, x, y, methods)
        if len(found) != 1:
            setup.unchecked = (
                f"{name} has no .grad, and no attribute of its nodes holds the gradient after "
                f"backward() (looked for one that is 0 on a new node and {how}): name it, "
                f"check_engine({name}, grad=...)"
            )
            return setup
        told = told.told(grad=found[0])
        notes.append(
            f"{name} has no .grad: after {how}, so the cases read .{found[0]}; say so with "
            f"check_engine({name}, grad={found[0]!r})"
        )
    setup.info.names = told
    _graph_names(V, setup, out, x, y)
    return setup


def _find_grad(V: type, x: Any, y: Any, methods: set[str]) -> tuple[list[str], Any, str]:
    """The attribute that holds the gradient: after (x*y).backward() at x = 2, y = -3 it is -3
    on x and 2 on y (with + only: 1 on both), and 0 on a new node."""
    fresh = learner.attributes(V(5.0))
    zero = {k for k, v in fresh.items() if learner.number(v) == 0.0}
    if "__mul__" in methods:
        out, wx, wy, how = x * y, -3.0, 2.0, "(x*y).backward() at x = 2, y = -3"
    else:
        out, wx, wy, how = x + y, 1.0, 1.0, "(x+y).backward() at x = 2, y = -3"
    try:
        out.backward()
    except Exception:
        return [], None, how + " (which raised)"
    ax, ay = learner.attributes(x), learner.attributes(y)
    found = [k for k in zero if learner.number(ax.get(k)) == wx and learner.number(ay.get(k)) == wy]
    if len(found) > 1:
        found = [k for k in found if "grad" in k.lower()] or found
    if len(found) == 1:
        how = f"{how}, x.{found[0]} = {num(wx)} and y.{found[0]} = {num(wy)}"
    return found, out, how


def _graph_names(V: type, setup: Setup, out: Any, x: Any, y: Any) -> None:
    """The attributes that hold a node's children, its backward closure and its local
    derivatives, from a node made by one op."""
    info, told = setup.info, setup.info.names
    leaf = V(1.0)
    fns = {k: v for k, v in learner.attributes(leaf).items() if learner.is_function(v)}
    try:
        if out is None:
            x, y = V(2.0), V(-3.0)
            out = x * y if "__mul__" in setup.methods else x + y
    except Exception:
        return
    made = learner.attributes(out)
    if not fns:
        fns = {k: v for k, v in made.items() if learner.is_function(v)}
        default = None
    else:
        default = "pick"
    if fns:
        pick = next((k for k in fns if "backward" in k.lower()), None)
        info.closure = pick or (next(iter(fns)) if len(fns) == 1 else None)
        if info.closure is not None and default == "pick":
            info.default = fns[info.closure].__code__
    attr = learner.children_attr(out, told)
    if attr is None and told.children is None:
        for k, v in made.items():
            if isinstance(v, tuple | list | set | frozenset) and 0 < len(v) <= 2:
                if any(c is x for c in v) and any(c is y for c in v):
                    attr = k
                    break
        if attr is not None:
            info.notes.append(
                f"the nodes keep their inputs in .{attr}; say so with "
                f"check_engine({class_name(V)}, children={attr!r})"
            )
    info.children = attr
    if not isinstance(getattr(out, told.op, None), str) and "op" not in told.given:
        # an op name under a name of their own (`op`, `_operation`): a hint among ops that fit
        named = [k for k, v in made.items() if type(v) is str and v.strip().lower() in infer.NAMES]
        if len(named) == 1:
            info.names = told = told.told(op=named[0])
    if attr is not None:
        stored = getattr(out, told.local_grads, None)
        kids = getattr(out, attr, ())
        if isinstance(stored, tuple | list) and isinstance(kids, tuple | list):
            info.local_grads = len(stored) == len(kids) and all(
                learner.number(d) is not None for d in stored
            )


# ---- running a case --------------------------------------------------------------------------


@dataclass
class Outcome:
    """What the learner's class gave for one case, as plain numbers and text."""

    data: float = math.nan
    grads: dict[str, float] = field(default_factory=dict)
    wrong: str = ""  # a result of the wrong kind
    lines: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    preset: tuple[float, float] | None = None  # backward twice: a.grad preset, and after one call
    uses: tuple[str, ...] = ()  # the learner's methods that building the case ran (wrong values)
    made: tuple[Maker, str] | None = None  # a node of the wrong kind: its maker, its class


def _reference(case: Case) -> tuple[float, dict[str, float], dict[str, float]]:
    """chainrule's value, leaf grads and the grads of every named node, for `case`."""
    out, nodes = case.build(Value)
    for _ in range(case.calls):
        out.backward()
    grads = {name: nodes[name].grad for name in case.leaves}
    return out.data, grads, {name: n.grad for name, n in nodes.items()} | {"out": out.grad}


def _lecture_twice(case: Case) -> dict[str, float]:
    """The leaf grads that the lecture's backward gives when called `case.calls` times: each
    call seeds the output with 1 and runs every node's backward, adding to what the inner nodes
    kept from the calls before."""
    out, nodes = case.build(Value)
    order = topological_order(out)
    grads = {id(v): 0.0 for v in order}
    for _ in range(case.calls):
        grads[id(out)] = 1.0
        for v in reversed(order):
            for p, d in zip(v.parents, v.local_grads):
                grads[id(p)] += grads[id(v)] * d
    return {name: grads[id(nodes[name])] for name in case.leaves}


OPS_OF = {
    "__add__": "add",
    "__radd__": "add",
    "__mul__": "mul",
    "__rmul__": "mul",
    "__sub__": "sub",
    "__rsub__": "sub",
    "__truediv__": "div",
    "__rtruediv__": "div",
    "__pow__": "pow_c",
    "__neg__": "neg",
    **{f: f for f in FUNCTIONS},
}


def _learner(case: Case, V: type, info: Info, want: tuple) -> Outcome:
    """Run `case` on the learner's class (in the bounded thread)."""
    told = info.names
    who = class_name(V)
    (out, named), made = makers.record(V, lambda: case.build(V))
    for name, node in [("the result", out), *named.items()]:
        if not isinstance(node, V):
            what = f"`{case.name}` gave" if name == "the result" else f"{name} is"
            wrong = f"{what} a {type_name(node)}, not a {who} (your class)"
            maker = made.first(type(node))  # where the class was lost; its code stays here
            seen = (replace(maker, code=None), type_name(node)) if maker is not None else None
            return Outcome(wrong=wrong, made=seen)
    for _ in range(case.calls):
        out.backward()
    got = Outcome()
    data = learner.number(getattr(out, told.data, None))
    if data is None:
        kind = type_name(getattr(out, told.data, None))
        return Outcome(wrong=f"the result's .{told.data} is a {kind}, not a number")
    got.data = data
    for name in case.leaves:
        g = learner.number(getattr(named[name], told.grad, None))
        if g is None:
            kind = type_name(getattr(named[name], told.grad, None))
            return Outcome(wrong=f"{name}.{told.grad} is a {kind}, not a number")
        got.grads[name] = g
    if _passes(got, want):
        return got
    guard.unguard()  # what follows is this room's own walk: no depth guard to slow it
    info = replace(
        info, prefer=frozenset(OPS_OF[m] for m in case.needs if m in OPS_OF), made=made.by_id
    )
    try:
        if case.calls == 2:
            _twice_evidence(case, V, info, got, want)
        else:
            _evidence(case, V, out, named, info, got, want)
    except Exception as e:  # a property of theirs that raises: the numbers still stand
        got.lines.append(f"(your graph could not be walked: {guard.describe(e).text()})")
    return got


def _twice_evidence(case: Case, V: type, info: Info, got: Outcome, want: tuple) -> None:
    """backward() twice: is one call already wrong (then walk it), and what does backward() do
    to a gradient that is already there (a.grad = 5 before one call)?"""
    told = info.names
    (once, named), made = makers.record(V, lambda: case.build(V))
    info = replace(info, made=made.by_id)
    once.backward()
    single = (want[0], {n: w / 2 for n, w in want[1].items()})
    grads = {n: learner.number(getattr(named[n], told.grad, None)) for n in case.leaves}
    first = Outcome(data=got.data, grads={n: g for n, g in grads.items() if g is not None})
    if len(first.grads) == len(case.leaves) and not _passes(first, single):
        _evidence(case, V, once, named, info, first, single)
        got.lines += [f"one backward() alone already gives {_shown(first, case)}", *first.lines]
        got.findings += first.findings
        return
    again, nodes = case.build(V)
    setattr(nodes["a"], told.grad, 5.0)
    again.backward()
    after = learner.number(getattr(nodes["a"], told.grad, None))
    got.preset = (5.0, after) if after is not None else None
    if after is not None and close(after, want[1]["a"] / 2):  # replaced: by an op's `=`?
        found = walk.replaced(again, nodes["a"], info)
        if found is not None:
            got.lines.append(
                f"a.grad was 5 before one backward() and {num(after)} after, one call's gradient"
            )
            got.findings.append(found)


def _shown(got: Outcome, case: Case) -> str:
    return ", ".join(f"{n}.grad = {num(got.grads[n])}" for n in case.leaves)


def _passes(got: Outcome, want: tuple) -> bool:
    return close(got.data, want[0]) and all(close(got.grads[n], w) for n, w in want[1].items())


def _evidence(
    case: Case, V: type, out: Any, named: dict, info: Info, got: Outcome, want: tuple
) -> None:
    """Findings for a case whose numbers are wrong: an op that gave back its input, the op's own
    node and closure, then the value, then the walk over the learner's graph."""
    returned = _returned_input(case, V, out, named)
    if returned is not None:
        got.findings.append(returned)
        return
    for name in case.leaves:  # a leaf carrying the closure meant for the node made from it
        found = walk.moved_closure(named[name], name, info)
        if found is not None:
            got.findings.append(found)
            return
    if not close(got.data, want[0]):
        got.findings.append(_value(case, got.data, want[0], out, info))
        got.uses = _methods_run(V, lambda: case.build(V))
        return
    w = walk.walk(out, named, case.leaves, info)
    got.lines.extend(w.lines)
    for f in w.findings:
        if f.key[0] == "unset backward":  # the closure may sit on one of that node's inputs
            f = walk.moved_anywhere(out, info) or f
        got.findings.append(f)
        return


PRIMITIVES = ("__add__", "__mul__", "__pow__", "__neg__", *FUNCTIONS)


def _returned_input(case: Case, V: type, out: Any, named: dict) -> Finding | None:
    """An op that gives back its input, changed in place, where a new node belongs (`d = c + b`
    gave back c): each op, the simplest first, called once more on new nodes, is seen to return
    one of them."""
    for m in dict.fromkeys((*PRIMITIVES, *case.needs)):
        if m not in OPERATORS and m not in FUNCTIONS:
            continue
        if getattr(V, m, None) is None:
            continue
        x, y = V(2.0), V(0.5)
        if m in FUNCTIONS or m == "__neg__":
            call, args = f"x.{m}()", ()
        elif m == "__pow__":
            call, args = "x ** 2", (2,)
        elif m.startswith("__r"):
            call, args = f"x.{m}(3)", (3,)
        else:
            call, args = f"x.{m}(y)", (y,)
        try:
            r = getattr(x, m)(*args)
        except Exception:
            continue
        if r is x or r is y:
            return Finding(
                ("returns its input", m),
                f"your `{m}` gives back its input, changed in place, where a new node belongs: "
                f"`{call}` returned x itself, so the graph has no node for the op and backward() "
                f"sends nothing through it; return a new node, `out = {class_name(V)}(..., "
                "(self, other))`",
            )
    return None


def _methods_run(V: type, fn: Any) -> tuple[str, ...]:
    """The names of `V`'s methods that `fn()` runs, seen by a profile of this thread."""
    names: dict[Any, str] = {}
    for klass in type.__dict__["__mro__"].__get__(V):
        for name, f in list(type.__dict__["__dict__"].__get__(klass).items()):
            f = getattr(f, "__func__", f)
            if learner.is_function(f):
                names.setdefault(f.__code__, name)
    seen: dict[str, None] = {}

    def record(frame: Any, event: str, arg: object) -> None:
        if event == "call" and frame.f_code in names:
            seen[names[frame.f_code]] = None

    before = sys.getprofile()
    sys.setprofile(record)
    try:
        fn()
    finally:
        sys.setprofile(before)
    return tuple(seen)


def _value(case: Case, got: float, want: float, out: Any, info: Info) -> Finding:
    """A wrong value: for `2 - x` and `2 / x`, operands swapped; else what the op gave."""
    if case.about == "reflected" and case.x is not None:
        swapped = case.x - 2 if case.name == "2 - x" else case.x / 2
        if close(got, swapped):
            op = "−" if case.name == "2 - x" else "÷"
            return Finding(
                ("swapped", case.method),
                f"`{case.name}` gives {num(got)}, which is x {op} 2: your `{case.method}` computes "
                f"self {op} other, but Python calls x.{case.method}(2) for `{case.name}`, so it "
                f"must compute other {op} self",
            )
    if case.method:
        return Finding(
            ("value", case.method),
            f"the value is wrong: your `{case.method}` gives {num(got)}, expected {num(want)}",
        )
    return Finding(("value", case.name), f"the value is wrong: {num(got)}, expected {num(want)}")


def _missing(case: Case, V: type, missing: list[str], near: dict[str, str]) -> str:
    name = class_name(V)
    for m in missing:
        if m in near:
            return near[m]
    text = f"{name} has no {', '.join(missing)}"
    for m in missing:
        if m.startswith("__r") and m in OPERATORS:
            op = OPERATORS[m].split(" ")[0]
            text += (
                f"; `2 {op} x` asks int first, which does not know your {name}, then "
                f"{name}.{m}: add it (e.g. `def {m}(self, other): return ...`)"
            )
            break
    return text


# ---- turning evidence into a status and words ----------------------------------------------

OUTCOME_KIND = "every op must return a new {name}, whose value and gradient are numbers"


@dataclass
class Verdict:
    status: str
    diagnosis: str = ""
    bug: tuple[str, ...] = ()


_SYMBOLS = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__", "**": "__pow__"}


def _from_error(case: Case, err: Error, V: type, setup: Setup) -> Verdict:
    """The status and diagnosis of a case whose run raised `err`: from its own frames. The
    innermost frame of the learner's code is where it raised; when that is not an op (their
    `__init__`, a helper), the frame that called it is the op that passed the bad value."""
    name = class_name(V)
    frames = err.frames
    last = frames[-1] if frames else None
    caller = frames[-2] if len(frames) > 1 else None
    if caller is not None and (last.function in METHODS or caller.function == last.function):
        caller = None
    where = ""
    if last is not None:
        where = f", in your {last.where()}"
        if caller is not None:
            where += f", called from your {caller.where()}"
    if err.isa("RecursionError"):
        rec = err.repeated
        if case.deep and rec is not None:
            return Verdict(
                LIMIT,
                f"backward() recurses once per node: your `{rec.function}` calls itself (line "
                f"{rec.line}: `{rec.text}`), so a chain of {DEEP} ops goes deeper than {DEPTH} "
                "calls, Python's default recursion limit; the lecture's own engine does this "
                "too (its build_topo) — walk the graph with an explicit stack (a list you push "
                "to and pop from)",
            )
        if rec is not None:
            return Verdict(
                FAIL,
                f"your `{rec.function}` calls itself without end (line {rec.line}: `{rec.text}`)",
                ("recursion", rec.file, str(rec.line)),
            )
    if case.name == "tanh(800)" and err.isa("OverflowError") and last is not None:
        if "exp" in last.text or "e**" in last.text or "e **" in last.text:
            return Verdict(
                LIMIT,
                f"tanh computed from exp overflows at x = 800 ({err.text()}{where}): the "
                "lecture's own engine does this too; math.tanh(x) gives tanh without overflow",
            )
    if err.isa("TypeError") and "unsupported operand" in err.message:
        needed = _needed(err.message, name)
        if needed and needed not in setup.methods:
            how = f"your {last.where()} uses" if last else "an op uses"
            symbol = OPERATORS.get(needed, "**").split(" ")[0]
            text = f"{how} `{symbol}`, and {name} has no `{needed}`"
            near = setup.near.get(needed)
            return Verdict(MISSING, f"{text}: {near}" if near else text)
        if not frames and case.method in setup.methods:
            return Verdict(
                FAIL,
                f"your `{case.method}` returned NotImplemented for `{case.name}` ({err.text()}): "
                f"it does not take a plain number; wrap one first, `other = other if "
                f"isinstance(other, {name}) else {name}(other)`",
                ("NotImplemented", case.method),
            )
    if not frames and err.isa("AttributeError") and err.attribute in FUNCTIONS:
        kind = err.message.split("'")[1] if err.message.count("'") >= 2 else "?"
        if kind != name:
            return Verdict(
                FAIL,
                f"{OUTCOME_KIND.format(name=name)}: an op gave a {kind}, and `{case.name}` "
                f"then calls .{err.attribute}() on it",
                ("wrong kind",),
            )
    if err.isa("TypeError") and "'NoneType' object is not callable" in err.message and last:
        # `__rmul__ = None` (an op taken away): Python calls the None it finds for the op
        for m in _none_operators(V):
            symbol = "-" if m == "__neg__" else OPERATORS[m].split(" ")[0]
            if re.search(rf"(?<![*/]){re.escape(symbol)}(?![*/])", last.text):
                side = " with a number on the left" if m.startswith("__r") else ""
                return Verdict(
                    MISSING,
                    f"your {last.where()} uses `{symbol}`{side}, and {name} sets `{m} = None`, "
                    f"so Python finds no `{m}` to call",
                )
    if err.isa("TypeError") and "bad operand type for unary -" in err.message:
        how = f"your {last.where()} negates" if last else "an op negates"
        return Verdict(MISSING, f"{how} a {name}, and {name} has no `__neg__`")
    if err.isa("AttributeError") and err.attribute and last is not None:
        missing = err.attribute
        if err.message.startswith(f"'{name}' object") and (
            missing in METHODS or missing.startswith("__")
        ):
            near = setup.near.get(missing)
            text = f"your {last.where()} uses `{missing}`, which {name} does not have"
            return Verdict(MISSING, f"{text}: {near}" if near else text)
    text = f"{err.text()}{where}"
    if len(frames) == 1 and case.method == last.function:
        text = f"`{case.name}` raised {text}"
    key = ("error", err.kind)
    if last is not None:
        key += (last.file, str(last.line))
        if caller is not None:
            key += (caller.file, str(caller.line))
    else:
        key += (err.message[:80],)
    return Verdict(FAIL, text, key)


def _none_operators(V: type) -> list[str]:
    """The operator methods that `V` (or a class it derives from) sets to None."""
    found = []
    try:
        mro = type.__dict__["__mro__"].__get__(V)
    except Exception:
        return []
    for m in OPERATORS:
        for klass in mro:
            own = type.__dict__["__dict__"].__get__(klass)
            if m in own:
                if own[m] is None:
                    found.append(m)
                break
    return found


def _needed(message: str, name: str) -> str | None:
    """The method that `unsupported operand type(s) for **: 'V' and 'int'` asked for."""
    try:
        head, tail = message.split(": ", 1)
        symbol = head.rsplit(" for ", 1)[1].split(" ")[0]
        left, right = (t.strip().strip("'") for t in tail.split(" and ", 1))
    except (IndexError, ValueError):
        return None
    dunder = _SYMBOLS.get(symbol)
    if dunder is None:
        return None
    if left == name:
        return dunder
    if right == name:
        return "__r" + dunder[2:]
    return None


def _from_outcome(case: Case, got: Outcome, want: tuple, results: dict[str, CaseResult]) -> Verdict:
    """The status and diagnosis of a case whose numbers came out wrong."""
    if case.calls == 2 and not got.findings:
        return _twice(case, got, want, results)
    for f in got.findings:
        return Verdict(FAIL, f.text, f.key)
    return Verdict(FAIL, "", ("numbers", case.name))


def _twice(case: Case, got: Outcome, want: tuple, results: dict[str, CaseResult]) -> Verdict:
    """backward() twice: as the lecture's engine, as a policy of zeroing, or neither."""
    lecture = _lecture_twice(case)
    shown = ", ".join(f"{n}.grad = {num(got.grads[n])}" for n in case.leaves)
    expected = ", ".join(num(w) for w in want[1].values())
    if all(close(got.grads[n], lecture[n]) for n in case.leaves):
        return Verdict(
            LIMIT,
            f"after two backward() calls {shown}, as micrograd's own engine gives: the second "
            "call sent on again the gradients the first left on the inner nodes. chainrule and "
            f"PyTorch add exactly each call's own ({expected}); to do the same, set the inner "
            "nodes' grads to 0 at the start of backward()",
        )
    once = all(close(got.grads[n], w / 2) for n, w in want[1].items())
    if once and got.preset is not None:
        before, after = got.preset
        one = want[1]["a"] / 2
        if close(after, one):
            add_ok = all(results[n].status == PASS for n in ("a + a", "a * a") if n in results)
            evidence = (
                f"a.grad was {num(before)} before one backward() and {num(after)} after, one "
                "call's gradient"
            )
            if add_ok:
                return Verdict(
                    POLICY,
                    f"backward() sets every gradient to 0 before it starts ({evidence}; the ops "
                    "add with `+=`, as `a + a` and `a * a` show): a policy — each call gives "
                    "one call's gradient, as if zero_grad() came first; chainrule and PyTorch "
                    "add each call's to what is there",
                )
            return Verdict(
                FAIL,
                f"the second backward() replaced the leaves' gradients instead of adding to them "
                f"({evidence})",
                ("replaced",),
            )
    return Verdict(
        FAIL,
        f"after two backward() calls {shown}, expected {expected} (twice one call's), and "
        f"micrograd's engine gives {', '.join(num(v) for v in lecture.values())}",
        ("twice", shown),
    )


def _numbers(got: Outcome, want: tuple) -> list[str]:
    lines = [f"value {num(got.data)}, expected {num(want[0])}"]
    lines.append(
        "grads "
        + ", ".join(
            f"{n} = {num(got.grads[n])}" + ("" if close(got.grads[n], w) else " ✗")
            for n, w in want[1].items()
        )
        + "; expected "
        + ", ".join(f"{n} = {num(w)}" for n, w in want[1].items())
    )
    return lines


def _late(run: guard.Run, timeout: float) -> str:
    at = f" (it was in your {run.at.where()})" if run.at else ""
    if run.stuck:
        return (
            f"did not finish within {timeout:g} s{at} and could not be stopped: it goes on "
            "running in a background thread (restart the kernel to stop it), so the cases "
            "after it are not run"
        )
    return f"did not finish within {timeout:g} s, and was stopped{at}"


def _run(
    case: Case, V: type, setup: Setup, timeout: float, results: dict[str, CaseResult]
) -> tuple[CaseResult, guard.Run | None]:
    """The result of one case, and its run (None if it did not run)."""
    kw = {"kind": case.kind}
    missing = [m for m in case.needs if m not in setup.methods]
    if missing:
        line = _missing(case, V, missing, setup.near)
        return CaseResult(case.name, case.expression, MISSING, [line], **kw), None
    want = _reference(case)
    run = guard.run(lambda: _learner(case, V, setup.info, want), timeout, case.name)
    if run.late:
        line = _late(run, timeout)
        status = NOT_RUN if case.deep else FAIL
        bug = ("late", run.at.file, str(run.at.line)) if run.at else ("late",)
        diagnosis = (
            ""
            if case.deep
            else f"it runs on past {timeout:g} s"
            + (f", in your {run.at.where()}" if run.at else "")
        )
        return CaseResult(case.name, case.expression, status, [line], diagnosis, bug=bug, **kw), run
    if run.error is not None:
        v = _from_error(case, run.error, V, setup)
        lines = [run.error.text() + _at(run.error)]
        return CaseResult(
            case.name, case.expression, v.status, lines, v.diagnosis, bug=v.bug, **kw
        ), run
    got: Outcome = run.value
    if got.wrong:
        why, bug, made = OUTCOME_KIND.format(name=class_name(V)), ("wrong kind",), ()
        if got.made is not None:
            m, kind = got.made
            made = (m.function, m.owner, m.source(), m.at())
            why = _wrong_kind([made], kind, V)
            bug = ("wrong kind", kind)
        result = CaseResult(case.name, case.expression, FAIL, [got.wrong], why, bug=bug, **kw)
        result.made = made
        return result, run
    if _passes(got, want):
        return CaseResult(case.name, case.expression, PASS, **kw), run
    v = _from_outcome(case, got, want, results)
    lines = _numbers(got, want) + got.lines
    result = CaseResult(case.name, case.expression, v.status, lines, v.diagnosis, bug=v.bug, **kw)
    result.uses = got.uses
    return result, run


def _wrong_kind(made: list[tuple[str, ...]], kind: str, V: type) -> str:
    """The methods seen to build a node of another class `kind` where `V` belongs, with their
    file and lines: `made` holds (method, its class, file, line) of each."""
    name = class_name(V)
    methods = [f"`{f}`" for f, *_ in made]
    listed = methods[0] if len(methods) == 1 else ", ".join(methods[:-1]) + " and " + methods[-1]
    owners = {o for _, o, _, _ in made}
    inherited = ""
    if len(owners) == 1 and "" not in owners and name not in owners:
        (owner,) = owners
        inherited = f" ({owner}'s, which {name} inherits)"
    verb = "builds its node" if len(made) == 1 else "build their nodes"
    files = {f for _, _, f, _ in made}
    lines = "; ".join(at if len(made) == 1 else f"`{f}`, {at}" for f, _, _, at in made)
    if len(files) == 1 and "" not in files:
        lines = (
            f"{next(iter(files))}, {lines}" if len(made) == 1 else f"{next(iter(files))}: {lines}"
        )
    return (
        f"your {listed}{inherited} {verb} as a {kind}, not a {name} ({lines}): every op must "
        f"return a new {name}, whose value and gradient are numbers; build "
        f"{'its node' if len(made) == 1 else 'each node'} with `type(self)(...)`"
    )


def _wrong_kinds(results: dict[str, CaseResult], V: type) -> None:
    """Nodes of one other class made by several methods (the ops a base class builds as its
    own): one bug, named with every method seen to do it, in each case that shows it."""
    groups: dict[tuple[str, ...], list[CaseResult]] = {}
    for r in results.values():
        if r.status == FAIL and r.bug[:1] == ("wrong kind",) and r.made:
            groups.setdefault(r.bug, []).append(r)
    for bug, rs in groups.items():
        made = list(dict.fromkeys(r.made for r in rs))
        if len(made) > 1:
            text = _wrong_kind(made, bug[1], V)
            for r in rs:
                r.diagnosis = text


def _at(err: Error) -> str:
    if not err.frames:
        return ""
    last = err.frames[-1]
    return f" (in {last.function}, line {last.line})"


# ---- the whole check -----------------------------------------------------------------------

LATE_IN_A_ROW = 3  # after this many cases in a row ran past their time, the rest are not run


def check_engine(
    V: type,
    timeout: float = 2.0,
    *,
    data: str | None = None,
    grad: str | None = None,
    children: str | None = None,
    op: str | None = None,
    local_grads: str | None = None,
) -> EngineReport:
    """Run every case of `CASES` on the class `V` and on chainrule's `Value`, and compare.

    `data`, `grad`, `children`, `op`, `local_grads` name the attributes of `V`'s nodes where
    they are not `.data`, `.grad`, `._prev`/`._children`, `._op`, `._local_grads`. Each case
    runs in a thread for at most `timeout` seconds and is stopped if it runs longer; the deep
    chain runs last, after the cost of backward() has been measured on growing chains. In
    Pyodide, which has no threads, cases run unbounded in time (interrupt the kernel to stop
    one)."""
    if not issubclass(type(V), type):
        raise TypeError(f"check_engine() takes a class (your Value), not {type_name(V)}")
    if not (type(timeout) in (int, float) and timeout > 0 and math.isfinite(timeout)):
        raise ValueError(f"timeout must be a positive number of seconds, not {timeout!r}")
    told = learner.names(
        "check_engine", data=data, grad=grad, children=children, op=op, local_grads=local_grads
    )
    engine = class_name(V)
    first = guard.run(lambda: _setup(V, told), timeout, "setup")
    if first.late or first.error is not None:
        why = _late(first, timeout) if first.late else first.error.text() + _at(first.error)
        return _unchecked(engine, f"reading the class: {why}")
    setup: Setup = first.value
    if setup.unchecked:
        return _unchecked(engine, setup.unchecked, setup.info.notes)
    results: dict[str, CaseResult] = {}
    stuck, late = "", 0
    cost, bound = Cost(), timeout
    for case in CASES:
        if case.deep and not stuck:
            cost = _cost(V, setup, timeout)
            slow = cost.predict(DEEP)
            bound = _deep_bound(slow, timeout)
            if slow is not None and slow > timeout and cost.slow:
                line = (
                    f"not run: backward() would take about {_about(slow)} for {DEEP} ops "
                    f"({cost.words()}), past the time bound of {timeout:g} s"
                )
                results[case.name] = CaseResult(
                    case.name, case.expression, NOT_RUN, [line], kind=case.kind
                )
                continue
        if stuck:
            line = f"not run: {stuck}"
            results[case.name] = CaseResult(
                case.name, case.expression, NOT_RUN, [line], kind=case.kind
            )
            continue
        result, run = _run(case, V, setup, bound if case.deep else timeout, results)
        results[case.name] = result
        if run is not None and run.late:
            late += 1
            if run.stuck:
                stuck = f"case {case.name!r} is still running in the background"
            elif late >= LATE_IN_A_ROW:
                stuck = f"the {late} cases before it each ran past {timeout:g} s"
        elif run is not None:
            late = 0
    _point_to_wrong_values(results)
    _wrong_kinds(results, V)
    notes = list(setup.info.notes)
    notes += [t for m, t in setup.near.items() if m in {n for c in CASES for n in c.needs}]
    return EngineReport(engine, list(results.values()), notes=_dedupe(notes), cost=cost)


def _point_to_wrong_values(results: dict[str, CaseResult]) -> None:
    """A wrong value whose case ran another method that gives a wrong value in its own case
    (`a - b` ran `__neg__`, and `-x` is wrong): say so, citing that case, and count it as that
    bug. The methods a case ran are evidence of its own run (a profile of it)."""
    by_name = {c.name: c for c in CASES}
    wrong: dict[str, CaseResult] = {}
    for r in results.values():
        method = by_name[r.name].method
        if r.status == FAIL and method and r.bug[:1] in (("swapped",), ("value",)):
            wrong.setdefault(method, r)
    roots = {m: r for m, r in wrong.items() if not any(u in wrong and u != m for u in r.uses)}
    for r in results.values():
        own = by_name[r.name].method
        if r.status != FAIL or r.bug[:1] != ("value",):
            continue
        cited = next((m for m in r.uses if m in roots and m != own), None)
        if cited is None:
            continue
        if own and own in roots and roots[own] is r:
            continue
        r.diagnosis += (
            f"; it ran your `{cited}`, whose own case `{roots[cited].name}` gives a wrong value "
            "too: see there"
        )
        r.bug = roots[cited].bug
        r.cites = roots[cited].name


def _cost(V: type, setup: Setup, timeout: float) -> Cost:
    if not {"__mul__", "__add__", "backward"} <= setup.methods:
        return Cost(stopped="the class has no * and + to build a chain with")
    return measure(V, timeout)


GUARD_COST = 12  # the depth guard (a profile function) makes call-heavy code up to this slower


def _deep_bound(predicted: float | None, timeout: float) -> float:
    """The deep chain's time bound: `timeout`, or, where its measured cost (without the depth
    guard) fits in `timeout`, room for the guard's own cost on top, up to 30 s."""
    if predicted is None or predicted > timeout:
        return timeout
    return max(timeout, min(30.0, GUARD_COST * predicted))


def _about(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _unchecked(engine: str, why: str, notes: list[str] | None = None) -> EngineReport:
    cases = [CaseResult(c.name, c.expression, NOT_RUN, kind=c.kind) for c in CASES]
    return EngineReport(engine, cases, notes=notes, unchecked=why)


__all__ = ["BEYOND", "CaseResult", "EngineReport", "check_engine"]
