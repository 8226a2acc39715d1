"""/v1/watches with FastAPI's test client: create (admin only, allowlisted, checked options), list,
show with history, pause/resume, delete; no scheduler runs here (start_workers=False)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from investigator.service.store import utcnow
from investigator.service.watches import WatchStore
from investigator.watch.state import Alert, MetricPoint, Tick
from tests.service.apihelpers import Service, service


@pytest.fixture
def svc(db_url, tmp_path):
    with service(db_url, tmp_path) as s:
        yield s


def _body(svc: Service, **fields: object) -> dict[str, object]:
    return {"repo": str(svc.repo), "branch": "main", "interval_s": 600, **fields}


def test_create_list_show_pause_resume_delete(svc):
    admin, reader = svc.key("admin"), svc.key("read")
    r = svc.client.post("/v1/watches", json=_body(svc, probe_command="python train.py --seed {seed} --logdir {logdir}",
                                                  primary_metric="charts/return", seeds=4), headers=admin)
    assert r.status_code == 201, r.text
    w = r.json()
    assert r.headers["location"] == f"/v1/watches/{w['id']}"
    assert w["name"] == "ppo:main" and w["baseline_policy"] == "last_good" and not w["paused"]
    assert w["options"]["seeds"] == 4 and w["interval_s"] == 600 and w["next_run_at"] is not None

    listed = svc.client.get("/v1/watches", headers=reader).json()
    assert [x["id"] for x in listed] == [w["id"]]

    r = svc.client.post(f"/v1/watches/{w['id']}/pause", headers=admin)
    assert r.status_code == 200 and r.json()["paused"] is True
    r = svc.client.post(f"/v1/watches/{w['id']}/resume", headers=admin)
    assert r.status_code == 200 and r.json()["paused"] is False

    r = svc.client.delete(f"/v1/watches/{w['id']}", headers=admin)
    assert r.status_code == 204
    assert svc.client.get(f"/v1/watches/{w['id']}", headers=reader).status_code == 404
    assert svc.client.delete(f"/v1/watches/{w['id']}", headers=admin).status_code == 404
    assert svc.client.get("/v1/watches", headers=reader).json() == []


def test_show_includes_ticks_points_and_alerts(svc):
    admin = svc.key("admin")
    wid = svc.client.post("/v1/watches", json=_body(svc, baseline="v1"), headers=admin).json()["id"]
    store = WatchStore(svc.store.engine)
    with store._sessions.begin() as s:
        s.add(Tick(watch_id=wid, head_sha="b" * 40, new_commits=2, outcome="regression", notes=["n"]))
        s.add(MetricPoint(watch_id=wid, seq=0, sha="a" * 40, values=[1.0, 2.0], iqm=1.5, ci_low=1.0, ci_high=2.0))
        s.add(Alert(watch_id=wid, key="b" * 40, kind="regression", severity="critical", reference_sha="a" * 40,
                    head_sha="b" * 40, summary="return fell", report="/r/report.md"))
    d = svc.client.get(f"/v1/watches/{wid}", headers=svc.key("read")).json()
    assert d["baseline_policy"] == "fixed" and d["options"]["baseline"] == "v1"
    assert [t["outcome"] for t in d["ticks"]] == ["regression"]
    assert d["points"][0]["values"] == [1.0, 2.0] and d["points"][0]["iqm"] == 1.5
    assert d["alerts"][0]["summary"] == "return fell" and d["alerts"][0]["report"] == "/r/report.md"


def test_scopes_and_auth(svc):
    submit, reader = svc.key("submit"), svc.key("read")
    assert svc.client.get("/v1/watches").status_code == 401
    assert svc.client.post("/v1/watches", json=_body(svc)).status_code == 401
    for key in (submit, reader):
        r = svc.client.post("/v1/watches", json=_body(svc), headers=key)
        assert r.status_code == 403 and "needs admin" in r.json()["detail"]
    wid = svc.client.post("/v1/watches", json=_body(svc), headers=svc.key("admin")).json()["id"]
    for path in (f"/v1/watches/{wid}/pause", f"/v1/watches/{wid}/resume", f"/v1/watches/{wid}/run"):
        assert svc.client.post(path, headers=submit).status_code == 403
    assert svc.client.delete(f"/v1/watches/{wid}", headers=reader).status_code == 403
    assert svc.client.get(f"/v1/watches/{wid}", headers=reader).status_code == 200


def test_refusals(svc, tmp_path):
    admin = svc.key("admin")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    r = svc.client.post("/v1/watches", json=_body(svc, repo=str(outside)), headers=admin)
    assert r.status_code == 403 and "allow" in r.json()["detail"]
    assert svc.client.post("/v1/watches", json=_body(svc, interval_s=59), headers=admin).status_code == 422
    assert svc.client.post("/v1/watches", json=_body(svc, branch="--upload-pack=x"), headers=admin).status_code == 422
    assert svc.client.post("/v1/watches", json=_body(svc, surprise=1), headers=admin).status_code == 422
    r = svc.client.post("/v1/watches", json=_body(svc, probe_command="python train.py"), headers=admin)
    assert r.status_code == 422 and "{logdir}" in r.json()["detail"]
    r = svc.client.post("/v1/watches", json=_body(svc, notify_url="http://h/x", notify_format="xml"), headers=admin)
    assert r.status_code == 422 and "notify_format" in r.text
    r = svc.client.post("/v1/watches", json=_body(svc, notify_url="ftp://x"), headers=admin)
    assert r.status_code == 422 and "notify_url" in r.json()["detail"]
    assert svc.client.post("/v1/watches", json=_body(svc), headers=admin).status_code == 201
    assert svc.client.post("/v1/watches", json=_body(svc), headers=admin).status_code == 409  # same name
    assert svc.client.post("/v1/watches/999/pause", headers=admin).status_code == 404


def test_resume_makes_the_watch_due_now(svc):
    admin = svc.key("admin")
    wid = svc.client.post("/v1/watches", json=_body(svc), headers=admin).json()["id"]
    store = WatchStore(svc.store.engine)
    with store._sessions.begin() as s:
        from investigator.watch.state import Watch

        w = s.get(Watch, wid)
        assert w is not None
        w.next_run_at = utcnow() + timedelta(days=1)
    svc.client.post(f"/v1/watches/{wid}/pause", headers=admin)
    svc.client.post(f"/v1/watches/{wid}/resume", headers=admin)
    w2 = store.get(wid)
    assert w2 is not None and w2.next_run_at is not None and w2.next_run_at <= utcnow()


def test_notify_secret_is_write_only_and_patch_sets_or_removes_it(svc):
    admin, reader = svc.key("admin"), svc.key("read")
    secret = "hmac-key-never-shown-4711"
    r = svc.client.post("/v1/watches", json=_body(svc, notify_url="https://hooks.example/x", notify_secret=secret),
                        headers=admin)
    assert r.status_code == 201 and r.json()["has_notify_secret"] is True and "notify_secret" not in r.json()
    wid = r.json()["id"]
    for url in ("/v1/watches", f"/v1/watches/{wid}", "/openapi.json"):
        assert secret not in svc.client.get(url, headers=reader).text, url
    r = svc.client.patch(f"/v1/watches/{wid}", json={"notify_secret": None}, headers=admin)
    assert r.status_code == 200 and r.json()["has_notify_secret"] is False
    r = svc.client.patch(f"/v1/watches/{wid}", json={"notify_secret": "another", "notify_url": "https://hooks.example/y"},
                         headers=admin)
    assert r.status_code == 200 and r.json()["has_notify_secret"] is True and "another" not in r.text
    assert r.json()["options"]["notify_url"] == "https://hooks.example/y"
    r = svc.client.patch(f"/v1/watches/{wid}", json={"notify_url": "ftp://x"}, headers=admin)
    assert r.status_code == 422 and "notify_url" in r.json()["detail"]
    w = WatchStore(svc.store.engine).get(wid)
    assert w is not None and w.notify_secret == "another"  # stored so the scheduler can sign


def _postpone(store: WatchStore, wid: int) -> None:
    from investigator.watch.state import Watch

    with store._sessions.begin() as s:
        w = s.get(Watch, wid)
        assert w is not None
        w.next_run_at = utcnow() + timedelta(days=1)


def test_run_now_makes_an_unpaused_watch_due_and_refuses_a_paused_one(svc):
    admin = svc.key("admin")
    wid = svc.client.post("/v1/watches", json=_body(svc, notify_url="https://hooks.example/x", notify_format="slack"),
                          headers=admin).json()["id"]
    store = WatchStore(svc.store.engine)
    _postpone(store, wid)
    r = svc.client.post(f"/v1/watches/{wid}/run", headers=admin)
    assert r.status_code == 200 and r.json()["options"]["notify_format"] == "slack"
    w = store.get(wid)
    assert w is not None and w.next_run_at is not None and w.next_run_at <= utcnow()
    assert store.claim_due("test", 60) is not None  # the scheduler would take it now
    svc.client.post(f"/v1/watches/{wid}/pause", headers=admin)
    _postpone(store, wid)
    assert svc.client.post(f"/v1/watches/{wid}/run", headers=admin).status_code == 409
    w = store.get(wid)
    assert w is not None and w.next_run_at is not None and w.next_run_at > utcnow()  # left as it was
    assert store.run_now(wid) is None and store.run_now(999) is None
    assert svc.client.post("/v1/watches/999/run", headers=admin).status_code == 404
