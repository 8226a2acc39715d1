"""An in-place update made a plain assignment (`stamp -= period` -> `stamp = period`) is an edit whose meaning is
known by its form: the variable is set to the operand instead of moved by it. Real shape: JORLDY's Ape-X target
update, `self.target_update_stamp -= self.target_update_period` -> `= self.target_update_period` under
`if self.target_update_stamp >= self.target_update_period:`: after the first sync the test holds at every step
and the target network is copied every step; it ranked 4th, below anonymous loss changes of the same range."""

from __future__ import annotations

import ast

from investigator.ranking import rank_findings
from tests.flow.support import flow_findings

AGENT = """
    import copy

    import torch
    import torch.nn.functional as F


    class Agent:
        def __init__(self, net, optimizer, period=100, gamma=0.99):
            self.net = net
            self.target_net = copy.deepcopy(net)
            self.optimizer = optimizer
            self.gamma = gamma
            self.target_update_period = period
            self.target_update_stamp = 0

        def learn(self, obs, act, rew, next_obs, done):
            q = self.net(obs).gather(1, act)
            with torch.no_grad():
                next_q = self.target_net(next_obs).max(1, keepdim=True)[0]
                target = rew + self.gamma * (1 - done) * next_q
            loss = F.smooth_l1_loss(q, target)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()

        def update_target(self):
            self.target_net.load_state_dict(self.net.state_dict())

        def process(self, batch, step):
            self.learn(*batch)
            self.target_update_stamp += 1
            if self.target_update_stamp >= self.target_update_period:
                self.update_target()
                self.target_update_stamp -= self.target_update_period


    if __name__ == "__main__":
        from nets import make
        net, optimizer, batches = make()
        agent = Agent(net, optimizer)
        for step, batch in enumerate(batches):
            agent.process(batch, step)
"""

# a real, deliberate change of the same range, on the loss itself: the Huber loss made a squared error
REFACTOR = ("loss = F.smooth_l1_loss(q, target)", "loss = F.mse_loss(q, target)")


def _significant(candidate: str) -> list[str]:
    return [f.title for f in rank_findings(flow_findings({"agent.py": AGENT}, {"agent.py": candidate}))
            if f.severity.value == "significant"]


def test_a_counter_reset_to_its_period_ranks_before_an_anonymous_loss_change() -> None:
    cand = AGENT.replace(*REFACTOR).replace("self.target_update_stamp -= self.target_update_period",
                                            "self.target_update_stamp = self.target_update_period")
    titles = _significant(cand)
    assert len(titles) == 2, titles
    assert titles[0].startswith("In-place update changed in the") and "`Agent.process`" in titles[0], titles


def test_an_other_edit_of_the_counter_stays_anonymous() -> None:
    # the period halved: a real change, not an in-place update made an assignment; the loss change stays first
    cand = AGENT.replace(*REFACTOR).replace("self.target_update_stamp -= self.target_update_period",
                                            "self.target_update_stamp -= self.target_update_period // 2")
    titles = _significant(cand)
    assert not any(t.startswith("In-place update changed") for t in titles), titles


def _edit(a: str, b: str) -> str | None:
    from investigator.flow.edits import known_edit
    return known_edit([ast.parse(a).body[0]], [ast.parse(b).body[0]], set())


def test_in_place_update_forms() -> None:
    assert _edit("x -= y", "x = y") is not None
    assert _edit("total = r", "total += r") is not None  # the reverse: now accumulates
    assert _edit("self.n -= p", "self.n = p") is not None
    assert _edit("x -= y", "x = x - y") is None  # the same value, spelled out
    assert _edit("x -= y", "z = y") is None  # another variable
    assert _edit("x -= y", "x = z") is None  # another operand
