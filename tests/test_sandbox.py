from __future__ import annotations

import sys
import time

from investigator.sandbox import export_commit, run_isolated
from tests.support.gitrepo import commit_files


def test_timeout_kills_the_whole_process_group(tmp_path):
    marker = tmp_path / "child-alive"
    script = (
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(3); open(r\"{marker}\", \"w\").write(\"x\")'])\n"
        "time.sleep(30)\n"
    )
    start = time.perf_counter()
    result = run_isolated([sys.executable, "-c", script], cwd=tmp_path, timeout_s=1)
    assert result.timed_out and not result.ok and "timed out" in result.describe()
    assert time.perf_counter() - start < 10
    time.sleep(3.5)
    assert not marker.exists(), "the grandchild survived the timeout"


def test_crash_is_reported_with_its_last_line(tmp_path):
    result = run_isolated([sys.executable, "-c", "raise SystemExit('probe failed: no adapter')"], cwd=tmp_path, timeout_s=10)
    assert result.returncode == 1 and "no adapter" in result.describe()


def test_export_commit_is_a_separate_checkout(tmp_path):
    repo = tmp_path / "r"
    first = commit_files(repo, {"a.txt": "one\n"}, "one")
    commit_files(repo, {"a.txt": "two\n"}, "two")
    out = export_commit(repo / ".git", first, tmp_path / "export")
    assert (out / "a.txt").read_text() == "one\n"
    assert (repo / "a.txt").read_text() == "two\n"


def test_memory_limit_ends_the_command(tmp_path):
    script = "x = bytearray(400 * 2**20)\nimport time\ntime.sleep(30)\n"
    start = time.perf_counter()
    result = run_isolated([sys.executable, "-c", script], cwd=tmp_path, timeout_s=20, memory_mb=200)
    assert result.limit == "memory" and not result.ok and not result.timed_out
    assert "memory" in result.describe() and result.peak_rss_mb > 200
    assert time.perf_counter() - start < 15


def test_output_is_kept_as_a_tail_and_ok_under_the_limits(tmp_path):
    script = "import sys\nfor i in range(20000): print(i)\nprint('done', file=sys.stderr)\n"
    result = run_isolated([sys.executable, "-c", script], cwd=tmp_path, timeout_s=20)
    assert result.ok and result.limit is None
    assert result.stdout_tail.rstrip().endswith("19999") and len(result.stdout_tail) <= 4000
    assert "done" in result.stderr_tail
