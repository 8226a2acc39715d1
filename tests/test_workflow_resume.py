"""A checkpointed investigation that crashed resumes where it stopped, in a fresh set of resources
(as in a new process): finished analyzers are not run again and the report is complete."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver

import investigator.report.writer as report_writer
from investigator.playbooks_lib import load_playbooks
from investigator.request import InvestigationRequest
from investigator.workflow.graph import Resources, build_graph
from investigator.workflow.state import Investigation


class ReportCrash(RuntimeError):
    pass


def test_crashed_run_resumes_from_its_checkpoint_without_rerunning_analyzers(demo_repo, tmp_path, monkeypatch):
    request = InvestigationRequest(repo=str(demo_repo.path), baseline_commit=demo_repo.baseline,
                                   candidate_commit=demo_repo.candidate, formats=["json"], output=tmp_path)
    checkpointer = InMemorySaver()
    config = {"configurable": {"thread_id": "t1"}, "recursion_limit": 100}
    first_events: list = []
    real_write = report_writer.write_reports

    def crash(inv):
        raise ReportCrash("disk full")

    monkeypatch.setattr(report_writer, "write_reports", crash)
    first = build_graph(Resources(playbooks=load_playbooks(), progress=first_events.append), checkpointer)
    with pytest.raises(ReportCrash):
        first.invoke(Investigation(request=request), config=config)
    ran_first = {e.step for e in first_events if e.status == "finished" and e.step.startswith("analyze:")}
    assert "analyze:config_forensics" in ran_first and "analyze:code_detectors" in ran_first

    monkeypatch.setattr(report_writer, "write_reports", real_write)
    second_events: list = []
    fresh = Resources(playbooks=load_playbooks(), progress=second_events.append)  # no git handle, no change set
    out = build_graph(fresh, checkpointer).invoke(None, config=config)
    inv = Investigation.model_validate(out)
    assert not any(e.step.startswith("analyze:") for e in second_events)
    assert [e.step for e in second_events if e.status == "finished"] == ["report"]
    assert inv.reports["json"].endswith(".json") and inv.findings
    assert {f.source for f in inv.findings} >= {"config_forensics"}


def test_analyzers_of_a_resumed_run_get_the_change_set_rebuilt(demo_repo, tmp_path):
    """Resuming before the analyze wave (crash in planning): the analyzers still see the repository."""
    request = InvestigationRequest(repo=str(demo_repo.path), baseline_commit=demo_repo.baseline,
                                   candidate_commit=demo_repo.candidate, formats=["json"], output=tmp_path)
    checkpointer = InMemorySaver()
    config = {"configurable": {"thread_id": "t2"}, "recursion_limit": 100}
    first = build_graph(Resources(playbooks=load_playbooks()), checkpointer)
    first.invoke(Investigation(request=request), config=config, interrupt_before=["plan"])
    fresh = Resources(playbooks=load_playbooks())
    inv = Investigation.model_validate(build_graph(fresh, checkpointer).invoke(None, config=config))
    assert fresh.changeset is not None
    assert "config_forensics" in inv.results and inv.results["config_forensics"].findings
    assert not inv.failures or all("crashed" not in f.message for f in inv.failures)
