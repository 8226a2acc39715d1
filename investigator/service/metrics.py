"""`GET /metrics`: Prometheus text exposition (format 0.0.4), written by hand.

Job figures (queue length, jobs by state, durations of finished jobs) come from the database, so every
service process sharing it reports the same values; HTTP request counts are this process's own. The
route label is the route's template (`/v1/investigations/{job_id}`), never the raw path, so the
number of series stays bounded whatever clients request.
"""

from __future__ import annotations

import threading
from collections import Counter

from investigator.service.limits import ASGIApp, Message, Receive, Scope, Send
from investigator.service.store import FINISHED, Stats

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
STATES = ("queued", "running", *FINISHED)


class HttpCounter:
    """Requests by (method, route template, status)."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[str, str, int]] = Counter()
        self._lock = threading.Lock()

    def add(self, method: str, route: str, status: int) -> None:
        with self._lock:
            self._counts[(method, route, status)] += 1

    def snapshot(self) -> dict[tuple[str, str, int], int]:
        with self._lock:
            return dict(self._counts)


class CountRequests:
    """ASGI middleware feeding `HttpCounter` (outermost, so 413s and 401s are counted too)."""

    def __init__(self, app: ASGIApp, counter: HttpCounter) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.counter.add(str(scope["method"]), str(route), status)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(stats: Stats, http: dict[tuple[str, str, int], int]) -> str:
    """The exposition text: HELP and TYPE lines, then samples; ends with a newline."""
    lines = [
        "# HELP investigator_queue_length Jobs queued and waiting for a worker.",
        "# TYPE investigator_queue_length gauge",
        f"investigator_queue_length {stats.queue_length}",
        "# HELP investigator_jobs Jobs in the database by state.",
        "# TYPE investigator_jobs gauge",
    ]
    states = list(STATES) + sorted(set(stats.by_status) - set(STATES))
    lines += [f'investigator_jobs{{state="{_label(s)}"}} {stats.by_status.get(s, 0)}' for s in states]
    lines += [
        "# HELP investigator_job_duration_seconds Wall time of finished jobs, from first start to finish.",
        "# TYPE investigator_job_duration_seconds summary",
        f"investigator_job_duration_seconds_count {stats.finished_count}",
        f"investigator_job_duration_seconds_sum {stats.finished_seconds_sum:.6f}",
        "# HELP investigator_http_requests_total HTTP requests answered by this process.",
        "# TYPE investigator_http_requests_total counter",
    ]
    for (method, route, status), count in sorted(http.items()):
        lines.append(f'investigator_http_requests_total{{method="{_label(method)}",route="{_label(route)}",'
                     f'status="{status}"}} {count}')
    return "\n".join(lines) + "\n"
