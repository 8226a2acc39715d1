"""A job's processes, watched and ended together (Linux /proc).

Why the session and not only the process group: a job is started in its own session, and a
program may move its helpers to another process group (shell job control, `os.setpgrp`); they
stay in the session. Every member is found by reading /proc/<pid>/stat, its resident memory is
summed for the memory limit, and all are ended together (SIGTERM, a grace period, SIGKILL).
The leader is never reaped before its members are gone: its unreaped pid keeps the session id
from being reused, so no unrelated process can be hit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KILL_GRACE_S = 2.0  # between SIGTERM and SIGKILL
POLL_S = 0.05
MEMORY_POLL_S = 0.2
GPU_POLL_S = 1.0
HAS_PROC = os.path.isdir("/proc/self")
_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / 2**20 if hasattr(os, "sysconf") else 4096 / 2**20


@dataclass(frozen=True)
class Limits:
    """What a job may use before its processes are ended."""

    timeout_s: float
    memory_mb: float
    output_mb: float = 512.0  # stdout + stderr on disk (a child printing garbage forever)


@dataclass
class Watch:
    """How the wait ended: `reason` is None when the job exited by itself."""

    reason: str | None = None  # "timeout", "memory", "output", "stopped"
    peak_rss_mb: float = 0.0
    peak_gpu_mb: float | None = None  # only when GPU memory was polled and seen


def proc_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, the fields of /proc/PID/stat after the command name: state, ppid, pgrp, session, ...) of every
    process that can be read (nothing without /proc)."""
    if not HAS_PROC:
        return
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read().decode("ascii", "replace")
        except OSError:
            continue
        yield int(entry.name), stat[stat.rfind(")") + 2:].split()


def members(session: int) -> list[tuple[int, float]]:
    """(pid, resident MB) of every live process in `session` or in process group `session`
    (without /proc, as on macOS: the leader alone, memory unknown)."""
    if not HAS_PROC:
        return [] if _exited(session) else [(session, 0.0)]
    found = []
    for pid, fields in proc_stats():
        if len(fields) < 22 or fields[0] in ("Z", "X"):
            continue
        if int(fields[2]) == session or int(fields[3]) == session:  # pgrp, session
            found.append((pid, int(fields[21]) * _PAGE_MB))
    return found


def gpu_memory_mb(pids: set[int]) -> float | None:
    """GPU memory used by `pids` (MB) from `nvidia-smi --query-compute-apps`; None when unknown
    (no nvidia-smi, or a container whose pids nvidia-smi does not see)."""
    try:
        done = subprocess.run(["nvidia-smi", "--query-compute-apps=pid,used_memory", "--format=csv,noheader,nounits"],
                              capture_output=True, text=True, timeout=10, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    total, seen = 0.0, False
    for line in done.stdout.splitlines() if done.returncode == 0 else []:
        parts = [p.strip() for p in line.split(",")]
        if len(parts) == 2 and parts[0].isdigit() and int(parts[0]) in pids and parts[1].isdigit():
            total, seen = total + float(parts[1]), True
    return total if seen else None


def signal_all(session: int, sig: int) -> int:
    """Send `sig` to every member of `session`; how many there were."""
    alive = members(session)
    for pid, _ in alive:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            continue
    return len(alive)


def _end_group(group: int, grace: float) -> int:
    """Without /proc: the process group only (SIGTERM, the leader's exit or the grace, SIGKILL)."""
    try:
        os.killpg(group, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        return 0
    until = time.monotonic() + grace
    while time.monotonic() < until and not _exited(group):
        time.sleep(POLL_S)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
    return 1


def end_session(session: int, grace_s: float | None = None) -> int:
    """SIGTERM every member, SIGKILL whoever is left after the grace period; how many there were."""
    grace = KILL_GRACE_S if grace_s is None else grace_s
    if not HAS_PROC:
        return _end_group(session, grace)
    count = signal_all(session, signal.SIGTERM)
    if not count:
        return 0
    until = time.monotonic() + grace
    while time.monotonic() < until:
        if not members(session):
            return count
        time.sleep(POLL_S)
    signal_all(session, signal.SIGKILL)
    until = time.monotonic() + 5.0
    while members(session) and time.monotonic() < until:  # SIGKILL is not instantaneous
        time.sleep(POLL_S)
    return count


def _exited(pid: int) -> bool:
    """Whether the leader has exited, without reaping it (its pid stays reserved)."""
    try:
        info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    return info is not None and info.si_pid == pid


def _output_mb(paths: tuple[Path, ...]) -> float:
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            continue
    return total / 2**20


def wait(proc: subprocess.Popen[Any], limits: Limits, outputs: tuple[Path, ...] = (),
         stop: threading.Event | None = None, gpu: Callable[[set[int]], float | None] | None = None) -> Watch:
    """Wait for `proc` (started with `start_new_session=True`), ending its whole session past a
    limit, when `stop` is set, or on any exception here (KeyboardInterrupt): then re-raised. Every
    member still alive when the leader exits is ended too. `proc` is reaped on return. `gpu`, when
    given, is polled every GPU_POLL_S with the members' pids for the peak GPU memory."""
    watch = Watch()
    deadline = time.monotonic() + limits.timeout_s
    next_poll = next_gpu = 0.0
    try:
        while not _exited(proc.pid):
            now = time.monotonic()
            if now >= deadline:
                watch.reason = "timeout"
            elif stop is not None and stop.is_set():
                watch.reason = "stopped"
            elif now >= next_poll:
                found = members(proc.pid)
                rss = sum(mb for _, mb in found)
                watch.peak_rss_mb = max(watch.peak_rss_mb, rss)
                if gpu is not None and now >= next_gpu:
                    used = gpu({pid for pid, _ in found})
                    if used is not None:
                        watch.peak_gpu_mb = max(watch.peak_gpu_mb or 0.0, used)
                    next_gpu = now + GPU_POLL_S
                if rss > limits.memory_mb:
                    watch.reason = "memory"
                elif outputs and _output_mb(outputs) > limits.output_mb:
                    watch.reason = "output"
                next_poll = now + MEMORY_POLL_S
            if watch.reason is not None:
                end_session(proc.pid)
                break
            time.sleep(POLL_S)
        else:
            end_session(proc.pid, grace_s=min(KILL_GRACE_S, 0.5))  # what it left running in the background
    except BaseException:  # the investigation stops: never leave the session behind
        end_session(proc.pid)
        proc.wait()
        raise
    proc.wait()
    return watch
