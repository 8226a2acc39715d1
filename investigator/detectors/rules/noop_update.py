"""Parameter updates that update nothing: the new value assigned to the loop variable.

`for p_avg, p in zip(avg.parameters(), model.parameters()): p_avg = decay * p_avg + (1 - decay) * p`
rebinds the name `p_avg` and drops the value at the next iteration: the averaged (or target) network is never
changed. The working forms write into the tensor (`p_avg.data.copy_(...)`, `p_avg.mul_(decay).add_(...)`,
`p_avg.data = ...`). Real shape: pytorch-rl b9b87d89..8f953c0a (jingweiz/pytorch-rl, 8f953c0a
`core/agents/acer_single_process.py:203` `_update_global_avg_model`, called after every `optimizer.step()` of
ACER): the average policy network that ACER's trust region is measured against stays at its initial weights.

Only a loop over parameters (`parameters()`, `named_parameters()`, `state_dict()`, names spelled `params` /
`weights`) counts, only an assignment whose value reads a loop variable (the update), and only when nothing
reads the rebound name afterwards (in the loop after the assignment, or after the loop in the function): a
loop that computes into the name and then uses it (`p = p.detach(); total += p.norm()`) updates nothing by
design and is not this shape.
"""

from __future__ import annotations

import ast
import re

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
from investigator.detectors.patterns import assigns
from investigator.models import Severity
from investigator.pyast import unparse

PARAMETERS = re.compile(r"\b(named_)?parameters\(|state_dict\(|(^|[._\[(, ])(params|parameters|weights)\b", re.I)


def _loop_names(loop: ast.For | ast.AsyncFor) -> set[str]:
    return {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}


def _reads_after(scope: ast.AST, name: str, line: int) -> bool:
    """True when `scope` loads `name` on a line after `line`."""
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)
               and getattr(n, "lineno", 0) > line for n in ast.walk(scope))


def _dropped_update(site: Site, node: ast.stmt, value: ast.expr) -> bool:
    if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        return False
    loops = [loop for loop in site.loops if isinstance(loop, ast.For | ast.AsyncFor)]
    if not loops:
        return False
    loop = loops[-1]
    name = node.targets[0].id
    names = _loop_names(loop)
    if name not in names or not PARAMETERS.search(unparse(loop.iter, 300)):
        return False
    if not any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(value)):
        return False
    end = getattr(node, "end_lineno", None) or node.lineno
    if _reads_after(loop, name, end):
        return False
    loop_end = getattr(loop, "end_lineno", None) or loop.lineno
    return not _reads_after(site.fn.node, name, loop_end)


class NoopUpdateDetector(FeatureDetector):
    meta = DetectorMeta(
        id="noop_update",
        title="Parameter update assigns the loop variable",
        subsystem="trainer",
        severity=Severity.significant,
        rationale=(
            "Assigning the new value to the loop variable of a loop over parameters rebinds a name and "
            "changes no tensor: the network it should update (an average, a target, a copy) keeps its "
            "weights."
        ),
        fix="Write into the tensor: `p_avg.data.copy_(decay * p_avg.data + (1 - decay) * p.data)` "
            "(or `p_avg.mul_(decay).add_(p, alpha=1 - decay)` under `torch.no_grad()`).",
        hypotheses=["ppo.target_network_changed"],
        confidence=0.75,
        restore_patch=False,
    )
    set_semantics = True

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        return [Feature(("noop_update", node.targets[0].id), site, unparse(node, 120))  # type: ignore[attr-defined]
                for site, node, value in assigns(sites) if _dropped_update(site, node, value)]

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        if only_cand:
            return [feature_hit("Parameter update assigns the loop variable: the network is never updated", pair,
                                [], only_cand)]
        if only_base:
            return [feature_hit("Parameter update no longer assigns the loop variable (a no-op update fixed)", pair,
                                only_base, [], severity=Severity.low, confidence=0.5)]
        return []
