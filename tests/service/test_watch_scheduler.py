"""The service's watch scheduler: a due watch runs once across two schedulers sharing one database
(SQLite, and PostgreSQL when INVESTIGATOR_TEST_POSTGRES is set),
an overdue watch runs once (not once per missed interval), a paused watch does not run, and a real
tick (`investigate watch --once` in a child process) records its outcome in the service's database."""

from __future__ import annotations

import sys
import threading
from datetime import timedelta
from pathlib import Path

from investigator.service.db import connect
from investigator.service.settings import ServiceSettings
from investigator.service.store import utcnow
from investigator.service.watches import WatchCreate, WatchScheduler, WatchStore, tick_command
from investigator.watch.state import Watch
from tests.support.gitrepo import commit_files, init_repo


def _setup(tmp_path: Path, interval_s: int = 60, url: str | None = None) -> tuple[ServiceSettings, WatchStore, int]:
    url = url or f"sqlite:///{tmp_path}/service.db"
    settings = ServiceSettings(db_url=url, data_dir=tmp_path / "data", allow_repos=[str(tmp_path)])
    store = WatchStore(connect(url))
    w = store.create(WatchCreate(repo=str(tmp_path / "repo"), branch="main", interval_s=interval_s), str(tmp_path / "repo"))
    assert w is not None
    return settings, store, w.id


def _counting(scheduler: WatchScheduler, marks: Path) -> None:
    """A fake tick: appends a line and takes a moment (so a second claimer would overlap)."""
    code = f"import time; open({str(marks)!r}, 'a').write('tick\\n'); time.sleep(0.5)"
    scheduler.command = lambda _w, _url, _out: [sys.executable, "-c", code]


def _set(store: WatchStore, wid: int, **values: object) -> None:
    with store._sessions.begin() as s:
        w = s.get(Watch, wid)
        assert w is not None
        for k, v in values.items():
            setattr(w, k, v)


def _runs(marks: Path) -> int:
    return len(marks.read_text().splitlines()) if marks.exists() else 0


def test_two_schedulers_on_one_database_run_a_due_watch_once(tmp_path, db_url):
    """SQLite (the conditional UPDATE decides) and PostgreSQL when configured (SKIP LOCKED first)."""
    settings, store, wid = _setup(tmp_path, url=db_url)
    marks = tmp_path / "marks"
    schedulers = [WatchScheduler(settings, WatchStore(connect(settings.db_url))) for _ in range(2)]
    for s in schedulers:
        _counting(s, marks)
    results: list[int] = []
    threads = [threading.Thread(target=lambda s=s: results.append(len(s.run_due()))) for s in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _runs(marks) == 1 and sorted(results) == [0, 1]
    w = store.get(wid)
    assert w is not None and w.lease_owner is None and w.next_run_at is not None
    assert timedelta(seconds=50) < w.next_run_at - utcnow() <= timedelta(seconds=60)


def test_overdue_watch_runs_once_and_a_paused_one_not_at_all(tmp_path):
    settings, store, wid = _setup(tmp_path, interval_s=60)
    _set(store, wid, next_run_at=utcnow() - timedelta(seconds=60 * 100))  # 100 intervals missed
    marks = tmp_path / "marks"
    scheduler = WatchScheduler(settings, store)
    _counting(scheduler, marks)
    assert [o.exit_code for o in scheduler.run_due()] == [0]
    assert scheduler.run_due() == [] and _runs(marks) == 1  # next run one interval from now

    _set(store, wid, next_run_at=utcnow() - timedelta(seconds=1))
    store.set_paused(wid, True)
    assert scheduler.run_due() == [] and _runs(marks) == 1
    store.set_paused(wid, False)
    assert len(scheduler.run_due()) == 1 and _runs(marks) == 2


def test_a_live_lease_is_respected_and_an_expired_one_reclaimed(tmp_path):
    _settings, store, wid = _setup(tmp_path)
    assert store.claim_due("a", lease_s=600) is not None
    assert store.claim_due("b", lease_s=600) is None  # held by a
    assert not store.release(wid, "b")
    _set(store, wid, lease_until=utcnow() - timedelta(seconds=1))  # a died mid-tick
    w = store.claim_due("b", lease_s=600)
    assert w is not None and w.lease_owner == "b"


def test_a_tick_that_overruns_is_killed(tmp_path):
    settings, store, wid = _setup(tmp_path)
    scheduler = WatchScheduler(settings, store, tick_timeout_s=0.5)
    scheduler.command = lambda _w, _url, _out: [sys.executable, "-c", "import time; time.sleep(30)"]
    assert [o.exit_code for o in scheduler.run_due()] == [None]
    w = store.get(wid)
    assert w is not None and w.lease_owner is None  # released: the next interval tries again


def test_tick_command_is_the_cli_watch_once(tmp_path):
    w = Watch(name="ppo:main", repo="/r/ppo", branch="main", options={
        "baseline": "v1", "probe_command": "train {seed} {logdir}; rm -rf /", "primary_metric": "ret",
        "seeds": 2, "notify_url": "http://h/x", "notify_format": "slack"})
    cmd = tick_command(w, "sqlite:///s.db", tmp_path)
    assert cmd[1:4] == ["-m", "investigator.cli", "watch"] and "--once" in cmd
    assert cmd[cmd.index("--probe-command") + 1] == "train {seed} {logdir}; rm -rf /"  # one argument, no shell
    assert cmd[cmd.index("--seeds") + 1] == "2" and cmd[cmd.index("--baseline") + 1] == "v1"
    assert cmd[cmd.index("--notify-format") + 1] == "slack"
    bare = tick_command(Watch(name="n", repo="/r", branch="b", options={}), "sqlite:///s.db", tmp_path)
    assert "--probe-command" not in bare and "--notify-url" not in bare and "--baseline" not in bare
    assert "--notify-format" not in bare


def test_a_real_tick_records_its_outcome(tmp_path):
    repo = tmp_path / "repo"
    init_repo(repo)
    commit_files(repo, {"train.py": "lr = 3e-4\n"}, "first")
    settings, store, wid = _setup(tmp_path)
    assert [o.exit_code for o in WatchScheduler(settings, store).run_due()] == [0]
    ticks = store.history(wid)["ticks"]
    assert len(ticks) == 1 and ticks[0]["outcome"] == "started", ticks
    w = store.get(wid)
    assert w is not None and w.last_seen_sha is not None
