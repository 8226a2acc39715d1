"""benchmarks/bench_timeline.py: CPU samples are charged to the workflow step on their stack and split
by whether a forked helper was alive (serial = the second core idle)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_timeline.py"


def _module():
    spec = importlib.util.spec_from_file_location("bench_timeline", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_samples_go_to_their_step_and_to_serial_or_parallel(capsys):
    mod = _module()
    triage = ("investigator.cli.main", "investigator.workflow.graph.triage", "investigator.triage.triage_changeset")
    analyzer = ("investigator.budget.body", "investigator.detectors.engine.run_detectors")
    imported = ("investigator.cli.main", "importlib._bootstrap._find_and_load")
    assert mod._step(triage) == "triage"
    assert mod._step(analyzer) == "analyzers"
    assert mod._step(imported) == "import"
    assert mod._step(("threading.run",)) == "other"
    mod.SAMPLES[:] = [(1.0, triage, 0), (2.0, analyzer, 1), (0.5, analyzer, 0), (0.25, imported, 0)]
    mod.summary(10, 0.0)
    err = capsys.readouterr().err
    assert "serial 1.75 s, parallel 2.00 s" in err
    assert "analyzers    parallel    2.00" in err and "triage       serial      1.00" in err
    assert "0.50 analyzers  investigator.detectors.engine.run_detectors" in err  # serial only, inclusive
    assert mod.STOP.is_set()
