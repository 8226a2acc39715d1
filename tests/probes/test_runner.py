"""The runner's limits and failure modes: each a recorded run, never an exception or a leftover process."""

from __future__ import annotations

import _thread
import json
import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from investigator.probes import process, runner
from investigator.probes.devices import cpu_slots
from investigator.probes.model import ProbeRun
from investigator.probes.runner import CheckoutCache, run_job
from tests.probes.runner_helpers import PY, alive, command_job, harness_job, pids, write_module
from tests.support.gitrepo import make_repo

MEASURE_OK = """
    import os, sys, time
    def measure(ctx):
        print("hello out")
        print("hello err", file=sys.stderr)
        time.sleep(float(ctx.params.get("s", 0)))
        return {"x": ctx.params.get("x", 1), "device": ctx.device, "cvd": os.environ.get("CUDA_VISIBLE_DEVICES"),
                "omp": os.environ.get("OMP_NUM_THREADS")}
"""
MEASURE_ALLOC = """
    import subprocess, sys
    def measure(ctx):
        mb, hold = int(ctx.params["mb"]), float(ctx.params["hold"])
        code = f"b = b'\\\\x01' * ({mb} << 20); import time; time.sleep({hold})"
        subprocess.run([sys.executable, "-c", code], check=True)  # the memory is a grandchild's
        return {"mb": mb}
"""
MEASURE_BAD = """
    import json, os, signal, sys
    def measure(ctx):
        mode = ctx.params["mode"]
        out = sys.argv[sys.argv.index("--out") + 1]
        if mode == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        if mode == "raise":
            raise ValueError("bad input")
        if mode == "list":
            return [1, 2]
        if mode == "garbage":
            sys.stdout.buffer.write(bytes(range(256)) * 4)
        if mode == "notjson":
            open(out, "wb").write(b"\\xff{not json")
        if mode == "deep":
            open(out, "w").write("[" * 200000 + "]" * 200000)
        if mode == "huge":
            open(out, "w").write('{"protocol": 1, "ok": true, "result": {"x": "' + "x" * (3 << 20) + '"}}')
        if mode == "protocol":
            open(out, "w").write(json.dumps({"protocol": 2, "ok": True, "result": {}}))
        sys.stdout.flush()
        os._exit(0)
"""
SPAWN = """
    import os, signal, subprocess, sys, time
    pidfile, mode = sys.argv[1], sys.argv[2]
    if "ignore" in mode:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    kids = [subprocess.Popen(["sleep", "1000"]),  # a background grandchild in the same group
            subprocess.Popen([sys.executable, "-c", "import os, time; os.setpgrp(); time.sleep(1000)"])]  # its own group
    time.sleep(0.2)
    open(pidfile, "w").write(" ".join(str(p) for p in [os.getpid(), *(k.pid for k in kids)]))
    if "exit" in mode:
        sys.exit(0)
    time.sleep(30)
"""
ARGS = """
    import json, sys
    print(json.dumps(sys.argv[1:]))
"""
EXIT = """
    import sys
    print("boom \\x1b[31m", file=sys.stderr)
    sys.exit(int(sys.argv[1]))
"""
FLOOD = """
    import sys
    chunk = "x" * 65536 + "\\n"
    for _ in range(int(sys.argv[1])):
        sys.stdout.write(chunk)
"""


def _run(tmp_path: Path, job: object, **kwargs: object) -> ProbeRun:
    return run_job(job, commit="c0", checkout=tmp_path / "co", artifacts=tmp_path / "art", **kwargs)  # type: ignore[arg-type]


def test_ok_run_records_device_environment_and_artifacts(tmp_path: Path) -> None:
    script = write_module(tmp_path / "co", "m_ok", MEASURE_OK)
    run = _run(tmp_path, harness_job(script, params={"x": 3}), slot=cpu_slots(cpu_threads=1)[0])
    assert run.ok, run.error
    assert run.result == {"x": 3, "device": "cpu", "cvd": "", "omp": "1"}
    assert run.device == "cpu" and run.wall_s > 0
    assert "hello out" in Path(run.stdout_path or "").read_text()
    assert "hello err" in Path(run.stderr_path or "").read_text()


def test_time_limit_kills_and_a_fast_job_is_not_killed(tmp_path: Path) -> None:
    script = write_module(tmp_path / "co", "m_ok", MEASURE_OK)
    slow = _run(tmp_path, harness_job(script, params={"s": 30}, timeout_s=0.5))
    assert slow.status.value == "timeout" and "0.5 s" in slow.error
    assert slow.wall_s < 4
    fast = _run(tmp_path, harness_job(script, params={"s": 0.1}, timeout_s=10))
    assert fast.ok, fast.error


def test_a_relative_artifacts_folder_is_the_callers_not_the_checkouts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--output reports` is relative to where the investigator runs; the job runs in the checkout,
    so the result file must still land in the caller's folder (it once went nowhere: `no_result`)."""
    script = write_module(tmp_path / "co", "m_ok", MEASURE_OK)
    monkeypatch.chdir(tmp_path)
    run = run_job(harness_job(script), commit="c0", checkout=tmp_path / "co", artifacts=Path("rel-art"))
    assert run.ok, run.error
    assert Path(run.stdout_path or "").is_absolute() and (tmp_path / "rel-art").is_dir()


MEASURE_SCRATCH = """
    import time
    def measure(ctx):
        (ctx.scratch / "ckpt.pt").write_text("x")
        print(ctx.scratch, flush=True)
        time.sleep(float(ctx.params["s"]))
        return {}
"""


def test_a_killed_measurement_leaves_no_scratch_space_behind(tmp_path: Path) -> None:
    """The child's scratch folder lives in the runner's artifacts and is removed after the job,
    also when the child was killed before it could clean up (no temporary folders piling up)."""
    script = write_module(tmp_path / "co", "m_scratch", MEASURE_SCRATCH)
    killed = _run(tmp_path, harness_job(script, params={"s": 30}, timeout_s=1.5))
    assert killed.status.value == "timeout"
    used = Path(Path(killed.stdout_path or "").read_text().strip())
    assert str(used).startswith(str(tmp_path / "art")) and not used.exists()
    ok = _run(tmp_path, harness_job(script, params={"s": 0}))
    assert ok.ok and not list((tmp_path / "art").glob("*.scratch"))


def test_memory_limit_counts_the_whole_group(tmp_path: Path) -> None:
    script = write_module(tmp_path / "co", "m_alloc", MEASURE_ALLOC)
    over = _run(tmp_path, harness_job(script, params={"mb": 150, "hold": 30}, memory_mb=100, timeout_s=20))
    assert over.status.value == "memory" and "100 MB" in over.error, over.error
    assert over.wall_s < 10
    under = _run(tmp_path, harness_job(script, params={"mb": 150, "hold": 0.6}, memory_mb=400, timeout_s=20))
    assert under.ok, under.error
    assert (under.peak_rss_mb or 0) >= 150  # the grandchild's memory was seen, and allowed


@pytest.mark.parametrize(("mode", "status"), [("sleep", "timeout"), ("ignore", "timeout"), ("exit", "ok")])
def test_every_process_of_the_job_is_ended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, status: str) -> None:
    """Background grandchildren, one in its own process group, a leader ignoring SIGTERM, and
    leftovers of a job that exited normally: none outlives the run."""
    monkeypatch.setattr(process, "KILL_GRACE_S", 0.3)
    write_module(tmp_path / "co", "spawn", SPAWN)
    pidfile = tmp_path / "pids.txt"
    run = _run(tmp_path, command_job(f"{{python}} spawn.py {pidfile} {mode}", timeout_s=1.0))
    assert run.status.value == status, run.error
    assert len(pids(pidfile)) == 3
    assert not [p for p in pids(pidfile) if alive(p)]
    assert run.wall_s < 5


@pytest.mark.parametrize(("mode", "status", "error"), [
    ("segv", "crashed", "killed by SIGSEGV"),
    ("raise", "failed", "ValueError: bad input"),
    ("garbage", "no_result", "exit code 0, no result file"),
    ("notjson", "invalid_result", "unreadable result file"),
    ("protocol", "invalid_result", "not a probe result"),
    ("list", "invalid_result", "not a JSON object"),
    ("deep", "invalid_result", "unreadable result file"),
    ("huge", "invalid_result", "3 MB, more than 2 MB"),
])
def test_broken_children_are_recorded_failures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, status: str,
                                               error: str) -> None:
    monkeypatch.setattr(runner, "RESULT_LIMIT_MB", 2.0)
    script = write_module(tmp_path / "co", "m_bad", MEASURE_BAD)
    run = _run(tmp_path, harness_job(script, params={"mode": mode}))
    assert (run.status.value, error in run.error) == (status, True), run.error
    assert run.error.isprintable()


@pytest.mark.parametrize(("code", "status"), [(125, "skipped"), (0, "ok"), (3, "failed")])
def test_command_exit_codes(tmp_path: Path, code: int, status: str) -> None:
    write_module(tmp_path / "co", "exitwith", EXIT)
    run = _run(tmp_path, command_job(f"{{python}} exitwith.py {code}"))
    assert run.status.value == status
    if status == "failed":
        assert run.error.startswith("exit code 3: boom") and run.error.isprintable()


def test_no_shell_anywhere(tmp_path: Path) -> None:
    """Shell syntax in the template and spaces in a filled value stay literal arguments."""
    write_module(tmp_path / "co", "args", ARGS)
    (tmp_path / "co" / "x").mkdir()
    job = command_job('{python} args.py "; rm -rf x" "$(touch pwned)" `touch pwned2` {logdir} --seed={seed}',
                      seed=7, needs_logdir=True)
    run = run_job(job, commit="c0", checkout=tmp_path / "co", artifacts=tmp_path / "art dir; touch pwned3")
    assert run.ok, run.error
    argv = json.loads(Path(run.stdout_path or "").read_text())
    assert argv == ["; rm -rf x", "$(touch pwned)", "`touch", "pwned2`", run.logdir, "--seed=7"]
    assert Path(run.logdir or "").is_dir() and (tmp_path / "co" / "x").is_dir()
    assert not list(tmp_path.rglob("pwned*"))


@pytest.mark.parametrize(("template", "error"), [
    ("{python} 'unbalanced", "invalid command template: No closing quotation"),
    ("", "invalid command template: the command template is empty"),
    ("no-such-program-investigator --x", "could not start no-such-program-investigator"),
])
def test_bad_command_templates(tmp_path: Path, template: str, error: str) -> None:
    run = _run(tmp_path, command_job(template))
    assert run.status.value == "failed" and run.error.startswith(error), run.error


def test_output_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "OUTPUT_LIMIT_MB", 1.0)
    write_module(tmp_path / "co", "flood", FLOOD)
    flood = _run(tmp_path, command_job("{python} flood.py 100000", timeout_s=20))
    assert flood.status.value == "failed" and "more than 1 MB" in flood.error
    small = _run(tmp_path, command_job("{python} flood.py 8"))
    assert small.ok


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(), reason="needs the main thread")
def test_keyboard_interrupt_while_waiting_ends_the_job(tmp_path: Path) -> None:
    write_module(tmp_path / "co", "spawn", SPAWN)
    pidfile = tmp_path / "pids.txt"
    # `interrupt_main` does nothing when SIGINT is not handled by Python: an earlier test of the same worker
    # (a server, a library) may have left it at SIG_DFL or SIG_IGN (the CI run under load failed here once)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(1.0, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            _run(tmp_path, command_job(f"{{python}} spawn.py {pidfile} sleep", timeout_s=30))
    finally:
        timer.join()
        signal.signal(signal.SIGINT, previous)
    assert len(pids(pidfile)) == 3 and not [p for p in pids(pidfile) if alive(p)]


def test_stop_event_ends_the_job_as_skipped(tmp_path: Path) -> None:
    write_module(tmp_path / "co", "spawn", SPAWN)
    pidfile = tmp_path / "pids.txt"
    stop = threading.Event()
    threading.Timer(1.0, stop.set).start()
    run = _run(tmp_path, command_job(f"{{python}} spawn.py {pidfile} sleep", timeout_s=30), stop=stop)
    assert run.status.value == "skipped" and "interrupted" in run.error
    assert not [p for p in pids(pidfile) if alive(p)]


def test_artifact_names_are_unique_per_job(tmp_path: Path) -> None:
    script = write_module(tmp_path / "co", "m_ok", MEASURE_OK)
    same = [harness_job(script, seed=1, params={"x": 1, "s": 0.3}), harness_job(script, seed=1, params={"x": 1, "s": 0.3})]
    other = harness_job(script, seed=1, params={"x": 2})
    runs: list[ProbeRun] = []
    threads = [threading.Thread(target=lambda j=j: runs.append(_run(tmp_path, j))) for j in same]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    runs.append(_run(tmp_path, other))
    assert all(r.ok for r in runs), [r.error for r in runs]
    assert len({r.stdout_path for r in runs}) == 3
    assert sorted(r.result["x"] for r in runs) == [1, 1, 2]


SETUP = """
    import pathlib, sys
    with open(pathlib.Path("..") / "setup-count.txt", "a") as f:
        f.write("x")
    if pathlib.Path("broken").exists():
        sys.exit("error: no compiler found")
"""


def _repo(tmp_path: Path, broken: bool = False) -> tuple[Path, str]:
    files = {"setup_ext.py": SETUP.replace("\n    ", "\n"), "pkg.py": "X = 1\n"}
    if broken:
        files["broken"] = ""
    repo = tmp_path / "repo"
    return repo, make_repo(repo, [("one", files)])[0]


def test_checkout_exported_once_under_concurrency_and_setup_run_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo, sha = _repo(tmp_path)
    exports: list[str] = []
    real = runner.export_commit

    def slow_export(git_dir: object, sha: str, target: Path) -> Path:
        exports.append(sha)
        time.sleep(0.3)
        return real(git_dir, sha, target)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "export_commit", slow_export)
    cache = CheckoutCache(tmp_path / "checkouts", repo / ".git", setup_command=f"{PY} setup_ext.py")
    got: list[Path] = []
    threads = [threading.Thread(target=lambda: got.append(cache.checkout(sha))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 2 and got[0] == got[1] and (got[0] / "pkg.py").read_text() == "X = 1\n"
    assert exports == [sha]
    CheckoutCache(tmp_path / "checkouts", repo / ".git", setup_command=f"{PY} setup_ext.py").checkout(sha)
    assert (tmp_path / "checkouts" / "setup-count.txt").read_text() == "x"  # once, then the marker
    assert not [p for p in (tmp_path / "checkouts").iterdir() if p.name.startswith(f".{sha[:12]}-")]  # no temp left


def test_failing_setup_is_reported_and_not_rerun(tmp_path: Path) -> None:
    repo, sha = _repo(tmp_path, broken=True)
    cache = CheckoutCache(tmp_path / "checkouts", repo / ".git", setup_command=f"{PY} setup_ext.py")
    for _ in range(2):
        with pytest.raises(RuntimeError, match="setup command failed: exit code 1: error: no compiler found"):
            cache.checkout(sha)
    assert (tmp_path / "checkouts" / "setup-count.txt").read_text() == "x"
    assert not (tmp_path / "checkouts" / sha / runner.SETUP_MARKER).exists()


def test_gpu_memory_of_command_jobs_is_polled_on_cuda_slots_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[set[int]] = []

    def fake(pids: set[int]) -> float | None:
        seen.append(pids)
        return 123.0 if pids else None

    monkeypatch.setattr(process, "gpu_memory_mb", fake)
    (tmp_path / "co").mkdir()
    job = command_job("{python} -c 'import time; time.sleep(0.4)'")
    on_gpu = _run(tmp_path, job, slot=runner.Slot(device="cuda:0", env={"CUDA_VISIBLE_DEVICES": ""}))
    assert on_gpu.ok and on_gpu.peak_gpu_mem_mb == 123.0 and seen and all(seen)
    seen.clear()
    on_cpu = _run(tmp_path, job)
    assert on_cpu.ok and on_cpu.peak_gpu_mem_mb is None and seen == []


def test_gpu_memory_query_reads_only_the_jobs_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    out = "4242, 500\n17, 700\n[N/A], [N/A]\n"
    monkeypatch.setattr(process.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout=out, stderr=""))
    assert process.gpu_memory_mb({4242, 5}) == 500.0
    assert process.gpu_memory_mb({5}) is None

    def missing(*a: object, **k: object) -> None:
        raise FileNotFoundError("nvidia-smi")

    monkeypatch.setattr(process.subprocess, "run", missing)
    assert process.gpu_memory_mb({4242}) is None


def test_device_recorded_is_the_slots_unless_the_measurement_ran_elsewhere() -> None:
    assert runner._device("cuda", "cuda:1") == "cuda:1"  # CUDA_VISIBLE_DEVICES made it the child's cuda:0
    assert runner._device("cuda:0", "cuda:1") == "cuda:1"
    assert runner._device("cpu", "cuda:1") == "cpu"  # the measurement fell back to the CPU
    assert runner._device(None, "cpu") == "cpu"


def test_without_proc_the_process_group_is_still_ended(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """macOS has no /proc: the group is ended (a helper in its own process group is not seen there)."""
    monkeypatch.setattr(process, "HAS_PROC", False)
    monkeypatch.setattr(process, "KILL_GRACE_S", 0.3)
    write_module(tmp_path / "co", "spawn", SPAWN)
    pidfile = tmp_path / "pids.txt"
    try:
        run = _run(tmp_path, command_job(f"{{python}} spawn.py {pidfile} ignore", timeout_s=1.0))
        leader, sleeper, own_group = pids(pidfile)
        until = time.monotonic() + 5.0  # SIGKILL is delivered, not instantaneous: on a loaded machine the
        while (alive(leader) or alive(sleeper)) and time.monotonic() < until:  # member may not have run yet
            time.sleep(0.05)
        assert run.status.value == "timeout" and not alive(leader) and not alive(sleeper)
    finally:
        for pid in pids(pidfile):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize(("setup", "error"), [
    (f"{PY} -c 'import time; time.sleep(30)'", "setup command failed: timed out after"),
    ("no-such-program-investigator --build", "could not start: No such file or directory"),
    ("'unbalanced", "could not start: No closing quotation"),
])
def test_setup_that_hangs_or_cannot_start(tmp_path: Path, setup: str, error: str) -> None:
    repo, sha = _repo(tmp_path)
    cache = CheckoutCache(tmp_path / "checkouts", repo / ".git", setup_command=setup, setup_timeout_s=0.5)
    start = time.monotonic()
    with pytest.raises(RuntimeError, match=error):
        cache.checkout(sha)
    assert time.monotonic() - start < 5


def test_kill_running_ends_every_process_of_running_jobs(tmp_path: Path) -> None:
    write_module(tmp_path / "co", "spawn", SPAWN)
    pidfile = tmp_path / "pids.txt"
    box: dict[str, ProbeRun] = {}
    job = command_job(f"{{python}} spawn.py {pidfile} ignore", timeout_s=30)
    worker = threading.Thread(target=lambda: box.update(run=_run(tmp_path, job)))
    start = time.monotonic()
    worker.start()
    while len(pids(pidfile)) < 3 and time.monotonic() - start < 10:
        time.sleep(0.02)
    assert runner.kill_running() == 1
    worker.join(10)
    assert box["run"].status.value == "crashed" and "SIGKILL" in box["run"].error
    assert not [p for p in pids(pidfile) if alive(p)] and not runner._LIVE
    assert runner.kill_running() == 0
