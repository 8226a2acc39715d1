"""A pause of Python's cyclic garbage collector, for the CLI process only.

An investigation allocates millions of short-lived objects (ASTs, config entries, models) and few
reference cycles; automatic collections re-scan all of them again and again (measured on real
ranges: a quarter to a third of the CPU time of a run). Reference counting still frees memory while
the collector is paused.

The switch is process-wide, so only a process that owns its whole life may flip it: the CLI does,
around one investigation. The library (`run_investigation`) never does: a long-running service or
a notebook that calls it keeps its collector as it set it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Within the block the cyclic collector is off; afterwards (also on an exception or a signal)
    it is as it was before: re-enabled only if it was enabled, and then it collects what piled up."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
