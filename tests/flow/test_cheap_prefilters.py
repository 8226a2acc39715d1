"""Speed shortcuts of the flow that must answer as the code they shortcut (same reports by construction):
`same_flax_apply` refuses by counting the calls its rewrites would count before any copy and dump;
`combinators._local_transform` reads one index per function instead of walking it per question."""

from __future__ import annotations

import ast
from pathlib import Path

from investigator.detectors.functions import parse_module
from investigator.flow import combinators
from investigator.flow.diff import _FlaxApply, same_flax_apply
from investigator.pyast import copy_tree

ROOT = Path(__file__).resolve().parents[2] / "investigator"


def _flax_reference(base: ast.stmt, cand: ast.stmt) -> bool:
    """`same_flax_apply` as it was: both rewrites of both statements, then the counts and the dumps."""
    for old, new in (("apply", "apply_fn"), ("apply_fn", "apply")):
        folded_b, folded_c = _FlaxApply(old), _FlaxApply(new)
        b = ast.dump(folded_b.visit(copy_tree(base)), annotate_fields=False)
        c = ast.dump(folded_c.visit(copy_tree(cand)), annotate_fields=False)
        if folded_b.count and folded_b.count == folded_c.count and b == c:
            return True
    return False


SHAPES = [
    ("q = qf.apply(params, obs, act)", "q = qf_state.apply_fn(params, obs, act)"),
    ("q = qf_state.apply_fn(params, obs)", "q = qf.apply(params, obs)"),
    ("q = qf.apply(params, obs)", "q = qf.apply(params, obs)"),
    ("q = qf.apply(params, obs).apply(p2, x)", "q = s.apply_fn(params, obs).apply_fn(p2, x)"),
    ("q = qf.apply(params, obs).apply(p2, x)", "q = s.apply_fn(params, obs).apply(p2, x)"),
    ("model.apply(init_fn)", "model.apply_fn(other_fn)"),
    ("model.apply()", "model.apply_fn()"),
    ("x = f(a.apply(p, o), b.apply(p, o))", "x = f(a.apply_fn(p, o), b.apply_fn(p, o))"),
    ("x = f(a.apply(p, o), b.apply(p, o))", "x = f(a.apply_fn(p, o), b.apply(p, o))"),
    ("y = 1", "y = 2"),
]


def test_same_flax_apply_answers_as_the_full_rewrites() -> None:
    for old, new in SHAPES:
        a, b = ast.parse(old).body[0], ast.parse(new).body[0]
        assert same_flax_apply(a, b) == _flax_reference(a, b), (old, new)
        assert same_flax_apply(b, a) == _flax_reference(b, a), (new, old)
    assert same_flax_apply(*(ast.parse(s).body[0] for s in SHAPES[0]))
    assert not same_flax_apply(*(ast.parse(s).body[0] for s in SHAPES[5]))
    stmts = [s for path in sorted((ROOT / "flow").glob("*.py"))[:12] for s in ast.walk(ast.parse(path.read_text()))
             if isinstance(s, ast.stmt) and not isinstance(s, ast.FunctionDef | ast.ClassDef | ast.Module)][:400]
    for x, y in zip(stmts, stmts[1:], strict=False):
        assert same_flax_apply(x, y) == _flax_reference(x, y)
        assert same_flax_apply(x, x) == _flax_reference(x, x)


SCRIPT = '''\
import jax
from jax import lax


def update(params, batch):
    grad_fn = 3
    grad_fn = jax.value_and_grad(loss_fn)
    step = jax.jit(train_step)
    grad_fn = jax.grad(other)
    plain = make()
    return grad_fn(params, batch), step(params), plain(params)
'''


def _reference(fn, name: str, imports: dict[str, str]):  # type: ignore[no-untyped-def]
    if name not in fn.local_names:
        return None
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and node.targets[0].id == name and isinstance(node.value, ast.Call) \
                and combinators._transform(node.value, imports):
            return node.value
    return None


def test_local_transform_index_answers_as_the_walk() -> None:
    module = parse_module("train.py", SCRIPT, "candidate")
    fn = module.functions["update"]
    for name in ("grad_fn", "step", "plain", "params", "missing"):
        assert combinators._local_transform(fn, name, module.imports) is _reference(fn, name, module.imports)
    found = combinators._local_transform(fn, "grad_fn", module.imports)
    assert found is not None and ast.unparse(found) == "jax.value_and_grad(loss_fn)"
    other = {"jax": "numpy"}  # other imports: asked again, not read from the memo
    assert combinators._local_transform(fn, "grad_fn", other) is _reference(fn, "grad_fn", other) is None
    for path in sorted(ROOT.rglob("*.py"))[:60]:
        mod = parse_module(str(path), path.read_text(), "candidate")
        for f in mod.functions.values():
            for name in sorted(f.local_names)[:30]:
                assert combinators._local_transform(f, name, mod.imports) is _reference(f, name, mod.imports)
