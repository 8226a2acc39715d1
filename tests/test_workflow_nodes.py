"""Each graph node reports progress under its own name (no node speaks for another), and the git
handle and range a run opened are typed fields of its resources."""

from __future__ import annotations

from langgraph.checkpoint.memory import InMemorySaver

from investigator.git.repository import CommitRange, RepoHandle
from investigator.playbooks_lib import load_playbooks
from investigator.request import InvestigationRequest
from investigator.workflow.graph import Resources, build_graph
from investigator.workflow.state import Investigation
from tests.support.gitrepo import commit_files, git


def test_steps_are_named_after_their_nodes_and_resources_are_typed(tmp_path):
    repo = tmp_path / "r"
    commit_files(repo, {"train.py": "LR = 3e-4\n"}, "base")
    git(repo, "tag", "base")
    commit_files(repo, {"train.py": "LR = 3e-3\n"}, "cand")
    events: list = []
    resources = Resources(playbooks=load_playbooks(), progress=events.append)
    graph = build_graph(resources, InMemorySaver())
    nodes = set(graph.get_graph().nodes) - {"__start__", "__end__"}
    assert nodes == {"resolve", "diff", "triage", "plan", "analyze", "probe_plan", "probe", "bisect", "verify", "rank",
                     "attribute", "report"}
    request = InvestigationRequest(repo=str(repo), baseline_commit="base", output=tmp_path / "o", formats=["json"])
    out = Investigation.model_validate(graph.invoke(Investigation(request=request), config={"configurable": {"thread_id": "n"}}))
    finished = [e.step for e in events if e.status == "finished"]
    # verify reports nothing when --verify is off
    assert [s for s in finished if not s.startswith("analyze:")] == ["resolve", "diff", "triage", "probe_plan", "rank", "report"]
    assert {s.split(":")[0] for s in finished} <= nodes
    # analyzers run in parallel: their timings merge in graph order, their events in completion order
    assert sorted(t.step for t in out.timings) == sorted(finished)
    assert isinstance(resources.repository, RepoHandle) and isinstance(resources.commit_range, CommitRange)
    assert resources.commit_range.candidate.sha == out.range.candidate.sha
