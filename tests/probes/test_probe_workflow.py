"""Probes inside the investigation graph, on a small generated repository: a probe that crashes,
one whose decide raises, one that hangs, all recorded with the report still written; the adapter
found in the checkout; `--probes none`; a spent budget."""

from __future__ import annotations

import json
import time
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from investigator.models import HypothesisStatus
from investigator.playbooks_lib import load_playbooks
from investigator.request import InvestigationRequest
from investigator.workflow.graph import Resources, build_graph
from investigator.workflow.probing import ProbeResources
from investigator.workflow.state import Investigation
from tests.probes.fakes import FakeProbe, meta
from tests.support.gitrepo import make_repo

ADAPTER = "import torch\n\ndef make_agent(seed):\n    return torch.nn.Linear(2, 2)\n"


def repo_with_adapter(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    make_repo(repo, [("base", {"train.py": "LR = 3e-4\n", "investigator_adapter.py": ADAPTER}),
                     ("cand", {"train.py": "LR = 3e-3\n"})])
    return repo


def investigate(tmp_path: Path, repo: Path, units: list, **request: object) -> tuple[Investigation, Resources, list]:
    events: list = []
    resources = Resources(playbooks=load_playbooks(), progress=events.append,
                          probing=ProbeResources(probes=units, deadline=request.pop("deadline", None)))  # type: ignore[arg-type]
    req = InvestigationRequest(repo=str(repo), baseline_commit="HEAD~1", output=tmp_path / "out", formats=["json", "md"],
                               probe_cache="none", **request)  # type: ignore[arg-type]
    graph = build_graph(resources, InMemorySaver())
    out = graph.invoke(Investigation(request=req, run_id="t1"), config={"configurable": {"thread_id": "p"}})
    return Investigation.model_validate(out), resources, events


def test_failing_probes_are_recorded_and_the_report_is_written(tmp_path: Path) -> None:
    confirm = FakeProbe(meta("fine", always=True, needs=["make_agent"]), available=None,
                        updates=(("trainer.learning_rate_changed", HypothesisStatus.supported),))
    crash = FakeProbe(meta("crash_jobs", always=True), raises_in="jobs")
    bad_decide = FakeProbe(meta("crash_decide", always=True), raises_in="decide")
    hang = FakeProbe(meta("hang", always=True), command="{python} -c 'import time; time.sleep(60)'", timeout_s=1.0)
    no_adapter = FakeProbe(meta("needs_more", always=True, needs=["make_env"]), available=None)
    inv, _, events = investigate(tmp_path, repo_with_adapter(tmp_path), [confirm, crash, bad_decide, hang, no_adapter])
    verdicts = {o.probe: o.decision.verdict for o in inv.probe_outcomes if o.decision}
    assert verdicts == {"fine": "confirmed", "crash_jobs": "failed", "crash_decide": "failed", "hang": "failed"}
    hang_runs = next(o for o in inv.probe_outcomes if o.probe == "hang").runs
    assert {r.status.value for r in hang_runs} == {"timeout"} and all(r.wall_s < 10 for r in hang_runs)
    assert "make_env" in inv.probe_not_run["needs_more"]  # the adapter at HEAD~1 defines only make_agent
    failures = {f.source: f.message for f in inv.failures}
    assert "jobs exploded" in failures["probe:crash_jobs"] and "decide exploded" in failures["probe:crash_decide"]
    assert "timeout" in failures["probe:hang"]
    # the verdict reached the hypothesis, with probe evidence; the reports were written
    lr = next(h for h in inv.hypotheses if h.key == "trainer.learning_rate_changed")
    assert lr.status == HypothesisStatus.supported and lr.probe_evidence[0].details["probe"] == "fine"
    report = json.loads(Path(inv.reports["json"]).read_text())
    assert {(p["probe"], p["side"], p["status"]) for p in report["probes"]} >= {("fine", "baseline", "ok"), ("hang", "candidate", "timeout")}
    assert {o["probe"]: o["verdict"] for o in report["probe_outcomes"]}["crash_decide"] == "failed"
    md = Path(inv.reports["md"]).read_text()
    assert "## Probe experiments" in md and "| `hang` |" in md and "timeout: timed out after 1 s" in md
    assert "- wave 1: planned `fine`" in md and "(probe `fine`)" in md
    assert any(e.step == "probe:crash_jobs" and e.status == "failed" for e in events)


def test_probes_none_runs_nothing_and_a_spent_budget_is_recorded(tmp_path: Path) -> None:
    repo = repo_with_adapter(tmp_path)
    probe = FakeProbe(meta("fine", always=True))
    inv, resources, _ = investigate(tmp_path, repo, [probe], probes="none")
    assert inv.probe_outcomes == [] and inv.probe_plan == [] and resources.probing.built is None
    assert "## Probe experiments" not in Path(inv.reports["md"]).read_text()
    spent, _, _ = investigate(tmp_path, repo, [probe], deadline=time.monotonic() - 1)
    assert spent.probe_outcomes == [] and "budget" in spent.probe_not_run["fine"]
    assert "Not run:\n- `fine`: not run: the probe budget" in Path(spent.reports["md"]).read_text()


def test_without_an_adapter_or_command_nothing_is_planned_and_no_ranking_is_repeated(tmp_path: Path) -> None:
    repo = tmp_path / "plain"
    make_repo(repo, [("base", {"train.py": "LR = 3e-4\n"}), ("cand", {"train.py": "LR = 3e-3\n"})])
    needs = FakeProbe(meta("needs_agent", always=True, needs=["make_agent"]), available=None)
    inv, resources, _ = investigate(tmp_path, repo, [needs])
    assert inv.probe_outcomes == [] and resources.probing.preliminary is None
    assert any("no probe can run here" in n for n in inv.probe_notes)


def test_expensive_probes_pause_for_confirmation_in_an_interactive_session(tmp_path: Path) -> None:
    from investigator.workflow.graph import _invoke_with_confirmation

    repo = repo_with_adapter(tmp_path)
    cheap = FakeProbe(meta("fine", always=True))  # confirms: an expensive probe may follow
    train = FakeProbe(meta("train", always=True, cost="expensive"))
    for answer, expected in (([], None), (["train"], "confirmed")):
        asked: list = []

        def confirm(items: list, answer: list = answer, asked: list = asked) -> list:
            asked.extend(items)
            return answer

        resources = Resources(playbooks=load_playbooks(), probing=ProbeResources(probes=[cheap, train]))
        req = InvestigationRequest(repo=str(repo), baseline_commit="HEAD~1", output=tmp_path / "o", formats=["json"],
                                   probe_cache="none", confirm_expensive=True)
        out = _invoke_with_confirmation(build_graph(resources, InMemorySaver()), Investigation(request=req, run_id="c"),
                                        {"configurable": {"thread_id": str(expected)}}, confirm)
        inv = Investigation.model_validate(out)
        assert [a["probe"] for a in asked] == ["train"] and "confirmed a change" in asked[0]["reason"]
        verdicts = {o.probe: o.decision.verdict for o in inv.probe_outcomes if o.decision}
        assert verdicts.get("train") == expected and verdicts["fine"] == "confirmed"
        if expected is None:
            assert inv.probe_not_run["train"] == "declined at the confirmation prompt"
        else:  # deferred in wave 1 (nothing confirmed yet), run in wave 2: not listed as not run
            assert "train" not in inv.probe_not_run and [p.wave for p in inv.probe_plan] == [1, 2]

