"""The job store: submit, claim with leases, renew, finish once, cancel, events, keys, retention."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from investigator.service.db import connect, database_url
from investigator.service.store import JobStore, utcnow


@pytest.fixture
def store(db_url: str) -> JobStore:
    return JobStore(connect(db_url))


def _submit(store: JobStore, repo: str = "/srv/repo") -> str:
    return store.submit(repo, {"repo": repo, "baseline_commit": "v1"}).id


def test_database_url_forms(tmp_path):
    assert database_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_url(str(tmp_path / "a" / "x.db")) == f"sqlite:///{tmp_path / 'a' / 'x.db'}"
    assert (tmp_path / "a").is_dir()
    with pytest.raises(ValueError):
        database_url("  ")


def test_upgrade_is_idempotent(db_url):
    connect(db_url)
    store = JobStore(connect(db_url))  # a second start on the same database keeps its data
    _submit(store)
    assert JobStore(connect(db_url)).list_jobs()[1] == 1


def test_claim_takes_oldest_queued_once(store):
    first, second = _submit(store), _submit(store)
    a = store.claim("w1", lease_s=60)
    b = store.claim("w2", lease_s=60)
    assert (a.id, b.id) == (first, second)
    assert a.status == "running" and a.owner == "w1" and a.attempts == 1 and a.started_at is not None
    assert store.claim("w3", lease_s=60) is None  # nothing left: both leases are live


def test_expired_lease_is_claimed_again_and_the_old_owner_cannot_finish(store):
    job_id = _submit(store)
    store.claim("dead-worker", lease_s=0.05)
    time.sleep(0.1)
    again = store.claim("w2", lease_s=60)
    assert again is not None and again.id == job_id and again.attempts == 2 and again.owner == "w2"
    assert store.renew(job_id, "dead-worker", 60).held is False
    assert store.finish(job_id, "dead-worker", "succeeded") is False
    assert store.finish(job_id, "w2", "succeeded", counts={"critical": 1, "significant": 2, "low": 3},
                        reports={"md": "/x/r.md"}) is True
    assert store.finish(job_id, "w2", "failed") is False  # finished once
    job = store.get(job_id)
    assert job.status == "succeeded" and (job.critical, job.significant, job.low) == (1, 2, 3)
    assert job.reports == {"md": "/x/r.md"} and job.lease_until is None


def test_concurrent_claims_never_share_a_job(store):
    ids = {_submit(store) for _ in range(12)}
    got: list[str] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        while (job := store.claim(name, lease_s=60)) is not None:
            with lock:
                got.append(job.id)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == sorted(ids)


def test_cancel_queued_at_once_running_flagged_finished_untouched(store):
    finished, running, queued = _submit(store), _submit(store), _submit(store)
    store.claim("w", 60)
    assert store.finish(finished, "w", "succeeded")
    assert store.request_cancel(finished).status == "succeeded"
    store.claim("w", 60)
    flagged = store.request_cancel(running)
    assert flagged.status == "running" and flagged.cancel_requested
    assert store.renew(running, "w", 60).cancel_requested is True
    assert store.request_cancel(queued).status == "cancelled"
    assert store.request_cancel("nope") is None
    assert store.claim("w2", 60) is None  # a cancelled job is never claimed


def test_events_in_order_and_resumable(store):
    job_id, other = _submit(store), _submit(store)
    first = store.add_event(job_id, "diff", "finished", "12 files", 0.5)
    store.add_event(other, "diff", "started")
    store.add_event(job_id, "triage", "finished")
    events = store.events(job_id)
    assert [e.step for e in events] == ["diff", "triage"] and events[0].seconds == 0.5
    assert [e.step for e in store.events(job_id, after=first)] == ["triage"]


def test_list_filters_and_paginates(store):
    for i in range(5):
        _submit(store, repo="/a" if i % 2 else "/b")
    page, total = store.list_jobs(repo="/b", limit=2)
    assert total == 3 and len(page) == 2 and all(j.repo == "/b" for j in page)
    assert page[0].created_at >= page[1].created_at  # newest first
    assert store.list_jobs(status="running")[1] == 0
    assert store.list_jobs(since=utcnow() + timedelta(hours=1))[1] == 0


def test_stats_and_purge(store):
    old, young = _submit(store), _submit(store)
    store.claim("w", 60)
    store.finish(old, "w", "failed", error="boom")
    assert store.stats().by_status == {"failed": 1, "queued": 1}
    assert store.stats().queue_length == 1 and store.stats().finished_count == 1
    assert store.purge(timedelta(days=1)) == []
    gone = store.purge(timedelta(seconds=-1))
    assert [j.id for j in gone] == [old] and store.get(old) is None and store.get(young) is not None


def test_keys_hashed_scoped_revocable(store):
    key, secret = store.create_key("submit", name="ci")
    assert secret.startswith(f"inv_{key.id}_") and len(secret) > 40
    found = store.authenticate(secret)
    assert found is not None and found.allows("read") and found.allows("submit") and not found.allows("admin")
    assert store.authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert store.authenticate("Bearer nonsense") is None and store.authenticate("") is None
    assert store.revoke_key(key.id) and store.authenticate(secret) is None
    assert not store.revoke_key(key.id)
    with pytest.raises(ValueError):
        store.create_key("root")  # type: ignore[arg-type]
