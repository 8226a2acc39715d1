"""A reward transform whose value is only converted to a Python float (real shape: d3rlpy 2.0's Atari
wrapper, `TransformReward(env, lambda r: np.clip(r, -1.0, 1.0))` -> `lambda r: float(np.clip(r, -1.0,
1.0))`, "Normalisation wrapper options changed", significant). Negatives: `int(...)` truncates; another
clip range."""

from __future__ import annotations

from tests.detectors.helpers import run_on

ENV = """
import gym
import numpy as np
from gym.wrappers import TransformReward


def make_env(name):
    env = gym.make(name)
    env = TransformReward(env, lambda r: {body})
    return env
"""


def _found(body: str) -> list[str]:
    base, cand = ENV.replace("{body}", "np.clip(r, -1.0, 1.0)"), ENV.replace("{body}", body)
    result = run_on({"envs.py": base}, {"envs.py": cand}, only={"norm_wrappers"})
    return [f.title for f in result.findings if f.source.endswith("norm_wrappers")]


def test_a_reward_only_converted_to_float_is_the_same_transform() -> None:
    assert not _found("float(np.clip(r, -1.0, 1.0))")


def test_a_truncating_cast_or_another_clip_range_stays_a_change() -> None:
    assert _found("int(np.clip(r, -1.0, 1.0))") == ["Normalisation wrapper options changed: `TransformReward`"]
    assert _found("float(np.clip(r, -5.0, 5.0))") == ["Normalisation wrapper options changed: `TransformReward`"]
