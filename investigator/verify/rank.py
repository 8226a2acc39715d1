"""How a verification moves its finding: confidence and rank follow the verdict.

A proven cause is an experiment's answer: its confidence closes half the remaining doubt (the
corroboration gain) and it ranks first among the findings of its severity. No measurable effect
halves the confidence (as a refuting probe does; the finding is never deleted). Inconclusive and
failed verifications change nothing but are shown.
"""

from __future__ import annotations

from investigator.models import Evidence, EvidenceKind, Finding, Verification
from investigator.ranking import CORROBORATION_GAIN


def summary(v: Verification) -> str:
    if v.status != "measured":
        return f"verify: {v.status.replace('_', ' ')}: {v.note}"
    if v.recovery is None:
        return f"verify: not decided ({v.note})" if v.note else "verify: not decided"
    span = f" [{v.interval[0]:.0%}, {v.interval[1]:.0%}]" if v.interval else ""
    what = {"proven": "proven cause", "no_effect": "no measurable effect", "inconclusive": "inconclusive"}[v.verdict]
    seeds = f"; about {v.seeds_needed} seeds per group would decide" if v.seeds_needed else ""
    return f"verify: restoring it at the candidate recovers {v.recovery:.0%}{span} of the regression ({what}{seeds}; {v.runs} runs)"


def apply_verifications(ranked: list[Finding], verifications: dict[str, Verification]) -> list[Finding]:
    """The ranked findings with their verification, confidence and rank updated (a new list)."""
    if not verifications:
        return ranked
    out: list[Finding] = []
    for f in ranked:
        v = verifications.get(f.id)
        if v is None:
            out.append(f)
            continue
        conf = f.confidence
        if v.verdict == "proven":
            conf = round(conf + (1 - conf) * CORROBORATION_GAIN, 3)
        elif v.verdict == "no_effect":
            conf = round(conf / 2, 3)
        evidence = [*f.evidence, Evidence(kind=EvidenceKind.probe, summary=summary(v), details={"probe": "verify"})]
        out.append(f.model_copy(update={"verification": v, "confidence": conf, "evidence": evidence}))
    out.sort(key=lambda f: (-f.severity.weight, 0 if f.verification and f.verification.verdict == "proven" else 1,
                            -f.confidence, f.rank or 0))
    for i, f in enumerate(out, start=1):
        f.rank = i
    return out
