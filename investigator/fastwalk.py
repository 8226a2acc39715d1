"""A faster `ast.walk`, put in place of the standard one when the package is imported.

Why: the engine walks syntax trees everywhere (about 170 `ast.walk` calls across triage, the
detectors, the flow and the guards). The standard walk pulls each node's children through two nested
generators (`iter_child_nodes` over `iter_fields`); on skrl 1.4.3..2.0.0 (821 files) that chain was
about a fifth of the run's CPU time. This walk yields the same nodes in the same order (breadth first,
a node's children queued before the node is yielded, fields in `_fields` order, missing fields
skipped, only `ast.AST` values and the `ast.AST` items of lists) with the children read in one loop:
about half the time per node. Replacing the function object (rather than every call site) keeps the
call sites as they are and covers code that calls `ast.walk` through the module."""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Iterator

STANDARD_WALK = ast.walk


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk`: every node below `node` (itself included), breadth first, in unspecified (but the
    standard walk's) order."""
    todo = deque((node,))
    popleft, append = todo.popleft, todo.append
    AST = ast.AST
    while todo:
        node = popleft()
        for name in node._fields:
            try:
                value = getattr(node, name)
            except AttributeError:
                continue
            if isinstance(value, AST):
                append(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, AST):
                        append(item)
        yield node


def install() -> None:
    """Put `walk` in place of `ast.walk` (idempotent)."""
    ast.walk = walk
