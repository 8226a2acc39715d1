"""training_run: the user's command at both commits over seeds; its logs through metric forensics.

End to end: a generated 2-commit repository whose `train.py` writes a CSV log; a reward change at the
candidate is a confirmed regression, a refactor is `refuted` (for "reproduces in a short run" only).
Fast: decide() on hand-built runs whose log directories are written by tests/support/metric_logs.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from investigator.models import EvidenceKind
from investigator.playbooks_lib import load_playbooks
from investigator.probes.base import ProbeSetup
from investigator.probes.builtin.training_run import TrainingRunProbe
from investigator.probes.model import ProbeRun, ProbeStatus
from tests.probes.helpers import run_probe, two_commits
from tests.support.metric_logs import make_curve, write_csv_run, write_jsonl_run, write_tensorboard_run

TRAIN = '''\
import argparse, csv, os, random

REWARD_SCALE = {scale}

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--total-timesteps", type=int, default=1000000)
    ap.add_argument("--logdir", default="runs")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.logdir, exist_ok=True)
    with open(os.path.join(a.logdir, "progress.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["global_step", "charts/episodic_return", "charts/SPS"])
        for step in range(0, a.total_timesteps + 1, a.total_timesteps // 20):
            ret = REWARD_SCALE * 100.0 * (1 - 0.9 ** (step / 100)) + rng.gauss(0, 1.0)
            w.writerow([step, ret, 1000 + rng.gauss(0, 5)])

if __name__ == "__main__":
    main()
'''
TRAIN_REFACTORED = TRAIN.replace("def main():", "def _args():\n    pass\n\n\ndef main():")
COMMAND = "{python} train.py --seed {seed} --total-timesteps {steps} --logdir {logdir}"


@pytest.mark.parametrize(("candidate", "verdict"), [(TRAIN.format(scale=0.6), "confirmed"),
                                                    (TRAIN_REFACTORED.format(scale=1.0), "refuted")])
def test_reward_change_reproduces_in_a_short_run(tmp_path: Path, candidate: str, verdict: str) -> None:
    repo, base, cand = two_commits(tmp_path, {"train.py": TRAIN.format(scale=1.0)}, {"train.py": candidate})
    setup = ProbeSetup(command=COMMAND, seeds=3, steps=2000)
    decision, runs = run_probe(TrainingRunProbe(), setup, repo, {"baseline": base, "candidate": cand}, tmp_path)
    assert [r.status for r in runs] == [ProbeStatus.ok] * 6, [r.error for r in runs]
    assert all(r.params == {"steps": 2000} for r in runs)
    assert decision.verdict == verdict, decision.summary
    assert "3/3 baseline and 3/3 candidate seeds ran of 2,000 steps" in decision.summary
    assert re.search(r"throughput (999|1,000|1,001) -> (999|1,000|1,001) steps/s", decision.summary)  # logged SPS
    if verdict == "confirmed":
        lead = next(f for f in decision.findings if f.source == "final_performance")
        assert lead.id.startswith("training_run:") and lead.severity.value == "critical"
        assert {e.kind for e in lead.evidence} == {EvidenceKind.metric, EvidenceKind.probe}
        assert "reproduces in a short training run" in decision.summary
    else:
        assert "does not reproduce" in decision.summary and "no meaningful change" in decision.summary
        assert not [f for f in decision.findings if f.source == "final_performance"]
    assert all(u.kind == EvidenceKind.probe and u.source == "training_run" for u in decision.hypothesis_updates)
    known = {f"{p.subsystem}.{h.id}" for p in load_playbooks() for h in p.hypotheses}
    assert {u.hypothesis for u in decision.hypothesis_updates} <= known


def _runs(tmp_path: Path, side: str, ends: list[float], *, writer: str = "csv", sps: bool = True,
          status: ProbeStatus = ProbeStatus.ok) -> list[ProbeRun]:
    steps = np.arange(0, 10_001, 500)
    out = []
    for seed, end in enumerate(ends, start=1):
        logdir = tmp_path / f"{side}-{seed}"
        curves = {"charts/episodic_return": (steps, make_curve(steps, end=end, noise=0.5, seed=seed))}
        if sps:
            curves["charts/SPS"] = (steps, np.full(len(steps), 800.0 if side == "candidate" else 1000.0))
        if writer == "csv":
            write_csv_run(logdir / "progress.csv", curves)
        elif writer == "jsonl":
            write_jsonl_run(logdir / "history.jsonl", curves)
        else:
            write_tensorboard_run(logdir / "run1", curves, steps_per_second=2000.0)
        out.append(ProbeRun(probe="training_run", side=side, commit="c" * 40, status=status, seed=seed,  # type: ignore[arg-type]
                            logdir=str(logdir), wall_s=20.0, params={"steps": 10_000},
                            error="" if status == ProbeStatus.ok else "exit code 1: boom"))
    return out


def test_decide_regression_with_jsonl_logs_and_throughput(tmp_path: Path) -> None:
    b = _runs(tmp_path, "baseline", [100.0, 102.0, 98.0, 101.0], writer="jsonl")
    c = _runs(tmp_path, "candidate", [60.0, 62.0, 58.0, 61.0], writer="jsonl")
    d = TrainingRunProbe().decide(b, c, ProbeSetup(command=COMMAND, seeds=4))
    assert d.verdict == "confirmed", d.summary
    assert d.details["steps_per_s"] == {"baseline": [1000.0] * 4, "candidate": [800.0] * 4}
    assert "throughput 1,000 -> 800 steps/s (median) (-20%)" in d.summary
    assert d.details["primary"]["comparison"]["verdict"] == "regression"
    assert "vecenv.env_count_changed" in {u.hypothesis for u in d.hypothesis_updates}  # throughput_drop's
    # a GPU baseline against a CPU candidate: the speeds are not compared, the return still is
    on_gpu = [r.model_copy(update={"device": "cuda:0"}) for r in b]
    d = TrainingRunProbe().decide(on_gpu, c, ProbeSetup(command=COMMAND, seeds=4))
    assert d.verdict == "confirmed" and "throughput not compared (the baseline ran on cuda, the candidate on cpu)" in d.summary
    assert not {f.source for f in d.findings} & {"throughput_drop"}
    assert "vecenv.env_count_changed" not in {u.hypothesis for u in d.hypothesis_updates}


def test_decide_no_difference_tensorboard_and_derived_throughput(tmp_path: Path) -> None:
    b = _runs(tmp_path, "baseline", [100.0, 101.0, 99.0], writer="tb", sps=False)
    c = _runs(tmp_path, "candidate", [100.5, 99.5, 100.0], writer="tb", sps=False)
    for r in b + c:  # a second writer in the same log directory (an eval/ subdirectory) is the same seed
        write_csv_run(Path(r.logdir or "") / "eval" / "eval.csv", {"eval/loss": ([0, 10_000], [1.0, 0.5])})
    d = TrainingRunProbe().decide(b, c, ProbeSetup(command=COMMAND))
    assert d.verdict == "refuted", d.summary
    assert d.details["primary"]["comparison"]["n_baseline"] == 3 and "3/3 baseline and 3/3 candidate" in d.summary
    assert d.details["steps_per_s"] == {"baseline": [2000.0] * 3, "candidate": [2000.0] * 3}  # from wall times
    assert not any(u.status.value == "supported" for u in d.hypothesis_updates)


def test_decide_on_the_seeds_that_ran(tmp_path: Path) -> None:
    b = _runs(tmp_path, "baseline", [100.0, 102.0, 98.0])
    c = _runs(tmp_path, "candidate", [60.0, 62.0, 58.0])
    c[0] = c[0].model_copy(update={"status": ProbeStatus.timeout, "error": "timed out after 60 s"})
    d = TrainingRunProbe().decide(b, c, ProbeSetup(command=COMMAND, options={"min_seeds": 2}))
    assert d.verdict == "confirmed" and "3/3 baseline and 2/3 candidate seeds ran" in d.summary
    assert d.details["failures"] == ["candidate seed 1: timeout: timed out after 60 s"]
    # fewer than two per side: nothing decided, and said
    c[1] = c[1].model_copy(update={"status": ProbeStatus.failed})
    d = TrainingRunProbe().decide(b, c, ProbeSetup(command=COMMAND))
    assert d.verdict == "inconclusive" and "1/3 candidate" in d.summary and not d.hypothesis_updates
    all_failed = [r.model_copy(update={"status": ProbeStatus.failed, "error": "exit code 1: boom"}) for r in b + c]
    d = TrainingRunProbe().decide(all_failed[:3], all_failed[3:], ProbeSetup(command=COMMAND))
    assert d.verdict == "failed" and "boom" in d.summary


def test_decide_without_the_primary_metric_is_inconclusive(tmp_path: Path) -> None:
    steps = np.arange(0, 1001, 100)
    runs = {}
    for side in ("baseline", "candidate"):
        runs[side] = []
        for seed in (1, 2, 3):
            logdir = tmp_path / f"{side}{seed}"
            write_csv_run(logdir / "p.csv", {"losses/value_loss": (steps, np.ones(len(steps)))})
            runs[side].append(ProbeRun(probe="training_run", side=side, commit="c" * 40, status=ProbeStatus.ok,  # type: ignore[arg-type]
                                       seed=seed, logdir=str(logdir), wall_s=5.0))
    d = TrainingRunProbe().decide(runs["baseline"], runs["candidate"], ProbeSetup(command=COMMAND, primary_metric="eval/return"))
    assert d.verdict == "inconclusive" and "no comparable primary metric" in d.summary
    assert "eval/return" in d.summary
    assert d.details["steps_per_s"]["baseline"] == [200.0] * 3  # last step over wall time: no SPS, no wall clock


def test_available_and_jobs() -> None:
    probe = TrainingRunProbe()
    assert probe.available(ProbeSetup()) == (False, "no training command (--probe-command) and none could be proposed")
    ok, why = probe.available(ProbeSetup(command="{python} train.py --seed {seed}"))
    assert not ok and "{logdir}" in why
    ok, why = probe.available(ProbeSetup(command="python t.py --logdir {logdir} --x {ckpt}"))
    assert not ok and "{ckpt}" in why
    setup = ProbeSetup(command=COMMAND, seeds=2, options={"training_run_timeout_s": 90})
    assert probe.available(setup) == (True, "")
    jobs = probe.jobs(setup, "candidate")
    assert [(j.seed, j.params, j.timeout_s, j.needs_logdir) for j in jobs] == [(1, {"steps": 50_000}, 90.0, True),
                                                                              (2, {"steps": 50_000}, 90.0, True)]
    no_steps = probe.jobs(ProbeSetup(command="python t.py --logdir {logdir}", seeds=1), "baseline")
    assert no_steps[0].params == {} and no_steps[0].timeout_s == probe.meta.timeout_s


def test_decide_when_a_side_wrote_no_logs(tmp_path: Path) -> None:
    b = _runs(tmp_path, "baseline", [100.0, 102.0, 98.0])
    c = [r.model_copy(update={"logdir": str(tmp_path / f"empty{r.seed}")}) for r in _runs(tmp_path, "candidate", [60.0] * 3)]
    for r in c:
        Path(r.logdir or "").mkdir()
    d = TrainingRunProbe().decide(b, c, ProbeSetup(command=COMMAND))
    assert d.verdict == "inconclusive" and "no comparable primary metric" in d.summary and not d.findings
    assert any("empty1" in p for p in d.details["problems"])


def test_log_locations_read_relative_to_the_report() -> None:
    """Artifacts live in `<output>/probes/<run id>/` beside the report: the finding names that part,
    not a temporary absolute path; a path outside the artifacts is kept as it is."""
    from investigator.probes.builtin.training_run import _beside_report

    assert _beside_report("/tmp/out/probes/20261205-1/training_run-baseline-seed1-logs") == \
        "probes/20261205-1/training_run-baseline-seed1-logs"
    assert _beside_report("/home/u/runs/seed1") == "/home/u/runs/seed1"
