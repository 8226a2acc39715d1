"""A finding is lowered as "runs only when an option is set" only when every statement it names is off by default.

Real shape (rlkit v0.2.0..v0.2.1): SAC's `train_from_torch` finding (6 statements) led with `alpha = self._alpha`,
in the else-branch of `if self.use_automatic_entropy_tuning:` (on by default); its locations named only that
statement, so the whole finding was lowered, while its other statements (an entropy term added to the Q target)
run in every run. The evidence names every statement; the guard reads them all. Negative: a finding whose every
statement is in the default-off branch is still lowered.
"""

from __future__ import annotations

from investigator.detectors.guards import Side, off_by_default_reason
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity

BASE = '''\
class SAC:
    def __init__(self, tuning=True):
        self.tuning = tuning

    def train(self, batch):
        if self.tuning:
            alpha = self.log_alpha.exp()
        else:
            alpha = 1
        target = batch.r + self.gamma * self.q_next(batch)
        return alpha, target
'''

CAND = '''\
class SAC:
    def __init__(self, tuning=True):
        self.tuning = tuning

    def train(self, batch):
        if self.tuning:
            alpha = self.log_alpha.exp()
        else:
            alpha = self._alpha
        target = batch.r + self.gamma * (self.q_next(batch) - alpha * self.log_pi(batch))
        return alpha, target
'''
ELSE_LINE, TARGET_LINE = 9, 10


def _finding(evidence_lines: list[int]) -> Finding:
    lead = Location(path="sac.py", line=ELSE_LINE, side="candidate")
    named = [Location(path="sac.py", line=n, side="candidate") for n in evidence_lines]
    return Finding(id="bc:sac.py:9", source="behavioural_change", subsystem="ppo", severity=Severity.significant,
                   confidence=0.56, title="Behavioural change in the loss path: `SAC.train` (2 statements)", impact="",
                   rationale="", locations=[Location(path="sac.py", line=ELSE_LINE, side="baseline"), lead],
                   evidence=[Evidence(kind=EvidenceKind.code, summary="`alpha = 1` -> `alpha = self._alpha`; ...",
                                      locations=named)])


def _reason(evidence_lines: list[int]) -> str | None:
    sides = {"baseline": Side("baseline", {"sac.py": BASE}.get, ["sac.py"]),
             "candidate": Side("candidate", {"sac.py": CAND}.get, ["sac.py"])}
    assert "alpha = self._alpha" in CAND.splitlines()[ELSE_LINE - 1]
    assert "log_pi" in CAND.splitlines()[TARGET_LINE - 1]
    return off_by_default_reason(_finding(evidence_lines), sides)


def test_a_finding_with_a_statement_that_runs_by_default_is_not_lowered() -> None:
    assert _reason([ELSE_LINE, TARGET_LINE]) is None


def test_a_finding_whose_every_statement_is_off_by_default_is_lowered() -> None:
    reason = _reason([ELSE_LINE])
    assert reason is not None and "tuning" in reason, reason
