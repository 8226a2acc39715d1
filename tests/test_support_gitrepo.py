"""The shared git-repository builder (tests/support/gitrepo.py): commits in order, deletions, one identity."""

from __future__ import annotations

from pathlib import Path

from tests.support.gitrepo import GIT_ENV, commit_files, git, make_repo


def test_make_repo_commits_in_order_with_the_fixed_identity(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    shas = make_repo(repo, [
        ("first", {"a.py": "x = 1\n", "data/b.bin": b"\x00\x01"}),
        ("second", {"a.py": None, "c.py": "y = 2\n"}),
    ])
    assert len(shas) == 2 and shas[1] == git(repo, "rev-parse", "HEAD")
    assert git(repo, "rev-parse", "HEAD~1") == shas[0]
    assert git(repo, "log", "--format=%s", "-n", "2").splitlines() == ["second", "first"]
    assert git(repo, "ls-tree", "-r", "--name-only", shas[0]).splitlines() == ["a.py", "data/b.bin"]
    assert git(repo, "ls-tree", "-r", "--name-only", shas[1]).splitlines() == ["c.py", "data/b.bin"]
    identity = git(repo, "log", "-1", "--format=%an <%ae> %cn <%ce>")
    assert identity == (f"{GIT_ENV['GIT_AUTHOR_NAME']} <{GIT_ENV['GIT_AUTHOR_EMAIL']}> "
                        f"{GIT_ENV['GIT_COMMITTER_NAME']} <{GIT_ENV['GIT_COMMITTER_EMAIL']}>")
    assert git(repo, "branch", "--show-current") == "main"


def test_commit_files_adds_to_an_existing_repo_and_ignores_absent_deletions(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    (base,) = make_repo(repo, [("base", {"a.py": "x = 1\n"})])
    empty = commit_files(repo, {"never_there.py": None}, "nothing to delete")
    assert empty != base and git(repo, "rev-parse", "HEAD~1") == base
    assert git(repo, "diff", "--name-only", base, empty) == ""
    assert (repo / "a.py").read_text() == "x = 1\n"
