"""Two configuration changes that do not show a changed value are not critical.

1. A config-class field default that every construction of the class overrides by keyword (real shape:
   Mava 0.1.2..0.1.3, `MAPPOConfig.batch_size: int = 32` -> `512`; the system's only construction passes
   `batch_size=batch_size`, its own default 512 at both commits: a false critical). Negative: a
   construction that leaves the field to its default keeps the finding critical.
2. A key computed by an expression at both commits whose text changed (real shape: Stoix v0.0.2..v0.0.3,
   `config.arch.num_envs = int(total_num_envs // (num_devices * update_batch_size))` with locals read from
   the config became `... // (config.num_devices * config.arch.update_batch_size)`: a false critical).
   Negative: a literal value changed stays critical."""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

BUILDER = """
import dataclasses


@dataclasses.dataclass
class MAPPOConfig:
    discount: float = 0.99
    batch_size: int = {bs}
    learning_rate: float = 5e-4


class MAPPOBuilder:
    def __init__(self, config):
        self._config = config

    def make_trainer(self, network):
        return Trainer(network, batch_size=self._config.batch_size, lr=self._config.learning_rate)


class Trainer:
    def __init__(self, network, batch_size, lr):
        self.batch_size = batch_size
        self.lr = lr
"""

SYSTEM = """
import builder


class MAPPO:
    def __init__(self, network, batch_size: int = 512, learning_rate: float = 5e-4):
        self._builder = builder.MAPPOBuilder(
            builder.MAPPOConfig({args}))
"""

MAIN = """
import torch


def main():
    return torch.nn.Linear(2, 2)


if __name__ == "__main__":
    main()
"""


def _run(tmp_path: Path, base: dict[str, str], cand: dict[str, str]) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in base.items()}, "baseline")
    c = commit_files(repo, {k: textwrap.dedent(v) for k, v in cand.items()}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _titles(result: AnalyzerResult) -> list[str]:
    return [f"{f.severity.value}: {f.title}" for f in result.findings]


def _mava(bs: int, args: str) -> dict[str, str]:
    return {"builder.py": BUILDER.format(bs=bs), "system.py": SYSTEM.format(args=args), "main.py": MAIN}


def test_a_default_every_construction_overrides_is_not_critical(tmp_path: Path) -> None:
    args = "batch_size=batch_size, learning_rate=learning_rate"
    titles = _titles(_run(tmp_path, _mava(32, args), _mava(512, args)))
    assert "low: Config `mappo.batch_size` changed: 32 → 512" in titles, titles


def test_a_default_a_construction_relies_on_stays_critical(tmp_path: Path) -> None:
    args = "learning_rate=learning_rate"
    titles = _titles(_run(tmp_path, _mava(32, args), _mava(512, args)))
    assert "critical: Config `mappo.batch_size` changed: 32 → 512" in titles, titles


CHECKER = """
def check_total_timesteps(config):
{body}    return config
"""
BASE_BODY = """    if "num_devices" not in config:
        num_devices = 1
    else:
        num_devices = config.num_devices
    update_batch_size = config.arch.update_batch_size
    config.arch.num_envs = int(config.arch.total_num_envs // (num_devices * update_batch_size))
"""
CAND_BODY = """    config.arch.num_envs = int(config.arch.total_num_envs // (config.num_devices * config.arch.update_batch_size))
"""
TRAIN = """
from checker import check_total_timesteps


def run_experiment(config):
    config = check_total_timesteps(config)
    return config.arch.num_envs


if __name__ == "__main__":
    run_experiment(None)
"""


def test_a_changed_formula_is_not_critical(tmp_path: Path) -> None:
    base = {"checker.py": CHECKER.format(body=BASE_BODY), "train.py": TRAIN}
    cand = {"checker.py": CHECKER.format(body=CAND_BODY), "train.py": TRAIN}
    titles = _titles(_run(tmp_path, base, cand))
    assert any("num_envs" in t for t in titles), titles
    assert not any(t.startswith("critical") for t in titles), titles


def test_a_changed_literal_stays_critical(tmp_path: Path) -> None:
    body = "    config.arch.num_envs = {n}\n"
    base = {"checker.py": CHECKER.format(body=body.format(n=64)), "train.py": TRAIN}
    cand = {"checker.py": CHECKER.format(body=body.format(n=8)), "train.py": TRAIN}
    titles = _titles(_run(tmp_path, base, cand))
    assert any(t.startswith("critical") and "num_envs" in t for t in titles), titles
