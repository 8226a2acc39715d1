"""A list of worker processes named `workers` is not a worker count.

Real shape (dreamerv3 ec433ce1..e3f02248, precision held-out 9): `workers = [Process(parallel_env, make_env, i,
args) for i in range(args.num_envs)]` became `workers = []` filled by `for i in range(args.envs):
workers.append(...)`, the same 16 environment processes (the key was renamed): "Environment/worker count computation
changed", significant. `workers` is in the count names (`workers = 8`), but a list, tuple, set or dict (or a
comprehension of one) holds the workers themselves. Negative: `workers = 8` -> `workers = 4`.
"""

from __future__ import annotations

from tests.detectors.helpers import run_on

RUN = """
import multiprocessing


def worker(i, args):
    return i


def combined(args):
    workers = [multiprocessing.Process(target=worker, args=(i, args)) for i in range(args.num_envs)]
    workers.append(multiprocessing.Process(target=worker, args=(-1, args)))
    for w in workers:
        w.start()
"""


def _titles(cand: str) -> list[str]:
    result = run_on({"parallel.py": RUN}, {"parallel.py": cand}, only={"env_count"})
    return [f.title for f in result.findings]


def test_a_worker_list_built_another_way_is_not_a_count_change() -> None:
    cand = RUN.replace(
        "    workers = [multiprocessing.Process(target=worker, args=(i, args)) for i in range(args.num_envs)]\n",
        "    workers = []\n    for i in range(args.envs):\n"
        "        workers.append(multiprocessing.Process(target=worker, args=(i, args)))\n")
    assert _titles(cand) == []


def test_a_worker_count_changed_is_a_count_change() -> None:
    base = RUN.replace("def combined(args):\n", "def combined(args):\n    workers = 8\n    args.num_envs = workers\n")
    cand = base.replace("workers = 8", "workers = 4")
    result = run_on({"parallel.py": base}, {"parallel.py": cand}, only={"env_count"})
    assert [f.title for f in result.findings] == ["Environment/worker count computation changed"]
