"""Caches added for speed answer exactly what a fresh computation answers (issue 11 item 9):
the learning-signal flow's per-side memo, the names an argument reads, unit keys, and the
inlined-call assignments of a cached walk."""

from __future__ import annotations

import ast
import itertools
import random
import textwrap

from investigator.detectors.flow import Flow, SiteList
from investigator.detectors.pairs import SideIndex
from investigator.detectors.patterns import _inlined_call_assigns, inlined_call_assigns
from investigator.detectors.sources import MemoryTree
from investigator.flow.diff import _collapsed_key, collapsed_key, unit_key
from investigator.flow.graph import LearningFlow, _uses
from investigator.flow.units import units_of
from investigator.pyast import fingerprint
from tests.support.evalsuite import BASE_FILES


def _side() -> SideIndex:
    return SideIndex("candidate", MemoryTree({k: textwrap.dedent(v).lstrip("\n") for k, v in BASE_FILES.items()}))


def _functions(side: SideIndex):
    for path in sorted(BASE_FILES):
        module = side.module(path)
        if module is not None and path.endswith(".py"):
            yield from module.functions.values()


def _fresh_uses(expr: ast.AST, names: frozenset[str]) -> bool:  # the rule before the memo
    for sub in ast.walk(expr):
        if isinstance(sub, ast.Name) and sub.id in names:
            return True
        if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self" and \
                f"self.{sub.attr}" in names:
            return True
    return False


def test_uses_with_memo_is_the_walk_for_every_argument_and_name_set():
    side = _side()
    exprs = [a for fn in _functions(side) for n in ast.walk(fn.node) if isinstance(n, ast.Call)
             for a in [*n.args, *(k.value for k in n.keywords)]]
    names = sorted({x for e in exprs for x in (
        [s.id for s in ast.walk(e) if isinstance(s, ast.Name)]
        + [f"self.{s.attr}" for s in ast.walk(e) if isinstance(s, ast.Attribute)])})
    assert len(exprs) > 50 and len(names) > 20
    rng = random.Random(7)
    memo: dict = {}
    hits = 0
    for expr, _ in itertools.product(exprs, range(4)):
        wanted = frozenset(rng.sample(names, 3)) | ({"nothing"} if rng.random() < 0.5 else set())
        expected = _fresh_uses(expr, wanted)
        hits += expected
        assert _uses(expr, wanted, memo) == expected
    assert 0 < hits < 4 * len(exprs)  # both answers occur


def test_uses_memo_never_answers_for_another_node_with_a_reused_id():
    a = ast.parse("f(x)", mode="eval").body.args[0]
    b = ast.parse("g(y)", mode="eval").body.args[0]
    memo = {id(b): (a, frozenset({"x"}))}  # an entry left by a node that had b's id
    assert not _uses(b, frozenset({"x"}), memo)
    assert _uses(b, frozenset({"y"}), memo)


def test_flows_of_one_side_share_units_and_place_as_a_fresh_flow_does():
    side = _side()
    first, second = LearningFlow(side), LearningFlow(side)
    fresh_side = _side()
    fresh = LearningFlow(fresh_side)
    fresh_fns = {(fn.path, fn.qualname): fn for fn in _functions(fresh_side)}
    placed = 0
    for fn in _functions(side):
        assert first.units(fn) is second.units(fn)  # one list of the same Unit objects
        other = fresh.units(fresh_fns[(fn.path, fn.qualname)])
        for u, v in zip(second.units(fn), other, strict=True):
            p, q = second.place([u]), fresh.place([v])
            assert (p.sink, [c.text() for c in p.chain], p.stops, p.visited, p.complete) == \
                   (q.sink, [c.text() for c in q.chain], q.stops, q.visited, q.complete)
            placed += 1
    assert placed > 100


def test_flow_memo_keeps_class_body_functions_alive():
    side = _side()
    flow = LearningFlow(side)
    fn = next(iter(_functions(side)))
    key = flow._memo.pin(fn)
    assert flow._memo.pinned[key] is fn


def test_unit_keys_are_memoised_per_unit_and_renames_are_never_cached():
    side = _side()
    for fn in _functions(side):
        for u in units_of(fn):
            assert unit_key(u) == (type(u.node).__name__, fingerprint(list(u.parts)))
            assert unit_key(u) is unit_key(u)
            assert collapsed_key(u) == _collapsed_key(u, None) and collapsed_key(u) is collapsed_key(u)
            assert collapsed_key(u, {}) is collapsed_key(u)
    source = "def f(self):\n    self.storage.add_transitions(t)\n"
    renamed_side = SideIndex("candidate", MemoryTree({"m.py": source}))
    module = renamed_side.module("m.py")
    assert module is not None
    (u,) = units_of(module.functions["f"])
    plain = collapsed_key(u)
    renamed = collapsed_key(u, {"add_transitions": "add_transition"})
    assert renamed != plain and renamed == _collapsed_key(u, {"add_transitions": "add_transition"})
    assert collapsed_key(u) == plain  # the renamed key did not replace the memo


def test_inlined_call_assigns_of_a_cached_walk_is_the_walk_of_a_plain_list():
    side = _side()
    flow = Flow(side)
    seen = 0
    for fn in _functions(side):
        sites = flow.sites(fn)
        assert isinstance(sites, SiteList)
        expected = _inlined_call_assigns(list(sites))
        assert inlined_call_assigns(sites) == expected and inlined_call_assigns(list(sites)) == expected
        assert inlined_call_assigns(sites) is inlined_call_assigns(sites)
        seen += bool(expected)
    assert seen > 0  # the helper-return shape occurs in the suite's PPO code


def _placed(p) -> tuple:
    return (p.sink, [c.text() for c in p.chain], p.stops, p.visited, p.complete, [c.text() for c in p.built],
            p.built_place)


def test_successors_memo_places_as_the_plain_search_in_any_order():
    """`LearningFlow._next` is kept per state: every placement, asked in source order, in reverse and twice,
    is the one a flow that recomputes every successor gives for the same asks (fifteenth speed pass)."""
    for order in ("source", "reverse", "twice"):
        side, plain_side = _side(), _side()
        kept, plain = LearningFlow(side), LearningFlow(plain_side)
        plain._next = plain._next_uncached  # type: ignore[method-assign]
        units = [u for fn in _functions(side) for u in kept.units(fn)]
        plain_units = [u for fn in _functions(plain_side) for u in plain.units(fn)]
        pairs = list(zip(units, plain_units, strict=True))
        if order == "reverse":
            pairs.reverse()
        elif order == "twice":
            pairs = pairs + pairs[::2]
        asked = 0
        real = kept._next_uncached
        def counted(u, ctx, real=real):
            nonlocal asked
            asked += 1
            return real(u, ctx)
        kept._next_uncached = counted  # type: ignore[method-assign]
        visited = 0
        for u, v in pairs:
            placed = kept.place([u])
            assert _placed(placed) == _placed(plain.place([v])), (order, u.text())
            visited += placed.visited
        assert len(kept._successors) == asked > 0  # each state computed once
        assert visited > 2 * asked  # later searches met states an earlier one had computed
        assert not LearningFlow(side)._successors  # the memo is the flow's own, not the side's
