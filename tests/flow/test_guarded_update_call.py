"""A call whose result is stored runs its callee: a counter guarding `result = self.learn()` is on the
training path; and a class that its package registers by scanning its own directory is in use.

Real shape (JORLDY v0.4.0..v0.5.0): the PPO and V-MPO agents' `process` changed `self.learn_stamp -=
self.n_step` to `self.learn_stamp = 0` under `if self.learn_stamp >= self.n_step: result = self.learn()`
(how often the update runs); the agents are classes of `core/agent/*.py` that `core/agent/__init__.py`
imports by computed names from `os.listdir` and registers with `inspect.getmembers`, picked by a configured
name. It was "reaches no loss, target, reward, optimizer ... as far as the code can be read" (the guarded
call's stored result was all the flow followed) and "class `PPO` is never referenced": no finding."""

from __future__ import annotations

from tests.flow.support import flow_findings

AGENT_INIT = """
import os, inspect
from importlib import import_module

class_dict = {}
for name in os.listdir(os.path.dirname(__file__)):
    if name.endswith(".py") and name != "__init__.py":
        module = import_module(f"core.agent.{name[:-3]}")
        for cname, cls in inspect.getmembers(module, inspect.isclass):
            class_dict[cname.lower()] = cls


class Agent:
    def __new__(self, name, *args, **kwargs):
        return class_dict[name](*args, **kwargs)
"""

PPO = """
import torch


class PPO:
    def __init__(self, network, n_step=128, lr=3e-4):
        self.network = network
        self.optimizer = torch.optim.Adam(network.parameters(), lr=lr)
        self.n_step = n_step
        self.memory = []
        self.time_t = 0
        self.learn_stamp = 0

    def learn(self):
        batch = torch.stack(self.memory)
        loss = self.network(batch).pow(2).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.memory = []
        return {"loss": loss.item()}

    def process(self, transitions, step):
        result = {}
        self.memory.extend(transitions)
        delta_t = step - self.time_t
        self.time_t = step
        self.learn_stamp += delta_t
        if self.learn_stamp >= self.n_step:
            result = self.learn()
            self.learn_stamp -= self.n_step
        return result
"""

MAIN = """
from core.agent import Agent


def train(config, env, network):
    agent = Agent(config["name"], network, **config["agent"])
    state = env.reset()
    for step in range(1, 1000):
        state, transitions = env.step(state)
        agent.process(transitions, step)


if __name__ == "__main__":
    train({"name": "ppo", "agent": {}}, None, None)
"""



DIRECT = MAIN.replace("from core.agent import Agent", "from core.agent.ppo import PPO as Agent").replace(
    'Agent(config["name"], ', "Agent(")
PACKAGE = {"core/__init__.py": "", "core/agent/__init__.py": AGENT_INIT}


def _significant(main: str, base: str, cand: str, package: dict[str, str] = PACKAGE) -> list[str]:
    assert base != cand
    files = {"main.py": main, **package}
    found = flow_findings({**files, "core/agent/ppo.py": base}, {**files, "core/agent/ppo.py": cand})
    return [f"{f.severity.value} {f.title}" for f in found if f.severity.value in ("critical", "significant")]


def test_a_changed_threshold_guarding_a_stored_update_call_is_a_training_change() -> None:
    found = _significant(DIRECT, PPO, PPO.replace(">= self.n_step:", ">= 2 * self.n_step:"))
    assert any("PPO.process" in t for t in found), found


def test_a_counter_reset_in_a_class_registered_by_directory_scan_is_a_training_change() -> None:
    found = _significant(MAIN, PPO, PPO.replace("self.learn_stamp -= self.n_step", "self.learn_stamp = 0"))
    assert any("PPO.process" in t for t in found), found


def test_a_counter_guarding_a_stored_logging_call_is_no_training_change() -> None:
    base = PPO.replace("    def process(", """    def stats(self):
        return {"memory": len(self.memory)}

    def process(""").replace("        return result\n", """        if self.time_t % 100 == 0:
            info = self.stats()
            print(info)
        return result\n""")
    cand = base.replace("self.time_t % 100 == 0", "self.time_t % 1000 == 0")
    assert _significant(DIRECT, base, cand) == []


def test_a_class_of_a_package_that_scans_nothing_stays_unreferenced() -> None:
    package = {"core/__init__.py": "", "core/agent/__init__.py": "class Agent:\n    pass\n"}
    cand = PPO.replace("self.learn_stamp -= self.n_step", "self.learn_stamp = 0")
    assert _significant(MAIN, PPO, cand, package) == []
