"""Train a PPO agent on GridArena: python train.py [--seed N] [--total-timesteps N] [--logdir DIR]."""

import argparse

import torch
from rlproj.config_loader import load_config
from rlproj.train_loop import train


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="configs/train.yaml")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--total-timesteps", type=int, default=None)
    parser.add_argument("--logdir", default=None)
    args = parser.parse_args()
    cfg = load_config(args.config)
    trainer_cfg = dict(cfg["trainer"])
    if args.total_timesteps:
        trainer_cfg["total_timesteps"] = args.total_timesteps
    torch.set_num_threads(trainer_cfg["num_workers"])
    train(cfg["env"], trainer_cfg, args.seed or cfg["seed"], args.logdir or cfg["logdir"])


if __name__ == "__main__":
    main()
