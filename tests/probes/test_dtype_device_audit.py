"""dtype_device_audit: an autocast added around the update is confirmed; a refactor is refuted;
the device is decided only with a GPU visible at both commits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from investigator.probes.builtin.dtype_device_audit import DtypeDeviceAuditProbe, decide_results
from tests.probes.agent_sources import ADAPTER_SRC, AGENT
from tests.probes.helpers import ADAPTER, run_probe, setup_for, two_commits

AUTOCAST = AGENT.replace("    loss = agent(obs)", "    with torch.autocast('cpu', dtype=torch.bfloat16):\n        loss = agent(obs)")
REFACTORED = AGENT.replace(
    "torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))",
    "torch.nn.Sequential(*[torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2)])")


@pytest.mark.parametrize(("candidate", "verdict"), [(AUTOCAST, "confirmed"), (REFACTORED, "refuted")])
def test_precision_decided_by_running_the_update(tmp_path: Path, candidate: str, verdict: str) -> None:
    repo, base, cand = two_commits(tmp_path, {"rlproj/__init__.py": "", "rlproj/agent.py": AGENT, ADAPTER: ADAPTER_SRC},
                                   {"rlproj/agent.py": candidate})
    decision, runs = run_probe(DtypeDeviceAuditProbe(), setup_for(ADAPTER_SRC, ADAPTER_SRC), repo,
                               {"baseline": base, "candidate": cand}, tmp_path)
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert runs[0].result["parameters"]["dtypes"] == {"float32": 4 * 16 + 16 + 16 * 2 + 2}
    assert runs[0].result["optimizer_state"]["dtypes"] == {"float32": 2 * (4 * 16 + 16 + 16 * 2 + 2)}
    assert decision.verdict == verdict, decision.summary
    statuses = {u.hypothesis: u.status.value for u in decision.hypothesis_updates}
    gpu = runs[0].result["cuda_available"] and runs[1].result["cuda_available"]
    assert ("device.device_changed" in statuses) == gpu  # placement is decided only with a GPU visible at both
    if verdict == "confirmed":
        assert statuses["device.precision_changed"] == "supported"
        assert "update forward float32 -> bfloat16" in decision.summary
    else:
        assert statuses["device.precision_changed"] == "refuted"


def _result(params: str = "float32", forward: dict[str, int] | None = None, device: str = "cpu", cuda: bool = False) -> dict[str, Any]:
    return {"cuda_available": cuda, "parameters": {"dtypes": {params: 100}, "devices": {device: 100}},
            "optimizer_state": None, "forward": forward}


def test_decisions_on_hand_built_results() -> None:
    half = decide_results(_result(), _result("float16"))
    assert half.verdict == "confirmed" and "parameters float32 -> float16" in half.summary
    unmeasured = decide_results(_result(), _result())  # no update_step: autocast unseen, precision not refuted
    assert unmeasured.verdict == "inconclusive" and unmeasured.hypothesis_updates == []
    fallback = decide_results(_result(device="cuda", cuda=True), _result(device="cpu", cuda=True))
    assert {(u.hypothesis, u.status.value) for u in fallback.hypothesis_updates} == {("device.device_changed", "supported")}
    same_gpu = decide_results(_result(device="cuda", cuda=True, forward={"float32": 3}),
                              _result(device="cuda", cuda=True, forward={"float32": 3}))
    assert same_gpu.verdict == "refuted" and {u.hypothesis for u in same_gpu.hypothesis_updates} == {
        "device.device_changed", "device.precision_changed"}
    no_gpu_at_candidate = decide_results(_result(device="cuda", cuda=True), _result(device="cpu", cuda=False))
    assert no_gpu_at_candidate.hypothesis_updates == []  # the machine, not the code, may explain it
