"""Small pieces every adapter probe's `decide` uses: the usable run of each side (or a `failed`
decision saying which side failed and why), probe hypothesis updates, and short name lists.

Why shared: each probe must report a failed side the same way, and name parameters the same way
("critic.2.weight and 3 more"), so reports read alike whichever probe wrote them.
"""

from __future__ import annotations

from collections.abc import Iterable

from investigator.models import EvidenceKind, HypothesisStatus, HypothesisUpdate
from investigator.probes.model import ProbeDecision, ProbeRun


def paired(probe: str, baseline: list[ProbeRun], candidate: list[ProbeRun], what: str) -> tuple[ProbeRun, ProbeRun] | ProbeDecision:
    """The first ok run of each side, or a `failed` decision naming the side that did not run."""
    ok_b, ok_c = [r for r in baseline if r.ok], [r for r in candidate if r.ok]
    if ok_b and ok_c:
        return ok_b[0], ok_c[0]
    failed = next((r for r in [*baseline, *candidate] if not r.ok), None)
    why = f"{failed.side}: {failed.error or failed.status.value}" if failed else "no runs"
    return ProbeDecision(probe=probe, verdict="failed", summary=f"{what} probe did not run ({why})")


def update(source: str, hypothesis: str, status: HypothesisStatus, text: str) -> HypothesisUpdate:
    return HypothesisUpdate(hypothesis=hypothesis, status=status, evidence=text, kind=EvidenceKind.probe, source=source)


def names(items: Iterable[str], limit: int = 3) -> str:
    """`a, b, c and 4 more` (the first `limit` names in the given order)."""
    listed = list(items)
    head = ", ".join(listed[:limit])
    return head + (f" and {len(listed) - limit} more" if len(listed) > limit else "")
