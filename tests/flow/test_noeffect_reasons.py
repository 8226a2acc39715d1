"""Real training changes the flow filed under "no effect" (or said nothing of) for a wrong reason.

Precision set 12 (issue 11, items 2 and 7), one class per test group, each with its real seat:
* reachability: "no caller found" where the callee is reached through a name mentioned more often elsewhere
  (jumanji's nested `ghost_move.move` passed to `jax.vmap`) or an environment's `step` called through a registry
  (`jumanji.make`); an abstract method run through its subclasses' overrides (oat's `self.learn(...)`); a public
  algorithm class of the package nothing here constructs (oat's `PPOMultiTurnLearner`);
* environment tables: a config dict handed to a project helper that updates it in place (HighwayEnv's
  `utils.update_config(config, {...})`), with the helper's own validation call no change;
* configuration: a base-constructor call's edited keyword stored on a config object read as `config.<field>`
  elsewhere (EfficientZero's `max_moves`); a return under an edited branch test (its temperature schedule);
* a restructure: a method of a renamed class paired by its name (sac-discrete.pytorch's `calc_target_q`), a
  neighbouring finding no longer hiding it, and its `.mean(dim=1)` -> `.sum(dim=1)` read as a known edit.
Each with a negative: the same shape off the training path stays no effect.
"""

from __future__ import annotations

from investigator.flow.analyzer import Explained, analyse
from investigator.flow.edits import known_edit
from investigator.models import Severity
from tests.flow.support import flow_result, pair_index

# -- reachability: own module first, environment step returns ------------------------------------------------

GHOSTS = """
import jax
import jax.numpy as jnp


def ghost_move(state, size):
    def move(pos, key):
        valids = check_walls(state, pos)
        return pos + jnp.argmax(valids)

    return jax.vmap(move)(state.ghosts, state.keys)


def check_walls(state, pos):
    invert_mask = state.grid[pos] != 1
    invert_mask = {mask}
    return invert_mask + 1.0
"""
PACMAN_ENV = """
from jumanji.env import Environment
from game.ghosts import ghost_move


class PacMan(Environment):
    def step(self, state, action):
        ghosts = ghost_move(state, 4)
        reward = (ghosts == action).sum()
        return state.replace(ghosts=ghosts), reward
"""
REGISTRY = """
from jumanji.registration import register

register(id="PacMan-v1", entry_point="game.env:PacMan")
"""
# many other modules mention `move` before the environment's own module in file order
OTHERS = {f"aaa/game{k}.py": "def move(board):\n    return board\n\n\n" + "".join(
    f"def use{j}(b):\n    return move(b)\n\n\n" for j in range(12)) for k in range(5)}


def _ghost_trees(registered: bool) -> tuple[dict[str, str], dict[str, str]]:
    common = {**OTHERS, "game/env.py": PACMAN_ENV, **({"game/__init__.py": REGISTRY} if registered else {})}
    return ({**common, "game/ghosts.py": GHOSTS.format(mask="invert_mask * jnp.inf")},
            {**common, "game/ghosts.py": GHOSTS.format(mask="jnp.where(invert_mask, jnp.inf, invert_mask)")})


def test_registered_environment_step_return_is_the_environment_path():
    base, cand = _ghost_trees(registered=True)
    findings = flow_result(base, cand).findings
    assert [(f.title, f.severity) for f in findings] == [
        ("Behavioural change in the environment path: `check_walls`", Severity.significant)]


def test_environment_class_no_other_module_names_stays_no_effect():
    base, cand = _ghost_trees(registered=False)
    result = flow_result(base, cand)
    assert not result.findings
    assert any("check_walls" in n.title and "reach no loss" in n.reason for n in result.no_effect)


# -- environment tables updated in place by a project helper ---------------------------------------------------

UTILS = """
def update_config_check(config, delta):
    for key, val in config.items():
        if key in delta and isinstance(val, dict):
            assert isinstance(delta[key], dict), f"{key} must be a mapping"
            update_config_check(val, delta[key])


def update_config(config, delta):
    update_config_check(config, delta)
    config.update(delta)
    return config
"""
ABSTRACT_ENV = """
import gymnasium as gym


class AbstractEnv(gym.Env):
    def __init__(self):
        self.config = self.default_config()
        self.observation_type = make_observation(self.config["observation"])

    @classmethod
    def default_config(cls):
        return {"observation": {"type": "Kinematics"}, "duration": 40}

    def step(self, action):
        obs = self.observation_type.observe()
        reward = float(action)
        return obs, reward, False, False, {}


def make_observation(cfg):
    return cfg
"""
INTERSECTION = """
from envs import utils
from envs.abstract import AbstractEnv


class IntersectionEnv(AbstractEnv):
    @classmethod
    def default_config(cls):
        config = super().default_config()
        {call}
        return config
"""
ENV_REGISTRY = """
from gymnasium.envs.registration import register

register(id="intersection-v0", entry_point="envs.intersection:IntersectionEnv")
"""


def _intersection(base_call: str, cand_call: str) -> tuple[dict[str, str], dict[str, str]]:
    common = {"envs/__init__.py": ENV_REGISTRY, "envs/utils.py": UTILS, "envs/abstract.py": ABSTRACT_ENV}
    return ({**common, "envs/intersection.py": INTERSECTION.format(call=base_call)},
            {**common, "envs/intersection.py": INTERSECTION.format(call=cand_call)})


def test_table_handed_to_an_in_place_helper_reaches_the_environment():
    base, cand = _intersection("config.update({'observation': {'type': 'Kinematics'}})",
                               "utils.update_config(config, {'observation': {'type': 'Kinematics', "
                               "'vehicles_count': 15, 'absolute': True}})")
    findings = flow_result(base, cand).findings
    assert [f.title for f in findings] == ["Behavioural change in the environment path: `IntersectionEnv.default_config`"]


def test_same_update_through_a_validating_helper_is_no_change():
    base, cand = _intersection("config.update({'observation': {'type': 'Kinematics'}})",
                               "utils.update_config(config, {'observation': {'type': 'Kinematics'}})")
    result = flow_result(base, cand)
    assert not result.findings
    assert any(n.title.startswith("Restructured code in `envs/intersection.py:IntersectionEnv.default_config`")
               for n in result.no_effect)


# -- configuration: a base constructor's keyword read off a config object; a guarded return -------------------

BASE_CONFIG = """
class BaseConfig:
    def __init__(self, max_moves, log_interval, training_steps):
        self.max_moves = max_moves
        self.log_interval = log_interval
        self.training_steps = training_steps

    def temperature(self, trained_steps):
        raise NotImplementedError
"""
ATARI_CONFIG = """
from core.config import BaseConfig


class AtariConfig(BaseConfig):
    def __init__(self):
        super(AtariConfig, self).__init__(max_moves={moves}, log_interval={log}, training_steps=1000)

    def temperature(self, trained_steps):
        if trained_steps < 0.5 * {limit}:
            return 1.0
        return 0.25


game_config = AtariConfig()
"""
WORKER = """
import numpy as np


class DataWorker:
    def __init__(self, config, env):
        self.config = config
        self.env = env

    def run(self, trained_steps):
        step = 0
        while step <= self.config.max_moves:
            t = self.config.temperature(trained_steps)
            action = np.random.choice(4, p=np.ones(4) / 4 * t)
            self.env.step(action)
            step += 1
            if step % self.config.log_interval == 0:
                print("step", step)
"""
MAIN = """
from config.atari import game_config
from core.worker import DataWorker

DataWorker(game_config, None).run(0)
"""


def _config_trees(base: dict[str, str], cand: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    common = {"core/__init__.py": "", "core/config.py": BASE_CONFIG, "core/worker.py": WORKER, "main.py": MAIN,
              "config/__init__.py": ""}
    return ({**common, "config/atari.py": ATARI_CONFIG.format(**base)},
            {**common, "config/atari.py": ATARI_CONFIG.format(**cand)})


def test_base_constructor_keyword_read_off_the_config_object_elsewhere():
    base, cand = _config_trees({"moves": 108000, "log": 100, "limit": "self.training_steps"},
                               {"moves": 12000, "log": 100, "limit": "self.training_steps"})
    findings = flow_result(base, cand).findings
    # the episode's step bound: the self-play loop's count
    assert [f.title for f in findings] == ["Behavioural change in the training schedule (loop count): `AtariConfig.__init__`"]
    assert "self.config.max_moves" in findings[0].rationale


def test_base_constructor_keyword_read_only_by_logging_stays_no_effect():
    base, cand = _config_trees({"moves": 108000, "log": 100, "limit": "self.training_steps"},
                               {"moves": 108000, "log": 500, "limit": "self.training_steps"})
    result = flow_result(base, cand)
    assert not result.findings
    assert any("AtariConfig.__init__" in n.title for n in result.no_effect)


def test_edited_test_of_a_guarded_return_is_a_change():
    base, cand = _config_trees({"moves": 100, "log": 100, "limit": "(self.training_steps + 200)"},
                               {"moves": 100, "log": 100, "limit": "self.training_steps"})
    findings = flow_result(base, cand).findings
    assert [f.title for f in findings] == ["Behavioural change in the sampling path: `AtariConfig.temperature`"]


# -- abstract methods run through their overrides; public variants nothing here constructs --------------------

LEARNER_BASE = """
import abc


class LearnerBase(abc.ABC):
    @abc.abstractmethod
    def learn(self, learning_round):
        \"\"\"Agent learning given the current data in the buffer.\"\"\"
"""
OFFLINE = """
from learners.base import LearnerBase


class OfflineLearner(LearnerBase):
    def run(self, data):
        for step, batch in enumerate(data):
            self.buffer = batch
            {guard}
"""
DAP = """
from learners.offline import OfflineLearner


class DAPLearner(OfflineLearner):
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer

    def learn(self, learning_round):
        loss = self.model(self.buffer).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
"""
ENTRY = """
from learners.dap import DAPLearner

DAPLearner(None, None).run([])
"""


def test_guard_of_an_abstract_call_reaches_the_overrides_loss():
    common = {"learners/__init__.py": "", "learners/base.py": LEARNER_BASE, "learners/dap.py": DAP, "train.py": ENTRY}
    base = {**common, "learners/offline.py": OFFLINE.format(guard="if step % 4 == 0:\n                self.learn(step)")}
    cand = {**common, "learners/offline.py": OFFLINE.format(guard="self.learn(step)")}
    findings = flow_result(base, cand).findings
    # the override's `zero_grad()` is the first sink the guard controls
    assert [f.title for f in findings] == ["Behavioural change in the optimizer path: `OfflineLearner.run`"]


def test_abstract_call_without_overrides_says_where_it_stops():
    common = {"learners/__init__.py": "", "learners/base.py": LEARNER_BASE}
    base = {**common, "learners/offline.py": OFFLINE.format(guard="if step % 4 == 0:\n                self.learn(step)")}
    cand = {**common, "learners/offline.py": OFFLINE.format(guard="self.learn(step)")}
    assert not flow_result(base, cand).findings


PPO = """
import torch


class PPOLearner:
    def learning_step(self, states, ids):
        values = self.critic(states[ids[0]])
        loss = (values - 1.0).pow(2).mean()
        loss.backward()
"""
MULTITURN = """
from algos.ppo import {base}


class PPOMultiTurnLearner({base}):
    def learning_step(self, states, ids):
        for i in range(len(ids)):
            values = self.critic(states[{index}])
            loss = (values - 1.0).pow(2).mean()
            loss.backward()
"""
PPO_ENTRY = """
from algos.ppo import PPOLearner

PPOLearner().learning_step(None, [0])
"""


def test_public_variant_of_a_used_class_is_kept_low_not_no_effect():
    common = {"algos/__init__.py": "", "algos/ppo.py": PPO, "train.py": PPO_ENTRY}
    base = {**common, "algos/multiturn.py": MULTITURN.format(base="PPOLearner", index="ids[i]")}
    cand = {**common, "algos/multiturn.py": MULTITURN.format(base="PPOLearner", index="ids[0]")}
    findings = flow_result(base, cand).findings
    assert [(f.title, f.severity) for f in findings] == [
        ("Behavioural change in the loss path: `PPOMultiTurnLearner.learning_step`", Severity.low)]
    assert "reachability unknown" in findings[0].rationale


def test_unused_class_of_a_library_base_stays_never_referenced():
    common = {"algos/__init__.py": "", "algos/ppo.py": PPO, "train.py": PPO_ENTRY}
    variant = MULTITURN.replace("from algos.ppo import {base}", "from torch.nn import {base}")
    base = {**common, "algos/multiturn.py": variant.format(base="Module", index="ids[i]")}
    cand = {**common, "algos/multiturn.py": variant.format(base="Module", index="ids[0]")}
    result = flow_result(base, cand)
    assert not result.findings
    assert any("never referenced" in n.reason for n in result.no_effect)


# -- a restructure: renamed class's methods, neighbouring explanations, reductions ----------------------------

OLD_AGENT = """
import torch


class SacDiscreteAgent:
    def calc_target_q(self, states, actions, rewards, next_states, dones):
        with torch.no_grad():
            _, action_probs, log_action_probs =\\
                self.policy.sample(next_states)
            next_q1, next_q2 = self.critic_target(next_states)
            next_q = (action_probs * (
                torch.min(next_q1, next_q2) - self.alpha * log_action_probs
                )).mean(dim=1, keepdim=True)

        target_q = rewards + (1.0 - dones) * self.gamma_n * next_q

        return target_q

    def learn(self, batch):
        target_q = self.calc_target_q(*batch)
        loss = (self.critic(batch[0]) - target_q).pow(2).mean()
        loss.backward()
"""
NEW_AGENT = """
import torch


class {cls}:
    def calc_target_q(self, states, actions, rewards, next_states, dones):
        with torch.no_grad():
            _, action_probs, log_action_probs = self.policy.sample(next_states)
            next_q1, next_q2 = self.target_critic(next_states)
            next_q = (action_probs * (
                torch.min(next_q1, next_q2) - self.alpha * log_action_probs
                )).{reduce}(dim=1, keepdim=True)

        assert rewards.shape == next_q.shape
        return rewards + (1.0 - dones) * self.gamma_n * next_q

    def learn(self, batch):
        target_q = self.calc_target_q(*batch)
        loss = (self.critic(batch[0]) - target_q).pow(2).mean()
        loss.backward()
"""


def test_method_of_a_renamed_class_pairs_by_name():
    index = pair_index({"code/agent.py": OLD_AGENT}, {"sacd/agent.py": NEW_AGENT.format(cls="SacdAgent", reduce="sum")})
    moved = [p.describe() for p in index.pairs if p.match == "moved"]
    assert "code/agent.py:SacDiscreteAgent.calc_target_q -> sacd/agent.py:SacdAgent.calc_target_q" in moved


def test_method_of_a_kept_class_is_not_paired_with_another_class_by_name():
    kept = OLD_AGENT + "\n\nclass SacdAgent:\n    pass\n"
    index = pair_index({"code/agent.py": OLD_AGENT, "sacd/agent.py": "class SacDiscreteAgent:\n    pass\n"},
                       {"code/agent.py": kept.replace("class SacDiscreteAgent:", "class Unused:", 1)
                        .replace("class SacdAgent:\n    pass", "class SacDiscreteAgent:\n    pass"),
                        "sacd/agent.py": NEW_AGENT.format(cls="SacdAgent", reduce="sum")})
    assert not any(p.describe() == "code/agent.py:SacDiscreteAgent.calc_target_q -> sacd/agent.py:SacdAgent.calc_target_q"
                   for p in index.pairs)


def test_constructor_of_a_deleted_class_is_not_paired_by_name():
    """d3rlpy v1.1.1..v2.0.2: the removed dynamics ensemble's two-line `__init__` paired with the new transformer
    position encoding's `__init__` (every class has one) read as "Layer changed: `-` -> `nn.Embedding(...)`"."""
    old = "import torch.nn as nn\n\n\nclass Ensemble(nn.Module):\n    def __init__(self, models):\n" \
          "        super().__init__()\n        self._models = nn.ModuleList(models)\n"
    new = "import torch.nn as nn\n\n\nclass PositionEncoding(nn.Module):\n    def __init__(self, dim, steps):\n" \
          "        super().__init__()\n        self._embed = nn.Embedding(steps, dim)\n"
    index = pair_index({"pkg/dynamics.py": old}, {"pkg/transformers.py": new})
    assert not any(p.describe() == "pkg/dynamics.py:Ensemble.__init__ -> pkg/transformers.py:PositionEncoding.__init__"
                   for p in index.pairs), [p.describe() for p in index.pairs]


OLD_MAIN = """
from code.agent import SacDiscreteAgent

SacDiscreteAgent().learn(None)
"""
NEW_MAIN = """
from sacd.agent import SacdAgent

SacdAgent().learn(None)
"""


def test_reduction_swap_under_a_neighbouring_explanation_is_reported():
    base = {"code/agent.py": OLD_AGENT, "code/main.py": OLD_MAIN}
    cand = {"sacd/agent.py": NEW_AGENT.format(cls="SacdAgent", reduce="sum"), "train.py": NEW_MAIN}
    # an earlier finding at the baseline's `target_q = ...` line (two lines below the `next_q` statement's end)
    explained = Explained(lines={("baseline", "code/agent.py"): {14}})
    findings = analyse(pair_index(base, cand), explained).findings
    assert len(findings) == 1 and findings[0].severity is Severity.significant
    assert findings[0].title.startswith("Reduction changed in the loss path: `SacdAgent.calc_target_q`")
    assert ".sum(dim=1, keepdim=True)" in findings[0].evidence[0].summary


def test_known_reduction_edit_needs_the_same_operand_and_arguments():
    import ast
    def parts(text: str) -> list[ast.AST]:
        return [ast.parse(text).body[0]]
    assert known_edit(parts("v = (p * q).mean(dim=1)"), parts("v = (p * q).sum(dim=1)")).startswith("reduction")
    assert known_edit(parts("v = (p * q).mean(dim=1)"), parts("v = (p * q).sum(dim=0)")) is None
    assert known_edit(parts("v = (p * q).mean(dim=1)"), parts("v = (p * r).sum(dim=1)")) is None


SCENARIO = """
from mpe.simple import SimpleMPE


class SimpleSpreadMPE(SimpleMPE):
    def __init__(self, num_agents=3{params}):
        super().__init__(num_agents=num_agents{args})
"""
SIMPLE = """
import jax.numpy as jnp
from jaxmarl.environments.multi_agent_env import MultiAgentEnv


class SimpleMPE(MultiAgentEnv):
    def __init__(self, num_agents=3, **kwargs):
        self.num_agents = num_agents

    def reset(self, key):
        obs = jnp.zeros((self.num_agents, 4))
        return obs
"""
MPE_REGISTRY = """
from mpe.spread import SimpleSpreadMPE

ENVS = {"MPE_simple_spread_v3": SimpleSpreadMPE}
"""


def test_forwarded_kwargs_added_to_a_base_call_are_no_environment_change():
    common = {"mpe/__init__.py": "", "mpe/simple.py": SIMPLE, "registration.py": MPE_REGISTRY}
    base = {**common, "mpe/spread.py": SCENARIO.format(params="", args="")}
    cand = {**common, "mpe/spread.py": SCENARIO.format(params=", **kwargs", args=", **kwargs")}
    assert not flow_result(base, cand).findings


def test_edited_keyword_of_a_base_call_reaches_the_environment():
    common = {"mpe/__init__.py": "", "mpe/simple.py": SIMPLE, "registration.py": MPE_REGISTRY}
    base = {**common, "mpe/spread.py": SCENARIO.format(params="", args="").replace("num_agents=num_agents", "num_agents=3")}
    cand = {**common, "mpe/spread.py": SCENARIO.format(params="", args="").replace("num_agents=num_agents", "num_agents=4")}
    findings = flow_result(base, cand).findings
    assert [f.title for f in findings] == ["Behavioural change in the environment path: `SimpleSpreadMPE.__init__`"]
