"""Returns / value targets built from different tensors (rollout values vs. re-evaluated values)."""

from __future__ import annotations

import ast

from investigator.detectors.base import (
    DetectorContext,
    DetectorMeta,
    Feature,
    FeatureDetector,
    Hit,
    feature_hit,
)
from investigator.detectors.flow import Site
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import (
    assigned_names,
    assigns,
    inlined_call_assigns,
    mentions_role,
    roles_in,
)
from investigator.detectors.roles import role
from investigator.detectors.rules.detach_grad import host_value
from investigator.detectors.rules.done_mask import TRUNCATION_FIX
from investigator.detectors.signs import same_through_negation
from investigator.models import Severity
from investigator.pyast import call_name, last_name, unparse

ADDED_BRANCH_FIX = (
    "The baseline's construction is kept; the new one applies where its condition holds. A fix when it "
    "follows the method's reference (e.g. the return-to-go of a failed sparse-reward episode as the infinite "
    "discounted sum of its constant reward); a regression when the condition also catches steps the old "
    "construction was right for. Check the condition and the configurations that enable it."
)
REEXPRESSED_FIX = (
    "The baseline's value is kept where the new name is bound to the negated tensor (`entropy = -log_prob`: "
    "`- alpha * log_prob` is `+ alpha * entropy`); check the other definitions of the name (a new branch).")
SQUARED_CALLS = {"mse_loss", "smooth_l1_loss", "huber_loss", "l1_loss"}


def _squared_differences(expr: ast.AST) -> list[ast.BinOp]:
    out = []
    for sub in ast.walk(expr):
        inner = None
        if isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Pow):
            inner = sub.left
        elif isinstance(sub, ast.Call) and last_name(call_name(sub)) in {"pow", "square", "abs"}:
            inner = sub.func.value if isinstance(sub.func, ast.Attribute) and last_name(call_name(sub)) == "pow" else (sub.args[0] if sub.args else None)
        if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Sub):
            out.append(inner)
        if isinstance(sub, ast.Call) and last_name(call_name(sub)) in SQUARED_CALLS and len(sub.args) >= 2:
            out.append(ast.BinOp(left=sub.args[0], op=ast.Sub(), right=sub.args[1]))
    return out


def tensor_roles(expr: ast.AST) -> set[str]:
    """Roles of the tensors an expression reads, not of the functions it calls:
    `self.value_mean_std(returns)` normalises the returns, it does not read values."""
    skip: set[int] = set()
    for sub in ast.walk(expr):
        if isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Attribute):
                skip.add(id(func))  # the method name; its receiver is still read
            elif isinstance(func, ast.Name):
                skip.add(id(func))
    out: set[str] = set()
    stack: list[ast.AST] = [expr]
    while stack:
        sub = stack.pop()
        if id(sub) in skip:
            if isinstance(sub, ast.Attribute):
                stack.append(sub.value)
            continue
        found = roles_in(sub) if isinstance(sub, ast.Name) else (
            roles_in(ast.Name(id=sub.attr)) if isinstance(sub, ast.Attribute) else set()
        )
        out |= found
        stack.extend(ast.iter_child_nodes(sub))
    return out


class ReturnsTargetDetector(FeatureDetector):
    meta = DetectorMeta(
        id="returns_target",
        title="Returns / value-target construction",
        subsystem="ppo",
        severity=Severity.critical,
        rationale=(
            "The critic regresses onto `advantages + values` computed with rollout-time values. "
            "Building the target from other tensors (re-evaluated values, raw rewards, values only) "
            "changes what the critic learns and, through it, every advantage."
        ),
        fix="Restore the baseline target (`returns = advantages + values` from the rollout, used in the value loss).",
        hypotheses=["ppo.returns_target_changed"],
        confidence=0.8,
        keywords=r"returns?\s*=|v_loss|value_loss",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        inlined = inlined_call_assigns(sites)
        for site, node, value in assigns(sites):
            if id(node) in inlined:
                continue
            names = assigned_names(node)
            if host_value(value):
                continue  # numbers for the logs (`{"value_loss": v.item()}`), no tensor a critic regresses onto
            if len(names) == 1 and role(names[0]) == "returns" and isinstance(node, ast.Assign):
                sources = tensor_roles(value) - {"returns"}
                if sources:
                    out.append(Feature(("returns_from", tuple(sorted(sources))), site, f"{names[0]} = {unparse(value, 80)}"))
            for diff in _squared_differences(value):
                for a, b in ((diff.left, diff.right), (diff.right, diff.left)):
                    if mentions_role(a, {"new_values"}) and not mentions_role(b, {"new_values"}):
                        out.append(Feature(("value_target", tuple(sorted(roles_in(b)))), site, unparse(diff, 80)))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        if pair.base is not None and pair.cand is not None:
            only_base = [f for f in only_base if not handed_out_selection(f, ctx.pairs.counterpart(f.site.fn))]
            only_cand = [f for f in only_cand if not handed_out_selection(f, ctx.pairs.counterpart(f.site.fn))]
            if not only_base and not only_cand:
                return []
        kinds_b = {f.key[0] for f in only_base}
        kinds_c = {f.key[0] for f in only_cand}
        if kinds_b & kinds_c:
            kind = sorted(kinds_b & kinds_c)[0]
            b = [f for f in only_base if f.key[0] == kind]
            c = [f for f in only_cand if f.key[0] == kind]
            what = "Returns" if kind == "returns_from" else "Value-loss target"
            if b[0].key in {f.key for f in cand}:
                # the baseline's construction is still there: a second one was added beside it (CORL
                # Cal-QL: a sparse-reward branch `[r / (1 - discount)] * ep_len` beside the kept
                # done-masked recursion), not the recursion replaced
                return [feature_hit(f"{what} gain a second construction beside the kept one: "
                                    f"{'+'.join(c[0].key[1])} (the {'+'.join(b[0].key[1])} one is kept)", pair, [], c,
                                    severity=Severity.significant, confidence=0.55, fix=ADDED_BRANCH_FIX)]
            same = _same_value(b[0], c[0])
            if same == "all":
                return []
            if same == "some":
                return [feature_hit(f"{what} re-expressed through a negated name: the same value where it is bound "
                                    f"to the negation ({'+'.join(b[0].key[1])} -> {'+'.join(c[0].key[1])})", pair, b,
                                    c, severity=Severity.significant, confidence=0.5, fix=REEXPRESSED_FIX)]
            if set(b[0].key[1]) - set(c[0].key[1]) == {"truncations"} and "dones" in c[0].key[1]:
                return [feature_hit(f"{what} no longer read truncations (terminations still mask)", pair, b, c,
                                    severity=Severity.significant, confidence=0.6, fix=TRUNCATION_FIX)]
            return [feature_hit(f"{what} built from different tensors: {'+'.join(b[0].key[1])} -> {'+'.join(c[0].key[1])}",
                                pair, b, c)]
        return [feature_hit("Returns/value target changed", pair, only_base, only_cand, severity=Severity.significant,
                            confidence=0.55)]


def _same_value(fb: Feature, fc: Feature) -> str:
    """Whether the two constructions are one value once a name bound to a negation is expanded
    (detectors/signs.py): "all", "some" (in one branch) or ""."""
    nb, nc = fb.site.node, fc.site.node
    if not (isinstance(nb, ast.Assign) and isinstance(nc, ast.Assign)):
        return ""
    return same_through_negation(nb.value, fb.site.fn.node, nc.value, fc.site.fn.node)


def _selection(value: ast.AST) -> bool:
    """`values[batch_idx]`, `self.values[:, start:stop]`: one tensor indexed, nothing computed."""
    if not isinstance(value, ast.Subscript) or not isinstance(value.value, ast.Name | ast.Attribute):
        return False
    return all(isinstance(n, ast.Name | ast.Attribute | ast.Slice | ast.Tuple | ast.Constant | ast.Load | ast.UnaryOp
                          | ast.USub) for n in ast.walk(value.slice))


def _handed_out(fn: ast.AST) -> list[ast.AST]:
    """The values the function yields or returns, with the elements of a tuple and the arguments of a
    call there (a result container built in place: `yield Batch(values=values[idx], ...)`)."""
    out: list[ast.AST] = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Yield | ast.Return) and node.value is not None:
            out.append(node.value)
            if isinstance(node.value, ast.Tuple):
                out.extend(node.value.elts)
            if isinstance(node.value, ast.Call):
                out.extend([*node.value.args, *(k.value for k in node.value.keywords)])
    return out


def handed_out_selection(feature: Feature, other_fn: FunctionInfo | None) -> bool:
    """A "returns" name that only selects one tensor (`target_values_batch = values[batch_idx]`) and is
    handed out as it is, while the other commit hands out the same selection without naming it (a
    keyword of the yielded container). Real shape (rsl_rl v4.0.1..v5.0.0): the minibatch generator's
    yielded tuple became `yield RolloutStorage.Batch(values=values[batch_idx], ...)`: "Returns/value
    target changed" for the same tensor; what the consumer regresses onto is its own pair's code. The
    feature's own function (an inlined generator too) is compared with its counterpart at the other
    commit."""
    stmt = feature.site.node
    if other_fn is None:
        return False
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and _selection(stmt.value)):
        return False
    name, text = stmt.targets[0].id, ast.unparse(stmt.value)
    return any(isinstance(v, ast.Name) and v.id == name for v in _handed_out(feature.site.fn.node)) \
        and any(ast.unparse(v) == text for v in _handed_out(other_fn.node))
