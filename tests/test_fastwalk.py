"""The package's `ast.walk` (investigator/fastwalk.py) yields what the standard walk yields, in the
same order, on real code and on the awkward corners of the AST (missing fields, `None` fields, lists
mixing nodes and other values, nodes changed while walked)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import investigator
from investigator import fastwalk

ROOT = Path(investigator.__file__).parent


def _ids(nodes) -> list[int]:
    return [id(n) for n in nodes]


def test_installed_over_the_standard_walk() -> None:
    assert ast.walk is fastwalk.walk
    assert fastwalk.STANDARD_WALK is not fastwalk.walk


def test_same_nodes_same_order_on_the_project_sources() -> None:
    files = sorted(ROOT.rglob("*.py"))
    assert len(files) > 50
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert _ids(fastwalk.walk(tree)) == _ids(fastwalk.STANDARD_WALK(tree)), path
        # from inner nodes too (the engine walks expressions and statements, not only modules)
        for node in list(fastwalk.STANDARD_WALK(tree))[::97]:
            assert _ids(fastwalk.walk(node)) == _ids(fastwalk.STANDARD_WALK(node)), (path, ast.dump(node)[:80])


def test_awkward_nodes() -> None:
    # a field never set, a None field, a list field holding non-node values (`Global.names`), ctx nodes
    partial = ast.Call(func=ast.Name(id="f", ctx=ast.Load()), args=[ast.Constant(1)])  # `keywords` missing
    odd = ast.List(elts=[ast.Constant(1), "not a node", None, ast.Name(id="x", ctx=ast.Load())], ctx=ast.Load())
    tree = ast.parse("global a, b\nx = lambda *, k=None: k\nreturn_ = [y async for y in z if y]\n")
    for node in (partial, odd, tree, ast.Constant(None), ast.Pass()):
        assert _ids(fastwalk.walk(node)) == _ids(fastwalk.STANDARD_WALK(node))
    assert [type(n).__name__ for n in fastwalk.walk(partial)] == ["Call", "Name", "Constant", "Load"]


def test_children_are_queued_before_the_node_is_yielded() -> None:
    """A consumer that replaces a node's children after seeing the node still gets the old
    children, as with the standard walk (both queue them before yielding)."""
    for walker in (fastwalk.walk, fastwalk.STANDARD_WALK):
        tree = ast.parse("a = b + c")
        seen = []
        for node in walker(tree):
            seen.append(type(node).__name__)
            if isinstance(node, ast.Assign):
                node.value = ast.Constant(0)
        assert seen.count("BinOp") == 1 and "Constant" not in seen, walker


def test_iter_child_nodes_installed_and_the_same() -> None:
    """`ast.iter_child_nodes` is the package's one-generator version: the same children in the same
    order as the standard one (kept as `STANDARD_ITER_CHILD_NODES`) for every node of the project's
    sources and for the awkward nodes above."""
    assert ast.iter_child_nodes is fastwalk.iter_child_nodes
    assert fastwalk.STANDARD_ITER_CHILD_NODES is not fastwalk.iter_child_nodes
    for path in sorted(ROOT.rglob("*.py")):
        for node in fastwalk.walk(ast.parse(path.read_text(encoding="utf-8"))):
            assert _ids(fastwalk.iter_child_nodes(node)) == _ids(fastwalk.STANDARD_ITER_CHILD_NODES(node)), path
    partial = ast.Call(func=ast.Name(id="f", ctx=ast.Load()), args=[ast.Constant(1)])
    odd = ast.List(elts=[ast.Constant(1), "not a node", None, ast.Name(id="x", ctx=ast.Load())], ctx=ast.Load())
    for node in (partial, odd, ast.parse("global a, b"), ast.Constant(None), ast.Pass()):
        assert _ids(fastwalk.iter_child_nodes(node)) == _ids(fastwalk.STANDARD_ITER_CHILD_NODES(node))


def test_iter_child_nodes_reads_each_field_when_reached() -> None:
    """Lazy like the standard one: a field replaced after the children before it were seen is read as
    it is then."""
    for children in (fastwalk.iter_child_nodes, fastwalk.STANDARD_ITER_CHILD_NODES):
        node = ast.parse("a = b").body[0]
        seen = []
        for child in children(node):
            seen.append(type(child).__name__)
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store):
                node.value = ast.Constant(0)
        assert seen == ["Name", "Constant"], children


def test_a_walk_run_to_its_end_is_remembered_and_the_same() -> None:
    """speed11: the second walk of a node comes from `_BELOW`: the same nodes in the same order as the
    standard walk, for whole modules and every inner node of the project's sources, asked twice."""
    for path in sorted(ROOT.rglob("*.py"))[:60]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inner = list(fastwalk.STANDARD_WALK(tree))[::13]
        for node in (tree, *inner, tree, *inner):
            assert _ids(fastwalk.walk(node)) == _ids(fastwalk.STANDARD_WALK(node)), path
        assert tree in fastwalk._BELOW and all(node in fastwalk._BELOW for node in inner)
        assert fastwalk._BELOW[tree] == list(fastwalk.STANDARD_WALK(tree))[1:]  # the root itself is not kept


def test_an_early_stop_remembers_nothing_and_keys_are_weak() -> None:
    import gc

    tree = ast.parse("a = b + c\nd = e")
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp):
            break
    assert tree not in fastwalk._BELOW
    assert next(iter(fastwalk.walk(tree))) is tree  # a generator again, stopped at once: still nothing kept
    assert tree not in fastwalk._BELOW
    list(fastwalk.walk(tree))
    assert tree in fastwalk._BELOW
    before = len(fastwalk._BELOW)
    del tree, node
    gc.collect()
    assert len(fastwalk._BELOW) < before  # the tree's entry went with it (the kept nodes do not hold the root)


def test_walk_changing_remembers_nothing() -> None:
    """`pyast.as_load` changes the copy it walks: that walk is not remembered, and a later walk sees the
    changed tree."""
    from investigator.pyast import as_load

    target = ast.parse("x[i] += 1").body[0].target  # type: ignore[attr-defined]
    loaded = as_load(target)
    assert loaded not in fastwalk._BELOW
    assert all(isinstance(n.ctx, ast.Load) for n in ast.walk(loaded) if hasattr(n, "ctx"))
    assert _ids(ast.walk(loaded)) == _ids(fastwalk.STANDARD_WALK(loaded))


def test_a_tree_changed_after_a_complete_walk_fails_the_check() -> None:
    """The tests run with `CHECK` on (tests/conftest.py): a tree changed after it was walked to its end, then
    walked again, raises instead of handing out the stale nodes."""
    assert fastwalk.CHECK
    tree = ast.parse("a = b")
    list(ast.walk(tree))
    tree.body[0].value = ast.Constant(0)  # type: ignore[attr-defined]
    with pytest.raises(AssertionError, match="changed afterwards"):
        list(ast.walk(tree))
