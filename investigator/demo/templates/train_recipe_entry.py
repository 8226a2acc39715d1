"""Train a PPO agent on GridArena: python train.py [--seed N] [--total-timesteps N] [--logdir DIR]."""

import argparse
from dataclasses import asdict

import torch
from recipes.arena import train_config
from rlproj.train_loop import train


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--total-timesteps", type=int, default=None)
    parser.add_argument("--logdir", default=None)
    args = parser.parse_args()
    cfg = train_config()
    if args.total_timesteps:
        cfg.trainer.total_timesteps = args.total_timesteps
    torch.set_num_threads(cfg.trainer.rollout_workers)
    train(asdict(cfg.env), asdict(cfg.trainer), args.seed or cfg.seed, args.logdir or cfg.logdir)


if __name__ == "__main__":
    main()
