"""SGD (momentum, weight decay, schedules) and Adam against their update rules."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value

OPTIMISERS = {
    "sgd": lambda ps: nn.SGD(ps, lr=0.1),
    "momentum": lambda ps: nn.SGD(ps, lr=0.05, momentum=0.9),
    "adam": lambda ps: nn.Adam(ps, lr=0.1),
}


def minimise(opt, params, f, steps):
    for _ in range(steps):
        opt.zero_grad()
        f(*params).backward()
        opt.step()


@pytest.mark.parametrize("name", sorted(OPTIMISERS))
def test_descent_reaches_the_minimiser(name):
    """000-5 / 003-6: θ ← θ − η∇C finds the minimum of C(x, y) = (x − 3)² + 2(y + 1)²."""
    x, y = Value(0.0, "x"), Value(0.0, "y")
    opt = OPTIMISERS[name]([x, y])
    minimise(opt, [x, y], lambda x, y: (x - 3) ** 2 + 2 * (y + 1) ** 2, 300)
    assert (x.data, y.data) == pytest.approx((3.0, -1.0), abs=1e-3)
    assert opt.steps == 300


@given(
    data=st.lists(st.floats(-5, 5), min_size=1, max_size=4),
    grads=st.lists(st.floats(-5, 5), min_size=4, max_size=4),
    lr=st.floats(0.001, 1),
)
def test_plain_sgd_is_theta_minus_lr_grad(data, grads, lr):
    grads = grads[: len(data)]
    ps = [Value(d) for d in data]
    for p, g in zip(ps, grads, strict=True):
        p.grad = g
    nn.SGD(ps, lr=lr).step()
    assert [p.data for p in ps] == [d - lr * g for d, g in zip(data, grads, strict=True)]


def test_momentum_accumulates_velocity():
    p = Value(1.0)
    opt = nn.SGD([p], lr=0.1, momentum=0.5)
    v, theta = 0.0, 1.0
    for g in [1.0, 2.0, -1.0, 0.5]:
        p.grad = g
        opt.step()
        v = 0.5 * v + g
        theta -= 0.1 * v
        assert p.data == pytest.approx(theta, rel=1e-15)


def test_weight_decay_is_the_gradient_of_an_l2_penalty():
    """SGD(weight_decay=λ) on C moves θ exactly as plain SGD on C + (λ/2)‖θ‖²."""
    lam = 0.3

    def cost(a, b):
        return (a * b - 1) ** 2

    a1, b1 = Value(0.5), Value(2.0)
    a2, b2 = Value(0.5), Value(2.0)
    opt1 = nn.SGD([a1, b1], lr=0.1, weight_decay=lam)
    opt2 = nn.SGD([a2, b2], lr=0.1)
    minimise(opt1, [a1, b1], cost, 5)
    minimise(opt2, [a2, b2], lambda a, b: cost(a, b) + lam / 2 * (a * a + b * b), 5)
    assert (a1.data, b1.data) == pytest.approx((a2.data, b2.data), rel=1e-12)


@given(g=st.floats(-100, 100).filter(lambda g: abs(g) > 1e-3), lr=st.floats(0.001, 1))
def test_adam_first_step_is_lr_times_the_sign(g, lr):
    """With bias correction m̂ = g and v̂ = g² at t = 1, so the first step is −η·sign(g)."""
    p = Value(0.0)
    p.grad = g
    nn.Adam([p], lr=lr, eps=0.0).step()
    assert p.data == pytest.approx(-lr * math.copysign(1, g), rel=1e-12)


def test_adam_follows_its_moment_estimates():
    p = Value(1.0)
    opt = nn.Adam([p], lr=0.01, betas=(0.8, 0.9), eps=1e-8)
    m = v = 0.0
    theta = 1.0
    for t, g in enumerate([0.5, -0.2, 0.3, 1.0], start=1):
        p.grad = g
        opt.step()
        m = 0.8 * m + 0.2 * g
        v = 0.9 * v + 0.1 * g * g
        theta -= 0.01 * (m / (1 - 0.8**t)) / (math.sqrt(v / (1 - 0.9**t)) + 1e-8)
        assert p.data == pytest.approx(theta, rel=1e-14)


def test_a_schedule_is_called_with_the_step_index():
    seen = []

    def schedule(k):
        seen.append(k)
        return 1.0 - 0.9 * k / 100

    p = Value(0.0)
    opt = nn.SGD([p], lr=schedule)
    for _ in range(3):
        p.grad = 1.0
        opt.step()
    assert seen == [0, 1, 2]
    assert p.data == pytest.approx(-(1.0 + 0.991 + 0.982))
    assert opt.get_lr() == pytest.approx(0.973)


def test_steps_make_no_graph_nodes_and_zero_grad_clears():
    model = nn.MLP(2, [3, 1], seed=0)
    opt = nn.Adam(model.parameters(), lr=0.01)
    model([1.0, 2.0])[0].backward()
    opt.step()
    assert all(p.op == "" and p.parents == () for p in model.parameters())
    opt.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_a_parameter_listed_twice_is_updated_once():
    p = Value(1.0)
    p.grad = 1.0
    opt = nn.SGD([p, p], lr=0.5)
    assert opt.params == [p]
    opt.step()
    assert p.data == 0.5


@pytest.mark.parametrize(
    "make",
    [
        lambda p: nn.SGD([], lr=0.1),
        lambda p: nn.SGD([p], lr=-0.1),
        lambda p: nn.SGD([p], lr="fast"),
        lambda p: nn.SGD([p], lr=0.1, momentum=1.0),
        lambda p: nn.SGD([p], lr=0.1, weight_decay=-1),
        lambda p: nn.Adam([p], betas=(0.9,)),
        lambda p: nn.Adam([p], betas=(0.9, 1.0)),
        lambda p: nn.Adam([p], eps=-1e-8),
    ],
)
def test_bad_settings_are_value_errors(make):
    with pytest.raises(ValueError):
        make(Value(1.0))


def test_bad_params_and_schedules():
    with pytest.raises(TypeError, match=r"params\[1\]"):
        nn.SGD([Value(1.0), 2.0], lr=0.1)
    p = Value(1.0)
    opt = nn.SGD([p], lr=lambda k: float("nan"))
    with pytest.raises(ValueError, match="step 0"):
        opt.step()
    assert p.data == 1.0 and opt.steps == 0
