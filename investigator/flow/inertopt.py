"""New options at their effective value: code that a new parameter or instance option makes inert there.

Real shapes (precision held-out 12, noise class N2 "new option whose default reproduces the baseline"):
 - omnisafe 89717ba9..15603dd7, `omnisafe/common/buffer/offpolicy_buffer.py:110`: `OffPolicyBuffer.__init__` gained
   `penalty_coefficient: float = 0.0`, stored as `self._penalty_coefficient: float = penalty_coefficient`, and
   `store` gained `self.data['reward'][self._ptr] -= self._penalty_coefficient * self.data['cost'][self._ptr]`:
   "Behavioural change in the sampling path" (significant) for `store` and `__init__`, while at the coefficient's
   value 0.0 the reward is what the baseline stored.
 - oat v0.2.2..v0.2.3, `oat/model.py:80` and `:267`: `LLM.__init__`/`Critic.__init__` gained `fp16=False` and
   `torch_dtype=torch.bfloat16 if bf16 else "auto"` became `torch.bfloat16 if bf16 else torch.float16 if fp16 else
   "auto"`: with `fp16` off the expression is the baseline's (the precision detector uses `inert_arm` for the same).

An option's *effective value at the candidate* is known when
 - it is a parameter the candidate's function gained with a literal default, never reassigned in it, that no code
   of the commit passes another value (`liftedopt.neutral_option`: callers pass nothing, the same literal, or an
   option of theirs or a configuration read whose own effective value is that literal);
 - or it is `self.X`, stored exactly once in its class, at the top level of `__init__` (`=` or an annotated `:=`),
   from such a parameter or from a literal, and never set by the baseline's class of that name.
With those values substituted, a conditional expression or `if` with a decided test keeps its taken arm, `x * 0`
and `0 * x` read as 0, `x + 0`, `x - 0` and `x * 1` as `x`, and an augmented assignment that adds or subtracts 0
(or multiplies by 1) as no statement. A changed statement whose candidate reads such an option and then equals the
baseline's statement (or, added, is no statement) is no behavioural change: every run that leaves the option at
that value, which is every run the commit's code makes, computes what the baseline computed. An option a caller or
a configuration sets to another value keeps the change (the caller's own edit is compared at the caller).
"""

from __future__ import annotations

import ast
import operator
import weakref
from dataclasses import dataclass
from typing import Any

from investigator import fastwalk
from investigator.detectors.functions import FunctionInfo
from investigator.flow.liftedopt import (
    TESTS_OR_DOCS,
    literal_default,
    neutral_option,
    new_field_default,
    read_at,
)
from investigator.pyast import copy_tree, parameter_defaults

MAX_OPTIONS = 12
_CMP = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Is: operator.is_, ast.IsNot: operator.is_not,
        ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}


def _literal(node: ast.expr) -> object:
    return ast.literal_eval(node)


def _params(fn: FunctionInfo) -> dict[str, ast.expr | None]:
    node = fn.node
    return {p.arg: d for p, d in parameter_defaults(node)} if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) \
        else {}


def _stored_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _class_node(fn: FunctionInfo) -> ast.ClassDef | None:
    if not fn.class_name:
        return None
    name = fn.class_name.rsplit(".", 1)[-1]
    return _first_classes(fn.module.tree).get(name)


# Kept per node (weak keys): `new_option_values` is asked once per changed pair, and each ask walked the whole
# module for the class and the whole class (twice: both commits) for its `self.<x> = ...` statements (d3rlpy
# 9c25f0c7..8bcca90a: 315 class walks for a few dozen classes). The engine never changes a tree it has read
# (`investigator.fastwalk`); under `fastwalk.CHECK` (the tests) each kept answer is compared with a fresh one.
_FIRST_CLASSES: weakref.WeakKeyDictionary[ast.AST, dict[str, ast.ClassDef]] = weakref.WeakKeyDictionary()
_SELF_STORES: weakref.WeakKeyDictionary[ast.AST, dict[str, list[ast.stmt]]] = weakref.WeakKeyDictionary()


def _first_classes(tree: ast.AST) -> dict[str, ast.ClassDef]:
    """Class name -> the first class of that name in `ast.walk` order."""
    found = _FIRST_CLASSES.get(tree)
    if found is None or fastwalk.CHECK:
        fresh: dict[str, ast.ClassDef] = {}
        for n in ast.walk(tree):
            if isinstance(n, ast.ClassDef):
                fresh.setdefault(n.name, n)
        if found is not None and found != fresh:
            raise AssertionError(f"a read tree was changed afterwards: {ast.dump(tree)[:200]}")
        found = _FIRST_CLASSES[tree] = fresh
    return found


def _self_stores(cls: ast.ClassDef) -> dict[str, list[ast.stmt]]:
    """`self.<attr>` -> the assignments below `cls` that store it (kept per class: the callers only read it)."""
    found = _SELF_STORES.get(cls)
    if found is None or fastwalk.CHECK:
        fresh = _self_stores_uncached(cls)
        if found is not None and found != fresh:
            raise AssertionError(f"a read tree was changed afterwards: {ast.dump(cls)[:200]}")
        found = _SELF_STORES[cls] = fresh
    return found


def _self_stores_uncached(cls: ast.ClassDef) -> dict[str, list[ast.stmt]]:
    out: dict[str, list[ast.stmt]] = {}
    for n in ast.walk(cls):
        targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(
            n, ast.AnnAssign | ast.AugAssign) else []
        for t in targets:
            for sub in ast.walk(t):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self" \
                        and isinstance(sub.ctx, ast.Store):
                    assert isinstance(n, ast.stmt)
                    out.setdefault(sub.attr, []).append(n)
    return out


def new_option_values(base_fn: FunctionInfo, cand_fn: FunctionInfo, side: Any,
                      base_side: Any = None) -> dict[str, tuple[object, str]]:
    """`name`, `self.X` or `<settings>.field` -> (effective value at the candidate, how it is set) for the candidate
    function's new options whose value the commit's code fixes (module doc; settings fields with `base_side`:
    `liftedopt.new_field_default`)."""
    memo = side.memo.setdefault("inertopt", {}) if hasattr(side, "memo") else {}
    key = (cand_fn.path, cand_fn.qualname, base_fn.path, base_fn.qualname)
    if key in memo:
        return dict(memo[key])
    out: dict[str, tuple[object, str]] = {}
    old = _params(base_fn)
    stored = _stored_names(cand_fn.node)
    for name, default in _params(cand_fn).items():
        if name in old or name in stored or default is None or not literal_default(default):
            continue
        if neutral_option(side, cand_fn, name, default):
            out[name] = (_literal(default), f"`{name}={ast.unparse(default)}`")
    out.update(_class_options(base_fn, cand_fn, side))
    if base_side is not None:
        for node in ast.walk(cand_fn.node):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name) \
                    and node.value.id not in ("self", "cls") and ast.unparse(node) not in out:
                default = new_field_default(base_side, side, node.attr)
                if default is not None:
                    out[ast.unparse(node)] = (_literal(default), f"the new settings field `{node.attr}: ... = "
                                                                 f"{ast.unparse(default)}`")
    if len(out) > MAX_OPTIONS:
        out = {}
    memo[key] = dict(out)
    return out


def _class_options(base_fn: FunctionInfo, cand_fn: FunctionInfo, side: Any) -> dict[str, tuple[object, str]]:
    cls = _class_node(cand_fn)
    if cls is None:
        return {}
    base_cls = _class_node(base_fn)
    had = set(_self_stores(base_cls)) if base_cls is not None else set()
    init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if init is None:
        return {}
    init_fn = cand_fn.module.functions.get(f"{cls.name}.__init__") if hasattr(cand_fn.module, "functions") else None
    stores = _self_stores(cls)
    params = {p.arg: d for p, d in parameter_defaults(init)}
    rebound = _stored_names(init)
    out: dict[str, tuple[object, str]] = {}
    for stmt in init.body:
        value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
        target = stmt.targets[0] if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 else \
            stmt.target if isinstance(stmt, ast.AnnAssign) else None
        if value is None or not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                                 and target.value.id == "self"):
            continue
        attr = target.attr
        if attr in had or len(stores.get(attr, [])) != 1:
            continue
        if isinstance(value, ast.Constant):
            out[f"self.{attr}"] = (value.value, f"`self.{attr} = {ast.unparse(value)}`")
        elif isinstance(value, ast.Name) and value.id in params and value.id not in rebound:
            default = params[value.id]
            if default is not None and literal_default(default) and init_fn is not None \
                    and neutral_option(side, init_fn, value.id, default):
                out[f"self.{attr}"] = (_literal(default), f"`{value.id}={ast.unparse(default)}`")
            elif isinstance(default, ast.Name) and init_fn is not None and _module_binding(cand_fn.module.tree,
                                                                                          default.id) \
                    and neutral_option(side, init_fn, value.id, default):
                out[f"self.{attr}"] = (Reference(default.id), f"`{value.id}={default.id}`")
    return out


@dataclass(frozen=True)
class Reference:
    """An option whose default names a class or function of its module (`auxiliary_model_class=AuxiliaryModel`): at
    that default, `self.<option>(...)` is a call of the name, as the baseline's `AuxiliaryModel(...)` was. Real shape
    (allenact 5b2b70a0..97620944, `allenact/embodiedai/models/visual_nav_models.py:146`): `VisualNavActorCritic`
    gained `auxiliary_model_class=AuxiliaryModel`, stored as `self.auxiliary_model_class`, and `create_aux_models`
    built `self.auxiliary_model_class(aux_uuid=..., ...)` where it built `AuxiliaryModel(...)`: "Behavioural change
    in the loss path", significant, though no code passes another class."""

    name: str

    def __repr__(self) -> str:
        return self.name


def _module_binding(tree: ast.Module, name: str) -> bool:
    """`name` is bound once at the module's top level, by a class or function definition or an import."""
    bound = 0
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name == name:
            bound += 1
        elif isinstance(stmt, ast.Import | ast.ImportFrom):
            bound += sum(1 for a in stmt.names if (a.asname or a.name.split(".")[0]) == name)
        elif any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in ast.walk(stmt)):
            return False
    return bound == 1


class _AtValues(ast.NodeTransformer):
    """The expression with the options substituted and what they decide folded (module doc)."""

    def __init__(self, values: dict[str, tuple[object, str]]) -> None:
        self.values = values
        self.used: set[str] = set()

    def _value(self, node: ast.AST) -> ast.AST | None:
        text = node.id if isinstance(node, ast.Name) else ast.unparse(node) if isinstance(node, ast.Attribute) else ""
        if text in self.values and isinstance(getattr(node, "ctx", None), ast.Load):
            self.used.add(text)
            value: Any = self.values[text][0]  # a literal (`ast.literal_eval` of a default)
            if isinstance(value, Reference):
                return ast.copy_location(ast.Name(id=value.name, ctx=ast.Load()), node)
            return ast.copy_location(ast.Constant(value), node)
        return None

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return self._value(node) or node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        found = self._value(node)
        return found if found is not None else self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.operand, ast.Constant):
            try:
                folded: Any = _literal(node)
                return ast.copy_location(ast.Constant(folded), node)
            except (ValueError, TypeError):
                return node
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        if all(isinstance(v, ast.Constant) for v in node.values):
            vals = [v.value for v in node.values]  # type: ignore[attr-defined]
            result = vals[0]
            for v in vals[1:]:
                result = (result and v) if isinstance(node.op, ast.And) else (result or v)
            return ast.copy_location(ast.Constant(result), node)
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) == 1 and isinstance(node.left, ast.Constant) and isinstance(node.comparators[0], ast.Constant) \
                and type(node.ops[0]) in _CMP:
            try:
                left: Any = node.left.value
                right: Any = node.comparators[0].value
                return ast.copy_location(ast.Constant(bool(_CMP[type(node.ops[0])](left, right))), node)
            except TypeError:
                return node
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        node.test = self.visit(node.test)
        if isinstance(node.test, ast.Constant):
            return self.visit(node.body if node.test.value else node.orelse)
        self.generic_visit(node)
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        left, right = node.left, node.right
        if isinstance(node.op, ast.Mult):
            for a, b in ((left, right), (right, left)):
                if _is_number(a, 0):
                    return ast.copy_location(ast.Constant(0), node)
                if _is_number(a, 1):
                    return b
        if isinstance(node.op, ast.Add | ast.Sub) and _is_number(right, 0):
            return left
        if isinstance(node.op, ast.Add) and _is_number(left, 0):
            return right
        return node


def _is_number(node: ast.AST, value: int) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value == value


def _noop(stmt: ast.stmt) -> bool:
    """An augmented assignment that adds or subtracts 0, or multiplies or divides by 1."""
    return isinstance(stmt, ast.AugAssign) and (
        isinstance(stmt.op, ast.Add | ast.Sub) and _is_number(stmt.value, 0)
        or isinstance(stmt.op, ast.Mult | ast.Div) and _is_number(stmt.value, 1))


def at_values(node: ast.AST, values: dict[str, tuple[object, str]]) -> tuple[ast.AST, set[str]]:
    """(a copy of `node` with the options at their values, folded; the options it read)."""
    at = _AtValues(values)
    out = at.visit(copy_tree(node))
    return out, at.used


def _strip_annotation(stmt: ast.AST) -> ast.AST:
    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        return ast.Assign(targets=[stmt.target], value=stmt.value, lineno=0)
    return stmt


def _callee_defaults(side: Any, call: ast.Call) -> dict[str, ast.expr] | None:
    """Parameter -> literal default of the project function or class a call runs (every definition of that name
    agreeing), or None when it is not found or they differ."""
    name = call.func.id if isinstance(call.func, ast.Name) else call.func.attr if isinstance(call.func, ast.Attribute) \
        else ""
    if not name:
        return None
    nodes: list[ast.AST] = [f.node for f in side.find_defs(name)]
    for cls in side.class_defs(name) if side.find_class(name) else []:
        nodes.extend(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    found: list[dict[str, str]] = []
    out: dict[str, ast.expr] = {}
    for node in nodes:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return None
        here = {p.arg: d for p, d in parameter_defaults(node) if d is not None and literal_default(d)}
        found.append({k: ast.unparse(v) for k, v in here.items()})
        out.update(here)
    if not found or any(f != found[0] for f in found):
        return None
    return out


class _DefaultKeywords(ast.NodeTransformer):
    """Calls without the keyword arguments the candidate added whose effective value is the callee's own default
    (omnisafe's `penalty_coefficient=self._cfgs.algo_cfgs.get('penalty_coefficient', 0.0)` to a buffer whose
    parameter defaults to 0.0; oat's `fp16=args.fp16`, a settings field defaulting to False, to `LLM(fp16=False)`)."""

    def __init__(self, side: Any, values: dict[str, tuple[object, str]], had: set[str]) -> None:
        self.side, self.values, self.had = side, values, had
        self.used: set[str] = set()

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        added = [k for k in node.keywords if k.arg and f"{k.arg}=" not in self.had]
        if not added:
            return node
        defaults = _callee_defaults(self.side, node)
        if not defaults:
            return node
        keep = []
        for k in node.keywords:
            default = defaults.get(k.arg or "")
            if k in added and default is not None and self.neutral(k.value, k.arg or "", default):
                self.used.add(f"argument `{ast.unparse(k)}`")
                continue
            keep.append(k)
        node.keywords = keep
        return node

    def neutral(self, value: ast.expr, name: str, default: ast.expr) -> bool:
        folded, _ = at_values(value, self.values)
        if isinstance(folded, ast.Constant) and literal_default(default):
            return _same_value(folded.value, _literal(default))
        # a configuration file that names the key may set it: only Python code (and tests, docs) mention it
        return read_at(self.side, value, name, default) and all(
            path.endswith((".py", ".pyi")) or TESTS_OR_DOCS.search(path) for path, _ in self.side.references(name))


def _same_value(a: object, b: object) -> bool:
    return type(a) is type(b) and a == b or isinstance(a, int | float) and isinstance(b, int | float) \
        and not isinstance(a, bool) and not isinstance(b, bool) and a == b


def _keywords(node: ast.AST) -> set[str]:
    return {f"{k.arg}=" for c in ast.walk(node) if isinstance(c, ast.Call) for k in c.keywords if k.arg}


def _spread_keys(cand: ast.stmt, base: ast.stmt, fn: ast.AST | None, side: Any, values: dict[str, tuple[object, str]],
                 dropper: _DefaultKeywords) -> ast.stmt:
    """`name = {...}` without the string keys the candidate added whose value, at the options' values, is the default
    of the parameter of that name of every project callable the function hands `**name` to (openrl v0.1.8..v0.1.9
    `openrl/rewards/nlp_reward.py:27`: `kl_config = {..., "use_deepspeed": use_deepspeed}` then `KLPenalty(**kl_config)`,
    `use_deepspeed: bool = True` on both)."""
    if fn is None or not (isinstance(cand, ast.Assign) and len(cand.targets) == 1 and isinstance(cand.targets[0], ast.Name)
                          and isinstance(cand.value, ast.Dict) and isinstance(base, ast.Assign)
                          and isinstance(base.value, ast.Dict)):
        return cand
    name = cand.targets[0].id
    had = {k.value for k in base.value.keys if isinstance(k, ast.Constant)}
    spreads = [c for c in ast.walk(fn) if isinstance(c, ast.Call)
               and any(k.arg is None and isinstance(k.value, ast.Name) and k.value.id == name for k in c.keywords)]
    defaults = [_callee_defaults(side, c) for c in spreads]
    if not spreads or any(d is None for d in defaults):
        return cand
    out = copy_tree(cand)
    assert isinstance(out, ast.Assign) and isinstance(out.value, ast.Dict)
    keys, vals = [], []
    for k, v in zip(out.value.keys, out.value.values, strict=True):
        key = k.value if isinstance(k, ast.Constant) and isinstance(k.value, str) else None
        found = [d.get(key) for d in defaults if d is not None] if key is not None and key not in had else []
        if k is not None and found and all(f is not None and dropper.neutral(v, key or "", f) for f in found):
            dropper.used.add(f"key `{ast.unparse(k)}: {ast.unparse(v)}` of `**{name}`")
            continue
        keys.append(k)
        vals.append(v)
    out.value.keys, out.value.values = keys, vals
    return out


def inert(base: ast.stmt | None, cand: ast.stmt, values: dict[str, tuple[object, str]],
          side: Any = None, fn: ast.AST | None = None) -> set[str]:
    """The options that make the candidate statement the baseline's (or, with `base` None, no statement) at their
    values; an empty set when it still differs or reads none. With `side`, keyword arguments the candidate added whose
    effective value is the callee's default are left out too (their spelling joins the options returned), and with
    `fn` (the candidate function) so are the keys of a dict it hands on as `**name` (`_spread_keys`)."""
    if side is not None and base is not None:
        dropper = _DefaultKeywords(side, values, _keywords(base))
        cand = _spread_keys(dropper.visit(copy_tree(cand)), base, fn, side, values, dropper)
        if dropper.used:
            folded, used = at_values(cand, values)
            same = ast.dump(_strip_annotation(folded), annotate_fields=False) == \
                ast.dump(_strip_annotation(copy_tree(base)), annotate_fields=False)
            return used | dropper.used if same else set()
    if not values:
        return set()
    folded, used = at_values(cand, values)
    if not used:
        return set()
    if base is None:
        return used if isinstance(folded, ast.stmt) and _noop(folded) else set()
    same = ast.dump(_strip_annotation(folded), annotate_fields=False) == \
        ast.dump(_strip_annotation(copy_tree(base)), annotate_fields=False)
    return used if same else set()


def stored_only(cand: ast.stmt, values: dict[str, tuple[object, str]]) -> str:
    """`self.X` when the statement is the one store of the new option `self.X` (its reads are compared where they
    are), else ''."""
    target = cand.targets[0] if isinstance(cand, ast.Assign) and len(cand.targets) == 1 else \
        cand.target if isinstance(cand, ast.AnnAssign) else None
    text = ast.unparse(target) if isinstance(target, ast.Attribute) else ""
    return text if text in values else ""


def inert_arm(node: ast.AST, root: ast.AST, values: dict[str, tuple[object, str]]) -> set[str]:
    """The options whose values leave `node` (inside `root`) in an arm of a conditional expression or `if` that is
    not taken; an empty set when every enclosing test is undecided or takes its arm."""
    parents: dict[int, ast.AST] = {}
    for n in ast.walk(root):
        for child in ast.iter_child_nodes(n):
            parents[id(child)] = n
    here: ast.AST = node
    while id(here) in parents:
        parent = parents[id(here)]
        if isinstance(parent, ast.IfExp | ast.If) and here is not parent.test:
            in_body = here is parent.body if isinstance(parent, ast.IfExp) else here in parent.body
            folded, used = at_values(parent.test, values)
            if used and isinstance(folded, ast.Constant) and bool(folded.value) != in_body:
                return used
        here = parent
    return set()


def describe(used: set[str], values: dict[str, tuple[object, str]]) -> str:
    parts = [f"new option `{u}`, effective value `{values[u][0]!r}` at the candidate (set by {values[u][1]}, no code "
             "or configuration of the commit passes another value), reproduces the baseline"
             for u in sorted(used) if u in values]
    parts += [f"new {u}: its effective value at the candidate is the callee's own default for that parameter (a "
              "literal, a new option with that default, or a configuration read whose fallback or settings-field "
              "default is that value, with no configuration file setting the key), reproduces the baseline"
              for u in sorted(used) if u not in values]
    return "; ".join(parts)
