"""Observation statistics: the project's environment reset and stepped with seeded random actions
at each commit; the shape, dtype and per-feature statistics of what it returns compared.

A changed observation space shows as a changed shape or dtype; normalisation added or removed
shows as statistics that moved with the same seeds and actions (standardised features have mean
~0 and std ~1, raw ones do not). Identical statistics refute both, whatever the diff of the
wrappers looks like.
"""

from __future__ import annotations

import math
from typing import Any

from investigator.models import HypothesisStatus, Severity, Side
from investigator.probes.base import Probe, ProbeMeta, ProbeSetup
from investigator.probes.model import ProbeDecision, ProbeJob, ProbeRun
from investigator.probes.verdicts import paired, update

SPACES, NORM = "env.spaces_changed", "normalization.obs_normalisation_changed"
SAME_TOL = 1e-5  # statistics closer than this fraction of the feature's spread (or value) are identical
SHIFT_SE = 3.0  # a mean shift beyond this many standard errors (and 5% of the spread) is clear
STD_RATIO = 1.5  # a spread that grew or shrank by this factor is clear


class ObsStatsProbe(Probe):
    meta = ProbeMeta(
        id="obs_stats",
        title="Observation shape, dtype and statistics from the environment with seeded random actions",
        subsystem="env",
        severity=Severity.significant,
        rationale="A wrapper removed from the env factory changes what the network sees (raw pixels instead of "
        "standardised features) without touching the training code.",
        fix="Restore the baseline observation space and its normalisation wrappers (and their loaded statistics).",
        hypotheses=[SPACES, NORM],
        finding_sources=["norm_wrappers"],
        needs=["make_env"],
        note="make_env(seed) must return the environment as the agent sees it (wrappers included) with an "
        "action_space to sample from; normalisation done inside the agent is not seen.",
        timeout_s=60.0,
    )

    def jobs(self, setup: ProbeSetup, side: Side) -> list[ProbeJob]:
        return [self.harness_job(side, {"seed": 0, "steps": 256, "max_features": 64})]

    def decide(self, baseline: list[ProbeRun], candidate: list[ProbeRun], setup: ProbeSetup) -> ProbeDecision:
        pair = paired(self.meta.id, baseline, candidate, "observation")
        if isinstance(pair, ProbeDecision):
            return pair
        return decide_results(pair[0].result, pair[1].result)


def _looks_standardised(stats: dict[str, Any]) -> bool:
    """Most measured features have |mean| < 0.5 and 0.5 < std < 2 (constant features aside)."""
    pairs = [(m, s) for m, s in zip(stats["mean"], stats["std"], strict=True) if s > 1e-8]
    return bool(pairs) and sum(abs(m) < 0.5 and 0.5 < s < 2.0 for m, s in pairs) >= 0.8 * len(pairs)


def _same(b: dict[str, Any], c: dict[str, Any]) -> bool:
    """Every statistic equal up to float noise (a refactor that reorders the arithmetic)."""
    scale = [max(x, y, 1e-12) for x, y in zip(b["std"], c["std"], strict=True)]
    return all(len(b[s]) == len(c[s]) and all(math.isclose(x, y, rel_tol=SAME_TOL, abs_tol=SAME_TOL * w)
                                             for x, y, w in zip(b[s], c[s], scale, strict=True))
               for s in ("mean", "std", "min", "max"))


def _clear_shifts(b: dict[str, Any], c: dict[str, Any]) -> tuple[int, float]:
    """How many features moved clearly, and the largest mean shift in standard errors."""
    clear, worst = 0, 0.0
    for mb, sb, mc, sc in zip(b["mean"], b["std"], c["mean"], c["std"], strict=True):
        se = math.sqrt(sb * sb / b["n"] + sc * sc / c["n"])
        shift = abs(mb - mc)
        z = shift / se if se > 0 else (math.inf if shift > 1e-9 else 0.0)
        worst = max(worst, z)
        spread = max(sb, sc) > 1e-8 and min(sb, sc) > 1e-8 and max(sb, sc) / min(sb, sc) > STD_RATIO
        if (z > SHIFT_SE and shift > 0.05 * max(sb, sc, 1e-8)) or spread or (min(sb, sc) <= 1e-8 < max(sb, sc)):
            clear += 1
    return clear, worst


def _layout(result: dict[str, Any]) -> dict[str, tuple[list[int], str, int]]:
    return {k: (v["shape"], v["dtype"], v["features"]) for k, v in result.get("keys", {}).items()}


def decide_results(b: dict[str, Any], c: dict[str, Any]) -> ProbeDecision:
    probe = "obs_stats"
    lb, lc = _layout(b), _layout(c)
    details: dict[str, Any] = {"baseline": b, "candidate": c}
    ab, ac = b.get("action_space"), c.get("action_space")
    if lb != lc or ab != ac:
        diffs = [f"action space: {ab} -> {ac}"] if ab != ac else []
        diffs += [f"{k}: {lb.get(k, ('absent',))[:2]} -> {lc.get(k, ('absent',))[:2]}" for k in sorted({*lb, *lc}) if lb.get(k) != lc.get(k)]
        text = "probe: the observation or action space changed (" + "; ".join(diffs)[:300] + ")"
        return ProbeDecision(probe=probe, verdict="confirmed", summary=text, details=details,
                             hypothesis_updates=[update(probe, SPACES, HypothesisStatus.supported, text)])
    keys = sorted(lb)
    sb, sc = b["keys"], c["keys"]
    if all(_same(sb[k], sc[k]) for k in keys):
        text = (f"probe: identical observations at both commits ({', '.join(f'{k} {lb[k][0]} {lb[k][1]}' for k in keys)}, "
                f"{b.get('steps')} seeded random steps)")
        return ProbeDecision(probe=probe, verdict="refuted", summary=text, details=details,
                             hypothesis_updates=[update(probe, h, HypothesisStatus.refuted, text) for h in (SPACES, NORM)])
    moved = {k: _clear_shifts(sb[k], sc[k]) for k in keys}
    standard = {k: (_looks_standardised(sb[k]), _looks_standardised(sc[k])) for k in keys}
    flipped = [k for k in keys if standard[k][0] != standard[k][1]]
    clear = sum(n for n, _ in moved.values())
    worst = max((z for _, z in moved.values()), default=0.0)
    measured = sum(sb[k]["measured"] for k in keys)
    if not flipped and not clear:
        text = (f"probe: same observation layout; statistics differ only slightly (largest mean shift {worst:.2g} "
                f"standard errors): not attributable to normalisation")
        return ProbeDecision(probe=probe, verdict="inconclusive", summary=text, details=details)
    how = "; ".join(f"{k}: {'standardised' if standard[k][0] else 'raw'} at the baseline, "
                    f"{'standardised' if standard[k][1] else 'raw'} at the candidate" for k in flipped)
    text = (f"probe: same observation layout but {clear} of {measured} features moved clearly with the same seeds "
            f"(largest mean shift {min(worst, 1e9):.3g} standard errors)" + (f"; {how}" if how else ""))
    return ProbeDecision(probe=probe, verdict="confirmed", summary=text, details=details,
                         hypothesis_updates=[update(probe, NORM, HypothesisStatus.supported, text)])
