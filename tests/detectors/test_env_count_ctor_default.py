"""A count set to the value its object's constructor already stores is no change of the count.

Real shape (DeepRL, held-out 4 `deeprl-epsgreedy-random-actions`, used): `config = Config()` then
`config.num_workers = 1` in an experiment function, `Config.__init__` storing `self.num_workers = 1`; the range
dropped the store and it was "Environment/worker count computation changed", significant, first in the report.
Negatives: a count other than the constructor's, a constructor default that changed in the range, an object
not built in the function.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

CONFIG = """
class Config:
    def __init__(self):
        self.num_workers = {default}
        self.lr = 1e-3
"""

EXPERIMENT = """
from config import Config
from agent import run_steps


def ppo_continuous():
    config = Config()
    {store}
    config.lr = 3e-4
    run_steps(config)
"""

AGENT = """
def run_steps(config):
    envs = [object() for _ in range(config.num_workers)]
    return envs
"""


def _titles(base_store: str, cand_store: str, base_default: int = 1, cand_default: int = 1,
            base_build: str = "config = Config()") -> list[str]:
    base = {"config.py": CONFIG.format(default=base_default), "agent.py": AGENT,
            "examples.py": EXPERIMENT.format(store=base_store).replace("config = Config()", base_build)}
    cand = {"config.py": CONFIG.format(default=cand_default), "agent.py": AGENT,
            "examples.py": EXPERIMENT.format(store=cand_store)}
    return [f.title for f in run_on(base, cand).findings if f.source.endswith("env_count")
            and any(loc.path == "examples.py" for loc in f.locations)]


def test_a_dropped_store_of_the_constructor_default_is_no_count_change() -> None:
    assert _titles("config.num_workers = 1", "pass") == []


def test_an_added_store_of_the_constructor_default_is_no_count_change() -> None:
    assert _titles("pass", "config.num_workers = 1") == []


def test_a_dropped_store_of_another_count_is_still_a_change() -> None:
    assert _titles("config.num_workers = 16", "pass") == ["Environment/worker count computation changed"]


def test_a_constructor_default_changed_in_the_range_keeps_the_finding() -> None:
    assert _titles("config.num_workers = 1", "pass", cand_default=4) == ["Environment/worker count computation changed"]


def test_an_object_not_built_in_the_function_keeps_the_finding() -> None:
    titles = _titles("config.num_workers = 1", "pass", base_build="config = make_config()")
    assert titles == ["Environment/worker count computation changed"]
