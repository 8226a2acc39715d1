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
import weakref
from collections import deque
from collections.abc import Iterator
from itertools import chain

STANDARD_WALK = ast.walk


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk`: every node below `node` (itself included), breadth first, in unspecified (but the
    standard walk's) order. A node walked to the end before is not walked again: its nodes come from
    `_BELOW` (why: the comment above it)."""
    below = _BELOW.get(node)
    if below is None:
        return _walk(node)
    if CHECK:
        _check(node, below)
    return chain((node,), below)


# Why remembered: the rules ask the same questions of the same statements (each detector walks every
# site's statement, the flow walks functions and classes per question), so most walks are repeats: on
# d3rlpy v1.1.1..v2.0.2 4.6 M of the 5.6 M nodes walked came from a root walked before. The nodes below
# a root, in walk order, are kept once a walk of it has run to its end (an early stop keeps nothing),
# without the root itself: the keys are weak, so a tree no longer used drops its entries. The engine
# never changes a tree it has walked (it copies before every rewrite, `pyast.copy_tree`); a change to one
# would make a later walk of it stale, which the tests check (`CHECK`, set by tests/conftest.py: every
# remembered walk is compared with a fresh one).
_BELOW: weakref.WeakKeyDictionary[ast.AST, list[ast.AST]] = weakref.WeakKeyDictionary()
CHECK = False


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    """`_nodes`, each node also recorded; remembered (`_BELOW`) once walked to the end."""
    root = node
    todo = deque((node,))
    popleft, append = todo.popleft, todo.append
    seen: list[ast.AST] = []
    record = seen.append
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
        record(node)
        yield node
    del seen[0]  # the root itself: a remembered walk must not keep its (weak) key alive
    _BELOW[root] = seen


def walk_changing(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk` for a consumer that changes the tree while it walks (`pyast.as_load`): nothing is
    remembered, and the node must not have been walked before (a remembered walk of it would go stale)."""
    return _nodes(node)


def _nodes(node: ast.AST) -> Iterator[ast.AST]:
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


def _check(node: ast.AST, below: list[ast.AST]) -> None:
    """A remembered walk is the walk the tree gives now (raises AssertionError otherwise)."""
    fresh = list(_nodes(node))[1:]
    if len(fresh) != len(below) or any(a is not b for a, b in zip(fresh, below, strict=True)):
        raise AssertionError(f"a walked tree was changed afterwards: {ast.dump(node)[:200]}")


STANDARD_ITER_CHILD_NODES = ast.iter_child_nodes


def iter_child_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.iter_child_nodes`: the direct children of `node` (the `ast.AST` fields and `ast.AST` items of
    list fields, in `_fields` order, missing fields skipped), from one generator instead of the standard
    one's two nested ones (`iter_fields`); as lazy (each field read when reached). The guards' and the
    detectors' parent maps and scope walks ask it about a million times on a large range."""
    AST = ast.AST
    for name in node._fields:
        try:
            value = getattr(node, name)
        except AttributeError:
            continue
        if isinstance(value, AST):
            yield value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, AST):
                    yield item


def install() -> None:
    """Put `walk` in place of `ast.walk` and `iter_child_nodes` in place of `ast.iter_child_nodes`
    (idempotent)."""
    ast.walk = walk
    ast.iter_child_nodes = iter_child_nodes
