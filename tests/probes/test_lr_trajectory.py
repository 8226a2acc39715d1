"""lr_trajectory: a schedule that is no longer stepped is confirmed; a refactor of it is refuted."""

from __future__ import annotations

from pathlib import Path

import pytest

from investigator.probes.builtin.lr_trajectory import LrTrajectoryProbe
from tests.probes.helpers import ADAPTER, run_probe, setup_for, two_commits

SCHED = '''\
import torch

def make_optimizer(params, lr, total):
    opt = torch.optim.Adam(params, lr=lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0 - s / total)
    return opt, sched
'''
SCHED_REFACTORED = '''\
import torch

def _frac(step, total):
    return 1.0 - step / total

def make_optimizer(params, lr, total):
    opt = torch.optim.Adam(params, lr=lr)
    return opt, torch.optim.lr_scheduler.LambdaLR(opt, lambda s: _frac(s, total))
'''
SCHED_CONSTANT = '''\
import torch

def make_optimizer(params, lr, total):
    return torch.optim.Adam(params, lr=lr), None
'''
ADAPTER_SRC = '''\
import torch
from lrsched import make_optimizer as _make

def make_agent(seed):
    torch.manual_seed(seed)
    return torch.nn.Linear(4, 2)

def make_optimizer(agent):
    return _make(agent.parameters(), 2.5e-4, 1000)
'''


@pytest.mark.parametrize(("candidate", "verdict"), [(SCHED_CONSTANT, "confirmed"), (SCHED_REFACTORED, "refuted")])
def test_schedule_change_decided_by_running_it(tmp_path: Path, candidate: str, verdict: str) -> None:
    repo, base, cand = two_commits(tmp_path, {"lrsched.py": SCHED, ADAPTER: ADAPTER_SRC}, {"lrsched.py": candidate})
    probe = LrTrajectoryProbe()
    decision, runs = run_probe(probe, setup_for(ADAPTER_SRC, ADAPTER_SRC), repo, {"baseline": base, "candidate": cand}, tmp_path)
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert decision.verdict == verdict, decision.summary
    statuses = {u.hypothesis: u.status.value for u in decision.hypothesis_updates}
    if verdict == "confirmed":
        assert statuses["trainer.lr_schedule_changed"] == "supported"
        assert "step 10" in decision.summary  # the first sampled step where the rates part
    else:
        assert set(statuses.values()) == {"refuted"}


def test_failed_side_is_a_failed_decision(tmp_path: Path) -> None:
    broken = ADAPTER_SRC.replace("return _make", "raise RuntimeError('boom'); return _make")
    repo, base, cand = two_commits(tmp_path, {"lrsched.py": SCHED, ADAPTER: ADAPTER_SRC}, {ADAPTER: broken})
    decision, runs = run_probe(LrTrajectoryProbe(), setup_for(ADAPTER_SRC, broken), repo, {"baseline": base, "candidate": cand}, tmp_path)
    assert [r.status.value for r in runs] == ["ok", "failed"]
    assert "RuntimeError: boom" in runs[1].error
    assert decision.verdict == "failed" and decision.hypothesis_updates == []
