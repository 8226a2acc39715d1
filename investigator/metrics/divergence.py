"""NaN/inf in logged metrics: a diverged run is itself a finding, with the step where it starts.

Why: a candidate whose loss turned NaN at step 12,000 is the most direct evidence of a regression a
log can give, yet curves are drawn and compared on finite values only. Each run's non-finite values
are counted per tag (`RunData.nonfinite`); values before a tag's first finite value (a mean over no
finished episode yet) are leading, counted and reported, not a divergence. From the first non-finite
value after a finite one the tag *diverges*: persistently when nothing finite follows (the run is
broken: critical), intermittently when it recovers (mixed-precision overflow steps, a guarded
update: significant). As for every single-run signature, what the baseline runs show as well is not
a difference between the commits (low, supports nothing).
"""

from __future__ import annotations

import os

from investigator.metrics.loading import NonFinite
from investigator.metrics.rules.base import RunView
from investigator.models import (
    Evidence,
    EvidenceKind,
    Finding,
    HypothesisStatus,
    HypothesisUpdate,
    Location,
    Severity,
    Side,
)

SOURCE = "metric_forensics"
RULE_ID = "nonfinite_values"
# Textbook causes of a numerically diverging update (docs/domain.md, Metric signatures).
HYPOTHESES = [
    "trainer.learning_rate_changed",
    "trainer.grad_clip_changed",
    "device.precision_changed",
    "normalization.obs_normalisation_changed",
]
RATIONALE = (
    "A metric that turns NaN or infinite means the numbers of training left the floating-point range: "
    "a loss or gradient overflowed (too large a learning rate, clipping removed, half precision without "
    "loss scaling), a division by a zero variance (normalisation), or a log of zero. From that step on "
    "the parameters are usually NaN too and nothing later in the run is meaningful."
)
FIX = (
    "Find the first update where a loss or gradient norm becomes non-finite (torch.autograd.set_detect_anomaly, "
    "torch.isfinite checks on losses and gradients) and compare the learning rate, clipping, precision and "
    "normalisation at both commits."
)


def diverging(view: RunView) -> list[NonFinite]:
    return [n for n in view.run.nonfinite() if not n.leading_only]


def leading_notes(views: list[RunView], side: str) -> list[str]:
    """Report lines for values left out only because they precede the first finite value."""
    lines = []
    for v in views:
        for n in v.run.nonfinite():
            if n.leading_only:
                lines.append(
                    f"{side} `{v.run.name}`: {n.count} non-finite value(s) of `{n.tag}` before its first finite "
                    "value (nothing to average yet) left out of the curve"
                )
    return lines


def _fraction(views: list[RunView], tag: str) -> float:
    if not views:
        return 0.0
    return sum(any(n.tag == tag for n in diverging(v)) for v in views) / len(views)


def divergence_findings(
    subject: Side, subject_views: list[RunView], contrast: list[RunView], primary_tags: set[str]
) -> tuple[list[Finding], list[HypothesisUpdate]]:
    """Findings for one side's runs, judged against the other side's (`contrast`, may be empty)."""
    hits = {v.run.name: (v, d) for v in subject_views if (d := diverging(v))}
    if not hits:
        return [], []
    tags = sorted({n.tag for _, d in hits.values() for n in d})
    new = [t for t in tags if _fraction(subject_views, t) > 2 * _fraction(contrast, t)] if contrast else tags
    new_set = set(new)
    events = sorted((n.onset_step or 0, name, n) for name, (_, d) in hits.items() for n in d)
    first_step, first_run, first = next((e for e in events if e[2].tag in new_set), events[0])
    persistent_new = [n for _, _, n in events if n.tag in new_set and n.persistent]
    if not new:
        severity, confidence, hypotheses = Severity.low, 0.3, []
        kind = "present on both sides, so not a difference between the commits"
    elif persistent_new:
        severity, confidence, hypotheses = Severity.critical, 0.85 if contrast else 0.7, list(HYPOTHESES)
        kind = "training diverged"
    else:
        severity, confidence, hypotheses = Severity.significant, 0.6 if contrast else 0.45, list(HYPOTHESES)
        kind = "intermittent: the values recover after each non-finite stretch"
    if subject == "baseline" and contrast:  # the good commit's runs break, the candidate's do not
        severity, confidence, hypotheses = Severity.low, 0.3, []
        kind = "at the baseline only, so not the candidate's regression"
    hit_primary = sorted(t for t in new_set if t in primary_tags)
    runs_line = f"{len(hits)}/{len(subject_views)} {subject} run(s)"
    if contrast:
        contrast_runs = sum(bool(diverging(v)) for v in contrast)
        other = "baseline" if subject == "candidate" else "candidate"
        runs_line += f", {contrast_runs}/{len(contrast)} {other} run(s)"
    summary = (
        f"NaN/inf values in {runs_line} ({kind}); first at step {first_step:,} in `{first_run}`: {first.describe()}."
    )
    if hit_primary:
        summary += f" The primary metric ({', '.join(f'`{t}`' for t in hit_primary)}) is affected."
    evidence = [
        Evidence(
            kind=EvidenceKind.metric,
            summary=summary,
            details={
                "rule": RULE_ID,
                "first_step": first_step,
                "first_run": first_run,
                "new_tags": new,
                "runs": {
                    name: [
                        {
                            "tag": n.tag,
                            "onset_step": n.onset_step,
                            "first_step": n.first_step,
                            "count": n.count,
                            "total": n.total,
                            "kinds": n.kinds,
                            "persistent": n.persistent,
                        }
                        for n in d
                    ]
                    for name, (_, d) in hits.items()
                },
            },
        )
    ]
    for name, (_, d) in hits.items():
        evidence.append(
            Evidence(kind=EvidenceKind.metric, summary=f"{subject} `{name}`: " + "; ".join(n.describe() for n in d))
        )
    title = (
        f"Training diverged: NaN/inf from step {first_step:,} ({subject})"
        if severity == Severity.critical
        else f"NaN/inf values in logged metrics ({subject})"
    )
    finding = Finding(
        id=f"{SOURCE}:{RULE_ID}:{subject}",
        source=RULE_ID,
        subsystem="trainer",
        severity=severity,
        confidence=confidence,
        title=title,
        impact=f"NaN/inf values in {runs_line}; {kind}.",
        rationale=RATIONALE,
        locations=[Location(path=_path(v), side=subject) for v, _ in hits.values()],
        evidence=evidence,
        fix=FIX,
        hypotheses=hypotheses,
    )
    updates = [
        HypothesisUpdate(
            hypothesis=h,
            status=HypothesisStatus.supported,
            evidence=f"{RULE_ID}: {summary}",
            kind=EvidenceKind.metric,
            source=RULE_ID,
        )
        for h in hypotheses
    ]
    return [finding], updates


def _path(view: RunView) -> str:
    return os.fspath(view.run.path)
