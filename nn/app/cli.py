"""The `chainrule` command line: `demo`, `graph EXPR`, `trace EXPR` and `check`, one module per
command.

Exit status: 0 on success; 1 when the work itself fails (a domain error at the given point, a
value or derivative that comes out inf or nan, a file that cannot be written, an equation of
the register that does not hold, an `autograd` that is not chainrule's); 2 for bad usage
(an unknown command or option, a rejected expression, malformed `--at` or `--ids`).
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import sys
from collections.abc import Sequence

from autograd import __version__

from . import check_cmd, demo_cmd, graph_cmd, trace_cmd
from .command import Formatter, RunError, UsageError
from .expr_cmd import spaced_at

PROG = "chainrule"
COMMANDS = (demo_cmd, graph_cmd, trace_cmd, check_cmd)  # in the order `--help` lists them


def build_parser() -> argparse.ArgumentParser:
    """The `chainrule` argument parser with its subcommands."""
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
            '  chainrule trace "log(x1) + x1*x2 - sin(x2)" --at x1=2,x2=5 --tangent x1\n'
            "  chainrule check --ids 000-2,004-5\n\n"
            "Run 'chainrule COMMAND --help' for the options of each command.\n"
            "Exit status: 0 success, 1 the work failed, 2 bad usage or a rejected expression."
        ),
        formatter_class=Formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    for command in COMMANDS:
        command.add_to(sub)
    return parser


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
    argv = graph_cmd.expr_after_double_dash(list(sys.argv[1:] if argv is None else argv))
    try:
        _check_command(parser, argv)
        args, extra = parser.parse_known_args(argv)
        with_at = args.command in ("graph", "trace")
        hint = spaced_at(args.at, [args.expr, *extra]) if with_at and extra else None
        if hint:
            print(f"{PROG} {args.command}: error: {hint}", file=sys.stderr)
            return 2
        if extra:  # the subcommand's own usage and message, not the top-level one
            _subparsers(parser)[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
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


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _check_command(parser: argparse.ArgumentParser, argv: Sequence[str]) -> None:
    """An unknown COMMAND (the first word that is not an option) gets "did you mean"."""
    word = next((a for a in argv if not a.startswith("-")), None)
    if word is None or argv.index(word) != 0:
        return
    commands = list(_subparsers(parser))
    if word in commands:
        return
    near = difflib.get_close_matches(word, commands, n=1, cutoff=0.5)
    guess = f"; did you mean {near[0]!r}?" if near else ""
    parser.error(f"unknown command {word[:40]!r}{guess} (commands: {', '.join(commands)})")


if __name__ == "__main__":
    sys.exit(main())
