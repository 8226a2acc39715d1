"""Every other metric both sides log, compared with the primary metric's statistics.

Why: when the return regressed, *how* the learning signal changed points at the cause: an entropy
that no longer falls (entropy coefficient, distribution), a value loss an order of magnitude higher
(value or reward normalisation), a KL or clip fraction that doubled (clip range, learning rate,
minibatch arithmetic), a different gradient norm (clipping) or learning-rate curve (schedule). Each
metric gets the same per-seed comparison as the primary one (IQM, stratified bootstrap interval of
the difference, min seeds, threshold) on two quantities: its final value and its mean over the step
range every run shares.

Multiple comparisons: with a dozen metrics × two quantities, one of them would cross a 95% interval
by chance in most investigations. The intervals are therefore Bonferroni-corrected per family:
the canonical metrics (which can support hypotheses and become findings) form one family, the
other shared tags (table rows only) another; with m comparisons in a family each interval is at
confidence 1 - (1 - confidence) / m, with enough bootstrap resamples for that tail. On top of that,
a secondary metric is a symptom, never the regression itself: its finding is at most *significant*,
and *low* when the primary metric shows no meaningful change or an improvement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from investigator.metrics.aliases import CATALOG, MetricCatalog
from investigator.metrics.curves import area_under_curve, final_value
from investigator.metrics.formatting import describe, pct, pct_interval
from investigator.metrics.loading import Series
from investigator.metrics.rules.base import RuleOptions, RunView
from investigator.metrics.stats import Comparison, StatOptions, Verdict, compare
from investigator.models import Severity

# canonical metric -> playbook hypotheses its divergence between the commits supports
HYPOTHESES: dict[str, list[str]] = {
    "entropy": ["ppo.entropy_changed"],
    "value_loss": [
        "ppo.value_loss_changed",
        "normalization.value_normalisation_changed",
        "normalization.reward_normalisation_changed",
    ],
    "policy_loss": ["ppo.advantage_normalisation_changed", "ppo.loss_gradient_blocked"],
    "approx_kl": ["ppo.clip_changed", "ppo.kl_early_stop_changed", "trainer.learning_rate_changed"],
    "kl_loss": [],
    "clip_fraction": ["ppo.clip_changed", "trainer.learning_rate_changed", "trainer.batch_arithmetic_changed"],
    "explained_variance": ["ppo.returns_target_changed", "ppo.gae_changed", "buffers.bootstrap_off_by_one"],
    "grad_norm": ["trainer.grad_clip_changed"],
    "learning_rate": ["trainer.learning_rate_changed", "trainer.lr_schedule_changed"],
    "episode_length": ["env.episode_length_changed"],
    "success_rate": [],
    "return": [],
}
# compared by their own rules (throughput_drop), or the primary metric's rules
EXCLUDED = frozenset({"sps"})
MAX_BOOT = 100_000
FLAGGED = (Verdict.regression, Verdict.changed)


@dataclass
class SecondaryResult:
    metric: str  # canonical name, or a raw tag
    canonical: bool
    quantity: str
    comparison: Comparison
    summary: str
    values: dict[str, list[float]] = field(default_factory=dict)


def corrected(stats: StatOptions, m: int) -> StatOptions:
    """Bonferroni over m comparisons: a narrower tail per interval, resamples enough to estimate it."""
    if m <= 1:
        return stats
    alpha = (1.0 - stats.confidence) / m
    n_boot = min(MAX_BOOT, max(stats.n_boot, math.ceil(20 / alpha)))
    return stats.model_copy(update={"confidence": 1.0 - alpha, "n_boot": n_boot})


def _series(views: list[RunView], metric: str, canonical: bool) -> list[Series]:
    out = []
    for v in views:
        s = v.metric(metric) if canonical else v.run.series(metric)
        if s is not None and len(s) >= 2:
            out.append(s)
    return out


def _quantities(b: list[Series], c: list[Series]) -> list[tuple[str, list[float], list[float]]]:
    out = [("final value", [final_value(s) for s in b], [final_value(s) for s in c])]
    until = min(float(s.steps[-1]) for s in b + c)
    start = max(float(s.steps[0]) for s in b + c)
    if until > start:
        out.append(
            (
                f"mean over steps ≤ {int(until):,}",
                [area_under_curve(s, until) for s in b],
                [area_under_curve(s, until) for s in c],
            )
        )
    return out


def shared_metrics(
    base: list[RunView], cand: list[RunView], catalog: MetricCatalog, covered: set[str]
) -> tuple[list[str], list[str]]:
    """Canonical metrics and other tags logged by every run of both sides (minus `covered`)."""
    views = base + cand
    canonical = set.intersection(*(set(v.resolved) for v in views))
    canonical -= covered | EXCLUDED | {catalog.primary_name}
    claimed = {r.tag for v in views for r in v.resolved.values()}
    tags = set.intersection(*(set(v.run.tags) for v in views)) - claimed
    return sorted(canonical), sorted(tags)


def compare_family(
    base: list[RunView], cand: list[RunView], metrics: list[str], canonical: bool, catalog: MetricCatalog, opts: RuleOptions
) -> list[SecondaryResult]:
    """All quantities of all metrics of one family, at the family's corrected confidence."""
    planned: list[tuple[str, str, list[float], list[float]]] = []
    for metric in metrics:
        b, c = _series(base, metric, canonical), _series(cand, metric, canonical)
        if b and c:
            planned.extend((metric, q, bv, cv) for q, bv, cv in _quantities(b, c))
    stats = corrected(opts.stats, len(planned))
    out = []
    for metric, quantity, bv, cv in planned:
        higher = catalog.spec(metric).higher_is_better if canonical else None
        cmp = compare(np.array(bv), np.array(cv), higher, stats)
        label = f"{quantity} of `{_tag(cand, metric, canonical)}`"
        out.append(
            SecondaryResult(
                metric=metric,
                canonical=canonical,
                quantity=quantity,
                comparison=cmp,
                summary=describe(cmp, label) + f" [{cmp_confidence(stats)} interval, Bonferroni over {len(planned)}]",
                values={"baseline": bv, "candidate": cv},
            )
        )
    return out


def cmp_confidence(stats: StatOptions) -> str:
    return f"{stats.confidence:.2%}".rstrip("0").rstrip(".")


def _tag(views: list[RunView], metric: str, canonical: bool) -> str:
    if not canonical:
        return metric
    return next((t for v in views if (t := v.tag_of(metric))), metric)


def severity_for(primary_verdict: Verdict | None) -> Severity:
    """A symptom is significant at most; low when the outcome itself did not get worse."""
    if primary_verdict in (Verdict.equivalent, Verdict.improvement):
        return Severity.low
    return Severity.significant


def headline(results: list[SecondaryResult]) -> str:
    lead = results[0].comparison
    return f"{pct(lead.relative_change)} {pct_interval(lead)}".strip()


def title_of(metric: str) -> str:
    spec = CATALOG.get(metric)
    return spec.title if spec else metric
