"""A change whose value builds the learning signal is never silent, even where the flow stops.

Real shapes (held-out 5, used): ElegantRL's SAC builds its soft Q target in `get_obj_critic_raw`, called
only through an attribute its base class binds in `__init__` (`self.get_obj_critic = self.get_obj_critic_raw`),
with `self.act_target = deepcopy(self.act)` of no known class; JORLDY's MPO sizes its n-step deque in
`__init__` and appends transitions to it in a callback that a registry-built agent runs; ReAgent's
sampler computes a log-probability in `log_prob`, called only through its interface. Each was filed under
"reaches no loss ... (flow stops: ...)". The change is now a low finding at its own place, naming the
statement that builds the signal and where the flow stopped. A value that builds nothing of the learning
signal before the flow stops stays no-effect."""

from __future__ import annotations

from tests.flow.support import flow_result

SAC = """
from copy import deepcopy

import torch


class AgentBase:
    def __init__(self, act, cri, if_per):
        self.act = act
        self.cri = cri
        self.act_target = deepcopy(self.act)
        self.cri_target = deepcopy(self.cri)
        self.criterion = torch.nn.MSELoss()
        if if_per:
            self.get_obj_critic = self.get_obj_critic_per
        else:
            self.get_obj_critic = self.get_obj_critic_raw
        self.describe = self.describe_raw


class AgentSAC(AgentBase):
    def update_net(self, buffer, optimizer):
        obj_critic = self.get_obj_critic(buffer, 64)
        optimizer.zero_grad()
        obj_critic.backward()
        optimizer.step()
        print(self.describe(buffer))

    def get_obj_critic_raw(self, buffer, batch_size):
        with torch.no_grad():
            reward, mask, action, state, next_s = buffer.sample_batch(batch_size)
            next_a, next_log_prob = {actor}.get_action_logprob(next_s)
            next_q = torch.min(*self.cri_target.get_q1_q2(next_s, next_a))
            q_label = reward + mask * (next_q + next_log_prob * 0.2)
        q1, q2 = self.cri.get_q1_q2(state, action)
        return (self.criterion(q1, q_label) + self.criterion(q2, q_label)) / 2

    def get_obj_critic_per(self, buffer, batch_size):
        return self.get_obj_critic_raw(buffer, batch_size)

    def describe_raw(self, buffer):
        size = {size}
        name = f"buffer of {{size}} items"
        return name


def train(act, cri, buffer, optimizer):
    agent = AgentSAC(act, cri, False)
    for _ in range(10):
        agent.update_net(buffer, optimizer)
"""


def _run(base: dict[str, str], cand: dict[str, str]) -> tuple[list[str], list[str]]:
    r = flow_result(base, cand)
    return [f"{f.severity.value} {f.title}" for f in r.findings], [n.title for n in r.no_effect]


def test_target_built_in_a_method_bound_to_an_attribute_is_a_finding() -> None:
    base = {"agent.py": SAC.format(actor="self.act", size="len(buffer)")}
    cand = {"agent.py": SAC.format(actor="self.act_target", size="len(buffer)")}
    found, no_effect = _run(base, cand)
    assert any("target path" in t and "get_obj_critic_raw" in t for t in found), (found, no_effect)
    assert not any(t.startswith("critical") for t in found), found


def test_value_that_builds_no_signal_before_the_flow_stops_stays_no_effect() -> None:
    base = {"agent.py": SAC.format(actor="self.act", size="len(buffer)")}
    cand = {"agent.py": SAC.format(actor="self.act", size="buffer.size()")}
    found, no_effect = _run(base, cand)
    assert found == [], (found, no_effect)


MPO = """
from collections import deque

import numpy as np


class MPO:
    def __init__(self, memory, n_step=4):
        self.memory = memory
        self.n_step = n_step
        self.tmp_buffer = deque(maxlen={maxlen})
        self.name = {name}

    def process(self, transitions, step):
        self.memory.store(transitions)
        return {{}}

    def interact_callback(self, transition):
        _transition = {{}}
        self.tmp_buffer.append(transition)
        if len(self.tmp_buffer) == self.n_step:
            for key in self.tmp_buffer[0].keys():
                _transition[key] = np.stack([t[key] for t in self.tmp_buffer], axis=1)
        return _transition

    def label(self):
        return self.name.upper()


class DQN:
    def __init__(self, memory):
        self.memory = memory

    def process(self, transitions, step):
        self.memory.store(transitions)
        return {{}}

    def interact_callback(self, transition):
        return transition

    def label(self):
        return "dqn"
"""

AGENTS = """
from mpo import MPO

__all__ = ["MPO"]
"""

RUN = """
def main(config, batches):
    agent = config.agent_class(**config.agent_kwargs)
    for step, batch in enumerate(batches):
        interact(agent, batch, step)
        print(agent.label())


def interact(agent, batch, step):
    transitions = []
    for transition in batch:
        transition = agent.interact_callback(transition)
        if transition:
            transitions.append(transition)
    agent.process(transitions, step)
"""


def test_deque_capacity_of_transitions_stored_for_replay_is_a_finding() -> None:
    base = {"mpo.py": MPO.format(maxlen="self.n_step", name="'mpo'"), "run.py": RUN, "agents.py": AGENTS}
    cand = {"mpo.py": MPO.format(maxlen="n_step", name="'mpo'"), "run.py": RUN, "agents.py": AGENTS}
    found, no_effect = _run(base, cand)
    assert any("sampling path" in t and "MPO.__init__" in t for t in found), (found, no_effect)


def test_name_of_a_registry_built_agent_stays_no_effect() -> None:
    base = {"mpo.py": MPO.format(maxlen="self.n_step", name="'mpo'"), "run.py": RUN, "agents.py": AGENTS}
    cand = {"mpo.py": MPO.format(maxlen="self.n_step", name="'MPO-agent'"), "run.py": RUN, "agents.py": AGENTS}
    found, no_effect = _run(base, cand)
    assert found == [], (found, no_effect)


SAMPLER = """
import torch


class Sampler:
    def sample_action(self, scores):
        raise NotImplementedError

    def log_prob(self, scores, action):
        raise NotImplementedError


class EpsilonGreedyActionSampler(Sampler):
    def __init__(self, epsilon):
        self.epsilon = epsilon

    def sample_action(self, scores):
        m = torch.distributions.Categorical(logits=scores)
        raw_action = m.sample()
        log_prob = m.log_prob(raw_action)
        return raw_action, log_prob

    def log_prob(self, scores, action):
        opt = self.sample_action(scores)[0] == action.argmax(-1)
        n = len(scores)
        lp = {lp}
        lp[opt] = 1 - self.epsilon + self.epsilon / n
        return lp

    def describe(self, scores):
        text = {text}
        return text


def make_sampler(epsilon):
    return EpsilonGreedyActionSampler(epsilon)
"""


def test_log_prob_of_a_sampler_called_through_its_interface_is_a_finding() -> None:
    base = {"sampler.py": SAMPLER.format(lp="torch.ones(len(scores)) * self.epsilon / n", text="'eps'")}
    cand = {"sampler.py": SAMPLER.format(lp="torch.ones_like(scores) * self.epsilon / n", text="'eps'")}
    found, no_effect = _run(base, cand)
    assert any("log_prob" in t and t.startswith("low") for t in found), (found, no_effect)


def test_description_of_a_sampler_called_through_its_interface_stays_no_effect() -> None:
    base = {"sampler.py": SAMPLER.format(lp="torch.ones(len(scores)) * self.epsilon / n", text="'eps'")}
    cand = {"sampler.py": SAMPLER.format(lp="torch.ones(len(scores)) * self.epsilon / n", text="'epsilon'")}
    found, no_effect = _run(base, cand)
    assert found == [], (found, no_effect)
