"""The unit registry: discovery by package, one contract, validation at load, generated docs."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from investigator.units import Kind, UnitError, all_units, load
from investigator.units.docs import ROOT, render, stale_docs
from investigator.units.registry import discover, validate

_COUNTER = itertools.count()

GOOD = '''"""A probe that reads the initial weights."""
from investigator.units import UnitMeta


class InitProbe:
    meta = UnitMeta(id="{uid}", title="Init statistics", subsystem="init", hypotheses=["init.init_scheme_changed"])


class Helper:  # no metadata: not a unit
    pass
'''


def _package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modules: dict[str, str]) -> str:
    """A fresh importable package holding `modules` (name -> source)."""
    name = f"tmp_units_{next(_COUNTER)}_{tmp_path.name}".replace("-", "_")
    root = tmp_path / name
    root.mkdir()
    (root / "__init__.py").write_text("")
    for module, source in modules.items():
        (root / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


def test_a_new_kind_is_one_line_and_its_units_are_found_by_package(tmp_path, monkeypatch):
    package = _package(tmp_path, monkeypatch, {"init_stats": GOOD.format(uid="init_statistics")})
    units = discover(Kind("probe", package))
    validate(units)
    assert [(u.kind, u.id, u.meta.subsystem) for u in units] == [("probe", "init_statistics", "init")]
    assert units[0].doc == "A probe that reads the initial weights."
    assert type(units[0].obj).__name__ == "InitProbe"


@pytest.mark.parametrize(
    ("modules", "message"),
    [
        ({"a": GOOD.format(uid="x_probe").replace('"init", hyp', '"rocket", hyp')}, r"probe x_probe \(.*\.a\): unknown subsystem 'rocket'"),
        ({"a": GOOD.format(uid="x_probe").replace("init.init_scheme_changed", "init.init_scheme_shift")},
         r"unknown hypothesis 'init.init_scheme_shift' \(did you mean init.init_scheme_changed\?\)"),
        ({"a": GOOD.format(uid="same_id"), "b": GOOD.format(uid="same_id")}, r"probe same_id \(.*\.b\): id already used by probe same_id"),
        ({"a": GOOD.format(uid="Bad-Id")}, r"probe unit in .*\.a: invalid metadata: id: String should match pattern"),
        ({"a": GOOD.format(uid="x_probe").replace('title="Init statistics", ', "")}, r"invalid metadata: title: Field required"),
    ],
    ids=["subsystem", "hypothesis", "duplicate", "id", "missing-field"],
)
def test_a_unit_with_bad_metadata_fails_at_load_with_one_message(tmp_path, monkeypatch, modules, message):
    package = _package(tmp_path, monkeypatch, modules)
    with pytest.raises(UnitError, match=message) as info:
        validate(discover(Kind("probe", package)))
    assert "\n" not in str(info.value)


def test_detector_metadata_keeps_to_the_checklist_subsystems(tmp_path, monkeypatch):
    """A detector's finding belongs to a checklist subsystem; "other" is only for metric rules."""
    source = (
        "from investigator.detectors.base import Detector, DetectorMeta\n"
        "from investigator.models import Severity\n\n\n"
        "class D(Detector):\n"
        "    meta = DetectorMeta(id='d_other', title='t', subsystem='{sub}', severity=Severity.low, rationale='r', fix='f')\n"
    )
    ok = _package(tmp_path, monkeypatch, {"d": source.format(sub="ppo")})
    assert [u.id for u in discover(Kind("detector", ok, "investigator.detectors.base:DetectorMeta"))] == ["d_other"]
    bad = _package(tmp_path, monkeypatch, {"d": source.format(sub="other")})
    with pytest.raises(UnitError, match="invalid metadata: subsystem: Value error, unknown subsystem 'other'"):
        discover(Kind("detector", bad, "investigator.detectors.base:DetectorMeta"))


def test_ids_are_unique_across_kinds():
    units = all_units()
    detector = next(u for u in units if u.kind == "detector")
    rule = next(u for u in units if u.kind == "metric_rule")
    clash = type(rule)(kind=rule.kind, meta=rule.meta.model_copy(update={"id": detector.id}), obj=rule.obj, module=rule.module)
    with pytest.raises(UnitError, match=f"metric_rule {detector.id} .*: id already used by detector {detector.id}"):
        validate([detector, clash])


def test_every_unit_module_is_discovered_without_a_list():
    rules_dir = ROOT / "investigator" / "detectors" / "rules"
    modules = {p.stem for p in rules_dir.glob("*.py") if p.stem != "__init__"}
    assert {u.module.rsplit(".", 1)[-1] for u in load("detector")} == modules
    kinds = {u.kind for u in all_units()}
    assert kinds == {"detector", "metric_rule", "extractor", "analyzer", "probe"}
    ids = {u.id for u in all_units()}
    assert {"gae_index", "final_performance", "yaml", "launch", "config_forensics", "behavioural_change"} <= ids
    assert len(ids) == len(all_units())


def test_order_of_analyzers_and_metric_rules_is_kept():
    """The planning order of analyzers and the order of metric rules shape the report (the first
    comparison of a curve leads the merged finding): the registry keeps it."""
    from investigator.analyzers.base import all_analyzers
    from investigator.metrics.rules import compare_rules, single_run_rules

    assert [a.id for a in all_analyzers()] == [
        "diff_overview", "config_forensics", "metric_forensics", "code_detectors", "behavioural_change"]
    assert [r.meta.id for r in compare_rules()] == ["final_performance", "area_under_curve", "sample_efficiency", "throughput_drop"]
    assert [r.meta.id for r in single_run_rules()][:3] == ["primary_collapse", "primary_flatline", "primary_peak_decline"]


def test_generated_docs_are_current():
    assert stale_docs() == [], "run `python -m investigator.units docs` and commit docs/"


def test_stale_docs_are_detected_and_regenerated(tmp_path):
    for rel in ("docs/detectors.md", "docs/metrics.md", "docs/probes.md"):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        shutil.copy(ROOT / rel, tmp_path / rel)
    stale = tmp_path / "docs/detectors.md"
    stale.write_text(stale.read_text().replace("| `adv_norm` | ppo | significant", "| `adv_norm` | ppo | low"))
    assert stale_docs(tmp_path) == [stale]
    assert stale_docs(ROOT) == []


def test_render_keeps_the_hand_written_text_and_needs_the_markers():
    begin = "<!-- generated table: t (python -m investigator.units docs); edit the units' metadata, not this table -->"
    end = "<!-- end of generated table: t -->"
    text = f"# Title\nprose\n{begin}\nold\n{end}\nmore prose\n"
    assert render(text, "t", "new") == f"# Title\nprose\n{begin}\nnew\n{end}\nmore prose\n"
    with pytest.raises(UnitError, match="markers of the generated table 't' are missing"):
        render("# no markers\n", "t", "new")


def test_a_kind_added_to_kinds_loads_once_for_concurrent_threads(tmp_path, monkeypatch):
    """Analyzers run in threads: threads loading one kind together all get the same units."""
    import threading

    from investigator.units import registry

    package = _package(tmp_path, monkeypatch, {f"m{i}": GOOD.format(uid=f"probe_{i}") for i in range(6)})
    monkeypatch.setattr(registry, "KINDS", (*registry.KINDS, Kind("plugin", package)))
    monkeypatch.setattr(registry, "_LOADED", {})
    results: list[list] = []
    threads = [threading.Thread(target=lambda: results.append(load("plugin"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r is results[0] for r in results)
    assert [u.id for u in results[0]] == [f"probe_{i}" for i in range(6)]
