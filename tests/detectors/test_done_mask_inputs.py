"""A done mask on the policy's inputs resets them; it is not done masking of a bootstrapped value.

Real shape (pytorch-a2c-ppo-acktr-gail 11efdeb..12c3934): the training loop cleared its frame stack with
`current_obs *= masks` (and kept printed episode rewards with `final_rewards *= masks`); the reset moved
into a frame-stack vector-env wrapper: "Done masking removed from the return/advantage computation"
(critical, first of the report). Now the reset is its own, significant finding, and a reset kept with only
the statistics gone is nothing (the statistics reach only the log line). Negatives: a masked return that
feeds the loss, and a statistic also read by the loss, are still "Done masking removed"."""

from __future__ import annotations

from investigator.models import Severity
from tests.detectors.helpers import run_on

BASE = """
def train(envs, policy, n):
    episode_rewards = zeros(n)
    final_rewards = zeros(n)
    current_obs = envs.reset()
    for step in range(100):
        action = policy(current_obs)
        obs, reward, done, info = envs.step(action)
        episode_rewards += reward
        masks = tensor([0.0 if d else 1.0 for d in done])
        final_rewards *= masks
        final_rewards += (1 - masks) * episode_rewards
        episode_rewards *= masks
        current_obs *= masks
        current_obs = obs
        {extra}
    print("mean reward {{:.1f}}".format(final_rewards.mean()))
"""

CAND = """
def train(envs, policy, n):
    current_obs = envs.reset()
    for step in range(100):
        action = policy(current_obs)
        obs, reward, done, info = envs.step(action)
        masks = tensor([0.0 if d else 1.0 for d in done])
        current_obs = obs
        {extra}
"""

BOTH = """
def train(envs, policy, n):
    current_obs = envs.reset()
    for step in range(100):
        action = policy(current_obs)
        obs, reward, done, info = envs.step(action)
        masks = tensor([0.0 if d else 1.0 for d in done])
        current_obs *= masks
        current_obs = obs
"""


def _findings(base: str, cand: str):
    return run_on({"train.py": base}, {"train.py": cand}, only={"done_mask"}).findings


def test_statistics_gone_beside_a_kept_input_reset_is_nothing() -> None:
    found = _findings(BASE.format(extra="pass"), BOTH)
    assert found == []


def test_a_removed_input_reset_is_significant_not_a_removed_done_mask() -> None:
    found = _findings(BASE.format(extra="pass"), CAND.format(extra="pass"))
    assert [f.title for f in found] == ["Episode-end reset of the policy's inputs removed (observations or recurrent state)"]
    assert found[0].severity == Severity.significant


LOSS = """
        ret = reward + 0.99 * policy.value(obs){mask}
        loss = (ret - policy.value(current_obs)) ** 2
        loss.backward()
"""

STAT_LOSS = """
        loss = (final_rewards - policy.value(obs)).pow(2).mean()
        loss.backward()
"""


def _with(text: str, extra: str) -> str:
    return text.replace("current_obs = obs\n", "current_obs = obs" + extra, 1)


def test_a_masked_return_that_feeds_the_loss_is_still_reported() -> None:
    found = _findings(_with(BOTH, LOSS.format(mask=" * masks")), _with(BOTH, LOSS.format(mask="")))
    assert any("Done masking removed" in f.title for f in found)


def test_a_statistic_the_loss_also_reads_is_still_a_masked_value() -> None:
    found = _findings(_with(BASE.format(extra="pass"), STAT_LOSS), _with(BOTH, STAT_LOSS))
    assert any("Done masking removed" in f.title for f in found)


RECURRENT = """
class Policy:
    def forward(self, x, hxs, masks):
        x, hxs = self.gru(x, {hidden})
        return x, hxs
"""


def test_a_recurrent_state_reset_added_is_an_input_reset() -> None:
    found = _findings(RECURRENT.format(hidden="hxs"), RECURRENT.format(hidden="hxs * masks"))
    assert [f.title for f in found] == ["Episode-end reset of the policy's inputs added (observations or recurrent state)"]


def test_a_renamed_recurrent_state_reset_is_the_same_reset() -> None:
    base = RECURRENT.format(hidden="states * masks").replace("hxs, masks", "states, masks")
    assert _findings(base, RECURRENT.format(hidden="hxs * masks")) == []
