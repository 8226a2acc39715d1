"""A module's train/eval mode belongs to the object it is set on (`detectors/rules/train_eval_mode.py`).

Real case: nano-aha-moment 1085ceaf..6cd0306d (precision set 19, #3 "Module mode changed (update: eval -> train)"):
the v0.2 rewrite moved the frozen reference model's `reference_model.eval()` above `policy_model.train()`, both
still before the update; read as one sequence of switches the update "ran in eval mode" at the baseline.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch


def update(policy_model, reference_model, batches):
    policy_model.train()
    reference_model.eval()
    for batch in batches:
        with torch.no_grad():
            ref = reference_model(batch)
        loss = (policy_model(batch) - ref).pow(2).mean()
        loss.backward()
"""


def _modes(cand: str) -> list[str]:
    return [f.title for f in run_on({"train.py": BASE}, {"train.py": cand}, only={"train_eval_mode"}).findings]


def test_switches_of_two_models_reordered_before_the_update_are_no_mode_change() -> None:
    cand = BASE.replace("    policy_model.train()\n    reference_model.eval()\n",
                        "    reference_model.eval()\n    policy_model.train()\n")
    assert _modes(cand) == []


def test_the_policy_left_in_eval_mode_for_the_update_is_still_reported() -> None:
    cand = BASE.replace("    policy_model.train()\n    reference_model.eval()\n",
                        "    reference_model.eval()\n    policy_model.train()\n    policy_model.eval()\n")
    titles = _modes(cand)
    assert len(titles) == 1 and "update: train -> eval of `policy_model`" in titles[0]


def test_an_object_switched_at_one_commit_only_is_read_as_one_sequence() -> None:
    """`reference_model.eval()` dropped: the objects differ, the global sequence decides (eval last -> train last)."""
    cand = BASE.replace("    reference_model.eval()\n", "")
    titles = _modes(cand)
    assert len(titles) == 1 and "update: eval -> train" in titles[0]
