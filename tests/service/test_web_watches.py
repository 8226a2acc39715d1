"""The watch pages of the web UI with FastAPI's test client: sign-in redirect, the list, a watch's alerts,
metric plot (axes, marks, legend) and ticks, escaping, reports served from the watch's folder only; the
"new watch" form (through the API's schema and checks, errors per field), pause / resume / run now / delete,
the admin scope and the Origin check on every form. Browser runs: test_web_watches_browser.py."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal

import pytest
from pydantic import BaseModel, Field, ValidationError, model_validator

from investigator.service.store import utcnow
from investigator.service.watch_form import default_values, field_errors, form_body, form_groups, shown_values
from investigator.service.watch_plot import nice_ticks, plot
from investigator.service.watches import WatchCreate, WatchStore
from investigator.service.web_watches import schedule, until
from investigator.watch.state import Alert, MetricPoint, Tick, Watch
from tests.service.apihelpers import Service, service

EVIL = "<script>alert(1)</script>"
SAME = {"Origin": "http://testserver"}


@pytest.fixture
def svc(tmp_path):
    with service(f"sqlite:///{tmp_path}/service.db", tmp_path) as s:
        yield s


def _watch_with_history(svc: Service) -> int:
    wid = svc.client.post("/v1/watches", json={"repo": str(svc.repo), "branch": "main", "name": f"ppo {EVIL}",
                                               "probe_command": "train --seed {seed} --logdir {logdir}",
                                               "primary_metric": "charts/return"},
                          headers=svc.key("admin")).json()["id"]
    reports = svc.settings.data_dir / "watches" / str(wid) / "reports"
    reports.mkdir(parents=True)
    (reports / "watch-report.md").write_text("# Regression at ccccccc\n")
    with WatchStore(svc.store.engine)._sessions.begin() as s:
        for i, (sha, iqm) in enumerate([("a" * 40, 10.0), ("b" * 40, 10.2), ("c" * 40, 7.0), ("d" * 40, 6.9)]):
            s.add(MetricPoint(watch_id=wid, seq=i, sha=sha, subject=f"commit {i} {EVIL}" if i == 2 else f"commit {i}",
                              values=[iqm - 0.1, iqm + 0.1], iqm=iqm, ci_low=iqm - 0.2, ci_high=iqm + 0.2))
        s.add(Alert(watch_id=wid, key="c" * 40, kind="regression", severity="critical", culprit_sha="c" * 40,
                    culprit_subject="lower the reward scale", reference_sha="b" * 40, head_sha="d" * 40,
                    summary=f"return fell 31% {EVIL}", report=str(reports / "watch-report.md"),
                    detail={"metric": {"name": "charts/return", "higher_is_better": True}}))
        s.add(Tick(watch_id=wid, head_sha="d" * 40, new_commits=2, outcome="alerted", notes=[EVIL]))
    return wid


def _form(svc: Service, **fields: str) -> dict[str, str]:
    return {"repo": str(svc.repo), "branch": "main", "interval_s": "600", "seeds": "3",
            "baseline_policy": "last_good"} | fields


def _create(svc: Service, key: dict[str, str], **fields: str):
    return svc.client.post("/ui/watches", data=_form(svc, **fields), headers=key | SAME, follow_redirects=False)


def test_pages_need_a_key(svc):
    wid = _watch_with_history(svc)
    for path in ("/ui/watches", f"/ui/watches/{wid}", f"/ui/watches/{wid}/live",
                 f"/ui/watches/{wid}/reports/watch-report.md"):
        r = svc.client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/ui/login?next="), path
    for path in ("/ui/watches", f"/ui/watches/{wid}/pause", f"/ui/watches/{wid}/delete"):
        r = svc.client.post(path, data=_form(svc), headers=SAME, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/ui/login"), path
    assert WatchStore(svc.store.engine).get(wid) is not None


def test_list_and_watch_page_show_history_escaped(svc):
    wid = _watch_with_history(svc)
    reader = svc.key("read")
    listing = svc.client.get("/ui/watches", headers=reader)
    assert listing.status_code == 200 and f'href="/ui/watches/{wid}"' in listing.text
    assert EVIL not in listing.text and "&lt;script&gt;" in listing.text and "1 open" in listing.text
    assert "every 1 hour" in listing.text and "due now" in listing.text
    page = svc.client.get(f"/ui/watches/{wid}", headers=reader).text
    assert EVIL not in page and page.count("&lt;script&gt;") >= 4  # name, subject, summary, tick note
    assert "<svg" in page and page.count("<circle") == 4 and page.count('class="dot mark-culprit"') == 1
    assert "charts/return ↑ better" in page and "commit (in the order measured)" in page  # axis titles
    assert "culprit: first bad commit" in page and "change point of a drift alert" not in page  # legend
    assert "culprit" in page and "[6.8, 7.2]" in page and "lower the reward scale" in page
    assert f'href="/ui/watches/{wid}/reports/watch-report.md"' in page
    assert 'data-poll="/ui/watches/' in page and "alerted" in page
    r = svc.client.get(f"/ui/watches/{wid}/reports/watch-report.md", headers=reader)
    assert r.status_code == 200 and r.text.startswith("# Regression") and r.headers["content-type"].startswith("text/plain")
    live = svc.client.get(f"/ui/watches/{wid}/live", headers=reader, follow_redirects=False)
    assert live.status_code == 200 and live.text.lstrip().startswith("<section id=\"live\"")
    assert "<html" not in live.text


def test_unknown_watch_and_reports_outside_its_folder_are_404(svc, tmp_path):
    wid = _watch_with_history(svc)
    reader = svc.key("read")
    (tmp_path / "secret.md").write_text("secret")
    assert svc.client.get("/ui/watches/999", headers=reader).status_code == 404
    assert svc.client.get("/ui/watches/999/live", headers=reader).status_code == 404
    for name in ("..%2F..%2F..%2Fsecret.md", "missing.md", "ticks.log"):
        r = svc.client.get(f"/ui/watches/{wid}/reports/{name}", headers=reader)
        assert r.status_code == 404 and "secret" not in r.text, name


def test_create_from_the_form_goes_through_the_api_schema(svc):
    admin = svc.key("admin")
    r = _create(svc, admin, name="trainer main", baseline_policy="fixed", baseline="v1",
                probe_command="python train.py --seed {seed} --logdir {logdir}", primary_metric="charts/return",
                seeds="4", notify_url="https://hooks.example/rl", notify_format="slack")
    assert r.status_code == 303, r.text
    wid = int(re.fullmatch(r"/ui/watches/(\d+)\?done=created", r.headers["location"]).group(1))  # type: ignore[union-attr]
    w = WatchStore(svc.store.engine).get(wid)
    assert w is not None and w.name == "trainer main" and w.baseline_policy == "fixed" and w.interval_s == 600
    assert w.options == {"baseline": "v1", "probe_command": "python train.py --seed {seed} --logdir {logdir}",
                         "primary_metric": "charts/return", "seeds": 4, "notify_url": "https://hooks.example/rl",
                         "notify_format": "slack"}
    page = svc.client.get(r.headers["location"], headers=admin).text
    assert "Watch created" in page and "every 10 minutes" in page and "over 4 seeds" in page
    # the last-good policy ignores a ref left in the field; empty optional fields take the schema's defaults
    r = _create(svc, admin, baseline="v9", seeds="", interval_s="")
    w = WatchStore(svc.store.engine).get(int(r.headers["location"].split("/")[-1].split("?")[0]))
    assert w is not None and w.baseline_policy == "last_good" and w.options["baseline"] is None  # type: ignore[index]
    assert w.interval_s == 3600 and w.options["seeds"] == 3 and w.name == "ppo:main"  # type: ignore[index]


@pytest.mark.parametrize(("fields", "status", "field", "message"), [
    ({"interval_s": "30"}, 422, "interval_s", "greater than or equal to 60"),
    ({"interval_s": "hourly"}, 422, "interval_s", "valid integer"),
    ({"branch": "-x"}, 422, "branch", "must not start with"),
    ({"seeds": "0"}, 422, "seeds", "greater than or equal to 1"),
    ({"probe_command": "python train.py"}, 422, "probe_command", "{logdir}"),
    ({"notify_url": "ftp://hooks"}, 422, "notify_url", "http://"),
    ({"baseline_policy": "fixed"}, 422, "baseline", "give the ref"),
    ({"repo": "/etc"}, 403, "repo", "outside the allowed path prefixes"),
])
def test_invalid_form_shows_the_error_at_its_field_and_creates_nothing(svc, fields, status, field, message):
    admin = svc.key("admin")
    r = _create(svc, admin, primary_metric=f"m {EVIL}", **fields)
    assert r.status_code == status, r.text
    error = re.search(rf'<p class="field-error" id="e-{field}">([^<]*)</p>', r.text)
    assert error is not None and message in error.group(1).replace("&#39;", "'"), r.text[-3000:]
    assert 'aria-invalid="true"' in r.text and EVIL not in r.text and "m &lt;script&gt;" in r.text  # typed, escaped
    assert WatchStore(svc.store.engine).all() == []


def test_a_taken_name_is_a_409_at_the_name_field(svc):
    admin = svc.key("admin")
    assert _create(svc, admin).status_code == 303
    r = _create(svc, admin)
    assert r.status_code == 409 and 'id="e-name"' in r.text and "ppo:main exists" in r.text
    assert len(WatchStore(svc.store.engine).all()) == 1


def test_pause_resume_run_now_and_delete_redirect_with_a_message(svc):
    admin = svc.key("admin")
    wid = int(_create(svc, admin).headers["location"].split("/")[-1].split("?")[0])
    store = WatchStore(svc.store.engine)

    def act(action: str) -> str:
        r = svc.client.post(f"/ui/watches/{wid}/{action}", headers=admin | SAME, follow_redirects=False)
        assert r.status_code == 303, r.text
        return str(r.headers["location"])

    assert act("pause") == f"/ui/watches/{wid}?done=paused"
    w = store.get(wid)
    assert w is not None and w.paused
    page = svc.client.get(f"/ui/watches/{wid}?done=paused", headers=admin).text
    assert "Paused: no ticks" in page and 'id="resume"' in page and 'id="pause"' not in page and 'id="run-now"' not in page
    assert act("run") == f"/ui/watches/{wid}?done=run-refused"  # a paused watch does not tick
    assert act("resume") == f"/ui/watches/{wid}?done=resumed"
    _postpone(store, wid)
    assert act("run") == f"/ui/watches/{wid}?done=run"
    w = store.get(wid)
    assert w is not None and not w.paused and w.next_run_at is not None and w.next_run_at <= utcnow()
    assert svc.client.get(f"/ui/watches/{wid}?done=<b>x</b>", headers=admin).text.count('class="flash"') == 0
    assert act("delete") == "/ui/watches?done=deleted"
    assert store.get(wid) is None
    assert "Watch deleted" in svc.client.get("/ui/watches?done=deleted", headers=admin).text
    r = svc.client.post(f"/ui/watches/{wid}/pause", headers=admin | SAME, follow_redirects=False)
    assert r.status_code == 404
    wid2 = int(_create(svc, admin).headers["location"].split("/")[-1].split("?")[0])
    assert svc.client.post(f"/ui/watches/{wid2}/explode", headers=admin | SAME).status_code == 404


def _postpone(store: WatchStore, wid: int) -> None:
    with store._sessions.begin() as s:
        w = s.get(Watch, wid)
        assert w is not None
        w.next_run_at = utcnow() + timedelta(days=1)


def test_read_and_submit_keys_see_no_admin_controls_and_their_posts_are_refused(svc):
    wid = _watch_with_history(svc)
    for scope in ("read", "submit"):
        key = svc.key(scope)
        listing = svc.client.get("/ui/watches", headers=key).text
        assert 'action="/ui/watches"' not in listing and "needs an admin key" in listing
        page = svc.client.get(f"/ui/watches/{wid}", headers=key).text
        assert "<form method=\"post\" action=\"/ui/watches/" not in page
        r = _create(svc, key, name="forged")
        assert r.status_code == 403 and "admin needed" in r.text
        for action in ("pause", "resume", "run", "delete"):
            r = svc.client.post(f"/ui/watches/{wid}/{action}", headers=key | SAME, follow_redirects=False)
            assert r.status_code == 403, (scope, action)
    w = WatchStore(svc.store.engine).get(wid)
    assert w is not None and not w.paused and len(WatchStore(svc.store.engine).all()) == 1


def test_cross_site_posts_are_refused(svc):
    wid = _watch_with_history(svc)
    admin = svc.key("admin")
    for headers in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}, {}):
        r = svc.client.post("/ui/watches", data=_form(svc, name="forged"), headers=admin | headers)
        assert r.status_code == 403 and "not sent from this server" in r.text
        for action in ("pause", "delete"):
            assert svc.client.post(f"/ui/watches/{wid}/{action}", headers=admin | headers).status_code == 403
    store = WatchStore(svc.store.engine)
    w = store.get(wid)
    assert w is not None and not w.paused and len(store.all()) == 1
    r = svc.client.post(f"/ui/watches/{wid}/pause", headers=admin | {"Referer": f"http://testserver/ui/watches/{wid}"},
                        follow_redirects=False)
    assert r.status_code == 303  # a Referer of this server is enough when the browser sends no Origin


def test_a_cli_watch_shows_no_schedule_buttons(svc):
    admin = svc.key("admin")
    with WatchStore(svc.store.engine)._sessions.begin() as s:
        s.add(Watch(name="from cron", repo="/r", branch="main", baseline_policy="last_good"))
    wid = WatchStore(svc.store.engine).all()[0].id
    page = svc.client.get(f"/ui/watches/{wid}", headers=admin).text
    assert 'id="pause"' not in page and 'id="run-now"' not in page and 'id="delete"' in page
    assert "run by the CLI" in page
    r = svc.client.post(f"/ui/watches/{wid}/pause", headers=admin | SAME)
    assert r.status_code == 409
    r = svc.client.post(f"/ui/watches/{wid}/run", headers=admin | SAME, follow_redirects=False)
    assert r.headers["location"].endswith("done=run-refused")


class _LaterSchema(BaseModel):
    """A schema as WatchCreate may grow (cron, a secret, a flag, a choice): the form shows the new fields
    without a template edit."""

    repo: str = Field(min_length=1, max_length=2000)
    branch: str
    name: str | None = None
    interval_s: int = Field(default=3600, ge=60, le=2592000)
    cron: str | None = Field(default=None, description="five fields")
    notify_url: str | None = None
    notify_format: Literal["json", "slack"] | None = None
    notify_secret: str | None = None
    backfill: bool = False
    executor: Literal["local", "ray"] = "local"


class _LaterSchema2(_LaterSchema):
    dry_run: bool = True


def test_the_form_is_built_from_the_schema():
    groups = dict(form_groups(_LaterSchema))
    names = {title: [f.name for f in fields] for title, fields in groups.items()}
    assert names["Schedule"] == ["interval_s", "cron"]  # placed by LAYOUT
    assert names["Notifications (optional)"] == ["notify_url", "notify_format", "notify_secret"]
    assert names["Other options"] == ["backfill", "executor"]  # unknown to LAYOUT: still shown
    fields = {f.name: f for group in groups.values() for f in group}
    assert fields["notify_secret"].kind == "password" and fields["backfill"].kind == "checkbox"
    assert fields["executor"].kind == "select" and fields["executor"].choices == ("local", "ray")
    assert fields["interval_s"].kind == "number" and (fields["interval_s"].low, fields["interval_s"].high) == ("60", "2592000")
    assert fields["repo"].required and not fields["name"].required and fields["cron"].hint == "five fields"
    assert fields["interval_s"].placeholder == "3600 (default)" and fields["executor"].default == "local"
    assert default_values(_LaterSchema) == {"baseline_policy": "last_good"}  # nothing sent unless typed
    assert default_values(_LaterSchema2) == {"baseline_policy": "last_good", "dry_run": "on"}
    body, errors = form_body({"repo": " /r ", "branch": "main", "backfill": "on", "notify_secret": "s3",
                              "cron": ""}, _LaterSchema)
    assert body == {"repo": "/r", "branch": "main", "backfill": True, "notify_secret": "s3"} and not errors
    assert "notify_secret" not in shown_values({"notify_secret": "s3", "repo": "/r", "evil": "x"}, _LaterSchema)
    assert shown_values({"repo": "/r", "evil": "x"}, _LaterSchema) == {"repo": "/r"}
    shown = [f.name for _, group in form_groups(WatchCreate) for f in group]
    assert sorted(shown) == sorted(WatchCreate.model_fields)  # every field of the API's schema, once


class _Rules(BaseModel):
    cron: str | None = None
    timezone: str | None = None

    @model_validator(mode="after")
    def _rules(self) -> _Rules:
        if self.timezone and not self.cron:
            raise ValueError("timezone: applies to a cron schedule; give cron too")
        if self.timezone == self.cron:
            raise ValueError("give different things")
        return self


def test_a_rule_between_fields_is_shown_at_the_field_it_names():
    with pytest.raises(ValidationError) as named:
        _Rules(timezone="Europe/Berlin")
    assert field_errors(named.value, _Rules) == {"timezone": "timezone: applies to a cron schedule; give cron too"}
    with pytest.raises(ValidationError) as unnamed:
        _Rules()
    assert field_errors(unnamed.value, _Rules) == {"form": "give different things"}


def test_plot_axes_marks_and_series():
    assert plot([], []) is None
    assert plot([{"sha": "a", "seq": 0, "iqm": 1.0, "ci_low": None, "ci_high": None}], []) is None
    points = [{"sha": s, "seq": i, "iqm": v, "ci_low": v - 0.5, "ci_high": v + 0.5, "values": [v] * 3, "subject": s}
              for i, (s, v) in enumerate([("a", 10.0), ("b", 10.1), ("c", 9.0), ("d", 8.0), ("e", 8.1)])]
    alerts = [{"kind": "regression", "status": "open", "culprit_sha": "c", "key": "c"},
              {"kind": "drift", "status": "resolved", "culprit_sha": "d", "key": "d"}]
    p = plot(points, alerts, metric="ret", baseline_sha="a")
    assert p is not None and [d.mark for d in p.dots] == ["baseline", "", "culprit", "change", ""]
    assert [d.resolved for d in p.dots] == [False, False, False, True, False]
    assert [(r.x, r.kind, r.resolved) for r in p.rules] == [(p.dots[2].x, "culprit", False), (p.dots[3].x, "change", True)]
    assert p.marks == {"baseline", "culprit", "change"}
    assert all(p.top <= v <= p.bottom for d in p.dots for v in (d.y, d.low, d.high))
    assert p.dots[0].y < p.dots[3].y  # higher is up
    assert all(p.top <= y <= p.bottom for y, _ in p.y_ticks) and len(p.y_ticks) >= 3
    assert [label for _, label in p.x_ticks] == ["#0", "#1", "#2", "#3", "#4"]
    assert "ret IQM 9 [8.5, 9.5], 3 seed(s)" in p.dots[2].label and "culprit" in p.dots[2].label
    # a culprit that bisection found between two measured heads: its rule lies between them, no dot is marked
    between = [{"kind": "regression", "status": "open", "culprit_sha": "x", "key": "x", "detail": {"bad_sha": "d"}}]
    b = plot(points, between)
    assert b is not None and not any(d.mark for d in b.dots)
    assert [(r.x, r.kind) for r in b.rules] == [((b.dots[2].x + b.dots[3].x) / 2, "culprit")]
    assert "between the measured heads #2 and #3" in b.rules[0].label
    assert plot(points, [dict(between[0], detail={"bad_sha": "a"})]).rules == []  # type: ignore[union-attr]  # no head before
    # a new probe configuration starts a new series: the old points are counted, not drawn
    mixed = [dict(pt, config_key="old") for pt in points[:2]] + [dict(pt, config_key="new") for pt in points[2:]]
    q = plot(mixed, [])
    assert q is not None and len(q.dots) == 3 and q.hidden == 2
    flat = plot([dict(pt, iqm=5.0, ci_low=None, ci_high=None) for pt in points], [])
    assert flat is not None and len({d.y for d in flat.dots}) == 1 and flat.top < flat.dots[0].y < flat.bottom


def test_nice_ticks_are_round_and_cover_the_range():
    assert nice_ticks(0.0, 1.0) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert nice_ticks(6.62, 10.48) == [7.0, 8.0, 9.0, 10.0]
    assert nice_ticks(-3.0, 17.0) == [0.0, 5.0, 10.0, 15.0]
    assert nice_ticks(2.0, 2.0) == [2.0]


def test_schedule_and_until_in_words(svc):
    now = datetime(2026, 12, 5, 12, 0, 0)
    assert until(None, now) == "—" and until(now - timedelta(seconds=5), now) == "due now"
    assert until(now + timedelta(seconds=30), now) == "in 30 s"
    assert until(now + timedelta(minutes=12, seconds=5), now) == "in 12 min"
    assert until(now + timedelta(hours=3, minutes=5), now) == "in 3 h 05 min"
    assert until(now + timedelta(days=3, hours=2), now) == "in 3 d 2 h"
    admin = svc.key("admin")
    r = svc.client.post("/v1/watches", json={"repo": str(svc.repo), "branch": "main", "interval_s": 5400},
                        headers=admin)
    from investigator.service.watches import WatchView

    view = WatchView.model_validate(r.json())
    assert schedule(view) == "every 90 minutes"
    assert schedule(view.model_copy(update={"interval_s": 86400})) == "every 1 day"
    assert schedule(view.model_copy(update={"interval_s": 61})) == "every 61 s"
