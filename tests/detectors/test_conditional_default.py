"""A statement that differs only by a conditional expression an option off by default decides is low.

Real shape (PufferLib ac69f82c..2f9b68e0): an experience buffer's
`self.obs = torch.zeros(n, pin_memory=pin, device=device)` became
`torch.zeros(n, pin_memory=pin, device=device if not pin else 'cpu')`, with
`pin = device == 'cuda' and cpu_offload` and `cpu_offload=False`: "Device placement changed",
significant, though every run that keeps the default places the buffer exactly as before.
Negatives: the option on by default, or a default arm that is not the baseline's expression."""

from __future__ import annotations

from types import SimpleNamespace

from investigator.detectors.engine import run_detectors
from investigator.detectors.guards import apply_guards
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.models import AnalyzerResult, Severity
from tests.detectors.helpers import src

BUFFER = """
import torch


class Experience:
    def __init__(self, n, cpu_offload={default}, device='cuda'):
        pin = device == 'cuda' and cpu_offload
        self.obs = torch.zeros(n, pin_memory=pin, device={device})
        self.rewards = torch.zeros(n, pin_memory=pin)


def train(n):
    return Experience(n)
"""


def _run(base_device: str, cand_device: str, default: str = "False") -> AnalyzerResult:
    b = MemoryTree({"buffer.py": src(BUFFER.format(default="False", device=base_device)), "main.py": "import buffer\nbuffer.train(8)\n"})
    c = MemoryTree({"buffer.py": src(BUFFER.format(default=default, device=cand_device)), "main.py": "import buffer\nbuffer.train(8)\n"})
    result = run_detectors(b, c, diff_trees(b, c), only={"device_placement"})
    revised = apply_guards({"code_detectors": result}, SimpleNamespace(baseline=b, candidate=c))
    return revised.get("code_detectors", result)


def _device_findings(result: AnalyzerResult) -> list[tuple[str, Severity]]:
    return [(f.title, f.severity) for f in result.findings if "Device" in f.title]


def test_a_device_an_option_off_by_default_decides_is_low() -> None:
    found = _device_findings(_run("device", "device if not pin else 'cpu'"))
    assert found and all(s is Severity.low for _t, s in found), found


def test_the_same_conditional_with_the_option_on_by_default_keeps_its_severity() -> None:
    found = _device_findings(_run("device", "device if not pin else 'cpu'", default="True"))
    assert any(s is Severity.significant for _t, s in found), found


def test_a_default_arm_that_is_not_the_baseline_expression_keeps_its_severity() -> None:
    found = _device_findings(_run("device", "'cpu' if not pin else device"))
    assert any(s is Severity.significant for _t, s in found), found
