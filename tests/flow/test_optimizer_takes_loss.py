"""An optimizer object that is handed the loss (`self._optimizer.update_opt(loss=pol_loss, target=policy, ...)`,
then `self._optimizer.optimize(inputs)`) is where the loss trains the policy, as TF1's `minimize(loss)` is.
Real shape: garage's TF NPO (rllab's optimizers) builds the surrogate and the KL from `self.policy` and
`self._old_policy`; removing `self._old_policy.model.parameters = self.policy.model.parameters` after both builds
(old and new policy out of sync) was a low "could not be followed further to training" finding (the optimizer is
built from a class handed in, `optimizer(**optimizer_args)`), fifth below real refactors of the range."""

from __future__ import annotations

import ast

from investigator.trainstep import sink_of_call
from tests.flow.support import flow_findings

NPO = """
    import tensorflow as tf


    class NPO:
        def __init__(self, policy, optimizer, optimizer_args=None, step_size=0.01):
            self.policy = policy
            self._old_policy = policy.clone("old_policy")
            self._optimizer = optimizer(**(optimizer_args or {}))
            self._step_size = step_size

        def init_opt(self):
            obs_var, action_var, adv_var = self._build_inputs()
            pol_loss, pol_kl = self._build_policy_loss(obs_var, action_var, adv_var)
            self._optimizer.update_opt(loss=pol_loss, target=self.policy, leq_constraint=(pol_kl, self._step_size),
                                       inputs=[obs_var, action_var, adv_var])

        def _build_inputs(self):
            obs_var = tf.compat.v1.placeholder(tf.float32, name="obs")
            action_var = tf.compat.v1.placeholder(tf.float32, name="action")
            adv_var = tf.compat.v1.placeholder(tf.float32, name="adv")
            self.policy.build(obs_var)
            self._old_policy.build(obs_var)
            self._old_policy.model.parameters = self.policy.model.parameters
            return obs_var, action_var, adv_var

        def _build_policy_loss(self, obs_var, action_var, adv_var):
            kl = self._old_policy.distribution.kl_divergence(self.policy.distribution)
            pol_mean_kl = tf.reduce_mean(kl)
            lr = self.policy.distribution.likelihood_ratio(action_var, self._old_policy.distribution)
            loss = -tf.reduce_mean(lr * adv_var)
            return loss, pol_mean_kl

        def optimize_policy(self, samples):
            self._optimizer.optimize(samples)


    if __name__ == "__main__":
        from setup import make
        algo = NPO(*make())
        algo.init_opt()
        algo.optimize_policy([])
"""


def test_an_old_policy_sync_removed_before_a_loss_handed_to_the_optimizer_is_significant() -> None:
    cand = NPO.replace("            self._old_policy.model.parameters = self.policy.model.parameters\n", "")
    found = [(f.severity.value, f.title) for f in flow_findings({"npo.py": NPO}, {"npo.py": cand})]
    assert any(sev == "significant" and "loss path" in t and "NPO._build_inputs" in t for sev, t in found), found


def _sink(code: str) -> str | None:
    call = ast.parse(code).body[0].value  # type: ignore[attr-defined]
    return sink_of_call(call)


def test_which_calls_take_the_loss() -> None:
    assert _sink("self._optimizer.update_opt(loss=pol_loss, target=self.policy)") == "loss"
    assert _sink("self.optimizer.update_opt(policy_loss, target=self.policy)") == "loss"
    # a loss handed to a record of statistics, or an optimizer handed something else, trains nothing
    assert _sink("self.stats.update(loss=pol_loss)") is None
    assert _sink("self._optimizer.update_opt(f_loss, target=self.policy)") == "loss"
    assert _sink("self._optimizer.set_options(max_backtracks=10)") is None
    assert _sink("self._optimizer.optimize(inputs)") is None
