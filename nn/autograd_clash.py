"""The import name `autograd` is chainrule's engine and HIPS autograd's: catch the clash.

`import nn` (and so the `chainrule` command) first asks where `import autograd` would load
from, without running it, and stops with a message naming that file and saying how to fix it
when it is not chainrule's engine: HIPS autograd installed over it or beside it, a learner's
own `autograd.py` in the working folder, or any other module of that name first on the path.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import itertools
import os
import sys
from pathlib import Path

OURS = Path(__file__).resolve().parent.parent / "autograd"  # the engine installed beside nn
MARK = b"chainrule"  # chainrule's autograd/__init__.py names the project in its first lines
FIX_HIPS = (
    "chainrule and HIPS autograd (the pip package `autograd`) share the import name `autograd` "
    "and cannot live in one environment. Give chainrule an environment of its own "
    "(python -m venv), or remove HIPS autograd and repair chainrule's files: "
    "pip uninstall autograd && pip install --force-reinstall --no-deps chainrule"
)


def _same(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _ours(init: Path) -> bool:
    """Whether `init` is chainrule's autograd/__init__.py, by place and by content."""
    if not _same(init, OURS / "__init__.py"):
        return False
    try:
        with open(init, "rb") as f:
            return MARK in f.read(2048)
    except OSError:
        return False


def _distribution_of(path: Path) -> str | None:
    """'autograd 1.9.1' if the pip package `autograd` (HIPS) installed `path`, else None."""
    try:
        dist = importlib.metadata.distribution("autograd")
    except importlib.metadata.PackageNotFoundError:
        return None
    for f in dist.files or ():
        if f.name == path.name and _same(str(dist.locate_file(f)), path):
            return f"HIPS autograd {dist.version}"
    return None


def _where() -> tuple[str | None, list[str]]:
    """(the file `import autograd` loads, or None; the folders of a namespace package)."""
    module = sys.modules.get("autograd")
    if module is not None:  # imported already, perhaps by the user before `import nn`
        return getattr(module, "__file__", None), list(getattr(module, "__path__", []) or [])
    try:
        spec = importlib.util.find_spec("autograd")
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return None, []
    origin = spec.origin if spec.has_location else None
    return origin, list(spec.submodule_search_locations or [])


def problem() -> str | None:
    """Why `import autograd` would not load chainrule's engine, or None when it would."""
    origin, folders = _where()
    if origin is not None and _ours(Path(origin)):
        return None
    if origin is None and not folders:
        return (
            "`import autograd` finds no module: chainrule's engine (the package `autograd`) is "
            f"missing from {OURS.parent}. Reinstall it: pip install --force-reinstall chainrule"
        )
    if origin is None:  # a folder named autograd without __init__.py: a namespace package
        shown = ", ".join(folders[:3])
        return (
            f"`import autograd` finds the folder {shown}, not chainrule's engine ({OURS}): "
            "rename that folder, or run Python from another folder."
        )
    path = Path(origin)
    hips = _distribution_of(path)
    if _same(path, OURS / "__init__.py"):  # our place, someone else's content
        who = f"{hips}'s" if hips else "another package's"
        return (
            f"{path} is {who} file, installed over chainrule's engine, so `import autograd` "
            f"no longer loads chainrule. {FIX_HIPS}"
        )
    if hips:
        return f"`import autograd` loads {hips} from {path}, not chainrule's engine. {FIX_HIPS}"
    if path.name != "__init__.py":  # a single module: a learner's autograd.py, most likely
        return (
            f"`import autograd` loads {path}, a file of your own, not chainrule's engine "
            f"({OURS}): rename your autograd.py (e.g. to my_autograd.py), or run Python "
            "from another folder."
        )
    return (
        f"`import autograd` loads {path}, a package of that name that is not chainrule's "
        f"engine ({OURS}): remove it from the import path, or rename it."
    )


def _running_as_command() -> bool:
    """True under `chainrule …` or `python -m nn …`: print the message, not a traceback."""
    argv = getattr(sys, "orig_argv", sys.argv)
    if any(a == "-m" and b in ("nn", "nn.app.cli") for a, b in itertools.pairwise(argv)):
        return True
    return Path(sys.argv[0] if sys.argv else "").stem == "chainrule"


def check() -> None:
    """Stop with the message of `problem()`: ImportError in Python, exit status 1 in a shell."""
    message = problem()
    if message is None:
        return
    if _running_as_command():
        print(f"chainrule: error: {message}", file=sys.stderr)
        raise SystemExit(1)
    raise ImportError(message)
