"""A flag expression rewritten without a switch that was a constant: the same truth value.

Real shape (rl_games v1.6.0..v1.6.1): `self.has_value_loss = (self.has_central_value and
self.use_experimental_cv) or (not self.has_phasic_policy_gradients and not self.has_central_value)`
became `self.has_value_loss = self.use_experimental_cv or not self.has_central_value`, the phasic
policy gradient switch dropped. At the baseline `self.has_phasic_policy_gradients = False` was its only
store in the whole tree: the switch was a constant. With it read as `False` both expressions take the
same truth value for every value of the other flags; it was "Behavioural change in the loss path",
significant, the range's first finding.

The rule, judged only where the code proves it:
 - a *constant attribute* of a commit is `self.X` assigned exactly once in its Python files, to
   `True`/`False`/`None`, whose name never appears in a string there (no `setattr`/`getattr` by name,
   no configuration key of that name) and is never an assignment target otherwise;
 - a statement pair `T = E` -> `T = E'` with the same target, whose values are boolean combinations
   (`and`, `or`, `not`) of at most `MAX_ATOMS` flags (names, attributes) and constants;
 - with each side's constant attributes replaced by their literal, the two values agree for every
   assignment of truth values to the remaining flags.
Any other operand (a call, arithmetic, a comparison) leaves the pair a change.
"""

from __future__ import annotations

import ast
import itertools
import re

from investigator.detectors.pairs import PY_SUFFIXES, SideIndex
from investigator.pyast import self_attribute

MAX_ATOMS = 6
_MEMO = "constflags"
_NOT_CONSTANT = object()


def constant_attributes(side: SideIndex, names: set[str]) -> dict[str, bool | None]:
    """Of `names`, the constant attributes of this commit (see the module doc), with their literal."""
    memo = side.memo.setdefault(_MEMO, {})
    assert isinstance(memo, dict)
    out: dict[str, bool | None] = {}
    for name in names:
        if name not in memo:
            memo[name] = _constant(side, name)
        value = memo[name]
        if value is not _NOT_CONSTANT:
            out[name] = value
    return out



def _constant(side: SideIndex, name: str) -> object:
    store = re.compile(rf"\.{re.escape(name)}\s*(=[^=]|[-+*/|&]=|:)")
    quoted = re.compile(rf"[\"']{re.escape(name)}[\"']")
    found: list[str] = []
    for path, text in side.texts().items():
        if not path.endswith(PY_SUFFIXES) or name not in text:
            continue
        if quoted.search(text):
            return _NOT_CONSTANT
        hits = store.findall(text)
        if hits:
            found.extend([path] * len(hits))
    if len(found) != 1:
        return _NOT_CONSTANT
    module = side.module(found[0])
    if module is None:
        return _NOT_CONSTANT
    values = [node.value for node in ast.walk(module.tree) if isinstance(node, ast.Assign)
              and any(isinstance(t, ast.Attribute) and t.attr == name and isinstance(t.value, ast.Name)
                      and t.value.id == "self" for t in node.targets)]
    if len(values) != 1 or not isinstance(values[0], ast.Constant) or values[0].value not in (True, False, None):
        return _NOT_CONSTANT
    return values[0].value


def _flags(expr: ast.expr) -> list[ast.expr] | None:
    """The flag operands of a boolean combination (None when another operand occurs)."""
    if isinstance(expr, ast.BoolOp):
        out: list[ast.expr] = []
        for value in expr.values:
            sub = _flags(value)
            if sub is None:
                return None
            out.extend(sub)
        return out
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        return _flags(expr.operand)
    if isinstance(expr, ast.Constant) and expr.value in (True, False, None):
        return []
    if isinstance(expr, ast.Name) or (isinstance(expr, ast.Attribute) and _flags_chain(expr)):
        return [expr]
    return None


def _flags_chain(expr: ast.expr) -> bool:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return isinstance(expr, ast.Name)


def _truth(expr: ast.expr, values: dict[str, bool]) -> bool:
    if isinstance(expr, ast.BoolOp):
        parts = (_truth(v, values) for v in expr.values)
        return all(parts) if isinstance(expr.op, ast.And) else any(parts)
    if isinstance(expr, ast.UnaryOp):
        return not _truth(expr.operand, values)
    if isinstance(expr, ast.Constant):
        return bool(expr.value)
    return values[ast.unparse(expr)]


def same_truth(base: ast.stmt, cand: ast.stmt, base_side: SideIndex, cand_side: SideIndex) -> list[str] | None:
    """The constant attributes that make `base` and `cand` the same flag assignment, or None when
    they are not (see the module doc); an empty list never comes back (nothing was constant)."""
    if not (isinstance(base, ast.Assign) and isinstance(cand, ast.Assign) and len(base.targets) == 1
            and len(cand.targets) == 1 and ast.dump(base.targets[0]) == ast.dump(cand.targets[0])):
        return None
    fb, fc = _flags(base.value), _flags(cand.value)
    if fb is None or fc is None:
        return None
    consts: dict[str, dict[str, bool | None]] = {}
    for label, flags, side in (("b", fb, base_side), ("c", fc, cand_side)):
        names = {a for f in flags if (a := self_attribute(f)) is not None}
        consts[label] = constant_attributes(side, names) if names else {}
    if not consts["b"] and not consts["c"]:
        return None
    free = sorted({ast.unparse(f) for label, flags in (("b", fb), ("c", fc)) for f in flags
                   if self_attribute(f) not in consts[label]})
    if len(free) > MAX_ATOMS:
        return None
    for combo in itertools.product((False, True), repeat=len(free)):
        values = dict(zip(free, combo, strict=True))
        sides = []
        for label, stmt, flags in (("b", base, fb), ("c", cand, fc)):
            env = dict(values)
            for f in flags:
                attr = self_attribute(f)
                if attr in consts[label]:
                    env[ast.unparse(f)] = bool(consts[label][attr])
            sides.append(_truth(stmt.value, env))
        if sides[0] != sides[1]:
            return None
    return sorted({f"self.{a} = {v}" for label in ("b", "c") for a, v in consts[label].items()})
