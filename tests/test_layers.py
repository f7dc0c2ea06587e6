"""The layers import only downward: engine → drawing → nn → notes → application, and no two
modules import each other, directly or round a cycle.

Every module of autograd/ and nn/ is read with `ast`; every import counts, at module level or
inside a function, absolute or relative, except under `if TYPE_CHECKING:`, which never runs
(annotations only). The one upward reference is by name, not an import
statement: `autograd.draw` and friends resolve the drawing modules on first use (autograd's
`__getattr__`), so that `import autograd` does not import graphviz.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("engine", "drawing", "nn", "notes", "application")
DRAWING = {
    "autograd.dot_text",
    "autograd.foreign",
    "autograd.graph",
    "autograd.player",
    "autograd.render",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(p): p
    for package in ("autograd", "nn")
    for p in sorted((ROOT / package).rglob("*.py"))
}


def layer(module: str) -> str:
    if module.startswith("autograd"):
        return "drawing" if module in DRAWING else "engine"
    if module == "nn.__main__" or module == "nn.app" or module.startswith("nn.app."):
        return "application"
    if module == "nn.notes" or module.startswith("nn.notes."):
        return "notes"
    return "nn"


def _package(module: str) -> str:
    return module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]


def imports(module: str) -> set[str]:
    """The modules of this project that `module` imports, anywhere in its text."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    never_run = {
        id(n)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for stmt in block.body
        for n in ast.walk(stmt)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in never_run:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package(module).split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:  # `from p import m` imports module p.m when there is one
                found.add(
                    f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source
                )
    return {m for m in found if m in MODULES and m != module}


GRAPH = {m: imports(m) for m in MODULES}


def upward(graph: dict[str, set[str]]) -> list[str]:
    return sorted(
        f"{m} ({layer(m)}) imports {t} ({layer(t)})"
        for m, targets in graph.items()
        for t in targets
        if LAYERS.index(layer(t)) > LAYERS.index(layer(m))
    )


def cycles(graph: dict[str, set[str]]) -> list[str]:
    """Each cycle once, as `a → b → … → a` starting from its smallest module name."""
    found = set()
    for start, targets in graph.items():
        for first in targets:  # a path back from `first` to `start` closes a cycle
            came_from: dict[str, str | None] = {first: None}
            queue = deque([first])
            while queue:
                m = queue.popleft()
                if start in graph[m]:
                    path = [m]
                    while came_from[path[-1]] is not None:
                        path.append(came_from[path[-1]])
                    ring = [start, *reversed(path)]
                    k = ring.index(min(ring))
                    found.add(" → ".join([*ring[k:], *ring[:k], min(ring)]))
                    break
                for t in graph[m]:
                    if t not in came_from:
                        came_from[t] = m
                        queue.append(t)
    return sorted(found)


def test_every_module_is_read_and_has_a_layer():
    assert {"autograd", "autograd.value", "nn", "nn.layers", "nn.notes", "nn.app.cli"} <= set(
        MODULES
    )
    assert DRAWING <= set(MODULES)
    assert {layer(m) for m in MODULES} == set(LAYERS)


def test_no_import_goes_up_a_layer():
    assert upward(GRAPH) == []


def test_no_import_closes_a_cycle():
    assert cycles(GRAPH) == []


@pytest.mark.parametrize(
    "extra, problem",
    [
        ({"nn.layers": {"nn.serialize"}}, "nn.layers → nn.serialize → nn.layers"),
        ({"autograd.value": {"autograd.graph"}}, "autograd.value (engine) imports autograd.graph"),
        ({"nn.train": {"nn.notes.helpers"}}, "nn.train (nn) imports nn.notes.helpers (notes)"),
    ],
)
def test_the_checks_catch_an_upward_import_and_a_cycle(extra, problem):
    graph = {m: GRAPH[m] | extra.get(m, set()) for m in GRAPH}
    assert any(problem in line for line in cycles(graph) + upward(graph))


def test_function_level_and_relative_imports_are_seen(tmp_path, monkeypatch):
    fake = tmp_path / "nn" / "fake.py"
    fake.parent.mkdir()
    fake.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from . import losses\n"
        "def f():\n    from .app import cli\n    from . import notes\n"
    )
    monkeypatch.setitem(MODULES, "nn.fake", fake)
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert imports("nn.fake") == {"nn.app.cli", "nn.notes"}
