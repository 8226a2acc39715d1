"""An input now read out of groups of a container parameter, through a module that is the identity at
the defaults of new options.

Real shape (rsl_rl d38a378b..c49573e4, "TensorDict observations"): `ActorCritic.act_inference(self,
observations)` returned `self.actor(observations)`; it now takes `obs: TensorDict` and returns
`self.actor(self.actor_obs_normalizer(self.get_actor_obs(obs)))`, where `get_actor_obs` concatenates
`obs[g] for g in self.obs_groups["policy"]` and `__init__` sets `self.actor_obs_normalizer =
torch.nn.Identity()` unless the new option `actor_obs_normalization` (default False) is set. Four
`act_inference` methods were "Behavioural change in the loss path" (significant). What the network
receives is the caller's observation, now picked out of a container by configured group names, with
no normalisation at the defaults (the runner normalised before).

The rule, on the function pair's differing effects (one baseline, one candidate each):
* `self.m(x)` is `x` where the class's `__init__` sets `self.m` to `Identity()` on the branch the new
  option takes at its default (a parameter the baseline's `__init__` did not have, with a falsy literal
  default, tested alone or negated);
* `torch.cat([p[g] for g in G], ...)` (or one `p[k]`) of a candidate parameter `p` stands where the
  baseline reads its parameter at the same position: the input read out of groups.
* at the baseline, `super().m(args)` is the base class's `m` with its parameters bound, when that method
  is local assignments and one `return` (`ActorCriticRecurrent.act_inference` returned
  `super().act_inference(out)`, the candidate applies `self.actor` itself).
After these, the effects must be the same text. The finding is low and says so; the callers' pairs
compare what they pass.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from investigator.detectors.functions import FunctionInfo
from investigator.flow.symbolic import Effect
from investigator.pyast import dotted, last_name, parameter_defaults


def _params(fn: ast.AST) -> list[str]:
    if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
        return []
    return [p.arg for p, _ in parameter_defaults(fn) if p.arg not in ("self", "cls")]


def _falsy_new(test: ast.expr, init: ast.FunctionDef, old: set[str]) -> bool | None:
    """The truth of `test` at the defaults when it reads one new parameter (or `self.<it>`), else None."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    node = test.operand if isinstance(test, ast.UnaryOp) and negated else test
    name = node.id if isinstance(node, ast.Name) else node.attr if (
        isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self") else None
    if name is None or name in old:
        return None
    for param, default in parameter_defaults(init):
        if param.arg == name and isinstance(default, ast.Constant) and not default.value:
            return negated
    return None


def identity_modules(init: ast.FunctionDef, old_params: set[str]) -> set[str]:
    """Attributes `__init__` sets to `Identity()` on the path the new options take at their defaults."""
    out: set[str] = set()

    def walk(body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.If):
                truth = _falsy_new(stmt.test, init, old_params)
                if truth is not None:
                    walk(stmt.body if truth else stmt.orelse)
                continue
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Call) \
                    and last_name(dotted(stmt.value.func)) == "Identity" and not stmt.value.args:
                target = stmt.targets[0]
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                    out.add(target.attr)

    walk(init.body)
    return out


class _Rewrite(ast.NodeTransformer):
    def __init__(self, identities: set[str], param: str, replacement: str) -> None:
        self.identities, self.param, self.replacement = identities, param, replacement
        self.used: set[str] = set()

    def visit_Call(self, node: ast.Call) -> ast.AST:
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self" \
                and func.attr in self.identities and len(node.args) == 1 and not node.keywords:
            self.used.add("identity")
            return self.visit(node.args[0])
        if _grouped(node, self.param):
            self.used.add("groups")
            return ast.Name(self.replacement, ast.Load())
        return self.generic_visit(node)


def _grouped(node: ast.Call, param: str) -> bool:
    """`torch.cat([param[g] for g in G], dim=...)`: the parameter's groups concatenated."""
    if last_name(dotted(node.func)) not in ("cat", "concatenate") or len(node.args) != 1:
        return False
    comp = node.args[0]
    if not isinstance(comp, ast.ListComp) or len(comp.generators) != 1:
        return False
    elt, gen = comp.elt, comp.generators[0]
    return isinstance(elt, ast.Subscript) and isinstance(elt.value, ast.Name) and elt.value.id == param \
        and isinstance(gen.target, ast.Name) and ast.unparse(elt.slice) == gen.target.id


def _returned(fn: ast.AST) -> tuple[list[str], ast.expr] | None:
    """(parameters, returned value with its locals substituted) of a method that is local assignments
    and one final `return`, else None."""
    if not isinstance(fn, ast.FunctionDef):
        return None
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        return None
    env: dict[str, ast.expr] = {}
    for stmt in body[:-1]:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            return None
        env[stmt.targets[0].id] = _bound(stmt.value, env)
    return _params(fn), _bound(body[-1].value, env)


def _bound(expr: ast.expr, env: dict[str, ast.expr]) -> ast.expr:
    class Sub(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return env.get(node.id, node)

    return Sub().visit(ast.parse(ast.unparse(expr), mode="eval").body)


class _Super(ast.NodeTransformer):
    """`super().m(args)` -> the base method's returned value with its parameters bound."""

    def __init__(self, inherited: Callable[[str], FunctionInfo | None]) -> None:
        self.inherited = inherited

    def visit_Call(self, node: ast.Call) -> ast.AST:
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name) \
                and func.value.func.id == "super" and not func.value.args and not node.keywords:
            method = self.inherited(func.attr)
            found = _returned(method.node) if method is not None else None
            if found is not None and len(found[0]) == len(node.args):
                args = [self.visit(a) for a in node.args]
                return _bound(found[1], dict(zip(found[0], args, strict=True)))
        return self.generic_visit(node)


def _expr_of(effect: Effect) -> tuple[str, ast.expr] | None:
    guard, sep, rest = effect.text.rpartition(" :: ")
    kind, _, value = rest.partition(" ")
    try:
        parsed = ast.parse(value, mode="eval").body
    except SyntaxError:
        return None
    return f"{guard}{sep}{kind}", parsed


def grouped_input(base_fn: FunctionInfo, cand_fn: FunctionInfo, base_init: FunctionInfo | None,
                  cand_init: FunctionInfo | None, eb: list[Effect], ec: list[Effect],
                  inherited: Callable[[str], FunctionInfo | None] = lambda _m: None) -> str | None:
    """Why the differing effects are the same input read out of groups (see the module docstring)."""
    if not eb or len(eb) != len(ec) or cand_init is None or not isinstance(cand_init.node, ast.FunctionDef):
        return None
    pb, pc = _params(base_fn.node), _params(cand_fn.node)
    if not pb or len(pb) != len(pc):
        return None
    old = set(_params(base_init.node)) if base_init is not None else set()
    identities = identity_modules(cand_init.node, old)
    used: set[str] = set()
    for b, c in zip(eb, ec, strict=True):
        xb, xc = _expr_of(b), _expr_of(c)
        if xb is None or xc is None or xb[0] != xc[0]:
            return None
        rewrite = _Rewrite(identities, pc[0], pb[0])
        if ast.unparse(rewrite.visit(xc[1])) != ast.unparse(_Super(inherited).visit(xb[1])):
            return None
        used |= rewrite.used
    if "groups" not in used:
        return None
    shown = ", ".join(f"`self.{m}`" for m in sorted(identities)) if "identity" in used else ""
    return (f"the input `{pb[0]}` is now read out of groups of the container parameter `{pc[0]}` (concatenated "
            f"by configured group names)" + (f", through {shown}, the identity at the new options' defaults" if shown
                                             else "")
            + ": the same values where the caller passes the groups the baseline's input held; the callers' code "
            "is compared in their own pairs (flow/groups.py)")
