"""`chainrule graph EXPR --at x=…`: build an expression from Values, print h and every ∂h/∂var."""

from __future__ import annotations

import argparse
import contextlib
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from autograd import Value, topological_order
from autograd.drawing.graph import SAVE_SUFFIXES, draw
from autograd.files import write_atomic

from .command import RunError, UsageError, full_precision, subcommand
from .expr import (
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    BindingError,
    DomainError,
    ExprError,
    parse,
)

NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
ASSIGNMENT = re.compile(r"\s*[A-Za-z][A-Za-z0-9]*\s*=(?!=)")  # `x=2`: meant for --at
MAX_NODES = 500  # as autograd's draw
_TAKES_VALUE = ("--at", "--out", "--max-nodes", "--tangent", "--format", "--digits")  # + trace
_NEGATIVE_NUMBER = re.compile(r"-\d+|-\d*\.\d+")  # what argparse itself reads as a positional


def expr_after_double_dash(argv: list[str]) -> list[str]:
    """`graph "-x**2" --at x=3` as `graph --at x=3 -- "-x**2"` (and so for `trace`): argparse
    would take an EXPR starting with - for an unknown option."""
    if argv[:1] not in (["graph"], ["trace"]) or "--" in argv:
        return argv
    candidates, skip = [], False
    for i, arg in enumerate(argv[1:], start=1):
        if skip:
            skip = False
        elif arg.startswith("--"):  # an option, maybe abbreviated, maybe with its value
            skip = "=" not in arg and any(o.startswith(arg) for o in _TAKES_VALUE)
        elif arg.startswith("-") and arg not in ("-", "-h") and not _NEGATIVE_NUMBER.fullmatch(arg):
            candidates.append(i)
    if len(candidates) != 1:
        return argv
    (i,) = candidates
    return [*argv[:i], *argv[i + 1 :], "--", argv[i]]


def spaced_at(at: Sequence[str] | None, words: Sequence[str]) -> str | None:
    """The message for `--at w=1 x=2`: values separated by a space instead of a comma."""
    stray = [w for w in words if ASSIGNMENT.match(w)]
    if not at or not stray:
        return None
    return (
        f"{stray[0]!r} looks like a value for --at, but --at takes one argument: separate "
        f"the values with commas (--at {','.join([*at, *stray])}) or repeat --at"
    )


def _quote_path(path: Path) -> str:
    text = str(path)
    return repr(text if len(text) <= 80 else text[:60] + "…" + text[-10:])


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
                x = float(number) if eq else default
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


def cmd_graph(args: argparse.Namespace) -> int:
    """Build EXPR from Values at the point --at, run backward, print h and every ∂h/∂var."""
    text = read_stdin_expr() if args.expr == "-" else args.expr
    try:
        expr = parse(text)
    except ExprError as e:
        hint = spaced_at(args.at, [text]) if args.expr != "-" else None
        raise UsageError(hint or f"rejected expression: {e}") from None
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
        _write_graph(h, args.out, args.dot, args.max_nodes)
    return 0


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


def _check_graph_path(out: Path, dot: bool) -> None:
    """Refuse an --out the graph cannot be saved to, before any work is done."""
    if not dot and out.suffix.lower() not in SAVE_SUFFIXES:
        raise UsageError(
            f"--out {str(out)!r}: the suffix names the format and must be one of "
            f"{', '.join(SAVE_SUFFIXES)} (or give --dot to write DOT text to any name)"
        )
    parent = out.parent
    try:
        if not parent.is_dir():
            raise RunError(
                f"cannot write the graph to {_quote_path(out)}: "
                f"{_quote_path(parent)} is not a directory"
            )
        if out.is_dir():
            raise RunError(f"cannot write the graph to {_quote_path(out)}: it is a directory")
    except OSError as e:  # a name too long, a folder that cannot be searched, …
        raise RunError(f"cannot write the graph to {_quote_path(out)}: {e.strerror}") from None


def _write_graph(h: Value, out: Path | None, dot: bool, max_nodes: int = MAX_NODES) -> None:
    """The graph of `h` as SVG (or DOT with --dot) to `out`, or DOT to stdout without --out."""
    n = len(topological_order(h))
    if n > max_nodes:
        raise RunError(
            f"cannot draw the graph: it has {n} values, more than --max-nodes {max_nodes}; "
            f"draw a shorter expression or raise the limit with --max-nodes {n}"
        )
    try:
        graph = draw(h, max_nodes=max_nodes)
    except ValueError as e:
        raise RunError(f"cannot draw the graph: {e}") from None
    if out is None:
        print(graph.source, end="" if graph.source.endswith("\n") else "\n")
        return
    try:
        if dot:
            write_atomic(out, graph.source)
        else:
            graph.save(out)
    except OSError as e:
        raise RunError(f"cannot write the graph to {_quote_path(out)}: {e.strerror or e}") from None
    except (ValueError, RuntimeError) as e:
        raise RunError(f"cannot write the graph to {_quote_path(out)}: {e}") from None
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
            "EXPR may use numbers, the constants pi and e, variables (letters and digits,\n"
            "starting with a letter), + - * / **, unary -, parentheses and the functions\n"
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
            '  chainrule graph "-x**2" --at x=3       (or: chainrule graph --at x=3 -- "-x**2")\n'
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
    graph.add_argument(
        "--max-nodes",
        type=_positive_int,
        default=MAX_NODES,
        metavar="N",
        help=f"draw graphs of at most N values, a bigger one is an error (default: {MAX_NODES})",
    )


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {n}")
    return n
