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
