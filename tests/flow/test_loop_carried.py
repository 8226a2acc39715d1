"""A value a loop leaves for its next iteration (read in the loop above its first store) is an effect.

Real shape (a torchrl multi-agent library, collection with manual resets): the rollout of each iteration reads
`tensordict=reset_batch`, set at the end of the body by `reset_batch = step_mdp(batch[..., -1], reward_keys=...,
action_keys=..., done_keys=...)`; dropping those keyword arguments was listed as "Restructured code ... same
effects" because the store at the end of the body was read by nothing after it in straight-line order."""

from __future__ import annotations

from tests.flow.support import flow_result

LOOP = """
from torchrl.envs.utils import step_mdp


class Experiment:
    def _collection_loop(self):
        reset_batch = self.rollout_env.reset()
        for _ in range(self.n_iters):
            batch = self.rollout_env.rollout(max_steps=100, policy=self.policy, auto_reset=False, tensordict=reset_batch)
{carry}
            loss = self.loss_module(batch)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()


if __name__ == "__main__":
    Experiment()._collection_loop()
"""

KEYS = """            reset_batch = step_mdp(
                batch[..., -1],
                reward_keys=self.rollout_env.reward_keys,
                action_keys=self.rollout_env.action_keys,
                done_keys=self.rollout_env.done_keys,
            )"""


def _run(carry_base: str, carry_cand: str) -> tuple[list[str], list[str]]:
    r = flow_result({"exp.py": LOOP.format(carry=carry_base)}, {"exp.py": LOOP.format(carry=carry_cand)})
    return [f"{f.severity.value} {f.title}" for f in r.findings], [n.title for n in r.no_effect]


def test_dropped_keywords_of_a_loop_carried_value_are_a_change() -> None:
    found, no_effect = _run(KEYS, "            reset_batch = step_mdp(batch[..., -1])")
    assert any(t.startswith("significant") and "_collection_loop" in t for t in found), (found, no_effect)
    assert not any("Restructured" in t for t in no_effect), no_effect


def test_named_intermediate_of_a_loop_carried_value_is_still_restructured() -> None:
    named = ("            last = batch[..., -1]\n"
             + KEYS.replace("batch[..., -1],", "last,"))
    found, no_effect = _run(KEYS, named)
    assert found == [], found
    assert any("Restructured" in t for t in no_effect), no_effect
