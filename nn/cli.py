"""The `chainrule` command line: `demo`, `graph EXPR` and `check`.

Exit status: 0 on success; 1 when the work itself fails (a domain error at the given point, a
file that cannot be written, an equation of the register that does not hold); 2 for bad
usage (unknown options, a rejected expression, malformed `--at` or `--ids`).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from autograd.files import write_atomic

from .demo import DemoError, run_demo
from .expr import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, BindingError, DomainError, ExprError, parse

PROG = "chainrule"
NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")


class UsageError(Exception):
    """Bad input on the command line: exit status 2."""


class RunError(Exception):
    """The command could not do its work: exit status 1."""


# ---- shared helpers ------------------------------------------------------------------------


def _num(x: float) -> str:
    """Full precision (the shortest text that reads back as the same float)."""
    return repr(float(x))


# ---- chainrule graph -----------------------------------------------------------------------


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
    text = _read_stdin_expr() if args.expr == "-" else args.expr
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
        print("at " + ", ".join(f"{v}={_num(x)}" for v, x in at.items()), file=report)
    print(f"{name} = {_num(h.data)}", file=report)
    for var, leaf in leaves.items():
        print(f"d{name}/d{var} = {_num(leaf.grad)}", file=report)
    if args.out is not None or args.dot:
        _write_graph(h, args.out, args.dot)
    return 0


def _read_stdin_expr() -> str:
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
    from autograd.draw import SAVE_SUFFIXES

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


def _write_graph(h: object, out: Path | None, dot: bool) -> None:
    """The graph of `h` as SVG (or DOT with --dot) to `out`, or DOT to stdout without --out."""
    from autograd import draw

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


# ---- chainrule check -----------------------------------------------------------------------


def parse_ids(text: str | None, known: Sequence[str]) -> list[str] | None:
    """`"000-2,004-5"` (or a note prefix like `004`) → the ids in register order; None = all."""
    if text is None:
        return None
    wanted: list[str] = []
    unknown: list[str] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if part in known:
            matches = [part]
        elif re.fullmatch(r"\d{3}", part):
            matches = [k for k in known if k.startswith(part + "-")]
        else:
            matches = []
        if not matches:
            unknown.append(part)
        wanted.extend(m for m in matches if m not in wanted)
    if unknown:
        raise UsageError(
            "unknown equation id(s): " + ", ".join(unknown) + f" (known: {_id_span(known)})"
        )
    if not wanted:
        raise UsageError("--ids names no equation")
    return wanted


def _id_span(known: Sequence[str]) -> str:
    return f"{len(known)} ids, {known[0]} … {known[-1]}" if known else "none"


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def cmd_check(args: argparse.Namespace) -> int:
    """Run the notes' equation register and print one line per id; 0 when every claim holds."""
    try:
        from . import notes
    except ImportError as e:
        raise RunError(f"the notes register (nn.notes) is not available: {e}") from None
    known = list(notes.REGISTER)
    ids = parse_ids(args.ids, known)
    try:
        results = notes.run(ids)
    except Exception as e:  # a failing register entry is reported, not a traceback
        raise RunError(f"the register failed: {type(e).__name__}: {e}") from None
    width = max((len(r.id) for r in results), default=0)
    failed = flagged = 0
    for r in results:
        if not r.holds:
            mark = "✗ FAILS"
            failed += 1
        elif r.notes_wrong:
            mark = "✗ notes wrong"
            flagged += 1
        else:
            mark = "✓"
        line = (
            f"{r.id:<{width}}  {mark:<13}  {_one_line(r.words)}"
            f"  | engine: {_one_line(r.engine)}  | notes: {_one_line(r.notes)}"
        )
        if (r.notes_wrong or not r.holds) and r.detail:
            line += f"  | {_one_line(r.detail)}"
        print(line)
    held = len(results) - failed
    print(
        f"{len(results)} equations checked: {held} hold, {failed} fail; "
        f"{flagged} lines of the notes are wrong (✗ notes wrong: the correction holds)"
    )
    return 0 if failed == 0 else 1


# ---- chainrule demo ------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    """Train MLP(2, [16, 16, 1]) on two moons with the hinge loss and write the four files."""
    if args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1, not {args.epochs}")
    try:
        result = run_demo(args.out, args.epochs, args.seed)
    except DemoError as e:
        raise RunError(str(e)) from None
    print(
        f"final loss {result.final_loss:.4f} (epoch {len(result.history)}), "
        f"accuracy {result.accuracy:.1%} on the {result.points} training points"
    )
    print(f"files written to {result.out_dir}{os.sep}:")
    for path in result.files:
        print(f"  {path.name}")
    return 0


# ---- the parser ----------------------------------------------------------------------------


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=28, width=100)


def _subcommand(
    sub: argparse._SubParsersAction,
    name: str,
    run: Callable[[argparse.Namespace], int],
    summary: str,
    description: str,
    epilog: str,
) -> argparse.ArgumentParser:
    p = sub.add_parser(
        name,
        help=summary,
        description=description,
        epilog=epilog,
        formatter_class=_Formatter,
    )
    p.set_defaults(run=run)
    return p


def build_parser() -> argparse.ArgumentParser:
    """The `chainrule` argument parser with its three subcommands."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "chainrule: a scalar reverse-mode autograd engine for learning and teaching\n"
            "backpropagation. Show the engine at work without opening a notebook."
        ),
        epilog=(
            "examples:\n"
            "  chainrule demo --epochs 100 --out chainrule-demo\n"
            '  chainrule graph "exp((2*x+3)**2)" --at x=0.1 --out graph.svg\n'
            "  chainrule check --ids 000-2,004-5\n\n"
            "Run 'chainrule COMMAND --help' for the options of each command.\n"
            "Exit status: 0 success, 1 the work failed, 2 bad usage or a rejected expression."
        ),
        formatter_class=_Formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")

    demo = _subcommand(
        sub,
        "demo",
        cmd_demo,
        "train a small MLP on two moons and write pictures of it",
        (
            "Train MLP(2, [16, 16, 1]) on 100 two-moons points (noise 0.1) with the hinge loss,\n"
            "as micrograd's demo does (ReLU units, uniform initial weights, full-batch SGD with\n"
            "the learning rate falling from 1.0 to 0.1, weight decay 1e-4), showing a progress\n"
            "bar with the running loss and accuracy, then write to OUT_DIR (replacing files of\n"
            "the same names):\n"
            "  decision_boundary.png  the data over the learned regions (matplotlib; without\n"
            "                         matplotlib, decision_boundary.svg drawn by chainrule)\n"
            "  loss.png               loss and accuracy per epoch (likewise loss.svg)\n"
            "  neuron_graph.svg       the graph of one neuron's output for one input, with the\n"
            "                         local derivative on every edge\n"
            "  model.json             the trained weights (nn.load reads them back)\n"
            "OUT_DIR is checked before training: if it cannot be written, nothing is trained."
        ),
        ("examples:\n  chainrule demo\n  chainrule demo --epochs 20 --seed 7 --out /tmp/moons"),
    )
    demo.add_argument(
        "--epochs",
        type=int,
        default=100,
        metavar="N",
        help="full-batch training steps (default: %(default)s)",
    )
    demo.add_argument(
        "--seed",
        type=int,
        default=1337,
        help="seed of the data and the initial weights (default: %(default)s)",
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("chainrule-demo"),
        metavar="OUT_DIR",
        help="directory for the four files, created if missing (default: ./%(default)s/)",
    )

    graph = _subcommand(
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

    check = _subcommand(
        sub,
        "check",
        cmd_check,
        "check the notes' equations with the engine",
        (
            "Run the register of the course notes' equations (ids as in EQUATIONS.md): compute\n"
            "both sides of each with the engine and print one line per id: the id, ✓ or ✗, the\n"
            "equation in words, the engine's number(s) and the notes' number(s).\n"
            "  ✓              the equation holds as the notes state it\n"
            "  ✗ notes wrong  the notes' own line is wrong; the project checks the correction\n"
            "  ✗ FAILS        a claim of the project does not hold (exit status 1)\n"
            "Exit status 0 when every equation the project claims holds."
        ),
        (
            "examples:\n"
            "  chainrule check\n"
            "  chainrule check --ids 000-2,004-5\n"
            "  chainrule check --ids 001        (every equation of note 001)"
        ),
    )
    check.add_argument(
        "--ids",
        metavar="ID,...",
        help="comma-separated equation ids (e.g. 000-2) or note numbers (e.g. 004) "
        "(default: every id)",
    )
    return parser


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("chainrule")
    except Exception:  # not installed: running from a source tree
        return "unknown"


def _safe_streams() -> None:
    """✓, ✗ and ∂ must not crash a terminal whose encoding lacks them."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(OSError, ValueError):
                reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    """Run `chainrule` with `argv` (default: sys.argv[1:]) and return the exit status."""
    _safe_streams()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, or argparse's own usage errors
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.run(args)
    except UsageError as e:
        print(f"{PROG} {args.command}: error: {e}", file=sys.stderr)
        return 2
    except RunError as e:
        print(f"{PROG} {args.command}: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `chainrule graph ... --dot | head`: the reader left
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the exit flush does not fail again
        return 1


if __name__ == "__main__":
    sys.exit(main())
