"""The probe planner's choices: which probe a finding or an open hypothesis calls for, and which not."""

from __future__ import annotations

from investigator.hypotheses import HypothesisRecord
from investigator.models import Finding, HypothesisStatus, Severity
from investigator.probes.base import Probe, ProbeSetup
from investigator.probes.model import ProbeDecision, ProbeOutcome
from investigator.probes.planner import BUDGET_SPENT, plan_probes
from tests.probes.fakes import FakeProbe, meta

SETUP = ProbeSetup(command="python train.py")
GRAD = FakeProbe(meta("grad_norm", finding_sources=["grad_clip"], hypotheses=["trainer.grad_clip_changed"]))
LR = FakeProbe(meta("lr_probe", hypotheses=["trainer.lr_schedule_changed"]))
ALWAYS = FakeProbe(meta("audit", always=True))
TRAIN = FakeProbe(meta("train", cost="expensive", needs=["command"], always=True, subsystem="other"))
MISSING = FakeProbe(meta("needs_adapter", finding_sources=["grad_clip"]), available=False)


def finding(source: str, severity: Severity = Severity.significant, hypotheses: list[str] | None = None, fid: str = "f1") -> Finding:
    return Finding(id=fid, source=source, subsystem="trainer", severity=severity, confidence=0.8,
                   title=f"{source} changed", hypotheses=hypotheses or [], rank=1)


def record(key: str, status: HypothesisStatus) -> HypothesisRecord:
    sub, hid = key.split(".")
    return HypothesisRecord(subsystem=sub, id=hid, statement=key, severity=Severity.significant, status=status)


def ids(plan) -> list[str]:
    return [p.probe for p in plan.planned]


def test_a_finding_of_a_probes_source_chooses_it_and_names_the_finding() -> None:
    plan = plan_probes([GRAD, LR], SETUP, [finding("code_detectors.grad_clip", fid="clip")], [], "auto", set())
    assert ids(plan) == ["grad_norm"]
    assert "#1 'code_detectors.grad_clip changed'" in plan.planned[0].reason
    assert plan.planned[0].tests_findings == ("clip",)
    # negative: another detector's finding, no overlapping hypothesis -> nothing
    assert ids(plan_probes([GRAD, LR], SETUP, [finding("code_detectors.grad_clip_value")], [], "auto", set())) == []


def test_a_finding_with_the_probes_hypothesis_chooses_it() -> None:
    f = finding("config_forensics", hypotheses=["trainer.grad_clip_changed"])
    assert ids(plan_probes([GRAD], SETUP, [f], [], "auto", set())) == ["grad_norm"]


def test_open_hypotheses_choose_the_probe_that_decides_them_refuted_ones_do_not() -> None:
    for status, chosen in ((HypothesisStatus.inconclusive, ["lr_probe"]), (HypothesisStatus.supported, ["lr_probe"]),
                           (HypothesisStatus.refuted, []), (HypothesisStatus.not_investigated, [])):
        plan = plan_probes([LR], SETUP, [], [record("trainer.lr_schedule_changed", status)], "auto", set())
        assert ids(plan) == chosen, status
        if chosen:
            assert "trainer.lr_schedule_changed" in plan.planned[0].reason


def test_always_probes_and_unavailable_ones_recorded_with_the_reason() -> None:
    plan = plan_probes([ALWAYS, MISSING], SETUP, [finding("code_detectors.grad_clip")], [], "auto", set())
    assert ids(plan) == ["audit"]
    assert "make_agent" in plan.not_run["needs_adapter"]


def test_expensive_probes_need_a_critical_finding_or_a_confirmation_and_wait_for_the_cheap_ones() -> None:
    plain = plan_probes([TRAIN], SETUP, [finding("x")], [], "auto", set())
    assert ids(plain) == [] and "no critical finding" in plain.not_run["train"]
    critical = [finding("code_detectors.grad_clip", Severity.critical)]
    first = plan_probes([GRAD, TRAIN], SETUP, critical, [], "auto", set())
    assert ids(first) == ["grad_norm"]  # the cheap one first
    second = plan_probes([GRAD, TRAIN], SETUP, critical, [], "auto", {"grad_norm"})
    assert ids(second) == ["train"] and second.planned[0].expensive and "1 critical" in second.planned[0].reason
    confirmed = ProbeOutcome(probe="grad_norm", reason="r", decision=ProbeDecision(probe="grad_norm", verdict="confirmed", summary="s"))
    after = plan_probes([GRAD, TRAIN], SETUP, [finding("x")], [], "auto", {"grad_norm"}, [confirmed])
    assert ids(after) == ["train"] and "confirmed" in after.planned[0].reason
    assert Probe.available(TRAIN, ProbeSetup())[0] is False  # the base rule: a command probe needs a command


def test_explicit_ids_none_done_and_budget() -> None:
    plan = plan_probes([GRAD, LR, MISSING], SETUP, [], [], "lr_probe,needs_adapter,nope", set())
    assert ids(plan) == ["lr_probe"] and plan.planned[0].reason.startswith("requested")
    assert plan.not_run["needs_adapter"].startswith("unavailable") and plan.not_run["nope"] == "unknown probe id"
    assert ids(plan_probes([GRAD, LR], SETUP, [finding("code_detectors.grad_clip")], [], "none", set())) == []
    assert ids(plan_probes([GRAD], SETUP, [finding("code_detectors.grad_clip")], [], "auto", {"grad_norm"})) == []
    spent = plan_probes([GRAD], SETUP, [finding("code_detectors.grad_clip")], [], "auto", set(), budget_left_s=0)
    assert ids(spent) == [] and spent.not_run["grad_norm"] == BUDGET_SPENT


def test_critical_findings_choose_an_expensive_probe_nothing_else_calls_for() -> None:
    run = FakeProbe(meta("run", cost="expensive", needs=["command"], finding_sources=["final_performance"], subsystem="other"))
    critical = finding("config_forensics", Severity.critical, fid="gem")
    plan = plan_probes([run], SETUP, [critical, finding("code_detectors.other", fid="x")], [], "auto", set())
    assert ids(plan) == ["run"] and plan.planned[0].tests_findings == ("gem",)  # only the critical one is tested
    assert "critical finding" in plan.planned[0].reason
    assert ids(plan_probes([run], SETUP, [finding("code_detectors.other")], [], "auto", set())) == []  # none critical


def test_a_proposed_command_never_starts_an_expensive_run_in_auto() -> None:
    proposed = ProbeSetup(command="{python} train.py --seed {seed}", command_proposed=True)
    critical = [finding("code_detectors.grad_clip", Severity.critical)]
    plan = plan_probes([TRAIN], proposed, critical, [], "auto", set())
    assert ids(plan) == [] and "--probe-command" in plan.not_run["train"]
    assert ids(plan_probes([TRAIN], proposed, critical, [], "train", set())) == ["train"]  # named: it runs
    assert ids(plan_probes([TRAIN], SETUP, critical, [], "auto", set())) == ["train"]  # given: it runs
