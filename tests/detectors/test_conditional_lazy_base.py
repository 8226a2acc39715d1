"""`same_at_default` with its baseline statements given as a function: asked only once a conditional is
decided, with the answer the list form gives."""

from __future__ import annotations

import ast

from investigator.detectors.conditional import same_at_default, simple_statements

BASE = "def f(x):\n    y = x * 2\n    return y\n"


def _decide(test: ast.expr, line: int) -> tuple[bool | None, str]:
    del line
    if isinstance(test, ast.Name) and test.id == "flag":
        return False, "`flag` = False"
    return None, ""


def test_lazy_base_answers_as_the_list_and_is_asked_only_when_needed() -> None:
    tree = ast.parse(BASE)
    asked: list[int] = []

    def base() -> list[ast.stmt]:
        asked.append(1)
        return simple_statements(tree, 2)

    for cand, expected in (("y = (x * 3) if flag else (x * 2)", True), ("y = (x * 3) if flag else (x * 4)", False),
                           ("y = x * 2", False), ("y = (x * 3) if other else (x * 2)", False)):
        stmt = ast.parse(cand).body[0]
        plain = same_at_default(stmt, simple_statements(tree, 2), _decide)
        asked.clear()
        lazy = same_at_default(stmt, base, _decide)
        assert lazy == plain and (lazy is not None) == expected, cand
        assert bool(asked) == ("flag" in cand), cand
