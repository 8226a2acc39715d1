"""A new alternative of an asserted selector: arms only the new value takes are off for every baseline run.

Real shape (pomdp-baselines 8d188955..c16ac3db, `policies/models/policy_rnn.py`, `policies/models/policy_mlp.py`,
noise class N2): the baseline's `ModelFreeOffPolicy_MLP.__init__` asserted `algo in [self.TD3_name, self.SAC_name]`
and stored `self.algo = algo`; the candidate adds `SACD_name = "sacd"` (a discrete SAC), asserts `algo in
[self.TD3_name, self.SAC_name, self.SACD_name]`, turns the baseline's `else:` (SAC) into `elif self.algo ==
self.SAC_name:` plus a new `else:` (SACD), adds `if self.algo == self.SACD_name:` blocks, and moves the SAC arm's
entropy setup under `if self.algo in [self.SAC_name, self.SACD_name]:`. Every run the baseline could make selected
TD3 or SAC (any other value failed its assertion), and for those the candidate computes what the baseline computed,
yet `ModelFreeOffPolicy_Separate_RNN.forward` (19 statements), `ModelFreeOffPolicy_MLP.__init__` and `.update` were
"Behavioural change in the loss path", significant.

A *selector* of a class is `self.S`, stored once in the class, at the top level of `__init__`, from a parameter `P`
that `__init__` asserts first at its top level: `assert P in [v1, v2, ...]` (or `assert self.S in [...]` after the
store), every `vi` a literal or a class constant (`self.N`, `<Class>.N`). The *baseline domain* is the baseline
class's asserted list, when the candidate class asserts a strict superset of it (the new alternatives) and every
class constant of the baseline list is written alike in both class bodies. Every run the baseline accepted has
`self.S` in that domain, so a branch test on the selector alone is decided over it, path by path: `if S == A: ...
elif S == B: ... else: ...` narrows the values each arm sees, an arm no baseline value reaches is not taken, an
arm every value reaches is taken, and a test true for only some values is read as the set of values it keeps (`S
in {B}`), at both commits alike, so `else:` after `S == A` and a later `if S in [B, NEW]:` are the same arm. An
`assert` on the selector that every baseline value passes checks nothing for those runs.

What keeps a change: a selector with no assertion at the baseline (its `else:` took any value, and a configuration
could select the new one there), a test on the selector mixed with anything else that the values do not decide, a
list element that is no literal or class constant, and every statement of an arm the baseline values take.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from investigator.detectors.functions import FunctionInfo

Token = tuple[str, object]  # ("attr", "SAC_name") | ("lit", "sac")


class _Unknown(Exception):
    pass


def _class_body_names(cls: ast.ClassDef) -> dict[str, str]:
    """Class-level `N = <expr>`: N -> the expression's text."""
    out: dict[str, str] = {}
    for stmt in cls.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            out[stmt.targets[0].id] = ast.unparse(stmt.value)
    return out


def _token(node: ast.expr, cls: ast.ClassDef) -> Token | None:
    """A literal, or a class constant of `cls` read as `self.N` or `<cls>.N`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | int) and not isinstance(node.value, bool):
        return ("lit", node.value)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
            and node.value.id in ("self", cls.name) and node.attr in _class_body_names(cls):
        return ("attr", node.attr)
    return None


def _show(token: Token) -> str:
    return f"self.{token[1]}" if token[0] == "attr" else repr(token[1])


@dataclass
class Selector:
    """One class's selector: its subject spellings, the values every baseline run has, the new ones."""

    cls: ast.ClassDef
    attr: str  # S of `self.S`
    param: str  # P of `__init__`
    domain: list[Token]  # the baseline's asserted values, in its order
    new: list[Token]  # values only the candidate accepts
    asserts: set[int] = field(default_factory=set)  # id of the domain-defining `assert` of this side
    plans: dict[int, dict[int, tuple[list[Token], list[Token]]]] = field(default_factory=dict)

    def _subject(self, node: ast.expr, in_init: bool) -> bool:
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            return node.attr == self.attr
        return in_init and isinstance(node, ast.Name) and node.id == self.param

    def _eval(self, test: ast.expr, value: Token, in_init: bool) -> bool:
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return not self._eval(test.operand, value, in_init)
        if isinstance(test, ast.BoolOp):
            stop = isinstance(test.op, ast.Or)
            unknown = False
            for v in test.values:
                try:
                    if self._eval(v, value, in_init) is stop:
                        return stop
                except _Unknown:
                    unknown = True
            if unknown:
                raise _Unknown
            return not stop
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left, op, right = test.left, test.ops[0], test.comparators[0]
            if isinstance(op, ast.Eq | ast.NotEq) and self._subject(right, in_init):
                left, right = right, left
            if not self._subject(left, in_init):
                raise _Unknown
            if isinstance(op, ast.Eq | ast.NotEq):
                tok = _token(right, self.cls)
                if tok is None or tok not in (*self.domain, *self.new):
                    raise _Unknown
                return (tok == value) == isinstance(op, ast.Eq)
            if isinstance(op, ast.In | ast.NotIn) and isinstance(right, ast.List | ast.Tuple | ast.Set):
                toks = [_token(e, self.cls) for e in right.elts]
                if any(t is None or t not in (*self.domain, *self.new) for t in toks):
                    raise _Unknown
                return (value in toks) == isinstance(op, ast.In)
        raise _Unknown

    def split(self, test: ast.expr, values: list[Token], in_init: bool) -> tuple[list[Token], list[Token]] | None:
        """(values taking the test's `if` arm, those taking its `else`), or None when the values do not decide it."""
        try:
            truths = [self._eval(test, v, in_init) for v in values]
        except _Unknown:
            return None
        return [v for v, t in zip(values, truths, strict=True) if t], [v for v, t in zip(values, truths, strict=True) if not t]

    def plan(self, fn: ast.AST) -> dict[int, tuple[list[Token], list[Token]]]:
        """id(test) -> (values taking its `if` arm, values taking its `else`) for every `if`, `elif`, conditional
        expression and `assert` on the selector in `fn`, the values narrowed by the arms around it."""
        key = id(fn)
        if key not in self.plans:
            in_init = getattr(fn, "name", "") == "__init__"
            walk = _Walk(self, in_init)
            stmts = list(getattr(fn, "body", []))
            # in `__init__` the values hold from the assertion on (before it the parameter may be anything)
            start = next((k + 1 for k, s in enumerate(stmts) if id(s) in self.asserts), len(stmts)) if in_init else 0
            walk.body(stmts[start:], list(self.domain))
            self.plans[key] = walk.out
        return self.plans[key]


class _Walk:
    """`Selector.plan`'s walk: each statement with the selector values that reach it."""

    def __init__(self, selector: Selector, in_init: bool) -> None:
        self.selector, self.in_init = selector, in_init
        self.out: dict[int, tuple[list[Token], list[Token]]] = {}

    def _split(self, test: ast.expr, values: list[Token]) -> tuple[list[Token], list[Token]] | None:
        found = self.selector.split(test, values, self.in_init)
        if found is not None:
            self.out[id(test)] = found
        return found

    def expr(self, node: ast.AST, values: list[Token]) -> None:
        for n in ast.walk(node):
            if isinstance(n, ast.IfExp):
                self._split(n.test, values)

    def body(self, stmts: list[ast.stmt], values: list[Token]) -> None:
        for stmt in stmts:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if isinstance(stmt, ast.If):
                found = self._split(stmt.test, values)
                if found is None:
                    self.expr(stmt.test, values)
                self.body(stmt.body, found[0] if found else values)
                self.body(stmt.orelse, found[1] if found else values)
                continue
            if isinstance(stmt, ast.Assert):
                self._split(stmt.test, values)
                continue
            blocks = [getattr(stmt, name, None) for name in ("body", "orelse", "finalbody")]
            blocks += [h.body for h in getattr(stmt, "handlers", None) or []]
            blocks += [c.body for c in getattr(stmt, "cases", None) or []]
            for block in blocks:
                if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                    self.body(block, values)
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.expr):
                    self.expr(child, values)


def _asserted(cls: ast.ClassDef) -> tuple[str, str, list[Token], int] | None:
    """(S, P, asserted values, id of the assert) of the class's selector (module doc), or None."""
    init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if init is None:
        return None
    params = {a.arg for a in (*init.args.posonlyargs, *init.args.args, *init.args.kwonlyargs)}
    stores: dict[str, int] = {}
    for n in ast.walk(cls):
        targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AnnAssign | ast.AugAssign) \
            else []
        for t in targets:
            for sub in ast.walk(t):
                if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
                    stores[sub.attr] = stores.get(sub.attr, 0) + 1
    rebound = {n.id for n in ast.walk(init) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store | ast.Del)}
    asserted: dict[str, tuple[list[Token], int]] = {}
    for stmt in init.body:
        if isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Compare) and len(stmt.test.ops) == 1 \
                and isinstance(stmt.test.ops[0], ast.In) and isinstance(stmt.test.comparators[0], ast.List | ast.Tuple
                                                                       | ast.Set):
            toks = [_token(e, cls) for e in stmt.test.comparators[0].elts]
            if toks and all(t is not None for t in toks) and len(set(toks)) == len(toks):
                asserted[ast.unparse(stmt.test.left)] = ([t for t in toks if t is not None], id(stmt))
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Attribute) \
                and isinstance(stmt.targets[0].value, ast.Name) and stmt.targets[0].value.id == "self" \
                and isinstance(stmt.value, ast.Name) and stmt.value.id in params and stmt.value.id not in rebound \
                and stores.get(stmt.targets[0].attr) == 1:
            attr, param = stmt.targets[0].attr, stmt.value.id
            found = asserted.get(param)
            if found is None:
                continue
            return attr, param, found[0], found[1]
    return None


def _literal_values(cls: ast.ClassDef, tokens: list[Token]) -> list[object] | None:
    """The tokens' values where each class constant is a literal; None when two may be equal."""
    names = _class_body_names(cls)
    out: list[object] = []
    for kind, value in tokens:
        if kind == "attr":
            try:
                out.append(ast.literal_eval(names[str(value)]))
            except (ValueError, SyntaxError, KeyError):
                out.append(("name", value))  # another class's constant: a distinct alternative by its name
        else:
            out.append(value)
    return out if len({repr(v) for v in out}) == len(out) else None


def selectors(base_cls: ast.ClassDef | None, cand_cls: ast.ClassDef | None) -> tuple[Selector, Selector] | None:
    """(the baseline's, the candidate's) selector of a class whose candidate accepts new alternatives, each deciding
    tests over the baseline's values (module doc), or None."""
    if base_cls is None or cand_cls is None:
        return None
    base, cand = _asserted(base_cls), _asserted(cand_cls)
    if base is None or cand is None or base[:2] != cand[:2]:
        return None
    domain, accepted = base[2], cand[2]
    new = [t for t in accepted if t not in domain]
    if not new or any(t not in accepted for t in domain):
        return None
    base_names, cand_names = _class_body_names(base_cls), _class_body_names(cand_cls)
    if any(kind == "attr" and base_names.get(str(v)) != cand_names.get(str(v)) for kind, v in domain):
        return None  # a baseline constant written otherwise: another value under the same name
    if any(kind == "attr" and str(v) in base_names for kind, v in new):
        return None  # the baseline defined the new constant: it knew the value
    if _literal_values(cand_cls, accepted) is None or _literal_values(base_cls, domain) is None:
        return None
    return (Selector(base_cls, base[0], base[1], domain, [], {base[3]}),
            Selector(cand_cls, cand[0], cand[1], domain, new, {cand[3]}))


class Decider:
    """The expander's hook (flow/symbolic.py `Expander.selector`): decides and splits tests on one side's selector in
    the functions of its class."""

    def __init__(self, selector: Selector, path: str) -> None:
        self.selector, self.path = selector, path

    def _plan(self, fn: FunctionInfo) -> dict[int, tuple[list[Token], list[Token]]] | None:
        if fn.path != self.path or fn.class_name != self.selector.cls.name:
            return None
        return self.selector.plan(fn.node)

    def truth(self, test: ast.expr, fn: FunctionInfo) -> bool | None:
        plan = self._plan(fn)
        found = plan.get(id(test)) if plan is not None else None
        if found is None:
            return None
        taken, other = found
        return True if not other else False if not taken else None

    def assertion_holds(self, stmt: ast.Assert, fn: FunctionInfo) -> bool:
        """The domain-defining assertion, or one every baseline value passes: it checks nothing for those runs."""
        if id(stmt) in self.selector.asserts and fn.name == "__init__":
            return True
        return self.truth(stmt.test, fn) is True

    def labels(self, test: ast.expr, fn: FunctionInfo) -> tuple[ast.expr, str, str, bool] | None:
        """For a test the values split: (a canonical test, the `if` arm's guard, the `else` arm's guard, whether the
        canonical test holds in the `else` arm); None otherwise. The guards name the values each arm keeps, so the
        same split written `else:` after `S == A` or `if S in [B, NEW]:` reads alike at both commits."""
        plan = self._plan(fn)
        found = plan.get(id(test)) if plan is not None else None
        if found is None or not found[0] or not found[1]:
            return None
        taken, other = found
        flipped = self.selector.domain[0] not in taken
        kept = other if flipped else taken
        canonical = ast.parse(f"self.{self.selector.attr} in ({', '.join(_show(t) for t in kept)},)",
                              mode="eval").body
        return (canonical, f"if self.{self.selector.attr} in {{{', '.join(_show(t) for t in taken)}}}",
                f"if self.{self.selector.attr} in {{{', '.join(_show(t) for t in other)}}}", flipped)

    def describe(self) -> str:
        s = self.selector
        return (f"`self.{s.attr}` gained the alternative(s) {', '.join(f'`{_show(t)}`' for t in s.new)}: the baseline "
                f"asserted `{s.param} in [{', '.join(_show(t) for t in s.domain)}]`, so every run it could make "
                f"selects one of those, and the arms only the new alternative(s) take run for none of them")
