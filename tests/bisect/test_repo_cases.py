"""Bisection through the real probe runner on small generated repositories: exit 125 around the
culprit, and a range without one (merges and crashing seeds: test_repo_merge.py)."""

from __future__ import annotations

from pathlib import Path

from investigator.bisect.model import BisectStatus, CommitVerdict
from investigator.bisect.run import BisectRequest, run_bisect
from tests.support.bisect_repo import COMMAND, Planted, linear_range


def _run(planted: Planted, tmp_path: Path, **more: object):
    req = BisectRequest(repo=str(planted.repo), good=planted.shas[0], bad=planted.shas[-1], probe_command=COMMAND,
                        output=tmp_path / "out", probe_cache="none", device="cpu", **more)  # type: ignore[arg-type]
    return run_bisect(req)[0]


def test_exit_125_around_the_culprit_gives_suspects_containing_it(tmp_path: Path) -> None:
    planted = linear_range(tmp_path / "repo", 8, culprit=5, noise=3.0, skip=frozenset({4, 5}))
    b = _run(planted, tmp_path)
    assert b.status == BisectStatus.AMBIGUOUS and b.first_bad is None
    assert planted.culprit in b.suspects and set(b.suspects) <= set(planted.shas[4:7])
    skipped = [t for t in b.tested if t.verdict == CommitVerdict.SKIPPED]
    assert skipped and all("exited 125" in t.note and t.summary.iqm is None for t in skipped)


def test_no_regression_in_the_range_is_none(tmp_path: Path) -> None:
    planted = linear_range(tmp_path / "repo", 6, culprit=None, noise=3.0)
    b = _run(planted, tmp_path)
    assert b.status == BisectStatus.NO_REGRESSION and b.first_bad is None and b.suspects == []
    assert [t.position for t in b.tested] == [0, 6]
