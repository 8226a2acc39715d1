"""The probe caches stay bounded: least recently used checkouts and month-old results go; nothing in use does."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from investigator.probes.cache import ResultCache
from investigator.probes.model import ProbeJob, ProbeRun, ProbeStatus
from investigator.probes.prune import prune_checkouts, prune_results, touch
from investigator.probes.runner import CheckoutCache
from tests.support.gitrepo import commit_files


def _checkouts(root: Path, names: list[str], ages_days: list[float]) -> None:
    now = time.time()
    for name, age in zip(names, ages_days, strict=True):
        (root / name).mkdir(parents=True)
        (root / name / "train.py").write_text("x = 1\n")
        os.utime(root / name, (now - age * 86400, now - age * 86400))


def test_keeps_the_newest_and_removes_old_or_surplus_checkouts(tmp_path: Path) -> None:
    names = [c * 40 for c in "abcdef"]
    _checkouts(tmp_path, names, [0.1, 0.2, 0.3, 0.4, 0.5, 40.0])
    (tmp_path / ".aaaa.lock").write_text("")  # dot-files are the cache's own: never a checkout
    removed = prune_checkouts(tmp_path, keep=3, max_age_days=30, protect=["d" * 40])
    assert sorted(removed) == ["e" * 40, "f" * 40]  # e: beyond the newest 3; f: older than 30 days; d: protected
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == ["a" * 40, "b" * 40, "c" * 40, "d" * 40]
    assert (tmp_path / ".aaaa.lock").exists()


def test_a_checkout_locked_by_another_user_is_left_alone(tmp_path: Path) -> None:
    _checkouts(tmp_path, ["a" * 40], [60.0])
    with open(tmp_path / f".{'a' * 40}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        assert prune_checkouts(tmp_path, keep=0) == []
    assert prune_checkouts(tmp_path, keep=0) == ["a" * 40]
    assert not (tmp_path / ("a" * 40)).exists()


def test_missing_root_is_nothing_to_do(tmp_path: Path) -> None:
    assert prune_checkouts(tmp_path / "absent") == []


def test_use_refreshes_a_checkout_so_it_is_kept(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    sha = commit_files(repo, {"train.py": "x = 1\n"}, "one")
    cache = CheckoutCache(tmp_path / "checkouts", repo / ".git")
    target = cache.checkout(sha)
    old = time.time() - 90 * 86400
    os.utime(target, (old, old))
    cache.checkout(sha)  # a second use: recent again
    assert prune_checkouts(tmp_path / "checkouts", keep=5, max_age_days=30) == []
    os.utime(target, (old, old))
    touch(tmp_path / "absent")  # never raises
    assert prune_checkouts(tmp_path / "checkouts", keep=5, max_age_days=30) == [sha]


def test_results_older_than_the_limit_are_deleted(tmp_path: Path) -> None:
    store = ResultCache(tmp_path / "c.sqlite")
    job = ProbeJob(probe="lr_trajectory", side="baseline", script="lr_trajectory", params={}, seed=1)
    run = ProbeRun(probe=job.probe, side="baseline", commit="a" * 40, status=ProbeStatus.ok, result={"lr": [1.0]})
    store.put(job, "a" * 40, run)
    store.put(job, "b" * 40, run)
    store.delete_older_than(0)  # nothing is older than 1970
    assert store.count() == 2
    store._execute("UPDATE runs SET created = ? WHERE commit_sha = ?", (time.time() - 40 * 86400, "a" * 40))
    assert prune_results(store, max_age_days=30) == 1
    assert store.get(job, "a" * 40) is None and store.get(job, "b" * 40) is not None
