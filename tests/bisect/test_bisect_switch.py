"""`--no-bisect` (CLI, demo) and `"bisect": false` (service job) reach the request, and the request
turns the bisection node off; the default bisects."""

from __future__ import annotations

from pathlib import Path

from investigator.cli import build_parser, probe_options
from investigator.demo.command import _probe_request_fields
from investigator.service.schemas import JobSubmission


def _fields(*argv: str) -> dict[str, object]:
    return probe_options(build_parser().parse_args(["run", "--repo", ".", "--baseline-commit", "HEAD~1", *argv]))


def test_investigate_bisects_by_default_and_no_bisect_turns_it_off() -> None:
    assert _fields()["bisect"] is True
    assert _fields("--no-bisect")["bisect"] is False


def test_demo_passes_no_bisect_with_its_probes(tmp_path: Path) -> None:
    parse = build_parser().parse_args
    assert _probe_request_fields(parse(["demo", "--probes", "--yes"]), tmp_path)["bisect"] is True
    assert _probe_request_fields(parse(["demo", "--probes", "--yes", "--no-bisect"]), tmp_path)["bisect"] is False


def test_a_service_job_carries_its_bisect_choice(tmp_path: Path) -> None:
    job = JobSubmission(repo="/r", baseline_commit="a")
    assert job.to_request(tmp_path).bisect is True
    off = JobSubmission(repo="/r", baseline_commit="a", bisect=False)
    assert off.to_request(tmp_path).bisect is False
