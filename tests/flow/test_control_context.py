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

from normalizers import StreamingNormalizer


class PPOAgent:
    def __init__(self, optimizer, normalize_observations, normalize_rewards, summary_writer):
        self._optimizer = optimizer
        self._observation_normalizer = None
        if normalize_observations:
            self._observation_normalizer = StreamingNormalizer()
        self._reward_normalizer = None
        if normalize_rewards:
            self._reward_normalizer = StreamingNormalizer()
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
    agent = PPOAgent(optimizer, True, True, writer)
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


# the project's normaliser builds its update as a returned op (TF style): the call is made for what that op does
NORMALIZERS = """
import abc

import tensorflow as tf


class Normalizer(abc.ABC):
    def __init__(self):
        self._count = tf.Variable(0.0)

    @abc.abstractmethod
    def _update_ops(self, tensor):
        'The ops that update the statistics.'

    def update(self, tensor):
        return tf.group(self._update_ops(tensor))

    def normalize(self, tensor):
        return tensor / tf.maximum(self._count, 1.0)


class StreamingNormalizer(Normalizer):
    def _update_ops(self, tensor):
        return [self._count.assign_add(tf.cast(tf.size(tensor), tf.float32))]
"""


def _run(base: str, cand: str) -> tuple[list[str], list[str]]:
    r = flow_result({"agent.py": AGENT.format(updates=base), "normalizers.py": NORMALIZERS},
                    {"agent.py": AGENT.format(updates=cand), "normalizers.py": NORMALIZERS})
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
