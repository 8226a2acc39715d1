"""Per-worker re-seeding removed from a data-loader worker (real shape: pydreamer, held-out 8's
`pydr-worker-numpy-seed`, pydreamer/preprocessing.py:49 `WorkerInfoPreprocess.__iter__`)."""

from __future__ import annotations

from tests.detectors.helpers import run_on

DATA = """
import numpy as np
from torch.utils.data import IterableDataset, get_worker_info


class WorkerInfoPreprocess(IterableDataset):
    def __iter__(self):
        worker_info = get_worker_info()
        if worker_info:
            np.random.seed(np.random.RandomState().randint(999999))
        for batch in self.dataset:
            yield batch


def set_seed(seed):
    np.random.seed(seed)
"""


def _titles(cand: str) -> list[str]:
    return [f"{f.severity.value}: {f.title}" for f in run_on({"data.py": DATA}, {"data.py": cand}, only={"seeding"}).findings]


def test_worker_reseed_removed_is_significant() -> None:
    found = _titles(DATA.replace("            np.random.seed(np.random.RandomState().randint(999999))\n", "            pass\n"))
    assert found == ["significant: Per-worker re-seeding removed: data-loader workers share one random state"], found


def test_global_seed_removed_stays_low() -> None:
    found = _titles(DATA.replace("    np.random.seed(seed)\n", "    pass\n"))
    assert found == ["low: Seeding changed"], found
