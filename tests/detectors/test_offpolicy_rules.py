"""Off-policy (DQN / SAC / TD3) and PPO-ratio detectors: positive and negative cases per family."""

from __future__ import annotations

import pytest

from tests.detectors.helpers import run_on
from tests.detectors.offpolicy_sources import DQN, PPO_LOSS, SAC_ACTOR, SAC_TARGET, STORE, edit

POLYAK = "target_param.data.copy_(args.tau * param.data + (1.0 - args.tau) * target_param.data)"


def titles(base: dict[str, str], cand: dict[str, str], detector: str) -> list[str]:
    result = run_on(base, cand, only={detector})
    assert not result.failures
    return [f"{f.severity.value} {f.title}" for f in result.findings if f.source.endswith("." + detector)]


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (POLYAK, "target_param.data.copy_(args.tau * target_param.data + (1.0 - args.tau) * param.data)",
         "critical Target-network update weights changed"),
        ("            for target_param, param in zip(target_network.parameters(), q_network.parameters()):\n"
         "                " + POLYAK + "\n", "            pass\n", "critical Target-network update removed"),
        ("target_max, _ = target_network(data.next_observations).max(dim=1)",
         "target_max = target_network(data.next_observations).argmax(dim=1)", "`max` -> `argmax`"),
        ("target_max, _ = target_network(data.next_observations).max(dim=1)",
         "target_max, _ = q_network(data.next_observations).max(dim=1)", "online network instead of the target"),
    ],
)
def test_dqn_target_network_bugs(old: str, new: str, fragment: str) -> None:
    found = titles({"d.py": DQN}, {"d.py": edit(DQN, old, new)}, "target_network")
    assert any(fragment in t for t in found), found


@pytest.mark.parametrize(
    "new",
    [
        "target_param.data.lerp_(param.data, args.tau)",
        "target_param.data.mul_(1.0 - args.tau).add_(args.tau * param.data)",
        "target_param.data.copy_((1.0 - args.tau) * target_param.data + args.tau * param.data)",
    ],
)
def test_equivalent_polyak_spellings_are_silent(new: str) -> None:
    assert titles({"d.py": DQN}, {"d.py": edit(DQN, POLYAK, new)}, "target_network") == []


def test_dqn_renamed_networks_are_silent() -> None:
    cand = DQN.replace("q_network", "qnet").replace("target_network", "target_qnet").replace("target_max", "next_max")
    assert titles({"d.py": DQN}, {"d.py": cand}, "target_network") == []


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("torch.min(qf1_next_target, qf2_next_target)", "torch.max(qf1_next_target, qf2_next_target)", "`min` -> `max`"),
        ("- alpha * next_state_log_pi", "+ alpha * next_state_log_pi", "entropy term in the soft TD target flipped"),
        ("qf2_next_target = qf2_target(", "qf2_next_target = qf2(", "online network"),
        ("min_qf_next_target = torch.min(qf1_next_target, qf2_next_target) - alpha * next_state_log_pi",
         "min_qf_next_target = (qf1_next_target + qf2_next_target) / 2 - alpha * next_state_log_pi", "reduction removed"),
    ],
)
def test_sac_bootstrap_bugs(old: str, new: str, fragment: str) -> None:
    base = {"s.py": SAC_TARGET}
    cand = {"s.py": edit(SAC_TARGET, old, new).replace("qf2_target, data", "qf2_target, qf2, data")}
    base["s.py"] = base["s.py"].replace("qf2_target, data", "qf2_target, qf2, data")
    found = titles(base, cand, "target_network")
    assert any(fragment in t for t in found), found


def test_sac_reordered_twin_critics_are_silent() -> None:
    a = "        qf1_next_target = qf1_target(data.next_observations, next_state_actions)\n"
    b = "        qf2_next_target = qf2_target(data.next_observations, next_state_actions)\n"
    cand = edit(SAC_TARGET, a + b, b + a)
    assert titles({"s.py": SAC_TARGET}, {"s.py": cand}, "target_network") == []


def test_ppo_policy_rollout_is_not_a_td_target() -> None:
    cand = edit(PPO_LOSS, "torch.max(pg_loss1, pg_loss2)", "torch.min(pg_loss1, pg_loss2)")
    assert titles({"l.py": PPO_LOSS}, {"l.py": cand}, "target_network") == []
    assert any("max -> min" in t for t in titles({"l.py": PPO_LOSS}, {"l.py": cand}, "policy_ratio"))


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("target_entropy = -torch.prod(", "target_entropy = torch.prod(", "Target entropy sign changed"),
        ("        action = y_t * self.action_scale + self.action_bias\n", "        action = y_t\n",
         "significant Action rescaling to the environment bounds removed"),
    ],
)
def test_squashed_policy_bugs(old: str, new: str, fragment: str) -> None:
    found = titles({"a.py": SAC_ACTOR}, {"a.py": edit(SAC_ACTOR, old, new)}, "squashed_policy")
    assert any(fragment in t for t in found), found


def test_removed_correction_is_not_also_reported_as_rescaling() -> None:
    cand = edit(SAC_ACTOR, "        log_prob -= torch.log(self.action_scale * (1 - y_t.pow(2)) + 1e-6)\n", "")
    found = titles({"a.py": SAC_ACTOR}, {"a.py": cand}, "squashed_policy")
    assert len(found) == 1 and "correction removed" in found[0], found


def test_softplus_form_of_the_correction_is_equivalent() -> None:
    cand = edit(SAC_ACTOR, "        log_prob -= torch.log(self.action_scale * (1 - y_t.pow(2)) + 1e-6)\n",
                "        log_prob -= 2 * (math.log(2) - x_t - F.softplus(-2 * x_t))\n")
    assert titles({"a.py": SAC_ACTOR}, {"a.py": cand}, "squashed_policy") == []


def test_replay_store_truncations_in_done_flag() -> None:
    cand = edit(STORE, "actions, rewards, terminations, infos)", "actions, rewards, np.logical_or(terminations, truncations), infos)")
    found = titles({"c.py": STORE}, {"c.py": cand}, "replay_store")
    assert found and found[0].startswith("significant") and "includes truncations" in found[0], found


def test_replay_store_renamed_fields_are_silent() -> None:
    cand = STORE.replace("real_next_obs", "final_next_obs").replace("obs,", "observation,").replace("(obs", "(observation")
    cand = cand.replace("def collect(envs, rb, observation, actions)", "def collect(envs, rb, observation, actions)")
    assert titles({"c.py": STORE}, {"c.py": cand}, "replay_store") == []


def test_norm_wrapper_options_changed() -> None:
    env = """
import gymnasium as gym
import numpy as np


def make_env(env_id, gamma):
    env = gym.make(env_id)
    env = gym.wrappers.NormalizeReward(env, gamma=gamma)
    env = gym.wrappers.TransformObservation(env, lambda obs: np.clip(obs, -10, 10))
    return env
"""
    cand = edit(env, "np.clip(obs, -10, 10)", "np.clip(obs, -5, 5)")
    found = titles({"e.py": env}, {"e.py": cand}, "norm_wrappers")
    assert any("options changed: `TransformObservation`" in t for t in found), found
    same = edit(env, "gym.wrappers.NormalizeReward(env, gamma=gamma)", "gym.wrappers.NormalizeReward(env=env, gamma=gamma)")
    assert titles({"e.py": env}, {"e.py": same}, "norm_wrappers") == []


def test_extracted_target_helper_is_not_an_extra_assignment() -> None:
    base = """
import torch


def train(critic, critic_target, batch, gamma):
    state, action, next_state, reward, not_done = batch
    with torch.no_grad():
        target_q = critic_target(next_state)
        target_q = reward + not_done * gamma * target_q
    loss = ((critic(state) - target_q) ** 2).mean()
    loss.backward()
"""
    cand = """
import torch


@torch.no_grad()
def compute_target(critic_target, next_state, reward, not_done, gamma):
    target_q = critic_target(next_state)
    return reward + not_done * gamma * target_q


def train(critic, critic_target, batch, gamma):
    state, action, next_state, reward, not_done = batch
    target_q = compute_target(critic_target, next_state, reward, not_done, gamma)
    loss = ((critic(state) - target_q) ** 2).mean()
    loss.backward()
"""
    for detector in ("returns_target", "detach_grad"):
        assert titles({"t.py": base}, {"t.py": cand}, detector) == [], detector


SQUASH_TWO_LINES = """
import torch


class Policy(torch.nn.Module):
    def forward(self, obs):
        mu, sigma = self.actor(obs)
        dist = torch.distributions.Normal(mu, sigma)
        act = dist.rsample()
        log_prob = dist.log_prob(act).sum(-1, keepdim=True)
{scale}        squashed_action = torch.tanh(act)
        log_prob = log_prob - torch.log(
            {factor}(1 - squashed_action.pow(2)) + self.eps
        ).sum(-1, keepdim=True)
        return squashed_action, log_prob
"""
SCALE = ("        low, high = self.action_space.low, self.action_space.high\n"
         "        action_scale = torch.as_tensor((high - low) / 2.0)\n")


def test_a_scale_put_into_the_correction_is_named_as_such_not_as_action_rescaling() -> None:
    # tianshou (held-out sac-logprob-scale): the correction spans three lines and its factor sat on the
    # second, which read as "Action rescaling to the environment bounds added"
    base = SQUASH_TWO_LINES.format(scale="", factor="")
    cand = SQUASH_TWO_LINES.format(scale=SCALE, factor="action_scale * ")
    found = titles({"p.py": base}, {"p.py": cand}, "squashed_policy")
    assert found == ["significant Tanh-squashing log-prob correction changed: now scaled by `action_scale`"], found
    back = titles({"p.py": cand}, {"p.py": base}, "squashed_policy")
    assert back == ["significant Tanh-squashing log-prob correction changed: scale `action_scale` dropped"], back


def test_the_same_scaled_correction_on_both_sides_is_silent() -> None:
    cand = SQUASH_TWO_LINES.format(scale=SCALE, factor="action_scale * ")
    moved = cand.replace("        squashed_action = torch.tanh(act)\n", "").replace(
        "        log_prob = dist.log_prob", "        squashed_action = torch.tanh(act)\n        log_prob = dist.log_prob")
    assert titles({"p.py": cand}, {"p.py": moved}, "squashed_policy") == []
