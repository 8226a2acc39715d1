from __future__ import annotations

import subprocess

import pytest

from investigator.git import InputError, build_changeset, open_repository, resolve_range
from tests.conftest import commit_files, git


@pytest.fixture()
def repo(tmp_path):
    path = tmp_path / "r"
    commit_files(path, {"a.py": "x = 1\n", "data.bin": b"\x00\x01\x02", "keep.txt": "same\n" * 20}, "one")
    git(path, "tag", "v1")
    commit_files(path, {"a.py": "x = 2\n"}, "two")
    git(path, "tag", "-a", "v2", "-m", "annotated")
    commit_files(path, {"data.bin": b"\x00\x09\x02", "moved.txt": "same\n" * 20, "keep.txt": None}, "three")
    return path


def test_resolves_every_kind_of_ref(repo):
    handle = open_repository(str(repo))
    head = git(repo, "rev-parse", "HEAD")
    first = git(repo, "rev-parse", "v1")
    for ref in ("v1", first, first[:8], "HEAD~2", "main~2"):
        rng = resolve_range(handle, ref, None)
        assert rng.baseline.sha == first
        assert rng.candidate.sha == head
    rng = resolve_range(handle, "v2", "v1")  # annotated tag resolves to its commit
    assert rng.relation == "candidate is an ancestor of baseline"
    assert rng.commits_between == 1


def test_counts_commits_between_and_says_which_is_ancestor(repo):
    handle = open_repository(str(repo))
    rng = resolve_range(handle, "v1", "HEAD")
    assert rng.relation == "baseline is an ancestor of candidate"
    assert rng.commits_between == 2


def test_changeset_reads_renames_binaries_and_hunks(repo):
    handle = open_repository(str(repo))
    cs = build_changeset(handle, resolve_range(handle, "v1", "HEAD"))
    by_path = {f.path: f for f in cs.files}
    assert by_path["moved.txt"].status == "renamed" and by_path["moved.txt"].old_path == "keep.txt"
    assert by_path["moved.txt"].is_pure_rename
    assert by_path["data.bin"].binary and not by_path["data.bin"].hunks
    hunk = by_path["a.py"].hunks[0]
    assert hunk.removed_lines == [1] and hunk.added_lines == [1]
    assert cs.baseline.read_text("a.py") == "x = 1\n"
    assert cs.candidate.read_text("a.py") == "x = 2\n"
    assert cs.candidate.read_text("keep.txt") is None
    assert cs.baseline.read_text("data.bin") is None  # binary content is not text


def test_changeset_preloads_changed_blobs_at_both_sides(tmp_path):
    """The diff names every changed blob; both sides' contents arrive with the change set, including
    two paths that share one blob, and reading them needs no further git process."""
    path = tmp_path / "r"
    commit_files(path, {"a.py": "x = 1\n", "b.py": "x = 1\n", "gone.py": "y = 0\n"}, "one")
    commit_files(path, {"a.py": "x = 2\n", "b.py": "x = 2\n", "gone.py": None, "new.py": "z = 3\n"}, "two")
    handle = open_repository(str(path))
    cs = build_changeset(handle, resolve_range(handle, "HEAD~1", "HEAD"))
    assert {f.path: (f.old_blob is not None, f.new_blob is not None) for f in cs.files} == {
        "a.py": (True, True), "b.py": (True, True), "gone.py": (True, False), "new.py": (False, True)}

    def no_git(*args, **kwargs):
        raise AssertionError(f"unexpected git call {args}")

    cs.baseline._read_blobs = no_git  # type: ignore[method-assign]
    cs.candidate._read_blobs = no_git  # type: ignore[method-assign]
    assert [cs.baseline.read_text(p) for p in ("a.py", "b.py", "gone.py")] == ["x = 1\n", "x = 1\n", "y = 0\n"]
    assert [cs.candidate.read_text(p) for p in ("a.py", "b.py", "new.py")] == ["x = 2\n", "x = 2\n", "z = 3\n"]
    assert cs.candidate.read_text("gone.py") is None and cs.baseline.read_text("new.py") is None


def test_missing_blob_reads_as_none(repo):
    handle = open_repository(str(repo))
    cs = build_changeset(handle, resolve_range(handle, "v1", "HEAD"))
    assert cs.baseline.read_blob_ids(["0123456789abcdef0123456789abcdef01234567"]) == [None]


def test_bare_repository_is_readable(repo, tmp_path):
    bare = tmp_path / "bare.git"
    subprocess.run(["git", "clone", "-q", "--bare", str(repo), str(bare)], check=True)
    handle = open_repository(str(bare))
    assert handle.is_bare
    cs = build_changeset(handle, resolve_range(handle, "v1", "HEAD"))
    assert {f.path for f in cs.files} >= {"a.py", "moved.txt"}


def test_file_url_is_cloned_into_cache(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("INVESTIGATOR_CACHE", str(tmp_path / "cache"))
    handle = open_repository(f"file://{repo}")
    rng = resolve_range(handle, "v1", "main")
    assert rng.commits_between == 2


@pytest.mark.parametrize(
    ("source", "baseline", "candidate", "message"),
    [
        ("missing", "v1", None, "does not exist"),
        ("plain", "v1", None, "not a git repository"),
        ("repo", "nope", None, "unknown baseline ref"),
        ("repo", "v1", "nope", "unknown candidate ref"),
        ("repo", "HEAD", "main", "same commit"),
    ],
)
def test_bad_input_raises_one_clear_error(repo, tmp_path, source, baseline, candidate, message):
    (tmp_path / "plain").mkdir()
    path = {"missing": tmp_path / "missing", "plain": tmp_path / "plain", "repo": repo}[source]
    with pytest.raises(InputError, match=message):
        handle = open_repository(str(path))
        resolve_range(handle, baseline, candidate)


def test_unrelated_histories_are_rejected(repo):
    git(repo, "checkout", "-q", "--orphan", "other")
    git(repo, "rm", "-rq", "--cached", ".")
    commit_files(repo, {"z.py": "z = 1\n"}, "orphan")
    handle = open_repository(str(repo))
    with pytest.raises(InputError, match="unrelated histories"):
        resolve_range(handle, "main", "other")


def test_empty_repository_is_rejected(tmp_path):
    path = tmp_path / "empty"
    path.mkdir()
    git(path, "init", "-q")
    with pytest.raises(InputError, match="no commits"):
        open_repository(str(path))
