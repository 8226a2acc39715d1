"""A launch script's Hydra flags choose the primary config: `--config-path` / `--config-name` (and `-cp` / `-cn`).

Real shape (rl-swarm e1b2de80..22bb5475 `run_rl_swarm.sh`): `python -m rgym_exp.runner.swarm_launcher --config-path
"$ROOT/rgym_exp/config" --config-name "rg-swarm.yaml"` runs a `@hydra.main(config_path="configs")` launcher; the
engine composed the decorator's (absent) config, so the run's settings were empty at both commits, `config_path` /
`config_name` were "configured, but no code reads it", and the default experiment's swap (another reward function,
another data manager) drew no finding at all. Negatives: a launch script without the flags composes the decorator's
config; a flag naming a file this commit lacks keeps the decorator's config."""

from __future__ import annotations

from pathlib import Path

from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

LAUNCHER = """\
import hydra


@hydra.main(version_base=None, config_path="configs", config_name="config")
def main(cfg):
    trainer = hydra.utils.instantiate(cfg.trainer)
    trainer.train(cfg.training.learning_rate, cfg.training.num_steps)


if __name__ == "__main__":
    main()
"""

DECORATOR_CONFIG = """\
training:
  learning_rate: 0.001
  num_steps: 100
trainer:
  _target_: exp.trainer.Trainer
"""

EXPERIMENT = """\
training:
  learning_rate: {lr}
  num_steps: 100
trainer:
  _target_: exp.trainer.Trainer
"""

RUN = """\
#!/usr/bin/env bash
ROOT=$PWD
python -m exp.runner.launcher \\
    {flags}
"""


def _files(lr: str, flags: str, decorator: bool = False) -> dict[str, str]:
    files = {"exp/__init__.py": "", "exp/runner/__init__.py": "", "exp/runner/launcher.py": LAUNCHER,
             "exp/config/swarm.yaml": EXPERIMENT.format(lr=lr), "run.sh": RUN.format(flags=flags),
             "exp/trainer.py": "class Trainer:\n    def train(self, lr, n):\n        return lr * n\n"}
    if decorator:
        files["exp/runner/configs/config.yaml"] = DECORATOR_CONFIG
    return files


def _run(tmp_path: Path, base: dict[str, str], cand: dict[str, str]) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, base, "baseline")
    c = commit_files(repo, cand, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _titles(result: AnalyzerResult) -> list[str]:
    return [f.title for f in result.findings]


LONG = '--config-path "$ROOT/exp/config" --config-name "swarm.yaml"'


def test_the_launched_config_is_composed_and_its_retune_reported(tmp_path: Path) -> None:
    result = _run(tmp_path, _files("0.001", LONG), _files("0.01", LONG))
    titles = _titles(result)
    assert any("learning_rate" in t and "changed" in t for t in titles), titles
    assert not any(e.title.startswith("Config `config_") for e in result.no_effect), \
        [e.title for e in result.no_effect]


def test_short_flags_relative_to_the_script(tmp_path: Path) -> None:
    short = "-cp ../config -cn swarm"
    result = _run(tmp_path, _files("0.001", short), _files("0.01", short))
    assert any("learning_rate" in t and "changed" in t for t in _titles(result)), _titles(result)


def test_an_unchanged_launched_config_is_no_finding(tmp_path: Path) -> None:
    result = _run(tmp_path, _files("0.001", LONG), _files("0.001", LONG))
    assert not any("learning_rate" in t for t in _titles(result)), _titles(result)


def test_without_flags_the_decorator_config_is_composed(tmp_path: Path) -> None:
    # the launched experiment file changes, but nothing selects it: the decorator's config runs, unchanged
    result = _run(tmp_path, _files("0.001", "", decorator=True), _files("0.01", "", decorator=True))
    assert not any("learning_rate" in t and "changed" in t and "effective" in t for t in _titles(result)), \
        _titles(result)


def test_a_flag_naming_a_missing_file_keeps_the_decorator_config(tmp_path: Path) -> None:
    flags = '--config-path "$ROOT/exp/config" --config-name "absent.yaml"'
    result = _run(tmp_path, _files("0.001", flags, decorator=True), _files("0.001", flags, decorator=True))
    assert not any("learning_rate" in t for t in _titles(result)), _titles(result)
