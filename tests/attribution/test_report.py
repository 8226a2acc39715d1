"""The markdown report names the introducing commit per finding and lists the commits behind the
findings, only for a range of more than one commit."""

from __future__ import annotations

from pathlib import Path

from investigator.models import CommitRef, Finding, Severity
from investigator.report.markdown import _commits_behind, render_markdown
from investigator.request import InvestigationRequest
from investigator.workflow.state import CommitSummary, Investigation, RangeSummary

A = CommitRef(sha="a" * 40, short="aaaaaaa", subject="Tune the reward", author="Ada", date="2024-05-01T10:00:00+00:00")
B = CommitRef(sha="b" * 40, short="bbbbbbb", subject="Feature work", author="Bo", date="2024-05-02T10:00:00+00:00",
              via_merge="c" * 40)


def _inv(commits: int, refs: list[CommitRef | None], severities: list[Severity]) -> Investigation:
    side = CommitSummary(ref="x", sha="0" * 40, short="0000000", summary="s", author="a", date="d")
    findings = [Finding(id=f"f{i}", source="code_detectors.x", subsystem="ppo", severity=sev, confidence=0.9,
                        title=f"finding {i}", rank=i + 1, introduced_by=ref)
                for i, (ref, sev) in enumerate(zip(refs, severities, strict=True))]
    return Investigation(request=InvestigationRequest(repo="r", output=Path("out")), findings=findings,
                         range=RangeSummary(baseline=side, candidate=side, relation="baseline is an ancestor of candidate",
                                            commits_between=commits))


def test_commits_table_counts_findings_and_top_severity():
    inv = _inv(5, [A, B, A, None], [Severity.low, Severity.significant, Severity.critical, Severity.low])
    table = _commits_behind(inv)
    rows = [ln for ln in table if ln.startswith("| `")]
    assert rows[0].startswith("| `aaaaaaa` Tune the reward (Ada, 2024-05-01)") and "| 2 (#1, #3) | critical |" in rows[0]
    assert "via merge `ccccccc`" in rows[1] and "| 1 (#2) | significant |" in rows[1]
    assert any(ln.startswith("| not attributed") and "| 1 |" in ln for ln in table)
    md = render_markdown(inv)
    assert "- Introduced by `aaaaaaa` Tune the reward (Ada, 2024-05-01)" in md
    assert "- Introduced by `bbbbbbb` Feature work (Bo, 2024-05-02), via merge `ccccccc`" in md


def test_many_findings_of_one_commit_list_a_few_ranks():
    inv = _inv(3, [A] * 9, [Severity.low] * 9)
    row = next(ln for ln in _commits_behind(inv) if ln.startswith("| `"))
    assert "| 9 (#1, #2, #3, #4, #5, #6, …) | low |" in row


def test_no_table_for_one_commit_or_when_nothing_is_attributed():
    assert _commits_behind(_inv(1, [A], [Severity.low])) == []
    assert _commits_behind(_inv(4, [None], [Severity.low])) == []
    assert "Commits behind the findings" not in render_markdown(_inv(4, [None], [Severity.low]))
