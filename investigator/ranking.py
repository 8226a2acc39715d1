"""Ranking: deduplicate findings, raise confidence where independent evidence agrees, order them.

Order is severity first, then confidence: a critical finding with medium confidence still outranks a
significant one, because the reader must check it first (docs/domain.md, Severities).
"""

from __future__ import annotations

from collections.abc import Callable

from investigator.models import EvidenceKind, Finding, HypothesisStatus, HypothesisUpdate

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


def merge_same_place(findings: list[Finding]) -> list[Finding]:
    """Findings of different analyzers about exactly the same lines and the same hypothesis (a
    literal `eps=` of `optim.Adam` is both a configuration value and an optimizer change) become one:
    the stronger one, carrying the other's evidence. Same-line evidence is not independent, so the
    confidence is the higher of the two, not a corroborated one."""
    out: list[Finding] = []
    by_place: dict[tuple, list[int]] = {}
    for f in findings:
        place = tuple(sorted((loc.side, loc.path, loc.line) for loc in f.locations))
        twin = next((i for i in by_place.get((f.subsystem, place), [])
                     if place and set(out[i].hypotheses) & set(f.hypotheses)), None)
        if twin is None:
            by_place.setdefault((f.subsystem, place), []).append(len(out))
            out.append(f)
            continue
        kept, other = out[twin], f
        if (other.severity.weight, other.confidence) > (kept.severity.weight, kept.confidence):
            kept, other = other, kept
        kept = kept.model_copy(deep=True)
        kept.evidence = [*kept.evidence, *other.evidence]
        kept.patch = kept.patch or other.patch
        kept.hypotheses = sorted(set(kept.hypotheses) | set(other.hypotheses))
        kept.rationale = (kept.rationale + " " if kept.rationale else "") + f"Also reported by `{other.source}`: {other.title}."
        out[twin] = kept
    return out


def _repeat_key(f: Finding) -> tuple | None:
    """Code findings that say the same thing (same detector, subsystem, severity and title) about
    different places, e.g. one edit applied to four copies of a module; None for other findings."""
    if not f.evidence or any(e.kind is not EvidenceKind.code for e in f.evidence):
        return None
    return (f.source, f.subsystem, f.severity, f.title.lower())


def groups_in_order(findings: list[Finding], key: Callable[[Finding], tuple | None]) -> list[list[Finding]]:
    """Findings grouped by `key` (None: a group of its own), each group where its first member was."""
    groups: dict[tuple, list[Finding]] = {}
    out: list[list[Finding]] = []
    for f in findings:
        k = key(f)
        if k is None:
            out.append([f])
        elif k in groups:
            groups[k].append(f)
        else:
            groups[k] = [f]
            out.append(groups[k])
    return out


def merge_places(copies: list[Finding]) -> Finding:
    """One finding "(N places)" for copies of one change, keeping every location, evidence item,
    patch and hypothesis (a single copy is returned as it is)."""
    if len(copies) == 1:
        return copies[0]
    first = copies[0].model_copy(deep=True)
    first.title = f"{first.title} ({len(copies)} places)"
    first.confidence = max(c.confidence for c in copies)
    first.locations = [loc for c in copies for loc in c.locations]
    first.evidence = [e for c in copies for e in c.evidence]
    patches = [c.patch for c in copies if c.patch]
    first.patch = "\n".join(p.rstrip("\n") for p in patches) + "\n" if patches else None
    first.hypotheses = sorted({h for c in copies for h in c.hypotheses})
    return first


def merge_repeated(findings: list[Finding]) -> list[Finding]:
    """One finding per repeated code change, listing every place: the ranking is not flooded by
    copies, and the reader still sees each location, hunk and patch."""
    return [merge_places(copies) for copies in groups_in_order(findings, _repeat_key)]


OVERLAP_MIN = 0.5  # share of the smaller finding's lines the other must also name


def _code_only(f: Finding) -> bool:
    """Code evidence only, in at least two files: a change repeated across modules (one line read two
    ways by two detectors is `merge_same_place`'s, decided by the hypothesis)."""
    return bool(f.evidence) and all(e.kind is EvidenceKind.code for e in f.evidence) and \
        len({loc.path for loc in f.locations}) >= 2


def merge_overlapping(findings: list[Finding]) -> list[Finding]:
    """Two detectors reading one hunk two ways are one finding: code findings of one subsystem that
    lead with the same line, name at least two files, and whose places mostly coincide (at least
    `OVERLAP_MIN` of the smaller one's) become the stronger one, carrying the other's evidence and naming it. Real shape: skrl
    2.0.0's `logical_not(terminated | truncated)` -> `logical_not(terminated)` was both "Done
    masking removed" (10 places) and "Returns built from different tensors" (13 places) at
    `ddpg.py:43`, two top findings for one change. Findings that lead elsewhere stay distinct."""
    out: list[Finding] = []
    for f in findings:
        places = {(loc.side, loc.path, loc.line) for loc in f.locations}
        lead = (f.locations[0].side, f.locations[0].path, f.locations[0].line) if f.locations else None
        twin = None
        if _code_only(f):
            for i, kept in enumerate(out):
                if kept.subsystem != f.subsystem or not _code_only(kept) or kept.source == f.source:
                    continue
                other = {(loc.side, loc.path, loc.line) for loc in kept.locations}
                first = (kept.locations[0].side, kept.locations[0].path, kept.locations[0].line)
                if first == lead and len(places & other) >= OVERLAP_MIN * min(len(places), len(other)):
                    twin = i
                    break
        if twin is None:
            out.append(f)
            continue
        kept, other_f = out[twin], f
        if (other_f.severity.weight, other_f.confidence) > (kept.severity.weight, kept.confidence):
            kept, other_f = other_f, kept
        kept = kept.model_copy(deep=True)
        seen = {(loc.side, loc.path, loc.line) for loc in kept.locations}
        kept.locations = [*kept.locations, *(loc for loc in other_f.locations
                                             if (loc.side, loc.path, loc.line) not in seen)]
        kept.evidence = [*kept.evidence, *other_f.evidence]
        kept.hypotheses = sorted(set(kept.hypotheses) | set(other_f.hypotheses))
        kept.rationale = (kept.rationale + " " if kept.rationale else "") + \
            f"The same hunk is also read by `{other_f.source}` as: {other_f.title}."
        out[twin] = kept
    return out


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
    ranked = corroborate(merge_overlapping(merge_repeated(merge_same_place(merge_duplicates(findings)))), updates or [])
    ranked.sort(key=lambda f: (-f.severity.weight, -f.confidence, f.subsystem, f.id))
    for i, f in enumerate(ranked, start=1):
        f.rank = i
    return ranked
