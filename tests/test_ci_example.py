"""The GitHub Actions example (examples/github-actions/investigate.yml): its investigate step, run as
GitHub runs it (bash -eo pipefail) in a checkout shaped like a pull request's merge commit, finds the
merge base, writes SARIF and markdown, and reports the exit code the later steps gate on."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.gitrepo import GIT_ENV, commit_files, git

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "examples" / "github-actions" / "investigate.yml"


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text())


def _job() -> dict:
    (job,) = _workflow()["jobs"].values()
    return job


def _step(name_start: str) -> dict:
    return next(s for s in _job()["steps"] if s.get("name", "").startswith(name_start))


def test_workflow_shape_runs_on_pull_requests_with_full_history_and_uploads_sarif():
    wf = _workflow()
    assert "pull_request" in wf[True]  # YAML 1.1 reads the key `on` as true
    assert wf["permissions"]["security-events"] == "write"
    job = _job()
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"].endswith("/latest.sarif")  # one file: the directory also holds the link
    run = _step("Investigate")["run"]
    assert "git merge-base" in run and "--fail-on" in run and "--format sarif" in run and "--format md" in run
    assert not (ROOT / ".github" / "workflows" / WORKFLOW.name).exists()  # an example, not this repository's CI


def _investigate_shim(bin_dir: Path) -> None:
    """`investigate` on PATH: this checkout's CLI under this interpreter."""
    bin_dir.mkdir()
    shim = bin_dir / "investigate"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m investigator.cli "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)


def _pull_request_checkout(tmp_path: Path, demo, pr_files: dict | None) -> Path:
    """A clone whose HEAD is the merge of branch `feature` into `main` (GitHub's refs/pull/N/merge),
    with both branches as origin/* (fetch-depth: 0). `main` is the demo's baseline (then one unrelated
    commit); `feature` is the demo's candidate, or (`pr_files`) the baseline plus those files."""
    origin = tmp_path / "origin"
    git(tmp_path, "clone", "-q", str(demo.path), str(origin))
    git(origin, "checkout", "-q", "-B", "feature", demo.candidate if pr_files is None else demo.baseline)
    if pr_files is not None:
        commit_files(origin, pr_files, "the pull request")
    git(origin, "checkout", "-q", "-B", "main", demo.baseline)
    commit_files(origin, {"NOTES.md": "unrelated work on main\n"}, "main moved on")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    git(work, "checkout", "-q", "--detach", "origin/main")
    git(work, "merge", "-q", "--no-ff", "origin/feature", "-m", "Merge feature into main")
    return work


def _run_step(work: Path, tmp_path: Path, **overrides: str) -> tuple[subprocess.CompletedProcess, dict, Path]:
    _investigate_shim(tmp_path / "bin")
    outputs, summary = tmp_path / "github_output", tmp_path / "summary.md"
    env = {**os.environ, **GIT_ENV, **_job()["env"], "BASE_REF": "main", "GITHUB_OUTPUT": str(outputs),
           "GITHUB_STEP_SUMMARY": str(summary), "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT), "HOME": str(tmp_path), **overrides}
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", _step("Investigate")["run"]],
                          cwd=work, env=env, capture_output=True, text=True, timeout=120)
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines()) if outputs.exists() else {}
    return proc, values, work / _job()["env"]["REPORTS"]


@pytest.mark.parametrize(("pr_files", "expected"), [
    (None, "1"),  # the demo's candidate: critical regressions (a GAE index shift, a reward term zeroed)
    ({"README.md": "# gridarena-ppo\n\nHow to train.\n"}, "0"),  # documentation only
])
def test_investigate_step_gates_on_critical_and_writes_sarif(demo_repo, tmp_path, pr_files, expected):
    work = _pull_request_checkout(tmp_path, demo_repo, pr_files)
    proc, outputs, reports = _run_step(work, tmp_path)
    assert proc.returncode == 0, proc.stderr  # 0 and 1 both continue to the upload; the last step gates
    assert outputs["exit-code"] == expected, proc.stderr
    log = json.loads((reports / "latest.sarif").read_text())
    base = git(work, "rev-parse", "HEAD^1")
    run = log["runs"][0]
    assert run["properties"]["baseline"]["sha"] == base  # the merge base of origin/main and the merge commit
    assert run["versionControlProvenance"][0]["revisionId"] == git(work, "rev-parse", "HEAD")
    levels = [r["level"] for r in run["results"]]
    assert ("error" in levels) == (expected == "1")
    assert (tmp_path / "summary.md").read_text().startswith("# ")


def test_investigate_step_fails_on_bad_input(demo_repo, tmp_path):
    """Exit 2 (here: an invalid --fail-on) fails the step itself: the later steps neither upload nor pass."""
    work = _pull_request_checkout(tmp_path, demo_repo, {"README.md": "x\n"})
    proc, outputs, _ = _run_step(work, tmp_path, FAIL_ON="fatal")
    assert proc.returncode == 2 and outputs["exit-code"] == "2"
    assert "invalid choice" in proc.stderr


def test_investigate_step_fails_without_the_base_branch(demo_repo, tmp_path):
    """A shallow or partial checkout without origin/<base>: the merge base cannot be found, the step fails."""
    work = _pull_request_checkout(tmp_path, demo_repo, {"README.md": "x\n"})
    git(work, "update-ref", "-d", "refs/remotes/origin/main")
    proc, outputs, _ = _run_step(work, tmp_path)
    assert proc.returncode != 0 and "exit-code" not in outputs
