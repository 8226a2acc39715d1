"""A window of steps (`rewards[idx + i] for i in range(n)`) is not an index moved by a constant.

Real shape (mushroom-rl, a replay memory's sampler): the n-step window
`n_step_r = [self._rewards[idx + i] for i in range(n_steps)]` replaced by one-step sampling
`r.append(self._rewards[i])` was a critical "Index shift in rewards: `_rewards[t + i]` -> `_rewards[t]`".
Negatives: a constant shift (`rewards[idx + 1]` -> `rewards[idx]`) stays the critical index shift, and the
window change itself is still reported (as time indexing changed, significant)."""

from __future__ import annotations

from investigator.models import Severity
from tests.detectors.helpers import run_on

WINDOW = """
class ReplayMemory:
    def get(self, n_samples, n_steps=1):
        s, r, ss = [], [], []
        for idx in np.random.randint(self.size - n_steps + 1, size=n_samples):
            s.append(self._states[idx])
            n_step_r = [self._rewards[idx + i] for i in range(n_steps)]
            r.append(n_step_r)
            ss.append(self._next_states[idx + n_steps - 1])
        return s, r, ss
"""

ONE_STEP = """
class ReplayMemory:
    def get(self, n_samples):
        s, r, ss = [], [], []
        for i in np.random.randint(self.size, size=n_samples):
            s.append(self._states[i])
            r.append(self._rewards[{index}])
            ss.append(self._next_states[i])
        return s, r, ss
"""

SHIFTED = """
class ReplayMemory:
    def get(self, n_samples):
        s, r, ss = [], [], []
        for i in np.random.randint(self.size, size=n_samples):
            s.append(self._states[i])
            r.append(self._rewards[{index}])
            ss.append(self._next_states[i])
        return s, r, ss
"""


def _findings(base: str, cand: str) -> list[tuple[str, Severity]]:
    main = "from memory import ReplayMemory\n\nReplayMemory().get(32)\n"
    result = run_on({"memory.py": base, "main.py": main}, {"memory.py": cand, "main.py": main}, only={"gae_index"})
    return [(f.title, f.severity) for f in result.findings]


def test_an_n_step_window_dropped_is_no_index_shift() -> None:
    found = _findings(WINDOW, ONE_STEP.format(index="i"))
    assert not any("Index shift" in title for title, _ in found), found
    assert all(sev is not Severity.critical for _, sev in found), found
    assert found  # the sampled rewards did change: still reported


def test_a_constant_shift_is_still_an_index_shift() -> None:
    found = _findings(SHIFTED.format(index="i + 1"), SHIFTED.format(index="i"))
    assert any("Index shift in rewards" in title and sev is Severity.critical for title, sev in found), found
