"""The demo's planted regressions sit in separate commits: the report names the right one for each.

The expected commit is read from the demo repository's contents, not from the generator's commit
list: the first commit after the baseline at which the planted baseline form is gone from its file
and the candidate form is in its file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from investigator.request import InvestigationRequest
from investigator.workflow import run_investigation
from tests.support.gitrepo import git


def _shows(repo, sha: str, path: str, marker: str) -> bool:
    listed = git(repo, "ls-tree", "--name-only", sha, "--", path)
    return bool(listed) and marker in git(repo, "show", f"{sha}:{path}")


def _planted_commit(demo_repo, planted) -> str:
    for sha, _ in demo_repo.commits[1:]:
        if not _shows(demo_repo.path, sha, planted.baseline_path, planted.baseline_marker) and _shows(
                demo_repo.path, sha, planted.candidate_path, planted.candidate_marker):
            return sha
    raise AssertionError(f"{planted.id}: no commit shows the change")


@pytest.fixture(scope="module")
def static_demo(demo_repo, tmp_path_factory):
    out = tmp_path_factory.mktemp("attribution-report")
    inv = run_investigation(InvestigationRequest(repo=str(demo_repo.path), baseline_commit=demo_repo.baseline,
                                                 candidate_commit=demo_repo.candidate, formats=["md", "json"],
                                                 output=out, probes="none"))
    return inv


def test_each_planted_regression_names_its_commit(static_demo, demo_repo):
    inv = static_demo
    expected = {p.id: _planted_commit(demo_repo, p) for p in demo_repo.planted}
    assert len(set(expected.values())) >= 3  # the plants are spread over several commits
    for planted in demo_repo.planted:
        path, line = demo_repo.locate(planted, "candidate")
        matching = [f for f in inv.findings if f.subsystem == planted.subsystem and any(
            loc.path == path and loc.side == "candidate" and abs((loc.line or 0) - line) <= 1 for loc in f.locations)]
        assert matching, planted.id
        for f in matching:
            assert f.introduced_by is not None, planted.id
            assert f.introduced_by.sha == expected[planted.id], planted.id
            assert f.introduced_by.via_merge is None


def test_demo_report_shows_the_commits(static_demo):
    inv = static_demo
    md = Path(inv.reports["md"]).read_text()
    assert "### Commits behind the findings" in md
    for f in inv.findings:
        assert f.introduced_by is not None
        assert f"Introduced by `{f.introduced_by.short}` {f.introduced_by.subject}" in md
    data = json.loads(Path(inv.reports["json"]).read_text())
    assert all(len(f["introduced_by"]["sha"]) == 40 for f in data["findings"])
    assert "attribute" in {t.step for t in inv.timings}


def test_a_regression_merged_from_a_branch_names_the_branch_commit(tmp_path):
    """End to end with the shipped analyzers: a change made on a branch and merged with a merge commit."""
    from investigator.demo import generate_demo_repo
    from tests.support.gitrepo import commit_files

    demo = generate_demo_repo(tmp_path / "demo")
    repo = demo.path
    git(repo, "checkout", "-q", "-b", "feature")
    ppo = git(repo, "show", "HEAD:rlproj/ppo.py") + "\n"
    culprit = commit_files(repo, {"rlproj/ppo.py": ppo.replace("1.0 - dones[t + 1]", "1.0 - dones[t]")}, "Tidy the done mask")
    commit_files(repo, {"README.md": "feature notes\n"}, "Notes")
    git(repo, "checkout", "-q", "main")
    commit_files(repo, {"NOTES.md": "main\n"}, "Main work")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge branch 'feature'", "feature")
    merge = git(repo, "rev-parse", "HEAD")
    inv = run_investigation(InvestigationRequest(repo=str(repo), baseline_commit=demo.baseline, candidate_commit=merge,
                                                 formats=["json"], output=tmp_path / "out", probes="none"))
    line = next(i for i, text in enumerate(git(repo, "show", f"{merge}:rlproj/ppo.py").splitlines(), 1)
                if "1.0 - dones[t]" in text)
    masked = [f for f in inv.findings
              if any(loc.path == "rlproj/ppo.py" and loc.side == "candidate" and loc.line == line for loc in f.locations)]
    assert masked
    for f in masked:
        assert f.introduced_by is not None and (f.introduced_by.sha, f.introduced_by.via_merge) == (culprit, merge)
    # the demo's own planted commits, on the first-parent path, come through no merge
    assert all(f.introduced_by.via_merge is None for f in inv.findings if f.introduced_by and f not in masked)
