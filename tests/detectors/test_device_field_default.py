"""A device selection moved from a method into a field default of its class is no placement change.

Real shape (PufferLib 73aaa5a8..cb116bca): `self.device = torch.device("cuda" if torch.cuda.is_available()
and self.cuda else "cpu")` of a dataclass's `__post_init__` became the field `device: str =
torch.device("cuda") if torch.cuda.is_available() else "cpu"`, and "Device placement changed" paired
that line with the new `.to("cpu" if self.cpu_offload else self.device)` of an observation buffer.
Negatives: the new conditional placement is still reported (alone), and a selection replaced by a
fixed device is a change."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch
from dataclasses import dataclass

@dataclass
class Trainer:
    cuda: bool = True
    batch_size: int = 8

    def __post_init__(self):
        self.device = torch.device("cuda" if torch.cuda.is_available() and self.cuda else "cpu")
        self.obs = torch.zeros(self.batch_size).to(self.device)
"""

CAND = """
import torch
from dataclasses import dataclass

@dataclass
class Trainer:
    batch_size: int = 8
    device: str = {field}
    cpu_offload: bool = True

    def __post_init__(self):
        self.obs = torch.zeros(self.batch_size).to({target})
"""

SELECT = 'torch.device("cuda") if torch.cuda.is_available() else "cpu"'


def _hits(field: str, target: str) -> list[str]:
    result = run_on({"trainer.py": BASE}, {"trainer.py": CAND.format(field=field, target=target)},
                    only={"device_placement"})
    return [e.summary for f in result.findings for e in f.evidence]


def test_a_device_selection_moved_into_a_field_default_is_no_change() -> None:
    assert _hits(SELECT, "self.device") == []


def test_a_new_conditional_placement_beside_the_moved_selection_is_reported_alone() -> None:
    summaries = _hits(SELECT, '"cpu" if self.cpu_offload else self.device')
    assert summaries and all("baseline" not in s for s in summaries)
    assert any("torch.zeros" in s for s in summaries)


def test_a_selection_replaced_by_a_fixed_device_field_is_a_change() -> None:
    summaries = _hits('"cpu"', "self.device")
    assert any("baseline" in s and "cuda" in s for s in summaries)
