"""Run one probe job: in an exported checkout of its commit, in its own session, limited.

Why not import the project: its code may hang, leak memory, call `sys.exit`, or import a torch
build that conflicts with ours. Each job is a subprocess in a new session; every process of that
session (grandchildren included, `probes.process`) is ended on timeout, past the memory limit (the
resident memory of all of them), past the output limit, when the investigation stops, and when the
job exits leaving helpers behind. Its stdout/stderr go to files kept as artifacts, and a harness
job's result comes back as a JSON file (`child/harness.py`). Commands are argument lists, never a
shell. Every way a job can fail is a `ProbeRun` with a non-ok status and a one-line `error`, never
an exception out of here.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from investigator.probes import process
from investigator.probes.model import ProbeJob, ProbeRun, ProbeStatus
from investigator.probes.prune import touch
from investigator.sandbox.runner import export_commit, run_isolated

HARNESS = Path(__file__).resolve().parent / "child" / "harness.py"
SKIP_EXIT = 125  # a user command's "cannot test this commit" (as in `git bisect run`)
SETUP_MARKER = ".investigator-setup-ok"
OUTPUT_LIMIT_MB = 512.0  # stdout + stderr of one job on disk
RESULT_LIMIT_MB = 64.0  # a result file is read whole: larger is not a probe's result
_LIVE: set[int] = set()  # sessions of running jobs: ended by `kill_running` when the investigation stops


def kill_running() -> int:
    """SIGKILL every process of every running job (the investigation was stopped by a signal or an
    internal error, maybe in another thread); how many jobs were hit. Their threads record them
    as crashed (killed by SIGKILL)."""
    return sum(1 for session in list(_LIVE) if process.signal_all(session, signal.SIGKILL))



@dataclass(frozen=True)
class Slot:
    """Where a job runs: its device name and the environment that pins it there (`devices.py`)."""

    device: str = "cpu"
    env: dict[str, str] = field(default_factory=dict)
    info: str = ""  # for the report: "cuda:0 (NVIDIA H200, 140 GiB)", "cpu (1 thread)"


class CheckoutCache:
    """One exported checkout per commit under `root` (made once, atomically, then reused), and
    the optional setup command run once per checkout (its success is remembered in a marker).

    Safe across threads and processes: each commit's export and setup hold a lock file, so two
    jobs of one commit wait for one export. A failed setup is remembered for this investigation
    (raised again, not re-run, for the commit's other jobs)."""

    def __init__(self, root: Path, git_dir: str | Path, setup_command: str | None = None, setup_timeout_s: float = 600.0) -> None:
        self.root, self.git_dir = Path(root), git_dir
        self.setup_command, self.setup_timeout_s = setup_command, setup_timeout_s
        self._failed: dict[str, RuntimeError] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._patches: dict[str, tuple[str, tuple[str, ...]]] = {}  # patched key -> (commit, patches)

    def patched(self, sha: str, patches: Sequence[str]) -> str:
        """The key of a checkout of `sha` with `patches` (unified diffs, applied in order) applied: a
        "commit + patch" checkout made like a commit's, in its own folder keyed by the patches' hash,
        so the user's repository and work tree are never touched. Use the key as a commit: with
        `checkout(key)`, and in a `ProbeJob.commit` (the result cache keys on it)."""
        digest = hashlib.sha256("\0".join(patches).encode("utf-8")).hexdigest()[:16]
        key = f"{sha}+{digest}"
        with self._guard:
            self._patches[key] = (sha, tuple(patches))
        return key

    def source_of(self, key: str) -> tuple[str, tuple[str, ...]]:
        """The commit and patches a checkout key stands for (a plain commit: itself, no patches)."""
        with self._guard:
            return self._patches.get(key, (key, ()))

    def checkout(self, sha: str) -> Path:
        """The checkout of `sha` or of a `patched` key (exported on first use; OSError/
        CalledProcessError/RuntimeError on failure; `PatchError` when a patch does not apply)."""
        target = self.root / sha
        with self._guard:
            lock = self._locks.setdefault(sha, threading.Lock())
            commit, patches = self._patches.get(sha, (sha, ()))
        with lock, self._file_lock(sha):
            if sha in self._failed:
                failed = self._failed[sha]
                raise type(failed)(str(failed))
            if not target.is_dir():
                tmp = Path(tempfile.mkdtemp(prefix=f".{sha[:12]}-", dir=self.root))
                try:
                    export_commit(self.git_dir, commit, tmp)
                    for n, patch in enumerate(patches, start=1):
                        _apply_patch(tmp, patch, n, len(patches))
                    os.replace(tmp, target)
                except subprocess.CalledProcessError as exc:
                    said = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
                    raise RuntimeError(f"could not export commit {commit[:12]}: {said[-1] if said else exc}") from exc
                except PatchError as exc:
                    self._failed[sha] = exc
                    raise
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
            if self.setup_command:
                try:
                    self._setup(target)
                except RuntimeError as exc:
                    self._failed[sha] = exc
                    raise
            touch(target)  # recently used: kept by `prune.prune_checkouts`
        return target

    @contextmanager
    def _file_lock(self, sha: str) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / f".{sha}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _setup(self, checkout: Path) -> None:
        marker = checkout / SETUP_MARKER
        command = self.setup_command or ""
        if marker.is_file() and marker.read_text() == command:
            return
        try:
            argv = shlex.split(command)
            result = run_isolated(argv, cwd=checkout, timeout_s=self.setup_timeout_s)
        except (ValueError, OSError) as exc:
            raise RuntimeError(f"setup command {command!r} could not start: {getattr(exc, 'strerror', None) or exc}") from exc
        log = self.root / f"{checkout.name}.setup.log"
        log.write_text(f"$ {command}\n{result.stdout_tail}\n--- stderr ---\n{result.stderr_tail}", encoding="utf-8")
        if not result.ok:
            raise RuntimeError(f"setup command failed: {result.describe()} (log: {log})")
        marker.write_text(command)


class PatchError(RuntimeError):
    """A restore patch that does not apply to its commit's tree (the checkout is not made)."""


def _apply_patch(tree: Path, patch: str, n: int, of: int) -> None:
    """`git apply` of one unified diff inside an exported tree (not a repository). Git is kept from
    finding any repository above the tree (a cache folder inside the user's work tree would
    otherwise be patched relative to that repository's root). `--unidiff-zero`: a config restore is a
    one-line hunk without context lines (`config.patch.restore_patch`); its removed line is still checked."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_CEILING_DIRECTORIES"] = str(tree.parent.resolve())
    argv = ["git", "apply", "--unidiff-zero", "--whitespace=nowarn", "-"]
    done = subprocess.run(argv, cwd=tree, input=patch.encode("utf-8"), capture_output=True, env=env, timeout=120)
    if done.returncode != 0 and n > 1:  # an earlier restore changed this one's context lines: its own lines decide
        retry = subprocess.run([*argv[:-1], "-C0", "-"], cwd=tree, input=patch.encode("utf-8"), capture_output=True,
                               env=env, timeout=120)
        done = retry if retry.returncode == 0 else done
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        which = f"patch {n} of {of}" if of > 1 else "the patch"
        raise PatchError(f"{which} does not apply: {said[0] if said else f'git apply exited {done.returncode}'}")


def command_argv(template: str, values: dict[str, str]) -> list[str]:
    """The user's command template as an argument list (no shell): split first, then fill
    {seed} {steps} {logdir} {device} {python} in each argument (a value never splits or expands).
    ValueError on an unbalanced quote or an empty template."""
    argv = []
    for token in shlex.split(template):
        for key, value in values.items():
            token = token.replace("{" + key + "}", value)
        argv.append(token)
    if not argv:
        raise ValueError("the command template is empty")
    return argv


def _tail(path: Path, limit: int = 2000) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - limit))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _last_line(*texts: str) -> str:
    """The last non-empty line of the first text that has one, printable (reports are markdown)."""
    for text in texts:
        lines = [line for line in text.strip().splitlines() if line.strip()]
        if lines:
            return "".join(c if c.isprintable() else "?" for c in lines[-1].strip())[:300]
    return "no output"


_in_use: set[str] = set()
_in_use_lock = threading.Lock()


@contextmanager
def _artifact_stem(job: ProbeJob) -> Iterator[str]:
    """A file-name stem unique to this job's inputs (probe, side, seed, a hash of what runs and its
    parameters), and unique among jobs running now (identical jobs at once get -2, -3...)."""
    # a job of a patched checkout (`job.commit`) keeps its own artifacts beside the commit's
    what = json.dumps([job.script, job.command, job.params, *([job.commit] if job.commit else [])], sort_keys=True, default=str)
    base = f"{job.probe}-{job.side}" + (f"-seed{job.seed}" if job.seed is not None else "")
    base += "-" + hashlib.sha256(what.encode()).hexdigest()[:8]
    with _in_use_lock:
        stem, n = base, 1
        while stem in _in_use:
            n += 1
            stem = f"{base}-{n}"
        _in_use.add(stem)
    try:
        yield stem
    finally:
        with _in_use_lock:
            _in_use.discard(stem)


def _argv(job: ProbeJob, checkout: Path, result_path: Path, values: dict[str, str],
          adapter: str | None, auto: dict[str, str], python: str) -> list[str]:
    if job.command is not None:
        return command_argv(job.command, values)
    if not job.script:
        raise ValueError("the job has neither a script nor a command")
    return [python, str(HARNESS), "--script", job.script, "--checkout", str(checkout), "--adapter", adapter or "",
            "--auto", json.dumps(auto), "--params", json.dumps(job.params), "--out", str(result_path),
            "--scratch", str(result_path.with_suffix(".scratch"))]


def run_job(
    job: ProbeJob,
    *,
    commit: str,
    checkout: Path,
    artifacts: Path,
    slot: Slot | None = None,
    adapter: str | None = None,
    auto: dict[str, str] | None = None,
    python: str = sys.executable,
    stop: threading.Event | None = None,
) -> ProbeRun:
    """Run `job` in `checkout` and return its `ProbeRun` (never raises for the job's own failures;
    a KeyboardInterrupt while waiting ends the job's processes and is re-raised).

    `artifacts` receives stdout, stderr, the result file and (command jobs) the log directory.
    `stop`, when set by another thread, ends the job (recorded as `skipped`)."""
    slot = slot or Slot()
    # the job runs in the checkout: relative paths (a relative --output or --probe-cache) would point there
    artifacts, checkout = artifacts.resolve(), checkout.resolve()
    artifacts.mkdir(parents=True, exist_ok=True)
    with _artifact_stem(job) as stem:
        return _run(job, commit, checkout, artifacts, stem, slot, adapter, auto or {}, python, stop)


def _run(job: ProbeJob, commit: str, checkout: Path, artifacts: Path, stem: str, slot: Slot,
         adapter: str | None, auto: dict[str, str], python: str, stop: threading.Event | None) -> ProbeRun:
    stdout_path, stderr_path = artifacts / f"{stem}.stdout.txt", artifacts / f"{stem}.stderr.txt"
    result_path = artifacts / f"{stem}.result.json"
    logdir = (artifacts / f"{stem}-logs").resolve() if job.needs_logdir else None
    if logdir is not None:  # a fresh directory: logs of an earlier run here would mix into this run's
        shutil.rmtree(logdir, ignore_errors=True)
        logdir.mkdir(parents=True, exist_ok=True)
    result_path.unlink(missing_ok=True)
    values = {"seed": str(job.seed if job.seed is not None else 1), "steps": str(job.params.get("steps", "")),
              "logdir": str(logdir or ""), "device": slot.device.split(":")[0], "python": python}
    base = ProbeRun(probe=job.probe, side=job.side, commit=commit, status=ProbeStatus.failed, device=slot.device,
                    seed=job.seed, params=job.params, logdir=str(logdir) if logdir else None,
                    stdout_path=str(stdout_path), stderr_path=str(stderr_path))
    env = {**os.environ, **slot.env, "PYTHONPATH": os.pathsep.join([str(checkout), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
           "PYTHONHASHSEED": "0", "PYTHONUNBUFFERED": "1"}
    try:
        argv = _argv(job, checkout, result_path, values, adapter, auto, python)
    except ValueError as exc:
        return base.model_copy(update={"error": f"invalid command template: {exc}"})
    limits = process.Limits(timeout_s=job.timeout_s, memory_mb=job.memory_mb, output_mb=OUTPUT_LIMIT_MB)
    start = time.perf_counter()
    try:
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            proc = subprocess.Popen(argv, cwd=checkout, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
            gpu = process.gpu_memory_mb if job.command is not None and slot.device.startswith("cuda") else None
            _LIVE.add(proc.pid)
            try:
                watch = process.wait(proc, limits, (stdout_path, stderr_path), stop, gpu)
            finally:
                _LIVE.discard(proc.pid)
                # the measurement's scratch space: a killed child never cleans it up itself
                shutil.rmtree(result_path.with_suffix(".scratch"), ignore_errors=True)
    except OSError as exc:
        return base.model_copy(update={"error": f"could not start {argv[0]}: {exc.strerror or exc}",
                                       "wall_s": time.perf_counter() - start})
    run = base.model_copy(update={"wall_s": round(time.perf_counter() - start, 3),
                                  "peak_rss_mb": round(watch.peak_rss_mb, 1) or None, "peak_gpu_mem_mb": watch.peak_gpu_mb})
    if watch.reason is not None:
        return _limited(run, watch.reason, limits)
    code = proc.returncode
    stderr_tail = _tail(stderr_path)
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        return run.model_copy(update={"status": ProbeStatus.crashed, "error": f"killed by {name}: {_last_line(stderr_tail)}"})
    if job.command is not None:
        return _command_run(run, code, stderr_tail, _tail(stdout_path))
    return _harness_run(run, code, result_path, stderr_tail)


def _limited(run: ProbeRun, reason: str, limits: process.Limits) -> ProbeRun:
    """The run ended by the runner: which limit, in one line."""
    status, error = {
        "timeout": (ProbeStatus.timeout, f"timed out after {limits.timeout_s:g} s (its processes were killed)"),
        "memory": (ProbeStatus.memory, f"used more than {limits.memory_mb:g} MB of memory (its processes were killed)"),
        "output": (ProbeStatus.failed, f"wrote more than {limits.output_mb:g} MB to stdout/stderr (its processes were killed)"),
        "stopped": (ProbeStatus.skipped, "stopped: the investigation was interrupted"),
    }[reason]
    return run.model_copy(update={"status": status, "error": error})


def _command_run(run: ProbeRun, code: int | None, stderr_tail: str, stdout_tail: str) -> ProbeRun:
    if code == SKIP_EXIT:
        return run.model_copy(update={"status": ProbeStatus.skipped, "error": f"the command exited {SKIP_EXIT}: this commit cannot be tested"})
    if code != 0:
        return run.model_copy(update={"status": ProbeStatus.failed, "error": f"exit code {code}: {_last_line(stderr_tail, stdout_tail)}"})
    return run.model_copy(update={"status": ProbeStatus.ok, "summary": f"ran in {run.wall_s:.1f} s"})


def _harness_run(run: ProbeRun, code: int | None, result_path: Path, stderr_tail: str) -> ProbeRun:
    if not result_path.is_file():
        status = ProbeStatus.no_result if code == 0 else ProbeStatus.failed
        return run.model_copy(update={"status": status, "error": f"exit code {code}, no result file: {_last_line(stderr_tail)}"})
    try:
        size_mb = result_path.stat().st_size / 2**20
        if size_mb > RESULT_LIMIT_MB:
            raise ValueError(f"{size_mb:.0f} MB, more than {RESULT_LIMIT_MB:g} MB")
        payload = json.loads(result_path.read_text(encoding="utf-8"))
        if not isinstance(payload, dict) or payload.get("protocol") != 1 or not isinstance(payload.get("ok"), bool):
            raise ValueError("not a probe result (protocol 1)")
    except (ValueError, RecursionError, OSError) as exc:  # UnicodeDecodeError is a ValueError
        return run.model_copy(update={"status": ProbeStatus.invalid_result, "error": _last_line(f"unreadable result file: {exc}")})
    if not payload["ok"]:
        return run.model_copy(update={"status": ProbeStatus.failed, "error": str(payload.get("error", "failed"))[:500],
                                      "result": {"traceback": str(payload.get("traceback", ""))}})
    result = payload.get("result")
    if not isinstance(result, dict):
        return run.model_copy(update={"status": ProbeStatus.invalid_result, "error": "the result is not a JSON object"})
    return run.model_copy(update={
        "status": ProbeStatus.ok, "result": result, "device": _device(payload.get("device"), run.device),
        "peak_gpu_mem_mb": _number(payload.get("peak_gpu_mem_mb")), "steps_per_s": _number(payload.get("steps_per_s")),
    })


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _device(reported: Any, slot_device: str) -> str:
    """The slot's device ("cuda:1") unless the measurement says it ran elsewhere (fell back to cpu)."""
    if not isinstance(reported, str) or not reported or reported.split(":")[0] == slot_device.split(":")[0]:
        return slot_device
    return reported[:40]
