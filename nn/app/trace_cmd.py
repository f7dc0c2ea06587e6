"""`chainrule trace EXPR --at x1=2,x2=5 [--tangent x1]`: the evaluation trace of an expression.

The expression is parsed by the same allow-list parser as `chainrule graph`, with the same
errors; the tables are `autograd.trace`'s, as text, Markdown or LaTeX.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from autograd import trace

from .command import UsageError, subcommand
from .expr_cmd import assignments, at_point, parse_at, read_expr, report_not_finite
from .graph_cmd import add_expr_and_point

FORMATS = ("text", "markdown", "latex")


def parse_tangent(items: Sequence[str] | None, variables: Sequence[str]) -> dict[str, float]:
    """`["x1"]` → {"x1": 1.0}; `["x1=2,x2=0.5"]` → both; a name must be a variable of EXPR."""
    seed = assignments(items, "--tangent", default=1.0)
    for name in seed:
        if name not in variables:
            known = ", ".join(variables) or "none"
            raise UsageError(
                f"--tangent: {name} is not a variable of the expression (its variables: {known})"
            )
    return seed


def cmd_trace(args: argparse.Namespace) -> int:
    """Build EXPR at --at and print its primal and adjoint traces (and the tangent trace);
    exit status 1 (after printing) when the value or a derivative is inf or NaN."""
    _, expr = read_expr(args)
    at = parse_at(args.at)
    seed = parse_tangent(args.tangent, expr.variables)
    if args.digits is not None and not 0 <= args.digits <= 17:
        raise UsageError(f"--digits {args.digits}: give 0 to 17 decimals")
    h, leaves = at_point(expr, at)
    t = trace(h, expr.output_name)
    tables = [t]
    if seed:
        tables.append(t.tangent({leaves[name]: x for name, x in seed.items()}))
    print("\n".join(getattr(table, args.format)(args.digits) for table in tables), end="")
    sys.stdout.flush()
    grad = dict(zip(t.inputs, t.grads))
    grads = {name: grad[leaf] for name, leaf in leaves.items() if leaf in grad}
    return report_not_finite("trace", expr, h, grads)


def add_to(sub: argparse._SubParsersAction) -> None:
    """Add `trace` and its options to the `chainrule` subparsers."""
    p = subcommand(
        sub,
        "trace",
        cmd_trace,
        "print an expression's evaluation trace: primal, adjoint and tangent rows",
        (
            "Build EXPR as `chainrule graph` does (the same expressions are accepted and\n"
            "rejected, with the same errors) and print its evaluation trace: the primal rows\n"
            "v-n+1 ... v0 (the variables) and v1 ... vl (one per op) with their values and\n"
            "local derivatives, then the adjoint rows of the reverse sweep in the order\n"
            "backward runs them, ending in the gradient. With --tangent, the forward tangent\n"
            "rows too. Numbered as in Griewank & Walther and Baydin et al. (2018)."
        ),
        (
            "examples:\n"
            '  chainrule trace "log(x1) + x1*x2 - sin(x2)" --at x1=2,x2=5 --tangent x1\n'
            '  chainrule trace "tanh(w*x + b)" --at w=-1.5,x=0.5,b=2 --format markdown\n'
            '  chainrule trace "exp((2*x+3)**2)" --at x=0.1 --format latex --digits 3'
        ),
    )
    add_expr_and_point(p)
    p.add_argument(
        "--tangent",
        action="append",
        metavar="NAME[=NUMBER],...",
        help="also print the forward tangent trace, seeding these variables (1 unless a "
        "number is given; the others 0) (default: no tangent trace)",
    )
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (aligned), markdown (tables) or latex (tabulars) (default: text)",
    )
    p.add_argument(
        "--digits",
        type=int,
        metavar="N",
        help="show values to N decimals (default: every digit, the shortest exact form)",
    )


__all__ = ["FORMATS", "add_to", "cmd_trace", "parse_tangent"]
