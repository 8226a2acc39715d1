"""Bisection through the real probe runner on small generated repositories: a regression that came
in through a merged branch, and seeds that crash."""

from __future__ import annotations

from pathlib import Path

from investigator.bisect.model import BisectStatus, CommitVerdict
from investigator.bisect.run import BisectRequest, run_bisect
from tests.support.bisect_repo import COMMAND, Planted, linear_range, merged_range


def _run(planted: Planted, tmp_path: Path, **more: object):
    req = BisectRequest(repo=str(planted.repo), good=planted.shas[0], bad=planted.shas[-1], probe_command=COMMAND,
                        output=tmp_path / "out", probe_cache="none", device="cpu", **more)  # type: ignore[arg-type]
    return run_bisect(req)[0]


def test_regression_inside_a_merged_branch_names_the_branch_commit(tmp_path: Path) -> None:
    planted = merged_range(tmp_path / "repo", noise=3.0)
    b = _run(planted, tmp_path)
    assert b.status == BisectStatus.FOUND and b.first_bad == planted.culprit == planted.extra["feature3"], b.notes
    assert b.first_bad_commit is not None and b.first_bad_commit.via_merge == planted.extra["merge"]
    assert b.first_bad_commit.subject == "feature commit 3"
    merge = next(t for t in b.tested if t.sha == planted.extra["merge"])
    assert merge.verdict == CommitVerdict.BAD and merge.commit.via_merge is None
    assert {t.sha for t in b.tested if t.commit.via_merge} <= {planted.extra[f"feature{i}"] for i in range(1, 5)}


def test_a_seed_that_crashes_is_replaced(tmp_path: Path) -> None:
    planted = linear_range(tmp_path / "repo", 6, culprit=3, noise=3.0, fail_seeds={p: [1] for p in range(1, 7)})
    b = _run(planted, tmp_path)
    assert b.status == BisectStatus.FOUND and b.first_bad == planted.culprit, b.notes
    culprit = next(t for t in b.tested if t.sha == planted.culprit)
    assert culprit.seeds > len(culprit.summary.values) >= 3 and "boom: this seed crashes" in culprit.note
