"""Library attributes read under a newer name of the same object: Chainer's `Variable.array` is `Variable.data`.

Real shape (chainerrl v0.6.0..v0.7.0, precision held-out 9): `A2C.update` / `A2C.batch_act_and_train` moved from
`advantages.data`, `next_value.data`, `pout.sample().data` to `.array`: Chainer 3 added `Variable.array` as the
unambiguous name of the ndarray `Variable.data` returns (the same object), two significant "Behavioural change in the
loss path" findings of the range's top five. (The diff's rename rule did not apply: `self.xp.array(...)` already
named `array` at the baseline.)

The table is per library: an entry applies only where both commits' modules import that library (else `.array` /
`.data` are some other object's: a NumPy array's `.data` is its buffer, a tensor has no `.array`), and only where no
class of either module defines an attribute of either name itself (`self.array = x`, a field, a method: a project
object with both names would hold two things). Read so, `x.array` is `x.data`; statements equal once read so compute
the same values. A call of the name (`xp.array(v)`) is a function, never rewritten.

Also a module's name spelled through another import of it: chainerrl v0.7.0's `categorical_dqn.py` added `from
chainer import cuda` and rewrote `chainer.cuda.get_array_module(z)` as `cuda.get_array_module(z)` (significant "loss
path", top five once the `.array` findings went). A name bound only by one top-level import of its module (never
assigned, never a parameter, never imported twice) is read as the dotted path it imports (`cuda` ->
`chainer.cuda`, `np` -> `numpy`): statements equal once read so call the same functions.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING

from investigator.pyast import dotted_expr, name_chain, same_once_rewritten

if TYPE_CHECKING:
    from investigator.detectors.pairs import SideIndex

# library (top-level import) -> {newer attribute: the attribute it names under its older name}
ALIASES: dict[str, dict[str, str]] = {"chainer": {"array": "data"}}


def _imports(tree: ast.Module) -> frozenset[str]:
    """Top-level packages the module imports (kept on the parsed tree)."""
    found: frozenset[str] | None = tree.__dict__.get("_imported_packages")
    if found is None:
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
        found = tree.__dict__["_imported_packages"] = frozenset(names)
    return found


def _own_attributes(tree: ast.Module) -> frozenset[str]:
    """Attribute names the module's own code defines: stores `x.name = ...`, class-body names, methods."""
    found: frozenset[str] | None = tree.__dict__.get("_own_attribute_names")
    if found is None:
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
                names.add(node.attr)
            elif isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                        names.add(stmt.name)
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(
                        stmt, ast.AnnAssign) else []
                    names.update(t.id for t in targets if isinstance(t, ast.Name))
        found = tree.__dict__["_own_attribute_names"] = frozenset(names)
    return found


def _table(base_tree: ast.Module, cand_tree: ast.Module) -> dict[str, str]:
    """The aliases that apply to this pair of modules."""
    out: dict[str, str] = {}
    for library, aliases in ALIASES.items():
        if library in _imports(base_tree) and library in _imports(cand_tree):
            out.update(aliases)
    own = _own_attributes(base_tree) | _own_attributes(cand_tree)
    return {new: old for new, old in out.items() if new not in own and old not in own}


class _Older(ast.NodeTransformer):
    def __init__(self, table: dict[str, str]) -> None:
        self.table = table
        self.count = 0

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Attribute):  # `xp.array(v)`: a function of that name, left as it is
            node.func.value = self.visit(node.func.value)
            node.args = [self.visit(a) for a in node.args]
            node.keywords = [self.visit(k) for k in node.keywords]
            return node
        return self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        old = self.table.get(node.attr) if isinstance(node.ctx, ast.Load) else None
        if old is None:
            return node
        self.count += 1
        return ast.Attribute(value=node.value, attr=old, ctx=node.ctx)


def same_but_aliases(base: Sequence[ast.AST], cand: Sequence[ast.AST], base_tree: ast.Module,
                     cand_tree: ast.Module) -> bool:
    """The two statements (their evaluated parts) are the same once a library attribute's newer name is read as
    its older one (see the module doc)."""
    if len(base) != len(cand) or any(type(b) is not type(c) for b, c in zip(base, cand, strict=True)):
        return False
    table = _table(base_tree, cand_tree)
    if not table or not any(isinstance(n, ast.Attribute) and n.attr in table for p in (*base, *cand)
                            for n in ast.walk(p)):
        return False
    return same_once_rewritten(base, cand, _Older(table), _Older(table))


def _import_paths(tree: ast.Module) -> dict[str, str]:
    """Name -> the dotted path a top-level import binds it to, for names bound by that import only."""
    found: dict[str, str] | None = tree.__dict__.get("_import_paths")
    if found is None:
        bound: dict[str, list[str]] = {}
        for stmt in tree.body:
            if isinstance(stmt, ast.Import):
                for a in stmt.names:
                    if a.asname:
                        bound.setdefault(a.asname, []).append(a.name)
                    else:
                        root = a.name.split(".")[0]
                        bound.setdefault(root, []).append(root)
            elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
                for a in stmt.names:
                    if a.name != "*":
                        bound.setdefault(a.asname or a.name, []).append(f"{stmt.module}.{a.name}")
        other: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                other.add(node.id)
            elif isinstance(node, ast.arg):
                other.add(node.arg)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                other.add(node.name)
            elif isinstance(node, ast.Import | ast.ImportFrom) and node not in tree.body:
                other.update((a.asname or a.name).split(".")[0] for a in node.names)
        found = {n: paths[0] for n, paths in bound.items() if len(set(paths)) == 1 and n not in other}
        tree.__dict__["_import_paths"] = found
    return found


class _Qualified(ast.NodeTransformer):
    def __init__(self, paths: dict[str, str]) -> None:
        self.paths = paths
        self.count = 0

    def visit_Name(self, node: ast.Name) -> ast.AST:
        path = self.paths.get(node.id) if isinstance(node.ctx, ast.Load) else None
        if path is None or path == node.id:
            return node
        self.count += 1
        out: ast.expr = ast.Name(id=path.split(".")[0], ctx=ast.Load())
        for part in path.split(".")[1:]:
            out = ast.Attribute(value=out, attr=part, ctx=ast.Load())
        return out


def same_but_import_spelling(base: Sequence[ast.AST], cand: Sequence[ast.AST], base_tree: ast.Module,
                             cand_tree: ast.Module) -> bool:
    """The two statements are the same once names bound by imports are read as what they import (see the module
    doc): `chainer.cuda.get_array_module(z)` and `cuda.get_array_module(z)` under `from chainer import cuda`."""
    if len(base) != len(cand) or any(type(b) is not type(c) for b, c in zip(base, cand, strict=True)):
        return False
    return same_once_rewritten(base, cand, _Qualified(_import_paths(base_tree)), _Qualified(_import_paths(cand_tree)))


# Library modules that moved: the old dotted path -> the new one, the same functions with the same arguments.
# Real shapes: bsuite 0.3.2..0.3.3 (8d524105..cf2b5cba) `bsuite/baselines/jax/actor_critic/agent.py:87`
# `optix.apply_updates(...)` -> `optax.apply_updates(...)` (`from jax.experimental import optix` -> `import optax`;
# "Behavioural change in the optimizer path", significant, #2, four places); dice_rl 4855e16a..0adb2e0f
# `environments/contextual_bandit.py:28` `np.math.factorial(n)` -> `math.factorial(n)` (NumPy's `np.math` was the
# standard `math` module, removed in NumPy 2; "Behavioural change in the environment path", significant, #1).
MOVED_MODULES: dict[str, str] = {
    "jax.experimental.optix": "optax",
    "numpy.math": "math",
    "jax.experimental.stax": "jax.example_libraries.stax",
    "jax.experimental.optimizers": "jax.example_libraries.optimizers",
    "tensorflow.compat.v2": "tensorflow",
}


class _Moved(ast.NodeTransformer):
    """Qualified paths (after `_Qualified`) under a moved module read under its new path; a whole top-level package
    replaced by another (`roots`: gone -> new) read as the new one."""

    def __init__(self, roots: dict[str, str]) -> None:
        self.roots = roots
        self.count = 0

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        path = (name_chain(node) or None) if isinstance(node.ctx, ast.Load) else None
        if path is not None:
            for old, new in MOVED_MODULES.items():
                if path.startswith(old + "."):
                    self.count += 1
                    return ast.copy_location(dotted_expr(new + path[len(old):]), node)
            root, _, rest = path.partition(".")
            if root in self.roots:
                self.count += 1
                return ast.copy_location(dotted_expr(f"{self.roots[root]}.{rest}"), node)
        self.generic_visit(node)
        return node


def own_names(index: SideIndex | None) -> frozenset[str]:
    """Names a project module or package of the repository could be imported under (file stems, directories),
    kept in the commit's index memo."""
    if index is None:
        return frozenset()
    found = index.memo.get("own_module_names")
    if not isinstance(found, frozenset):
        found = frozenset(part for path in index.tree.paths() if path.endswith(".py") for part in path[:-3].split("/"))
        index.memo["own_module_names"] = found
    return found


def _replaced_roots(base_tree: ast.Module, cand_tree: ast.Module, own: Sequence[frozenset[str]]) -> dict[str, str]:
    """A top-level library package the baseline module imports and the candidate does not, replaced there by exactly
    one the baseline did not import (`import gym` -> `import gymnasium as gym`): {old root: new root}; else {}. A
    package of the repository itself is never read so (its functions are compared where they are defined)."""
    gone = _imports(base_tree) - _imports(cand_tree)
    new = _imports(cand_tree) - _imports(base_tree)
    if len(gone) == 1 and len(new) == 1 and not any((gone | new) & names for names in own):
        return {next(iter(gone)): next(iter(new))}
    return {}


def same_but_moved_module(base: Sequence[ast.AST], cand: Sequence[ast.AST], base_tree: ast.Module,
                          cand_tree: ast.Module, own: Sequence[frozenset[str]] = ()) -> bool:
    """The two statements are the same once names bound by imports are read as what they import and a library module
    that moved (`MOVED_MODULES`, or a package the module's imports replaced wholesale by another) is read under its
    new path: the same function, the same arguments. A function of another name (`optix.adam` -> `optax.adamw`),
    another argument, or a module that is still imported beside the new one (`chainer.cuda` -> `cupy.cuda` with
    `chainer` still imported) stays a change."""
    if len(base) != len(cand) or any(type(b) is not type(c) for b, c in zip(base, cand, strict=True)):
        return False
    roots = _replaced_roots(base_tree, cand_tree, own)

    class _Both(ast.NodeTransformer):
        def __init__(self, paths: dict[str, str]) -> None:
            self.qualified = _Qualified(paths)
            self.moved = _Moved(roots)
            self.count = 0

        def visit(self, node: ast.AST) -> ast.AST:
            out = self.moved.visit(self.qualified.visit(node))
            self.count = self.moved.count
            return out

    return same_once_rewritten(base, cand, _Both(_import_paths(base_tree)), _Both(_import_paths(cand_tree)))
