"""Code inlined from a callee into its caller (or extracted into one), compared with the callee's body.

Real shape (rsl_rl): at the baseline `PPO.compute_returns` calls `self.storage.compute_returns(
last_values, self.gamma, self.lam)`, and the GAE loop lives in `RolloutStorage.compute_returns`; at
the candidate the loop lives in `PPO.compute_returns`, written through `st = self.storage`, and the
storage class lost its method. Statement by statement, the caller's new code is the callee's old
body with its parameters bound to the call's arguments and its `self` to the receiver
(`self.values[step]` there is `st.values[step]` here). A statement that reads the same is moved,
not added; one that differs is paired with the callee statement it replaces, so the report names
that change (both file:line) instead of the whole loop. The reverse (a block of the caller
extracted into a method of another object) is matched the same way from the candidate's call.

Local names may differ (a consistent renaming between the callee's and the caller's names is
allowed, per callee); a statement whose names do not map one to one stays a change."""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass, field

from investigator.detectors.attrs import self_aliases
from investigator.detectors.flow import attribute_receiver, substitute
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.patterns import equivalent_form
from investigator.flow.diff import UnitChange
from investigator.flow.units import Unit
from investigator.pyast import call_name, copy_tree, default_values, fingerprint

MAX_CALLEE_UNITS = 200  # a larger callee is its own pair's concern


@dataclass
class Inlined:
    """What the matching found in one pair."""

    changes: list[UnitChange]
    standins: dict[int, int] = field(default_factory=dict)  # callee statement id -> the call statement's id
    # callees whose body matched statement for statement: (side of the call, callee, the call statement)
    identical: list[tuple[str, FunctionInfo, Unit]] = field(default_factory=list)


def inlined_callees(base_fn: FunctionInfo, cand_fn: FunctionInfo, changes: list[UnitChange], flows: dict) -> Inlined:
    """`changes` with the statements that came from (or went into) a called function's body matched
    against that body: identical ones dropped, changed ones paired with the callee statement."""
    aliases = (set(self_aliases(base_fn)), set(self_aliases(cand_fn)))
    out = Inlined([c for c in changes if not _alias_binding(c, aliases)])
    for side, other in (("baseline", "candidate"), ("candidate", "baseline")):
        caller, home = (base_fn, cand_fn) if side == "baseline" else (cand_fn, base_fn)
        memo: dict[int, tuple[tuple[object, ...], list[str]]] = {}  # statement id -> its key (per side)
        for call_unit, call, callee in _call_statements(out.changes, side, caller, flows[side]):
            _match(out, side, other, call_unit, call, callee, caller, home, flows[side], memo)
    return out


def _alias_binding(change: UnitChange, aliases: tuple[set[str], set[str]]) -> bool:
    """An added or removed `st = self.storage` (a local alias of an instance attribute, `self_aliases`):
    no change by itself; what is written through it reads as written through the attribute."""
    if change.base is not None and change.cand is not None:
        return False
    unit, names = (change.base, aliases[0]) if change.base is not None else (change.cand, aliases[1])
    node = unit.node if unit is not None else None
    return isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
        and node.targets[0].id in names


def _own(change: UnitChange, side: str) -> Unit | None:
    return change.base if side == "baseline" else change.cand


def _call_statements(changes: list[UnitChange], side: str, fn: FunctionInfo, flow) -> list[tuple[Unit, ast.Call, FunctionInfo]]:
    """Changed statements of `side` that are one call of a project function (`f(...)`, `x = f(...)`)."""
    out: list[tuple[Unit, ast.Call, FunctionInfo]] = []
    for change in changes:
        unit = _own(change, side)
        node = unit.node if unit is not None else None
        value = node.value if isinstance(node, ast.Expr | ast.Assign) else None
        if unit is None or not isinstance(value, ast.Call) or unit.default:
            continue
        callee = flow.resolver.resolve(value, fn)
        if callee is None or callee is fn or callee.is_module or not isinstance(callee.node, ast.FunctionDef):
            continue
        out.append((unit, value, callee))
    return out


def _match(out: Inlined, side: str, other: str, call_unit: Unit, call: ast.Call, callee: FunctionInfo,
           caller: FunctionInfo, home: FunctionInfo, flow, memo: dict[int, tuple[tuple[object, ...], list[str]]]) -> None:
    body = [u for u in flow.units(callee) if not u.default]
    if not body or len(body) > MAX_CALLEE_UNITS:
        return
    targets = call_unit.node.targets if isinstance(call_unit.node, ast.Assign) else None
    bindings = _bindings(call, callee, caller)
    own_aliases: dict[str, ast.AST] = {n: _self_attribute(a) for n, a in self_aliases(callee).items()}
    callee_locals = (set(callee.local_names) - set(own_aliases)) | set(caller.local_names)
    wanted = [(u, k) for u in body if not _alias_binding(UnitChange(u, None), (set(own_aliases), set()))
              and (k := _callee_key(u, bindings, targets, callee_locals, own_aliases)) is not None]
    here = [(i, unit) for i, c in enumerate(out.changes) if (unit := _own(c, other)) is not None]
    aliases: dict[str, ast.AST] = {n: _self_attribute(a) for n, a in self_aliases(home).items()}
    home_locals = set(home.local_names) - set(aliases)
    keys = []
    for _, unit in here:
        if id(unit.node) not in memo:
            memo[id(unit.node)] = _key(unit, aliases, home_locals)
        keys.append(memo[id(unit.node)])
    if not {k for _, (k, _) in wanted} & {k for k, _ in keys}:
        return
    same, differ = _aligned([k for _, k in wanted], keys)
    if sum(_size(wanted[i][0]) for i, _ in same) < MIN_MATCHED_NODES or 2 * len(same) < len(wanted):
        return  # too little of the callee's body is here to say it was inlined (code moved into another
        # object's method with its locals made attributes is compared by the detectors, detectors/moved.py)
    paired = {j for _, j in same} | {j for _, j in differ if j is not None}
    touched = {here[j][0] for j in paired}
    kept: list[UnitChange] = []
    for i, c in enumerate(out.changes):
        own = _own(c, side)
        if i not in touched and own is not call_unit:
            kept.append(c)
            continue
        if own is not None and own is not call_unit:
            kept.append(_pair(side, own, None))  # a statement beside the inlined code stays a change alone
        theirs = _own(c, other)
        if own is call_unit and theirs is not None and i not in touched:
            kept.append(_pair(other, theirs, None))
    for ci, j in differ:  # what the inlined code changed: the callee's statement against the caller's
        mine = wanted[ci][0] if ci is not None else None
        theirs = here[j][1] if j is not None else None
        if mine is not None:
            out.standins[id(mine.node)] = id(call_unit.node)
        kept.append(_pair(side, mine, theirs) if mine is not None else _pair(other, theirs, None))
    out.changes = kept
    if not any(ci is not None for ci, _ in differ):
        out.identical.append((side, callee, call_unit))


MIN_MATCHED_NODES = 12  # as for moved statements (flow/diff.py): a lone `x = 0` says nothing


def _size(unit: Unit) -> int:
    return sum(1 for p in unit.parts for _ in ast.walk(p))


def _self_attribute(attr: str) -> ast.Attribute:
    return ast.Attribute(value=ast.Name(id="self", ctx=ast.Load()), attr=attr, ctx=ast.Load())


def _aligned(wanted: list[tuple[tuple[object, ...], list[str]]], keys: list[tuple[tuple[object, ...], list[str]]]
             ) -> tuple[list[tuple[int, int]], list[tuple[int | None, int | None]]]:
    """(callee statement, statement here) pairs that read the same under one consistent renaming of
    locals, and the pairs that differ (a statement replaced; None where one side has none). Statements
    here that the callee's body does not explain (`st = self.storage`) are in neither."""
    matcher = difflib.SequenceMatcher(None, [k for k, _ in wanted], [k for k, _ in keys], autojunk=False)
    mapping: dict[str, str] = {}
    same: list[tuple[int, int]] = []
    differ: list[tuple[int | None, int | None]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for d in range(i2 - i1):
                if _consistent(wanted[i1 + d][1], keys[j1 + d][1], mapping):
                    same.append((i1 + d, j1 + d))
                else:
                    differ.append((i1 + d, j1 + d))
        elif tag in ("replace", "delete"):
            for d in range(max(i2 - i1, j2 - j1)):
                differ.append((i1 + d if d < i2 - i1 else None, j1 + d if d < j2 - j1 else None))
    return same, differ


def _pair(side: str, mine: Unit | None, theirs: Unit | None) -> UnitChange:
    """A change with `mine` on `side` and `theirs` on the other side."""
    return UnitChange(mine, theirs) if side == "baseline" else UnitChange(theirs, mine)


def _bindings(call: ast.Call, callee: FunctionInfo, caller: FunctionInfo) -> dict[str, ast.AST]:
    """The callee's parameters bound to the call's arguments (defaults for the rest), and its `self`
    to the receiver object when that is another object (`self.storage`, or an alias of it)."""
    node = callee.node
    assert isinstance(node, ast.FunctionDef)
    params = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
    aliases: dict[str, ast.AST] = {n: _self_attribute(a) for n, a in self_aliases(caller).items()}
    out: dict[str, ast.AST] = {}
    if params and params[0] in ("self", "cls") and isinstance(call.func, ast.Attribute):
        attr = attribute_receiver(call.func.value, caller) if params[0] == "self" else ""
        if attr:
            out["self"] = _self_attribute(attr)
        params = params[1:]
    out.update(default_values(node))
    for name, arg in zip(params, call.args, strict=False):
        if not isinstance(arg, ast.Starred):
            out[name] = substitute(arg, aliases)
    for kw in call.keywords:
        if kw.arg:
            out[kw.arg] = substitute(kw.value, aliases)
    return out


def _callee_key(unit: Unit, bindings: dict[str, ast.AST], targets: list[ast.expr] | None,
                names: set[str], aliases: dict[str, ast.AST]) -> tuple[tuple[object, ...], list[str]] | None:
    """The key of a callee statement as the caller would run it inline (its own aliases of instance
    attributes read as the attributes, then its parameters and `self` bound); a `return v` of a callee
    whose value the caller assigns reads as that assignment (None: a `return` whose value is discarded)."""
    node = unit.node
    if isinstance(node, ast.Return):
        if targets is None or node.value is None:
            return None
        stmt = ast.Assign(targets=[copy_tree(t) for t in targets], value=node.value)
        return _canon("Assign", [substitute(stmt, aliases)], bindings, names)
    return _canon(type(node).__name__, [substitute(p, aliases) for p in unit.parts], bindings, names)


def _key(unit: Unit, aliases: dict[str, ast.AST], names: set[str]) -> tuple[tuple[object, ...], list[str]]:
    return _canon(type(unit.node).__name__, unit.parts, aliases, names)


class _Locals(ast.NodeTransformer):
    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.seen: list[str] = []

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.names:
            self.seen.append(node.id)
            return ast.Name(id="_", ctx=node.ctx)
        return node


def _canon(kind: str, parts: list[ast.AST], bindings: dict[str, ast.AST],
           names: set[str]) -> tuple[tuple[object, ...], list[str]]:
    """(structural key with bound names substituted and local names collapsed, the local names in
    walk order): two statements alike up to a renaming of locals have the same key."""
    rewrite = _Locals(names)
    trees = [rewrite.visit(copy_tree(equivalent_form(substitute(p, bindings)))) for p in parts]  # never the source tree
    return (kind, fingerprint(trees)), rewrite.seen


def _consistent(theirs: list[str], mine: list[str], mapping: dict[str, str]) -> bool:
    """The local names of two matched statements map one to one, consistently with earlier matches."""
    if len(theirs) != len(mine):
        return False
    trial = dict(mapping)
    used = {v: k for k, v in trial.items()}
    for a, b in zip(theirs, mine, strict=True):
        if trial.setdefault(a, b) != b or used.setdefault(b, a) != a:
            return False
    mapping.update(trial)
    return True


def call_text(unit: Unit) -> str:
    """The call statement as a short text for a note."""
    value = unit.node.value if isinstance(unit.node, ast.Expr | ast.Assign) else None
    return f"{call_name(value)}(...)" if isinstance(value, ast.Call) else unit.text(60)
