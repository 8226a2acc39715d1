"""Notifications of a watch: a generic JSON webhook (HMAC-SHA256 signed) or a Slack-compatible message.

Why these two: a generic webhook lets any receiver (a CI job, a chat bridge, a pager) verify that the
message came from this watch (`X-Investigator-Signature: sha256=<hex HMAC of the raw body>`, GitHub's
convention); Slack incoming webhooks take `text` + `blocks` and nothing else.

De-duplication is the state's (one alert row per regression, key = watch + first bad commit): this
module only builds and delivers one message. Every message of one regression carries the same
`alert_id`, so a receiver can update what it showed instead of adding a line (`event`: `opened`,
`updated`, `resolved`).

Network: only the URL the user gave (http or https; redirects are not followed, proxies from the
environment are not used), a timeout per attempt, a few attempts on connection errors and 5xx; a
failure is returned (and recorded by the tick), never raised.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from investigator.git.errors import InputError

Event = Literal["opened", "updated", "resolved"]
NotifyFormat = Literal["json", "slack"]
SIGNATURE_HEADER = "X-Investigator-Signature"
USER_AGENT = "investigator-watch"


class FindingLine(BaseModel):
    title: str
    severity: str
    source: str
    location: str = ""
    introduced_by: str | None = None  # short sha


class AlertMessage(BaseModel):
    """The JSON a generic webhook receives (documented in docs/watch.md)."""

    event: Event
    alert_id: str  # "<watch>:<key>": the same for every message of one regression
    watch: str
    repo: str
    branch: str
    kind: str  # regression | drift | static
    severity: str
    status: str  # open | resolved
    summary: str
    culprit: dict[str, Any] | None = None  # sha, short, subject, author, date
    reference: str  # the good commit it is measured against
    head: str
    metric: dict[str, Any] | None = None  # name, reference_iqm, head_iqm, relative_change, higher_is_better
    findings: list[FindingLine] = Field(default_factory=list)
    report: str | None = None  # path of the report written by the tick
    report_url: str | None = None  # --report-url-prefix + the report's name
    sent_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


class Delivery(BaseModel):
    ok: bool
    status: int | None = None  # HTTP status of the last attempt
    attempts: int = 0
    error: str = ""


def check_url(url: str) -> str:
    """InputError (one line) unless an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"--notify-url: expected an http:// or https:// URL, got {url!r}")
    return url


def default_format(url: str) -> NotifyFormat:
    """Slack's incoming webhooks take only their own shape."""
    return "slack" if (urlsplit(url).hostname or "").endswith("hooks.slack.com") else "json"


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, header: str) -> bool:
    """What a receiver does: recompute the HMAC and compare in constant time."""
    return hmac.compare_digest(sign(body, secret), header)


_ICON = {"opened": ":rotating_light:", "updated": ":warning:", "resolved": ":white_check_mark:"}


def slack_payload(msg: AlertMessage) -> dict[str, Any]:
    """`text` (the notification line) and `blocks` (header, summary, culprit, findings, report)."""
    culprit = msg.culprit or {}
    verb = {"opened": "Regression", "updated": "Still regressed", "resolved": "Resolved"}[msg.event]
    title = f"{verb} on {msg.branch} ({msg.watch}): {msg.severity}"
    if culprit:
        title += f", first bad commit {culprit.get('short', '')}"
    text = f"{_ICON[msg.event]} {title}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": msg.summary[:2900] or title}},
    ]
    fields = [f"*Severity*\n{msg.severity}", f"*Head*\n`{msg.head[:7]}`", f"*Reference*\n`{msg.reference[:7]}`"]
    if culprit:
        fields.insert(1, f"*Culprit*\n`{culprit.get('short', '')}` {str(culprit.get('subject', ''))[:80]}")
    blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]})
    if msg.findings:
        lines = "\n".join(f"• *{f.severity}* {f.title[:120]}" + (f" (`{f.location}`)" if f.location else "")
                          for f in msg.findings[:5])
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*Top findings*\n{lines}"[:2900]}})
    where = msg.report_url or msg.report
    if where:
        link = f"<{msg.report_url}|report>" if msg.report_url else f"report: `{msg.report}`"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"{link} · alert `{msg.alert_id}`"}]})
    return {"text": text, "blocks": blocks}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx is an answer, not an invitation to send the payload elsewhere


class Notifier:
    """Delivers messages to one URL."""

    def __init__(self, url: str, secret: str | None = None, fmt: NotifyFormat | None = None, timeout_s: float = 10.0,
                 attempts: int = 3, backoff_s: float = 0.5) -> None:
        self.url, self.secret = check_url(url), secret
        self.fmt: NotifyFormat = fmt or default_format(url)
        self.timeout_s, self.attempts, self.backoff_s = timeout_s, attempts, backoff_s
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())

    def body(self, msg: AlertMessage) -> bytes:
        doc = slack_payload(msg) if self.fmt == "slack" else msg.model_dump(mode="json")
        return json.dumps(doc, sort_keys=True).encode()

    def send(self, msg: AlertMessage) -> Delivery:
        body = self.body(msg)
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   "X-Investigator-Event": msg.event, "X-Investigator-Delivery": str(uuid.uuid4())}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(body, self.secret)
        last = Delivery(ok=False)
        for attempt in range(1, self.attempts + 1):
            last = self._post(body, headers, attempt)
            if last.ok or (last.status is not None and last.status < 500):  # a 4xx will not change by retrying
                return last
            if attempt < self.attempts:
                time.sleep(self.backoff_s * attempt)
        return last

    def _post(self, body: bytes, headers: dict[str, str], attempt: int) -> Delivery:
        req = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(req, timeout=self.timeout_s) as resp:
                status = int(resp.status)
        except urllib.error.HTTPError as exc:
            return Delivery(ok=False, status=exc.code, attempts=attempt, error=f"HTTP {exc.code} {exc.reason}")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            return Delivery(ok=False, attempts=attempt, error=f"{exc.__class__.__name__}: {reason}")
        ok = 200 <= status < 300
        return Delivery(ok=ok, status=status, attempts=attempt, error="" if ok else f"HTTP {status}")
