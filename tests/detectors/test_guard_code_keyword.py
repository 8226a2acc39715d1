"""A flag value read from one call's keyword in code is not the run's value when another line passes
or declares the same keyword.

Real shape (PufferLib): `Binding.__init__(..., record_episode_statistics=True)`; the atari registry
builds `Binding(..., record_episode_statistics=False)` and the other registries rely on the default.
Configuration forensics' effective configuration held the atari call's `False`, which made every
`if scope.record_episode_statistics:` read as dead, and the removal of those branches as no change."""

from __future__ import annotations

from investigator.detectors.guards import Side, dead_guard

EMULATION = '''\
class Binding:
    def __init__(self, env_creator, record_episode_statistics=SIGNATURE_DEFAULT):
        self.env_creator = env_creator


def step(scope, info):
    if scope.record_episode_statistics:
        info["episode"] = 1
    return info
'''

ATARI = '''\
from emulation import Binding


def make():
    return Binding(
        env_creator=None,
        record_episode_statistics=False,
    )
'''
GUARDED_LINE = 8


def _guard(signature: bool):
    emulation = EMULATION.replace("SIGNATURE_DEFAULT", "True") if signature else \
        EMULATION.replace(", record_episode_statistics=SIGNATURE_DEFAULT", "")
    files = {"emulation.py": emulation, "atari.py": ATARI}
    side = Side("baseline", files.get, list(files),
                effective={"make.record_episode_statistics": False},
                where={"make.record_episode_statistics": "atari.py:7"})
    assert "info[" in emulation.splitlines()[GUARDED_LINE - 1]
    return dead_guard(side, "emulation.py", GUARDED_LINE)


def test_a_keyword_of_one_call_with_another_default_elsewhere_proves_nothing():
    assert _guard(signature=True) is None


def test_the_only_place_that_sets_it_is_the_value():
    guard = _guard(signature=False)
    assert guard is not None and "= False" in guard.reason, guard
