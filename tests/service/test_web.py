"""The web UI's routes with FastAPI's test client: sign-in and its redirect, the Origin check on every
form, escaping, scopes, 404s and path containment, the submit form's inline errors, and the pages'
content (list, job, report frame, comparison) over jobs put in the store as a worker leaves them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from investigator.service.compare import FindingKey, ReportUnreadable, compare, load_findings, summarize
from investigator.service.db import connect
from investigator.service.settings import ServiceSettings
from investigator.service.store import JobStore
from investigator.service.web import COOKIE, PAGE_SIZE, safe_next, web_router
from tests.service.web_support import finding, finish, start, submit, write_json_report

ORIGIN = {"origin": "http://testserver"}


@pytest.fixture
def allowed_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repos" / "trainer"
    repo.mkdir(parents=True)
    return repo


@pytest.fixture
def settings(tmp_path: Path, allowed_repo: Path) -> ServiceSettings:
    return ServiceSettings(db_url=str(tmp_path / "service.db"), data_dir=tmp_path / "data",
                           allow_repos=[str(allowed_repo.parent)])


@pytest.fixture
def store(settings: ServiceSettings) -> JobStore:
    return JobStore(connect(settings.db_url))


def _client(store: JobStore, settings: ServiceSettings) -> TestClient:
    app = FastAPI()
    app.include_router(web_router(store, settings))
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def anonymous(store: JobStore, settings: ServiceSettings) -> Iterator[TestClient]:
    with _client(store, settings) as client:
        yield client


def _signed_in(store: JobStore, settings: ServiceSettings, scope: str = "admin") -> TestClient:
    client = _client(store, settings)
    _, key = store.create_key(scope, f"{scope}-user")  # type: ignore[arg-type]
    client.cookies.set(COOKIE, key)
    return client


@pytest.fixture
def client(store: JobStore, settings: ServiceSettings) -> Iterator[TestClient]:
    with _signed_in(store, settings) as c:
        yield c


# -- sign-in --

def test_pages_redirect_to_login_without_a_key(anonymous):
    for path in ("/ui/", "/ui/submit", "/ui/jobs/" + "a" * 32, "/ui/compare?a=x&b=y"):
        r = anonymous.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/ui/login?next=%2Fui%2F")
    assert anonymous.get("/ui/").headers["location"] == "/ui/login?next=%2Fui%2F"
    # the job page's poll answers 401 (the script reloads the page, which then redirects)
    assert anonymous.get("/ui/jobs/" + "a" * 32 + "/live", headers={"x-fragment": "1"}).status_code == 401
    assert anonymous.get("/").headers["location"] == "/ui/"


def test_login_sets_an_httponly_strict_cookie_and_logout_clears_it(anonymous, store):
    _, key = store.create_key("read", "bob")
    page = anonymous.get("/ui/login?next=/ui/submit")
    assert page.status_code == 200 and 'name="key"' in page.text and 'value="/ui/submit"' in page.text
    r = anonymous.post("/ui/login", data={"key": key, "next": "/ui/submit"}, headers=ORIGIN)
    assert r.status_code == 303 and r.headers["location"] == "/ui/submit"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}={key}")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert anonymous.get("/ui/").status_code == 200
    out = anonymous.post("/ui/logout", headers=ORIGIN)
    assert out.status_code == 303 and out.headers["location"] == "/ui/login"
    assert re.search(rf"{COOKIE}=\"?\"?;.*Max-Age=0", out.headers["set-cookie"])
    assert anonymous.get("/ui/").status_code == 303


def test_login_refuses_a_wrong_or_revoked_key(anonymous, store):
    r = anonymous.post("/ui/login", data={"key": "inv_000000000000_nope"}, headers=ORIGIN)
    assert r.status_code == 401 and "not valid" in r.text and "set-cookie" not in r.headers
    record, key = store.create_key("admin")
    store.revoke_key(record.id)
    assert anonymous.post("/ui/login", data={"key": key}, headers=ORIGIN).status_code == 401


def test_next_is_never_another_site():
    assert safe_next("/ui/jobs/x?a=1") == "/ui/jobs/x?a=1"
    for target in ("https://evil.example/", "//evil.example/ui", "/ui//evil", "/ui\\evil", "/v1/x", "", None):
        assert safe_next(target) == "/ui/"


def test_auth_off_needs_no_key(tmp_path):
    settings = ServiceSettings(db_url=str(tmp_path / "s.db"), data_dir=tmp_path / "d", auth=False)
    with _client(JobStore(connect(settings.db_url)), settings) as c:
        r = c.get("/ui/")
        assert r.status_code == 200 and "authentication off" in r.text
        assert c.get("/ui/login").headers["location"] == "/ui/"


# -- CSRF: every state-changing form must come from this server --

@pytest.mark.parametrize("headers", [{}, {"origin": "https://evil.example"}, {"origin": "null"},
                                     {"referer": "https://evil.example/page"},
                                     {"origin": "http://testserver.evil.example"}])
def test_forms_from_elsewhere_are_refused(client, store, allowed_repo, headers):
    job = submit(store, str(allowed_repo))
    r = client.post("/ui/submit", data={"repo": str(allowed_repo), "baseline_commit": "v1"}, headers=headers)
    assert r.status_code == 403 and "not sent from this server" in r.text
    assert client.post(f"/ui/jobs/{job.id}/cancel", headers=headers).status_code == 403
    assert client.post("/ui/logout", headers=headers).status_code == 403
    _, key = store.create_key("read")
    assert client.post("/ui/login", data={"key": key}, headers=headers).status_code == 403
    assert store.list_jobs()[1] == 1  # nothing submitted
    after = store.get(job.id)
    assert after is not None and after.status == "queued"  # nothing cancelled


def test_a_same_origin_referer_is_enough_without_origin(client, store):
    job = submit(store, "/srv/x")
    r = client.post(f"/ui/jobs/{job.id}/cancel", headers={"referer": f"http://testserver/ui/jobs/{job.id}"})
    assert r.status_code == 303
    cancelled = store.get(job.id)
    assert cancelled is not None and cancelled.status == "cancelled"


# -- escaping and headers --

def test_everything_from_the_store_is_escaped(client, store, settings, tmp_path):
    evil = '/srv/<script>alert("x")</script>"><img src=x onerror=alert(1)>'
    job = submit(store, evil, baseline="<b>v1</b>", candidate="'\"><svg onload=alert(2)>",
                 title="<iframe src=//evil>")
    start(store, job.id, step="<script>step()</script>")
    store.add_event(job.id, "<script>ev()</script>", "started", detail="<img src=y onerror=alert(3)>")
    for path in ("/ui/", f"/ui/jobs/{job.id}", f"/ui/jobs/{job.id}/live", f"/ui/?repo={evil}"):
        page = client.get(path)
        assert page.status_code == 200
        for raw in ("<script>alert", "<img src=x", "<svg", "<iframe src=//evil", "<script>step", "<script>ev",
                    "<img src=y", "<b>v1</b>"):
            assert raw not in page.text, (path, raw)
        assert "&lt;script&gt;" in page.text
    page = client.get(f"/ui/jobs/{job.id}")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"


# -- 404s and path containment --

def test_unknown_jobs_and_files_are_404(client, store, settings):
    for path in ("/ui/jobs/" + "0" * 32, "/ui/jobs/..%2F..%2Fetc", "/ui/jobs/" + "0" * 32 + "/report",
                 "/ui/jobs/" + "0" * 32 + "/live", "/ui/static/nope.js", "/ui/static/..%2Fweb.py",
                 "/ui/compare?a=" + "0" * 32 + "&b=" + "1" * 32):
        r = client.get(path)
        assert r.status_code == 404, path
    queued = submit(store, "/srv/x")
    assert client.get(f"/ui/jobs/{queued.id}/report").status_code == 404  # not finished: no report yet
    assert client.get("/ui/static/ui.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/ui/static/ui.css").headers["content-type"].startswith("text/css")


def test_report_paths_outside_the_job_folder_are_not_served(client, store, settings, tmp_path):
    secret = tmp_path / "secret.html"
    secret.write_text("<p>secret</p>")
    job = submit(store, "/srv/x")
    folder = settings.job_dir(job.id)
    folder.mkdir(parents=True)
    (folder / "link.html").symlink_to(secret)
    for recorded in (str(secret), "../../../secret.html", "link.html"):
        finish(store, settings, job.id, reports={"html": recorded})
        assert client.get(f"/ui/jobs/{job.id}/report").status_code == 404, recorded
    (folder / "r.html").write_text("<p>report</p>")
    finish(store, settings, job.id, reports={"html": "r.html"})
    r = client.get(f"/ui/jobs/{job.id}/report")
    assert r.status_code == 200 and "<p>report</p>" in r.text
    assert r.headers["content-security-policy"].startswith("sandbox;")
    assert "script-src" not in r.headers["content-security-policy"]


# -- scopes --

def test_a_read_key_cannot_submit_or_cancel(store, settings, allowed_repo):
    job = submit(store, str(allowed_repo))
    with _signed_in(store, settings, "read") as reader:
        form = reader.get("/ui/submit")
        assert form.status_code == 200 and "can read jobs but not submit" in form.text
        assert re.search(r'<button type="submit"\s+disabled>Submit', form.text)
        r = reader.post("/ui/submit", data={"repo": str(allowed_repo), "baseline_commit": "v1"}, headers=ORIGIN)
        assert r.status_code == 403
        assert reader.post(f"/ui/jobs/{job.id}/cancel", headers=ORIGIN).status_code == 403
        assert "Cancel</button>" not in reader.get(f"/ui/jobs/{job.id}").text
    assert store.list_jobs()[1] == 1


def test_a_submit_key_cancels_only_its_own_jobs(store, settings):
    others = submit(store, "/srv/x")
    with _signed_in(store, settings, "submit") as submitter:
        assert submitter.post(f"/ui/jobs/{others.id}/cancel", headers=ORIGIN).status_code == 403
    job = store.get(others.id)
    assert job is not None and job.status == "queued"


# -- submit form --

def test_submit_queues_a_job_and_shows_it(client, store, allowed_repo):
    r = client.post("/ui/submit", headers=ORIGIN, data={
        "repo": str(allowed_repo), "baseline_commit": "v1.0", "candidate_commit": "main", "formats": ["json", "md"],
        "probes": "none", "title": "lr drop", "primary_metric": "", "verify": "on"})
    assert r.status_code == 303
    job_id = r.headers["location"].rsplit("/", 1)[1]
    job = store.get(job_id)
    assert job is not None and job.status == "queued" and job.repo == str(allowed_repo)
    assert job.request["formats"] == ["json", "md"] and job.request["probes"] == "none"
    assert job.request["candidate_commit"] == "main" and job.request["verify"] is True
    assert job.request["primary_metric"] is None
    page = client.get(r.headers["location"])
    assert "queued" in page.text and "lr drop" in page.text and 'data-poll="/ui/jobs/' in page.text


def test_submit_shows_validation_errors_inline(client, store, allowed_repo):
    r = client.post("/ui/submit", headers=ORIGIN, data={"repo": str(allowed_repo), "baseline_commit": "--upload-pack=x",
                                                        "formats": ["md"], "probe_budget_s": "-5"})
    assert r.status_code == 422
    assert re.search(r'id="e-baseline_commit">a commit reference cannot start with', r.text)
    assert 'id="e-probe_budget_s">' in r.text
    assert f'value="{allowed_repo}"' in r.text  # what was typed is kept
    assert store.list_jobs()[1] == 0


def test_submit_shows_the_allowlist_refusal(client, store, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    r = client.post("/ui/submit", headers=ORIGIN, data={"repo": str(outside), "baseline_commit": "v1",
                                                        "formats": ["md"]})
    assert r.status_code == 403
    assert re.search(r'id="e-repo">repo [^<]*outside the allowed path prefixes', r.text)
    assert store.list_jobs()[1] == 0


def test_the_form_names_the_allowed_repositories(client, allowed_repo):
    assert f"Allowed on this server: {allowed_repo.parent}" in client.get("/ui/submit").text


# -- list --

def test_list_shows_status_refs_counts_and_filters(client, store, settings):
    done = submit(store, "/srv/a", baseline="v1", candidate="f" * 40)
    finish(store, settings, done.id, counts={"critical": 2, "significant": 5, "low": 7})
    running = submit(store, "/srv/b")
    start(store, running.id, step="analyze:code_detectors")
    page = client.get("/ui/")
    assert page.status_code == 200
    rows = re.findall(r'<tr data-job="([0-9a-f]{32})">(.*?)</tr>', page.text, re.S)
    assert [job_id for job_id, _ in rows] == [running.id, done.id]  # newest first
    done_row = dict(rows)[done.id]
    assert re.search(r'sev-critical[^>]*>2<.*sev-significant[^>]*>5<.*sev-low[^>]*>7<', done_row, re.S)
    assert "ffffffffff" in done_row and "f" * 11 not in done_row  # a full SHA is shortened
    assert "analyze:code_detectors" in dict(rows)[running.id]
    assert 'data-refresh="5000"' in page.text  # a job is still running: the rows refresh
    only_b = client.get("/ui/?repo=/srv/b").text
    assert running.id in only_b and done.id not in only_b
    succeeded = client.get("/ui/?status=succeeded").text
    assert done.id in succeeded and running.id not in succeeded
    assert "No investigations match" in client.get("/ui/?status=failed").text
    assert client.get("/ui/?status=bogus").status_code == 200  # an unknown status is no filter


def test_list_paginates(client, store):
    ids = [submit(store, "/srv/a", baseline=f"v{i}").id for i in range(PAGE_SIZE + 5)]
    first = client.get("/ui/").text
    assert len(re.findall(r'<tr data-job=', first)) == PAGE_SIZE
    assert "page 1 of 2" in first and f"{PAGE_SIZE + 5} jobs" in first and "older →" in first
    second = client.get("/ui/?page=2").text
    assert len(re.findall(r'<tr data-job=', second)) == 5 and "← newer" in second and "older →" not in second
    shown = set(re.findall(r'<tr data-job="([0-9a-f]{32})"', first + second))
    assert shown == set(ids)
    assert client.get("/ui/?page=abc").status_code == 400


# -- job page --

def test_job_page_polls_until_finished_then_frames_the_report(client, store, settings):
    job = submit(store, "/srv/a")
    start(store, job.id)
    store.add_event(job.id, "resolve", "started")
    store.add_event(job.id, "resolve", "finished", seconds=0.25)
    live = client.get(f"/ui/jobs/{job.id}/live", headers={"x-fragment": "1"}).text
    assert live.startswith('<section id="live" data-poll=') and "1 step finished" in live
    assert "resolve" in live and "<iframe" not in live
    folder = settings.job_dir(job.id)
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<h1>Regression diagnosis</h1>")
    (folder / "report.md").write_text("# Regression diagnosis")
    finish(store, settings, job.id, reports={"html": "report.html", "md": "report.md"})
    live = client.get(f"/ui/jobs/{job.id}/live").text
    assert "data-poll" not in live  # finished: the page stops polling
    assert re.search(rf'<iframe class="report" src="/ui/jobs/{job.id}/report" sandbox ', live)
    assert f'href="/v1/investigations/{job.id}/report.md"' in live
    assert "report.json" not in live  # only the formats the job wrote


def test_a_failed_job_shows_its_error(client, store, settings):
    job = submit(store, "/srv/a")
    finish(store, settings, job.id, status="failed", error="git: unknown revision v9")
    page = client.get(f"/ui/jobs/{job.id}").text
    assert "failed" in page and "git: unknown revision v9" in page and "<iframe" not in page


# -- comparison --

def _finished_with(store, settings, repo: str, findings: list[dict]) -> str:
    job = submit(store, repo)
    write_json_report(settings.job_dir(job.id) / "r.json", findings)
    finish(store, settings, job.id, reports={"json": "r.json"})
    return job.id


def test_compare_page_lists_differences(client, store, settings):
    a = _finished_with(store, settings, "/srv/a", [
        finding("code.gae", "GAE index shift", "critical"), finding("config", "lr changed", "significant"),
        finding("code.clip", "Clipping removed", "significant")])
    b = _finished_with(store, settings, "/srv/a", [
        finding("config", "lr changed", "low"), finding("code.clip", "Clipping removed", "significant"),
        finding("code.new", "Reward scale <x>", "low", path="env.py")])
    page = client.get(f"/ui/compare?a={a}&b={b}")
    assert page.status_code == 200
    text = page.text
    sections = {name: text.index(f'id="{name}"') for name in ("changed", "only-a", "only-b", "both")}
    assert list(sections) == sorted(sections, key=sections.get)
    changed = text[sections["changed"]:sections["only-a"]]
    assert "lr changed" in changed and "significant" in changed and "low" in changed
    assert "GAE index shift" in text[sections["only-a"]:sections["only-b"]]
    only_b = text[sections["only-b"]:sections["both"]]
    assert "Reward scale &lt;x&gt;" in only_b and "env.py:10" in only_b
    assert "Clipping removed" in text[sections["both"]:]
    assert "1 only in A · 1 only in B · 2 in both (1 with a changed severity)" in text
    # the list's two ticked boxes (newest first) lead to the same page, A the older job
    assert client.get(f"/ui/compare?job={b}&job={a}").headers["location"] == f"/ui/compare?a={a}&b={b}"


def test_compare_refuses_what_does_not_compare(client, store, settings):
    a = _finished_with(store, settings, "/srv/a", [])
    other_repo = _finished_with(store, settings, "/srv/b", [])
    queued = submit(store, "/srv/a").id
    assert "different repositories" in client.get(f"/ui/compare?a={a}&b={other_repo}").text
    assert "Job B has no JSON report" in client.get(f"/ui/compare?a={a}&b={queued}").text
    assert "same job" in client.get(f"/ui/compare?a={a}&b={a}").text
    assert client.get(f"/ui/compare?a={a}").status_code == 400


def test_job_page_offers_comparison_with_jobs_on_the_same_repository(client, store, settings):
    a = _finished_with(store, settings, "/srv/a", [])
    b = _finished_with(store, settings, "/srv/a", [])
    c = _finished_with(store, settings, "/srv/c", [])
    page = client.get(f"/ui/jobs/{a}").text
    assert f'<option value="{b}">' in page and c not in page


# -- the comparison itself --

def test_findings_match_by_unit_file_and_title():
    a = [summarize(finding("u", "T", "critical", path="x.py", line=3)),
         summarize(finding("u", "T", "low", path="y.py")),
         summarize(finding("v", "T", "low", path="x.py"))]
    b = [summarize(finding("u", "T", "significant", path="x.py", line=90, rank=7))]
    result = compare(a, b)
    assert [m.a.key for m in result.both] == [FindingKey("u", "x.py", "T")]
    assert result.both[0].severity_changed and result.changed == result.both
    assert {(f.key.source, f.key.path) for f in result.only_a} == {("u", "y.py"), ("v", "x.py")}
    assert result.only_b == []
    assert compare(b, b).changed == []


def test_repeated_keys_pair_once_each():
    same = summarize(finding("u", "T", "low"))
    result = compare([same, same], [same])
    assert len(result.both) == 1 and len(result.only_a) == 1 and result.only_b == []


def test_a_finding_without_a_candidate_location_uses_the_baseline_one():
    item = finding("u", "removed", "low")
    item["locations"] = [{"path": "old.py", "line": 4, "side": "baseline"}]
    assert summarize(item).key.path == "old.py" and summarize(item).where == "old.py:4"
    item["locations"] = []
    assert summarize(item).key.path == "" and summarize(item).where == ""


def test_unreadable_reports_are_one_line(tmp_path):
    with pytest.raises(ReportUnreadable, match="cannot be read"):
        load_findings(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ReportUnreadable, match="cannot be read"):
        load_findings(bad)
    bad.write_text('{"findings": 3}')
    with pytest.raises(ReportUnreadable, match="no findings list"):
        load_findings(bad)


def test_a_long_history_shows_its_last_events_and_counts_every_step(client, store):
    from investigator.service.web import EVENTS_SHOWN

    job = submit(store, "/srv/a")
    start(store, job.id)
    for i in range(EVENTS_SHOWN + 10):
        store.add_event(job.id, f"step-{i:03d}", "finished")
    live = client.get(f"/ui/jobs/{job.id}/live").text
    assert f"{EVENTS_SHOWN + 10} steps finished" in live
    assert f"(the last {EVENTS_SHOWN} of {EVENTS_SHOWN + 10} events shown)" in live
    assert "step-009" not in live and "step-010" in live and f"step-{EVENTS_SHOWN + 9:03d}" in live


def test_titles_show_their_code_spans_escaped(client, store, settings):
    a = _finished_with(store, settings, "/srv/a", [finding("u", "Config `<lr>` changed", "low")])
    b = _finished_with(store, settings, "/srv/a", [])
    page = client.get(f"/ui/compare?a={a}&b={b}").text
    assert "Config <code>&lt;lr&gt;</code> changed" in page
    c = _finished_with(store, settings, "/srv/a", [finding("u", "odd ` <b>tick</b>", "low")])
    assert "odd ` &lt;b&gt;tick&lt;/b&gt;" in client.get(f"/ui/compare?a={c}&b={b}").text


def test_a_full_queue_is_shown_on_the_form(tmp_path, allowed_repo):
    settings = ServiceSettings(db_url=str(tmp_path / "q.db"), data_dir=tmp_path / "q", queue_limit=1,
                               allow_repos=[str(allowed_repo.parent)])
    store = JobStore(connect(settings.db_url))
    submit(store, str(allowed_repo))
    with _signed_in(store, settings) as client:
        r = client.post("/ui/submit", headers=ORIGIN, data={"repo": str(allowed_repo), "baseline_commit": "v1",
                                                            "formats": ["md"]})
    assert r.status_code == 429
    assert re.search(r'id="form-error">the queue is full \(1 jobs waiting, limit 1\)', r.text)
    assert store.list_jobs()[1] == 1


def test_admin_only_fields_are_refused_inline_for_a_submit_key(store, settings, allowed_repo):
    with _signed_in(store, settings, "submit") as client:
        r = client.post("/ui/submit", headers=ORIGIN, data={"repo": str(allowed_repo), "baseline_commit": "v1",
                                                            "formats": ["md"], "probe_command": "rm -rf /"})
    assert r.status_code == 403
    assert re.search(r'id="e-probe_command">probe_command: runs a command', r.text)
    assert re.search(r"<details open>", r.text)  # the field is under More options: they are shown open
    assert store.list_jobs()[1] == 0


def test_durations_and_refs_read_well():
    from investigator.service.pages import _duration, _repo_name, _short_ref

    assert [_duration(s) for s in (None, 0.25, 42.4, 61, 3 * 3600 + 125)] == ["—", "0.2 s", "42 s", "1 min 01 s",
                                                                              "3 h 02 min"]
    assert [_repo_name(r) for r in ("/srv/x/trainer.git", "/srv/x/trainer/", "https://h/org/trainer.git",
                                    "git@h:trainer.git", "/")] == ["trainer"] * 4 + ["/"]
    assert _short_ref("a" * 40) == "a" * 10 and _short_ref("v1.2.0") == "v1.2.0" and _short_ref(None) == "HEAD"
