"""The per-function memos of flow/wiring.py (`self.<attr>` names, read texts) answer as the walks they
replace, on every function of the project's own sources, and never for another function."""

from __future__ import annotations

import ast
from pathlib import Path

import investigator
from investigator.detectors.functions import parse_module
from investigator.flow import wiring
from investigator.pyast import self_attribute


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


def test_init_stores_and_copies_memos_answer_as_fresh_computations() -> None:
    """`_init_stores` and `_copies` kept per function (and other module) answer as computed anew."""
    functions = _functions()
    modules = list({id(f.module): f.module for f in functions}.values())[:6]
    for fn in functions:
        fresh: dict = {}
        for node in ast.walk(fn.node):
            if isinstance(node, ast.stmt) and (stored := wiring._stored(node)) is not None \
                    and (attr := self_attribute(stored[0])):
                fresh[attr] = stored[1]
        assert wiring._init_stores(fn) == fresh
        assert wiring._init_stores(fn) is wiring._init_stores(fn)
        for other in modules:
            other_fn = next(iter(other.functions.values()))
            init = fn.module.functions.get(f"{fn.class_name}.__init__") if fn.class_name else None
            expected = {} if init is None else {
                a: v for a, v in fresh_stores(init).items()
                if v is not None and wiring._pure(v) and not wiring._is_none(v) and ast.unparse(v).startswith("self.")
                and not any(wiring._reads_attr(f, a) for f in other.functions.values())}
            assert wiring._copies(fn, other_fn) == expected


def fresh_stores(fn) -> dict:
    out: dict = {}
    for node in ast.walk(fn.node):
        if isinstance(node, ast.stmt) and (stored := wiring._stored(node)) is not None \
                and (attr := self_attribute(stored[0])):
            out[attr] = stored[1]
    return out


def test_row_sum_prefilter() -> None:
    """Statements without a per-row sum at either side are not copied and dumped; with one, the
    answer is as before."""
    from investigator.flow import rowsum

    base = ast.parse("lp = dist.log_prob(a.squeeze(-1)).view(a.size(0), -1).sum(-1).unsqueeze(-1)").body[0]
    cand = ast.parse("lp = dist.log_prob(a.squeeze(-1)).unsqueeze(-1)").body[0]
    assert rowsum._has_row_sum(base) and not rowsum._has_row_sum(cand)
    assert rowsum.row_sum_dropped(base, cand) is not None and "dropped" in rowsum.row_sum_dropped(base, cand)
    assert rowsum.row_sum_dropped(cand, base) is not None
    plain = ast.parse("x = y.sum(-1)").body[0]
    assert not rowsum._has_row_sum(plain) and rowsum.row_sum_dropped(plain, cand) is None
    for fn in _functions()[:400]:
        for stmt in fn.node.body if isinstance(getattr(fn.node, "body", None), list) else []:
            assert rowsum._has_row_sum(stmt) == (rowsum._without_row_sums(stmt)[1] > 0)
