"""Training configuration as Python classes (replaces configs/*.yaml)."""

from dataclasses import dataclass, field


@dataclass
class RewardConfig:
    goal: float = 1.0
    gem: float = 0.0
    step_penalty: float = -0.01


@dataclass
class EnvConfig:
    size: int = 7
    max_steps: int = 48
    rewards: RewardConfig = field(default_factory=RewardConfig)


@dataclass
class TrainerConfig:
    lr: float = 0.00025
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_coef: float = 0.2
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    num_envs: int = 8
    rollout_workers: int = 2
    num_steps: int = 64
    num_minibatches: int = 4
    update_epochs: int = 4
    hidden_size: int = 64
    total_timesteps: int = 200000
    log_interval: int = 2
    checkpoint_interval: int = 50


@dataclass
class TrainConfig:
    env: EnvConfig = field(default_factory=EnvConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    seed: int = 1
    logdir: str = "runs/default"
