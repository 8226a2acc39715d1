"""The /v1 API with FastAPI's test client: every route, bad payloads, cancel, limits, SSE, reports, metrics.

No worker runs (`start_workers=False`): the tests play the worker's part through the store (claim,
events, report files, finish)."""

from __future__ import annotations

import json
import sys
import threading
import time
import types
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from investigator.service import api
from investigator.service.app import create_app
from investigator.service.db import connect
from investigator.service.settings import ServiceSettings
from investigator.service.store import JobStore
from tests.service.apihelpers import Service, run_job, service, write_reports


@pytest.fixture
def svc(db_url, tmp_path):
    with service(db_url, tmp_path) as s:
        yield s


@pytest.fixture
def admin(svc: Service) -> dict[str, str]:
    return svc.key("admin")


def test_submit_queues_a_job_and_answers_its_links(svc, admin):
    body = {"repo": str(svc.repos / "team" / ".." / "team" / "ppo"), "baseline_commit": "v1",
            "candidate_commit": "v2", "formats": ["md", "json"]}
    r = svc.client.post("/v1/investigations", json=body, headers=admin)
    assert r.status_code == 201
    out = r.json()
    assert out["status"] == "queued" and len(out["id"]) == 32
    assert r.headers["location"] == f"/v1/investigations/{out['id']}" == out["links"]["self"]
    assert set(out["links"]) == {"self", "events", "cancel", "report_md", "report_json"}
    job = svc.store.get(out["id"])
    assert job.repo == str(svc.repo.resolve()) and job.request["repo"] == job.repo  # stored resolved
    assert job.request["candidate_commit"] == "v2" and job.submitted_by is not None
    assert job.request["formats"] == ["md", "json"]


@pytest.mark.parametrize(("body", "field"), [
    ({"colour": "red"}, "colour"),  # unknown field
    ({"probe_seeds": "three"}, "probe_seeds"),  # wrong type
    ({"formats": ["pdf"]}, "formats.0"),  # not a report format
    ({"baseline_commit": "--upload-pack=x"}, "baseline_commit"),  # option-like ref
    ({"baseline_commit": None}, "baseline_commit"),
    ({"device": "tpu"}, "device"),
])
def test_bad_payloads_are_422_naming_the_field(svc, admin, body, field):
    payload = {"repo": str(svc.repo), "baseline_commit": "v1", **body}
    r = svc.client.post("/v1/investigations", json=payload, headers=admin)
    assert r.status_code == 422
    assert r.json()["message"].startswith(f"{field}: ")
    assert any(field.split(".")[0] in e["loc"] for e in r.json()["detail"])
    assert svc.store.list_jobs()[1] == 0


def test_probe_ids_are_checked_at_submission(svc, admin):
    for probes, ok in (("none", True), ("auto", True), ("training-run", True), ("gradient_norms,nope", False),
                       (",", False)):
        r = svc.client.post("/v1/investigations", json={"repo": str(svc.repo), "baseline_commit": "v1",
                                                        "probes": probes}, headers=admin)
        assert r.status_code == (201 if ok else 422), (probes, r.text)
        if not ok:
            assert r.json()["detail"].startswith("probes: unknown probe id")
    assert svc.store.list_jobs()[1] == 3


def test_malformed_json_and_missing_body_are_422(svc, admin):
    r = svc.client.post("/v1/investigations", content=b"{not json", headers={**admin, "content-type": "application/json"})
    assert r.status_code == 422 and "JSON" in r.json()["message"]
    r = svc.client.post("/v1/investigations", headers=admin)
    assert r.status_code == 422 and r.json()["message"].startswith("body: ")


def test_list_filters_and_pages(svc, admin):
    other = svc.repos / "team" / "other"
    other.mkdir()
    ids = [svc.submit(admin) for _ in range(3)] + [svc.submit(admin, repo=str(other))]
    run_job(svc, ids[0], ["analyze"])
    listed = svc.client.get("/v1/investigations", headers=admin).json()
    assert listed["total"] == 4 and [j["id"] for j in listed["items"]] == ids[::-1]  # newest first
    page = svc.client.get("/v1/investigations", params={"limit": 2, "offset": 1}, headers=admin).json()
    assert page["total"] == 4 and [j["id"] for j in page["items"]] == ids[::-1][1:3]
    by_repo = svc.client.get("/v1/investigations", params={"repo": str(other)}, headers=admin).json()
    assert [j["id"] for j in by_repo["items"]] == [ids[3]]
    unresolved = str(svc.repos / "team" / ".." / "team" / "other")
    assert svc.client.get("/v1/investigations", params={"repo": unresolved}, headers=admin).json()["total"] == 1
    done = svc.client.get("/v1/investigations", params={"status": "succeeded"}, headers=admin).json()
    assert [j["id"] for j in done["items"]] == [ids[0]] and done["items"][0]["counts"]["critical"] == 1
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert svc.client.get("/v1/investigations", params={"since": future}, headers=admin).json()["total"] == 0
    assert svc.client.get("/v1/investigations", params={"until": future}, headers=admin).json()["total"] == 4
    for bad in ({"status": "sleeping"}, {"limit": 0}, {"limit": 201}, {"offset": -1}, {"since": "yesterday"}):
        r = svc.client.get("/v1/investigations", params=bad, headers=admin)
        assert r.status_code == 422 and r.json()["message"].startswith("query.")


def test_show_has_status_timings_and_finished_steps(svc, admin):
    job_id = svc.submit(admin)
    queued = svc.client.get(f"/v1/investigations/{job_id}", headers=admin).json()
    assert queued["status"] == "queued" and queued["steps"] == [] and queued["last_event"] == 0
    run_job(svc, job_id, ["collect", "analyze", "rank"], reports={"md": "# r\n"})
    shown = svc.client.get(f"/v1/investigations/{job_id}", headers=admin).json()
    assert shown["status"] == "succeeded" and shown["seconds"] >= 0 and shown["attempts"] == 1
    assert [s["step"] for s in shown["steps"]] == ["collect", "analyze", "rank"]  # only the ended steps
    assert shown["steps"][0]["detail"] == "collect done" and shown["reports"] == ["md"]
    assert shown["last_event"] == svc.store.events(job_id)[-1].seq


@pytest.mark.parametrize("job_id", ["0" * 32, "nope", "..", "%2e%2e"])
def test_unknown_job_is_404_on_every_job_route(svc, admin, job_id):
    for method, suffix in (("GET", ""), ("GET", "/events"), ("GET", "/report.md"), ("DELETE", "")):
        r = svc.client.request(method, f"/v1/investigations/{job_id}{suffix}", headers=admin)
        assert r.status_code == 404, (method, suffix, r.status_code)


def _sse(text: str) -> list[dict[str, object]]:
    """Parse an event stream into events ({id, event, data}); comments are skipped."""
    events = []
    for block in text.strip().split("\n\n"):
        fields: dict[str, object] = {}
        for line in block.splitlines():
            if line.startswith(":"):
                continue
            name, _, value = line.partition(": ")
            fields[name] = json.loads(value) if name == "data" else value
        if fields:
            events.append(fields)
    return events


def test_event_stream_of_a_finished_job_and_its_resumption(svc, admin):
    job_id = svc.submit(admin)
    run_job(svc, job_id, ["collect", "analyze"], status="failed")
    url = f"/v1/investigations/{job_id}/events"
    r = svc.client.get(url, headers=admin)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = _sse(r.text)
    seqs = [e.seq for e in svc.store.events(job_id)]
    assert [int(e["id"]) for e in events[:-1]] == seqs and len(seqs) == 4
    assert [(e["data"]["step"], e["data"]["status"]) for e in events[:-1]] == [
        ("collect", "started"), ("collect", "finished"), ("analyze", "started"), ("analyze", "finished")]
    assert events[-1] == {"event": "end", "data": {"status": "failed", "error": None}}
    resumed = _sse(svc.client.get(url, headers={**admin, "Last-Event-ID": str(seqs[1])}).text)
    assert [int(e["id"]) for e in resumed[:-1]] == seqs[2:]
    by_query = _sse(svc.client.get(url, params={"after": seqs[2]}, headers=admin).text)
    assert [int(e["id"]) for e in by_query[:-1]] == seqs[3:]
    assert svc.client.get(url, headers={**admin, "Last-Event-ID": "x"}).status_code == 400


def test_event_stream_follows_a_running_job_until_it_finishes(svc, admin, monkeypatch):
    monkeypatch.setattr(api, "POLL_S", 0.05)
    job_id = svc.submit(admin)
    svc.store.claim("w", lease_s=60)
    svc.store.add_event(job_id, "collect", "finished")

    def worker() -> None:
        for step in ("analyze", "rank", "report"):
            time.sleep(0.2)
            svc.store.add_event(job_id, step, "finished")
        svc.store.finish(job_id, "w", "succeeded")

    thread = threading.Thread(target=worker)
    thread.start()
    started = time.monotonic()
    text = svc.client.get(f"/v1/investigations/{job_id}/events", headers=admin).text  # returns once the stream ends
    thread.join()
    assert time.monotonic() - started >= 0.5  # it waited for the worker rather than ending early
    events = _sse(text)
    assert [e["data"]["step"] for e in events[:-1]] == ["collect", "analyze", "rank", "report"]
    assert events[-1]["event"] == "end" and events[-1]["data"]["status"] == "succeeded"


REPORTS = {"md": "# Diagnosis\n", "json": '{"findings": []}', "html": "<html><body>r</body></html>",
           "sarif": '{"version": "2.1.0", "runs": []}'}


def test_reports_are_served_with_their_media_types(svc, admin):
    job_id = svc.submit(admin)
    run_job(svc, job_id, ["rank"], reports=REPORTS)
    types_ = {"md": "text/markdown", "json": "application/json", "html": "text/html", "sarif": "application/sarif+json"}
    for fmt, text in REPORTS.items():
        r = svc.client.get(f"/v1/investigations/{job_id}/report.{fmt}", headers=admin)
        assert r.status_code == 200 and r.text == text
        assert r.headers["content-type"].startswith(types_[fmt]) and r.headers["x-content-type-options"] == "nosniff"
    html = svc.client.get(f"/v1/investigations/{job_id}/report.html", headers=admin)
    assert "default-src 'none'" in html.headers["content-security-policy"]


def test_reports_missing_or_not_yet_written_are_404(svc, admin):
    job_id = svc.submit(admin)
    r = svc.client.get(f"/v1/investigations/{job_id}/report.md", headers=admin)
    assert r.status_code == 404 and "yet" in r.json()["detail"]
    run_job(svc, job_id, ["rank"], reports={"md": "# r"})
    for fmt in ("json", "sarif", "exe", "md.bak"):
        assert svc.client.get(f"/v1/investigations/{job_id}/report.{fmt}", headers=admin).status_code == 404
    svc.settings.job_dir(job_id).joinpath("investigation.md").unlink()  # recorded, then removed from disk
    assert svc.client.get(f"/v1/investigations/{job_id}/report.md", headers=admin).status_code == 404


def test_report_paths_outside_the_job_folder_are_never_served(svc, admin, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    other_id = svc.submit(admin)
    other = write_reports(svc, other_id, {"md": "other job's report"})
    job_id = svc.submit(admin)
    folder = svc.settings.job_dir(job_id)
    folder.mkdir(parents=True)
    (folder / "link.md").symlink_to(secret)
    recorded = {"md": str(secret), "json": f"{folder}/../{other_id}/investigation.md", "html": "link.md",
                "sarif": "../../../secret.txt"}
    svc.store.claim("w", lease_s=60)
    svc.store.finish(job_id, "w", "succeeded", reports=recorded)
    for fmt in recorded:
        r = svc.client.get(f"/v1/investigations/{job_id}/report.{fmt}", headers=admin)
        assert r.status_code == 404 and "password" not in r.text and "other job" not in r.text
    for path in ("/report.md/../../../secret.txt", "/report.%2e%2e%2fsecret", "/report..%2f..%2fsecret.txt"):
        r = svc.client.get(f"/v1/investigations/{job_id}{path}", headers=admin)
        assert r.status_code == 404 and "password" not in r.text
    assert svc.client.get(f"/v1/investigations/{other_id}/report.md", headers=admin).status_code == 404
    assert other  # the other job recorded nothing in the store: its file is not served either


class FakePool:
    def __init__(self, settings, store) -> None:
        self.calls: list[str] = []
        self.args = (settings, store)

    def start(self) -> None:
        self.calls.append("start")

    def stop(self) -> None:
        self.calls.append("stop")

    def cancel(self, job_id: str) -> bool:
        self.calls.append(f"cancel {job_id}")
        return True

    def notify(self) -> None:
        self.calls.append("notify")


def test_cancel_queued_running_and_finished_jobs(svc, admin):
    pool = FakePool(svc.settings, svc.store)
    svc.ctx.pool = pool
    done, running, queued = svc.submit(admin), svc.submit(admin), svc.submit(admin)
    run_job(svc, done, ["rank"])  # claims the oldest
    assert svc.store.claim("w", lease_s=60).id == running
    r = svc.client.delete(f"/v1/investigations/{queued}", headers=admin)
    assert r.status_code == 202 and r.json()["status"] == "cancelled"
    r = svc.client.delete(f"/v1/investigations/{running}", headers=admin)
    assert r.status_code == 202 and r.json()["status"] == "running" and r.json()["cancel_requested"] is True
    assert pool.calls == ["notify"] * 3 + [f"cancel {running}"]  # each submission wakes it; it stops running jobs
    assert svc.store.get(running).cancel_requested
    r = svc.client.delete(f"/v1/investigations/{done}", headers=admin)
    assert r.status_code == 409 and "succeeded" in r.json()["detail"]
    assert svc.client.delete(f"/v1/investigations/{queued}", headers=admin).status_code == 202  # idempotent


def test_full_queue_is_429_with_retry_after(db_url, tmp_path):
    with service(db_url, tmp_path, queue_limit=2) as svc:
        key = svc.key("submit")
        svc.submit(key)
        svc.submit(key)
        r = svc.client.post("/v1/investigations", json={"repo": str(svc.repo), "baseline_commit": "v1"}, headers=key)
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and "queue is full" in r.json()["detail"]
        assert svc.store.list_jobs()[1] == 2
        svc.store.claim("w", lease_s=60)  # one leaves the queue: room again
        assert svc.client.post("/v1/investigations", json={"repo": str(svc.repo), "baseline_commit": "v1"},
                               headers=key).status_code == 201


def test_queue_limit_holds_under_concurrent_submissions(db_url, tmp_path):
    store = JobStore(connect(db_url))
    results: list[object] = []
    gate = threading.Barrier(12)

    def submit() -> None:
        gate.wait()
        results.append(store.submit_within("/r", {"repo": "/r"}, None, queue_limit=5))

    threads = [threading.Thread(target=submit) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    accepted = [r for r in results if r is not None]
    assert len(accepted) == 5 and store.stats().queue_length == 5  # none beyond the limit, none lost
    assert {j.id for j in accepted} == {j.id for j in store.list_jobs()[0]}


def test_rate_limit_per_key_is_429_with_retry_after(db_url, tmp_path):
    with service(db_url, tmp_path, rate_limit_per_minute=3) as svc:
        first, second = svc.key("read"), svc.key("read")
        assert [svc.client.get("/v1/investigations", headers=first).status_code for _ in range(3)] == [200] * 3
        r = svc.client.get("/v1/investigations", headers=first)
        assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 20  # one token back in 20 s
        assert svc.client.get("/v1/investigations", headers=second).status_code == 200  # buckets are per key
        assert svc.client.get("/healthz").status_code == 200  # health checks are not limited


def test_request_body_over_the_limit_is_413(db_url, tmp_path):
    with service(db_url, tmp_path, max_body_bytes=2048) as svc:
        key = svc.key("submit")
        big = json.dumps({"repo": str(svc.repo), "baseline_commit": "v1", "title": "x" * 4000}).encode()
        r = svc.client.post("/v1/investigations", content=big, headers={**key, "content-type": "application/json"})
        assert r.status_code == 413 and "2048" in r.json()["detail"]

        def chunks():  # no Content-Length: counted while it streams in
            for i in range(0, len(big), 500):
                yield big[i:i + 500]

        r = svc.client.post("/v1/investigations", content=chunks(), headers={**key, "content-type": "application/json"})
        assert r.status_code == 413
        assert svc.store.list_jobs()[1] == 0
        small = json.dumps({"repo": str(svc.repo), "baseline_commit": "v1"}).encode()
        r = svc.client.post("/v1/investigations", content=iter([small[:10], small[10:]]),
                            headers={**key, "content-type": "application/json"})
        assert r.status_code == 201  # a chunked body under the limit is passed on whole


def test_metrics_parse_as_prometheus_text(svc, admin):
    finished = svc.submit(admin)
    svc.submit(admin)
    run_job(svc, finished, ["rank"])
    svc.client.get(f"/v1/investigations/{finished}", headers=admin)
    svc.client.get("/v1/investigations/" + "f" * 32, headers=admin)
    r = svc.client.get("/metrics", headers=admin)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    assert families["investigator_queue_length"].samples[0].value == 1
    states = {s.labels["state"]: s.value for s in families["investigator_jobs"].samples}
    assert states == {"queued": 1, "running": 0, "succeeded": 1, "failed": 0, "cancelled": 0}
    duration = {s.name: s.value for s in families["investigator_job_duration_seconds"].samples}
    assert duration["investigator_job_duration_seconds_count"] == 1 and duration["investigator_job_duration_seconds_sum"] >= 0
    http = {(s.labels["method"], s.labels["route"], s.labels["status"]): s.value
            for s in families["investigator_http_requests"].samples}
    assert http[("POST", "/v1/investigations", "201")] == 2
    assert http[("GET", "/v1/investigations/{job_id}", "200")] == 1  # the template, not the id
    assert http[("GET", "/v1/investigations/{job_id}", "404")] == 1
    assert not any(finished in route for _, route, _ in http)


def test_healthz_reports_an_unreachable_database(svc):
    assert svc.client.get("/healthz").json() == {"status": "ok", "db": "ok", "workers": False}
    svc.ctx.store = JobStore(create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    r = svc.client.get("/healthz")
    assert r.status_code == 503 and r.json()["status"] == "unavailable"


def test_openapi_documents_every_route_with_examples(svc):
    spec = svc.client.get("/openapi.json").json()
    paths = spec["paths"]
    assert {"/v1/investigations", "/v1/investigations/{job_id}", "/v1/investigations/{job_id}/events",
            "/v1/investigations/{job_id}/report.{fmt}", "/healthz", "/metrics"} <= set(paths)
    post = paths["/v1/investigations"]["post"]
    assert post["description"] and set(post["responses"]) >= {"201", "403", "422", "429"}
    assert "static" in post["requestBody"]["content"]["application/json"]["examples"]
    assert "delete" in paths["/v1/investigations/{job_id}"]
    assert svc.client.get("/docs").status_code == 200


def test_lifespan_starts_and_stops_the_pool(db_url, tmp_path, monkeypatch):
    module = types.ModuleType("investigator.service.pool")
    made: list[FakePool] = []
    module.WorkerPool = lambda settings, store: made.append(FakePool(settings, store)) or made[-1]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "investigator.service.pool", module)
    settings = ServiceSettings(db_url=db_url, data_dir=tmp_path / "data")
    from fastapi.testclient import TestClient

    app = create_app(settings)
    with TestClient(app) as client:
        assert client.get("/healthz").json()["workers"] is True
        assert made[0].calls == ["start"] and made[0].args[0] is settings
    assert made[0].calls == ["start", "stop"]


def test_rate_limiter_bursts_a_minute_then_refills_continuously():
    from investigator.service.limits import RateLimiter, retry_after

    now = [0.0]
    limiter = RateLimiter(per_minute=6, clock=lambda: now[0])  # one token every 10 s, bursts of 6
    assert [limiter.take("k") for _ in range(6)] == [0.0] * 6
    assert limiter.take("k") == pytest.approx(10.0)
    now[0] = 4.0
    assert limiter.take("k") == pytest.approx(6.0) and retry_after(6.0) == "6"
    now[0] = 10.0
    assert limiter.take("k") == 0.0 and limiter.take("k") > 0  # one token came back, and only one
    now[0] = 1000.0
    assert [limiter.take("k") for _ in range(7)].count(0.0) == 6  # refilled to the burst size, not beyond
    assert limiter.take("other") == 0.0 and retry_after(0.2) == "1"
