"""`investigate demo`: generate the demo repository, optionally train it at both commits, investigate it."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from investigator.demo.generator import generate_demo_repo
from investigator.request import InvestigationRequest
from investigator.sandbox import export_commit, run_isolated


def _train_runs(repo, workdir: Path, seeds: int, steps: int, timeout_s: float) -> tuple[list[str], list[str]]:
    """Short training runs at both commits, each in its own exported checkout and subprocess."""
    globs: dict[str, list[str]] = {"baseline": [], "candidate": []}
    for side, sha in (("baseline", repo.baseline), ("candidate", repo.candidate)):
        with tempfile.TemporaryDirectory(prefix=f"demo-{side}-") as tmp:
            checkout = export_commit(repo.path / ".git", sha, Path(tmp) / "src")
            for seed in range(1, seeds + 1):
                # absolute: the run's working directory is the exported checkout, not ours
                logdir = (workdir / "runs" / side / f"seed{seed}").resolve()
                result = run_isolated(
                    [sys.executable, "train.py", "--seed", str(seed), "--total-timesteps", str(steps), "--logdir", str(logdir)],
                    cwd=checkout,
                    timeout_s=timeout_s,
                )
                print(f"  training run {side} seed {seed}: {result.describe()}", file=sys.stderr)
        globs[side].append(os.path.relpath(workdir.resolve() / "runs" / side / "seed*" / "progress.csv"))
    return globs["baseline"], globs["candidate"]


def demo_main(argv: Sequence[str]) -> int:
    from investigator.cli import execute

    p = argparse.ArgumentParser(prog="investigate demo", description="Generate a demo PPO repository with planted regressions and investigate it.")
    p.add_argument("--workdir", default="reports/demo", help="where to generate the demo repository (replaced)")
    p.add_argument("--output", default="reports", help="where to write the report")
    p.add_argument("--runs", type=int, default=0, metavar="SEEDS", help="train SEEDS short runs per commit (CPU: ~5 s each) and analyse their logs")
    p.add_argument("--steps", type=int, default=20000, help="environment steps per demo training run")
    p.add_argument("--format", dest="formats", action="append", choices=["md", "json", "html"])
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(list(argv))
    workdir = Path(args.workdir)
    if workdir.exists():
        shutil.rmtree(workdir)
    repo = generate_demo_repo(workdir / "gridarena-ppo")
    print(f"demo repository: {repo.path} (baseline {repo.baseline[:7]}, candidate {repo.candidate[:7]})", file=sys.stderr)
    for planted in repo.planted:
        print(f"  planted: [{planted.subsystem}] {planted.description}", file=sys.stderr)
    baseline_runs: list[str] = []
    candidate_runs: list[str] = []
    if args.runs > 0:
        baseline_runs, candidate_runs = _train_runs(repo, workdir, args.runs, args.steps, timeout_s=300)
    request = InvestigationRequest(
        repo=str(repo.path),
        baseline_commit=repo.baseline,
        candidate_commit=repo.candidate,
        baseline_runs=baseline_runs,
        candidate_runs=candidate_runs,
        primary_metric="charts/episodic_return" if args.runs else None,
        formats=args.formats or ["md", "json", "html"],
        output=Path(args.output),
        title=f"Regression diagnosis (demo): gridarena-ppo `{repo.baseline[:7]}` → `{repo.candidate[:7]}`",
    )
    return execute(request, quiet=args.quiet)
