"""Fixtures for the metric tests: runs built in memory or written as real log files."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from investigator.metrics.loading import RunData

STEPS = np.arange(0, 100_000, 1_000)


def _run(
    name: str, curves: dict[str, tuple[np.ndarray, np.ndarray]], steps_per_second: float | None = 1000.0
) -> RunData:
    parts = []
    for tag, (steps, values) in curves.items():
        steps = np.asarray(steps, dtype=np.int64)
        wall = 1_700_000_000.0 + steps / steps_per_second if steps_per_second else np.full(len(steps), np.nan)
        parts.append(
            pd.DataFrame(
                {"step": steps, "tag": tag, "value": np.asarray(values, dtype=float), "wall_time": wall}
            )
        )
    frame = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["step", "tag", "value", "wall_time"])
    )
    return RunData(name=name, path=f"/runs/{name}", format="memory", frame=frame)


@pytest.fixture
def make_run() -> Callable[..., RunData]:
    """make_run(name, {tag: (steps, values)}, steps_per_second=1000.0) -> RunData (in memory)."""
    return _run


@pytest.fixture
def steps() -> np.ndarray:
    return STEPS.copy()
