"""When a service watch runs next: every `interval_s` seconds, or at the times of a 5-field cron
expression read in an IANA timezone (default UTC).

Why cronsim (healthchecks.io's parser, which it runs for every cron check it monitors) and not a
parser of our own: cron's corner cases (day-of-month OR day-of-week, `L`, `#`, and above all the
DST transitions) are where home-made schedulers go wrong. cronsim follows Debian's cron, DST
included: a time that does not exist on the day clocks go forward (02:30 in Europe/Berlin on the last
Sunday of March) runs at the first minute that does (03:00), and a time that happens twice when they
go back runs once (the first). It is one pure-Python module with no dependency, typed, and works
with `zoneinfo`. (croniter, the other common choice, was declared unmaintained by its author at the
end of 2024 before others took it over; cronsim has had one maintainer and a steady release history.)

All datetimes given to and returned by this module are naive UTC, like the `watches` columns.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

from cronsim import CronSim, CronSimError

DEFAULT_INTERVAL_S = 3600
MIN_INTERVAL_S = 60
CRON_FIELDS = 5


@functools.lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_timezone(name: str) -> str:
    """`name` when it is an IANA timezone (`Europe/Berlin`, `UTC`), else ValueError."""
    if name not in _zones():
        raise ValueError(f"unknown IANA timezone {name!r} (for example UTC, Europe/Berlin, America/New_York)")
    return name


def check_cron(expr: str) -> str:
    """`expr` normalised to single spaces when it is a 5-field cron expression that fires, else ValueError."""
    fields = expr.split()
    if len(fields) != CRON_FIELDS:
        raise ValueError(f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(fields)}: {expr!r}")
    text = " ".join(fields)
    try:
        it = CronSim(text, datetime(2000, 1, 1, tzinfo=UTC))
        next(it)
    except CronSimError as exc:
        raise ValueError(f"{exc}: {expr!r}") from None
    except StopIteration:
        raise ValueError(f"{expr!r} never fires") from None
    return text


def next_cron(expr: str, timezone: str | None, after: datetime) -> datetime:
    """The first time strictly after `after` (naive UTC) that `expr` fires in `timezone`, as naive UTC."""
    local = after.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone or "UTC"))
    fires = next(CronSim(expr, local))
    return fires.astimezone(UTC).replace(tzinfo=None)


def next_run(after: datetime, interval_s: int | None, cron: str | None, timezone: str | None) -> datetime:
    """The next run after `after` (the end of a tick, a change of schedule): from now, never from a
    missed due time, so a watch missed during downtime runs once and not once per missed time."""
    if cron:
        return next_cron(cron, timezone, after)
    return after + timedelta(seconds=interval_s or DEFAULT_INTERVAL_S)
