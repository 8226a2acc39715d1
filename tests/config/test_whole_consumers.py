"""Whole-object consumers (`asdict(x)`, `**x`, `x.model_dump()`, `vars(x)`, `for k in x`) read every
key under `x`: a config class instantiated by name (whose keys may carry a prefix from its name or from
the field that nests it), a variable bound to one, or a section of a config object."""

from __future__ import annotations

import textwrap

import pytest

from investigator.config.analyzer import compare_configs
from investigator.config.findings import build_outcome
from investigator.config.model import ConfigEntry, EntryKind
from investigator.config.usage import ReadIndex, collect_reads, dead_reason
from investigator.playbooks_lib import load_playbooks
from tests.config.helpers import FakeSnapshot, effective_of

CONFIG = '''
from dataclasses import dataclass, field


@dataclass
class Shaping:
    gem: float = 1.0
    ore: float = 0.5


@dataclass
class Trainer:
    lr: float = 0.001
    gamma: float = 0.99
    rewards: Shaping = field(default_factory=Shaping)


@dataclass
class Other:
    width: int = 64
    depth: int = 2
'''


def train(body: str, imports: str = "from dataclasses import asdict\nfrom project.config import Trainer\n") -> str:
    return (imports + "\n\ndef main():\n" + textwrap.indent(textwrap.dedent(body).strip("\n"), "    ")
            + '\n\n\nif __name__ == "__main__":\n    main()\n')


def dead_keys(files: dict[str, str]) -> set[str]:
    """Keys of every configuration of the commit that no code reads (the analyzer's own rule)."""
    config, side = effective_of(files)
    entries = {**config.other, **config.effective}
    return {key for key, e in entries.items() if dead_reason(key, side.reads, None, e) is not None}


def index(**modules: str) -> ReadIndex:
    return ReadIndex({f"{name}.py": textwrap.dedent(src) for name, src in modules.items()})


# -- config classes ------------------------------------------------------------------------------------

def test_asdict_of_an_instance_reads_every_field_nested_ones_included():
    dead = dead_keys({"project/config.py": CONFIG, "train.py": train("""
        table = asdict(Trainer())
        print(sum(table.values()))
    """)})
    # `Trainer` is the single root: its keys have no prefix; `Shaping`'s are under the field `rewards`
    assert not dead & {"lr", "gamma", "rewards.gem", "rewards.ore"}
    assert {"other.width", "other.depth"} <= dead  # a class nobody references stays dead


def test_asdict_of_a_variable_bound_to_an_instance():
    dead = dead_keys({"project/config.py": CONFIG, "train.py": train("""
        trainer = Trainer(lr=0.01)
        snapshot = trainer
        log(asdict(snapshot))
    """)})
    assert not dead & {"lr", "gamma", "rewards.gem", "rewards.ore"}


def test_instance_with_a_class_name_prefix_like_the_benchmark():
    """`asdict(Rewards0())` where the keys are `rewards0.item_*` (two roots: prefixes from class names)."""
    files = {
        "project/config/exp_0.py": '''
            from dataclasses import dataclass

            @dataclass
            class Rewards0:
                item_0: float = 0.0
                item_1: float = 0.1

            @dataclass
            class Trainer0:
                lr: float = 0.001
                gamma: float = 0.99
                checkpoint_interval: int = 5
        ''',
        "train.py": train("""
            table = asdict(Rewards0())
            trainer = Trainer0()
            for step in range(1000):
                if step % trainer.checkpoint_interval == 0:
                    print(sum(table.values()), trainer.lr)
        """, imports="from dataclasses import asdict\nfrom project.config.exp_0 import Rewards0, Trainer0\n"),
    }
    config, _ = effective_of(files)
    assert {"rewards0.item_0", "trainer0.gamma"} <= set(config.effective)
    dead = dead_keys(files)
    assert not dead & {"rewards0.item_0", "rewards0.item_1", "trainer0.lr", "trainer0.checkpoint_interval"}
    # instantiated, one field read: the others stay dead
    assert dead >= {"trainer0.gamma"}


def test_constructor_keywords_of_a_consumed_class_are_read():
    dead = dead_keys({"project/config.py": CONFIG, "train.py": train("""
        cfg = Trainer(gamma=0.9)
        run(**asdict(cfg))
    """)})
    assert "gamma" not in dead


@pytest.mark.parametrize("body", [
    "cfg = Trainer()\nlog(cfg.model_dump())",
    "cfg = Trainer()\nlog(cfg.model_dump_json())",
    "cfg = Trainer()\nlog(vars(cfg))",
    "cfg = Trainer()\nlog(cfg.__dict__)",
    "cfg = Trainer()\nfor name, value in vars(cfg).items():\n    log(name, value)",
    "run(**vars(Trainer()))",
    "log(dataclasses.astuple(Trainer()))",
    "for f in dataclasses.fields(Trainer):\n    log(f.name)",
    "cfg = dataclasses.replace(Trainer(), lr=1.0)",
    "log(json.dumps(asdict(copy.deepcopy(Trainer()))))",
    "cfg: Trainer = load()\nlog(OmegaConf.to_container(cfg))",
    "cfg = Trainer()\nfor name in ('lr', 'gamma'):\n    log(getattr(cfg, name))",
    "cfg = Trainer()\nlog({**vars(cfg.copy()), 'seed': 1})",
    "log(*dataclasses.astuple(Trainer()))",
    "Agent().log()",
    "log(asdict(DEFAULT))",
])
def test_whole_object_consumers_of_a_config_class(body):
    helpers = textwrap.dedent("""

        DEFAULT = Trainer()


        class Agent:
            def __init__(self):
                self.settings = Trainer()

            def log(self):
                return vars(self.settings)
    """)
    dead = dead_keys({"project/config.py": CONFIG, "train.py": train(
        body, imports="import copy\nimport dataclasses\nimport json\nfrom dataclasses import asdict\n"
                      "from omegaconf import OmegaConf\nfrom project.config import Trainer\n") + helpers})
    assert not dead & {"lr", "gamma", "rewards.gem", "rewards.ore"}, body
    assert {"other.width", "other.depth"} <= dead


def test_annotated_parameter_consumed_whole():
    dead = dead_keys({"project/config.py": CONFIG, "train.py": train(
        "run(Trainer())", imports="from project.config import Trainer\n") + textwrap.dedent('''

        def run(cfg: "Trainer"):
            return cfg.model_dump()
    ''')})
    assert not dead & {"lr", "gamma", "rewards.gem"}


def test_subclass_consumed_whole_reads_inherited_fields():
    config = CONFIG + '''

@dataclass
class BigTrainer(Trainer):
    batch: int = 32
'''
    files = {"project/config.py": config, "train.py": train(
        "log(asdict(BigTrainer()))", imports="from dataclasses import asdict\nfrom project.config import BigTrainer\n")}
    _, side = effective_of(files)
    base_field = ConfigEntry(key="trainer.gamma", value=0.99, path="project/config.py", line=1, format="python",
                             kind=EntryKind.field_default, owner="Trainer", raw_key="Trainer.gamma")
    assert dead_reason("trainer.gamma", side.reads, None, base_field) is None
    assert "batch" not in dead_keys(files) and "gamma" not in dead_keys(files)


# -- negative cases ------------------------------------------------------------------------------------

def test_instantiated_class_with_one_field_read_keeps_the_others_dead():
    dead = dead_keys({"project/config.py": CONFIG, "train.py": train("""
        cfg = Trainer()
        print(cfg.lr)
    """)})
    assert "lr" not in dead
    assert {"gamma", "rewards.gem", "rewards.ore"} <= dead


def test_unreferenced_class_is_dead():
    dead = dead_keys({"project/config.py": CONFIG, "train.py": train("print(1)", imports="")})
    assert {"other.width", "other.depth"} <= dead


def test_asdict_of_a_different_class_reads_nothing_of_this_one():
    dead = dead_keys({"project/config.py": CONFIG, "train.py": train("""
        table = asdict(Trainer())
        print(table)
    """, imports="from dataclasses import asdict\nfrom project.config import Other, Trainer\n\nOTHER = Other\n")})
    assert "gamma" not in dead
    assert {"other.width", "other.depth"} <= dead  # referenced (bound to a name) but never consumed whole


def test_consumer_in_an_unreferenced_function_reads_nothing():
    dead = dead_keys({"project/config.py": CONFIG, "train.py": train("print(Trainer().lr)") + textwrap.dedent('''

        def never_called():
            return asdict(Trainer())
    ''')})
    assert {"gamma", "rewards.gem"} <= dead


def test_method_named_like_a_consumer_on_something_else_reads_nothing():
    dead = dead_keys({"project/config.py": CONFIG, "train.py": train("""
        cfg = Trainer()
        name = "x".replace("a", "b")
        print(cfg.lr, name)
    """)})
    assert {"gamma", "rewards.gem"} <= dead


# -- sections of a config object -----------------------------------------------------------------------

OPTIM_KEYS = ("optim.betas.beta1", "optim.betas.beta2", "optim.schedule.warmup")


@pytest.mark.parametrize("source", [
    "def train(cfg):\n    return Adam(**cfg.optim)\n\ntrain({})\n",
    "def train(cfg):\n    return Adam(**cfg['optim'])\n\ntrain({})\n",
    "def train(cfg):\n    return {**cfg.optim, 'lr': 1}\n\ntrain({})\n",
    "def train(cfg):\n    for k, v in cfg.optim.items():\n        log(k, v)\n\ntrain({})\n",
    "def train(cfg):\n    return [k for k in cfg.optim]\n\ntrain({})\n",
    "def train(cfg):\n    return OmegaConf.to_container(cfg.optim, resolve=True)\n\ntrain({})\n",
    "def train(cfg):\n    return instantiate(cfg.optim)\n\ntrain({})\n",
    "def train(cfg):\n    optim_cfg = cfg.optim\n    return dict(optim_cfg)\n\ntrain({})\n",
    "def train(optim_cfg):\n    return json.dumps(optim_cfg)\n\ntrain({})\n",
    "def train(cfg):\n    return yaml.dump(cfg.optim)\n\ntrain({})\n",
    "def train(cfg, name):\n    return cfg.optim[name]\n\ntrain({}, 'x')\n",
    "def train(cfg):\n    for group in cfg.optim:\n        log(dict(group))\n\ntrain({})\n",
    "def train(cfg):\n    conf = copy.deepcopy(cfg.optim)\n    return Adam(**conf)\n\ntrain({})\n",
    "class Runner:\n    def __init__(self, cfg):\n        self.opt = cfg.optim\n"
    "    def run(self):\n        return vars(self.opt)\n\nRunner({}).run()\n",
])
def test_a_section_consumed_whole_reads_every_key_under_it(source):
    idx = index(train=source)
    for key in OPTIM_KEYS:
        assert dead_reason(key, idx) is None, (source, key)
    assert dead_reason("env.rewards.gem", idx) is not None


def test_reading_a_section_by_name_only_reads_its_direct_keys():
    idx = index(train="def train(cfg):\n    return cfg.optim.lr\n\ntrain({})\n")
    assert dead_reason("optim.lr", idx) is None
    assert dead_reason("optim.betas.beta1", idx) is not None  # nothing consumed `optim` whole


def test_untyped_root_consumed_whole_is_not_every_key():
    """`OmegaConf.to_yaml(cfg)` / `vars(args)` on the untyped root is mostly logging: it would make every
    key of every configuration read, so it counts for nothing."""
    idx = index(train="def train(cfg, args):\n    print(OmegaConf.to_yaml(cfg), vars(args))\n    run(**cfg)\n\n"
                      "train({}, None)\n")
    assert dead_reason("optim.betas.beta1", idx) is not None


def test_whole_consumption_is_lazy_and_order_independent():
    source = "def train(cfg):\n    return Adam(**cfg.optim)\n\ntrain({})\n"
    other = "def helper(x):\n    return x\n\nhelper(1)\n"
    idx = index(train=source, other=other)
    assert dead_reason("optim.betas.beta1", idx) is None
    assert set(idx._parsed) == {"train.py"}  # only the module mentioning `optim` was parsed
    fresh = index(train=source, other=other)
    assert dead_reason("env.rewards.gem", fresh) is not None  # asked something else first
    assert dead_reason("optim.betas.beta1", fresh) is None


def test_collect_reads_records_consumers_per_definition():
    import ast

    tree = ast.parse(textwrap.dedent("""
        DEFAULT = Rewards()

        def main():
            return asdict(DEFAULT)

        def other(cfg):
            for k in cfg.env:
                pass
    """))
    reads = collect_reads(tree, set())
    assert ("class", "Rewards") in reads.whole_defs["main"]
    assert ("name", "env") in reads.whole_defs["other"]


# -- end to end: a changed value that only a whole-object consumer reads is a finding, not "no effect" --

def test_changed_field_read_by_asdict_is_a_finding_not_no_effect():
    config = CONFIG.replace("class Trainer", "class Table").replace("gem: float = 1.0", "gem: float = {gem}")
    entry = train("""
        table = asdict(Table())
        print(sum(table.values()))
    """, imports="from dataclasses import asdict\nfrom project.config import Table\n")
    base = FakeSnapshot({"project/config.py": config.format(gem="1.0"), "train.py": entry}, sha="a" * 40)
    cand = FakeSnapshot({"project/config.py": config.format(gem="5.0"), "train.py": entry}, sha="b" * 40)
    playbooks = load_playbooks()
    comparison = compare_configs(base, cand, playbooks)
    out = build_outcome(comparison.effective, comparison.base, comparison.cand, playbooks,
                        (comparison.base_side.reads, comparison.cand_side.reads), comparison.targets,
                        entry_known=True)
    assert [f.title for f in out.findings if "gem" in f.title]
    assert not [n for n in out.no_effect if "gem" in n.title]


def test_a_copy_bound_to_a_name_reads_only_what_is_read_from_it():
    """`trainer_cfg = dict(cfg["trainer"])` copies the section; its keys are then read by name."""
    idx = index(train="def train(cfg):\n    trainer_cfg = dict(cfg['trainer'])\n    return trainer_cfg['lr']\n\ntrain({})\n")
    assert dead_reason("trainer.lr", idx) is None
    assert dead_reason("trainer.lr_schedule.warmup", idx) is not None


def test_a_copy_bound_to_a_name_and_then_splatted_reads_every_key():
    idx = index(train="def train(cfg):\n    trainer_cfg = dict(cfg.trainer)\n    return Trainer(**trainer_cfg)\n\ntrain({})\n")
    assert dead_reason("trainer.lr_schedule.warmup", idx) is None


def test_a_loaded_document_merged_into_a_dict_does_not_read_the_whole_file():
    """A loader that composes files (`cfg.update(yaml.safe_load(fh))`) only moves the data; the keys
    are read later by name. Splatting the document into a call reads every key of the file."""
    loader = ("import yaml\n\ndef load_config(path):\n    cfg = {}\n    with open('configs/train.yaml') as fh:\n"
              "        cfg.update(yaml.safe_load(fh))\n    return cfg\n\nload_config('x')\n")
    assert not index(loader=loader).reads_file("configs/train.yaml")
    splat = "import yaml\n\ndef main():\n    with open('configs/train.yaml') as fh:\n        return PPO(**yaml.safe_load(fh))\n\nmain()\n"
    assert index(main=splat).reads_file("configs/train.yaml")
