"""`investigate watch --once` as cron runs it, on a generated repository whose branch receives new
commits between ticks (the stdlib fake training script with seed noise, `tests/support/bisect_repo.py`),
with the webhook captured by a local server: a noise-only stretch raises nothing, a planted regression
at commit k is alerted once with k as the culprit and a report in --output, a tick without new commits
says nothing, and the fix raises the resolved message. Plus bad input: one line, exit 2."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path

import pytest

from investigator.cli import main
from investigator.interrupt import signals_interrupt
from investigator.watch.notify import SIGNATURE_HEADER, verify
from tests.support.bisect_repo import COMMAND, linear_range, params
from tests.support.gitrepo import commit_files
from tests.support.webhook import webhook_server

NOISE = 3.0
SECRET = "webhook-secret-for-tests"


def _commits(repo: Path, levels: list[tuple[str, float]], salt: int) -> list[str]:
    return [commit_files(repo, {"params.json": params(salt + i, level, NOISE)}, subject)
            for i, (subject, level) in enumerate(levels)]


def _watch(repo: Path, tmp: Path, url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["watch", "--repo", str(repo), "--branch", "main", "--state", str(tmp / "state.db"),
                 "--probe-command", COMMAND, "--primary-metric", "charts/episodic_return", "--seeds", "3",
                 "--device", "cpu", "--probe-cache", str(tmp / "cache"), "--notify-url", url,
                 "--notify-secret-env", "WATCH_TEST_SECRET", "--output", str(tmp / "out"), "--once", *extra])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_watch_ticks_noise_regression_silence_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCH_TEST_SECRET", SECRET)
    repo = linear_range(tmp_path / "repo", 2, culprit=None, noise=NOISE).repo
    with webhook_server() as hook:
        code, text = _watch(repo, tmp_path, hook.url, capsys)
        assert code == 0 and "started" in text and hook.requests == []

        _commits(repo, [(f"noise commit {i}", 1.0) for i in range(3)], salt=100)
        code, text = _watch(repo, tmp_path, hook.url, capsys)
        assert code == 0 and "no_regression" in text and hook.requests == []  # noise only: nothing
        assert "md investigation report: " in text  # the static investigation runs every tick with new commits

        shas = _commits(repo, [("refactor logging", 1.0), ("tidy", 1.0), ("lower the reward scale", 0.7),
                               ("docs", 0.7)], salt=200)
        culprit = shas[2]
        code, text = _watch(repo, tmp_path, hook.url, capsys)
        assert code == 1, text
        assert len(hook.requests) == 1
        req = hook.requests[0]
        assert verify(req.body, SECRET, req.headers[SIGNATURE_HEADER])
        doc = req.json()
        assert doc["event"] == "opened" and doc["culprit"]["sha"] == culprit and doc["kind"] == "regression"
        assert doc["culprit"]["subject"] == "lower the reward scale" and doc["severity"] == "critical"
        assert any("level" in f["title"] and f["introduced_by"] == culprit[:7] for f in doc["findings"])
        report = Path(doc["report"])
        assert report.parent == tmp_path / "out" and report.is_file()
        md = report.read_text()
        assert f"`{culprit[:7]}` **first bad**" in md and "## Static investigation" in md
        assert json.loads(report.with_suffix(".json").read_text())["alert"]["culprit"] == culprit

        code, text = _watch(repo, tmp_path, hook.url, capsys)  # no new commits: nothing alerted
        assert code == 0 and "no_new_commits" in text and len(hook.requests) == 1

        _commits(repo, [("restore the reward scale", 1.0)], salt=300)
        code, text = _watch(repo, tmp_path, hook.url, capsys)
        assert code == 0 and "resolved" in text and len(hook.requests) == 2
        resolved = hook.requests[1].json()
        assert resolved["event"] == "resolved" and resolved["alert_id"] == doc["alert_id"]
        assert verify(hook.requests[1].body, SECRET, hook.requests[1].headers[SIGNATURE_HEADER])


@pytest.mark.parametrize(("extra", "message"), [
    (["--branch", "nope"], "no branch 'nope'"),
    (["--baseline", "v9-missing"], "baseline"),
    (["--notify-url", "ftp://x"], "--notify-url"),
    (["--notify-secret-env", "WATCH_TEST_UNSET_VARIABLE"], "WATCH_TEST_UNSET_VARIABLE is not set"),
    (["--probe-command", "python train.py"], "{logdir}"),
    (["--state", "/nonexistent-dir/x.db"], "does not exist"),
])
def test_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str],
                                      message: str) -> None:
    repo = linear_range(tmp_path / "repo", 1, culprit=None).repo
    argv = ["watch", "--repo", str(repo), "--branch", "main", "--state", str(tmp_path / "s.db"), "--once",
            "--output", str(tmp_path / "out"), "--probe-command", COMMAND]
    code = main([*argv, *extra])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


class _Ticks:
    def __init__(self) -> None:
        self.n = 0

    def tick(self) -> int:
        self.n += 1
        return 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_loop_stops_cleanly_on_a_signal_between_ticks(signum: int, capsys: pytest.CaptureFixture[str]) -> None:
    from investigator.watch.command import _loop

    ticks = _Ticks()
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signum))
    timer.start()
    with signals_interrupt():
        code = _loop(ticks, interval=0.2)  # type: ignore[arg-type]
    timer.join()
    assert code == 0 and ticks.n >= 2
    assert f"stopped by {signal.Signals(signum).name} after {ticks.n} tick(s)" in capsys.readouterr().err


class _Flaky(_Ticks):
    def tick(self) -> int:
        self.n += 1
        if self.n == 1:
            raise RuntimeError("git fetch hiccup")
        return 0


def test_loop_survives_a_failing_tick(capsys: pytest.CaptureFixture[str]) -> None:
    from investigator.watch.command import _loop

    ticks = _Flaky()
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    with signals_interrupt():
        code = _loop(ticks, interval=0.1)  # type: ignore[arg-type]
    timer.join()
    err = capsys.readouterr().err
    assert code == 0 and ticks.n >= 2 and "internal error in tick 1: RuntimeError: git fetch hiccup" in err
