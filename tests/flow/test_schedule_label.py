"""A value that only sets how many times a training loop runs is a training-schedule change.

Real shape (CORL 12a5fc1a..61f4f041): SAC-N's `TrainConfig.num_epochs` 250 -> 3000, read by
`for epoch in trange(config.num_epochs):` whose body samples the replay buffer, was "Behavioural change
in the sampling path". Negative (HARL): the number of agents sets `for agent_id in range(n)` whose index
selects each agent's actor: a loop over things, not over time, keeps the place its value reaches.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from tests.flow.test_equivalence import _index

SCRIPT = '''
from dataclasses import dataclass

from tqdm import trange


@dataclass
class TrainConfig:
    num_epochs: int = {epochs}
    num_agents: int = {agents}
    eval_every: int = 5


def train(config: TrainConfig, buffer, actors, optimizer):
    for epoch in trange(config.num_epochs, desc="Training"):
        batch = buffer.sample(256)
        loss = actors[0].loss(batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if epoch % config.eval_every == 0:
            print(epoch)
    for agent_id in range(config.num_agents):
        action = actors[agent_id].sample(buffer.obs)
        buffer.insert(action)
'''


def _finding(before: dict[str, int], after: dict[str, int]):
    base, cand = SCRIPT.format(**before), SCRIPT.format(**after)
    result = analyse(_index({"train.py": base}, {"train.py": cand}))
    return [f for f in result.findings if "TrainConfig" in f.title]


def test_the_number_of_epochs_is_a_training_schedule_change():
    found = _finding({"epochs": 250, "agents": 2}, {"epochs": 3000, "agents": 2})
    assert found and "training schedule (loop count)" in found[0].title, [f.title for f in found]
    assert found[0].evidence[0].details["path"] == "schedule"


def test_the_number_of_agents_a_loop_indexes_with_is_not_a_schedule():
    found = _finding({"epochs": 250, "agents": 2}, {"epochs": 250, "agents": 3})
    assert found and "schedule" not in found[0].title, [f.title for f in found]
    assert found[0].evidence[0].details["path"] == "sampling"
