"""The per-function memos of flow/wiring.py (`self.<attr>` names, read texts) answer as the walks they
replace, on every function of the project's own sources, and never for another function."""

from __future__ import annotations

import ast
from pathlib import Path

import investigator
from investigator.detectors.functions import parse_module
from investigator.flow import wiring


def _functions() -> list:
    root = Path(investigator.__file__).parent
    out = []
    for path in sorted(root.rglob("*.py"))[:80]:
        module = parse_module(str(path), path.read_text(), "candidate")
        out.extend(module.functions.values())
    return out


def _walked_attrs(fn) -> set[str]:
    return {n.attr for n in ast.walk(fn.node)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"}


def test_memos_answer_as_the_walks() -> None:
    functions = _functions()
    assert len(functions) > 300
    probes = {"flows", "side", "memo", "index", "nothing_named_so"}
    for fn in functions:
        attrs = _walked_attrs(fn)
        assert {a for a in probes if wiring._reads_attr(fn, a)} == probes & attrs
        assert all(wiring._reads_attr(fn, a) for a in attrs)
        texts = [ast.unparse(n) for n in ast.walk(fn.node) if isinstance(n, ast.Subscript | ast.Attribute)]
        for text in texts[:5]:
            assert wiring._contains(fn, text)
        assert not wiring._contains(fn, "self.nothing_named_so[0]")


def test_each_function_has_its_own_memo() -> None:
    module = parse_module("m.py", "class A:\n    def f(self):\n        return self.x['k']\n\n"
                                  "    def g(self):\n        return self.y\n", "candidate")
    f, g = module.functions["A.f"], module.functions["A.g"]
    assert wiring._reads_attr(f, "x") and not wiring._reads_attr(g, "x")
    assert wiring._reads_attr(g, "y") and not wiring._reads_attr(f, "y")
    assert wiring._contains(f, "self.x['k']") and not wiring._contains(g, "self.x['k']")
