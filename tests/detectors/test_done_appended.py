"""A done-like list filled by `append` is built from the signals it appends.

Real shape (HARL 34a8c1a6..c29ba492): recurrent minibatch generators that appended per-env slices
`masks_batch.append(self.masks[:-1, ind])` and stacked them became
`masks_batch = _flatten(T, N, self.masks[:-1, ids])`: the same signal, read as "Done flag built from
different signals" (significant, 3 places). Negative: the appended flag combined termination and
truncation, the new one reads termination alone (a real loss of the truncation signal)."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import numpy as np

def generator(self, perm, n, k):
    for start in range(0, n, k):
        masks_batch = []
        for offset in range(k):
            ind = perm[start + offset]
            masks_batch.append({appended})
        masks_batch = np.stack(masks_batch, 1)
        yield masks_batch
"""

CAND = """
def generator(self, perm, n, k):
    for start in range(0, n, k):
        ids = perm[start:start + k]
        masks_batch = self.masks[:-1, ids]
        yield masks_batch
"""


def _titles(appended: str) -> list[str]:
    return [f.title for f in run_on({"buffer.py": BASE.format(appended=appended)}, {"buffer.py": CAND},
                                    only={"done_signal"}).findings]


def test_a_flag_appended_from_the_same_signal_is_the_same_composition() -> None:
    assert _titles("self.masks[:-1, ind]") == []


def test_a_flag_that_lost_the_truncation_signal_is_still_reported() -> None:
    titles = _titles("np.logical_or(self.masks[:-1, ind], self.truncated[:-1, ind])")
    assert any("Done flag no longer includes truncations" in t for t in titles), titles
