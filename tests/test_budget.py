"""Analyzer time budgets: an analyzer past its budget is a recorded failure, the report is written
with everything else, and the abandoned analyzer stops at its next check."""

from __future__ import annotations

import threading
import time

import pytest

from investigator import budget
from investigator.analyzers.base import all_analyzers
from investigator.cli import main
from tests.support.gitrepo import commit_files, git


def test_value_and_errors_come_back_within_budget():
    assert budget.run_with_budget(lambda: 42, 5).value == 42
    outcome = budget.run_with_budget(lambda: 1 / 0, 5)
    assert isinstance(outcome.error, ZeroDivisionError) and not outcome.timed_out


def test_past_the_budget_the_wait_ends_and_the_thread_stops_at_its_next_check():
    stopped = threading.Event()

    def slow() -> int:
        try:
            while True:
                budget.check()
                time.sleep(0.01)
        finally:
            stopped.set()

    start = time.perf_counter()
    outcome = budget.run_with_budget(slow, 0.2)
    assert outcome.timed_out and outcome.value is None
    assert time.perf_counter() - start < 2
    assert stopped.wait(2), "the abandoned thread did not stop at its next check"


def test_budget_exceeded_passes_through_per_file_exception_guards():
    """Cancellation is a BaseException: an analyzer's `except Exception` per file does not swallow it."""
    seen: list[str] = []

    def analyzer() -> list[str]:
        for name in ("a", "b", "c"):
            try:
                budget.check()
                time.sleep(0.3)
                seen.append(name)
            except Exception:
                seen.append("swallowed")
        return seen

    outcome = budget.run_with_budget(analyzer, 0.1)
    time.sleep(0.5)
    assert outcome.timed_out and "swallowed" not in seen and len(seen) <= 1


def test_check_outside_a_budget_is_a_no_op():
    budget.check()


def test_a_hung_analyzer_is_a_named_failure_and_the_report_is_written(tmp_path, capsys, monkeypatch):
    repo = tmp_path / "repo"
    train = 'import yaml\n\nCFG = yaml.safe_load(open("config.yaml"))\nLR = CFG["lr"]\n'  # the YAML is loaded
    commit_files(repo, {"train.py": train, "config.yaml": "lr: 0.001\n"}, "base")
    git(repo, "tag", "base")
    commit_files(repo, {"train.py": train + "\ndef f(:\n", "config.yaml": "lr: 0.01\n"}, "cand")
    hung = next(a for a in all_analyzers() if a.id == "diff_overview")
    release = threading.Event()

    def never_returns(ctx):
        release.wait(30)
        raise AssertionError("an abandoned analyzer's late result must be dropped")

    monkeypatch.setattr(hung, "run", never_returns)
    out = tmp_path / "out"
    start = time.perf_counter()
    try:
        code = main(["--repo", str(repo), "--baseline-commit", "base", "--output", str(out), "--quiet",
                     "--analyzer-budget", "1.5"])
    finally:
        release.set()
    assert time.perf_counter() - start < 25
    stdout, stderr = capsys.readouterr()
    assert code == 0 and "internal error" not in stderr
    md = next(out.glob("*.md")).read_text()
    failures = md.split("Recorded failures", 1)[1]
    assert "`diff_overview`: analyzer stopped after 1.5 s, its time budget (--analyzer-budget)" in failures
    # everything else is still there: the configuration change found by another analyzer
    assert "lr` changed: 0.001 → 0.01" in md


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_invalid_budget_is_an_input_error(value, capsys):
    code = main(["--repo", ".", "--baseline-commit", "HEAD", "--analyzer-budget", value])
    err = capsys.readouterr().err
    assert code == 2 and "--analyzer-budget" in err and len(err.strip().splitlines()) == 1
