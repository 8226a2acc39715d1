from __future__ import annotations

import pytest

from investigator.git import build_changeset, open_repository, resolve_range
from investigator.playbooks_lib import load_playbooks
from investigator.triage import triage_changeset
from tests.conftest import commit_files

TRAINER = '''\
import torch


def update(agent, optimizer, loss, max_norm):
    """One optimisation step."""
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(agent.parameters(), max_norm)
    optimizer.step()


def helper(x):
    return x + 1
'''


def _triage(tmp_path, before: dict, after: dict):
    repo = tmp_path / "r"
    base = commit_files(repo, before, "base")
    cand = commit_files(repo, after, "cand")
    handle = open_repository(str(repo))
    cs = build_changeset(handle, resolve_range(handle, base, cand))
    return triage_changeset(cs, load_playbooks())


def test_formatting_only_python_change_has_no_effect(tmp_path):
    reformatted = TRAINER.replace("def helper(x):\n    return x + 1", "def helper( x ):\n    return (x + 1)")
    t = _triage(tmp_path, {"algo/trainer.py": TRAINER}, {"algo/trainer.py": reformatted})
    entry = t.entry("algo/trainer.py")
    assert entry.change_kind == "formatting" and not entry.has_effect


def test_comment_only_and_docstring_only_changes_have_no_effect(tmp_path):
    commented = TRAINER.replace("    loss.backward()\n", "    loss.backward()  # compute gradients\n")
    docstring = TRAINER.replace('"""One optimisation step."""', '"""One optimisation step (PPO)."""')
    t = _triage(tmp_path, {"a/trainer.py": TRAINER, "b/trainer.py": TRAINER}, {"a/trainer.py": commented, "b/trainer.py": docstring})
    assert t.entry("a/trainer.py").change_kind == "comments"
    assert t.entry("b/trainer.py").change_kind == "docstring"
    assert t.behavioural() == []


def test_behavioural_change_maps_to_subsystem_and_function(tmp_path):
    changed = TRAINER.replace("    torch.nn.utils.clip_grad_norm_(agent.parameters(), max_norm)\n", "")
    t = _triage(tmp_path, {"algo/trainer.py": TRAINER}, {"algo/trainer.py": changed})
    entry = t.entry("algo/trainer.py")
    assert entry.has_effect
    assert "trainer" in entry.subsystem_names
    reasons = " ".join(r for m in entry.subsystems for r in m.reasons)
    assert "clip_grad_norm_" in reasons
    assert [s.qualname for s in entry.symbols] == ["update"]
    assert entry.symbols[0].change == "modified" and "trainer" in entry.symbols[0].subsystems


def test_unrelated_file_maps_to_other(tmp_path):
    t = _triage(tmp_path, {"tools/banner.py": "TEXT = 'a'\n"}, {"tools/banner.py": "TEXT = 'b'\n"})
    assert t.entry("tools/banner.py").subsystem_names == ["other"]


def test_pure_rename_and_docs_have_no_effect(tmp_path):
    t = _triage(tmp_path, {"old/ppo.py": TRAINER, "README.md": "a\n"}, {"old/ppo.py": None, "new/ppo.py": TRAINER, "README.md": "b\n"})
    assert t.entry("new/ppo.py").change_kind == "rename"
    assert t.entry("README.md").change_kind == "documentation"
    assert t.touched() == {}


@pytest.mark.parametrize(("before", "after", "kind"), [("a: 1\nb: [1, 2]\n", "# note\na: 1\nb:\n  - 1\n  - 2\n", {"comments", "formatting"}), ("a: 1\n", "a: 2\n", {"behavioural"})])
def test_yaml_changes_compare_parsed_data(tmp_path, before, after, kind):
    t = _triage(tmp_path, {"configs/ppo.yaml": before}, {"configs/ppo.yaml": after})
    assert t.entry("configs/ppo.yaml").change_kind in kind


def test_file_that_does_not_parse_is_recorded_not_raised(tmp_path):
    t = _triage(tmp_path, {"algo/ppo.py": TRAINER}, {"algo/ppo.py": TRAINER + "\ndef broken(:\n"})
    entry = t.entry("algo/ppo.py")
    assert entry.has_effect and "does not parse" in entry.note
    assert t.failures and t.failures[0].path == "algo/ppo.py"


def test_demo_noise_commits_are_recognised(demo_repo):
    handle = open_repository(str(demo_repo.path))
    cs = build_changeset(handle, resolve_range(handle, demo_repo.baseline, demo_repo.candidate))
    t = triage_changeset(cs, load_playbooks())
    assert t.entry("rlproj/common/utils.py").change_kind == "rename"
    assert t.entry("rlproj/model.py").change_kind == "formatting"
    assert t.entry("README.md").change_kind == "documentation"
    assert t.entry("rlproj/ppo.py").has_effect and "ppo" in t.entry("rlproj/ppo.py").subsystem_names
