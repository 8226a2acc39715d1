"""A retune of the optimisation in a config file picked at run time ranks above anonymous flow findings of
the sampling, environment and architecture paths, and below a change of the loss.

Real shape (precision_holdout8, mbrl-lib v0.1.4..v0.1.5): `overrides/pets_halfcheetah.yaml` retuned PETS'
`model_lr` 2e-4 -> 2.8e-4, `model_wd`, `num_epochs_train_model` and `patience` 25 -> 12. Each was significant at
confidence 0.70 (0.85 for an exact key less the run-time-file penalty) and ranked #8-11, below anonymous
"Behavioural change in the <X> path" findings (0.71-0.74) of a `model_state` refactor that changed no value.
Which runs use a run-time-chosen file is uncertain; that their learning rate changed is not. Negatives: a
one-hunk change of the loss still ranks first; a key with no training role, a key of the environment's
composition and a training key only added keep the run-time penalty.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.flow.analyzer import MAX_HOPS, PATHS, SIGNAL_PLACES, _place_confidence
from investigator.models import Finding
from investigator.ranking import rank_findings
from tests.config.conftest import analyse
from tests.flow.support import flow_findings
from tests.support.gitrepo import commit_files

TRAIN = '''
import argparse

import yaml

from agent import Agent


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--overrides", type=str, default="halfcheetah")
    args = parser.parse_args()
    with open(f"conf/overrides/{args.overrides}.yaml") as f:
        cfg = yaml.safe_load(f)
    agent = Agent(cfg)
    for step in range(cfg["num_steps"]):
        agent.update(step)


if __name__ == "__main__":
    main()
'''
AGENT = '''
import numpy as np
import torch


class Buffer:
    def __init__(self, size):
        self.size = size
        self.obs = np.zeros((size, 4), dtype=np.float32)

    def sample(self, batch_size):
        idx = np.random.randint(0, self.size, size=batch_size)
        return self.obs[idx]


class Agent:
    def __init__(self, cfg):
        self.net = torch.nn.Linear(4, 2)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=cfg["model_lr"])
        self.buffer = Buffer(cfg["buffer_size"])
        self.render = cfg["render_video"]
        self.envs = cfg["num_envs"]

    def update(self, step):
        x = torch.as_tensor(self.buffer.sample(32))
        loss = self.net(x).pow(2).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
'''
# plumbing: the same bound read another way (the buffer's length is its size)
PLUMBING = AGENT.replace("np.random.randint(0, self.size, size=batch_size)",
                         "np.random.randint(0, len(self.obs), size=batch_size)")
# a one-hunk change of the loss: a sum instead of a mean
LOSS = PLUMBING.replace("loss = self.net(x).pow(2).mean()", "loss = self.net(x).pow(2).sum()")
OVERRIDE = "num_steps: 100\nbuffer_size: 1000\nmodel_lr: {lr}\nrender_video: {render}\nnum_envs: {envs}\n"


def _files(agent: str, lr: str = "2.0e-4", render: str = "false", envs: str = "8", extra: str = "") -> dict[str, str]:
    return {"train.py": TRAIN, "agent.py": agent,
            "conf/overrides/halfcheetah.yaml": OVERRIDE.format(lr=lr, render=render, envs=envs) + extra,
            "conf/overrides/hopper.yaml": OVERRIDE.format(lr="2.0e-4", render="false", envs="8")}


def _ranked(tmp_path: Path, base: dict[str, str], cand: dict[str, str]) -> list[Finding]:
    """The configuration and flow findings of one range, ranked together as the engine ranks them."""
    repo = tmp_path / "repo"
    b = commit_files(repo, {k: textwrap.dedent(v).lstrip("\n") for k, v in base.items()}, "baseline")
    c = commit_files(repo, {k: textwrap.dedent(v).lstrip("\n") for k, v in cand.items()}, "candidate")
    config = analyse(repo, b, c, tmp_path / "out").findings
    flow = flow_findings(*({k: v for k, v in side.items() if k.endswith(".py")} for side in (base, cand)))
    assert any(f.source == "behavioural_change" and f.severity.value == "significant" for f in flow), flow
    return rank_findings([*config, *flow])


def _shown(ranked: list[Finding]) -> list[tuple[str, str, float]]:
    return [(f.title, f.severity.value, f.confidence) for f in ranked]


def test_the_retune_confidence_sits_between_the_flow_places() -> None:
    from investigator.config.findings import RUNTIME_RETUNE_CONFIDENCE

    assert _place_confidence(0.7, "optimizer", MAX_HOPS) == RUNTIME_RETUNE_CONFIDENCE
    outer = [p for p in PATHS if p not in SIGNAL_PLACES and p not in ("optimizer", "schedule")]
    assert all(_place_confidence(0.7, p, 0) < RUNTIME_RETUNE_CONFIDENCE for p in outer)
    assert all(_place_confidence(0.7, p, MAX_HOPS) > RUNTIME_RETUNE_CONFIDENCE for p in SIGNAL_PLACES)


def test_a_run_time_file_retune_ranks_above_plumbing_of_the_sampling_path(tmp_path: Path) -> None:
    ranked = _ranked(tmp_path, _files(AGENT), _files(PLUMBING, lr="2.8e-4"))
    assert "model_lr" in ranked[0].title and ranked[0].severity.value == "significant", _shown(ranked)
    assert ranked[1].source == "behavioural_change" and "sampling path" in ranked[1].title, _shown(ranked)


def test_a_one_hunk_loss_change_still_ranks_first(tmp_path: Path) -> None:
    ranked = _ranked(tmp_path, _files(AGENT), _files(LOSS, lr="2.8e-4"))
    assert "loss path" in ranked[0].title, _shown(ranked)
    assert "model_lr" in ranked[1].title, _shown(ranked)


def test_a_key_without_a_training_role_keeps_the_run_time_penalty(tmp_path: Path) -> None:
    ranked = _ranked(tmp_path, _files(AGENT), _files(PLUMBING, render="true"))
    assert ranked[0].source == "behavioural_change", _shown(ranked)
    assert [f.severity.value for f in ranked if "render_video" in f.title] == ["low"], _shown(ranked)


def test_a_key_of_the_environment_keeps_the_run_time_penalty(tmp_path: Path) -> None:
    ranked = _ranked(tmp_path, _files(AGENT), _files(PLUMBING, envs="16"))
    assert ranked[0].source == "behavioural_change", _shown(ranked)
    envs = [f for f in ranked if "num_envs" in f.title]
    assert envs and envs[0].confidence == 0.7, _shown(ranked)


def test_a_training_key_only_added_keeps_the_run_time_penalty(tmp_path: Path) -> None:
    ranked = _ranked(tmp_path, _files(AGENT), _files(PLUMBING, extra="batch_size: 512\n"))
    assert ranked[0].source == "behavioural_change", _shown(ranked)
    added = [f for f in ranked if "batch_size" in f.title]
    assert added and all(f.confidence < ranked[0].confidence for f in added), _shown(ranked)
