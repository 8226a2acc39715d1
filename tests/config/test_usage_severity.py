import textwrap

import pytest

from investigator.config.model import ConfigEntry, EntryKind, KeyMatch, MatchStatus
from investigator.config.severity import frequency_ratio, judge
from investigator.config.usage import ReadIndex, dead_reason
from investigator.models import Severity
from investigator.playbooks_lib import load_playbooks


def index(config_classes: dict[str, set[str]] | None = None, **modules: str) -> ReadIndex:
    return ReadIndex({f"{name}.py": textwrap.dedent(src) for name, src in modules.items()}, config_classes)


TRAINER = """
    class Trainer:
        def train(self, cfg):
            lr = cfg.optim.lr
            # sched = Cosine(cfg.scheduler.warmup_steps)   (commented out)
            n = cfg["num_envs"] + cfg.get("horizon", 1)
            for name, w in cfg.rewards.items():
                pass

    Trainer().train({})
"""


def test_read_keys_are_live():
    idx = index(trainer=TRAINER)
    assert dead_reason("optim.lr", idx) is None
    assert dead_reason("env.num_envs", idx) is None  # string subscript
    assert dead_reason("horizon", idx) is None  # .get("horizon")
    assert dead_reason("env.rewards.gem", idx) is None  # section read as a mapping


def test_commented_out_consumer_and_unreferenced_class_are_dead():
    idx = index(trainer=TRAINER, schedules="""
        class Cosine:
            def __init__(self, warmup_steps):
                self.warmup_steps = warmup_steps
            def step(self):
                return self.warmup_steps
    """)
    reason = dead_reason("scheduler.warmup_steps", idx)
    assert reason is not None and "scheduler" in reason


COSINE = """
    class Cosine:
        def __init__(self, lr):
            self.lr = lr
"""


def _index_with(**modules: str) -> ReadIndex:
    return ReadIndex({path: textwrap.dedent(src) for path, src in modules.items()})


def test_target_section_dead_unless_target_referenced():
    idx = _index_with(**{"trainer.py": TRAINER, "pkg/schedules.py": COSINE})
    assert "never called" in dead_reason("optim.lr", idx, target="pkg.schedules.Cosine")
    used = _index_with(**{"trainer.py": TRAINER, "pkg/schedules.py": COSINE,
                          "main.py": "from pkg.schedules import Cosine\nCosine()\n"})
    assert dead_reason("optim.lr", used, target="pkg.schedules.Cosine") is None


def test_instantiated_target_section_is_live_although_the_target_is_never_named():
    """Hydra's `instantiate(cfg.optim)` calls the target from its import path string."""
    main = "from hydra.utils import instantiate\n\ndef main(cfg):\n    return instantiate(cfg.optim)\n\nmain(None)\n"
    idx = _index_with(**{"main.py": main, "pkg/schedules.py": COSINE})
    assert dead_reason("optim.lr", idx, target="pkg.schedules.Cosine") is None


def test_library_target_is_judged_by_the_ordinary_read_rules():
    """`torch.optim.Adam` is defined by no repository module: its section is live when read."""
    idx = index(trainer=TRAINER)
    assert dead_reason("optim.lr", idx, target="torch.optim.Adam") is None
    unread = index(other="x = 1\n")
    assert dead_reason("optim.lr", unread, target="torch.optim.Adam") == "no code reads `lr` or its section `optim`"


def test_defines_names_repository_definitions_only():
    idx = _index_with(**{"src/pkg/schedules.py": COSINE, "pkg/__init__.py": "def make():\n    pass\n"})
    assert idx.defines("pkg.schedules.Cosine") and idx.defines("pkg.make")
    assert not idx.defines("pkg.schedules.Linear") and not idx.defines("torch.optim.Adam")
    assert not idx.defines("Cosine")


def test_config_definitions_and_assignment_targets_are_not_reads():
    idx = index({"cfg.py": {"SchedConfig"}}, cfg="""
        from dataclasses import dataclass

        @dataclass
        class SchedConfig:
            warmup_steps: int = 10

            def doubled(self):
                return self.warmup_steps * 2

        def recipe(cfg):
            cfg.scheduler.warmup_steps = 5

        recipe(None)
    """)
    assert dead_reason("scheduler.warmup_steps", idx) is not None


def entry(key, value, path="a.yaml"):
    return ConfigEntry(key=key, value=value, path=path, line=1, format="yaml", kind=EntryKind.file_value)


@pytest.fixture(scope="module")
def playbooks():
    return load_playbooks()


def changed(key, old, new):
    return KeyMatch(MatchStatus.changed, entry(key, old), entry(key, new))


def test_learning_dynamics_keys_rank_high(playbooks):
    verdict = judge(changed("trainer.lr", 3e-4, 1e-3), playbooks)
    assert verdict.severity is Severity.critical and verdict.subsystem == "trainer"
    assert verdict.hypothesis == "trainer.learning_rate_changed"
    assert judge(changed("env.rewards.gem", 0.2, 0.0), playbooks).severity is Severity.critical
    assert judge(changed("ppo.gae_lambda", 0.95, 0.9), playbooks).subsystem == "ppo"


def test_interval_low_unless_five_times_more_frequent(playbooks):
    assert judge(changed("trainer.checkpoint_interval", 50, 25), playbooks).severity is Severity.low
    assert judge(changed("trainer.checkpoint_interval", 50, 5), playbooks).severity is Severity.significant
    assert judge(changed("trainer.checkpoint_interval", 5, 50), playbooks).severity is Severity.low
    assert frequency_ratio(changed("log_freq", 10, 100)) == 10  # a rate: larger means more often


def test_unknown_key_is_low(playbooks):
    verdict = judge(changed("ui.colour_scheme", "dark", "light"), playbooks)
    assert verdict.severity is Severity.low and verdict.rule is None


def test_lazy_index_parses_only_modules_that_mention_the_name():
    idx = index(a="x = cfg.numEnvs\n", b="y = cfg.other\n", broken="def f(:\n    cfg.num_envs\n")
    assert idx.reads("num_envs")  # camelCase spelling of the same key
    assert set(idx._parsed) == {"a.py", "broken.py"} and idx._parsed["broken.py"] is None
    assert not idx.reads("never_mentioned")


def test_comment_mentions_do_not_make_a_class_referenced():
    idx = index(s="class Cosine:\n    def __init__(self, warmup):\n        self.warmup = warmup\n",
                t="# Cosine(cfg.sched.warmup)\nx = 1  # Cosine\n")
    assert not idx.is_referenced("Cosine")
    assert dead_reason("sched.warmup", idx) is not None
    used = index(s="class Cosine:\n    pass\n", t="s = Cosine()\n")
    assert used.is_referenced("Cosine")
