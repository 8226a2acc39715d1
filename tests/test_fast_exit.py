"""The console script ends without the interpreter's teardown once an investigation is done
(`cli.exit_without_teardown`): what a normal exit does that matters must still happen."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from investigator.cli import _command_of, main
from tests.support.gitrepo import commit_files, git

CHILD = textwrap.dedent("""
    import atexit, sys
    atexit.register(lambda: print("atexit ran", flush=True))
    from investigator.cli import main
    sys.exit(main())
""")


def _repo(tmp_path):
    repo = tmp_path / "r"
    commit_files(repo, {"train.py": "import torch\nLR = 3e-4\n\ndef loss(a, b):\n    return (a - b) ** 2\n"}, "base")
    git(repo, "tag", "base")
    commit_files(repo, {"train.py": "import torch\nLR = 3e-4\n\ndef broken(:\n"}, "cand")  # no longer parses
    return repo


def test_console_run_keeps_atexit_handlers_reports_and_exit_code(tmp_path):
    repo, out = _repo(tmp_path), tmp_path / "out"
    argv = ["--repo", str(repo), "--baseline-commit", "base", "--format", "json", "--output", str(out), "--quiet"]
    proc = subprocess.run([sys.executable, "-c", CHILD, *argv], capture_output=True, text=True, timeout=120)
    assert "atexit ran" in proc.stdout  # handlers (logging, temporary directories, coverage) still run
    assert "json report:" in proc.stdout and "findings" in proc.stdout  # stdout was flushed before the end
    report = json.loads((out / "latest.json").read_text())  # written whole
    # the same run in process returns the same exit code (and does not end this process)
    code = main([*argv, "--output", str(tmp_path / "out2")])
    assert proc.returncode == code == 0
    assert len(json.loads((tmp_path / "out2" / "latest.json").read_text())["findings"]) == len(report["findings"])


def test_fail_on_exit_code_survives_the_fast_exit(tmp_path):
    repo, out = _repo(tmp_path), tmp_path / "out"
    argv = ["--repo", str(repo), "--baseline-commit", "base", "--format", "json", "--output", str(out), "--quiet",
            "--fail-on", "low"]
    proc = subprocess.run([sys.executable, "-c", CHILD, *argv], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "atexit ran" in proc.stdout  # a significant finding: exit 1


def test_only_investigations_skip_the_teardown():
    assert _command_of(["--repo", "x"]) == "run"  # `investigate --repo ...` is `run`
    assert _command_of(["run", "--repo", "x"]) == "run"
    assert _command_of(["serve"]) == "serve"  # a service's threads are joined as usual
    assert _command_of(["explain", "--list"]) == "explain"


def test_an_in_process_run_leaves_the_collector_alone(tmp_path):
    import gc

    repo = _repo(tmp_path)
    frozen = gc.get_freeze_count()
    code = main(["--repo", str(repo), "--baseline-commit", "base", "--format", "json", "--output", str(tmp_path / "o"),
                 "--quiet"])
    assert code == 0
    assert gc.get_freeze_count() == frozen  # only the console script, which ends after the run, freezes
