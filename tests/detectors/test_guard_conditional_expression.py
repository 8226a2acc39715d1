"""A conditional expression `new if option else old` whose option is off by default computes the
baseline's code by default: the finding on it is low ("off by default"), like an `if option:` block.

Real shape (PufferLib fp20 73aaa5a8..cb116bca): `torch.zeros(..., device=self.device)` became
`torch.zeros(..., device="cpu" if self.cpu_offload else self.device)` with a new `cpu_offload=False`
parameter, "Device placement changed", significant. Negatives: an option on by default, a statement that
also changed outside the conditional expression, an option the baseline turns on.
"""

from __future__ import annotations

from investigator.detectors.guards import Side, off_by_default_reason
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity

BASE = '''\
import torch


class Rollout:
    def __init__(self, policy, num_envs, device="cuda"{extra}):
        self.policy = policy
        self.device = device
        self.obs = torch.zeros(num_envs, 4, device=self.device)
'''
CAND = '''\
import torch


class Rollout:
    def __init__(self, policy, num_envs, device="cuda", cpu_offload={default}):
        self.policy = policy
        self.device = device
        self.obs = torch.zeros({n}, 4, device="cpu" if cpu_offload else self.device)
'''
LINE = 8
RUN = "from rollout import Rollout\n\n\ndef main(policy):\n    return Rollout(policy, 8)\n"


def _finding() -> Finding:
    locs = [Location(path="rollout.py", line=LINE, side="baseline"), Location(path="rollout.py", line=LINE,
                                                                              side="candidate")]
    return Finding(id="device_placement:rollout.py:8", source="code_detectors.device_placement",
                   subsystem="trainer", severity=Severity.significant, confidence=0.7,
                   title="Device placement changed", impact="", rationale="", locations=locs,
                   evidence=[Evidence(kind=EvidenceKind.code, summary="device", locations=locs)])


def _reason(default: str = "False", n: str = "num_envs", base_extra: str = "", run: str = RUN) -> str | None:
    files_b = {"rollout.py": BASE.format(extra=base_extra), "run.py": RUN}
    files_c = {"rollout.py": CAND.format(default=default, n=n), "run.py": run}
    sides = {"baseline": Side("baseline", files_b.get, list(files_b)),
             "candidate": Side("candidate", files_c.get, list(files_c))}
    return off_by_default_reason(_finding(), sides)


def test_a_conditional_expression_on_an_option_off_by_default_is_low() -> None:
    reason = _reason()
    assert reason is not None and "cpu_offload" in reason and "takes `self.device`" in reason, reason


def test_an_option_on_by_default_keeps_the_finding() -> None:
    assert _reason(default="True") is None


def test_another_change_in_the_statement_keeps_the_finding() -> None:
    assert _reason(n="2 * num_envs") is None


def test_a_caller_that_turns_it_on_keeps_the_finding() -> None:
    run = RUN.replace("Rollout(policy, 8)", "Rollout(policy, 8, cpu_offload=True)")
    assert _reason(run=run) is None
