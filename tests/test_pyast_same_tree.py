"""`same_tree` answers as comparing `ast.dump`s did (of docstring-stripped copies when asked), on
the project's own code and on edits made to fool a structural comparison."""

from __future__ import annotations

import ast
import copy
import random
from pathlib import Path

import pytest

import investigator
from investigator.pyast import normalized_dump, same_behaviour, same_tree, strip_docstrings


def _by_dump(a: ast.AST, b: ast.AST, ignore_docstrings: bool) -> bool:
    if ignore_docstrings:
        a, b = strip_docstrings(copy.deepcopy(a)), strip_docstrings(copy.deepcopy(b))
    return normalized_dump(a) == normalized_dump(b)


EDITS = [  # (a, b): sources that differ in ways a dump does or does not see
    ("x = 1", "x = 1.0"), ("x = 1", "x = True"), ("x = 0.0", "x = -0.0"), ("x = 'a'", "x = u'a'"),
    ("x = 'a'", "x = b'a'"), ("x = (1)", "x = 1"), ("x = float('nan')", "x = float('nan')"),
    ("def f():\n    'doc'\n", "def f():\n    pass\n"), ("def f():\n    'doc'\n    return 1\n", "def f():\n    return 1\n"),
    ("def f():\n    'a'\n    'b'\n", "def f():\n    'b'\n"), ("class A:\n    'doc'\n    x = 1\n", "class A:\n    x = 1\n"),
    ('"""m"""\nimport os\n', "import os\n"), ("def f(a, b=None): ...", "def f(a, b=0): ..."),
    ("def f() -> None: ...", "def f(): ..."), ("from . import a", "from .. import a"), ("x: int", "x: int = 0"),
    ("async def f():\n    'd'\n    await g()\n", "async def f():\n    await g()\n"), ("f(*a)", "f(a)"),
    ("try:\n    pass\nexcept E:\n    pass\n", "try:\n    pass\nexcept E as e:\n    pass\n"),
    ("def f():\n    def g():\n        'inner'\n        return 1\n", "def f():\n    def g():\n        return 1\n"),
]


@pytest.mark.parametrize(("a", "b"), EDITS)
def test_edits_compare_as_their_dumps(a: str, b: str) -> None:
    ta, tb = ast.parse(a), ast.parse(b)
    for ignore in (False, True):
        assert same_tree(ta, tb, ignore) is _by_dump(ta, tb, ignore)
        assert same_tree(tb, ta, ignore) is _by_dump(tb, ta, ignore)
        assert same_tree(ta, ast.parse(a), ignore)
    assert normalized_dump(ta) == normalized_dump(ast.parse(a))  # the trees were not stripped in place


def _definitions() -> list[ast.AST]:
    root = Path(investigator.__file__).parent
    out: list[ast.AST] = []
    for path in sorted(root.glob("detectors/*.py")):  # the first files, until enough definitions
        tree = ast.parse(path.read_text())
        out.extend(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef))
        if len(out) > 150:
            break
    return out


def test_project_definitions_and_their_edited_copies_compare_as_their_dumps() -> None:
    rng = random.Random(7)
    defs = _definitions()
    assert len(defs) > 100
    checked = equal = 0
    for node in defs:
        variants = [node, rng.choice(defs)]
        edited = copy.deepcopy(node)
        body = getattr(edited, "body", [])
        if body and isinstance(body[0], ast.Expr):
            body.pop(0)  # the docstring gone (or a statement-expression: a real change)
        elif body:
            body.insert(0, ast.Expr(ast.Constant("added docstring")))
        variants.append(edited)
        renamed = copy.deepcopy(node)
        for sub in ast.walk(renamed):
            if isinstance(sub, ast.Name) and rng.random() < 0.1:
                sub.id += "_"
        variants.append(renamed)
        for other in variants:
            for ignore in (False, True):
                expected = _by_dump(node, other, ignore)
                assert same_tree(node, other, ignore) is expected
                checked += 1
                equal += expected
    assert equal and checked - equal  # both answers occur


def test_same_behaviour_ignores_docstrings_only_when_asked() -> None:
    a = ast.parse("def f():\n    'doc'\n    return 1\n").body[0]
    b = ast.parse("def f():\n    return 1\n").body[0]
    c = ast.parse("def f():\n    return 2\n").body[0]
    assert same_behaviour(a, b, ignore_docstrings=True)
    assert not same_behaviour(a, b)
    assert not same_behaviour(a, c, ignore_docstrings=True)
