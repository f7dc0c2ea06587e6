"""Exercises in computing gradients by hand, made from a seed and a level.

    level 1  a chain: three ops of +, −, ×, ² in a row
    level 2  a node used twice: three ops whose operands are earlier nodes, one of them twice
    level 3  a neuron: a = h(w₁x₁ + w₂x₂ + b) with h = σ, tanh or ReLU, L = (a − t)²
    level 4  a two-layer MLP on one example: nn.MLP(2, [2, 1]), tanh or σ, L = (y − t)²
    level 5  softmax with cross-entropy: a = softmax(W¹x + b¹) (nn.Layer, 1 input, 3 classes),
             L = −ln a_c

Every number is a whole tenth drawn from `Stream(seed, level)`, so an exercise is the same on
every platform; draws are repeated (from the same stream) until every catalogued mistake that
applies at a node gives a number clearly apart from the right one, so a mistaken answer is never
taken for right and every mistake can be told. `exercise(seed, level)` makes one; a teacher's
`class_set(seed, students)` gives each student their own seed and an answer key.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import autograd
from autograd import Value, backward_steps, topological_order
from autograd.drawing import Cluster, Graph, draw

from ..layers import MLP, Layer
from . import diagnosis as _diagnosis
from .diagnosis import fmt
from .mistakes import Edge, candidates
from .stream import Stream

LEVELS: dict[int, str] = {
    1: "a chain",
    2: "a node used twice",
    3: "a neuron (σ, tanh or ReLU)",
    4: "a two-layer MLP on one example",
    5: "softmax with cross-entropy",
}
ATTEMPTS = 1000  # draws tried before giving up (a level needs a few at most)
LARGEST = 50.0  # no value or gradient beyond this: numbers a hand computation can carry


@dataclass(eq=False)
class Exercise:
    """One exercise: the graph of L, the nodes whose ∂L/∂· the learner gives, and the right
    answers (the engine's backward pass)."""

    seed: int
    level: int
    task: str
    root: Value
    asked: dict[str, Value]  # from the loss down, as a learner works
    clusters: list[Cluster] = field(default_factory=list)
    gradients: dict[Value, float] = field(default_factory=dict, repr=False)

    @property
    def title(self) -> str:
        return f"Exercise (seed {self.seed}, level {self.level}: {LEVELS[self.level]})"

    def blank(self) -> dict[str, None]:
        """The answer to fill in: every asked node, no number yet."""
        return dict.fromkeys(self.asked)

    def solution(self) -> dict[str, float]:
        """The right answers: ∂L/∂node for every asked node."""
        return {name: self.gradients[v] + 0.0 for name, v in self.asked.items()}

    def check(self, answers: Mapping[str, Any] | None) -> _diagnosis.Report:
        """Node by node right or wrong, with the rule a wrong number was computed by."""
        return _diagnosis.check(self, answers)

    def draw(self, highlight: str | None = None) -> Graph:
        """The graph with its values and without its gradients (top to bottom); `highlight`
        names a node whose paths to L are coloured."""
        if highlight is not None and highlight not in self.asked:
            raise ValueError(
                f"highlight names an asked node ({', '.join(self.asked)}), not {highlight!r}"
            )
        h = self.asked[highlight] if highlight is not None else None
        return draw(
            self.root,
            rankdir="TB",
            show_grad=False,
            show_local_grads=False,
            highlight=h,
            clusters=self.clusters,
        )

    def spec(self) -> dict[str, Any]:
        """What makes the exercise, as plain data: the task, every node's label, op and value."""
        return {
            "seed": self.seed,
            "level": self.level,
            "task": self.task,
            "asked": list(self.asked),
            "nodes": [[v.label, v.op, v.data] for v in topological_order(self.root)],
        }

    def worked(self) -> str:
        """The worked answer: each asked node's gradient by the chain rule, with its numbers."""
        return "\n".join(_worked_line(self, name, v) for name, v in self.asked.items())

    def worked_answer(self) -> Worked:
        """The worked answer folded away: in a notebook a disclosure the learner opens."""
        return Worked(self.worked())

    def __repr__(self) -> str:
        return (
            f"{self.title}\n{self.task}\nGive ∂L/∂· for: {', '.join(self.asked)}\n"
            "(as a dict {name: number}; .blank() gives one to fill in)"
        )


# ---- the worked answer ------------------------------------------------------------------


class Worked:
    """A worked answer that shows folded (`<details>`) where HTML is shown, so that running a
    notebook top to bottom does not put the answers in view; plain text elsewhere."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_html_(self) -> str:
        return (
            "<details><summary>The worked answer (click to open)</summary>"
            f"<pre>{html.escape(self.text)}</pre></details>"
        )

    def __repr__(self) -> str:
        return self.text


def _n(v: Value) -> str:
    return v.label or fmt(v.data)


def _factor(x: float) -> str:
    """A number in a product: negative ones in parentheses, with a real minus sign."""
    text = fmt(x)
    return f"(−{text[1:]})" if text.startswith("-") else text


def _formula(c: Value, k: int) -> str:
    """∂c/∂(its parent k) in symbols."""
    op = c.primitive.name
    p = c.parents
    if op in ("add", "sum", "add_c", "sub_c"):
        return "1"
    if op == "sub":
        return "1" if k == 0 else "(−1)"
    if op in ("rsub_c", "neg"):
        return "(−1)"
    if op == "mul":
        return _n(p[1 - k]) if p[0] is not p[1] else f"{_n(p[0])} (each factor)"
    if op == "dot":
        half = len(p) // 2
        return _n(p[k + half] if k < half else p[k - half])
    if op == "mul_c":
        return fmt(c.param)
    if op == "pow_c":
        return f"{fmt(c.param)}{_n(p[0])}" + ("" if c.param == 2 else f"^{fmt(c.param - 1)}")
    if op == "tanh":
        return f"(1 − {_n(c)}²)"
    if op == "sigmoid":
        return f"{_n(c)}(1 − {_n(c)})"
    if op == "relu":
        return "1 (z > 0)" if p[0].data > 0 else "0 (z ≤ 0)"
    if op == "log":
        return f"1/{_n(p[0])}"
    if op == "softmax":
        base = c.label.split("[")[0] if c.label else "p"
        i = c.param
        return f"{_n(c)}(1 − {_n(c)})" if k == i else f"(−{_n(c)}·{base}[{k}])"
    return f"∂{_n(c)}/∂{_n(p[k])}"


def _worked_line(ex: Exercise, name: str, v: Value) -> str:
    """∂L/∂v as the sum over its paths to the nearest labelled nodes (unlabelled ones, such as
    the dot under z1[0], are passed through; their factors of 1 are left out)."""
    order = topological_order(ex.root)
    used = _diagnosis.uses(order)
    paths = []  # (labelled node reached, [(formula, local)…])
    stack = [(c, [(_formula(c, k), c.local_grads[k])]) for c, k in reversed(used[v])]
    while stack:
        c, chain = stack.pop()
        if c.label or c is ex.root:
            paths.append((c, [(f, d) for f, d in chain if f != "1"] or chain[:1]))
        else:
            stack += [
                (u, [*chain, (_formula(u, k), u.local_grads[k])]) for u, k in reversed(used[c])
            ]
    symbols = " + ".join(f"∂L/∂{_n(c)}·" + "·".join(f for f, _ in chain) for c, chain in paths)
    numbers = " + ".join(
        " × ".join(_factor(x) for x in [ex.gradients[c], *(d for _, d in chain)])
        for c, chain in paths
    )
    return f"∂L/∂{name} = {symbols} = {numbers} = {fmt(ex.gradients[v])}"


# ---- making exercises -------------------------------------------------------------------


def _gradients(root: Value) -> dict[Value, float]:
    """∂root/∂v for every node, from one backward walk (`.grad` untouched)."""
    return {step.node: step.grad for step in backward_steps(root)}


def _telling(root: Value, asked: dict[str, Value]) -> bool:
    """Every number is small, no ReLU sits at its kink, and at every asked node each mistake
    that applies gives a number clearly apart from the right one."""
    order = topological_order(root)
    grads = _gradients(root)
    if any(not abs(v.data) <= LARGEST or not abs(grads[v]) <= LARGEST for v in order):
        return False
    if any(
        v.primitive and v.primitive.name == "relu" and abs(v.parents[0].data) < 0.05 for v in order
    ):
        return False
    used = _diagnosis.uses(order)
    for v in asked.values():
        g = grads[v]
        edges = [Edge(c, k, c.local_grads[k], grads[c]) for c, k in used[v]]
        for _, _, wrong in candidates(v, edges):
            if abs(wrong - g) <= 2 * (
                _diagnosis.ABS_TOL + _diagnosis.REL_TOL * max(abs(wrong), abs(g))
            ):
                return False
    return True


def _leaf(label: str, x: float) -> Value:
    return Value(x, label=label)


def _named(v: Value, label: str) -> Value:
    v.label = label
    return v


_BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "×": lambda a, b: a * b,
    "+": lambda a, b: a + b,
    "−": lambda a, b: a - b,
}


def _chain(s: Stream, **_: Any):
    """x, then three ops in a row, each on the last node: × u, + u, − u, u − ·, or ²."""
    x = _leaf("x", s.tenths(-2, 2))
    v, lines, leaves = x, [], []
    names = ["a", "b", "L"]
    kinds = [s.choice(("×", "+", "−", "r−", "²")) for _ in range(3)]
    if all(k == "²" for k in kinds):
        kinds[0] = "×"
    for name, kind in zip(names, kinds, strict=True):
        if kind == "²":
            new, text = v**2, f"{v.label}²"
        else:
            c = _leaf("uvw"[len(leaves)], s.tenths(-2, 2))
            leaves.append(c)
            if kind == "r−":
                new, text = c - v, f"{c.label} − {v.label}"
            else:
                new, text = _BINARY[kind](v, c), f"{v.label} {kind} {c.label}"
        v = _named(new, name)
        lines.append(f"{name} = {text}")
    return v, lines, ["b", "a", "x", *(c.label for c in leaves)], None


def _twice(s: Stream, **_: Any):
    """x, y; a = x ∘ y, b = a ∘ (x, y or a), L = b ∘ (x, y, a or b): some node is used twice."""
    x, y = _leaf("x", s.tenths(-2, 2)), _leaf("y", s.tenths(-2, 2))
    nodes = [x, y]
    lines = []
    a_kind = s.choice(tuple(_BINARY))
    a = _named(_BINARY[a_kind](x, y), "a")
    lines.append(f"a = x {a_kind} y")
    nodes.append(a)
    last = a
    for name in ("b", "L"):
        kind = s.choice(tuple(_BINARY))
        other = s.choice(nodes)
        if other is last and kind == "−":
            kind = "×"  # b − b is 0
        v = _named(_BINARY[kind](last, other), name)
        lines.append(f"{name} = {last.label} {kind} {other.label}")
        nodes.append(v)
        last = v
    return last, lines, ["b", "a", "x", "y"], None


_UNITS = {
    "sigmoid": ("σ", Value.sigmoid),
    "tanh": ("tanh", Value.tanh),
    "relu": ("ReLU", Value.relu),
}


def _neuron(s: Stream, activation: str | None = None, **_: Any):
    """a = h(w₁x₁ + w₂x₂ + b) (one sum node), e = a − t, L = e²."""
    act = activation or s.choice(tuple(_UNITS))
    if act not in _UNITS:
        raise ValueError(f"activation must be one of {', '.join(_UNITS)}, not {act!r}")
    sym, h = _UNITS[act]
    x1, w1 = _leaf("x1", s.tenths(-2, 2)), _leaf("w1", s.tenths(-1.5, 1.5))
    x2, w2 = _leaf("x2", s.tenths(-2, 2)), _leaf("w2", s.tenths(-1.5, 1.5))
    b, t = _leaf("b", s.tenths(-1, 1)), s.tenths(-1, 1)
    p1, p2 = _named(w1 * x1, "p1"), _named(w2 * x2, "p2")
    z = _named(autograd.sum([p1, p2, b]), "z")
    a = _named(h(z), "a")
    e = _named(a - t, "e")
    L = _named(e**2, "L")
    lines = [
        "p1 = w1·x1, p2 = w2·x2",
        "z = p1 + p2 + b",
        f"a = {sym}(z)",
        f"e = a − t, t = {fmt(t)}",
        "L = e²",
    ]
    return L, lines, ["e", "a", "z", "p1", "p2", "b", "w1", "w2", "x1", "x2"], None


def _set_tenths(s: Stream, params: Sequence[tuple[str, Value]]) -> None:
    for name, p in params:
        p.data = s.tenths(-0.5, 0.5) if name.startswith("b") else s.tenths(-1.5, 1.5)


def _mlp(s: Stream, activation: str | None = None, **_: Any):
    """nn.MLP(2, [2, 1]) with tanh or σ hidden units and a linear output y; L = (y − t)²."""
    act = activation or s.choice(("tanh", "sigmoid"))
    model = MLP(2, [2, 1], activation=act, output_activation="linear", seed=0)
    _set_tenths(s, model.named_parameters())
    x = [_leaf("x[0]", s.tenths(-2, 2)), _leaf("x[1]", s.tenths(-2, 2))]
    t = s.tenths(-1, 1)
    y = _named(model(x)[0], "y")
    e = _named(y - t, "e")
    L = _named(e**2, "L")
    sym = "σ" if act == "sigmoid" else "tanh"
    lines = [
        f"z1 = W1·x + b1, a1 = {sym}(z1)  (2 hidden units)",
        "y = W2·a1 + b2  (one linear output)",
        f"e = y − t, t = {fmt(t)}; L = e²",
    ]
    asked = ["e", "y", "a1[0]", "a1[1]", "z1[0]", "z1[1]"]
    asked += ["W2[0,0]", "W2[0,1]", "b2[0]", "W1[0,0]", "W1[0,1]", "W1[1,0]", "W1[1,1]"]
    asked += ["b1[0]", "b1[1]", "x[0]", "x[1]"]
    return L, lines, asked, None  # no boxes: they make the picture too wide for a notebook


def _softmax(s: Stream, **_: Any):
    """a = softmax(W¹x + b¹) over 3 classes from one input (nn.Layer), q = ln a_c, L = −q."""
    layer = Layer(1, 3, activation="softmax", index=1)
    _set_tenths(s, layer.named_parameters())
    x = [_leaf("x[0]", s.tenths(-2, 2))]
    c = s.below(3)
    p = layer(x)[c]
    q = _named(p.log(), "q")
    L = _named(-q, "L")
    lines = [
        "z1 = W1·x + b1 (one input, 3 classes), a1 = softmax(z1)",
        f"the right class is c = {c}: q = ln a1[{c}], L = −q (cross-entropy)",
    ]
    asked = ["q", f"a1[{c}]", "z1[0]", "z1[1]", "z1[2]"]
    asked += [f"W1[{i},0]" for i in range(3)] + [f"b1[{i}]" for i in range(3)]
    return L, lines, asked, [layer.clusters()]


BUILDERS = {1: _chain, 2: _twice, 3: _neuron, 4: _mlp, 5: _softmax}


def exercise(seed: int, level: int, activation: str | None = None) -> Exercise:
    """The exercise of `level` (1–5, see LEVELS) made from `seed`: the same on every platform.
    `activation` picks the unit of levels 3 (sigmoid, tanh, relu) and 4 (sigmoid, tanh)."""
    if isinstance(level, bool) or level not in BUILDERS:
        raise ValueError(f"level must be one of {', '.join(map(str, LEVELS))}, not {level!r}")
    if activation is not None and level not in (3, 4):
        raise ValueError(f"activation is chosen for levels 3 and 4 only, not level {level}")
    s = Stream(seed, level)
    for _ in range(ATTEMPTS):
        root, lines, names, clusters = BUILDERS[level](s, activation=activation)
        nodes = {v.label: v for v in topological_order(root) if v.label}
        asked = {name: nodes[name] for name in names if name in nodes}
        if _telling(root, asked):
            grads = _gradients(root)
            return Exercise(seed, level, "\n".join(lines), root, asked, clusters or [], grads)
    raise RuntimeError(f"no exercise of level {level} from seed {seed} in {ATTEMPTS} draws")


def exercise_set(seed: int, levels: Sequence[int] = (1, 2, 3, 4, 5)) -> list[Exercise]:
    """One exercise per level, all from `seed`: a graded set."""
    return [exercise(seed, level) for level in levels]


@dataclass
class ClassSet:
    """A set of exercises per student, each from the student's own seed, and the answer key."""

    seeds: dict[str, int]
    levels: tuple[int, ...]

    def exercises(self, student: str) -> list[Exercise]:
        """The student's graded set."""
        return exercise_set(self.seeds[student], self.levels)

    def answer_key(self) -> str:
        """Markdown: per student and level, the seed and every ∂L/∂node to 4 significant digits."""
        lines = ["| student | seed | level | answers |", "| --- | --- | --- | --- |"]
        for student, seed in self.seeds.items():
            for ex in self.exercises(student):
                answers = ", ".join(f"{k}: {fmt(v)}" for k, v in ex.solution().items())
                lines.append(f"| {student} | {seed} | {ex.level} | {answers} |")
        return "\n".join(lines)


def class_set(
    seed: int, students: int | Sequence[str], levels: Sequence[int] = (1, 2, 3, 4, 5)
) -> ClassSet:
    """Student k (or the k-th name) gets seed + k: each can remake their set with
    `exercise_set(seed + k)`, and the teacher checks it with the same seed."""
    names = (
        [f"student {k + 1}" for k in range(students)]
        if isinstance(students, int)
        else list(students)
    )
    if len(set(names)) != len(names):
        raise ValueError("students must have different names")
    levels = tuple(levels)
    for level in levels:
        if level not in BUILDERS:
            raise ValueError(f"levels must be among {', '.join(map(str, LEVELS))}, not {level!r}")
    return ClassSet({name: seed + k for k, name in enumerate(names)}, levels)


__all__ = ["LEVELS", "ClassSet", "Exercise", "class_set", "exercise", "exercise_set"]
