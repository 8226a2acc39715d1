"""A config file loaded by a class the entry instantiates, from a path built at run time, is the entry's.

Real shape (rl-baselines3-zoo, held-out 3 `zoo-tqc-top-quantiles`): `train.py` builds
`ExperimentManager(args, ...)`, whose `read_hyperparameters` does `open(f"hyperparams/{self.algo}.yml")` and
picks the section of the environment; the configuration follower follows functions, not the methods of
the classes it instantiates, so `hyperparams/tqc.yml` was "outside the entry's reach" and a removed key
gave no finding at all."""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

TRAIN = '''\
    import argparse

    from utils.exp_manager import ExperimentManager


    if __name__ == "__main__":
        parser = argparse.ArgumentParser()
        parser.add_argument("--algo", default="ppo")
        parser.add_argument("--env", default="CartPole-v1")
        args = parser.parse_args()
        {make}
'''
MANAGER = '''\
    import yaml


    class ExperimentManager:
        def __init__(self, args):
            self.algo = args.algo
            self.env_id = args.env

        def read_hyperparameters(self):
            with open(f"hyperparams/{self.algo}.yml") as f:
                hyperparams_dict = yaml.safe_load(f)
            return hyperparams_dict[self.env_id]

        def setup(self):
            return self.read_hyperparameters()
'''
PPO = '''\
    CartPole-v1:
      n_envs: 8
      n_steps: 32
      learning_rate: 0.001
'''


def _run(tmp_path: Path, make: str) -> AnalyzerResult:
    repo = tmp_path / "repo"
    files = {"train.py": TRAIN.replace("{make}", make), "utils/__init__.py": "", "utils/exp_manager.py": MANAGER,
             "hyperparams/ppo.yml": PPO}
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in files.items()}, "baseline")
    c = commit_files(repo, {"hyperparams/ppo.yml": textwrap.dedent(PPO).replace("n_steps: 32", "n_steps: 8")},
                     "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def test_a_key_of_a_file_an_instantiated_class_loads_at_run_time_is_a_finding(tmp_path: Path) -> None:
    result = _run(tmp_path, "ExperimentManager(args).setup()")
    assert any("n_steps" in f.title and "32 → 8" in f.title for f in result.findings), [f.title for f in result.findings]


def test_a_loader_class_the_entry_never_instantiates_stays_outside_its_reach(tmp_path: Path) -> None:
    result = _run(tmp_path, "print(ExperimentManager)")
    assert not any("n_steps" in f.title for f in result.findings), [f.title for f in result.findings]
