"""Configuration shapes seen in real RL repositories (issue 11), each as a small generated repository.

- list-, mapping- and set-valued options never crash the analysis; one key or entry that fails is a
  recorded failure and the rest goes on;
- a config file only the README names (no code loads it) is no-effect, never a finding;
- config files the entry loads from a path chosen at run time (`runner.py --file x.yaml`) are compared:
  a changed key there is a finding, a brand-new experiment file is not;
- trees re-rooted under a new top object pair by structure, so identical values stay identical;
- a key set at one commit only is judged against the other commit's implicit default;
- a key renamed together with the code that reads it is a rename, not a removal and an addition;
- both commits are followed from the same script when the baseline's still exists.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from investigator.config import findings as findings_module
from investigator.config.defaults import code_defaults, library_default
from investigator.config.loading import LoadIndex, pattern_of, runtime_formats
from investigator.config.matching import match
from investigator.config.model import ConfigEntry, EntryKind, MatchStatus
from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files


def _run(tmp_path: Path, base: dict[str, str], cand: dict[str, str | None]) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in base.items()}, "baseline")
    c = commit_files(repo, {k: textwrap.dedent(v) if v else v for k, v in cand.items()}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _titles(result: AnalyzerResult) -> list[str]:
    return [f.title for f in result.findings]


def _loud(result: AnalyzerResult) -> list[str]:
    return [f.title for f in result.findings if f.severity.value in ("critical", "significant")]


def _with(result: AnalyzerResult, text: str):
    hits = [f for f in result.findings if text in f.title]
    assert hits, _titles(result)
    return hits[0]


# ---- values of any type never crash the analysis -------------------------------------------------

LIST_OPTIONS = '''\
    import argparse


    def main(layers=[64, 64], tags={"a", "b"}):
        parser = argparse.ArgumentParser()
        parser.add_argument("--hidden", nargs="+", type=int, default=[64, 64])
        parser.add_argument("--env-kwargs", type=dict, default={"frame_skip": 4, "sizes": [1, 2]})
        parser.add_argument("--nothing", default=None)
        parser.add_argument("--pair", default=(1, 2))
        parser.add_argument("--lr", type=float, default=LR)
        args = parser.parse_args()
        return args.hidden, args.env_kwargs, args.lr, args.pair, layers, tags

    LR = 3e-4

    if __name__ == "__main__":
        main()
'''


def test_list_valued_option_defaults_do_not_crash_and_are_compared(tmp_path):
    result = _run(tmp_path, {"train.py": LIST_OPTIONS},
                  {"train.py": LIST_OPTIONS.replace('default=[64, 64])', 'default=[128, 128])')})
    assert not [f.message for f in result.failures]
    assert "Configuration changes" in result.sections[0].title
    finding = _with(result, "hidden")
    assert "[64, 64] → [128, 128]" in finding.title


def test_unchanged_list_valued_options_give_no_finding(tmp_path):
    result = _run(tmp_path, {"train.py": LIST_OPTIONS}, {"train.py": LIST_OPTIONS.replace("LR = 3e-4", "LR = 3e-4  # same")})
    assert not result.failures
    assert result.findings == []


def test_values_without_a_json_form_render():
    assert ConfigEntry("k", {3, 1, 2}, "a.py", 1, "python", EntryKind.constant).render_value() == "[1, 2, 3]"
    loop: list = [1]
    loop.append(loop)
    assert ConfigEntry("k", loop, "a.py", 1, "python", EntryKind.constant).render_value().startswith("[1, [")


def test_a_key_that_cannot_be_judged_is_a_recorded_failure_and_the_rest_goes_on(tmp_path, monkeypatch):
    real = findings_module.judge

    def judge(m, playbooks):
        if m.key.endswith("gamma"):
            raise ValueError("boom")
        return real(m, playbooks)

    monkeypatch.setattr(findings_module, "judge", judge)
    base = {"train.py": "import argparse\np = argparse.ArgumentParser()\np.add_argument('--gamma', default=0.99)\n"
                        "p.add_argument('--learning-rate', default=3e-4)\nargs = p.parse_args()\n"
                        "print(args.gamma, args.learning_rate)\n"}
    cand = {"train.py": base["train.py"].replace("0.99", "0.9").replace("3e-4", "1e-3")}
    result = _run(tmp_path, base, cand)
    assert any("config key `gamma`" in f.message and "boom" in f.message for f in result.failures)
    assert any("learning_rate" in t for t in _titles(result))  # the other key is still judged


def test_an_entry_that_cannot_be_followed_falls_back_to_all_configuration(tmp_path, monkeypatch):
    from investigator.config import analyzer

    real = analyzer.build_side

    def build_side(side, resolved):
        if resolved.starts:
            raise TypeError("unhashable type: 'list'")
        return real(side, resolved)

    monkeypatch.setattr(analyzer, "build_side", build_side)
    base = {"train.py": "import argparse\np = argparse.ArgumentParser()\np.add_argument('--gamma', default=0.99)\n"
                        "args = p.parse_args()\nprint(args.gamma)\n"}
    result = _run(tmp_path, base, {"train.py": base["train.py"].replace("0.99", "0.9")})
    assert any("following the entry failed" in f.message for f in result.failures)
    assert any("gamma" in t for t in _titles(result))


# ---- configuration files no code loads -----------------------------------------------------------

LIBRARY = {
    "lib/ppo.py": '''\
        class PPO:
            def __init__(self, clip_param=0.2, learning_rate=1e-3, entropy_coef=0.01):
                self.clip_param = clip_param
                self.learning_rate = learning_rate
                self.entropy_coef = entropy_coef

            def loss(self, ratio):
                return ratio.clamp(1 - self.clip_param, 1 + self.clip_param) * self.entropy_coef
        ''',
    "README.md": "Configure the runner like `config/example_config.yaml`.\n",
    "config/example_config.yaml": '''\
        runner:
          algorithm:
            clip_param: 0.2
            learning_rate: 0.001
            entropy_coef: 0.01
        ''',
}


def test_a_config_file_only_the_readme_names_is_no_effect(tmp_path):
    result = _run(tmp_path, LIBRARY, {"config/example_config.yaml": None})
    assert result.findings == []
    reasons = [n.reason for n in result.no_effect]
    assert reasons and all("no code loads `config/example_config.yaml`" in r for r in reasons), reasons


@pytest.mark.parametrize("loader", [
    'yaml.safe_load(open("config/example_config.yaml"))',  # a path reference
    'yaml.safe_load(open(glob.glob("config/*.yaml")[0]))',  # a glob
    'yaml.safe_load(open(f"config/{name}.yaml"))',  # a name built by formatting
    'yaml.safe_load(open(os.path.join("config", name + ".yaml")))',  # joined to a bare suffix
    'yaml.safe_load(open(sys.argv[1]))',  # a path chosen at run time
])
def test_a_config_file_some_code_loads_is_compared(tmp_path, loader):
    train = f'''\
        import glob, os, sys

        import yaml

        from lib.ppo import PPO


        def main(name="example_config"):
            cfg = {loader}
            PPO(**cfg["runner"]["algorithm"])


        if __name__ == "__main__":
            main()
        '''
    base = {**LIBRARY, "train.py": train}
    cand = {"config/example_config.yaml": LIBRARY["config/example_config.yaml"].replace("0.2", "0.3")}
    result = _run(tmp_path, base, cand)
    assert any("clip_param" in t and "0.2 → 0.3" in t for t in _titles(result)), _titles(result)


def test_a_hydra_config_directory_is_loaded():
    index = LoadIndex({"app/main.py": '@hydra.main(config_path="../conf", config_name="train")\ndef main(c): ...\n'})
    assert index.loaded("conf/trainer/ppo.yaml")
    assert not index.loaded("examples/ppo.yaml")
    assert index.loaded("pyproject.toml")  # read by tools: never judged by this rule


def test_patterns_and_runtime_loaders():
    assert pattern_of("{root}/conf/{algo}.yaml") == "*/conf/*.yaml"
    assert pattern_of("conf/%s.yml") == "conf/*.yml"
    assert pattern_of(".json") == "*.json"
    assert runtime_formats("cfg = yaml.safe_load(stream)") == {"yaml"}
    assert runtime_formats('cfg = yaml.safe_load(open("a.yaml"))') == set()
    assert runtime_formats("d = json.load(f)\nc = OmegaConf.load(path)") == {"json", "yaml"}
    assert runtime_formats("@pyrallis.wrap()\ndef train(config: TrainConfig): ...") == {"yaml"}


# ---- config files loaded from a path chosen at run time (`runner.py --file x.yaml`) --------------

RUNNER = '''\
    import argparse

    import yaml

    from agent import Agent


    if __name__ == "__main__":
        ap = argparse.ArgumentParser()
        ap.add_argument("-f", "--file", required=True, help="path to config")
        args = vars(ap.parse_args())
        with open(args["file"]) as stream:
            config = yaml.safe_load(stream)
        Agent(config["params"]["config"]).train()
'''
AGENT = '''\
    class Agent:
        def __init__(self, config):
            self.max_epochs = config.get("max_epochs", 1e6)
            self.lr = config["learning_rate"]
            self.has_lives = config["env_config"].get("has_lives", False)

        def train(self):
            return self.max_epochs, self.lr, self.has_lives
'''
PONG = '''\
    params:
      config:
        learning_rate: 3e-4
        max_epochs: 1500
        env_config:
          env_name: Pong-v5
          has_lives: True
'''


def test_a_key_of_a_file_loaded_at_run_time_is_a_finding(tmp_path):
    base = {"runner.py": RUNNER, "agent.py": AGENT, "configs/atari/pong.yaml": PONG}
    cand = {"configs/atari/pong.yaml": PONG.replace("1500", "500").replace("True", "False")}
    result = _run(tmp_path, base, cand)
    epochs = _with(result, "max_epochs")
    lives = _with(result, "has_lives")
    assert "1500 → 500" in epochs.title and "true → false" in lives.title
    assert {epochs.severity.value, lives.severity.value} == {"significant"}
    assert "loads from a path chosen at run time" in epochs.rationale


def test_a_new_experiment_file_loaded_at_run_time_changes_no_existing_run(tmp_path):
    base = {"runner.py": RUNNER, "agent.py": AGENT, "configs/atari/pong.yaml": PONG}
    cand = {"configs/mujoco/humanoid.yaml": PONG.replace("Pong-v5", "Humanoid-v3").replace("3e-4", "1e-3")}
    result = _run(tmp_path, base, cand)
    assert result.findings == []
    assert result.no_effect and all("is a new config file among those `runner.py` loads at run time" in n.reason
                                    for n in result.no_effect)


def test_a_key_added_to_a_run_time_file_is_judged_against_the_code_default(tmp_path):
    base = {"runner.py": RUNNER, "agent.py": AGENT, "configs/mujoco/hopper.yaml": PONG.replace("max_epochs: 1500\n        ", "")}
    result = _run(tmp_path, base, {"configs/mujoco/hopper.yaml": PONG.replace("1500", "5000")})
    finding = _with(result, "max_epochs")
    assert "implicit default 1000000.0" in finding.title and "agent.py:3" in finding.rationale
    same = _run(tmp_path / "same", base, {"configs/mujoco/hopper.yaml": PONG.replace("1500", "1000000")})
    assert same.findings == []
    assert "implicit default (identical)" in same.sections[0].markdown


# ---- trees re-rooted under a new top object ------------------------------------------------------

def _entries(values: dict[str, object], path: str) -> dict[str, ConfigEntry]:
    return {k: ConfigEntry(k, v, path, i + 1, "yaml", EntryKind.file_value) for i, (k, v) in enumerate(values.items())}


RSL = {"algorithm.clip_param": 0.2, "algorithm.gamma": 0.99, "algorithm.lam": 0.95,
       "algorithm.learning_rate": 0.001, "rnd_cfg.learning_rate": 0.001, "rnd_cfg.weight": 0.0,
       "rnd_cfg.gamma": 0.99}


def test_sections_whose_root_and_names_moved_pair_by_structure():
    cand = {k.replace("algorithm.", "tool.trainer.ppo.").replace("rnd_cfg.", "tool.trainer.rnd."): v
            for k, v in RSL.items()}
    matches = match(_entries(RSL, "config.yaml"), _entries(cand, "tool/config.py"))
    assert {m.status for m in matches} == {MatchStatus.moved}
    pairs = {m.baseline.key: m.candidate.key for m in matches}
    assert pairs["algorithm.learning_rate"] == "tool.trainer.ppo.learning_rate"
    assert pairs["rnd_cfg.learning_rate"] == "tool.trainer.rnd.learning_rate"


def test_a_value_changed_in_a_re_rooted_tree_is_found():
    cand = {k.replace("algorithm.", "tool.trainer.ppo.").replace("rnd_cfg.", "tool.trainer.rnd."): v
            for k, v in RSL.items()}
    cand["tool.trainer.ppo.clip_param"] = 0.3
    matches = match(_entries(RSL, "config.yaml"), _entries(cand, "tool/config.py"))
    changed = [m for m in matches if m.status is MatchStatus.changed]
    assert [(m.baseline.key, m.candidate.key) for m in changed] == [("algorithm.clip_param",
                                                                     "tool.trainer.ppo.clip_param")]


def test_sections_that_share_too_little_do_not_pair():
    base = _entries({"optimizer.lr": 0.1, "optimizer.eps": 1e-8, "optimizer.betas": [0.9, 0.999]}, "a.yaml")
    cand = _entries({"model.lr": 0.1, "model.hidden": 64, "model.layers": 3, "model.dropout": 0.1,
                     "model.act": "relu"}, "b.yaml")
    statuses = {m.key: m.status for m in match(base, cand, stages=["section"])}
    assert statuses["optimizer.lr"] is MatchStatus.removed


def test_a_yaml_tree_re_rooted_into_pydantic_classes_is_verified_identical(tmp_path):
    base = {
        "train.py": '''\
            import yaml
            from trainer import train

            def main():
                with open("configs/train.yaml") as f:
                    cfg = yaml.safe_load(f)
                train(cfg)

            if __name__ == "__main__":
                main()
            ''',
        "trainer.py": '''\
            def train(cfg):
                ppo, rnd = cfg["algorithm"], cfg["rnd_cfg"]
                return ppo["clip_param"] * ppo["gamma"] * ppo["lam"] * ppo["learning_rate"] * rnd["learning_rate"] \\
                    * rnd["weight"] * rnd["gamma"]
            ''',
        "configs/train.yaml": '''\
            algorithm:
              clip_param: 0.2
              gamma: 0.99
              lam: 0.95
              learning_rate: 0.001
            rnd_cfg:
              learning_rate: 0.001
              weight: 0.0
              gamma: 0.99
            ''',
    }
    cand = {
        "configs/train.yaml": None,
        "tool/config.py": '''\
            from pydantic import BaseModel, Field


            class PPOConfig(BaseModel):
                clip_param: float = 0.2
                gamma: float = 0.99
                lam: float = 0.95
                learning_rate: float = 0.001


            class RNDConfig(BaseModel):
                learning_rate: float = 0.001
                weight: float = 0.0
                gamma: float = 0.99


            class TrainerConfig(BaseModel):
                ppo: PPOConfig = Field(default_factory=PPOConfig)
                rnd: RNDConfig = Field(default_factory=RNDConfig)


            class ToolConfig(BaseModel):
                trainer: TrainerConfig = Field(default_factory=TrainerConfig)
            ''',
        "train.py": '''\
            from tool.config import ToolConfig
            from trainer import train

            def main():
                tool = ToolConfig()
                train(tool.trainer)

            if __name__ == "__main__":
                main()
            ''',
        "trainer.py": '''\
            def train(cfg):
                ppo, rnd = cfg.ppo, cfg.rnd
                return ppo.clip_param * ppo.gamma * ppo.lam * ppo.learning_rate * rnd.learning_rate * rnd.weight \\
                    * rnd.gamma
            ''',
    }
    result = _run(tmp_path, base, cand)
    assert _loud(result) == []
    verified = " ".join(v.what for v in result.verified)
    assert "learning_rate 0.001 identical" in verified and "clip_param 0.2 identical" in verified


# ---- implicit defaults ---------------------------------------------------------------------------

ADAM_BASE = '''\
    import torch
    import yaml


    def main():
        cfg = yaml.safe_load(open("configs/train.yaml"))
        opt = torch.optim.Adam([], lr=cfg["lr"])
        eps = cfg.get("eps", 1e-8)
        return opt, eps


    if __name__ == "__main__":
        main()
'''


def test_an_explicit_value_equal_to_the_library_or_code_default_is_identical(tmp_path):
    base = {"train.py": ADAM_BASE, "configs/train.yaml": "lr: 3e-4\n"}
    cand = {"train.py": ADAM_BASE.replace('lr=cfg["lr"])', 'lr=cfg["lr"], eps=1e-8, betas=(0.9, 0.999))'),
            "configs/train.yaml": "lr: 3e-4\neps: 1.0e-8\n"}
    result = _run(tmp_path, base, cand)
    assert result.findings == [], _titles(result)
    text = result.sections[0].markdown
    assert "implicit default (identical)" in text and "adam.eps" in text and "`eps` 1e-08" in text


def test_an_explicit_value_that_differs_from_the_default_is_a_finding(tmp_path):
    base = {"train.py": ADAM_BASE, "configs/train.yaml": "lr: 3e-4\n"}
    cand = {"train.py": ADAM_BASE.replace('lr=cfg["lr"])', 'lr=cfg["lr"], eps=1e-5)'),
            "configs/train.yaml": "lr: 3e-4\neps: 1.0e-5\n"}
    result = _run(tmp_path, base, cand)
    assert "baseline: implicit default 1e-08" in _with(result, "`adam.eps`").title
    assert "baseline: implicit default 1e-08" in _with(result, "`eps`").title


def test_a_key_without_a_findable_default_says_so(tmp_path):
    base = {"train.py": ADAM_BASE, "configs/train.yaml": "lr: 3e-4\n"}
    cand = {"train.py": ADAM_BASE.replace("return opt, eps", 'return opt, eps, cfg["ent_coef"]'),
            "configs/train.yaml": "lr: 3e-4\nent_coef: 0.01\n"}
    finding = _with(_run(tmp_path, base, cand), "ent_coef")
    assert "implicit default could not be found" in finding.rationale


def test_code_and_library_defaults():
    import ast

    tree = ast.parse("def f(x, lr=1e-3, *, eps=None):\n    return c.get('gamma', 0.99), getattr(o, 'tau', (1, 2))\n")
    found = code_defaults(tree)
    assert found["lr"] == [(0.001, 1, True)] and found["gamma"] == [(0.99, 2, False)]
    assert found["tau"] == [([1, 2], 2, False)]
    assert "eps" not in found  # `=None` means "not given"
    entry = ConfigEntry("adam.betas", [0.9, 0.999], "t.py", 3, "python", EntryKind.call_kwarg)
    assert library_default(entry).value == [0.9, 0.999]
    assert library_default(ConfigEntry("adam.betas", 1, "t.py", 3, "python", EntryKind.field_default)) is None


# ---- a setting renamed with the code that reads it -----------------------------------------------

def test_a_key_renamed_with_its_reader_is_a_rename(tmp_path):
    base = {
        "train.py": '''\
            import json, sys

            def main():
                cfg = json.load(open(sys.argv[1]))
                return cfg["train"]["use_popart"], cfg["train"]["lr"]

            if __name__ == "__main__":
                main()
            ''',
        "tuned/a.json": '{"train": {"use_popart": true, "lr": 0.0005}}\n',
    }
    cand = {"train.py": base["train.py"].replace("use_popart", "value_normalizer"),
            "tuned/a.json": base["tuned/a.json"].replace("use_popart", "value_normalizer")}
    result = _run(tmp_path, base, cand)
    assert result.findings == [] and result.no_effect == []
    assert "`tuned.a.train.use_popart` → `tuned.a.train.value_normalizer`" in result.sections[0].markdown
    still_read = _run(tmp_path / "b", base, {"tuned/a.json": cand["tuned/a.json"]})
    assert any("use_popart" in t for t in _titles(still_read))  # the code still reads the old name


# ---- the same script at both commits -------------------------------------------------------------

def test_the_candidate_follows_the_script_detected_at_the_baseline(tmp_path):
    demo = '''\
        import argparse

        if __name__ == "__main__":
            p = argparse.ArgumentParser()
            p.add_argument("--learning-rate", type=float, default=2.5e-4)
            print(p.parse_args().learning_rate)
        '''
    other = demo.replace("--learning-rate", "--batch-size").replace("2.5e-4", "64").replace("learning_rate", "batch_size")
    result = _run(tmp_path, {"demo.py": demo}, {"simple_train.py": other})
    text = result.sections[0].markdown
    assert "Candidate: `demo.py`" in text and "the entry detected at the other commit" in text
    assert not any("batch_size" in t for t in _titles(result))


def test_a_parameter_default_of_some_function_proves_identity_but_not_a_change(tmp_path):
    base = {"train.py": ADAM_BASE.replace("def main():", "def make_env(batch_size=1):\n        return batch_size\n\n\n    def main():"),
            "configs/train.yaml": "lr: 3e-4\n"}
    read = base["train.py"].replace("return opt, eps", 'return opt, eps, cfg["batch_size"]')
    differs = _run(tmp_path, base, {"train.py": read, "configs/train.yaml": "lr: 3e-4\nbatch_size: 64\n"})
    finding = _with(differs, "batch_size")
    assert "implicit default" not in finding.title and "only a parameter default was found" in finding.rationale
    assert finding.severity.value != "critical"
    same = _run(tmp_path / "same", base, {"train.py": read, "configs/train.yaml": "lr: 3e-4\nbatch_size: 1\n"})
    assert same.findings == []


# ---- sections of one document picked at run time (`config[env_name]`) ----------------------------

DEMO = '''\
    import argparse

    import yaml


    def load_config(env_name):
        with open("config.yaml") as f:
            config = yaml.safe_load(f)
        default = config["default"]["train"]
        env = config[env_name]["train"]
        lr = env.get("learning_rate", default["learning_rate"])
        batch_size = env.get("batch_size", default["batch_size"])
        gamma = env.get("gamma", default["gamma"])
        return lr, batch_size, gamma


    if __name__ == "__main__":
        p = argparse.ArgumentParser()
        p.add_argument("--env", default="breakout")
        print(load_config(p.parse_args().env))
'''
DOC = '''\
    default:
      train:
        learning_rate: 2.5e-4
        batch_size: 1024
        gamma: 0.99
    breakout:
      train:
        batch_size: 2048
    bigfish:
      train:
        learning_rate: 1.9e-4
        gamma: 0.999
'''


def test_a_section_picked_at_run_time_serves_only_its_runs(tmp_path):
    base = {"demo.py": DEMO, "config.yaml": DOC}
    cand = {"config.yaml": DOC.replace("1.9e-4", "3e-4").replace("2.5e-4", "1e-3")}
    result = _run(tmp_path, base, cand)
    every_run = _with(result, "default.train.learning_rate")
    one_env = _with(result, "bigfish.train.learning_rate")
    assert every_run.severity.value == "critical"  # `config["default"]` serves every run
    assert one_env.severity.value == "significant" and "picks at run time" in one_env.rationale


def test_a_new_section_picked_at_run_time_changes_no_existing_run(tmp_path):
    base = {"demo.py": DEMO, "config.yaml": DOC}
    cand = {"config.yaml": DOC + "    pong:\n      train:\n        learning_rate: 1.0e-3\n"}
    result = _run(tmp_path, base, cand)
    assert result.findings == []
    assert any("section `pong` of `config.yaml` is new" in n.reason for n in result.no_effect)


def test_a_setting_retired_with_its_reader_is_not_critical(tmp_path):
    base = {"demo.py": DEMO.replace("return lr,", 'steps = env.get("num_steps", default["num_steps"])\n        return steps, lr,'),
            "config.yaml": DOC.replace("gamma: 0.99\n", "gamma: 0.99\n        num_steps: 128\n", 1)}
    result = _run(tmp_path, base, {"demo.py": DEMO, "config.yaml": DOC})
    finding = _with(result, "num_steps")
    assert finding.severity.value == "significant" and "retired with the code" in finding.rationale


def test_segments_joined_into_one_pair():
    base = _entries({"atari.env.name": "Breakout", "atari.env.frameskip": 4}, "config.yaml")
    cand = _entries({"atari.env_name": "Breakout", "atari.env_frameskip": 2}, "config.yaml")
    by_key = {m.baseline.key: m for m in match(base, cand)}
    assert by_key["atari.env.name"].status is MatchStatus.moved
    assert by_key["atari.env.frameskip"].status is MatchStatus.changed


def test_flattening_that_is_ambiguous_pairs_nothing():
    base = _entries({"a.b_c": 1, "a.b.c": 2}, "x.yaml")
    cand = _entries({"a_b.c": 3}, "y.yaml")
    assert {m.status for m in match(base, cand, stages=["flatten"])} == {MatchStatus.removed, MatchStatus.added}


def test_a_pyrallis_config_file_named_on_the_command_line_is_compared(tmp_path):
    script = """\
        from dataclasses import dataclass

        import pyrallis


        @dataclass
        class TrainConfig:
            reward_scale: float = 1.0
            learning_rate: float = 3e-4


        @pyrallis.wrap()
        def train(config: TrainConfig):
            return config.reward_scale * config.learning_rate


        if __name__ == "__main__":
            train()
        """
    base = {"algorithms/dt.py": script, "configs/dt/halfcheetah.yaml": "reward_scale: 1.0\nlearning_rate: 3.0e-4\n"}
    result = _run(tmp_path, base, {"configs/dt/halfcheetah.yaml": "reward_scale: 0.001\nlearning_rate: 3.0e-4\n"})
    finding = _with(result, "reward_scale")
    assert "1.0 → 0.001" in finding.title and finding.severity.value == "significant"


def test_hydra_directories_given_as_names_or_none():
    computed = LoadIndex({"main.py": "initialize(config_path=cfg_dir)\n"})
    assert computed.loaded("anything/x.yaml")  # a directory computed at run time: every YAML file
    none = LoadIndex({"main.py": "initialize(config_path=None)\n"})
    assert not none.loaded("anything/x.yaml")


def test_files_under_a_loaded_composer_are_its_groups():
    index = LoadIndex({"train.py": 'cfg = load("conf/train.yaml")\n'}, composers={"conf/train.yaml": "conf"})
    assert index.loaded("conf/env/atari.yaml")  # a group of the loaded file's defaults list
    orphan = LoadIndex({"train.py": "print(1)\n"}, composers={"conf/train.yaml": "conf"})
    assert not orphan.loaded("conf/env/atari.yaml")  # its composer is loaded by nothing either


def test_many_keys_of_one_section_picked_at_run_time_are_one_finding(tmp_path):
    tuned = "".join(f"        k{i}: {i}\n" for i in range(8))
    base = {"demo.py": DEMO.replace("return lr,", "extra = [env.get(f'k{i}') for i in range(8)]\n        return extra, lr,"),
            "config.yaml": DOC + "    chaser:\n      train:\n" + tuned}
    result = _run(tmp_path, base, {"config.yaml": DOC + "    chaser:\n      train:\n        k0: 0\n"})
    grouped = _with(result, "section `chaser` of `config.yaml`: 7 keys removed")
    keys = grouped.evidence[-1].details["keys"]
    assert [k["key"] for k in keys] == [f"chaser.train.k{i}" for i in range(1, 8)]
    assert not [t for t in _titles(result) if "chaser.train.k" in t]  # not also one by one
    few = _run(tmp_path / "few", base, {"config.yaml": DOC + "    chaser:\n      train:\n" + tuned[: tuned.index("        k5")]})
    assert len([t for t in _titles(few) if "chaser.train.k" in t]) == 3  # up to PER_KEY_MAX: one by one


PROMOTE_TRAIN = '''\
    import argparse

    from learner import Learner


    def main():
        p = argparse.ArgumentParser()
        p.add_argument("--learning-rate", type=float, default=1e-4)
        Learner(p.parse_args()).step()


    if __name__ == "__main__":
        main()
'''
PROMOTE_LEARNER = '''\
    class Learner:
        def __init__(self, cfg):
            self.lr = cfg.learning_rate
            self.min_lr = 1e-6

        def step(self):
            return max(self.lr, self.min_lr)
'''


def test_a_hard_coded_constant_promoted_to_an_option_with_its_value_is_identical(tmp_path):
    base = {"train.py": PROMOTE_TRAIN, "learner.py": PROMOTE_LEARNER}
    option = '        p.add_argument("--lr-adaptive-min", type=float, default=DEFAULT)\n        Learner('
    cand = {"train.py": PROMOTE_TRAIN.replace("        Learner(", option.replace("DEFAULT", "1e-6")),
            "learner.py": PROMOTE_LEARNER.replace("self.min_lr = 1e-6", "self.min_lr = cfg.lr_adaptive_min")}
    same = _run(tmp_path, base, cand)
    assert same.findings == [], _titles(same)
    assert "learner.py:4 (`self.min_lr = …` hard-coded)" in same.sections[0].markdown
    cand["train.py"] = PROMOTE_TRAIN.replace("        Learner(", option.replace("DEFAULT", "1e-5"))
    differs = _with(_run(tmp_path / "b", base, cand), "lr_adaptive_min")
    assert "baseline: implicit default 1e-06" in differs.title


def test_keyword_arguments_of_utilities_and_trackers_are_not_settings(tmp_path):
    train = '''\
        import subprocess

        import torch
        import wandb


        def main():
            subprocess.check_output(["nvidia-smi"], timeout=5)
            wandb.init(project="ppo", sync_tensorboard=True)
            return torch.optim.Adam([], lr=3e-4)


        if __name__ == "__main__":
            main()
        '''
    cand = train.replace("timeout=5", "timeout=10").replace("True", "False").replace("3e-4", "1e-3")
    titles = _titles(_run(tmp_path, {"train.py": train}, {"train.py": cand}))
    assert any("adam.lr" in t for t in titles)  # a library call of training is still read
    assert not [t for t in titles if "timeout" in t or "sync_tensorboard" in t], titles


def test_one_key_changed_in_many_run_time_files_is_one_finding(tmp_path):
    """The real shape: a release renames the tracking group and doubles the buffer in every
    per-dataset YAML a `--file` runner picks (hundreds of one-key findings before)."""
    envs = [f"Game{i}-v5" for i in range(7)]
    base = {"runner.py": RUNNER, "agent.py": AGENT}
    base.update({f"configs/atari/g{i}.yaml": PONG.replace("Pong-v5", env) for i, env in enumerate(envs)})
    cand = {f"configs/atari/g{i}.yaml": PONG.replace("Pong-v5", env).replace("1500", "3000") for i, env in enumerate(envs)}
    result = _run(tmp_path, base, cand)
    grouped = _with(result, "Config `max_epochs` changed value in 7 files picked at run time (1500 → 3000)")
    assert grouped.severity.value == "significant"
    paths = [k["path"] for k in grouped.evidence[-1].details["keys"]]
    assert sorted(paths) == [f"configs/atari/g{i}.yaml" for i in range(7)]
    assert not [t for t in _titles(result) if "max_epochs" in t and t is not grouped.title]  # not also one by one


def test_the_same_value_change_in_a_few_run_time_files_is_one_finding(tmp_path):
    """The real shape (CORL): one release doubles `buffer_size` 1000000 -> 2000000 in three per-task
    files; that is one change in three places, not three top findings. Below `PER_KEY_MAX` files only
    the files with the same before -> after are grouped: a key changed to another value elsewhere
    stays its own finding."""
    envs = [f"Game{i}-v5" for i in range(4)]
    base = {"runner.py": RUNNER, "agent.py": AGENT}
    base.update({f"configs/atari/g{i}.yaml": PONG.replace("Pong-v5", env) for i, env in enumerate(envs)})
    cand = {f"configs/atari/g{i}.yaml": PONG.replace("Pong-v5", env).replace("1500", "3000" if i < 3 else "6000")
            for i, env in enumerate(envs)}
    result = _run(tmp_path, base, cand)
    grouped = _with(result, "Config `max_epochs` changed value in 3 files picked at run time (1500 → 3000)")
    assert sorted(k["path"] for k in grouped.evidence[-1].details["keys"]) == [f"configs/atari/g{i}.yaml" for i in range(3)]
    other = [t for t in _titles(result) if "max_epochs" in t and t != grouped.title]
    assert len(other) == 1 and "1500 → 6000" in other[0] and "g3" in other[0], other  # a different change: its own
    distinct = {k: v.replace("3000", f"{3000 + i}") for i, (k, v) in enumerate(cand.items())}
    assert len([t for t in _titles(_run(tmp_path / "distinct", base, distinct)) if "max_epochs" in t]) == 4


def test_a_placeholder_literal_read_from_the_setting_at_both_commits_is_no_implicit_default(tmp_path):
    """rl-baselines3-zoo v2.2.1..v2.3.0: a callback sets `self.batch_size = 0`, then `self.batch_size =
    self._model.batch_size`, at both commits; every `batch_size` key the range added to a hyperparameter
    file was described as "baseline: implicit default 0" from that placeholder. The negative is the test
    above: a literal the candidate replaced by the setting's read is still the implicit default."""
    learner = PROMOTE_LEARNER.replace("            self.min_lr = 1e-6",
                                      "            self.min_lr = 0\n            self.min_lr = cfg.lr_adaptive_min")
    option = '        p.add_argument("--lr-adaptive-min", type=float, default=1e-5)\n        Learner('
    base = {"train.py": PROMOTE_TRAIN, "learner.py": learner}
    cand = {"train.py": PROMOTE_TRAIN.replace("        Learner(", option), "learner.py": learner}
    added = _with(_run(tmp_path, base, cand), "lr_adaptive_min")
    assert "implicit default 0" not in added.title + added.rationale, added.title + " | " + added.rationale
