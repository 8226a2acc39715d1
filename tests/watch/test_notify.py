"""Notifications against a local HTTP server: the signed JSON body, the Slack shape, retries on 5xx
only, a redirect not followed, an unreachable URL reported (never raised), bad URLs refused."""

from __future__ import annotations

import json

import pytest

from investigator.git.errors import InputError
from investigator.watch.notify import (
    SIGNATURE_HEADER,
    AlertMessage,
    FindingLine,
    Notifier,
    check_url,
    default_format,
    sign,
    slack_payload,
    verify,
)
from tests.support.webhook import webhook_server


def _msg(event: str = "opened") -> AlertMessage:
    return AlertMessage(event=event, alert_id="repo:main:" + "c" * 40, watch="repo:main", repo="/r", branch="main",  # type: ignore[arg-type]
                        kind="regression", severity="critical", status="open", summary="return regressed -24%",
                        culprit={"sha": "c" * 40, "short": "ccccccc", "subject": "lower the reward scale",
                                 "author": "t", "date": "2026-01-01"}, reference="a" * 40, head="b" * 40,
                        metric={"name": "charts/episodic_return", "relative_change": -0.24},
                        findings=[FindingLine(title="Config `level` changed", severity="significant", source="config",
                                              location="params.json:1", introduced_by="ccccccc")],
                        report="/out/watch.md", report_url="https://reports.example/watch.md")


def test_json_webhook_is_signed_with_the_secret() -> None:
    with webhook_server() as hook:
        delivery = Notifier(hook.url, secret="s3cret", fmt="json").send(_msg())
    assert delivery.ok and delivery.status == 200 and delivery.attempts == 1
    (req,) = hook.requests
    assert req.headers["Content-Type"] == "application/json" and req.headers["X-Investigator-Event"] == "opened"
    assert verify(req.body, "s3cret", req.headers[SIGNATURE_HEADER])
    assert not verify(req.body, "other", req.headers[SIGNATURE_HEADER])
    assert not verify(req.body + b" ", "s3cret", req.headers[SIGNATURE_HEADER])  # any change of the body breaks it
    doc = req.json()
    assert doc["culprit"]["short"] == "ccccccc" and doc["severity"] == "critical" and doc["event"] == "opened"
    assert doc["findings"][0]["title"] == "Config `level` changed" and doc["report_url"].endswith("watch.md")


def test_without_a_secret_no_signature_header() -> None:
    with webhook_server() as hook:
        assert Notifier(hook.url).send(_msg()).ok
    assert SIGNATURE_HEADER not in hook.requests[0].headers


def test_slack_payload_has_text_and_blocks() -> None:
    with webhook_server() as hook:
        assert Notifier(hook.url, fmt="slack", secret="k").send(_msg("resolved")).ok
    doc = hook.requests[0].json()
    assert set(doc) == {"text", "blocks"} and doc["text"].startswith(":white_check_mark: Resolved on main")
    assert doc["blocks"][0]["type"] == "header" and "ccccccc" in json.dumps(doc["blocks"])
    assert "<https://reports.example/watch.md|report>" in json.dumps(doc["blocks"])
    opened = slack_payload(_msg())
    assert opened["text"].startswith(":rotating_light: Regression on main") and "first bad commit ccccccc" in opened["text"]
    assert default_format("https://hooks.slack.com/services/T/B/X") == "slack" and default_format("https://x.io/h") == "json"


def test_5xx_retried_4xx_not() -> None:
    with webhook_server() as hook:
        hook.statuses = [503, 502, 200]
        d = Notifier(hook.url, attempts=3, backoff_s=0.01).send(_msg())
        assert d.ok and d.attempts == 3 and len(hook.requests) == 3
        hook.statuses = [404]
        d = Notifier(hook.url, attempts=3, backoff_s=0.01).send(_msg())
        assert not d.ok and d.status == 404 and d.attempts == 1 and "HTTP 404" in d.error


def test_redirect_is_not_followed() -> None:
    with webhook_server() as elsewhere, webhook_server() as hook:
        hook.statuses, hook.redirect_to = [307], elsewhere.url
        d = Notifier(hook.url, attempts=1).send(_msg())
    assert not d.ok and d.status == 307 and elsewhere.requests == []


def test_unreachable_url_is_a_failed_delivery_not_an_exception() -> None:
    d = Notifier("http://127.0.0.1:9/hook", attempts=2, backoff_s=0.01, timeout_s=2).send(_msg())
    assert not d.ok and d.attempts == 2 and d.status is None and d.error


def test_bad_urls_refused() -> None:
    for url in ("ftp://x/y", "file:///etc/passwd", "hooks.slack.com/x", "http://"):
        with pytest.raises(InputError, match="--notify-url"):
            check_url(url)



def test_signature_matches_an_independent_hmac() -> None:
    # printf '{}' | openssl dgst -sha256 -hmac k
    assert sign(b"{}", "k") == "sha256=add853b103fbcc936a194f9eb15e29c4ff08af6e47d5d1bca4f20218e31e4fff"
