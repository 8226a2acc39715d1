"""A library function reached through an instance attribute set in `__init__` is the same call.

Real shape (rl_games v1.6.1, `DefaultRewardsShaper`): `torch.clamp(reward, min, max)` /
`np.clip(...)` under `if self.is_torch` became `self.clip(reward, min, max)` with `self.clip =
torch.clamp` / `np.clip` set in `__init__`; it was reported as "Reward weights changed"."""

from __future__ import annotations

import textwrap

from investigator.detectors.engine import run_detectors
from investigator.detectors.sources import MemoryTree, diff_trees

BASE = """
    import numpy as np
    import torch


    class RewardShaper:
        def __init__(self, scale=1.0, min_val=-1.0, max_val=1.0, is_torch=True):
            self.scale = scale
            self.min_val = min_val
            self.max_val = max_val
            self.is_torch = is_torch

        def __call__(self, reward):
            reward = reward * self.scale
            if self.is_torch:
                reward = torch.clamp(reward, self.min_val, self.max_val)
            else:
                reward = np.clip(reward, self.min_val, self.max_val)
            return reward


    def collect(env, policy, buffer):
        shaper = RewardShaper()
        obs = env.reset()
        for _ in range(128):
            obs, reward, done, info = env.step(policy(obs))
            buffer.add(obs, shaper(reward), done)
"""

ALIASED = """
    import numpy as np
    import torch


    class RewardShaper:
        def __init__(self, scale=1.0, min_val=-1.0, max_val=1.0, is_torch=True):
            self.scale = scale
            self.min_val = min_val
            self.max_val = max_val
            self.is_torch = is_torch
            if self.is_torch:
                self.clip = torch.clamp
            else:
                self.clip = np.clip

        def __call__(self, reward):
            reward = reward * self.scale
            reward = self.clip(reward, self.min_val, self.max_val)
            return reward


    def collect(env, policy, buffer):
        shaper = RewardShaper()
        obs = env.reset()
        for _ in range(128):
            obs, reward, done, info = env.step(policy(obs))
            buffer.add(obs, shaper(reward), done)
"""


def _reward_titles(base: str, cand: str) -> list[str]:
    b = MemoryTree({"shaping.py": textwrap.dedent(base).lstrip()})
    c = MemoryTree({"shaping.py": textwrap.dedent(cand).lstrip()})
    return [f.title for f in run_detectors(b, c, diff_trees(b, c), only={"reward_terms"}).findings]


def test_a_clip_reached_through_an_init_alias_is_the_same_cap():
    assert _reward_titles(BASE, ALIASED) == []


def test_a_changed_bound_through_the_alias_is_still_a_change():
    cand = ALIASED.replace("self.clip(reward, self.min_val, self.max_val)", "self.clip(reward, self.min_val, 10.0)")
    titles = _reward_titles(BASE, cand)
    assert len(titles) == 1 and titles[0].startswith("Reward"), titles


def test_an_alias_to_another_function_is_a_change():
    """`self.clip` bound to `torch.max` (no upper bound) is not the old clamp."""
    cand = ALIASED.replace("self.clip = torch.clamp", "self.clip = torch.maximum").replace(
        "self.clip = np.clip", "self.clip = np.maximum")
    assert _reward_titles(BASE, cand) != []


def test_an_attribute_that_also_holds_other_values_is_no_alias():
    """`self.clip` also set from a parameter: what it calls is unknown, so the call keeps its own name."""
    from investigator.detectors.flow import callable_aliases
    from investigator.detectors.functions import parse_module

    src = textwrap.dedent(ALIASED).lstrip().replace(
        "        self.is_torch = is_torch\n",
        "        self.is_torch = is_torch\n        self.fallback = np.clip\n        self.other = scale\n")
    module = parse_module("shaping.py", src, "candidate")
    fn = next(f for f in module.functions.values() if f.qualname == "RewardShaper.__call__")
    assert callable_aliases(fn) == {"clip": ["torch.clamp", "np.clip"], "fallback": ["np.clip"]}
    mixed = src.replace("self.other = scale", "self.clip = scale")
    fn = next(f for f in parse_module("shaping.py", mixed, "candidate").functions.values()
              if f.qualname == "RewardShaper.__call__")
    assert "clip" not in callable_aliases(fn)
