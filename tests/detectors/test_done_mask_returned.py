"""A mask returned directly is the mask a local held: `mask = ~done[i]; return mask` -> `return ~terminated[i]`.

Real shape (tianshou v0.4.9..v0.4.10, the gym 0.26 migration): `value_mask` built
`mask = ~buffer.done[indices]`, or-ed in the time-limit flag and returned it; it now returns
`~buffer.terminated[indices]`, the same bootstrap mask. The returned expression was not read: "Done masking
removed from the return/advantage computation" (critical) and "Done flag no longer includes dones".
Negative: a returned value that no longer reads the done flag."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
class Policy:
    def value_mask(self, buffer, indices):
        mask = ~buffer.done[indices]
        if hasattr(buffer, 'info'):
            mask = mask | buffer.info['TimeLimit.truncated'][indices]
        return mask

    def bootstrap(self, buffer, indices, rew, v_next, gamma):
        return rew + gamma * v_next * self.value_mask(buffer, indices)
"""

CAND = """
class Policy:
    def value_mask(self, buffer, indices):
        return {returned}

    def bootstrap(self, buffer, indices, rew, v_next, gamma):
        return rew + gamma * v_next * self.value_mask(buffer, indices)
"""


def _titles(returned: str) -> list[str]:
    result = run_on({"policy.py": BASE}, {"policy.py": CAND.format(returned=returned)},
                    only={"done_mask", "done_signal"})
    return [f.title for f in result.findings]


def test_a_returned_termination_mask_is_the_mask_the_local_held() -> None:
    assert _titles("~buffer.terminated[indices]") == []


def test_a_returned_value_without_the_done_mask_is_still_reported() -> None:
    assert any("Done masking removed" in t for t in _titles("buffer.valid[indices]"))

