"""Export a commit to its own directory and run a command there, killed with its process group on timeout."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class CommandResult:
    command: list[str]
    returncode: int | None  # None when killed on timeout
    timed_out: bool
    seconds: float
    stdout_tail: str
    stderr_tail: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def describe(self) -> str:
        if self.timed_out:
            return f"timed out after {self.seconds:.0f} s (process group killed)"
        if self.returncode != 0:
            last = (self.stderr_tail or self.stdout_tail).strip().splitlines()
            return f"exit code {self.returncode}: {last[-1] if last else 'no output'}"
        return f"ok in {self.seconds:.1f} s"


def export_commit(git_dir: str | Path, sha: str, target: Path) -> Path:
    """Write the tree of `sha` into `target` (a separate checkout: the user's work tree is untouched)."""
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", f"--git-dir={git_dir}", "archive", "--format=tar", sha], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def run_isolated(command: list[str], cwd: Path, timeout_s: float, env: dict[str, str] | None = None) -> CommandResult:
    """Run in a new session; on timeout kill the whole process group (children included)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout_s)
        timed_out = False
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        timed_out = True
    except BaseException:  # SIGINT/SIGTERM of the CLI: the child's own session would outlive us
        _kill_group(proc)
        raise
    return CommandResult(
        command=command,
        returncode=None if timed_out else proc.returncode,
        timed_out=timed_out,
        seconds=time.perf_counter() - start,
        stdout_tail=(out or "")[-4000:],
        stderr_tail=(err or "")[-4000:],
    )


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
