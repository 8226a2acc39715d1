"""Run one probe job: in an exported checkout of its commit, in its own process group, limited.

Why not import the project: its code may hang, leak memory, call `sys.exit`, or import a torch
build that conflicts with ours. Each job is a subprocess in a new session (its whole group is
killed on timeout, on the memory limit, or when the investigation stops), its stdout/stderr go to
files kept as artifacts, and a harness job's result comes back as a JSON file (`child/harness.py`).
Every way a job can fail is a `ProbeRun` with a non-ok status and a one-line `error`, never an
exception out of here.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from investigator.probes.model import ProbeJob, ProbeRun, ProbeStatus
from investigator.sandbox.runner import export_commit

HARNESS = Path(__file__).resolve().parent / "child" / "harness.py"
SKIP_EXIT = 125  # a user command's "cannot test this commit" (as in `git bisect run`)
_POLL_S = 0.05
_LIVE: set[int] = set()  # process groups of running jobs: killed by `kill_running` when the investigation stops


def kill_running() -> int:
    """Kill every running job's process group (the investigation was stopped: a signal, an internal
    error); the number of groups signalled. Their threads then record them as crashed."""
    killed = 0
    for pgid in list(_LIVE):
        try:
            os.killpg(pgid, signal.SIGKILL)
            killed += 1
        except (ProcessLookupError, PermissionError):
            pass
    return killed


@dataclass(frozen=True)
class Slot:
    """Where a job runs: its device name and the environment that pins it there."""

    device: str = "cpu"
    env: dict[str, str] = field(default_factory=dict)


class CheckoutCache:
    """One exported checkout per commit under `root` (made once, atomically, then reused), and
    the optional setup command run once per checkout (its success is remembered in a marker)."""

    def __init__(self, root: Path, git_dir: str | Path, setup_command: str | None = None, setup_timeout_s: float = 600.0) -> None:
        self.root, self.git_dir = Path(root), git_dir
        self.setup_command, self.setup_timeout_s = setup_command, setup_timeout_s

    def checkout(self, sha: str) -> Path:
        """The checkout of `sha` (exported on first use; OSError/CalledProcessError on failure)."""
        target = self.root / sha
        if not target.is_dir():
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{sha[:12]}-", dir=self.root))
            export_commit(self.git_dir, sha, tmp)
            try:
                os.replace(tmp, target)
            except OSError:  # another process exported it first
                _remove_tree(tmp)
        if self.setup_command:
            self._setup(target)
        return target

    def _setup(self, checkout: Path) -> None:
        marker = checkout / ".investigator-setup-ok"
        if marker.is_file() and marker.read_text() == self.setup_command:
            return
        result = subprocess.run(shlex.split(self.setup_command or ""), cwd=checkout, capture_output=True, text=True,
                                timeout=self.setup_timeout_s, start_new_session=True)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()
            raise RuntimeError(f"setup command failed (exit {result.returncode}): {tail[-1] if tail else 'no output'}")
        marker.write_text(self.setup_command or "")


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def command_argv(template: str, values: dict[str, str]) -> list[str]:
    """The user's command template as an argument list (no shell): split first, then fill
    {seed} {steps} {logdir} {device} {python} in each argument."""
    argv = []
    for token in shlex.split(template):
        for key, value in values.items():
            token = token.replace("{" + key + "}", value)
        argv.append(token)
    return argv


def _group_rss_mb(pgid: int) -> float:
    """Resident memory of every process in the group (Linux /proc; 0 where unreadable)."""
    total_kb = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            with open(f"/proc/{entry.name}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total_kb += int(line.split()[1])
                        break
        except (OSError, ValueError):
            continue
    return total_kb / 1024


def _kill_group(proc: subprocess.Popen[Any]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=3)
            return
        except subprocess.TimeoutExpired:
            continue


def _tail(path: Path, limit: int = 2000) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - limit))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _last_line(*texts: str) -> str:
    for text in texts:
        lines = [line for line in text.strip().splitlines() if line.strip()]
        if lines:
            return lines[-1][:300]
    return "no output"


@dataclass
class _Watch:
    status: ProbeStatus | None = None
    peak_rss_mb: float = 0.0


def _wait(proc: subprocess.Popen[Any], job: ProbeJob) -> _Watch:
    """Wait for the job's process, killing its group past the time or memory limit."""
    watch = _Watch()
    deadline = time.monotonic() + job.timeout_s
    next_rss = 0.0
    while proc.poll() is None:
        now = time.monotonic()
        if now >= deadline:
            _kill_group(proc)
            watch.status = ProbeStatus.timeout
            break
        if now >= next_rss:
            rss = _group_rss_mb(proc.pid)
            watch.peak_rss_mb = max(watch.peak_rss_mb, rss)
            if rss > job.memory_mb:
                _kill_group(proc)
                watch.status = ProbeStatus.memory
                break
            next_rss = now + 0.2
        time.sleep(_POLL_S)
    return watch


def _argv(job: ProbeJob, checkout: Path, result_path: Path, values: dict[str, str],
          adapter: str | None, auto: dict[str, str], python: str) -> list[str]:
    if job.command is not None:
        return command_argv(job.command, values)
    assert job.script is not None
    return [python, str(HARNESS), "--script", job.script, "--checkout", str(checkout), "--adapter", adapter or "",
            "--auto", json.dumps(auto), "--params", json.dumps(job.params), "--out", str(result_path)]


def run_job(
    job: ProbeJob,
    *,
    commit: str,
    checkout: Path,
    artifacts: Path,
    slot: Slot | None = None,
    adapter: str | None = None,
    auto: dict[str, str] | None = None,
    python: str = sys.executable,
) -> ProbeRun:
    """Run `job` in `checkout` and return its `ProbeRun` (never raises for the job's own failures).

    `artifacts` receives stdout, stderr, the result file and (command jobs) the log directory."""
    slot = slot or Slot()
    artifacts.mkdir(parents=True, exist_ok=True)
    stem = f"{job.probe}-{job.side}" + (f"-seed{job.seed}" if job.seed is not None else "")
    stdout_path, stderr_path = artifacts / f"{stem}.stdout.txt", artifacts / f"{stem}.stderr.txt"
    result_path = artifacts / f"{stem}.result.json"
    logdir = (artifacts / f"{stem}-logs").resolve() if job.needs_logdir else None
    if logdir is not None:
        logdir.mkdir(parents=True, exist_ok=True)
    result_path.unlink(missing_ok=True)
    values = {"seed": str(job.seed if job.seed is not None else 1), "steps": str(job.params.get("steps", "")),
              "logdir": str(logdir or ""), "device": slot.device.split(":")[0], "python": python}
    base = ProbeRun(probe=job.probe, side=job.side, commit=commit, status=ProbeStatus.failed, device=slot.device,
                    seed=job.seed, params=job.params, logdir=str(logdir) if logdir else None,
                    stdout_path=str(stdout_path), stderr_path=str(stderr_path))
    env = {**os.environ, **slot.env, "PYTHONPATH": os.pathsep.join([str(checkout), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "PYTHONHASHSEED": "0", "PYTHONUNBUFFERED": "1"}
    start = time.perf_counter()
    try:
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            proc = subprocess.Popen(_argv(job, checkout, result_path, values, adapter, auto or {}, python),
                                    cwd=checkout, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
            _LIVE.add(proc.pid)
            try:
                watch = _wait(proc, job)
            except BaseException:  # the investigation stops: never leave the group behind
                _kill_group(proc)
                raise
            finally:
                _LIVE.discard(proc.pid)
    except OSError as exc:
        return base.model_copy(update={"error": f"could not start: {exc.strerror or exc}", "wall_s": time.perf_counter() - start})
    wall = time.perf_counter() - start
    run = base.model_copy(update={"wall_s": wall, "peak_rss_mb": round(watch.peak_rss_mb, 1) or None})
    stderr_tail = _tail(stderr_path)
    if watch.status == ProbeStatus.timeout:
        return run.model_copy(update={"status": watch.status, "error": f"timed out after {job.timeout_s:g} s (process group killed)"})
    if watch.status == ProbeStatus.memory:
        return run.model_copy(update={"status": watch.status,
                                      "error": f"used more than {job.memory_mb} MB of memory (process group killed)"})
    code = proc.returncode
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        return run.model_copy(update={"status": ProbeStatus.crashed, "error": f"killed by {name}: {_last_line(stderr_tail)}"})
    if job.command is not None:
        return _command_run(run, code, stderr_tail, _tail(stdout_path))
    return _harness_run(run, code, result_path, stderr_tail)


def _command_run(run: ProbeRun, code: int | None, stderr_tail: str, stdout_tail: str) -> ProbeRun:
    if code == SKIP_EXIT:
        return run.model_copy(update={"status": ProbeStatus.skipped, "error": f"the command exited {SKIP_EXIT}: this commit cannot be tested"})
    if code != 0:
        return run.model_copy(update={"status": ProbeStatus.failed, "error": f"exit code {code}: {_last_line(stderr_tail, stdout_tail)}"})
    return run.model_copy(update={"status": ProbeStatus.ok, "summary": f"ran in {run.wall_s:.1f} s"})


def _harness_run(run: ProbeRun, code: int | None, result_path: Path, stderr_tail: str) -> ProbeRun:
    if not result_path.is_file():
        status = ProbeStatus.no_result if code == 0 else ProbeStatus.failed
        return run.model_copy(update={"status": status, "error": f"exit code {code}, no result file: {_last_line(stderr_tail)}"})
    try:
        payload = json.loads(result_path.read_text(encoding="utf-8"))
        if not isinstance(payload, dict) or payload.get("protocol") != 1 or not isinstance(payload.get("ok"), bool):
            raise ValueError("not a probe result (protocol 1)")
    except (ValueError, UnicodeDecodeError) as exc:
        return run.model_copy(update={"status": ProbeStatus.invalid_result, "error": f"unreadable result file: {exc}"[:300]})
    if not payload["ok"]:
        return run.model_copy(update={"status": ProbeStatus.failed, "error": str(payload.get("error", "failed"))[:500],
                                      "result": {"traceback": str(payload.get("traceback", ""))}})
    result = payload.get("result")
    if not isinstance(result, dict):
        return run.model_copy(update={"status": ProbeStatus.invalid_result, "error": "the result is not a JSON object"})
    return run.model_copy(update={
        "status": ProbeStatus.ok, "result": result, "device": str(payload.get("device") or run.device),
        "peak_gpu_mem_mb": _number(payload.get("peak_gpu_mem_mb")), "steps_per_s": _number(payload.get("steps_per_s")),
    })


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
