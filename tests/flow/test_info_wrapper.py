"""A wrapper that changes only the info dictionary it returns is no change of the environment path.

Real shape (PufferLib 9aa817f7..d4d17e69): `env = pufferlib.postprocess.EpisodeStats(env)` added to the
MiniGrid factory, where `EpisodeStats(gymnasium.Wrapper)` unpacks `super().step(action)`, sums rewards
and lengths into its own `info` at the end of an episode, returns the other values as they came, and
resets through `self.env.reset(seed=seed)`: "Behavioural change in the environment path: `make`".
Negatives: the same wrapper scaling the reward, and one changing the observation `reset` returns."""

from __future__ import annotations

from investigator.models import Finding
from tests.flow.support import flow_findings

FACTORY = """
    import gymnasium as gym
    import pkg.postprocess


    def make(name):
        env = gym.make(name)
        WRAP
        return env


    def train(policy, optimizer, steps):
        env = make("CartPole-v1")
        obs, info = env.reset(seed=0)
        for _ in range(steps):
            action = policy(obs)
            obs, reward, terminated, truncated, info = env.step(action)
            loss = -(policy.log_prob(obs, action) * reward).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""

STATS = """
    import gymnasium


    class EpisodeStats(gymnasium.Wrapper):
        '''Episode returns and lengths in infos.'''
        def __init__(self, env):
            self.env = env
            self.observation_space = env.observation_space
            self.action_space = env.action_space
            self.reset()

        def reset(self, seed=None):
            self.info = dict(episode_return=[], episode_length=0)
            RESET

        def step(self, action):
            observation, reward, terminated, truncated, info = super().step(action)
            SCALE
            self.info['episode_return'].append(reward)
            self.info['episode_length'] += 1
            info = {}
            if terminated or truncated:
                for k, v in self.info.items():
                    info[k] = sum(v)
            return observation, reward, terminated, truncated, info
"""


def _findings(scale: str = "pass", reset: str = "return self.env.reset(seed=seed)") -> list[Finding]:
    wrapper = STATS.replace("SCALE", scale).replace("RESET", reset)
    return flow_findings(
        {"train.py": FACTORY.replace("WRAP", "pass"), "pkg/__init__.py": "", "pkg/postprocess.py": wrapper},
        {"train.py": FACTORY.replace("WRAP", "env = pkg.postprocess.EpisodeStats(env)"), "pkg/__init__.py": "",
         "pkg/postprocess.py": wrapper})


def test_a_wrapper_changing_only_infos_is_no_change() -> None:
    assert _findings() == []


def test_the_same_wrapper_scaling_the_reward_is_a_change() -> None:
    assert _findings(scale="reward = reward * 0.1")


def test_a_wrapper_changing_what_reset_returns_is_a_change() -> None:
    assert _findings(reset="obs, info = self.env.reset(seed=seed)\n            return obs * 2, info")
