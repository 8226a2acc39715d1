"""The committed evaluation suite: recall on single-bug variants, no false alarms on refactors; and the
shape of its fixture folders (`tests/fixtures/detectors/`): every detector has a regressed variant or
a reason why not, every folder names a detector, every variant is a valid, effective change."""

from __future__ import annotations

from pathlib import Path

import pytest

from investigator.units import load
from tests.support.evalsuite import (
    BASE_FILES,
    BUGS,
    FIXTURES,
    GENERAL,
    PROJECT,
    REFACTORS,
    VARIANTS,
    FixtureError,
    load_variants,
    run_suite,
)
from tests.support.ppo_source import GAE_MODULE

ROOT = Path(__file__).resolve().parents[2]

# Detectors without a regressed variant in tests/fixtures/detectors/, with the test module that holds
# their positive and negative cases instead. Why: the fixture project is on-policy PPO; it has no
# target network, replay buffer or tanh-squashed policy for these off-policy detectors to look at, and
# no constructor whose keyword defaults a release moves into a `<Class>Config` dataclass (an API rewrite
# across modules, not a single-bug variant of one file).
WITHOUT_FIXTURES: dict[str, str] = {
    "constant_test": "tests/detectors/test_constant_test.py",
    "config_class_defaults": "tests/detectors/test_config_class_defaults.py",
    "inf_product": "tests/detectors/test_inf_product.py",
    "target_network": "tests/detectors/test_offpolicy_rules.py",
    "replay_store": "tests/detectors/test_offpolicy_rules.py",
    "squashed_policy": "tests/detectors/test_offpolicy_rules.py",
    # the fixture PPO keeps no averaged or target network whose update could become a no-op
    "noop_update": "tests/detectors/test_noop_update.py",
    # the fixture PPO is on-policy: no n-step window of transitions
    "nstep_window": "tests/detectors/test_nstep_window.py",
}


def _detector_ids() -> set[str]:
    return {u.id for u in load("detector")}


def test_every_detector_has_a_regressed_fixture_or_a_reason_why_not() -> None:
    with_fixtures = {v.family for v in BUGS}
    missing = _detector_ids() - with_fixtures - set(WITHOUT_FIXTURES)
    assert not missing, f"detectors without a regressed fixture variant (add one, or a reason to WITHOUT_FIXTURES): {missing}"
    assert not with_fixtures & set(WITHOUT_FIXTURES), "allow-listed detectors that now have fixtures: drop them from the list"
    assert set(WITHOUT_FIXTURES) <= _detector_ids(), "the allow-list names a detector that does not exist"
    for detector_id, test_module in WITHOUT_FIXTURES.items():
        assert (ROOT / test_module).is_file(), test_module
        assert f'"{detector_id}"' in (ROOT / test_module).read_text(), detector_id


def test_every_fixture_folder_names_a_detector() -> None:
    homes = {p.name for p in FIXTURES.iterdir() if p.is_dir()} - {PROJECT, GENERAL}
    assert homes, FIXTURES
    assert not homes - _detector_ids(), "fixture folders named after no detector"
    assert {v.home for v in VARIANTS} <= homes | {GENERAL}
    assert all(v.kind == "refactor" for v in VARIANTS if v.home == GENERAL)


def test_every_variant_applies_and_changes_the_project() -> None:
    assert len(BUGS) >= 25 and len(REFACTORS) >= 10
    assert len({v.id for v in VARIANTS}) == len(VARIANTS)
    for v in VARIANTS:
        after = v.apply()  # raises when a deleted file is not in the project
        assert after != BASE_FILES, v.id
        if v.kind == "bug":
            assert after[v.path] != BASE_FILES.get(v.path), v.id  # the expected finding's file changes


def test_the_project_gae_is_the_demo_templates() -> None:
    # One PPO source for the demo and the tests: regenerate the fixtures when the template changes.
    assert BASE_FILES["ppo/gae.py"] == GAE_MODULE


def _variant(root: Path, home: str, name: str, case: str, files: dict[str, str]) -> None:
    folder = root / home / name
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text(case)
    for path, text in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)


REGRESSED = "kind: regressed\ndescription: d\nsubsystem: ppo\npath: ppo/gae.py\norder: 1\n"


def test_loader_reads_overlays_in_table_order(tmp_path: Path) -> None:
    _variant(tmp_path, "gae_index", "b_bug", REGRESSED, {"ppo/gae.py": "changed\n"})
    _variant(tmp_path, GENERAL, "a_move", "kind: preserving\ndescription: m\ndeleted: [ppo/gae.py]\norder: 2\n",
             {"ppo/algos/gae.py": BASE_FILES["ppo/gae.py"]})
    (tmp_path / PROJECT).mkdir()
    bug, move = load_variants(tmp_path)
    assert (bug.id, bug.kind, bug.family, bug.subsystem, bug.path) == ("b_bug", "bug", "gae_index", "ppo", "ppo/gae.py")
    assert bug.apply() == {**BASE_FILES, "ppo/gae.py": "changed\n"}
    assert (move.id, move.kind, move.family, move.home) == ("a_move", "refactor", "", GENERAL)
    moved = move.apply()
    assert "ppo/gae.py" not in moved and moved["ppo/algos/gae.py"] == BASE_FILES["ppo/gae.py"]


@pytest.mark.parametrize(
    ("case", "files", "message"),
    [
        ("kind: regressed\ndescription: d\norder: 1\n", {"ppo/gae.py": "x\n"}, "subsystem and path"),
        ("kind: preserving\ndescription: d\nsubsystem: ppo\norder: 1\n", {"ppo/gae.py": "x\n"}, "no subsystem"),
        (REGRESSED + "severity: critical\n", {"ppo/gae.py": "x\n"}, "severity"),  # unknown keys are errors
        ("kind: broken\ndescription: d\norder: 1\n", {"ppo/gae.py": "x\n"}, "kind"),
        ("kind: [unclosed\n", {"ppo/gae.py": "x\n"}, "invalid case.yaml"),
        (REGRESSED, {}, "changes no file"),
        (REGRESSED, {"ppo/loss.py": "x\n"}, "is not a file the variant changes"),
    ],
)
def test_loader_rejects_invalid_variants(tmp_path: Path, case: str, files: dict[str, str], message: str) -> None:
    _variant(tmp_path, "gae_index", "v", case, files)
    with pytest.raises(FixtureError, match=message):
        load_variants(tmp_path)


def test_loader_rejects_a_variant_id_used_twice(tmp_path: Path) -> None:
    _variant(tmp_path, "gae_index", "v", REGRESSED, {"ppo/gae.py": "x\n"})
    _variant(tmp_path, "done_mask", "v", REGRESSED, {"ppo/gae.py": "y\n"})
    with pytest.raises(FixtureError, match="used under both"):
        load_variants(tmp_path)


def test_deleting_a_file_the_project_lacks_fails(tmp_path: Path) -> None:
    _variant(tmp_path, GENERAL, "v", "kind: preserving\ndescription: d\ndeleted: [nope.py]\norder: 1\n", {})
    (variant,) = load_variants(tmp_path)
    with pytest.raises(ValueError, match="nope.py"):
        variant.apply()


def test_recall_and_false_positives(tmp_path: Path) -> None:
    outcomes = run_suite(str(tmp_path))
    bugs = [o for o in outcomes if o.variant.kind == "bug"]
    refactors = [o for o in outcomes if o.variant.kind == "refactor"]
    missed = [(o.variant.id, o.top) for o in bugs if not o.recalled]
    recall = 1 - len(missed) / len(bugs)
    assert recall >= 0.95, missed
    false_positives = {o.variant.id: o.false_positives for o in refactors if o.false_positives}
    assert not false_positives
