"""Configuration moved into a dataclass, attributes renamed, same key and default: no change.

Real shape (skrl 1.4.3..2.0.0): `self._grad_norm_clip = self.cfg["grad_norm_clip"]` with the key in
the module's default dict became `self.cfg.grad_norm_clip`, a field of a configuration dataclass in
an imported module, 0.5 at both commits; it was "Gradient clipping max norm changed (17 places)".
rl_games: `self.seq_len = self.config.get("seq_length", 4)` renamed `self.seq_length`."""

from __future__ import annotations

import ast

from investigator.detectors.functions import parse_module
from investigator.detectors.patterns import canon
from tests.detectors.helpers import run_on

DICT_AGENT = """
import copy
import torch.nn as nn

PPO_DEFAULT_CONFIG = {
    "rollouts": 16,
    "grad_norm_clip": 0.5,
}


class PPO:
    def __init__(self, policy, cfg=None):
        _cfg = copy.deepcopy(PPO_DEFAULT_CONFIG)
        _cfg.update(cfg if cfg is not None else {})
        self.cfg = _cfg
        self.policy = policy
        self._grad_norm_clip = self.cfg["grad_norm_clip"]

    def update(self, loss, optimizer):
        optimizer.zero_grad()
        loss.backward()
        if self._grad_norm_clip > 0:
            nn.utils.clip_grad_norm_(self.policy.parameters(), self._grad_norm_clip)
        optimizer.step()
"""

CFG_MODULE = """
import dataclasses


@dataclasses.dataclass(kw_only=True)
class PPO_CFG:
    rollouts: int = 16
    grad_norm_clip: float = {clip}
"""

CFG_AGENT = """
import torch.nn as nn

from .ppo_cfg import PPO_CFG


class PPO:
    def __init__(self, policy, cfg=None):
        self.cfg: PPO_CFG = PPO_CFG(**(cfg or {}))
        self.policy = policy

    def update(self, loss, optimizer):
        optimizer.zero_grad()
        loss.backward()
        if self.cfg.grad_norm_clip > 0:
            nn.utils.clip_grad_norm_(self.policy.parameters(), self.cfg.grad_norm_clip)
        optimizer.step()
"""


def _titles(clip: str) -> list[str]:
    base = {"agents/ppo/ppo.py": DICT_AGENT, "agents/ppo/__init__.py": ""}
    cand = {"agents/ppo/ppo.py": CFG_AGENT, "agents/ppo/ppo_cfg.py": CFG_MODULE.replace("{clip}", clip),
            "agents/ppo/__init__.py": ""}
    return [f.title for f in run_on(base, cand, only={"grad_clip"}).findings]


def test_dict_config_moved_into_dataclass_with_same_default_is_no_change() -> None:
    assert _titles("0.5") == []


def test_dataclass_with_a_different_default_is_still_a_max_norm_change() -> None:
    titles = _titles("1.0")
    assert any("max norm changed" in t for t in titles), titles


def _canon_of(code: str, expr: str, qual: str = "A.f") -> str:
    module = parse_module("m.py", code, "baseline")
    fn = module.functions[qual]
    return canon(ast.parse(expr, mode="eval").body, fn)


def test_attribute_renamed_from_the_same_key_reads_alike() -> None:
    old = "class A:\n    def __init__(self, config):\n        self.seq_len = config.get('seq_length', 4)\n" \
          "    def f(self):\n        return 1\n"
    new = old.replace("self.seq_len", "self.seq_length_")
    assert _canon_of(old, "self.seq_len") == _canon_of(new, "self.seq_length_") == "config[seq_length=4]"
    other = old.replace("4)", "8)")
    assert _canon_of(other, "self.seq_len") == "config[seq_length=8]"


def test_attribute_set_twice_or_from_non_config_is_not_resolved() -> None:
    code = "class A:\n    def __init__(self, config, n):\n        self.a = config['k']\n        self.b = n\n" \
           "    def g(self):\n        self.a = 3\n    def f(self):\n        return 1\n"
    assert _canon_of(code, "self.a") == "self.a"
    assert _canon_of(code, "self.b") == "self.b"
    assert _canon_of(code, "self.cfg.k") == "config[k]"


# -- an optimizer built by a name-to-class factory -----------------------------------------------
# Real shape (rsl_rl d38a378..c49573e): `optim.Adam(params, lr=lr)` became
# `resolve_optimizer(optimizer)(params, lr=lr)` with `optimizer: str = "adam"` and the resolver
# returning `optimizer_dict[name.lower()]` from {"adam": torch.optim.Adam, ...}.
DIRECT = """
import torch.optim as optim


class Learner:
    def __init__(self, policy, learning_rate=1e-3):
        self.optimizer = optim.Adam(policy.parameters(), lr=learning_rate)
"""

FACTORY = """
import torch

from utils import resolve_optimizer


class Learner:
    def __init__(self, policy, learning_rate=1e-3, optimizer: str = "DEFAULT"):
        self.optimizer = resolve_optimizer(optimizer)(policy.parameters(), lr=learning_rate)
"""

RESOLVER = """
import torch


def resolve_optimizer(optimizer_name):
    optimizer_dict = {
        "adam": torch.optim.Adam,
        "adamw": torch.optim.AdamW,
        "sgd": torch.optim.SGD,
    }
    optimizer_name = optimizer_name.lower()
    if optimizer_name in optimizer_dict:
        return optimizer_dict[optimizer_name]
    raise ValueError(optimizer_name)
"""


def _optimizer_titles(default: str) -> list[str]:
    base = {"learner.py": DIRECT, "utils.py": "def helper():\n    return 1\n"}
    cand = {"learner.py": FACTORY.replace("DEFAULT", default), "utils.py": RESOLVER}
    return [f.title for f in run_on(base, cand, only={"optimizer_ctor"}).findings]


def test_optimizer_factory_with_the_same_default_is_the_same_optimizer() -> None:
    assert _optimizer_titles("adam") == []
    assert _optimizer_titles("Adam") == []


def test_optimizer_factory_defaulting_to_another_class_is_an_optimizer_change() -> None:
    titles = _optimizer_titles("sgd")
    assert any(t.startswith("Optimizer changed") for t in titles), titles


# -- an activation chosen by name: if/elif chain -> dict lookup ------------------------------------
# Real shape (rsl_rl d38a378..c49573e `resolve_nn_activation`): the same names select the same
# modules; new names (softplus, gelu) were added to the table. It was "Nonlinearity changed: elu -> -"
# and "- -> softplus", significant.
CHAIN = """
import torch


def resolve_activation(act_name):
    if act_name == "elu":
        return torch.nn.ELU()
    elif act_name == "relu":
        return torch.nn.ReLU()
    elif act_name == "tanh":
        return torch.nn.Tanh()
    else:
        raise ValueError(act_name)
"""

TABLE = """
import torch


def resolve_activation(act_name):
    act_dict = {
        "elu": torch.nn.ELU(),
        "relu": torch.nn.RELU_CLASS(),
        "tanh": torch.nn.Tanh(),
        "softplus": torch.nn.Softplus(),
        "gelu": torch.nn.GELU(),
    }
    if act_name in act_dict:
        return act_dict[act_name]
    raise ValueError(act_name)
"""


def _activation_result(relu: str):
    return run_on({"utils.py": CHAIN}, {"utils.py": TABLE.replace("RELU_CLASS", relu)}, only={"layers"})


def test_if_chain_to_dict_lookup_with_new_entries_is_no_change() -> None:
    result = _activation_result("ReLU")
    assert [f.title for f in result.findings] == []
    assert any("name lookup" in n.title and "softplus" in n.title for n in result.no_effect), result.no_effect


def test_a_name_mapped_to_another_module_is_a_nonlinearity_change() -> None:
    titles = [f.title for f in _activation_result("SiLU").findings]
    assert any(t.startswith("Nonlinearity changed: relu -> swish") for t in titles), titles


# -- a reward rescaling folded into a weight ---------------------------------------------------------
# Real shape (skrl AMP 1.4.3..2.0.0): `style_reward *= self._discriminator_reward_scale` was removed
# and the scale folded into the weight of the combined reward (`style_reward_scale = 2.0`); it was the
# critical "Reward term(s) removed". A rescale is a weight; a removed additive term stays critical.
AMP = """
def update(self, rewards, logits, memory):
    style_reward = -torch.log(1 - logits)
    {scale}
    {bonus}
    combined = self.task_w * rewards + self.style_w * style_reward
    memory.store(combined)
"""


def _reward_findings(base_lines: tuple[str, str], cand_lines: tuple[str, str]):
    def code(lines: tuple[str, str]) -> str:
        return AMP.replace("{scale}", lines[0]).replace("{bonus}", lines[1])

    return run_on({"amp.py": code(base_lines)}, {"amp.py": code(cand_lines)}, only={"reward_terms"}).findings


def test_removed_reward_rescale_is_a_weight_change_not_a_removed_term() -> None:
    findings = _reward_findings(("style_reward *= self.scale", "pass"), ("pass", "pass"))
    assert [(f.title, f.severity.value) for f in findings] == [("Reward weights changed", "significant")]


def test_removed_additive_reward_term_is_still_critical() -> None:
    findings = _reward_findings(("pass", "style_reward += 0.1 * self.bonus"), ("pass", "pass"))
    assert findings and findings[0].severity.value == "critical" and "removed" in findings[0].title


def test_attribute_read_right_after_its_assignment_resolves_despite_later_updates() -> None:
    code = ("class A:\n    def __init__(self, cfg):\n        self.lr = cfg.learning_rate\n"
            "        self.opt = Adam(lr=self.lr)\n    def step(self, s):\n        self.lr *= s\n"
            "    def f(self):\n        return 1\n")
    module = parse_module("m.py", code, "baseline")
    init = module.functions["A.__init__"]
    read = next(n for n in ast.walk(init.node) if isinstance(n, ast.Call)).keywords[0].value
    assert canon(read, init) == "config[learning_rate]"
    assert _canon_of(code, "self.lr") == "self.lr"  # elsewhere: set here, scaled there


AMP_CFG = """
AMP_DEFAULT_CONFIG = {"task_reward_weight": 0.0, "style_reward_weight": 1.0, "discriminator_reward_scale": 2}


class AMP:
    def __init__(self, cfg):
        self.cfg = {**AMP_DEFAULT_CONFIG, **cfg}
        self._task_w = self.cfg["task_reward_weight"]
        self._style_w = self.cfg["style_reward_weight"]
        self._scale = self.cfg["discriminator_reward_scale"]

    def update(self, rewards, logits, memory):
        style_reward = -torch.log(1 - logits)
        style_reward *= self._scale
        combined = self._task_w * rewards + self._style_w * style_reward
        memory.store(combined)
"""

AMP_CFG_CAND = """
AMP_DEFAULT_CONFIG = {"task_reward_scale": 0.0, "style_reward_scale": STYLE}


class AMP:
    def __init__(self, cfg):
        self.cfg = {**AMP_DEFAULT_CONFIG, **cfg}

    def update(self, rewards, logits, memory):
        style_reward = -torch.log(1 - logits)
        combined = self.cfg["task_reward_scale"] * rewards + self.cfg["style_reward_scale"] * style_reward
        memory.store(combined)
"""

AMP_MAIN = "from amp import AMP\\n\\nAMP({}).update(rewards, logits, memory)\\n"


def _folded(style: str):
    return run_on({"amp.py": AMP_CFG, "main.py": AMP_MAIN},
                  {"amp.py": AMP_CFG_CAND.replace("STYLE", style), "main.py": AMP_MAIN}, only={"reward_terms"}).findings


def test_rescale_folded_into_a_weight_with_the_same_product_at_defaults_is_low() -> None:
    found = _folded("2.0")
    assert [(f.title, f.severity.value) for f in found] == [("Reward rescale folded into the reward's weight", "low")]


def test_rescale_folded_into_a_weight_with_another_product_is_a_weight_change() -> None:
    found = _folded("1.0")
    assert [(f.title, f.severity.value) for f in found] == [("Reward weights changed", "significant")]
