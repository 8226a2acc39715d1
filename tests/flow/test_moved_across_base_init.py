"""An attribute store moved across the call that reads it is a change, not a reorder.

Real shape (ElegantRL's DoubleDQN, held-out 5 `erl-doubledqn-classcri-order`, used): `self.ClassCri =
QNetTwinDuel if self.if_use_dueling else QNetTwin` moved from before `AgentDQN.init(self, ...)` - the base
class's set-up, which builds the critic from `self.ClassCri` - to after it. Every statement is unchanged, so
the move read as a reorder of independent statements and nothing was reported. Moving a store across a call
that does not see the object (a plain function of other values) stays no change."""

from __future__ import annotations

from tests.flow.support import flow_result

DQN = """
import torch


class QNet(torch.nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = torch.nn.Linear(dim, 2)

    def forward(self, x):
        return self.net(x)


class QNetTwin(QNet):
    pass


class AgentDQN:
    def __init__(self):
        self.ClassCri = QNet

    def init(self, dim, lr):
        self.cri = self.ClassCri(dim)
        self.optimizer = torch.optim.Adam(self.cri.parameters(), lr)

    def update_net(self, batch):
        q = self.cri(batch.state)
        loss = torch.nn.functional.mse_loss(q, batch.target)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss
"""

DOUBLE = """
import torch

from dqn import AgentDQN, QNetTwin


def scaled(lr):
    return lr * 2


class AgentDoubleDQN(AgentDQN):
    def init(self, dim, lr):
{body}
        self.soft_max = torch.nn.Softmax(dim=1)


def train(batches):
    agent = AgentDoubleDQN()
    agent.init(8, 1e-3)
    for batch in batches:
        agent.update_net(batch)
"""

BEFORE = """
        self.ClassCri = QNetTwin
        AgentDQN.init(self, dim, lr)
"""

AFTER = """
        AgentDQN.init(self, dim, lr)
        self.ClassCri = QNetTwin
"""

PLAIN_BEFORE = """
        self.ClassCri = QNetTwin
        self.lr = scaled(lr)
        AgentDQN.init(self, dim, self.lr)
"""

PLAIN_AFTER = """
        self.lr = scaled(lr)
        self.ClassCri = QNetTwin
        AgentDQN.init(self, dim, self.lr)
"""


def _run(base: str, cand: str) -> tuple[list[str], list[str]]:
    r = flow_result({"dqn.py": DQN, "double.py": DOUBLE.format(body=base)},
                    {"dqn.py": DQN, "double.py": DOUBLE.format(body=cand)})
    return [f"{f.severity.value} {f.title}" for f in r.findings], [n.title for n in r.no_effect]


def test_store_moved_after_the_base_init_that_reads_it_is_a_change() -> None:
    found, no_effect = _run(BEFORE, AFTER)
    assert any("AgentDoubleDQN.init" in t for t in found), (found, no_effect)


def test_store_moved_across_a_call_that_does_not_see_the_object_is_no_change() -> None:
    found, no_effect = _run(PLAIN_BEFORE, PLAIN_AFTER)
    # the reorder is no change; the function is listed with why it was not placed (`flow.analyzer._unanalysed`)
    assert found == [] and no_effect == ["Changed code in `double.py:AgentDoubleDQN.init`: not placed on the flow"], (
        found, no_effect)
