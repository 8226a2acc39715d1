"""Configuration styles RL projects use: a changed value must be a finding (never "dead"), and a
pure refactor (same values) must give no critical or significant finding.

Each test generates a two-commit repository: zoo-style hyperparameter files picked at run time,
module constants (imported or used by name), dicts returned by a config function, keyword
arguments of library calls (`PPO(learning_rate=3e-4)`) and exponent floats (`3e-4`) in JSON/YAML.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from investigator.config.extractors.structured import extract_json, extract_yaml
from investigator.config.usage import ReadIndex, collect_reads
from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files


def _run(tmp_path: Path, base: dict[str, str], cand: dict[str, str | None]) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in base.items()}, "baseline")
    c = commit_files(repo, {k: textwrap.dedent(v) if v else v for k, v in cand.items()}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _finding(result: AnalyzerResult, key: str):
    hits = [f for f in result.findings if f"`{key}`" in f.title or f"`{key} " in f.title or f" {key}`" in f.title]
    assert hits, [f.title for f in result.findings]
    return hits[0]


def _where(finding) -> tuple[str | None, str | None]:
    base, cand = finding.location_at("baseline"), finding.location_at("candidate")
    return (base.render() if base else None, cand.render() if cand else None)


def _dead(result: AnalyzerResult, key: str) -> bool:
    return any(key in n.title for n in result.no_effect)


def _loud(result: AnalyzerResult) -> list[str]:
    return [f.title for f in result.findings if f.severity.value in ("critical", "significant")]


# -- zoo-style hyperparameter file: a section picked at run time, passed as **kwargs to a library --

ZOO_TRAIN = '''\
    import argparse

    import yaml
    from stable_baselines3 import PPO


    def main():
        parser = argparse.ArgumentParser()
        parser.add_argument("--env", type=str, default="CartPole-v1")
        args = parser.parse_args()
        with open("hyperparams/ppo.yml") as f:
            hyperparams = yaml.safe_load(f)[args.env]
        n_timesteps = hyperparams.pop("n_timesteps")
        model = PPO("MlpPolicy", args.env, **hyperparams)
        model.learn(total_timesteps=int(n_timesteps))


    if __name__ == "__main__":
        main()
    '''
ZOO = '''\
    CartPole-v1:
      n_envs: 8
      n_timesteps: !!float 1e5
      n_steps: 32
      gamma: 0.98
      ent_coef: 0.0
      learning_rate: lin_0.001

    Pendulum-v1:
      n_envs: 4
      gamma: 0.9
    '''


def test_zoo_hyperparameters_picked_at_run_time_are_live(tmp_path):
    result = _run(tmp_path, {"train.py": ZOO_TRAIN, "hyperparams/ppo.yml": ZOO},
                  {"hyperparams/ppo.yml": textwrap.dedent(ZOO).replace("gamma: 0.98", "gamma: 0.9")})
    gamma = _finding(result, "cart_pole_v1.gamma")
    assert gamma.severity.value == "critical"
    assert _where(gamma) == ("hyperparams/ppo.yml:5", "hyperparams/ppo.yml:5")
    assert not _dead(result, "gamma")


def test_loaded_file_read_key_by_key_keeps_unread_keys_dead(tmp_path):
    train = textwrap.dedent(ZOO_TRAIN).replace(
        'hyperparams = yaml.safe_load(f)[args.env]', 'doc = yaml.safe_load(f)').replace(
        'n_timesteps = hyperparams.pop("n_timesteps")', 'n_timesteps = doc["n_timesteps"]').replace(
        '**hyperparams', 'gamma=doc["gamma"]')
    files = {"train.py": train, "hyperparams/ppo.yml": "n_timesteps: 1000\ngamma: 0.99\nunused_knob: 1\n"}
    result = _run(tmp_path, files, {"hyperparams/ppo.yml": "n_timesteps: 1000\ngamma: 0.99\nunused_knob: 2\n"})
    assert _dead(result, "unused_knob")
    assert not result.findings


def test_zoo_file_reordered_is_no_finding(tmp_path):
    reordered = textwrap.dedent(ZOO).replace("  n_envs: 8\n", "").replace("  gamma: 0.98\n", "  gamma: 0.98\n  n_envs: 8\n")
    result = _run(tmp_path, {"train.py": ZOO_TRAIN, "hyperparams/ppo.yml": ZOO}, {"hyperparams/ppo.yml": reordered})
    assert not _loud(result)


# -- module constants -----------------------------------------------------------------------------

CONST_TRAIN = '''\
    import torch

    from constants import LR, NUM_ENVS


    def main():
        opt = torch.optim.Adam([], lr=LR)
        return opt, make(NUM_ENVS)


    if __name__ == "__main__":
        main()
    '''
CONSTANTS = "LR = 3e-4\nNUM_ENVS = 16\nUNUSED_SCALE = 2\n"


def test_imported_constant_is_effective_and_live(tmp_path):
    result = _run(tmp_path, {"train.py": CONST_TRAIN, "constants.py": CONSTANTS},
                  {"constants.py": CONSTANTS.replace("3e-4", "3e-3")})
    lr = _finding(result, "lr")
    assert lr.severity.value == "critical"
    assert _where(lr) == ("constants.py:1", "constants.py:1")


def test_module_imported_whole_gives_its_constants(tmp_path):
    train = textwrap.dedent(CONST_TRAIN).replace("from constants import LR, NUM_ENVS", "import constants as C") \
        .replace("lr=LR", "lr=C.LR").replace("make(NUM_ENVS)", "make(C.NUM_ENVS)")
    result = _run(tmp_path, {"train.py": train, "constants.py": CONSTANTS},
                  {"constants.py": CONSTANTS.replace("NUM_ENVS = 16", "NUM_ENVS = 4")})
    assert _finding(result, "num_envs").severity.value == "critical"


def test_constant_used_by_name_in_the_entry_module_is_not_dead(tmp_path):
    train = textwrap.dedent(CONST_TRAIN).replace("from constants import LR, NUM_ENVS\n", CONSTANTS)
    result = _run(tmp_path, {"train.py": train}, {"train.py": train.replace("LR = 3e-4", "LR = 3e-3")})
    assert _finding(result, "lr").severity.value == "critical"
    assert not _dead(result, "lr")


def test_constant_nobody_uses_stays_dead_and_unimported_module_gives_nothing(tmp_path):
    train = textwrap.dedent(CONST_TRAIN).replace("from constants import LR, NUM_ENVS\n", CONSTANTS)
    files = {"train.py": train, "other_constants.py": "GAMMA = 0.99\n"}
    result = _run(tmp_path, files, {"train.py": train.replace("UNUSED_SCALE = 2", "UNUSED_SCALE = 3"),
                                    "other_constants.py": "GAMMA = 0.9\n"})
    assert _dead(result, "unused_scale")
    assert not result.findings


def test_constants_reordered_is_no_finding(tmp_path):
    result = _run(tmp_path, {"train.py": CONST_TRAIN, "constants.py": CONSTANTS},
                  {"constants.py": "# hyperparameters\nUNUSED_SCALE = 2\nNUM_ENVS = 16\nLR = 0.0003\n"})
    assert not result.findings


# -- a dict returned by a config function -------------------------------------------------------

DICT_TRAIN = '''\
    from trainer import Trainer


    def get_config():
        return {"lr": 3e-4, "gamma": 0.99, "ent_coef": 0.01}


    def main():
        Trainer(**get_config()).fit()


    if __name__ == "__main__":
        main()
    '''
TRAINER = '''\
    class Trainer:
        def __init__(self, lr, gamma, ent_coef):
            self.lr, self.gamma, self.ent_coef = lr, gamma, ent_coef

        def fit(self):
            return self.lr * self.gamma * self.ent_coef
    '''


def test_dict_returned_by_a_config_function_is_effective(tmp_path):
    result = _run(tmp_path, {"train.py": DICT_TRAIN, "trainer.py": TRAINER},
                  {"train.py": textwrap.dedent(DICT_TRAIN).replace('"ent_coef": 0.01', '"ent_coef": 0.0')})
    ent = _finding(result, "ent_coef")
    assert ent.severity.value == "critical"
    assert _where(ent) == ("train.py:5", "train.py:5")


def test_returned_dict_of_expressions_is_not_configuration(tmp_path):
    env = "def make_env(cfg):\n    return {'n': cfg.num_envs, 'w': cfg.weights}\n"
    train = "from env import make_env\n\n\ndef main(cfg):\n    make_env(cfg)\n\n\nif __name__ == '__main__':\n    main(None)\n"
    result = _run(tmp_path, {"train.py": train, "env.py": env},
                  {"env.py": env.replace("cfg.weights", "cfg.weights2")})
    assert not result.findings


# -- keyword arguments of library calls in reached code -----------------------------------------

SB3 = '''\
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env


    def main():
        env = make_vec_env("CartPole-v1", n_envs=8)
        model = PPO(
            "MlpPolicy",
            env,
            learning_rate=3e-4,
            n_steps=2048,
            ent_coef=0.0,
            policy_kwargs=dict(net_arch=[64, 64]),
        )
        model.learn(total_timesteps=1_000_000)


    def unused_sweep():
        return PPO("MlpPolicy", "CartPole-v1", learning_rate=1e-2)


    if __name__ == "__main__":
        main()
    '''


def test_library_call_keyword_is_a_finding(tmp_path):
    sb3 = textwrap.dedent(SB3)
    result = _run(tmp_path, {"train.py": sb3},
                  {"train.py": sb3.replace("learning_rate=3e-4", "learning_rate=3e-3")
                   .replace("net_arch=[64, 64]", "net_arch=[256, 256]")})
    lr = _finding(result, "ppo.learning_rate")
    assert lr.severity.value == "critical"
    assert _where(lr) == ("train.py:10", "train.py:10")
    assert _finding(result, "ppo.policy_kwargs.net_arch").severity.value == "significant"
    assert not result.no_effect


def test_library_call_keyword_in_unreached_code_is_no_finding(tmp_path):
    sb3 = textwrap.dedent(SB3)
    result = _run(tmp_path, {"train.py": sb3}, {"train.py": sb3.replace("learning_rate=1e-2", "learning_rate=1e-1")})
    assert not _loud(result)


def test_library_call_keywords_moved_to_a_yaml_file_is_no_finding(tmp_path):
    sb3 = textwrap.dedent(SB3)
    moved = sb3.replace("def main():\n", 'def main():\n    with open("configs/ppo.yaml") as f:\n'
                                         '        cfg = yaml.safe_load(f)\n')
    moved = "import yaml\n" + moved.replace("learning_rate=3e-4", 'learning_rate=cfg["lr"]') \
        .replace("n_steps=2048", 'n_steps=cfg["n_steps"]').replace("ent_coef=0.0", 'ent_coef=cfg["ent_coef"]')
    result = _run(tmp_path, {"train.py": sb3},
                  {"train.py": moved, "configs/ppo.yaml": "lr: 3.0e-4\nn_steps: 2048\nent_coef: 0.0\n"})
    assert not _loud(result)
    changed = _run(tmp_path / "changed", {"train.py": sb3},
                   {"train.py": moved, "configs/ppo.yaml": "lr: 3.0e-4\nn_steps: 2048\nent_coef: 0.01\n"})
    ent = _finding(changed, "ent_coef")
    assert ent.severity.value == "critical"
    assert _where(ent) == ("train.py:12", "configs/ppo.yaml:3")


# -- exponent floats ----------------------------------------------------------------------------

def test_exponent_without_dot_is_a_number_in_json_and_yaml():
    assert [e.value for e in extract_json("a.json", '{"a": 3e-4, "b": "3e-4", "c": 16}').entries] == [0.0003, "3e-4", 16]
    assert [e.value for e in extract_yaml("a.yaml", 'a: 3e-4\nb: "3e-4"\nc: 1.0e5\nd: 2e5x\n').entries] == [
        0.0003, "3e-4", 100000.0, "2e5x"]


def test_json_rewritten_with_exponents_is_no_finding(tmp_path):
    train = '''\
        import json


        def main(config_path="configs/ppo.json"):
            with open(config_path) as f:
                cfg = json.load(f)
            return cfg["optimizer"]["lr"], cfg["gamma"]


        if __name__ == "__main__":
            main()
        '''
    result = _run(tmp_path, {"train.py": train, "configs/ppo.json": '{"optimizer": {"lr": 0.0003}, "gamma": 0.99}\n'},
                  {"configs/ppo.json": '{"gamma": 0.99, "optimizer": {"lr": 3e-4}}\n'})
    assert not result.findings


# -- launch scripts -----------------------------------------------------------------------------

ARGPARSE = '''\
    import argparse


    def parse_args():
        parser = argparse.ArgumentParser()
        parser.add_argument("--learning-rate", type=float, default=2.5e-4)
        parser.add_argument("--num-envs", type=int, default=4)
        return parser.parse_args()


    if __name__ == "__main__":
        args = parse_args()
        print(args.learning_rate * args.num_envs)
    '''
LAUNCH = "#!/bin/bash\nset -e\npython ppo.py --learning-rate 2.5e-4 --num-envs 8 \"$@\"\n"


def test_launch_script_argument_is_a_finding_at_its_line(tmp_path):
    result = _run(tmp_path, {"ppo.py": ARGPARSE, "scripts/launch.sh": LAUNCH},
                  {"scripts/launch.sh": LAUNCH.replace("2.5e-4", "2.5e-3")})
    lr = _finding(result, "learning_rate")
    assert lr.severity.value == "critical"
    assert _where(lr) == ("scripts/launch.sh:3", "scripts/launch.sh:3")


def test_makefile_recipe_overrides_the_option_default(tmp_path):
    make = "PY ?= python\ntrain:\n\t@$(PY) ppo.py --num-envs 8\n"
    result = _run(tmp_path, {"ppo.py": ARGPARSE, "Makefile": make},
                  {"Makefile": make.replace("8", "2"), "ppo.py": textwrap.dedent(ARGPARSE).replace("default=4", "default=2")})
    envs = _finding(result, "num_envs")
    assert _where(envs) == ("Makefile:3", "Makefile:3")  # the recipe's value wins over the option default
    assert envs.title.endswith("8 → 2")


def test_hydra_overrides_in_a_launch_script_are_applied(tmp_path):
    train = '''\
        import hydra


        @hydra.main(version_base=None, config_path="conf", config_name="config")
        def main(cfg):
            return cfg.algo.lr * cfg.algo.gamma


        if __name__ == "__main__":
            main()
        '''
    files = {"train.py": train, "conf/config.yaml": "defaults:\n  - algo: ppo\n  - _self_\n",
             "conf/algo/ppo.yaml": "lr: 3.0e-4\ngamma: 0.99\n", "run.sh": "python train.py algo.lr=3e-4 --multirun\n"}
    result = _run(tmp_path, files, {"run.sh": "python train.py algo.lr=1e-3 --multirun\n"})
    lr = _finding(result, "algo.lr")
    assert lr.title.endswith("0.0003 → 0.001")
    assert _where(lr) == ("run.sh:1", "run.sh:1")


def test_launch_script_reformatted_is_no_finding(tmp_path):
    wrapped = "#!/bin/bash\nset -e\npython ppo.py \\\n    --learning-rate 0.00025 \\\n    --num-envs=8 \"$@\"  # tuned\n"
    result = _run(tmp_path, {"ppo.py": ARGPARSE, "scripts/launch.sh": LAUNCH}, {"scripts/launch.sh": wrapped})
    assert not result.findings


def test_several_commands_running_the_entry_are_not_applied(tmp_path):
    two = LAUNCH + LAUNCH.replace("8", "16").replace("#!/bin/bash\nset -e\n", "")
    result = _run(tmp_path, {"ppo.py": ARGPARSE, "scripts/launch.sh": two},
                  {"scripts/launch.sh": two.replace("2.5e-4", "2.5e-3")})
    assert not result.findings  # ambiguous: compared as other configuration only


def test_loaded_document_reads_the_files_its_module_names_even_by_fstring():
    train = textwrap.dedent(ZOO_TRAIN).replace('open("hyperparams/ppo.yml")', 'open(f"hyperparams/{args.algo}.yml")')
    index = ReadIndex({"train.py": train})
    assert index.reads_file("hyperparams/ppo.yml")
    assert index.reads_file("zoo/hyperparams/sac.yml")
    assert not index.reads_file("configs/ppo.yml")
    keyed = train.replace("yaml.safe_load(f)[args.env]", 'yaml.safe_load(f)["CartPole-v1"]["gamma"]')
    assert not ReadIndex({"train.py": keyed}).reads_file("hyperparams/ppo.yml")


def test_fstring_contents_are_reads():
    reads = collect_reads(ast.parse('def main():\n    print(f"{cfg.lr_scale}")\n    return LR\n'), set())
    assert reads.defs["main"] == {"lr_scale", "LR"}


# -- argparse options splatted into a library call --------------------------------------------

VARS_TRAIN = '''\
    import argparse

    import wandb
    from stable_baselines3 import PPO


    def main():
        parser = argparse.ArgumentParser()
        parser.add_argument("--learning-rate", type=float, default=3e-4)
        parser.add_argument("--ent-coef", type=float, default=0.0)
        args = parser.parse_args()
        wandb.init(config=vars(args))
        model = PPO("MlpPolicy", "CartPole-v1", **vars(args))
        model.learn(100000)


    if __name__ == "__main__":
        main()
    '''


def test_options_splatted_into_a_call_are_live(tmp_path):
    train = textwrap.dedent(VARS_TRAIN)
    result = _run(tmp_path, {"train.py": train}, {"train.py": train.replace("default=0.0", "default=0.01")})
    assert _finding(result, "ent_coef").severity.value == "critical"
    assert not _dead(result, "ent_coef")


def test_options_only_logged_or_forwarded_stay_dead(tmp_path):
    train = textwrap.dedent(VARS_TRAIN).replace('model = PPO("MlpPolicy", "CartPole-v1", **vars(args))',
                                                'model = wrap(lr=args.learning_rate)')
    train += "\n\ndef wrap(**kwargs):\n    return PPO('MlpPolicy', 'CartPole-v1', **kwargs)\n"
    result = _run(tmp_path, {"train.py": train}, {"train.py": train.replace("default=0.0", "default=0.01")})
    assert _dead(result, "ent_coef")
    assert not result.findings


# -- ml_collections config files ----------------------------------------------------------------

MLC_TRAIN = '''\
    from absl import app, flags
    from ml_collections import config_flags

    from agent import SACLearner

    FLAGS = flags.FLAGS
    config_flags.DEFINE_config_file("config", "configs/sac_default.py", "Training configuration.")


    def main(_):
        SACLearner(**dict(FLAGS.config)).update()


    if __name__ == "__main__":
        app.run(main)
    '''
MLC_CONFIG = '''\
    import ml_collections


    def get_config():
        config = ml_collections.ConfigDict()
        config.actor_lr = 3e-4
        config.discount = 0.99
        return config
    '''
MLC_AGENT = '''\
    class SACLearner:
        def __init__(self, actor_lr, discount):
            self.lr, self.discount = actor_lr, discount

        def update(self):
            return self.lr * self.discount
    '''


def test_ml_collections_config_file_is_followed(tmp_path):
    files = {"train.py": MLC_TRAIN, "configs/sac_default.py": MLC_CONFIG, "agent.py": MLC_AGENT}
    result = _run(tmp_path, files, {"configs/sac_default.py": textwrap.dedent(MLC_CONFIG).replace("0.99", "0.9")})
    discount = _finding(result, "discount")
    assert discount.severity.value == "critical"
    assert _where(discount) == ("configs/sac_default.py:7", "configs/sac_default.py:7")


def test_python_file_named_without_get_config_is_not_followed(tmp_path):
    other = "def build():\n    config = {}\n    config.discount = 0.99\n    return config\n"
    train = textwrap.dedent(MLC_TRAIN).replace("configs/sac_default.py", "configs/other.py")
    files = {"train.py": train, "configs/other.py": other, "agent.py": MLC_AGENT}
    result = _run(tmp_path, files, {"configs/other.py": other.replace("0.99", "0.9")})
    assert not result.findings


# octo bd930f91..241fb351 scripts/train.py: the config file is named by a path built on a directory variable and
# carries ml_collections' `:config_string` argument; its `get_config()` returns `ConfigDict(dict(...))` whose
# `dataset_kwargs.batch_size` went 1024 -> 512
MLC_JOINED_TRAIN = '''\
    import os

    from absl import app, flags
    from ml_collections import config_flags

    from agent import SACLearner

    FLAGS = flags.FLAGS
    config_dir = os.path.join(os.path.dirname(__file__), "configs")
    config_flags.DEFINE_config_file("config", os.path.join(config_dir, "config.py:transformer_bc"), "Configuration.")


    def main(_):
        SACLearner(**FLAGS.config.agent_kwargs).update(FLAGS.config.batch_size)


    if __name__ == "__main__":
        app.run(main)
    '''
MLC_JOINED_CONFIG = '''\
    from ml_collections import ConfigDict


    def get_config(transformer_size="vit_s"):
        return ConfigDict(
            dict(
                seed=42,
                batch_size=1024,
                agent_kwargs=dict(actor_lr=3e-4, discount=0.99),
            )
        )
    '''
MLC_JOINED_AGENT = '''\
    class SACLearner:
        def __init__(self, actor_lr, discount):
            self.lr, self.discount = actor_lr, discount

        def update(self, batch_size):
            return self.lr * self.discount * batch_size
    '''


def test_ml_collections_config_named_through_a_directory_and_config_string_is_followed(tmp_path):
    files = {"scripts/train.py": MLC_JOINED_TRAIN, "scripts/configs/config.py": MLC_JOINED_CONFIG,
             "agent.py": MLC_JOINED_AGENT}
    changed = textwrap.dedent(MLC_JOINED_CONFIG).replace("1024", "512").replace("0.99", "0.9")
    result = _run(tmp_path, files, {"scripts/configs/config.py": changed})
    assert _where(_finding(result, "batch_size")) == ("scripts/configs/config.py:8", "scripts/configs/config.py:8")
    assert _finding(result, "agent_kwargs.discount").severity.value in ("critical", "significant")


def test_ml_collections_config_refactor_with_same_values_is_quiet(tmp_path):
    files = {"scripts/train.py": MLC_JOINED_TRAIN, "scripts/configs/config.py": MLC_JOINED_CONFIG,
             "agent.py": MLC_JOINED_AGENT}
    same = textwrap.dedent(MLC_JOINED_CONFIG).replace("dict(\n            seed=42,", "{\n            'seed': 42,")
    same = same.replace("batch_size=1024,", "'batch_size': 1024,").replace(
        "agent_kwargs=dict(actor_lr=3e-4, discount=0.99),\n        )", "'agent_kwargs': dict(actor_lr=3e-4, discount=0.99),\n        }")
    assert "{" in same and "}" in same
    result = _run(tmp_path, files, {"scripts/configs/config.py": same})
    assert not _loud(result)


def test_ambiguous_config_file_name_under_the_entry_is_not_guessed(tmp_path):
    """Two `configs/**/config.py` under the entry's folder: the joined name does not say which one is loaded."""
    files = {"scripts/train.py": MLC_JOINED_TRAIN, "scripts/configs/a/config.py": MLC_JOINED_CONFIG,
             "scripts/configs/b/config.py": MLC_JOINED_CONFIG, "agent.py": MLC_JOINED_AGENT}
    train = textwrap.dedent(MLC_JOINED_TRAIN).replace('os.path.join(os.path.dirname(__file__), "configs")',
                                                      'os.environ["CONFIG_DIR"]')
    files["scripts/train.py"] = train
    changed = textwrap.dedent(MLC_JOINED_CONFIG).replace("1024", "512")
    result = _run(tmp_path, files, {"scripts/configs/a/config.py": changed})
    assert not any("batch_size" in f.title and f.location_at("candidate")
                   and f.location_at("candidate").path == "scripts/configs/a/config.py"
                   and f.severity.value == "critical" for f in result.findings)
MLC_REFERENCE_CONFIG = '''\
    from ml_collections import ConfigDict, FieldReference


    def get_config():
        num_steps = FieldReference(default=int(2e6))
        return ConfigDict(dict(batch_size=1024, num_steps=num_steps, agent_kwargs=dict(actor_lr=3e-4, discount=0.99)))
    '''
MLC_REFERENCE_TRAIN = MLC_JOINED_TRAIN.replace("FLAGS.config.batch_size", "FLAGS.config.batch_size * FLAGS.config.num_steps")


def test_ml_collections_field_reference_inlined_as_its_value(tmp_path):
    """octo's `num_steps = FieldReference(default=int(2e6))` then `num_steps=num_steps` became `num_steps=2e6`."""
    files = {"scripts/train.py": MLC_REFERENCE_TRAIN, "scripts/configs/config.py": MLC_REFERENCE_CONFIG,
             "agent.py": MLC_JOINED_AGENT}
    inlined = textwrap.dedent(MLC_REFERENCE_CONFIG).replace("        num_steps = FieldReference(default=int(2e6))\n", "")
    same = inlined.replace("num_steps=num_steps", "num_steps=2e6")
    assert not any("num_steps" in t for t in _loud(_run(tmp_path / "same", files, {"scripts/configs/config.py": same})))
    fewer = inlined.replace("num_steps=num_steps", "num_steps=1e6")
    assert _finding(_run(tmp_path / "fewer", files, {"scripts/configs/config.py": fewer}), "num_steps")


# octo bd930f91..241fb351 octo/model/components/transformer.py: `TRANSFORMER_SIZES` gained a `vit_t` entry of the
# same shape as `vit_s`/`vit_b`; the run picks `vit_s`
SIZES_MODEL = '''\
    def sizes(size):
        table = {
            "vit_s": dict(num_layers=12, mlp_dim=1536, heads=6),
            "vit_b": dict(num_layers=12, mlp_dim=3072, heads=12),
            "vit_l": dict(num_layers=24, mlp_dim=4096, heads=16),
        }
        return table[size]
    '''
SIZES_CONFIG = '''\
    from ml_collections import ConfigDict

    from model import sizes


    def get_config():
        return ConfigDict(dict(batch_size=1024, model=sizes("vit_s"), agent_kwargs=dict(actor_lr=3e-4, discount=0.99)))
    '''


def _sizes_run(tmp_path: Path, new_model: str) -> AnalyzerResult:
    files = {"scripts/train.py": MLC_JOINED_TRAIN, "scripts/configs/config.py": SIZES_CONFIG,
             "agent.py": MLC_JOINED_AGENT, "model.py": SIZES_MODEL}
    return _run(tmp_path, files, {"model.py": new_model})


def test_new_entry_in_a_table_of_alternatives_changes_no_run(tmp_path):
    added = textwrap.dedent(SIZES_MODEL).replace(
        '        "vit_s"', '        "vit_t": dict(num_layers=12, mlp_dim=768, heads=3),\n        "vit_s"', 1)
    result = _sizes_run(tmp_path, added)
    assert not any("vit_t" in f.title for f in result.findings), [f.title for f in result.findings]
    assert any("vit_t" in n.title or "vit_t" in n.reason for n in result.no_effect)


def test_changed_entry_in_a_table_of_alternatives_is_still_reported(tmp_path):
    changed = textwrap.dedent(SIZES_MODEL).replace("mlp_dim=1536", "mlp_dim=768")
    result = _sizes_run(tmp_path, changed)
    assert any("vit_s.mlp_dim" in f.title for f in result.findings), [f.title for f in result.findings]
    grown = textwrap.dedent(SIZES_MODEL).replace("heads=6)", "heads=6, dropout=0.1)")
    result = _sizes_run(tmp_path / "grown", grown)
    assert not any("vit_s.dropout" in n.title and "alternative" in n.reason for n in result.no_effect)


COMPONENTS_TRAIN = MLC_JOINED_TRAIN.replace(
    "SACLearner(**FLAGS.config.agent_kwargs).update(FLAGS.config.batch_size)",
    "opt = FLAGS.config.optim\n        SACLearner(opt.actor.lr, opt.critic.lr).update(opt.temperature.lr)")
COMPONENTS_CONFIG = '''\
    from ml_collections import ConfigDict


    def get_config():
        return ConfigDict(dict(optim=dict(actor=dict(lr=3e-4, eps=1e-5), critic=dict(lr=1e-3, eps=1e-5),
                                          encoder=dict(lr=1e-3, eps=1e-5))))
    '''


def test_new_entry_read_by_name_beside_others_is_a_component_not_an_alternative(tmp_path):
    """`optim.temperature` beside `actor`/`critic`/`encoder`, read as `opt.temperature.lr`: a new component."""
    files = {"scripts/train.py": COMPONENTS_TRAIN, "scripts/configs/config.py": COMPONENTS_CONFIG,
             "agent.py": MLC_JOINED_AGENT}
    grown = textwrap.dedent(COMPONENTS_CONFIG).replace("encoder=dict(", "temperature=dict(lr=1e-2, eps=1e-5), encoder=dict(")
    result = _run(tmp_path, files, {"scripts/configs/config.py": grown})
    assert not any("temperature" in n.title and "alternative" in n.reason for n in result.no_effect)
    assert any("temperature.lr" in f.title for f in result.findings), [f.title for f in result.findings]
