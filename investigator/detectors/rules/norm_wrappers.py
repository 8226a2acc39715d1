"""Observation / reward normalisation wrappers, and loading of normalisation statistics."""

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
from investigator.detectors.patterns import assigned_names, assigns, calls, canon
from investigator.models import Severity
from investigator.pyast import copy_tree, dotted, last_name, unparse

WRAPPER = re.compile(
    r"^(Normali[sz]e\w*|VecNormalize|RunningMeanStd|\w*ObsNorm\w*|\w*RewardNorm\w*|\w*RunningNorm\w*|"
    r"normali[sz]e_(obs|observations?|rewards?|returns?|inputs?)|TransformReward|TransformObservation|"
    r"ClipObservation|ClipReward|ScaleReward|clip_(obs|reward)s?|ClipAction|RescaleAction)$"
)
LOADERS = {"load", "loadtxt", "from_file", "load_stats", "read_stats", "load_normalizer"}
STATS = re.compile(r"rms|stats\b|_stats|statistic|norm|running_|mean_std|obs_mean", re.IGNORECASE)
STAT_ATTRS = re.compile(r"^(obs_rms|ret_rms|rms|running_mean|running_var|obs_mean|obs_std|mean|var|std|count)$")


def _learned(value: ast.expr) -> bool:
    """`self.std = nn.Parameter(...)`: a parameter the optimizer trains (the policy's action noise),
    not a statistic computed from data."""
    return isinstance(value, ast.Call) and last_name(dotted(value.func)) == "Parameter"


class _Uncast(ast.NodeTransformer):
    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "float" and len(node.args) == 1 and not node.keywords:
            return node.args[0]
        return node


def _uncast(option: ast.expr) -> ast.expr:
    """The option without `float(...)` conversions: `lambda r: float(np.clip(r, -1, 1))` clips as
    `lambda r: np.clip(r, -1, 1)` does, only the Python type of the scalar differs (d3rlpy 2.0's Atari
    wrapper, for gym's type checks). `int(...)` truncates and stays a difference."""
    if not any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "float"
               for n in ast.walk(option)):
        return option
    return _Uncast().visit(copy_tree(option))


class NormWrappersDetector(FeatureDetector):
    meta = DetectorMeta(
        id="norm_wrappers",
        title="Observation / reward normalisation",
        subsystem="normalization",
        severity=Severity.significant,
        note="`Normalize*`, `Transform*`, `Clip*`, `RescaleAction` and their options: clip range, `gamma`",
        rationale=(
            "Normalisation wrappers and their statistics define the input and reward scale the "
            "networks see. Dropping a wrapper, or no longer loading statistics computed in a "
            "pretraining stage, shifts the input distribution and the effective learning rate."
        ),
        fix="Restore the baseline normalisation wrapper / statistics loading in the environment pipeline.",
        hypotheses=["normalization.obs_normalisation_changed", "normalization.reward_normalisation_changed"],
        confidence=0.8,
        keywords=r"Normali[sz]e|RunningMeanStd|obs_rms|ret_rms",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, call, name in calls(sites):
            tail = last_name(name)
            if WRAPPER.match(tail):
                # options beyond the wrapped env: clip ranges, gamma, epsilon (`np.clip(obs, -10, 10)`)
                options = tuple(canon(_uncast(a), site) for a in call.args[1:]) + tuple(
                    sorted(f"{k.arg}={canon(_uncast(k.value), site)}" for k in call.keywords
                           if k.arg not in {"env", "venv"}))
                out.append(Feature(("wrapper", tail, options), site, unparse(call, 80)))
            elif tail in LOADERS and STATS.search(unparse(call, 200)):
                out.append(Feature(("stats_load", tail), site, unparse(call, 80)))
        for site, node, _value in assigns(sites):
            for name in assigned_names(node):
                if STAT_ATTRS.match(name) and isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Attribute) for t in node.targets
                ) and not _learned(node.value):
                    out.append(Feature(("stats_set", name), site, unparse(node, 80)))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        what = {"wrapper": "wrapper", "stats_load": "statistics loading", "stats_set": "statistics assignment"}
        only_base, only_cand = _still_assigned(base, cand, only_base, only_cand)
        if not only_base and not only_cand:
            return []
        changed = [(b, c) for b in only_base for c in only_cand if b.key[0] == c.key[0] == "wrapper" and b.key[1] == c.key[1]]
        if changed and len(only_base) == len(only_cand) == 1:
            b, c = changed[0]
            return [feature_hit(f"Normalisation wrapper options changed: `{b.key[1]}`", pair, [b], [c], confidence=0.7)]
        if only_base and not only_cand:
            f = only_base[0]
            return [feature_hit(f"Normalisation {what[f.key[0]]} removed: `{f.key[1]}`", pair, only_base, [])]
        if only_cand and not only_base:
            f = only_cand[0]
            return [feature_hit(f"Normalisation {what[f.key[0]]} added: `{f.key[1]}`", pair, [], only_cand, confidence=0.6)]
        return [feature_hit("Normalisation pipeline changed", pair, only_base, only_cand, confidence=0.65)]


def _still_assigned(base, cand, only_base: list[Feature], only_cand: list[Feature]) -> tuple[list[Feature], list[Feature]]:
    """Statistics assignments compared by which statistics are set, not by how many statements set
    them: one arm of a backend branch (`if self._jax: self.mean = jnp.array(m) else: self.mean =
    np.array(m)`) removed while the kept code still sets `mean` removes no statistic (skrl 2.0
    dropped its NumPy backend). A statistic no statement sets any more is still removed."""
    keys_b = {f.key for f in base if f.key[0] == "stats_set"}
    keys_c = {f.key for f in cand if f.key[0] == "stats_set"}
    return ([f for f in only_base if f.key[0] != "stats_set" or f.key not in keys_c],
            [f for f in only_cand if f.key[0] != "stats_set" or f.key not in keys_b])
