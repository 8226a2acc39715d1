"""What a probe job is on a remote worker (a Ray task): the payload sent, and the function that runs it.

Why a separate module: it is what the worker imports, so it holds no Ray code and no driver state.
The worker makes its own checkout from the repository's URL (or path, on a one-machine cluster) and
the commit, runs the job with the same runner as a local job (own session, limits, argument lists),
and returns the `ProbeRun` with its artifacts packed, so results and artifacts come back to the
service whatever machine ran the job.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from investigator.probes.model import ProbeJob, ProbeRun
from investigator.probes.runner import CheckoutCache, Slot, run_job

ARTIFACTS_LIMIT_MB = 64.0  # packed artifacts of one job sent back; larger files are left out and named
_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


class RemoteProbe(BaseModel):
    """Everything a worker needs to run one job, serialisable (no paths of the driver's machine but
    `repo_source`, which must be reachable from the worker: a URL, or a path on a one-machine cluster)."""

    job: ProbeJob
    commit: str  # the commit to check out (a patched job: its base commit)
    patches: list[str] = Field(default_factory=list)  # unified diffs applied on the checkout (verification)
    repo_source: str
    setup_command: str | None = None
    adapter_name: str | None = None  # in-checkout relative adapter path, or the file name of `adapter_text`
    adapter_text: str | None = None  # an adapter file outside the repository, sent along
    auto: dict[str, str] = Field(default_factory=dict)
    device_kind: str = "cpu"  # "cpu" or "cuda": the task was scheduled with a GPU when "cuda"
    cpus: int = 1
    python: str | None = None  # the worker's interpreter for the job (default: the worker's own)
    cache_root: str | None = None  # worker-side cache of mirrors and checkouts (default: ~/.cache/investigator/remote)


class RemoteResult(BaseModel):
    run: ProbeRun
    artifacts_tar: bytes = b""  # gzip tar of the job's artifact folder, relative paths
    worker_root: str  # the artifact folder on the worker, for rewriting paths in `run`
    left_out: list[str] = Field(default_factory=list)  # artifacts over ARTIFACTS_LIMIT_MB


def _git(*argv: str, cwd: Path | None = None) -> None:
    subprocess.run(["git", *argv], cwd=cwd, check=True, capture_output=True, stdin=subprocess.DEVNULL,
                   env={**os.environ, "GIT_TERMINAL_PROMPT": "0"}, timeout=1800)


def _has_commit(git_dir: Path, commit: str) -> bool:
    probe = subprocess.run(["git", "--git-dir", str(git_dir), "cat-file", "-e", f"{commit}^{{commit}}"],
                           capture_output=True, stdin=subprocess.DEVNULL)
    return probe.returncode == 0


def mirror(source: str, root: Path, commit: str) -> Path:
    """A bare mirror of `source` under `root` that has `commit` (cloned once, fetched when the commit is
    new), safe across tasks on one worker (a lock file per mirror)."""
    if source.startswith("-"):
        raise ValueError(f"not a repository location: {source!r}")
    root.mkdir(parents=True, exist_ok=True)
    git_dir = root / (hashlib.sha256(source.encode()).hexdigest()[:20] + ".git")
    with open(root / f".{git_dir.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not git_dir.is_dir():
            tmp = Path(tempfile.mkdtemp(prefix=".clone-", dir=root))
            try:
                _git("clone", "--mirror", "--quiet", "--", source, str(tmp / "m.git"))
                os.replace(tmp / "m.git", git_dir)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        if not _has_commit(git_dir, commit):
            _git("--git-dir", str(git_dir), "fetch", "--quiet", "--prune", "origin")
        if not _has_commit(git_dir, commit):
            raise RuntimeError(f"commit {commit[:12]} is not in {source}")
    return git_dir


def pack(folder: Path, limit_mb: float = ARTIFACTS_LIMIT_MB) -> tuple[bytes, list[str]]:
    """A gzip tar of `folder` (paths relative to it), leaving out what would pass `limit_mb`."""
    buffer, left_out, total = io.BytesIO(), [], 0
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
            size = path.stat().st_size
            if total + size > limit_mb * 1024 * 1024:
                left_out.append(str(path.relative_to(folder)))
                continue
            total += size
            tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    return buffer.getvalue(), left_out


def unpack(data: bytes, folder: Path) -> None:
    """Extract a `pack` archive into `folder`; members that would land outside it, links and devices
    are refused (the 'data' filter)."""
    folder.mkdir(parents=True, exist_ok=True)
    if data:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            tar.extractall(folder, filter="data")


def run_remote(payload: dict[str, Any]) -> dict[str, Any]:
    """The task body on the worker: checkout, run, pack. A checkout or setup failure is raised (the
    driver records it as setup_failed); the job's own failures are in the returned run."""
    task = RemoteProbe.model_validate(payload)
    root = Path(task.cache_root or Path.home() / ".cache" / "investigator" / "remote").expanduser()
    git_dir = mirror(task.repo_source, root / "mirrors", task.commit)
    checkouts = CheckoutCache(root / "checkouts", git_dir, setup_command=task.setup_command)
    key = checkouts.patched(task.commit, task.patches) if task.patches else task.commit
    checkout = checkouts.checkout(key)
    work = Path(tempfile.mkdtemp(prefix="probe-", dir=root))
    try:
        adapter = task.adapter_name
        if task.adapter_text is not None:
            adapter_path = work / "adapter" / Path(task.adapter_name or "adapter.py").name
            adapter_path.parent.mkdir()
            adapter_path.write_text(task.adapter_text, encoding="utf-8")
            adapter = str(adapter_path)
        threads = {name: str(task.cpus) for name in _THREAD_VARS}
        slot = Slot(device="cuda:0" if task.device_kind == "cuda" else "cpu", env=threads,
                    info=f"{task.device_kind} (remote task)")
        artifacts = work / "artifacts"
        run = run_job(task.job, commit=key, checkout=checkout, artifacts=artifacts, slot=slot, adapter=adapter,
                      auto=task.auto, python=task.python or sys.executable)
        data, left_out = pack(artifacts)
        return RemoteResult(run=run, artifacts_tar=data, worker_root=str(artifacts.resolve()),
                            left_out=left_out).model_dump()
    finally:
        shutil.rmtree(work, ignore_errors=True)
