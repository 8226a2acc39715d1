"""The `code_detectors` analyzer end to end on generated git repositories."""

from __future__ import annotations

import subprocess
from pathlib import Path

from investigator.analyzers.base import AnalysisContext, all_analyzers
from investigator.detectors.analyzer import CodeDetectorsAnalyzer
from investigator.detectors.evidence import map_line, reverse_hunks
from investigator.detectors.sources import text_hunks
from investigator.git import build_changeset, open_repository, resolve_range
from investigator.models import HypothesisStatus
from investigator.playbooks_lib.schema import load_playbooks
from investigator.request import InvestigationRequest
from investigator.units import load
from tests.support.gitrepo import commit_files, git

TRAIN = """import torch.nn as nn


def update(agent, optimizer, batches, args):
    for epoch in range(args.epochs):
        for batch in batches:
            loss = agent.loss(batch)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
            optimizer.step()


def gae(rewards, values, dones, gamma, lam):
    last = 0.0
    adv = [0.0] * len(rewards)
    for t in reversed(range(len(rewards) - 1)):
        delta = rewards[t] + gamma * values[t + 1] * (1.0 - dones[t + 1]) - values[t]
        adv[t] = last = delta + gamma * lam * (1.0 - dones[t + 1]) * last
    return adv


if __name__ == "__main__":
    update(None, None, [], None)
    gae([], [], [], 0.99, 0.95)
"""


def _context(repo: Path) -> AnalysisContext:
    handle = open_repository(str(repo))
    changeset = build_changeset(handle, resolve_range(handle, "HEAD~1", "HEAD"))
    return AnalysisContext(
        request=InvestigationRequest(repo=str(repo), baseline_commit="HEAD~1", candidate_commit="HEAD"),
        changeset=changeset, triage=None, playbooks=load_playbooks(), output_dir=repo / "out",
    )


def test_registered_in_analyzer_modules() -> None:
    assert "investigator.detectors.analyzer" in {u.module for u in load("analyzer")}  # discovered by the unit registry
    assert "code_detectors" in {a.id for a in all_analyzers()}


def test_finding_has_both_locations_hunk_and_a_patch_that_restores_the_baseline(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    commit_files(repo, {"train.py": TRAIN}, "baseline")
    bad = TRAIN.replace("values[t + 1] * (1.0 - dones[t + 1])", "values[t] * (1.0 - dones[t + 1])")
    commit_files(repo, {"train.py": bad, "README.md": "docs\n"}, "candidate")
    ctx = _context(repo)
    analyzer = CodeDetectorsAnalyzer()
    assert analyzer.applies(ctx)[0]
    result = analyzer.run(ctx)
    finding = result.findings[0]
    assert finding.source == "code_detectors.gae_index" and finding.severity.value == "critical"
    assert finding.location_at("baseline").line == 18 and finding.location_at("candidate").line == 18
    assert "-        delta = rewards[t] + gamma * values[t + 1]" in finding.evidence[0].hunk
    assert "ppo.gae_changed" in finding.hypotheses
    assert any(u.hypothesis == "ppo.gae_changed" and u.status == HypothesisStatus.supported
               for u in result.hypothesis_updates)
    # the clipping was checked and is identical
    assert any("clip_grad_norm_" in v.what and v.subsystem == "trainer" for v in result.verified)
    # the patch applies to the candidate and gives back the baseline file
    subprocess.run(["git", "apply", "-"], input=finding.patch.encode(), cwd=repo, check=True)
    assert (repo / "train.py").read_text() == TRAIN


def test_applies_only_with_python_or_native_changes(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    commit_files(repo, {"train.py": TRAIN, "README.md": "a\n"}, "baseline")
    commit_files(repo, {"README.md": "b\n"}, "docs only")
    analyzer = CodeDetectorsAnalyzer()
    ctx = _context(repo)
    assert analyzer.applies(ctx)[0] is False
    ctx.changeset = None
    assert analyzer.applies(ctx) == (False, "no repository (logs-only mode)")


def test_native_sources_are_listed_not_dropped(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    kernel = "__global__ void k(float* r, float gamma) {\n  r[0] = gamma * r[1];\n}\n"
    commit_files(repo, {"train.py": TRAIN, "csrc/k.cu": kernel, "CMakeLists.txt": "project(x)\n"}, "baseline")
    commit_files(repo, {"csrc/k.cu": kernel.replace("gamma * r[1]", "gamma * r[1] + reward"),
                        "CMakeLists.txt": "project(x)\nset(CMAKE_CUDA_FLAGS -O0)\n"}, "native")
    ctx = _context(repo)
    analyzer = CodeDetectorsAnalyzer()
    assert analyzer.applies(ctx)[0]
    result = analyzer.run(ctx)
    section = next(s for s in result.sections if s.id == "code_detectors.native")
    assert "`csrc/k.cu`" in section.markdown and "`CMakeLists.txt`" in section.markdown
    assert "env (`reward`)" in section.markdown  # triaged by the env playbook's identifiers
    assert "+  r[0] = gamma * r[1] + reward;" in section.markdown
    assert not result.findings


def test_no_native_section_without_native_changes(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    commit_files(repo, {"train.py": TRAIN}, "baseline")
    commit_files(repo, {"train.py": TRAIN.replace("0.5)", "1.0)")}, "clip")
    result = CodeDetectorsAnalyzer().run(_context(repo))
    assert not result.sections
    assert [f.source for f in result.findings] == ["code_detectors.grad_clip"]


def test_unparsable_candidate_file_is_a_failure_not_a_traceback(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    commit_files(repo, {"train.py": TRAIN, "other.py": "def f():\n    return 1\n"}, "baseline")
    commit_files(repo, {"train.py": TRAIN.replace("0.5)", "5.0)"), "other.py": "def f(:\n  <<<<<<< HEAD\n"}, "broken")
    result = CodeDetectorsAnalyzer().run(_context(repo))
    assert any(f.path == "other.py" for f in result.failures)
    assert [f.source for f in result.findings] == ["code_detectors.grad_clip"]


def test_rename_with_edit_is_analysed_across_paths(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    commit_files(repo, {"train.py": TRAIN}, "baseline")
    git(repo, "mv", "train.py", "trainer.py")
    commit_files(repo, {"trainer.py": TRAIN.replace("            optimizer.zero_grad()\n", "")}, "move + bug")
    result = CodeDetectorsAnalyzer().run(_context(repo))
    finding = next(f for f in result.findings if f.source.endswith("grad_order"))
    assert finding.location_at("baseline").path == "train.py"
    assert finding.location_at("candidate").path == "trainer.py"


def test_map_line_and_reverse_hunks() -> None:
    old = "a\nb\nc\nd\ne\nf\ng\nh\n"
    new = "a\nb\nX\nd\ne\nf\ng\nh\nY\n"
    hunks = text_hunks(old, new)
    from investigator.detectors.sources import FileChange

    change = FileChange("modified", "f", "f", hunks)
    assert map_line(change, "baseline", 3) == 3
    assert map_line(change, "baseline", 1) == 1
    patch = reverse_hunks("f", hunks)
    assert "-X" in patch and "+c" in patch and "-Y" in patch


def test_code_only_hypothesis_is_refuted_when_verified_identical(tmp_path: Path) -> None:
    repo = tmp_path / "r"
    commit_files(repo, {"train.py": TRAIN}, "baseline")
    commit_files(repo, {"train.py": TRAIN.replace("0.5)", "1.0)")}, "clip")
    updates = {u.hypothesis: u for u in CodeDetectorsAnalyzer().run(_context(repo)).hypothesis_updates}
    assert updates["trainer.grad_clip_changed"].status == HypothesisStatus.supported
    refuted = updates["trainer.optimizer_step_order_changed"]
    assert refuted.status == HypothesisStatus.refuted and "zero_grad -> backward -> clip -> step" in refuted.evidence
