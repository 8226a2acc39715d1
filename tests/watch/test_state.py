"""The watch's state: `--state` as a path or URL (bad ones: one line), the schema made by the service's
Alembic migrations and equal to the models, rows round-tripped, one alert per (watch, key)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from investigator.git.errors import InputError
from investigator.service.db import Base
from investigator.watch.state import Alert, MetricPoint, Store, Tick, Watch, database_url

WATCH_TABLES = {"watches", "watch_points", "watch_alerts", "watch_ticks"}


def test_state_path_or_url(tmp_path: Path) -> None:
    assert database_url(str(tmp_path / "w.db")) == f"sqlite:///{tmp_path / 'w.db'}"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert database_url("postgresql+psycopg://u@h/db").startswith("postgresql")
    with pytest.raises(InputError, match="is a directory"):
        database_url(str(tmp_path))
    with pytest.raises(InputError, match="does not exist"):
        database_url(str(tmp_path / "missing" / "w.db"))
    with pytest.raises(InputError, match="unsupported database 'mysql'"):
        database_url("mysql://u@h/db")
    with pytest.raises(InputError, match="not a database URL"):
        database_url("::not a url://")


def test_migrations_make_exactly_the_models(db_url: str) -> None:
    store = Store(db_url)
    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [d for d in diffs if any(t in repr(d) for t in WATCH_TABLES)]
    assert ours == []
    store.close()


def test_rows_round_trip_and_one_alert_per_key(db_url: str) -> None:
    store = Store(db_url)
    w = store.save(Watch(name="r:main", repo="r", branch="main", baseline_policy="last_good", config_key="k"))
    assert store.watch("r:main").id == w.id and store.watch("other") is None  # type: ignore[union-attr]
    for seq, sha in enumerate(["a" * 40, "b" * 40]):
        store.save(MetricPoint(watch_id=w.id, seq=seq, sha=sha, subject="s", config_key="k", values=[1.0, 2.0], iqm=1.5))
    store.save(MetricPoint(watch_id=w.id, seq=2, sha="c" * 40, subject="s", config_key="other", values=[9.0], iqm=9.0))
    assert [p.sha[0] for p in store.points(w.id, "k")] == ["a", "b"] and store.next_seq(w.id) == 3
    alert = store.save(Alert(watch_id=w.id, key="b" * 40, kind="regression", severity="critical", reference_sha="a" * 40,
                             head_sha="b" * 40, culprit_subject="", summary="s", detail={"metric": {"head_iqm": 1.5}},
                             notifications=0))
    alert.status = "resolved"
    store.save(alert)
    assert store.alerts(w.id, "open") == [] and store.alert(w.id, "b" * 40).detail["metric"]["head_iqm"] == 1.5  # type: ignore[union-attr]
    with pytest.raises(IntegrityError):
        store.save(Alert(watch_id=w.id, key="b" * 40, kind="regression", severity="low", reference_sha="a" * 40,
                         head_sha="b" * 40, culprit_subject="", summary="", detail={}, notifications=0))
    store.save(Tick(watch_id=w.id, outcome="started", new_commits=0, notes=["n"]))
    assert [t.outcome for t in store.ticks(w.id)] == ["started"]
    store.close()
    again = Store(db_url)  # a second process opening the same state: the schema is already at head
    assert again.watch("r:main") is not None
    again.close()


def test_unreadable_state_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-db.db"
    bad.write_text("this is not sqlite" * 100)
    with pytest.raises(InputError, match="--state: cannot open"):
        Store(str(bad))
