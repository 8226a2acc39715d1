"""Probe adapter for the gridarena-ppo demo (written by `investigate demo --probes`; docs/probes.md).

It uses only the project's own code at whichever commit the probe runs in: the agent, the GAE and
PPO update functions, the environment, and the configuration (Python recipes at newer commits, the
YAML files at older ones).
"""

from dataclasses import asdict

import torch

from rlproj.env import GridArena
from rlproj.model import Agent
from rlproj.ppo import compute_gae, ppo_update


def _config():
    """(env config, trainer config) as dicts, from the recipe or, at older commits, the YAML files."""
    try:
        from recipes.arena import train_config
    except ImportError:
        from rlproj.config_loader import load_config

        cfg = load_config("configs/train.yaml")
        return dict(cfg["env"]), dict(cfg["trainer"])
    cfg = train_config()
    return asdict(cfg.env), asdict(cfg.trainer)


class _Actions:
    """The action space probes sample from (GridArena itself has none): one action per environment."""

    def __init__(self, num_actions, num_envs):
        self.n, self.num_envs = num_actions, num_envs
        self._generator = torch.Generator()

    def seed(self, seed):
        self._generator.manual_seed(seed)

    def sample(self):
        return torch.randint(0, self.n, (self.num_envs,), generator=self._generator)


def make_env(seed):
    env_cfg, trainer_cfg = _config()
    env = GridArena(trainer_cfg["num_envs"], env_cfg["size"], env_cfg["max_steps"], env_cfg["rewards"], seed=seed)
    env.action_space = _Actions(env.num_actions, env.num_envs)
    return env


def make_agent(seed):
    torch.manual_seed(seed)
    env = make_env(seed)
    return Agent(env.obs_dim, env.num_actions, _config()[1]["hidden_size"])


def make_optimizer(agent):
    # as rlproj/train_loop.py builds it: Adam at the configured rate, no scheduler
    return torch.optim.Adam(agent.parameters(), lr=_config()[1]["lr"], eps=1e-5)


def compute_advantages(rewards, values, dones, next_value, next_done, gamma, gae_lambda):
    as_tensor = lambda x: torch.as_tensor(x, dtype=torch.float32)  # noqa: E731
    return compute_gae(as_tensor(rewards), as_tensor(values), as_tensor(dones), as_tensor(next_value),
                       as_tensor(next_done), gamma, gae_lambda)


def save_checkpoint(agent, path):
    torch.save(agent.state_dict(), path)


def load_checkpoint(agent, path):
    agent.load_state_dict(torch.load(path))


def update_step(agent, optimizer, seed):
    """One call of the project's PPO update on a synthetic batch drawn from `seed`, with advantages
    and returns large enough that a gradient clip (if the commit has one) caps the norm."""
    _, trainer_cfg = _config()
    generator = torch.Generator().manual_seed(seed)
    env = make_env(seed)
    n = trainer_cfg["num_envs"] * trainer_cfg["num_steps"]
    obs = torch.zeros(n, env.obs_dim)
    obs[torch.arange(n), torch.randint(0, env.obs_dim, (n,), generator=generator)] = 1.0
    actions = torch.randint(0, env.num_actions, (n,), generator=generator)
    with torch.no_grad():
        _, logprobs, _, values = agent.get_action_and_value(obs, actions)
    advantages = 100.0 * torch.randn(n, generator=generator)
    returns = 100.0 * torch.randn(n, generator=generator)
    cfg = dict(trainer_cfg, update_epochs=1, num_minibatches=1)  # one optimizer step
    return ppo_update(agent, optimizer, (obs, actions, logprobs, advantages, returns, values.flatten()), cfg)
