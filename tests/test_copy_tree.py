"""`pyast.copy_tree` is `copy.deepcopy` for syntax trees: the same nodes, fields, positions and extra
attributes, shared nodes shared in the copy, nothing of the copy shared with the original, and
values that are not nodes (a tuple a rule stored on a node) deep-copied as deepcopy copies them."""

from __future__ import annotations

import ast
import copy
from pathlib import Path

import investigator
from investigator.pyast import copy_tree

ROOT = Path(investigator.__file__).parent


def _dump(node: object) -> str:
    if isinstance(node, list):
        return "[" + ", ".join(_dump(n) for n in node) + "]"
    return ast.dump(node, include_attributes=True)  # type: ignore[arg-type]


def _objects(node: object) -> list[object]:
    """Every node and list of a tree, with repeats (a node shared by two parents twice)."""
    out: list[object] = []
    todo = [node]
    while todo:
        x = todo.pop()
        out.append(x)
        if isinstance(x, list):
            todo.extend(i for i in x if isinstance(i, ast.AST | list))
        elif isinstance(x, ast.AST):
            todo.extend(v for v in vars(x).values() if isinstance(v, ast.AST | list))
    return out


def _sharing(node: object) -> list[int]:
    """The tree's shape of object identity: for each object (walk order), where it was first seen."""
    first: dict[int, int] = {}
    return [first.setdefault(id(x), k) for k, x in enumerate(_objects(node))]


def test_equal_to_deepcopy_on_the_project_sources() -> None:
    for path in sorted(ROOT.rglob("*.py"))[::3]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in [tree, *list(ast.walk(tree))[::211]]:
            mine, theirs = copy_tree(node), copy.deepcopy(node)
            assert _dump(mine) == _dump(theirs) == _dump(node), path
            assert _sharing(mine) == _sharing(theirs), path
            originals = {id(x) for x in _objects(node)}
            assert not originals & {id(x) for x in _objects(mine)}, path


def test_shared_nodes_lists_and_extra_attributes() -> None:
    shared = ast.Name(id="x", ctx=ast.Load())
    tree = ast.BinOp(left=shared, op=ast.Add(), right=shared, lineno=3, col_offset=1)
    tree.note = ("kept", ["deep"])  # type: ignore[attr-defined]  # what a rule may hang on a node
    mine, theirs = copy_tree(tree), copy.deepcopy(tree)
    assert mine.left is mine.right and theirs.left is theirs.right and mine.left is not shared
    assert mine.note == theirs.note == tree.note  # type: ignore[attr-defined]
    assert mine.note[1] is not tree.note[1]  # type: ignore[attr-defined]  # deep, as deepcopy
    assert (mine.lineno, mine.col_offset) == (3, 1)
    assert not hasattr(copy_tree(ast.Call(func=shared)), "args")  # an unset field stays unset
    parts = [shared, shared, ast.Constant(None)]
    copied = copy_tree(parts)
    assert isinstance(copied, list) and copied[0] is copied[1] and copied[0] is not shared
    assert _dump(copied) == _dump(copy.deepcopy(parts))


def test_a_copy_changed_leaves_the_original() -> None:
    tree = ast.parse("loss = a * b + c")
    before = ast.dump(tree, include_attributes=True)
    copied = copy_tree(tree)
    for node in ast.walk(copied):
        if isinstance(node, ast.Name):
            node.id = "_"
    assert ast.dump(tree, include_attributes=True) == before
    assert ast.unparse(copied) == "_ = _ * _ + _"
