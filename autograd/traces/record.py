"""Taking a trace: which nodes are the inputs, which are the outputs, in which order the rows go.

Two ways in. `trace(f, *inputs, **named)` calls f and records its ops as they execute, as
JAX's `make_jaxpr` does (`mode.taping`): rows in program order, inputs in argument order, named
by f's parameters (or the Values' labels). `trace(y)` reads a graph that exists already: rows
in evaluation order, each op after its operands taken left to right, as Python evaluates an
expression; its inputs are the leaves, in the order that evaluation first meets them.

Outputs are named from f's return: a dict's keys, else y (one output) or y1 … ym, never the
name of an input.
"""

from __future__ import annotations

import heapq
import inspect
import keyword
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from ..mode import enable_grad, taping
from ..node import Node
from ..value import Value, as_float

# The name of a single output, the first that no input has; several outputs are y1 … ym.
SINGLE_NAMES = ("y", "f", "z", "out")
MANY_HEADS = ("y", "f", "z", "out")


class Taken(NamedTuple):
    """What a trace is made of: its inputs and their names, its intermediate nodes in order,
    its outputs and their names."""

    inputs: list[Node]
    input_names: list[str]
    inner: list[Node]
    outputs: list[Node]
    output_names: list[str]
    order: str  # "program" or "evaluation"


def _name_of(node: Node) -> str:
    return node.label if isinstance(node.label, str) else ""


def output_names(count: int, taken: Sequence[str]) -> list[str]:
    """y for one output, y1 … ym for several; the next letter when an input has one of them."""
    used = {unicodedata.normalize("NFKC", n) for n in taken if n}
    if count == 1:
        for name in SINGLE_NAMES:
            if name not in used:
                return [name]
        k = 1
        while f"out{k}" in used:
            k += 1
        return [f"out{k}"]
    heads = [*MANY_HEADS, *(f"out{k}_" for k in range(1, len(used) + 2))]
    for head in heads:
        names = [f"{head}{i}" for i in range(1, count + 1)]
        if not used.intersection(names):
            return names
    raise AssertionError("unreachable: some head is always free")


def _check_outputs_named(names: Sequence[str], inputs: Sequence[str]) -> None:
    taken = {unicodedata.normalize("NFKC", n): n for n in inputs if n}
    for name in names:
        if not isinstance(name, str) or not name:
            raise TypeError(f"trace: an output's name must be a non-empty str, not {name!r}")
        clash = taken.get(unicodedata.normalize("NFKC", name))
        if clash is not None:
            raise ValueError(
                f"trace: the output {name!r} has the name of an input ({clash!r}): "
                "name it otherwise, so the tables cannot confuse the two"
            )


def split_outputs(out: object, who: str) -> tuple[list[Node], list[str] | None]:
    """The outputs of a return value (a Value, a tuple or list of them, a dict of them), and
    their names when it is a dict."""
    if isinstance(out, Node):
        return [out], None
    if isinstance(out, Mapping):
        if not out:
            raise TypeError(f"{who}: f returned an empty dict; return at least one Value")
        names, nodes = [], []
        for key, v in out.items():
            if not isinstance(key, str) or not key:
                raise TypeError(f"{who}: the output names must be non-empty str, not {key!r}")
            if not isinstance(v, Node):
                raise TypeError(f"{who}: output {key!r} is {type(v).__name__}, not a Value")
            names.append(key)
            nodes.append(v)
        return nodes, names
    if isinstance(out, (tuple, list)) and out:
        for k, v in enumerate(out):
            if not isinstance(v, Node):
                raise TypeError(f"{who}: output [{k}] is {type(v).__name__}, not a Value")
        return list(out), None
    raise TypeError(
        f"{who}: f must return a Value, a tuple or list of Values, or a dict of them, "
        f"not {type(out).__name__}"
    )


def evaluation_order(outputs: Sequence[Node], stop: set[Node]) -> list[Node]:
    """Every node the outputs depend on, not looking past `stop`, each after its operands: an
    iterative depth-first walk, operands left to right (as Python evaluates an expression)."""
    order: list[Node] = []
    seen: set[Node] = set()
    for out in outputs:
        stack: list[tuple[Node, bool]] = [(out, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            if node in stop:
                continue
            stack.extend((p, False) for p in reversed(node.parents) if p not in seen)
    return order


def _leaves_by_first_use(inner: Sequence[Node], skip: set[Node]) -> list[Node]:
    """The leaves that the rows `inner` use, not in `skip`, in the order they first use them."""
    found: dict[Node, None] = {}
    for node in inner:
        for p in node.parents:
            if p.primitive is None and p not in skip:
                found.setdefault(p)
    return list(found)


def of_values(outputs: list[Node], names: list[str] | None, name: str | None) -> Taken:
    """The trace of a graph that exists: rows in evaluation order, leaves as inputs."""
    order = evaluation_order(outputs, set())
    inputs = [n for n in order if n.primitive is None]
    inner = [n for n in order if n.primitive is not None]
    input_names = [_name_of(n) for n in inputs]
    if names is None:
        names = [name] if name is not None else output_names(len(outputs), input_names)
    _check_outputs_named(names, input_names)
    return Taken(inputs, input_names, inner, outputs, names, "evaluation")


# ---- trace(f, *inputs, **named) ------------------------------------------------------------


def _as_input(x: object, name: str, who: str) -> Value:
    if isinstance(x, Value):
        return x
    f = as_float(x)
    if f is None:
        raise TypeError(f"{who}: input {name} must be a number or a Value, not {type(x).__name__}")
    return Value(f, name)


def _bind(
    f: Callable[..., Any], inputs: tuple, named: dict[str, Any], who: str
) -> tuple[list, dict, list[tuple[Value, str]]]:
    """f's arguments with every number made a Value leaf, and each input with its name."""
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):  # a builtin without a signature: x1, x2, … and the keywords
        sig = None
    pairs: list[tuple[Value, str]] = []

    def take(x: object, name: str) -> object:
        if isinstance(x, (list, tuple)):
            return type(x)(take(v, f"{name}[{k}]") for k, v in enumerate(x))
        v = _as_input(x, name, who)
        pairs.append((v, v.label or name))
        return v

    if sig is None:
        args = [take(x, f"x{k}") for k, x in enumerate(inputs, start=1)]
        kwargs = {key: take(x, key) for key, x in named.items()}
        return args, kwargs, pairs
    try:
        bound = sig.bind(*inputs, **named)
    except TypeError as e:
        name = getattr(f, "__name__", "f")
        raise TypeError(f"{who}: {name}{sig} cannot take these inputs: {e}") from None
    for pname, value in bound.arguments.items():
        kind = sig.parameters[pname].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            bound.arguments[pname] = tuple(
                take(x, f"{pname}{k}") for k, x in enumerate(value, start=1)
            )
        elif kind is inspect.Parameter.VAR_KEYWORD:
            bound.arguments[pname] = {key: take(x, key) for key, x in value.items()}
        else:
            bound.arguments[pname] = take(value, pname)
    return list(bound.args), dict(bound.kwargs), pairs


def _program_order(inner: list[Node], tape: list[Node]) -> list[Node]:
    """`inner` in the order the ops ran: nodes made before the call first (in evaluation
    order), then the tape's. Should another thread have interleaved, a topological sort by the
    same keys keeps every op after its operands."""
    when = {node: k for k, node in enumerate(tape)}
    before = {node: k for k, node in enumerate(inner)}
    key = {n: (1, when[n]) if n in when else (0, before[n]) for n in inner}
    ordered = sorted(inner, key=key.__getitem__)
    position = {n: k for k, n in enumerate(ordered)}
    if all(position.get(p, -1) < position[n] for n in ordered for p in n.parents):
        return ordered
    members = set(inner)
    waiting = {n: sum(1 for p in set(n.parents) if p in members) for n in inner}
    users: dict[Node, list[Node]] = {}
    for n in inner:
        for p in set(n.parents):
            if p in members:
                users.setdefault(p, []).append(n)
    ready = [(key[n], k, n) for k, n in enumerate(inner) if waiting[n] == 0]
    heapq.heapify(ready)
    out = []
    while ready:
        _, _, n = heapq.heappop(ready)
        out.append(n)
        for u in users.get(n, ()):
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, (key[u], before[u], u))
    return out


def of_function(f: Callable[..., Any], inputs: tuple, named: dict[str, Any]) -> Taken:
    """Call f on the inputs (numbers become labelled leaves) and record its ops in order."""
    who = "trace"
    args, kwargs, pairs = _bind(f, inputs, named, who)
    seen: dict[Value, str] = {}
    for v, name in pairs:
        if v in seen:
            raise ValueError(
                f"{who}: inputs {seen[v]} and {name} are the same Value; each input is "
                "differentiated on its own, so pass it once (or a copy: Value(x.data))"
            )
        seen[v] = name
    with enable_grad(), taping() as tape:  # a trace records, even inside no_grad
        out = f(*args, **kwargs)
    outputs, names = split_outputs(out, who)
    arguments: list[Node] = [v for v, _ in pairs]
    stop = set(arguments)
    order = evaluation_order(outputs, stop)
    inner = [n for n in order if n.primitive is not None and n not in stop]
    inner = _program_order(inner, tape)
    free = _leaves_by_first_use(inner, stop)
    for n in outputs:  # an output that is a leaf of its own (a constant) is an input too
        if n.primitive is None and n not in stop and n not in free:
            free.append(n)
    input_names = [name for _, name in pairs] + [_name_of(n) for n in free]
    if names is None:
        names = output_names(len(outputs), input_names)
    _check_outputs_named(names, input_names)
    return Taken([*arguments, *free], input_names, inner, outputs, names, "program")


def valid_name(name: str) -> bool:
    """A Python identifier that is not a keyword (after NFKC, as Python reads identifiers)."""
    return name.isidentifier() and not keyword.iskeyword(unicodedata.normalize("NFKC", name))


__all__ = ["Taken", "evaluation_order", "of_function", "of_values", "output_names"]
