"""Sections renamed to a new version of the same name pair with that name, not with their siblings.

Real shape (rl-baselines3-zoo v2.2.1..v2.3.0): the MuJoCo sections of every `hyperparams/<algo>.yml` were
renamed `Ant-v3` -> `Ant-v4`, `HalfCheetah-v3` -> `HalfCheetah-v4`, ... Each merges one `<<: *mujoco-defaults`
anchor, so all hold the same leaves and nearly the same values: each old section tied between the new ones
and nothing paired ("Config `hyperparams/trpo.yml`: 39 keys removed" and "39 keys added", significant, for a
file whose every value is unchanged). Where the renamed anchor also gained keys (`ddpg.yml`), the new
section that kept one key of its own (`Swimmer-v4`'s `gamma`) won every old section on shared leaves.
Negatives: a renamed and retuned section reports its changed value; a section deleted while an unrelated
one of another name is added stays a removal and an addition."""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

TRAIN = '''\
    import argparse

    import yaml


    def read_hyperparameters(algo, env_id):
        with open(f"hyperparams/{algo}.yml") as f:
            return yaml.safe_load(f)[env_id]


    if __name__ == "__main__":
        parser = argparse.ArgumentParser()
        parser.add_argument("--algo", default="trpo")
        parser.add_argument("--env", default="Pendulum-v1")
        args = parser.parse_args()
        print(read_hyperparameters(args.algo, args.env))
'''
TRPO = '''\
    Pendulum-v1:
      n_timesteps: 100000
      policy: 'MlpPolicy'

    Ant-v3: &mujoco-defaults
      normalize: true
      n_timesteps: 1000000
      policy: 'MlpPolicy'
      batch_size: 128
      n_steps: 1024
      gamma: 0.99
      learning_rate: 0.001
      cg_damping: 0.1

    HalfCheetah-v3:
      <<: *mujoco-defaults
      target_kl: 0.04

    Hopper-v3:
      <<: *mujoco-defaults

    Walker2d-v3:
      <<: *mujoco-defaults

    Humanoid-v3:
      <<: *mujoco-defaults
      n_timesteps: 2000000

    Swimmer-v3:
      <<: *mujoco-defaults
      gamma: 0.9999
'''


def _run(tmp_path: Path, cand: str) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {"train.py": textwrap.dedent(TRAIN), "hyperparams/trpo.yml": textwrap.dedent(TRPO)},
                     "baseline")
    c = commit_files(repo, {"hyperparams/trpo.yml": cand}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _renamed() -> str:
    return textwrap.dedent(TRPO).replace("-v3:", "-v4:")


def _loud(result: AnalyzerResult) -> list[str]:
    return [f.title for f in result.findings if f.severity.value in ("critical", "significant")]


def test_sections_renamed_to_a_new_version_are_not_removed_and_added(tmp_path: Path) -> None:
    titles = [f.title for f in _run(tmp_path, _renamed()).findings]
    assert not any("removed" in t or "added" in t for t in titles), titles


def test_renamed_sections_whose_anchor_gained_keys_pair_by_name(tmp_path: Path) -> None:
    cand = _renamed().replace("  cg_damping: 0.1\n", "  cg_damping: 0.1\n  target_kl: 0.02\n  gae_lambda: 0.95\n")
    loud = _loud(_run(tmp_path, cand))
    assert not any("removed" in t for t in loud), loud


def test_a_renamed_and_retuned_section_reports_the_value(tmp_path: Path) -> None:
    cand = _renamed().replace("  gamma: 0.9999", "  gamma: 0.999")
    loud = _loud(_run(tmp_path, cand))
    assert any("gamma" in t and "0.9999 → 0.999" in t for t in loud), loud
    assert not any("removed" in t or "added" in t for t in loud), loud


def test_a_deleted_section_and_an_unrelated_new_one_stay_apart(tmp_path: Path) -> None:
    cand = textwrap.dedent(TRPO).split("Swimmer-v3:")[0] + "Reacher-v4:\n  policy: 'MlpPolicy'\n  n_timesteps: 300000\n"
    titles = [f.title for f in _run(tmp_path, cand).findings]
    assert any("removed" in t for t in titles), titles
