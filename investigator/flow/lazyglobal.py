"""A module global loaded lazily by a caching loader instead of at import: the same object wherever it is used.

Real shape (robomimic 2194b507..d309eaec, precision set 15, `robomimic/utils/lang_utils.py:5` and `:33`, noise class
N6, #2 and #3 of that range): `lang_emb_model = CLIPTextModelWithProjection.from_pretrained(tokenizer, ...).eval()`
and `tz = AutoTokenizer.from_pretrained(...)` at module level (with `from transformers import ...` at the top) became
`lang_emb_model = None; tz = None` plus

    def _load_lang_emb_model():
        global lang_emb_model, tz
        if lang_emb_model is None:
            from transformers import AutoTokenizer, CLIPTextModelWithProjection
            lang_emb_model = CLIPTextModelWithProjection.from_pretrained(tokenizer, ...).eval()
            tz = AutoTokenizer.from_pretrained(...)
        return lang_emb_model, tz

and `get_lang_emb` starts with `lang_emb_model, tz = _load_lang_emb_model()`. Both read "Behavioural change in the
environment path" (significant). The loader computes the baseline's value once, on first use, from the same
imported names, and hands the cached object back on every later call: every use sees the baseline's object.

The rule (`lazy_global_change`): a loader is a module-level function of the candidate without parameters whose
`global` statement names G, that assigns G directly under `if X is None:` (X one of its globals) and returns G or a
tuple of its globals, each a bare name; the candidate module sets G to None at module level.
- `G = E` at the baseline's module level -> `G = None` is no change when the loader assigns `G = E` (the same tree)
  and every name E reads that either side imports comes from the same module at both sides.
- an added `G1, G2 = loader()` (or `G = loader()`) binding locals of the globals' own names, in the order the loader
  returns them, is no change.
Another value, another order, an argument or a loader without the `is None` cache stays a change.
"""

from __future__ import annotations

import ast

from investigator.flow.units import Unit
from investigator.pyast import fingerprint


def _loaders(tree: ast.Module) -> dict[str, tuple[list[str], dict[str, ast.expr]]]:
    """Loader name -> (the globals it returns, in order; {global: the value the cached branch assigns})."""
    out: dict[str, tuple[list[str], dict[str, ast.expr]]] = {}
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef) or fn.args.args or fn.args.posonlyargs or fn.args.kwonlyargs \
                or fn.args.vararg or fn.args.kwarg or fn.decorator_list:
            continue
        names = {n for s in fn.body if isinstance(s, ast.Global) for n in s.names}
        last = fn.body[-1] if fn.body else None
        if not names or not isinstance(last, ast.Return) or last.value is None:
            continue
        returned = last.value.elts if isinstance(last.value, ast.Tuple) else [last.value]
        order = [r.id for r in returned if isinstance(r, ast.Name) and r.id in names]
        if len(order) != len(returned) or len(set(order)) != len(order):
            continue
        values: dict[str, ast.expr] = {}
        for stmt in fn.body:
            if isinstance(stmt, ast.If) and not stmt.orelse and _none_test(stmt.test, names):
                for inner in stmt.body:
                    if isinstance(inner, ast.Assign) and len(inner.targets) == 1 and isinstance(
                            inner.targets[0], ast.Name) and inner.targets[0].id in names:
                        values[inner.targets[0].id] = inner.value
        if set(order) <= set(values):
            out[fn.name] = (order, values)
    return out


def is_lazy_loader(fn: ast.AST, tree: ast.Module) -> bool:
    """`fn` is a module-level caching loader of `tree` (`_loaders`): its cached branch runs once, as the
    baseline's module-level load ran once at import (a `.eval()` there sets the loaded object's mode then)."""
    return isinstance(fn, ast.FunctionDef) and fn in tree.body and fn.name in _loaders(tree)


def _none_test(test: ast.expr, names: set[str]) -> bool:
    return isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id in names \
        and len(test.ops) == 1 and isinstance(test.ops[0], ast.Is) \
        and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None


def _set_none(tree: ast.Module, name: str) -> bool:
    return any(isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name)
               and s.targets[0].id == name and isinstance(s.value, ast.Constant) and s.value.value is None
               for s in tree.body)


def _imported(tree: ast.Module) -> dict[str, str]:
    """Every name an import anywhere in the module binds -> the module and name it comes from."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for a in node.names:
                out[a.asname or a.name] = f"{'.' * node.level}{node.module or ''}:{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
    return out


def _module_global(unit: Unit) -> tuple[str, ast.expr] | None:
    node = unit.node
    if unit.fn.is_module and isinstance(node, ast.Assign) and len(node.targets) == 1 \
            and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    return None


def _loaded_alike(base: Unit, name: str, tree: ast.Module) -> bool:
    """The baseline's module-level `name = E` is what a loader of the candidate module `tree` assigns to `name`,
    from the same imports, and the candidate sets `name` to None at module level."""
    found = _module_global(base)
    if found is None or found[0] != name or not _set_none(tree, name):
        return False
    loaded = next((values[name] for _, values in _loaders(tree).values() if name in values), None)
    if loaded is None or fingerprint([loaded]) != fingerprint([found[1]]):
        return False
    before, after = _imported(base.fn.module.tree), _imported(tree)
    read = {n.id for n in ast.walk(loaded) if isinstance(n, ast.Name)}
    return all(before.get(n) == after.get(n) for n in read if n in before or n in after)


def lazy_global_change(base: Unit | None, cand: Unit | None, cand_tree: ast.Module | None = None,
                       base_globals: dict[str, Unit] | None = None) -> bool:
    """The unit change is a global's load made lazy (see the module docstring): no change. `cand_tree`: the
    candidate module, for a deleted unit; `base_globals`: the baseline's module-level assignments by name, for an
    added `G = None`."""
    if cand is None:
        found = _module_global(base) if base is not None and cand_tree is not None else None
        return found is not None and base is not None and cand_tree is not None and _loaded_alike(base, found[0], cand_tree)
    if not isinstance(cand.node, ast.Assign) or len(cand.node.targets) != 1:
        return False
    tree = cand.fn.module.tree
    target, value = cand.node.targets[0], cand.node.value
    if base is None and cand.fn.is_module and isinstance(target, ast.Name) and isinstance(value, ast.Constant) \
            and value.value is None:
        old = (base_globals or {}).get(target.id)
        return old is not None and _loaded_alike(old, target.id, tree)
    if base is None:
        if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and not value.args
                and not value.keywords):
            return False
        loader = _loaders(tree).get(value.func.id)
        names = [t.id for t in (target.elts if isinstance(target, ast.Tuple) else [target]) if isinstance(t, ast.Name)]
        return loader is not None and names == loader[0] and all(_set_none(tree, n) for n in names)
    return cand.fn.is_module and isinstance(target, ast.Name) and isinstance(value, ast.Constant) \
        and value.value is None and _loaded_alike(base, target.id, tree)
