"""A forked helper process for pure-Python analysis: the second CPU core without parsing twice.

The analyzers spend their time in Python code, and threads of one interpreter take turns on its lock.
A process forked in the middle of an analysis starts with everything the parent had built (parsed
snapshots, matched function pairs, flow caches) and computes its share of the work on the other
core; its result comes back pickled through a pipe. Objects both processes had at the fork (the
matched functions, parsed modules...) travel as references (`persistent_id` / `persistent_load`),
so the parent gets back its own objects, not copies.

Guarantees the callers rely on:

- the switch: `INVESTIGATOR_PROCESSES=1` (or a machine with one usable core, or no `fork`) runs
  everything in the calling process; callers then compute the helper's share themselves;
- a helper that dies, sends nothing usable, or does not finish in time is killed and reported as
  `HelperFailed`: the caller computes that share in its own process (same result, only slower);
- no process outlives its investigation: a helper is killed when its waiter stops (time budget
  spent, an exception), by `kill_helpers()` (the workflow calls it when a run is interrupted or
  fails), at interpreter exit, and by the kernel when the thread that forked it ends
  (`PR_SET_PDEATHSIG`); a service worker's process group includes its helpers.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import io
import os
import pickle
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from investigator import budget

K = TypeVar("K")

ENV = "INVESTIGATOR_PROCESSES"
TRACE = "INVESTIGATOR_TRACE_HELPERS"  # set: each helper's CPU time and its waiter's wait go to stderr
POLL_S = 0.1  # how often a waiter checks its time budget while the helper computes
# a helper still running this long after its waiter finished an equal share (and at least
# `LATE_MIN_S`) is presumed stuck (a lock held at the fork by another thread): it is killed and its
# share computed by the waiter
LATE_FACTOR, LATE_MIN_S = 4.0, 20.0


class HelperFailed(Exception):
    """The helper process produced no result (crashed, killed, unpicklable result, too late)."""


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def enabled() -> bool:
    """Whether work may be shared with a forked helper: `INVESTIGATOR_PROCESSES` is not 1 (a number
    above 1 forces it on), `fork` exists, and, unless forced, the process may use two cores."""
    value = os.environ.get(ENV, "").strip()
    if not hasattr(os, "fork") or sys.platform != "linux":
        return False
    if value:
        try:
            return int(value) > 1
        except ValueError:
            return False  # not a number: the safe choice
    return usable_cores() >= 2


@dataclass
class Helper:
    """A forked helper computing one share of work (reaped and closed by its waiter, `wait`)."""

    pid: int
    fd: int  # read end of the result pipe
    stopped: bool = False  # killed by `kill_helpers`: the investigation stopped
    data: bytearray = field(default_factory=bytearray)
    _reaped: bool = False

    def kill(self) -> None:
        """SIGKILL (idempotent; safe from any thread: the waiter reaps it and closes the pipe)."""
        if not self._reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def _reap(self) -> int | None:
        """Wait for the process to end; its exit status (None if already reaped)."""
        if self._reaped:
            return None
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:
            status = None
        self._reaped = True
        return status

    def _close(self) -> None:
        self.kill()
        self._reap()
        with contextlib.suppress(OSError):
            os.close(self.fd)
        _forget(self)


_LIVE: dict[int, Helper] = {}
_LIVE_LOCK = threading.Lock()


def _forget(helper: Helper) -> None:
    with _LIVE_LOCK:
        _LIVE.pop(helper.pid, None)


def kill_helpers() -> int:
    """SIGKILL every live helper of this process (the investigation stopped); how many."""
    with _LIVE_LOCK:
        helpers = list(_LIVE.values())
    for helper in helpers:
        helper.stopped = True
        helper.kill()
    return len(helpers)


atexit.register(kill_helpers)


def _die_with_parent() -> None:
    """Ask the kernel for SIGKILL when the forking thread ends (Linux `prctl(PR_SET_PDEATHSIG)`)."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)


def start(work: Callable[[], Any], persistent_id: Callable[[Any], Any] | None = None) -> Helper:
    """Fork a helper that runs `work()` and sends its value back (objects for which `persistent_id`
    returns a key travel as that key). Raises OSError when the fork itself fails."""
    parent = os.getpid()
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the helper: never returns
        _child(work, persistent_id, read_fd, write_fd, parent)
    os.close(write_fd)
    helper = Helper(pid=pid, fd=read_fd)
    with _LIVE_LOCK:
        _LIVE[pid] = helper
    return helper


def _child(work: Callable[[], Any], persistent_id: Callable[[Any], Any] | None, read_fd: int, write_fd: int,
           parent: int) -> None:
    code = 1
    try:
        os.close(read_fd)
        # no collection in the helper: a finalizer of the parent's objects (a database or network
        # connection) must not run here, and a short-lived helper needs none
        gc.disable()
        for sig in (signal.SIGINT, signal.SIGTERM):  # the parent's handlers raise into its own run
            signal.signal(sig, signal.SIG_DFL)
        _die_with_parent()
        if os.getppid() != parent:  # the parent ended before the request took effect
            os._exit(1)
        try:
            message: tuple[Any, ...] = ("ok", work())
        except budget.BudgetExceeded as exc:
            message = ("budget", str(exc))
        except BaseException as exc:
            message = ("error", f"{exc.__class__.__name__}: {exc}")
        payload = _dumps(message, persistent_id)
        if os.environ.get(TRACE):
            sys.stderr.write(f"helper {os.getpid()}: {time.process_time():.2f} s CPU, {len(payload)} bytes\n")
        view = memoryview(payload)
        while view:
            view = view[os.write(write_fd, view):]
        code = 0
    except BaseException:  # nothing in a helper may reach the parent's code
        pass
    finally:
        os._exit(code)


def _dumps(message: tuple[Any, ...], persistent_id: Callable[[Any], Any] | None) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    if persistent_id is not None:
        pickler.persistent_id = persistent_id  # type: ignore[method-assign]
    try:
        pickler.dump(message)
    except BaseException as exc:  # an unpicklable value: say so instead
        return pickle.dumps(("error", f"result not transferable: {exc.__class__.__name__}: {exc}"))
    return buffer.getvalue()


def wait(helper: Helper, persistent_load: Callable[[Any], Any] | None = None,
         late_after: float | None = None) -> Any:
    """The helper's value. Checks the caller's time budget while waiting (`BudgetExceeded` kills
    the helper and propagates, as any exception raised here does, and when `kill_helpers` stopped
    it); `HelperFailed` when it produced nothing usable, or is still running `late_after` seconds
    from now. The helper is reaped before this returns."""
    deadline = None if late_after is None else time.monotonic() + late_after
    waited = time.monotonic()
    try:
        while True:
            budget.check()
            ready, _, _ = select.select([helper.fd], [], [], POLL_S)
            if ready:
                chunk = os.read(helper.fd, 1 << 20)
                if not chunk:
                    break
                helper.data += chunk
            elif deadline is not None and time.monotonic() > deadline:
                raise HelperFailed(f"the helper process did not finish within {late_after:.0f} s")
        status = helper._reap()
        waited = time.monotonic() - waited
        if helper.stopped:
            raise budget.BudgetExceeded("the investigation was stopped")
        if status is not None and status != 0:
            raise HelperFailed(f"the helper process ended with status {status}")
        try:
            unpickler = pickle.Unpickler(io.BytesIO(bytes(helper.data)))
            if persistent_load is not None:
                unpickler.persistent_load = persistent_load  # type: ignore[method-assign]
            loading = time.thread_time()
            kind, *rest = unpickler.load()
        except Exception as exc:
            raise HelperFailed(f"unreadable result: {exc.__class__.__name__}: {exc}") from None
        if os.environ.get(TRACE):
            sys.stderr.write(f"helper {helper.pid}: waited for it {waited:.2f} s, read its result in "
                             f"{time.thread_time() - loading:.2f} s CPU\n")
        if kind == "ok":
            return rest[0]
        if kind == "budget":
            raise budget.BudgetExceeded(rest[0])
        raise HelperFailed(str(rest[0]))
    finally:
        helper._close()


def discard(helper: Helper) -> None:
    """Kill a helper whose result is no longer wanted, and reap it."""
    helper._close()


def late_after(own_seconds: float) -> float:
    """How long to wait for a helper whose share is about as big as the waiter's own."""
    return max(LATE_MIN_S, LATE_FACTOR * own_seconds)


def two_shares(weighted: list[tuple[float, K]], own_weight: float = 1.0) -> tuple[list[K], list[K]]:
    """Whole items split into this process's share and the helper's, in the order given (callers pass the
    largest first): each item goes to the share with less work so far, this process's work counted
    `own_weight` times (it also redoes some of the helper's work)."""
    bins: tuple[list[K], list[K]] = ([], [])
    totals = [0.0, 0.0]
    for weight, item in weighted:
        b = 0 if totals[0] * own_weight <= totals[1] else 1
        bins[b].append(item)
        totals[b] += weight
    return bins
