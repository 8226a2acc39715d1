"""`Flow._site` builds a `Site` without the frozen dataclass's `__init__`: the same fields, in the same
order, the same values, still frozen, compared by identity as before."""

from __future__ import annotations

import ast
import dataclasses

import pytest

from investigator.detectors.flow import Flow, Site, _Ctx


def test_site_equals_the_dataclass_construction() -> None:
    node = ast.parse("x = f(y)").body[0]
    fn = object()
    ctx = _Ctx(fn, (node,), True, 2, (fn,), {"a": node}, frozenset({"a"}), None, ("p.py", 3), ((1, 0),),  # type: ignore[arg-type]
               (("p.py", 3),), 1)
    flow = Flow.__new__(Flow)
    flow._count = 0
    site = flow._site(node, ctx)
    plain = Site(node, ctx.fn, ctx.loops, ctx.no_grad, ctx.depth, ctx.bindings, ctx.loop_aliases, ctx.chain,
                 ctx.anchor, ctx.branches, ctx.calls, ctx.no_grad_from)
    assert type(site) is Site and flow._count == 1
    assert list(vars(site).items()) == list(vars(plain).items())
    assert [f.name for f in dataclasses.fields(Site)] == list(vars(site))
    assert site.bindings is ctx.bindings and site != plain and site == site
    with pytest.raises(dataclasses.FrozenInstanceError):
        site.depth = 3  # type: ignore[misc]
    assert dataclasses.replace(site, depth=5).depth == 5
