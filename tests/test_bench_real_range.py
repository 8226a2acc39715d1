"""benchmarks/bench_real_range.py: the normalised report keeps what the analysis found and drops only
what changes from run to run, so `compare` can prove a speed change identical."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_real_range.py"


def _module():
    spec = importlib.util.spec_from_file_location("bench_real_range", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _report(tmp_path: Path, run_id: str, title: str, seconds: float) -> Path:
    out = tmp_path / run_id
    out.mkdir()
    data = {
        "run_id": run_id, "generated_at": "2026-12-05T00:00:00", "timings": [{"step": "diff", "seconds": seconds}],
        "request": {"output": str(out)},
        "findings": [{"title": title, "evidence": [{"details": {"log": f"{out}/probes/{run_id}/x.txt"}}]}],
        "analyzers": {"ran": ["code_detectors"]}, "probes": [{"wall_s": seconds}],
    }
    path = out / "latest.json"
    path.write_text(json.dumps(data))
    return path


def test_runs_that_found_the_same_things_normalise_alike(tmp_path):
    mod = _module()
    a = mod.normalised(_report(tmp_path, "20261205-000000-aaaaaa", "Loss changed", 1.0))
    b = mod.normalised(_report(tmp_path, "20261205-000001-bbbbbb", "Loss changed", 9.0))
    assert a == b
    assert "timings" not in a and "run_id" not in a and a["findings"][0]["title"] == "Loss changed"
    assert a["findings"][0]["evidence"][0]["details"]["log"] == "<out>/probes/<run>/x.txt"


def test_a_different_finding_is_not_normalised_away(tmp_path, capsys):
    mod = _module()
    a = mod.normalised(_report(tmp_path, "20261205-000000-aaaaaa", "Loss changed", 1.0))
    b = mod.normalised(_report(tmp_path, "20261205-000001-bbbbbb", "Optimizer changed", 1.0))
    assert a != b
    fa, fb = tmp_path / "a.json", tmp_path / "b.json"
    fa.write_text(json.dumps(a))
    fb.write_text(json.dumps(b))
    import argparse

    import pytest

    with pytest.raises(SystemExit):
        mod.cmd_compare(argparse.Namespace(a=str(fa), b=str(fb)))
    assert "differs: findings" in capsys.readouterr().out
    mod.cmd_compare(argparse.Namespace(a=str(fa), b=str(fa)))
    assert "identical" in capsys.readouterr().out
