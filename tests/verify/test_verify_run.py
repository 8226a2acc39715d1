"""The experiment through the real runner: failures recorded per variant, interactions, the budget."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

from investigator.probes.base import ProbeSetup
from investigator.probes.builtin.training_run import TrainingRunProbe
from investigator.request import InvestigationRequest
from investigator.verify import node
from tests.support.verify_repos import COMMAND, make_verify_repo
from tests.verify.helpers import finding, run_verify

STALE = "--- a/config.yaml\n+++ b/config.yaml\n@@ -1,1 +1,1 @@\n-gamma: 0.5\n+gamma: 0.99\n"


def test_a_patch_that_does_not_apply_is_recorded_as_patch_failed_and_the_rest_is_measured(tmp_path: Path) -> None:
    repo = make_verify_repo(tmp_path / "repo", {"gamma": 40.0, "learning_rate": 10.0})
    found = [finding("gamma", 1, STALE), finding("learning_rate", 2)]
    result = run_verify(repo, tmp_path, found)
    stale = result.verifications["config:gamma"]
    assert stale.status == "patch_failed" and stale.verdict == "inconclusive" and stale.runs == 0
    assert "does not apply" in stale.note
    measured = result.verifications["config:learning_rate"]
    assert measured.status == "measured" and measured.recovery is not None and 0.1 < measured.recovery < 0.3
    together = next(v for v in result.variants if v.kind == "all")
    assert together.status == "patch_failed" and not together.runs  # never silently dropped, never run


def test_a_failing_setup_is_build_failed(tmp_path: Path) -> None:
    repo = make_verify_repo(tmp_path / "repo", {"gamma": 40.0})
    # the setup fails only in the restored checkout (the baseline's gamma with the candidate's ent_coef)
    setup = ("python -c \"import pathlib, sys; t = pathlib.Path('config.yaml').read_text(); "
             "sys.exit(4 if 'gamma: 0.99' in t and 'ent_coef: 0.02' in t else 0)\"")
    result = run_verify(repo, tmp_path, [finding("gamma", 1)], setup_command=setup, seeds=2)
    v = result.verifications["config:gamma"]
    assert v.status == "build_failed" and v.verdict == "inconclusive" and "setup command failed" in v.note
    assert all(r.ok for r in [*result.baseline_runs, *result.candidate_runs])  # the sides built and ran


def test_changes_that_mask_each_other_are_said_and_pairs_are_tested(tmp_path: Path) -> None:
    repo = make_verify_repo(tmp_path / "repo", {"gamma": 20.0, "learning_rate": 20.0}, masking=True)
    found = [finding("gamma", 1), finding("learning_rate", 2), finding("ent_coef", 3)]
    result = run_verify(repo, tmp_path, found, seeds=2)
    singles = [v for v in result.variants if v.kind == "single"]
    assert all(v.final is not None and v.final.recovery < 0.2 for v in singles)
    assert "mask each other" in result.interactions
    pairs = {tuple(f.id for f in v.findings): v for v in result.variants if v.kind == "pair"}
    assert len(pairs) == 3
    assert pairs[("config:gamma", "config:learning_rate")].final.recovery > 0.8  # type: ignore[union-attr]
    assert pairs[("config:gamma", "config:ent_coef")].final.recovery < 0.2  # type: ignore[union-attr]


def test_additive_changes_are_not_called_interactions(tmp_path: Path) -> None:
    repo = make_verify_repo(tmp_path / "repo", {"gamma": 20.0, "learning_rate": 20.0})
    result = run_verify(repo, tmp_path, [finding("gamma", 1), finding("learning_rate", 2)], seeds=2)
    assert not result.interactions and not [v for v in result.variants if v.kind == "pair"]


def test_a_spent_budget_is_recorded_per_variant(tmp_path: Path) -> None:
    repo = make_verify_repo(tmp_path / "repo", {"gamma": 40.0})
    result = run_verify(repo, tmp_path, [finding("gamma", 1)], budget_s=0.001)
    v = result.verifications["config:gamma"]
    assert v.status == "budget" and v.verdict == "inconclusive" and "budget" in v.note


def test_without_a_reproduced_regression_nothing_is_decided(tmp_path: Path) -> None:
    repo = make_verify_repo(tmp_path / "repo", {})
    result = run_verify(repo, tmp_path, [finding("gamma", 1)], seeds=2)
    assert any("does not reproduce" in n for n in result.notes)
    v = result.verifications["config:gamma"]
    assert v.verdict == "inconclusive" and v.recovery is None and "does not reproduce" in v.note


def test_findings_without_a_patch_are_not_verified(tmp_path: Path) -> None:
    repo = make_verify_repo(tmp_path / "repo", {"gamma": 40.0})
    result = run_verify(repo, tmp_path, [finding("gamma", 1, patch="")])
    assert not result.variants and not result.verifications and "no finding" in result.notes[0]


def test_a_crash_in_the_step_is_a_recorded_failure(tmp_path: Path, monkeypatch) -> None:
    def boom(inp: object) -> None:
        raise ValueError("unexpected")

    monkeypatch.setattr(node, "verify", boom)
    probing = SimpleNamespace(built=SimpleNamespace(setup=ProbeSetup(command=COMMAND)), env=object(),
                              units=lambda: [TrainingRunProbe()], lock=threading.Lock())
    result = node.run_verify(InvestigationRequest(output=tmp_path), probing, [], [], "figures")
    assert result.failures and result.failures[0].message.startswith("verify crashed: ValueError: unexpected")
