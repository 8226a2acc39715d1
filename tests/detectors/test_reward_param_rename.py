"""A reward cap whose function renamed its reward parameter, and whose bounds moved from private
attributes into dataclass fields, is the same cap. Real shape: d3rlpy 2.0's `ClipRewardScaler`:
`transform_numpy(self, reward)` returning `self._multiplier * np.clip(reward, self._low, self._high)`
became a dataclass whose `transform_numpy(self, x)` returns `self.multiplier * np.clip(x, self.low,
self.high)`; it was "Reward weights changed" (significant)."""

from __future__ import annotations

import textwrap

from investigator.detectors.engine import run_detectors
from investigator.detectors.sources import MemoryTree, diff_trees

BASE = """
    import numpy as np


    class ClipRewardScaler:
        def __init__(self, low=None, high=None, multiplier=1.0):
            self._low = low
            self._high = high
            self._multiplier = multiplier

        def transform_numpy(self, reward):
            return self._multiplier * np.clip(reward, self._low, self._high)


    def scale(rewards):
        return ClipRewardScaler(-1.0, 1.0).transform_numpy(rewards)
"""

DATACLASS = """
    import dataclasses

    import numpy as np


    @dataclasses.dataclass()
    class ClipRewardScaler:
        low: float = None
        high: float = None
        multiplier: float = 1.0

        def transform_numpy(self, x):
            return self.multiplier * np.clip(x, self.low, self.high)


    def scale(rewards):
        return ClipRewardScaler(-1.0, 1.0).transform_numpy(rewards)
"""


def _titles(base: str, cand: str) -> list[str]:
    b = MemoryTree({"scalers.py": textwrap.dedent(base).lstrip()})
    c = MemoryTree({"scalers.py": textwrap.dedent(cand).lstrip()})
    return [f.title for f in run_detectors(b, c, diff_trees(b, c), only={"reward_terms"}).findings]


def test_a_cap_on_a_renamed_reward_parameter_with_dataclass_bounds_is_the_same_cap():
    assert _titles(BASE, DATACLASS) == []


def test_another_bound_is_still_a_change():
    cand = DATACLASS.replace("np.clip(x, self.low, self.high)", "np.clip(x, self.low, 10.0)")
    titles = _titles(BASE, cand)
    assert len(titles) == 1 and titles[0].startswith("Reward"), titles


def test_a_cap_on_another_parameter_is_not_the_reward_cap():
    """The renamed parameter is not what is clipped: the reward is no longer capped."""
    cand = DATACLASS.replace("def transform_numpy(self, x):", "def transform_numpy(self, x, y=0.0):").replace(
        "np.clip(x, self.low, self.high)", "x + np.clip(y, self.low, self.high)")
    assert _titles(BASE, cand) != []
