"""The same statements under other conditions are a change of the flow.

Real shape (TF-Agents PPO, held-out 4): the reward normaliser's `update(...)` moved from its own `if` into
the `else` of the observation normaliser's `if` - every statement of the function is unchanged, only the
`else:` line is new, so the diff of statements saw nothing and the run that never updated its reward
statistics got no finding at all. A statement that runs under another condition (or another loop) with
each condition unchanged at both commits is a changed statement; an `elif` written as `else: if`, and a
logging call moved under a condition, are not behavioural changes."""

from __future__ import annotations

from tests.flow.support import flow_result

AGENT = """
import tensorflow as tf

from normalizers import Normalizer


class PPOAgent:
    def __init__(self, optimizer, observation_normalizer, reward_normalizer, summary_writer):
        self._optimizer = optimizer
        self._observation_normalizer = observation_normalizer
        self._reward_normalizer = reward_normalizer
        self._writer = summary_writer

    def compute_advantages(self, rewards, values):
        if self._reward_normalizer:
            rewards = self._reward_normalizer.normalize(rewards)
        return rewards - values

    def _train(self, experience):
        advantages = self.compute_advantages(experience.reward, experience.value)
        loss = tf.reduce_mean(advantages * experience.log_prob)
        self._optimizer.minimize(loss)
{updates}
        return loss


def main(optimizer, dataset, writer):
    agent = PPOAgent(optimizer, Normalizer(), Normalizer(), writer)
    for experience in dataset:
        agent._train(experience)


if __name__ == "__main__":
    main(tf.keras.optimizers.Adam(), [], None)
"""

SEPARATE = """
        if self._observation_normalizer:
            self._observation_normalizer.update(experience.observation)

        if self._reward_normalizer:
            self._reward_normalizer.update(experience.reward)
"""

IN_ELSE = """
        if self._observation_normalizer:
            self._observation_normalizer.update(experience.observation)
        else:
            if self._reward_normalizer:
                self._reward_normalizer.update(experience.reward)
"""

AS_ELIF = """
        if self._observation_normalizer:
            self._observation_normalizer.update(experience.observation)
        elif self._reward_normalizer:
            self._reward_normalizer.update(experience.reward)
"""

LOGGED = """
        if self._observation_normalizer:
            self._observation_normalizer.update(experience.observation)

        if self._reward_normalizer:
            self._reward_normalizer.update(experience.reward)
        self._writer.add_scalar("loss", loss)
"""

LOGGED_UNDER = """
        if self._observation_normalizer:
            self._observation_normalizer.update(experience.observation)

        if self._reward_normalizer:
            self._reward_normalizer.update(experience.reward)
            self._writer.add_scalar("loss", loss)
"""


def _run(base: str, cand: str) -> tuple[list[str], list[str]]:
    r = flow_result({"agent.py": AGENT.format(updates=base)}, {"agent.py": AGENT.format(updates=cand)})
    return [f"{f.severity.value} {f.title}" for f in r.findings], [n.title for n in r.no_effect]


def test_update_moved_under_another_condition_is_a_change() -> None:
    found, no_effect = _run(SEPARATE, IN_ELSE)
    assert any(t.startswith("significant") and "_train" in t for t in found), (found, no_effect)


def test_update_moved_out_of_an_else_is_a_change() -> None:
    found, no_effect = _run(IN_ELSE, SEPARATE)
    assert any(t.startswith("significant") and "_train" in t for t in found), (found, no_effect)


def test_else_if_written_as_elif_is_no_change() -> None:
    found, no_effect = _run(IN_ELSE, AS_ELIF)
    assert found == [] and no_effect == [], (found, no_effect)


def test_logging_call_moved_under_a_condition_is_not_significant() -> None:
    found, no_effect = _run(LOGGED, LOGGED_UNDER)
    assert not any(t.startswith(("significant", "critical")) for t in found), (found, no_effect)


STEP_LOOP = """
import torch


def train(model, optimizer, batches):
    for batch in batches:
        loss = model(batch).mean()
        loss.backward()
{step}


if __name__ == "__main__":
    net = torch.nn.Linear(4, 1)
    train(net, torch.optim.SGD(net.parameters(), lr=0.1), [])
"""


def test_optimizer_step_moved_out_of_the_loop_is_a_change() -> None:
    inside = "        optimizer.step()\n        optimizer.zero_grad()"
    outside = "    optimizer.step()\n    optimizer.zero_grad()"
    r = flow_result({"train.py": STEP_LOOP.format(step=inside)}, {"train.py": STEP_LOOP.format(step=outside)})
    found = [f"{f.severity.value} {f.title}" for f in r.findings]
    assert any(t.startswith("significant") and "train" in t for t in found), (found, [n.title for n in r.no_effect])
