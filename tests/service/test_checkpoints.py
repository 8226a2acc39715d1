"""Durable checkpoints: the investigation state round-trips through the checkpointer's serializer
exactly, only the state's own classes are rebuilt from a stored checkpoint, and `run_investigation`
resumes a checkpointed thread (a crashed one from where it stopped, an ended one without running
anything) while a thread without a checkpoint starts afresh."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

import investigator.report.writer as report_writer
from investigator.request import InvestigationRequest
from investigator.service import checkpoints
from investigator.service.settings import ServiceSettings
from investigator.workflow.graph import run_investigation
from investigator.workflow.state import Investigation, ProgressEvent


class Outsider(BaseModel):
    value: int = 1


def _request(demo_repo, out: Path, **extra) -> InvestigationRequest:
    return InvestigationRequest(repo=str(demo_repo.path), baseline_commit=demo_repo.baseline,
                                candidate_commit=demo_repo.candidate, formats=["json"], output=out, **extra)


def test_state_types_cover_nested_models_and_enums_only():
    found = checkpoints.state_types()
    assert {("investigator.workflow.state", "Investigation"), ("investigator.models", "Finding"),
            ("investigator.models", "Severity"), ("investigator.probes.model", "ProbeOutcome"),
            ("investigator.request", "InvestigationRequest"), ("investigator.bisect.model", "Bisection")} <= found
    assert (__name__, "Outsider") not in found and not any(m.startswith("builtins") for m, _ in found)


def test_a_class_outside_the_state_is_not_rebuilt_from_a_checkpoint():
    serde = checkpoints.serde()
    assert serde.loads_typed(serde.dumps_typed(Outsider(value=3))) == {"value": 3}  # data only, no object made
    request = serde.loads_typed(serde.dumps_typed(InvestigationRequest(repo="/r", output=Path("/o"))))
    assert isinstance(request, InvestigationRequest) and request.output == Path("/o")


@pytest.mark.slow  # a whole investigation with a probe: about 15 s on a loaded 2-core machine
def test_checkpointed_state_round_trips_exactly_and_an_ended_thread_is_not_run_again(db_url, demo_repo, tmp_path):
    """A full run (analyzers and a real probe) on the service's checkpointer: the last checkpoint
    rebuilds the very state the run returned; resuming the ended thread runs no step."""
    settings = ServiceSettings(db_url=db_url, data_dir=tmp_path / "data")
    checkpoints.prepare(settings)
    request = _request(demo_repo, tmp_path / "out", probe_cache="none")
    with checkpoints.open_saver(settings, "job-1") as saver:
        assert not checkpoints.has_checkpoint(saver, "job-1")
        done = run_investigation(request, checkpointer=saver, thread_id="job-1", resume=True)
        assert checkpoints.has_checkpoint(saver, "job-1") and done.probe_outcomes and done.findings
        values = saver.get_tuple({"configurable": {"thread_id": "job-1"}}).checkpoint["channel_values"]
        stored = Investigation.model_validate({k: v for k, v in values.items() if k in Investigation.model_fields})
        assert stored.model_dump(mode="json") == done.model_dump(mode="json")
        events: list[ProgressEvent] = []
        again = run_investigation(request, progress=events.append, checkpointer=saver, thread_id="job-1", resume=True)
    assert events == [] and again.model_dump(mode="json") == done.model_dump(mode="json")
    assert checkpoints.threads(settings) == ["job-1"]
    checkpoints.delete(settings, "job-1")
    assert checkpoints.threads(settings) == []


def test_a_crashed_run_resumes_from_its_checkpoint_in_a_new_saver(demo_repo, tmp_path, monkeypatch):
    settings = ServiceSettings(db_url=f"sqlite:///{tmp_path}/s.db", data_dir=tmp_path / "data")
    request = _request(demo_repo, tmp_path / "out", probes="none")
    real_write = report_writer.write_reports

    def disk_full(inv, out_dir=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report_writer, "write_reports", disk_full)
    first: list[ProgressEvent] = []
    with checkpoints.open_saver(settings, "job-2") as saver, pytest.raises(RuntimeError, match="disk full"):
        run_investigation(request, progress=first.append, checkpointer=saver, thread_id="job-2", resume=True)
    assert any(e.step == "analyze:code_detectors" and e.status == "finished" for e in first)

    monkeypatch.setattr(report_writer, "write_reports", real_write)
    second: list[ProgressEvent] = []
    with checkpoints.open_saver(settings, "job-2") as saver:  # a new connection, as in a new worker process
        inv = run_investigation(_request(demo_repo, tmp_path / "elsewhere"), progress=second.append,
                                checkpointer=saver, thread_id="job-2", resume=True)
    assert [e.step for e in second if e.status == "finished"] == ["report"]
    assert inv.request.probes == "none" and Path(inv.reports["json"]).parent == tmp_path / "out"  # the checkpointed request
    assert inv.findings and inv.incomplete is None

    fresh: list[ProgressEvent] = []
    with checkpoints.open_saver(settings, "job-3") as saver:  # no checkpoint: the whole run
        run_investigation(request, progress=fresh.append, checkpointer=saver, thread_id="job-3", resume=True)
    assert {"resolve", "diff", "triage", "report"} <= {e.step for e in fresh if e.status == "finished"}
