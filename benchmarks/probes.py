"""Benchmark: the probe set on the demo at both commits, per-probe wall time and device.

Generates the demo repository, writes its adapter, and runs the whole investigation in this
process as `investigate demo --probes` does (`--probes auto` by default, or `--probes all`: every
probe unit available with the demo's adapter and training command), with the result cache off so
every job really runs. Prints, per probe, its verdict, its wall time (both commits, all seeds), the
devices its jobs ran on and the summed job seconds; then the probes' total and the whole
investigation's wall time.

    .venv/bin/python benchmarks/probes.py [--probes auto|all|ID,...] [--device auto|cpu|cuda]
                                          [--steps 8192] [--seeds 3] [--budget 300]

Target (issue 14): the `auto` set on the demo within 60 s wall on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from investigator.demo.command import DEMO_COMMAND, write_adapter
from investigator.demo.generator import generate_demo_repo
from investigator.request import InvestigationRequest
from investigator.workflow import run_investigation
from investigator.workflow.probing import all_probes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--probes", default="auto", help="auto, all, or probe ids")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--steps", type=int, default=8192)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--budget", type=float, default=300.0)
    args = ap.parse_args()
    selection = ",".join(p.meta.id for p in all_probes()) if args.probes == "all" else args.probes
    with tempfile.TemporaryDirectory(prefix="bench-probes-") as tmp:
        work = Path(tmp)
        repo = generate_demo_repo(work / "gridarena-ppo")
        request = InvestigationRequest(
            repo=str(repo.path), baseline_commit=repo.baseline, candidate_commit=repo.candidate, formats=["json"],
            output=work / "out", primary_metric="charts/episodic_return", probes=selection, probe_budget_s=args.budget,
            device=args.device, adapter=str(write_adapter(work)), probe_command=DEMO_COMMAND, probe_seeds=args.seeds,
            probe_steps=args.steps, probe_cache="none")
        start = time.perf_counter()
        inv = run_investigation(request)
        wall = time.perf_counter() - start
    print(f"cores: {os.cpu_count()}, load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'probe':<22} {'verdict':<13} {'wall s':>7} {'job s':>7} {'runs':>5}  device")
    for o in inv.probe_outcomes:
        devices = ",".join(sorted({r.device for r in o.runs})) or "-"
        verdict = o.decision.verdict if o.decision else "failed"
        job_s = sum(r.wall_s for r in o.runs)
        print(f"{o.probe:<22} {verdict:<13} {o.wall_s:7.1f} {job_s:7.1f} {len(o.runs):5d}  {devices}")
    for pid, why in inv.probe_not_run.items():
        print(f"{pid:<22} not run: {why}")
    total = sum(o.wall_s for o in inv.probe_outcomes)
    print(f"probes total {total:.1f} s (sequential sum of probe wall times); whole investigation {wall:.1f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
