"""Generated configuration-migration repositories for tests and benchmarks (git CLI, two commits).

`make_migration_repo` writes a small training project whose baseline composes its configuration
with Hydra YAML and whose candidate moved it into pydantic classes and a recipe function, changing
some values and keeping others. `make_large_repo` scales the same layout up for the benchmark.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.gitrepo import make_repo

BASELINE_FILES: dict[str, str | None] = {
    "train.py": '''import hydra

from project.env import make_env
from project.trainer import Trainer


@hydra.main(version_base=None, config_path="configs", config_name="train")
def main(cfg):
    env = make_env(cfg.env)
    trainer = Trainer(cfg.trainer, env, total_steps=cfg.total_steps, seed=cfg.seed)
    trainer.train()


if __name__ == "__main__":
    main()
''',
    "configs/train.yaml": '''defaults:
  - trainer: ppo
  - env: arena
  - scheduler: cosine
  - _self_

seed: 1
total_steps: 1000000
run_name: arena-${trainer.lr}
''',
    "configs/trainer/ppo.yaml": '''lr: 3.0e-4
gamma: 0.99
gae_lambda: 0.95
clip_coef: 0.2
ent_coef: 0.01
batch_size: 2048
update_epochs: 4
checkpoint_interval: 50
max_grad_norm: null
num_workers: 8
''',
    "configs/env/arena.yaml": '''num_envs: 64
rewards:
  trophy: 1.0
  gem: 0.2
  crystal: 0.7
''',
    "configs/scheduler/cosine.yaml": '''_target_: project.schedules.Cosine
warmup_steps: 1000
min_lr: 1.0e-5
''',
    "project/__init__.py": "",
    "project/schedules.py": '''import math


class Cosine:
    def __init__(self, warmup_steps, min_lr):
        self.warmup_steps = warmup_steps
        self.min_lr = min_lr

    def __call__(self, step):
        return self.min_lr + 0.5 * (1 + math.cos(step / self.warmup_steps))
''',
    "project/env.py": '''def make_env(cfg):
    weights = {name: w for name, w in cfg.rewards.items()}
    return {"n": cfg.num_envs, "weights": weights}
''',
    "project/trainer.py": '''class Trainer:
    def __init__(self, cfg, env, total_steps, seed):
        self.cfg = cfg
        self.env = env
        self.total_steps = total_steps
        self.seed = seed

    def train(self):
        cfg = self.cfg
        opt = dict(lr=cfg.lr, gamma=cfg.gamma, lam=cfg.gae_lambda, clip=cfg.clip_coef)
        ent = cfg.ent_coef
        workers = cfg.num_workers
        for update in range(self.total_steps // cfg.batch_size):
            for _ in range(cfg.update_epochs):
                pass
            if cfg.max_grad_norm is not None:
                pass
            if update % cfg.checkpoint_interval == 0:
                pass
        return opt, ent, workers
''',
}

CANDIDATE_FILES: dict[str, str | None] = {
    "train.py": None,
    "configs/train.yaml": None,
    "configs/trainer/ppo.yaml": None,
    "configs/env/arena.yaml": None,
    "configs/scheduler/cosine.yaml": None,
    "project/schedules.py": None,
    "tools/__init__.py": "",
    "tools/run.py": '''import argparse
import importlib


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipe", default="experiments.arena.train")
    args = parser.parse_args()
    module, _, function = args.recipe.rpartition(".")
    getattr(importlib.import_module(module), function)()


if __name__ == "__main__":
    main()
''',
    "experiments/__init__.py": "",
    "experiments/arena.py": '''from project.config import TrainConfig
from project.env import make_env
from project.trainer import Trainer


def train():
    cfg = TrainConfig()
    cfg.trainer.checkpoint_interval = 5
    cfg.env.rewards = {"trophy": 1.0}
    env = make_env(cfg.env)
    Trainer(cfg.trainer, env, total_steps=cfg.total_steps, seed=cfg.seed).train()
''',
    "project/config.py": '''from pydantic import BaseModel, Field


class TrainerConfig(BaseModel):
    lr: float = 3.0e-4
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_coef: float = 0.2
    entropy_coef: float = Field(default=0.01)
    batch_size: int = 2048
    update_epochs: int = 4
    checkpoint_interval: int = 50
    max_grad_norm: float | None = 0.5
    rollout_workers: int = 1


class EnvConfig(BaseModel):
    num_envs: int = 64
    rewards: dict[str, float] = Field(default_factory=lambda: {"trophy": 1.0, "gem": 0.2, "crystal": 0.7})


class TrainConfig(BaseModel):
    trainer: TrainerConfig = Field(default_factory=TrainerConfig)
    env: EnvConfig = EnvConfig()
    seed: int = 1
    total_steps: int = 1_000_000
    run_name: str = "arena-0.0003"
''',
    "project/trainer.py": '''class Trainer:
    def __init__(self, cfg, env, total_steps, seed):
        self.cfg = cfg
        self.env = env
        self.total_steps = total_steps
        self.seed = seed

    def train(self):
        cfg = self.cfg
        opt = dict(lr=cfg.lr, gamma=cfg.gamma, lam=cfg.gae_lambda, clip=cfg.clip_coef)
        ent = cfg.entropy_coef
        workers = cfg.rollout_workers
        for update in range(self.total_steps // cfg.batch_size):
            for _ in range(cfg.update_epochs):
                pass
            if cfg.max_grad_norm is not None:
                pass
            if update % cfg.checkpoint_interval == 0:
                pass
        return opt, ent, workers
''',
}

PLAYBOOK_ALIASES = {"num_workers": ["rollout_workers"], "ent_coef": ["entropy_coef"]}


def make_migration_repo(root: Path, *, broken: dict[str, str] | None = None,
                        extra_baseline: dict[str, str | None] | None = None,
                        extra_candidate: dict[str, str | None] | None = None) -> tuple[Path, str, str]:
    """Hydra baseline -> pydantic/recipe candidate. Returns (repo, baseline sha, candidate sha).

    `broken` adds files that do not parse at the candidate (path -> text).
    """
    repo = root / "repo"
    base, cand = make_repo(repo, [
        ("baseline: hydra configs", {**BASELINE_FILES, **(extra_baseline or {})}),
        ("candidate: pydantic configs and recipes", {**CANDIDATE_FILES, **(extra_candidate or {}), **(broken or {})}),
    ])
    return repo, base, cand


def _py_module(i: int) -> str:
    return f'''from pydantic import BaseModel, Field

RATE_{i} = {i} * 1e-5
TABLE_{i} = {{"a": {i}, "b": {i + 1}}}


class Block{i}Config(BaseModel):
    width: int = {64 + i % 7}
    depth: int = Field(default={2 + i % 3})
    dropout: float = 0.{i % 9}
    name: str = "block{i}"


def build_{i}(cfg):
    cfg.block.width = {i}
    out = []
    for k in range(cfg.depth):
        out.append(k * cfg.width)
    return out
'''


def _yaml_file(i: int, shift: int) -> str:
    return f'''defaults:
  - _self_
group_{i}:
  lr: {3e-4 * (1 + (i + shift) % 3)}
  steps: {1000 + i}
  tag: item{i}
  nested:
    a: {i}
    b: null
    c: [1, 2, 3]
'''


def make_large_repo(root: Path, n_python: int = 2000, n_yaml: int = 300) -> tuple[Path, str, str]:
    """A repository with `n_python` Python and `n_yaml` YAML files at two commits (5% changed)."""
    repo = root / "large"
    files: dict[str, str | None] = dict(BASELINE_FILES)
    for i in range(n_python):
        files[f"pkg/sub{i % 40}/mod_{i}.py"] = _py_module(i)
    for i in range(n_yaml):
        files[f"configs/extra/g{i % 10}/item_{i}.yaml"] = _yaml_file(i, 0)
    changed: dict[str, str | None] = dict(CANDIDATE_FILES)
    for i in range(0, n_python, 20):
        changed[f"pkg/sub{i % 40}/mod_{i}.py"] = _py_module(i).replace("dropout: float = 0.", "dropout: float = 0.1")
    for i in range(0, n_yaml, 20):
        changed[f"configs/extra/g{i % 10}/item_{i}.yaml"] = _yaml_file(i, 1)
    base, cand = make_repo(repo, [("baseline", files), ("candidate", changed)])
    return repo, base, cand
