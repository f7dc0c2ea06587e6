"""`chainrule check [--ids …]`: run the notes' equation register, one entry per id."""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import textwrap
from collections.abc import Sequence

import nn.notes
from nn.notes.entry import written_and_corrected

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
        shown = ", ".join(_short(u) for u in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise UsageError(f"unknown equation id(s): {shown}{more} (known: {_id_span(known)})")
    if not wanted:
        raise UsageError("--ids names no equation")
    return wanted


def _short(part: str) -> str:
    """An id as typed, cut to 20 characters: a 5,000-character id is not repeated in full."""
    return part if len(part) <= 20 else f"{part[:12]}… ({len(part):,} characters)"


def _id_span(known: Sequence[str]) -> str:
    return f"{len(known)} ids, {known[0]} … {known[-1]}" if known else "none"


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


_KEEP_TOGETHER = re.compile(r"… \(\d+ values\)|\(\d+ of \d+ values differ\)")  # one unit each


def _width() -> int:
    """The terminal's width; at most 100 columns when standard output is not a terminal."""
    columns = shutil.get_terminal_size((100, 24)).columns
    return columns if sys.stdout.isatty() else min(columns, 100)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _lines(r: object, width: int, id_width: int) -> list[str]:
    """One result: the id, its mark and the equation, then the numbers and (for a wrong line of
    the notes, or a failure) what was compared, each wrapped under the equation."""
    if not r.holds:
        mark = "✗ FAILS"
    elif r.notes_wrong:
        mark = "✗ notes wrong"
    else:
        mark = "✓"
    head = f"{r.id:<{id_width}}  {mark:<13}  "
    indent = " " * (len(head) if width - len(head) >= 40 else 4)

    def wrap(text: str, first: str = indent, hang: str = "") -> list[str]:
        text = _KEEP_TOGETHER.sub(lambda m: m.group().replace(" ", "\xa0"), _one_line(text))
        lines = textwrap.wrap(text, width, initial_indent=first, subsequent_indent=indent + hang)
        return [line.replace("\xa0", " ") for line in lines]

    lines = wrap(r.words, head)
    written = getattr(r, "written_values", ())
    if r.notes_wrong and written:
        shown = written_and_corrected(written, r.notes_values, r.engine_values)
        engine = re.sub(r" \(\d+ of \d+ values differ\)$", "", shown[2])  # theirs, not the engine's
        pairs = [("engine:", engine), ("notes as written:", shown[0]), ("corrected:", shown[1])]
    else:
        pairs = [("engine:", r.engine), ("notes:", r.notes)]
    label = max(len(name) for name, _ in pairs) + 1
    for name, text in pairs:
        lines += wrap(text, f"{indent}{name:<{label}}", " " * label)
    if (r.notes_wrong or not r.holds) and r.detail:
        lines += wrap(r.detail)
    return lines


def summary(results: Sequence[object]) -> str:
    """The last line: how many equations hold as the notes write them, how many hold once a
    wrong line of the notes is corrected (the ✗ notes wrong rows), and how many fail; the
    three add up to the number checked."""
    as_written = sum(bool(r.holds and not r.notes_wrong) for r in results)
    corrected = sum(bool(r.holds and r.notes_wrong) for r in results)
    failed = sum(not r.holds for r in results)
    parts = [f"{as_written} {'holds' if as_written == 1 else 'hold'} as written in the notes"]
    if corrected:
        parts.append(
            f"{corrected} {'holds' if corrected == 1 else 'hold'} once a wrong line of the notes "
            "is corrected (✗ notes wrong)"
        )
    parts.append(
        f"{failed} {'fails' if failed == 1 else 'fail'}" + (" (✗ FAILS)" if failed else "")
    )
    return f"{_plural(len(results), 'equation', 'equations')} checked: {', '.join(parts)}."


def cmd_check(args: argparse.Namespace) -> int:
    """Run the notes' equation register and print one line per id; 0 when every claim holds."""
    # `nn.notes` looked up at run time, so that a test can stand in a register of its own.
    known = list(nn.notes.REGISTER)
    ids = parse_ids(args.ids, known)
    try:
        results = nn.notes.run(ids)
    except Exception as e:  # a failing register entry is reported, not a traceback
        raise RunError(f"the register failed: {type(e).__name__}: {e}") from None
    id_width = max((len(r.id) for r in results), default=0)
    width = _width()
    for r in results:
        print("\n".join(_lines(r, width, id_width)))
    print("\n".join(textwrap.wrap(summary(results), width)))
    return 0 if all(r.holds for r in results) else 1


def add_to(sub: argparse._SubParsersAction) -> None:
    """Add `check` and its options to the `chainrule` subparsers."""
    check = subcommand(
        sub,
        "check",
        cmd_check,
        "check the notes' equations with the engine",
        (
            "Run the register of the course notes' equations (ids as in EQUATIONS.md): compute\n"
            "both sides of each with the engine and print, per id: the id, ✓ or ✗, the\n"
            "equation in words, the engine's number(s) and the notes' number(s); for a wrong\n"
            "line of the notes, its numbers as written and as corrected, and what is wrong.\n"
            "Lines are wrapped to the terminal (100 columns when the output is not a terminal).\n"
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
