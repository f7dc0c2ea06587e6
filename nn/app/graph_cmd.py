"""`chainrule graph EXPR --at x=…`: build an expression from Values, print h and every ∂h/∂var."""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from autograd import Value
from autograd.files import write_atomic
from autograd.graph import SAVE_SUFFIXES, draw

from .command import RunError, UsageError, full_precision, subcommand
from .expr import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, BindingError, DomainError, ExprError, parse

NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")


def parse_at(items: Sequence[str] | None) -> dict[str, float]:
    """`["x=0.5,y=2"]` → {"x": 0.5, "y": 2.0}; UsageError names a malformed or repeated entry."""
    values: dict[str, float] = {}
    for item in items or ():
        for part in item.split(","):
            part = part.strip()
            if not part:
                raise UsageError(f"--at {item!r}: empty entry (expected NAME=NUMBER,...)")
            name, eq, number = part.partition("=")
            name, number = name.strip(), number.strip()
            if not eq or not NAME.fullmatch(name):
                raise UsageError(
                    f"--at: {part!r} is not NAME=NUMBER "
                    "(a name is letters and digits, starting with a letter)"
                )
            try:
                x = float(number)
            except ValueError:
                raise UsageError(f"--at: {part!r}: {number!r} is not a number") from None
            if not math.isfinite(x):
                raise UsageError(f"--at: {part!r}: the value must be a finite number")
            if name in values:
                raise UsageError(f"--at: {name} is given twice")
            values[name] = x
    return values


def cmd_graph(args: argparse.Namespace) -> int:
    """Build EXPR from Values at the point --at, run backward, print h and every ∂h/∂var."""
    text = read_stdin_expr() if args.expr == "-" else args.expr
    try:
        expr = parse(text)
    except ExprError as e:
        raise UsageError(f"rejected expression: {e}") from None
    at = parse_at(args.at)
    if args.out is not None:
        _check_graph_path(args.out, args.dot)
    try:
        h, leaves = expr.evaluate(at)
    except BindingError as e:
        known = ", ".join(expr.variables) or "none"
        raise UsageError(f"{e} (the expression's variables: {known})") from None
    except DomainError as e:
        raise RunError(str(e)) from None
    h.backward()
    # With DOT on standard output, the numbers go to standard error so `> graph.dot` is DOT.
    report = sys.stderr if args.dot and args.out is None else sys.stdout
    name = expr.output_name
    print(f"{name}({', '.join(expr.variables)}) = {text.strip()}", file=report)
    if at:
        print("at " + ", ".join(f"{v}={full_precision(x)}" for v, x in at.items()), file=report)
    print(f"{name} = {full_precision(h.data)}", file=report)
    for var, leaf in leaves.items():
        print(f"d{name}/d{var} = {full_precision(leaf.grad)}", file=report)
    if args.out is not None or args.dot:
        _write_graph(h, args.out, args.dot)
    return 0


def read_stdin_expr() -> str:
    """EXPR `-`: the expression from standard input, read no further than the length limit."""
    text = sys.stdin.read(MAX_LENGTH + 2)
    text = text[:-2] if text.endswith("\r\n") else text.removesuffix("\n")
    if len(text) > MAX_LENGTH:
        raise UsageError(
            f"rejected expression: standard input holds more than {MAX_LENGTH} characters; "
            f"the limit is {MAX_LENGTH}"
        )
    return text


def _check_graph_path(out: Path, dot: bool) -> None:
    """Refuse an --out the graph cannot be saved to, before any work is done."""
    if not dot and out.suffix.lower() not in SAVE_SUFFIXES:
        raise UsageError(
            f"--out {str(out)!r}: the suffix names the format and must be one of "
            f"{', '.join(SAVE_SUFFIXES)} (or give --dot to write DOT text to any name)"
        )
    parent = out.parent
    if not parent.is_dir():
        raise RunError(
            f"cannot write the graph to {str(out)!r}: {str(parent)!r} is not a directory"
        )
    if out.is_dir():
        raise RunError(f"cannot write the graph to {str(out)!r}: it is a directory")


def _write_graph(h: Value, out: Path | None, dot: bool) -> None:
    """The graph of `h` as SVG (or DOT with --dot) to `out`, or DOT to stdout without --out."""
    try:
        graph = draw(h)
    except ValueError as e:  # e.g. more nodes than draw's max_nodes
        raise RunError(f"cannot draw the graph: {e}") from None
    if out is None:
        print(graph.source, end="" if graph.source.endswith("\n") else "\n")
        return
    try:
        if dot:
            write_atomic(out, graph.source)
        else:
            graph.save(out)
    except (OSError, ValueError, RuntimeError) as e:
        raise RunError(f"cannot write the graph to {str(out)!r}: {e}") from None
    print(f"graph written to {out}")


def add_to(sub: argparse._SubParsersAction) -> None:
    """Add `graph` and its options to the `chainrule` subparsers."""
    graph = subcommand(
        sub,
        "graph",
        cmd_graph,
        "build an expression from Values and print its derivatives",
        (
            "Build EXPR from Values, one labelled leaf per variable, run backward and print the\n"
            "value h and every partial derivative dh/dVAR, in the order the variables appear.\n\n"
            "EXPR may use numbers, variables (letters and digits, starting with a letter),\n"
            "+ - * / **, unary -, parentheses and the functions\n"
            f"  {' '.join(FUNCTIONS)}\n"
            "(one argument each). Anything else is rejected with exit status 2 and a caret\n"
            "under the offending part; so are expressions longer than "
            f"{MAX_LENGTH} characters,\n"
            f"nested deeper than {MAX_DEPTH} levels, or with numbers beyond ±1e308. The text is "
            "read\nas data by Python's ast module and never executed.\n\n"
            "Every variable needs a value in --at; a value for a name the expression does not\n"
            "use is an error too (it is usually a typo). A domain error at the point (log of a\n"
            "negative number, division by zero) exits with status 1 and the engine's message."
        ),
        (
            "examples:\n"
            '  chainrule graph "exp((2*x+3)**2)" --at x=0.1\n'
            '  chainrule graph "sigmoid(w*x + b)" --at w=0.5,x=2,b=-1 --out neuron.svg\n'
            '  chainrule graph "x*y + sin(x)" --at x=1 --at y=2 --dot > graph.dot\n'
            '  chainrule graph --at x=3 -- "-x**2"    (an EXPR starting with - goes after --)\n'
            "  chainrule graph - --at x=1,y=2 < expression.txt"
        ),
    )
    graph.add_argument(
        "expr",
        metavar="EXPR",
        help="the expression, quoted for the shell, or - to read it from standard input",
    )
    graph.add_argument(
        "--at",
        action="append",
        metavar="NAME=NUMBER,...",
        help="the point: values of the variables, comma-separated; may be repeated "
        "(default: none, for an expression without variables)",
    )
    graph.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="also write the graph with local derivatives on its edges: SVG, or DOT for a .dot "
        "suffix (default: not written)",
    )
    graph.add_argument(
        "--dot",
        action="store_true",
        help="write Graphviz DOT text instead of SVG: to FILE with --out, else to standard "
        "output, with the numbers moved to standard error (default: off)",
    )
