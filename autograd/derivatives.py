"""Local derivatives as Values, for `grad(..., create_graph=True)`.

`value.py` stores each local derivative as a float. To differentiate again, the derivative
must itself be a graph: this table writes each op's local derivatives with Value ops, in terms
of the node `y` and its parents. Ops whose local derivatives are constants (+, −, relu, abs,
sum, ×c, …) are absent: their stored floats are already exact constants.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .reductions import logsumexp
from .value import Value


def _mul(y: Value, a: Value, b: Value) -> tuple:
    return (b, a)


def _div(y: Value, a: Value, b: Value) -> tuple:
    return (1.0 / b, -y / b)


def _pow(y: Value, a: Value, b: Value) -> tuple:
    return (b * a ** (b - 1.0), y * a.log())


def _dot(y: Value, *parents: Value) -> tuple:
    n = len(parents) // 2
    return parents[n:] + parents[:n]


def _logsumexp(y: Value, *parents: Value) -> tuple:
    return tuple((p - y).exp() for p in parents)


RULES: dict[str, Callable[..., tuple]] = {
    "*": _mul,
    "/": _div,
    "**": _pow,
    "exp": lambda y, x: (y,),
    "log": lambda y, x: (1.0 / x,),
    "sqrt": lambda y, x: (0.5 / y,),
    "sin": lambda y, x: (x.cos(),),
    "cos": lambda y, x: (-x.sin(),),
    "tanh": lambda y, x: (1.0 - y * y,),
    "atan": lambda y, x: (1.0 / (1.0 + x * x),),
    "sigmoid": lambda y, x: (y * (1.0 - y),),
    "softplus": lambda y, x: (x.sigmoid(),),
    "dot": _dot,
    "logsumexp": _logsumexp,
}


def local_grads_as_values(y: Value) -> tuple:
    """∂y/∂parent for each parent of y, as Values (or exact float constants)."""
    op = y.op
    rule = RULES.get(op)
    if rule is not None:
        return rule(y, *y.parents)
    if op.startswith("**"):  # x ** c
        c = float(op[2:])
        (x,) = y.parents
        return (0.0,) if c == 0.0 else (c * x ** (c - 1.0),)
    if op.endswith("**"):  # c ** x
        return (y * math.log(float(op[:-2])),)
    if op.endswith("/") and op != "/":  # c / x
        (x,) = y.parents
        return (-y / x,)
    if op.startswith("softmax["):  # s_i = exp(x_i − logsumexp(x))
        i = int(op[len("softmax[") : -1])
        lse = logsumexp(y.parents)
        return tuple(
            y * (1.0 - y) if j == i else -y * (p - lse).exp() for j, p in enumerate(y.parents)
        )
    return y.local_grads
