"""Configuration moved into a dataclass, attributes renamed, same key and default: no change.

Real shape (skrl 1.4.3..2.0.0): `self._grad_norm_clip = self.cfg["grad_norm_clip"]` with the key in
the module's default dict became `self.cfg.grad_norm_clip`, a field of a configuration dataclass in
an imported module, 0.5 at both commits; it was "Gradient clipping max norm changed (17 places)".
rl_games: `self.seq_len = self.config.get("seq_length", 4)` renamed `self.seq_length`."""

from __future__ import annotations

import ast

from investigator.detectors.patterns import canon
from investigator.detectors.pyast import parse_module
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
