"""The cyclic-GC pause is scoped to the CLI process: the library call leaves the collector alone,
and the pause restores the previous state whatever happens inside it."""

from __future__ import annotations

import gc

import pytest

from investigator.gc_pause import cyclic_gc_paused
from investigator.request import InvestigationRequest
from investigator.workflow.state import Investigation
from tests.support.gitrepo import commit_files, git


@pytest.fixture()
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable() if was else gc.disable()


def test_pause_disables_and_restores(collector_on):
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_pause_restores_even_on_error(collector_on):
    with pytest.raises(KeyboardInterrupt), cyclic_gc_paused():
        raise KeyboardInterrupt
    assert gc.isenabled()


def test_pause_keeps_a_collector_that_was_off_off(collector_on):
    gc.disable()
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_library_call_leaves_the_collector_as_the_caller_set_it(tmp_path, collector_on):
    from investigator.workflow import run_investigation

    repo = tmp_path / "r"
    commit_files(repo, {"train.py": "LR = 3e-4\n"}, "base")
    git(repo, "tag", "base")
    commit_files(repo, {"train.py": "LR = 3e-3\n"}, "cand")
    seen: list[bool] = []
    inv = run_investigation(
        InvestigationRequest(repo=str(repo), baseline_commit="base", output=tmp_path / "o", formats=["json"]),
        progress=lambda event: seen.append(gc.isenabled()),
    )
    assert inv.reports and seen and all(seen)
    assert gc.isenabled()


def test_the_cli_pauses_the_collector_around_the_investigation_only(tmp_path, monkeypatch, collector_on):
    import investigator.workflow as workflow
    from investigator.cli import execute

    seen: list[bool] = []
    request = InvestigationRequest(baseline_runs=["x"], output=tmp_path, formats=["json"])

    def fake_run(req, progress=None, **kwargs):
        seen.append(gc.isenabled())
        return Investigation(request=req)

    monkeypatch.setattr(workflow, "run_investigation", fake_run)
    assert execute(request, quiet=True) == 0
    assert seen == [False] and gc.isenabled()

    def crash(req, progress=None, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(workflow, "run_investigation", crash)
    with pytest.raises(RuntimeError):
        execute(request, quiet=True)
    assert gc.isenabled()
