"""An environment count handed on under its own name, or through a local bound once to the literal a
call used to receive, is no change of the count.

Real shapes (PufferLib 73aaa5a8..cb116bca): a script's `Trainer(binding, agent, num_envs=1)` became
`num_envs = 1` ... `Trainer(binding, agent, num_envs=num_envs)`, and a trainer gained
`self.pool = PolicyPool(num_envs=self.num_envs)` beside its environments: "Environment/worker count
computation changed" (significant). Negatives: the local bound to another literal, a new count
computed in place. A count stored as handed in (`self.num_envs = num_envs`) is the caller's: a
constructor that stops taking and storing it computes nothing (skrl 2.0's tabular mixin); a stored
count computed anew, or a literal count removed, stays a change."""

from __future__ import annotations

from tests.detectors.helpers import run_on

SCRIPT_BASE = """
import trainer

t = trainer.Trainer(binding, agent, num_envs=1)
t.train()
"""

SCRIPT_CAND = """
import trainer

num_envs = {n}
t = trainer.Trainer(binding, agent, num_envs=num_envs)
t.train()
"""

TRAINER = """
class Trainer:
    def __init__(self, binding, agent, num_envs=8):
        self.num_envs = num_envs
        self.envs = make_vec(binding, num_envs=self.num_envs)
{extra}
    def train(self):
        pass
"""


def _titles(base: dict[str, str], cand: dict[str, str]) -> list[str]:
    return [f.title for f in run_on(base, cand, only={"env_count"}).findings]


def test_a_literal_moved_into_a_local_of_the_same_name_is_the_same_count() -> None:
    files = {"trainer.py": TRAINER.format(extra="")}
    assert _titles({**files, "main.py": SCRIPT_BASE}, {**files, "main.py": SCRIPT_CAND.format(n=1)}) == []


def test_a_local_bound_to_another_literal_is_a_change() -> None:
    files = {"trainer.py": TRAINER.format(extra="")}
    assert _titles({**files, "main.py": SCRIPT_BASE}, {**files, "main.py": SCRIPT_CAND.format(n=4)})


def test_the_count_handed_to_a_new_consumer_is_no_change() -> None:
    extra = "        self.pool = PolicyPool(agent, num_envs=self.num_envs)\n"
    base = {"trainer.py": TRAINER.format(extra=""), "main.py": SCRIPT_BASE}
    cand = {"trainer.py": TRAINER.format(extra=extra), "main.py": SCRIPT_BASE}
    assert _titles(base, cand) == []


def test_a_count_computed_in_a_new_call_is_still_reported() -> None:
    extra = "        self.pool = PolicyPool(agent, num_envs=self.num_envs * 2)\n"
    base = {"trainer.py": TRAINER.format(extra=""), "main.py": SCRIPT_BASE}
    cand = {"trainer.py": TRAINER.format(extra=extra), "main.py": SCRIPT_BASE}
    assert _titles(base, cand)


MIXIN = """
class TabularMixin:
    def __init__(self, {params}role=""):
        {store}
        self.role = role

    def act(self, inputs):
        return self.compute(inputs, self.role)
"""


def test_a_stored_count_the_constructor_no_longer_takes_is_no_computation() -> None:
    # skrl 1.4.3 -> 2.0.0: `TabularMixin.__init__(self, num_envs=1, role="")` storing `self.num_envs =
    # num_envs` became `__init__(self, *, role="")`: the count came from the caller, nothing computed it here
    base = {"tabular.py": MIXIN.format(params="num_envs=1, ", store="self.num_envs = num_envs")}
    cand = {"tabular.py": MIXIN.format(params="*, ", store="pass")}
    assert _titles(base, cand) == []


def test_a_stored_count_computed_anew_is_still_reported() -> None:
    base = {"tabular.py": MIXIN.format(params="num_envs=1, ", store="self.num_envs = num_envs")}
    cand = {"tabular.py": MIXIN.format(params="num_envs=1, ", store="self.num_envs = num_envs * 2")}
    assert _titles(base, cand)


def test_a_literal_count_removed_is_still_reported() -> None:
    base = {"tabular.py": MIXIN.format(params="", store="self.num_envs = 8")}
    cand = {"tabular.py": MIXIN.format(params="", store="pass")}
    assert _titles(base, cand)
