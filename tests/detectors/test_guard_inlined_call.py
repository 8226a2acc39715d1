"""A change inlined from a callee whose only call is behind an option that is off by default is low.

Real shape (rl_games 1f50845a..b43ab729 and 6679550d..47f5221a): phasic policy gradients arrive as a new
file `ppg_aux.py` whose `train_value` runs under `with torch.cuda.amp.autocast(enabled=self.mixed_precision)`;
the agent calls it as `if self.has_phasic_policy_gradients: c_loss = self.ppg_aux_loss.train_value(...)`,
the base class sets `has_phasic_policy_gradients = False` and only `if 'phasic_policy_gradients' in
self.config:` turns it on. Seen through the call (the callee is inlined into the agent's update), the
autocast was "Precision changed", significant, located at the callee's own line, which no guard
encloses. The call site is what decides whether it runs: by default it does not.
Negative: the same call made unconditionally keeps the finding's severity."""

from __future__ import annotations

from tests.detectors.test_guards import _run

BASE_AGENT = '''\
import torch


class Base:
    def __init__(self, config):
        self.config = config
        self.mixed_precision = config.get('mixed_precision', False)
{base_init}

class Agent(Base):
    def __init__(self, model, config):
        Base.__init__(self, config)
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=config['lr'])
{init}
    def calc_gradients(self, batch):
        loss = self.model(batch).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
{call}        return loss
'''
INIT = ("        if 'aux' in self.config:\n"
        "            self.use_aux = True\n"
        "            self.aux = Aux(self, self.config['aux'])\n")
AUX = '''\
import torch


class Aux:
    def __init__(self, algo, config):
        self.mixed_precision = algo.mixed_precision
        self.optimizer = torch.optim.Adam(algo.model.parameters(), lr=config['lr'])

    def train_value(self, algo, batch):
        with torch.cuda.amp.autocast(enabled=self.mixed_precision):
            loss = algo.model(batch).pow(2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss
'''
TRAIN = '''\
import torch.nn as nn
import yaml

from agent import Agent


def main():
    config = yaml.safe_load(open("ppo.yaml"))
    agent = Agent(nn.Linear(4, 1), config)
    for batch in range(100):
        agent.calc_gradients(batch)


if __name__ == "__main__":
    main()
'''


def _agent(init: str = "", call: str = "") -> str:
    base_init = "        self.use_aux = False\n" if init else ""  # the flag is new in this range
    return BASE_AGENT.format(init=init, call=call, base_init=base_init)


def _precision(tmp_path, call: str) -> list:
    base = {"agent.py": _agent(), "train.py": TRAIN, "ppo.yaml": "lr: 0.0003\n"}
    cand = {"agent.py": "from aux import Aux\n" + _agent(INIT, call), "aux.py": AUX,
            "ppo_aux.yaml": "lr: 0.0003\naux:\n  lr: 0.001\n"}
    inv = _run(tmp_path, base, cand)
    return [f for f in inv.findings if f.title.startswith("Precision changed")]


def test_autocast_of_a_callee_called_only_behind_an_option_off_by_default_is_low(tmp_path):
    found = _precision(tmp_path, "        if self.use_aux:\n            self.aux.train_value(self, batch)\n")
    assert found, "the autocast must still be reported"
    assert all(f.severity.value == "low" for f in found), [(f.title, f.severity, f.locations) for f in found]
    assert "by default it does not" in found[0].rationale


def test_the_same_callee_called_unconditionally_keeps_its_severity(tmp_path):
    found = _precision(tmp_path, "        self.aux.train_value(self, batch)\n")
    assert found and all(f.severity.value == "significant" for f in found), [(f.title, f.severity) for f in found]


def test_a_flag_also_set_outside_new_cases_keeps_its_severity(tmp_path):
    """`self.use_aux = True` stored unconditionally elsewhere: the default is not proven off."""
    base = {"agent.py": _agent(), "train.py": TRAIN, "ppo.yaml": "lr: 0.0003\n"}
    agent = "from aux import Aux\n" + _agent(INIT, "        if self.use_aux:\n            self.aux.train_value(self, batch)\n")
    agent = agent.replace("        self.model = model\n", "        self.model = model\n        self.use_aux = True\n")
    inv = _run(tmp_path, base, {"agent.py": agent, "aux.py": AUX, "ppo_aux.yaml": "lr: 0.0003\naux:\n  lr: 0.001\n"})
    found = [f for f in inv.findings if f.title.startswith("Precision changed")]
    assert found and all(f.severity.value == "significant" for f in found), [(f.title, f.severity) for f in found]


def test_a_guarded_call_two_levels_down_is_low(tmp_path):
    """The real shape is two calls deep (`train_actor_critic -> calc_gradients -> if flag: train_value`):
    the guard is on the second call of the chain, not on the analysed function's own call."""
    call = ("        self.aux_step(batch)\n        return loss\n\n"
            "    def aux_step(self, batch):\n"
            "        if self.use_aux:\n            self.aux.train_value(self, batch)\n")
    found = _precision(tmp_path, call)
    assert found, "the autocast must still be reported"
    assert all(f.severity.value == "low" for f in found), [(f.title, f.severity, f.locations) for f in found]
