from __future__ import annotations

from investigator.analyzers.base import AnalysisContext
from investigator.analyzers.diff_overview import DiffOverviewAnalyzer
from investigator.git import build_changeset, open_repository, resolve_range
from investigator.playbooks_lib import load_playbooks
from investigator.request import InvestigationRequest
from investigator.triage import triage_changeset
from tests.support.gitrepo import commit_files

GOOD = "def update(optimizer):\n    optimizer.step()\n"
BAD = "def update(optimizer:\n    optimizer.step()\n"


def _run(tmp_path, before, after):
    repo = tmp_path / "r"
    base = commit_files(repo, before, "base")
    cand = commit_files(repo, after, "cand")
    handle = open_repository(str(repo))
    cs = build_changeset(handle, resolve_range(handle, base, cand))
    playbooks = load_playbooks()
    ctx = AnalysisContext(
        request=InvestigationRequest(repo=str(repo), baseline_commit=base),
        changeset=cs,
        triage=triage_changeset(cs, playbooks),
        playbooks=playbooks,
        output_dir=tmp_path,
    )
    return DiffOverviewAnalyzer().run(ctx)


def test_module_that_stops_parsing_is_a_finding(tmp_path):
    result = _run(tmp_path, {"algo/trainer.py": GOOD}, {"algo/trainer.py": BAD})
    assert len(result.findings) == 1
    f = result.findings[0]
    assert f.location_at("candidate").line == 1 and f.subsystem == "trainer"


def test_module_broken_at_both_commits_or_newly_added_is_not_a_finding(tmp_path):
    result = _run(tmp_path, {"a/trainer.py": BAD, "b.py": GOOD}, {"a/trainer.py": BAD + "\n# more\n", "b.py": GOOD, "c/new.py": BAD})
    assert result.findings == []


def test_no_effect_and_untouched_subsystems_are_reported(tmp_path):
    result = _run(tmp_path, {"algo/ppo.py": GOOD, "docs/x.md": "a\n"}, {"algo/ppo.py": GOOD.replace("optimizer)", "optimizer )"), "docs/x.md": "b\n"})
    assert {n.title for n in result.no_effect} == {"algo/ppo.py", "docs/x.md"}
    assert len(result.verified) == 12  # nothing behavioural changed anywhere
    assert result.findings == []
