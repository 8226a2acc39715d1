"""Time budgets for analyzers: a run never waits on one analyzer for ever.

A Python thread cannot be killed, so a budget is two things together:

- a wall-clock wait: the workflow runs each analyzer in a daemon thread and waits at most its budget;
  past it, the analyzer's result (whatever it would be) is dropped, a failure is recorded, and the
  investigation goes on to the report;
- a cancellation token: the deadline is visible to the analyzer's own thread (`check()`), and the
  analyzers call it in their per-file and per-run loops, so an abandoned analyzer stops at its next
  file instead of competing for the CPU with the rest of the run. Code that never reaches a check
  (one huge C call) keeps running in its daemon thread until it returns; the process does not wait
  for it at exit.

`BudgetExceeded` is a `BaseException` (as `asyncio.CancelledError`): the analyzers' per-file
`except Exception` guards, which turn one bad file into a recorded failure, must not swallow it.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_ANALYZER_BUDGET_S = 120.0


class BudgetExceeded(BaseException):
    """Raised by `check()` in an analyzer's thread once its budget is spent or it was abandoned."""


@dataclass
class Deadline:
    """When the current analyzer must stop; `cancel()` ends it early (the waiter gave up)."""

    seconds: float
    start: float = field(default_factory=time.monotonic)
    _cancelled: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def expired(self) -> bool:
        return self._cancelled.is_set() or time.monotonic() - self.start > self.seconds

    def check(self) -> None:
        if self.expired:
            raise BudgetExceeded(f"over its time budget of {self.seconds:g} s")


_CURRENT: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("analyzer_deadline", default=None)


def check() -> None:
    """Raise `BudgetExceeded` when the analyzer running in this thread is past its budget (a no-op
    outside a budget: tests and library use call analyzers directly)."""
    deadline = _CURRENT.get()
    if deadline is not None:
        deadline.check()


@dataclass
class Outcome(Generic[T]):
    """What `run_with_budget` saw: the value, or the exception raised, or a timeout."""

    value: T | None = None
    error: BaseException | None = None
    timed_out: bool = False
    seconds: float = 0.0


def run_with_budget(fn: Callable[[], T], seconds: float, name: str = "analyzer") -> Outcome[T]:
    """Run `fn` in a daemon thread under a deadline of `seconds`; wait at most that long.

    On time: its value or the exception it raised. Past the budget: `timed_out`, the deadline is
    cancelled (the thread stops at its next `check()`) and whatever it returns later is dropped."""
    deadline = Deadline(seconds)
    outcome: Outcome[T] = Outcome()
    done = threading.Event()
    context = contextvars.copy_context()  # the caller's context variables, plus the deadline

    def body() -> None:
        _CURRENT.set(deadline)
        try:
            outcome.value = fn()
        except BudgetExceeded:
            outcome.timed_out = True
        except BaseException as exc:
            outcome.error = exc
        finally:
            done.set()

    thread = threading.Thread(target=context.run, args=(body,), name=f"budget:{name}", daemon=True)
    thread.start()
    if not done.wait(seconds):
        deadline.cancel()
        return Outcome(timed_out=True, seconds=time.monotonic() - deadline.start)
    outcome.seconds = time.monotonic() - deadline.start
    return outcome
