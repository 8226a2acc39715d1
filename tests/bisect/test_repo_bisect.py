"""Bisection through the real probe runner on a generated 64-commit repository: each seed is a
subprocess in an exported checkout of its commit; a second bisection reuses every run from the cache.
"""

from __future__ import annotations

from pathlib import Path

from investigator.bisect.model import BisectStatus, CommitVerdict
from investigator.bisect.run import BisectRequest, run_bisect
from tests.support.bisect_repo import COMMAND, linear_range


def test_planted_regression_among_64_commits_then_all_from_the_cache(tmp_path: Path) -> None:
    planted = linear_range(tmp_path / "repo", 64, culprit=37, noise=4.0, drop=0.25)
    req = BisectRequest(repo=str(planted.repo), good=planted.shas[0], bad=planted.shas[-1], probe_command=COMMAND,
                        primary_metric="charts/episodic_return", output=tmp_path / "out",
                        probe_cache=str(tmp_path / "cache"), formats=["md", "json"], device="cpu")
    b, reports = run_bisect(req)
    assert b.status == BisectStatus.FOUND and b.first_bad == planted.culprit, b.notes
    assert b.first_bad_commit is not None and b.first_bad_commit.subject == "lower the reward scale"
    assert b.commits_in_range == 64 and b.cached_runs == 0 and 20 <= b.runs < 64
    by_position = {t.position: t for t in b.tested}
    assert by_position[37].verdict == CommitVerdict.BAD and by_position[36].verdict == CommitVerdict.GOOD
    assert all(t.summary.iqm is not None and len(t.summary.values) == t.seeds for t in b.tested)
    assert by_position[0].summary.iqm > by_position[64].summary.iqm * 1.2  # type: ignore[operator]
    logs = list((tmp_path / "out" / "probes").glob(f"*/{planted.culprit[:12]}/*-logs/progress.csv"))
    assert len(logs) == by_position[37].seeds  # each seed's logs kept beside the report, per commit
    text = Path(reports["md"]).read_text()
    assert f"`{planted.culprit[:7]}` **first bad**" in text and "![metric by commit](figures/" in text
    assert (tmp_path / "out" / text.split("![metric by commit](")[1].split(")")[0]).is_file()

    again, _ = run_bisect(req)  # same commits, command and seeds: nothing runs again
    assert again.first_bad == planted.culprit and again.cached_runs == again.runs == b.runs
