"""Removed code that ran only under an option off by default, the option stored by a library base class.

Real shape (stable-baselines3-contrib v2.3.0..v2.4.0): `if self.use_sde: self.policy.reset_noise(self.batch_size)`
was removed from `RecurrentPPO.train` and `TRPO.train`; `use_sde: bool = False` is a parameter of each
algorithm's `__init__`, handed as `use_sde=use_sde` to stable-baselines3's `OnPolicyAlgorithm`, which stores
`self.use_sde` (no code of the repository does). Both were "Behavioural change in the optimizer path",
significant, the top two findings: the guard could not be read (`self.use_sde` stored nowhere in the tree),
the rule that lowers code behind an option looked only at the candidate (where the removed code is not), and
the package's own test `RecurrentPPO(..., use_sde=True)` counted as a run that turns the option on.
Now: with no call setting it the removed branch never ran (no effect); with only a test setting it, it is
lowered (runs only when an option is set). Negatives: a training script that passes `use_sde=True`, an option
on by default, a removed statement outside the branch, and an attribute the tree itself stores otherwise."""

from __future__ import annotations

from investigator.detectors.guards import Side, dead_reason, off_by_default_reason
from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import analyse
from tests.flow.support import src

ALGO = """
    import torch as th
    from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm


    class RecurrentPPO(OnPolicyAlgorithm):
        def __init__(self, policy, env, learning_rate=3e-4, batch_size=128, use_sde: bool = DEFAULT):
            super().__init__(policy, env, learning_rate=learning_rate, use_sde=use_sde)
            self.batch_size = batch_size

        def train(self):
            for rollout_data in self.rollout_buffer.get(self.batch_size):
                actions = rollout_data.actions
                if self.use_sde:
                    self.policy.reset_noise(self.batch_size)
                OUTSIDE
                values, log_prob, entropy = self.policy.evaluate_actions(rollout_data.observations, actions)
                loss = -(rollout_data.advantages * th.exp(log_prob - rollout_data.old_log_prob)).mean()
                self.policy.optimizer.zero_grad()
                loss.backward()
                self.policy.optimizer.step()
"""
REMOVED = """            if self.use_sde:
                self.policy.reset_noise(self.batch_size)
"""
INIT = "from sb3_contrib.ppo import RecurrentPPO\n"
TRAIN = "from sb3_contrib import RecurrentPPO\n\nmodel = RecurrentPPO('MlpLstmPolicy', 'CartPole-v1'ARGS)\nmodel.train()\n"
TEST = "from sb3_contrib import RecurrentPPO\n\n\ndef test_run_sde():\n    RecurrentPPO('MlpLstmPolicy', 'Pendulum-v1', use_sde=True).train()\n"


def _judged(default: str = "False", outside: str = "pass", train_args: str = "", test: bool = True,
            store: str = "") -> tuple[str | None, str | None]:
    base_algo = src(ALGO).replace("DEFAULT", default).replace("OUTSIDE", outside)
    if store:
        base_algo = base_algo.replace("        self.batch_size = batch_size\n", f"        self.batch_size = batch_size\n{store}")
    cand_algo = base_algo.replace(REMOVED, "").replace(f"            {outside}\n", "")
    files = {"sb3_contrib/__init__.py": INIT, "train.py": TRAIN.replace("ARGS", train_args)}
    if test:
        files["tests/test_run.py"] = TEST
    b = MemoryTree({**files, "sb3_contrib/ppo.py": base_algo})
    c = MemoryTree({**files, "sb3_contrib/ppo.py": cand_algo})
    found = [f for f in analyse(build_pairs(b, c, diff_trees(b, c))).findings if "RecurrentPPO.train" in f.title]
    assert len(found) == 1, [f.title for f in found]
    sides = {"baseline": Side("baseline", b.read_text, b.paths()), "candidate": Side("candidate", c.read_text, c.paths())}
    return dead_reason(found[0], sides), off_by_default_reason(found[0], sides)


def test_a_removed_branch_of_an_option_no_call_sets_never_ran() -> None:
    dead, _ = _judged(test=False)
    assert dead is not None and "`self.use_sde` = False" in dead, dead


def test_a_removed_branch_of_an_option_only_a_test_sets_is_lowered() -> None:
    dead, off = _judged()
    assert dead is None  # a call in the tree passes it: not provably dead
    assert off is not None and "self.use_sde" in off, off


def test_a_training_script_that_sets_the_option_keeps_the_severity() -> None:
    assert _judged(train_args=", use_sde=True") == (None, None)


def test_an_option_on_by_default_keeps_the_severity() -> None:
    assert _judged(default="True") == (None, None)


def test_a_removed_statement_outside_the_branch_keeps_the_severity() -> None:
    assert _judged(outside="self.policy.reset_noise(1)") == (None, None)


def test_an_attribute_the_tree_stores_otherwise_is_not_the_parameter() -> None:
    assert _judged(store="        self.use_sde = self.use_sde or batch_size > 64\n") == (None, None)


def test_a_script_that_stores_the_attribute_keeps_the_severity() -> None:
    assert _judged(train_args=")\nmodel.use_sde = (True") == (None, None)
