"""End to end: a Hydra configuration migrated into pydantic classes and a recipe function."""

from investigator.analyzers.base import AnalysisContext, all_analyzers
from investigator.config.analyzer import ConfigForensics
from investigator.models import EvidenceKind, HypothesisStatus, Severity
from investigator.playbooks_lib import load_playbooks
from investigator.request import InvestigationRequest
from tests.support.gitrepo import commit_all, init_repo, write_files

from .conftest import analyse


def by_key(result):
    return {f.evidence[0].details["key"]: f for f in result.findings}


def where(finding, side):
    loc = finding.location_at(side)
    return loc.render() if loc else None


def test_every_changed_value_found_with_both_locations(migration_result):
    findings = by_key(migration_result)
    ckpt = findings["trainer.checkpoint_interval"]
    assert (where(ckpt, "baseline"), where(ckpt, "candidate")) == ("configs/trainer/ppo.yaml:8",
                                                                   "experiments/arena.py:8")
    assert ckpt.severity is Severity.significant and ckpt.subsystem == "checkpointing"  # 10x more often
    assert "50" in ckpt.fix and "experiments/arena.py:8" in ckpt.fix
    assert ckpt.patch.splitlines()[-2:] == ["-    cfg.trainer.checkpoint_interval = 5",
                                            "+    cfg.trainer.checkpoint_interval = 50"]

    clip = findings["trainer.max_grad_norm"]  # null turned into a number
    assert clip.evidence[0].details["baseline"] == "null" and clip.evidence[0].details["candidate"] == "0.5"
    assert where(clip, "candidate") == "project/config.py:13"
    assert clip.patch.splitlines()[-1] == "+    max_grad_norm: float | None = None"

    workers = findings["trainer.num_workers"]  # renamed key (alias) with a new value
    assert workers.evidence[0].details["candidate_key"] == "trainer.rollout_workers"
    assert workers.subsystem == "vecenv" and workers.severity.at_least(Severity.significant)

    for term in ("gem", "crystal"):  # reward terms dropped by the recipe
        removed = findings[f"env.rewards.{term}"]
        assert removed.severity is Severity.critical and removed.subsystem == "env"
        assert where(removed, "baseline").startswith("configs/env/arena.yaml:")
        assert where(removed, "candidate") == "experiments/arena.py:9"  # where the section now lives
        assert "env.reward_terms_changed" in removed.hypotheses
    assert all(f.evidence[0].kind is EvidenceKind.config for f in migration_result.findings)
    assert len({f.id for f in migration_result.findings}) == len(migration_result.findings)


def test_unchanged_and_renamed_same_value_not_reported(migration_result):
    keys = set(by_key(migration_result))
    for same in ("trainer.lr", "trainer.gamma", "trainer.gae_lambda", "trainer.clip_coef", "trainer.ent_coef",
                 "trainer.batch_size", "env.num_envs", "env.rewards.trophy", "seed", "total_steps", "run_name"):
        assert same not in keys
    assert set(keys) == {"trainer.checkpoint_interval", "trainer.max_grad_norm", "trainer.num_workers",
                         "env.rewards.gem", "env.rewards.crystal"}


def test_dead_scheduler_is_no_effect(migration_result):
    dead = [n for n in migration_result.no_effect if "scheduler." in n.title]
    assert {n.title.split("`")[1] for n in dead} == {"scheduler._target_", "scheduler.warmup_steps",
                                                     "scheduler.min_lr"}
    assert all("never called" in n.reason for n in dead)
    assert not any("scheduler" in f.title for f in migration_result.findings)
    listed = {key for n in migration_result.no_effect
              for key in n.details.get("keys", [n.title.split("`")[1]] if n.title.startswith("Config `") else [])}
    assert {"scheduler._target_", "scheduler.warmup_steps", "scheduler.min_lr"} <= listed  # every dead key


def test_verified_items_and_hypotheses(migration_result):
    verified = {v.what for v in migration_result.verified}
    assert "trainer.lr 0.0003 identical" in verified
    assert "trainer.gamma 0.99 identical" in verified
    status = {h.hypothesis: h.status for h in migration_result.hypothesis_updates}
    assert status["trainer.learning_rate_changed"] is HypothesisStatus.refuted
    assert status["ppo.gae_changed"] is HypothesisStatus.refuted
    assert status["env.reward_terms_changed"] is HypothesisStatus.supported
    assert status["vecenv.env_count_changed"] is HypothesisStatus.supported
    assert "trainer.lr_schedule_changed" not in status  # only dead keys: no verdict from config


def test_section_table_and_entries(migration_result):
    section = next(s for s in migration_result.sections if s.id == "config_changes")
    assert section.title == "Configuration changes"
    md = section.markdown
    assert "Baseline: `train.py:main()`, Hydra config `configs/train.yaml` (detected: @hydra.main)" in md
    assert "recipe `experiments.arena.train`" in md
    assert "| `trainer.checkpoint_interval` | 50 | 5 | configs/trainer/ppo.yaml:8 → experiments/arena.py:8 |" in md
    assert "`trainer.ent_coef` → `trainer.entropy_coef`" in md  # renamed, same value
    assert md.index("**trainer**") < md.index("**env**")  # grouped by subsystem


def test_unparsable_files_are_failures_and_the_rest_goes_on(migration_result):
    failed = {f.path for f in migration_result.failures}
    assert failed == {"project/broken.py", "configs/broken.yaml"}
    assert all(f.source == "config_forensics" and "candidate" in f.message for f in migration_result.failures)
    assert len(migration_result.findings) == 5


def test_given_entries_and_missing_entry(migration, tmp_path):
    repo, base, cand = migration
    result = analyse(repo, base, cand, tmp_path, baseline_entry="train.py",
                     candidate_entry="tools/run.py experiments.arena.train")
    md = result.sections[0].markdown
    assert "(given)" in md and "trainer.checkpoint_interval" in by_key(result)
    missing = analyse(repo, base, cand, tmp_path, candidate_entry="nope/train.py")
    assert any("nope/train.py" in f.message for f in missing.failures)


def test_identical_commits_report_nothing(tmp_path):
    repo = tmp_path / "same"
    init_repo(repo)
    write_files(repo, {"train.py": "import argparse\np = argparse.ArgumentParser()\n"
                                  "p.add_argument('--lr', default=0.1)\nargs = p.parse_args()\nprint(args.lr)\n"})
    sha = commit_all(repo, "one")
    sha2 = commit_all(repo, "empty")
    result = analyse(repo, sha, sha2, tmp_path)
    assert result.findings == [] and result.no_effect == [] and result.failures == []
    assert [v.what for v in result.verified] == ["lr 0.1 identical"]


def test_changed_value_whose_consumer_is_commented_out_at_both_commits(tmp_path):
    repo = tmp_path / "dead"
    init_repo(repo)
    train = ("import hydra\n\n@hydra.main(config_path='conf', config_name='c')\ndef main(cfg):\n"
             "    print(cfg.trainer.lr)\n    # profiler(cfg.profiler.sample_every)\n\nmain()\n")
    write_files(repo, {"train.py": train, "conf/c.yaml": "trainer:\n  lr: 0.1\nprofiler:\n  sample_every: 100\n"})
    base = commit_all(repo, "base")
    write_files(repo, {"conf/c.yaml": "trainer:\n  lr: 0.2\nprofiler:\n  sample_every: 1\n"})
    cand = commit_all(repo, "cand")
    result = analyse(repo, base, cand, tmp_path)
    assert [f.evidence[0].details["key"] for f in result.findings] == ["trainer.lr"]
    assert result.findings[0].severity is Severity.critical
    assert [n.title for n in result.no_effect] == ["Config `profiler.sample_every` changed: 100 → 1"]


def test_applies_and_registration():
    analyzer = ConfigForensics()
    ctx = AnalysisContext(request=InvestigationRequest(), changeset=None, triage=None,
                          playbooks=load_playbooks(), output_dir=None)  # type: ignore[arg-type]
    assert analyzer.applies(ctx)[0] is False
    assert "config_forensics" in {a.id for a in all_analyzers()}


def test_applies_true_with_repository(migration, tmp_path):
    from investigator.git import build_changeset, open_repository, resolve_range

    repo, base, cand = migration
    handle = open_repository(str(repo))
    ctx = AnalysisContext(request=InvestigationRequest(repo=str(repo)), triage=None,
                          changeset=build_changeset(handle, resolve_range(handle, base, cand)),
                          playbooks=load_playbooks(), output_dir=tmp_path)
    assert ConfigForensics().applies(ctx)[0] is True


def test_unexpected_extractor_error_is_a_failure(monkeypatch):
    from investigator.config.collect import collect
    from investigator.config.extractors import base
    from investigator.config.extractors.base import Extractor

    from .helpers import FakeSnapshot

    def explode(path, text):
        raise RuntimeError("boom")

    monkeypatch.setitem(base.EXTRACTORS, ".yaml", Extractor("yaml", (".yaml",), explode))
    side = collect(FakeSnapshot({"a.yaml": "x: 1\n", "b.toml": "y = 2\n"}))
    assert side.failures == [("a.yaml", "extractor yaml failed: RuntimeError: boom")]
    assert "b.toml" in side.parsed


def test_analyzer_records_internal_error(migration, tmp_path, monkeypatch):
    import investigator.config.analyzer as module

    def broken(*args, **kwargs):
        raise ValueError("bad state")

    monkeypatch.setattr(module, "compare_configs", broken)
    repo, base, cand = migration
    result = analyse(repo, base, cand, tmp_path)
    assert result.findings == [] and "bad state" in result.failures[0].message


def test_file_broken_at_both_commits_is_one_failure(tmp_path):
    repo = tmp_path / "both"
    init_repo(repo)
    write_files(repo, {"train.py": "import argparse\np = argparse.ArgumentParser()\n"
                                  "p.add_argument('--lr', default=0.1)\nprint(p.parse_args().lr)\n",
                      "chart/values.yaml": "a: {{ .Values.x }\n"})
    base = commit_all(repo, "one")
    write_files(repo, {"train.py": "import argparse\np = argparse.ArgumentParser()\n"
                                  "p.add_argument('--lr', default=0.2)\nprint(p.parse_args().lr)\n"})
    cand = commit_all(repo, "two")
    result = analyse(repo, base, cand, tmp_path)
    assert [(f.path, f.message.split(" chart")[0]) for f in result.failures] == [
        ("chart/values.yaml", "baseline and candidate")]
    assert [f.title for f in result.findings] == ["Config `lr` changed: 0.1 → 0.2"]


def test_entry_found_only_at_one_side_compares_with_all_config(tmp_path):
    repo = tmp_path / "one_side"
    init_repo(repo)
    write_files(repo, {"lib/config.yaml": "trainer:\n  lr: 0.1\n  gamma: 0.99\n"})
    base = commit_all(repo, "library only")
    write_files(repo, {"lib/config.yaml": None,
                      "train.py": "import argparse\np = argparse.ArgumentParser()\np.add_argument('--lr', default=0.2)\n"
                                  "p.add_argument('--gamma', default=0.99)\na = p.parse_args()\nprint(a.lr, a.gamma)\n"})
    cand = commit_all(repo, "script")
    result = analyse(repo, base, cand, tmp_path)
    assert [f.title for f in result.findings] == ["Config `lib.config.trainer.lr → lr` changed: 0.1 → 0.2"]
    assert result.findings[0].confidence < 0.7
    assert "could not be followed" in result.sections[0].markdown
