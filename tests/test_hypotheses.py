from __future__ import annotations

from investigator.hypotheses import evaluate_hypotheses, withdraw_contradicted
from investigator.models import (
    AnalyzerResult,
    Finding,
    HypothesisStatus,
    HypothesisUpdate,
    Location,
    Severity,
    VerifiedItem,
)
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


def _finding(subsystem: str, rank: int = 1) -> Finding:
    return Finding(id=f"f{rank}", source="behavioural_change", subsystem=subsystem, severity=Severity.significant,
                   confidence=0.6, title="Behavioural change in the sampling path", hypotheses=[],
                   locations=[Location(path="buffers/replay.py", side="candidate")], rank=rank)


def test_a_finding_in_an_untouched_subsystem_is_not_refuted_as_unchanged():
    """Triage maps no file to `buffers`, yet an analyzer found a change there: the hypotheses must
    not say "no behavioural change mapped to buffers" next to it."""
    records = evaluate_hypotheses(load_playbooks(), _triage("ppo"), [_finding("buffers")], [], has_repo=True)
    buffers = [r for r in records if r.subsystem == "buffers"]
    assert buffers and all(r.status == HypothesisStatus.inconclusive for r in buffers)
    assert all("no behavioural change" not in e for r in buffers for e in r.evidence)
    assert "finding #1" in buffers[0].evidence[0]
    # a subsystem with neither triage hits nor findings is still refuted
    assert _status(records, "init.init_scheme_changed").status == HypothesisStatus.refuted


def test_whole_subsystem_verified_claims_are_withdrawn_where_a_finding_exists():
    overview = AnalyzerResult(analyzer="diff_overview", verified=[
        VerifiedItem(subsystem="buffers", what="Buffers: no behavioural change in code mapped to this subsystem",
                     whole_subsystem=True),
        VerifiedItem(subsystem="init", what="Initialisation: no behavioural change", whole_subsystem=True),
    ])
    config = AnalyzerResult(analyzer="config", verified=[VerifiedItem(subsystem="buffers", what="`buffer_size` identical")])
    revised = withdraw_contradicted({"diff_overview": overview, "config": config}, [_finding("buffers")])
    assert set(revised) == {"diff_overview"}  # a per-value verification is not a whole-subsystem claim
    assert [v.subsystem for v in revised["diff_overview"].verified] == ["init"]
    assert withdraw_contradicted({"diff_overview": overview}, [_finding("ppo")]) == {}


def test_a_hypothesis_about_what_the_code_never_mentions_is_not_applicable():
    """An on-policy PPO change: the off-policy hypotheses of the ppo playbook (target network, SAC
    temperature) were "inconclusive" next to the PPO ones (rsl_rl v2.0.0..v2.1.1, seventeenth session's
    note); nothing in the code can make them true, so they are not applicable, with what was searched."""
    asked: list[dict[str, str]] = []

    def mentions(patterns: dict[str, str]) -> set[str]:
        asked.append(patterns)
        return {k for k in patterns if k != "ppo.target_network_changed"}

    records = evaluate_hypotheses(load_playbooks(), _triage("ppo"), [], [], has_repo=True, mentions=mentions)
    target = _status(records, "ppo.target_network_changed")
    assert target.status == HypothesisStatus.not_applicable and "polyak" in target.evidence[0]
    assert _status(records, "ppo.entropy_changed").status == HypothesisStatus.inconclusive  # mentioned: as before
    assert len(asked) == 1 and "ppo.gae_changed" not in asked[0]  # one question; no pattern, never asked


def test_not_applicable_never_overrides_a_finding_a_verdict_or_an_unknown_answer():
    f = Finding(id="f", source="t", subsystem="ppo", severity=Severity.significant, confidence=0.9,
                title="Polyak rate changed", hypotheses=["ppo.target_network_changed"],
                locations=[Location(path="a", side="candidate")], rank=1)
    update = HypothesisUpdate(hypothesis="ppo.entropy_temperature_changed", status=HypothesisStatus.refuted,
                              evidence="config: alpha 0.2 identical")
    records = evaluate_hypotheses(load_playbooks(), _triage("ppo"), [f], [update], has_repo=True,
                                  mentions=lambda patterns: set())
    assert _status(records, "ppo.target_network_changed").status == HypothesisStatus.supported
    assert _status(records, "ppo.entropy_temperature_changed").status == HypothesisStatus.refuted
    assert _status(records, "ppo.clip_changed").status == HypothesisStatus.not_applicable
    unknown = evaluate_hypotheses(load_playbooks(), _triage("ppo"), [], [], has_repo=True, mentions=lambda p: None)
    assert _status(unknown, "ppo.clip_changed").status == HypothesisStatus.inconclusive  # git could not answer


def test_mentioned_asks_git_at_both_commits(tmp_path):
    """`git grep` over source and configuration at either commit: a concept present only at the
    baseline still applies (it was removed: the hypothesis may explain the regression); a pattern
    in a README does not count."""
    from investigator.git.mentions import mentioned
    from investigator.git.repository import RepoHandle
    from tests.support.gitrepo import commit_files

    repo = tmp_path / "r"
    base = commit_files(repo, {"train.py": "TAU = 0.005\nloss = ratio.clamp(0.8, 1.2)\n", "README.md": "SAC alpha\n"})
    cand = commit_files(repo, {"train.py": "loss = ratio.clamp(0.8, 1.2)\n"})
    handle = RepoHandle(source=str(repo), git_dir=str(repo / ".git"), is_bare=False)
    patterns = {"tau": "[^a-z_]tau[^a-z_]|^tau[^a-z_]", "clip": "ratio", "alpha": "alpha", "q": "target_q"}
    assert mentioned(handle, [cand, base], patterns) == {"tau", "clip"}
    assert mentioned(handle, [cand], patterns) == {"clip"}
    assert mentioned(handle, ["0" * 40], patterns) is None  # git fails: nothing decided
