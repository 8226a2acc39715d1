"""A module constant whose definition moved to another module, with the same value.

Real shape (cosmos-rl 269c96a6..89f2e5b5): the trajectory key names `OBSERVATIONS = "observations"`,
`REWARDS = "rewards"`, `EPISODE_LENGTH = "episode_length"`, ... and `TRAJECTORY_KEYS = (OBSERVATIONS, ...)` were
declared in `cosmos_rl/dispatcher/data/packer/tensor_data_packer.py:55` and again in
`cosmos_rl/utils/payload_transport/ucxx/data_packer_mixin.py:86`; the range defines them once, in the new
`cosmos_rl/utils/trajectory.py`, with the same strings. The packer now imports them from there (and re-exports them);
the UCXX mixin lost both the constants and the fetch code that read them (moved into `ucxx/strategy.py`, which imports
them from `trajectory.py`). The comparison does not model imports, so each removed assignment was a removed value
reaching the loss: "Behavioural change in the reward path: `<module>`" and "... optimizer path: `<module>` (2
statements)", significant, the top two findings of the range.

The rule: a module-level `NAME = <value>` removed from a module, its value a literal (a constant, or a tuple/list/
dict of them and of the module's own such names) or an expression of library names only (`frozenset({...})`,
`{np.dtype("float32"): torch.float32}`: compared with each name replaced by what it imports), whose candidate
- binds `NAME` by `from X import NAME` (directly or through re-exports, 3 hops at most) where `X` binds it to the same
  value at the candidate: every read of `NAME` in the module reads the same value; or
- no longer reads `NAME` at all, while another candidate module binds `NAME` to the same value: the definition
  moved with its readers (or was a duplicate of one that stays), and those readers are compared where they are now.
The same holds the other way round (a module that imported the constant now defines it with the value it imported;
one that did not read it now defines it, moved from a module that lost it: a copy of a definition that stays is
not a move).
A value that differs (`REWARDS = "reward"` in the new module), a value that reads project code (a call of a project
function, which may itself have changed), a constant of another name, or a module that still reads the name without
binding it keeps the change.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass

from investigator.detectors.configref import imported_module_path
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import PY_SUFFIXES, SideIndex
from investigator.flow.diff import UnitChange
from investigator.pyast import import_names

MAX_HOPS = 3  # re-exports followed from the importing module to the defining one
MAX_HOME_FILES = 30  # other modules read when looking for where an unread constant went
_MISSING = object()


@dataclass(frozen=True)
class MovedConstant:
    name: str
    value: str  # its value's text (shortened)
    home: str  # the module defining it at the other commit
    side: str  # that commit: "candidate" for a constant removed here, "baseline" for one added
    imported: bool  # the module binds it by import at the other commit (else: it no longer reads it)


def moved_constants(changes: list[UnitChange], base_fn: FunctionInfo, cand_fn: FunctionInfo,
                    base: SideIndex, cand: SideIndex) -> dict[int, MovedConstant]:
    """id(statement) -> where its constant is defined at the other commit, for the statements of a module pair's
    (`<module>`) changes that are a literal constant removed from (or added to) it, moved to (or from) another module
    with its value."""
    if not (base_fn.is_module and cand_fn.is_module):
        return {}
    out: dict[int, MovedConstant] = {}
    for c in changes:
        for unit, here, there, other in ((c.base, base_fn, cand_fn, cand), (c.cand, cand_fn, base_fn, base)):
            found = None if unit is None else _moved(unit.node, here, there, other)
            if unit is not None and found is not None:
                out[id(unit.node)] = found
    return out


def _moved(node: ast.stmt, here: FunctionInfo, there: FunctionInfo, other: SideIndex) -> MovedConstant | None:
    """Where the literal constant `node` binds (top-level in `here`'s module) is defined at the other commit,
    whose module `there` no longer binds it by assignment."""
    name = _assigned_name(node)
    if name is None or not any(s is node for s in here.module.tree.body):
        return None
    value = _meaning(_value_of(node), here.path, here.module.tree, here.module.index)
    if value is None:
        return None
    tree = there.module.tree
    if any(_assigned_name(s) == name for s in tree.body):
        return None  # still (or already) defined here: an edit in place, compared as one
    source = _imported_from(tree, name)
    if source is not None:
        found = _defined(other, there.path, source[0], source[1], 0)
        if found is None or found[1] != value:
            return None
        return MovedConstant(name, _shown(node), found[0], other.side, True)
    if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(tree)) or _star_import(tree):
        return None  # read but bound elsewhere (a global statement, a star import): not a plain move
    # a constant added here came from a module that lost it: one that keeps it holds the original, and this is a
    # copy (AReaL 19fec3bd..4aef98d8: `DEFAULT_ADMIN_API_KEY` added to `areal/infra/utils/http.py`, still defined in
    # `proxy/server.py`). A removed one may go back to a definition that was always there (a duplicate dropped).
    keeps = here.module.index if other.side == "baseline" else None
    homes = [p for p in _homes(other, name, there.path) if (_defined(other, p, None, name, MAX_HOPS) or ("", ""))[1]
             == value and (keeps is None or (_defined(keeps, p, None, name, MAX_HOPS) or ("", ""))[1] != value)]
    if not homes:
        return None
    # the nearest one names where it went (`ucxx/data_packer_mixin.py`'s `_LOG_INTERVAL` -> `ucxx/strategy.py`)
    home = max(homes, key=lambda p: (len(os.path.commonprefix([p, there.path])), -len(p)))
    return MovedConstant(name, _shown(node), home, other.side, False)


def _assigned_name(node: ast.stmt) -> str | None:
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    if isinstance(node, ast.AnnAssign) and node.value is not None and isinstance(node.target, ast.Name):
        return node.target.id
    return None


def _value_of(node: ast.stmt) -> ast.expr | None:
    return node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None


def _constants(tree: ast.Module) -> dict[str, ast.expr]:
    """The module's top-level `NAME = <expr>` bindings of a single assignment (a name bound twice is left out)."""
    out: dict[str, ast.expr] = {}
    twice: set[str] = set()
    for s in tree.body:
        name, value = _assigned_name(s), _value_of(s)
        if name is None or value is None:
            continue
        if name in out:
            twice.add(name)
        out[name] = value
    return {k: v for k, v in out.items() if k not in twice}


def _literal(node: ast.expr | None, names: dict[str, ast.expr], depth: int = 0) -> object:
    """The value of a literal expression, its names read from the module's own constants (`_MISSING` when it is
    not one: a call, an attribute, an operator other than a sign)."""
    if node is None or depth > 8:
        return _MISSING
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd) \
            and isinstance(node.operand, ast.Constant) and isinstance(node.operand.value, int | float) \
            and not isinstance(node.operand.value, bool):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    if isinstance(node, ast.Name):
        bound = names.get(node.id)
        return _MISSING if bound is None else _literal(bound, names, depth + 1)
    if isinstance(node, ast.Tuple | ast.List):
        items = [_literal(e, names, depth + 1) for e in node.elts]
        if any(i is _MISSING for i in items):
            return _MISSING
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.Dict):
        if any(k is None for k in node.keys):
            return _MISSING
        keys = [_literal(k, names, depth + 1) for k in node.keys]
        values = [_literal(v, names, depth + 1) for v in node.values]
        if any(i is _MISSING for i in (*keys, *values)):
            return _MISSING
        return dict(zip(keys, values, strict=True)) if all(isinstance(k, str | int) for k in keys) else _MISSING
    return _MISSING


def _meaning(value: ast.expr | None, path: str, tree: ast.Module, side: SideIndex | None) -> str | None:
    """What a module-level value is, comparable across modules and commits: a literal's `repr` (its names read from
    the module's own literal constants), or the expression with every name it reads replaced by what it means there
    (a library import's dotted name, a literal constant's value, a builtin): `{np.dtype("float32"): torch.float32}`
    moved as it is. None when the value reads project code (an imported project module or function, a function or
    class of the module: it may itself have changed in the range) or binds names of its own (a lambda, a
    comprehension)."""
    if value is None:
        return None
    names = _constants(tree)
    literal = _literal(value, names)
    if literal is not _MISSING:
        return repr(literal)
    if side is None or any(isinstance(n, ast.Lambda | ast.comprehension | ast.NamedExpr) for n in ast.walk(value)):
        return None
    imports: dict[str, str] = {}
    bound: set[str] = set()
    for s in _module_level(tree.body):
        if isinstance(s, ast.Import | ast.ImportFrom):
            imports.update(import_names(s))
        elif isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(s.name)
        else:
            bound |= {n.id for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    paths = side.tree.paths()
    meaning: dict[str, str] = {}
    for n in {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}:
        if n in imports and n not in bound:
            dotted = imports[n]
            if dotted.startswith(".") or imported_module_path(path, dotted, paths) \
                    or imported_module_path(path, dotted.rsplit(".", 1)[0], paths):
                return None  # project code
            meaning[n] = f"import {dotted}"
        elif n in names:
            constant = _literal(names[n], names)
            if constant is _MISSING:
                return None
            meaning[n] = f"literal {constant!r}"
        elif n in bound or n in imports:
            return None
        else:
            meaning[n] = f"builtin {n}"
    copy = ast.parse(ast.unparse(value), mode="eval").body
    for node in ast.walk(copy):
        if isinstance(node, ast.Name):
            node.id = meaning.get(node.id, node.id)
    return ast.dump(copy)


def _module_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements that run at import: the body and, inside `if`/`try`/`with` blocks, theirs (a compound
    statement is listed with its header's names only)."""
    out: list[ast.stmt] = []
    for s in body:
        if isinstance(s, ast.If | ast.Try | ast.With):
            blocks = [s.body, s.orelse] if isinstance(s, ast.If) else [s.body] if isinstance(s, ast.With) else \
                [s.body, s.orelse, s.finalbody, *[h.body for h in s.handlers]]
            for block in blocks:
                out.extend(_module_level(block))
            if isinstance(s, ast.Try):
                out.extend(ast.Assign(targets=[ast.Name(id=h.name, ctx=ast.Store())], value=ast.Constant(None))
                           for h in s.handlers if h.name)
        else:
            out.append(s)
    return out


def _shown(node: ast.stmt) -> str:
    value = _value_of(node)
    text = ast.unparse(value) if value is not None else ""
    return text if len(text) <= 40 else text[:37] + "..."


def _imported_from(tree: ast.Module, name: str) -> tuple[str, str] | None:
    """(dotted module, name there) of a top-level `from X import A as name` (relative dots kept)."""
    for s in tree.body:
        if isinstance(s, ast.ImportFrom):
            for alias in s.names:
                if (alias.asname or alias.name) == name and alias.name != "*":
                    return "." * s.level + (s.module or ""), alias.name
    return None


def _star_import(tree: ast.Module) -> bool:
    return any(isinstance(s, ast.ImportFrom) and any(a.name == "*" for a in s.names) for s in tree.body)


def _defined(side: SideIndex, here: str, dotted: str | None, name: str, hops: int) -> tuple[str, str] | None:
    """(path, repr of the value) where `name` is bound to a literal: in the module `dotted` imported from `here`
    (or in `here` itself when `dotted` is None), following `from Y import name` re-exports."""
    path = here if dotted is None else imported_module_path(here, dotted, side.tree.paths())
    module = side.module(path) if path is not None else None
    if module is None or path is None:
        return None
    tree = module.tree
    bound = [s for s in tree.body if _assigned_name(s) == name]
    if len(bound) == 1:
        value = _meaning(_value_of(bound[0]), path, tree, side)
        return None if value is None else (path, value)
    if bound or hops >= MAX_HOPS:
        return None
    source = _imported_from(tree, name)
    return None if source is None else _defined(side, path, source[0], source[1], hops + 1)


def _homes(side: SideIndex, name: str, skip: str) -> list[str]:
    """The other Python files of the commit that mention `name` (where a moved definition may be), or none when
    there are too many to read."""
    paths = sorted({p for p, _ in side.mentions(name) if p.endswith(PY_SUFFIXES) and p != skip})
    return paths if len(paths) <= MAX_HOME_FILES else []
