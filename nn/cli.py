"""The `chainrule` command line: `demo`, `graph EXPR` and `check`.

Exit status: 0 on success; 1 when the work itself fails (a domain error at the given point, a
file that cannot be written, an equation of the register that does not hold); 2 for bad
usage (unknown options, a rejected expression, malformed `--at` or `--ids`).
"""

from __future__ import annotations

import argparse
import contextlib
import html
import io
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from autograd.files import write_atomic

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

DEMO_POINTS = 100
DEMO_NOISE = 0.1
DEMO_SIZES = (16, 16, 1)
GRID = 40  # the decision boundary is drawn from GRID × GRID model evaluations


def _prepare_out_dir(out: Path) -> Path:
    """Create OUT_DIR and prove it writable before any training; RunError in one line if not."""
    if out.exists() and not out.is_dir():
        raise RunError(f"cannot write to output directory {str(out)!r}: it is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".chainrule-write-test-"):
            pass
    except OSError as e:
        reason = e.strerror or str(e)
        raise RunError(f"cannot write to output directory {str(out)!r}: {reason}") from None
    return out


def _train(epochs: int, seed: int) -> tuple[list[list[float]], list[int], Any, Any]:
    """micrograd's demo: ReLU MLP, uniform init, hinge loss, SGD with η from 1.0 down to 0.1."""
    from .data import make_moons
    from .layers import MLP
    from .optim import SGD
    from .train import fit

    X, labels = make_moons(DEMO_POINTS, DEMO_NOISE, seed=seed)
    y = [2 * t - 1 for t in labels]  # hinge targets are ±1
    model = MLP(2, list(DEMO_SIZES), activation="relu", init="uniform", seed=seed)
    optimizer = SGD(model.parameters(), lr=lambda k: 1.0 - 0.9 * k / epochs, weight_decay=1e-4)
    try:
        history = fit(model, X, y, "hinge", optimizer, epochs=epochs, progress=True)
    except FloatingPointError as e:
        raise RunError(str(e)) from None
    return X, y, model, history


def _grid(model: Any, X: list[list[float]]) -> tuple[list[float], list[float], list[list[float]]]:
    """Grid coordinates around the data and the model's score s(x1, x2) at every grid point."""
    from autograd import no_grad

    def axis(k: int) -> list[float]:
        lo = min(x[k] for x in X) - 0.5
        hi = max(x[k] for x in X) + 0.5
        return [lo + (hi - lo) * i / (GRID - 1) for i in range(GRID)]

    g1, g2 = axis(0), axis(1)
    with no_grad():
        scores = [[model([a, b])[0].data for a in g1] for b in g2]
    return g1, g2, scores


def _matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401 - only asks whether it is installed
    except ImportError:
        return False
    return True


def _png(fig: Any) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _boundary_png(X: list, y: list, grid: tuple, title: str) -> bytes:
    """The data over the regions where the model says +1 / −1 (matplotlib, no pyplot state)."""
    from matplotlib.figure import Figure

    g1, g2, scores = grid
    fig = Figure(figsize=(6, 5), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    top = max(1.0, max(abs(s) for row in scores for s in row))
    ax.contourf(g1, g2, scores, levels=[-top, 0.0, top], colors=["#f6c7c3", "#c6dbef"])
    ax.contour(g1, g2, scores, levels=[0.0], colors="#555555", linewidths=1)
    for label, colour in ((-1, "#d62728"), (1, "#1f77b4")):
        pts = [x for x, t in zip(X, y, strict=True) if t == label]
        ax.scatter(
            [p[0] for p in pts],
            [p[1] for p in pts],
            c=colour,
            edgecolors="black",
            linewidths=0.5,
            s=30,
            label=f"class {label:+d}",
        )
    ax.set(title=title, xlabel="x[0]", ylabel="x[1]")
    ax.legend(loc="upper right")
    return _png(fig)


def _history_png(loss: list[float], acc: list[float]) -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 3.5), dpi=100, layout="constrained")
    epochs = range(1, len(loss) + 1)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(epochs, loss, color="#d62728")
    ax1.set(title="hinge loss per epoch", xlabel="epoch", ylabel="mean loss")
    ax2.plot(epochs, [100 * a for a in acc], color="#1f77b4")
    ax2.set(title="training accuracy per epoch", xlabel="epoch", ylabel="accuracy (%)")
    ax2.set_ylim(0, 105)
    return _png(fig)


# Without matplotlib: the same two pictures as plain SVG, drawn here.


def _svg_doc(width: int, height: int, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">\n<title>{html.escape(title)}</title>\n'
        f'<rect width="{width}" height="{height}" fill="white"/>\n' + "\n".join(body) + "\n</svg>\n"
    )


def _boundary_svg(X: list, y: list, grid: tuple, title: str) -> str:
    g1, g2, scores = grid
    size, pad = 400, 40
    lo1, hi1, lo2, hi2 = g1[0], g1[-1], g2[0], g2[-1]

    def px(a: float, b: float) -> tuple[float, float]:
        return (pad + (a - lo1) / (hi1 - lo1) * size, pad + (hi2 - b) / (hi2 - lo2) * size)

    cell = size / (GRID - 1)
    body = []
    for j, b in enumerate(g2):
        for i, a in enumerate(g1):
            x, yy = px(a, b)
            fill = "#c6dbef" if scores[j][i] > 0 else "#f6c7c3"
            body.append(
                f'<rect x="{x - cell / 2:.1f}" y="{yy - cell / 2:.1f}" width="{cell + 0.5:.1f}" '
                f'height="{cell + 0.5:.1f}" fill="{fill}"/>'
            )
    for (a, b), t in zip(X, y, strict=True):
        x, yy = px(a, b)
        fill = "#1f77b4" if t > 0 else "#d62728"
        body.append(f'<circle cx="{x:.1f}" cy="{yy:.1f}" r="4" fill="{fill}" stroke="black"/>')
    body.append(f'<text x="{pad}" y="{pad - 12}" font-size="14">{html.escape(title)}</text>')
    return _svg_doc(size + 2 * pad, size + 2 * pad, body, title)


def _history_svg(loss: list[float], acc: list[float]) -> str:
    w, h, pad = 360, 240, 40
    body = []
    for k, (name, values, colour) in enumerate(
        (("hinge loss per epoch", loss, "#d62728"), ("accuracy per epoch", acc, "#1f77b4"))
    ):
        x0 = pad + k * (w + 2 * pad)
        top = max(max(values), 1e-12) if k == 0 else 1.0
        n = max(len(values) - 1, 1)
        points = " ".join(
            f"{x0 + w * i / n:.1f},{pad + h - h * v / top:.1f}" for i, v in enumerate(values)
        )
        body += [
            f'<rect x="{x0}" y="{pad}" width="{w}" height="{h}" fill="none" stroke="#888"/>',
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>',
            f'<text x="{x0}" y="{pad - 12}" font-size="14">{name} (0 to {top:.3g})</text>',
            f'<text x="{x0}" y="{pad + h + 20}" font-size="12">epoch 1 to {len(values)}</text>',
        ]
    return _svg_doc(2 * (w + 2 * pad), h + 2 * pad + 10, body, "loss and accuracy per epoch")


def _active_neuron(model: Any, X: list[list[float]]) -> tuple[int, list[float]]:
    """A neuron i of layer 1 and an input x with z1[i] > 0, so gradients flow through it."""
    from autograd import no_grad

    layer = model.layers[0]
    with no_grad():
        for i, neuron in enumerate(layer.neurons):
            for x in X:
                if neuron.linear(x).data > 0:
                    return i, x
    return 0, X[0]


def _neuron_graph(model: Any, X: list[list[float]]) -> Any:
    """The graph of a1[i] = h(W1[i,:]·x + b1[i]) for one input, after its own backward pass."""
    from autograd import Value, draw

    i, x = _active_neuron(model, X)
    xs = [Value(v, label=f"x[{j}]") for j, v in enumerate(x)]
    neuron = model.layers[0].neurons[i]
    neuron.zero_grad()  # show this input's gradients, not the last training step's
    a = neuron(xs)
    a.label = f"a1[{i}]"
    if len(a.parents) == 1 and a.parents[0].op and not a.parents[0].label:
        a.parents[0].label = f"z1[{i}]"
    a.backward()
    return draw(a)


def cmd_demo(args: argparse.Namespace) -> int:
    """Train MLP(2, [16, 16, 1]) on two moons with the hinge loss and write the four files."""
    if args.epochs < 1:
        raise UsageError(f"--epochs must be at least 1, not {args.epochs}")
    out = _prepare_out_dir(args.out)
    X, y, model, history = _train(args.epochs, args.seed)

    from .serialize import save
    from .train import accuracy

    final = accuracy(model, X, y, "hinge")
    title = f"MLP(2, [16, 16, 1]) after {args.epochs} epochs: accuracy {final:.0%}"
    loss, acc = history["loss"], history["accuracy"]
    grid = _grid(model, X)
    written: list[Path] = []

    def write(name: str, data: str | bytes) -> None:
        write_atomic(out / name, data)
        written.append(out / name)

    try:
        if _matplotlib():
            write("decision_boundary.png", _boundary_png(X, y, grid, title))
            write("loss.png", _history_png(loss, acc))
        else:
            print("matplotlib is not installed: drawing the plots as SVG instead", file=sys.stderr)
            write("decision_boundary.svg", _boundary_svg(X, y, grid, title))
            write("loss.svg", _history_svg(loss, acc))
        write("neuron_graph.svg", _neuron_graph(model, X).svg())
        save(model, out / "model.json")
        written.append(out / "model.json")
    except OSError as e:
        raise RunError(f"cannot write to output directory {str(out)!r}: {e}") from None
    except RuntimeError as e:  # e.g. no Graphviz renderer for the neuron graph
        done = ", ".join(p.name for p in written) or "nothing"
        raise RunError(f"cannot draw the neuron graph: {e} (written: {done})") from None
    print(
        f"final loss {loss[-1]:.4f} (epoch {len(loss)}), "
        f"accuracy {final:.1%} on the {len(X)} training points"
    )
    print(f"files written to {out}{os.sep}:")
    for path in written:
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
