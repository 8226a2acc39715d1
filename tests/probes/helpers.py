"""Run a probe unit end to end on a generated repository: both commits, the real runner."""

from __future__ import annotations

import ast
from pathlib import Path

from investigator.models import Side
from investigator.probes.base import Probe, ProbeSetup
from investigator.probes.model import ProbeDecision, ProbeRun
from investigator.probes.runner import CheckoutCache, run_job
from tests.support.gitrepo import make_repo

ADAPTER = "investigator_adapter.py"


def adapter_functions(source: str) -> frozenset[str]:
    return frozenset(n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_"))


def two_commits(root: Path, baseline: dict[str, str], candidate: dict[str, str]) -> tuple[Path, str, str]:
    """A repository whose first commit has `baseline` files and second `candidate` files."""
    repo = root / "repo"
    shas = make_repo(repo, [("baseline", baseline), ("candidate", candidate)])
    return repo, shas[0], shas[1]


def setup_for(baseline_adapter: str, candidate_adapter: str, **kwargs: object) -> ProbeSetup:
    return ProbeSetup(
        adapter_functions={"baseline": adapter_functions(baseline_adapter), "candidate": adapter_functions(candidate_adapter)},
        adapter_paths={"baseline": ADAPTER, "candidate": ADAPTER},
        **kwargs,  # type: ignore[arg-type]
    )


def run_probe(probe: Probe, setup: ProbeSetup, repo: Path, shas: dict[Side, str], work: Path,
              auto: dict[Side, dict[str, str]] | None = None) -> tuple[ProbeDecision, list[ProbeRun]]:
    """Every job of `probe` at both commits through the real runner, then its decision (`auto`:
    functions found without an adapter at each side, name -> "path.py:function")."""
    cache = CheckoutCache(work / "checkouts", repo / ".git")
    runs: dict[Side, list[ProbeRun]] = {"baseline": [], "candidate": []}
    for side in ("baseline", "candidate"):
        checkout = cache.checkout(shas[side])
        for job in probe.jobs(setup, side):
            runs[side].append(run_job(job, commit=shas[side], checkout=checkout, artifacts=work / "artifacts",
                                      adapter=setup.adapter_paths.get(side), auto=(auto or {}).get(side)))
    return probe.decide(runs["baseline"], runs["candidate"], setup), [*runs["baseline"], *runs["candidate"]]
