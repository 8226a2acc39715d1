"""The verification experiment on a generated repository, through the real runner and executor."""

from __future__ import annotations

from pathlib import Path

from investigator.models import Finding, Severity
from investigator.probes.base import ProbeSetup
from investigator.probes.builtin.training_run import TrainingRunProbe
from investigator.probes.executor import ProbeEnvironment
from investigator.probes.runner import CheckoutCache, Slot
from investigator.verify.run import VerifyInput, VerifyResult, verify
from tests.support.verify_repos import COMMAND, VerifyRepo, restore_patch

METRIC = "charts/episodic_return"


def finding(key: str, rank: int, patch: str | None = None, severity: Severity = Severity.critical) -> Finding:
    return Finding(id=f"config:{key}", source="config_forensics", subsystem="ppo", severity=severity, confidence=0.8,
                   title=f"Config `{key}` changed", patch=patch if patch is not None else restore_patch(key), rank=rank)


def run_verify(repo: VerifyRepo, work: Path, findings: list[Finding], *, seeds: int = 3, budget_s: float = 120.0,
               setup_command: str | None = None, top: int = 3) -> VerifyResult:
    env = ProbeEnvironment(commits={"baseline": repo.baseline, "candidate": repo.candidate},
                           checkouts=CheckoutCache(work / "checkouts", repo.path / ".git", setup_command=setup_command),
                           artifacts=work / "artifacts", slots=[Slot(), Slot()])
    setup = ProbeSetup(command=COMMAND, seeds=seeds, steps=400, primary_metric=METRIC)
    return verify(VerifyInput(env=env, setup=setup, probe=TrainingRunProbe(), findings=findings, prior=[], top=top,
                              budget_s=budget_s))
