"""Multi-commit repositories and findings shaped as the analyzers make them, for attribution tests."""

from __future__ import annotations

from pathlib import Path

from investigator.attribution import Attribution, attribute_findings
from investigator.git import build_changeset, open_repository, resolve_range
from investigator.git.changeset import ChangeSet
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity
from tests.support.gitrepo import commit_files, git


def changeset(repo: Path, baseline: str, candidate: str) -> ChangeSet:
    handle = open_repository(str(repo))
    return build_changeset(handle, resolve_range(handle, baseline, candidate))


def attribute(repo: Path, baseline: str, candidate: str, *findings: Finding) -> Attribution:
    return attribute_findings(changeset(repo, baseline, candidate), list(findings))


def line_of(repo: Path, sha: str, path: str, text: str) -> int:
    """1-based line of the first line containing `text` in `path` at `sha`."""
    content = git(repo, "show", f"{sha}:{path}").splitlines()
    return next(i for i, line in enumerate(content, 1) if text in line)


def code_finding(fid: str, base: tuple[str, int] | None, cand: tuple[str, int] | None, hunk: str = "@@ changed @@") -> Finding:
    """A code-detector finding: its evidence carries the baseline/candidate pair and the diff hunk."""
    locs = []
    if base:
        locs.append(Location(path=base[0], line=base[1], side="baseline"))
    if cand:
        locs.append(Location(path=cand[0], line=cand[1], side="candidate"))
    return Finding(id=fid, source="code_detectors.test", subsystem="trainer", severity=Severity.significant,
                   confidence=0.9, title=fid, locations=locs,
                   evidence=[Evidence(kind=EvidenceKind.code, summary="changed", locations=locs, hunk=hunk)])


def config_finding(key: str, base: tuple[str, int] | None, cand: tuple[str, int] | None,
                   old: str, new: str) -> Finding:
    """A config-forensics finding: key and both values in its evidence details, the key's lines."""
    locs = []
    if base:
        locs.append(Location(path=base[0], line=base[1], side="baseline"))
    if cand:
        locs.append(Location(path=cand[0], line=cand[1], side="candidate"))
    details: dict[str, object] = {"key": key, "status": "changed", "baseline": old, "candidate": new}
    return Finding(id=f"config_forensics:{key}", source="config_forensics", subsystem="ppo", severity=Severity.critical,
                   confidence=0.85, title=f"Config `{key}` changed: {old} → {new}", locations=locs,
                   evidence=[Evidence(kind=EvidenceKind.config, summary=f"{old} → {new}", locations=locs,
                                      details=details)])


PPO = """\
import torch
from torch import nn


def update(agent, optimizer, loss, cfg):
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(agent.parameters(), cfg["max_grad_norm"])
    optimizer.step()


def gae(rewards, values, dones, gamma, lam):
    adv = 0.0
    out = []
    for t in reversed(range(len(rewards) - 1)):
        delta = rewards[t] + gamma * values[t + 1] * (1 - dones[t + 1]) - values[t]
        adv = delta + gamma * lam * (1 - dones[t + 1]) * adv
        out.append(adv)
    return out[::-1]
"""

CONFIG = """\
trainer:
  lr: 0.0003
  gamma: 0.99
  clip_coef: 0.2
"""


def new_repo(root: Path) -> tuple[Path, str]:
    """A repository with the PPO module and its YAML config at the baseline commit (returned)."""
    repo = root / "repo"
    return repo, commit_files(repo, {"rl/ppo.py": PPO, "configs/train.yaml": CONFIG, "README.md": "x\n"}, "baseline")
