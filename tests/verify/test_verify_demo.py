"""`investigate demo --verify`: the demo's request carries the verification, and (slow) the report
shows the section with the JSON `verification` of the restored findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from investigator.cli import build_parser, main
from investigator.demo.command import _probe_request_fields


def _demo_args(*extra: str):
    return build_parser().parse_args(["demo", *extra])


def test_demo_verify_turns_the_probes_on_and_reaches_the_request(tmp_path: Path) -> None:
    fields = _probe_request_fields(_demo_args("--verify", "--verify-top", "2", "--verify-budget", "90", "--yes"), tmp_path)
    assert fields["verify"] is True and fields["verify_top"] == 2 and fields["verify_budget_s"] == 90
    assert fields["probes"] == "auto" and fields["probe_command"]  # the demo's training command


def test_the_default_demo_does_not_verify(tmp_path: Path) -> None:
    assert _probe_request_fields(_demo_args(), tmp_path) == {"probes": "none"}
    fields = _probe_request_fields(_demo_args("--probes", "--yes"), tmp_path)
    assert fields["verify"] is False


@pytest.mark.slow
def test_demo_verify_shows_the_section(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    code = main(["demo", "--verify", "--verify-top", "1", "--probe-seeds", "2", "--probe-steps", "1024", "--yes",
                 "--quiet", "--device", "cpu", "--probe-cache", "none", "--workdir", str(tmp_path / "w"),
                 "--output", str(tmp_path / "out"), "--format", "json", "--format", "md"])
    assert code == 0
    md = (tmp_path / "out" / "latest.md").read_text()
    assert "## What restoring each change recovers" in md
    data = json.loads((tmp_path / "out" / "latest.json").read_text())
    verified = [f for f in data["findings"] if f["verification"] is not None]
    assert len(verified) == 1 and verified[0]["patch"]
    assert {"recovery", "interval", "verdict", "runs"} <= set(verified[0]["verification"])
    assert verified[0]["verification"]["verdict"] in ("proven", "no_effect", "inconclusive")
