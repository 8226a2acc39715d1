"""Metric inputs judged before any analysis (issue 12): options, globs, one side, hostile run trees.

Each case asserts the exit code, the one line on stderr and what was (not) written."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from investigator.cli import main
from investigator.metrics.analyzer import options_from
from investigator.metrics.loading import load_side
from investigator.metrics.validation import check_metric_inputs, check_metric_options
from tests.support.metric_logs import (
    make_curve,
    write_csv_run,
    write_empty_tensorboard_run,
    write_tensorboard_run,
)

S = np.arange(0, 40_000, 1_000)


def write_runs(root: Path, seeds: int = 3, end: float = 100.0, seed0: int = 0) -> Path:
    for s in range(seeds):
        write_tensorboard_run(
            root / f"seed{s}",
            {"charts/episodic_return": (S, make_curve(S, end=end, noise=2, seed=seed0 + s))},
        )
    return root


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def report_text(out: str) -> str:
    """The markdown report the CLI says it wrote (stdout `md report: PATH`)."""
    [line] = [x for x in out.splitlines() if x.startswith("md report: ")]
    return Path(line.removeprefix("md report: ")).read_text()


@pytest.fixture
def sides(tmp_path):
    return write_runs(tmp_path / "base"), write_runs(tmp_path / "cand", end=60, seed0=10)


@pytest.mark.parametrize(
    ("option", "needle"),
    [
        ("n_boot=0", "invalid --metric-option n_boot=0: must be at least 100 and at most 1000000"),
        ("n_boot=2.5", "n_boot=2.5: must be an integer"),
        ("confidence=2", "invalid --metric-option confidence=2: must be greater than 0 and less than 1"),
        ("confidence=0", "confidence=0: must be greater than 0"),
        ("threshold=-0.1", "invalid --metric-option threshold=-0.1: must be at least 0"),
        ("min_seeds=0", "invalid --metric-option min_seeds=0: must be at least 1"),
        ("grad_clip=-1", "grad_clip=-1: must be greater than 0"),
        ("collapse_drop=nan", "collapse_drop=nan: must be a finite number"),
        ("bogus=1", "unknown metric option 'bogus'; known: collapse_drop, confidence"),
    ],
)
def test_invalid_metric_option_exits_2_before_any_analysis(sides, tmp_path, capsys, option, needle):
    base, cand = sides
    out_dir = tmp_path / "report"
    code, out, err = cli(
        capsys, "--baseline-runs", str(base), "--candidate-runs", str(cand), "--metric-option", option,
        "--output", str(out_dir), "--quiet",
    )
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("investigate: error: ") and needle in err
    assert "Traceback" not in err and out == ""
    assert not out_dir.exists()  # nothing analysed, nothing written


def test_several_invalid_options_are_one_line_with_a_count(sides, capsys):
    base, cand = sides
    code, _, err = cli(
        capsys, "--baseline-runs", str(base), "--candidate-runs", str(cand),
        "--metric-option", "n_boot=0", "--metric-option", "confidence=2", "--quiet",
    )
    assert code == 2 and err.count("\n") == 1 and "(and 1 more)" in err


def test_valid_options_pass_and_reach_the_analysis():
    raw = {"n_boot": 500.0, "confidence": 0.9, "threshold": 0.0, "min_seeds": 1.0, "grad_clip": 0.5, "seed": 3.0}
    assert check_metric_options(raw) == []
    opts, problems = options_from(raw)
    assert not problems
    assert (opts.stats.n_boot, opts.stats.confidence, opts.stats.min_seeds, opts.grad_clip) == (500, 0.9, 1, 0.5)


def test_invalid_option_in_a_request_built_in_code_is_a_failure_and_defaults_are_used():
    opts, problems = options_from({"n_boot": 0.0, "threshold": 0.2})
    assert problems == ["invalid --metric-option n_boot=0: must be at least 100 and at most 1000000"]
    assert opts.stats.n_boot == 2000 and opts.stats.threshold == 0.2


@pytest.mark.parametrize("flag", ["--baseline-runs", "--candidate-runs"])
def test_glob_matching_nothing_is_an_input_error_naming_it(sides, tmp_path, capsys, flag):
    base, cand = sides
    missing = str(tmp_path / "nope" / "*")
    args = {"--baseline-runs": str(base), "--candidate-runs": str(cand), flag: missing}
    code, out, err = cli(capsys, *[x for kv in args.items() for x in kv], "--fail-on", "low", "--quiet")
    assert code == 2 and out == ""
    assert err == f"investigate: error: {flag} {missing!r} matches no file or directory\n"


def test_globs_matching_nothing_on_both_sides_never_read_as_no_change(tmp_path, capsys):
    code, out, err = cli(
        capsys, "--baseline-runs", str(tmp_path / "a*"), "--candidate-runs", str(tmp_path / "b*"),
        "--fail-on", "low", "--quiet",
    )
    assert code == 2 and "No behavioural change" not in out and "matches no file or directory" in err


@pytest.mark.parametrize("given", ["baseline", "candidate"])
def test_one_side_only_warns_on_stderr_and_in_the_report_and_still_analyses(sides, tmp_path, capsys, given):
    base, cand = sides
    path = base if given == "baseline" else cand
    out_dir = tmp_path / "report"
    code, out, err = cli(capsys, f"--{given}-runs", str(path), "--output", str(out_dir), "--quiet")
    assert code == 0
    missing = "candidate" if given == "baseline" else "baseline"
    assert f"investigate: warning: only {given} runs given (no --{missing}-runs)" in err
    assert err.count(f"only {given} runs given") == 1  # once, not again after the run
    text = report_text(out)
    assert f"only {given} runs given (no --{missing}-runs)" in text
    assert "Training metrics" in text and "3 run(s)" in text  # the given side was still analysed


def test_check_metric_inputs_without_problems():
    check = check_metric_inputs({}, [os.getcwd()], [os.getcwd()])
    assert check.errors == [] and check.warnings == []


def test_symlink_loop_among_run_directories_does_not_crash(sides, tmp_path, capsys):
    base, cand = sides
    os.symlink("..", base / "seed0" / "up")  # base/seed0/up -> base
    os.symlink(cand, cand / "self")
    runs, problems = load_side([str(base / "**")])
    assert sorted(r.name for r in runs) == ["seed0", "seed1", "seed2"]  # each run once
    assert all(not r.empty for r in runs)
    code, out, err = cli(
        capsys, "--baseline-runs", str(base / "**"), "--candidate-runs", str(cand),
        "--output", str(tmp_path / "report"), "--fail-on", "critical", "--quiet",
    )
    assert code == 1 and "Traceback" not in err  # the regression is still found
    assert "1 critical" in out


def test_broken_symlink_is_counted_not_a_run(tmp_path):
    write_runs(tmp_path / "runs", seeds=1)
    os.symlink(tmp_path / "gone", tmp_path / "runs" / "dangling")
    runs, problems = load_side([str(tmp_path / "runs" / "*")])
    assert [r.name for r in runs] == ["seed0"]
    assert any("cannot be resolved (a symlink loop or a broken link)" in p.message for p in problems)


def _csv_side(root: Path, end: float, seed0: int, corrupt: str | None = None) -> Path:
    for s in range(3):
        path = root / f"s{s}.csv"
        write_csv_run(path, {"charts/episodic_return": (S, make_curve(S, end=end, noise=1, seed=seed0 + s))})
        if corrupt is not None and s == 0:
            lines = path.read_text().splitlines()
            lines.insert(5, corrupt)
            path.write_text("\n".join(lines) + "\n")
    return root


@pytest.mark.parametrize("bad_row", ["1,2,3,4,5,6", '"4000,5'])
def test_one_malformed_csv_row_is_skipped_and_counted_not_the_file(tmp_path, capsys, bad_row):
    base = _csv_side(tmp_path / "base", 100, 0, corrupt=bad_row)
    cand = _csv_side(tmp_path / "cand", 50, 10)
    [run, *_], problems = load_side([str(base)])
    assert [p.message.split(": ", 1)[1] for p in problems] == ["1 malformed row(s) skipped (first at line 6)"]
    assert len(run.frame) == len(S)  # every good row kept
    out_dir = tmp_path / "report"
    code, out, err = cli(
        capsys, "--baseline-runs", str(base), "--candidate-runs", str(cand), "--output", str(out_dir),
        "--fail-on", "critical", "--quiet",
    )
    assert code == 1  # the regression is still found from the file with the bad row
    text = report_text(out)
    assert "1 malformed row(s) skipped (first at line 6)" in text
    assert "contains no scalar values" not in text


def test_empty_log_directory_is_an_input_failure_not_a_critical_finding(sides, tmp_path, capsys):
    base, _ = sides
    empty = tmp_path / "empty"
    write_empty_tensorboard_run(empty / "seed0")
    out_dir = tmp_path / "report"
    code, out, err = cli(
        capsys, "--baseline-runs", str(base), "--candidate-runs", str(empty), "--output", str(out_dir),
        "--fail-on", "significant", "--quiet",
    )
    assert code == 0  # --fail-on does not blame a regression for an input problem
    assert "0 critical, 0 significant" in out
    assert "investigate: warning: metric_forensics: candidate run `" in err and "contains no scalar values" in err
    text = report_text(out)
    assert "contains no scalar values; left out of the analysis" in text


def test_analyzer_crash_is_never_a_silent_exit_0(sides, tmp_path, capsys, monkeypatch):
    base, cand = sides

    def boom(*args, **kwargs):
        raise IndexError("index 0 is out of bounds")

    monkeypatch.setattr("investigator.metrics.engine.run_engine", boom)
    out_dir = tmp_path / "report"
    code, out, err = cli(
        capsys, "--baseline-runs", str(base), "--candidate-runs", str(cand), "--output", str(out_dir), "--quiet"
    )
    assert "investigate: warning: metric_forensics: analyzer crashed: IndexError: index 0 is out of bounds" in err
    text = report_text(out)
    assert "analyzer crashed: IndexError" in text
    assert code == 0 and "0 findings" in out
