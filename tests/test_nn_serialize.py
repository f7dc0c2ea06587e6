"""save/load as JSON: round trips, bad files listing their problems, atomic writes."""

import json
import math
import os
import random

import pytest

import nn
from nn import serialize
from nn.attention import CausalSelfAttention
from nn.embedding import Embedding
from nn.gpt import MLPBlock
from nn.linear import Linear

ARCHITECTURES = [
    dict(nin=2, nouts=[3, 1]),
    dict(nin=3, nouts=[4, 4, 2], activation="relu", output_activation="sigmoid", init="he_normal"),
    dict(nin=2, nouts=[5, 3], activation="leaky_relu", output_activation="softmax", seed=7),
    dict(nin=1, nouts=[2], activation="softplus", init="uniform", seed=0),
]
INPUTS = [[0.3, -0.2, 0.9], [-1.5, 0.0, 2.0], [1e-3, 5.0, -5.0]]


def outputs(model):
    return [[v.data for v in model(x[: model.nin])] for x in INPUTS]


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_round_trip_gives_identical_outputs(tmp_path, arch):
    model = nn.MLP(**arch)
    path = tmp_path / "model.json"
    nn.save(model, path)
    loaded = nn.load(path)
    assert outputs(loaded) == outputs(model)  # exactly: JSON keeps every float's digits
    assert loaded.state_dict() == model.state_dict()
    for name in ("nin", "nouts", "activation", "output_activation", "init", "seed"):
        assert getattr(loaded, name) == getattr(model, name)
    nn.save(loaded, tmp_path / "again.json")
    assert json.loads((tmp_path / "again.json").read_text()) == json.loads(path.read_text())


def test_the_file_is_plain_json_with_format_version_architecture_and_state(tmp_path):
    model = nn.MLP(2, [2, 1], seed=3)
    path = tmp_path / "m.json"
    nn.save(model, str(path))
    doc = json.loads(path.read_text())
    assert doc["format"] == "chainrule.mlp" and doc["version"] == 1
    assert doc["architecture"] == {
        "nin": 2,
        "nouts": [2, 1],
        "activation": "tanh",
        "output_activation": "linear",
        "init": "xavier_normal",
        "seed": 3,
    }
    assert doc["state_dict"] == model.state_dict()
    assert list(doc["state_dict"])[:2] == ["W1[0,0]", "W1[0,1]"]


def test_load_into_an_existing_model(tmp_path):
    trained = nn.MLP(2, [3, 1], seed=1)
    nn.save(trained, tmp_path / "m.json")
    fresh = nn.MLP(2, [3, 1], seed=2)
    assert serialize.load(tmp_path / "m.json", fresh) is fresh
    assert fresh.state_dict() == trained.state_dict()


def test_a_custom_initialiser_saves_as_null(tmp_path):
    model = nn.MLP(2, [2], init=lambda n_in, n_out, rng: rng.uniform(-0.1, 0.1), seed=0)
    nn.save(model, tmp_path / "m.json")
    loaded = nn.load(tmp_path / "m.json")
    assert loaded.init is None and outputs(loaded) == outputs(model)


# ---- bad files and bad state dicts ---------------------------------------------------------


def write(path, doc):
    path.write_text(json.dumps(doc))
    return path


def good_doc(model):
    return json.loads(json.dumps(serialize.to_dict(model)))


def edited(model, edit):
    doc = good_doc(model)
    edit(doc)
    return doc


def drop(doc, name):
    del doc["state_dict"][name]


BAD_STATES = {
    "missing": (lambda d: drop(d, "W1[0,1]"), ["missing 1", "W1[0,1]"]),
    "extra": (lambda d: d["state_dict"].update({"W3[0,0]": 1.0}), ["unexpected 1", "W3[0,0]"]),
    "string": (
        lambda d: d["state_dict"].update({"b2[0]": "0.5"}),
        ["not a finite number", "b2[0]"],
    ),
    "bool": (lambda d: d["state_dict"].update({"b1[1]": True}), ["b1[1]=True"]),
    "list": (lambda d: d["state_dict"].update({"b1[0]": [1.0]}), ["b1[0]=[1.0]"]),
    "several": (
        lambda d: (drop(d, "b1[0]"), d["state_dict"].update({"x": 1, "b2[0]": None})),
        ["missing 1: b1[0]", "unexpected 1: x", "b2[0]=None"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_STATES))
def test_bad_entries_are_listed_and_the_model_is_unchanged(tmp_path, case):
    edit, fragments = BAD_STATES[case]
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    doc = edited(nn.MLP(2, [3, 1], seed=9), edit)
    path = write(tmp_path / "bad.json", doc)
    for attempt in (lambda: serialize.load(path, model), lambda: nn.load(path)):
        with pytest.raises(ValueError) as e:
            attempt()
        assert str(path) in str(e.value)
        for fragment in fragments:
            assert fragment in str(e.value)
    with pytest.raises(ValueError, match="nothing was changed"):
        model.load_state_dict(doc["state_dict"])
    assert model.state_dict() == before


def test_a_wrong_architecture_lists_every_problem_and_changes_nothing():
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    other = nn.MLP(2, [4, 1], seed=0).state_dict()
    with pytest.raises(ValueError) as e:
        model.load_state_dict(other)
    message = str(e.value)
    assert "missing 0" not in message
    assert "unexpected 4: W1[3,0], W1[3,1], b1[3], W2[0,3]" in message
    assert "this MLP has 13 parameters" in message
    assert model.state_dict() == before
    huge = {f"junk{k}": 0.0 for k in range(100)}
    with pytest.raises(ValueError, match=r"… and 90 more"):
        model.load_state_dict({**before, **huge})
    with pytest.raises(ValueError, match="dict"):
        model.load_state_dict([1.0, 2.0])


def test_loading_into_a_model_of_another_shape_names_the_difference(tmp_path):
    nn.save(nn.MLP(2, [4, 1], activation="relu"), tmp_path / "m.json")
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"nouts: file \[4, 1\], model \[3, 1\]; activation"):
        serialize.load(tmp_path / "m.json", model)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{not json", "not a valid JSON model file"),
        ("", "not a valid JSON model file"),
        ("[1, 2]", "expected a JSON object"),
        ('{"format": "pickle"}', "format is 'pickle'.*version is None.*architecture is missing"),
    ],
)
def test_malformed_files_name_the_file(tmp_path, text, match):
    path = tmp_path / "broken.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=match) as e:
        nn.load(path)
    assert "broken.json" in str(e.value)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda d: d.update(version=2), "version is 2; this chainrule reads version 1"),
        (lambda d: d["architecture"].pop("seed"), "architecture lacks seed"),
        (lambda d: d["architecture"].update(depth=3), "unexpected depth"),
        (lambda d: d["architecture"].update(nouts=[]), "bad architecture: nouts"),
        (lambda d: d["architecture"].update(activation="swish"), "bad architecture: unknown"),
        (lambda d: d.update(state_dict=[1, 2]), "state_dict is missing or not an object"),
    ],
)
def test_bad_headers_and_architectures(tmp_path, edit, match):
    path = write(tmp_path / "m.json", edited(nn.MLP(2, [3, 1], seed=0), edit))
    with pytest.raises(ValueError, match=match):
        nn.load(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "nope.json")


# ---- atomic writes -------------------------------------------------------------------------


def files(directory):
    return sorted(os.listdir(directory))


def test_a_failure_while_writing_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    nn.save(nn.MLP(2, [3, 1], seed=0), path)
    old = path.read_bytes()

    def half_then_crash(obj, f, **kwargs):
        f.write('{"format": "chainrule.mlp", "ver')
        raise OSError("disk full")

    monkeypatch.setattr(serialize.json, "dump", half_then_crash)
    with pytest.raises(OSError, match="disk full"):
        nn.save(nn.MLP(2, [3, 1], seed=1), path)
    assert path.read_bytes() == old
    assert files(tmp_path) == ["m.json"]  # the temporary file is gone too


def test_a_failed_rename_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    nn.save(nn.MLP(2, [3, 1], seed=0), path)
    old = path.read_bytes()

    def no_replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(serialize.os, "replace", no_replace)
    with pytest.raises(KeyboardInterrupt):
        nn.save(nn.MLP(2, [3, 1], seed=1), path)
    assert path.read_bytes() == old
    assert files(tmp_path) == ["m.json"]


def test_save_writes_a_temp_file_in_the_same_directory_then_renames(tmp_path, monkeypatch):
    calls = []
    real_replace = os.replace
    real_fsync = os.fsync
    monkeypatch.setattr(serialize.os, "fsync", lambda fd: (calls.append("fsync"), real_fsync(fd)))

    def spy(src, dst):
        calls.append(("replace", os.path.dirname(src), os.path.basename(src), dst))
        real_replace(src, dst)

    monkeypatch.setattr(serialize.os, "replace", spy)
    nn.save(nn.MLP(2, [1], seed=0), tmp_path / "m.json")
    assert calls[0] == "fsync"
    _, directory, name, dst = calls[1]
    assert (
        directory == str(tmp_path)
        and name.startswith(".m.json.")
        and os.fspath(dst) == str(tmp_path / "m.json")
    )


def test_non_finite_weights_are_refused_before_writing(tmp_path):
    path = tmp_path / "m.json"
    model = nn.MLP(2, [3, 1], seed=0)
    nn.save(model, path)
    old = path.read_bytes()
    model.layers[1].b[0].data = math.nan
    with pytest.raises(ValueError, match=r"b2\[0\]"):
        nn.save(model, path)
    assert path.read_bytes() == old and files(tmp_path) == ["m.json"]


def test_only_a_module_can_be_saved(tmp_path):
    with pytest.raises(TypeError, match=r"only an nn\.Module can be saved, not a list"):
        nn.save([1.0], tmp_path / "list.json")
    assert not hasattr(nn.Layer(2, 2), "save") and not hasattr(nn.MLP(2, [1]), "save")
    assert os.listdir(tmp_path) == []


def test_a_save_to_a_missing_folder_names_the_target_not_a_temporary_file(tmp_path):
    target = tmp_path / "nonexistent" / "x.json"
    with pytest.raises(FileNotFoundError) as e:
        nn.save(nn.MLP(2, [1], seed=0), target)
    message = str(e.value)
    assert (
        message == f"cannot write {str(target)!r}: the folder {str(target.parent)!r} does not exist"
    )
    assert ".tmp" not in message and "chainrule-" not in message


def test_a_path_ending_in_a_slash_is_refused_and_nothing_is_written(tmp_path):
    with pytest.raises(IsADirectoryError, match="slash"):
        nn.save(nn.MLP(2, [1], seed=0), f"{tmp_path}/m.json/")
    assert os.listdir(tmp_path) == []


# ---- every Module: nn's own classes rebuilt from the file, any other loaded into a model -----


def gpt():
    return nn.GPT(7, n_embd=8, n_head=2, n_layer=2, block_size=4, seed=3)


def modules():
    """One of every class of nn that has parameters, each with weights of its own."""
    rng = random.Random(5)
    mlp = nn.MLP(3, [4, 2], activation="relu", seed=1)
    return {
        "MLP": mlp,
        "GPT": gpt(),
        "Layer": nn.Layer(3, 2, "sigmoid", index=4),
        "Layer of an MLP": mlp.layers[1],
        "Neuron": nn.Neuron(3, "relu"),
        "Neuron of an MLP": mlp.layers[0].neurons[2],
        "Linear": Linear(3, 2, "Wp", 0.5, rng),
        "Embedding": Embedding(4, 3, "wtok", 0.5, rng),
        "CausalSelfAttention": CausalSelfAttention(4, 2, "7", 0.5, rng),
        "MLPBlock": MLPBlock(2, "3", 0.5, rng),
    }


@pytest.mark.parametrize("which", list(modules()))
def test_every_module_of_nn_saves_and_loads_rebuilt_from_its_architecture(tmp_path, which):
    model = modules()[which]
    path = tmp_path / "m.json"
    nn.save(model, path)
    doc = json.loads(path.read_text())
    assert doc["format"] == serialize.kind_of(model).format and doc["version"] == 1
    assert set(doc) == {"format", "version", "architecture", "state_dict"}
    assert doc["state_dict"] == model.state_dict()
    loaded = nn.load(path)
    assert type(loaded) is type(model) and loaded is not model
    assert loaded.state_dict() == model.state_dict()
    assert [n for n, _ in loaded.named_parameters()] == [n for n, _ in model.named_parameters()]
    nn.save(loaded, tmp_path / "again.json")
    assert (tmp_path / "again.json").read_text() == path.read_text()
    fresh = type(loaded).__new__(type(loaded))  # a model passed in: the weights go into it
    fresh.__dict__.update(serialize.load(path).__dict__)
    for p in fresh.parameters():
        p.data = 0.0
    assert nn.load(path, fresh) is fresh and fresh.state_dict() == model.state_dict()


def test_the_gpt_of_notebook_10_round_trips_and_samples_the_same_names(tmp_path):
    docs = ["emma", "olivia", "ava", "isabella", "sophia"]
    vocab = nn.Vocabulary(docs)
    model = nn.GPT(len(vocab), seed=42)  # notebook 10's sizes: 16 wide, 4 heads, 1 layer
    opt = nn.Adam(model.parameters(), lr=0.01)
    for doc in docs:  # a few steps, so the weights are no longer the initial ones
        loss = model.loss(vocab.encode(doc))
        opt.zero_grad()
        loss.backward()
        opt.step()
    nn.save(model, tmp_path / "gpt.json")
    loaded = nn.load(tmp_path / "gpt.json")
    assert repr(loaded) == repr(model) == "GPT(12, n_embd=16, n_head=4, n_layer=1, block_size=16)"
    assert loaded.loss(vocab.encode("mia")).data == model.loss(vocab.encode("mia")).data
    names = [
        vocab.decode(m.sample(random.Random(7), vocab.bos)) for m in (model, loaded) for _ in "x"
    ]
    assert names[0] == names[1]


def test_a_gpt_file_claiming_too_much_is_refused_before_anything_is_built(tmp_path, monkeypatch):
    def no_building(*args, **kwargs):
        raise AssertionError("a GPT was built for a file that claims 10^13 parameters")

    doc = good_doc(gpt())
    doc["architecture"].update(n_embd=10**6, n_layer=10)
    doc["state_dict"] = {}
    path = write(tmp_path / "claim.json", doc)
    monkeypatch.setattr(nn.GPT, "__init__", no_building)
    with pytest.raises(ValueError) as e:
        nn.load(path)
    assert "120,000,018,000,000 parameters, more than max_params=1,000,000" in str(e.value)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda d: d["architecture"].update(n_head=3), "bad architecture: n_embd 8 is not a mult"),
        (lambda d: d["architecture"].update(vocab_size=0), "vocab_size must be a positive int"),
        (lambda d: d["architecture"].pop("block_size"), "architecture lacks block_size"),
        (lambda d: d["architecture"].update(seed=1), "architecture has unexpected seed"),
        (lambda d: d.update(format="chainrule.gtp"), "format is 'chainrule.gtp', expected one of"),
        (lambda d: d["state_dict"].pop("wte[0,0]"), r"missing 1: wte\[0,0\]"),
    ],
)
def test_bad_gpt_files_say_what_is_wrong(tmp_path, edit, match):
    path = write(tmp_path / "g.json", edited(gpt(), edit))
    model = gpt()
    before = model.state_dict()
    with pytest.raises(ValueError, match=match) as e:
        nn.load(path)
    assert str(e.value).startswith(f"{path}: ")
    with pytest.raises(ValueError) as e:  # into a model: refused too, the model unchanged
        nn.load(path, model)
    assert str(e.value).startswith(f"{path}: ") and model.state_dict() == before


def test_a_file_of_another_class_or_shape_is_refused_by_the_model(tmp_path):
    nn.save(gpt(), tmp_path / "g.json")
    with pytest.raises(ValueError, match="the file holds a GPT, the model is a MLP"):
        nn.load(tmp_path / "g.json", nn.MLP(2, [1]))
    other = nn.GPT(7, n_embd=8, n_head=4, n_layer=2, block_size=4)
    with pytest.raises(ValueError, match="architecture differs from the model: n_head: file 2"):
        nn.load(tmp_path / "g.json", other)


class Pair(nn.Module):
    """A module of the user's own: two MLPs side by side."""

    def __init__(self, seed: int) -> None:
        self.left, self.right = nn.MLP(1, [2], seed=seed), nn.MLP(1, [1], seed=seed + 1)

    def named_parameters(self):
        left = [(f"left.{n}", p) for n, p in self.left.named_parameters()]
        return left + [(f"right.{n}", p) for n, p in self.right.named_parameters()]


def test_a_module_of_ones_own_saves_its_class_and_loads_into_a_model(tmp_path):
    model = Pair(seed=1)
    path = tmp_path / "pair.json"
    nn.save(model, path)
    doc = json.loads(path.read_text())
    assert doc["format"] == "chainrule.module" and doc["architecture"] is None
    assert doc["class"] == f"{__name__}.Pair" and doc["state_dict"] == model.state_dict()
    with pytest.raises(ValueError, match="a class of your own that load cannot rebuild"):
        nn.load(path)  # nothing named in a file is imported
    other = Pair(seed=9)
    assert nn.load(path, other) is other and other.state_dict() == model.state_dict()
    with pytest.raises(ValueError, match=r"the file holds a '.*Pair', the model is a MLP"):
        nn.load(path, nn.MLP(1, [2]))


def test_a_subclass_of_an_nn_class_is_saved_as_a_module_of_its_own(tmp_path):
    class Wide(nn.MLP):
        pass

    model = Wide(2, [3], seed=0)
    nn.save(model, tmp_path / "w.json")
    assert json.loads((tmp_path / "w.json").read_text())["format"] == "chainrule.module"
    assert nn.load(tmp_path / "w.json", Wide(2, [3])).state_dict() == model.state_dict()


def test_every_gpt_file_save_writes_is_within_the_size_bound(tmp_path):
    model = nn.GPT(12, n_embd=8, n_head=2, n_layer=3, block_size=12)
    for p in model.parameters():
        p.data = -1.2345678901234567e-300  # the longest repr of a float
    nn.save(model, tmp_path / "g.json")
    count = len(model.parameters())
    assert (tmp_path / "g.json").stat().st_size <= serialize.max_file_bytes(count)
    assert nn.load(tmp_path / "g.json", max_params=count).state_dict() == model.state_dict()
    with pytest.raises(ValueError, match=f"more than max_params={count - 1:,}"):
        nn.load(tmp_path / "g.json", max_params=count - 1)


def test_saving_keeps_the_old_files_permissions(tmp_path):
    path = tmp_path / "m.json"
    nn.save(nn.MLP(2, [1], seed=0), path)
    assert os.stat(path).st_mode & 0o077  # readable by others under a usual umask, not 0600
    os.chmod(path, 0o640)
    nn.save(nn.MLP(2, [1], seed=1), path)
    assert os.stat(path).st_mode & 0o777 == 0o640


# ---- hostile files: bounded before anything is read or built -------------------------------


def claim(tmp_path, **arch):
    doc = good_doc(nn.MLP(2, [1], seed=0))
    doc["architecture"].update(arch)
    return write(tmp_path / "claim.json", doc)


def test_a_huge_claim_is_refused_before_anything_is_built(tmp_path, monkeypatch):
    def no_building(*args, **kwargs):
        raise AssertionError("a neuron was built for a file that claims 10^12 parameters")

    path = claim(tmp_path, nin=1000000, nouts=[1000000])
    monkeypatch.setattr(nn.layers.Neuron, "__init__", no_building)
    assert path.stat().st_size < 400
    with pytest.raises(ValueError) as e:
        nn.load(path)
    message = str(e.value)
    assert str(path) in message and "1,000,001,000,000 parameters" in message
    assert "max_params=1,000,000" in message and "pass a larger max_params" in message


def test_max_params_is_the_bound_and_an_argument_raises_it(tmp_path):
    model = nn.MLP(2, [3, 1], seed=0)  # 13 parameters
    nn.save(model, tmp_path / "m.json")
    with pytest.raises(ValueError, match="13 parameters, more than max_params=12"):
        nn.load(tmp_path / "m.json", max_params=12)
    assert nn.load(tmp_path / "m.json", max_params=13).state_dict() == model.state_dict()
    for bad in (0, -1, 1.5, True, "10"):
        with pytest.raises(ValueError, match="max_params must be a positive int"):
            nn.load(tmp_path / "m.json", max_params=bad)


@pytest.mark.parametrize(
    "arch",
    [
        dict(nin=1, nouts=[1]),
        dict(nin=1, nouts=[1] * 60),
        dict(nin=12, nouts=[11, 10]),
        dict(nin=40, nouts=[30, 1], activation="leaky_relu", output_activation="softmax"),
    ],
)
def test_every_file_save_writes_is_within_the_size_bound(tmp_path, arch):
    model = nn.MLP(**arch, seed=2**62)
    for p in model.parameters():
        p.data = -1.2345678901234567e-300  # the longest repr of a float
    path = tmp_path / "m.json"
    nn.save(model, path)
    count = len(model.parameters())
    assert path.stat().st_size <= serialize.max_file_bytes(count)
    assert nn.load(path, max_params=count).state_dict() == model.state_dict()


def test_a_file_larger_than_the_bound_allows_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    with open(path, "wb") as f:
        f.truncate(400 * 2**20)  # 400 MiB, sparse: no disk space used
    reads = []
    real_open = open

    def spy_open(*args, **kwargs):
        f = real_open(*args, **kwargs)
        real_read = f.read
        f.read = lambda *a: (reads.append(a), real_read(*a))[1]
        return f

    monkeypatch.setattr("builtins.open", spy_open)
    with pytest.raises(ValueError, match=r"419,430,400 bytes, larger than a model of max_params"):
        nn.load(path)
    assert reads == []


HOSTILE = {  # case: (where in a good file, or None for the whole file; the text; the message)
    "huge nin": (("architecture", "nin"), "1" + "0" * 400, "at least 10^400 parameters"),
    "float nin": (("architecture", "nin"), "1e400", "nin must be a positive int, not inf"),
    "nested": (None, "[" * 1000 + "]" * 1000, "nested too deeply"),
    "nested deeper": (("format",), "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "long int": (("architecture", "nin"), "1" + "0" * 5000, "not a valid JSON model file"),
    "not utf-8": (("format",), b'"chainrule.mlp\xff"', "byte 0xff at offset 27 is not UTF-8"),
    "long format": (("format",), json.dumps("x" * 6_000_000), "format is 'xxxx"),
    "long key": (("architecture",), json.dumps({"k" * 10**6: 1}), "architecture lacks nin"),
    "long nouts": (("architecture", "nouts"), json.dumps([0] * 10**5), "nouts[0] must"),
    "long activation": (("architecture", "activation"), json.dumps("s" * 10**5), "activation 'ss"),
    "deep seed": (("architecture", "seed"), "[" * 500 + "]" * 500, "seed must be an int or None"),
    "long weight": (("state_dict", "W1[0,0]"), json.dumps("v" * 10**6), "W1[0,0]='vvv"),
}


def hostile_file(tmp_path, case):
    where, text, _ = HOSTILE[case]
    text = text.encode() if isinstance(text, str) else text
    if where is not None:  # a good file with one value replaced, as a mutated file would be
        doc = good_doc(nn.MLP(2, [1], seed=0))
        inner = doc
        for k in where[:-1]:
            inner = inner[k]
        inner[where[-1]] = "@HOSTILE@"
        text = json.dumps(doc, indent=1).encode().replace(b'"@HOSTILE@"', text)
    path = tmp_path / "hostile.json"
    path.write_bytes(text)
    return path


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_files_are_short_value_errors_and_change_nothing(tmp_path, case):
    path = hostile_file(tmp_path, case)
    model = nn.MLP(2, [1], seed=5)
    before = model.state_dict()
    for attempt in (lambda: nn.load(path), lambda: nn.load(path, model)):
        with pytest.raises(ValueError) as e:
            attempt()
        message = str(e.value)
        assert message.startswith(str(path) + ": ") and HOSTILE[case][2] in message
        assert len(message) < 400 + len(str(path))
        assert model.state_dict() == before


def test_the_file_format_is_unchanged(tmp_path):
    model = nn.MLP(1, [1], seed=0)
    model.layers[0].W[0][0].data, model.layers[0].b[0].data = 0.5, -0.25
    nn.save(model, tmp_path / "m.json")
    assert (tmp_path / "m.json").read_text() == (
        '{\n "format": "chainrule.mlp",\n "version": 1,\n "architecture": {\n  "nin": 1,\n'
        '  "nouts": [\n   1\n  ],\n  "activation": "tanh",\n  "output_activation": "linear",\n'
        '  "init": "xavier_normal",\n  "seed": 0\n },\n "state_dict": {\n  "W1[0,0]": 0.5,\n'
        '  "b1[0]": -0.25\n }\n}\n'
    )
