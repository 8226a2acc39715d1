"""A line in an arm of a conditional expression that an option's default never takes runs in no default run.

Real shape (lerobot 59ab2862..e6f95674, src/lerobot/policies/pi05/modeling_pi05.py:453): `PI05Pytorch.__init__`
gained `self.proprio_history_proj = (nn.Linear(config.max_state_dim, width) if config.use_proprioceptive_memory else
None)` with the new dataclass field `use_proprioceptive_memory: bool = False`: "Layer changed: `-` ->
`nn.Linear(...)`", significant, #1 of the range. Negatives: the field on by default, a one-line conditional (its arms
share the line), a line that is also the statement's first.
"""

from __future__ import annotations

from investigator.detectors.guards import Side, off_by_default_reason
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity

CONFIG = '''\
from dataclasses import dataclass


@dataclass
class PolicyConfig:
    max_state_dim: int = 32
    width: int = 64
{field}'''
MODEL = '''\
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.action_in_proj = nn.Linear(config.max_state_dim, config.width)
{proj}
'''
MULTI = '''\
        self.proprio_proj = (
            nn.Linear(config.max_state_dim, config.width)
            if config.use_memory
            else None
        )'''
ONE_LINE = "        self.proprio_proj = nn.Linear(config.max_state_dim, config.width) if config.use_memory else None"


def _finding(line: int) -> Finding:
    locs = [Location(path="model.py", line=8, side="baseline"), Location(path="model.py", line=line, side="candidate")]
    return Finding(id=f"layers:model.py:{line}", source="code_detectors.layers", subsystem="architecture",
                   severity=Severity.significant, confidence=0.75,
                   title="Layer changed: `-` -> `nn.Linear(config.max_state_dim, config.width)`", impact="",
                   rationale="", locations=locs, evidence=[Evidence(kind=EvidenceKind.code, summary="layer",
                                                                    locations=locs)])


def _reason(field: str = "    use_memory: bool = False\n", proj: str = MULTI, line: int = 10,
            extra: dict[str, str] | None = None) -> str | None:
    files_b = {"config.py": CONFIG.format(field=""), "model.py": MODEL.format(proj="")}
    files_c = {"config.py": CONFIG.format(field=field), "model.py": MODEL.format(proj=proj), **(extra or {})}
    sides = {"baseline": Side("baseline", files_b.get, list(files_b)),
             "candidate": Side("candidate", files_c.get, list(files_c))}
    return off_by_default_reason(_finding(line), sides)


def test_a_layer_in_the_arm_an_off_field_never_takes_is_low() -> None:
    reason = _reason()
    assert reason is not None and "use_memory" in reason and "model.py:10" in reason, reason


def test_the_field_on_by_default_keeps_the_finding() -> None:
    assert _reason(field="    use_memory: bool = True\n") is None


def test_a_one_line_conditional_keeps_the_finding() -> None:
    assert _reason(proj=ONE_LINE, line=9) is None


def test_the_statement_first_line_keeps_the_finding() -> None:
    assert _reason(line=9) is None


def test_the_else_arm_an_on_field_never_takes_is_low() -> None:
    proj = MULTI.replace("if config.use_memory", "if not config.use_memory")
    assert _reason(proj=proj) is None
    assert _reason(field="    use_memory: bool = True\n", proj=proj) is not None


def test_a_shipped_configuration_that_turns_it_on_keeps_the_finding() -> None:
    assert _reason(extra={"configs/memory.yaml": "policy:\n  use_memory: true\n"}) is None
