from investigator.config.entry import detect, pyproject_scripts, resolve

from .helpers import effective_of, side_of, values

CONFIG = {
    "proj/__init__.py": "",
    "proj/config.py": """\
        from pydantic import BaseModel, Field

        DEFAULT_LR = 3e-4

        class OptimConfig(BaseModel):
            lr: float = DEFAULT_LR
            eps: float = 1e-5

        class EnvConfig(BaseModel):
            num_envs: int = 64
            rewards: dict = Field(default_factory=lambda: {"gem": 0.2, "ore": 1.0})

        class TrainConfig(BaseModel):
            optim: OptimConfig = Field(default_factory=OptimConfig)
            env: EnvConfig = EnvConfig(num_envs=32)
            seed: int = 1

        class UnusedConfig(BaseModel):
            width: int = 9
    """,
    "proj/env.py": """\
        def make_env(cfg, num_envs=8, render=False):
            return cfg
    """,
    "recipes/__init__.py": "",
    "recipes/arena.py": """\
        from proj.config import EnvConfig, OptimConfig, TrainConfig
        from proj.env import make_env

        def train():
            cfg = TrainConfig(seed=7, optim=OptimConfig(eps=1e-8))
            env_cfg = cfg.env
            env_cfg.rewards = {"gem": 0.5}
            make_env(cfg.env, render=True)
            return cfg

        def other():
            cfg = TrainConfig()
            cfg.seed = 99
            tune(cfg.env)
            base = fresh_optim()
            base.eps = 0.5

        def tune(env: EnvConfig):
            env.num_envs = 128

        def fresh_optim() -> OptimConfig:
            return OptimConfig()
    """,
    "tools/run.py": """\
        import argparse

        def main():
            p = argparse.ArgumentParser()
            p.add_argument("recipe", nargs="?", default="recipes.arena.train")
            p.add_argument("--device", default="cuda")
            p.parse_args()

        if __name__ == "__main__":
            main()
    """,
    "scripts/helper.py": "if __name__ == '__main__':\n    print(1)\n",
}


def test_detects_main_script_and_follows_default_recipe():
    resolved = detect(side_of(CONFIG))
    assert resolved.starts[0] == ("tools/run.py", "main")
    assert resolved.recipe == "recipes.arena.train"
    assert ("recipes/arena.py", "train") in resolved.starts


def test_effective_layers_defaults_kwargs_assignments():
    config, _ = effective_of(CONFIG)
    got = values(config)
    assert got["optim.lr"] == 3e-4  # field default substituted from the module constant
    assert "default_lr" not in got  # ... which is not reported a second time on its own
    assert config.effective["optim.lr"].path == "proj/config.py"
    assert got["optim.eps"] == 1e-8  # nested constructor kwarg overrides the default
    assert got["seed"] == 7 and config.effective["seed"].path == "recipes/arena.py"
    assert got["env.num_envs"] == 32  # kwarg of the default instance
    assert got["env.rewards.gem"] == 0.5  # assignment through an alias of cfg.env
    assert "env.rewards.ore" not in got  # a whole mapping assigned replaces the old one
    assert "env.rewards.ore" in config.replaced
    assert got["env.render"] is True  # builder call kwarg (make_env -> env)
    assert got["device"] == "cuda"
    assert "recipe" not in got  # the option that picks the recipe is not training config
    assert not any(k.startswith("width") or k.endswith(".width") for k in got)  # unused class
    assert "unused.width" in config.other  # ... compared as other configuration
    assert got["seed"] != 99  # assignments in functions the entry never calls do not count


def test_given_entry_with_dotted_recipe_argument():
    side = side_of(CONFIG)
    resolved = resolve(side, "tools/run.py recipes.arena.other")
    assert resolved.how == "given" and resolved.recipe == "recipes.arena.other"
    config, _ = effective_of(CONFIG, "tools/run.py recipes.arena.other")
    got = values(config)
    assert got["seed"] == 99
    assert got["env.num_envs"] == 128  # assignment through a parameter annotated with the config class
    assert got["optim.eps"] == 0.5  # through a builder whose return annotation is the config class


def test_given_dotted_function_entry_and_missing_entry():
    side = side_of(CONFIG)
    assert resolve(side, "recipes.arena.train").starts == [("recipes/arena.py", "train")]
    missing = resolve(side, "nowhere/train.py")
    assert missing.how.startswith("detected") and any("not found" in n for n in missing.notes)


def test_hydra_entry_preferred_and_overrides():
    files = {
        "src/app/train.py": """\
            import hydra

            @hydra.main(config_path="../../conf", config_name="main")
            def run(cfg):
                pass

            if __name__ == "__main__":
                run()
        """,
        "conf/main.yaml": "defaults:\n  - model: small\nlr: 0.1\n",
        "conf/model/small.yaml": "width: 64\n",
        "conf/model/big.yaml": "width: 512\n",
        "tools/eval.py": "if __name__ == '__main__':\n    pass\n",
    }
    config, _ = effective_of(files)
    assert config.entry.how == "detected: @hydra.main" and config.entry.hydra_config == "conf/main.yaml"
    assert values(config) == {"lr": 0.1, "model.width": 64}
    config, _ = effective_of(files, "src/app/train.py model=big lr=0.5")
    assert values(config) == {"lr": 0.5, "model.width": 512}


def test_pyproject_console_script():
    scripts = pyproject_scripts(b'[project.scripts]\nfit = "pkg.cli:fit"\n[tool.poetry.scripts]\nx = "a:b"\n')
    assert scripts == {"fit": "pkg.cli:fit", "x": "a:b"}
    assert pyproject_scripts(b"not toml [") == {}
    side = side_of({"pkg/__init__.py": "", "pkg/cli.py": "def fit():\n    lr = 1\n"})
    resolved = detect(side, {"fit": "pkg.cli:fit"})
    assert resolved.starts == [("pkg/cli.py", "fit")] and "console script" in resolved.how


def test_no_entry_detected():
    resolved = detect(side_of({"lib/a.py": "X = 1\n", "c.yaml": "a: 1\n"}))
    assert resolved.starts == [] and resolved.how == "none"


def test_config_file_loaded_by_reached_code_is_effective():
    files = {
        "train.py": """\
            import argparse
            import yaml

            def main():
                p = argparse.ArgumentParser()
                p.add_argument("--config", default="configs/ppo.yaml")
                args = p.parse_args()
                extra = yaml.safe_load(open("env.yaml"))
                return args, extra

            if __name__ == "__main__":
                main()
        """,
        "configs/ppo.yaml": "lr: 0.001\n",
        "env.yaml": "num_envs: 8\n",
        "configs/unused.yaml": "lr: 0.5\n",
    }
    config, _ = effective_of(files)
    got = values(config)
    assert got["lr"] == 0.001 and config.effective["lr"].path == "configs/ppo.yaml"
    assert got["num_envs"] == 8
    assert "configs.unused.lr" in config.other and "configs.unused.lr" not in got


def test_config_file_named_by_a_parameter_default_of_reached_code_is_effective():
    files = {
        "train.py": """\
            import yaml

            def main(path="configs/exp_0.yaml", name="run"):
                with open(path) as f:
                    cfg = yaml.safe_load(f)
                return cfg["trainer"]["lr"], name

            if __name__ == "__main__":
                main()
        """,
        "configs/exp_0.yaml": "trainer:\n  lr: 0.001\n",
        "configs/exp_1.yaml": "trainer:\n  lr: 0.5\n",
    }
    config, _ = effective_of(files)
    got = values(config)
    assert got["trainer.lr"] == 0.001 and config.effective["trainer.lr"].path == "configs/exp_0.yaml"
    assert "main.path" not in got  # it selects the file, it configures nothing
    assert got["main.name"] == "run"  # a string default that names no config file stays a setting
    assert "configs.exp_1.trainer.lr" in config.other and "trainer.lr" not in config.other


def test_project_loader_with_defaults_list_is_composed_and_selector_options_dropped():
    files = {
        "train.py": """\
            import argparse
            from proj.loader import load_config

            def main():
                p = argparse.ArgumentParser()
                p.add_argument("--config", default="configs/train.yaml")
                p.add_argument("--seed", type=int, default=None)
                args = p.parse_args()
                cfg = load_config(args.config)
                return cfg["trainer"]["lr"], args.seed or cfg["seed"]

            if __name__ == "__main__":
                main()
        """,
        "proj/__init__.py": "",
        "proj/loader.py": """\
            import yaml

            def load_config(path):
                cfg = {}
                return cfg
        """,
        "configs/train.yaml": "defaults:\n  - trainer: ppo\n  - _self_\nseed: 1\n",
        "configs/trainer/ppo.yaml": "lr: 0.00025\n",
    }
    config, _ = effective_of(files)
    got = values(config)
    assert got == {"trainer.lr": 0.00025, "seed": 1}  # no `config` selector, no None seed, no `cfg = {}`
    assert config.effective["trainer.lr"].path == "configs/trainer/ppo.yaml"
    assert config.entry.hydra_config == "configs/train.yaml"


def test_conditional_assignment_does_not_override():
    files = {
        "proj/__init__.py": "",
        "proj/cfg.py": "from dataclasses import dataclass\n\n@dataclass\nclass Cfg:\n    steps: int = 100\n",
        "train.py": """\
            import argparse
            from proj.cfg import Cfg

            def main():
                p = argparse.ArgumentParser()
                p.add_argument("--steps", type=int, default=None)
                args = p.parse_args()
                cfg = Cfg()
                if args.steps:
                    cfg.steps = args.steps
                    cfg.only_here = 3
                cfg.always = 1

            if __name__ == "__main__":
                main()
        """,
    }
    config, _ = effective_of(files)
    got = values(config)
    assert got["steps"] == 100 and config.effective["steps"].path == "proj/cfg.py"
    assert got["only_here"] == 3 and config.effective["only_here"].kind.value == "conditional"
    assert got["always"] == 1 and config.effective["always"].kind.value == "assignment"


def test_config_class_passed_to_a_parser_or_annotating_the_entry_is_built():
    tyro_style = {
        "ppo.py": """\
            from dataclasses import dataclass
            import tyro

            @dataclass
            class Args:
                learning_rate: float = 2.5e-4
                num_envs: int = 4

            if __name__ == "__main__":
                args = tyro.cli(Args)
        """,
    }
    assert values(effective_of(tyro_style)[0]) == {"learning_rate": 2.5e-4, "num_envs": 4}
    pyrallis_style = {
        "train.py": """\
            from dataclasses import dataclass
            import pyrallis

            @dataclass
            class TrainConfig:
                gamma: float = 0.99

            @pyrallis.wrap()
            def main(cfg: TrainConfig):
                return cfg.gamma

            if __name__ == "__main__":
                main()
        """,
    }
    assert values(effective_of(pyrallis_style)[0]) == {"gamma": 0.99}
    not_built = {"train.py": "from dataclasses import dataclass\n\n@dataclass\nclass Args:\n    lr: float = 1.0\n\n"
                             "if __name__ == '__main__':\n    print(Args.__doc__)\n"}
    config = effective_of(not_built)[0]
    assert values(config) == {} and "lr" in config.other


STANDALONE = 'import argparse\n\nif __name__ == "__main__":\n    parser = argparse.ArgumentParser()\n' \
             '    parser.add_argument("--lr", type=float, default=3e-4)\n    args = parser.parse_args()\n'


def test_equal_standalone_scripts_are_rivals_of_the_detected_entry():
    """Scripts of one rule, name class and depth, chosen between only by spelling: the others are as
    likely to be the entry (a repository of single-file algorithms)."""
    resolved = detect(side_of({"algos/dqn.py": STANDALONE, "algos/sac.py": STANDALONE, "tools/x/plot.py": STANDALONE}))
    assert resolved.script == "algos/dqn.py" and resolved.rivals == ["algos/sac.py"]
    assert "as likely: 1 other script (algos/sac.py)" in resolved.how


def test_a_script_named_for_training_has_no_rivals():
    resolved = detect(side_of({"train.py": STANDALONE, "algos/sac.py": STANDALONE, "algos/dqn.py": STANDALONE}))
    assert resolved.script == "train.py" and resolved.rivals == []
