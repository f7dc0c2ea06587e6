"""Models as JSON files (never pickle): a format tag and version, the architecture, and the
state_dict. Writes are atomic: a temporary file in the same directory is written, flushed to
disk and then renamed over the target, so an interrupted save leaves the old file whole.

A file is untrusted input: `load` refuses one larger than the largest model `max_params`
allows before reading it, checks the architecture's sizes before building anything, and
quotes at most a short prefix of any bad value."""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Mapping

from autograd.arguments import positive_int, short_repr
from autograd.files import write_atomic

from .layers import MLP

FORMAT = "chainrule.mlp"
VERSION = 1
ARCHITECTURE = ("nin", "nouts", "activation", "output_activation", "init", "seed")
MAX_PARAMS = 1_000_000  # the default bound of `load`: far more than a scalar engine trains
_HEADER_BYTES = 8192  # format, version and architecture, beyond the per-parameter bytes


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


def max_file_bytes(max_params: int) -> int:
    """The size of the largest file `save` writes for a model of at most `max_params` parameters.

    A state_dict line is `  "W{l}[i,j]": <float>,` (at most 24 characters for the float, each
    index at most as many digits as max_params); an nouts entry adds less than half a line.
    """
    digits = len(str(max_params))
    return _HEADER_BYTES + max_params * (40 + 4 * digits)


def _count(n: int) -> str:
    """n with thousands separators; a huge n by its order of magnitude (str() has a limit)."""
    if n < 10**15:
        return f"{n:,}"
    k = int((n.bit_length() - 1) * math.log10(2))  # floor(log10(n)), or one less
    return f"at least 10^{k + 1 if n >= 10 ** (k + 1) else k}"


def _read(path: str | os.PathLike, limit: int, max_params: int) -> dict:
    name = os.fspath(path)
    with open(name, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        data = b"" if size > limit else f.read(limit + 1)  # a pipe or device has no size
    if max(size, len(data)) > limit:
        raise ValueError(
            f"{name}: the file is {'more than ' if size <= limit else ''}"
            f"{max(size, len(data)):,} bytes, larger than a model of max_params={max_params:,} "
            f"parameters can be ({limit:,} bytes); pass a larger max_params to load it"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(
            f"{name}: not a JSON model file: byte 0x{data[e.start]:02x} at offset {e.start} "
            "is not UTF-8 text"
        ) from None
    try:
        doc = json.loads(text)
    except RecursionError:
        raise ValueError(
            f"{name}: not a JSON model file: nested too deeply (a model file is 3 levels deep)"
        ) from None
    except ValueError as e:  # JSONDecodeError, or an integer of more than 4,300 digits
        raise ValueError(f"{name}: not a valid JSON model file ({e})") from None
    if not isinstance(doc, dict):
        raise ValueError(f"{name}: expected a JSON object, found {type(doc).__name__}")
    problems = []
    if doc.get("format") != FORMAT:
        problems.append(f"format is {short_repr(doc.get('format'))}, expected {FORMAT!r}")
    version = doc.get("version")
    if version != VERSION:
        problems.append(f"version is {short_repr(version)}; this chainrule reads version {VERSION}")
    arch = doc.get("architecture")
    if not isinstance(arch, dict):
        problems.append("architecture is missing or not an object")
    else:
        missing = [k for k in ARCHITECTURE if k not in arch]
        extra = [k for k in arch if k not in ARCHITECTURE]
        if missing:
            problems.append(f"architecture lacks {', '.join(missing)}")
        if extra:
            shown = ", ".join(k if len(k) <= 40 else short_repr(k) for k in extra[:10])
            problems.append(f"architecture has unexpected {shown}")
    if not isinstance(doc.get("state_dict"), dict):
        problems.append("state_dict is missing or not an object")
    if problems:
        raise ValueError(f"{name}: {'; '.join(problems)}")
    return doc


def _check_architecture(arch: Mapping, name: str, max_params: int) -> None:
    """Types, names and the parameter count, before anything is allocated."""
    try:
        nouts = arch["nouts"]
        if not isinstance(nouts, list) or not nouts:
            raise ValueError(
                f"bad architecture: nouts must be a non-empty list of layer sizes, "
                f"not {short_repr(nouts)}"
            )
        if len(nouts) > max_params:
            raise ValueError(
                f"bad architecture: {len(nouts):,} layers, more than max_params={max_params:,} "
                "parameters can make"
            )
        try:
            sizes = [positive_int("nin", arch["nin"])]
            sizes += [positive_int(f"nouts[{k}]", n) for k, n in enumerate(nouts)]
        except ValueError as e:
            raise ValueError(f"bad architecture: {e}") from None
        count = sum(a * b + b for a, b in itertools.pairwise(sizes))
        if count > max_params:
            raise ValueError(
                f"the architecture has {_count(count)} parameters, more than "
                f"max_params={max_params:,}; pass a larger max_params to load it"
            )
        for key in ("activation", "output_activation", "init"):
            value = arch[key]
            if not (isinstance(value, str) and len(value) <= 40) and not (
                key == "init" and value is None
            ):
                raise ValueError(f"bad architecture: unknown {key} {short_repr(value)}")
        seed = arch["seed"]
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(
                f"bad architecture: seed must be an int or None, not {short_repr(seed)}"
            )
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None


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


def load(path: str | os.PathLike, model: MLP | None = None, *, max_params: int = MAX_PARAMS) -> MLP:
    """Read an MLP saved by `save`; with `model`, load the weights into it instead.

    Any problem (malformed JSON, wrong format or version, an architecture different from
    `model`'s, missing, extra or non-numeric weights) is a ValueError naming the file and
    listing the problems; `model` is then unchanged. A file claiming more than `max_params`
    parameters, or larger than such a model's file can be, is refused before it is read or
    built: raise `max_params` to read a bigger model.
    """
    positive_int("max_params", max_params)
    if model is not None and not isinstance(model, MLP):
        raise TypeError(f"model must be an MLP, not {type(model).__name__}")
    if model is not None:  # the model exists already: a file of its size is fine
        max_params = max(max_params, len(model.parameters()))
    name = os.fspath(path)
    doc = _read(path, max_file_bytes(max_params), max_params)
    arch = doc["architecture"]
    _check_architecture(arch, name, max_params)
    if model is None:
        target = _build(arch, name)
    else:
        mine = _architecture(model)
        diff = [
            f"{k}: file {short_repr(arch[k])}, model {short_repr(mine[k])}"
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


__all__ = ["FORMAT", "MAX_PARAMS", "VERSION", "load", "max_file_bytes", "save", "to_dict"]
