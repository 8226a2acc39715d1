"""Dict configuration broadcast per agent / per network -> a dataclass expanded the same way.

Real shapes (skrl 1.4.3..2.0.0):
- multi-agent: `self._grad_norm_clip = self._as_dict(self.cfg["grad_norm_clip"])`, read as
  `self._grad_norm_clip[uid]`, became `self.cfg.grad_norm_clip[uid]`, a dataclass field that the
  class's `expand()` turns into one copy per agent; 0.5 at both commits. It was "Gradient clipping
  max norm changed (3 places)", significant.
- per network: `self._learning_rate = self.cfg["learning_rate"]` and `Adam(lr=self._learning_rate)`
  became `self.policy_learning_rate = self.cfg.learning_rate[0]` (a scalar expanded into a tuple)
  and `Adam(lr=self.policy_learning_rate)`, later scaled by a scheduler. It was "JAX Adam(...) changed".
A scalar default cannot be indexed: the index reads one copy of the broadcast value. A tuple
default keeps its index, and a different default is still a change."""

from __future__ import annotations

import ast

from investigator.detectors.functions import parse_module
from investigator.detectors.patterns import canon
from tests.detectors.helpers import run_on

BASE_AGENT = """
import copy
import collections.abc
import torch.nn as nn

IPPO_DEFAULT_CONFIG = {
    "grad_norm_clip": 0.5,
    "learning_rate": 1e-3,
}


class MultiAgent:
    def __init__(self, possible_agents):
        self.possible_agents = possible_agents

    def _as_dict(self, _input):
        if _input and isinstance(_input, collections.abc.Mapping):
            if set(_input) < set(self.possible_agents):
                raise ValueError("The configuration value does not match possible agents")
            return _input
        return {name: copy.deepcopy(_input) for name in self.possible_agents}


class IPPO(MultiAgent):
    def __init__(self, policies, possible_agents, cfg=None):
        super().__init__(possible_agents)
        _cfg = copy.deepcopy(IPPO_DEFAULT_CONFIG)
        _cfg.update(cfg if cfg is not None else {})
        self.cfg = _cfg
        self.policies = policies
        self._grad_norm_clip = self._as_dict(self.cfg["grad_norm_clip"])
        self._learning_rate = self._as_dict(self.cfg["learning_rate"])

    def update(self, losses, optimizers):
        for uid in self.possible_agents:
            policy = self.policies[uid]
            optimizers[uid].zero_grad()
            losses[uid].backward()
            if self._grad_norm_clip[uid] > 0:
                nn.utils.clip_grad_norm_(policy.parameters(), self._grad_norm_clip[uid])
            optimizers[uid].step()
"""

CFG_MODULE = """
import dataclasses


@dataclasses.dataclass(kw_only=True)
class IPPO_CFG:
    grad_norm_clip: float | dict = CLIP
    learning_rate: float | dict = 1e-3

    def expand(self, possible_agents):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, dict):
                setattr(self, field.name, {uid: value for uid in possible_agents})
"""

CAND_AGENT = """
import torch.nn as nn

from .ippo_cfg import IPPO_CFG


class MultiAgent:
    def __init__(self, possible_agents, cfg):
        self.possible_agents = possible_agents
        self.cfg = cfg
        self.cfg.expand(possible_agents)


class IPPO(MultiAgent):
    def __init__(self, policies, possible_agents, cfg=None):
        super().__init__(possible_agents, IPPO_CFG(**(cfg or {})))
        self.policies = policies

    def update(self, losses, optimizers):
        for uid in self.possible_agents:
            policy = self.policies[uid]
            optimizers[uid].zero_grad()
            losses[uid].backward()
            if self.cfg.grad_norm_clip[uid] > 0:
                nn.utils.clip_grad_norm_(policy.parameters(), self.cfg.grad_norm_clip[uid])
            optimizers[uid].step()
"""


def _clip_titles(clip: str) -> list[str]:
    base = {"agents/ippo/ippo.py": BASE_AGENT, "agents/ippo/__init__.py": ""}
    cand = {"agents/ippo/ippo.py": CAND_AGENT, "agents/ippo/ippo_cfg.py": CFG_MODULE.replace("CLIP", clip),
            "agents/ippo/__init__.py": ""}
    return [f.title for f in run_on(base, cand, only={"grad_clip"}).findings]


def test_per_agent_broadcast_dict_config_to_expanded_dataclass_is_no_change() -> None:
    assert _clip_titles("0.5") == []


def test_per_agent_broadcast_with_a_different_default_is_a_max_norm_change() -> None:
    titles = _clip_titles("1.0")
    assert any("max norm changed" in t for t in titles), titles


BASE_SINGLE = """
from optim import Adam

PPO_DEFAULT_CONFIG = {
    "learning_rate": 1e-3,
    "learning_rate_scheduler": None,
}


class PPO:
    def __init__(self, policy, cfg):
        self.cfg = {**PPO_DEFAULT_CONFIG, **cfg}
        self._learning_rate = self.cfg["learning_rate"]
        self._learning_rate_scheduler = self.cfg["learning_rate_scheduler"]
        self.optimizer = Adam(model=policy, lr=self._learning_rate, scale=not self._learning_rate_scheduler)
"""

CAND_CFG_SINGLE = """
import dataclasses


@dataclasses.dataclass
class PPO_CFG:
    learning_rate: float | tuple[float, float] = LR
    learning_rate_scheduler: type | None = None
"""

CAND_SINGLE = """
from optim import Adam

from .ppo_cfg import PPO_CFG


class PPO:
    def __init__(self, policy, cfg):
        self.cfg = PPO_CFG(**cfg)
        self.cfg.expand()
        self.policy_learning_rate = self.cfg.learning_rate[0]
        self.optimizer = Adam(model=policy, lr=self.policy_learning_rate, scale=not self.cfg.learning_rate_scheduler[0])

    def update(self, scheduler, timestep):
        self.policy_learning_rate *= scheduler(timestep)
"""


def _adam_titles(lr: str) -> list[str]:
    base = {"agents/ppo/ppo.py": BASE_SINGLE, "agents/ppo/__init__.py": "", "optim.py": "def Adam(**kw):\n    return kw\n"}
    cand = {"agents/ppo/ppo.py": CAND_SINGLE, "agents/ppo/ppo_cfg.py": CAND_CFG_SINGLE.replace("LR", lr),
            "agents/ppo/__init__.py": "", "optim.py": "def Adam(**kw):\n    return kw\n"}
    return [f.title for f in run_on(base, cand, only={"optimizer_ctor"}).findings]


def test_scalar_learning_rate_expanded_per_network_is_the_same_optimizer() -> None:
    assert _adam_titles("1e-3") == []


def test_expanded_learning_rate_with_another_default_is_an_optimizer_change() -> None:
    titles = _adam_titles("3e-4")
    assert any(t.startswith("Optimizer changed") for t in titles), titles


def test_tuple_default_keeps_its_index() -> None:
    titles = _adam_titles("(1e-3, 5e-4)")
    assert any(t.startswith("Optimizer changed") for t in titles), titles


def _canon_of(code: str, expr: str, qual: str = "A.f") -> str:
    module = parse_module("m.py", code, "baseline")
    return canon(ast.parse(expr, mode="eval").body, module.functions[qual])


def test_index_of_an_unknown_or_sequence_default_is_kept() -> None:
    code = ("D = {'lr': (1e-3, 1e-4), 'eps': 1e-5}\nclass A:\n    def __init__(self, cfg):\n        self.cfg = cfg\n"
            "    def f(self):\n        return 1\n")
    assert _canon_of(code, "self.cfg.lr[1]") == "config[lr=(0.001, 0.0001)][1]"
    assert _canon_of(code, "self.cfg.other[1]") == "config[other][1]"
    assert _canon_of(code, "self.cfg.eps[1]") == "config[eps=1e-05]"


def test_a_helper_that_is_not_a_pure_broadcast_is_not_transparent() -> None:
    code = ("D = {'lr': 1e-3}\nclass A:\n    def __init__(self, cfg):\n        self.cfg = cfg\n"
            "        self._lr = self._scaled(self.cfg['lr'])\n"
            "    def _scaled(self, x):\n        return {k: 2 * x for k in self.agents}\n"
            "    def f(self):\n        return 1\n")
    assert _canon_of(code, "self._lr['a']") != "config[lr=0.001]"


def test_an_attribute_whose_entries_are_replaced_is_not_the_configuration_value() -> None:
    code = ("D = {'pre': None}\nclass A:\n    def __init__(self, cfg, agents):\n        self.cfg = cfg\n"
            "        self._pre = self._as_dict(self.cfg['pre'])\n"
            "        for uid in agents:\n            self._pre[uid] = self._pre[uid]()\n"
            "        self.x = self._pre['a']\n"
            "    def _as_dict(self, v):\n        return {k: v for k in self.agents}\n"
            "    def f(self):\n        return 1\n")
    assert _canon_of(code, "self._pre['a']") == "self._pre['a']"
    module = parse_module("m.py", code, "baseline")
    init = module.functions["A.__init__"]
    last = init.node.body[-1].value
    assert canon(last, init) == "self._pre['a']"


BASE_MULTI_JAX = """
import copy

from optim import Adam

IPPO_DEFAULT_CONFIG = {"learning_rate": 1e-3, "grad_norm_clip": 0.5}


class IPPO:
    def __init__(self, policies, agents, cfg):
        self.cfg = {**IPPO_DEFAULT_CONFIG, **cfg}
        self.agents = agents
        self.policies = policies
        self._learning_rate = self._as_dict(self.cfg["learning_rate"])
        self._grad_norm_clip = self._as_dict(self.cfg["grad_norm_clip"])
        self.policy_optimizer = {}
        for uid in self.agents:
            policy = self.policies[uid]
            if policy is not None:
                self.policy_optimizer[uid] = Adam(model=policy, lr=self._learning_rate[uid],
                                                  grad_norm_clip=self._grad_norm_clip[uid])

    def _as_dict(self, value):
        return {name: copy.deepcopy(value) for name in self.agents}
"""

CAND_MULTI_JAX_CFG = """
import dataclasses


@dataclasses.dataclass
class IPPO_CFG:
    learning_rate: float | tuple[float, float] = LR
    grad_norm_clip: float = 0.5
"""

CAND_MULTI_JAX = """
from optim import Adam

from .ippo_cfg import IPPO_CFG


class IPPO:
    def __init__(self, policies, agents, cfg):
        self.cfg = IPPO_CFG(**cfg)
        self.cfg.expand(agents)
        self.agents = agents
        self.policies = policies
        self.policy_optimizer = {}
        self.policy_learning_rate, self.value_learning_rate = {}, {}
        for uid in self.agents:
            if self.policies[uid] is not None:
                self.policy_learning_rate[uid] = self.cfg.learning_rate[uid][0]
                self.policy_optimizer[uid] = Adam(model=self.policies[uid], lr=self.policy_learning_rate[uid],
                                                  grad_norm_clip=self.cfg.grad_norm_clip[uid])

    def update(self, scheduler, timestep):
        for uid in self.agents:
            self.policy_learning_rate[uid] = scheduler(timestep, lr=self.policy_learning_rate[uid])
"""


def _multi_adam_titles(lr: str) -> list[str]:
    optim = {"optim.py": "def Adam(**kw):\n    return kw\n"}
    base = {"agents/ippo/ippo.py": BASE_MULTI_JAX, "agents/ippo/__init__.py": "", **optim}
    cand = {"agents/ippo/ippo.py": CAND_MULTI_JAX, "agents/ippo/ippo_cfg.py": CAND_MULTI_JAX_CFG.replace("LR", lr),
            "agents/ippo/__init__.py": "", **optim}
    return [f.title for f in run_on(base, cand, only={"optimizer_ctor"}).findings]


def test_per_agent_learning_rate_entry_and_local_model_alias_are_the_same_optimizer() -> None:
    assert _multi_adam_titles("1e-3") == []


def test_per_agent_learning_rate_with_another_default_is_an_optimizer_change() -> None:
    titles = _multi_adam_titles("5e-4")
    assert any(t.startswith("Optimizer changed") for t in titles), titles


def test_an_optimizer_over_another_model_than_the_alias_is_still_a_change() -> None:
    optim = {"optim.py": "def Adam(**kw):\n    return kw\n"}
    base = {"agents/ippo/ippo.py": BASE_MULTI_JAX, "agents/ippo/__init__.py": "", **optim}
    cand_code = CAND_MULTI_JAX.replace("model=self.policies[uid]", "model=self.values[uid]").replace(
        "self.policies = policies", "self.policies = policies\n        self.values = policies")
    cand = {"agents/ippo/ippo.py": cand_code, "agents/ippo/ippo_cfg.py": CAND_MULTI_JAX_CFG.replace("LR", "1e-3"),
            "agents/ippo/__init__.py": "", **optim}
    titles = [f.title for f in run_on(base, cand, only={"optimizer_ctor"}).findings]
    assert any(t.startswith("Optimizer") for t in titles), titles
