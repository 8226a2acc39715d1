"""Which units of a matched function pair changed behaviour-relevantly.

Units are compared by their structural fingerprint (formatting, comments and docstrings never
count). What is *not* a change: a unit that only moved (the same statement deleted at one place and
added at another of the same function), and a consistent rename of a name that disappears at the
baseline and is new at the candidate (`adv` -> `advantages` everywhere), or the rename of a
project function the pair index matched as a rename. Everything else is a changed unit: added
(candidate only), deleted (baseline only), or modified (both, at the same place of the diff).
"""

from __future__ import annotations

import ast
import difflib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.flow.argflags import same_cli_option
from investigator.flow.attraliases import (
    own_names,
    same_but_aliases,
    same_but_import_spelling,
    same_but_moved_module,
)
from investigator.flow.fieldprop import field_as_property
from investigator.flow.lazyglobal import lazy_global_change
from investigator.flow.newfield import same_at_new_defaults
from investigator.flow.noneparam import same_at_none_default
from investigator.flow.sumterms import same_signed_sum
from investigator.flow.typeonly import identity_statement, same_but_types
from investigator.flow.units import Unit
from investigator.pyast import class_base, copy_tree, fingerprint, last_name

T = TypeVar("T")


@dataclass
class UnitChange:
    base: Unit | None
    cand: Unit | None
    moved_under: str = ""  # the same statement under other conditions: how they differ (`control_moves`)
    crossed: bool = False  # one side of a move across a statement it depends on (`dependent_moves`)
    across: Unit | None = None  # the moved call handing `self` on that this unchanged statement now runs across

    @property
    def kind(self) -> str:
        return "modified" if self.base and self.cand else "added" if self.cand else "deleted"


def same_once_normalised(change: UnitChange, normalise: Callable[[ast.stmt], tuple[str, T]]) -> tuple[T, T] | None:
    """(what `normalise` took out of the baseline statement, out of the candidate's) when a modified simple statement
    (no `if`/`for`/`while` header) is the same at both commits once normalised and what was taken out differs; else
    None. `normalise` returns the normalised statement's dump and what it took out (flow/perfkw.py's speed
    keywords, flow/itemattr.py's item spellings)."""
    if change.base is None or change.cand is None or isinstance(change.base.node, ast.If | ast.For | ast.While):
        return None
    base, was = normalise(change.base.node)
    cand, now = normalise(change.cand.node)
    return None if base != cand or was == now else (was, now)


def unit_key(unit: Unit) -> tuple[object, ...]:
    """The unit's structural key (computed once per unit: the diff, the move search and the rename
    check ask for it again and again; a unit's statement is never modified after it is built)."""
    memo = unit.__dict__
    key = memo.get("_unit_key")
    if key is None:
        key = memo["_unit_key"] = (type(unit.node).__name__, fingerprint(list(unit.parts)))
    return key


class _Collapse(ast.NodeTransformer):
    def __init__(self, methods: dict[str, str] | None = None, fields: bool = False,
                 held: frozenset[str] = frozenset()) -> None:
        self.methods = methods or {}  # functions renamed in the range: a call of the old name is the new one
        self.fields = fields  # also collapse `batch.n_steps` (a field read on a plain name), for the rename check
        self.held = held  # with `fields`: instance attributes holding a callable object (`held_callables`)

    def _method(self, name: str) -> str:
        return self.methods.get(name, name)

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.copy_location(ast.Name(id="_", ctx=node.ctx), node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if _self_attribute(node):  # `self.seq_len` and `self.seq_length` collapse alike
            return ast.copy_location(ast.Name(id="_", ctx=node.ctx), node)
        if self.fields and _field_read(node):  # `batch.n_steps` and `batch.intervals` alike
            return ast.copy_location(ast.Name(id="_", ctx=node.ctx), node)
        self.generic_visit(node)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        called = CALLED_AS_FORWARD.get() if self.fields else frozenset()
        if called and isinstance(node.func, ast.Attribute) and self._method(node.func.attr) in called:
            node.func = node.func.value  # `x.forward(a)` is `x(a)`: a module's `__call__` runs its `forward`
        if _self_attribute(node.func) and not (self.fields and node.func.attr in self.held):  # type: ignore[attr-defined]
            # a method keeps its name: `self.calc_gradients(x)` is not `self.f(x)`
            node.func = ast.Attribute(value=ast.Name(id="_", ctx=ast.Load()),
                                      attr=self._method(node.func.attr), ctx=ast.Load())  # type: ignore[attr-defined]
            node.args = [self.visit(a) for a in node.args]
            node.keywords = [self.visit(k) for k in node.keywords]
            return node
        if isinstance(node.func, ast.Attribute) and node.func.attr in self.methods:
            node.func = ast.Attribute(value=node.func.value, attr=self._method(node.func.attr), ctx=ast.Load())
        if self.fields and _self_attribute(node.func):  # `self.critic(x)`: the object an attribute holds
            self.generic_visit(node)
            return node
        if self.fields and isinstance(node.func, ast.Attribute):  # `x.mean()` keeps its method name
            node.func = ast.Attribute(value=self.visit(node.func.value), attr=node.func.attr, ctx=ast.Load())
            node.args = [self.visit(a) for a in node.args]
            node.keywords = [self.visit(k) for k in node.keywords]
            return node
        self.generic_visit(node)
        return node


def _self_attribute(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"


def _field_read(node: ast.AST) -> bool:
    """`batch.n_steps`: an attribute read on a plain name other than `self` (a field of an object)."""
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id != "self"


def collapsed_key(unit: Unit, methods: dict[str, str] | None = None) -> tuple[object, ...]:
    """The key with every plain name collapsed: equal for statements that differ only in names. With
    `methods` (old name -> new name of functions renamed in the range), a method call of an old name
    reads as the new one: rsl_rl renamed `RolloutStorage.add_transitions` to `add_transition`, and
    `self.storage.add_transitions(t)` -> `self.storage.add_transition(t)` in its callers was reported
    as a behavioural change of each caller.

    Without `methods` the key is computed once per unit (a deep copy and a walk each time otherwise)."""
    if methods and not _attributes(unit).isdisjoint(methods):
        return _collapsed_key(unit, methods)
    memo = unit.__dict__
    key = memo.get("_collapsed_key")
    if key is None:
        key = memo["_collapsed_key"] = _collapsed_key(unit, None)
    return key


def _attributes(unit: Unit) -> frozenset[str]:
    """The attribute names the unit's parts read or write (once per unit, kept on it). `methods` renames only
    a call of `<x>.<old name>`: a unit naming none of the old names has the key it has without `methods`
    (the memoised one), instead of a deep copy and a walk per ask."""
    memo = unit.__dict__
    found: frozenset[str] | None = memo.get("_unit_attrs")
    if found is None:
        found = memo["_unit_attrs"] = frozenset(
            n.attr for p in unit.parts for n in ast.walk(p) if isinstance(n, ast.Attribute))
    return found


def _collapsed_key(unit: Unit, methods: dict[str, str] | None, fields: bool = False) -> tuple[object, ...]:
    held = held_callables(unit.fn.module) if fields else frozenset()
    parts = [_Collapse(methods, fields, held).visit(copy_tree(p)) for p in unit.parts]
    return (type(unit.node).__name__, fingerprint(parts))


_STORED = re.compile(r"\bself\.(\w+)\s*(?::[^=\n]*)?=(?!=)")
_DEFINED = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)", re.MULTILINE)


def held_callables(module: object) -> frozenset[str]:
    """Instance attributes the module stores (`self.critic = TwinnedQNetwork(...)`) and never defines as a
    method: `self.critic(states)` calls the object the attribute holds, so for the rename check it is an
    attribute read like any other, not a method name (kept on the parsed module). Real shape
    (sac-discrete.pytorch d48f9e10..cf2295cd): `self.critic` -> `self.online_critic` in every method of the
    agent; `curr_q1, curr_q2 = self.critic(states)` -> `self.online_critic(states)` was "Storage layout changed
    in the loss path" (the same network under a new name)."""
    memo = getattr(module, "__dict__", None)
    found: frozenset[str] | None = memo.get("_held_callables") if memo is not None else None
    if found is None:
        text = getattr(module, "text", "") or ""
        found = frozenset(_STORED.findall(text)) - frozenset(_DEFINED.findall(text))
        if memo is not None:
            memo["_held_callables"] = found
    return found


# The names a module's `forward` has at either commit where a range renames it (`forward` -> `predict_act_value`,
# `compute_loss` -> `forward`): a call `x.<name>(...)` then reads as the module call `x(...)` in the rename check
# (set per pair by the analyzer; empty otherwise). Real shape (diamond 54961839..17c77643): `RewEndModel.forward`
# became `predict_rew_end` and `compute_loss` became `forward`, so `self.rew_end_model(obs, ...)` ->
# `self.rew_end_model.predict_rew_end(obs, ...)` (src/envs/world_model_env.py:97) and `model.compute_loss(batch)`
# -> `model(batch)` (src/trainer.py:363) call the same method as before.
CALLED_AS_FORWARD: ContextVar[frozenset[str]] = ContextVar("called_as_forward", default=frozenset())


def forward_names(renamed_pairs: list[tuple[str, str]]) -> frozenset[str]:
    """`forward` and the names it was renamed to, when a method `forward` was renamed from or to another name
    in the range (old name, new name of each renamed function); empty otherwise."""
    if not any("forward" in (old, new) for old, new in renamed_pairs if old != new):
        return frozenset()
    return frozenset({"forward", *(new for old, new in renamed_pairs if old == "forward" and new != old)})


def _rename_key(unit: Unit, methods: dict[str, str] | None = None) -> tuple[object, ...]:
    """The collapsed key with field reads (`batch.n_steps`) collapsed too: only for the rename check,
    which then asks that each field name is gone from its module at the other side."""
    called = CALLED_AS_FORWARD.get()
    if (methods and not _attributes(unit).isdisjoint(methods)) or (called and not _attributes(unit).isdisjoint(called)):
        return _collapsed_key(unit, methods, fields=True)
    memo = unit.__dict__
    key = memo.get("_rename_key")
    if key is None:
        key = memo["_rename_key"] = _collapsed_key(unit, None, fields=True)
    return key


class _ModuleCalls(ast.NodeTransformer):
    """`x.<name>(...)` -> `x(...)` for the names `forward` has in the range (`CALLED_AS_FORWARD`), a baseline
    method name read through the range's renames first (`compute_loss` -> `forward`)."""

    def __init__(self, called: frozenset[str], methods: dict[str, str] | None) -> None:
        self.called, self.methods = called, methods or {}

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Attribute) and self.methods.get(node.func.attr, node.func.attr) in self.called:
            node.func = node.func.value
        self.generic_visit(node)
        return node


def _names(unit: Unit, fields: bool = False, merged: bool = False, renames: dict[str, str] | None = None) -> list[str]:
    """Plain names and instance attributes (`self.x`), in walk order; with `fields`, field reads on
    other plain names too (`batch.n_steps`, before the name `batch` itself); with `merged`, a field read
    stands for its receiver too (`batch.n_steps` without `batch`, `self.x` without `self`: one name, as the collapsed
    key has it). With `fields`, a call of `forward` under its names in the range reads as the module call (as
    the rename key has it: `CALLED_AS_FORWARD`; `renames`, for a baseline statement, the range's renames)."""
    out: list[str] = []
    held = held_callables(unit.fn.module) if fields else frozenset()
    called = CALLED_AS_FORWARD.get() if fields else frozenset()
    parts = unit.parts
    if called and not _attributes(unit).isdisjoint(called | set(renames or ())):
        parts = [_ModuleCalls(called, renames).visit(copy_tree(p)) for p in unit.parts]
    for p in parts:
        methods = {id(n.func) for n in ast.walk(p) if isinstance(n, ast.Call)
                   and not (_self_attribute(n.func) and n.func.attr in held)}  # type: ignore[attr-defined]
        receivers: set[int] = set()
        for n in ast.walk(p):
            if isinstance(n, ast.Name):
                if id(n) not in receivers:
                    out.append(n.id)
            elif _self_attribute(n) and id(n) not in methods:
                out.append("self." + n.attr)  # type: ignore[attr-defined]
                if merged:  # `self.x` is one name too (a local kept as an attribute: `device` -> `self.device`)
                    receivers.add(id(n.value))  # type: ignore[attr-defined]
            elif fields and _field_read(n) and id(n) not in methods:
                out.append(f"{n.value.id}.{n.attr}")  # type: ignore[attr-defined]
                if merged:
                    receivers.add(id(n.value))  # type: ignore[attr-defined]
    return out


def _all_names(units: list[Unit]) -> set[str]:
    return {n for u in units for n in _names(u)}


def changed_units(
    pair: FunctionPair, base_units: list[Unit], cand_units: list[Unit], renamed: dict[str, str] | None = None,
    attribute_renames: dict[str, str] | None = None, name_renames: dict[str, str] | None = None,
) -> list[UnitChange]:
    """The units that differ between the two sides of a pair (see the module docstring). The instance
    attributes found renamed consistently (`self.seq_len` -> `self.seq_length`) are added to
    `attribute_renames` when given (old name -> new name, without `self.`), so that the effect
    comparison can read the baseline under the new names; the plain names found renamed consistently
    (`qf1` -> `qf`) to `name_renames` when given (`module_renames`)."""
    a, b = base_units, cand_units
    ka, kb = [unit_key(u) for u in a], [unit_key(u) for u in b]
    matcher = difflib.SequenceMatcher(None, ka, kb, autojunk=False)
    blocks: list[tuple[list[Unit], list[Unit]]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            blocks.append((a[i1:i2], b[j1:j2]))
    regated = control_moves(a, b, matcher.get_opcodes())
    if not blocks:
        return regated
    # moved statements: the same key deleted in one block and added in another
    left = Counter(unit_key(u) for blk, _ in blocks for u in blk)
    right = Counter(unit_key(u) for _, blk in blocks for u in blk)
    movable = left & right
    crossed: Counter = Counter()
    if movable:
        crossed = dependent_moves(a, b, matcher.get_opcodes(), movable)
        movable -= crossed
    taken_l, taken_r = Counter(movable), Counter(movable)
    kept: list[tuple[list[Unit], list[Unit]]] = []
    for olds, news in blocks:
        o2, n2 = _untaken(olds, taken_l), _untaken(news, taken_r)
        o2, n2 = _without_checks(o2), _without_checks(n2)
        if o2 or n2:
            kept.append((o2, n2))
    base_names, cand_names = _all_names(a), _all_names(b)
    if a and b:  # an instance attribute is renamed only if no code of either module uses both names
        base_names |= _attribute_names(a[0].fn.module.text) | _field_names(a[0].fn.module.text)
        cand_names |= _attribute_names(b[0].fn.module.text) | _field_names(b[0].fn.module.text)
    renamed = dict(renamed or {})
    # only names bound in the function can be renamed consistently: `all(...)` -> `any(...)` is a change
    local = (pair.base.local_names if pair.base else frozenset(), pair.cand.local_names if pair.cand else frozenset())
    clashes = _rename_clashes(kept, base_names, cand_names, renamed, local)
    if clashes:  # both names exist at one side now: `_is_rename` refuses them
        base_names, cand_names = base_names | clashes, cand_names | clashes
    out: list[UnitChange] = []
    kept, mappings, found = _without_renames(kept, a, b, matcher.get_opcodes(), base_names, cand_names, renamed, local)
    if attribute_renames is not None:
        attribute_renames.update(found)
    for olds, news in kept:
        for k in range(max(len(olds), len(news))):
            change = UnitChange(olds[k] if k < len(olds) else None, news[k] if k < len(news) else None)
            if _differs(change) and not field_as_property(change.base, change.cand, pair) \
                    and not _lazy_module_global(change, pair, a):
                one = change.cand if change.base is None else change.base if change.cand is None else None
                change.crossed = one is not None and unit_key(one) in crossed
                out.append(change)
    if crossed:
        out.extend(_crossed_partners(a, b, matcher.get_opcodes(), crossed))
    if name_renames is not None and mappings:
        name_renames.update((o, n) for o, n in mappings if o != n and ("." not in o and "." not in n or _field_of_same(o, n)
                                                                       or "." not in o and _object_field(n)))
    return out + regated


def _without_renames(kept: list[tuple[list[Unit], list[Unit]]], a: list[Unit], b: list[Unit], opcodes: list,
                     base_names: set[str], cand_names: set[str], renamed: dict[str, str],
                     local: tuple[frozenset[str], frozenset[str]]
                     ) -> tuple[list[tuple[list[Unit], list[Unit]]], list[tuple[str, str]], dict[str, str]]:
    """The changed blocks less the statement pairs that differ by a consistent rename, with the names mapped and
    the instance attributes found renamed."""
    mappings: list[tuple[str, str]] = []
    found: dict[str, str] = {}
    dropped = [_drop_renames(olds, news, base_names, cand_names, renamed, local, found, mappings) for olds, news in kept]
    if len(dropped) > 1:
        dropped = _renamed_moves(dropped, a, b, opcodes, base_names, cand_names, renamed, local, mappings)
    if _PROMOTIONS.get() and _unrenamed_binding(dropped, mappings):
        token = _PROMOTIONS.set(False)  # again, without local <-> attribute renames
        try:
            return _without_renames(kept, a, b, opcodes, base_names, cand_names, renamed, local)
        finally:
            _PROMOTIONS.reset(token)
    return dropped, mappings, found


def _lazy_module_global(change: UnitChange, pair: FunctionPair, base_units: list[Unit]) -> bool:
    """A module-level `G = E` deleted, or `G = None` added, where the candidate module loads `G` lazily
    (flow/lazyglobal.py)."""
    if pair.base is None or pair.cand is None or not pair.cand.is_module or (change.base and change.cand):
        return False
    olds = {u.node.targets[0].id: u for u in base_units if isinstance(u.node, ast.Assign)
            and len(u.node.targets) == 1 and isinstance(u.node.targets[0], ast.Name)}
    return lazy_global_change(change.base, change.cand, pair.cand.module.tree, olds)


def _differs(change: UnitChange) -> bool:
    """The change is one: not the same computation in another spelling."""
    if lazy_global_change(change.base, change.cand):
        return False
    return change.base is None or change.cand is None or not _equivalent(change.base, change.cand)


def _equivalent(base: Unit, cand: Unit) -> bool:
    """Two statements at the same place of the diff that compute the same thing in another spelling."""
    return (_same_with_constants(base, cand) or same_flax_apply(base.node, cand.node)
            or same_cli_option(base.node, cand.node) or same_at_new_defaults(base, cand)
            or same_but_types(base.parts, cand.parts, base.fn.module.tree, cand.fn.module.tree)
            or same_but_aliases(base.parts, cand.parts, base.fn.module.tree, cand.fn.module.tree)
            or same_but_import_spelling(base.parts, cand.parts, base.fn.module.tree, cand.fn.module.tree)
            or same_but_moved_module(base.parts, cand.parts, base.fn.module.tree, cand.fn.module.tree,
                                     (own_names(base.fn.module.index), own_names(cand.fn.module.index)))
            or same_signed_sum(base.node, cand.node) or same_at_none_default(base, cand))


def _renamed_moves(kept: list[tuple[list[Unit], list[Unit]]], a: list[Unit], b: list[Unit],
                   opcodes: Sequence[tuple[str, int, int, int, int]], base_names: set[str], cand_names: set[str],
                   renamed: dict[str, str], local: tuple[frozenset[str], frozenset[str]],
                   mappings: list[tuple[str, str]] | None) -> list[tuple[list[Unit], list[Unit]]]:
    """Statements both moved and renamed: a deletion in one block and an addition in another that differ only
    by a consistent rename, and whose move crosses nothing they depend on. Real shape: cleanrl's argparse ->
    tyro move put `args.num_iterations = args.total_timesteps // args.batch_size` right after the parser,
    where `num_updates = args.total_timesteps // args.batch_size` sat below the environment set-up: one
    added and one removed statement, read as a change of the loop count in every PPO script."""
    olds = [u for blk, _ in kept for u in blk]
    news = [u for _, blk in kept for u in blk]
    left, right = _drop_renames(olds, news, base_names, cand_names, renamed, local)
    gone_l = {id(u) for u in olds} - {id(u) for u in left}
    gone_r = {id(u) for u in news} - {id(u) for u in right}
    if not gone_l:
        return kept
    pairs = [(i1 + k, j1 + k) for tag, i1, i2, j1, _ in opcodes if tag == "equal" for k in range(i2 - i1)]
    old_by_key: dict[tuple[object, ...], list[Unit]] = {}
    for u in olds:
        if id(u) in gone_l:
            old_by_key.setdefault(_rename_key(u, renamed), []).append(u)
    moved_l: set[int] = set()
    moved_r: set[int] = set()
    for n in news:
        if id(n) not in gone_r:
            continue
        for o in old_by_key.get(_rename_key(n), []):
            if id(o) in moved_l or not 0 <= o.index < len(a) or a[o.index] is not o or b[n.index] is not n:
                continue
            if _moved_across(a, b, o.index, n.index, pairs):
                continue
            olds_, news_ = _names(o, True), _names(n, True)
            if len(olds_) != len(news_):
                olds_, news_ = _aligned(o, n) or (olds_, news_)
            if not _is_rename(olds_, news_, base_names, cand_names, renamed, local):
                continue
            moved_l.add(id(o))
            moved_r.add(id(n))
            if mappings is not None:
                mappings.extend((x, y) for x, y in zip(olds_, news_, strict=True) if x != y)
            break
    if not moved_l:
        return kept
    return [([u for u in ol if id(u) not in moved_l], [u for u in nw if id(u) not in moved_r]) for ol, nw in kept]


def control_moves(a: list[Unit], b: list[Unit], opcodes: Sequence[tuple[str, int, int, int, int]]) -> list[UnitChange]:
    """Unchanged statements that run under other conditions: each side's chain of controlling headers
    (the `if`/`for`/`while`/`match` above it, and which arm) differs while every header of both chains is
    itself unchanged. The statement diff sees nothing there: only an `else:` line was added or a block was
    re-indented. Real shape: TF-Agents PPO moved `self._reward_normalizer.update(...)` into the `else` of
    the observation normaliser's `if` (the reward statistics never updated). A header added or removed
    around statements is a changed unit already; `elif` and `else: if` are the same tree."""
    pairs = {i1 + k: j1 + k for tag, i1, i2, j1, _ in opcodes if tag == "equal" for k in range(i2 - i1)}
    if not pairs:
        return []
    chains_a, chains_b = control_chains(a), control_chains(b)
    mapped = set(pairs.values())
    out: list[UnitChange] = []
    for i, j in pairs.items():
        ca, cb = chains_a[i], chains_b[j]
        if [(pairs.get(h), arm) for h, arm in ca] == cb:
            continue
        if all(h in pairs for h, _ in ca) and all(h in mapped for h, _ in cb):
            out.append(UnitChange(a[i], b[j], _moved_under(ca, cb, a, b, pairs)))
    return out


def _moved_under(ca: list[tuple[int, str]], cb: list[tuple[int, str]], a: list[Unit], b: list[Unit],
                 pairs: dict[int, int]) -> str:
    """`now under the else of `if x:``, `no longer under `for b in batches:``: the first header that differs."""
    olds = {(pairs.get(h), arm) for h, arm in ca}
    gained = [(h, arm) for h, arm in cb if (h, arm) not in olds]
    lost = [(h, arm) for h, arm in ca if (pairs.get(h), arm) not in set(cb)]
    if not gained and not lost:
        return "under its conditions in another order"
    side, units, (h, arm) = ("now under", b, gained[0]) if gained else ("no longer under", a, lost[0])
    where = "the `else` of " if arm == "orelse" else ""
    return f"{side} {where}`{units[h].text(50)}`"


def control_chains(units: list[Unit]) -> list[list[tuple[int, str]]]:
    """For each unit, the headers that decide whether it runs, outermost first, with the arm it sits in
    (`body`, `orelse`, `case3`, ...): a `with` or `try` decides nothing and is not in a chain."""
    chains: list[list[tuple[int, str]]] = [[] for _ in units]
    for header in units:  # headers come before the units they control: outer chains are complete first
        for k in header.controls:
            chains[k] = [*chains[header.index], (header.index, _arm(header.node, units[k].node))]
    return chains


def _arm(header: ast.stmt, node: ast.stmt) -> str:
    """Which arm of the compound statement `header` holds `node` (at any depth)."""
    arms: list[tuple[str, list[ast.stmt]]] = [("body", getattr(header, "body", [])), ("orelse", getattr(header, "orelse", []))]
    arms += [(f"case{n}", c.body) for n, c in enumerate(getattr(header, "cases", []) or [])]
    arms += [(f"handler{n}", h.body) for n, h in enumerate(getattr(header, "handlers", []) or [])]
    for name, stmts in arms:
        if any(sub is node for s in stmts for sub in ast.walk(s)):
            return name
    return "other"


def _field_of_same(old: str, new: str) -> bool:
    """`args.num_updates` -> `args.num_iterations`: another field of the same plain-named object (not `self.`)."""
    if "." not in old or "." not in new:
        return False
    (ro, fo), (rn, fn) = old.split(".", 1), new.split(".", 1)
    return ro == rn and ro != "self" and "." not in fo and "." not in fn and fo != fn


def module_renames(pair: FunctionPair, base_units: list[Unit], cand_units: list[Unit]) -> dict[str, str]:
    """Module-level names a module's pair renamed consistently (`qf1 = QNetwork(...)` -> `qf = QNetwork(...)`,
    every statement that reads it alike), old -> new. A function of that module that reads the name as a
    free variable (cleanrl's JAX scripts: `def actor_loss(params): return -qf1.apply(...)` nested in the
    update functions of the `__main__` block) reads the renamed binding: its `qf1` -> `qf` is the same
    rename, not a change (real shape: cleanrl 7e24ae23..35896b1f, its argparse -> tyro migration).
    The same for a function's pair whose nested functions read its locals as free variables (closures):
    JaxMARL b02b1083..5611552f, jaxmarl/environments/hanabi/hanabi.py:197, `HanabiEnv.get_obs` bound
    `board_fats = self.get_board_feats(new_state)` (a typo) and its nested `_observe` read it; renamed
    `board_feats` in both, `_observe` was "Behavioural change in the environment path"."""
    if not (pair.base and pair.cand and pair.base.is_module == pair.cand.is_module):
        return {}
    found: dict[str, str] = {}
    changed_units(pair, base_units, cand_units, name_renames=found)
    base, cand = pair.base.local_names, pair.cand.local_names
    # a field renamed on an object the module binds at both commits (`args.num_updates` -> `args.num_iterations`,
    # judged module-wide by `_is_rename`: neither field name is used at the other side) is renamed for its readers too
    return {o: n for o, n in found.items()
            if (o in base and n in cand and o not in cand and n not in base)
            or (_field_of_same(o, n) and o.split(".", 1)[0] in base and n.split(".", 1)[0] in cand)
            or ("." not in o and _object_field(n) and o in base and o not in cand and n.split(".", 1)[0] in cand)}


# scalar math written through one numeric namespace or another: `jnp.log(2 * jnp.pi)` is `math.log(2 * math.pi)`
_MATH_NAMESPACES = {"math", "np", "numpy", "jnp", "torch"}
_MATH_NAMES = {"log", "log2", "log10", "log1p", "exp", "sqrt", "pi", "e", "tanh"}


def _pure(node: ast.AST) -> bool:
    """A module constant's value computed from numbers only (`0.5 + 0.5 * math.log(2 * math.pi)`)."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and not isinstance(sub.value, int | float):
            return False
        if isinstance(sub, ast.Name) and sub.id not in _MATH_NAMESPACES:
            return False
        if isinstance(sub, ast.Attribute) and sub.attr not in _MATH_NAMES:
            return False
        if not isinstance(sub, ast.Constant | ast.Name | ast.Attribute | ast.BinOp | ast.UnaryOp | ast.Call | ast.Load
                          | ast.operator | ast.unaryop):
            return False
    return True


def _module_constants(module: object) -> dict[str, ast.expr]:
    cached: dict[str, ast.expr] | None = getattr(module, "_numeric_constants", None)
    if cached is None:
        cached, seen = {}, Counter[str]()
        tree = getattr(module, "tree", None)
        for stmt in getattr(tree, "body", []):
            if isinstance(stmt, ast.Assign | ast.AnnAssign):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for t in targets:
                    if isinstance(t, ast.Name):
                        seen[t.id] += 1
                        if stmt.value is not None and _pure(stmt.value):
                            cached[t.id] = stmt.value
        cached = {k: v for k, v in cached.items() if seen[k] == 1}
        module._numeric_constants = cached  # type: ignore[attr-defined]
    return cached


class _Fold(ast.NodeTransformer):
    def __init__(self, constants: dict[str, ast.expr]) -> None:
        self.constants = constants

    def visit_Name(self, node: ast.Name) -> ast.AST:
        value = self.constants.get(node.id) if isinstance(node.ctx, ast.Load) else None
        return self.visit(copy_tree(value)) if value is not None else node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name) and node.value.id in _MATH_NAMESPACES and node.attr in _MATH_NAMES:
            return ast.Name(id=node.attr, ctx=ast.Load())
        return self.generic_visit(node)


def _same_with_constants(base: Unit, cand: Unit) -> bool:
    """A statement that reads a numeric module constant where the other wrote its value
    (`0.5 + 0.5 * jnp.log(2 * jnp.pi) + jnp.log(scale)` -> `HALF_LOG_2_PI_PLUS + jnp.log(scale)` with
    `HALF_LOG_2_PI_PLUS = 0.5 + 0.5 * math.log(2 * math.pi)`, skrl 2.0): the same value. Compared with
    each side's constants written out and scalar math read alike whatever its namespace."""
    if type(base.node) is not type(cand.node) or base.header or cand.header:
        return False
    kb, kc = _module_constants(base.fn.module), _module_constants(cand.fn.module)
    if not kb and not kc:
        return False
    folded_b = ast.dump(_Fold(kb).visit(copy_tree(base.node)), annotate_fields=False)
    folded_c = ast.dump(_Fold(kc).visit(copy_tree(cand.node)), annotate_fields=False)
    return folded_b == folded_c


class _FlaxApply(ast.NodeTransformer):
    """`module.apply(params, x, ...)` and `state.apply_fn(params, x, ...)` both as `<apply>(params, x, ...)`."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.count = 0

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr == self.method and node.args:
            self.count += 1
            node.func = ast.Name(id="<apply>", ctx=ast.Load())
        return node


def _apply_calls(node: ast.AST, method: str) -> int:
    """How many calls `_FlaxApply(method)` rewrites in `node`: `x.method(arg, ...)` calls (a rewrite
    replaces a call's function, never the call, so each one is counted as in the tree)."""
    return sum(1 for n in ast.walk(node) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and n.func.attr == method and n.args)


def same_flax_apply(base: ast.stmt, cand: ast.stmt) -> bool:
    """The flax idiom of passing a network to a jitted update as a static argument and calling
    `qf.apply(params, obs, actions)`, rewritten to the `TrainState` that carries it
    (`TrainState.create(apply_fn=qf.apply, ...)`) and `qf_state.apply_fn(params, obs, actions)`: the same
    function applied to the same parameters and inputs (the parameters name the network: a module applied
    to another network's parameters fails on their shapes). Real shape: sbx moved every SAC/TQC loss
    from `actor.apply` to `actor_state.apply_fn`. Only `apply` against `apply_fn`, with every argument
    alike: `model.apply(init_fn)` against `model.apply(other_fn)` stays a change."""
    for old, new in (("apply", "apply_fn"), ("apply_fn", "apply")):
        count = _apply_calls(base, old)
        if not count or count != _apply_calls(cand, new):
            continue  # what the rewrites below would count: no copies and dumps for a statement without them
        folded_b, folded_c = _FlaxApply(old), _FlaxApply(new)
        b = ast.dump(folded_b.visit(copy_tree(base)), annotate_fields=False)
        c = ast.dump(folded_c.visit(copy_tree(cand)), annotate_fields=False)
        if folded_b.count and folded_b.count == folded_c.count and b == c:
            return True
    return False


def _without_checks(units: list[Unit]) -> list[Unit]:
    """The units less `assert` statements: an assertion computes no value training uses, it only
    stops a run whose state is already wrong (and `python -O` drops it). Real shape: d3rlpy 2.0
    dropped `assert self._q_func is not None` (a type-narrowing check) from every `compute_loss`;
    the diff paired the old assert with the new `return`, and the unchanged loss read as changed. Also
    `x = cast(T, x)` and a bare process barrier (flow/typeonly.py), and a call of a check-only method. Also an
    inline check, `if <reads only>:` whose every arm only raises or asserts (and the statements under it): an
    `assert` spelled out (tensorforce 0.6.1..0.6.2, tensorforce/core/networks/auto.py:88: `AutoNetwork.__init__`
    gained `if spec.type == 'int' and spec.num_values is None:` raising `TensorforceError.required(...)` in both
    arms of a nested `if`, "Behavioural change in the architecture path")."""
    inline = {id(n) for u in units if isinstance(u.node, ast.If) and _only_checks(u.node)
              for n in ast.walk(u.node) if isinstance(n, ast.stmt)}
    return [u for u in units if not isinstance(u.node, ast.Assert) and not validation_toggle(u.node)
            and not identity_statement(u.node) and not _check_call(u) and id(u.node) not in inline]


def _check_call(u: Unit) -> bool:
    """`self._check_input(batch)` as a statement, where the method (of the unit's own class, or a function
    of its module) only checks: every statement an `assert`, a `raise`, or an `if`/`for` over such
    statements. Like an `assert`, it computes nothing training uses. Real shape (ReAgent,
    `DisjointLinUCBTrainer.training_step` -> `cb_training_step`): the renamed step dropped
    `self._check_input(batch)` (four asserts on the batch's shape), a significant finding above the range's
    real bug."""
    node = u.node
    if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
        return False
    func = node.value.func
    functions = u.fn.module.functions
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self" \
            and u.fn.class_name:
        callee = functions.get(f"{u.fn.class_name}.{func.attr}")
    elif isinstance(func, ast.Name):
        callee = functions.get(func.id)
    else:
        return False
    body: list[ast.stmt] = getattr(callee.node, "body", []) if callee is not None else []
    return bool(body) and _only_checks(body[0], docstring=True) and all(_only_checks(s) for s in body[1:])


PURE_BUILTINS = frozenset({"len", "range", "enumerate", "zip", "isinstance", "hasattr", "getattr", "any", "all",
                           "type", "issubclass", "min", "max", "abs", "callable"})


def _reads_only(expr: ast.expr) -> bool:
    """No call but to builtins that read (`len(batch)`, `isinstance(x, T)`)."""
    return all(isinstance(n.func, ast.Name) and n.func.id in PURE_BUILTINS
               for n in ast.walk(expr) if isinstance(n, ast.Call))


def _only_checks(stmt: ast.stmt, docstring: bool = False) -> bool:
    if isinstance(stmt, ast.Assert | ast.Raise | ast.Pass):
        return True
    if docstring and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    if isinstance(stmt, ast.If) and _reads_only(stmt.test) or isinstance(stmt, ast.For) and _reads_only(stmt.iter):
        return all(_only_checks(s) for s in [*stmt.body, *stmt.orelse])
    return False


# library switches that only turn run-time argument or gradient checking on or off: a run they affect
# stops with an error (or runs a little slower), it does not learn differently
VALIDATION_TOGGLES = frozenset({"set_default_validate_args", "set_detect_anomaly", "validate_args"})


def validation_toggle(node: ast.stmt) -> bool:
    """`Normal.set_default_validate_args(False)`, `Normal.set_default_validate_args = False`,
    `torch.autograd.set_detect_anomaly(True)`: a check switched on or off, like an `assert` (real shape:
    rsl_rl turned the no-op assignment into the call, which disables distribution argument checks;
    alone in `ActorCritic.__init__` it outranked the range's real bug)."""
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func = node.value.func
        return isinstance(func, ast.Attribute) and func.attr in VALIDATION_TOGGLES
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Constant):
        target = node.targets[0]
        return isinstance(target, ast.Attribute) and target.attr in VALIDATION_TOGGLES \
            and isinstance(target.value, ast.Name) and target.value.id[:1].isupper()
    return False


_ATTRIBUTE = re.compile(r"\bself\.(\w+)")
_FIELD = re.compile(r"\.([A-Za-z_]\w*)")
_NAMES_CACHE: dict[tuple[str, int], tuple[str, frozenset[str]]] = {}


def _names_in(text: str, pattern: re.Pattern[str], prefix: str) -> frozenset[str]:
    """`prefix + name` for every match of `pattern` in a module's text, cached by the text's identity
    (the same module text is asked about once per changed statement)."""
    key = (pattern.pattern, id(text))
    cached = _NAMES_CACHE.get(key)
    if cached is None or cached[0] is not text:
        if len(_NAMES_CACHE) > 512:
            _NAMES_CACHE.clear()
        cached = (text, frozenset(prefix + m for m in pattern.findall(text)))
        _NAMES_CACHE[key] = cached
    return cached[1]


def _attribute_names(text: str) -> frozenset[str]:
    """`self.x` names a module's text uses (any class: a rename must be consistent in the module)."""
    return _names_in(text, _ATTRIBUTE, "self.")


def _field_names(text: str) -> frozenset[str]:
    """`.x` attribute names a module's text uses on any object (a field rename must be consistent in
    the module: `batch.n_steps` -> `batch.intervals` only where no `.n_steps` is left, and no
    `.intervals` was there before)."""
    return _names_in(text, _FIELD, ".")


def _rename_clashes(kept: list[tuple[list[Unit], list[Unit]]], base_names: set[str], cand_names: set[str],
                    renamed: dict[str, str], local: tuple[frozenset[str], frozenset[str]]) -> frozenset[str]:
    """Names a rename would have to merge or split: two baseline names renamed to one candidate name
    (`normal_entropy` and `bernoulli_entropy` both -> `entropy`, the second binding shadowing the first
    for a late-binding lambda that reads it) or one name renamed to two. Each statement alone reads as
    a rename; together the new name is bound to something else in the same scope: not a rename."""
    mappings: list[tuple[str, str]] = []
    for olds, news in kept:
        _drop_renames(olds, news, base_names, cand_names, renamed, local, mappings=mappings)
    news_of: dict[str, set[str]] = {}
    olds_of: dict[str, set[str]] = {}
    for o, n in mappings:
        news_of.setdefault(o, set()).add(n)
        olds_of.setdefault(n, set()).add(o)
    out = {n for n, olds in olds_of.items() if len(olds) > 1} | {o for o, news in news_of.items() if len(news) > 1}
    return frozenset(out | {x for o, n in mappings if o in out or n in out for x in (o, n)})


def _drop_renames(
    olds: list[Unit], news: list[Unit], base_names: set[str], cand_names: set[str], renamed: dict[str, str],
    local: tuple[frozenset[str], frozenset[str]] | None = None, found: dict[str, str] | None = None,
    mappings: list[tuple[str, str]] | None = None,
) -> tuple[list[Unit], list[Unit]]:
    """Remove old/new unit pairs that differ only by a consistent rename (instance attributes renamed
    on the way are recorded in `found`)."""
    if not olds or not news:
        return olds, news
    by_key: dict[tuple[object, ...], list[int]] = {}
    for j, u in enumerate(news):
        by_key.setdefault(_rename_key(u), []).append(j)
    gone_l: set[int] = set()
    gone_r: set[int] = set()
    for i, u in enumerate(olds):
        for j in by_key.get(_rename_key(u, renamed), []):
            if j in gone_r:
                continue
            olds_, news_ = _names(u, True, renames=renamed), _names(news[j], True)
            if len(olds_) != len(news_):  # a local against a field of an object (`_aligned`)
                olds_, news_ = _aligned(u, news[j]) or (olds_, news_)
            if _is_rename(olds_, news_, base_names, cand_names, renamed, local):
                gone_l.add(i)
                gone_r.add(j)
                if found is not None:
                    found.update((o[5:], n[5:]) for o, n in zip(olds_, news_, strict=True)
                                 if o != n and o.startswith("self.") and n.startswith("self."))
                if mappings is not None:
                    mappings.extend((o, n) for o, n in zip(olds_, news_, strict=True) if o != n)
                break
    return ([u for i, u in enumerate(olds) if i not in gone_l], [u for j, u in enumerate(news) if j not in gone_r])


def _aligned(old: Unit, new: Unit) -> tuple[list[str], list[str]] | None:
    """The names of two statements paired one for one where a plain name of one side stands against a field
    of an object at the other (`num_updates` -> `args.num_iterations`): each field read counts with its
    receiver as one name. None when they cannot be paired, or when two fields also differ (`args.batch_size`
    -> `args.num_envs` beside the local that became a field: another value, not only a place to keep it)."""
    a, b = _names(old, True, merged=True), _names(new, True, merged=True)
    if len(a) != len(b):
        return None
    for o, n in zip(a, b, strict=True):
        if _object_field(o) and _object_field(n) and o != n:
            return None
    return a, b


def _object_field(name: str) -> bool:
    return "." in name and not name.startswith("self.")


def _local_to_field(o: str, n: str, base_names: set[str], cand_names: set[str],
                    local: tuple[frozenset[str], frozenset[str]] | None) -> bool:
    """A local name that became a new field of an object bound at both commits (cleanrl's argparse -> tyro
    migration: `num_updates = ...` -> `args.num_iterations = ...`, every read alike), or the reverse: the old
    name is gone from the module and the new field was not used there before."""
    if local is None:
        return False
    if _object_field(n) and "." not in o:
        receiver, fld = n.split(".", 1)
        return (o in local[0] and receiver in local[0] and receiver in local[1] and o not in cand_names
                and "." + fld not in base_names)
    if _object_field(o) and "." not in n:
        receiver, fld = o.split(".", 1)
        return (n in local[1] and receiver in local[0] and receiver in local[1] and n not in base_names
                and "." + fld not in cand_names)
    # A local kept as a new instance attribute instead, or the reverse (PARL c5a4a771..02a99f68,
    # parl/algorithms/torch/maddpg.py:72 `MADDPG.__init__`: `device = torch.device(...)`; `model.to(device)` ->
    # `self.device = ...`; `model.to(self.device)`, for a new method to read): every read here alike, the local
    # gone from the function and the attribute unknown to the other commit's module (`base_names`/`cand_names`
    # hold every `self.x` of the module's text), so no other code read or bound it there.
    if _PROMOTIONS.get() is False:
        return False  # refused for this pair: a binding of the local was not renamed alike (`changed_units`)
    if n.startswith("self.") and "." not in o and "." not in n[5:]:
        return o in local[0] and o not in local[1] and o not in cand_names and n not in base_names
    if o.startswith("self.") and "." not in n and "." not in o[5:]:
        return n in local[1] and n not in local[0] and n not in base_names and o not in cand_names
    return False


_PROMOTIONS: ContextVar[bool] = ContextVar("local_attribute_renames", default=True)


def _promotion(o: str, n: str) -> str | None:
    """The local of a local <-> instance attribute rename (`device` -> `self.device`, or back), else None."""
    if n.startswith("self.") and "." not in o:
        return o
    if o.startswith("self.") and "." not in n:
        return n
    return None


def _unrenamed_binding(kept: list[tuple[list[Unit], list[Unit]]], mappings: list[tuple[str, str]]) -> bool:
    """A local renamed to an instance attribute (or back) whose binding is still a change: the value it holds
    changed (`device = torch.device(x)` -> `self.device = torch.device("cpu")`), so its reads are no rename."""
    promoted = {p for o, n in mappings if (p := _promotion(o, n)) is not None}
    if not promoted:
        return False
    attrs = {o for o, n in mappings if _promotion(o, n) is not None} | {n for o, n in mappings
                                                                          if _promotion(o, n) is not None}
    for olds, news in kept:
        for u in (*olds, *news):
            if u.defs & promoted or any(isinstance(t, ast.Attribute) and _self_attribute(t)
                                        and "self." + t.attr in attrs
                                        for t in _bound_targets(u.node)):
                return True
    return False


def _bound_targets(node: ast.stmt) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return [t for target in node.targets for t in ast.walk(target) if isinstance(t, ast.expr)]
    if isinstance(node, ast.AnnAssign | ast.AugAssign):
        return [node.target]
    return []


def _is_rename(old: list[str], new: list[str], base_names: set[str], cand_names: set[str],
               renamed: dict[str, str], local: tuple[frozenset[str], frozenset[str]] | None = None) -> bool:
    if len(old) != len(new):
        return False
    mapping: dict[str, str] = {}
    receivers: list[tuple[str, str]] = []  # `qf1.apply` -> `qf.apply`: the same field of a renamed object
    for o, n in zip(old, new, strict=True):
        if o == n:
            continue
        if mapping.setdefault(o, n) != n:
            return False
        if renamed.get(o) == n or _local_to_field(o, n, base_names, cand_names, local):
            continue
        attribute = o.startswith("self.") and n.startswith("self.")  # judged module-wide (base/cand names)
        if not attribute and "." in o and "." in n:  # a field of the same object: `batch.n_steps` -> `batch.intervals`
            receiver_o, field_o = o.split(".", 1)
            receiver_n, field_n = n.split(".", 1)
            if receiver_o != receiver_n and field_o == field_n and renamed.get(receiver_o) != receiver_n:
                receivers.append((receiver_o, receiver_n))  # a rename only if the object's own name is renamed here
                continue
            if receiver_o != receiver_n and renamed.get(receiver_o) != receiver_n:
                return False
            if local is None or receiver_o not in local[0] or receiver_n not in local[1]:
                return False  # `np.bool` -> `np.float32`: a module's or a global's attribute, not an object's field
            if "." + field_o in cand_names or "." + field_n in base_names:
                return False  # the field name is still (or already) used in the module: another field
            continue
        if not attribute and ("." in o or "." in n):
            return False  # a field read against a plain name or an instance attribute
        if local is not None and not attribute and (o not in local[0] or n not in local[1]):
            return False  # a global, builtin or imported name: another object, not a rename
        if o in cand_names or n in base_names:
            return False  # both names exist at one side: a different variable, not a rename
    if any(mapping.get(ro) != rn for ro, rn in receivers):
        return False  # `np.bool` -> `jnp.bool`: another object's field, not a renamed object's
    return bool(mapping) or old == new


def _untaken(units: list[Unit], taken: Counter) -> list[Unit]:
    """The units left once each key's moved copies (counted in `taken`, consumed here) are removed."""
    out = []
    for u in units:
        k = unit_key(u)
        if taken[k] > 0:
            taken[k] -= 1
        else:
            out.append(u)
    return out


MIN_MOVED_NODES = 12  # `x = x.permute((0, 3, 1, 2))`; `loss.backward()` alone is too common a shape to follow


def _movable(unit: Unit) -> bool:
    nodes = [n for p in unit.parts for n in ast.walk(p)]
    return len(nodes) >= MIN_MOVED_NODES and any(isinstance(n, ast.Call) for n in nodes)


def moved_across(changes: list[list[UnitChange]],
                 counterparts: dict[tuple[str, str], FunctionInfo] | None = None) -> set[int]:
    """Ids of the statements that moved from one function to another: deleted from one changed
    function and added (same shape up to names and instance attributes) to another changed function
    of the range, one for one. Real shape: rl_games moved the observation
    `permute((0, 3, 1, 2))` from the agent's `_preproc_obs` into the network's `forward`. Short
    statements without a call are never matched (too common to say where they went)."""
    gone: dict[tuple[object, ...], list[Unit]] = {}
    new: dict[tuple[object, ...], list[Unit]] = {}
    for group in changes:
        for c in group:
            if c.base is not None and c.cand is not None and collapsed_key(c.base) == collapsed_key(c.cand):
                continue  # an edit in place (`f(a, 1)` -> `f(a, 2)`), not a move
            if c.base is not None and _movable(c.base):
                gone.setdefault(collapsed_key(c.base), []).append(c.base)
            if c.cand is not None and _movable(c.cand):
                new.setdefault(collapsed_key(c.cand), []).append(c.cand)
    out: set[int] = set()
    for key, olds in gone.items():
        news = list(new.get(key, []))
        for old in olds:
            home = next((u for u in news if (u.fn.path, u.fn.qualname) != (old.fn.path, old.fn.qualname)), None)
            if home is not None:
                news.remove(home)
                out.update((id(old.node), id(home.node)))
    out |= _moved_blocks(changes, out)
    out |= _stores_moved_to_base_init(changes, out, counterparts or {})
    return out


def _stores_moved_to_base_init(changes: list[list[UnitChange]], taken: set[int],
                               counterparts: dict[tuple[str, str], FunctionInfo]) -> set[int]:
    """`self.x = x` deleted from a class's `__init__` and added to the `__init__` of its base class,
    when the class's candidate `__init__` hands its arguments on to `super().__init__(...)` by `**kwargs`
    or by `x=`: the same parameter stored on the same object, by the base class now. Too short for
    `moved_across` alone; the class header and the call say where it went. Real shape (tianshou): every
    policy's `self.lr_scheduler = lr_scheduler` moved into `BasePolicy.__init__`, reported as two
    architecture-path changes (removed in `PGPolicy.__init__`, added in `BasePolicy.__init__`).
    `counterparts`: the candidate function of each changed baseline function, by (path, qualname)."""
    gone: list[tuple[Unit, FunctionInfo | None]] = []
    added: dict[str, list[Unit]] = {}
    for group in changes:
        for c in group:
            if c.base is not None and c.cand is None and id(c.base.node) not in taken and _param_store(c.base):
                gone.append((c.base, counterparts.get((c.base.fn.path, c.base.fn.qualname))))
            if c.cand is not None and c.base is None and id(c.cand.node) not in taken and _param_store(c.cand):
                added.setdefault(ast.dump(c.cand.node), []).append(c.cand)
    out: set[int] = set()
    for old, cand_fn in gone:
        attr = old.node.value.id  # type: ignore[attr-defined]
        if cand_fn is None or cand_fn.qualname != old.fn.qualname or not _hands_on(cand_fn, attr):
            continue
        bases = _base_names(old.fn)
        home = next((u for u in added.get(ast.dump(old.node), []) if u.fn.class_name
                     and u.fn.class_name.rsplit(".", 1)[-1] in bases), None)
        if home is not None:
            added[ast.dump(old.node)].remove(home)
            out.update((id(old.node), id(home.node)))
    return out


def _param_store(unit: Unit) -> bool:
    """`self.<name> = <name>` in an `__init__` that has the parameter `<name>`."""
    node = unit.node
    if unit.fn.name != "__init__" or not (isinstance(node, ast.Assign) and len(node.targets) == 1):
        return False
    target, value = node.targets[0], node.value
    if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
            and isinstance(value, ast.Name)):
        return False
    args = unit.fn.node.args if isinstance(unit.fn.node, ast.FunctionDef | ast.AsyncFunctionDef) else None
    return args is not None and value.id in {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}


def _hands_on(fn: FunctionInfo, name: str) -> bool:
    """`super().__init__(..., **kwargs)` or `super().__init__(..., name=...)` in `fn`."""
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__" \
                and isinstance(node.func.value, ast.Call) and isinstance(node.func.value.func, ast.Name) \
                and node.func.value.func.id == "super":
            return any(k.arg is None or k.arg == name for k in node.keywords)
    return False


def _base_names(fn: FunctionInfo) -> set[str]:
    """The last names of the bases in the header of `fn`'s class."""
    short = (fn.class_name or "").rsplit(".", 1)[-1]
    cls = next((n for n in ast.walk(fn.module.tree) if isinstance(n, ast.ClassDef) and n.name == short), None)
    if cls is None:
        return set()
    return {last_name(class_base(b)) for b in cls.bases} - {""}


MIN_BLOCK_UNITS = 3  # a run of statements moved together: `vec = args.vector` + its `if`/`elif` mapping


def _moved_blocks(changes: list[list[UnitChange]], taken: set[int]) -> set[int]:
    """Runs of short statements moved together: at least `MIN_BLOCK_UNITS` consecutive deleted
    statements of one changed function that reappear, in the same order and shape (up to names and
    instance attributes), as consecutive added statements of another, `MIN_MOVED_NODES` nodes in all.
    Each statement alone is too common to say where it went; the run is not. Real shape: PufferLib's
    `--vector` string -> backend class mapping (`vec = args.vector`, `if vec == 'serial':`,
    `args.vector = pufferlib.vector.Serial`, ...) moved from `if __name__ == '__main__':` into
    `train()`: both ends were reported as optimizer-path changes."""
    key = _KeyMemo()
    deleted, added = _sides(changes, taken, key)
    index = _RunIndex(added, key)
    out: set[int] = set()
    for where, olds in deleted.items():
        old_runs = _runs(sorted(olds, key=lambda u: u.index))
        old_keys = [[key(u) for u in run] for run in old_runs]
        for r, o in index.candidates(where, old_keys):
            out |= _common_runs(old_runs[o], index.runs[r][1], out, old_keys[o], index.runs[r][2])
    return out


class _KeyMemo:
    """`collapsed_key` once per statement (a deep copy and a walk each)."""

    def __init__(self) -> None:
        self.memo: dict[int, tuple[object, ...]] = {}

    def __call__(self, u: Unit) -> tuple[object, ...]:
        if id(u.node) not in self.memo:
            self.memo[id(u.node)] = collapsed_key(u)
        return self.memo[id(u.node)]


def _sides(changes: list[list[UnitChange]], taken: set[int], key: _KeyMemo
           ) -> tuple[dict[tuple[str, str], list[Unit]], dict[tuple[str, str], list[Unit]]]:
    """Deleted and added statements per function (path, qualname), not yet taken as moved."""
    deleted: dict[tuple[str, str], list[Unit]] = {}
    added: dict[tuple[str, str], list[Unit]] = {}
    for group in changes:
        for c in group:
            if c.base is not None and c.cand is not None and key(c.base) == key(c.cand):
                continue
            if c.base is not None and id(c.base.node) not in taken:
                deleted.setdefault((c.base.fn.path, c.base.fn.qualname), []).append(c.base)
            if c.cand is not None and id(c.cand.node) not in taken:
                added.setdefault((c.cand.fn.path, c.cand.fn.qualname), []).append(c.cand)
    return deleted, added


class _RunIndex:
    """The added runs, indexed by each `MIN_BLOCK_UNITS` consecutive statement keys: a common block of
    that length starts with one of them, so only runs sharing one are compared, not every pair of
    changed functions (600 of them in a release refactor)."""

    def __init__(self, added: dict[tuple[str, str], list[Unit]], key: _KeyMemo) -> None:
        self.runs: list[tuple[tuple[str, str], list[Unit], list[tuple[object, ...]]]] = []
        self.index: dict[tuple[object, ...], set[int]] = {}
        for there, news in added.items():
            for run in _runs(sorted(news, key=lambda u: u.index)):
                keys = [key(u) for u in run]
                for j in range(len(keys) - MIN_BLOCK_UNITS + 1):
                    self.index.setdefault(tuple(keys[j:j + MIN_BLOCK_UNITS]), set()).add(len(self.runs))
                self.runs.append((there, run, keys))
        self.order = {there: n for n, there in enumerate(dict.fromkeys(run[0] for run in self.runs))}

    def candidates(self, where: tuple[str, str], old_keys: list[list[tuple[object, ...]]]) -> list[tuple[int, int]]:
        """(added run, deleted run) pairs of other functions sharing a block start, in the order of a
        full scan: function by function as `added` lists them, then deleted run, then added run."""
        pairs: set[tuple[int, int]] = set()
        for o, ka in enumerate(old_keys):
            for i in range(len(ka) - MIN_BLOCK_UNITS + 1):
                pairs.update((r, o) for r in self.index.get(tuple(ka[i:i + MIN_BLOCK_UNITS]), ())
                             if self.runs[r][0] != where)
        return sorted(pairs, key=lambda ro: (self.order[self.runs[ro[0]][0]], ro[1], ro[0]))


def _runs(units: list[Unit]) -> list[list[Unit]]:
    """Maximal runs of consecutive units (by index in their function)."""
    runs: list[list[Unit]] = []
    for u in units:
        if runs and u.index == runs[-1][-1].index + 1:
            runs[-1].append(u)
        else:
            runs.append([u])
    return [r for r in runs if len(r) >= MIN_BLOCK_UNITS]


def _common_runs(olds: list[Unit], news: list[Unit], taken: set[int], ka: list[tuple[object, ...]],
                 kb: list[tuple[object, ...]]) -> set[int]:
    out: set[int] = set()
    for i, j, n in difflib.SequenceMatcher(None, ka, kb, autojunk=False).get_matching_blocks():
        if n < MIN_BLOCK_UNITS:
            continue
        block = [*olds[i:i + n], *news[j:j + n]]
        if any(id(u.node) in taken for u in block):
            continue
        if sum(len(list(ast.walk(p))) for u in olds[i:i + n] for p in u.parts) >= MIN_MOVED_NODES:
            out.update(id(u.node) for u in block)
    return out
def dependent_moves(a: list[Unit], b: list[Unit], opcodes: Sequence[tuple[str, int, int, int, int]],
                    movable: Counter) -> Counter:
    """Keys of "moved" units whose move changes behaviour: the unit crosses an unchanged statement that
    defines what it reads or writes, or reads what it defines (a mask built after the padding that
    used to follow it), or it moved into or out of a loop. Reordering independent statements, and
    hoisting a statement both branches of an `if` shared, stay no change (a statement moved into one
    branch of an `if` is not caught: a limit)."""
    pairs = [(i1 + k, j1 + k) for tag, i1, i2, j1, _ in opcodes if tag == "equal" for k in range(i2 - i1)]
    olds: dict[tuple[object, ...], list[int]] = {}
    news: dict[tuple[object, ...], list[int]] = {}
    for tag, i1, i2, j1, j2 in opcodes:
        if tag != "equal":
            for i in range(i1, i2):
                olds.setdefault(unit_key(a[i]), []).append(i)
            for j in range(j1, j2):
                news.setdefault(unit_key(b[j]), []).append(j)
    bad: Counter = Counter()
    for key in movable:
        for i, j in zip(olds.get(key, []), news.get(key, []), strict=False):
            if _moved_across(a, b, i, j, pairs):
                bad[key] += 1
    return bad


def _moved_across(a: list[Unit], b: list[Unit], i: int, j: int, pairs: list[tuple[int, int]]) -> bool:
    if [unit_key(a[k]) for k in a[i].loops] != [unit_key(b[k]) for k in b[j].loops]:
        return True  # into or out of a loop: it runs another number of times
    u = a[i]
    touched = u.uses | u.defs
    for bi, cj in pairs:
        if (bi < i) != (cj < j):
            v = a[bi]
            if any(not _fields_apart(v, u, root) for root in (v.defs & touched) | (v.uses & u.defs)):
                return True
            if _hands_self(v, _self_attrs(u)) or _hands_self(u, _self_attrs(v)):
                return True
    return False


def _crossed_partners(a: list[Unit], b: list[Unit], opcodes: Sequence[tuple[str, int, int, int, int]],
                      crossed: Counter) -> list[UnitChange]:
    """The unchanged statements touching instance attributes that a moved call handing `self` on crossed
    (the diff may keep `self.ClassCri = ...` in place and move the base `init(self)` call over it): they
    now run on the other side of that call, so they are where the move acts."""
    pairs = [(i1 + k, j1 + k) for tag, i1, i2, j1, _ in opcodes if tag == "equal" for k in range(i2 - i1)]
    out: list[UnitChange] = []
    seen: set[int] = set()
    for tag, i1, i2, _, _ in opcodes:
        if tag == "equal":
            continue
        for i in range(i1, i2):
            if unit_key(a[i]) not in crossed:
                continue
            j = next((j for j in range(len(b)) if unit_key(b[j]) == unit_key(a[i])
                      and all(j != cj for _, cj in pairs)), None)
            if j is None:
                continue
            for bi, cj in pairs:
                if (bi < i) != (cj < j) and bi not in seen and _hands_self(a[i], _self_attrs(a[bi])):
                    seen.add(bi)
                    side = "after" if cj > j else "before"
                    out.append(UnitChange(a[bi], b[cj], moved_under=f"now runs {side} `{a[i].text(50)}`", crossed=True,
                                          across=b[j]))
    return out


def _self_attrs(u: Unit) -> set[str]:
    return {d[5:] for d in u.uses | u.defs if d.startswith("self.")}


def _hands_self(v: Unit, attrs: set[str]) -> bool:
    """`v` calls code that may read or write the instance attributes `attrs`: it hands `self` whole to a
    call (`AgentDQN.init(self, ...)`, a base class's set-up run explicitly), or calls a method of `self` whose
    definition in the module reads one of them (`self.build()` reading `self.ClassCri`). Real shape
    (ElegantRL's DoubleDQN, held-out 5): `self.ClassCri = QNetTwin` moved from before the base `init` that
    builds the critic from it to after it; every statement unchanged, so the move read as a reorder."""
    if not attrs:
        return False
    module = v.fn.module
    for call in v.calls:
        if any(isinstance(x, ast.Name) and x.id == "self" for x in [*call.args, *(k.value for k in call.keywords)]):
            return True
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            for fn in module.functions.values():
                if fn.name == func.attr and any(
                        isinstance(n, ast.Attribute) and n.attr in attrs and isinstance(n.value, ast.Name)
                        and n.value.id == "self" for n in ast.walk(fn.node)):
                    return True
    return False


def _fields_apart(v: Unit, u: Unit, root: str) -> bool:
    """Whether `v` and `u` touch `root` only through different fields of it (`args.track = True` and
    `if args.mode == 'train':`): a store into one field does not define another. Real shape: PufferLib's
    `--mode` dispatch moved above the `args.track = True` / `args.exp_name = ...` setup of another branch,
    and the unchanged `if args.mode == 'train':` header was reported as an added optimizer-path change.
    A bare use of `root` (passed on whole, `train(args)`) or a method called on it may touch any field."""
    fv, fu = _fields_of(v, root), _fields_of(u, root)
    return fv is not None and fu is not None and not fv & fu


def _fields_of(unit: Unit, root: str) -> set[str] | None:
    """The fields of the plain name `root` the unit reads or stores (`root.f`, not a method call
    `root.f(...)`), or None when it uses `root` otherwise (whole, by index, by method call)."""
    if "." in root or root.startswith("self"):
        return None
    parents: dict[int, ast.AST] = {}
    for p in unit.parts:
        for node in ast.walk(p):
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
    fields: set[str] = set()
    for p in unit.parts:
        for node in ast.walk(p):
            if not (isinstance(node, ast.Name) and node.id == root):
                continue
            parent = parents.get(id(node))
            if not (isinstance(parent, ast.Attribute) and parent.value is node):
                return None
            grand = parents.get(id(parent))
            if isinstance(grand, ast.Call) and grand.func is parent:
                return None
            fields.add(parent.attr)
    return fields
