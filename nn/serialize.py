"""Models as JSON files (never pickle): a format tag naming the model's class, a version, the
architecture (the constructor's arguments that fix the structure) and the state_dict. Any
`nn.Module` saves; nn's own modules (MLP, GPT and their parts) are rebuilt by `load` from the
architecture, a module of another class loads into a model you pass. Writes are atomic: a
temporary file in the same directory is written, flushed to disk and then renamed over the
target, so an interrupted save leaves the old file whole.

A file is untrusted input: `load` refuses one larger than the largest model `max_params`
allows before reading it, checks the architecture's sizes and counts its parameters before
building anything, and quotes at most a short prefix of any bad value. A file names a class
only by one of the tags below: nothing in it is imported or executed.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from autograd.arguments import positive_int, short_repr
from autograd.files import write_atomic

from .attention import CausalSelfAttention
from .embedding import Embedding
from .gpt import GPT, MLPBlock
from .layers import MLP, Layer, Neuron
from .linear import Linear
from .module import Module

FORMAT = "chainrule.mlp"  # an MLP's tag, as since version 1: MLP files are unchanged
VERSION = 1
ARCHITECTURE = ("nin", "nouts", "activation", "output_activation", "init", "seed")  # an MLP's
OTHER = "chainrule.module"  # any other Module: its class's name, its state; loads into a model
MAX_PARAMS = 1_000_000  # the default bound of `load`: far more than a scalar engine trains
_HEADER_BYTES = 8192  # format, version and architecture, beyond the per-parameter bytes
_TEXT = 40  # the longest activation, initialiser or parameter-name prefix an architecture holds


# ---- the kinds of module that `load` rebuilds ------------------------------------------------
# A field's check: "size" a positive int, "sizes" a non-empty list of them, "text" a short str,
# "init" a short str or None (a custom initialiser), "seed" an int or None, "index" a positive
# int or None. "init" and "seed" are kept as they were given but do not fix the structure: a
# model that differs only there loads the file.


@dataclass(frozen=True)
class Kind:
    """One class `load` can rebuild: its tag, its architecture fields, its parameter count."""

    cls: type[Module]
    format: str
    fields: dict[str, str]  # architecture key → its check
    count: Callable[[Mapping], int]  # parameters, from a checked architecture, before building
    build: Callable[[Mapping], Module]  # the model, weights to be loaded from the state_dict
    names: Callable[[Module, list[str]], None] | None = None  # takes the file's names, if any

    def architecture(self, model: Module) -> dict[str, object]:
        """The architecture of `model`, as the file records it."""
        arch: dict[str, object] = {}
        for key, check in self.fields.items():
            value: Any = getattr(model, key)
            if check == "sizes":
                value = list(value)
            elif check == "init" and not isinstance(value, str):
                value = None  # a custom initialiser: its weights are in the state
            arch[key] = value
        return arch

    @property
    def structure(self) -> tuple[str, ...]:
        """The fields that fix the structure (what a model must match to load the file)."""
        return tuple(k for k, check in self.fields.items() if check not in ("init", "seed"))


def _mlp_count(a: Mapping) -> int:
    sizes = [a["nin"], *a["nouts"]]
    return sum(m * n + n for m, n in itertools.pairwise(sizes))


def _mlp(a: Mapping) -> MLP:
    custom = a["init"] is None
    model = MLP(**{**a, "init": "zeros" if custom else a["init"]})
    if custom:
        model.init = None  # as saved: the weights come from the state_dict anyway
    return model


def _gpt_count(a: Mapping) -> int:
    v, e, b, n = a["vocab_size"], a["n_embd"], a["block_size"], a["n_layer"]
    return v * e + b * e + n * 12 * e * e + e * v  # wte, wpe, (Wq Wk Wv Wo, Wup Wdown)·n, Wlm


def _rename_neuron(neuron: Module, names: list[str]) -> None:
    """A Neuron's names are its own (w[j], b) or its layer's (W1[0,j], b1[0]): the file's."""
    if isinstance(neuron, Neuron):
        neuron._rename(names[:-1], names[-1])


_FIXED = "zeros"  # how a rebuilt module is initialised before its state is loaded

KINDS: tuple[Kind, ...] = (
    Kind(
        MLP,
        FORMAT,
        dict(
            nin="size",
            nouts="sizes",
            activation="text",
            output_activation="text",
            init="init",
            seed="seed",
        ),
        _mlp_count,
        _mlp,
    ),
    Kind(
        GPT,
        "chainrule.gpt",
        dict(vocab_size="size", n_embd="size", n_head="size", n_layer="size", block_size="size"),
        _gpt_count,
        lambda a: GPT(**a, std=0.0),
    ),
    Kind(
        Layer,
        "chainrule.layer",
        dict(nin="size", nout="size", activation="text", index="index"),
        lambda a: a["nin"] * a["nout"] + a["nout"],
        lambda a: Layer(a["nin"], a["nout"], a["activation"], _FIXED, index=a["index"]),
    ),
    Kind(
        Neuron,
        "chainrule.neuron",
        dict(nin="size", activation="text"),
        lambda a: a["nin"] + 1,
        lambda a: Neuron(a["nin"], a["activation"], _FIXED),
        lambda neuron, names: _rename_neuron(neuron, names),
    ),
    Kind(
        Linear,
        "chainrule.linear",
        dict(nin="size", nout="size", name="text"),
        lambda a: a["nin"] * a["nout"],
        lambda a: Linear(a["nin"], a["nout"], a["name"], 0.0),
    ),
    Kind(
        Embedding,
        "chainrule.embedding",
        dict(n="size", dim="size", name="text"),
        lambda a: a["n"] * a["dim"],
        lambda a: Embedding(a["n"], a["dim"], a["name"], 0.0),
    ),
    Kind(
        CausalSelfAttention,
        "chainrule.attention",
        dict(n_embd="size", n_head="size", name="text"),
        lambda a: 4 * a["n_embd"] ** 2,
        lambda a: CausalSelfAttention(a["n_embd"], a["n_head"], a["name"], 0.0),
    ),
    Kind(
        MLPBlock,
        "chainrule.mlpblock",
        dict(n_embd="size", name="text"),
        lambda a: 8 * a["n_embd"] ** 2,
        lambda a: MLPBlock(a["n_embd"], a["name"], 0.0),
    ),
)
_BY_FORMAT = {k.format: k for k in KINDS}
_BY_CLASS = {k.cls: k for k in KINDS}
FORMATS = (*_BY_FORMAT, OTHER)


def kind_of(model: Module) -> Kind | None:
    """The kind `load` rebuilds `model` as; None for another class (a subclass too: its own
    forward may differ), whose file loads only into a model passed to `load`."""
    return _BY_CLASS.get(type(model))


def _class_name(model: Module) -> str:
    cls = type(model)
    return f"{cls.__module__}.{cls.__qualname__}"


# ---- saving --------------------------------------------------------------------------------


def to_dict(model: Module) -> dict[str, object]:
    """The JSON document of `model`; ValueError names any non-finite parameter."""
    if not isinstance(model, Module):
        raise TypeError(f"only an nn.Module can be saved, not a {type(model).__name__}")
    state = model.state_dict()
    bad = [name for name, x in state.items() if not math.isfinite(x)]
    if bad:
        raise ValueError(f"cannot save: parameters {', '.join(bad[:10])} are not finite")
    kind = kind_of(model)
    if kind is None:
        head: dict[str, object] = {"format": OTHER, "version": VERSION}
        head["class"] = _class_name(model)
        head["architecture"] = None
    else:
        head = {"format": kind.format, "version": VERSION}
        head["architecture"] = kind.architecture(model)
    return {**head, "state_dict": state}


def save(model: Module, path: str | os.PathLike) -> None:
    """Write `model` (any nn.Module) to `path` as JSON, atomically: an interrupted save leaves
    the old file; an error names `path`."""
    doc = to_dict(model)

    def write(f: IO[str]) -> None:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")

    write_atomic(path, write)


def max_file_bytes(max_params: int) -> int:
    """The size of the largest file `save` writes for a model of nn's own classes with at most
    `max_params` parameters.

    A state_dict line is `  "{prefix}[i,j]": <float>,` (a prefix of at most 40 characters, at
    most 24 for the float, each index at most as many digits as max_params); an entry of the
    architecture's lists adds less than a line.
    """
    digits = len(str(max_params))
    return _HEADER_BYTES + max_params * (80 + 4 * digits)


def _model_bytes(model: Module) -> int:
    """The size of the largest file `save` writes for `model` (whatever its names)."""
    names = [name for name, _ in model.named_parameters()]
    return _HEADER_BYTES + len(_class_name(model)) + sum(len(json.dumps(n)) + 40 for n in names)


# ---- loading -------------------------------------------------------------------------------


def _count(n: int) -> str:
    """n with thousands separators; a huge n by its order of magnitude (str() has a limit)."""
    if n < 10**15:
        return f"{n:,}"
    k = int((n.bit_length() - 1) * math.log10(2))  # floor(log10(n)), or one less
    return f"at least 10^{k + 1 if n >= 10 ** (k + 1) else k}"


def _parse(path: str | os.PathLike, limit: int, max_params: int) -> object:
    """The JSON of the file, read no further than `limit` bytes."""
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
        return json.loads(text)
    except RecursionError:
        raise ValueError(
            f"{name}: not a JSON model file: nested too deeply (a model file is 3 levels deep)"
        ) from None
    except ValueError as e:  # JSONDecodeError, or an integer of more than 4,300 digits
        raise ValueError(f"{name}: not a valid JSON model file ({e})") from None


def _read(path: str | os.PathLike, limit: int, max_params: int) -> tuple[dict, Kind | None]:
    """The checked document and the kind its format names (None: another class's module)."""
    name = os.fspath(path)
    doc = _parse(path, limit, max_params)
    if not isinstance(doc, dict):
        raise ValueError(f"{name}: expected a JSON object, found {type(doc).__name__}")
    problems = []
    tag = doc.get("format")
    kind = _BY_FORMAT.get(tag) if isinstance(tag, str) else None
    if kind is None and tag != OTHER:
        problems.append(f"format is {short_repr(tag)}, expected one of {', '.join(FORMATS)}")
    version = doc.get("version")
    if version != VERSION:
        problems.append(f"version is {short_repr(version)}; this chainrule reads version {VERSION}")
    arch = doc.get("architecture")
    if tag == OTHER:
        if arch is not None:
            problems.append(f"architecture of a {OTHER} file must be null")
        if not isinstance(doc.get("class"), str):
            problems.append("class is missing or not a string")
    elif not isinstance(arch, dict):
        problems.append("architecture is missing or not an object")
    elif kind is not None:
        missing = [k for k in kind.fields if k not in arch]
        extra = [k for k in arch if k not in kind.fields]
        if missing:
            problems.append(f"architecture lacks {', '.join(missing)}")
        if extra:
            shown = ", ".join(k if len(k) <= 40 else short_repr(k) for k in extra[:10])
            problems.append(f"architecture has unexpected {shown}")
    if not isinstance(doc.get("state_dict"), dict):
        problems.append("state_dict is missing or not an object")
    if problems:
        raise ValueError(f"{name}: {'; '.join(problems)}")
    return doc, kind


def _size(what: str, n: object) -> int:
    """`positive_int`, its message told as one of a bad architecture."""
    try:
        return positive_int(what, n)
    except ValueError as e:
        raise ValueError(f"bad architecture: {e}") from None


def _check_field(key: str, check: str, value: object, max_params: int) -> None:
    """One architecture field against its check (see KINDS)."""
    if check == "size":
        _size(key, value)
    elif check == "sizes":
        if not isinstance(value, list) or not value:
            raise ValueError(
                f"bad architecture: {key} must be a non-empty list of layer sizes, "
                f"not {short_repr(value)}"
            )
        if len(value) > max_params:
            raise ValueError(
                f"bad architecture: {len(value):,} layers, more than max_params={max_params:,} "
                "parameters can make"
            )
        for k, n in enumerate(value):
            _size(f"{key}[{k}]", n)
    elif check in ("text", "init"):
        if not (isinstance(value, str) and len(value) <= _TEXT) and not (
            check == "init" and value is None
        ):
            raise ValueError(f"bad architecture: unknown {key} {short_repr(value)}")
    elif check == "seed":
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ValueError(
                f"bad architecture: {key} must be an int or None, not {short_repr(value)}"
            )
    elif check == "index" and value is not None:
        _size(key, value)


def _check_architecture(kind: Kind, arch: Mapping, name: str, max_params: int) -> None:
    """Types, sizes and the parameter count, before anything is allocated."""
    try:
        sizes = [k for k, c in kind.fields.items() if c in ("size", "sizes")]
        for key in sizes:  # sizes first: the count below needs them
            _check_field(key, kind.fields[key], arch[key], max_params)
        count = kind.count(arch)
        if count > max_params:
            raise ValueError(
                f"the architecture has {_count(count)} parameters, more than "
                f"max_params={max_params:,}; pass a larger max_params to load it"
            )
        for key, check in kind.fields.items():
            if key not in sizes:
                _check_field(key, check, arch[key], max_params)
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None


def _build(kind: Kind, arch: Mapping, name: str) -> Module:
    try:
        return kind.build(arch)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{name}: bad architecture: {e}") from None


def _matches(kind: Kind | None, doc: Mapping, model: Module, name: str) -> None:
    """Refuse a file of another class or structure than `model`, listing the differences."""
    mine = kind_of(model)
    if kind is not mine:
        theirs = kind.cls.__name__ if kind is not None else short_repr(doc["class"])
        raise ValueError(
            f"{name}: the file holds a {theirs}, the model is a {type(model).__name__}"
        )
    if kind is None:
        if doc["class"] != _class_name(model):
            raise ValueError(
                f"{name}: the file holds a {short_repr(doc['class'])}, the model is a "
                f"{_class_name(model)}"
            )
        return
    arch, ours = doc["architecture"], kind.architecture(model)
    diff = [
        f"{k}: file {short_repr(arch[k])}, model {short_repr(ours[k])}"
        for k in kind.structure
        if arch[k] != ours[k]
    ]
    if diff:
        raise ValueError(f"{name}: architecture differs from the model: {'; '.join(diff)}")


def load(
    path: str | os.PathLike, model: Module | None = None, *, max_params: int = MAX_PARAMS
) -> Module:
    """Read a model saved by `save`, rebuilt from its architecture; with `model`, load the
    weights into it instead (a module of a class of your own loads only so).

    Any problem (malformed JSON, wrong format or version, an architecture different from
    `model`'s, missing, extra or non-numeric weights) is a ValueError naming the file and
    listing the problems; `model` is then unchanged. A file claiming more than `max_params`
    parameters, or larger than such a model's file can be, is refused before it is read or
    built: raise `max_params` to read a bigger model.
    """
    positive_int("max_params", max_params)
    if model is not None and not isinstance(model, Module):
        raise TypeError(f"model must be an nn.Module, not {type(model).__name__}")
    limit = max_file_bytes(max_params)
    if model is not None:  # the model exists already: a file of its size is fine
        max_params = max(max_params, len(model.parameters()))
        limit = max(max_file_bytes(max_params), _model_bytes(model))
    name = os.fspath(path)
    doc, kind = _read(path, limit, max_params)
    if kind is not None:
        _check_architecture(kind, doc["architecture"], name, max_params)
    if model is not None:
        _matches(kind, doc, model, name)
        target = model
    elif kind is None:
        raise ValueError(
            f"{name}: the file holds a {short_repr(doc['class'])}, a class of your own that "
            "load cannot rebuild from a file: build the model and pass it, "
            "nn.load(path, model)"
        )
    else:
        target = _build(kind, doc["architecture"], name)
        names = list(doc["state_dict"])
        if kind.names is not None and len(names) == len(target.parameters()):
            kind.names(target, names)
    try:
        target.load_state_dict(doc["state_dict"])
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from None
    return target


__all__ = [
    "FORMAT",
    "FORMATS",
    "KINDS",
    "MAX_PARAMS",
    "OTHER",
    "VERSION",
    "Kind",
    "kind_of",
    "load",
    "max_file_bytes",
    "save",
    "to_dict",
]
