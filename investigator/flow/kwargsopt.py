"""Options read out of `**kwargs` by key: at their defaults for every call the baseline made.

Real shape (CleanDiffuser a24084a4..05f17fc9, `cleandiffuser/diffusion/diffusionsde.py:110` and `:128`, precision
held-out 18, noise class N2, significant #1 and #2): `BaseDiffusionSDE.loss(self, x0, condition=None)` gained
`**kwargs`, reads `weighted_regression_tensor = kwargs.get("weighted_regression_tensor", None)` and multiplies the
loss by it under `if weighted_regression_tensor is not None:`; `update(self, x0, condition=None, update_ema=True,
**kwargs)`, whose `**kwargs` was already there, now calls `self.loss(x0, condition, **kwargs)`. Only new pipelines
pass the key; a baseline caller of `update` passing another key (diffuserlite's `x1=`) reaches `loss`, which ignores
it. The parameter rules (flow/noneparam.py, `_at_new_parameter_defaults`) know named parameters only.

A *key option* of a function is a local bound once from `KW.get('K')`, `KW.get('K', <literal>)` or `KW.pop('K',
<literal>)`, where `KW` is the function's `**` parameter and every read of `KW` in it is such a read by a constant
key. It is at its default for every run of the baseline when no code of the baseline (tests and documents aside) can
hand the key over: no call passes `K=` and no string `'K'` (a dict unpacked with `**`) stands in its code, and no
other file (a configuration) names it. A caller that passes the key in new code is compared at that caller.

Forwarding: a call that gains `**KW` (the calling function's own `**` parameter) and is otherwise the baseline's
hands the callee nothing it reads when every key the callee reads out of its `**` parameter is such a key: what the
baseline's callers pass through `KW` is dropped by the callee, as the baseline dropped it.
"""

from __future__ import annotations

import ast
from typing import Any

from investigator.flow.liftedopt import TESTS_OR_DOCS, literal_default

MAX_KEY_REFERENCES = 200  # more mentions of a key than this: not searched, not neutral


def var_keyword(node: ast.AST) -> str | None:
    """The name of a function's `**` parameter, or None."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.args.kwarg is not None:
        return node.args.kwarg.arg
    return None


def _key_read(node: ast.AST, kw: str) -> tuple[str, ast.expr | None] | None:
    """(key, default) of `KW.get('K'[, literal])` / `KW.pop('K', literal)`, else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "pop")
            and isinstance(node.func.value, ast.Name) and node.func.value.id == kw and not node.keywords
            and 1 <= len(node.args) <= 2 and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)):
        return None
    default = node.args[1] if len(node.args) == 2 else None
    if default is not None and not literal_default(default):
        return None
    if node.func.attr == "pop" and default is None:
        return None
    return node.args[0].value, default


def keys_read(node: ast.AST) -> dict[str, ast.expr | None] | None:
    """The keys a function reads out of its `**` parameter (key -> default expression, None for `.get('K')`), when
    every read of it is a key read (module doc); None when it has none, or uses it otherwise (hands it on, iterates
    it, stores it)."""
    kw = var_keyword(node)
    if kw is None:
        return None
    reads: dict[str, ast.expr | None] = {}
    receivers: set[int] = set()
    for n in ast.walk(node):
        found = _key_read(n, kw) if isinstance(n, ast.Call) else None
        if found is not None:
            assert isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            reads[found[0]] = found[1]
            receivers.add(id(n.func.value))
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and n.id == kw and id(n) not in receivers:
            return None
    return reads


def _default_value(default: ast.expr | None) -> object:
    if default is None:
        return None
    if isinstance(default, ast.UnaryOp) and isinstance(default.operand, ast.Constant):
        return -default.operand.value if isinstance(default.op, ast.USub) else default.operand.value  # type: ignore[operator]
    assert isinstance(default, ast.Constant)
    return default.value


def unpassed(side: Any, key: str) -> bool:
    """Whether no code of the commit `side` (tests and documents aside) can hand the key over: no call passes
    `key=...`, no string constant spells it, and no other file (a configuration) names it."""
    memo = side.memo.setdefault("kwargsopt", {}) if hasattr(side, "memo") else {}
    if key in memo:
        return bool(memo[key])
    out = _unpassed(side, key)
    memo[key] = out
    return out


def _unpassed(side: Any, key: str) -> bool:
    refs = [(p, n) for p, n in side.references(key) if not TESTS_OR_DOCS.search(p)]
    if len(refs) > MAX_KEY_REFERENCES:
        return False
    lines: dict[str, set[int]] = {}
    for path, line in refs:
        lines.setdefault(path, set()).add(line)
    for path, numbers in lines.items():
        module = side.module(path) if path.endswith((".py", ".pyi")) else None
        if module is None:
            return False
        for n in ast.walk(module.tree):
            if isinstance(n, ast.keyword) and n.arg == key and n.value.lineno in numbers:
                return False
            if isinstance(n, ast.Constant) and n.value == key and n.lineno in numbers:
                return False
    return True


def key_options(base_node: ast.AST, cand_node: ast.AST, base_side: Any) -> dict[str, object]:
    """The candidate function's key options (module doc) that no baseline code passes: local -> default value."""
    reads = keys_read(cand_node)
    kw = var_keyword(cand_node)
    if not reads or kw is None:
        return {}
    base_reads = keys_read(base_node) or {}
    stores: dict[str, int] = {}
    for n in ast.walk(cand_node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            stores[n.id] = stores.get(n.id, 0) + 1
    out: dict[str, object] = {}
    for n in ast.walk(cand_node):
        if not (isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)):
            continue
        found = _key_read(n.value, kw)
        name = n.targets[0].id
        if found is None or stores.get(name) != 1 or found[0] in base_reads or not unpassed(base_side, found[0]):
            continue
        out[name] = _default_value(found[1])
    return out


def forwarded_unread(base: ast.stmt, cand: ast.stmt, base_fn: ast.AST, cand_fn: ast.AST, resolve: Any,
                     fn: Any, base_side: Any) -> str | None:
    """The callee's name when the candidate statement is the baseline's with `**KW` (the function's own `**`
    parameter, which the baseline's function had too) added to calls whose project callees read only keys no
    baseline code passes (module doc); None otherwise."""
    kw = var_keyword(cand_fn)
    if kw is None or var_keyword(base_fn) != kw:
        return None
    copy = ast.parse(ast.unparse(cand)).body[0]
    calls = [n for n in ast.walk(cand) if isinstance(n, ast.Call)
             and any(k.arg is None and isinstance(k.value, ast.Name) and k.value.id == kw for k in n.keywords)]
    if not calls:
        return None
    for n in ast.walk(copy):
        if isinstance(n, ast.Call):
            n.keywords = [k for k in n.keywords if not (k.arg is None and isinstance(k.value, ast.Name)
                                                        and k.value.id == kw)]
    if ast.dump(copy, annotate_fields=False) != ast.dump(ast.parse(ast.unparse(base)).body[0], annotate_fields=False):
        return None
    names = []
    for call in calls:
        callee = resolve(call, fn)
        reads = keys_read(callee.node) if callee is not None else None
        if callee is None or reads is None or not all(unpassed(base_side, k) for k in reads):
            return None
        names.append(callee.qualname)
    return ", ".join(f"`{n}`" for n in dict.fromkeys(names))
