"""Analyzers computed in a forked helper beside their wave (investigator/workflow/forked.py): the same result
as in one process, computed at the same time as the wave's other CPU-bound analyzer, a raising one recorded
as its crash, a dying helper replaced by a run here, a helper over its budget killed with the analyzer
recorded as timed out, and nothing forked when helpers are off or nothing runs beside."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from investigator import parallel
from investigator.analyzers import base
from investigator.models import AnalyzerResult
from investigator.request import InvestigationRequest
from investigator.workflow import forked, run_investigation

PARENT = os.getpid()


class Forked:
    """A forked analyzer after the diff overview (so that its wave is the test's own): records where it ran."""

    id, title, after, cpu_bound, forked = "test_forked", "forked", ("diff_overview",), True, True

    def __init__(self, behaviour: str = "ok", marker: Path | None = None) -> None:
        self.behaviour, self.marker = behaviour, marker

    def applies(self, ctx: Any) -> tuple[bool, str]:
        return True, "always"

    def run(self, ctx: Any) -> AnalyzerResult:
        in_helper = os.getpid() != PARENT
        if self.marker is not None and in_helper:
            self.marker.write_text("started")
        if self.behaviour == "raise":
            raise RuntimeError("forked kaboom")
        if self.behaviour == "die" and in_helper:
            os._exit(3)
        if self.behaviour == "slow" and in_helper:
            time.sleep(60)
        result = AnalyzerResult(analyzer=self.id)
        result.data["files"] = sorted(f.new_path or f.old_path or "" for f in ctx.changeset.files)
        result.data["pid"] = os.getpid()
        return result


class Beside:
    """A CPU-bound analyzer of the same wave; with `marker`, it waits (up to 10 s) until the forked one started."""

    id, title, after, cpu_bound = "test_beside", "beside", ("diff_overview",), True

    def __init__(self, marker: Path | None = None) -> None:
        self.marker = marker
        self.saw_marker = False

    def applies(self, ctx: Any) -> tuple[bool, str]:
        return True, "always"

    def run(self, ctx: Any) -> AnalyzerResult:
        if self.marker is not None:
            end = time.monotonic() + 10
            while not self.marker.exists() and time.monotonic() < end:
                time.sleep(0.02)
            self.saw_marker = self.marker.exists()
        return AnalyzerResult(analyzer=self.id)


def _run(demo_repo: Any, out: Path, **request: Any) -> Any:
    return run_investigation(InvestigationRequest(repo=str(demo_repo.path), baseline_commit=demo_repo.baseline,
                                                  output=out, **request))


def _register(monkeypatch: pytest.MonkeyPatch, *analyzers: Any) -> None:
    for analyzer in analyzers:
        monkeypatch.setitem(base._REGISTRY, analyzer.id, analyzer)


def _comparable(inv: Any) -> dict[str, Any]:
    return {k: r.model_dump(exclude={"duration_s"}) for k, r in inv.results.items()}


def test_a_forked_analyzer_runs_in_a_helper_at_the_same_time_and_gives_the_one_process_result(
        demo_repo, tmp_path, monkeypatch):
    marker = tmp_path / "started"
    beside = Beside(marker)
    _register(monkeypatch, Forked(marker=marker), beside)
    monkeypatch.setenv(parallel.ENV, "2")
    two = _run(demo_repo, tmp_path / "two")
    assert beside.saw_marker  # the other analyzer of the wave ran while the forked one was computing
    assert two.results["test_forked"].data.pop("pid") != PARENT
    assert not two.failures or all("test_forked" not in f.source for f in two.failures)
    monkeypatch.setenv(parallel.ENV, "1")
    marker.unlink()
    one = _run(demo_repo, tmp_path / "one")
    assert one.results["test_forked"].data.pop("pid") == PARENT and not marker.exists()
    assert _comparable(one) == _comparable(two)  # config forensics (forked by the product) included


def test_a_raising_forked_analyzer_is_recorded_as_its_crash_and_the_rest_goes_on(demo_repo, tmp_path, monkeypatch):
    _register(monkeypatch, Forked("raise"), Beside())
    monkeypatch.setenv(parallel.ENV, "2")
    inv = _run(demo_repo, tmp_path)
    crash = [f for f in inv.failures if f.source == "test_forked"]
    assert len(crash) == 1 and "analyzer crashed: RuntimeError: forked kaboom" in crash[0].message
    assert "test_beside" in inv.results and inv.results["code_detectors"].findings


def test_a_dying_helper_is_replaced_by_a_run_here(demo_repo, tmp_path, monkeypatch):
    _register(monkeypatch, Forked("die"), Beside())
    monkeypatch.setenv(parallel.ENV, "2")
    inv = _run(demo_repo, tmp_path)
    result = inv.results["test_forked"]
    assert result.data["pid"] == PARENT and not result.failures


def test_a_helper_over_the_budget_is_killed_and_the_analyzer_timed_out(demo_repo, tmp_path, monkeypatch):
    started: list[parallel.Helper] = []
    real_start = forked.start

    def spy(analyzer: Any, ctx: Any) -> parallel.Helper | None:
        helper = real_start(analyzer, ctx)
        if helper is not None:
            started.append(helper)
        return helper

    monkeypatch.setattr(forked, "start", spy)
    _register(monkeypatch, Forked("slow"), Beside())
    monkeypatch.setenv(parallel.ENV, "2")
    inv = _run(demo_repo, tmp_path, analyzer_budget_s=3)
    assert any(f.source == "test_forked" and "time budget" in f.message for f in inv.failures)
    assert started
    end = time.monotonic() + 10  # the abandoned waiter stops at its next budget check (`parallel.POLL_S`)
    while parallel._LIVE and time.monotonic() < end:
        time.sleep(0.05)
    assert not parallel._LIVE
    for helper in started:
        with pytest.raises(ChildProcessError):
            os.waitpid(helper.pid, os.WNOHANG)  # killed and reaped: gone


def _analyzer(aid: str, cpu_bound: bool, is_forked: bool) -> base.Analyzer:
    duck = type("Duck", (), {"id": aid, "title": aid, "cpu_bound": cpu_bound, "forked": is_forked,
                             "applies": lambda self, ctx: (True, ""), "run": lambda self, ctx: None})()
    return base._adopt(duck)


def test_nothing_is_forked_without_helpers_or_without_a_cpu_bound_analyzer_beside(monkeypatch):
    one, beside, waiting = _analyzer("a", True, True), _analyzer("b", True, False), _analyzer("c", False, False)
    monkeypatch.setenv(parallel.ENV, "2")
    assert forked.to_fork([one, beside, waiting]) == [one]
    assert forked.to_fork([one, waiting]) == []  # alone on the CPU: the fork would only add its cost
    assert forked.to_fork([beside, waiting]) == []
    monkeypatch.setenv(parallel.ENV, "1")
    assert forked.to_fork([one, beside]) == []


def test_config_forensics_is_forked_beside_the_code_detectors():
    units = {a.id: a for a in base.all_analyzers()}
    assert units["config_forensics"].forked and not units["code_detectors"].forked
    assert not units["behavioural_change"].forked
