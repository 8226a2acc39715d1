from __future__ import annotations

from investigator.hypotheses import evaluate_hypotheses
from investigator.models import Finding, HypothesisStatus, HypothesisUpdate, Location, Severity
from investigator.playbooks_lib import load_playbooks
from investigator.triage import SubsystemMatch, Triage, TriageEntry


def _triage(subsystem: str) -> Triage:
    return Triage(entries=[TriageEntry(path="algo/ppo.py", status="modified", change_kind="behavioural", language="python", subsystems=[SubsystemMatch(subsystem=subsystem, reasons=["x"])])])


def _status(records, key):
    return next(r for r in records if r.key == key)


def test_finding_supports_its_hypothesis():
    f = Finding(id="f", source="t", subsystem="ppo", severity=Severity.critical, confidence=0.9, title="GAE shifted", hypotheses=["ppo.gae_changed"], locations=[Location(path="a", side="candidate")], rank=1)
    records = evaluate_hypotheses(load_playbooks(), _triage("ppo"), [f], [], has_repo=True)
    r = _status(records, "ppo.gae_changed")
    assert r.status == HypothesisStatus.supported and "GAE shifted" in r.evidence[0]


def test_untouched_subsystem_is_refuted_touched_without_finding_is_inconclusive():
    records = evaluate_hypotheses(load_playbooks(), _triage("ppo"), [], [], has_repo=True)
    assert _status(records, "init.init_scheme_changed").status == HypothesisStatus.refuted
    inconclusive = _status(records, "ppo.entropy_changed")
    assert inconclusive.status == HypothesisStatus.inconclusive and "algo/ppo.py" in inconclusive.evidence[0]


def test_analyzer_verdicts_override_static_defaults_and_logs_only_is_not_investigated():
    update = HypothesisUpdate(hypothesis="ppo.entropy_changed", status=HypothesisStatus.refuted, evidence="config: ent_coef 0.01 identical")
    records = evaluate_hypotheses(load_playbooks(), _triage("ppo"), [], [update], has_repo=True)
    assert _status(records, "ppo.entropy_changed").status == HypothesisStatus.refuted
    logs_only = evaluate_hypotheses(load_playbooks(), None, [], [], has_repo=False)
    assert all(r.status == HypothesisStatus.not_investigated for r in logs_only)
