"""The topological order of a graph, by one iterative depth-first walk."""

from __future__ import annotations

from .node import Node


def topological_order(root: Node) -> list[Node]:
    """Every node `root` depends on, each after all of its parents; `root` comes last."""
    return order_and_nodes(root)[0]


def order_and_nodes(root: Node) -> tuple[list[Node], set[Node]]:
    """`topological_order(root)`, and the same nodes as a set (the walk gathers it anyway)."""
    order: list[Node] = []
    emit = order.append
    # A depth-first walk on one stack. A node seen for the first time goes back on the stack
    # under a None marker, with its unseen parents above (the first parent on top, so it is
    # walked first); once they are all out, the marker comes up and the node comes out.
    # A node pushed by several children is skipped after the first time.
    seen: set[Node] = set()
    add = seen.add
    stack: list[Node | None] = [root]
    pop = stack.pop
    push = stack.append
    while stack:
        node = pop()
        if node is None:
            emit(pop())
            continue
        if node in seen:
            continue
        add(node)
        a = node._a
        if a is None:
            emit(node)
            continue
        push(node)
        push(None)
        if node._db is not None:  # two parents: _b is the second (node.py has the layout)
            b = node._b
            if b not in seen:
                push(b)
        elif type(a) is tuple:
            for p in reversed(a):
                if p not in seen:
                    push(p)
            continue
        if a not in seen:
            push(a)
    return order, seen
