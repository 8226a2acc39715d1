"""Run every registered detector over one change set and turn hits into report models."""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import TYPE_CHECKING

from investigator import budget
from investigator.detectors.base import DetectorContext, Hit, all_detectors
from investigator.detectors.evidence import counterpart, hunk_text, restore_patch
from investigator.detectors.native import native_section
from investigator.detectors.pairs import PY_SUFFIXES, shared_pairs
from investigator.detectors.reach import unreachable_reason
from investigator.detectors.sources import FileChange, SourceTree
from investigator.detectors.split import run_split
from investigator.models import (
    AnalyzerFailure,
    AnalyzerResult,
    Evidence,
    EvidenceKind,
    Finding,
    HypothesisStatus,
    HypothesisUpdate,
    Location,
    NoEffectChange,
    Severity,
    Side,
    VerifiedItem,
)
from investigator.scope import out_of_scope_kind

if TYPE_CHECKING:
    from investigator.detectors.functions import FunctionInfo
    from investigator.detectors.pairs import PairIndex
    from investigator.playbooks_lib.schema import PlaybookSet

SOURCE = "code_detectors"


def run_detectors(
    base: SourceTree,
    cand: SourceTree,
    changes: list[FileChange],
    playbooks: PlaybookSet | None = None,
    only: set[str] | None = None,
    equivalent: Collection[str] = (),
) -> AnalyzerResult:
    """The whole code-detector pass; never raises for bad input (failures are recorded).

    `equivalent`: candidate paths of changed files that triage found behaviour-identical
    (formatting, comments, docstrings, pure renames); they are handled like unchanged files."""
    start = time.perf_counter()
    result = AnalyzerResult(analyzer=SOURCE)
    ctx = DetectorContext(shared_pairs(base, cand, changes, equivalent), playbooks)
    hits: list[Hit] = []
    refuting: list[tuple[str, str]] = []  # (hypothesis, evidence) from code-only concerns verified identical
    detectors = [d for d in all_detectors() if only is None or d.meta.id in only]
    split = run_split(ctx, detectors)  # the pairs checked in two processes (detectors/split.py), or None
    for d, detector in enumerate(detectors):
        budget.check()  # an analyzer past its time budget stops here (see investigator.budget)
        try:
            out = detector.run(ctx) if split is None else split.output(d, detector)
        except Exception as exc:  # one broken detector must not stop the others
            result.failures.append(AnalyzerFailure(source=f"{SOURCE}.{detector.meta.id}", message=repr(exc)))
            continue
        for hit in out.hits:
            hit.meta = hit.meta or detector.meta  # a hit may carry another rule's meaning (strict_load.py)
        hits.extend(out.hits)
        for v in out.verified:
            if detector.meta.refutes_when_verified:
                refuting += [(h, f"{v.what} ({v.where})") for h in detector.meta.hypotheses]
            result.verified.append(
                VerifiedItem(subsystem=detector.meta.subsystem, what=v.what, how=f"AST comparison at both commits, inlined walk of {v.where}",
                             source=f"{SOURCE}.{detector.meta.id}")
            )
    if split is not None:
        split.close()
    for failure in ctx.pairs.failures:
        result.failures.append(
            AnalyzerFailure(source=SOURCE, message=f"{failure.side}: {failure.message}", path=failure.path)
        )
    for where in sorted(ctx.too_deep):
        result.failures.append(AnalyzerFailure(source=SOURCE, message=f"code nested too deeply to analyse: {where}"))
    findings, no_effect = _convert(ctx, _dedupe(hits), playbooks, result.failures)
    result.findings = findings
    result.no_effect = no_effect
    result.hypothesis_updates = _hypothesis_updates(findings, refuting, _known_hypotheses(playbooks))
    section = native_section(changes, playbooks)
    if section is not None:
        result.sections.append(section)
    result.duration_s = time.perf_counter() - start
    return result


def python_changed(changes: list[FileChange]) -> bool:
    return any((c.old_path or c.new_path or "").endswith(PY_SUFFIXES) for c in changes)


def _key(hit: Hit) -> tuple[object, ...]:
    return (hit.meta.id if hit.meta else "", hit.base, hit.cand)


def _inlined_view(hit: Hit) -> bool:
    """Whether the hit was seen through a caller (its baseline site lives in an inlined callee)."""
    return bool(hit.pair and hit.restore and hit.restore[0] is not None and hit.restore[0] is not hit.pair.base)


def _dedupe(hits: list[Hit]) -> list[Hit]:
    """Drop repeats (a helper's change seen through each inlining caller), callee-only views of a
    change the caller's view explains better, and catch-alls superseded by a specific finding."""
    seen: set[tuple[object, ...]] = set()
    unique: list[Hit] = []
    for hit in sorted(hits, key=_inlined_view):  # direct views first: they name the right function
        if _key(hit) in seen:
            continue
        seen.add(_key(hit))
        unique.append(hit)
    outer = {(h.meta.id if h.meta else "", h.base) for h in unique if h.base and _inlined_view(h) and h.cand}
    unique = [
        h for h in unique
        if _inlined_view(h) or not h.base or h.cand or (h.meta.id if h.meta else "", h.base) not in outer
    ]
    specific = [h for h in unique if h.meta and not h.meta.generic and h.no_effect_reason is None]

    def superseded(h: Hit) -> bool:
        for s in specific:
            for a, b in ((h.cand, s.cand), (h.base, s.base)):
                if a and b and a[0] == b[0] and abs(a[1] - b[1]) <= 3:
                    return True
        return False

    return [h for h in unique if not (h.meta and h.meta.generic and superseded(h))]


def _convert(
    ctx: DetectorContext, hits: list[Hit], playbooks: PlaybookSet | None, failures: list[AnalyzerFailure]
) -> tuple[list[Finding], list[NoEffectChange]]:
    findings: list[Finding] = []
    no_effect: list[NoEffectChange] = []
    known = _known_hypotheses(playbooks)
    used_ids: set[str] = set()
    for hit in hits:
        try:
            _convert_one(ctx, hit, known, used_ids, findings, no_effect)
        except Exception as exc:  # a hit that cannot be rendered must not stop the others
            where = hit.meta.id if hit.meta else "?"
            failures.append(AnalyzerFailure(source=f"{SOURCE}.{where}", message=f"cannot report {hit.title!r}: {exc!r}"))
    findings.sort(key=lambda f: (-f.severity.weight, -f.confidence, f.id))
    return findings, no_effect


MAX_JUDGED_SITES = 16  # differing statements of one hit the flow judges besides the ones the finding shows


def _changed_locations(hit: Hit, base_loc: tuple[str, int] | None, cand_loc: tuple[str, int] | None
                       ) -> list[tuple[str, tuple[str, int]]]:
    """The locations whose statements changed, for the flow to judge: a feature found on one side
    only (a removed `.cpu()` in a logged loss's conversion) is judged there; the other side's
    location is only its counterpart for display (d3rlpy: the line of the optimizer step beside it)."""
    sided = [("baseline", base_loc, hit.base), ("candidate", cand_loc, hit.cand)]
    one_sided = (hit.base is None) != (hit.cand is None)
    shown = [(s, loc) for s, loc, own in sided if loc and (own is not None or not one_sided)]
    return list(dict.fromkeys([*shown, *hit.changed_sites[:MAX_JUDGED_SITES]]))


def _convert_one(
    ctx: DetectorContext,
    hit: Hit,
    known: set[str] | None,
    used_ids: set[str],
    findings: list[Finding],
    no_effect: list[NoEffectChange],
) -> None:
    index = ctx.pairs
    meta = hit.meta
    assert meta is not None
    base_fn, cand_fn = hit.restore or ((hit.pair.base, hit.pair.cand) if hit.pair else (None, None))
    base_loc = _in_diff(index, hit.base, hit.base_anchor, "baseline")
    cand_loc = _in_diff(index, hit.cand, hit.cand_anchor, "candidate")
    if base_loc is None and cand_loc is not None:
        base_loc = counterpart(index, cand_loc, "candidate", base_fn, cand_fn)
    if cand_loc is None and base_loc is not None:
        cand_loc = counterpart(index, base_loc, "baseline", cand_fn, base_fn)
    sided: tuple[tuple[Side, tuple[str, int] | None], ...] = (("baseline", base_loc), ("candidate", cand_loc))
    locations = [Location(path=p, line=ln, side=s) for s, loc in sided if loc for p, ln in [loc]]
    subsystem = hit.subsystem or meta.subsystem
    where = hit.pair.describe() if hit.pair else (cand_loc or base_loc or ("?", 0))[0]
    reason = hit.no_effect_reason or _in_a_test(hit, [base_loc, cand_loc]) or unreachable_reason(base_fn, index.base)
    off = None if reason or meta.costs_anywhere else ctx.flow_check.judge(_changed_locations(hit, base_loc, cand_loc))
    if off is not None and off.verdict == "no_effect":
        reason = off.reason
    if reason:
        no_effect.append(
            NoEffectChange(subsystem=subsystem, title=f"{hit.title} ({where})", reason=reason,
                           locations=locations, source=f"{SOURCE}.{meta.id}")
        )
        return
    confidence = hit.confidence if hit.confidence is not None else meta.confidence
    if hit.pair is not None and hit.pair.match in ("moved", "renamed"):
        confidence *= 0.85 + 0.15 * hit.pair.similarity
    anchor = cand_loc or base_loc or ("?", 0)
    fid = f"{SOURCE}:{meta.id}:{anchor[0]}:{anchor[1]}"
    while fid in used_ids:
        fid += "+"
    used_ids.add(fid)
    patch = hit.patch or (restore_patch(index, *_same_code(index, hit, base_fn, cand_fn)) if meta.restore_patch else None)
    findings.append(
        Finding(
            id=fid,
            source=f"{SOURCE}.{meta.id}",
            subsystem=subsystem,
            severity=Severity.low if off is not None else hit.severity or meta.severity,
            confidence=round(min(max(confidence, 0.0), 1.0), 3),
            title=hit.title,
            impact=meta.rationale.split(". ")[0].rstrip(".") + ".",
            rationale=meta.rationale + (f" Low: {off.reason}." if off is not None else ""),
            locations=locations,
            evidence=[
                Evidence(
                    kind=EvidenceKind.code,
                    summary=hit.summary,
                    locations=locations,
                    hunk=hunk_text(index, base_loc, cand_loc, base_fn, cand_fn),
                    details={"detector": meta.id, "function": where,
                             "match": hit.pair.match if hit.pair else "file", **hit.details},
                )
            ],
            fix=hit.fix or meta.fix,
            patch=patch,
            hypotheses=[h for h in meta.hypotheses if known is None or h in known],
        )
    )


def _same_code(index: PairIndex, hit: Hit, base_fn: FunctionInfo | None, cand_fn: FunctionInfo | None
               ) -> tuple[FunctionInfo | None, FunctionInfo | None]:
    """The two versions of one function a restoring patch may swap: a patch only ever puts back the
    baseline version of the code it replaces. A hit whose differing statements are on one side only, in
    a callee the walk inlined (d3rlpy: a log-prob assigned in the candidate policy's `forward`, reached
    from SAC's `update_temp`), pairs that callee with its own counterpart, not with the analysed
    function of the other side (the patch replaced `forward` by the body of `update_temp`); with no
    counterpart, no patch."""
    if base_fn is None or cand_fn is None or base_fn.is_module or cand_fn.is_module:
        return base_fn, cand_fn  # module-level code: the patch reverts the candidate file's own git hunks
    if hit.pair is not None and base_fn is hit.pair.base and cand_fn is hit.pair.cand:
        return base_fn, cand_fn
    if index.counterpart(cand_fn) is base_fn or index.counterpart(base_fn) is cand_fn:
        return base_fn, cand_fn
    if hit.base is None and hit.cand is not None:
        return index.counterpart(cand_fn), cand_fn
    if hit.cand is None and hit.base is not None:
        return base_fn, index.counterpart(base_fn)
    return None, None


def _in_a_test(hit: Hit, locs: list[tuple[str, int] | None]) -> str | None:
    """A hit seen in a test function that names product code (the metric the test checks, inlined):
    compared through the test, which is not training (d3rlpy's TD-error scorer inlined into a moved
    test read as "Done masking removed", critical). A hit located only in tests is left to the scope
    rule, which records the severity it would have had."""
    fns = [f for f in ((hit.pair.base, hit.pair.cand) if hit.pair else ()) if f is not None]
    if all(loc is None or out_of_scope_kind(loc[0]) == "test" for loc in locs):
        return None
    if fns and all(out_of_scope_kind(f.path) == "test" for f in fns):
        return f"seen in the test `{fns[-1].path}:{fns[-1].qualname}`: tests are not training"
    return None


def _in_diff(index, loc, anchor, side):
    """Prefer the line that is part of the diff: an inlined callee's own line, or its call site."""
    if loc is None or anchor is None:
        return loc
    for candidate in (loc, anchor):
        change = index.change_for(candidate[0], side)
        if change is not None and any(h.touches(side, candidate[1], slack=1) for h in change.hunks):
            return candidate
    return loc


def _known_hypotheses(playbooks: PlaybookSet | None) -> set[str] | None:
    if playbooks is None:
        return None
    return {f"{p.subsystem}.{h.id}" for p in playbooks for h in p.hypotheses}


def _hypothesis_updates(
    findings: list[Finding], refuting: list[tuple[str, str]], known: set[str] | None
) -> list[HypothesisUpdate]:
    grouped: dict[str, list[Finding]] = {}
    for f in findings:
        for h in f.hypotheses:
            grouped.setdefault(h, []).append(f)
    updates = []
    for hyp, fs in grouped.items():
        where = "; ".join(
            f"{f.title} at {(f.location_at('candidate') or f.locations[0]).render()}" for f in fs[:3] if f.locations
        )
        updates.append(HypothesisUpdate(hypothesis=hyp, status=HypothesisStatus.supported, evidence=where))
    for hyp, evidence in refuting:
        if hyp not in grouped and (known is None or hyp in known) and all(u.hypothesis != hyp for u in updates):
            updates.append(HypothesisUpdate(hypothesis=hyp, status=HypothesisStatus.refuted, evidence=evidence))
    return updates
