"""SIGINT / SIGTERM mid-run: the finished steps are written as a partial report marked incomplete,
then the CLI exits 130 / 143 with one line (never a traceback, never silence)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.gitrepo import commit_files, git

# The real CLI in a subprocess, plus two analyzers that wait after the first wave: they write a file
# when they start, so the test signals at a known point (after diff_overview found its finding).
_WRAPPER = """
import sys, time
from pathlib import Path
from investigator.analyzers.base import register_analyzer

FLAG = Path(sys.argv.pop(1))

class Slow:  # two of them in one wave: LangGraph runs them in its thread pool, not inline
    after = ("diff_overview",)

    def __init__(self, aid):
        self.id, self.title = aid, "slow analyzer (test)"

    def applies(self, ctx):
        return True, "test"

    def run(self, ctx):
        FLAG.write_text("started")
        time.sleep(120)

register_analyzer(Slow("zz_slow"))
register_analyzer(Slow("zz_slow_b"))
from investigator.cli import main
sys.exit(main())
"""


def _start(repo: Path, out_dir: Path, flag: Path) -> subprocess.Popen:
    argv = ["--repo", str(repo), "--baseline-commit", "base", "--output", str(out_dir), "--format", "md", "--format", "json"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.Popen(
        [sys.executable, "-c", _WRAPPER, str(flag), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


@pytest.fixture()
def repo(tmp_path):
    repo = tmp_path / "r"
    commit_files(repo, {"train.py": "import torch\nLR = 3e-4\n"}, "base")
    git(repo, "tag", "base")
    commit_files(repo, {"train.py": "import torch\nLR = 3e-4\n\ndef broken(:\n"}, "cand")
    return repo


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_mid_run_writes_a_partial_report_and_exits_128_plus_signal(repo, tmp_path, signum, code):
    out_dir, flag = tmp_path / "out", tmp_path / "started"
    proc = _start(repo, out_dir, flag)
    deadline = time.monotonic() + 60
    while not flag.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    start = time.monotonic()
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert time.monotonic() - start < 10  # it does not wait for the busy analyzers (they sleep 120 s)
    name = signal.Signals(signum).name
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"investigate: interrupted by {name} after ") and "partial report with" in last
    assert "Traceback" not in err
    data = json.loads(next(out_dir.glob("investigation-*.json")).read_text())
    assert data["incomplete"]["reason"] == f"interrupted by {name}"
    assert data["incomplete"]["finished_steps"][:3] == ["resolve", "diff", "triage"]
    assert "analyze:diff_overview" in data["incomplete"]["finished_steps"]
    assert {"zz_slow", "zz_slow_b"} <= set(data["incomplete"]["unfinished_analyzers"])
    assert "report" not in data["incomplete"]["finished_steps"]
    # the finding completed before the signal is kept, ranked
    assert [f["source"] for f in data["findings"]] == ["diff_overview"] and data["findings"][0]["rank"] == 1
    md = next(out_dir.glob("investigation-*.md")).read_text()
    assert f"INCOMPLETE REPORT: the investigation was interrupted by {name}" in md
    assert "`zz_slow`" in md
    assert "md report (partial): " in out
    assert not [p for p in out_dir.iterdir() if p.name.startswith(".")]


def test_finished_run_is_not_marked_incomplete(repo, tmp_path, capsys):
    from investigator.cli import main

    assert main(["--repo", str(repo), "--baseline-commit", "base", "--output", str(tmp_path / "o"), "--quiet", "--format", "json", "--format", "md"]) == 0
    data = json.loads(next((tmp_path / "o").glob("investigation-*.json")).read_text())
    assert data["incomplete"] is None
    assert "INCOMPLETE" not in next((tmp_path / "o").glob("investigation-*.md")).read_text()


def test_interrupt_before_any_step_finished_writes_nothing(repo, tmp_path, capsys, monkeypatch):
    """KeyboardInterrupt while resolving: one line, exit 130, no empty report pretending to be one."""
    import investigator.workflow.graph as graph
    from investigator.cli import main

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(graph, "resolve_range", stopped)
    # the CLI's read-ahead (investigator/git/prefetch.py): the resolve step waits for it
    monkeypatch.setattr("investigator.git.prefetch.Prefetch.open_for", stopped)
    code = main(["--repo", str(repo), "--baseline-commit", "base", "--output", str(tmp_path / "o"), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 130 and out == ""
    assert err.strip().splitlines() == [err.strip()] and "interrupted by SIGINT" in err and "no report written" in err
    assert not (tmp_path / "o").exists()
