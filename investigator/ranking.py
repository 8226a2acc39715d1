"""Ranking: deduplicate findings, raise confidence where independent evidence agrees, order them.

Order is severity first, then confidence: a critical finding with medium confidence still outranks a
significant one, because the reader must check it first (DOMAIN.md section 2).
"""

from __future__ import annotations

from investigator.models import Finding, HypothesisStatus, HypothesisUpdate

# Each independent kind of supporting evidence closes part of the remaining doubt.
CORROBORATION_GAIN = 0.5


def _dedupe_key(f: Finding) -> tuple:
    loc = f.location_at("candidate") or f.location_at("baseline")
    return (f.subsystem, loc.path if loc else None, loc.line if loc else None, f.title.lower())


def merge_duplicates(findings: list[Finding]) -> list[Finding]:
    """Findings about the same place and title from several sources become one with all evidence."""
    merged: dict[tuple, Finding] = {}
    for f in findings:
        key = _dedupe_key(f)
        if key not in merged:
            merged[key] = f.model_copy(deep=True)
            continue
        kept = merged[key]
        if f.severity.weight > kept.severity.weight:
            kept.severity = f.severity
        kept.confidence = max(kept.confidence, f.confidence)
        kept.evidence.extend(f.evidence)
        kept.hypotheses = sorted(set(kept.hypotheses) | set(f.hypotheses))
    return list(merged.values())


def corroborate(findings: list[Finding], updates: list[HypothesisUpdate]) -> list[Finding]:
    """Raise a finding's confidence when another kind of evidence supports the same hypothesis."""
    support: dict[str, list[HypothesisUpdate]] = {}
    for u in updates:
        if u.status == HypothesisStatus.supported:
            support.setdefault(u.hypothesis, []).append(u)
    out = []
    for f in findings:
        own_kinds = {e.kind.value for e in f.evidence}
        extra = []
        for h in f.hypotheses:
            for u in support.get(h, []):
                # Only an independent kind of evidence corroborates: a finding never confirms itself.
                kind = _kind_of(u)
                if kind is not None and kind not in own_kinds and u.evidence not in {e.summary for e in f.evidence}:
                    extra.append(u)
        if extra:
            f = f.model_copy(deep=True)
            for _ in {_kind_of(u) for u in extra}:
                f.confidence = round(f.confidence + (1 - f.confidence) * CORROBORATION_GAIN, 3)
            f.rationale = (f.rationale + " " if f.rationale else "") + "Corroborated by: " + "; ".join(
                sorted({u.evidence for u in extra})
            )
        out.append(f)
    return out


def _kind_of(update: HypothesisUpdate) -> str | None:
    return update.kind.value if update.kind else None


def rank_findings(findings: list[Finding], updates: list[HypothesisUpdate] | None = None) -> list[Finding]:
    ranked = corroborate(merge_duplicates(findings), updates or [])
    ranked.sort(key=lambda f: (-f.severity.weight, -f.confidence, f.subsystem, f.id))
    for i, f in enumerate(ranked, start=1):
        f.rank = i
    return ranked
