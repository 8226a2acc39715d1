"""Python config modules a loader imports by a name known at run time are configuration: each is compared as
a file a run may pick, as YAML files opened from a run-time path are.

Real shape (JORLDY v0.4.0..v0.5.0): `main.py --config config.ppo.mujoco` hands the dotted name to
`ConfigManager`, which does `module = __import__(config_path, fromlist=[None])` and reads `module.agent`,
`module.optim`, `module.env` and `module.train`, four dict literals every `config/<algo>/<env>.py` defines.
The release retuned PPO's MuJoCo file (`n_step` 128 -> 2048, `batch_size` 32 -> 512, `lr` 2.5e-4 -> 3e-4)
and MPO's `n_step` 8 -> 1 in five files: the config modules were "restructured code, same effects", no
finding. Negatives: a module that defines other names is not one of them; a module the entry imports
statically is compared as code, as before."""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

MANAGER = """
class ConfigManager:
    def __init__(self, config_path):
        module = __import__(config_path, fromlist=[None])
        self.agent = dict(module.agent)
        self.optim = dict(module.optim)
        self.train = dict(module.train)
"""

MAIN = """
import argparse

import torch

from manager import ConfigManager


def single_train(config_path):
    config = ConfigManager(config_path)
    network = torch.nn.Linear(4, 2)
    optimizer = torch.optim.Adam(network.parameters(), lr=config.optim["lr"])
    for step in range(config.train["run_step"]):
        loss = network(torch.randn(config.agent["batch_size"], 4)).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=str, help="config.ppo.cartpole")
    args = parser.parse_args()
    single_train(args.config if args.config else "config.ppo.cartpole")
"""

PPO_MUJOCO = """
agent = {{
    "name": "ppo",
    "gamma": 0.99,
    "batch_size": {batch},
    "n_step": {n_step},
}}

optim = {{
    "name": "adam",
    "lr": {lr},
}}

train = {{
    "run_step": 1000000,
    "update_period": agent["n_step"],
}}
"""

CARTPOLE = PPO_MUJOCO.format(batch=64, n_step=256, lr="3e-4")
HELPERS = """
colors = {"red": 1, "green": 2}
"""


def _run(tmp_path: Path, base: dict[str, str], cand: dict[str, str]) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in base.items()}, "baseline")
    c = commit_files(repo, {k: textwrap.dedent(v) for k, v in cand.items()}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _files(batch: int, n_step: int, lr: str, helpers: str = HELPERS) -> dict[str, str]:
    return {"main.py": MAIN, "manager.py": MANAGER, "config/__init__.py": "", "config/ppo/__init__.py": "",
            "config/ppo/cartpole.py": CARTPOLE, "config/ppo/mujoco.py": PPO_MUJOCO.format(batch=batch, n_step=n_step, lr=lr),
            "utils/palette.py": helpers}


def _titles(result: AnalyzerResult) -> list[str]:
    return [f"{f.severity.value}: {f.title}" for f in result.findings]


def test_values_changed_in_a_config_module_imported_at_run_time_are_findings(tmp_path: Path) -> None:
    result = _run(tmp_path, _files(32, 128, "2.5e-4"), _files(512, 2048, "3e-4"))
    titles = _titles(result)
    for key in ("batch_size", "n_step", "lr"):
        assert any(key in t and "mujoco" in t.lower() or f"`{key}`" in t for t in titles), (key, titles)
    assert not any(t.startswith("critical") for t in titles), titles


def test_a_module_defining_other_names_is_not_a_config_module(tmp_path: Path) -> None:
    result = _run(tmp_path, _files(32, 128, "2.5e-4"), _files(32, 128, "2.5e-4", HELPERS.replace("1", "5")))
    assert not any("colors" in t or "red" in t for t in _titles(result)), _titles(result)


def test_unchanged_config_modules_give_no_finding(tmp_path: Path) -> None:
    base = _files(32, 128, "2.5e-4")
    cand = {**base, "config/ppo/mujoco.py": base["config/ppo/mujoco.py"].replace('"gamma": 0.99,', '"gamma":  0.99,')}
    assert _titles(_run(tmp_path, base, cand)) == []


STAR_MAIN = """
import argparse

from run_mode import *

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=str, help="config.ppo.cartpole")
    args = parser.parse_args()
    single_train(args.config if args.config else "config.ppo.cartpole")
"""

STAR_RUN_MODE = MAIN.replace("from manager import ConfigManager", "from manager import *").split(
    'if __name__ == "__main__":')[0]

STAR_MANAGER_INIT = """
import os, inspect

working_path = os.path.dirname(os.path.realpath(__file__))
for file in os.listdir(working_path):
    if file.endswith(".py") and file != "__init__.py":
        module_path = f"{__name__}.{file[:-3]}"
        module = __import__(module_path, fromlist=[None])
        for class_name, _class in inspect.getmembers(module, inspect.isclass):
            exec(f"from {module_path} import {class_name}")
"""


def _star_files(batch: int, n_step: int, lr: str) -> dict[str, str]:
    # JORLDY's layout: scripts run from their own directory, star imports, a package re-exporting by `exec`
    files = _files(batch, n_step, lr)
    out = {f"app/{k}": v for k, v in files.items() if k not in ("main.py", "manager.py")}
    out.update({"app/main.py": STAR_MAIN, "app/run_mode.py": STAR_RUN_MODE,
                "app/manager/__init__.py": STAR_MANAGER_INIT, "app/manager/config_manager.py": MANAGER})
    return out


def test_star_imports_from_the_script_directory_reach_the_loader(tmp_path: Path) -> None:
    titles = _titles(_run(tmp_path, _star_files(32, 128, "2.5e-4"), _star_files(512, 2048, "3e-4")))
    assert any("batch_size" in t and "mujoco" in t for t in titles), titles
