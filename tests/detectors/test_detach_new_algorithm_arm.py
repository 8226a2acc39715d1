"""A SAC update that gains a discrete-action (SAC-discrete) arm: no gradient cut is added or removed.

Real shape (pomdp-baselines 8d188955..c16ac3db, policies/models/policy_mlp.py:193 and policy_rnn.py:330): inside the
target's `with torch.no_grad():` a new `else:` arm computes `next_prob, next_log_prob` like the SAC arm's
`next_action, next_log_prob`, and `min_next_q_target = (next_prob * min_next_q_target).sum(-1)` reads only values of
that block; the temperature loss went from `-(log_alpha.exp() * (log_prob + target).detach()).mean()` to
`current = log_prob.mean().item(); -log_alpha.exp() * (current + target)`: the same cut (only `log_alpha` trains).
Both ranges were a critical "Gradient cut added on logprob(, returns)", two false criticals.

Negatives: an `.item()` added where the baseline's value carried the gradient, and a new arm that cuts a value no
other arm cuts, stay critical.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

SAC = """
import torch
import torch.nn.functional as F


class Agent:
    def __init__(self, policy, qf, qf_target, policy_optim, qf_optim, alpha_optim, log_alpha, algo="sac"):
        self.policy = policy
        self.qf = qf
        self.qf_target = qf_target
        self.policy_optim = policy_optim
        self.qf_optim = qf_optim
        self.alpha_optim = alpha_optim
        self.log_alpha = log_alpha
        self.algo = algo
        self.alpha = 0.2
        self.gamma = 0.99
        self.target_entropy = -1.0

    def act(self, obs):
        if self.algo == "td3":
            return self.policy(obs), None, None
        action, mean, log_prob = self.policy.sample(obs)
        return action, mean, log_prob

    def update(self, obs, action, reward, done, next_obs):
        with torch.no_grad():
            if self.algo == "td3":
                next_action, _, _ = self.act(next_obs)
            else:
                next_action, _, next_log_prob = self.act(next_obs)
            min_next_q_target = self.qf_target(next_obs, next_action)
            min_next_q_target += self.alpha * (-next_log_prob)
            q_target = reward + (1.0 - done) * self.gamma * min_next_q_target
        qf_loss = F.mse_loss(self.qf(obs, action), q_target)
        self.qf_optim.zero_grad()
        qf_loss.backward()
        self.qf_optim.step()

        new_action, _, log_prob = self.act(obs)
        policy_loss = (self.alpha * log_prob - self.qf(obs, new_action)).mean()
        self.policy_optim.zero_grad()
        policy_loss.backward()
        self.policy_optim.step()

ALPHA


def train(agent, batches):
    for batch in batches:
        agent.update(*batch)
"""

ALPHA_DETACH = """
        alpha_loss = -(self.log_alpha.exp() * (log_prob + self.target_entropy).detach()).mean()
        self.alpha_optim.zero_grad()
        alpha_loss.backward()
        self.alpha_optim.step()
"""

ALPHA_ITEM = """
        current_log_prob = log_prob.mean().item()
        alpha_loss = -self.log_alpha.exp() * (current_log_prob + self.target_entropy)
        self.alpha_optim.zero_grad()
        alpha_loss.backward()
        self.alpha_optim.step()
"""

ALPHA_LIVE = """
        alpha_loss = -(self.log_alpha.exp() * (log_prob + self.target_entropy)).mean()
        self.alpha_optim.zero_grad()
        alpha_loss.backward()
        self.alpha_optim.step()
"""

DISCRETE_ARM = (
    "            else:\n"
    "                next_action, _, next_log_prob = self.act(next_obs)\n",
    "            elif self.algo == \"sac\":\n"
    "                next_action, _, next_log_prob = self.act(next_obs)\n"
    "            else:\n"
    "                _, next_prob, next_log_prob = self.act(next_obs)\n",
)
EXPECTATION = (
    "            q_target = reward",
    "            if self.algo == \"sacd\":\n"
    "                min_next_q_target = (next_prob * min_next_q_target).sum(dim=-1, keepdim=True)\n"
    "            q_target = reward",
)


def _code(alpha: str, *edits: tuple[str, str]) -> str:
    text = SAC.replace("ALPHA", alpha.strip("\n"))
    for old, new in edits:
        assert old in text
        text = text.replace(old, new)
    return text


def _cuts(base: str, cand: str) -> list[str]:
    result = run_on({"agent.py": base}, {"agent.py": cand}, only={"detach_grad"})
    return [f"{f.severity.value} {f.title}" for f in result.findings]


def test_new_arm_mirroring_a_cut_and_item_for_detach_add_no_cut() -> None:
    """The pomdp-baselines policy_mlp.py shape: a new arm under the same `no_grad`, its expectation over the
    new arm's probabilities, and `.item()` in place of `.detach()` in the temperature loss."""
    base = _code(ALPHA_DETACH)
    cand = _code(ALPHA_ITEM, DISCRETE_ARM, EXPECTATION)
    assert _cuts(base, cand) == []


def test_new_arm_alone_adds_no_cut() -> None:
    """The policy_rnn.py shape: only the new arm (and its expectation), the `.item()` at both commits."""
    assert _cuts(_code(ALPHA_ITEM), _code(ALPHA_ITEM, DISCRETE_ARM, EXPECTATION)) == []


def test_item_for_detach_alone_adds_no_cut() -> None:
    assert _cuts(_code(ALPHA_DETACH), _code(ALPHA_ITEM)) == []


def test_item_added_on_a_value_that_carried_the_gradient_stays_critical() -> None:
    """Negative: the baseline's temperature loss differentiated the log-probs (no detach): `.item()` cuts them."""
    assert _cuts(_code(ALPHA_LIVE), _code(ALPHA_ITEM)) == ["critical Gradient cut added on loss"]


def test_inline_item_added_on_a_value_that_carried_the_gradient_stays_critical() -> None:
    cand = ALPHA_LIVE.replace("(log_prob + self.target_entropy)", "(log_prob.mean().item() + self.target_entropy)")
    assert _cuts(_code(ALPHA_LIVE), _code(cand)) == ["critical Gradient cut added on loss"]


def test_new_arm_cutting_a_value_no_other_arm_cuts_stays_critical() -> None:
    """Negative: the new arm computes the policy's own log-probs under `no_grad`, a name no sibling arm cuts, and
    the policy loss reads them."""
    arm = (
        "        new_action, _, log_prob = self.act(obs)\n",
        "        if self.algo == \"sac\":\n"
        "            new_action, _, log_prob = self.act(obs)\n"
        "        else:\n"
        "            with torch.no_grad():\n"
        "                new_action, _, frozen_log_prob = self.act(obs)\n"
        "            log_prob = frozen_log_prob\n",
    )
    assert _cuts(_code(ALPHA_DETACH), _code(ALPHA_DETACH, arm)) == ["critical Gradient cut added on logprob"]


def test_new_arm_assigning_the_module_output_directly_adds_no_cut() -> None:
    """The policy_rnn.py shape: the arms call the actor module (not an inlined method)."""
    arm = (
        "            else:\n"
        "                next_action, _, next_log_prob = self.act(next_obs)\n",
        "            elif self.algo == \"sac\":\n"
        "                next_action, next_log_prob = self.policy.sample(next_obs)\n"
        "            else:\n"
        "                next_prob, next_log_prob = self.policy.probs(next_obs)\n",
    )
    base_arm = (arm[0], "            else:\n                next_action, next_log_prob = self.policy.sample(next_obs)\n")
    assert _cuts(_code(ALPHA_ITEM, base_arm), _code(ALPHA_ITEM, arm, EXPECTATION)) == []


def test_a_host_number_for_running_statistics_is_no_cut() -> None:
    """Negative of the `.item()` rule: a metrics tracker (no `backward()`) that now reads the loss as a host float.
    Real shape: EasyDeL f37071fb..090a03b2 easydel/trainers/metrics.py:373, `loss_value =
    float(np.asarray(loss).item())` in `MetricsTracker.update`."""
    tracker = '''
import numpy as np


class MetricsTracker:
    def __init__(self):
        self.loss_sum = None
        self.loss_count = 0

    def update(self, loss):
        LOSS
        self.loss_sum = loss_value if self.loss_sum is None else self.loss_sum + loss_value
        self.loss_count += 1
        mean_loss = self.loss_sum / max(self.loss_count, 1)
        return float(mean_loss)


def train(model, optimizer, batches):
    tracker = MetricsTracker()
    for batch in batches:
        loss = model(batch).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        tracker.update(loss)
'''
    base = tracker.replace("LOSS", "loss_value = loss")
    cand = tracker.replace("LOSS", "loss_value = float(np.asarray(loss).item())")
    assert _cuts(base, cand) == []
