"""Probe jobs as tasks on a local Ray instance (2 CPUs, started here): the same results as local runs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from investigator.probes.executor import ProbeEnvironment, execute
from investigator.probes.model import ProbeJob, ProbeStatus
from investigator.probes.runner import CheckoutCache
from tests.support.gitrepo import make_repo

ray = pytest.importorskip("ray")

SCRIPT = "import sys, time\nprint('value', open('data.txt').read().strip(), 'seed', sys.argv[1])\n" \
         "time.sleep(float(sys.argv[2]))\n"


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from investigator.probes.ray_backend import RayBackend

    root = tmp_path_factory.mktemp("ray")
    repo = root / "repo"
    shas = make_repo(repo, [("base", {"job.py": SCRIPT, "data.txt": "one\n"}), ("cand", {"data.txt": "two\n"})])
    (root / "shas").write_text(" ".join(shas))
    made = RayBackend(str(repo), device="cpu", cache_root=str(root / "worker"), local_cpus=2)
    yield made
    ray.shutdown()


def _env(backend: object, tmp_path: Path) -> ProbeEnvironment:
    root = Path(backend.cache_root).parent  # type: ignore[attr-defined]
    base, cand = (root / "shas").read_text().split()
    return ProbeEnvironment(commits={"baseline": base, "candidate": cand},
                            checkouts=CheckoutCache(tmp_path / "c", root / "repo" / ".git"),
                            artifacts=tmp_path / "artifacts", slots=backend.slots(), backend=backend)  # type: ignore[attr-defined]


def _job(side: str = "baseline", seed: int = 1, sleep: float = 0.0) -> ProbeJob:
    return ProbeJob(probe="t", side=side, command=f"{{python}} job.py {{seed}} {sleep}", seed=seed)  # type: ignore[arg-type]


def test_jobs_run_as_tasks_and_their_output_comes_back(backend: object, tmp_path: Path) -> None:
    assert backend.parallelism == 2 and "2 CPUs" in backend.describe  # type: ignore[attr-defined]
    runs = execute([_job("baseline", 1), _job("candidate", 2)], _env(backend, tmp_path))
    assert [r.status for r in runs] == [ProbeStatus.ok, ProbeStatus.ok]
    texts = [Path(r.stdout_path or "").read_text() for r in runs]
    assert texts == ["value one seed 1\n", "value two seed 2\n"]
    assert all(str((tmp_path / "artifacts").resolve()) in (r.stdout_path or "") for r in runs)


def test_a_failing_checkout_is_setup_failed_and_a_stop_cancels_the_task(backend: object, tmp_path: Path) -> None:
    env = _env(backend, tmp_path)
    env.commits["candidate"] = "f" * 40  # not in the repository
    failed = execute([_job("candidate")], env)[0]
    assert failed.status == ProbeStatus.setup_failed and "not in" in failed.error
    stop = threading.Event()
    threading.Timer(2.0, stop.set).start()
    run = backend.run(_job(sleep=60), env.commits["baseline"], "baseline", tmp_path / "a",  # type: ignore[attr-defined]
                      env.checkouts, None, None, None, stop)
    assert run.status == ProbeStatus.skipped and "interrupted" in run.error


@pytest.mark.slow
def test_the_demos_probes_decide_the_same_on_ray_as_locally(backend: object, tmp_path: Path) -> None:
    """The demo's harness probes through the local runner and through Ray tasks: same runs, same verdicts."""
    pytest.importorskip("torch")
    from investigator.demo import generate_demo_repo
    from investigator.demo.command import write_adapter
    from investigator.request import InvestigationRequest
    from investigator.workflow import run_investigation

    demo = generate_demo_repo(tmp_path / "demo")
    adapter = write_adapter(tmp_path)
    outcomes = {}
    for executor in ("local", "ray"):
        request = InvestigationRequest(
            repo=str(demo.path), baseline_commit=demo.baseline, candidate_commit=demo.candidate, adapter=str(adapter),
            probes="advantage_reference,lr_trajectory,init_stats", probe_cache="none", device="cpu",
            probe_executor=executor, output=tmp_path / executor, formats=["json"])  # type: ignore[arg-type]
        inv = run_investigation(request)
        outcomes[executor] = {o.probe: o for o in inv.probe_outcomes}
        if executor == "ray":
            assert any("Ray cluster" in note for note in inv.probe_notes)
    assert set(outcomes["local"]) == set(outcomes["ray"]) == {"advantage_reference", "lr_trajectory", "init_stats"}
    for probe, local in outcomes["local"].items():
        remote = outcomes["ray"][probe]
        assert local.decision is not None and remote.decision is not None
        assert remote.decision.verdict == local.decision.verdict, probe
        assert [r.status for r in remote.runs] == [r.status for r in local.runs], probe
        assert [r.result for r in remote.runs] == [r.result for r in local.runs], probe
