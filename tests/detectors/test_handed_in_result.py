"""A callee's result handed in by the callers is not a removed computation.

Real shape (torch-ac 312edb4..b6602c8): `update_parameters(self)` did `exps, logs =
self.collect_experiences()` (the rollout, with its done-masked GAE); it became `update_parameters(self,
exps)` and the training script calls `collect_experiences()` itself. `collect_experiences` is unchanged,
yet "Done masking removed from the return/advantage computation" (critical) was reported on
`update_parameters`. Negatives: the callee's masking really removed at the candidate, and the call
dropped without the result becoming a parameter."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
class Algo:
    def collect_experiences(self):
        advs = []
        for t in range(self.n):
            mask = 1 - self.dones[t]
            advs.append(self.rewards[t] + self.gamma * self.values[t + 1] * mask - self.values[t])
        return advs, {}

    def update_parameters(self):
        exps, logs = self.collect_experiences()
        loss = (exps[0] * self.logp).mean()
        loss.backward()
        return logs
"""

CAND = """
class Algo:
    def collect_experiences(self):
        advs = []
        for t in range(self.n):
            mask = {mask}
            advs.append(self.rewards[t] + self.gamma * self.values[t + 1] * mask - self.values[t])
        return advs, {{}}

    def update_parameters(self, {param}):
        loss = (exps[0] * self.logp).mean()
        loss.backward()
        return {{}}
"""


def _titles(mask: str = "1 - self.dones[t]", param: str = "exps") -> list[str]:
    result = run_on({"algo.py": BASE}, {"algo.py": CAND.format(mask=mask, param=param)}, only={"done_mask"})
    return [f.title for f in result.findings]


def test_a_result_the_callers_hand_in_is_not_a_removed_mask() -> None:
    assert _titles() == []


def test_the_mask_removed_from_the_callee_is_still_reported() -> None:
    assert any("Done masking removed" in t for t in _titles(mask="1"))


def test_a_call_dropped_without_its_result_handed_in_is_still_reported() -> None:
    assert any("Done masking removed" in t for t in _titles(param="batch"))
