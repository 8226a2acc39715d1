"""Benchmark: the code detectors on a real commit range of a repository the user provides.

Builds the change set and triage as `investigate` does, then runs the code-detector pass in this
thread (so a profiler sees it) and prints its time and the number of changed Python lines; with
`--dump` it writes the findings, no-effect items and verified items as sorted JSON, to compare the
output of two versions of the engine on the same range.

Usage: python benchmarks/bench_detectors_real.py --repo /path/to/mirror.git --baseline A --candidate B
       [--dump out.json] [--profile out.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--candidate", required=True)
    ap.add_argument("--dump")
    ap.add_argument("--profile")
    args = ap.parse_args()

    from investigator.detectors.analyzer import EQUIVALENT_KINDS
    from investigator.detectors.engine import run_detectors
    from investigator.detectors.sources import changes_from_changeset
    from investigator.git import build_changeset, open_repository, resolve_range
    from investigator.playbooks_lib.schema import load_playbooks
    from investigator.triage import triage_changeset

    playbooks = load_playbooks()
    handle = open_repository(args.repo)
    cs = build_changeset(handle, resolve_range(handle, args.baseline, args.candidate))
    t0 = time.perf_counter()
    triage = triage_changeset(cs, playbooks)
    t_triage = time.perf_counter() - t0
    equivalent = {e.path for e in triage.entries if e.change_kind in EQUIVALENT_KINDS and e.language == "python"}
    changes = changes_from_changeset(cs)
    py_lines = sum(f.added + f.removed for f in cs.files if (f.path or "").endswith(".py"))
    profiler = cProfile.Profile() if args.profile else None
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    result = run_detectors(cs.baseline, cs.candidate, changes, playbooks, equivalent=equivalent)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    t_det = time.perf_counter() - t0
    print(f"{args.baseline}..{args.candidate}: {len(cs.files)} files, {py_lines} changed Python lines; "
          f"triage {t_triage:.1f} s; detectors {t_det:.1f} s; {len(result.findings)} findings, "
          f"{len(result.no_effect)} no-effect, {len(result.verified)} verified, {len(result.failures)} failures")
    if args.dump:
        out = {
            "findings": sorted(json.dumps(f.model_dump(mode="json"), sort_keys=True) for f in result.findings),
            "no_effect": sorted(json.dumps(n.model_dump(mode="json"), sort_keys=True) for n in result.no_effect),
            "verified": sorted(json.dumps(v.model_dump(mode="json"), sort_keys=True) for v in result.verified),
            "failures": sorted(json.dumps(x.model_dump(mode="json"), sort_keys=True) for x in result.failures),
        }
        with open(args.dump, "w") as fh:
            json.dump(out, fh, indent=0)


if __name__ == "__main__":
    main()
