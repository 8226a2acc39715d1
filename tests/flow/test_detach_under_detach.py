"""A `.detach()` added inside a value that is detached again before any use changes nothing.

Real shape (CORL's CQL, `_q_loss`): `td_target = rewards + (1 - dones) * gamma * target_q` became
`... * target_q.detach()`, while both losses already read `F.mse_loss(q, td_target.detach())`: no
gradient ever flowed through `td_target`. It was "Behavioural change in the target path" (significant,
#2 of the range, above the real regression). `x.detach()` cuts every gradient of `x`, so a detach
inside it is no change; a detach on a value some use reads undetached is one."""

from __future__ import annotations

import textwrap

from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import analyse

TRAINER = """
    import torch
    import torch.nn.functional as F


    class Trainer:
        def __init__(self, critic, target_critic, optimizer, gamma=0.99):
            self.critic = critic
            self.target_critic = target_critic
            self.optimizer = optimizer
            self.gamma = gamma

        def q_loss(self, obs, actions, rewards, dones, next_obs):
            q_pred = self.critic(obs, actions)
            target_q = self.target_critic(next_obs)
            td_target = rewards + (1.0 - dones) * self.gamma * TARGET
            td_target = td_target.squeeze(-1)
            return F.mse_loss(q_pred, USE)

        def update(self, batch):
            loss = self.q_loss(*batch)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()


    def train(critic, target_critic, optimizer, batches):
        trainer = Trainer(critic, target_critic, optimizer)
        for batch in batches:
            trainer.update(batch)


    if __name__ == "__main__":
        train(None, None, None, [])
"""


def _code(target: str, use: str) -> dict[str, str]:
    return {"cql.py": textwrap.dedent(TRAINER.replace("TARGET", target).replace("USE", use)).lstrip()}


def _findings(base: dict[str, str], cand: dict[str, str]):
    b, c = MemoryTree(base), MemoryTree(cand)
    return analyse(build_pairs(b, c, diff_trees(b, c)))


def test_detach_inside_a_value_every_use_detaches_is_no_change() -> None:
    result = _findings(_code("target_q", "td_target.detach()"), _code("target_q.detach()", "td_target.detach()"))
    assert result.findings == []
    assert any("Restructured code" in n.title and "Trainer.q_loss" in n.title for n in result.no_effect)


def test_detach_on_a_value_read_with_its_gradient_is_a_change() -> None:
    """The loss reads `td_target` itself: the added detach stops the gradient into the target critic."""
    result = _findings(_code("target_q", "td_target"), _code("target_q.detach()", "td_target"))
    (finding,) = result.findings
    assert "Trainer.q_loss" in finding.title and finding.severity.value == "significant"


# a target large enough that the comparison names it by a digest (flow/symbolic.py, MAX_NODES)
BIG = ("torch.min(self.target_critic(next_obs, self.critic(next_obs, actions)), self.critic(next_obs, "
       "self.target_critic(obs, actions))).clamp(min=-100.0, max=100.0) - 0.2 * torch.log(self.target_critic("
       "next_obs, actions).softmax(-1) + 1e-6).sum(-1, keepdim=True) * rewards.mean() * dones.float().std()")


def test_detach_inside_a_large_target_detached_at_every_use_is_no_change() -> None:
    result = _findings(_code(f"({BIG})", "td_target.detach()"), _code(f"({BIG}).detach()", "td_target.detach()"))
    assert result.findings == []


def test_detach_inside_a_large_target_read_with_its_gradient_is_a_change() -> None:
    result = _findings(_code(f"({BIG})", "td_target"), _code(f"({BIG}).detach()", "td_target"))
    # a `.detach()` added around the target is a known edit (flow/edits.py): named, not anonymous
    assert [f.title for f in result.findings] == ["Gradient cut changed in the target path: `Trainer.q_loss`"]
