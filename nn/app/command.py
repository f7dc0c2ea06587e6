"""What every `chainrule` command shares: its two errors and how it adds its subparser.

A command module defines `add_to(sub)`, which adds its subparser with `subcommand` and sets the
function that runs it; that function returns the exit status or raises one of the errors here.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


class UsageError(Exception):
    """Bad input on the command line: exit status 2."""


class RunError(Exception):
    """The command could not do its work: exit status 1."""


def full_precision(x: float) -> str:
    """Full precision (the shortest text that reads back as the same float)."""
    return repr(float(x))


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Help laid out as written, options aligned, 100 columns."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=28, width=100)


def subcommand(
    sub: argparse._SubParsersAction,
    name: str,
    run: Callable[[argparse.Namespace], int],
    summary: str,
    description: str,
    epilog: str,
) -> argparse.ArgumentParser:
    """Add the subcommand `name`, run by `run(args)`, with its help texts."""
    p = sub.add_parser(
        name,
        help=summary,
        description=description,
        epilog=epilog,
        formatter_class=Formatter,
    )
    p.set_defaults(run=run)
    return p
