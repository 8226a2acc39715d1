"""The behavioural-change pass stops at a counted work budget, not a wall-clock one: the same range
gives the same findings on an idle and on a loaded machine, and a range that exceeds the budget says
how many changed functions were not placed (a recorded failure), never silently fewer findings."""

from __future__ import annotations

import time

import pytest

import investigator.flow.analyzer as analyzer
from investigator.flow import offpath
from investigator.flow.offpath import FlowCheck
from investigator.models import AnalyzerResult
from tests.flow.test_equivalence import _index

N = 5
LOSS = """
    def loss_{k}(batch):
        return batch.mean() * {scale}
"""
TRAIN = """
    from losses import {names}

    def train(model, optimizer, data):
        for batch in data:
            loss = {total}
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""


def _files(scale: str) -> dict[str, str]:
    names = [f"loss_{k}" for k in range(N)]
    return {"losses.py": "".join(LOSS.format(k=k, scale=scale.format(k=k)) for k in range(N)),
            "train.py": TRAIN.format(names=", ".join(names), total=" + ".join(f"{n}(batch)" for n in names))}


def _run() -> AnalyzerResult:
    return analyzer.analyse(_index(_files("1.0"), _files("0.{k}5")))  # a different edit per function


def _summary(result: AnalyzerResult) -> list[tuple[str, str, float]]:
    return [(f.title, f.severity.value, f.confidence) for f in result.findings]


class _SlowClock:
    """A machine under load: every clock reading is a minute later than the last."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 60.0
        return self.now


def test_every_changed_function_is_placed_within_the_budget():
    result = _run()
    assert not result.failures, result.failures
    assert result.data["pairs_examined"] == N and result.data["functions_not_placed"] == 0
    assert result.data["flow_visits"] > 0
    titles = " ".join(t for t, _, _ in _summary(result))
    assert all(f"loss_{k}" in titles for k in range(N)), titles


def test_findings_do_not_depend_on_the_clock(monkeypatch: pytest.MonkeyPatch):
    idle = _run()
    monkeypatch.setattr(analyzer, "time", _SlowClock())
    loaded = _run()
    assert _summary(loaded) == _summary(idle)
    assert not loaded.failures
    assert loaded.data["pairs_examined"] == idle.data["pairs_examined"] == N


def test_pair_cap_is_deterministic_and_reported(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(analyzer, "MAX_PAIRS", 2)
    first, second = _run(), _run()
    assert _summary(first) == _summary(second)
    assert first.data["pairs_examined"] == 2 and first.data["functions_not_placed"] == N - 2
    assert [f.message for f in first.failures] == [f.message for f in second.failures]
    (failure,) = first.failures
    assert failure.source == analyzer.SOURCE
    assert f"{N - 2} changed functions not placed" in failure.message and "work budget" in failure.message
    assert len(first.findings) < len(_run_uncapped(monkeypatch).findings)


def _run_uncapped(monkeypatch: pytest.MonkeyPatch) -> AnalyzerResult:
    monkeypatch.setattr(analyzer, "MAX_PAIRS", 10_000)
    return _run()


def test_visit_cap_stops_after_the_pair_that_exceeds_it(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(analyzer, "MAX_FLOW_VISITS", 1)
    result = _run()
    assert result.data["flow_visits"] >= 1
    assert result.data["pairs_examined"] < N
    assert result.data["functions_not_placed"] == N - result.data["pairs_examined"]
    assert any("changed functions not placed" in f.message for f in result.failures)


LOGGED = """
    def report(writer, losses, step):
        mean = losses.mean() * 2
        writer.add_scalar("loss", mean, step)
"""


def _logged_line() -> tuple[str, tuple[str, int]]:
    return "candidate", ("report.py", 3)  # `mean = ...`: its value reaches only the writer


def test_off_path_judgement_is_counted_not_timed(monkeypatch: pytest.MonkeyPatch):
    index = _index({"report.py": LOGGED.replace("* 2", "* 1")}, {"report.py": LOGGED})
    check = FlowCheck(index)
    verdict = check.judge([_logged_line()])
    assert verdict is not None and verdict.verdict == "no_effect"
    assert check.visits > 0
    spent = FlowCheck(index)
    spent.visits = offpath.MAX_VISITS  # the range's budget used up by earlier findings
    assert spent.judge([_logged_line()]) is None  # left as the detector reported it


def test_off_path_judgement_ignores_a_slow_clock(monkeypatch: pytest.MonkeyPatch):
    index = _index({"report.py": LOGGED.replace("* 2", "* 1")}, {"report.py": LOGGED})
    monkeypatch.setattr(time, "perf_counter", _SlowClock().perf_counter)
    check = FlowCheck(index)
    for _ in range(3):
        verdict = check.judge([_logged_line()])
        assert verdict is not None and verdict.verdict == "no_effect"
