"""draw() on a learner's own nodes: micrograd lecture style (`_prev`, `_op`, `label`), microgpt
style (`_children`, `_local_grads`) and names of the learner's own give the structure
chainrule's nodes give; unnamed ops are read from the numbers; hostile graphs are refused by
name, after reading no more than `max_nodes` nodes."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from autograd import Value, draw, topological_order
from autograd.learner.foreign import CAPTION, mirror


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
    return sorted(re.findall(r'^\top\d+ \[label=("[^"]*"|\S+) ', source, flags=re.M))


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
    # microgpt stores no op names: each is read from its local derivatives and inputs, marked
    assert ops(draw(expression(Micro)).source) == ['"+ ?"', '"tanh ?"', '"× ?"', '"× ?"']
    # microgpt stores ∂node/∂child on the node, and those are the numbers on the edges
    assert edge_labels(draw(expression(Micro)).source) == edge_labels(ours.source)
    assert len(edge_labels(ours.source)) == 7
    # microgpt's layout keeps its children in argument order: the DOT is chainrule's, but for
    # the ops' marks and the caption that explains them
    theirs = draw(expression(Micro)).source
    assert CAPTION in theirs and CAPTION not in ours.source

    def unmarked(source):
        return re.sub(r'(op\d+ \[label=)"?([^" ]+)(?: \?)?"?', r"\1\2", source).splitlines()

    assert [ln for ln in unmarked(theirs) if CAPTION not in ln] == unmarked(ours.source)
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


class Counted(Lecture):
    """A lecture node that counts how often any node's inputs are read."""

    reads = 0

    @property
    def _prev(self):
        Counted.reads += 1
        return self.__dict__["kids"]

    @_prev.setter
    def _prev(self, kids):
        self.__dict__["kids"] = kids


def test_a_deep_foreign_graph_is_walked_iteratively_and_the_limit_holds():
    x = Lecture(0.5, label="x")
    for _ in range(3000):  # deeper than the recursion limit
        x = x * Lecture(1.0)
    with pytest.raises(ValueError, match=r"more than max_nodes=500 values \(counting stopped"):
        draw(x)
    g = draw(x, max_nodes=6001)
    assert g.nodes == 6001 + 3000
    with pytest.raises(ValueError, match=r"more than max_nodes=6000 values"):
        draw(x, max_nodes=6000)


def test_a_huge_foreign_graph_is_refused_after_reading_max_nodes_of_it():
    x = Counted(0.5)
    for _ in range(20_000):
        x = Counted(x.data, (x, Counted(1.0)), "*")
    Counted.reads = 0
    with pytest.raises(ValueError, match="more than max_nodes=500"):
        draw(x)
    # the root's inputs looked for once, the inputs of 500 nodes read (the 501st node met is one
    # too many), and the root's twice more, to tell whether they are new objects on every read
    assert Counted.reads == 1 + 500 + 2


class Endless:
    """A node whose `_prev` builds new nodes on every read: its graph never ends."""

    def __init__(self, data=1.0):
        self.data, self.grad = data, 0.0

    @property
    def _prev(self):
        return {Endless(self.data + 1)}


class Fresh:
    """A node whose `_children` makes new leaves on every read (a finite graph, read once)."""

    def __init__(self):
        self.data, self.grad = 3.0, 0.0

    @property
    def _children(self):
        return (Micro(1.0), Micro(2.0))


def test_inputs_that_are_new_objects_on_every_read():
    with pytest.raises(ValueError, match="gives new objects on every read, so its graph never"):
        draw(Endless())
    g = draw(Fresh())  # read once: one picture of its two leaves (a bare KeyError once)
    assert (g.nodes, g.edges) == (4, 3)


def test_an_endless_iterator_of_inputs_is_cut_at_max_nodes():
    class Stream:
        data, grad = 1.0, 0.0

        @property
        def _children(self):
            return (Micro(float(i)) for i in range(10**12))

    with pytest.raises(ValueError, match="more than max_nodes=50"):
        draw(Stream(), max_nodes=50)


class Broken:
    """Properties of a learner's node that raise, one at a time."""

    def __init__(self, fail):
        self.fail, self.grad = fail, 0.0

    @property
    def data(self):
        if self.fail == "data":
            raise RuntimeError("data is broken")
        return 1.0

    @property
    def _children(self):
        if self.fail == "_children":
            raise RuntimeError("children are broken")
        return ()

    @property
    def label(self):
        if self.fail == "label":
            raise KeyError("label")
        return ""


@pytest.mark.parametrize("fail", ["data", "_children", "label"])
def test_a_property_that_raises_is_named_not_let_out(fail):
    with pytest.raises(
        ValueError, match=rf"draw\(\): (reading .{fail}|reading the graph|looking )"
    ):
        draw(Micro(1.0, (Broken(fail),), (1.0,)))


def test_broken_foreign_graphs_are_refused_by_name():
    with pytest.raises(TypeError, match=r"a node of your own engine; a object has none of \.data"):
        draw(object())
    with pytest.raises(TypeError, match=r"\._children, \._prev, \.parents for its inputs"):
        draw(type("OnlyData", (), {"data": 1.0})())
    bad = Micro("two", label="w")
    with pytest.raises(TypeError, match=r"'w' has \.data of type str"):
        draw(Micro(2.0, (bad,), (1.0,)))
    odd = Micro(1.0, (Micro(2.0),), (1.0, 2.0))
    with pytest.raises(ValueError, match=r"1 children but \._local_grads holds more numbers"):
        draw(odd)
    short = Micro(1.0, (Micro(2.0), Micro(3.0)), (1.0,))
    with pytest.raises(ValueError, match=r"2 children but \._local_grads holds 1 numbers"):
        draw(short)
    text = Micro(1.0, (Micro(2.0),), ("x",))
    with pytest.raises(TypeError, match=r"\._local_grads\[0\] = a str, not a number"):
        draw(text)
    a = Micro(1.0)
    loop = Micro(2.0, (a,), (1.0,))
    a._children, a._local_grads = (loop,), (1.0,)
    with pytest.raises(ValueError, match="cycle"):
        draw(loop)
    with pytest.raises(TypeError, match=r"\._children is a int, not a collection"):
        draw(Micro(1.0, 7, ()))
    with pytest.raises(ValueError, match="max_nodes must be a positive int"):
        draw(Micro(1.0), max_nodes="500")


class Renamed:
    """A learner's node with names of its own."""

    def __init__(self, value, kids=(), locs=(), name=""):
        self.value, self.gradient, self.kids, self.locs, self.name = value, 0.0, kids, locs, name

    def __mul__(self, other):
        return Renamed(self.value * other.value, (self, other), (other.value, self.value))


def test_a_learners_own_attribute_names():
    a, b = Renamed(2.0, name="a"), Renamed(-3.0, name="b")
    y = a * b
    y.gradient = 1.0
    with pytest.raises(TypeError, match=r"none of \.data for its value \(data='…' names yours\)"):
        draw(y)
    g = draw(y, data="value", grad="gradient", children="kids", local_grads="locs", label="name")
    ours = Value(2.0, label="a") * Value(-3.0, label="b")
    ours.grad = 1.0
    assert records(g.source) == records(draw(ours).source)
    assert edge_labels(g.source) == edge_labels(draw(ours).source)
    assert ops(g.source) == ['"× ?"']
    with pytest.raises(TypeError, match=r"a Renamed has none of \.kid for its inputs \(children="):
        draw(y, data="value", grad="gradient", children="kid")
    with pytest.raises(TypeError, match="children= names the attribute"):
        draw(y, data="value", children=3)
    with pytest.raises(TypeError, match="name the attributes of a learner's own nodes"):
        draw(ours, children="kids")


def test_an_op_is_read_from_the_numbers_only_where_exactly_one_fits():
    x = Micro(0.0, label="x")
    # at 0, tanh, sin and atan all give 0 with derivative 1: none is claimed
    assert ops(draw(Micro(0.0, (x,), (1.0,))).source) == ["op"]
    # a stored derivative no op of the table gives
    assert ops(draw(Micro(1.0, (Micro(2.0), Micro(3.0)), (7.0, 7.0))).source) == ["op"]
    two = Micro(2.0, label="x")
    assert ops(draw(Micro(8.0, (two,), (12.0,))).source) == ['"· ** 3 ?"']
    assert ops(draw(Micro(math.exp(2.0), (two,), (math.exp(2.0),))).source) == ['"exp ?"']
    assert ops(draw(Micro(math.log(2.0), (two,), (0.5,))).source) == ['"log ?"']
    assert ops(draw(Micro(0.0, (Micro(-2.0),), (0.0,))).source) == ['"relu ?"']
    assert CAPTION not in draw(Micro(0.0, (x,), (1.0,))).source  # nothing marked, no caption


def test_the_mirror_has_chainrules_public_node_view():
    m = mirror(expression(Micro))
    assert m.local_grads and m.inferred == 4
    assert m.root.op == "tanh ?" and len(m.root.parents) == 1
    assert m.root.local_grads == pytest.approx((1 - m.root.data**2,))
    assert not mirror(expression(Lecture)).local_grads
    assert mirror(expression(Lecture)).inferred == 0
