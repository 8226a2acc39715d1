"""A branch guarded by a parameter new to its function, off by its default, is "off by default" even
when the parameter's name is used elsewhere in the tree.

Real shape (CORL, IQL): `MLP.__init__` gained `dropout: Optional[float] = None` and
`if dropout is not None: layers.append(nn.Dropout(dropout))`; DT's script in the same tree has its own
`dropout`, so "the option is defined nowhere at the baseline" could not be shown, and "Layer changed:
`-` -> `nn.Dropout(dropout)`" stayed significant, above real regressions."""

from __future__ import annotations

from investigator.detectors.guards import Side, off_by_default_reason
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity

OTHER = "import torch.nn as nn\n\n\ndef gpt(dim, dropout=0.1):\n    return nn.Dropout(dropout)\n"

MLP_BASE = '''\
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, dims{extra}):
        super().__init__()
        layers = []
        for i in range(len(dims) - 1):
            layers.append(nn.Linear(dims[i], dims[i + 1]))
        self.net = nn.Sequential(*layers)
'''

MLP_CAND = '''\
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, dims, dropout=None):
        super().__init__()
        layers = []
        for i in range(len(dims) - 1):
            layers.append(nn.Linear(dims[i], dims[i + 1]))
            if dropout is not None:
                layers.append(nn.Dropout(dropout))
        self.net = nn.Sequential(*layers)
'''
DROPOUT_LINE = 11


def _side(label: str, files: dict[str, str]) -> Side:
    return Side(label, files.get, list(files))


def _finding() -> Finding:
    loc = Location(path="mlp.py", line=DROPOUT_LINE, side="candidate")
    return Finding(id="layers:mlp.py:11", source="code_detectors.layers", subsystem="architecture",
                   severity=Severity.significant, confidence=0.75, title="Layer changed: `-` -> `nn.Dropout(dropout)`",
                   impact="", rationale="", locations=[loc],
                   evidence=[Evidence(kind=EvidenceKind.code, summary="candidate: `nn.Dropout(dropout)`", locations=[loc])])


def _reason(base_extra: str) -> str | None:
    sides = {"baseline": _side("baseline", {"mlp.py": MLP_BASE.format(extra=base_extra), "gpt.py": OTHER}),
             "candidate": _side("candidate", {"mlp.py": MLP_CAND, "gpt.py": OTHER})}
    assert "if dropout is not None" in MLP_CAND.splitlines()[DROPOUT_LINE - 2]
    return off_by_default_reason(_finding(), sides)


def test_a_parameter_new_to_the_function_off_by_default_lowers_the_finding():
    reason = _reason("")
    assert reason is not None and "`dropout` = None" in reason


def test_a_parameter_the_function_already_had_or_kwargs_keep_the_finding():
    assert _reason(", dropout=0.5") is None  # the option existed: runs may set it as before
    assert _reason(", **kwargs") is None  # the baseline took anything: `dropout` may have been passed


def _reason_with_caller(call: str) -> str | None:
    caller = f"from mlp import MLP\n\nnet = {call}\n"
    sides = {"baseline": _side("baseline", {"mlp.py": MLP_BASE.format(extra=""), "run.py": caller}),
             "candidate": _side("candidate", {"mlp.py": MLP_CAND, "run.py": caller})}
    return off_by_default_reason(_finding(), sides)


def test_a_caller_passing_another_literal_keeps_the_finding():
    """Real shape (a held-out tianshou range): `collect(..., random=False)` guards the random-action
    mapping, and every off-policy example calls `collect(n_step=..., random=True)`."""
    assert _reason_with_caller("MLP([4, 8, 2], dropout=0.1)") is None
    assert _reason_with_caller("MLP([4, 8, 2], 0.1)") is None  # by position


def test_callers_that_pass_the_default_or_nothing_leave_it_off_by_default():
    assert _reason_with_caller("MLP([4, 8, 2], dropout=None)") is not None
    assert _reason_with_caller("MLP([4, 8, 2])") is not None
