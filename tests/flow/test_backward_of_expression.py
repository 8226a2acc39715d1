"""`(value_loss * c + action_loss - entropy * e).backward()` is the loss sink: a method of a computed
value, whose receiver is no dotted name (`pyast.method_name`). Before, only `loss.backward()` was, and a
change to the clip range of pytorch-a2c-ppo-acktr-gail's PPO loss reached "logging" (the epoch averages
it returns) instead of the loss."""

from __future__ import annotations

import ast

from investigator.pyast import method_name
from tests.detectors.helpers import run_on
from tests.flow.support import flow_findings

PPO = """
import torch


class PPO:
    def __init__(self, actor_critic, clip_param, lr):
        self.actor_critic = actor_critic
        self.clip_param = clip_param
        self.optimizer = torch.optim.Adam(actor_critic.parameters(), lr=lr)

    def update(self, rollouts):
        total = 0.0
        for batch in rollouts.batches():
            values, log_probs, entropy = self.actor_critic.evaluate(batch)
            ratio = torch.exp(log_probs - batch.old_log_probs)
            surr1 = ratio * batch.adv
            surr2 = torch.clamp(ratio, 1.0 - self.clip_param, 1.0 + self.clip_param) * batch.adv
            action_loss = -torch.min(surr1, surr2).mean()
            value_loss = 0.5 * (batch.returns - values).pow(2).mean()
            self.optimizer.zero_grad()
            (value_loss * 0.5 + action_loss - entropy * 0.01).backward()
            self.optimizer.step()
            total += action_loss.item()
        return total


def train(actor_critic, rollouts):
    agent = PPO(actor_critic, 0.2, 3e-4)
    for _ in range(10):
        print(agent.update(rollouts))
"""


def test_a_change_before_the_backward_of_an_expression_is_on_the_loss_path() -> None:
    cand = PPO.replace("surr2 = torch.clamp(ratio, 1.0 - self.clip_param, 1.0 + self.clip_param) * batch.adv",
                       "surr2 = torch.clamp(ratio, 1.0 - 2 * self.clip_param, 1.0 + self.clip_param) * batch.adv")
    titles = [f.title for f in flow_findings({"ppo.py": PPO}, {"ppo.py": cand})]
    assert titles and all("loss path" in t for t in titles), titles


def test_a_change_only_to_the_logged_total_is_not_on_the_loss_path() -> None:
    cand = PPO.replace("total += action_loss.item()", "total += 2 * action_loss.item()")
    titles = [f.title for f in flow_findings({"ppo.py": PPO}, {"ppo.py": cand})]
    assert not [t for t in titles if "loss path" in t], titles


def test_the_gradient_order_detector_sees_the_backward_of_an_expression() -> None:
    """Stepping before the backward of an expression is the same bug as before `loss.backward()`."""
    cand = PPO.replace("            self.optimizer.zero_grad()\n            (value_loss * 0.5 + action_loss - entropy * 0.01).backward()\n"
                       "            self.optimizer.step()\n",
                       "            self.optimizer.zero_grad()\n            self.optimizer.step()\n"
                       "            (value_loss * 0.5 + action_loss - entropy * 0.01).backward()\n")
    assert cand != PPO
    result = run_on({"ppo.py": PPO}, {"ppo.py": cand}, only={"grad_order"})
    assert result.findings, [n.title for n in result.no_effect]


def test_method_name() -> None:
    def call(text: str) -> ast.Call:
        node = ast.parse(text, mode="eval").body
        assert isinstance(node, ast.Call)
        return node

    assert method_name(call("(a * b + c).backward()")) == "backward"
    assert method_name(call("loss.backward()")) == "backward"
    assert method_name(call("make_env().reset()")) == "reset"
    assert method_name(call("torch.clamp(x, 0, 1)")) == "clamp"
    assert method_name(call("f(x)")) == "f"
    assert method_name(call("fns[0](x)")) == "fns[]"  # as last_name(call_name(...)) reads it
