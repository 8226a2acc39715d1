"""determinism: a seed that no longer reaches torch is confirmed; a refactor of the seeding is
refuted; nondeterministic at both commits is inconclusive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from investigator.probes.builtin.determinism import DeterminismProbe, decide_results
from tests.probes.agent_sources import ADAPTER_SRC, AGENT
from tests.probes.helpers import ADAPTER, run_probe, setup_for, two_commits

TORCH_SEED_DROPPED = AGENT.replace("    torch.manual_seed(seed)\n", "")
REORDERED = AGENT.replace("    random.seed(seed)\n    np.random.seed(seed)\n    torch.manual_seed(seed)\n",
                          "    torch.manual_seed(seed)\n    np.random.seed(seed)\n    random.seed(seed)\n")


@pytest.mark.parametrize(("candidate", "verdict"), [(TORCH_SEED_DROPPED, "confirmed"), (REORDERED, "refuted")])
def test_seeding_decided_by_building_twice(tmp_path: Path, candidate: str, verdict: str) -> None:
    assert candidate != AGENT
    repo, base, cand = two_commits(tmp_path, {"rlproj/__init__.py": "", "rlproj/agent.py": AGENT, ADAPTER: ADAPTER_SRC},
                                   {"rlproj/agent.py": candidate})
    decision, runs = run_probe(DeterminismProbe(), setup_for(ADAPTER_SRC, ADAPTER_SRC), repo,
                               {"baseline": base, "candidate": cand}, tmp_path)
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert runs[0].result["deterministic"] and runs[0].result["update"]["same"]
    assert decision.verdict == verdict, decision.summary
    status = {u.hypothesis: u.status.value for u in decision.hypothesis_updates}
    assert status == {"device.seeding_changed": "supported" if verdict == "confirmed" else "refuted"}
    if verdict == "confirmed":
        assert "candidate nondeterministic: initialisation (4 of 5 tensors differ" in decision.summary


def _result(init_same: bool, update_same: bool | None = None, init_hash: str = "a") -> dict[str, Any]:
    stage = lambda same: {"same": same, "hashes": [init_hash, init_hash if same else "b"], "differing_count": 0 if same else 2,  # noqa: E731
                          "max_abs_diff": 0.0 if same else 0.5}
    return {"tensors": 4, "init": stage(init_same), "update": None if update_same is None else stage(update_same),
            "deterministic": init_same and update_same is not False}


def test_decisions_on_hand_built_results() -> None:
    both_bad = decide_results(_result(False), _result(False))
    assert both_bad.verdict == "inconclusive" and both_bad.hypothesis_updates == []
    update_only = decide_results(_result(True, True), _result(True, False))
    assert update_only.verdict == "confirmed" and "update (2 of 4 tensors differ" in update_only.summary
    other_init = decide_results(_result(True, True), _result(True, True, init_hash="c"))  # a seed value or init changed
    assert other_init.verdict == "inconclusive" and other_init.hypothesis_updates == []
