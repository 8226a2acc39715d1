"""`investigate --verify` end to end on a generated repository with three planted changes of known
true effect (large, small, none) and a fake training command with seed noise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from investigator.cli import main
from tests.support.gitrepo import make_repo
from tests.support.verify_repos import COMMAND, make_verify_repo

METRIC = "charts/episodic_return"


def _investigate(repo: Path, out: Path, *extra: str) -> tuple[int, dict, str]:
    code = main(["--repo", str(repo), "--baseline-commit", "HEAD~1", "--candidate-commit", "HEAD",
                 "--probe-command", COMMAND, "--probe-steps", "400", "--primary-metric", METRIC,
                 "--probe-cache", str(out.parent / "cache"), "--device", "cpu", "--format", "json", "--format", "md",
                 "--output", str(out), "--quiet", *extra])
    data = json.loads((out / "latest.json").read_text()) if (out / "latest.json").is_file() else {}
    md = (out / "latest.md").read_text() if (out / "latest.md").is_file() else ""
    return code, data, md


def _by_key(data: dict) -> dict[str, dict]:
    return {k: f for f in data["findings"] for k in ("gamma", "learning_rate", "ent_coef") if f"`{k}`" in f["title"]}


def test_planted_changes_get_the_verdicts_of_their_true_effect(tmp_path: Path) -> None:
    repo = make_verify_repo(tmp_path / "repo", {"gamma": 40.0, "learning_rate": 12.0})  # large, small; ent_coef none
    code, data, md = _investigate(repo.path, tmp_path / "out", "--verify")
    assert code == 0
    found = _by_key(data)
    assert set(found) == {"gamma", "learning_rate", "ent_coef"}
    for f in found.values():
        v = f["verification"]
        assert {"recovery", "interval", "verdict", "runs"} <= set(v) and v["runs"] == 3 and v["status"] == "measured"
    large, small, none = (found[k]["verification"] for k in ("gamma", "learning_rate", "ent_coef"))
    assert large["verdict"] == "proven" and 0.6 < large["recovery"] < 0.9 and large["interval"][0] > 0
    assert none["verdict"] == "no_effect" and none["interval"][0] <= 0 < none["interval"][1] < 0.2
    assert small["verdict"] == "proven" or (small["verdict"] == "inconclusive" and small["seeds_needed"])
    # confidence and rank follow the verdict: proven first among the critical findings, no effect halved and last
    ranks = {k: f["rank"] for k, f in found.items()}
    assert ranks["gamma"] == 1 and ranks["ent_coef"] == max(f["rank"] for f in data["findings"])
    assert found["ent_coef"]["confidence"] < found["gamma"]["confidence"]
    assert "## What restoring each change recovers" in md and "**all 3 together**" in md
    section = md.split("## What restoring each change recovers")[1].split("\n## ")[0]
    figure = next(line for line in section.splitlines() if line.startswith("![")).split("(")[1].rstrip(")")
    assert (tmp_path / "out" / figure).is_file()
    assert "Cost: 12 training run(s) ran" in section and "6 baseline/candidate run(s) reused" in section
    assert "- verify (--verify-budget 600 s):" in md  # what ran and what it cost, in the log
    # a second run reuses every verification run from the probe cache
    code, again, md2 = _investigate(repo.path, tmp_path / "out", "--verify")
    assert code == 0 and "Cost: 0 training run(s) ran" in md2 and "12 reused from the result cache" in md2
    assert _by_key(again)["gamma"]["verification"] == large


def test_verify_is_off_by_default(tmp_path: Path) -> None:
    repo = make_verify_repo(tmp_path / "repo", {"gamma": 40.0})
    code, data, md = _investigate(repo.path, tmp_path / "out", "--probes", "none")
    assert code == 0 and data["findings"] and all(f["verification"] is None for f in data["findings"])
    assert "What restoring each change recovers" not in md


def test_verify_top_limits_the_findings_and_runs_the_sides_itself_without_probes(tmp_path: Path) -> None:
    repo = make_verify_repo(tmp_path / "repo", {"gamma": 40.0})
    code, data, md = _investigate(repo.path, tmp_path / "out", "--probes", "none", "--verify", "--verify-top", "1")
    assert code == 0
    verified = [f for f in data["findings"] if f["verification"] is not None]
    assert len(verified) == 1 and "all 1 together" not in md
    assert "0 baseline/candidate run(s) reused" in md  # no training-run probe ran: verify ran both sides


@pytest.mark.parametrize(("extra", "needle"), [(["--verify-top", "0"], "must be at least 1"),
                                               (["--verify-budget", "-1"], "expected a positive number of seconds")])
def test_bad_verify_options_are_one_line_and_exit_2(tmp_path: Path, capsys, extra: list[str], needle: str) -> None:
    repo = make_verify_repo(tmp_path / "repo", {"gamma": 40.0})
    code = main(["--repo", str(repo.path), "--baseline-commit", "HEAD~1", "--output", str(tmp_path / "o"), "--verify",
                 *extra])
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2 and needle in lines[-1] and "Traceback" not in err


def test_verify_without_a_training_command_is_a_recorded_failure(tmp_path: Path) -> None:
    repo = tmp_path / "repo"  # no --probe-command, and no parser to propose one from
    make_repo(repo, [("base", {"train.py": "LR = 3e-4\n"}), ("cand", {"train.py": "LR = 3e-3\n"})])
    code = main(["--repo", str(repo), "--baseline-commit", "HEAD~1", "--output", str(tmp_path / "out"), "--quiet",
                 "--probes", "none", "--verify", "--format", "json"])
    data = json.loads((tmp_path / "out" / "latest.json").read_text())
    assert code == 0
    failures = [f["message"] for f in data["failures"] if f["source"] == "verify"]
    assert failures and "--verify needs the training-run probe" in failures[0]
