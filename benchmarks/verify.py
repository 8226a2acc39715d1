"""Benchmark: `--verify` over generated cases with known effects: the verdict confusion matrix and
the probe runs spent.

Each case is a generated repository (`tests/support/verify_repos.py`): three planted config
changes whose true cost to the final return is known (the fake training script's formula), trained
with seed noise of several sizes; the experiment runs through the real runner, executor and
patched checkouts (`investigator.verify.run.verify`), result cache off. The truth of each restored
change is its true share of the gap: >= 20 % "cause" (expected: proven), 0 "none" (expected:
no_effect), in between "minor" (inconclusive is right: it is real but below the threshold).

    .venv/bin/python benchmarks/verify.py [--seeds 3] [--steps 400] [--noise 1,4,10] [--slots 2]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from investigator.models import Finding, Severity
from investigator.probes.base import ProbeSetup
from investigator.probes.builtin.training_run import TrainingRunProbe
from investigator.probes.executor import ProbeEnvironment
from investigator.probes.runner import CheckoutCache, Slot
from investigator.verify.recovery import THRESHOLD
from investigator.verify.run import VerifyInput, verify
from tests.support.verify_repos import COMMAND, PLANTED, make_verify_repo, restore_patch

VERDICTS = ("proven", "no_effect", "inconclusive")
TRUTHS = ("cause", "minor", "none")
EFFECTS = [{"gamma": 40.0, "learning_rate": 12.0}, {"gamma": 40.0, "learning_rate": 4.0}, {"gamma": 20.0, "learning_rate": 20.0},
           {"gamma": 10.0, "learning_rate": 0.0}]


def _truth(effects: dict[str, float], key: str, masking: bool) -> str:
    total = sum(effects.values())
    share = (0.0 if masking else effects.get(key, 0.0) / total) if total else 0.0
    return "cause" if share >= THRESHOLD else "none" if share == 0 else "minor"


def _case(work: Path, effects: dict[str, float], noise: float, masking: bool, seeds: int, steps: int,
          slots: int) -> tuple[list[tuple[str, str, int | None]], int, float, str]:
    repo = make_verify_repo(work / "repo", effects, noise=noise, masking=masking)
    env = ProbeEnvironment(commits={"baseline": repo.baseline, "candidate": repo.candidate},
                           checkouts=CheckoutCache(work / "checkouts", repo.path / ".git"), artifacts=work / "artifacts",
                           slots=[Slot() for _ in range(slots)])
    setup = ProbeSetup(command=COMMAND, seeds=seeds, steps=steps, primary_metric="charts/episodic_return")
    findings = [Finding(id=k, source="bench", subsystem="ppo", severity=Severity.critical, confidence=0.8, title=k,
                        patch=restore_patch(k), rank=i) for i, k in enumerate(PLANTED, start=1)]
    start = time.perf_counter()
    result = verify(VerifyInput(env=env, setup=setup, probe=TrainingRunProbe(), findings=findings, prior=[],
                                budget_s=600.0))
    wall = time.perf_counter() - start
    rows = [(_truth(effects, k, masking), v.verdict, v.seeds_needed) for k, v in result.verifications.items()]
    runs = len(result.spent())
    return rows, runs, wall, "pairs tested" if result.interactions else ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=400)
    ap.add_argument("--noise", default="1,4,10", help="per-seed noise levels (standard deviation of the final return)")
    ap.add_argument("--slots", type=int, default=2)
    args = ap.parse_args()
    noises = [float(x) for x in args.noise.split(",")]
    matrix: Counter[tuple[str, str]] = Counter()
    seeds_needed: list[int] = []
    total_runs, total_wall = 0, 0.0
    print(f"cores: {os.cpu_count()}, load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'effects (gamma, lr, ent_coef)':<32} {'noise':>5} {'mask':>5}  verdicts (truth->verdict)          runs  wall s")
    cases = [(e, n, False) for e, n in itertools.product(EFFECTS, noises)] + [({"gamma": 20.0, "learning_rate": 20.0}, 1.0, True)]
    for effects, noise, masking in cases:
        with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
            rows, runs, wall, note = _case(Path(tmp), effects, noise, masking, args.seeds, args.steps, args.slots)
        for truth, verdict, seeds in rows:
            matrix[(truth, verdict)] += 1
            if seeds:
                seeds_needed.append(seeds)
        total_runs, total_wall = total_runs + runs, total_wall + wall
        label = f"{effects.get('gamma', 0):g}, {effects.get('learning_rate', 0):g}, 0"
        said = " ".join(f"{t[0]}->{v[:5]}" for t, v, _ in rows) + (f" ({note})" if note else "")
        print(f"{label:<32} {noise:5g} {'yes' if masking else 'no':>5}  {said:<34} {runs:4d}  {wall:6.1f}")
    print()
    print(f"{'truth / verdict':<16}" + "".join(f"{v:>14}" for v in VERDICTS))
    for truth in TRUTHS:
        print(f"{truth:<16}" + "".join(f"{matrix[(truth, v)]:>14}" for v in VERDICTS))
    wrong = matrix[("none", "proven")] + matrix[("cause", "no_effect")]
    print(f"\nfalse 'proven' on a change without effect: {matrix[('none', 'proven')]}; "
          f"'no_effect' on a cause: {matrix[('cause', 'no_effect')]} ({wrong} wrong decisions in {sum(matrix.values())})")
    if seeds_needed:
        print(f"inconclusive verdicts asked for {min(seeds_needed)}-{max(seeds_needed)} seeds per group")
    print(f"probe runs spent: {total_runs} ({args.seeds} seeds per group) in {total_wall:.1f} s wall over {len(cases)} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
