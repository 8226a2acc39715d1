"""Probe jobs as Ray tasks: the same jobs, cache and budget as local runs, spread over a cluster.

Why Ray: a watch or a large bisection needs more GPUs than one machine has, and scheduling, retries
of tasks whose worker died (preemption, a lost node) and moving results back are what Ray already
does well; a home-made scheduler would not. One task per job asks for its CPU threads and, on CUDA,
one GPU; the worker makes its own checkout from the repository URL and commit (`remote_task`), runs the
job with the local runner's limits, and returns the run and its artifacts, unpacked here beside the
report as if the job had run locally. The executor, the result cache and the budget do not change:
this backend only replaces "check out and run on a local slot".
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from investigator.models import Side
from investigator.probes.model import ProbeJob, ProbeRun, ProbeStatus
from investigator.probes.remote_task import RemoteProbe, RemoteResult, run_remote, unpack
from investigator.probes.runner import CheckoutCache, Slot

CHECKOUT_GRACE_S = 900.0  # time a task may take beyond its job's limit: cloning and setup on a fresh worker
DEFAULT_RETRIES = 2  # re-runs of a task whose worker died (preempted, node lost); the job's own failures are not retried


class RayUnavailable(RuntimeError):
    """Ray is not installed or the cluster cannot be reached (one line for the user)."""


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailable("--executor ray needs Ray: pip install 'investigator[ray]'") from exc
    return ray


class RayBackend:
    """Runs jobs as Ray tasks on the cluster at `address` (None: a local instance started here;
    "auto": the cluster this machine belongs to; "ray://host:10001": a remote head)."""

    def __init__(self, repo_source: str, address: str | None = None, device: str = "auto", cpus_per_job: int = 1,
                 retries: int = DEFAULT_RETRIES, cache_root: str | None = None, local_cpus: int | None = None) -> None:
        ray = _ray()
        self.repo_source, self.cpus_per_job, self.retries, self.cache_root = repo_source, max(1, cpus_per_job), retries, cache_root
        if not ray.is_initialized():
            try:
                if address is None:
                    ray.init(num_cpus=local_cpus or os.cpu_count() or 1, include_dashboard=False, log_to_driver=False,
                             configure_logging=False)
                else:
                    ray.init(address=address, log_to_driver=False, configure_logging=False)
            except Exception as exc:  # ConnectionError, a bad address: one line, not a traceback
                raise RayUnavailable(f"cannot reach the Ray cluster at {address or 'a local instance'}: {exc}") from exc
        resources = ray.cluster_resources()
        gpus, cpus = int(resources.get("GPU", 0)), int(resources.get("CPU", 1))
        if device.startswith("cuda") and gpus == 0:
            raise RayUnavailable(f"--device {device}: the Ray cluster has no GPU")
        self.device_kind = "cuda" if (device.startswith("cuda") or (device == "auto" and gpus > 0)) else "cpu"
        self.parallelism = gpus if self.device_kind == "cuda" else max(1, cpus // self.cpus_per_job)
        self.describe = (f"Ray cluster ({cpus} CPUs, {gpus} GPUs): probe jobs as tasks on "
                         f"{'one GPU' if self.device_kind == 'cuda' else f'{self.cpus_per_job} CPU(s)'} each, "
                         f"{self.parallelism} at once")

    def slots(self) -> list[Slot]:
        """Concurrency tokens for the executor: one per task that can run at once on the cluster."""
        return [Slot(device=self.device_kind, info="ray task") for _ in range(self.parallelism)]

    def payload(self, job: ProbeJob, key: str, checkouts: CheckoutCache, adapter: str | None,
                auto: dict[str, str] | None, python: str | None) -> RemoteProbe:
        commit, patches = checkouts.source_of(key)
        adapter_text = None
        if adapter and Path(adapter).is_absolute() and Path(adapter).is_file():  # a file outside the repository
            adapter_text = Path(adapter).read_text(encoding="utf-8")
        return RemoteProbe(job=job, commit=commit, patches=list(patches), repo_source=self.repo_source,
                           setup_command=checkouts.setup_command, adapter_name=adapter, adapter_text=adapter_text,
                           auto=dict(auto or {}), device_kind=self.device_kind, cpus=self.cpus_per_job,
                           python=python, cache_root=self.cache_root)

    def run(self, job: ProbeJob, key: str, side: Side, artifacts: Path, checkouts: CheckoutCache, adapter: str | None,
            auto: dict[str, str] | None, python: str | None, stop: threading.Event) -> ProbeRun:
        """Submit `job` at checkout key `key`, wait (ending it when `stop` is set or it overruns), and bring
        its artifacts into `artifacts`. Never raises for a failure of the job, its checkout or its worker."""
        ray = _ray()
        base = ProbeRun(probe=job.probe, side=side, commit=key, status=ProbeStatus.crashed, device=self.device_kind,
                        seed=job.seed, params=job.params)
        payload = self.payload(job, key, checkouts, adapter, auto, python).model_dump()
        task = ray.remote(run_remote).options(
            num_cpus=self.cpus_per_job, num_gpus=1 if self.device_kind == "cuda" else 0,
            max_retries=self.retries, retry_exceptions=False, name=f"probe:{job.label()}")
        start = time.monotonic()
        ref = task.remote(payload)
        limit = job.timeout_s + CHECKOUT_GRACE_S
        while True:
            done, _ = ray.wait([ref], timeout=0.5)
            if done:
                break
            if stop.is_set() or time.monotonic() - start > limit:
                ray.cancel(ref, force=True)
                if stop.is_set():
                    return base.model_copy(update={"status": ProbeStatus.skipped, "error": "not run: the investigation was interrupted"})
                return base.model_copy(update={"status": ProbeStatus.timeout, "wall_s": round(time.monotonic() - start, 3),
                                               "error": f"the Ray task passed {limit:.0f} s (job limit + checkout time) and was cancelled"})
        try:
            result = RemoteResult.model_validate(ray.get(ref))
        except ray.exceptions.RayTaskError as exc:  # our task body raised: the checkout or setup failed
            cause = exc.cause if getattr(exc, "cause", None) is not None else exc
            return base.model_copy(update={"status": ProbeStatus.setup_failed, "error": _one_line(cause)})
        except ray.exceptions.RayError as exc:  # the worker died after every retry, the node was lost, cancelled
            return base.model_copy(update={"error": f"Ray worker lost after {self.retries} retries: {_one_line(exc)}"})
        return _localised(result, artifacts)


def _one_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return f"{exc.__class__.__name__}: {lines[-1] if lines else ''}"[:500]


def _localised(result: RemoteResult, artifacts: Path) -> ProbeRun:
    """The remote run with its artifacts unpacked under `artifacts` and its paths pointing there."""
    artifacts = artifacts.resolve()
    unpack(result.artifacts_tar, artifacts)

    def here(path: str | None) -> str | None:
        if path is None or not path.startswith(result.worker_root):
            return path
        return str(artifacts / Path(path).relative_to(result.worker_root))

    run = result.run
    update: dict[str, Any] = {"stdout_path": here(run.stdout_path), "stderr_path": here(run.stderr_path),
                              "logdir": here(run.logdir)}
    if result.left_out:
        update["summary"] = (run.summary + f" ({len(result.left_out)} artifact file(s) over the transfer limit left on the worker)").strip()
    return run.model_copy(update=update)
