"""Shared pieces of the real-repository benchmarks (`real_repos.py`, `real_bugs.py`).

Why a separate module: both scripts run `investigate` as a user would (a subprocess with a wall-clock
limit), measure its peak memory, and read its JSON report; one implementation keeps their figures
comparable. Standard library only, plus pydantic/yaml for the data files the scripts read.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SEVERITIES = ("critical", "significant", "low")
# A recorded analyzer failure that is an exception escaping analyzer code ("analyzer crashed: KeyError: …",
# "config forensics failed: TypeError: unhashable type: 'list'", "rule failed: ValueError(…)"), as opposed
# to an input problem the analyzer reported ("candidate version does not parse: SyntaxError …").
CRASH_RE = re.compile(
    r"\b(?:crashed|failed): (?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt)\b"
    r"|\b[A-Z]\w*(?:Error|Exception)\(|Traceback \(most recent call last\)"
)
TRACEBACK = "Traceback (most recent call last)"


def check_inputs(investigate: str, mirrors: str) -> Path | str:
    """The mirrors directory, or the one-line error for a missing executable or directory."""
    if not shutil.which(investigate):
        return f"error: --investigate {investigate} is not an executable"
    path = Path(mirrors)
    if not path.is_dir():
        return f"error: --mirrors {path} is not a directory"
    return path


def mirror_path(mirrors: Path, repo: str) -> Path | None:
    """Where the user's mirror of `repo` lives: `DIR/NAME.git` (bare) or `DIR/NAME` (bare or working)."""
    for cand in (mirrors / f"{repo}.git", mirrors / repo):
        if (cand / "HEAD").is_file() or (cand / ".git").exists():
            return cand
    return None


def git(repo: Path, *args: str, env: dict[str, str] | None = None, input: str | None = None) -> str:
    """Run git against `repo` (bare or not) with settings that make diffs byte-stable across users."""
    cmd = [
        "git",
        "-c", "core.quotepath=on",
        "-c", "diff.noprefix=false",
        "-c", "diff.mnemonicPrefix=false",
        "-c", "diff.relative=false",
        "-c", "color.ui=never",
        "--git-dir", str(repo if (repo / "HEAD").is_file() else repo / ".git"),
        *args,
    ]
    full_env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", LC_ALL="C")
    if env:
        full_env.update(env)
    r = subprocess.run(cmd, capture_output=True, text=True, env=full_env, input=input)
    if r.returncode != 0:
        raise GitError(f"git {' '.join(args[:3])}: {r.stderr.strip()[:300]}")
    return r.stdout


class GitError(RuntimeError):
    """A git command failed (missing object, patch does not apply, unknown commit)."""


@dataclass
class RunResult:
    """One `investigate` run: how it ended, what it cost, and what its JSON report says."""

    rc: int | None  # None when it was killed at the timeout
    timed_out: bool
    wall_s: float
    peak_mib: float | None
    stderr_tail: str
    report: dict | None
    report_error: str | None = None
    findings: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SEVERITIES, 0))
    failures: list[dict] = field(default_factory=list)

    @property
    def internal_error(self) -> bool:
        """Exit code 3 (the CLI's internal-error code) or a traceback on stderr."""
        return self.rc == 3 or TRACEBACK in self.stderr_tail

    @property
    def crashes(self) -> list[dict]:
        """Recorded analyzer failures whose message is an exception escaping analyzer code."""
        return [f for f in self.failures if CRASH_RE.search(str(f.get("message", "")))]


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def run_investigate(cmd: list[str], out_dir: Path, timeout: float) -> RunResult:
    """Run `cmd` (an investigate command line writing JSON into out_dir) with a wall-clock limit.

    The run gets its own process group so that at the timeout it and every git helper it started are
    killed, and nothing else. Peak RSS comes from wait4() of that child (its largest descendant that
    it waited for counts too), so no /usr/bin/time is needed.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    err_path = out_dir / "stderr.txt"
    t0 = time.monotonic()
    with open(out_dir / "stdout.txt", "wb") as so, open(err_path, "wb") as se:
        p = subprocess.Popen(cmd, stdout=so, stderr=se, start_new_session=True)
        timed_out = False
        status, usage = 0, None
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - t0 > timeout:
                timed_out = True
                _kill_group(p.pid)
                _, status, usage = os.wait4(p.pid, 0)
                break
            time.sleep(0.05)
        p.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
    wall = round(time.monotonic() - t0, 2)
    _kill_group(p.pid)  # leftovers of a finished run (none expected)
    peak = round(usage.ru_maxrss / 1024, 1) if usage is not None else None  # Linux: KiB
    stderr = err_path.read_text(errors="replace")
    res = RunResult(
        rc=None if timed_out else p.returncode,
        timed_out=timed_out,
        wall_s=wall,
        peak_mib=peak,
        stderr_tail=stderr[-2000:],
        report=None,
    )
    reports = sorted(out_dir.glob("investigation-*.json"))
    if reports:
        try:
            res.report = json.loads(reports[-1].read_text())
        except (OSError, ValueError) as e:
            res.report_error = f"unreadable report {reports[-1].name}: {e}"
    if res.report is not None:
        for f in res.report.get("findings") or []:
            sev = str(f.get("severity", "?"))
            res.findings[sev] = res.findings.get(sev, 0) + 1
        res.failures = list(res.report.get("failures") or [])
    return res


def investigate_cmd(investigate: str, repo: Path, baseline: str, candidate: str, out_dir: Path) -> list[str]:
    """The command line a user would type for a static investigation with a JSON report."""
    return [
        investigate, "--repo", str(repo), "--baseline-commit", baseline, "--candidate-commit", candidate,
        "--format", "json", "--output", str(out_dir), "--quiet",
    ]


def median(xs: list[float]) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else round((s[n // 2 - 1] + s[n // 2]) / 2, 2)
