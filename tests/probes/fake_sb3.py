"""A small Stable-Baselines3-shaped package, generated into test repositories (SB3 is not a
dependency of this project): the same module paths, class names, method names and semantics the
built-in adapter relies on (`policy`, `policy.optimizer`, `lr_schedule`, `rollout_buffer` with
`compute_returns_and_advantage`, `learn`, `save`/`load`, `predict`, `n_steps`, `n_envs`), with a
real (tiny) PPO in torch and a toy environment of the project (no gymnasium needed).

`package(gae_bug=True)` plants SB3's classic off-by-one in the vendored buffer (bootstrapping from
`values[step]` instead of `values[step + 1]`)."""

from __future__ import annotations

BUFFERS = '''\
import numpy as np
import torch


class RolloutBuffer:
    def __init__(self, buffer_size, observation_space, action_space, device="cpu", gae_lambda=1.0, gamma=0.99, n_envs=1):
        self.buffer_size, self.n_envs, self.gamma, self.gae_lambda = buffer_size, n_envs, gamma, gae_lambda
        self.obs_shape = tuple(getattr(observation_space, "shape", (1,)))
        self.reset()

    def reset(self):
        shape = (self.buffer_size, self.n_envs)
        self.observations = np.zeros(shape + self.obs_shape, dtype=np.float32)
        self.actions, self.log_probs = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.float32)
        self.rewards, self.values = np.zeros(shape, dtype=np.float32), np.zeros(shape, dtype=np.float32)
        self.episode_starts, self.returns = np.zeros(shape, dtype=np.float32), np.zeros(shape, dtype=np.float32)
        self.advantages = np.zeros(shape, dtype=np.float32)
        self.pos = 0

    def add(self, obs, action, reward, episode_start, value, log_prob):
        self.observations[self.pos], self.actions[self.pos] = obs, action
        self.rewards[self.pos], self.episode_starts[self.pos] = reward, episode_start
        self.values[self.pos] = value.detach().cpu().numpy().flatten()
        self.log_probs[self.pos] = log_prob.detach().cpu().numpy()
        self.pos += 1

    def compute_returns_and_advantage(self, last_values, dones):
        last_values = last_values.clone().cpu().numpy().flatten()
        last_gae_lam = 0
        for step in reversed(range(self.buffer_size)):
            if step == self.buffer_size - 1:
                next_non_terminal = 1.0 - dones.astype(np.float32)
                next_values = last_values
            else:
                next_non_terminal = 1.0 - self.episode_starts[step + 1]
                next_values = self.values[NEXT_INDEX]
            delta = self.rewards[step] + self.gamma * next_values * next_non_terminal - self.values[step]
            last_gae_lam = delta + self.gamma * self.gae_lambda * next_non_terminal * last_gae_lam
            self.advantages[step] = last_gae_lam
        self.returns = self.advantages + self.values
'''
POLICIES = '''\
import torch
from torch import nn


class ActorCriticPolicy(nn.Module):
    def __init__(self, obs_dim, n_actions, lr_schedule, net_arch=(32, 32)):
        super().__init__()
        layers, last = [], obs_dim
        for width in net_arch:
            layers += [nn.Linear(last, width), nn.Tanh()]
            last = width
        self.mlp_extractor = nn.Sequential(*layers)
        self.action_net, self.value_net = nn.Linear(last, n_actions), nn.Linear(last, 1)
        self.optimizer = torch.optim.Adam(self.parameters(), lr=lr_schedule(1.0), eps=1e-5)

    @property
    def device(self):
        return next(self.parameters()).device

    def distribution(self, obs):
        return torch.distributions.Categorical(logits=self.action_net(self.mlp_extractor(obs)))

    def predict_values(self, obs):
        return self.value_net(self.mlp_extractor(obs.float()))

    def evaluate_actions(self, obs, actions):
        dist = self.distribution(obs)
        return self.predict_values(obs), dist.log_prob(actions), dist.entropy()
'''
BASE = '''\
import numpy as np
import torch

from stable_baselines3.common.policies import ActorCriticPolicy


def get_schedule_fn(value):
    return value if callable(value) else (lambda progress_remaining: float(value))


class _Spaces:
    def __init__(self, obs_dim, n_actions):
        self.observation_space = type("Box", (), {"shape": (obs_dim,)})()
        self.action_space = type("Discrete", (), {"n": n_actions, "shape": ()})()


class BaseAlgorithm:
    def __init__(self, policy, env, learning_rate, seed=None, device="auto", verbose=0, policy_kwargs=None):
        if isinstance(env, str):
            raise ValueError("this SB3 has no gymnasium: pass an environment object")
        self.env, self.n_envs, self.seed, self.verbose = env, 1, seed, verbose
        self.learning_rate, self.policy_kwargs = learning_rate, dict(policy_kwargs or {})
        self.device = torch.device("cpu" if device == "auto" else device)
        self.observation_space, self.action_space = env.observation_space, env.action_space
        self.num_timesteps, self._last_obs, self._last_episode_start = 0, None, None
        self._init = {"policy": policy, "learning_rate": learning_rate, "seed": seed, "policy_kwargs": self.policy_kwargs}

    def _setup_model(self):
        if self.seed is not None:
            torch.manual_seed(self.seed)
            np.random.seed(self.seed)
        self.lr_schedule = get_schedule_fn(self.learning_rate)
        obs_dim, n_actions = int(np.prod(self.observation_space.shape)), int(self.action_space.n)
        self.policy = ActorCriticPolicy(obs_dim, n_actions, self.lr_schedule, **self.policy_kwargs).to(self.device)

    def _update_learning_rate(self, progress_remaining):
        for group in self.policy.optimizer.param_groups:
            group["lr"] = self.lr_schedule(progress_remaining)

    def get_env(self):
        return self.env

    def predict(self, observation, deterministic=False):
        obs = torch.as_tensor(np.asarray(observation, dtype=np.float32), device=self.device)
        with torch.no_grad():
            dist = self.policy.distribution(obs)
            actions = dist.probs.argmax(-1) if deterministic else dist.sample()
        return actions.cpu().numpy(), None

    def save(self, path):
        torch.save({"init": self._init, "extra": self._extra, "obs_dim": int(np.prod(self.observation_space.shape)),
                    "n_actions": int(self.action_space.n), "state": self.policy.state_dict()}, path)

    @classmethod
    def load(cls, path, env=None, device="auto"):
        blob = torch.load(path, weights_only=False)
        init = dict(blob["init"])
        model = cls(init.pop("policy"), _Spaces(blob["obs_dim"], blob["n_actions"]), device=device, **init, **blob["extra"])
        model.policy.load_state_dict(blob["state"])
        return model
'''
ON_POLICY = '''\
import numpy as np
import torch

from stable_baselines3.common.base_class import BaseAlgorithm
from stable_baselines3.common.buffers import RolloutBuffer


class OnPolicyAlgorithm(BaseAlgorithm):
    def __init__(self, policy, env, learning_rate, n_steps, gamma, gae_lambda, **kwargs):
        super().__init__(policy, env, learning_rate, **kwargs)
        self.n_steps, self.gamma, self.gae_lambda = n_steps, gamma, gae_lambda

    def _setup_model(self):
        super()._setup_model()
        self.rollout_buffer = RolloutBuffer(self.n_steps, self.observation_space, self.action_space, self.device,
                                            gae_lambda=self.gae_lambda, gamma=self.gamma, n_envs=self.n_envs)

    def collect_rollouts(self):
        self.rollout_buffer.reset()
        for _ in range(self.n_steps):
            obs = torch.as_tensor(self._last_obs[None], device=self.device)
            with torch.no_grad():
                dist = self.policy.distribution(obs)
                action = dist.sample()
                value = self.policy.predict_values(obs)
            new_obs, reward, terminated, truncated, _ = self.env.step(int(action[0]))
            done = terminated or truncated
            self.rollout_buffer.add(self._last_obs[None], action.cpu().numpy(), reward, self._last_episode_start,
                                    value, dist.log_prob(action))
            self._last_obs = self.env.reset()[0] if done else new_obs
            self._last_episode_start = float(done)
            self.num_timesteps += 1
        with torch.no_grad():
            last = self.policy.predict_values(torch.as_tensor(self._last_obs[None], device=self.device))
        self.rollout_buffer.compute_returns_and_advantage(last_values=last, dones=np.array([self._last_episode_start]))

    def learn(self, total_timesteps, reset_num_timesteps=True):
        if reset_num_timesteps:
            self.num_timesteps = 0
        else:
            total_timesteps += self.num_timesteps
        if reset_num_timesteps or self._last_obs is None:
            self._last_obs, self._last_episode_start = self.env.reset(seed=self.seed)[0], 1.0
        while self.num_timesteps < total_timesteps:
            self.collect_rollouts()
            self._update_learning_rate(1.0 - self.num_timesteps / total_timesteps)
            self.train()
        return self
'''
PPO = '''\
import numpy as np
import torch

from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm


class PPO(OnPolicyAlgorithm):
    def __init__(self, policy, env, learning_rate=3e-4, n_steps=64, batch_size=32, n_epochs=2, gamma=0.99,
                 gae_lambda=0.95, clip_range=0.2, vf_coef=0.5, max_grad_norm=0.5, **kwargs):
        super().__init__(policy, env, learning_rate, n_steps, gamma, gae_lambda, **kwargs)
        self.batch_size, self.n_epochs, self.clip_range = batch_size, n_epochs, clip_range
        self.vf_coef, self.max_grad_norm = vf_coef, max_grad_norm
        self._extra = {"n_steps": n_steps, "batch_size": batch_size, "n_epochs": n_epochs, "gamma": gamma,
                       "gae_lambda": gae_lambda, "clip_range": clip_range}
        self._setup_model()

    def train(self):
        buf = self.rollout_buffer
        obs = torch.as_tensor(buf.observations.reshape(-1, *buf.obs_shape), device=self.device)
        actions = torch.as_tensor(buf.actions.reshape(-1), device=self.device)
        old_log_prob = torch.as_tensor(buf.log_probs.reshape(-1), device=self.device)
        advantages = torch.as_tensor(buf.advantages.reshape(-1), device=self.device)
        returns = torch.as_tensor(buf.returns.reshape(-1), device=self.device)
        size = obs.shape[0]
        for _ in range(self.n_epochs):
            order = np.random.permutation(size)
            for start in range(0, size, self.batch_size):
                idx = torch.as_tensor(order[start:start + self.batch_size])
                values, log_prob, entropy = self.policy.evaluate_actions(obs[idx], actions[idx])
                adv = (advantages[idx] - advantages[idx].mean()) / (advantages[idx].std() + 1e-8)
                ratio = torch.exp(log_prob - old_log_prob[idx])
                policy_loss = -torch.min(adv * ratio, adv * torch.clamp(ratio, 1 - self.clip_range, 1 + self.clip_range)).mean()
                value_loss = ((returns[idx] - values.flatten()) ** 2).mean()
                loss = policy_loss + self.vf_coef * value_loss - 0.0 * entropy.mean()
                self.policy.optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.policy.parameters(), self.max_grad_norm)
                self.policy.optimizer.step()
'''
TOY_ENV = '''\
import numpy as np


class _Box:
    shape = (2,)


class _Discrete:
    n, shape = 2, ()

    def __init__(self):
        self._rng = np.random.default_rng(0)

    def seed(self, seed=None):
        self._rng = np.random.default_rng(seed)

    def sample(self):
        return int(self._rng.integers(2))


class ToyEnv:
    """Reward +1 when the action matches the sign of the first feature; episodes of 8 steps."""

    def __init__(self, seed=0, scale=1.0):
        self.observation_space, self.action_space = _Box(), _Discrete()
        self._rng, self.scale, self._t = np.random.default_rng(seed), scale, 0

    def _obs(self):
        self._state = (self._rng.normal(size=2) * self.scale).astype(np.float32)
        return self._state

    def reset(self, seed=None, options=None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self._t = 0
        return self._obs(), {}

    def step(self, action):
        reward = 1.0 if (int(action) == 1) == (self._state[0] > 0) else 0.0
        self._t += 1
        return self._obs(), reward, False, self._t >= 8, {}
'''


def package(gae_bug: bool = False) -> dict[str, str]:
    """The files of the fake `stable_baselines3` package and the project's toy environment `envs.py`."""
    return {
        "stable_baselines3/__init__.py": "from stable_baselines3.ppo import PPO\n",
        "stable_baselines3/common/__init__.py": "",
        "stable_baselines3/common/buffers.py": BUFFERS.replace("NEXT_INDEX", "step" if gae_bug else "step + 1"),
        "stable_baselines3/common/policies.py": POLICIES,
        "stable_baselines3/common/base_class.py": BASE,
        "stable_baselines3/common/on_policy_algorithm.py": ON_POLICY,
        "stable_baselines3/ppo/__init__.py": "from stable_baselines3.ppo.ppo import PPO\n",
        "stable_baselines3/ppo/ppo.py": PPO,
        "envs.py": TOY_ENV,
    }


def train_script(**ppo_kwargs: object) -> str:
    """A training script in the usual SB3 shape: the algorithm built with a policy and an env, then `learn`."""
    args = "".join(f", {k}={v!r}" for k, v in ppo_kwargs.items())
    return f'''\
import argparse

from stable_baselines3 import PPO

from envs import ToyEnv


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    seed = parser.parse_args().seed
    env = ToyEnv(seed=3)
    model = PPO("MlpPolicy", env{args}, verbose=0)
    model.learn(total_timesteps=4096)
    model.save("ppo_toy.pt")


if __name__ == "__main__":
    main()
'''
