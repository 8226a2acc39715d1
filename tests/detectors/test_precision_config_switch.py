"""Mixed precision switched by a configuration key that moved from a dict into a dataclass.

Real shape (skrl 1.4.3..2.0.0): `torch.autocast(device_type=..., enabled=self._mixed_precision)` with
`self._mixed_precision = self.cfg["mixed_precision"]` (False in the default dict) became
`enabled=self.cfg.mixed_precision`, a dataclass field defaulting to False. It was "Precision changed:
`autocast(...)` at the candidate (39 places)", significant. A different default still is a change."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch

PPO_DEFAULT_CONFIG = {"mixed_precision": False}


class PPO:
    def __init__(self, policy, cfg):
        self.cfg = {**PPO_DEFAULT_CONFIG, **cfg}
        self.policy = policy
        self._mixed_precision = self.cfg["mixed_precision"]
        self.scaler = torch.amp.GradScaler(device="cuda", enabled=self._mixed_precision)

    def update(self, states):
        with torch.autocast(device_type="cuda", enabled=self._mixed_precision):
            return self.policy(states)
"""

CFG = """
import dataclasses


@dataclasses.dataclass
class PPO_CFG:
    mixed_precision: bool = DEFAULT
"""

CAND = """
import torch

from .ppo_cfg import PPO_CFG


class PPO:
    def __init__(self, policy, cfg):
        self.cfg = PPO_CFG(**cfg)
        self.policy = policy
        self.scaler = torch.amp.GradScaler(device="cuda", enabled=self.cfg.mixed_precision)

    def update(self, states):
        with torch.autocast(device_type="cuda", enabled=self.cfg.mixed_precision):
            return self.policy(states)
"""


def _titles(default: str) -> list[str]:
    base = {"agents/ppo.py": BASE, "agents/__init__.py": ""}
    cand = {"agents/ppo.py": CAND, "agents/ppo_cfg.py": CFG.replace("DEFAULT", default), "agents/__init__.py": ""}
    return [f.title for f in run_on(base, cand, only={"precision"}).findings]


def test_mixed_precision_switch_moved_into_a_dataclass_with_the_same_default_is_no_change() -> None:
    assert _titles("False") == []


def test_mixed_precision_switch_turned_on_by_default_is_a_precision_change() -> None:
    titles = _titles("True")
    assert titles and all(t.startswith("Precision changed") for t in titles), titles


MOVED_BASE = """
import torch

PPO_DEFAULT_CONFIG = {"mixed_precision": False}


class PPO:
    def __init__(self, policy, value, cfg):
        self.cfg = {**PPO_DEFAULT_CONFIG, **cfg}
        self.policy = policy
        self.value = value
        self._mixed_precision = self.cfg["mixed_precision"]

    def record_transition(self, states, memory):
        with torch.autocast(device_type="cuda", ENABLED):
            values = self.value(states)
        memory.add(values=values)
"""

MOVED_CAND = """
import torch

PPO_DEFAULT_CONFIG = {"mixed_precision": False}


class PPO:
    def __init__(self, policy, value, cfg):
        self.cfg = {**PPO_DEFAULT_CONFIG, **cfg}
        self.policy = policy
        self.value = value
        self._mixed_precision = self.cfg["mixed_precision"]

    def record_transition(self, states, memory):
        values = self.value(states)
        memory.add(values=values)
"""


MAIN = "from ppo import PPO\n\nagent = PPO(policy, value, {})\nagent.record_transition(states, memory)\n"


def _moved(enabled: str) -> list[tuple[str, str]]:
    found = run_on({"ppo.py": MOVED_BASE.replace("ENABLED", enabled), "main.py": MAIN},
                   {"ppo.py": MOVED_CAND, "main.py": MAIN}, only={"precision"})
    return [(f.title, f.severity.value) for f in found.findings]


def test_removed_autocast_whose_switch_is_off_by_default_is_low() -> None:
    found = _moved("enabled=self._mixed_precision")
    assert len(found) == 1 and found[0][1] == "low" and "off by default" in found[0][0], found


def test_removed_autocast_that_is_on_is_still_significant() -> None:
    found = _moved("dtype=torch.bfloat16")
    assert len(found) == 1 and found[0][1] == "significant", found
