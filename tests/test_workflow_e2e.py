"""End to end on the generated demo repository: the whole graph, every report format."""

from __future__ import annotations

import json

import pytest

from investigator.models import SUBSYSTEMS
from investigator.request import InvestigationRequest
from investigator.workflow import run_investigation


@pytest.fixture(scope="module")
def demo_investigation(demo_repo, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    events = []
    inv = run_investigation(
        InvestigationRequest(
            repo=str(demo_repo.path),
            baseline_commit=demo_repo.baseline,
            candidate_commit=demo_repo.candidate,
            formats=["md", "json", "html"],
            output=out,
        ),
        progress=events.append,
    )
    return inv, events, out


def test_progress_events_cover_every_step(demo_investigation):
    _, events, _ = demo_investigation
    finished = [e.step for e in events if e.status == "finished"]
    for step in ("resolve", "diff", "triage", "analyze:diff_overview", "rank", "report"):
        assert step in finished


def test_report_has_the_sections_in_order(demo_investigation):
    inv, _, out = demo_investigation
    md = (out / f"{inv.reports['md'].split('/')[-1]}").read_text()
    order = [
        "# Regression diagnosis",
        "**Question.**",
        "## Findings, ranked",
        "### Verified identical",
        "### Changed, no behavioural effect",
        "## Subsystems",
        "## Recommended fixes",
        "## Validation checklist",
        "## Investigation log",
    ]
    positions = [md.index(marker) for marker in order]
    assert positions == sorted(positions)
    for subsystem in SUBSYSTEMS:
        assert f"### {subsystem} —" in md


def test_no_effect_changes_are_listed_not_found(demo_investigation, demo_repo):
    inv, _, _ = demo_investigation
    no_effect_titles = " ".join(n.title for r in inv.results.values() for n in r.no_effect)
    for path in ("rlproj/common/utils.py", "rlproj/model.py", "README.md"):
        assert path in no_effect_titles
    finding_paths = {loc.path for f in inv.findings for loc in f.locations}
    assert "rlproj/model.py" not in finding_paths and "README.md" not in finding_paths
    # the baseline's `lr_schedule` section is configured but never read (the loader only copies it)
    assert "trainer.lr_schedule.warmup" in no_effect_titles and "trainer.lr_schedule.name" in no_effect_titles
    assert not any("lr_schedule" in f.title for f in inv.findings)


def test_planted_regressions_seen_by_shipped_analyzers_are_reported(demo_investigation, demo_repo):
    """Every planted regression whose kind a registered analyzer covers must be a finding at the right place."""
    inv, _, _ = demo_investigation
    covers = {"config": "config_forensics", "code": "code_detectors"}
    for planted in demo_repo.planted:
        assert covers[planted.kind] in inv.results
        path, line = demo_repo.locate(planted, "candidate")
        matching = [
            f
            for f in inv.findings
            if f.subsystem == planted.subsystem and any(loc.path == path and loc.side == "candidate" for loc in f.locations)
        ]
        assert matching, f"planted regression {planted.id} not reported"
        assert any(
            abs((loc.line or 0) - line) <= 1 for f in matching for loc in f.locations if loc.side == "candidate"
        ), f"{planted.id}: candidate line {line} not reported"
        base_path, base_line = demo_repo.locate(planted, "baseline")
        assert any(
            loc.path == base_path and abs((loc.line or 0) - base_line) <= 1
            for f in matching
            for loc in f.locations
            if loc.side == "baseline"
        ), f"{planted.id}: baseline location not reported"


def test_json_schema_fields(demo_investigation):
    inv, _, out = demo_investigation
    data = json.loads((out / inv.reports["json"].split("/")[-1]).read_text())
    assert data["schema_version"] == "1.3"
    # no adapter, no command: only probes of functions found without one; the proposed command starts no run
    assert {o["probe"] for o in data["probe_outcomes"]} == {p["probe"] for p in data["probes"]}
    assert "training_run" not in {p["probe"] for p in data["probes"]}
    assert data["range"]["relation"] == "baseline is an ancestor of candidate"
    assert data["range"]["commits_between"] == 7
    ranks = [f["rank"] for f in data["findings"]]
    assert ranks == list(range(1, len(ranks) + 1))
    for f in data["findings"]:
        assert {"rank", "severity", "subsystem", "title", "confidence", "locations"} <= set(f)
        assert f["severity"] in ("critical", "significant", "low")
        for loc in f["locations"]:
            assert loc["side"] in ("baseline", "candidate") and "path" in loc and "line" in loc
    assert {h["subsystem"] for h in data["hypotheses"]} == set(SUBSYSTEMS)


def test_analyzer_crash_is_recorded_and_the_rest_goes_on(demo_repo, tmp_path, monkeypatch):
    from investigator.analyzers import diff_overview

    def boom(self, ctx):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(diff_overview.DiffOverviewAnalyzer, "run", boom)
    inv = run_investigation(
        InvestigationRequest(repo=str(demo_repo.path), baseline_commit=demo_repo.baseline, output=tmp_path)
    )
    assert any("kaboom" in f.message for f in inv.failures)
    assert "kaboom" in (tmp_path / inv.reports["md"].split("/")[-1]).read_text()


def test_dependent_analyzer_runs_in_a_later_wave_and_sees_prior_results(demo_repo, tmp_path, monkeypatch):
    from investigator.analyzers import base
    from investigator.models import AnalyzerResult

    seen: dict[str, list[str]] = {}

    class Follower:
        id = "test_follower"
        title = "follower"
        after = ("diff_overview",)

        def applies(self, ctx):
            return True, "always"

        def run(self, ctx):
            seen["prior"] = sorted(ctx.prior)
            return AnalyzerResult(analyzer=self.id)

    monkeypatch.setitem(base._REGISTRY, "test_follower", Follower())
    inv = run_investigation(InvestigationRequest(repo=str(demo_repo.path), baseline_commit=demo_repo.baseline, output=tmp_path))
    assert "test_follower" in inv.results
    assert "diff_overview" in seen["prior"]


def test_config_analyzer_publishes_the_effective_configuration(demo_investigation):
    inv, _, _ = demo_investigation
    effective = inv.results["config_forensics"].data["effective_config"]
    assert effective["baseline"]["trainer.max_grad_norm"] == 0.5
    assert effective["candidate"]["trainer.checkpoint_interval"] == 5
    assert effective["baseline"]["trainer.checkpoint_interval"] == 50


def test_demo_findings_are_in_a_sensible_severity_order(demo_investigation, demo_repo):
    """Learning-dynamics regressions (reward dropped, GAE index) outrank overhead and clipping."""
    inv, _, _ = demo_investigation

    def rank_of(planted_id: str) -> int:
        planted = next(p for p in demo_repo.planted if p.id == planted_id)
        path, line = demo_repo.locate(planted, "candidate")
        return min(
            f.rank for f in inv.findings
            if f.subsystem == planted.subsystem and any(loc.path == path and loc.side == "candidate" for loc in f.locations)
        )

    critical = [rank_of("gem_reward_dropped"), rank_of("gae_bootstrap_index")]
    lesser = [rank_of("checkpoint_interval_10x"), rank_of("grad_clip_removed")]
    assert max(critical) < min(lesser)
    assert all(f.severity.value != "critical" for f in inv.findings if f.rank in lesser)
    no_effect = " ".join(n.title for r in inv.results.values() for n in r.no_effect)
    assert "schedules.py" in no_effect  # commented out, but never called at the baseline
    assert not any(loc.path == "rlproj/schedules.py" for f in inv.findings for loc in f.locations)


def test_cpu_bound_analyzers_take_turns_and_the_others_run_alongside(demo_repo, tmp_path, monkeypatch):
    """Two pure-Python analyzers in threads only share one interpreter lock: they run one after the
    other; an analyzer that waits (files, subprocesses) overlaps with them."""
    import threading
    import time

    from investigator.analyzers import base
    from investigator.models import AnalyzerResult

    spans: dict[str, tuple[float, float]] = {}
    # the waiting probe and a CPU-bound one each wait (up to 10 s) until the other has started: run
    # alongside, they overlap whatever the load; serialised, the first ends before the other starts
    io_started, cpu_started = threading.Event(), threading.Event()

    def make(aid: str, cpu_bound: bool):
        class Probe:
            id = aid
            title = aid
            after = ("diff_overview",)

            def applies(self, ctx):
                return True, "always"

            def run(self, ctx):
                start = time.perf_counter()
                mine, other = (cpu_started, io_started) if self.cpu_bound else (io_started, cpu_started)
                mine.set()
                other.wait(10)
                time.sleep(0.3)
                spans[aid] = (start, time.perf_counter())
                return AnalyzerResult(analyzer=aid)

        Probe.cpu_bound = cpu_bound
        return Probe()

    for aid, cpu in (("test_cpu_a", True), ("test_cpu_b", True), ("test_io", False)):
        monkeypatch.setitem(base._REGISTRY, aid, make(aid, cpu))
    inv = run_investigation(InvestigationRequest(repo=str(demo_repo.path), baseline_commit=demo_repo.baseline,
                                                 output=tmp_path))
    assert {"test_cpu_a", "test_cpu_b", "test_io"} <= set(inv.results)
    def overlap(x: str, y: str) -> bool:
        return spans[x][0] < spans[y][1] and spans[y][0] < spans[x][1]

    assert not overlap("test_cpu_a", "test_cpu_b")  # the CPU-bound ones never overlap
    assert overlap("test_io", "test_cpu_a") or overlap("test_io", "test_cpu_b")  # the waiting one runs alongside


def test_no_subsystem_is_reported_unchanged_next_to_a_finding_in_it(demo_repo, tmp_path, monkeypatch):
    """An analyzer finds a change in a subsystem triage mapped no file to (the real shape: a
    behavioural change placed on the sampling path of a file triage filed elsewhere). The report
    must not also say "no behavioural change in code mapped to" that subsystem."""
    from investigator.analyzers import base
    from investigator.models import AnalyzerResult, Finding, Location, Severity

    picked: dict[str, str] = {}

    class Finder:
        id = "test_finder"
        title = "finder"
        after = ("diff_overview",)

        def applies(self, ctx):
            return True, "always"

        def run(self, ctx):
            claims = [v for v in ctx.prior["diff_overview"].verified if v.whole_subsystem]
            assert claims, "the demo range leaves some subsystem untouched"
            picked["subsystem"] = sub = claims[0].subsystem
            return AnalyzerResult(analyzer=self.id, findings=[Finding(
                id="test_finder:1", source=self.id, subsystem=sub, severity=Severity.significant, confidence=0.7,
                title="Behavioural change found by flow", locations=[Location(path="train.py", side="candidate")])])

    monkeypatch.setitem(base._REGISTRY, "test_finder", Finder())
    inv = run_investigation(InvestigationRequest(repo=str(demo_repo.path), baseline_commit=demo_repo.baseline,
                                                 candidate_commit=demo_repo.candidate, formats=["md", "json"],
                                                 output=tmp_path))
    sub = picked["subsystem"]
    assert any(f.subsystem == sub for f in inv.findings)
    assert not [v for r in inv.results.values() for v in r.verified if v.subsystem == sub and v.whole_subsystem]
    records = [h for h in inv.hypotheses if h.subsystem == sub]
    assert records and all("no behavioural change" not in e for h in records for e in h.evidence)
    data = json.loads((tmp_path / inv.reports["json"].split("/")[-1]).read_text())
    assert not [v for v in data["verified"] if v["subsystem"] == sub and "no behavioural change" in v["what"]]
    # the other untouched subsystems keep their claim
    assert [v for r in inv.results.values() for v in r.verified if v.whole_subsystem]
