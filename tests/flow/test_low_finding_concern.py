"""A low detector finding speaks for its own lines only (real shape: rl-starter-files' PPO update, where a low "gradient
cut added on values (targets: the textbook form)" 22 lines above made the entropy bonus's sign flip
`entropy = -dist.entropy().mean()` "that finding's concern": the culprit vanished from the report)."""

from __future__ import annotations

from types import SimpleNamespace

from investigator.flow.analyzer import Explained, explained_lines
from investigator.models import AnalyzerResult, Finding, Location, Severity


def _finding(severity: Severity) -> Finding:
    return Finding(id="code_detectors:detach_grad:ppo.py:32", source="code_detectors.detach_grad", subsystem="ppo",
                   severity=severity, confidence=0.8, title="Gradient cut added on values",
                   locations=[Location(path="ppo.py", line=32, side="candidate")])


def _explained(severity: Severity) -> Explained:
    ctx = SimpleNamespace(prior={"code_detectors": AnalyzerResult(analyzer="code_detectors",
                                                                  findings=[_finding(severity)])})
    return explained_lines(ctx)  # type: ignore[arg-type]


def test_a_low_finding_does_not_absorb_another_edit_nearby() -> None:
    explained = _explained(Severity.low)
    assert not explained.same_concern("candidate", "ppo.py", 54, "ppo")
    assert explained.covers("candidate", "ppo.py", 32, 32)  # its own lines stay explained


def test_a_significant_finding_still_covers_its_neighbourhood() -> None:
    explained = _explained(Severity.significant)
    assert explained.same_concern("candidate", "ppo.py", 54, "ppo")
