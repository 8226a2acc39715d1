"""A done flag no longer combined in place because both signals are now passed separately to the
dataset that ends episodes on either is a low "handed to" note, not "Done flag no longer includes".
Real shape: d3rlpy 2.0's `get_d4rl`: `episode_terminals = np.logical_or(terminals, timeouts)` passed
as `episode_terminals=` became `MDPDataset(..., terminals=terminals, timeouts=timeouts)`."""

from __future__ import annotations

from investigator.models import Severity
from tests.detectors.helpers import run_on

BASE = """
    import numpy as np


    def get_dataset(raw):
        terminals = raw["terminals"]
        timeouts = raw["timeouts"]
        episode_terminals = np.logical_or(terminals, timeouts)
        return MDPDataset(raw["observations"], raw["rewards"], terminals=terminals, episode_terminals=episode_terminals)
"""

HANDED = """
    import numpy as np


    def get_dataset(raw):
        terminals = raw["terminals"]
        timeouts = raw["timeouts"]
        return MDPDataset(raw["observations"], raw["rewards"], terminals=terminals, timeouts=timeouts)
"""


def _found(base: str, cand: str):
    return run_on({"datasets.py": base}, {"datasets.py": cand}, only={"done_signal"}).findings


def test_both_signals_passed_separately_is_a_low_note():
    found = _found(BASE, HANDED)
    assert [(f.title, f.severity) for f in found] == [
        ("Done flag composition handed to `MDPDataset`: dones, truncations passed separately", Severity.low)]


def test_a_truncation_no_longer_passed_is_still_a_lost_signal():
    cand = HANDED.replace(", timeouts=timeouts)", ")")
    found = _found(BASE, cand)
    assert [f.title for f in found] == ["Done flag no longer includes dones, truncations"], [f.title for f in found]
    assert found[0].severity == Severity.significant
