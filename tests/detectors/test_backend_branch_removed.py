"""One backend arm of an if/else removed while the kept code sets the same statistics.

Real shape (skrl 1.4.3..2.0.0, JAX resources): `if self._jax: self.running_mean = jnp.zeros(size)
... else: self.running_mean = np.zeros(size)` became `self.running_mean = jnp.zeros(size,
device=self.device)` (the NumPy backend was dropped). It was "Normalisation statistics assignment
removed: `running_mean`", significant. A statistic that nothing sets any more is still removed."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import jax.numpy as jnp
import numpy as np


class RunningStandardScaler:
    def __init__(self, size, backend):
        self._jax = backend == "jax"
        if self._jax:
            self.running_mean = jnp.zeros(size, dtype=jnp.float32)
            self.running_variance = jnp.ones(size, dtype=jnp.float32)
        else:
            self.running_mean = np.zeros(size, dtype=np.float32)
            self.running_variance = np.ones(size, dtype=np.float32)
"""

CAND = """
import jax.numpy as jnp


class RunningStandardScaler:
    def __init__(self, size, backend):
        MEAN
        self.running_variance = jnp.ones(size, dtype=jnp.float32)
"""


def _titles(mean: str) -> list[str]:
    return [f.title for f in run_on({"scaler.py": BASE}, {"scaler.py": CAND.replace("MEAN", mean)},
                                    only={"norm_wrappers"}).findings]


def test_backend_arm_removed_with_the_statistics_still_set_is_no_change() -> None:
    assert _titles("self.running_mean = jnp.zeros(size, dtype=jnp.float32)") == []


def test_a_statistic_no_longer_set_anywhere_is_still_removed() -> None:
    titles = _titles("pass")
    assert titles == ["Normalisation statistics assignment removed: `running_mean`"], titles
