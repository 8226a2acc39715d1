import textwrap

import pytest

from investigator.config.extractors import ExtractError
from investigator.config.extractors.python import extract_python, parse_module
from investigator.config.model import EntryKind


def entries(text: str):
    return {(e.owner, e.key): e for e in extract_python("m.py", textwrap.dedent(text)).entries}


def module(text: str):
    return parse_module("pkg/m.py", textwrap.dedent(text))


def test_pydantic_fields_field_default_and_factory():
    got = entries('''
        from pydantic import BaseModel, Field

        class PPOConfig(BaseModel):
            lr: float = 3e-4
            clip: float = Field(0.2, ge=0)
            ent: float = Field(default=-0.01)
            betas: list = Field(default_factory=lambda: [0.9, 0.999])
            tags: list = Field(default_factory=list)
            rewards: dict = Field(default_factory=lambda: {"gem": 0.2, "crystal": 0.7})
            steps: int = 2 ** 20
            required: int
            needed: int = Field(...)
            _private: int = 3
    ''')
    assert got[("PPOConfig", "lr")].value == 3e-4 and got[("PPOConfig", "lr")].line == 5
    assert got[("PPOConfig", "clip")].value == 0.2
    assert got[("PPOConfig", "ent")].value == -0.01
    assert got[("PPOConfig", "betas")].value == [0.9, 0.999]
    assert got[("PPOConfig", "tags")].value == []
    assert got[("PPOConfig", "rewards.gem")].value == 0.2  # dict literals become sub-keys
    assert got[("PPOConfig", "steps")].value == 1048576
    assert all(e.kind is EntryKind.field_default for e in got.values())
    for missing in ("required", "needed", "private"):
        assert ("PPOConfig", missing) not in got


def test_dataclass_attrs_namedtuple():
    got = entries('''
        import attr
        from dataclasses import dataclass, field
        from typing import ClassVar, NamedTuple

        @dataclass(frozen=True)
        class D:
            a: int = 1
            b: list = field(default_factory=list)
            c: float = field(default=0.5)
            K: ClassVar[int] = 9

        @attr.s
        class A:
            x = attr.ib(default=7)
            y = attr.ib(factory=dict)

        class N(NamedTuple):
            gamma: float = 0.99
    ''')
    assert got[("D", "a")].value == 1 and got[("D", "b")].value == [] and got[("D", "c")].value == 0.5
    assert ("D", "k") not in got  # ClassVar is not a field
    assert got[("A", "x")].value == 7 and got[("A", "y")].value == {}
    assert got[("N", "gamma")].value == 0.99


def test_plain_class_is_not_config():
    got = entries('''
        class Trainer:
            lr: float = 3e-4
    ''')
    assert got == {}


def test_nested_config_class_and_kwargs():
    mod = module('''
        from dataclasses import dataclass, field

        @dataclass
        class Opt:
            lr: float = 1e-3

        @dataclass
        class Train:
            opt: Opt = field(default_factory=Opt)
            opt2: Opt = Opt(lr=5e-4)
            maybe: "Opt | None" = None
    ''')
    fields = {f.name: f for f in mod.classes["Train"].fields}
    assert fields["opt"].nested == "Opt" and not fields["opt"].values
    assert fields["opt2"].nested == "Opt" and fields["opt2"].nested_kwargs[0][0] == "lr"
    assert fields["maybe"].nested == "Opt"  # annotation names the class; the default is still None


def test_argparse_click_typer_options():
    got = entries('''
        import argparse, click, typer

        parser = argparse.ArgumentParser()
        parser.add_argument("--learning-rate", "-l", type=float, default=3e-4)
        parser.add_argument("--steps", dest="total_steps", default=1000)
        parser.add_argument("--no-default")
        parser.add_argument("--logdir", default=None)
        parser.add_argument("--anneal-lr", action="store_true")

        @click.command()
        @click.option("--batch-size", default=64)
        def cli(batch_size):
            pass

        app = typer.Typer()

        @app.command()
        def run(gamma: float = typer.Option(0.99, "--gamma"), seed: int = 1, name: str = typer.Option(...)):
            pass
    ''')
    assert got[("<module>", "learning_rate")].value == 3e-4
    assert got[("<module>", "total_steps")].value == 1000
    assert ("<module>", "no_default") not in got
    assert ("<module>", "logdir") not in got  # default=None: "use the configured value"
    assert got[("<module>", "anneal_lr")].value is False  # store_true's implicit default
    assert got[("cli", "batch_size")].value == 64
    assert got[("run", "gamma")].value == 0.99
    assert got[("run", "seed")].value == 1  # plain default of a typer command
    assert ("run", "name") not in got
    assert all(e.kind is EntryKind.option_default for e in got.values())


def test_module_constants_and_reward_tables():
    got = entries('''
        import os
        LR = 3e-4
        _HIDDEN = 64
        REWARDS = {"gem": 0.2, "crystal": 0.7}
        helper = 5
        PATH = os.path.join("a", "b")
    ''')
    assert got[("<module>", "lr")].kind is EntryKind.constant
    assert got[("<module>", "hidden")].value == 64
    assert got[("<module>", "rewards.gem")].kind is EntryKind.mapping
    assert ("<module>", "helper") not in got  # lower-case scalars are code, not constants
    assert ("<module>", "path") not in got  # non-literal constant


def test_function_assignments_calls_bindings():
    mod = module('''
        from .config import TrainConfig

        def recipe(n: int = 4):
            cfg = TrainConfig(seed=3)
            cfg.game.agent.rewards.ore = 255
            cfg["env"]["num_envs"] = 2 * n
            self_like = cfg.game
            rewards = {"gem": 0.2}
            make_env(cfg.env, num_envs=64)
            return cfg
    ''')
    fn = mod.functions["recipe"]
    chains = {tuple(a.chain): a for a in fn.assignments}
    assert chains[("cfg", "game", "agent", "rewards", "ore")].values[0].value == 255
    assert chains[("cfg", "env", "num_envs")].values[0].literal is False  # `2 * n` kept as text
    assert fn.bindings["cfg"] == "call:TrainConfig" and fn.bindings["self_like"] == "chain:cfg.game"
    assert {e.key for e in fn.mappings} == {"rewards.gem"}
    assert [c.callee for c in fn.calls] == ["TrainConfig", "make_env"]
    assert mod.imports["TrainConfig"] == "pkg.config.TrainConfig"
    assert fn.defaults[0][0] == "n" and fn.defaults[0][1].value == 4


def test_hydra_main_and_main_guard():
    mod = module('''
        import hydra

        @hydra.main(version_base=None, config_path="../conf", config_name="train")
        def main(cfg):
            pass

        if __name__ == "__main__":
            main()
    ''')
    assert mod.functions["main"].hydra == ("../conf", "train")
    assert mod.main_calls == ["main"]
    assert module("def main():\n    pass\n").main_calls == []


def test_python_syntax_error_raises():
    with pytest.raises(ExtractError):
        extract_python("bad.py", "def f(:\n")
