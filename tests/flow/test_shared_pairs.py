"""The code detectors and the behavioural-change analyzer share one pair index per pair of trees."""

from __future__ import annotations

from investigator.detectors.pairs import shared_pairs
from investigator.detectors.sources import MemoryTree, diff_trees


def test_the_same_trees_give_the_same_index_and_other_trees_a_new_one():
    base, cand = MemoryTree({"a.py": "def f():\n    return 1\n"}), MemoryTree({"a.py": "def f():\n    return 2\n"})
    changes = diff_trees(base, cand)
    first = shared_pairs(base, cand, changes)
    assert shared_pairs(base, cand, changes) is first
    assert shared_pairs(base, cand, changes, equivalent={"a.py"}) is not first  # other triage: other index
    other = MemoryTree({"a.py": "def f():\n    return 3\n"})
    again = shared_pairs(base, other, diff_trees(base, other))
    assert again is not first and again.changed_pairs()[0].cand.source().endswith("return 3")
