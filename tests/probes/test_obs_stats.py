"""obs_stats: a removed normalisation wrapper and a changed observation space are confirmed; a
refactor of the wrapper is refuted; old-gym and vector environments are read too."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from investigator.probes.builtin.obs_stats import ObsStatsProbe, decide_results
from investigator.probes.child import obs_stats as child
from tests.probes.helpers import ADAPTER, run_probe, setup_for, two_commits

ENVS = '''\
import numpy as np

class Box:
    def __init__(self, low, high, shape):
        self.low, self.high, self.shape, self.dtype = low, high, shape, np.dtype(np.float32)
        self._rng = np.random.default_rng()

    def seed(self, seed):
        self._rng = np.random.default_rng(seed)

    def sample(self):
        return self._rng.uniform(self.low, self.high, self.shape).astype(self.dtype)


class PointEnv:
    def __init__(self, dims=3):
        self.dims = dims
        self.observation_space = Box(-np.inf, np.inf, (dims,))
        self.action_space = Box(-1.0, 1.0, (2,))

    def reset(self, seed=None, options=None):
        self._rng = np.random.default_rng(seed)
        self.pos, self.t = self._rng.normal(size=self.dims) * 5 + 10, 0
        return self.pos.astype(np.float32), {}

    def step(self, action):
        self.pos = 10 + 5 * self._rng.normal(size=self.dims) + 0.5 * np.resize(action, self.dims)
        self.t += 1
        return self.pos.astype(np.float32), 0.0, False, self.t >= 40, {}


class Standardise:
    """Observation normalisation with statistics computed in pretraining."""

    def __init__(self, env, mean=10.0, std=5.0):
        self.env, self.mean, self.std = env, mean, std
        self.action_space = env.action_space

    def _f(self, obs):
        return ((obs - self.mean) / self.std).astype(np.float32)

    def reset(self, **kwargs):
        obs, info = self.env.reset(**kwargs)
        return self._f(obs), info

    def step(self, action):
        obs, *rest = self.env.step(action)
        return (self._f(obs), *rest)
'''
ADAPTER_SRC = '''\
from rlproj.envs import PointEnv, Standardise

def make_env(seed):
    return Standardise(PointEnv())
'''
WRAPPER_DROPPED = ADAPTER_SRC.replace("Standardise(PointEnv())", "PointEnv()")
MORE_FEATURES = ADAPTER_SRC.replace("PointEnv()", "PointEnv(dims=4)")
REFACTORED = ENVS.replace("((obs - self.mean) / self.std)", "((obs - self.mean) * (1.0 / self.std))")


@pytest.mark.parametrize(("change", "verdict", "hypothesis"), [
    ({ADAPTER: WRAPPER_DROPPED}, "confirmed", "normalization.obs_normalisation_changed"),
    ({ADAPTER: MORE_FEATURES}, "confirmed", "env.spaces_changed"),
    ({"rlproj/envs.py": REFACTORED}, "refuted", None),
])
def test_env_changes_decided_by_stepping_it(tmp_path: Path, change: dict[str, str], verdict: str, hypothesis: str | None) -> None:
    repo, base, cand = two_commits(tmp_path, {"rlproj/__init__.py": "", "rlproj/envs.py": ENVS, ADAPTER: ADAPTER_SRC}, change)
    decision, runs = run_probe(ObsStatsProbe(), setup_for(ADAPTER_SRC, change.get(ADAPTER, ADAPTER_SRC)), repo,
                               {"baseline": base, "candidate": cand}, tmp_path)
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert decision.verdict == verdict, decision.summary
    statuses = {u.hypothesis: u.status.value for u in decision.hypothesis_updates}
    if hypothesis:
        assert statuses == {hypothesis: "supported"}
    else:
        assert statuses == {"env.spaces_changed": "refuted", "normalization.obs_normalisation_changed": "refuted"}
    if hypothesis and "normalisation" in hypothesis:
        assert "standardised at the baseline, raw at the candidate" in decision.summary


class _Discrete:
    n, shape, dtype = 2, (), "int64"

    def __init__(self, batch: int | None = None) -> None:
        self.batch, self.rng = batch, np.random.default_rng(0)

    def seed(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def sample(self) -> Any:
        return self.rng.integers(0, 2, size=self.batch) if self.batch else int(self.rng.integers(0, 2))


class _OldGym:  # reset() -> obs, step -> 4-tuple
    action_space = _Discrete()

    def reset(self) -> Any:
        self.t = 0
        return np.zeros(2)

    def step(self, action: int) -> tuple[Any, float, bool, dict[str, Any]]:
        self.t += 1
        return np.full(2, float(self.t)), 1.0, self.t % 5 == 0, {}


class _Vector:  # batched dict observations, resets itself
    num_envs = 4
    action_space = _Discrete(4)

    def reset(self, seed: int | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        return {"pos": np.zeros((4, 3)), "img": np.zeros((4, 2, 2), dtype=np.uint8)}, {}

    def step(self, action: Any) -> tuple[Any, ...]:
        return ({"pos": np.ones((4, 3)) * action[:, None], "img": np.full((4, 2, 2), 7, dtype=np.uint8)},
                np.zeros(4), np.zeros(4, bool), np.zeros(4, bool), {})


def _measure(env: Any, steps: int = 20) -> dict[str, Any]:
    return child.measure(SimpleNamespace(params={"seed": 0, "steps": steps}, fn=lambda name: lambda seed: env))


def test_old_gym_env_resets_after_episode_end() -> None:
    result = _measure(_OldGym())
    stats = result["keys"]["obs"]
    assert stats["shape"] == [2] and not result["batched"]
    assert stats["n"] == 1 + 20 + 4 and stats["max"] == [5.0, 5.0]  # reset after every fifth step
    assert result["action_space"]["n"] == 2


def test_vector_env_with_dict_observations() -> None:
    result = _measure(_Vector(), steps=10)
    assert result["batched"] and result["num_envs"] == 4
    assert result["keys"]["img"] == {**result["keys"]["img"], "shape": [2, 2], "dtype": "uint8", "n": 44, "features": 4}
    assert result["keys"]["pos"]["shape"] == [3]


def test_env_without_action_space_is_a_clear_failure() -> None:
    env = _OldGym()
    env.action_space = None  # type: ignore[assignment]
    with pytest.raises(LookupError, match="action_space"):
        _measure(env)


def _stats(mean: float, std: float, n: int = 200) -> dict[str, Any]:
    return {"keys": {"obs": {"shape": [2], "dtype": "float32", "features": 2, "measured": 2, "n": n, "finite": True,
                             "mean": [mean, mean], "std": [std, std], "min": [mean - 2 * std] * 2, "max": [mean + 2 * std] * 2}},
            "action_space": {"n": 2}, "steps": 200}


def test_decisions_on_hand_built_statistics() -> None:
    assert decide_results(_stats(10, 5), _stats(10, 5)).verdict == "refuted"
    assert decide_results(_stats(10, 5), _stats(10 + 1e-7, 5)).verdict == "refuted"  # float noise
    shifted = decide_results(_stats(10, 5), _stats(12, 5))  # same spread, mean moved by ~4 standard errors
    assert shifted.verdict == "confirmed" and "standardised" not in shifted.summary
    slight = decide_results(_stats(10, 5), _stats(10.3, 5))  # 0.6 standard errors: not clear
    assert slight.verdict == "inconclusive" and slight.hypothesis_updates == []
    other_action = _stats(10, 5)
    other_action["action_space"] = {"n": 3}
    assert {u.hypothesis for u in decide_results(_stats(10, 5), other_action).hypothesis_updates} == {"env.spaces_changed"}
