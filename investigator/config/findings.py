"""Turn compared keys into findings, no-effect changes, verified items and hypothesis updates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel

from investigator.config.model import ConfigEntry, KeyMatch, MatchStatus, SideConfig
from investigator.config.patch import restore_patch
from investigator.config.severity import Verdict, judge
from investigator.config.usage import ReadIndex, dead_reason
from investigator.models import (
    Evidence,
    EvidenceKind,
    Finding,
    HypothesisStatus,
    HypothesisUpdate,
    Location,
    NoEffectChange,
    Severity,
    VerifiedItem,
)
from investigator.playbooks_lib.schema import PlaybookSet

SOURCE = "config_forensics"
# Confidence by how the two sides were paired (a renamed key is less certain than an exact one).
MATCH_CONFIDENCE = {"exact": 0.85, "alias": 0.8, "suffix": 0.75, "leaf": 0.65, "leaf+value": 0.65,
                    "rename": 0.6, "": 0.75}
NO_ENTRY_PENALTY = 0.2
_M = TypeVar("_M", bound=BaseModel)


@dataclass
class Judged:
    match: KeyMatch
    verdict: Verdict
    dead: str | None = None  # reason when no code reads it
    place: ConfigEntry | None = None  # candidate section a removed key belongs to


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    no_effect: list[NoEffectChange] = field(default_factory=list)
    verified: list[VerifiedItem] = field(default_factory=list)
    hypotheses: list[HypothesisUpdate] = field(default_factory=list)
    judged: list[Judged] = field(default_factory=list)


_set = object.__setattr__


def _built(cls: type[_M], values: dict, fields_set: set[str]) -> _M:
    """`cls(**values)` for values already of the field types (all fields given), without validation:
    what `BaseModel.model_construct` does, at a fraction of its cost."""
    obj = cls.__new__(cls)
    _set(obj, "__dict__", values)
    _set(obj, "__pydantic_fields_set__", fields_set)
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def _loc(entry: ConfigEntry | None, side: str) -> Location | None:
    if entry is None or entry.path.startswith("<"):
        return None
    return Location(path=entry.path, line=entry.line, side=side)  # type: ignore[arg-type]


def section_index(matches: list[KeyMatch]) -> dict[str, ConfigEntry]:
    """Baseline section -> candidate entry of the first key of that section matched at both sides."""
    out: dict[str, ConfigEntry] = {}
    for other in matches:
        if other.baseline is not None and other.candidate is not None:
            out.setdefault(other.baseline.parent, other.candidate)
    return out


def placement(match: KeyMatch, matches: list[KeyMatch], cand: SideConfig,
              sections: dict[str, ConfigEntry] | None = None) -> ConfigEntry | None:
    """Where the candidate layout keeps the section a removed key belonged to.

    `sections` is `section_index(matches)`, built once by callers that ask for many keys."""
    assert match.baseline is not None
    if match.baseline.key in cand.replaced:
        return cand.replaced[match.baseline.key]
    parent = match.baseline.parent
    if parent and sections is None:
        sections = section_index(matches)
    while parent:
        hit = sections.get(parent)  # type: ignore[union-attr]
        if hit is not None:
            return hit
        parent = parent.rsplit(".", 1)[0] if "." in parent else ""
    return None


def _target_of(key: str, targets: dict[str, str]) -> str | None:
    if not targets:
        return None
    parts = key.split(".")
    for n in range(len(parts) - 1, -1, -1):
        section = ".".join(parts[:n])
        if section in targets:
            return targets[section]
    return None


def dead_for(match: KeyMatch, reads: tuple[ReadIndex, ReadIndex], targets: tuple[dict, dict]) -> str | None:
    """Reason the change has no effect (unread at every side where it exists), else None."""
    reasons = []
    for entry, index, tmap, side in ((match.baseline, reads[0], targets[0], "baseline"),
                                     (match.candidate, reads[1], targets[1], "candidate")):
        if entry is None:
            continue
        reason = dead_reason(entry.key, index, _target_of(entry.key, tmap))
        if reason is None:
            return None
        reasons.append(f"{side}: {reason}")
    return "; ".join(reasons) if reasons else None


def _value(entry: ConfigEntry | None) -> str:
    return entry.render_value() if entry is not None else "—"


def _fix(match: KeyMatch, matches: list[KeyMatch], cand: SideConfig,
         sections: dict[str, ConfigEntry] | None = None) -> tuple[str, Location | None]:
    b, c = match.baseline, match.candidate
    if match.status is MatchStatus.changed and b and c:
        where = c.where()
        return (f"Restore the baseline value: set `{c.key}` back to {b.render_value()} at {where} "
                f"(baseline {b.where()})."), _loc(c, "candidate")
    if match.status is MatchStatus.removed and b:
        place = placement(match, matches, cand, sections)
        if place is not None:
            section = place.parent or "(top level)"
            return (f"Re-add `{b.leaf}` = {b.render_value()} to section `{section}` where the candidate "
                    f"defines it ({place.where()}); baseline had it at {b.where()}."), _loc(place, "candidate")
        return (f"Re-add `{b.key}` = {b.render_value()} to the candidate configuration (baseline "
                f"{b.where()}).", None)
    if match.status is MatchStatus.added and c:
        return (f"Confirm `{c.key}` = {c.render_value()} (new at {c.where()}) is intended; the baseline "
                "did not set it (the code's own default applied). Remove it to restore baseline behaviour."
                ), _loc(c, "candidate")
    return "", None


def _title(match: KeyMatch) -> str:
    b, c = match.baseline, match.candidate
    if match.status is MatchStatus.removed:
        return f"Config `{b.key}` = {_value(b)} removed from the effective configuration"  # type: ignore[union-attr]
    if match.status is MatchStatus.added:
        return f"Config `{c.key}` = {_value(c)} added to the effective configuration"  # type: ignore[union-attr]
    name = b.key if b.key == c.key else f"{b.key} → {c.key}"  # type: ignore[union-attr]
    return f"Config `{name}` changed: {_value(b)} → {_value(c)}"


def build_outcome(matches: list[KeyMatch], base: SideConfig, cand: SideConfig, playbooks: PlaybookSet,
                  reads: tuple[ReadIndex, ReadIndex], targets: tuple[dict, dict], *,
                  entry_known: bool, read_candidate: Callable[[str], str | None] | None = None) -> Outcome:
    out = Outcome()
    groups: dict[str, dict[str, list[Judged]]] = {}
    sections: dict[str, ConfigEntry] | None = None  # built on the first removed key that is read
    for match in matches:
        verdict = judge(match, playbooks)
        judged = Judged(match, verdict)
        out.judged.append(judged)
        hyp = verdict.hypothesis
        if match.status in (MatchStatus.unchanged, MatchStatus.moved):
            if hyp:
                groups.setdefault(hyp, {"same": [], "changed": []})["same"].append(judged)
            if verdict.learning_dynamics and verdict.severity.at_least(Severity.significant):
                b = match.baseline
                assert b is not None
                moved = f" (moved {b.where()} → {match.candidate.where()})" if match.candidate else ""  # type: ignore[union-attr]
                out.verified.append(VerifiedItem(subsystem=verdict.subsystem, source=SOURCE,
                                                 what=f"{b.key} {b.render_value()} identical",
                                                 how=f"effective configuration at both commits{moved}"))
            continue
        judged.dead = dead_for(match, reads, targets)
        if judged.dead is not None:  # thousands on a large refactor: built without re-validation
            out.no_effect.append(_built(NoEffectChange, {
                "subsystem": verdict.subsystem, "title": _title(match),
                "reason": f"dead configuration, {judged.dead}",
                "locations": [_built(Location, {"path": e.path, "line": e.line, "end_line": None, "side": side},
                                     {"path", "line", "side"})
                              for e, side in ((match.baseline, "baseline"), (match.candidate, "candidate"))
                              if e is not None and not e.path.startswith("<")],
                "source": SOURCE}, {"subsystem", "title", "reason", "locations", "source"}))
            continue
        locations = [loc for loc in (_loc(match.baseline, "baseline"), _loc(match.candidate, "candidate")) if loc]
        if hyp:
            groups.setdefault(hyp, {"same": [], "changed": []})["changed"].append(judged)
        if match.status is MatchStatus.removed:
            if sections is None:
                sections = section_index(matches)
            judged.place = placement(match, matches, cand, sections)
        fix, fix_loc = _fix(match, matches, cand, sections)
        if fix_loc is not None and all(loc.side != "candidate" for loc in locations):
            locations.append(fix_loc)
        confidence = MATCH_CONFIDENCE.get(match.how, 0.7)
        if match.status is MatchStatus.added:
            confidence -= 0.15
        if not entry_known:
            confidence -= NO_ENTRY_PENALTY
        impact = verdict.why
        if verdict.playbook and verdict.rule and verdict.rule.hypothesis:
            hypothesis = verdict.playbook.hypothesis(verdict.rule.hypothesis)
            if hypothesis is not None:
                impact = f"{hypothesis.statement} ({verdict.why})"
        key = (match.baseline or match.candidate).key  # type: ignore[union-attr]
        evidence = Evidence(
            kind=EvidenceKind.config,
            summary=f"{_value(match.baseline)} → {_value(match.candidate)} ({match.status.value}"
                    + (f", matched by {match.how}" if match.how else "") + ")",
            locations=locations,
            details={"key": key, "status": match.status.value, "matched_by": match.how,
                     "baseline": _value(match.baseline), "candidate": _value(match.candidate),
                     "baseline_key": match.baseline.key if match.baseline else None,
                     "candidate_key": match.candidate.key if match.candidate else None},
        )
        patch = None
        if read_candidate and match.status is MatchStatus.changed and match.baseline and match.candidate:
            patch = restore_patch(read_candidate(match.candidate.path), match.candidate, match.baseline)
        out.findings.append(Finding(
            id=f"{SOURCE}:{key}", source=SOURCE, subsystem=verdict.subsystem, severity=verdict.severity,
            confidence=round(max(0.2, min(confidence, 0.95)), 2), title=_title(match), impact=impact,
            rationale=f"Effective configuration of the training entry ({match.status.value}); {verdict.why}.",
            locations=locations, evidence=[evidence], fix=fix, patch=patch,
            hypotheses=[hyp] if hyp else [],
        ))
    for hyp, group in sorted(groups.items()):
        if group["changed"]:
            keys = ", ".join(f"`{j.match.key}` {_value(j.match.baseline)} → {_value(j.match.candidate)}"
                             for j in group["changed"][:6])
            out.hypotheses.append(HypothesisUpdate(hypothesis=hyp, status=HypothesisStatus.supported,
                                                   evidence=f"effective config changed: {keys}"))
        else:
            keys = ", ".join(f"`{j.match.key}` {_value(j.match.baseline)}" for j in group["same"][:6])
            out.hypotheses.append(HypothesisUpdate(hypothesis=hyp, status=HypothesisStatus.refuted,
                                                   evidence=f"effective config identical at both commits: {keys}"))
    return out
