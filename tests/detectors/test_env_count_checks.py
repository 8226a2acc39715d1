"""Locals read only by validation (`if ...: raise`, `assert`) are no environment count.

Real shape (PufferLib ac69f82c..2f9b68e0): the vectorisation rewrite's `make` gained
`num_workers = kwargs['num_workers']; envs_per_worker = num_envs / num_workers` read only by
`if envs_per_worker != int(envs_per_worker): raise ...`, and "Environment/worker count computation
changed" led with those two lines. Negatives: the same local also handed to the backend, and a count
override the backend receives, are still reported."""

from __future__ import annotations

from investigator.detectors.rules.env_count import check_only_names
from tests.detectors.helpers import run_on
from tests.flow.support import pair_index

SCRIPT = """
import vector

envs = vector.make(make_env, num_envs=8, num_workers=2)
envs.reset()
"""

VECTOR = """
def make(env_creator, backend=Serial, num_envs=1, **kwargs):
    if num_envs < 1:
        raise ValueError('num_envs must be at least 1')
{extra}
    return backend(env_creator, num_envs, **kwargs)
"""

CHECKS = """
    if 'num_workers' in kwargs:
        num_workers = kwargs['num_workers']
        envs_per_worker = num_envs / num_workers
        if envs_per_worker != int(envs_per_worker):
            raise ValueError('num_envs must be divisible by num_workers')
        assert num_workers > 0
"""


def _titles(extra: str) -> list[str]:
    base = {"train.py": SCRIPT, "vector.py": VECTOR.format(extra="")}
    cand = {"train.py": SCRIPT, "vector.py": VECTOR.format(extra=extra)}
    return [f.title for f in run_on(base, cand, only={"env_count"}).findings]


def test_counts_read_only_by_checks_that_raise_are_no_count_change() -> None:
    assert _titles(CHECKS) == []


def test_a_checked_local_that_also_reaches_the_backend_is_a_change() -> None:
    extra = CHECKS + "    kwargs['num_workers'] = envs_per_worker\n"
    assert _titles(extra)


def test_a_count_override_the_backend_receives_is_still_reported() -> None:
    extra = CHECKS + "    if backend is Serial and 'batch_size' in kwargs:\n        num_envs = kwargs['batch_size']\n"
    titles = _titles(extra)
    assert titles == ["Environment/worker count computation changed"]


def test_check_only_names_follow_values_into_other_checks_only() -> None:
    index = pair_index({"m.py": "def f(a):\n    pass\n"}, {"m.py": """
        def f(a, n):
            w = a / n
            k = w * 2
            if k != int(k):
                raise ValueError(k)
            used = n + 1
            checked = used - 1
            assert checked
            return used
        """})
    fn = next(p.cand for p in index.pairs if p.cand is not None and p.cand.name == "f")
    assert check_only_names(fn) == frozenset({"w", "k", "checked"})
