"""A layer built in `__init__` that no method of its class ever reads, removed, is low, not "Layer changed".

Real shape (LightZero v0.0.4..v0.0.5, top finding #1): `DownSample.__init__` built `self.conv2 = nn.Conv2d(...)`
but `forward` ran `self.downsample_block`; the range removed the unused layer: "Layer changed: `nn.Conv2d(...)` ->
`-`" significant, though the network computes the same outputs (only its parameter list and the initialisation
draws that follow it change). Negatives: the removed layer was called in `forward`; it was read by a subclass; it
was reached through `getattr(self, name)`."""

from __future__ import annotations

from tests.detectors.helpers import run_on

NET = """
import torch.nn as nn


class DownSample(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels // 2, 3)
{conv2}        self.block = nn.Conv2d(channels // 2, channels, 3)

    def forward(self, x):
        x = self.conv1(x)
        return {out}
"""
CONV2 = "        self.conv2 = nn.Conv2d(channels // 2, channels, 3)\n"
SUB = """
from net import DownSample


class Deeper(DownSample):
    def forward(self, x):
        return self.conv2(super().forward(x))
"""


def _findings(out: str = "self.block(x)", extra: dict[str, str] | None = None) -> list[tuple[str, str]]:
    base = {"net.py": NET.format(conv2=CONV2, out=out), **(extra or {})}
    cand = {"net.py": NET.format(conv2="", out=out), **(extra or {})}
    return [(f.title, f.severity.value) for f in run_on(base, cand, only={"layers"}).findings]


def test_an_unused_layer_removed_is_low() -> None:
    found = _findings()
    assert found and all(sev == "low" for _t, sev in found), found
    assert any("never" in t or "unused" in t.lower() for t, _s in found), found


def test_a_layer_forward_called_is_a_change() -> None:
    found = _findings(out="self.conv2(x) + self.block(x)")
    assert any(sev == "significant" for _t, sev in found), found


def test_a_layer_a_subclass_reads_is_a_change() -> None:
    found = _findings(extra={"deeper.py": SUB})
    assert any(sev == "significant" for _t, sev in found), found


def test_a_layer_reached_by_name_is_a_change() -> None:
    found = _findings(out="getattr(self, 'conv' + '2')(x) + self.block(x)")
    assert any(sev == "significant" for _t, sev in found), found


def test_a_layer_read_from_outside_the_class_is_a_change() -> None:
    found = _findings(extra={"probe.py": "def probe(net, x):\n    return net.conv2(x)\n"})
    assert any(sev == "significant" for _t, sev in found), found
