"""The CLI's read-ahead of the repository, refs and change set (investigator/git/prefetch.py): the resolve
and diff steps take what the thread read (they call no git function themselves), the report is the one
without it, a failed read-ahead leaves the steps to fail as they always did, and a read-ahead of another
range, a remote or no repository is never used."""

from __future__ import annotations

import threading

import pytest

import investigator.workflow.graph as graph
from investigator.cli import main
from investigator.git import prefetch
from investigator.git.errors import InputError
from investigator.request import InvestigationRequest
from investigator.workflow import run_investigation
from tests.support.gitrepo import commit_files, git

BASE = "import torch\n\n\ndef loss(ratio, adv, eps=0.2):\n    return -torch.min(ratio * adv, ratio.clamp(1 - eps, 1 + eps) * adv).mean()\n"


@pytest.fixture()
def repo(tmp_path):
    path = tmp_path / "r"
    commit_files(path, {"train.py": BASE, "cfg.yaml": "lr: 0.0003\n"}, "base")
    git(path, "tag", "base")
    commit_files(path, {"train.py": BASE.replace("1 - eps, 1 + eps", "1 - eps, 1 + 2 * eps"), "cfg.yaml": "lr: 0.003\n"}, "cand")
    return path


def _request(repo, out, baseline="base"):
    return InvestigationRequest(repo=str(repo), baseline_commit=baseline, output=out, formats=["json"])


def _comparable(inv):
    rng = inv.range.model_dump(exclude={"diff_seconds"})
    results = {k: (r.model_dump(exclude={"duration_s"})) for k, r in inv.results.items()}
    return rng, [f.model_dump() for f in inv.findings], results, inv.failures, inv.triage


def _no_git_here(monkeypatch):
    """The steps' own git calls raise: only what the read-ahead read can make the run pass."""
    def refused(*args, **kwargs):
        raise AssertionError("the step called git itself")

    for name in ("open_repository", "resolve_range", "build_changeset"):
        monkeypatch.setattr(graph, name, refused)


def test_prefetched_run_reports_what_the_plain_run_reports(tmp_path, monkeypatch):
    from investigator.demo import generate_demo_repo

    demo = generate_demo_repo(tmp_path / "demo")  # planted regressions: findings to compare

    def request(out):
        return InvestigationRequest(repo=str(demo.path), baseline_commit=demo.baseline,
                                    candidate_commit=demo.candidate, output=out, formats=["json"])

    plain = run_investigation(request(tmp_path / "a"))
    ahead = prefetch.start(str(demo.path), demo.baseline, demo.candidate)
    assert ahead is not None
    _no_git_here(monkeypatch)
    taken = run_investigation(request(tmp_path / "b"), prefetch=ahead)
    assert _comparable(taken) == _comparable(plain)
    assert plain.findings  # the range has something to compare
    assert ahead.opened is not None
    assert ahead.take_changeset(*ahead.opened) is None  # taken once: a second diff reads afresh


def test_the_cli_reads_ahead(repo, tmp_path, capsys, monkeypatch):
    _no_git_here(monkeypatch)
    code = main(["--repo", str(repo), "--baseline-commit", "base", "--output", str(tmp_path / "o"), "--quiet"])
    assert code == 0, capsys.readouterr().err


def test_failed_read_ahead_fails_in_the_step_as_before(repo, tmp_path):
    with pytest.raises(InputError) as plain:
        run_investigation(_request(repo, tmp_path / "a", baseline="nosuchref"))
    ahead = prefetch.start(str(repo), "nosuchref", None)
    assert ahead is not None
    with pytest.raises(InputError) as taken:
        run_investigation(_request(repo, tmp_path / "b", baseline="nosuchref"), prefetch=ahead)
    assert ahead.failed and ahead.opened is None
    assert str(taken.value) == str(plain.value)


def test_read_ahead_of_another_range_is_not_used(repo, tmp_path, monkeypatch):
    other = prefetch.start(str(repo), "HEAD", None)
    assert other is not None and other.open_for(str(repo), "base", None) is None
    calls = []
    real = graph.build_changeset

    def counted(*args, **kwargs):
        calls.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(graph, "build_changeset", counted)
    inv = run_investigation(_request(repo, tmp_path / "a"), prefetch=other)
    assert calls and inv.range is not None and inv.range.files_changed == 2


def test_nothing_read_ahead_without_a_local_repository(tmp_path):
    assert prefetch.start(None, "base", None) is None
    assert prefetch.start(str(tmp_path / "r"), None, None) is None
    assert prefetch.start("https://127.0.0.1:9/x.git", "HEAD", None) is None
    assert prefetch.start(str(tmp_path / "missing"), "HEAD", None) is None
