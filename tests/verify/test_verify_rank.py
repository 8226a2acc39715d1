"""Confidence and rank follow the verdict; no finding is ever deleted."""

from __future__ import annotations

from investigator.models import Finding, Severity, Verification
from investigator.verify.rank import apply_verifications


def _f(fid: str, severity: Severity, confidence: float, rank: int) -> Finding:
    return Finding(id=fid, source="s", subsystem="ppo", severity=severity, confidence=confidence, title=fid, rank=rank)


def _v(verdict: str, recovery: float | None = 0.5) -> Verification:
    return Verification(verdict=verdict, recovery=recovery, interval=[0.3, 0.7] if recovery is not None else None, runs=3)  # type: ignore[arg-type]


def test_proven_ranks_first_among_its_peers_and_no_effect_is_halved_not_deleted() -> None:
    ranked = [_f("a", Severity.critical, 0.9, 1), _f("b", Severity.critical, 0.6, 2), _f("c", Severity.critical, 0.5, 3),
              _f("d", Severity.significant, 0.95, 4), _f("e", Severity.significant, 0.4, 5)]
    out = apply_verifications(ranked, {"a": _v("no_effect", 0.0), "c": _v("proven"), "e": _v("proven"),
                                       "b": _v("inconclusive")})
    assert [f.id for f in out] == ["c", "b", "a", "e", "d"]  # severity first; proven first within it
    assert [f.rank for f in out] == [1, 2, 3, 4, 5]
    by = {f.id: f for f in out}
    assert by["a"].confidence == 0.45 and by["a"].verification.verdict == "no_effect"  # type: ignore[union-attr]
    assert by["c"].confidence == 0.75 and by["b"].confidence == 0.6  # proven gains, inconclusive unchanged
    assert by["d"].verification is None and by["d"].confidence == 0.95
    assert any(e.summary.startswith("verify: restoring it") for e in by["c"].evidence)


def test_failed_verifications_change_nothing_but_are_shown() -> None:
    ranked = [_f("a", Severity.critical, 0.9, 1), _f("b", Severity.critical, 0.6, 2)]
    failed = Verification(verdict="inconclusive", status="patch_failed", note="the patch does not apply: x")
    out = apply_verifications(ranked, {"b": failed})
    assert [f.id for f in out] == ["a", "b"] and out[1].confidence == 0.6
    assert out[1].evidence[-1].summary == "verify: patch failed: the patch does not apply: x"
    assert apply_verifications(ranked, {}) is ranked
