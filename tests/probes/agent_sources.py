"""A small project with an agent, its seeding helper and its update, plus its adapter (shared by
the dtype/device audit and determinism tests)."""

from __future__ import annotations

AGENT = '''\
import random

import numpy as np
import torch


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class Agent(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))
        self.register_buffer("obs_mean", torch.zeros(4))

    def forward(self, x):
        return self.net(x - self.obs_mean)


def build_agent(seed):
    seed_everything(seed)
    return Agent()


def update(agent, optimizer, seed):
    obs = torch.randn(32, 4)
    loss = agent(obs).float().pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return {"loss": float(loss)}
'''
ADAPTER_SRC = '''\
import torch
from rlproj.agent import build_agent, update


def make_agent(seed):
    return build_agent(seed)


def make_optimizer(agent):
    return torch.optim.Adam(agent.parameters(), lr=1e-3)


def update_step(agent, optimizer, seed):
    return update(agent, optimizer, seed)
'''
