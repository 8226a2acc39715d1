"""Run loading: formats, step-key conventions, globs, several runs per directory, bad input."""

from __future__ import annotations

import numpy as np

from investigator.metrics.loading import load_run, load_side
from tests.support.metric_logs import (
    write_csv_run,
    write_empty_tensorboard_run,
    write_jsonl_run,
    write_tensorboard_run,
)

STEPS = np.arange(0, 50, 5)
CURVES = {"charts/episodic_return": (STEPS, STEPS * 2.0), "losses/entropy": (STEPS, 1.0 - STEPS / 100)}


def values(run, tag):
    s = run.series(tag)
    return s.steps.tolist(), s.values.tolist()


def test_wide_csv_with_global_step(tmp_path):
    path = write_csv_run(tmp_path / "run.csv", CURVES, step_column="global_step")
    run, problems = load_run(path)
    assert not problems and run.format == "csv"
    assert values(run, "charts/episodic_return") == (STEPS.tolist(), (STEPS * 2.0).tolist())
    assert np.isnan(run.frame["wall_time"]).all()


def test_wandb_csv_uses_step_and_timestamp(tmp_path):
    path = write_csv_run(tmp_path / "history.csv", CURVES, style="wandb", steps_per_second=10.0)
    run, problems = load_run(path)
    assert not problems
    assert set(run.tags) == set(CURVES)  # _runtime/_timestamp are not metrics
    s = run.series("losses/entropy")
    assert s.wall_times[1] - s.wall_times[0] == 0.5


def test_tensorboard_csv_export_names_the_tag_from_the_file(tmp_path):
    path = write_csv_run(
        tmp_path / "run-seed1-tag-charts_episodic_return.csv",
        {"x": CURVES["charts/episodic_return"]},
        style="tensorboard",
    )
    run, problems = load_run(path)
    assert not problems
    assert run.tags == ["charts_episodic_return"]
    assert values(run, "charts_episodic_return")[0] == STEPS.tolist()


def test_jsonl_with_nested_objects_and_bad_lines(tmp_path):
    path = write_jsonl_run(tmp_path / "h.jsonl", CURVES, step_key="_step")
    with path.open("a") as fh:
        fh.write("{not json\n")
        fh.write('{"_step": 99, "train": {"value_loss": 0.5}}\n')
    run, problems = load_run(path)
    assert len(problems) == 1 and "not JSON" in problems[0].message
    assert values(run, "train/value_loss") == ([99], [0.5])
    assert "_runtime" not in run.tags


def test_csv_without_step_column_uses_row_numbers(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("reward,loss\n1,0.5\n2,0.4\n")
    run, problems = load_run(path)
    assert "no step column" in problems[0].message
    assert values(run, "reward") == ([0, 1], [1.0, 2.0])


def test_unreadable_csv_is_a_problem_not_an_exception(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b'\xff\xfe\x00garbage\x00\n"unterminated')
    run, problems = load_run(path)
    assert run.empty and problems


def test_directory_of_run_subdirectories_is_several_runs(tmp_path):
    for seed in range(3):
        write_tensorboard_run(tmp_path / "exp" / f"seed{seed}", CURVES)
    runs, problems = load_side([str(tmp_path / "exp")])
    assert not problems
    assert [r.name for r in runs] == ["seed0", "seed1", "seed2"]
    assert all(len(r.frame) == 2 * len(STEPS) for r in runs)


def test_run_directory_with_add_scalars_subdirs_is_one_run(tmp_path):
    write_tensorboard_run(tmp_path / "run", {"a": CURVES["charts/episodic_return"]})
    write_tensorboard_run(tmp_path / "run" / "loss_train", {"loss": CURVES["losses/entropy"]})
    runs, _ = load_side([str(tmp_path / "run")])
    assert len(runs) == 1 and set(runs[0].tags) == {"a", "loss"}


def test_globs_dedupe_and_report_no_match(tmp_path):
    write_tensorboard_run(tmp_path / "a" / "s1", CURVES)
    write_csv_run(tmp_path / "b" / "s2.csv", CURVES)
    runs, problems = load_side(
        [
            str(tmp_path / "a" / "*"),
            str(tmp_path / "a" / "s1"),
            str(tmp_path / "b" / "*.csv"),
            str(tmp_path / "nope*"),
        ]
    )
    assert sorted(r.format for r in runs) == ["csv", "tensorboard"]
    assert len(problems) == 1 and "no run matches" in problems[0].message


def test_empty_log_directory_is_an_empty_run(tmp_path):
    (tmp_path / "empty").mkdir()
    write_empty_tensorboard_run(tmp_path / "headeronly")
    runs, problems = load_side([str(tmp_path / "empty"), str(tmp_path / "headeronly")])
    assert len(runs) == 2 and all(r.empty for r in runs)
    assert not problems


def test_series_sorts_dedupes_and_drops_nonfinite(make_run):
    run = make_run("r", {"x": (np.array([3, 1, 2, 2]), np.array([3.0, 1.0, np.nan, 2.0]))})
    s = run.series("x")
    assert s.steps.tolist() == [1, 2, 3] and s.values.tolist() == [1.0, 2.0, 3.0]
    assert run.series("missing") is None
