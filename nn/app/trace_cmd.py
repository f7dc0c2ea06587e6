"""`chainrule trace EXPR --at x1=2,x2=5 [--tangent x1]`: the evaluation trace of an expression,
or of a procedure, `"u = w*t; y1 = nu*u; y2 = g*y1" --outputs y1,y2`.

An expression is parsed by the same allow-list parser as `chainrule graph`, with the same
errors; a procedure is statements `name = expression` separated by `;` or new lines, each
expression checked by that parser (`expr.parse_procedure`), its rows in the order the
statements are written. The tables are `autograd.trace`'s, as text, Markdown or LaTeX, and the
output is named as the API names it (y, or the procedure's names).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import cast

from autograd import Value
from autograd.traces import Trace, trace
from autograd.traces.tables import Shown

from .command import UsageError, subcommand
from .expr import (
    BindingError,
    Expr,
    ExprError,
    Procedure,
    is_procedure,
    parse,
    parse_procedure,
)
from .expr_cmd import (
    assignments,
    parse_at,
    read_stdin_expr,
    report_not_finite,
    reported,
    spaced_at,
)
from .graph_cmd import add_expr_and_point

FORMATS = ("text", "markdown", "latex")


def parse_tangent(
    items: Sequence[str] | None, variables: Sequence[str], procedure: bool = False
) -> dict[str, float]:
    """`["x1"]` → {"x1": 1.0}; `["x1=2,x2=0.5"]` → both; a name must be a variable of EXPR (an
    input of the procedure)."""
    seed = assignments(items, "--tangent", default=1.0)
    for name in seed:
        if name not in variables:
            known = ", ".join(variables) or "none"
            what = (
                "an input of the procedure (its inputs"
                if procedure
                else "a variable of the expression (its variables"
            )
            raise UsageError(f"--tangent: {name} is not {what}: {known})")
    return seed


def parse_outputs(items: Sequence[str] | None, proc: Procedure) -> list[str]:
    """`["y1,y2"]` → ["y1", "y2"]: names the procedure assigns; by default its last statement's."""
    if not items:
        return [proc.statements[-1].target]
    names = [n.strip() for item in items for n in item.split(",")]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise UsageError(f"--outputs: {name} is given twice")
        seen.add(name)
        if name not in proc.assigned:
            known = ", ".join(proc.assigned)
            what = "an input" if name in proc.variables else "not assigned by the procedure"
            raise UsageError(f"--outputs: {name!r} is {what} (it assigns {known})")
    return names


def read_text(args: argparse.Namespace) -> Expr | Procedure:
    """EXPR (`-`: from standard input), parsed as a procedure when it has statements, else as
    an expression; UsageError if it is rejected."""
    text = read_stdin_expr() if args.expr == "-" else args.expr
    procedure = is_procedure(text)
    try:
        return parse_procedure(text) if procedure else parse(text)
    except ExprError as e:
        hint = spaced_at(args.at, [text]) if args.expr != "-" and not procedure else None
        what = "procedure" if procedure else "expression"
        raise UsageError(hint or f"rejected {what}: {e}") from None


def _trace_procedure(proc: Procedure, at: dict[str, float], outputs: list[str]) -> Trace:
    """The procedure run on labelled leaves and traced as it runs: rows in statement order."""
    missing = [v for v in proc.variables if v not in at]
    unused = [name for name in at if name not in proc.variables]
    with reported(proc.variables, "the procedure's inputs"):
        if missing:
            raise BindingError("no value given for " + ", ".join(missing))
        if unused:
            raise BindingError(f"value given for {', '.join(unused)}, which is not an input")
        leaves = [Value(at[name], name) for name in proc.variables]

        def procedure(*values: Value) -> dict[str, Value]:
            env = proc.run(dict(zip(proc.variables, values)))
            results = {name: env[name] for name in outputs}
            return {n: v if isinstance(v, Value) else Value(v) for n, v in results.items()}

        return trace(procedure, *leaves)


def _finite(t: Trace, parsed: Expr | Procedure) -> int:
    """After the tables: the word on standard error and status 1 when an output or one of its
    derivatives is inf or NaN, else 0."""
    status = 0
    for name, row in zip(t.output_names, t.outputs):
        grads = t.adjoint({name: 1.0}, order="backward").grads
        named = dict(zip(t.input_names, grads))
        if isinstance(parsed, Procedure):  # the statement that computes the output
            st = parsed.statement(name)
            parsed_part = Expr(st.text, parsed.variables, st.program)
        else:
            parsed_part = parsed
        node = cast(Value, t.row(row).node)
        status = max(status, report_not_finite("trace", parsed_part, node, named, name))
    return status


def cmd_trace(args: argparse.Namespace) -> int:
    """Build EXPR (or run the procedure) at --at and print its primal and adjoint traces (and
    the tangent trace); exit status 1 (after printing) when an output or a derivative is inf
    or NaN."""
    parsed = read_text(args)
    procedure = isinstance(parsed, Procedure)
    if isinstance(parsed, Procedure):
        outputs = parse_outputs(args.outputs, parsed)
    elif args.outputs:
        raise UsageError(
            '--outputs names the results of a procedure ("u = w*t; y = u*2"); '
            "EXPR is one expression, whose result is the output"
        )
    at = parse_at(args.at)
    seed = parse_tangent(args.tangent, parsed.variables, procedure)
    if args.digits is not None and not 0 <= args.digits <= 17:
        raise UsageError(f"--digits {args.digits}: give 0 to 17 decimals")
    if isinstance(parsed, Procedure):
        t = _trace_procedure(parsed, at, outputs)
    else:
        with reported(parsed.variables):
            h, _ = parsed.evaluate(at)
        t = trace(h)
    shown: list[Shown] = [t]
    if seed:
        shown.append(t.tangent(seed))
    print("\n".join(getattr(table, args.format)(args.digits) for table in shown), end="")
    sys.stdout.flush()
    return _finite(t, parsed)


def add_to(sub: argparse._SubParsersAction) -> None:
    """Add `trace` and its options to the `chainrule` subparsers."""
    p = subcommand(
        sub,
        "trace",
        cmd_trace,
        "print the evaluation trace of an expression or a procedure: primal, adjoint and "
        "tangent rows",
        (
            "Build EXPR as `chainrule graph` does (the same expressions are accepted and\n"
            "rejected, with the same errors) and print its evaluation trace: the primal rows\n"
            "v-n+1 ... v0 (the variables) and v1 ... vl (one per op) with their values and\n"
            "local derivatives, then the adjoint rows of the reverse sweep in reverse order,\n"
            "ending in the gradient. With --tangent, the forward tangent rows too. Numbered as\n"
            "in Griewank & Walther and Baydin et al. (2018); the output is called y.\n"
            "\n"
            "EXPR may also be a procedure: assignments NAME = EXPRESSION separated by ; or new\n"
            "lines, each expression as above. Its inputs are the names it reads before\n"
            "assigning them; its rows follow the statements as written; --outputs names its\n"
            "results (default: the last name assigned), one adjoint table each."
        ),
        (
            "examples:\n"
            '  chainrule trace "log(x1) + x1*x2 - sin(x2)" --at x1=2,x2=5 --tangent x1\n'
            '  chainrule trace "tanh(w*x + b)" --at w=-1.5,x=0.5,b=2 --format markdown\n'
            '  chainrule trace "exp((2*x+3)**2)" --at x=0.1 --format latex --digits 3\n'
            '  chainrule trace "u = w*t; y1 = nu*tan(u)/(g - tan(u)); y2 = g*y1" \\\n'
            "      --at w=2,t=0.5,nu=1.5,g=9.81 --outputs y1,y2 --tangent w"
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
        "--outputs",
        action="append",
        metavar="NAME,...",
        help="for a procedure: the names whose values are its outputs (default: the name its "
        "last statement assigns)",
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


__all__ = ["FORMATS", "add_to", "cmd_trace", "parse_outputs", "parse_tangent"]
