"""A flag expression rewritten without a switch that was a constant is the same flag.

Real shape (rl_games v1.6.0..v1.6.1, the range's first finding, significant "loss path"):
`self.has_value_loss = (self.has_central_value and self.use_experimental_cv) or (not
self.has_phasic_policy_gradients and not self.has_central_value)` -> `self.use_experimental_cv or not
self.has_central_value`, where the base class's `self.has_phasic_policy_gradients = False` was the
switch's only store. Negatives: a switch some code sets by name (`setattr`, a configuration key), a
switch stored twice, a rewrite that is not the same truth table, a switch read through a call.
"""

from __future__ import annotations

from tests.flow.support import flow_result

COMMON = '''
class A2CBase:
    def __init__(self, config):
        self.config = config
        self.has_central_value = config.get("central_value", False)
        {ppg}
'''

AGENT = '''
import torch

from common import A2CBase


class A2CAgent(A2CBase):
    def __init__(self, config, model):
        A2CBase.__init__(self, config)
        self.model = model
        self.use_experimental_cv = config.get("use_experimental_cv", True)
        self.optimizer = torch.optim.Adam(model.parameters(), lr=3e-4)
        self.has_value_loss = {flag}

    def calc_gradients(self, obs, returns):
        a_loss = self.model(obs).mean()
        loss = a_loss
        if self.has_value_loss:
            c_loss = ((self.model(obs) - returns) ** 2).mean()
            loss = a_loss + 0.5 * c_loss
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


def train(config, model, batches):
    agent = A2CAgent(config, model)
    for obs, returns in batches:
        agent.calc_gradients(obs, returns)


if __name__ == "__main__":
    train({}, torch.nn.Linear(3, 1), [])
'''

BASE_FLAG = ("(self.has_central_value and self.use_experimental_cv) \\\n"
             "            or (not self.has_phasic_policy_gradients and not self.has_central_value)")
CAND_FLAG = "self.use_experimental_cv or not self.has_central_value"


def _run(ppg: str, base_flag: str = BASE_FLAG, cand_flag: str = CAND_FLAG, extra: str = ""):
    base = {"common.py": COMMON.replace("{ppg}", ppg) + extra, "agent.py": AGENT.replace("{flag}", base_flag)}
    cand = {"common.py": COMMON.replace("{ppg}", "pass"), "agent.py": AGENT.replace("{flag}", cand_flag)}
    return flow_result(base, cand)


def _init_findings(result) -> list[str]:
    return [f.title for f in result.findings if "A2CAgent.__init__" in f.title]


def test_a_flag_without_a_constant_switch_is_the_same_flag() -> None:
    result = _run("self.has_phasic_policy_gradients = False")
    assert _init_findings(result) == []
    [item] = [n for n in result.no_effect if "constant switch" in n.title]
    assert "self.has_phasic_policy_gradients = False" in item.reason


def test_a_switch_set_by_name_is_no_constant() -> None:
    extra = "\n\ndef enable(agent):\n    setattr(agent, 'has_phasic_policy_gradients', True)\n"
    result = _run("self.has_phasic_policy_gradients = False", extra=extra)
    assert _init_findings(result)


def test_a_switch_stored_twice_is_no_constant() -> None:
    result = _run("self.has_phasic_policy_gradients = False\n"
                  "        if config.get('ppg'):\n            self.has_phasic_policy_gradients = True")
    assert _init_findings(result)


def test_another_truth_table_is_a_change() -> None:
    # with the switch off the baseline had a value loss without a central value; now it has none
    result = _run("self.has_phasic_policy_gradients = False", cand_flag="self.use_experimental_cv and self.has_central_value")
    assert _init_findings(result)


def test_a_switch_read_through_a_call_is_not_judged() -> None:
    result = _run("self.has_phasic_policy_gradients = False",
                  cand_flag="self.use_experimental_cv or not bool(self.has_central_value)")
    assert _init_findings(result)
