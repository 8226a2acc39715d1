"""An optimizer argument read with `cfg.pop(key, default)` into a local where it was `cfg.get(key, default)`.

Real shape (rsl_rl d38a378b..c49573e4): `optim.Adam(params, lr=rnd_cfg.get("learning_rate", 1e-3))`
became `rnd_lr = rnd_cfg.pop("learning_rate", 1e-3)` then `optim.Adam(params, lr=rnd_lr)`, beside the
policy's unchanged `optim.Adam(self.policy.parameters(), lr=learning_rate)`: "Optimizer changed" (the
key pairing matched the two `lr=<local>` optimizers crosswise). Negative: another default popped."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch.optim as optim


class PPO:
    def __init__(self, policy, learning_rate=1e-3, rnd_cfg=None):
        self.policy = policy
        self.optimizer = optim.Adam(self.policy.parameters(), lr=learning_rate)
        if rnd_cfg is not None:
            params = rnd_cfg["predictor"].parameters()
            self.rnd_optimizer = optim.Adam(params, lr=rnd_cfg.get("learning_rate", 1e-3))
"""

CAND = """
import torch.optim as optim


class PPO:
    def __init__(self, policy, learning_rate=1e-3, rnd_cfg=None):
        self.policy = policy
        self.optimizer = optim.Adam(self.policy.parameters(), lr=learning_rate)
        if rnd_cfg is not None:
            rnd_lr = rnd_cfg.pop("learning_rate", {default})
            params = rnd_cfg["predictor"].parameters()
            self.rnd_optimizer = optim.Adam(params, lr=rnd_lr)
"""


def _titles(default: str) -> list[str]:
    found = run_on({"ppo.py": BASE}, {"ppo.py": CAND.format(default=default)}, only={"optimizer_ctor"})
    return [f.title for f in found.findings]


def test_a_popped_key_with_the_same_default_is_the_same_optimizer() -> None:
    assert _titles("1e-3") == []


def test_a_popped_key_with_another_default_is_still_reported() -> None:
    assert any(t.startswith("Optimizer changed") for t in _titles("1e-4")), _titles("1e-4")
