"""SIGINT and SIGTERM as one exception, so a run can stop cleanly and keep what it finished.

The CLI installs the handlers for the duration of a command; the workflow catches `Interrupted`,
writes a partial report of the completed steps and re-raises it as `InvestigationInterrupted`.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Interrupted(BaseException):
    """A stop requested by a signal; a BaseException so `except Exception` in analyzers cannot swallow it."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        self.signum = int(signum)
        super().__init__(self.name)

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:  # the shell convention: 128 + signal number (SIGINT 130, SIGTERM 143)
        return 128 + self.signum

    @classmethod
    def from_exception(cls, exc: BaseException) -> Interrupted:
        return exc if isinstance(exc, Interrupted) else cls(signal.SIGINT)  # KeyboardInterrupt = SIGINT


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


@contextmanager
def signals_interrupt(signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[None]:
    """Within the block, the given signals raise `Interrupted` in the main thread; restored after.

    Outside the main thread (handlers cannot be installed there) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in signals}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


class InvestigationInterrupted(Interrupted):
    """An investigation stopped by a signal; `investigation` holds the partial state (reports written)."""

    def __init__(self, signum: int, investigation: object) -> None:
        super().__init__(signum)
        self.investigation = investigation
