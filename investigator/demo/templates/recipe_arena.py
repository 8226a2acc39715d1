"""The default arena recipe: builds the configuration the training command uses."""

from rlproj.config import TrainConfig


def train_config() -> TrainConfig:
    cfg = TrainConfig()
    cfg.env.rewards.goal = 1.0
    cfg.env.max_steps = 48
    cfg.trainer.checkpoint_interval = 5
    return cfg
