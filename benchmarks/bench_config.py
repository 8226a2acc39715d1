"""Benchmark: config forensics on a generated repository (>= 2,000 Python and 300 YAML files, two commits).

Usage: .venv/bin/python benchmarks/bench_config.py [--python 2000] [--yaml 300]
Prints extraction, entry resolution + effective build, matching and analyzer wall times and the
peak memory (tracemalloc peak of the analysis, and the process max RSS). Target: under 10 s.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from investigator.analyzers.base import AnalysisContext
from investigator.config.analyzer import ConfigForensics
from investigator.config.collect import collect
from investigator.config.effective import build_side
from investigator.config.entry import resolve
from investigator.config.findings import build_outcome
from investigator.config.matching import Aliases, match
from investigator.git import build_changeset, open_repository, resolve_range
from investigator.playbooks_lib import load_playbooks
from investigator.request import InvestigationRequest
from tests.support.config_repos import make_large_repo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", type=int, default=2000)
    parser.add_argument("--yaml", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        repo, base, cand = make_large_repo(Path(tmp), args.python, args.yaml)
        print(f"generated {args.python} .py + {args.yaml} .yaml files at 2 commits in {time.perf_counter() - t0:.1f} s")
        handle = open_repository(str(repo))
        playbooks = load_playbooks()

        # stage by stage (fresh snapshots so nothing is cached between runs)
        changeset = build_changeset(handle, resolve_range(handle, base, cand))
        t = time.perf_counter()
        cache: dict = {}
        sides = [collect(changeset.baseline, cache), collect(changeset.candidate, cache)]
        sides[1].read_cache = sides[0].read_cache
        t_extract = time.perf_counter() - t
        t = time.perf_counter()
        configs = [build_side(s, resolve(s, None))[0] for s in sides]
        t_effective = time.perf_counter() - t
        t = time.perf_counter()
        aliases = Aliases(playbooks.aliases())
        eff = match(configs[0].effective, configs[1].effective, aliases)
        other = match(configs[0].other, configs[1].other, aliases)
        t_match = time.perf_counter() - t
        t = time.perf_counter()
        targets = ({}, {})
        outcome = build_outcome(eff, configs[0], configs[1], playbooks, (sides[0].reads, sides[1].reads), targets,
                                entry_known=True)
        # the dead-configuration index on every key of the large "other" configuration, as a worst case
        for side, config in zip(sides, configs, strict=True):
            side.reads.prepare({seg for key in config.other for seg in key.split(".")[-2:]})
        t_reads = time.perf_counter() - t

        # the whole analyzer, as the workflow runs it
        changeset = build_changeset(handle, resolve_range(handle, base, cand))
        ctx = AnalysisContext(request=InvestigationRequest(repo=str(repo)), changeset=changeset, triage=None,
                              playbooks=playbooks, output_dir=Path(tmp))
        t = time.perf_counter()
        result = ConfigForensics().run(ctx)
        t_total = time.perf_counter() - t
        changeset = build_changeset(handle, resolve_range(handle, base, cand))
        ctx.changeset = changeset
        tracemalloc.start()
        ConfigForensics().run(ctx)
        _, peak_total = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    entries = sum(len(p.entries) for s in sides for p in s.parsed.values())
    print(f"files parsed: {len(sides[0].parsed)} baseline, {len(sides[1].parsed)} candidate; entries {entries}")
    print(f"effective keys: {len(configs[0].effective)} / {len(configs[1].effective)}; "
          f"other keys: {len(configs[0].other)} / {len(configs[1].other)}")
    print(f"matched: effective {len(eff)}, other {len(other)} "
          f"({sum(m.status.value != 'unchanged' for m in other)} not unchanged)")
    print(f"extract {t_extract:.2f} s | entry+effective {t_effective:.2f} s | match {t_match:.2f} s | "
          f"judge + read index over all keys {t_reads:.2f} s ({len(outcome.findings)} findings)")
    print(f"analyzer total {t_total:.2f} s wall, untraced (target < 10 s); findings {len(result.findings)}, "
          f"no-effect {len(result.no_effect)}, failures {len(result.failures)}")
    print(f"peak traced memory of one analyzer run (tracemalloc): {peak_total / 2**20:.0f} MiB; "
          f"process max RSS {rss_mb:.0f} MiB")


if __name__ == "__main__":
    main()
