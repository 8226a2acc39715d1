"""Modules whose change is layout or comments only: extracted at one commit, same results."""

from __future__ import annotations

from investigator.config.analyzer import ConfigComparison, compare_configs
from investigator.config.findings import _built
from investigator.models import Location, NoEffectChange
from investigator.playbooks_lib import load_playbooks

from .helpers import FakeSnapshot

UTIL_BASE = """
def helper(x):
    return x + 1
"""
UTIL_CAND = """


def helper(
    x,
):
    # reformatted
    return x + 1
"""
CFG_BASE = """
LR = 0.1
"""
CFG_CAND = """
# comment

LR = 0.1
"""
TRAIN = """
import argparse
from pkg.util import helper


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", default=helper(3))
    p.add_argument("--gamma", default=0.9)


if __name__ == "__main__":
    main()
"""
SAME = ["pkg/util.py", "pkg/cfg.py"]


def _summary(c: ConfigComparison) -> list:
    def entries(side):
        return sorted((k, e.path, e.line, repr(e.value)) for k, e in [*side.effective.items(), *side.other.items()])

    return [entries(c.base), entries(c.cand), c.base.entry.describe(), c.cand.entry.describe(),
            sorted((m.key, m.status.value, m.how) for m in [*c.effective, *c.other])]


def _pair(base: dict[str, str], cand: dict[str, str], same: list[str]) -> tuple[ConfigComparison, ConfigComparison]:
    playbooks = load_playbooks()
    snapshots = FakeSnapshot(base, "a" * 40), FakeSnapshot(cand, "b" * 40)
    return compare_configs(*snapshots, playbooks), compare_configs(*snapshots, playbooks, same_code=same)


def test_config_free_module_is_taken_from_the_baseline_without_an_entry():
    base = {"pkg/util.py": UTIL_BASE, "pkg/cfg.py": CFG_BASE, "configs/a.yaml": "x: 1\n"}
    cand = {"pkg/util.py": UTIL_CAND, "pkg/cfg.py": CFG_CAND, "configs/a.yaml": "x: 2\n"}
    plain, reused = _pair(base, cand, SAME)
    assert reused.cand_side.reused == ["pkg/util.py"]  # pkg/cfg.py configures a value: its own lines
    assert reused.cand_side.parsed["pkg/util.py"] is reused.base_side.parsed["pkg/util.py"]
    assert plain.cand_side.reused == []
    assert _summary(reused) == _summary(plain)
    lines = [[e.line for e in c.parsed["pkg/cfg.py"].entries] for c in (reused.base_side, reused.cand_side)]
    assert lines == [[2], [4]]


def test_followed_entry_that_takes_nothing_from_reused_modules_keeps_them():
    """`helper` is called, but nothing configured comes from pkg/util.py: its lines never show."""
    base = {"train.py": TRAIN, "pkg/util.py": UTIL_BASE, "pkg/cfg.py": CFG_BASE}
    cand = {"train.py": TRAIN.replace("0.9", "0.8"), "pkg/util.py": UTIL_CAND, "pkg/cfg.py": CFG_CAND}
    plain, reused = _pair(base, cand, SAME)
    assert reused.cand.entry.script == "train.py"
    assert reused.cand_side.reused == ["pkg/util.py"]
    assert reused.cand_side.parsed["pkg/util.py"] is reused.base_side.parsed["pkg/util.py"]
    assert _summary(reused) == _summary(plain)


ENVS_BASE = "def make_env(num_envs=8):\n    return num_envs\n"
ENVS_CAND = "\n\n# reformatted\ndef make_env(\n    num_envs=8,\n):\n    return num_envs\n"
TRAIN_ENVS = "from pkg.envs import make_env\n\n\ndef main():\n    make_env()\n\n\nif __name__ == '__main__':\n    main()\n"


def test_followed_entry_that_takes_a_value_from_a_reused_module_parses_the_candidate_again():
    """The builder default `num_envs=8` comes from the reformatted module: the candidate's line (5), not 1."""
    base = {"train.py": TRAIN_ENVS, "pkg/envs.py": ENVS_BASE}
    cand = {"train.py": TRAIN_ENVS, "pkg/envs.py": ENVS_CAND}
    plain, reused = _pair(base, cand, ["pkg/envs.py"])
    assert reused.cand_side.reused == []
    assert reused.cand_side.parsed["pkg/envs.py"] is not reused.base_side.parsed["pkg/envs.py"]
    assert reused.cand.effective["env.num_envs"].where() == "pkg/envs.py:5"
    assert reused.base.effective["env.num_envs"].where() == "pkg/envs.py:1"
    assert _summary(reused) == _summary(plain)


def test_built_models_equal_validated_ones():
    loc = {"path": "a.yaml", "line": 3, "end_line": None, "side": "baseline"}
    built = _built(NoEffectChange, {"subsystem": "env", "title": "t", "reason": "r",
                                    "locations": [_built(Location, dict(loc), {"path", "line", "side"})],
                                    "source": "s"}, {"subsystem", "title", "reason", "locations", "source"})
    validated = NoEffectChange(subsystem="env", title="t", reason="r", source="s",
                               locations=[Location(path="a.yaml", line=3, side="baseline")])
    assert built == validated
    assert built.model_dump_json() == validated.model_dump_json()
    assert built.model_dump(exclude_unset=True) == validated.model_dump(exclude_unset=True)
    assert built.locations[0].render() == "a.yaml:3"


def test_analyzer_result_is_the_same_with_triage(migration, tmp_path):
    from investigator.analyzers.base import AnalysisContext
    from investigator.config.analyzer import ConfigForensics, _same_code
    from investigator.git import build_changeset, open_repository, resolve_range
    from investigator.request import InvestigationRequest
    from investigator.triage import triage_changeset

    repo, base, cand = migration
    playbooks = load_playbooks()
    dumps = []
    for with_triage in (False, True):
        handle = open_repository(str(repo))
        changeset = build_changeset(handle, resolve_range(handle, base, cand))
        triage = triage_changeset(changeset, playbooks) if with_triage else None
        ctx = AnalysisContext(request=InvestigationRequest(repo=str(repo)), changeset=changeset, triage=triage,
                              playbooks=playbooks, output_dir=tmp_path)
        if with_triage:
            assert all(e.change_kind in ("formatting", "comments") for e in triage.entries
                       if e.path in _same_code(ctx))
        dumps.append(ConfigForensics().run(ctx).model_dump_json(exclude={"duration_s"}))
    assert dumps[0] == dumps[1]
