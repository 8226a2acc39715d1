"""Configuration fields that only carry a value to code that changed with them.

Real shapes (CORL): CQL's `TrainConfig.critic_layers: int = 3` removed together with the network
class it sized, now built with its three layers written out (`corl-edac-epochs` range: "Behavioural
change in the optimizer path: `TrainConfig`", significant, above the range's regression). Negative:
a removed field that candidate code still reads by name (`getattr(config, "critic_layers", 2)`).
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import Severity
from tests.flow.test_equivalence import _index

SCRIPT = '''
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class TrainConfig:
    batch_size: int = 256
{fields}

def make_q(dim, n_layers=3):
    layers = []
    for _ in range(n_layers):
        layers += [nn.Linear(dim, dim), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(dim, 1))


def train(config: TrainConfig, data):
    q = make_q(17{arg})
    optimizer = torch.optim.Adam(q.parameters(), lr=3e-4)
    for batch in data:
        loss = q(batch).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    train(TrainConfig(), [])
'''


def _script(fields: str, arg: str) -> str:
    return SCRIPT.format(fields=fields, arg=arg)


def _train_config_findings(base: str, cand: str) -> list:
    result = analyse(_index({"cql.py": base}, {"cql.py": cand}))
    return [f for f in result.findings if "TrainConfig" in f.title], result


def test_a_removed_field_no_candidate_code_reads_is_no_effect() -> None:
    base = _script("    critic_layers: int = 3\n", ", config.critic_layers")
    found, result = _train_config_findings(base, _script("", ""))
    assert not found, [(f.title, f.severity) for f in found]
    assert any("Fields removed" in n.title and "`critic_layers`" in n.title for n in result.no_effect)


def test_a_removed_field_still_read_by_name_stays_a_change() -> None:
    base = _script("    critic_layers: int = 3\n", ", config.critic_layers")
    found, _ = _train_config_findings(base, _script("", ", getattr(config, 'critic_layers', 2)"))
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]
