"""A statement that reads a local chosen by a conditional expression on an option off by default computes the
baseline's statement by default: the finding on it is low ("off by default").

Real shape (brax v0.14.1..v0.14.2, top finding #1): flax `MLP` gained `output_kernel_init: Initializer | None = None`
and `ki = (self.output_kernel_init if is_last and self.output_kernel_init else self.kernel_init)`, then
`linen.Dense(..., kernel_init=ki)` where it passed `kernel_init=self.kernel_init`: "Initialisation changed",
significant. Negatives: a field default that is set; a local assigned twice."""

from __future__ import annotations

from investigator.detectors.guards import Side, conditional_default_reason, off_by_default_reason
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity

BASE = '''\
import flax.linen as nn


class MLP(nn.Module):
    layer_sizes: tuple
    kernel_init: object = None

    @nn.compact
    def __call__(self, x):
        for i, size in enumerate(self.layer_sizes):
            pass
            x = nn.Dense(size, kernel_init=self.kernel_init)(x)
        return x
'''
CAND = '''\
import flax.linen as nn


class MLP(nn.Module):
    layer_sizes: tuple
    kernel_init: object = None
    output_kernel_init: object = {default}

    @nn.compact
    def __call__(self, x):
        for i, size in enumerate(self.layer_sizes):
            ki = self.output_kernel_init if i == len(self.layer_sizes) - 1 and self.output_kernel_init else self.kernel_init
{extra}            x = nn.Dense(size, kernel_init=ki)(x)
        return x
'''
RUN = "from net import MLP\n\n\ndef main(x):\n    return MLP((64, 1)).apply({}, x)\n"


def _reason(default: str = "None", extra: str = "") -> str | None:
    line = 13 + extra.count("\n")
    locs = [Location(path="net.py", line=12, side="baseline"), Location(path="net.py", line=line, side="candidate")]
    f = Finding(id="init_gain:net.py:12", source="code_detectors.init_gain", subsystem="init",
                severity=Severity.significant, confidence=0.8, title="Initialisation changed", impact="",
                rationale="", locations=locs, evidence=[Evidence(kind=EvidenceKind.code, summary="init",
                                                                 locations=locs)])
    files_b = {"net.py": BASE, "run.py": RUN}
    files_c = {"net.py": CAND.format(default=default, extra=extra), "run.py": RUN}
    sides = {"baseline": Side("baseline", files_b.get, list(files_b)),
             "candidate": Side("candidate", files_c.get, list(files_c))}
    return off_by_default_reason(f, sides) or conditional_default_reason(f, sides)


def test_a_local_chosen_by_an_option_off_by_default_is_low() -> None:
    reason = _reason()
    assert reason is not None and "output_kernel_init" in reason, reason


def test_an_option_set_by_default_keeps_the_finding() -> None:
    assert _reason(default="'orthogonal'") is None


def test_a_local_assigned_twice_keeps_the_finding() -> None:
    assert _reason(extra="            ki = self.kernel_init * 2\n") is None
