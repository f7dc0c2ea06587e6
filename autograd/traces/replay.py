"""The trace as a program: its forward and adjoint sweeps as straight-line Python (`Trace.code`).

One assignment per primal row, then one per adjoint row. So that the code computes what the
engine computes, value, gradient and error, at any input:
- a row of + − × ÷ (and their forms with a number folded in, and negation) is written with the
  Python operator, which is what the engine runs for them too (`value.py`); the piecewise ops
  (abs, relu, leaky_relu) with their entries' templates, which branch as the forwards do;
- the n-ary rows (sum, mean, dot, logsumexp, softmax) use their entries' code templates, which
  call the engine's correctly rounded `fsum` and its own logsumexp and softmax forwards; the
  outputs of one softmax share one call of its forward (it computes them all at once);
- every other row calls its op's own float forward, `ops.tanh(v4)` → (value, ∂/∂operand);
- a row whose op has a domain (log, sqrt, powers) or divides first runs `checkK(...)`: outside
  the domain it raises the engine's own error, by making the engine apply the op.
The adjoint rows run in the order backward runs them, so that sums of several contributions
are added in the engine's order, to the last bit.
"""

from __future__ import annotations

import builtins
import re
import types
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from .. import ops
from ..node import Node
from ..order import topological_order
from ..value import Value
from . import tables
from .record import valid_name

# The ops written with Python's operators, as value.py writes them out too, and the piecewise
# ops, whose templates branch as their forwards do: a call of the forward would cost ~15% of a
# compiled relu network's step (`make bench`, 1c). tests/test_trace.py pins each to the engine
# at NaN, ±inf, ±0 and subnormal inputs.
INLINE = frozenset(
    {
        ops.ABS,
        ops.RELU,
        ops.LEAKY_RELU,
        ops.ADD,
        ops.SUB,
        ops.MUL,
        ops.DIV,
        ops.ADD_C,
        ops.SUB_C,
        ops.RSUB_C,
        ops.MUL_C,
        ops.DIV_C,
        ops.RDIV_C,
        ops.NEG,
    }
)
# The ops that divide by an operand (which one): the engine refuses 0 there (value.py).
DIVIDES = {ops.DIV: 1, ops.RDIV_C: 0}

_GENERATED = re.compile(r"(vbar|v|d|sm|check)m?\d+(_\d+)?")
RESERVED = frozenset({*ops.CODE_NAMES, "ops", *dir(builtins)})


def sub(i: int) -> str:
    """A code name for row i: v3, vm1 for v₋₁."""
    return f"{i}" if i >= 0 else f"m{-i}"


def _free_name(name: str) -> bool:
    """May `name` be used in the code: an identifier that is no keyword, builtin, name the code
    uses or generates (as Python reads it: after NFKC)."""
    if not isinstance(name, str) or not valid_name(name):
        return False
    n = unicodedata.normalize("NFKC", name)
    return not (n in RESERVED or n.startswith("_") or _GENERATED.fullmatch(n))


def check_name(name: object) -> str:
    """The function's name, refused when it is no identifier, a keyword or a name the code uses."""
    if not isinstance(name, str) or not _free_name(name):
        why = (
            "a Python identifier that is not a keyword"
            if not (isinstance(name, str) and valid_name(name))
            else "a name the code does not use itself (not a builtin, ops, v1, vbar2, d3_0, …)"
        )
        raise ValueError(f"code: name must be {why}, not {name!r:.60}")
    return unicodedata.normalize("NFKC", name)


class Program(NamedTuple):
    """Generated source, the names it needs, and the trace's inputs in argument order."""

    source: str
    namespace: dict[str, Any]
    inputs: list[Node]
    name: str

    def compile(self) -> Callable[..., tuple]:
        namespace = dict(self.namespace)
        exec(compile(self.source, "<chainrule trace>", "exec"), namespace)  # our generated source
        fn = namespace[self.name]
        fn.inputs = list(self.inputs)
        fn.source = self.source
        return fn


def _fill(template: Any, operands: list[str], c: Any, y: str, ds: tuple) -> Any:
    if callable(template):
        return template(operands, c, y, ds)
    if isinstance(template, tuple):
        return tuple(_fill(t, operands, c, y, ds) for t in template)
    return tables.fill(template, operands, repr(c) if c is not None else "", y)


_NUMBER = re.compile(r"-?(\d+\.?\d*(e[-+]?\d+)?|inf)")


def _atomic(expr: str) -> bool:
    """A name or a number: used in place, not given a line of its own."""
    return bool(re.fullmatch(r"[A-Za-z_]\w*", expr) or _NUMBER.fullmatch(expr))


def _times(g: str, d: str) -> str:
    """g · d, with · 1 and · −1 left out (exact: g·1 = g and g·(−1) = −g in IEEE arithmetic)."""
    if d == "1.0":
        return g
    if d == "-1.0":
        return f"-{g}"
    return f"{g} * {d}"


def _engine_apply(op: ops.Op, xs: Sequence[Value], c: Any) -> object:
    """Apply `op` the way a user's code makes the engine apply it."""
    a = xs[0]
    if op is ops.DIV:
        return a / xs[1]
    if op is ops.POW:
        return a ** xs[1]
    if op is ops.RDIV_C:
        return c / a
    if op is ops.POW_C:
        return a**c
    method = getattr(Value, op.name, None)
    if op.arity == 1 and callable(method):
        return method(a) if c is None else method(a, c)
    return None


def _checker(op: ops.Op, c: Any, parents: Sequence[Node]) -> Callable[..., None]:
    """checkK(*operands): raises the error the engine raises for these operands, if any."""
    labels = [p.label for p in parents]
    zero = DIVIDES.get(op)
    domain = op.domain

    def check(*xs: float) -> None:
        why: str | None
        if zero is not None and xs[zero] == 0.0:
            why = "divides by 0"
        elif domain is not None:
            why = domain(*xs) if c is None else domain(*xs, c)
            if why is None:
                return
        else:
            return
        _engine_apply(op, [Value(x, label) for x, label in zip(xs, labels)], c)  # raises
        raise ValueError(f"{op.show(c)}: operand = {xs[0]!r} {why}")  # should it not

    return check


def program(trace: Any, name: str, extra: Sequence[Node], output: int | str | None) -> Program:
    """The code of `trace`'s sweeps for one output's gradient, with `extra` nodes' values."""
    fname = check_name(name)
    out = _which_output(trace, output)
    extra = list(extra)
    for k, node in enumerate(extra):
        if not isinstance(node, Node) or node not in trace.index:
            raise ValueError(f"code: extra[{k}] is not a node of this trace")
    namespace: dict[str, Any] = dict(ops.CODE_NAMES)
    used = {r.node.primitive for r in trace.rows[len(trace.inputs) :]}
    namespace["ops"] = types.SimpleNamespace(**{op.name: op.forward for op in used})
    n = len(trace.inputs)

    def var(i: int) -> str:
        return f"v{sub(i)}"

    params, taken = [], {fname}
    for x, label in zip(trace.inputs, trace.input_names):
        cand = unicodedata.normalize("NFKC", label) if label else ""
        if cand and _free_name(cand) and cand not in taken:
            params.append(cand)
            taken.add(cand)
        else:
            params.append(var(trace.index[x]))
    lines = [
        f"def {fname}({', '.join(params)}):",
        f'    """y = v{sub(trace.outputs[out])} and its gradient; vm1 is v₋₁, vbar3 is v̄₃, '
        "d3_0 is ∂v₃/∂(its operand 0);",
        "    ops.NAME is the op table's float forward, checkK the engine's domain check of row K."
        '"""',
    ]
    renamed = [(var(trace.index[x]), p) for x, p in zip(trace.inputs, params)]
    renamed = [(v, p) for v, p in renamed if v != p]
    if renamed:
        lines.append(f"    {', '.join(v for v, _ in renamed)} = {', '.join(p for _, p in renamed)}")
    lines.append("    # forward sweep: each row's value and its local derivatives")
    derivative: dict[tuple[int, int], str] = {}
    softmaxes: dict[tuple[int, ...], str] = {}
    for r in trace.rows[n:]:
        node = r.node
        op, c = node.primitive, node.param
        operands = [var(i) for i in r.parents]
        y = var(r.index)
        if op.domain is not None or op in DIVIDES:
            check = f"check{sub(r.index)}"
            namespace[check] = _checker(op, c, node.parents)
            lines.append(f"    {check}({', '.join(operands)})")
        if op is ops.SOFTMAX:  # one call of the forward gives every output of the softmax
            shared = softmaxes.get(r.parents)
            if shared is None:
                shared = softmaxes[r.parents] = f"sm{sub(r.index)}"
                lines.append(f"    {shared} = softmax([{', '.join(operands)}])")
            dname = f"d{sub(r.index)}"
            lines.append(f"    {y}, {dname} = {shared}[{c}]")
            for j in range(len(r.parents)):
                derivative[r.index, j] = f"{dname}[{j}]"
            continue
        if op not in INLINE and op.arity != 0:  # the entry's own forward: (value, ∂/∂operand …)
            ds = [f"d{sub(r.index)}_{j}" for j in range(len(r.parents))]
            args = operands + ([repr(c)] if c is not None else [])
            lines.append(f"    {y}, {', '.join(ds)} = ops.{op.name}({', '.join(args)})")
            for j, d in enumerate(ds):
                derivative[r.index, j] = d
            continue
        notation = op.notation
        value = _fill(notation.code, operands, c, y, r.local)
        if notation.pair:
            dname = f"d{sub(r.index)}"
            lines.append(f"    {y}, {dname} = {value}")
            for j in range(len(r.parents)):
                derivative[r.index, j] = f"{dname}[{j}]"
            continue
        lines.append(f"    {y} = {value}")
        for j, expr in enumerate(_fill(notation.dcode, operands, c, y, r.local)):
            if _atomic(expr):
                derivative[r.index, j] = expr
            else:
                dname = f"d{sub(r.index)}_{j}"
                lines.append(f"    {dname} = {expr}")
                derivative[r.index, j] = dname
    reverse, reached = _reverse(trace, out, derivative)
    lines += reverse
    grads = ", ".join(
        f"vbar{sub(trace.index[x])}" if trace.index[x] in reached else "0.0" for x in trace.inputs
    )
    result = f"{var(trace.outputs[out])}, [{grads}]"
    if extra:
        result += ", [" + ", ".join(var(trace.index[node]) for node in extra) + "]"
    lines.append(f"    return {result}")
    return Program("\n".join(lines) + "\n", namespace, list(trace.inputs), fname)


def _which_output(trace: Any, output: int | str | None) -> int:
    m = len(trace.outputs)
    if output is None:
        if m != 1:
            raise ValueError(
                f"code: this trace has {m} outputs; say whose gradient the code computes: "
                f"output= one of {', '.join(map(repr, trace.output_names))} or 0 … {m - 1}"
            )
        return 0
    if isinstance(output, str):
        if output not in trace.output_names:
            raise ValueError(f"code: {output!r:.60} is not an output of this trace")
        return trace.output_names.index(output)
    if isinstance(output, bool) or not isinstance(output, int) or not 0 <= output < m:
        raise ValueError(f"code: output must be an output's name or 0 … {m - 1}, not {output!r}")
    return output


def _reverse(
    trace: Any, out: int, derivative: dict[tuple[int, int], str]
) -> tuple[list[str], set[int]]:
    """The adjoint rows of one output, v̄ᵢ = v̄ᵢ + v̄ₖ · ∂vₖ/∂vᵢ, in the order backward runs,
    and the rows they reach."""
    root = trace.row(trace.outputs[out]).node
    lines = ["    # reverse sweep: v̄ᵢ = v̄ᵢ + v̄ₖ · ∂vₖ/∂vᵢ, in the order backward runs"]
    k0 = trace.index[root]
    lines.append(f"    vbar{sub(k0)} = 1.0")
    reached = {k0}
    for node in reversed(topological_order(root)):
        k = trace.index.get(node)
        if k is None or k <= 0 or k not in reached:
            continue
        for j, p in enumerate(node.parents):
            i = trace.index[p]
            target = f"vbar{sub(i)}"
            term = _times(f"vbar{sub(k)}", derivative[k, j])
            if i in reached:
                lines.append(f"    {target} = {target} + {term}")
            else:
                lines.append(f"    {target} = {term}")
                reached.add(i)
    return lines, reached


__all__ = ["INLINE", "Program", "check_name", "program", "sub"]
