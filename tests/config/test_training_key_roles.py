"""Training keys without a rule read as low (or as an environment count): warm-up steps, weight decay
of a named part, model-training epochs and early-stopping patience. They are training
hyperparameters; a retune of one in a file an entry loads is a significant finding.

Real shapes: mbrl-lib v0.1.4..v0.1.5 retuned PETS HalfCheetah in a Hydra override file
(`model_wd` 3e-5 -> 1e-4 and `patience` 25 -> 12 were low, `num_epochs_train_model` 25 -> 12 read as
an environment count by the `num_?*` rule); TD3 c717e75..34770cc raised `start_timesteps` 1e4 -> 25e3
(low). Negatives: a file no code loads stays quiet, a key with no training role stays low, and the
rules already there keep their role (`max_epochs` a budget, `update_epochs` critical).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.models import AnalyzerResult
from investigator.playbooks_lib import load_playbooks
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

TRAIN = '''\
    import argparse

    import yaml


    def main():
        parser = argparse.ArgumentParser()
        parser.add_argument("--overrides", type=str, default="pets_halfcheetah")
        parser.add_argument("--start_timesteps", default={start}, type=int)
        args = parser.parse_args()
        with open(f"conf/overrides/{args.overrides}.yaml") as f:
            cfg = yaml.safe_load(f)
        fit(cfg, args.start_timesteps)


    def fit(cfg, start):
        return train_model(cfg["model_lr"], cfg["model_wd"], cfg["num_epochs_train_model"], cfg["patience"],
                           cfg["render_video"], start)


    if __name__ == "__main__":
        main()
    '''
OVERRIDES = """\
model_lr: 2.0e-4
model_wd: {wd}
num_epochs_train_model: {epochs}
patience: {patience}
render_video: {render}
"""


def _override(wd: str = "3.0e-5", epochs: str = "25", patience: str = "25", render: str = "false") -> str:
    return OVERRIDES.format(wd=wd, epochs=epochs, patience=patience, render=render)


def _run(tmp_path: Path, base: dict[str, str], cand: dict[str, str | None]) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in base.items()}, "baseline")
    c = commit_files(repo, {k: textwrap.dedent(v) if v else v for k, v in cand.items()}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _by_leaf(result: AnalyzerResult) -> dict[str, tuple[str, list[str]]]:
    out = {}
    for f in result.findings:
        for leaf in ("model_wd", "num_epochs_train_model", "patience", "start_timesteps", "render_video"):
            if f"{leaf}`" in f.title:
                out[leaf] = (f.severity.value, f.hypotheses)
    return out


def _base() -> dict[str, str]:
    return {"train.py": TRAIN.replace("{start}", "1e4"), "conf/overrides/pets_halfcheetah.yaml": _override(),
            "conf/overrides/pets_pusher.yaml": _override()}


def test_a_run_time_override_retune_of_training_keys_is_significant(tmp_path: Path) -> None:
    found = _by_leaf(_run(tmp_path, _base(), {
        "conf/overrides/pets_halfcheetah.yaml": _override(wd="1.0e-4", epochs="12", patience="12"),
        "train.py": TRAIN.replace("{start}", "25e3")}))
    assert found["model_wd"] == ("significant", ["trainer.optimizer_changed"]), found
    assert found["num_epochs_train_model"] == ("significant", ["trainer.batch_arithmetic_changed"]), found
    assert found["patience"] == ("significant", ["trainer.batch_arithmetic_changed"]), found
    assert found["start_timesteps"] == ("significant", ["trainer.warmup_changed"]), found


def test_a_key_with_no_training_role_stays_low(tmp_path: Path) -> None:
    found = _by_leaf(_run(tmp_path, _base(), {"conf/overrides/pets_halfcheetah.yaml": _override(render="true")}))
    assert found == {"render_video": ("low", [])}, found


def test_a_config_file_no_code_loads_is_no_finding(tmp_path: Path) -> None:
    base = {**_base(), "examples/notes/pets_old.yaml": _override()}
    result = _run(tmp_path, base, {"examples/notes/pets_old.yaml": _override(wd="1.0e-4", epochs="12", patience="12")})
    assert not result.findings, [f.title for f in result.findings]


def test_the_rules_already_there_keep_their_role() -> None:
    playbooks = load_playbooks()
    roles = {key: (hit[0].subsystem, hit[1].hypothesis, hit[1].severity.value)
             for key in ("max_epochs", "update_epochs", "num_epochs", "warmup_steps", "weight_decay", "num_envs")
             if (hit := playbooks.config_rule_for(key)) is not None}
    assert roles == {
        "max_epochs": ("trainer", "total_steps_changed", "significant"),
        "update_epochs": ("trainer", "batch_arithmetic_changed", "critical"),
        "num_epochs": ("trainer", "batch_arithmetic_changed", "critical"),
        "warmup_steps": ("trainer", "lr_schedule_changed", "significant"),
        "weight_decay": ("trainer", "optimizer_changed", "significant"),
        "num_envs": ("vecenv", "env_count_changed", "critical"),
    }, roles


# -- experiment scripts: a `__main__` block that runs its own module-level configuration --------------

EXPERIMENT = '''\
    from easydict import EasyDict

    {name}_config = dict(
        env=dict(collector_env_num=8, stop_value=-250),
        policy=dict(
            learn=dict(epoch_per_collect=10, batch_size={batch}, learning_rate={lr}),
            collect=dict(n_sample=200, discount_factor=0.9),
        ),
    )
    {name}_config = EasyDict({name}_config)
    main_config = {name}_config

    if __name__ == "__main__":
        from ding.entry import serial_pipeline_onpolicy
        serial_pipeline_onpolicy([main_config], seed=0)
    '''
ENTRY = '''\
    from ding.entry import serial_pipeline_offline
    from ding.policy.ppo import PPOPolicy


    def train(args):
        serial_pipeline_offline(args.config, PPOPolicy, seed=args.seed)


    if __name__ == "__main__":
        import argparse
        parser = argparse.ArgumentParser()
        parser.add_argument("--seed", type=int, default=0)
        train(parser.parse_args())
    '''
ENVS = ("pendulum", "hopper", "walker", "halfcheetah", "ant", "swimmer", "reacher")


def _experiment(name: str, lr: str = "3e-5", batch: str = "320") -> str:
    return EXPERIMENT.replace("{name}", name).replace("{lr}", lr).replace("{batch}", batch)


POLICY = """\
import torch


class PPOPolicy:
    def __init__(self, cfg):
        self._cfg = cfg
        self._optimizer = torch.optim.Adam([], lr=cfg.learn.learning_rate)
        self._batch_size = cfg.learn.batch_size
        self._epochs = cfg.learn.epoch_per_collect
"""


def _zoo(**changed: str) -> dict[str, str]:
    files = {"zoo/d4rl/entry/d4rl_main.py": ENTRY, "ding/policy/ppo.py": POLICY}
    for env in ENVS:
        files[f"zoo/{env}/config/{env}_ppo_config.py"] = _experiment(env, **({} if env != "pendulum" else changed))
    return files


def test_an_experiment_script_retune_is_a_finding(tmp_path: Path) -> None:
    result = _run(tmp_path, _zoo(), {"zoo/pendulum/config/pendulum_ppo_config.py": _experiment("pendulum", lr="1e-3")})
    lr = [f for f in result.findings if "learning_rate" in f.title]
    assert [(f.severity.value, f.hypotheses) for f in lr] == [("significant", ["trainer.learning_rate_changed"])], \
        [f.title for f in result.findings]
    assert "experiment script" in lr[0].rationale


def test_one_retune_across_experiment_scripts_is_one_finding(tmp_path: Path) -> None:
    cand = {f"zoo/{env}/config/{env}_ppo_config.py": _experiment(env, batch="128") for env in ENVS}
    result = _run(tmp_path, _zoo(), cand)
    titles = [f.title for f in result.findings]
    assert len(titles) == 1 and "`batch_size`" in titles[0] and "7 files" in titles[0], titles


def test_scripts_that_are_not_experiments_stay_quiet(tmp_path: Path) -> None:
    base = {**_zoo(),
            # a test and an example with the same shape
            "tests/test_pendulum_config.py": _experiment("pendulum"),
            "examples/pendulum_ppo.py": _experiment("pendulum"),
            # a mapping the main block never hands to a call
            "zoo/tools/table.py": "table = dict(learning_rate=3e-5)\n\nif __name__ == '__main__':\n    print('x')\n"}
    cand = {"tests/test_pendulum_config.py": _experiment("pendulum", lr="1e-3"),
            "examples/pendulum_ppo.py": _experiment("pendulum", lr="1e-3"),
            "zoo/tools/table.py": "table = dict(learning_rate=1e-3)\n\nif __name__ == '__main__':\n    print('x')\n"}
    result = _run(tmp_path, base, cand)
    assert not result.findings, [f.title for f in result.findings]


def test_a_new_experiment_script_is_no_finding(tmp_path: Path) -> None:
    result = _run(tmp_path, _zoo(), {"zoo/taxi/config/taxi_ppo_config.py": _experiment("taxi")})
    assert not result.findings, [f.title for f in result.findings]
