"""Edits of one statement whose meaning is known without a detector: the textbook slips of a loss or target.

A re-introduced bug is usually one expression edited inside a function that is otherwise the same; the real
changes around it (refactors, features) are read by the flow as anonymous "behavioural changes" of the same
place and severity. These edits say what they do by their form alone, and are what a reviewer checks first:
- operator grouping: the same operands and operators, grouped differently (`(x - m) / s` -> `x - m / s`, a
  `* mask` moved out of a parenthesis): the value differs for almost every input, and no refactor regroups
  operands (regroupings that are equal by associativity, `a * (b * c)`, `(a + b) - c`, are not counted);
- a gradient cut toggled: `.detach()` / `stop_gradient(...)` added or removed around an operand, the other
  operands unchanged: the same forward value, another gradient (the gradient flowing through the baseline's
  target, or a policy term no longer trained);
- a numerical guard removed: `std + 1e-8` -> `std` (a division or a log of a value that can be 0: inf or NaN
  where it is; stable-baselines' TRPO advantage normalisation). A guard added is not counted: it changes
  values only where they were inf or NaN, the direction of a fix (baselines' GAIL `normalize` gained one in
  the range of its real bug, and outranked anonymous changes once counted);
- a lost return: `return f(x)` -> `f(x)`: the function now returns None (dopamine's Keras initialiser);
- a truth test made a presence test or the reverse: `if x:` <-> `if x is not None:` (`not x` <-> `x is None`)
  of a parameter that is a falsy scalar at its default (DI-engine's `use_dropout: bool = False`): the branch
  now runs with the defaults, or no longer does. The same swap on an optional object (`cfg: dict | None =
  None`, rsl_rl's `rnd_cfg`) is a style change, not counted;
- an in-place update made a plain assignment or the reverse: `stamp -= period` <-> `stamp = period`, the same
  variable and operand: the variable is set to the operand instead of moved by it (JORLDY's Ape-X target
  counter reset to the period its test compares against: the target network copied at every step);
- a parameter read where the attribute the method stores adjusted was meant, or the reverse: `deque(maxlen=
  self.n_step)` -> `deque(maxlen=n_step)` beside `self.n_step = n_step if retrace else 1` (JORLDY's MPO): the
  adjustment is skipped wherever it changes the value.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import NamedTuple

from investigator.pyast import unparse

ARITH = (ast.BinOp, ast.UnaryOp)
CUTS = {"detach", "stop_gradient"}  # torch `x.detach()`; jax.lax / tf `stop_gradient(x)`
SUM_OPS: dict[type, int] = {ast.Add: 1, ast.Sub: -1}
PRODUCT_OPS: dict[type, int] = {ast.Mult: 1, ast.Div: -1}


def _cut_operand(node: ast.AST) -> ast.AST | None:
    """`x` of `x.detach()` or `stop_gradient(x)`, else None."""
    if not isinstance(node, ast.Call) or node.keywords:
        return None
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "detach" and not node.args:
        return func.value
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    return node.args[0] if name in CUTS and len(node.args) == 1 else None


def _tokens(node: ast.AST) -> Iterator[ast.AST | str]:
    """An arithmetic expression in reading order, parentheses dropped: operators (by name) and operands."""
    if isinstance(node, ast.BinOp):
        yield from _tokens(node.left)
        yield type(node.op).__name__
        yield from _tokens(node.right)
    elif isinstance(node, ast.UnaryOp):
        yield type(node.op).__name__
        yield from _tokens(node.operand)
    else:
        yield node


class _Canon:
    """The canonical form of an arithmetic expression over numbered operands: sums and products flattened with
    their signs, so that groupings equal by associativity (`(a + b) - c`, `a * (b / c)`) read the same."""

    def __init__(self) -> None:
        self.count = 0

    def form(self, node: ast.AST) -> object:
        if isinstance(node, ast.BinOp) and type(node.op) in SUM_OPS or \
                isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            terms: list[tuple[int, object]] = []
            self._flat(node, 1, SUM_OPS, terms)
            return terms[0][1] if len(terms) == 1 and terms[0][0] == 1 else ("sum", tuple(terms))
        if isinstance(node, ast.BinOp) and type(node.op) in PRODUCT_OPS:
            factors: list[tuple[int, object]] = []
            self._flat(node, 1, PRODUCT_OPS, factors)
            return ("product", tuple(factors))
        if isinstance(node, ast.BinOp):
            return (type(node.op).__name__, self.form(node.left), self.form(node.right))
        if isinstance(node, ast.UnaryOp):
            return (type(node.op).__name__, self.form(node.operand))
        self.count += 1
        return ("operand", self.count)

    def _flat(self, node: ast.AST, sign: int, ops: dict[type, int], out: list[tuple[int, object]]) -> None:
        if isinstance(node, ast.BinOp) and type(node.op) in ops:
            self._flat(node.left, sign, ops, out)
            self._flat(node.right, sign * ops[type(node.op)], ops, out)
        elif ops is SUM_OPS and isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            self._flat(node.operand, -sign, ops, out)
        else:
            out.append((sign, self.form(node)))


def _regrouped(a: ast.AST, b: ast.AST, found: list[str], names: Names) -> bool:
    """Two arithmetic expressions with the same operators in the same order: their operands compared in turn
    (False where one differs otherwise than by a known edit), a differing grouping recorded in `found`."""
    ta, tb = list(_tokens(a)), list(_tokens(b))
    if len(ta) != len(tb):
        return False
    for x, y in zip(ta, tb, strict=True):
        if isinstance(x, str) or isinstance(y, str):
            if x != y:
                return False
        elif not _same(x, y, found, names):
            return False
    if _Canon().form(a) != _Canon().form(b):
        found.append(f"operator grouping changed: `{unparse(a)}` -> `{unparse(b)}`")
    return True


def _none_test(node: ast.AST) -> tuple[ast.AST, bool] | None:
    """(`x`, True) for `x is not None`, (`x`, False) for `x is None`, else None."""
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.IsNot | ast.Is) and \
            isinstance(node.comparators[0], ast.Constant) and node.comparators[0].value is None:
        return node.left, isinstance(node.ops[0], ast.IsNot)
    return None


SCALARS = {"bool", "int", "float"}


def scalar_parameters(fn: ast.AST) -> set[str]:
    """Parameters of a function whose value is a set but falsy scalar at its default, or a scalar by its
    annotation (`use_dropout: bool = False`, `eps=0.0`): never None where the caller keeps the default, so a
    truth test and a presence test of them differ."""
    args = getattr(fn, "args", None)
    if not isinstance(args, ast.arguments):
        return set()
    positional = [*args.posonlyargs, *args.args]
    pairs = [*zip(positional[len(positional) - len(args.defaults):], args.defaults, strict=True),
             *((a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None)]
    out = {a.arg for a, d in pairs if isinstance(d, ast.Constant) and d.value is not None and not d.value}
    out |= {a.arg for a in [*positional, *args.kwonlyargs]
            if isinstance(a.annotation, ast.Name) and a.annotation.id in SCALARS}
    return out


def _truth_swap(a: ast.AST, b: ast.AST, scalars: set[str]) -> bool:
    """`x` <-> `x is not None`, `not x` <-> `x is None` for `x` a parameter in `scalars`: a test of truth made
    a test of presence, or the reverse, of a value that is set but falsy at its default (`False`, `0.0`): the
    branch now runs, or no longer runs, with the defaults. An optional object (`cfg=None`, a dict) tested
    either way is a style change: not a known edit."""
    for plain, test in ((a, b), (b, a)):
        none = _none_test(test)
        if none is None:
            continue
        operand, present = none
        if not present and isinstance(plain, ast.UnaryOp) and isinstance(plain.op, ast.Not):
            plain = plain.operand
        elif not present:
            continue
        if isinstance(operand, ast.Name) and operand.id in scalars and ast.dump(plain) == ast.dump(operand):
            return True
    return False


EPSILON_MAX = 1e-3  # the largest constant read as a numerical guard (`std + 1e-8`, `log(p + 1e-6)`)


def _guarded(node: ast.AST) -> ast.AST | None:
    """`y` of `y + eps` or `eps + y` with `eps` a small positive constant, else None."""
    if not isinstance(node, ast.BinOp) or not isinstance(node.op, ast.Add):
        return None
    for eps, y in ((node.right, node.left), (node.left, node.right)):
        if isinstance(eps, ast.Constant) and isinstance(eps.value, float | int) and \
                not isinstance(eps.value, bool) and 0 < eps.value <= EPSILON_MAX:
            return y
    return None


class Names(NamedTuple):
    """What a function says about its names: parameters that are falsy scalars at their default (`scalars`) and
    parameters it stores adjusted, with the stored expression (`derived`, see `derived_attributes`)."""

    scalars: set[str]
    derived: dict[str, str]


def derived_attributes(fn: ast.AST) -> dict[str, str]:
    """Parameters `x` a method stores adjusted, `self.x = <an expression of x other than x>` (JORLDY's MPO:
    `self.n_step = n_step if critic_loss_type == "retrace" else 1`), with that expression's text: reading `x`
    where `self.x` was meant skips the adjustment."""
    args = getattr(fn, "args", None)
    if not isinstance(args, ast.arguments):
        return {}
    params = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}
    out: dict[str, str] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self" \
                    and target.attr in params and not isinstance(node.value, ast.Name) and any(
                        isinstance(n, ast.Name) and n.id == target.attr for n in ast.walk(node.value)):
                out[target.attr] = unparse(node.value, 80)
    return out


def _raw_parameter(a: ast.AST, b: ast.AST, derived: dict[str, str]) -> str | None:
    """The adjusted expression when one side reads `self.x` and the other the parameter `x` it adjusts."""
    for attr, name in ((a, b), (b, a)):
        if isinstance(attr, ast.Attribute) and isinstance(attr.value, ast.Name) and attr.value.id == "self" and \
                isinstance(name, ast.Name) and name.id == attr.attr and attr.attr in derived:
            return derived[attr.attr]
    return None


def _in_place_swap(a: ast.AST, b: ast.AST) -> bool:
    """`x op= e` <-> `x = e`: the same target and operand, the update operator dropped or added."""
    for aug, plain in ((a, b), (b, a)):
        if isinstance(aug, ast.AugAssign) and isinstance(plain, ast.Assign) and len(plain.targets) == 1 and \
                unparse(aug.target) == unparse(plain.targets[0]) and ast.dump(aug.value) == ast.dump(plain.value):
            return True
    return False


_UP = (ast.Gt, ast.GtE)
_DOWN = (ast.Lt, ast.LtE)


def _unit_shift(node: ast.AST) -> tuple[str, int]:
    """(the bound without a `+ k` / `- k` integer constant, k) of a comparison's right side."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub) and isinstance(node.right, ast.Constant) \
            and type(node.right.value) is int:
        return ast.dump(node.left), node.right.value if isinstance(node.op, ast.Add) else -node.right.value
    return ast.dump(node), 0


def _bound_shift(a: ast.AST, b: ast.AST) -> bool:
    """`t >= n - 1` <-> `t > n`, `t < n` <-> `t <= n`: one ordering comparison of the same value against the same
    bound, its strictness or its integer offset changed: the test now flips one step earlier or later (an
    episode's time-out a step late, a warm-up one update short). Real shape: OmniIsaacGymEnvs 7d08cd3 (bug
    re-applied), omniisaacgymenvs/tasks/anymal.py:268 `AnymalTask.is_done`: `time_out = self.progress_buf >=
    self.max_episode_length - 1` became `> self.max_episode_length`, episodes overran their length."""
    if not (isinstance(a, ast.Compare) and isinstance(b, ast.Compare)) or len(a.ops) != 1 or len(b.ops) != 1:
        return False
    if ast.dump(a.left) != ast.dump(b.left):
        return False
    ops = (type(a.ops[0]), type(b.ops[0]))
    if not (all(o in _UP for o in ops) or all(o in _DOWN for o in ops)):
        return False
    (bound_a, k_a), (bound_b, k_b) = _unit_shift(a.comparators[0]), _unit_shift(b.comparators[0])
    return bound_a == bound_b and (ops[0] is not ops[1] or k_a != k_b) and abs(k_a - k_b) <= 2


_COMPLEMENT = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE,
               ast.LtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}


def _inverted(a: ast.AST, b: ast.AST) -> bool:
    """`x == k` <-> `x != k`, `x > k` <-> `x <= k`, and `i > -1` <-> `i == -1` (`str.find`'s "found" and "not
    found"): one comparison of the same operands, its operator replaced by the complement: the branch now runs
    exactly where it did not. Real shape: MARL-Algorithms 78658f0 (bug re-applied), runner.py:84 `Runner.run`:
    `if alg.find('coma') > -1 or ...` (on-policy) became `== -1 or ...`, true for every algorithm (significant
    alone, low once merged with the in-between edits of the function)."""
    if not (isinstance(a, ast.Compare) and isinstance(b, ast.Compare)) or len(a.ops) != 1 or len(b.ops) != 1:
        return False
    if ast.dump(a.left) != ast.dump(b.left) or ast.dump(a.comparators[0]) != ast.dump(b.comparators[0]):
        return False
    ops = {type(a.ops[0]), type(b.ops[0])}
    if _COMPLEMENT.get(type(a.ops[0])) is type(b.ops[0]):
        return True
    right = a.comparators[0]
    minus_one = isinstance(right, ast.UnaryOp) and isinstance(right.op, ast.USub) and \
        isinstance(right.operand, ast.Constant) and right.operand.value == 1
    return minus_one and ops == {ast.Gt, ast.Eq}


REDUCTIONS = {"mean": "sum", "sum": "mean", "nanmean": "nansum", "nansum": "nanmean"}


def _reduction_swap(a: ast.AST, b: ast.AST) -> bool:
    """`x.mean(dim=1)` <-> `x.sum(dim=1)` (or `torch.mean(x, 1)` <-> `torch.sum(x, 1)`, `jnp.`/`np.` alike):
    the same operand and arguments reduced by a mean at one commit and a sum at the other, whose values differ by
    the size of the reduced axis (a loss or target averaged over actions, atoms or a batch is now a total, or the
    reverse). Real shape: sac-discrete.pytorch d48f9e10..cf2295cd, the soft state value of the target
    `(action_probs * (min_q - alpha * log_probs)).mean(dim=1)` -> `.sum(dim=1)`: the expectation over actions
    had been divided by |A|."""
    if not (isinstance(a, ast.Call) and isinstance(b, ast.Call) and isinstance(a.func, ast.Attribute)
            and isinstance(b.func, ast.Attribute) and REDUCTIONS.get(a.func.attr) == b.func.attr):
        return False
    return ast.dump(a.func.value) == ast.dump(b.func.value) and [ast.dump(x) for x in a.args] == [
        ast.dump(x) for x in b.args] and [ast.dump(k) for k in a.keywords] == [ast.dump(k) for k in b.keywords]


def _same(a: ast.AST, b: ast.AST, found: list[str], names: Names) -> bool:
    """Whether `a` and `b` differ only by known edits (each recorded in `found`)."""
    if ast.dump(a) == ast.dump(b):
        return True
    if _inverted(a, b):
        found.append(f"comparison inverted: `{unparse(a)}` -> `{unparse(b)}` (the branch now runs where it did not)")
        return True
    if _bound_shift(a, b):
        found.append(f"comparison bound shifted: `{unparse(a)}` -> `{unparse(b)}` (the test flips a step earlier "
                     "or later)")
        return True
    raw = _raw_parameter(a, b, names.derived)
    if raw:
        found.append(f"raw parameter read where its adjusted attribute was meant or the reverse: `{unparse(a)}` -> "
                     f"`{unparse(b)}` (the attribute is `{raw}`)")
        return True
    if _reduction_swap(a, b):
        found.append(f"reduction changed between a mean and a sum: `{unparse(a)}` -> `{unparse(b)}` (the value is "
                     "scaled by the size of the reduced axis)")
        return True
    if _in_place_swap(a, b):
        found.append(f"in-place update made an assignment or the reverse: `{unparse(a)}` -> `{unparse(b)}`")
        return True
    if isinstance(a, ast.Return) and isinstance(b, ast.Expr) and a.value is not None and \
            ast.dump(a.value) == ast.dump(b.value):
        found.append(f"return value lost: `{unparse(a)}` -> `{unparse(b)}` (the function now returns None)")
        return True
    # only a removed guard: one added changes values only where they were inf or NaN, the direction of a fix
    inner = _guarded(a)
    if inner is not None and _guarded(b) is None and ast.dump(inner) == ast.dump(b):
        found.append(f"numerical guard removed: `{unparse(a)}` -> `{unparse(b)}`")
        return True
    if _truth_swap(a, b, names.scalars):
        found.append(f"truth test made a presence test or the reverse: `{unparse(a)}` -> `{unparse(b)}`")
        return True
    for cut, other, verb in ((a, b, "removed"), (b, a, "added")):
        inner = _cut_operand(cut)
        if inner is not None and _cut_operand(other) is None and ast.dump(inner) == ast.dump(other):
            found.append(f"gradient cut {verb}: `{unparse(a)}` -> `{unparse(b)}`")
            return True
    if isinstance(a, ARITH) and isinstance(b, ARITH):
        # the same operator at the top: its operands compared in turn (a guard inside one of them); else the
        # operands read in order, a regrouping
        edits: list[str] = []
        if type(a) is type(b) and type(a.op) is type(b.op) and _fields_same(a, b, edits, names):
            found.extend(edits)
            return True
        return _regrouped(a, b, found, names)
    return type(a) is type(b) and _fields_same(a, b, found, names)


def _fields_same(a: ast.AST, b: ast.AST, found: list[str], names: Names) -> bool:
    """Whether two nodes of one type differ, field by field, only by known edits."""
    for name, x in ast.iter_fields(a):
        y = getattr(b, name, None)
        if isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y) or not all(
                    _same(u, v, found, names) if isinstance(u, ast.AST) and isinstance(v, ast.AST) else u == v
                    for u, v in zip(x, y, strict=True)):
                return False
        elif isinstance(x, ast.AST) and isinstance(y, ast.AST):
            if not _same(x, y, found, names):
                return False
        elif x != y and name not in ("ctx", "type_comment", "kind"):
            return False
    return True


def known_edit(base: list[ast.AST], cand: list[ast.AST], scalars: set[str] | None = None,
               derived: dict[str, str] | None = None) -> str | None:
    """What a modified statement's edit does when every difference between its two sides is a known edit
    (an operator regrouping, a gradient cut added or removed, a numerical guard, a lost return, a truth test
    swapped for a presence test of a parameter in `scalars`, a parameter read for the attribute `derived` stores
    adjusted), else None."""
    if len(base) != len(cand):
        return None
    found: list[str] = []
    names = Names(scalars or set(), derived or {})
    if not all(_same(a, b, found, names) for a, b in zip(base, cand, strict=True)) or not found:
        return None
    return "; ".join(dict.fromkeys(found))
