"""draw() on a learner's own nodes: micrograd lecture style (`_prev`, `_op`, `label`) and
microgpt style (`_children`, `_local_grads`) give the structure chainrule's nodes give."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from autograd import Value, draw, topological_order
from autograd.learner.foreign import NO_OP, mirror


class Lecture:
    """The lecture's node layout: a set of children, an op name, a label, grads set by closures."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._prev = set(_children)
        self._op = _op
        self.label = label
        self._backward = lambda: None

    def __add__(self, other):
        return Lecture(self.data + other.data, (self, other), "+")

    def __mul__(self, other):
        return Lecture(self.data * other.data, (self, other), "*")

    def tanh(self):
        return Lecture(math.tanh(self.data), (self,), "tanh")


class Micro:
    """microgpt's node layout (tuples of children and local derivatives), plus a label."""

    __slots__ = ("_children", "_local_grads", "data", "grad", "label")

    def __init__(self, data, children=(), local_grads=(), label=""):
        self.data = data
        self.grad = 0
        self._children = children
        self._local_grads = local_grads
        self.label = label

    def __add__(self, other):
        return Micro(self.data + other.data, (self, other), (1, 1))

    def __mul__(self, other):
        return Micro(self.data * other.data, (self, other), (other.data, self.data))

    def tanh(self):
        t = math.tanh(self.data)
        return Micro(t, (self,), (1 - t * t,))


def expression(V):
    """The lecture's L = (a*b + c)*f, then tanh, with labels on the leaves and steps."""
    a, b = V(2.0, label="a"), V(-3.0, label="b")
    c, f = V(10.0, label="c"), V(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L.tanh()


def records(source):
    return sorted(re.findall(r"^\tn\d+ \[label=(\S+ .*?) shape=record", source, flags=re.M))


def ops(source):
    return sorted(re.findall(r"^\top\d+ \[label=(\S+) ", source, flags=re.M))


def edge_labels(source):
    return sorted(re.findall(r"^\tn\d+ -> op\d+ \[label=(\S+)\]", source, flags=re.M))


def test_both_styles_draw_the_structure_chainrule_draws():
    ours = draw(expression(Value))
    for V in (Lecture, Micro):
        theirs = draw(expression(V))
        assert (theirs.nodes, theirs.edges) == (ours.nodes, ours.edges), V
        assert records(theirs.source) == records(ours.source), V
    # a learner's op names are drawn as the learner wrote them ("*"), ours as maths ("×")
    assert ops(draw(expression(Lecture)).source) == sorted(
        f'"{v.op}"' if not v.op.isalpha() else v.op
        for v in topological_order(expression(Value))
        if v.op
    )
    assert ops(draw(expression(Micro)).source) == sorted([NO_OP] * 4)
    # microgpt stores ∂node/∂child on the node, and those are the numbers on the edges
    assert edge_labels(draw(expression(Micro)).source) == edge_labels(ours.source)
    assert len(edge_labels(ours.source)) == 7
    # microgpt's layout keeps its children in argument order: the DOT is chainrule's, but for
    # the op names it does not store
    unnamed = re.compile(r"(op\d+) \[label=\S+")
    assert unnamed.sub(r"\1", draw(expression(Micro)).source) == unnamed.sub(r"\1", ours.source)
    # the lecture's closures keep theirs hidden: no numbers on its edges
    assert edge_labels(draw(expression(Lecture)).source) == []


def test_a_set_of_children_is_drawn_the_same_way_every_time():
    sources = {draw(expression(Lecture)).source for _ in range(5)}
    assert len(sources) == 1


def test_grads_are_drawn_as_the_learners_nodes_hold_them():
    root = expression(Micro)
    root.grad = 1.0
    assert "grad 1.0000" in draw(root).source
    assert all("grad" not in r for r in records(draw(root, show_grad=False).source))


def test_highlight_takes_the_learners_nodes():
    a, b = Micro(2.0, label="a"), Micro(3.0, label="b")
    root = a * b + a
    assert 'color="#d62728"' in draw(root, highlight=b).source
    assert draw(root, highlight=[a]).source.count('color="#d62728"') > 0
    with pytest.raises(ValueError, match="not in the graph"):
        draw(root, highlight=Micro(1.0))


def test_labels_are_escaped_as_for_chainrules_nodes():
    label = 'x{1} | <b>&"\\n'
    ours = draw(Value(1.0, label=label) * Value(2.0, label="y"))
    theirs = draw(Micro(1.0, label=label) * Micro(2.0, label="y"))
    assert records(theirs.source) == records(ours.source)
    ET.fromstring(theirs.svg())  # well-formed SVG from real Graphviz


def test_a_deep_foreign_graph_is_walked_iteratively_and_the_limit_holds():
    x = Lecture(0.5, label="x")
    for _ in range(3000):  # deeper than the recursion limit
        x = x * Lecture(1.0)
    with pytest.raises(ValueError, match=r"6001 values, more than max_nodes=500"):
        draw(x)
    g = draw(x, max_nodes=6001)
    assert g.nodes == 6001 + 3000


def test_broken_foreign_graphs_are_refused_by_name():
    with pytest.raises(TypeError, match="a node of your own"):
        draw(object())
    bad = Micro("two", label="w")
    with pytest.raises(TypeError, match=r"'w' has \.data of type str"):
        draw(Micro(2.0, (bad,), (1.0,)))
    odd = Micro(1.0, (Micro(2.0),), (1.0, 2.0))
    with pytest.raises(ValueError, match="one local derivative per child"):
        draw(odd)
    a = Micro(1.0)
    loop = Micro(2.0, (a,), (1.0,))
    a._children, a._local_grads = (loop,), (1.0,)
    with pytest.raises(ValueError, match="cycle"):
        draw(loop)
    with pytest.raises(TypeError, match=r"\._children is not a collection"):
        draw(Micro(1.0, 7, ()))


def test_the_mirror_has_chainrules_public_node_view():
    m = mirror(expression(Micro))
    assert m.local_grads
    assert m.root.op == NO_OP and len(m.root.parents) == 1
    assert m.root.local_grads == pytest.approx((1 - m.root.data**2,))
    assert not mirror(expression(Lecture)).local_grads
