"""API keys and scopes: missing, malformed, unknown and revoked keys (401), wrong scope (403), the
browser cookie (and its cross-site refusal), admin-only fields, and auth turned off on a local host."""

from __future__ import annotations

import pytest

from investigator.service.settings import ServiceSettings
from tests.service.apihelpers import service


@pytest.fixture
def svc(db_url, tmp_path):
    with service(db_url, tmp_path) as s:
        yield s


def _body(svc, **fields):
    return {"repo": str(svc.repo), "baseline_commit": "v1", **fields}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "},
                                     {"Authorization": "Bearer inv_000000000000_guess"},
                                     {"Authorization": "Bearer not-a-key"}])
def test_missing_or_wrong_keys_are_401_with_a_bearer_challenge(svc, headers):
    for method, url in (("GET", "/v1/investigations"), ("POST", "/v1/investigations"), ("GET", "/metrics"),
                        ("GET", "/v1/investigations/" + "0" * 32 + "/events")):
        r = svc.client.request(method, url, headers=headers, json=_body(svc) if method == "POST" else None)
        assert r.status_code == 401, (method, url)
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert svc.store.list_jobs()[1] == 0
    if not headers:
        assert "investigate keys create" in svc.client.get("/v1/investigations").json()["detail"]


def test_a_key_with_the_right_secret_but_altered_is_refused(svc):
    _, text = svc.store.create_key("admin")
    key_id = text.split("_")[1]
    forged = f"inv_{key_id}_{'A' * 43}"
    r = svc.client.get("/v1/investigations", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and 'error="invalid_token"' in r.headers["www-authenticate"]
    assert svc.client.get("/v1/investigations", headers={"Authorization": f"Bearer {text}"}).status_code == 200


def test_revoked_key_is_401(svc):
    key, text = svc.store.create_key("admin")
    headers = {"Authorization": f"Bearer {text}"}
    assert svc.client.get("/v1/investigations", headers=headers).status_code == 200
    assert svc.store.revoke_key(key.id)
    r = svc.client.get("/v1/investigations", headers=headers)
    assert r.status_code == 401 and "revoked" in r.json()["detail"]


def test_scopes_nest_read_submit_admin(svc):
    read, submit, admin = svc.key("read"), svc.key("submit"), svc.key("admin")
    for headers in (read, submit, admin):
        assert svc.client.get("/v1/investigations", headers=headers).status_code == 200
        assert svc.client.get("/metrics", headers=headers).status_code == 200
    r = svc.client.post("/v1/investigations", json=_body(svc), headers=read)
    assert r.status_code == 403 and "needs submit" in r.json()["detail"]
    job_id = svc.submit(submit)
    assert svc.client.get(f"/v1/investigations/{job_id}", headers=read).status_code == 200
    assert svc.client.delete(f"/v1/investigations/{job_id}", headers=read).status_code == 403
    assert svc.store.get(job_id).status == "queued"


def test_only_the_submitting_key_or_an_admin_cancels(svc):
    owner, other, admin = svc.key("submit"), svc.key("submit"), svc.key("admin")
    first, second = svc.submit(owner), svc.submit(owner)
    r = svc.client.delete(f"/v1/investigations/{first}", headers=other)
    assert r.status_code == 403 and svc.store.get(first).status == "queued"
    assert svc.client.delete(f"/v1/investigations/{first}", headers=owner).status_code == 202
    assert svc.client.delete(f"/v1/investigations/{second}", headers=admin).status_code == 202
    assert {svc.store.get(j).status for j in (first, second)} == {"cancelled"}


@pytest.mark.parametrize("field", [{"probe_command": "python train.py --seed {seed}"}, {"probe_setup": "make"},
                                   {"adapter": "/tmp/adapter.py"}, {"ray_address": "ray://head:10001"}])
def test_fields_that_run_a_chosen_command_need_admin(svc, field):
    submit, admin = svc.key("submit"), svc.key("admin")
    if "adapter" in field:
        adapter = svc.repos / "adapter.py"
        adapter.write_text("")
        field = {"adapter": str(adapter)}
    r = svc.client.post("/v1/investigations", json=_body(svc, **field), headers=submit)
    assert r.status_code == 403 and next(iter(field)) in r.json()["detail"] and "admin" in r.json()["detail"]
    assert svc.client.post("/v1/investigations", json=_body(svc, **field), headers=admin).status_code == 201


def test_browser_cookie_authenticates_and_refuses_cross_site_writes(svc):
    _, text = svc.store.create_key("submit")
    svc.client.cookies.set("investigator_key", text)
    assert svc.client.get("/v1/investigations").status_code == 200
    same = svc.client.post("/v1/investigations", json=_body(svc), headers={"Origin": "http://testserver"})
    assert same.status_code == 201
    for cross in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        r = svc.client.post("/v1/investigations", json=_body(svc), headers=cross)
        assert r.status_code == 403 and "cross-site" in r.json()["detail"]
    assert svc.client.get("/v1/investigations", headers={"Origin": "https://evil.example"}).status_code == 200
    assert svc.store.list_jobs()[1] == 1
    svc.client.cookies.set("investigator_key", "inv_0_bad")
    assert svc.client.get("/v1/investigations").status_code == 401


def test_no_auth_lets_every_request_through(db_url, tmp_path):
    with service(db_url, tmp_path, auth=False) as svc:
        job_id = svc.submit({})
        assert svc.client.get("/v1/investigations").json()["total"] == 1
        assert svc.client.delete(f"/v1/investigations/{job_id}").status_code == 202
        assert svc.store.get(job_id).submitted_by is None


def test_healthz_needs_no_key(svc):
    assert svc.client.get("/healthz").status_code == 200


@pytest.mark.parametrize(("host", "local"), [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                             ("0.0.0.0", False), ("10.0.0.5", False), ("example.com", False)])
def test_auth_may_be_off_only_on_a_local_host(tmp_path, host, local):
    assert ServiceSettings(db_url="x", data_dir=tmp_path, host=host).auth_may_be_off() is local
