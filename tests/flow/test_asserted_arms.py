"""A new `else:` arm for inputs the baseline rejected with an `assert` changes none of the baseline's runs.

Real shape (pomdp-baselines 8d188955..c16ac3db, policies/learner.py:195 and :437): `Learner.init_env` replaced
`assert self.train_env.action_space.__class__.__name__ == "Box"` by `if ... == "Box": <the baseline's continuous
setup>; self.act_continuous = True else: assert ... == "Discrete"; <a discrete setup>; self.act_continuous = False`,
and `collect_rollouts` gained `if not self.act_continuous: action = F.one_hot(...)` for the random actions. Both were
"Behavioural change in the sampling path" (significant). Every Box run takes the `if` arm and stores True.

Negatives: the `if` arm itself changed, the baseline asserted nothing (a Discrete run went through its code), and
the accepted arm storing the flag that takes the new branch keep the severity.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import Severity
from tests.flow.test_equivalence import _index

LEARNER = '''
import torch
import torch.nn.functional as F


def env_step(env, action):
    next_obs, reward, done, info = env.step(action.numpy())
    return torch.as_tensor(next_obs), reward, done, info


class Learner:
    def __init__(self, env, agent):
        self.agent = agent
        self.init_env(env)

    def init_env(self, env):
        self.train_env = env
INIT
        self.obs_dim = self.train_env.observation_space.shape[0]

    def collect_rollouts(self, num_rollouts, random_actions=False):
        for _ in range(num_rollouts):
            obs = self.train_env.reset()
            done = False
            while not done:
                if random_actions:
                    action = torch.FloatTensor([self.train_env.action_space.sample()])
ONEHOT
                else:
                    action = self.agent.act(obs)
                next_obs, reward, done, info = env_step(self.train_env, action)
                self.agent.store(obs, action, reward, next_obs, done)
                obs = next_obs


def main(env, agent):
    learner = Learner(env, agent)
    learner.collect_rollouts(10, random_actions=True)
    for _ in range(100):
        learner.collect_rollouts(1)
'''

ASSERTED = '''        assert self.train_env.action_space.__class__.__name__ == "Box"
        self.act_dim = self.train_env.action_space.shape[0]'''
UNCHECKED = '''        self.act_dim = self.train_env.action_space.shape[0]'''
BRANCHED = '''        if self.train_env.action_space.__class__.__name__ == "Box":
            self.act_dim = self.train_env.action_space.shape[0]
            self.act_continuous = BOX
        else:
            assert self.train_env.action_space.__class__.__name__ == "Discrete"
            self.act_dim = self.train_env.action_space.n
            self.act_continuous = DISCRETE'''
ONEHOT = '''                    if not self.act_continuous:
                        action = F.one_hot(action.long(), num_classes=self.act_dim).float()'''


def _code(init: str, onehot: str = "") -> dict[str, str]:
    text = LEARNER.replace("INIT", init).replace("ONEHOT\n", onehot + "\n" if onehot else "")
    return {"learner.py": text}


def _found(base: dict[str, str], cand: dict[str, str]) -> dict[str, Severity]:
    result = analyse(_index(base, cand))
    return {name: f.severity for f in result.findings for name in ("init_env", "collect_rollouts")
            if f"Learner.{name}" in f.title}


def _branched(box: str = "True", discrete: str = "False") -> str:
    return BRANCHED.replace("BOX", box).replace("DISCRETE", discrete)


def test_an_arm_for_inputs_the_baseline_asserted_away_is_no_change() -> None:
    found = _found(_code(ASSERTED), _code(_branched(), ONEHOT))
    assert found.get("collect_rollouts") is Severity.low and found.get("init_env") in (None, Severity.low), found


def test_a_changed_accepted_arm_keeps_the_severity() -> None:
    """Negative: the Box arm itself computes another action size."""
    cand = _branched().replace("shape[0]\n            self.act_continuous", "shape[0] * 2\n            self.act_continuous")
    found = _found(_code(ASSERTED), _code(cand, ONEHOT))
    assert found.get("init_env") is Severity.significant, found


def test_without_the_baseline_assert_the_new_arms_are_changes() -> None:
    """Negative: the baseline ran Discrete spaces through its code: the new arm changes those runs."""
    found = _found(_code(UNCHECKED), _code(_branched(), ONEHOT))
    assert found.get("init_env") is Severity.significant and found.get("collect_rollouts") is Severity.significant, found


def test_a_flag_the_accepted_arm_sets_to_take_the_new_branch_keeps_the_severity() -> None:
    """Negative: the Box arm stores the value that takes the one-hot branch: every Box run changes."""
    found = _found(_code(ASSERTED), _code(_branched("False", "True"), ONEHOT))
    assert found.get("collect_rollouts") is Severity.significant, found
