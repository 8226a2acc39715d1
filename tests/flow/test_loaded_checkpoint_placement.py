"""Where a checkpoint loaded into a module lands is not what the module holds: `m.load_state_dict(torch.load(p))`
-> `m.load_state_dict(torch.load(p, map_location=dev))` loads the same values.

Real shape (DRL-Pytorch 7d5a9a03..75892e8c, precision held-out 9): every agent's `load()` helper gained
`map_location=self.dvc` (or the module's `device`) in `self.q_target.load_state_dict(torch.load(...))`; the engine
followed the loaded value into the target network and the optimizer and reported five significant "Behavioural change
in the target/optimizer path" findings for one keyword. `load_state_dict` copies the loaded tensors into the module's
own parameters, on the module's device, whatever device `map_location` put them on. Negatives: another file loaded,
a lenient `strict=False`, a loaded object used as it is (its device is then where it computes).
"""

from __future__ import annotations

from tests.flow.support import flow_findings

AGENT = """
import copy

import torch


class Agent:
    def __init__(self, net, dvc, tau=0.005):
        self.dvc = dvc
        self.q_net = net
        self.q_target = copy.deepcopy(net)
        self.tau = tau
        self.optimizer = torch.optim.Adam(self.q_net.parameters(), lr=1e-3)
        self.stats = None

    def train(self, s, a, r, s_next):
        with torch.no_grad():
            target_q = r + 0.99 * self.q_target(s_next).max(1)[0]
        current_q = self.q_net(s).gather(1, a).squeeze(1)
        loss = ((current_q - target_q) ** 2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        for param, target_param in zip(self.q_net.parameters(), self.q_target.parameters()):
            target_param.data.copy_(self.tau * param.data + (1 - self.tau) * target_param.data)

    def load(self, algo, steps):
        self.q_net.load_state_dict(torch.load("./model/{}_{}.pth".format(algo, steps)))
        self.q_target.load_state_dict(torch.load("./model/{}_{}.pth".format(algo, steps)))
"""

MAIN = """
import torch

from agent import Agent


def main(net, batches, steps, load_model=False):
    agent = Agent(net, torch.device("cuda"))
    if load_model:
        agent.load("DQN", steps)
    for s, a, r, s_next in batches:
        agent.train(s, a, r, s_next)
"""


def _loud(cand: str) -> list[str]:
    found = flow_findings({"agent.py": AGENT, "main.py": MAIN}, {"agent.py": cand, "main.py": MAIN})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_a_checkpoint_loaded_onto_another_device_loads_the_same_weights() -> None:
    cand = AGENT.replace("format(algo, steps)))", "format(algo, steps), map_location=self.dvc))")
    assert _loud(cand) == []
    cand = AGENT.replace("format(algo, steps)))", "format(algo, steps), self.dvc))")  # positional map_location
    assert _loud(cand) == []
    cand = AGENT.replace('torch.load("./model/{}_{}.pth".format(algo, steps))',
                         'torch.load("./model/{}_{}.pth".format(algo, steps), map_location="cpu")["net"]')
    base = AGENT.replace('torch.load("./model/{}_{}.pth".format(algo, steps))',
                         'torch.load("./model/{}_{}.pth".format(algo, steps))["net"]')
    found = flow_findings({"agent.py": base, "main.py": MAIN}, {"agent.py": cand, "main.py": MAIN})
    assert [f.title for f in found if f.severity.value in ("critical", "significant")] == []


def test_another_file_or_a_lenient_load_is_a_change() -> None:
    cand = AGENT.replace('format(algo, steps)))', 'format(algo, steps + 1), map_location=self.dvc))')
    assert any("Agent.load" in t for t in _loud(cand)), _loud(cand)
    cand = AGENT.replace("format(algo, steps)))", "format(algo, steps), map_location=self.dvc), strict=False)")
    assert any("Agent.load" in t for t in _loud(cand)), _loud(cand)


def test_a_loaded_object_used_as_it_is_keeps_its_placement_change() -> None:
    base = AGENT.replace("        self.q_target.load_state_dict(torch.load(\"./model/{}_{}.pth\".format(algo, steps)))\n",
                         "        self.q_target = torch.load(\"./model/{}_{}.pth\".format(algo, steps))\n")
    cand = base.replace('torch.load("./model/{}_{}.pth".format(algo, steps))\n',
                        'torch.load("./model/{}_{}.pth".format(algo, steps), map_location="cpu")\n')
    assert base != cand
    found = flow_findings({"agent.py": base, "main.py": MAIN}, {"agent.py": cand, "main.py": MAIN})
    assert [f.title for f in found if f.severity.value in ("critical", "significant")], found
