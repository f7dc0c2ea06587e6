"""What the expression commands, `graph` and `trace`, share: EXPR read (from the command line or
standard input) and parsed, the point `--at` read, the expression evaluated there with its
errors mapped to exit statuses, and a word when a number comes out infinite or NaN.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import re
import sys
from collections.abc import Iterator, Mapping, Sequence

from autograd import Value, topological_order
from autograd.node import Node

from .command import RunError, UsageError
from .expr import MAX_LENGTH, BindingError, DomainError, Expr, ExprError, parse

NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
ASSIGNMENT = re.compile(r"\s*[A-Za-z][A-Za-z0-9]*\s*=(?!=)")  # `x=2`: meant for --at
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def read_expr(args: argparse.Namespace) -> tuple[str, Expr]:
    """EXPR (`-`: from standard input) and its parsed form; UsageError if it is rejected."""
    text = read_stdin_expr() if args.expr == "-" else args.expr
    try:
        return text, parse(text)
    except ExprError as e:
        hint = spaced_at(args.at, [text]) if args.expr != "-" else None
        raise UsageError(hint or f"rejected expression: {e}") from None


def at_point(expr: Expr, at: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """`expr.evaluate(at)` with its errors as the commands report them."""
    with reported(expr.variables):
        return expr.evaluate(at)


@contextlib.contextmanager
def reported(variables: Sequence[str], what: str = "the expression's variables") -> Iterator[None]:
    """Evaluating at the point: a BindingError (the point does not match `variables`) as a
    UsageError naming them (exit 2), a DomainError as a RunError (exit 1)."""
    try:
        yield
    except BindingError as e:
        said = "did you mean" in str(e)  # the variable is named already
        known = ", ".join(variables) or "none"
        raise UsageError(f"{e}" if said else f"{e} ({what}: {known})") from None
    except DomainError as e:
        raise RunError(str(e)) from None


def not_finite(
    expr: Expr, h: Value, grads: Mapping[str, float], name: str | None = None
) -> str | None:
    """The word to say when h (called `name`, default `expr.output_name`) or a derivative is
    inf or NaN (an overflow, an infinite local derivative), naming the part of the expression
    where it starts; None when all are finite."""
    name = expr.output_name if name is None else name
    bad = [name] if not math.isfinite(h.data) else []
    bad += [f"d{name}/d{v}" for v, g in grads.items() if not math.isfinite(g)]
    if not bad:
        return None
    order = topological_order(h)
    if not math.isfinite(h.data):
        first = next(n for n in order if not math.isfinite(n.data))
        if all(math.isfinite(p.data) for p in first.parents):
            why = (
                f"{_part(first, h, expr)} overflowed to {first.data!r} (a float stops at ±1.8e308)"
            )
        else:
            why = f"{_part(first, h, expr)} is {first.data!r}"
    else:
        steep = next((n for n in order if not all(math.isfinite(d) for d in n.local_grads)), None)
        why = (
            f"the local derivative of {_part(steep, h, expr)} is infinite at this point"
            if steep is not None
            else "the product of the local derivatives overflowed (a float stops at ±1.8e308)"
        )
    are = "is" if len(bad) == 1 else "are"
    return f"{' and '.join(bad)} {are} not finite: {why}; choose a point where they stay finite"


def _part(node: Node, h: Value, expr: Expr) -> str:
    """The part of the expression a node computes, as its label (or the text, for h) says."""
    text = expr.text.strip() if node is h else node.label
    if not text:
        return f"an op {node.op}"
    return f"`{text if len(text) <= 40 else text[:37] + '...'}`"


def report_not_finite(
    command: str, expr: Expr, h: Value, grads: Mapping[str, float], name: str | None = None
) -> int:
    """After the numbers are printed: the word on standard error and exit status 1 when a
    number is inf or NaN, else 0."""
    word = not_finite(expr, h, grads, name)
    if word is None:
        return 0
    print(f"chainrule {command}: error: {word}", file=sys.stderr)
    return 1


def spaced_at(at: Sequence[str] | None, words: Sequence[str]) -> str | None:
    """The message for `--at w=1 x=2` (values separated by a space instead of a comma) or
    `--at x 3` (a space instead of `=`)."""
    stray = [w for w in words if ASSIGNMENT.match(w)]
    if at and stray:
        return (
            f"{stray[0]!r} looks like a value for --at, but --at takes one argument: separate "
            f"the values with commas (--at {','.join([*at, *stray])}) or repeat --at"
        )
    if at and words and "=" not in at[-1] and _NUMBER.fullmatch(words[-1] if words else ""):
        name, number = at[-1].strip(), words[-1]
        if NAME.fullmatch(name):
            return f"--at {name} {number}: write the value with =, as --at {name}={number}"
    return None


def assignments(
    items: Sequence[str] | None, option: str, default: float | None = None
) -> dict[str, float]:
    """`["x=0.5,y=2"]` → {"x": 0.5, "y": 2.0}, for `option` (--at, --tangent); a bare NAME
    takes `default` (None: NAME=NUMBER is required). UsageError names a malformed, non-finite or
    repeated entry."""
    form = "NAME=NUMBER" if default is None else "NAME or NAME=NUMBER"
    values: dict[str, float] = {}
    for item in items or ():
        for part in item.split(","):
            part = part.strip()
            if not part:
                raise UsageError(f"{option} {item!r}: empty entry (expected {form},...)")
            name, eq, number = (s.strip() for s in part.partition("="))
            if (not eq and default is None) or not NAME.fullmatch(name):
                raise UsageError(
                    f"{option}: {part!r} is not {form} "
                    "(a name is letters and digits, starting with a letter)"
                )
            try:
                x = float(number) if eq or default is None else default
            except ValueError:
                raise UsageError(f"{option}: {part!r}: {number!r} is not a number") from None
            if not math.isfinite(x):
                raise UsageError(f"{option}: {part!r}: the value must be a finite number")
            if name in values:
                raise UsageError(f"{option}: {name} is given twice")
            values[name] = x
    return values


def parse_at(items: Sequence[str] | None) -> dict[str, float]:
    """`["x=0.5,y=2"]` → {"x": 0.5, "y": 2.0}; UsageError names a malformed or repeated entry."""
    return assignments(items, "--at")


def read_stdin_expr() -> str:
    """EXPR `-`: the expression from standard input, read no further than the length limit."""
    stdin = sys.stdin
    if stdin is None:  # started with standard input closed (`<&-`)
        raise UsageError("EXPR is -, but standard input is closed: pipe the expression in")
    with contextlib.suppress(AttributeError, OSError, ValueError):
        stdin.reconfigure(errors="surrogateescape")  # a bad byte gets a caret, as in argv
    try:
        text = stdin.read(MAX_LENGTH + 2)
    except (OSError, ValueError) as e:
        raise RunError(f"cannot read the expression from standard input: {e}") from None
    text = text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")
    if len(text) > MAX_LENGTH:
        raise UsageError(
            f"rejected expression: standard input holds more than {MAX_LENGTH} characters; "
            f"the limit is {MAX_LENGTH}"
        )
    return text
