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


CQL = '''
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class TrainConfig:
    orthogonal_init: bool = True
{fields}

class QFunction(nn.Module):
    def __init__(self, obs_dim, act_dim, orthogonal_init=False{param}):
        super().__init__()
        self.orthogonal_init = orthogonal_init
        self.net = nn.Sequential(*[nn.Linear(obs_dim + act_dim, 256) for _ in range({layers})], nn.Linear(256, 1))

    def forward(self, obs, act):
        return self.net(torch.cat([obs, act], -1))


def train(config: TrainConfig, data):
    critic = QFunction(17, 6, config.orthogonal_init{arg})
    optimizer = torch.optim.Adam(critic.parameters(), lr=3e-4)
    for obs, act, target in data:
        loss = (critic(obs, act) - target).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    train(TrainConfig(), [])
'''
CQL_BASE = CQL.format(fields="", param="", layers="3", arg="")


def _cql(field_default: str = "3", param_default: str = "3") -> str:
    return CQL.format(fields=f"    q_n_hidden_layers: int = {field_default}\n", param=f", n_hidden_layers={param_default}",
                      layers="n_hidden_layers", arg=", config.q_n_hidden_layers")


def _findings(cand: str, extra: dict[str, str] | None = None, name: str = "`TrainConfig`"):
    result = analyse(_index({"cql.py": CQL_BASE, **(extra or {})}, {"cql.py": cand, **(extra or {})}))
    return [f for f in result.findings if name in f.title], result


def test_a_new_field_handed_on_only_as_the_callees_own_default_is_no_effect() -> None:
    found, result = _findings(_cql())
    assert not found, [(f.title, f.severity) for f in found]
    items = [n for n in result.no_effect if "Fields added" in n.title]
    assert items and "`q_n_hidden_layers` (`q_n_hidden_layers` (code default 3, candidate): no configuration sets it)" \
        in items[0].reason


def test_a_new_field_whose_default_differs_from_the_callees_is_a_change() -> None:
    # reported where the value is read (the new field's declaration is compared at its readers, flow/newfield.py)
    found, _ = _findings(_cql(field_default="2"), name="`train`")
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]


def test_a_configuration_file_that_sets_the_new_field_otherwise_keeps_it_a_change() -> None:
    found, _ = _findings(_cql(), {"configs/cql/hopper.yaml": "q_n_hidden_layers: 2\n"})
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]


POLICY = CQL.replace("def train(config: TrainConfig, data):", """class Policy(nn.Module):
    def __init__(self, obs_dim, act_dim, log_std_multiplier=1.0):
        super().__init__()
        self.net = nn.Linear(obs_dim, act_dim)
        self.scale = log_std_multiplier

    def forward(self, obs):
        return self.net(obs) * self.scale


def train(config: TrainConfig, data):
    policy = Policy(17, 6{policy_arg})
    policy_optimizer = torch.optim.Adam(policy.parameters(), lr=3e-5)""").replace(
    "        optimizer.step()\n", "        optimizer.step()\n        policy_loss = policy(obs).mean()\n"
    "        policy_optimizer.zero_grad()\n        policy_loss.backward()\n        policy_optimizer.step()\n")


def _policy(field_default: str, policy_arg: str) -> str:
    return POLICY.format(fields=f"    policy_log_std_multiplier: float = {field_default}\n", param="", layers="3", arg="",
                         policy_arg=policy_arg)


def test_a_configuration_read_handed_to_an_unchanged_callee_as_its_default_is_neutral() -> None:
    base = POLICY.format(fields="", param="", layers="3", arg="", policy_arg="")
    arg = ", log_std_multiplier=config.policy_log_std_multiplier"
    result = analyse(_index({"cql.py": base}, {"cql.py": _policy("1.0", arg)}))
    train = [f for f in result.findings if "`train`" in f.title]
    # a new settings field whose default is the callee's own default, set by no configuration: no effect
    # (flow/inertopt.py); the low "neutral at its default" finding was the weaker form of the same verdict
    assert not train, [(f.title, f.severity) for f in result.findings]
    assert any(":train`" in n.title and "argument `log_std_multiplier=config.policy_log_std_multiplier`" in n.reason
               and "callee's own default" in n.reason for n in result.no_effect), [n.title for n in result.no_effect]
    result = analyse(_index({"cql.py": base}, {"cql.py": _policy("2.0", arg)}))
    train = [f for f in result.findings if "`train`" in f.title]
    assert train and train[0].severity is Severity.significant, [(f.title, f.severity) for f in result.findings]
