"""A branch on `self.X = config.get('K', False)` is off by default when no configuration names `K`.

Real shape (rl_games v1.6.0..v1.6.1): `self.normalize_rms_advantage = config.get('normalize_rms_advantage',
False)` at both commits, and the advantage normaliser built under `if self.normalize_advantage and
self.normalize_rms_advantage:` changed class (`MovingMeanStd` -> `GeneralizedMovingStats`); no shipped
configuration sets the key. Reported significant on the advantage path; it matters only to runs that
set the option: low. Negative: a configuration file that sets the key keeps the severity."""

from __future__ import annotations

from tests.detectors.test_guards import _run

AGENT = '''\
import torch


class MovingStats(torch.nn.Module):
    def forward(self, x):
        return (x - x.mean()) / (x.std() + 1e-8)


class ClippedStats(torch.nn.Module):
    def forward(self, x):
        return torch.clamp((x - x.mean()) / (x.std() + 1e-8), -5.0, 5.0)


class Agent:
    def __init__(self, model, config):
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=config['lr'])
        self.normalize_advantage = config.get('normalize_advantage', True)
        self.normalize_rms = config.get('normalize_rms', False)
        if self.normalize_advantage and self.normalize_rms:
            self.adv_stats = STATS()

    def update(self, obs, advantages):
        if self.normalize_rms:
            advantages = self.adv_stats(advantages)
        loss = -(self.model(obs) * advantages).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
'''
TRAIN = '''\
import torch.nn as nn
import yaml

from agent import Agent


def main():
    config = yaml.safe_load(open("ppo.yaml"))
    agent = Agent(nn.Linear(4, 1), config)
    for batch in range(100):
        agent.update(batch, batch)


if __name__ == "__main__":
    main()
'''


def _at_the_change(tmp_path, config: str) -> list:
    base = {"agent.py": AGENT.replace("STATS", "MovingStats"), "train.py": TRAIN, "ppo.yaml": config}
    inv = _run(tmp_path, base, {"agent.py": AGENT.replace("STATS", "ClippedStats")})
    return [f for f in inv.findings if any(loc.side == "candidate" and loc.path == "agent.py" and loc.line == 21
                                           for loc in f.locations)]


def test_a_branch_on_a_config_get_default_nobody_sets_is_low(tmp_path):
    found = _at_the_change(tmp_path, "lr: 0.0003\n")
    assert found, "the change must still be reported"
    assert all(f.severity.value == "low" for f in found), [(f.title, f.severity) for f in found]
    assert "normalize_rms" in found[0].rationale


def test_a_configuration_that_sets_the_key_keeps_the_severity(tmp_path):
    found = _at_the_change(tmp_path, "lr: 0.0003\nnormalize_rms: true\n")
    assert found and any(f.severity.value != "low" for f in found), [(f.title, f.severity) for f in found]
