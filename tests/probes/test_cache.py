"""The result cache: reuse only what would run the same; a broken store never breaks an investigation."""

from __future__ import annotations

import logging
import sqlite3
import sys
import threading
from pathlib import Path

import pytest

from investigator.probes import cache
from investigator.probes.cache import ResultCache, default_cache_dir, scope
from investigator.probes.model import ProbeJob, ProbeRun, ProbeStatus

JOB = ProbeJob(probe="lr_trajectory", side="baseline", script="lr_trajectory", params={"steps": 100}, seed=1)


def _run(status: ProbeStatus = ProbeStatus.ok, **kwargs: object) -> ProbeRun:
    return ProbeRun(probe=JOB.probe, side="baseline", commit="a" * 40, status=status, result={"lr": [1.0]}, **kwargs)  # type: ignore[arg-type]


def test_round_trip_and_every_key_part_matters(tmp_path: Path) -> None:
    store = ResultCache(tmp_path / "c.sqlite")
    store.put(JOB, "a" * 40, _run(), "s1")
    got = store.get(JOB, "a" * 40, "s1")
    assert got is not None and got.result == {"lr": [1.0]}
    misses = [
        store.get(JOB, "b" * 40, "s1"),
        store.get(JOB, "a" * 40, "s2"),
        store.get(JOB.model_copy(update={"params": {"steps": 101}}), "a" * 40, "s1"),
        store.get(JOB.model_copy(update={"seed": 2}), "a" * 40, "s1"),
        store.get(JOB.model_copy(update={"probe": "other"}), "a" * 40, "s1"),
        store.get(JOB.model_copy(update={"script": "other"}), "a" * 40, "s1"),
        store.get(JOB.model_copy(update={"script": None, "command": "python train.py"}), "a" * 40, "s1"),
    ]
    assert misses == [None] * len(misses)
    assert store.get(JOB.model_copy(update={"timeout_s": 5.0, "side": "candidate"}), "a" * 40, "s1") is not None  # limits, side: not inputs


def test_only_ok_runs_are_stored_and_vanished_logs_miss(tmp_path: Path) -> None:
    store = ResultCache(tmp_path / "c.sqlite")
    for status in (ProbeStatus.failed, ProbeStatus.timeout, ProbeStatus.skipped):
        store.put(JOB, "a" * 40, _run(status))
        assert store.get(JOB, "a" * 40) is None
    logs = tmp_path / "logs"
    logs.mkdir()
    store.put(JOB, "a" * 40, _run(logdir=str(logs)))
    assert store.get(JOB, "a" * 40) is not None
    logs.rmdir()
    assert store.get(JOB, "a" * 40) is None  # a training run whose logs are gone is run again


def test_persists_across_instances_and_threads(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "c.sqlite"
    store = ResultCache(path)
    jobs = [JOB.model_copy(update={"seed": i}) for i in range(40)]
    threads = [threading.Thread(target=store.put, args=(j, "a" * 40, _run())) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    again = ResultCache(path)
    assert all(again.get(j, "a" * 40) is not None for j in jobs)


def test_corrupted_store_is_recreated_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING):
        store = ResultCache(path)
    assert "unreadable" in caplog.text and (tmp_path / "c.sqlite.corrupt").is_file()
    store.put(JOB, "a" * 40, _run())
    assert store.get(JOB, "a" * 40) is not None


def test_corruption_found_later_is_a_miss_not_a_crash(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = ResultCache(tmp_path / "c.sqlite")
    store.put(JOB, "a" * 40, _run())
    db = sqlite3.connect(tmp_path / "c.sqlite")
    db.execute("UPDATE runs SET run = 'not json'")
    db.commit()
    db.close()
    assert store.get(JOB, "a" * 40) is None  # an unreadable row
    assert store._db is not None
    store._db.close()
    store._db = sqlite3.connect(":memory:", check_same_thread=False)  # a store that lost its table
    with caplog.at_level(logging.WARNING):
        assert store.get(JOB, "a" * 40) is None
    assert "recreating" in caplog.text
    store.put(JOB, "a" * 40, _run())
    assert store.get(JOB, "a" * 40) is not None  # reopened on the file


def test_unusable_location_turns_the_cache_off(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with caplog.at_level(logging.WARNING):
        store = ResultCache(blocker / "c.sqlite")  # its folder cannot be made
    assert "run without it" in caplog.text
    store.put(JOB, "a" * 40, _run())
    assert store.get(JOB, "a" * 40) is None


def test_a_folder_holds_the_store_and_a_folder_in_the_way_is_left_alone(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = ResultCache(tmp_path / "cachedir")  # the cache folder (made), as --probe-cache DIR gives it
    store.put(JOB, "a" * 40, _run())
    assert (tmp_path / "cachedir" / cache.STORE_NAME).is_file() and store.get(JOB, "a" * 40) is not None
    blocked = tmp_path / "blocked"
    (blocked / cache.STORE_NAME / "user-file").parent.mkdir(parents=True)
    (blocked / cache.STORE_NAME / "user-file").write_text("mine")
    with caplog.at_level(logging.WARNING):
        off = ResultCache(blocked)
    assert "run without it" in caplog.text and (blocked / cache.STORE_NAME / "user-file").read_text() == "mine"
    off.put(JOB, "a" * 40, _run())
    assert off.get(JOB, "a" * 40) is None


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "investigator"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "investigator"


def test_scope_changes_with_what_changes_a_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = tmp_path / "adapter.py"
    adapter.write_text("def lr_at(step): return 1.0\n")
    child = tmp_path / "child"
    child.mkdir()
    (child / "m.py").write_text("A = 1\n")
    monkeypatch.setattr(cache, "CHILD_DIR", child)
    base = {"repo": "r", "adapter": str(adapter), "setup_command": "make", "device_kind": "cpu"}
    first = scope(**base)  # type: ignore[arg-type]
    assert scope(**base) == first  # type: ignore[arg-type]
    changed = [scope(**{**base, "repo": "r2"}), scope(**{**base, "setup_command": "make all"}),  # type: ignore[arg-type]
               scope(**{**base, "device_kind": "cuda"}), scope(**base, auto={"make_agent": "train.py:make_agent"})]  # type: ignore[arg-type]
    adapter.write_text("def lr_at(step): return 2.0\n")
    changed.append(scope(**base))  # type: ignore[arg-type]
    adapter.write_text("def lr_at(step): return 1.0\n")
    (child / "m.py").write_text("A = 2\n")
    changed.append(scope(**base))  # type: ignore[arg-type]
    assert len({first, *changed}) == len(changed) + 1


def test_interpreter_fingerprint_reads_versions_in_a_subprocess(tmp_path: Path) -> None:
    cache.interpreter_fingerprint.cache_clear()
    text = cache.interpreter_fingerprint(sys.executable)
    assert f'"python": "{sys.version_info[0]}.{sys.version_info[1]}' in text and '"torch"' in text
    broken = cache.interpreter_fingerprint(str(tmp_path / "no-python"))
    assert "unreadable" in broken and broken != text
