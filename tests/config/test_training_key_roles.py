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
