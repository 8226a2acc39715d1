"""grad_norm_at_step: removed gradient clipping is confirmed (the baseline's norms pile up at 0.5,
the candidate's exceed it); the clip moved into a helper is refuted; decide() on hand-built norms:
a moved cap, an added cap, no cap at either side, non-finite norms, a failed side."""

from __future__ import annotations

from pathlib import Path

from investigator.probes.builtin.grad_norm_at_step import GradNormAtStepProbe, cap_of, compare
from investigator.probes.model import ProbeRun, ProbeStatus
from tests.probes.helpers import setup_for
from tests.probes.model_project import BASELINE, edit, run_candidates

CLIP_LINE = "            nn.utils.clip_grad_norm_(agent.parameters(), MAX_GRAD_NORM)\n"


def test_removed_clipping_is_confirmed_and_a_moved_clip_call_refuted(tmp_path: Path) -> None:
    removed = edit(BASELINE, "ppo.py", CLIP_LINE, "")
    helper = edit(BASELINE, "ppo.py", CLIP_LINE, "            _clip(agent)\n")
    helper["ppo.py"] += "\n\ndef _clip(agent, max_norm=MAX_GRAD_NORM):\n    return nn.utils.clip_grad_norm_(agent.parameters(), max_norm)\n"
    (gone, runs1), (same, runs2) = run_candidates(GradNormAtStepProbe(), tmp_path, [removed, helper])
    assert all(r.ok for r in [*runs1, *runs2]), [r.error for r in [*runs1, *runs2]]
    assert len(runs1[0].result["norms"]) == 24  # 3 calls x 2 epochs x 4 minibatches
    assert gone.verdict == "confirmed", gone.summary
    assert "the baseline caps the gradient norm at 0.5 (" in gone.summary  # most of the 24 steps clip
    assert "clipping removed or raised" in gone.summary
    assert max(runs1[1].result["norms"]) > 0.6
    assert [(u.hypothesis, u.status.value) for u in gone.hypothesis_updates] == [("trainer.grad_clip_changed", "supported")]
    assert same.verdict == "refuted", same.summary
    assert "both commits cap the gradient norm at 0.5" in same.summary


def _norms(norms: list[float | None], which: list[int] | None = None) -> dict[str, object]:
    return {"norms": norms, "optimizer": which or [0] * len(norms)}


def test_cap_detection_needs_two_norms_at_the_top() -> None:
    assert cap_of([0.5, 0.4999999, 0.3]) == (0.5, 2)
    assert cap_of([0.5, 0.49, 0.3]) == (None, 0)  # 2% apart: unclipped draws
    assert cap_of([0.5]) == (None, 0)
    assert cap_of([0.0, 0.0, 0.0]) == (None, 0)


def test_moved_and_added_caps_and_no_cap() -> None:
    moved = compare("grad_norm_at_step", _norms([0.5, 0.5, 0.5]), _norms([1.0, 1.0, 0.7]))
    assert moved.verdict == "confirmed" and "cap moved from 0.5 (baseline, 3 of 3 steps) to 1 (candidate, 2 of 3 steps)" in moved.summary
    added = compare("grad_norm_at_step", _norms([1.3, 2.1, 0.9]), _norms([0.5, 0.5, 0.5]))
    assert added.verdict == "confirmed" and "clipping added or lowered" in added.summary
    below = compare("grad_norm_at_step", _norms([0.5, 0.5, 0.5]), _norms([0.1, 0.2, 0.3]))
    assert below.verdict == "inconclusive" and below.hypothesis_updates == []
    none = compare("grad_norm_at_step", _norms([1.3, 2.1, 0.9]), _norms([1.3, 2.1, 0.9]))
    assert none.verdict == "inconclusive" and "no cap at either commit" in none.summary


def test_optimizers_compared_separately_and_nonfinite_norms_skipped() -> None:
    base = _norms([0.5, 2.0, 0.5, 3.0, None], [0, 1, 0, 1, 0])
    same = compare("grad_norm_at_step", base, _norms([0.5, 2.5, 0.5, 3.5], [0, 1, 0, 1]))
    assert same.verdict == "inconclusive"  # optimizer 0 same cap, optimizer 1 never capped
    assert "optimizer 0: both commits cap" in same.summary and "optimizer 1: no cap" in same.summary
    gone = compare("grad_norm_at_step", base, _norms([0.9, 2.5, 0.7, 3.5], [0, 1, 0, 1]))
    assert gone.verdict == "confirmed" and gone.summary.startswith("probe: optimizer 0: the baseline caps")
    empty = compare("grad_norm_at_step", base, _norms([None, None]))
    assert empty.verdict == "inconclusive" and "at the candidate" in empty.summary


def test_failed_side_is_a_failed_decision() -> None:
    ok = ProbeRun(probe="grad_norm_at_step", side="candidate", commit="c", status=ProbeStatus.ok, result=_norms([0.5, 0.5]))
    bad = ProbeRun(probe="grad_norm_at_step", side="baseline", commit="b", status=ProbeStatus.failed,
                   error="LookupError: the adapter does not define update_step()")
    decision = GradNormAtStepProbe().decide([bad], [ok], setup_for("", ""))
    assert decision.verdict == "failed" and "baseline: LookupError" in decision.summary
