"""Cron schedules of service watches: the next run across DST transitions (cronsim, as Debian's cron),
bad expressions and timezones refused with a 422 naming the field, interval or cron and not both,
PATCH changing the schedule, a cron watch missed for many cron times running once, and revision 0004
upgrading and downgrading on SQLite and PostgreSQL."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect

from investigator.service.db import connect, make_engine, upgrade
from investigator.service.schedule import check_cron, check_timezone, next_cron, next_run
from investigator.service.settings import ServiceSettings
from investigator.service.store import utcnow
from investigator.service.watches import WatchCreate, WatchPatch, WatchScheduler, WatchStore
from investigator.watch.state import Watch
from tests.service.apihelpers import Service, service

# --------------------------------------------------------------------------- the next run


def test_next_cron_across_the_spring_forward_gap() -> None:
    # Europe/Berlin, 29 March 2026: 02:00 CET -> 03:00 CEST; 02:30 does not exist that day
    assert next_cron("30 2 * * *", "Europe/Berlin", datetime(2026, 3, 28, 12)) == datetime(2026, 3, 29, 1, 0)  # 03:00 CEST
    assert next_cron("30 2 * * *", "Europe/Berlin", datetime(2026, 3, 29, 2)) == datetime(2026, 3, 30, 0, 30)  # 02:30 CEST
    assert next_cron("30 2 * * *", "Europe/Berlin", datetime(2026, 3, 27, 12)) == datetime(2026, 3, 28, 1, 30)  # 02:30 CET


def test_next_cron_across_the_fall_back_overlap_runs_once() -> None:
    # Europe/Berlin, 25 October 2026: 03:00 CEST -> 02:00 CET; 02:30 happens twice, the job runs at the first
    first = next_cron("30 2 * * *", "Europe/Berlin", datetime(2026, 10, 24, 12))
    assert first == datetime(2026, 10, 25, 0, 30)  # 02:30 CEST
    assert next_cron("30 2 * * *", "Europe/Berlin", first) == datetime(2026, 10, 26, 1, 30)  # not 01:30 UTC (02:30 CET)


def test_local_time_keeps_its_hour_when_utc_offset_changes() -> None:
    # 09:00 in New York is 14:00 UTC in winter and 13:00 UTC after 8 March 2026; in UTC it stays put
    assert next_cron("0 9 * * 1-5", "America/New_York", datetime(2026, 3, 6, 15)) == datetime(2026, 3, 9, 13)
    assert next_cron("0 9 * * 1-5", "America/New_York", datetime(2026, 3, 5, 15)) == datetime(2026, 3, 6, 14)
    assert next_cron("0 9 * * 1-5", None, datetime(2026, 3, 6, 15)) == datetime(2026, 3, 9, 9)


def test_next_run_is_from_now_for_an_interval_and_strictly_after_now_for_a_cron() -> None:
    now = datetime(2026, 12, 5, 10, 0, 0)
    assert next_run(now, 600, None, None) == now + timedelta(seconds=600)
    assert next_run(now, None, "0 * * * *", None) == datetime(2026, 12, 5, 11, 0)  # 10:00 itself is not "next"
    assert next_run(now, None, None, None) == now + timedelta(hours=1)  # neither: the default interval


@pytest.mark.parametrize(("expr", "message"), [
    ("61 * * * *", "Bad minute"), ("* * * *", "expected 5 fields"), ("0 0 * * * *", "expected 5 fields"),
    ("@daily", "expected 5 fields"), ("0 0 30 2 *", "day-of-month"), ("0 25 * * *", "Bad hour"),
])
def test_bad_cron_expressions(expr: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_cron(expr)


def test_good_cron_and_timezones() -> None:
    assert check_cron(" */15  9-17 * * MON-FRI ") == "*/15 9-17 * * MON-FRI"
    assert check_cron("0 3 L * *") == "0 3 L * *"  # cronsim's last day of the month
    for tz in ("UTC", "Europe/Berlin", "America/New_York", "Etc/GMT+5"):
        assert check_timezone(tz) == tz
    for bad in ("utc", "Mars/Olympus", "America", "../etc/passwd", "/etc/localtime"):
        with pytest.raises(ValueError, match="unknown IANA timezone"):
            check_timezone(bad)


# --------------------------------------------------------------------------- the API


@pytest.fixture
def svc(db_url: str, tmp_path: Path):
    with service(db_url, tmp_path) as s:
        yield s


def _create(svc: Service, **fields: object):
    return svc.client.post("/v1/watches", json={"repo": str(svc.repo), "branch": "main", **fields},
                           headers=svc.key("admin"))


def _loc(response) -> list[str]:
    return [".".join(map(str, e["loc"])) + ": " + e["msg"] for e in response.json()["detail"]]


def test_create_a_cron_watch_due_at_its_first_cron_time(svc: Service) -> None:
    before = utcnow()
    r = _create(svc, cron="0 3 * * *", timezone="Europe/Berlin")
    assert r.status_code == 201, r.text
    w = r.json()
    assert w["cron"] == "0 3 * * *" and w["timezone"] == "Europe/Berlin" and w["interval_s"] is None
    due = datetime.fromisoformat(w["next_run_at"])
    assert due == next_cron("0 3 * * *", "Europe/Berlin", before) and due > utcnow()
    assert due.hour in (1, 2) and due.minute == 0  # 03:00 in Berlin is 01:00 or 02:00 UTC
    plain = _create(svc, name="plain").json()  # neither given: the default interval, due now
    assert plain["interval_s"] == 3600 and plain["cron"] is None
    assert datetime.fromisoformat(plain["next_run_at"]) <= utcnow()


def test_create_refusals_name_the_field(svc: Service) -> None:
    r = _create(svc, cron="61 * * * *")
    assert r.status_code == 422 and any(e.startswith("body.cron: ") and "Bad minute" in e for e in _loc(r)), r.text
    r = _create(svc, cron="0 3 * * *", timezone="Mars/Olympus")
    assert r.status_code == 422 and any(e.startswith("body.timezone: ") for e in _loc(r)), r.text
    r = _create(svc, cron="0 3 * * *", interval_s=600)
    assert r.status_code == 422 and "give interval_s or cron, not both" in r.text
    r = _create(svc, timezone="Europe/Berlin")
    assert r.status_code == 422 and "timezone: applies to a cron schedule" in r.text
    assert svc.client.get("/v1/watches", headers=svc.key("read")).json() == []


def test_patch_changes_the_schedule(svc: Service) -> None:
    admin = svc.key("admin")
    wid = _create(svc, interval_s=600).json()["id"]
    before = utcnow()
    r = svc.client.patch(f"/v1/watches/{wid}", json={"cron": "15 4 * * 1", "timezone": "America/New_York"}, headers=admin)
    assert r.status_code == 200, r.text
    w = r.json()
    assert (w["cron"], w["timezone"], w["interval_s"]) == ("15 4 * * 1", "America/New_York", None)
    due = datetime.fromisoformat(w["next_run_at"])
    assert due > utcnow() and due == next_cron("15 4 * * 1", "America/New_York", before)

    w = svc.client.patch(f"/v1/watches/{wid}", json={"timezone": "Asia/Tokyo"}, headers=admin).json()
    assert (w["cron"], w["timezone"]) == ("15 4 * * 1", "Asia/Tokyo")  # the expression kept
    w = svc.client.patch(f"/v1/watches/{wid}", json={"cron": "0 * * * *"}, headers=admin).json()
    assert (w["cron"], w["timezone"]) == ("0 * * * *", "Asia/Tokyo")  # the timezone kept

    before = utcnow()
    w = svc.client.patch(f"/v1/watches/{wid}", json={"interval_s": 900}, headers=admin).json()
    assert (w["cron"], w["timezone"], w["interval_s"]) == (None, None, 900)
    assert timedelta(seconds=890) < datetime.fromisoformat(w["next_run_at"]) - before <= timedelta(seconds=905)

    r = svc.client.patch(f"/v1/watches/{wid}", json={"timezone": "Europe/Berlin"}, headers=admin)
    assert r.status_code == 422 and "runs every interval_s" in r.text
    r = svc.client.patch(f"/v1/watches/{wid}", json={"cron": "0 0 31 2 *"}, headers=admin)
    assert r.status_code == 422 and any(e.startswith("body.cron: ") for e in _loc(r))
    r = svc.client.patch(f"/v1/watches/{wid}", json={"interval_s": 60, "cron": "* * * * *"}, headers=admin)
    assert r.status_code == 422 and "not both" in r.text
    assert svc.client.patch(f"/v1/watches/{wid}", json={"paused": True}, headers=admin).status_code == 422
    assert svc.client.patch(f"/v1/watches/{wid}", json={"interval_s": 900}, headers=svc.key("submit")).status_code == 403
    assert svc.client.patch("/v1/watches/999", json={"interval_s": 900}, headers=admin).status_code == 404
    assert svc.client.get(f"/v1/watches/{wid}", headers=admin).json()["interval_s"] == 900


# --------------------------------------------------------------------------- the scheduler


def test_a_cron_watch_missed_for_days_runs_once_then_waits_for_its_next_time(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/service.db"
    settings = ServiceSettings(db_url=url, data_dir=tmp_path / "data", allow_repos=[str(tmp_path)])
    store = WatchStore(connect(url))
    w = store.create(WatchCreate(repo=str(tmp_path / "r"), branch="main", cron="*/10 * * * *"), str(tmp_path / "r"))
    assert w is not None
    with store._sessions.begin() as s:  # the service was down for three days: 432 cron times missed
        row = s.get(Watch, w.id)
        assert row is not None
        row.next_run_at = utcnow() - timedelta(days=3)
    marks = tmp_path / "marks"
    scheduler = WatchScheduler(settings, store)
    scheduler.command = lambda _w, _u, _o: [sys.executable, "-c", f"open({str(marks)!r}, 'a').write('t\\n')"]
    assert len(scheduler.run_due()) == 1 and scheduler.run_due() == []
    assert marks.read_text() == "t\n"
    after = store.get(w.id)
    assert after is not None and after.next_run_at is not None
    assert after.next_run_at > utcnow() and after.next_run_at.minute % 10 == 0 and after.next_run_at.second == 0
    assert after.next_run_at - utcnow() <= timedelta(minutes=10)


def test_patch_model_alone() -> None:
    assert WatchPatch(cron="0 3 * * *").model_fields_set == {"cron"}
    with pytest.raises(ValueError, match="not both"):
        WatchPatch(cron="0 3 * * *", interval_s=600)


# --------------------------------------------------------------------------- revision 0004


def test_revision_0004_upgrades_and_downgrades(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from investigator.service.db import MIGRATIONS, database_url

    def columns() -> set[str]:
        engine = make_engine(db_url)
        try:
            return {c["name"] for c in inspect(engine).get_columns("watches")}
        finally:
            engine.dispose()

    upgrade(db_url)
    assert {"cron", "timezone", "notify_secret", "interval_s"} <= columns()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = database_url(db_url)
    command.downgrade(config, "0003")
    cols = columns()
    assert "interval_s" in cols and not {"cron", "timezone", "notify_secret"} & cols
    upgrade(db_url)
    assert {"cron", "timezone", "notify_secret"} <= columns()
