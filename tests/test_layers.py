"""The layers import only downward: engine → drawing → nn → notes → application, and no two
modules import each other, directly or round a cycle.

A module's layer is the layer of the folder it lives in (FOLDERS), so a new module is placed by
choosing its folder. Every module of autograd/ and nn/ is read with `ast`; every import counts,
at module level or inside a function, absolute or relative, except under `if TYPE_CHECKING:`,
which never runs (annotations only). `autograd/__init__.py` names the rest of the public API
lazily (its ROOMS table: `autograd.draw` loads `autograd.drawing` on first use), so that `import
autograd` loads the engine only: those references count for cycles, and may point up.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("engine", "drawing", "nn", "notes", "application")
# Each folder's layer (a package, or the one module nn/__main__.py, Python's entry point).
FOLDERS = {
    "autograd": "engine",  # the engine itself: ops, nodes, the walk, Value, grad, modes
    "autograd.traces": "engine",  # evaluation traces and forward mode, on the engine
    "autograd.learner": "engine",  # checking and mirroring a learner's own engine
    "autograd.drawing": "drawing",
    "nn": "nn",
    "nn.datasets": "nn",
    "nn.practice": "nn",  # exercises by hand: they build nn models (an MLP, a softmax layer)
    "nn.notes": "notes",
    "nn.app": "application",
    "nn.__main__": "application",
}
# The engine's own modules (autograd/*.py) load none of its rooms: `import autograd` is the
# engine alone. A room uses the engine and itself, not another room of its layer.
ROOMS = ("autograd.traces", "autograd.learner")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    module_name(p): p
    for package in ("autograd", "nn")
    for p in sorted((ROOT / package).rglob("*.py"))
}


def folder(module: str) -> str:
    """The folder (package) `module` lives in, as FOLDERS names it: the longest that holds it."""
    holders = [f for f in FOLDERS if module == f or module.startswith(f + ".")]
    if not holders:
        raise KeyError(f"{module}: its folder has no layer; add the folder to FOLDERS")
    return max(holders, key=len)


def layer(module: str) -> str:
    return FOLDERS[folder(module)]


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


def lazy_rooms() -> set[str]:
    """The rooms `autograd/__init__.py` loads on first use of a name (its ROOMS table)."""
    tree = ast.parse(MODULES["autograd"].read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "ROOMS" for t in node.targets
        ):
            return {f"autograd.{room}" for room in ast.literal_eval(node.value).values()}
    raise AssertionError("autograd/__init__.py has no ROOMS table")


GRAPH = {m: imports(m) for m in MODULES}
LAZY = {"autograd": lazy_rooms()}


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
    packages = {module_name(p.parent / "__init__.py") for p in ROOT.glob("[an]*/**/__init__.py")}
    assert packages | {"nn.__main__"} == set(FOLDERS), "every folder, and only those, has a layer"
    assert {layer(m) for m in MODULES} == set(LAYERS)
    assert layer("autograd.drawing.render") == "drawing" and layer("autograd.traces.trace") == (
        "engine"
    )


def test_no_import_goes_up_a_layer():
    assert upward(GRAPH) == []


def test_no_import_closes_a_cycle_static_or_lazy():
    both = {m: GRAPH[m] | LAZY.get(m, set()) for m in GRAPH}
    assert cycles(both) == []
    assert LAZY["autograd"] == {f"autograd.{r}" for r in ("drawing", "traces", "learner")}


def own_packages(graph: dict[str, set[str]]) -> list[str]:
    """Imports of a package a module lives in: `from . import Value` in autograd/drawing/ would
    run autograd/__init__.py, which loads the drawing lazily: a cycle no static tool sees."""
    return sorted(
        f"{m} imports its own package {t}"
        for m, targets in graph.items()
        for t in targets
        if m.startswith(t + ".") and MODULES[t].name == "__init__.py"
    )


def room_crossings(graph: dict[str, set[str]]) -> list[str]:
    """The engine (autograd/*.py) importing one of its rooms, or a room another room."""
    bad = []
    for m, targets in graph.items():
        here = folder(m)
        for t in targets:
            there = folder(t)
            if here == "autograd" and there in ROOMS:
                bad.append(f"{m} (the engine) imports {t} (room {there})")
            elif here in ROOMS and there in ROOMS and there != here:
                bad.append(f"{m} (room {here}) imports {t} (room {there})")
    return sorted(bad)


def test_no_module_imports_a_package_it_lives_in():
    assert own_packages(GRAPH) == []


def test_the_engine_loads_none_of_its_rooms_and_rooms_not_each_other():
    assert room_crossings(GRAPH) == []


@pytest.mark.parametrize(
    "extra, check, problem",
    [
        (
            {"autograd.drawing.player": {"autograd"}},
            own_packages,
            "autograd.drawing.player imports its own package autograd",
        ),
        (
            {"autograd.value": {"autograd.traces.trace"}},
            room_crossings,
            "autograd.value (the engine) imports autograd.traces.trace",
        ),
        (
            {"autograd.learner.foreign": {"autograd.traces.forward"}},
            room_crossings,
            "(room autograd.learner) imports autograd.traces.forward",
        ),
        (
            {"autograd.traces.trace": {"autograd"}},
            lambda g: cycles({m: g[m] | LAZY.get(m, set()) for m in g}),
            "autograd → autograd.traces",
        ),
    ],
)
def test_the_room_checks_catch_what_they_forbid(extra, check, problem):
    graph = {m: GRAPH[m] | extra.get(m, set()) for m in GRAPH}
    assert any(problem in line for line in check(graph)), check(graph)


@pytest.mark.parametrize(
    "extra, problem",
    [
        ({"nn.layers": {"nn.serialize"}}, "nn.layers → nn.serialize → nn.layers"),
        (
            {"autograd.value": {"autograd.drawing.graph"}},
            "autograd.value (engine) imports autograd.drawing.graph (drawing)",
        ),
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
