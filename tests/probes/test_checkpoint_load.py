"""checkpoint_load: a loader that filters keys with strict=False is confirmed ("7 of 13 tensors
loaded", the critic named); a refactored loader is refuted; a loader that raises is a measured,
inconclusive result, not a crash; decide() on hand-built counts: partial at both commits, more
lost than at the baseline, a failed side."""

from __future__ import annotations

from pathlib import Path

from investigator.probes.builtin.checkpoint_load import CheckpointLoadProbe, compare
from investigator.probes.model import ProbeRun, ProbeStatus
from tests.probes.helpers import setup_for
from tests.probes.model_project import BASELINE, edit, run_candidates

LOAD = '    agent.load_state_dict(state["model"])\n'
ACTOR_ONLY = '    agent.load_state_dict({k: v for k, v in state["model"].items() if k.startswith("actor")}, strict=False)\n'
STRICT_ACTOR_ONLY = '    agent.load_state_dict({k: v for k, v in state["model"].items() if k.startswith("actor")})\n'
HELPER = '    _restore(agent, state)\n\n\ndef _restore(module, state, key="model"):\n    module.load_state_dict(state[key], strict=True)\n'


def test_partial_load_confirmed_refactor_refuted_raising_loader_recorded(tmp_path: Path) -> None:
    candidates = [edit(BASELINE, "ckpt.py", LOAD, ACTOR_ONLY), edit(BASELINE, "ckpt.py", LOAD, HELPER),
                  edit(BASELINE, "ckpt.py", LOAD, STRICT_ACTOR_ONLY)]
    results = run_candidates(CheckpointLoadProbe(), tmp_path, candidates)
    (partial, runs), (same, _), (raising, raised_runs) = results
    assert all(r.ok for _, rs in results for r in rs), [r.error for _, rs in results for r in rs]
    assert runs[0].result == {"total": 13, "loaded": 13, "not_loaded": [], "absent": [], "error": None}
    assert partial.verdict == "confirmed", partial.summary
    assert "partial load at the candidate, 7 of 13 tensors loaded (not: critic.0.weight, critic.0.bias, critic.2.weight and 3 more)" in partial.summary
    assert "baseline: 13 of 13 tensors loaded" in partial.summary
    assert [(u.hypothesis, u.status.value) for u in partial.hypothesis_updates] == [("checkpointing.partial_weight_loading", "supported")]
    assert same.verdict == "refuted", same.summary
    assert [u.status.value for u in same.hypothesis_updates] == ["refuted"]
    assert raised_runs[1].result["error"].startswith("RuntimeError: Error(s) in loading state_dict")
    assert raising.verdict == "inconclusive" and "raises on its own checkpoint" in raising.summary
    assert raising.hypothesis_updates == []


def _c(total: int, not_loaded: list[str], error: str | None = None) -> dict[str, object]:
    return {"total": total, "loaded": total - len(not_loaded), "not_loaded": not_loaded, "error": error}


def test_partial_at_both_commits_is_not_a_regression_unless_more_is_lost() -> None:
    both = compare("checkpoint_load", _c(4, ["critic.w"]), _c(4, ["critic.w"]))
    assert both.verdict == "inconclusive" and "baseline does not load completely either" in both.summary
    more = compare("checkpoint_load", _c(4, ["critic.w"]), _c(4, ["critic.w", "actor.w"]))
    assert more.verdict == "confirmed" and "2 of 4 tensors loaded" in more.summary
    fixed = compare("checkpoint_load", _c(4, [], "RuntimeError: Missing key(s)"), _c(4, []))
    assert fixed.verdict == "refuted" and "the loader raised RuntimeError" in fixed.summary
    empty = compare("checkpoint_load", _c(0, []), _c(0, []))
    assert empty.verdict == "inconclusive"


def test_failed_side_is_a_failed_decision() -> None:
    ok = ProbeRun(probe="checkpoint_load", side="baseline", commit="b", status=ProbeStatus.ok, result=_c(4, []))
    bad = ProbeRun(probe="checkpoint_load", side="candidate", commit="c", status=ProbeStatus.crashed, error="killed by SIGSEGV")
    decision = CheckpointLoadProbe().decide([ok], [bad], setup_for("", ""))
    assert decision.verdict == "failed" and "candidate: killed by SIGSEGV" in decision.summary
