"""A section renamed in several files whose sections hold the same values pairs within its own file.

Real shape (rl-baselines3-zoo v2.3.0..v2.4.0): the environment section `LunarLanderContinuous-v2` was
renamed `LunarLanderContinuous-v3` in every `hyperparams/<algo>.yml`; the sections of `ddpg.yml` and
`td3.yml` (and of `sac.yml` and `tqc.yml`) hold the same values, so each old section tied between two new
ones, nothing paired, and "Config `hyperparams/ddpg.yml`: 10 keys removed" / "... added" (significant)
filled four of the top five. A section renamed *and* retuned reports the changed value (also a removal and an
addition at main). Negative: a section deleted from one file, its twin kept unchanged in the other, is still removed."""

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
        parser.add_argument("--algo", default="ddpg")
        parser.add_argument("--env", default="Pendulum-v1")
        args = parser.parse_args()
        print(read_hyperparameters(args.algo, args.env))
'''
SECTION = '''\
    Pendulum-v1:
      n_timesteps: 20000
      policy: 'MlpPolicy'

    Lander-v2:
      n_timesteps: 300000
      policy: 'MlpPolicy'
      gamma: 0.98
      buffer_size: 200000
      learning_starts: 10000
      gradient_steps: 1
      train_freq: 1
      learning_rate: 0.001
'''


def _run(tmp_path: Path, td3_new: str, ddpg: str | None = None, td3: str | None = None) -> AnalyzerResult:
    repo = tmp_path / "repo"
    base = {"train.py": TRAIN, "hyperparams/ddpg.yml": SECTION, "hyperparams/td3.yml": SECTION}
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in base.items()}, "baseline")
    renamed = textwrap.dedent(SECTION).replace("Lander-v2:", "Lander-v3:")
    td3 = renamed.replace("gamma: 0.98", td3_new) if td3 is None else td3
    c = commit_files(repo, {"hyperparams/ddpg.yml": renamed if ddpg is None else ddpg, "hyperparams/td3.yml": td3},
                     "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _loud(result: AnalyzerResult) -> list[str]:
    return [f.title for f in result.findings if f.severity.value in ("critical", "significant")]


def test_a_section_renamed_in_twin_files_is_no_removed_and_added_keys(tmp_path: Path) -> None:
    loud = _loud(_run(tmp_path, "gamma: 0.98"))
    assert not any("removed" in t or "added" in t for t in loud), loud


def test_a_section_renamed_and_retuned_still_reports_the_value(tmp_path: Path) -> None:
    loud = _loud(_run(tmp_path, "gamma: 0.9"))
    assert any("gamma" in t and "0.98 → 0.9" in t for t in loud), loud
    assert not any("removed" in t or "added" in t for t in loud), loud


def test_a_section_deleted_from_one_file_is_still_removed(tmp_path: Path) -> None:
    pendulum_only = textwrap.dedent(SECTION).split("Lander-v2:")[0]
    titles = [f.title for f in _run(tmp_path, "gamma: 0.98", ddpg=pendulum_only, td3=textwrap.dedent(SECTION)).findings]
    assert any("ddpg.yml" in t and "removed" in t for t in titles), titles
