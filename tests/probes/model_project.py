"""A small generated PPO project (agent with orthogonal init, a clipped-loss update with gradient
clipping, checkpoint save/load) and its adapter, for the adapter probes' end-to-end tests; and a
runner for one baseline against several candidate commits (one checkout and run per commit).

Regressions are planted in the project's files (`agent.py`, `ppo.py`, `ckpt.py`), never in the
adapter, which is the same at every commit.
"""

from __future__ import annotations

from pathlib import Path

from investigator.models import Side
from investigator.probes.base import Probe
from investigator.probes.model import ProbeDecision, ProbeRun
from investigator.probes.runner import CheckoutCache, run_job
from tests.probes.helpers import ADAPTER, setup_for
from tests.support.gitrepo import make_repo

AGENT = '''\
import numpy as np
import torch
from torch import nn


def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim=8, act_dim=2, hidden=32):
        super().__init__()
        self.critic = nn.Sequential(
            layer_init(nn.Linear(obs_dim, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, 1), std=1.0),
        )
        self.actor_mean = nn.Sequential(
            layer_init(nn.Linear(obs_dim, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, hidden)), nn.Tanh(),
            layer_init(nn.Linear(hidden, act_dim), std=0.01),
        )
        self.actor_logstd = nn.Parameter(torch.zeros(1, act_dim))

    def value(self, x):
        return self.critic(x)

    def dist(self, x):
        mean = self.actor_mean(x)
        return torch.distributions.Normal(mean, self.actor_logstd.expand_as(mean).exp())
'''

PPO = '''\
import torch
from torch import nn

MAX_GRAD_NORM = 0.5
CLIP_COEF = 0.2


def update(agent, optimizer, batch, epochs=2, minibatches=4):
    obs, actions, logp_old, adv, returns = batch
    n = obs.shape[0]
    size = n // minibatches
    for _ in range(epochs):
        perm = torch.randperm(n)
        for start in range(0, n, size):
            idx = perm[start:start + size]
            dist = agent.dist(obs[idx])
            ratio = (dist.log_prob(actions[idx]).sum(-1) - logp_old[idx]).exp()
            pg_loss = torch.max(-adv[idx] * ratio, -adv[idx] * ratio.clamp(1 - CLIP_COEF, 1 + CLIP_COEF)).mean()
            v = agent.value(obs[idx]).squeeze(-1)
            v_loss = 0.5 * ((v - returns[idx]) ** 2).mean()
            loss = pg_loss + 0.5 * v_loss - 0.01 * dist.entropy().sum(-1).mean()
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), MAX_GRAD_NORM)
            optimizer.step()
'''

CKPT = '''\
import torch


def save(agent, path):
    torch.save({"model": agent.state_dict(), "version": 1}, path)


def load(agent, path):
    state = torch.load(path, map_location="cpu")
    agent.load_state_dict(state["model"])
'''

ADAPTER_SRC = '''\
import torch
from agent import Agent
from ckpt import load, save
from ppo import update


def make_agent(seed):
    torch.manual_seed(seed)
    return Agent()


def make_optimizer(agent):
    return torch.optim.Adam(agent.parameters(), lr=3e-4, eps=1e-5)


def update_step(agent, optimizer, seed):
    g = torch.Generator().manual_seed(seed)
    obs = torch.randn(256, 8, generator=g)
    actions = torch.randn(256, 2, generator=g)
    with torch.no_grad():
        logp_old = agent.dist(obs).log_prob(actions).sum(-1)
    adv, returns = torch.randn(256, generator=g), torch.randn(256, generator=g)
    update(agent, optimizer, (obs, actions, logp_old, adv, returns))


def save_checkpoint(agent, path):
    save(agent, path)


def load_checkpoint(agent, path):
    load(agent, path)
'''

BASELINE = {"agent.py": AGENT, "ppo.py": PPO, "ckpt.py": CKPT, ADAPTER: ADAPTER_SRC}


def edit(files: dict[str, str], path: str, old: str, new: str) -> dict[str, str]:
    """`files` with one replacement in `path` (which must contain `old`)."""
    assert old in files[path], old
    return {**files, path: files[path].replace(old, new)}


def run_candidates(probe: Probe, root: Path, candidates: list[dict[str, str]]) -> list[tuple[ProbeDecision, list[ProbeRun]]]:
    """The baseline project and each candidate (full file sets) as successive commits: the probe's
    jobs run once per commit through the real runner, each candidate decided against the baseline."""
    repo = root / "repo"
    shas = make_repo(repo, [("baseline", BASELINE), *((f"candidate {i}", files) for i, files in enumerate(candidates))])
    cache = CheckoutCache(root / "checkouts", repo / ".git")
    setup = setup_for(ADAPTER_SRC, ADAPTER_SRC)

    def runs(side: Side, sha: str, index: int) -> list[ProbeRun]:
        checkout = cache.checkout(sha)
        return [run_job(job, commit=sha, checkout=checkout, artifacts=root / f"artifacts-{index}", adapter=ADAPTER)
                for job in probe.jobs(setup, side)]

    base = runs("baseline", shas[0], 0)
    out = []
    for i, sha in enumerate(shas[1:], start=1):
        cand = runs("candidate", sha, i)
        out.append((probe.decide(base, cand, setup), [*base, *cand]))
    return out
