from __future__ import annotations

import subprocess

import pytest

from investigator.git import InputError, build_changeset, open_repository, resolve_range
from tests.support.gitrepo import commit_files, git


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


# --- errors that name their cause (issue 12, item 8) and their neighbours -----------------------------


def _cache_entry(tmp_path, url):
    import hashlib

    return tmp_path / "cache" / "repos" / hashlib.sha256(url.encode()).hexdigest()[:16]


def test_unreachable_url_carries_gits_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("INVESTIGATOR_CACHE", str(tmp_path / "cache"))
    with pytest.raises(InputError) as err:
        open_repository("https://127.0.0.1:9/x.git")
    assert str(err.value).startswith("cannot clone https://127.0.0.1:9/x.git: unable to access 'https://127.0.0.1:9/x.git/': ")
    assert "127.0.0.1 port 9" in str(err.value)
    missing = tmp_path / "nowhere.git"
    with pytest.raises(InputError) as err:
        open_repository(f"file://{missing}")
    assert str(err.value) == f"cannot clone file://{missing}: Could not read from remote repository."
    assert list((tmp_path / "cache" / "repos").iterdir()) == []  # no half-written entry is left behind


@pytest.mark.parametrize("broken", ["empty dir", "no refs", "a file", "foreign url"])
def test_broken_cache_entry_is_rebuilt_not_trusted(repo, tmp_path, monkeypatch, broken):
    monkeypatch.setenv("INVESTIGATOR_CACHE", str(tmp_path / "cache"))
    url = f"file://{repo}"
    entry = _cache_entry(tmp_path, url)
    entry.parent.mkdir(parents=True)
    if broken == "empty dir":
        entry.mkdir()
    elif broken == "no refs":  # a clone killed before it wrote its refs
        subprocess.run(["git", "init", "-q", "--bare", str(entry)], check=True)
        subprocess.run(["git", f"--git-dir={entry}", "remote", "add", "origin", url], check=True)
    elif broken == "a file":
        entry.write_text("junk")
    else:
        other = tmp_path / "other"
        commit_files(other, {"o.py": "o = 1\n"}, "other")
        subprocess.run(["git", "clone", "-q", "--mirror", str(other), str(entry)], check=True)
    handle = open_repository(url)
    assert handle.git_dir == str(entry)
    assert resolve_range(handle, "v1", "main").commits_between == 2


def test_valid_cache_entry_is_fetched_and_stale_temporary_clones_are_removed(repo, tmp_path, monkeypatch):
    import os
    import time

    monkeypatch.setenv("INVESTIGATOR_CACHE", str(tmp_path / "cache"))
    url = f"file://{repo}"
    open_repository(url)
    entry = _cache_entry(tmp_path, url)
    stale, fresh = entry.parent / f".{entry.name}.old", entry.parent / f".{entry.name}.new"
    stale.mkdir()
    fresh.mkdir()
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    new_head = commit_files(repo, {"a.py": "x = 3\n"}, "four")
    handle = open_repository(url)
    assert resolve_range(handle, "v1", "main").candidate.sha == new_head
    assert not stale.exists() and fresh.exists()  # a clone another run is writing right now is left alone


def test_shallow_clone_says_so(repo, tmp_path):
    git(repo, "checkout", "-q", "-b", "side", "v1")
    commit_files(repo, {"s.py": "s = 1\n"}, "side")
    git(repo, "checkout", "-q", "main")
    for i in range(3):
        commit_files(repo, {"a.py": f"x = {10 + i}\n"}, f"more {i}")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", "--no-single-branch", f"file://{repo}", str(shallow)], check=True)
    handle = open_repository(str(shallow))
    assert handle.is_shallow
    with pytest.raises(InputError) as err:
        resolve_range(handle, "origin/side", "origin/main")
    side, main = git(shallow, "rev-parse", "--short=7", "origin/side"), git(shallow, "rev-parse", "--short=7", "origin/main")
    assert str(err.value) == (
        f"{shallow} is a shallow clone: no common ancestor of baseline {side} and candidate {main} within it "
        "(the merge base lies beyond the shallow boundary); `git fetch --unshallow` fetches the full history"
    )
    with pytest.raises(InputError) as err:
        resolve_range(handle, "HEAD~5", None)
    assert str(err.value) == (
        f"unknown baseline ref: 'HEAD~5' (not in this shallow clone {shallow}; it may lie beyond the shallow "
        "boundary: `git fetch --unshallow` fetches the full history)"
    )
    assert resolve_range(handle, "HEAD~1", None).commits_between == 1  # within the boundary it works


def _ambiguous_prefix(path):
    """A 4-hex prefix shared by two objects of the repository (made by adding blobs until one exists)."""
    seen: dict[str, str] = {}
    i = 0
    while True:
        blob = subprocess.run(["git", "-C", str(path), "hash-object", "-w", "--stdin"], input=f"blob {i}\n",
                              capture_output=True, text=True, check=True).stdout.strip()
        if blob[:4] in seen and seen[blob[:4]] != blob:
            return blob[:4]
        seen[blob[:4]] = blob
        i += 1


def test_ambiguous_short_sha_tree_and_blob_refs_get_their_true_message(repo):
    handle = open_repository(str(repo))
    prefix = _ambiguous_prefix(repo)
    with pytest.raises(InputError) as err:
        resolve_range(handle, prefix, None)
    assert str(err.value) == f"ambiguous baseline ref '{prefix}': matches 2 objects (2 blobs); give more hex digits"
    with pytest.raises(InputError) as err:
        resolve_range(handle, "v1", "HEAD^{tree}")
    assert str(err.value) == "candidate ref 'HEAD^{tree}' names a tree, not a commit"
    blob = git(repo, "rev-parse", "HEAD:a.py")
    for ref in (blob, "HEAD:a.py"):
        with pytest.raises(InputError) as err:
            resolve_range(handle, ref, None)
        assert str(err.value) == f"baseline ref '{ref}' names a blob, not a commit"


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("--foo", "invalid baseline ref: '--foo' (a ref cannot start with '-')"),
        ("-n1", "invalid baseline ref: '-n1' (a ref cannot start with '-')"),
        ("my branch", None),
        ("  ", "invalid baseline ref: '  ' (empty)"),
        ("v1\nHEAD", "invalid baseline ref: 'v1\\nHEAD' (contains a control character)"),
    ],
)
def test_odd_refs_are_refused_without_reaching_git_options(repo, ref, message):
    handle = open_repository(str(repo))
    with pytest.raises(InputError) as err:
        resolve_range(handle, ref, None)
    expected = message or f"unknown baseline ref: {ref!r} (not a branch, tag or commit in {repo})"
    assert str(err.value) == expected


def test_reflog_date_ref_resolves(repo):
    handle = open_repository(str(repo))
    assert resolve_range(handle, "main@{1}", "HEAD").baseline.sha == git(repo, "rev-parse", "HEAD~1")
    assert resolve_range(handle, "main@{1 year ago}", "HEAD").baseline.sha == git(repo, "rev-parse", "v1")


def test_unborn_head_needs_only_the_given_refs(repo):
    git(repo, "checkout", "-q", "--orphan", "fresh")
    handle = open_repository(str(repo))
    rng = resolve_range(handle, "v1", "main")
    assert rng.commits_between == 2
    with pytest.raises(InputError) as err:
        resolve_range(handle, "v1", None)
    assert str(err.value) == (
        f"candidate ref 'HEAD': HEAD of {repo} is unborn (branch 'fresh' has no commits yet); "
        "give --candidate-commit explicitly"
    )


def test_worktree_dotgit_dir_subfolder_and_file_paths(repo, tmp_path):
    wt = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "wtb", str(wt), "v1")
    handle = open_repository(str(wt))
    assert resolve_range(handle, "HEAD", "main").baseline.sha == git(repo, "rev-parse", "v1")  # the worktree's HEAD
    assert resolve_range(open_repository(str(repo / ".git")), "v1", "main").commits_between == 2
    (repo / "sub").mkdir()
    with pytest.raises(InputError) as err:
        open_repository(str(repo / "sub"))
    assert str(err.value) == f"not a git repository: {repo / 'sub'} (it is a folder inside the repository {repo}; give that path)"
    with pytest.raises(InputError) as err:
        open_repository(str(repo / "a.py"))
    assert str(err.value) == f"not a git repository: {repo / 'a.py'} (a file, not a directory)"


def test_git_dir_in_the_environment_does_not_redirect_the_repository(repo, tmp_path, monkeypatch):
    other = tmp_path / "other"
    commit_files(other, {"o.py": "o = 1\n"}, "other")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    assert resolve_range(open_repository(str(repo)), "v1", "main").commits_between == 2


@pytest.fixture()
def partial_clone(repo, tmp_path):
    """A blob-less partial clone of `repo` whose promisor remote then goes away (offline)."""
    git(repo, "config", "uploadpack.allowFilter", "true")
    git(repo, "config", "uploadpack.allowAnySHA1InWant", "true")
    clone = tmp_path / "partial.git"
    subprocess.run(["git", "clone", "-q", "--bare", "--filter=blob:none", f"file://{repo}", str(clone)], check=True)
    return clone, repo.rename(tmp_path / "gone")


def test_partial_clone_offline_diff_is_an_input_error(partial_clone):
    clone, _ = partial_clone
    handle = open_repository(str(clone))
    assert handle.is_partial
    rng = resolve_range(handle, "v1", "main")
    with pytest.raises(InputError) as err:
        build_changeset(handle, rng)
    assert str(err.value).startswith(f"cannot diff {rng.baseline.short}..{rng.candidate.short} in {clone}: could not fetch ")
    assert str(err.value).endswith("from promisor remote (a partial clone: blobs the diff needs are not local and its "
                                   "promisor remote did not send them; fetch them or use a full clone)")


def test_partial_clone_missing_blob_is_recorded_and_the_batch_goes_on(partial_clone):
    from investigator.git import Snapshot

    clone, source = partial_clone
    handle = open_repository(str(clone))
    head = git(source, "rev-parse", "HEAD")
    present = subprocess.run(["git", f"--git-dir={clone}", "hash-object", "-w", "--stdin"], input="local\n",
                             capture_output=True, text=True, check=True).stdout.strip()
    snap = Snapshot(handle, head)
    missing_id = git(source, "rev-parse", "HEAD:a.py")
    assert snap.read_blob_ids([present, missing_id, present]) == [b"local\n", None, b"local\n"]
    assert snap.read_text("moved.txt") is None
    assert set(snap.unreadable()) == {"a.py", "moved.txt"}
    assert "from promisor remote" in snap.unreadable()["moved.txt"]


def test_full_sha_beyond_the_shallow_boundary_is_unknown_not_an_object(repo, tmp_path):
    """A full hexadecimal id verifies in git without the object existing: it is not "names a object"."""
    for i in range(3):
        commit_files(repo, {"a.py": f"x = {20 + i}\n"}, f"later {i}")
    old = git(repo, "rev-parse", "HEAD~3")
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True)
    handle = open_repository(str(shallow))
    with pytest.raises(InputError) as err:
        resolve_range(handle, old, None)
    assert str(err.value).startswith(f"unknown baseline ref: '{old}' (not in this shallow clone {shallow}")
    with pytest.raises(InputError) as err:  # a full id that no repository holds, in a complete clone
        resolve_range(open_repository(str(repo)), "f" * 40, None)
    assert str(err.value).startswith(f"unknown baseline ref: '{'f' * 40}' (not a branch, tag or commit")
