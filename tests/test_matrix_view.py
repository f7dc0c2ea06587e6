"""nn.matrix_view: one record per matrix, with the same numbers as the scalar view of the same
backward pass; layers expanded into scalars; the edges adding up to one dC/dW entry in red."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from test_matrix_identities import passes, random_pass

from autograd import draw, grad
from autograd.drawing.dot_text import HOT, num
from nn.batch_pass import run
from nn.matrix_view import matrix_view

RECORD = re.compile(r'label="\{?\s*([^"|]+?)\s*\|\s*data ([^|"]+?)\s*\|\s*grad ([^|"}]+?)\s*\}?"')


def scalar_records(source: str) -> dict[str, tuple[str, str]]:
    """label → (data, grad) as the scalar drawing prints them."""
    out = {}
    for label, data, g in RECORD.findall(source):
        out[label.replace("&#32;", " ").replace("\\[", "[").replace("\\]", "]")] = (data, g)
    return out


def matrix_nodes(bp) -> dict[str, list[list]]:
    """Each drawn matrix's Values, rows i and (for z, a, x) one column per example."""
    cols = lambda per: [list(r) for r in zip(*per, strict=True)]  # noqa: E731
    out = {"a0": cols(bp.X)}
    for l in range(1, bp.L + 1):  # noqa: E741
        out[f"W{l}"] = bp.W(l)
        out[f"b{l}"] = [[b] for b in bp.b(l)]
        out[f"z{l}"] = cols(bp.z[l])
        if bp.activation(l) != "linear":
            out[f"a{l}"] = cols(bp.a[l])
    return out


@given(passes)
def test_the_matrices_hold_the_scalar_views_numbers(bp):
    view = matrix_view(bp)
    scalar = scalar_records(draw(bp.C, max_nodes=10_000).source)
    for name, nodes in matrix_nodes(bp).items():
        values, grads = view.matrices[name]
        for i, row in enumerate(nodes):
            for n, v in enumerate(row):
                assert values[i][n] == v.data and grads[i][n] == v.grad, (name, i, n)
                assert scalar[v.label] == (num(v.data), num(v.grad)), v.label  # as drawn
    assert view.matrices["C"] == ([[bp.C.data]], [[1.0]])


def test_the_gradients_are_the_losses_own():
    """The grads the view shows are ∂C/∂· as `grad` computes them afresh, without .grad."""
    bp = random_pass(4, 3, [4], 2, "sigmoid", 0, 3)
    view = matrix_view(bp)
    for l in (1, 2):  # noqa: E741
        flat = [w for row in bp.W(l) for w in row]
        fresh = grad(bp.C, flat)
        shown = [g for row in view.matrices[f"W{l}"][1] for g in row]
        assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15) for a, b in zip(fresh, shown))


def test_the_edges_carry_the_matrix_form_of_the_local_derivative():
    bp = random_pass(1, 2, [3], 2, "tanh", 0, 2)
    src = matrix_view(bp).source.replace("&#32;", " ")
    for label in ("(W¹)ᵀ ·", "· (a⁰)ᵀ", "· 1", "tanh'(z¹) ⊙ ·", "(W²)ᵀ ·", "· (a¹)ᵀ", "∇C(a²)"):
        assert f'label="{label}"' in src, label
    assert "grad = δ¹" in src and "z¹ (3×2)" in src and "a² = z²" in src
    soft = matrix_view(random_pass(1, 2, [3], 3, "sigmoid", 2, 1)).source.replace("&#32;", " ")
    assert 'label="J(z²)ᵀ ·"' in soft and 'label="σ\'(z¹) ⊙ ·"' in soft


def test_an_expanded_layer_shows_its_scalars_on_the_same_page():
    bp = random_pass(2, 2, [2], 1, "tanh", 0, 2)
    src = matrix_view(bp, expand=[1]).source
    assert "cluster_layer1" in src and "W1 [label=" not in src  # W¹ drawn scalar by scalar
    records = scalar_records(src)
    for row in bp.W(1):
        for w in row:
            assert records[w.label] == (num(w.data), num(w.grad))
    for n in range(2):
        for z in bp.z[1][n]:
            assert records[z.label] == (num(z.data), num(z.grad))
    assert "W2 [label=" in src  # layer 2 stays a matrix


@pytest.mark.parametrize("n", [1, 3])
def test_the_highlighted_edges_add_up_to_the_entry(n):
    bp = random_pass(6, 2, [3], 2, "tanh", 0, n)
    w = bp.W(1)[2][1]
    view = matrix_view(bp, highlight="W1[2,1]")
    hot = re.findall(rf'W1_2_1 -> (\S+) \[label="[^"]*= ([-\d.e]+)" color="{HOT}"', view.source)
    assert len(hot) == n  # one edge into each example's dot node
    parts = [float(c) for _, c in hot]
    assert math.isclose(sum(parts), w.grad, abs_tol=1e-4 * n)  # the labels' 4 decimals
    assert f"W1[2,1].grad = {num(w.grad)}" in view.source  # the caption
    (c_node,) = [line for line in view.source.splitlines() if line.startswith("\tC [")]
    assert f'color="{HOT}"' in c_node  # the path reaches C
    assert matrix_view(bp, highlight=w).source == view.source  # the Value itself works too


def test_bad_arguments_are_refused_with_their_name():
    bp = random_pass(6, 2, [3], 2, "tanh", 0, 1)
    with pytest.raises(ValueError, match=r"expand takes layer numbers 1\.\.2"):
        matrix_view(bp, expand=[3])
    with pytest.raises(ValueError, match="highlight must name a parameter"):
        matrix_view(bp, highlight="W9[0,0]")
    with pytest.raises(TypeError, match="BatchPass"):
        matrix_view(bp.C)
    with pytest.raises(ValueError, match="rankdir"):
        matrix_view(bp, rankdir="XY")
    wide = random_pass(6, 40, [20], 2, "tanh", 0, 1)
    with pytest.raises(ValueError, match=r"W¹ is 20×40 = 800 entries, more than max_entries=256"):
        matrix_view(wide)
    assert "W1 [label=" in matrix_view(wide, max_entries=800).source
    with pytest.raises(ValueError, match="layer 1 drawn scalar by scalar has about"):
        matrix_view(random_pass(6, 16, [16], 2, "tanh", 0, 2), expand=[1])


def test_run_refuses_what_it_cannot_run():
    model = random_pass(6, 2, [3], 2, "tanh", 0, 1).model
    with pytest.raises(ValueError, match="example 1 of X must be 2 numbers"):
        run(model, [[1.0, 2.0], [1.0]], [[0, 0], [0, 0]])
    with pytest.raises(ValueError, match="2 examples need 2 targets"):
        run(model, [[1.0, 2.0], [1.0, 0.0]], [[0.0, 0.0]])
    with pytest.raises(ValueError, match="loss must be one of"):
        run(model, [1.0, 2.0], [0.0, 0.0], "nope")


def test_the_view_renders_to_svg():
    bp = random_pass(6, 2, [3], 2, "tanh", 0, 2)
    svg = matrix_view(bp, expand=[2]).svg()
    assert svg.lstrip().startswith(("<?xml", "<svg", "<!--")) and "</svg>" in svg
    assert repr(matrix_view(bp)).startswith("<Graph:")
