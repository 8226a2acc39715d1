"""A parameter freeze moved from a function into a freezing context its callers now enter around it.

Real shape (dreamer-pytorch 36be1da0..e23d09d2 dreamer/models/rnns.py:195): `RSSMRollout.rollout_policy` lost its
`for p in self.transition_model.parameters(): p.requires_grad = False` at entry and the `... = True` at exit, and its
only caller, `Dreamer.loss`, now runs it as `with FreezeParameters(self.model_modules): ... rollout_policy(...)`, a
project context manager whose `__enter__` sets `requires_grad = False` on the parameters of the modules it is given
(the transition model among them) and whose `__exit__` restores them. It was "Behavioural change in the architecture
path: `RSSMRollout.rollout_policy` (2 statements)" (significant, top 5): the parameters are frozen while the function
runs, as before, only by its callers.

The rule: the removed statements are such freeze loops (`for p in X.parameters(): p.requires_grad = <bool>`) or
their `p.requires_grad = <bool>` bodies; at the candidate the function is called somewhere, and every call of it (by
its name, as a method or a function) lies in the body of a `with` whose context expression calls a project class
whose `__enter__` stores `requires_grad = False`. A caller that calls it outside such a context, or through a context
that freezes nothing (`torch.no_grad()` is another semantics: nothing is differentiated) keeps the change. Test
files' calls are not training's (the range's `tests/dreamer/models/test_rnns.py` runs it bare).
"""

from __future__ import annotations

import ast

from investigator.detectors.pairs import SideIndex
from investigator.pyast import last_name
from investigator.scope import out_of_scope_kind

MAX_CALL_FILES = 20


def freeze_statement(node: ast.AST) -> bool:
    """`for p in X.parameters(): p.requires_grad = <bool>` (the loop header, with that body alone) or its body."""
    if isinstance(node, ast.For):
        it = node.iter
        return (isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr == "parameters"
                and isinstance(node.target, ast.Name) and len(node.body) == 1 and not node.orelse
                and _sets_requires_grad(node.body[0], node.target.id, None))
    return isinstance(node, ast.Assign) and _sets_requires_grad(node, None, None)


def _sets_requires_grad(node: ast.AST, name: str | None, value: bool | None) -> bool:
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
        return False
    t = node.targets[0]
    if not (isinstance(t, ast.Attribute) and t.attr == "requires_grad" and isinstance(t.value, ast.Name)):
        return False
    if name is not None and t.value.id != name:
        return False
    v = node.value
    return isinstance(v, ast.Constant) and isinstance(v.value, bool) and (value is None or v.value is value)


def _freezing_class(side: SideIndex, name: str) -> bool:
    """A project class `name` whose `__enter__` stores `<x>.requires_grad = False`."""
    for cls in side.class_defs(name):
        for item in cls.body:
            if isinstance(item, ast.FunctionDef) and item.name == "__enter__" and any(
                    isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Attribute)
                    and n.targets[0].attr == "requires_grad" and isinstance(n.value, ast.Constant)
                    and n.value.value is False for n in ast.walk(item)):
                return True
    return False


def frozen_by_callers(side: SideIndex, fn_name: str) -> list[str] | None:
    """The freezing context classes around every call of `fn_name` at this commit, or None when some call is
    outside such a context (or there is no call, or too many files to read)."""
    # a test that runs the function bare checks it, it does not train with it
    paths = [p for p, _ in side.mentions(fn_name) if out_of_scope_kind(p) != "test"]
    if not paths or len(paths) > MAX_CALL_FILES:
        return None
    found: list[str] = []
    calls = 0
    for path in paths:
        tree = side.cached_ast(path)
        if tree is None:
            return None
        inside: set[int] = set()
        for node in ast.walk(tree):
            if not isinstance(node, ast.With | ast.AsyncWith):
                continue
            managers = [last_name(ast.unparse(item.context_expr.func)) for item in node.items
                        if isinstance(item.context_expr, ast.Call)]
            freezing = [m for m in managers if _freezing_class(side, m)]
            if not freezing:
                continue
            found.extend(freezing)
            inside.update(id(n) for stmt in node.body for n in ast.walk(stmt))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and last_name(ast.unparse(node.func)) == fn_name:
                calls += 1
                if id(node) not in inside:
                    return None
    return sorted(set(found)) if calls else None
