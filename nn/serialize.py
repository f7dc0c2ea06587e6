"""Models as JSON files (never pickle): a format tag and version, the architecture, and the
state_dict. Writes are atomic: a temporary file in the same directory is written, flushed to
disk and then renamed over the target, so an interrupted save leaves the old file whole."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping

from autograd.files import write_atomic

from .layers import MLP

FORMAT = "chainrule.mlp"
VERSION = 1
ARCHITECTURE = ("nin", "nouts", "activation", "output_activation", "init", "seed")


def _architecture(model: MLP) -> dict[str, object]:
    arch = {name: getattr(model, name) for name in ARCHITECTURE}
    arch["nouts"] = list(model.nouts)
    if not isinstance(model.init, str):  # a custom initialiser: its weights are in the state
        arch["init"] = None
    return arch


def to_dict(model: MLP) -> dict[str, object]:
    """The JSON document of `model`; ValueError names any non-finite parameter."""
    if not isinstance(model, MLP):
        raise TypeError(f"only an MLP can be saved, not a {type(model).__name__}")
    state = model.state_dict()
    bad = [name for name, x in state.items() if not math.isfinite(x)]
    if bad:
        raise ValueError(f"cannot save: parameters {', '.join(bad[:10])} are not finite")
    return {
        "format": FORMAT,
        "version": VERSION,
        "architecture": _architecture(model),
        "state_dict": state,
    }


def save(model: MLP, path: str | os.PathLike) -> None:
    """Write `model` to `path` as JSON, atomically: an interrupted save leaves the old file."""
    doc = to_dict(model)
    write_atomic(path, lambda f: (json.dump(doc, f, indent=1, allow_nan=False), f.write("\n")))


def _read(path: str | os.PathLike) -> dict:
    name = os.fspath(path)
    with open(name, encoding="utf-8") as f:
        text = f.read()
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{name}: not a valid JSON model file ({e})") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{name}: expected a JSON object, found {type(doc).__name__}")
    problems = []
    if doc.get("format") != FORMAT:
        problems.append(f"format is {doc.get('format')!r}, expected {FORMAT!r}")
    version = doc.get("version")
    if version != VERSION:
        problems.append(f"version is {version!r}; this chainrule reads version {VERSION}")
    arch = doc.get("architecture")
    if not isinstance(arch, dict):
        problems.append("architecture is missing or not an object")
    else:
        missing = [k for k in ARCHITECTURE if k not in arch]
        extra = [k for k in arch if k not in ARCHITECTURE]
        if missing:
            problems.append(f"architecture lacks {', '.join(missing)}")
        if extra:
            problems.append(f"architecture has unexpected {', '.join(map(str, extra))}")
    if not isinstance(doc.get("state_dict"), dict):
        problems.append("state_dict is missing or not an object")
    if problems:
        raise ValueError(f"{name}: {'; '.join(problems)}")
    return doc


def _build(arch: Mapping, name: str) -> MLP:
    kwargs = dict(arch)
    custom_init = kwargs["init"] is None
    if custom_init:
        kwargs["init"] = "zeros"  # the weights come from the state_dict anyway
    try:
        model = MLP(**kwargs)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name}: bad architecture: {e}") from None
    if custom_init:
        model.init = None
    return model


def load(path: str | os.PathLike, model: MLP | None = None) -> MLP:
    """Read an MLP saved by `save`; with `model`, load the weights into it instead.

    Any problem (malformed JSON, wrong format or version, an architecture different from
    `model`'s, missing, extra or non-numeric weights) is a ValueError naming the file and
    listing the problems; `model` is then unchanged.
    """
    name = os.fspath(path)
    doc = _read(path)
    arch = doc["architecture"]
    if model is None:
        target = _build(arch, name)
    else:
        if not isinstance(model, MLP):
            raise TypeError(f"model must be an MLP, not {type(model).__name__}")
        mine = _architecture(model)
        diff = [
            f"{k}: file {arch[k]!r}, model {mine[k]!r}"
            for k in ("nin", "nouts", "activation", "output_activation")
            if arch[k] != mine[k]
        ]
        if diff:
            raise ValueError(f"{name}: architecture differs from the model: {'; '.join(diff)}")
        target = model
    try:
        target.load_state_dict(doc["state_dict"])
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None
    return target


__all__ = ["FORMAT", "VERSION", "load", "save", "to_dict"]
