"""The executor: jobs in parallel over slots, cached results reused, the budget and interrupts respected."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from investigator.probes.cache import ResultCache
from investigator.probes.devices import cpu_slots
from investigator.probes.executor import ProbeEnvironment, execute
from investigator.probes.model import ProbeJob, ProbeRun
from investigator.probes.runner import CheckoutCache
from tests.probes.runner_helpers import PY, alive, pids
from tests.support.gitrepo import make_repo

WORK = """\
import os, sys, time
seconds, count = float(sys.argv[1]), sys.argv[2]
with open(count, "a") as f:
    f.write(f"{os.getpid()} ")
time.sleep(seconds)
"""

WAIT_FOR_SECOND = """\
import os, sys, time
count = sys.argv[1]
with open(count, "a") as f:
    f.write(f"{os.getpid()} ")
end = time.monotonic() + 20
while time.monotonic() < end and len(open(count).read().split()) < 2:
    time.sleep(0.02)
"""


def _env(tmp_path: Path, slots: int, store: ResultCache | None = None, setup: str | None = None,
         files: dict[str, str] | None = None) -> ProbeEnvironment:
    repo = tmp_path / "repo"
    if not repo.exists():
        shas = make_repo(repo, [("base", {"work.py": WORK, **(files or {})}), ("cand", {"other.py": "X = 1\n"})])
        (tmp_path / "shas").write_text(" ".join(shas))
    base, cand = (tmp_path / "shas").read_text().split()
    return ProbeEnvironment(commits={"baseline": base, "candidate": cand},
                            checkouts=CheckoutCache(tmp_path / "checkouts", repo / ".git", setup_command=setup),
                            artifacts=tmp_path / "artifacts", slots=cpu_slots(1, slots), cache=store)


def _jobs(tmp_path: Path, seconds: float, n: int = 2, side: str = "baseline") -> list[ProbeJob]:
    count = tmp_path / "count.txt"
    return [ProbeJob(probe="work", side=side, command=f"{{python}} work.py {seconds} {count}", seed=i)  # type: ignore[arg-type]
            for i in range(n)]


@pytest.mark.parametrize(("slots", "low", "high"), [(2, 0.9, 1.9), (1, 2.0, 4.0)])
def test_jobs_run_in_parallel_across_slots(tmp_path: Path, slots: int, low: float, high: float) -> None:
    env = _env(tmp_path, slots)
    env.checkouts.checkout(env.commits["baseline"])  # the export is not what is timed
    seen: list[ProbeRun] = []
    start = time.monotonic()
    runs = execute(_jobs(tmp_path, 1.0), env, on_run=seen.append)
    wall = time.monotonic() - start
    assert [r.status.value for r in runs] == ["ok", "ok"] and [r.seed for r in runs] == [0, 1]
    assert low <= wall < high, wall
    assert sorted(r.seed or 0 for r in seen) == [0, 1]  # once per job


def test_cached_results_are_not_run_again(tmp_path: Path) -> None:
    store = ResultCache(tmp_path / "cache.sqlite")
    env = _env(tmp_path, 2, store)
    first = execute(_jobs(tmp_path, 0.0), env)
    assert [r.cached for r in first] == [False, False] and all(r.ok for r in first)
    ran = len(pids(tmp_path / "count.txt"))
    seen: list[ProbeRun] = []
    second = execute(_jobs(tmp_path, 0.0), _env(tmp_path, 2, store), on_run=seen.append)
    assert [r.cached for r in second] == [True, True] and len(seen) == 2
    assert len(pids(tmp_path / "count.txt")) == ran == 2  # nothing ran again
    other = _env(tmp_path, 2, store)
    other.checkouts.setup_command = f"{PY} -c pass"  # another environment: run again
    assert [r.cached for r in execute(_jobs(tmp_path, 0.0), other)] == [False, False]


def test_deadline_skips_what_has_not_started(tmp_path: Path) -> None:
    env = _env(tmp_path, 1)
    seen: list[ProbeRun] = []
    runs = execute(_jobs(tmp_path, 0.0, n=3), env, deadline=time.monotonic() - 1, on_run=seen.append)
    assert [r.status.value for r in runs] == ["skipped"] * 3 and len(seen) == 3
    assert "probe budget" in runs[0].error and not (tmp_path / "count.txt").exists()
    start = time.monotonic()
    runs = execute(_jobs(tmp_path, 0.6, n=3), env, deadline=time.monotonic() + 0.3)
    assert [r.status.value for r in runs] == ["ok", "skipped", "skipped"]  # started in time, then out of budget
    assert time.monotonic() - start < 2.0


def test_a_job_never_runs_far_past_the_deadline(tmp_path: Path) -> None:
    env = _env(tmp_path, 1)
    runs = execute(_jobs(tmp_path, 30, n=1), env, deadline=time.monotonic() + 1.2)
    assert runs[0].status.value == "timeout" and runs[0].wall_s < 3
    assert runs[0].error.endswith("the rest of the probe budget (--probe-budget)")
    job = _jobs(tmp_path, 30, n=1)[0].model_copy(update={"timeout_s": 0.5})
    runs = execute([job], env, deadline=time.monotonic() + 100)  # the job's own limit: said as such
    assert runs[0].status.value == "timeout" and "budget" not in runs[0].error


def test_unknown_commit_is_a_setup_failure(tmp_path: Path) -> None:
    env = _env(tmp_path, 1)
    env.commits["candidate"] = "0" * 40
    runs = execute(_jobs(tmp_path, 0.0, n=1, side="candidate"), env)
    assert runs[0].status.value == "setup_failed" and runs[0].error.startswith("could not export commit 000000000000: fatal:")


def test_setup_failure_is_a_recorded_run_per_job(tmp_path: Path) -> None:
    env = _env(tmp_path, 2, setup=f"{PY} broken_setup.py", files={"broken_setup.py": "import sys\nsys.exit('error: no compiler')\n"})
    runs = execute([*_jobs(tmp_path, 0.0), *_jobs(tmp_path, 0.0, n=1, side="candidate")], env)
    assert [r.status.value for r in runs[:2]] == ["setup_failed", "setup_failed"]
    assert "no compiler" in runs[0].error
    assert runs[2].status.value == "setup_failed" and "no compiler" in runs[2].error


def test_interrupt_ends_running_jobs_and_starts_no_more(tmp_path: Path) -> None:
    env = _env(tmp_path, 2, files={"wait.py": WAIT_FOR_SECOND})
    count = tmp_path / "count.txt"
    # the first job ends only once the second has started (load on the machine cannot reorder them)
    jobs = [ProbeJob(probe="work", side="baseline", command=f"{{python}} wait.py {count}", seed=0),
            *[ProbeJob(probe="work", side="baseline", command=f"{{python}} work.py 30 {count}", seed=i)
              for i in (1, 2, 3)]]

    def interrupt(run: ProbeRun) -> None:
        if run.seed == 0:
            raise KeyboardInterrupt

    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        execute(jobs, env, on_run=interrupt)
    assert time.monotonic() - start < 20  # far below the running jobs' 30 s: they were killed
    started = pids(count)
    assert 2 <= len(started) <= 3 and not [p for p in started if alive(p)]  # the last one never started
