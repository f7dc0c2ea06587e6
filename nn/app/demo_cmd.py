"""`chainrule demo`: train a small MLP on two moons and write pictures of it."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from .command import RunError, UsageError, subcommand
from .demo import DemoError, run_demo


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


def add_to(sub: argparse._SubParsersAction) -> None:
    """Add `demo` and its options to the `chainrule` subparsers."""
    demo = subcommand(
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
            "  decision_boundary.png  the data over the learned regions (matplotlib, from\n"
            '                         pip install "chainrule[plot]"; without it,\n'
            "                         decision_boundary.svg drawn by chainrule)\n"
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
