"""Configuration findings are attributed to the commit that changed the value, not to a later edit of
the same line, and to nothing when the value on that line predates the range."""

from __future__ import annotations

from investigator.attribution.config_value import value_tail
from tests.attribution.helpers import CONFIG, attribute, config_finding, new_repo
from tests.support.gitrepo import commit_files

TUNED = CONFIG.replace("lr: 0.0003", "lr: 0.003")


def _lr_finding(path="configs/train.yaml", base=("configs/train.yaml", 2)):
    return config_finding("trainer.lr", base, (path, 2), "0.0003", "0.003")


def test_value_tail_reads_the_setting_not_its_comment():
    assert value_tail("  lr: 0.003  # tuned", "lr") == "lr:0.003"
    assert value_tail("    gem: float = 0.0,", "gem") == "gem:float=0.0"
    assert value_tail("  #lr: 0.003", "lr") is None  # commented out: sets nothing
    assert value_tail("  clr: 0.003", "lr") is None
    assert value_tail("  note: 'lr # not a comment'", "note") == "note:'lr#notacomment'"


def test_a_later_comment_on_the_line_is_not_the_value_change(tmp_path):
    repo, base = new_repo(tmp_path)
    culprit = commit_files(repo, {"configs/train.yaml": TUNED}, "Tune lr")
    commit_files(repo, {"README.md": "a\n"}, "docs")
    cand = commit_files(repo, {"configs/train.yaml": TUNED.replace("lr: 0.003", "lr: 0.003  # tuned on 8 GPUs")}, "comment")
    out = attribute(repo, base, cand, _lr_finding()).findings[0]
    assert out.introduced_by is not None and out.introduced_by.sha == culprit


def test_a_commented_out_value_before_is_not_the_value(tmp_path):
    repo = tmp_path / "repo"
    base = commit_files(repo, {"configs/train.yaml": CONFIG.replace("  lr: 0.0003\n", "  lr: 0.0003\n  # lr: 0.003\n")}, "base")
    culprit = commit_files(repo, {"configs/train.yaml": TUNED.replace("  lr: 0.003\n", "  lr: 0.003\n  # lr: 0.003\n")}, "Tune lr")
    cand = commit_files(repo, {"README.md": "b\n"}, "docs")
    out = attribute(repo, base, cand, _lr_finding()).findings[0]
    assert out.introduced_by is not None and out.introduced_by.sha == culprit


def test_value_already_on_the_line_at_the_baseline_is_not_attributed(tmp_path):
    """The effective value changed because an override went away; the line that sets it only got a
    comment in the range: attributing the comment would be a guess."""
    repo = tmp_path / "repo"
    base = commit_files(repo, {"configs/train.yaml": TUNED, "configs/override.yaml": "trainer:\n  lr: 0.0003\n"}, "base")
    commit_files(repo, {"configs/override.yaml": None}, "Drop the override")
    cand = commit_files(repo, {"configs/train.yaml": TUNED.replace("lr: 0.003", "lr: 0.003  # default")}, "comment")
    out = attribute(repo, base, cand, _lr_finding(base=("configs/override.yaml", 2))).findings[0]
    assert out.introduced_by is None


SECTIONS = "nmmo:\n  train:\n    num_workers: 1\nprocgen:\n  train:\n    num_workers: 4\n"


def test_the_same_key_and_value_in_another_section_is_another_setting(tmp_path):
    repo = tmp_path / "repo"
    base = commit_files(repo, {"config.yaml": SECTIONS}, "base")
    culprit = commit_files(repo, {"config.yaml": SECTIONS.replace("num_workers: 1", "num_workers: 4")}, "More workers")
    cand = commit_files(repo, {"config.yaml": SECTIONS.replace("num_workers: 1", "num_workers: 4  # for nmmo")}, "comment")
    finding = config_finding("nmmo.train.num_workers", ("config.yaml", 3), ("config.yaml", 3), "1", "4")
    out = attribute(repo, base, cand, finding).findings[0]
    assert out.introduced_by is not None and out.introduced_by.sha == culprit


def test_context_is_the_enclosing_lines_or_the_ini_section():
    from investigator.attribution.config_value import context

    lines = SECTIONS.splitlines()
    assert context(lines, 2) == ("train:", "nmmo:") and context(lines, 5) == ("train:", "procgen:")
    ini = ["[env]", "num_envs = 4", "", "[train]", "num_envs = 4"]
    assert context(ini, 1) == ("[env]",) and context(ini, 4) == ("[train]",)
