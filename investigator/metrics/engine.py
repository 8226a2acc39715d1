"""From loaded runs to findings, hypothesis updates, a per-metric table, figures and markdown.

Plain functions over the runs of both sides (no repository needed), so the analyzer, the tests and a
logs-only investigation all go through the same path. Policy for single-run signatures: a signature
present at the candidate and absent at the baseline is evidence of a change (the rule's severity,
its hypotheses supported); present on both sides it is reported at low severity and supports
nothing; without baseline runs, rules that need a contrast (a constant learning rate) stay low.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from investigator.metrics.aliases import MetricCatalog, normalise
from investigator.metrics.divergence import divergence_findings, leading_notes
from investigator.metrics.formatting import interval, num, pct, pct_interval
from investigator.metrics.loading import RunData, Series
from investigator.metrics.rules import (
    PRIMARY,
    CompareOutcome,
    RuleHit,
    RuleOptions,
    RunView,
    SingleRunRule,
    compare_rules,
    rule_by_id,
    single_run_rules,
)
from investigator.metrics.secondary import FLAGGED as SECONDARY_FLAGGED
from investigator.metrics.secondary import HYPOTHESES as SECONDARY_HYPOTHESES
from investigator.metrics.secondary import (
    SecondaryResult,
    cmp_confidence,
    compare_family,
    corrected,
    shared_metrics,
)
from investigator.metrics.secondary import headline as secondary_headline
from investigator.metrics.secondary import severity_for as secondary_severity
from investigator.metrics.secondary import title_of as secondary_title
from investigator.metrics.stats import Comparison, Verdict
from investigator.models import (
    OTHER_SUBSYSTEM,
    AnalyzerFailure,
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
OVERVIEW_METRICS = ("entropy", "value_loss", "learning_rate", "sps")


class MetricRow(BaseModel):
    metric: str
    tag: str
    quantity: str
    comparison: Comparison


@dataclass
class EngineOutput:
    findings: list[Finding] = field(default_factory=list)
    hypothesis_updates: list[HypothesisUpdate] = field(default_factory=list)
    rows: list[MetricRow] = field(default_factory=list)
    artifacts: list[str] = field(default_factory=list)
    failures: list[AnalyzerFailure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # checked/not-checked lines for the report
    figures: dict[str, str] = field(default_factory=dict)  # key -> path relative to output_dir


def _update(hypothesis: str, status: HypothesisStatus, evidence: str) -> HypothesisUpdate:
    """A hypothesis update backed by metric evidence (so ranking can corroborate code/config findings)."""
    source = evidence.split(":", 1)[0]
    return HypothesisUpdate(
        hypothesis=hypothesis, status=status, evidence=evidence, kind=EvidenceKind.metric, source=source
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60] or "metric"


class _Figures:
    """Writes figures under output_dir/figures; a plotting error is a failure, not a crash."""

    def __init__(self, output_dir: Path | None, seed: int, out: EngineOutput, figures_dir: str = "figures"):
        self.output_dir = output_dir
        self.figures_dir = figures_dir  # relative to output_dir; one per run, so runs never share a figure
        self.seed = seed
        self.out = out

    def panels(self, key: str, panels, hlines=None) -> str | None:
        if self.output_dir is None or not panels:
            return None
        if key in self.out.figures:
            return self.out.figures[key]
        from investigator.metrics.plots import comparison_figure

        rel = f"{self.figures_dir}/metrics_{_slug(key)}.png"
        try:
            comparison_figure(self.output_dir / rel, panels, seed=self.seed, hlines=hlines)
        except Exception as exc:
            self.out.failures.append(
                AnalyzerFailure(source=SOURCE, message=f"figure {rel} not written: {exc}")
            )
            return None
        self.out.artifacts.append(rel)
        self.out.figures[key] = rel
        return rel


def _series_by_side(metric: str, sides: dict[str, list[RunView]]) -> dict[str, list[Series]]:
    out: dict[str, list[Series]] = {}
    for side, views in sides.items():
        found = []
        for v in views:
            s = v.metric(metric)
            if s is None and metric not in v.resolved and metric != PRIMARY:
                s = v.run.series(metric)  # a raw tag
            if s is not None and len(s):
                found.append(s)
        out[side] = found
    return out


def _label(metric: str, views: list[RunView]) -> str:
    """The tag as logged, with the canonical name when it differs (`charts/SPS` (sps))."""
    for v in views:
        tag = v.tag_of(metric)
        if tag:
            name = v.primary_name if metric == PRIMARY else metric
            return f"`{tag}`" if normalise(tag) == normalise(name) else f"`{tag}` ({name})"
    return f"`{metric}`"


def run_engine(
    baseline: list[RunData],
    candidate: list[RunData],
    catalog: MetricCatalog,
    opts: RuleOptions | None = None,
    output_dir: Path | None = None,
    figures_dir: str = "figures",
) -> EngineOutput:
    opts = opts or RuleOptions()
    out = EngineOutput()
    fallback = catalog.adopt_default_primary(r.tags for r in baseline + candidate)
    if fallback:
        out.notes.append(f"No run logs an episodic return: the primary metric is `{fallback}`.")
    base, cand = _runs_with_scalars(baseline, candidate, catalog, out)
    sides: dict[str, list[RunView]] = {k: v for k, v in (("baseline", base), ("candidate", cand)) if v}
    nonempty = [v for v in base + cand if not v.run.empty]
    if nonempty and not any(v.primary is not None for v in nonempty):
        seen = sorted({t for v in nonempty for t in v.run.tags})
        shown = ", ".join(f"`{t}`" for t in seen[:20]) + (" ..." if len(seen) > 20 else "")
        out.failures.append(
            AnalyzerFailure(
                source=SOURCE,
                message=(
                    f"primary metric `{catalog.primary_metric or catalog.primary_name}` is not logged in any run "
                    f"(tags seen: {shown}); name it with --primary-metric or map it with --metric-alias"
                ),
            )
        )
    figures = _Figures(output_dir, opts.stats.seed, out, figures_dir)

    # which side's signatures are findings: the candidate's; with only one side given, that side's
    subject: Side = "candidate" if cand else "baseline"
    contrast: list[RunView] = base if cand else []
    subject_views = cand or base

    primary_tags = {t for v in base + cand if (t := v.tag_of(PRIMARY))}
    for side_name, views, other in (("candidate", cand, base), ("baseline", base, cand)):
        if views:
            found, updates = divergence_findings(side_name, views, other, primary_tags)  # type: ignore[arg-type]
            out.findings.extend(found)
            out.hypothesis_updates.extend(updates)
            if not found:
                out.notes.append(f"`nonfinite_values` checked on {len(views)} {side_name} run(s): no NaN/inf after a finite value")
            out.notes.extend(leading_notes(views, side_name))

    for rule in single_run_rules():
        try:
            refutation = rule.refutes(base, cand, opts)
            if refutation:
                for hyp in rule.meta.hypotheses:
                    out.hypothesis_updates.append(
                        _update(hyp, HypothesisStatus.refuted, f"{rule.meta.id}: {refutation}")
                    )
            if rule.meta.contrast_matters:
                _single(rule, subject, subject_views, contrast, base, cand, opts, out, figures)
            else:  # a signature that is a problem on whichever side it is
                by_side: tuple[tuple[Side, list[RunView]], ...] = (("candidate", cand), ("baseline", base))
                for side_name, views in by_side:
                    if views:
                        _single(rule, side_name, views, [], base, cand, opts, out, figures)
        except Exception as exc:
            out.failures.append(
                AnalyzerFailure(source=f"{SOURCE}.{rule.meta.id}", message=f"rule failed: {exc!r}")
            )

    if base and cand:
        _comparisons(base, cand, catalog, opts, out, figures)
    elif subject_views:
        out.notes.append(
            "Only one side has runs: no baseline-vs-candidate comparison; signatures are reported for the "
            f"{subject} runs alone."
        )
    _overview_figure(sides, figures)
    return out


def _runs_with_scalars(
    baseline: list[RunData], candidate: list[RunData], catalog: MetricCatalog, out: EngineOutput
) -> tuple[list[RunView], list[RunView]]:
    """Views of the runs that hold scalars. A run without any is an input problem (a wrong path, a
    writer that never flushed), recorded as a failure naming it, not a regression finding; when only
    the candidate's runs are empty it supports `logging.writer_not_flushed`, and scalars in every
    run of both sides refute it."""
    for side, runs in (("baseline", baseline), ("candidate", candidate)):
        for r in runs:
            if r.empty:
                out.failures.append(
                    AnalyzerFailure(
                        source=SOURCE,
                        message=f"input: {side} run `{r.path}` ({r.format}) contains no scalar values; left out of the analysis",
                        path=r.path,
                    )
                )
    empty_b = [r for r in baseline if r.empty]
    empty_c = [r for r in candidate if r.empty]
    if baseline and candidate and not empty_b and not empty_c:
        out.hypothesis_updates.append(
            _update(
                "logging.writer_not_flushed",
                HypothesisStatus.refuted,
                f"empty_log: scalars present in all {len(baseline)} baseline and {len(candidate)} candidate runs",
            )
        )
    elif empty_c and baseline and not empty_b:
        out.hypothesis_updates.append(
            _update(
                "logging.writer_not_flushed",
                HypothesisStatus.supported,
                f"empty_log: {len(empty_c)}/{len(candidate)} candidate run(s) hold no scalars, every baseline run does",
            )
        )
    return (
        [RunView.of(r, catalog) for r in baseline if not r.empty],
        [RunView.of(r, catalog) for r in candidate if not r.empty],
    )


def _single(
    rule: SingleRunRule,
    subject: Side,
    subject_views: list[RunView],
    contrast: list[RunView],
    base: list[RunView],
    cand: list[RunView],
    opts: RuleOptions,
    out: EngineOutput,
    figures: _Figures,
) -> None:
    meta = rule.meta
    applicable = [v for v in subject_views if rule.applicable(v, opts)]
    contrast_applicable = [v for v in contrast if rule.applicable(v, opts)]
    if not applicable:
        out.notes.append(f"`{meta.id}` not checked: {_missing(meta.metrics, meta.id, subject_views)}")
        return
    hits: dict[str, RuleHit] = {}
    for v in applicable:
        hit = rule.check(v, opts)
        if hit is not None:
            hits[v.run.name] = hit
    contrast_hits = {v.run.name: h for v in contrast_applicable if (h := rule.check(v, opts)) is not None}
    if not hits:
        side_note = (
            f"{len(contrast_hits)}/{len(contrast_applicable)} baseline runs show it" if contrast_hits else ""
        )
        out.notes.append(
            f"`{meta.id}` checked on {len(applicable)} {subject} run(s): not present"
            + (f" ({side_note})" if side_note else "")
        )
        return
    frac = len(hits) / len(applicable)
    frac_contrast = len(contrast_hits) / len(contrast_applicable) if contrast_applicable else None
    first = next(iter(hits.values()))
    hypotheses = list(meta.hypotheses)
    if frac_contrast is None:
        severity = Severity.low if meta.needs_contrast else (first.severity or meta.severity)
        confidence = 0.35 + 0.25 * frac
        where = f"{len(hits)}/{len(applicable)} {subject} run(s)"
        if meta.contrast_matters:
            where += " (no baseline runs to contrast)"
        if meta.needs_contrast:
            hypotheses = []
    elif meta.contrast_matters and frac_contrast >= 0.5 * frac:
        severity = Severity.low
        confidence = 0.3
        where = (
            f"{len(hits)}/{len(applicable)} {subject} and {len(contrast_hits)}/{len(contrast_applicable)} baseline runs: "
            "present on both sides, so not a difference between the commits"
        )
        hypotheses = []
    else:
        severity = first.severity or meta.severity
        confidence = min(0.9, 0.5 + 0.4 * frac * (1 - (frac_contrast or 0.0)))
        where = f"{len(hits)}/{len(applicable)} {subject} run(s)"
        if frac_contrast is not None:
            where += f", {len(contrast_hits)}/{len(contrast_applicable)} baseline run(s)"
    plot_metrics = first.plot_metrics
    figure = None
    if plot_metrics:
        panel_sides = {"baseline": base, "candidate": cand}
        panels = [
            (_label(m, subject_views), s)
            for m in plot_metrics
            if any((s := _series_by_side(m, {k: v for k, v in panel_sides.items() if v})).values())
        ]
        figure = figures.panels(f"rule_{meta.id}", panels, hlines=first.hlines)
    lines = [f"{name}: {hit.summary}" for name, hit in hits.items()]
    summary = f"{meta.title} in {where}. " + lines[0]
    details: dict[str, object] = {
        "rule": meta.id,
        "runs_with_signature": {n: h.summary for n, h in hits.items()},
        "baseline_runs_with_signature": {n: h.summary for n, h in contrast_hits.items()},
        "checked_runs": len(applicable),
        "run_details": {n: h.details for n, h in hits.items()},
    }
    if figure:
        details["figure"] = figure
    out.findings.append(
        Finding(
            id=f"{SOURCE}:{meta.id}:{subject}",
            source=meta.id,
            subsystem=meta.subsystem,
            severity=severity,
            confidence=round(confidence, 3),
            title=f"{meta.title} ({subject})",
            impact=f"{meta.title} in {where}.",
            rationale=meta.rationale,
            locations=[
                Location(path=next(v.run.path for v in applicable if v.run.name == n), side=subject)
                for n in hits
            ],
            evidence=[Evidence(kind=EvidenceKind.metric, summary=summary, details=details)]
            + [Evidence(kind=EvidenceKind.metric, summary=line) for line in lines[1:]],
            fix=meta.fix,
            hypotheses=hypotheses,
        )
    )
    for hyp in hypotheses:
        out.hypothesis_updates.append(
            _update(hypothesis=hyp, status=HypothesisStatus.supported, evidence=f"{meta.id}: {summary}")
        )


def _missing(metrics: list[str], rule_id: str, views: list[RunView] | None = None) -> str:
    if rule_id == "grad_norm_above_clip":
        return "no gradient-clip threshold configured (metric option `grad_clip`) or no gradient-norm metric logged"
    if not metrics:
        return "no suitable metric logged"
    without_finite = [
        m
        for m in metrics
        if views
        and any(v.tag_of(m) for v in views)
        and not any((s := v.metric(m)) is not None and len(s) for v in views)
    ]
    if without_finite:
        return "metric(s) logged without one finite value (see `nonfinite_values`): " + ", ".join(
            _label(m, views or []) for m in without_finite
        )
    return "metric(s) not logged: " + ", ".join(metrics)


def _comparisons(
    base: list[RunView],
    cand: list[RunView],
    catalog: MetricCatalog,
    opts: RuleOptions,
    out: EngineOutput,
    figures: _Figures,
) -> None:
    pending: dict[str, list[Finding]] = {}
    for rule in compare_rules():
        try:
            outcome = rule.compare(base, cand, opts)
        except Exception as exc:
            out.failures.append(
                AnalyzerFailure(source=f"{SOURCE}.{rule.meta.id}", message=f"rule failed: {exc!r}")
            )
            continue
        if outcome is None:
            out.notes.append(
                f"`{rule.meta.id}` not checked: {_missing(rule.meta.metrics, rule.meta.id)} on both sides"
            )
            continue
        out.rows.append(
            MetricRow(
                metric=outcome.metric,
                tag=_label(outcome.metric, cand),
                quantity=outcome.quantity,
                comparison=outcome.comparison,
            )
        )
        finding = _compare_finding(rule.meta, outcome, base, cand, opts, out, figures)
        if finding is not None:
            pending.setdefault(outcome.metric, []).append(finding)
    # one finding per metric: the first rule's (final value before area, before sample efficiency),
    # the other quantities of the same curves as further evidence, not as findings of their own
    for group in pending.values():
        lead = group[0]
        for other in group[1:]:
            lead.evidence.extend(other.evidence)
            lead.hypotheses = sorted(set(lead.hypotheses) | set(other.hypotheses))
            if other.severity.weight > lead.severity.weight:
                lead.severity = other.severity
            lead.confidence = max(lead.confidence, other.confidence)
        if len(group) > 1:
            lead.impact += " Also: " + "; ".join(o.title for o in group[1:]) + "."
        out.findings.append(lead)
    _secondary(base, cand, catalog, opts, out, figures)


MAX_RAW_ROWS = 20  # other tags shown in the table beyond those with a flagged change


def _secondary(
    base: list[RunView],
    cand: list[RunView],
    catalog: MetricCatalog,
    opts: RuleOptions,
    out: EngineOutput,
    figures: _Figures,
) -> None:
    """Every other metric both sides log (see `secondary.py` for the statistics and the severity cap)."""
    primary_verdict = next(
        (r.comparison.verdict for r in out.rows if r.metric == PRIMARY and r.quantity == "final value"), None
    )
    covered = {row.metric for row in out.rows} | {PRIMARY}
    canonical, raw = shared_metrics(base, cand, catalog, covered)
    results = compare_family(base, cand, canonical, True, catalog, opts)
    if results:
        out.notes.append(
            f"{len({r.metric for r in results})} other canonical metric(s) logged on both sides compared "
            f"({len(results)} comparisons; their table rows use Bonferroni-corrected intervals at "
            f"{cmp_confidence(corrected(opts.stats, len(results)))}, and their findings are at most significant)"
        )
    for r in results:
        out.rows.append(
            MetricRow(metric=r.metric, tag=_label(r.metric, cand), quantity=r.quantity, comparison=r.comparison)
        )
    by_metric: dict[str, list[SecondaryResult]] = {}
    for r in results:
        by_metric.setdefault(r.metric, []).append(r)
    for metric, group in by_metric.items():
        _secondary_finding(metric, group, primary_verdict, base, cand, out, figures)
    raw_results = compare_family(base, cand, raw, False, catalog, opts)
    flagged = [r for r in raw_results if r.comparison.flagged]
    quiet = [r for r in raw_results if not r.comparison.flagged]
    for r in flagged + quiet[:MAX_RAW_ROWS]:
        out.rows.append(MetricRow(metric=r.metric, tag=f"`{r.metric}`", quantity=r.quantity, comparison=r.comparison))
    if raw_results:
        out.notes.append(
            f"{len({r.metric for r in raw_results})} other tag(s) logged on both sides compared "
            f"({len(raw_results)} comparisons, Bonferroni-corrected as one family): {len(flagged)} changed"
            + (f"; {len(quiet) - MAX_RAW_ROWS} unchanged rows not shown in the table" if len(quiet) > MAX_RAW_ROWS else "")
        )


def _secondary_finding(
    metric: str,
    group: list[SecondaryResult],
    primary_verdict: Verdict | None,
    base: list[RunView],
    cand: list[RunView],
    out: EngineOutput,
    figures: _Figures,
) -> None:
    flagged = [r for r in group if r.comparison.verdict in SECONDARY_FLAGGED]
    if not flagged:
        return
    severity = secondary_severity(primary_verdict)
    status = HypothesisStatus.supported if severity == Severity.significant else HypothesisStatus.inconclusive
    hypotheses = list(SECONDARY_HYPOTHESES.get(metric, []))
    evidence = [
        Evidence(
            kind=EvidenceKind.metric,
            summary=r.summary,
            details={"rule": "secondary_metrics", "comparison": r.comparison.model_dump(mode="json"), **r.values},
        )
        for r in flagged + [r for r in group if r not in flagged]
    ]
    for update_hyp in hypotheses:
        out.hypothesis_updates.append(
            _update(hypothesis=update_hyp, status=status, evidence=f"secondary_metrics: {flagged[0].summary}")
        )
    # a single-run signature on the same curve (entropy rising, lr constant) already tells the story:
    # the comparison becomes its evidence instead of a second finding
    for f in out.findings:
        rule_metrics = _rule_metrics(f.source)
        if f.id.endswith(":candidate") and metric in rule_metrics:
            f.evidence.extend(evidence)
            return
    sides = {"baseline": base, "candidate": cand}
    label = _label(metric, cand)
    figure = figures.panels(f"secondary_{metric}", [(label, _series_by_side(metric, sides))])
    if figure:
        evidence[0].details["figure"] = figure
    subsystem = hypotheses[0].split(".", 1)[0] if hypotheses else OTHER_SUBSYSTEM
    verb = "regressed" if flagged[0].comparison.verdict == Verdict.regression else "changed"
    out.findings.append(
        Finding(
            id=f"{SOURCE}:secondary_metrics:{_slug(metric)}",
            source="secondary_metrics",
            subsystem=subsystem,
            severity=severity,
            confidence=0.6 if severity == Severity.significant else 0.4,
            title=f"{secondary_title(metric).capitalize()} {verb} between the commits: {secondary_headline(flagged)} ({flagged[0].quantity})",
            impact=(
                f"{label}: {flagged[0].quantity} {verb} beyond seed noise"
                + ("; the primary metric shows no meaningful change" if severity == Severity.low else "")
                + "."
            ),
            rationale=(
                "How a learning-signal metric moves between the commits points at the changed part of the update; "
                "judged with the primary metric's statistics, intervals corrected for the number of metrics compared, "
                "and capped at significant because it is a symptom, not the regression."
            ),
            locations=_side_locations(sides),
            evidence=evidence,
            fix="Look first at the code and configuration findings for the hypotheses this metric supports.",
            hypotheses=hypotheses,
        )
    )


def _rule_metrics(rule_id: str) -> set[str]:
    try:
        return set(rule_by_id(rule_id).meta.metrics)
    except KeyError:
        return set()


def _side_locations(sides: dict[str, list[RunView]]) -> list[Location]:
    """One location per side: the directory holding its runs (or the single run)."""
    out = []
    for side, views in sides.items():
        paths = [v.run.path for v in views]
        if not paths:
            continue
        try:
            common = os.path.commonpath(paths) if len(paths) > 1 else paths[0]
        except ValueError:
            common = paths[0]
        out.append(Location(path=common, side=side))  # type: ignore[arg-type]
    return out


def _compare_finding(
    meta, outcome: CompareOutcome, base, cand, opts: RuleOptions, out: EngineOutput, figures: _Figures
) -> Finding | None:
    cmp = outcome.comparison
    rel = cmp.relative_change
    worse = rel is not None and ((rel < 0) if (cmp.higher_is_better is not False) else (rel > 0))
    metric_key = outcome.metric
    sides = {"baseline": base, "candidate": cand}
    figure = (
        figures.panels(
            f"compare_{metric_key}", [(_label(metric_key, cand), _series_by_side(metric_key, sides))]
        )
        if any(_series_by_side(metric_key, sides).values())
        else None
    )
    details: dict[str, object] = {
        "rule": meta.id,
        "comparison": cmp.model_dump(mode="json"),
        **outcome.details,
    }
    if figure:
        details["figure"] = figure
    locations = _side_locations(sides)
    if cmp.verdict == Verdict.regression:
        severity = outcome.severity or meta.severity
        p = cmp.p_improvement if cmp.p_improvement is not None else 0.5
        confidence = min(0.95, 0.55 + 0.4 * (1 - p))
        status = HypothesisStatus.supported
        title = f"{meta.title}: regression {pct(rel)} {pct_interval(cmp)}".strip()
    elif cmp.verdict == Verdict.too_few_seeds and worse and abs(rel or 0) > opts.stats.threshold:
        severity = Severity.low
        confidence = 0.25
        status = HypothesisStatus.inconclusive
        title = f"{meta.title}: {pct(rel)} with too few seeds for a verdict"
    else:
        if cmp.verdict == Verdict.equivalent:
            for hyp in meta.refuted_when_equivalent:
                out.hypothesis_updates.append(
                    _update(
                        hypothesis=hyp,
                        status=HypothesisStatus.refuted,
                        evidence=f"{meta.id}: {outcome.summary}",
                    )
                )
        return None
    finding = Finding(
        id=f"{SOURCE}:{meta.id}:{_slug(outcome.metric)}",
        source=meta.id,
        subsystem=meta.subsystem,
        severity=severity,
        confidence=round(confidence, 3),
        title=title,
        impact=outcome.summary.split(" — ")[0],
        rationale=meta.rationale,
        locations=locations,
        evidence=[Evidence(kind=EvidenceKind.metric, summary=outcome.summary, details=details)],
        fix=meta.fix,
        hypotheses=list(meta.hypotheses),
    )
    for hyp in meta.hypotheses:
        out.hypothesis_updates.append(
            _update(hypothesis=hyp, status=status, evidence=f"{meta.id}: {outcome.summary}")
        )
    return finding


def _overview_figure(sides: dict[str, list[RunView]], figures: _Figures) -> None:
    if not sides:
        return
    views = [v for vs in sides.values() for v in vs]
    metrics = [PRIMARY, *[m for m in OVERVIEW_METRICS if any(v.metric(m) is not None for v in views)]]
    panels = []
    for m in metrics:
        by_side = _series_by_side(m, sides)
        if any(by_side.values()):
            panels.append((_label(m, views), by_side))
    figures.panels("overview", panels)


def markdown(
    out: EngineOutput,
    baseline: list[RunData],
    candidate: list[RunData],
    catalog: MetricCatalog,
    opts: RuleOptions,
) -> str:
    """The "Training metrics" report section."""
    lines: list[str] = []

    def describe_side(name: str, runs: list[RunData]) -> str:
        if not runs:
            return f"{name}: no runs"
        formats = sorted({r.format for r in runs})
        empty = sum(r.empty for r in runs)
        extra = f", {empty} without scalars" if empty else ""
        return f"{name}: {len(runs)} run(s) ({', '.join(formats)}{extra})"

    lines.append(f"{describe_side('Baseline', baseline)}; {describe_side('Candidate', candidate)}.")
    lines.append(
        f"Primary metric: `{catalog.primary_name}`. Per-side aggregate: interquartile mean (IQM) across seeds with a "
        f"{int(opts.stats.confidence * 100)}% stratified bootstrap interval ({opts.stats.n_boot} resamples, seed "
        f"{opts.stats.seed}). A change is flagged only if the interval of the difference excludes zero and the "
        f"relative change exceeds {opts.stats.threshold:.0%}; fewer than {opts.stats.min_seeds} seeds per side give "
        "no verdict."
    )
    matched: dict[str, set[str]] = {}
    for run in baseline + candidate:
        for canonical, res in catalog.resolve(run.tags).items():
            matched.setdefault(canonical, set()).add(f"`{res.tag}`" + (" (negated)" if res.sign < 0 else ""))
    if matched:
        lines.append(
            "Metrics matched: "
            + "; ".join(f"{name} ← {', '.join(sorted(tags))}" for name, tags in sorted(matched.items()))
            + "."
        )
    lines.append("")
    if out.rows:
        lines.append(
            "| metric | quantity | baseline IQM [CI] | candidate IQM [CI] | change | P(improvement) | verdict |"
        )
        lines.append("|---|---|---|---|---|---|---|")
        for row in out.rows:
            c = row.comparison
            p = "—" if c.p_improvement is None else f"{c.p_improvement:.2f}"
            change = f"{pct(c.relative_change)} {pct_interval(c)}".strip()
            lines.append(
                f"| {row.tag} | {row.quantity} | {num(c.baseline_iqm)} {interval(c.baseline_ci)} (n={c.n_baseline}) | "
                f"{num(c.candidate_iqm)} {interval(c.candidate_ci)} (n={c.n_candidate}) | {change} | {p} | {c.verdict.value} |"
            )
        lines.append("")
    shown: set[str] = set()
    if "overview" in out.figures:
        shown.add(out.figures["overview"])
        lines.append(f"![Training curves, baseline vs candidate]({out.figures['overview']})")
        lines.append("")
    metric_findings = sorted(out.findings, key=lambda f: (-f.severity.weight, -f.confidence))
    if metric_findings:
        lines.append("**Metric findings**")
        lines.append("")
        for f in metric_findings:
            lines.append(
                f"- **{f.severity.value}** ({f.confidence_label} confidence) — {f.title}: {f.evidence[0].summary}"
            )
            if f.hypotheses:
                lines.append(f"  Supports: {', '.join(f'`{h}`' for h in f.hypotheses)}.")
            fig = f.evidence[0].details.get("figure")
            if fig and fig not in shown:
                shown.add(str(fig))
                lines.append(f"\n  ![{f.title}]({fig})")
        lines.append("")
    if out.notes:
        lines.append("**Rules checked**")
        lines.append("")
        lines.extend(f"- {note}" for note in out.notes)
        lines.append("")
    if out.failures:
        lines.append("**Input problems and failures** (recorded; the analysis went on without these parts)")
        lines.append("")
        lines.extend(f"- {f.message}" for f in out.failures)
    return "\n".join(lines).strip() + "\n"


def finite(x: float | None) -> bool:
    return x is not None and not math.isnan(x)
