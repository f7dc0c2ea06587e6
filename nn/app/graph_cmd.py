"""`chainrule graph EXPR --at x=…`: build an expression from Values, print h and every ∂h/∂var."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from autograd import Value, topological_order
from autograd.drawing import render
from autograd.drawing.graph import SAVE_SUFFIXES, draw
from autograd.files import check_target, write_atomic

from .command import RunError, UsageError, full_precision, subcommand
from .expr import MAX_DEPTH, MAX_LENGTH, functions
from .expr_cmd import at_point, parse_at, read_expr, report_not_finite

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


def cmd_graph(args: argparse.Namespace) -> int:
    """Build EXPR from Values at the point --at, run backward, print h and every ∂h/∂var;
    exit status 1 (after printing) when one of them is inf or NaN."""
    text, expr = read_expr(args)
    at = parse_at(args.at)
    if args.out is not None:
        check_graph_path(args.out, args.dot)
    h, leaves = at_point(expr, at)
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
    report.flush()
    grads = {var: leaf.grad for var, leaf in leaves.items()}
    return report_not_finite("graph", expr, h, grads)


DOT_SUFFIXES = (".dot", ".gv")  # DOT text
NEEDS_DOT = (".png", ".pdf")  # drawn by the system Graphviz `dot` only


def formats() -> str:
    """The formats --out can write, and whether the system `dot` is here for PNG and PDF."""
    here = "found on PATH here" if render.system_dot() else "not found on PATH here"
    pictures = [s for s in SAVE_SUFFIXES if s not in DOT_SUFFIXES and s not in NEEDS_DOT]
    return (
        f"  {', '.join(pictures)}: always (Graphviz compiled to WebAssembly draws it)\n"
        f"  {', '.join(DOT_SUFFIXES)}: the DOT text\n"
        f"  {', '.join(NEEDS_DOT)}: only with the system Graphviz `dot` ({here})"
    )


def check_graph_path(out: str, dot: bool) -> None:
    """Refuse an --out the graph cannot be saved to, before any number is printed: a suffix
    that names no format (or, with --dot, another format than DOT), PNG or PDF without the
    system `dot`, a path that cannot be written (autograd.files.check_target)."""
    suffix = Path(out).suffix.lower()
    if dot and suffix in SAVE_SUFFIXES and suffix not in DOT_SUFFIXES:
        raise UsageError(
            f"--out {_quote(out)} with --dot would write DOT text into a {suffix} file: name it "
            f"{_quote(str(Path(out).with_suffix('.dot')))}, or leave out --dot to write {suffix}"
        )
    if not dot and suffix not in SAVE_SUFFIXES:
        raise UsageError(
            f"--out {_quote(out)}: the suffix names the format and must be one of "
            f"{', '.join(SAVE_SUFFIXES)} (or give --dot to write DOT text to any name)"
        )
    if not dot and suffix in NEEDS_DOT and not render.system_dot():
        raise RunError(
            f"cannot write the graph to {_quote(out)}: {suffix[1:].upper()} needs the system "
            f"Graphviz `dot` program, which is not on PATH: {render.INSTALL_HINT}. "
            f"{', '.join(s for s in SAVE_SUFFIXES if s not in NEEDS_DOT)} work without it."
        )
    try:
        check_target(out)
    except OSError as e:
        raise RunError(_without_errno(e)) from None


def _without_errno(e: OSError) -> str:
    """An OSError's message without Python's `[Errno N]` prefix."""
    return re.sub(r"^\[Errno \d+\] ", "", str(e))


def _quote(path: str) -> str:
    return repr(path if len(path) <= 80 else path[:60] + "…" + path[-10:])


def _write_graph(h: Value, out: str | None, dot: bool, max_nodes: int = MAX_NODES) -> None:
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
        raise RunError(f"cannot write the graph to {_quote(out)}: {_without_errno(e)}") from None
    except (ValueError, RuntimeError) as e:
        raise RunError(f"cannot write the graph to {_quote(out)}: {e}") from None
    print(f"graph written to {out}")


DESCRIPTION = """\
Build EXPR from Values, one labelled leaf per variable, run backward and print the
value h and every partial derivative dh/dVAR, in the order the variables appear.

EXPR may use numbers, the constants pi and e, variables (letters and digits,
starting with a letter), + - * / **, unary -, parentheses and the functions
{functions}
(one argument each: the engine's op table). Anything else is rejected with exit status
2 and a caret under the offending part; so are expressions longer than {max_length}
characters, nested deeper than {max_depth} levels, or with numbers beyond ±1e308. The
text is read as data by Python's ast module and never executed.

Every variable needs a value in --at; a value for a name the expression does not
use is an error too (it is usually a typo). A domain error at the point (log of a
negative number, division by zero) exits with status 1 and the engine's message; so
does a number that comes out inf or nan (an overflow, as exp(1000), or an infinite
derivative, as sqrt at 0), after the numbers are printed, with a word saying where.

--out FILE writes the picture in the format FILE's suffix names:
{formats}"""

EPILOG = """\
examples:
  chainrule graph "exp((2*x+3)**2)" --at x=0.1
  chainrule graph "sigmoid(w*x + b)" --at w=0.5,x=2,b=-1 --out neuron.svg
  chainrule graph "x*y + sin(x)" --at x=1 --at y=2 --dot > graph.dot
  chainrule graph "-x**2" --at x=3       (or: chainrule graph --at x=3 -- "-x**2")
  chainrule graph - --at x=1,y=2 < expression.txt"""


def add_to(sub: argparse._SubParsersAction) -> None:
    """Add `graph` and its options to the `chainrule` subparsers."""
    description = DESCRIPTION.format(
        functions="  " + " ".join(functions()),
        max_length=MAX_LENGTH,
        max_depth=MAX_DEPTH,
        formats=formats(),
    )
    graph = subcommand(
        sub,
        "graph",
        cmd_graph,
        "build an expression from Values and print its derivatives",
        description,
        EPILOG,
    )
    add_expr_and_point(graph)
    add_output(graph)


def add_expr_and_point(p: argparse.ArgumentParser) -> None:
    """EXPR and --at, as `graph` and `trace` take them."""
    p.add_argument(
        "expr",
        metavar="EXPR",
        help="the expression, quoted for the shell, or - to read it from standard input",
    )
    p.add_argument(
        "--at",
        action="append",
        metavar="NAME=NUMBER,...",
        help="the point: values of the variables, comma-separated; may be repeated "
        "(default: none, for an expression without variables)",
    )


def add_output(p: argparse.ArgumentParser) -> None:
    """--out, --dot and --max-nodes: where the picture goes."""
    p.add_argument(
        "--out",
        metavar="FILE",
        help="also write the graph with local derivatives on its edges, in the format the "
        "suffix names: .svg, .dot/.gv, .png/.pdf (with the system dot) (default: not written)",
    )
    p.add_argument(
        "--dot",
        action="store_true",
        help="write Graphviz DOT text instead of a picture: to FILE with --out (any name but "
        "another format's suffix), else to standard output, with the numbers moved to "
        "standard error (default: off)",
    )
    p.add_argument(
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
