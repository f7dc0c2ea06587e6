"""`chainrule check [--ids …]`: run the notes' equation register, one line per id."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

import nn.notes

from .command import RunError, UsageError, subcommand


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
    # `nn.notes` looked up at run time, so that a test can stand in a register of its own.
    known = list(nn.notes.REGISTER)
    ids = parse_ids(args.ids, known)
    try:
        results = nn.notes.run(ids)
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


def add_to(sub: argparse._SubParsersAction) -> None:
    """Add `check` and its options to the `chainrule` subparsers."""
    check = subcommand(
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
