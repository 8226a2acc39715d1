"""A new keyword option whose default keeps the old behaviour is opt-in: low, not significant.

Real shapes (rl_games v1.6.0..v1.6.1): the reward shaper gains `log_val=False` with `if self.log_val:
reward = self.log(reward)` (and its clamp goes through a `self.clip` alias); the envpool wrapper gains
`self.flatten_obs = kwargs.pop('flatten_obs', False)` and `if self.flatten_obs:` branches in
`__init__`, `step` and `reset`. Both were "Behavioural change in the reward / sampling / environment
path", significant, while every run that does not set the option computes what it computed before.
Negatives: an option on by default, an option the class already had, a real change beside the
option, a configuration that turns it on unchanged at both commits or in the run's one file.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.flow.optin import ConfigValues
from investigator.models import Finding, Severity
from tests.flow.test_equivalence import _index

SHAPER = """
import numpy as np


class RewardShaper:
    def __init__(self, scale_value=1, min_val=-np.inf, max_val=np.inf{param}):
        self.scale_value = scale_value
        self.min_val = min_val
        self.max_val = max_val
{assign}

    def __call__(self, reward):
        reward = reward * self.scale_value
        reward = np.clip(reward, self.min_val, self.max_val)
{branch}        return reward
"""
LOG_BRANCH = "        if self.log_val:\n            reward = np.log(reward)\n"
AGENT = """
from shaper import RewardShaper


class Agent:
    def __init__(self, env, model, optimizer, config):
        self.env = env
        self.model = model
        self.optimizer = optimizer
        self.shaper = RewardShaper(**config['reward_shaper'])

    def train(self, obs):
        obs, rewards, dones, infos = self.env.step(self.model(obs))
        returns = self.shaper(rewards)
        loss = (self.model(obs) - returns).pow(2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
"""
ENVPOOL = """
import envpool
import gym


class Envpool:
    def __init__(self, num_actors, **kwargs):
        self.use_dict_obs_space = kwargs.pop('use_dict_obs_space', False)
{assign}
        self.env = envpool.make(kwargs.pop('env_name'), num_envs=num_actors, **kwargs)
        self.observation_space = self.env.observation_space
{init_branch}
    def step(self, action):
        next_obs, reward, is_done, info = self.env.step(action)
{step_branch}        return next_obs, reward, is_done, info

    def reset(self):
        obs = self.env.reset()
{reset_branch}        return obs
"""
RUNNER = """
from envpool_env import Envpool


def train(model, optimizer, config):
    env = Envpool(**config['env_config'])
    obs = env.reset()
    for _ in range(100):
        obs, reward, done, info = env.step(model(obs))
        loss = (model(obs) - reward).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def _shaper(param: str = "", assign: str = "", branch: str = "") -> str:
    return SHAPER.format(param=param, assign=assign, branch=branch)


def _envpool(assign: str = "", init: str = "", step: str = "", reset: str = "") -> str:
    return ENVPOOL.format(assign=assign, init_branch=init, step_branch=step, reset_branch=reset)


def _findings(base: dict[str, str], cand: dict[str, str], config: ConfigValues | None = None) -> list[Finding]:
    return analyse(_index(base, cand), config=config).findings


def _in(found: list[Finding], path: str) -> list[Finding]:
    return [f for f in found if any(loc.path == path for loc in f.locations)]


LOG_OPTION = (", log_val=False", "        self.log_val = log_val\n", LOG_BRANCH)


def test_new_option_off_by_default_in_a_reward_shaper_is_low_and_says_why() -> None:
    base = {"shaper.py": _shaper(), "agent.py": AGENT}
    found = _in(_findings(base, {**base, "shaper.py": _shaper(*LOG_OPTION)}), "shaper.py")
    assert found, "an opt-in change is still reported (low), never silent"
    assert all(f.severity is Severity.low for f in found), [(f.title, f.severity) for f in found]
    call = [f for f in found if "__call__" in f.title]
    assert call and "opt-in" in call[0].title and "`log_val` (default `log_val=False`" in call[0].rationale
    assert "no configuration sets `log_val`" in call[0].rationale


def test_new_option_on_by_default_is_a_behaviour_change() -> None:
    base = {"shaper.py": _shaper(), "agent.py": AGENT}
    found = _in(_findings(base, {**base, "shaper.py": _shaper(", log_val=True", *LOG_OPTION[1:])}), "shaper.py")
    call = [f for f in found if "__call__" in f.title]
    assert call and call[0].severity is Severity.significant, [(f.title, f.severity) for f in found]
    assert "opt-in" not in call[0].title


def test_a_branch_on_an_option_the_class_already_had_is_not_opt_in() -> None:
    # the baseline already reads `log_val` (this rule is about options new to the class; an old option
    # off by default is the branch-reachability rule's, detectors/guards.py)
    base = {"shaper.py": _shaper(*LOG_OPTION), "agent.py": AGENT}
    cand = _shaper(*LOG_OPTION).replace("        return reward", "        if self.log_val:\n"
                                        "            reward = reward + 1\n        return reward")
    found = _in(_findings(base, {**base, "shaper.py": cand}), "shaper.py")
    assert found and all("opt-in" not in f.title for f in found), [f.title for f in found]
    assert any(f.severity is Severity.significant for f in found), [(f.title, f.severity) for f in found]


def test_a_real_change_beside_the_option_stays_significant_and_is_what_is_reported() -> None:
    base = {"shaper.py": _shaper(), "agent.py": AGENT}
    cand = _shaper(*LOG_OPTION).replace("reward = reward * self.scale_value", "reward = reward * self.scale_value * 0.1")
    call = [f for f in _in(_findings(base, {**base, "shaper.py": cand}), "shaper.py") if "__call__" in f.title]
    assert call and call[0].severity is Severity.significant, [(f.title, f.severity) for f in call]
    assert "0.1" in call[0].evidence[0].summary and "np.log" not in call[0].evidence[0].summary
    assert "not counted here" in call[0].rationale


FLATTEN = "        self.flatten_obs = kwargs.pop('flatten_obs', False)\n"
FLATTEN_INIT = ("        if self.flatten_obs:\n"
                "            self.observation_space = gym.spaces.flatten_space(self.observation_space)\n")
FLATTEN_STEP = "        if self.flatten_obs:\n            next_obs = next_obs.reshape(next_obs.shape[0], -1)\n"
FLATTEN_RESET = "        if self.flatten_obs:\n            obs = obs.reshape(obs.shape[0], -1)\n"


def test_kwargs_option_off_by_default_in_an_env_wrapper_is_low_in_every_method() -> None:
    base = {"envpool_env.py": _envpool(), "runner.py": RUNNER}
    cand = _envpool(FLATTEN, FLATTEN_INIT, FLATTEN_STEP, FLATTEN_RESET)
    found = _in(_findings(base, {**base, "envpool_env.py": cand}), "envpool_env.py")
    assert found and all(f.severity is Severity.low for f in found), [(f.title, f.severity) for f in found]
    assert "kwargs.pop('flatten_obs', False)" in found[0].rationale


def test_kwargs_option_on_by_default_is_significant() -> None:
    base = {"envpool_env.py": _envpool(), "runner.py": RUNNER}
    cand = _envpool(FLATTEN.replace("False", "True"), FLATTEN_INIT, FLATTEN_STEP, FLATTEN_RESET)
    found = _in(_findings(base, {**base, "envpool_env.py": cand}), "envpool_env.py")
    assert any(f.severity is Severity.significant and "step" in f.title for f in found), \
        [(f.title, f.severity) for f in found]


def _config(base: dict[str, object], cand: dict[str, object], where: dict[str, str]) -> ConfigValues:
    return ConfigValues(baseline=base, candidate=cand, where=where)


def test_a_configuration_that_turns_the_option_on_keeps_the_severity() -> None:
    base = {"envpool_env.py": _envpool(), "runner.py": RUNNER}
    cand = {**base, "envpool_env.py": _envpool(FLATTEN, FLATTEN_INIT, FLATTEN_STEP, FLATTEN_RESET)}
    # the run's one configuration file turns it on in this range
    one = _config({}, {"cfg.env_config.flatten_obs": True}, {"cfg.env_config.flatten_obs": "cfg.yaml:3"})
    found = _in(_findings(base, cand, one), "envpool_env.py")
    assert any(f.severity is Severity.significant for f in found), [(f.title, f.severity) for f in found]
    # on at both commits (the key was there, unused): only the code change tells
    both = _config({"a.env_config.flatten_obs": True, "b.env_config.flatten_obs": True},
                   {"a.env_config.flatten_obs": True, "b.env_config.flatten_obs": True},
                   {"a.env_config.flatten_obs": "a.yaml:3", "b.env_config.flatten_obs": "b.yaml:3"})
    found = _in(_findings(base, cand, both), "envpool_env.py")
    assert any(f.severity is Severity.significant for f in found), [(f.title, f.severity) for f in found]


def test_several_run_configurations_new_in_the_range_are_their_own_findings() -> None:
    base = {"envpool_env.py": _envpool(), "runner.py": RUNNER}
    cand = {**base, "envpool_env.py": _envpool(FLATTEN, FLATTEN_INIT, FLATTEN_STEP, FLATTEN_RESET)}
    several = _config({}, {"a.env_config.flatten_obs": True, "b.env_config.flatten_obs": True,
                           "c.env_config.flatten_obs": False},
                      {"a.env_config.flatten_obs": "cfg/a.yaml:3", "b.env_config.flatten_obs": "cfg/b.yaml:3"})
    found = _in(_findings(base, cand, several), "envpool_env.py")
    assert found and all(f.severity is Severity.low for f in found), [(f.title, f.severity) for f in found]
    assert "2 configuration files picked at run time" in found[0].rationale and "cfg/a.yaml" in found[0].rationale
