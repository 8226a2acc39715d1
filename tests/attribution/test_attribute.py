"""Static attribution on generated multi-commit repositories: the commit that made each finding's lines
what they are at the candidate (code, config, renamed and moved files, merges), and None when no line
the finding names changed in the range."""

from __future__ import annotations

import pytest

from investigator.attribution import attribute as attribute_module
from investigator.attribution.blame import BlameError
from investigator.models import Evidence, EvidenceKind, Location
from tests.attribution.helpers import CONFIG, PPO, attribute, code_finding, config_finding, line_of, new_repo
from tests.support.gitrepo import commit_files, git

GAE_OLD = "values[t + 1] * (1 - dones[t + 1]) - values[t]"
GAE_NEW = "values[t] * (1 - dones[t + 1]) - values[t]"
CLIP = "nn.utils.clip_grad_norm_"


def _gae_finding(repo, base, cand, path="rl/ppo.py", base_path="rl/ppo.py"):
    return code_finding("gae", (base_path, line_of(repo, base, base_path, "delta =")),
                        (path, line_of(repo, cand, path, "delta =")))


def test_code_finding_names_the_commit_that_changed_its_line(tmp_path):
    repo, base = new_repo(tmp_path)
    commit_files(repo, {"README.md": "docs\n"}, "docs")
    culprit = commit_files(repo, {"rl/ppo.py": PPO.replace(GAE_OLD, GAE_NEW)}, "Simplify GAE")
    shifted = "import math\n" + PPO.replace(GAE_OLD, GAE_NEW)  # a later commit moves the line down
    cand = commit_files(repo, {"rl/ppo.py": shifted, "README.md": "more\n"}, "imports")
    done = attribute(repo, base, cand, _gae_finding(repo, base, cand))
    ref = done.findings[0].introduced_by
    assert ref is not None and ref.sha == culprit
    assert (ref.short, ref.subject, ref.author, ref.via_merge) == (culprit[:7], "Simplify GAE", "t", None)
    assert ref.date[:4].isdigit() and not done.failures


def test_removed_line_is_attributed_to_the_commit_that_removed_it(tmp_path):
    repo, base = new_repo(tmp_path)
    removed = PPO.replace(f'    {CLIP}(agent.parameters(), cfg["max_grad_norm"])\n', "")
    culprit = commit_files(repo, {"rl/ppo.py": removed}, "Clean up the update")  # first commit after the baseline
    cand = commit_files(repo, {"rl/ppo.py": "import math\n" + removed}, "imports")
    finding = code_finding("clip", ("rl/ppo.py", line_of(repo, base, "rl/ppo.py", CLIP)),
                           ("rl/ppo.py", line_of(repo, cand, "rl/ppo.py", "optimizer.step()")))
    assert attribute(repo, base, cand, finding).findings[0].introduced_by.sha == culprit  # type: ignore[union-attr]


def test_anchor_lines_next_to_a_deletion_are_traced_to_the_deletion(tmp_path):
    """A detector may name the unchanged statement after a deleted line at both sides."""
    repo, base = new_repo(tmp_path)
    git(repo, "commit", "-q", "--allow-empty", "-m", "empty")
    culprit = commit_files(repo, {"rl/ppo.py": PPO.replace(f'    {CLIP}(agent.parameters(), cfg["max_grad_norm"])\n', "")}, "rm")
    cand = commit_files(repo, {"README.md": "y\n"}, "docs")
    finding = code_finding("clip", ("rl/ppo.py", line_of(repo, base, "rl/ppo.py", "optimizer.step()")),
                           ("rl/ppo.py", line_of(repo, cand, "rl/ppo.py", "optimizer.step()")))
    out = attribute(repo, base, cand, finding).findings[0]
    assert out.introduced_by is not None and out.introduced_by.sha == culprit
    assert "nearest" in str(out.evidence[0].details["attribution"])
    # without a diff hunk in its evidence, nothing is claimed to have changed there: no widening
    bare = finding.model_copy(update={"evidence": [finding.evidence[0].model_copy(update={"hunk": None})]})
    assert attribute(repo, base, cand, bare).findings[0].introduced_by is None


def test_config_finding_names_the_commit_that_changed_the_value(tmp_path):
    repo, base = new_repo(tmp_path)
    commit_files(repo, {"README.md": "a\n"}, "docs")
    culprit = commit_files(repo, {"configs/train.yaml": CONFIG.replace("lr: 0.0003", "lr: 0.003")}, "Tune lr")
    cand = commit_files(repo, {"configs/train.yaml": CONFIG.replace("lr: 0.0003", "lr: 0.003") + "seed: 1\n"}, "seed")
    finding = config_finding("trainer.lr", ("configs/train.yaml", 2), ("configs/train.yaml", 2), "0.0003", "0.003")
    assert attribute(repo, base, cand, finding).findings[0].introduced_by.sha == culprit  # type: ignore[union-attr]


def test_lines_changed_twice_name_the_later_commit(tmp_path):
    repo, base = new_repo(tmp_path)
    first = commit_files(repo, {"configs/train.yaml": CONFIG.replace("lr: 0.0003", "lr: 0.001")}, "lr once")
    commit_files(repo, {"README.md": "b\n"}, "docs")
    last = commit_files(repo, {"configs/train.yaml": CONFIG.replace("lr: 0.0003", "lr: 0.003")}, "lr twice")
    commit_files(repo, {"README.md": "c\n"}, "docs again")
    cand = git(repo, "rev-parse", "HEAD")
    finding = config_finding("trainer.lr", ("configs/train.yaml", 2), ("configs/train.yaml", 2), "0.0003", "0.003")
    assert attribute(repo, base, cand, finding).findings[0].introduced_by.sha == last  # type: ignore[union-attr]
    # a statement over two lines changed by two commits: the later one, the earlier named in a note
    two = PPO.replace('cfg["max_grad_norm"])', '\n        cfg["max_grad_norm"])')
    repo2, base2 = new_repo(tmp_path / "two")
    commit_files(repo2, {"rl/ppo.py": two}, "split")
    early = commit_files(repo2, {"rl/ppo.py": two.replace("agent.parameters(),", "agent.actor.parameters(),")}, "actor")
    late = commit_files(repo2, {"rl/ppo.py": two.replace("agent.parameters(),", "agent.actor.parameters(),")
                                .replace('cfg["max_grad_norm"])', "10.0)")}, "norm")
    finding = code_finding("clip", ("rl/ppo.py", 8), ("rl/ppo.py", 8))
    out = attribute(repo2, base2, late, finding).findings[0]
    assert out.introduced_by is not None and out.introduced_by.sha == late
    assert early[:7] in str(out.evidence[0].details["attribution"])
    assert first  # the first change is overwritten: it is not the attribution


def test_whitespace_only_change_is_not_the_attribution(tmp_path):
    repo, base = new_repo(tmp_path)
    culprit = commit_files(repo, {"rl/ppo.py": PPO.replace(GAE_OLD, GAE_NEW)}, "GAE")
    cand = commit_files(repo, {"rl/ppo.py": PPO.replace(GAE_OLD, GAE_NEW.replace(" * (1", "  *  (1"))}, "spaces")
    assert attribute(repo, base, cand, _gae_finding(repo, base, cand)).findings[0].introduced_by.sha == culprit  # type: ignore[union-attr]


def test_renamed_file_change_before_and_after_the_rename(tmp_path):
    repo, base = new_repo(tmp_path)
    git(repo, "mv", "rl/ppo.py", "rl/algo_ppo.py")
    git(repo, "commit", "-q", "-m", "rename")
    after = commit_files(repo, {"rl/algo_ppo.py": PPO.replace(GAE_OLD, GAE_NEW)}, "GAE after rename")
    finding = _gae_finding(repo, base, after, path="rl/algo_ppo.py")
    assert attribute(repo, base, after, finding).findings[0].introduced_by.sha == after  # type: ignore[union-attr]

    repo2, base2 = new_repo(tmp_path / "before")
    before = commit_files(repo2, {"rl/ppo.py": PPO.replace(GAE_OLD, GAE_NEW)}, "GAE before rename")
    git(repo2, "mv", "rl/ppo.py", "rl/algo_ppo.py")
    git(repo2, "commit", "-q", "-m", "rename")
    cand2 = git(repo2, "rev-parse", "HEAD")
    finding = _gae_finding(repo2, base2, cand2, path="rl/algo_ppo.py")
    assert attribute(repo2, base2, cand2, finding).findings[0].introduced_by.sha == before  # type: ignore[union-attr]


def test_moved_code_is_attributed_to_the_commit_that_made_the_candidate_form(tmp_path):
    """Baseline location in one file, candidate location in another: the move, or a later edit."""
    repo, base = new_repo(tmp_path)
    head, update_fn = PPO.split("\n\ndef gae")[0].split("\n\n\n", 1)
    moved = commit_files(repo, {"rl/ppo.py": PPO.replace(update_fn + "\n", ""),
                                "rl/update.py": head + "\n\n\n" + update_fn + "\n"}, "Move update into its module")
    edited = commit_files(repo, {"rl/update.py": head + "\n\n\n" + update_fn.replace('cfg["max_grad_norm"]', "10.0") + "\n"},
                          "Fixed clip norm")
    cand = commit_files(repo, {"README.md": "z\n"}, "docs")
    finding = code_finding("clip", ("rl/ppo.py", line_of(repo, base, "rl/ppo.py", CLIP)),
                           ("rl/update.py", line_of(repo, cand, "rl/update.py", CLIP)))
    assert attribute(repo, base, cand, finding).findings[0].introduced_by.sha == edited  # type: ignore[union-attr]
    # the clip line moved unchanged: at the move's parent it was the baseline's, the move made it appear
    untouched = code_finding("step", ("rl/ppo.py", line_of(repo, base, "rl/ppo.py", "optimizer.step()")),
                             ("rl/update.py", line_of(repo, cand, "rl/update.py", "optimizer.step()")))
    assert attribute(repo, base, cand, untouched).findings[0].introduced_by.sha == moved  # type: ignore[union-attr]


def _merge_repo(tmp_path, feature_change):
    repo, base = new_repo(tmp_path)
    commit_files(repo, {"README.md": "main 1\n"}, "main work")
    git(repo, "checkout", "-q", "-b", "feature")
    commit_files(repo, {"rl/extra.py": "X = 1\n"}, "feature start")
    culprit = commit_files(repo, {"rl/ppo.py": feature_change(PPO)}, "feature change")
    commit_files(repo, {"rl/extra.py": "X = 2\n"}, "feature end")
    git(repo, "checkout", "-q", "main")
    commit_files(repo, {"README.md": "main 2\n"}, "more main work")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    merge = git(repo, "rev-parse", "HEAD")
    cand = commit_files(repo, {"README.md": "main 3\n"}, "after the merge")
    return repo, base, culprit, merge, cand


def test_change_through_a_merge_names_the_branch_commit_and_the_merge(tmp_path):
    repo, base, culprit, merge, cand = _merge_repo(tmp_path, lambda s: s.replace(GAE_OLD, GAE_NEW))
    ref = attribute(repo, base, cand, _gae_finding(repo, base, cand)).findings[0].introduced_by
    assert ref is not None and (ref.sha, ref.via_merge) == (culprit, merge)


def test_removal_through_a_merge_names_the_branch_commit_and_the_merge(tmp_path):
    repo, base, culprit, merge, cand = _merge_repo(
        tmp_path, lambda s: s.replace(f'    {CLIP}(agent.parameters(), cfg["max_grad_norm"])\n', ""))
    finding = code_finding("clip", ("rl/ppo.py", line_of(repo, base, "rl/ppo.py", CLIP)),
                           ("rl/ppo.py", line_of(repo, cand, "rl/ppo.py", "optimizer.step()")))
    ref = attribute(repo, base, cand, finding).findings[0].introduced_by
    assert ref is not None and (ref.sha, ref.via_merge) == (culprit, merge)


def test_one_commit_range_is_not_attributed(tmp_path):
    repo, base = new_repo(tmp_path)
    cand = commit_files(repo, {"rl/ppo.py": PPO.replace(GAE_OLD, GAE_NEW)}, "GAE")
    done = attribute(repo, base, cand, _gae_finding(repo, base, cand))
    assert done.findings[0].introduced_by is None and done.skipped == "one commit in the range"


def test_value_computed_elsewhere_is_not_guessed(tmp_path):
    """The line the finding names never changed (the value comes from another file): None."""
    repo, base = new_repo(tmp_path)
    commit_files(repo, {"rl/settings.py": "BASE_LR = 0.001\n", "rl/train.py": "from rl.settings import BASE_LR\n\nLR = BASE_LR * 2\n"},
                 "settings")
    base = git(repo, "rev-parse", "HEAD")
    commit_files(repo, {"rl/settings.py": "BASE_LR = 0.01\n"}, "base lr")
    cand = commit_files(repo, {"README.md": "q\n"}, "docs")
    finding = config_finding("trainer.lr", ("rl/train.py", 3), ("rl/train.py", 3), "0.002", "0.02")
    no_locations = code_finding("metric", None, None)
    done = attribute(repo, base, cand, finding, no_locations)
    assert [f.introduced_by for f in done.findings] == [None, None] and not done.failures


def test_grouped_finding_is_there_after_its_last_place(tmp_path):
    repo, base = new_repo(tmp_path)
    commit_files(repo, {"rl/ppo2.py": PPO}, "copy")
    base = git(repo, "rev-parse", "HEAD")
    first = commit_files(repo, {"rl/ppo.py": PPO.replace(GAE_OLD, GAE_NEW)}, "GAE in ppo")
    last = commit_files(repo, {"rl/ppo2.py": PPO.replace(GAE_OLD, GAE_NEW)}, "GAE in ppo2")
    places = []
    for path in ("rl/ppo.py", "rl/ppo2.py"):
        locs = [Location(path=path, line=line_of(repo, base, path, "delta ="), side="baseline"),
                Location(path=path, line=line_of(repo, last, path, "delta ="), side="candidate")]
        places.append(Evidence(kind=EvidenceKind.code, summary="x", locations=locs, hunk="@@"))
    finding = code_finding("gae (2 places)", None, None).model_copy(update={"evidence": places})
    out = attribute(repo, base, last, finding).findings[0]
    assert out.introduced_by is not None and out.introduced_by.sha == last
    assert first[:7] in str(out.evidence[0].details["attribution"])


def test_git_failures_are_recorded_not_raised(tmp_path, monkeypatch):
    repo, base = new_repo(tmp_path)
    commit_files(repo, {"README.md": "a\n"}, "docs")
    cand = commit_files(repo, {"rl/ppo.py": PPO.replace(GAE_OLD, GAE_NEW)}, "GAE")
    finding = _gae_finding(repo, base, cand)

    def failing_blame(handle, req):
        raise BlameError(f"git blame of {req.path}: fatal: no such path")

    monkeypatch.setattr(attribute_module, "blame_full", failing_blame)
    done = attribute(repo, base, cand, finding)
    assert done.findings[0].introduced_by is None
    assert [(f.source, f.path) for f in done.failures] == [("attribution", "rl/ppo.py")]

    def broken(*args, **kwargs):
        raise RuntimeError("object store vanished")

    monkeypatch.setattr(attribute_module.RangeHistory, "load", broken)
    done = attribute(repo, base, cand, finding)
    assert done.findings == [finding] and "object store vanished" in done.failures[0].message


@pytest.mark.parametrize("relation_ref", ["reverse"])
def test_reversed_range_is_not_attributed(tmp_path, relation_ref):
    repo, base = new_repo(tmp_path)
    commit_files(repo, {"README.md": "a\n"}, "docs")
    cand = commit_files(repo, {"rl/ppo.py": PPO.replace(GAE_OLD, GAE_NEW)}, "GAE")
    done = attribute(repo, cand, base, _gae_finding(repo, cand, base))
    assert done.findings[0].introduced_by is None and done.skipped and "ancestor" in done.skipped
