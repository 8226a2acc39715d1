"""Export a commit to its own directory and run a command there under time and memory limits, ended with every process of its session."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from investigator.probes.process import Limits, wait

DEFAULT_MEMORY_MB = 8192.0  # resident memory of all of a command's processes together
TAIL_CHARS = 4000


@dataclass
class CommandResult:
    command: list[str]
    returncode: int | None  # None when ended by a limit
    timed_out: bool
    seconds: float
    stdout_tail: str
    stderr_tail: str
    limit: str | None = None  # "timeout", "memory", "output" when a limit ended it
    peak_rss_mb: float = 0.0

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.limit is None

    def describe(self) -> str:
        if self.timed_out:
            return f"timed out after {self.seconds:.0f} s (its processes were ended)"
        if self.limit == "memory":
            return f"ended at {self.peak_rss_mb:.0f} MB resident memory (over the memory limit)"
        if self.limit is not None:
            return f"ended: {self.limit} limit"
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


def run_isolated(command: list[str], cwd: Path, timeout_s: float, env: dict[str, str] | None = None,
                 memory_mb: float = DEFAULT_MEMORY_MB) -> CommandResult:
    """Run in a new session under a time and a memory limit; past either, or when we are stopped
    (SIGINT), every process of the session is ended (`probes.process`: grandchildren and helpers
    that left the process group included). Output goes to files, so a chatty command cannot fill a pipe."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="investigator-cmd-") as tmp:
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            proc = subprocess.Popen(command, cwd=cwd, env={**os.environ, **(env or {})}, stdout=out, stderr=err,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
            watch = wait(proc, Limits(timeout_s=timeout_s, memory_mb=memory_mb), outputs=(out_path, err_path))
        return CommandResult(
            command=command,
            returncode=proc.returncode if watch.reason is None else None,
            timed_out=watch.reason == "timeout",
            seconds=time.perf_counter() - start,
            stdout_tail=_tail(out_path),
            stderr_tail=_tail(err_path),
            limit=watch.reason,
            peak_rss_mb=watch.peak_rss_mb,
        )


def _tail(path: Path) -> str:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - TAIL_CHARS * 4))
        return handle.read().decode("utf-8", "replace")[-TAIL_CHARS:]
