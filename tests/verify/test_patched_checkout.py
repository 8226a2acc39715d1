"""`CheckoutCache.patched`: a commit + patch checkout, keyed by the patch, never touching the user's tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from investigator.probes.runner import CheckoutCache, PatchError
from tests.support.gitrepo import git, make_repo

CAND = "a = 1\nb = 2\nc = 3\n"
RESTORE_B = "--- a/cfg.py\n+++ b/cfg.py\n@@ -2,1 +2,1 @@\n-b = 2\n+b = 20\n"  # a zero-context one-line hunk
RESTORE_C = "--- a/cfg.py\n+++ b/cfg.py\n@@ -2,2 +2,2 @@\n b = 2\n-c = 3\n+c = 30\n"
STALE = "--- a/cfg.py\n+++ b/cfg.py\n@@ -2,1 +2,1 @@\n-b = 999\n+b = 20\n"


@pytest.fixture()
def repo(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "repo"
    shas = make_repo(path, [("base", {"cfg.py": "a = 1\nb = 20\nc = 30\n"}), ("cand", {"cfg.py": CAND})])
    return path, shas[-1]


def test_patches_apply_in_their_own_folder_and_the_plain_checkout_is_unchanged(repo, tmp_path) -> None:
    path, sha = repo
    cache = CheckoutCache(tmp_path / "cache", path / ".git")
    one = cache.patched(sha, [RESTORE_B])
    both = cache.patched(sha, [RESTORE_B, RESTORE_C])
    assert one != both and one.startswith(sha + "+") and cache.patched(sha, [RESTORE_B]) == one  # keyed by the patch
    assert (cache.checkout(one) / "cfg.py").read_text() == "a = 1\nb = 20\nc = 3\n"
    assert (cache.checkout(both) / "cfg.py").read_text() == "a = 1\nb = 20\nc = 30\n"
    assert (cache.checkout(sha) / "cfg.py").read_text() == CAND
    assert (path / "cfg.py").read_text() == CAND and git(path, "status", "--porcelain") == ""  # the user's tree


def test_a_patch_that_does_not_apply_is_a_patch_error_and_is_remembered(repo, tmp_path) -> None:
    path, sha = repo
    cache = CheckoutCache(tmp_path / "cache", path / ".git")
    key = cache.patched(sha, [RESTORE_B, STALE])
    for _ in range(2):  # the second call raises the remembered failure, same type
        with pytest.raises(PatchError, match="patch 2 of 2 does not apply"):
            cache.checkout(key)
    assert not (tmp_path / "cache" / key).exists()
    assert [p.name for p in (tmp_path / "cache").iterdir() if not p.name.endswith(".lock")] == []  # no half-made tree


def test_a_cache_inside_a_work_tree_never_patches_that_repository(repo) -> None:
    path, sha = repo
    cache = CheckoutCache(path / ".cache" / "checkouts", path / ".git")  # --probe-cache inside the user's repo
    key = cache.patched(sha, [RESTORE_B])
    assert (cache.checkout(key) / "cfg.py").read_text() == "a = 1\nb = 20\nc = 3\n"
    assert (path / "cfg.py").read_text() == CAND


def test_a_failing_setup_in_the_patched_checkout_is_a_build_failure_not_a_patch_error(repo, tmp_path) -> None:
    path, sha = repo
    cache = CheckoutCache(tmp_path / "cache", path / ".git", setup_command="python -c 'raise SystemExit(3)'")
    key = cache.patched(sha, [RESTORE_B])
    with pytest.raises(RuntimeError, match="setup command failed") as info:
        cache.checkout(key)
    assert not isinstance(info.value, PatchError)
