"""Training scripts as likely an entry as the one followed are runs of their own: their retuned defaults are findings.

Real shapes:
- OfflineRL-Kit 91e5ac00..e3ce6979: `run_example/run_cql.py` was followed; `run_example/run_combo.py:63-64`
  (`--uniform-rollout` True -> False, `--rho-s` "model" -> "mix") was "other configuration" (only `train`-named
  rivals were compared).
- og-marl e9d10280..c6e6974c: `online/qmix.py` (`@hydra.main`) was followed; the offline BC scripts' own Hydra
  configs (`offline/configs/continuous_bc.yaml:7-10`, the default task) were "other configuration".
- rljax d74ae7a6..2de183a6: the followed entry is an example (`examples/mujoco/train_ppo.py`); its peers in
  `examples/` are as likely (`examples/dm_control/train_slac.py`).
Negatives: a rival named for evaluation or display (`run_eval.py`, `plot_results.py`), a `@hydra.main` script
named so, an example beside a library entry (tests/config/test_absl_rival_scripts.py), a new script's config.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

ARGPARSE = '''\
    import argparse


    def get_args():
        parser = argparse.ArgumentParser()
        parser.add_argument("--actor-lr", type=float, default=1e-4)
        parser.add_argument("--rho-s", type=str, default="{rho}")
        parser.add_argument("--epoch", type=int, default=1000)
        return parser.parse_args()


    def train():
        args = get_args()
        for epoch in range(args.epoch):
            policy_update(args.actor_lr, args.rho_s)


    if __name__ == "__main__":
        train()
    '''

HYDRA = '''\
    import hydra


    @hydra.main(config_path="configs", config_name="{name}")
    def run_experiment(cfg):
        system = make_system(cfg.task, cfg.system)
        system.train(cfg.training_steps)


    if __name__ == "__main__":
        run_experiment()
    '''

TASK = '''\
    task:
      source: og_marl
      env: mamujoco
      scenario: {scenario}
      dataset: Good
    system:
      learning_rate: 0.001
    training_steps: 100000
    '''


def _run(tmp_path: Path, base: dict[str, str], cand: dict[str, str | None]) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in base.items()}, "baseline")
    c = commit_files(repo, {k: textwrap.dedent(v) if v else v for k, v in cand.items()}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _scripts() -> dict[str, str]:
    return {"run_example/run_cql.py": ARGPARSE.replace("{rho}", "model"),
            "run_example/run_combo.py": ARGPARSE.replace("{rho}", "model"),
            "run_example/run_eval.py": ARGPARSE.replace("{rho}", "model")}


def _titles(result: AnalyzerResult) -> list[str]:
    return [f.title for f in result.findings]


def test_a_run_named_rival_scripts_retuned_default_is_a_finding(tmp_path: Path) -> None:
    result = _run(tmp_path, _scripts(), {"run_example/run_combo.py": ARGPARSE.replace("{rho}", "mix")})
    found = [f for f in result.findings if "run_combo.rho_s" in f.title]
    assert found and '"model"' in found[0].title and '"mix"' in found[0].title, _titles(result)
    assert found[0].severity.value != "critical"
    assert any(loc.path == "run_example/run_combo.py" for loc in found[0].locations)


def test_an_evaluation_scripts_default_is_no_run_of_its_own(tmp_path: Path) -> None:
    result = _run(tmp_path, _scripts(), {"run_example/run_eval.py": ARGPARSE.replace("{rho}", "mix")})
    assert not [t for t in _titles(result) if "rho_s" in t], _titles(result)


def _hydra() -> dict[str, str]:
    return {"systems/online/qmix.py": HYDRA.replace("{name}", "qmix"),
            "systems/online/configs/qmix.yaml": TASK.replace("{scenario}", "3m"),
            "systems/offline/continuous_bc.py": HYDRA.replace("{name}", "continuous_bc"),
            "systems/offline/configs/continuous_bc.yaml": TASK.replace("{scenario}", "2halfcheetah"),
            "systems/offline/plot_results.py": HYDRA.replace("{name}", "plot"),
            "systems/offline/configs/plot.yaml": TASK.replace("{scenario}", "2halfcheetah")}


def test_a_hydra_rival_scripts_own_config_is_a_run_of_its_own(tmp_path: Path) -> None:
    result = _run(tmp_path, _hydra(), {"systems/offline/configs/continuous_bc.yaml": TASK.replace("{scenario}", "3hopper")})
    found = [f for f in result.findings if "continuous_bc.task.scenario" in f.title]
    assert found and "2halfcheetah" in found[0].title and "3hopper" in found[0].title, _titles(result)
    assert any(loc.path == "systems/offline/configs/continuous_bc.yaml" for loc in found[0].locations)


def test_a_hydra_script_named_for_display_is_no_run(tmp_path: Path) -> None:
    result = _run(tmp_path, _hydra(), {"systems/offline/configs/plot.yaml": TASK.replace("{scenario}", "3hopper")})
    assert not [t for t in _titles(result) if "scenario" in t], _titles(result)


def test_a_new_rival_scripts_config_changes_no_existing_run(tmp_path: Path) -> None:
    result = _run(tmp_path, _hydra(), {"systems/offline/iql.py": HYDRA.replace("{name}", "iql"),
                                       "systems/offline/configs/iql.yaml": TASK.replace("{scenario}", "3hopper")})
    assert not [t for t in _titles(result) if "iql" in t], _titles(result)


def _examples() -> dict[str, str]:
    return {"examples/mujoco/train_ppo.py": ARGPARSE.replace("{rho}", "model"),
            "examples/dm_control/train_slac.py": ARGPARSE.replace("{rho}", "model")}


def test_an_example_rival_of_an_example_entry_is_a_run_of_its_own(tmp_path: Path) -> None:
    result = _run(tmp_path, _examples(), {"examples/dm_control/train_slac.py": ARGPARSE.replace("1e-4", "3e-4")})
    found = [f for f in result.findings if "train_slac.actor_lr" in f.title]
    assert found, _titles(result)


# A mandatory Hydra group (sheeprl 62b3da0f..33b63668: `sheeprl/configs/config.yaml` lists `- algo: default.yaml` and
# `- exp: ???`; `exp/a2c.yaml` selects `override /algo: a2c`, whose `gae_lambda` 1.0 -> 0.95 got no finding).
CLI = '''\
    import hydra


    @hydra.main(config_path="configs", config_name="config")
    def run(cfg):
        train(cfg.algo.gae_lambda, cfg.algo.rollout_steps, cfg.algo.lr, cfg.seed)


    if __name__ == "__main__":
        run()
    '''


def _sheep() -> dict[str, str]:
    return {"pkg/cli.py": CLI,
            "pkg/configs/config.yaml": "defaults:\n  - _self_\n  - algo: default.yaml\n  - exp: ???\n\nseed: 42\n",
            "pkg/configs/algo/default.yaml": "name: ???\nlr: 0.001\n",
            "pkg/configs/algo/a2c.yaml": "defaults:\n  - default\n\nname: a2c\ngae_lambda: 1.0\nrollout_steps: 5\n",
            "pkg/configs/algo/ppo.yaml": "defaults:\n  - default\n\nname: ppo\ngae_lambda: 0.95\nrollout_steps: 128\n",
            "pkg/configs/exp/a2c.yaml": "# @package _global_\ndefaults:\n  - override /algo: a2c\n  - _self_\n\nalgo:\n  lr: 0.0007\n",
            "pkg/configs/exp/ppo.yaml": "# @package _global_\ndefaults:\n  - override /algo: ppo\n  - _self_\n"}


def test_a_group_option_a_mandatory_experiment_selects_is_a_run_of_its_own(tmp_path: Path) -> None:
    files = _sheep()
    result = _run(tmp_path, files, {"pkg/configs/algo/a2c.yaml": files["pkg/configs/algo/a2c.yaml"].replace("1.0", "0.95")})
    found = [f for f in result.findings if "exp.a2c.algo.gae_lambda" in f.title]
    assert found and "1.0" in found[0].title and "0.95" in found[0].title, _titles(result)
    assert found[0].severity.value == "significant", found[0]  # a run of its own: capped
    assert any(loc.path == "pkg/configs/algo/a2c.yaml" for loc in found[0].locations)


def test_an_option_file_written_with_its_extension_is_composed(tmp_path: Path) -> None:
    files = _sheep()
    result = _run(tmp_path, files, {"pkg/configs/algo/default.yaml": "name: ???\nlr: 0.01\n"})
    assert any("lr" in t and "0.001" in t and "0.01" in t for t in _titles(result)), _titles(result)


def test_an_option_a_new_experiment_alone_selects_changes_no_existing_run(tmp_path: Path) -> None:
    files = _sheep()
    result = _run(tmp_path, files, {"pkg/configs/exp/a2c_atari.yaml": files["pkg/configs/exp/a2c.yaml"].replace(
        "lr: 0.0007", "lr: 0.0007\n  rollout_steps: 64")})
    assert not [t for t in _titles(result) if "a2c_atari" in t], _titles(result)


# A config function selected by name (planet 27e776cd..c04226b6: planet/scripts/train.py calls
# `getattr(configs, args.config)(config, args.params)`, `--config` defaults to `'default'`; configs.py:217
# `config.free_nats = params.get('free_nats', 2.0 -> 3.0)` got no finding).
TRAIN = '''\
    import argparse

    from project import configs


    def start(args):
        config = {}
        config = getattr(configs, args.config)(config, args.params)
        return config


    def main(args):
        config = start(args)
        train(config)


    if __name__ == "__main__":
        parser = argparse.ArgumentParser()
        parser.add_argument("--config", default="default")
        parser.add_argument("--params", default="{}")
        main(parser.parse_args())
    '''

CONFIGS = '''\
    def default(config, params):
        config.debug = False
        config = _loss_functions(config, params)
        return config


    def debug(config, params):
        config.debug = True
        config.batch_size = params.get("batch_size", {debug_batch})
        return config


    def _loss_functions(config, params):
        config.free_nats = params.get("free_nats", {free_nats})
        config.kl_scale = params.get("kl_scale", 1.0)
        return config
    '''


def _planet(free_nats: str = "2.0", debug_batch: str = "5") -> dict[str, str]:
    return {"project/__init__.py": "", "project/train.py": TRAIN,
            "project/configs.py": CONFIGS.replace("{free_nats}", free_nats).replace("{debug_batch}", debug_batch)}


def test_a_lookup_default_in_the_config_function_an_option_selects_is_a_finding(tmp_path: Path) -> None:
    result = _run(tmp_path, _planet(), {"project/configs.py": _planet(free_nats="3.0")["project/configs.py"]})
    found = [f for f in result.findings if "free_nats" in f.title]
    assert found and "2.0" in found[0].title and "3.0" in found[0].title, _titles(result)
    assert found[0].severity.value in ("significant", "critical"), found[0]
    assert any(loc.path == "project/configs.py" for loc in found[0].locations)


def test_a_config_function_the_option_does_not_select_is_no_finding(tmp_path: Path) -> None:
    result = _run(tmp_path, _planet(), {"project/configs.py": _planet(debug_batch="50")["project/configs.py"]})
    assert not [t for t in _titles(result) if "batch_size" in t], _titles(result)
