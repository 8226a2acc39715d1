"""The web UI in a real browser: Playwright driving Debian's Chromium against the whole service app
(uvicorn in a thread, no workers: the tests put jobs, progress events and real reports of the demo
repository into the store as a worker would). Skipped, with the reason, where Chromium or Playwright is
missing; CI installs both (.ci/run)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from investigator.service.compare import compare, load_findings
from investigator.service.db import connect
from investigator.service.settings import ServiceSettings
from investigator.service.store import JobStore
from tests.service.web_support import (
    RealReport,
    backdate,
    browser_missing,
    chromium,
    demo_reports,
    finish,
    serving,
    sign_in,
    start,
    submit,
)

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))


@dataclass
class Service:
    base: str
    store: JobStore
    settings: ServiceSettings
    key: str
    repo: Path
    full: RealReport  # the demo's whole range
    shorter: RealReport  # a shorter range: fewer findings
    browser: Any


@pytest.fixture(scope="module")
def service(demo_repo, tmp_path_factory) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("web-browser")
    full, shorter = demo_reports(demo_repo, root / "reports")
    settings = ServiceSettings(db_url=str(root / "service.db"), data_dir=root / "data",
                               allow_repos=[str(demo_repo.path.parent)])
    store = JobStore(connect(settings.db_url))
    _, key = store.create_key("admin", "browser-test")
    with serving(settings) as base, chromium() as browser:
        yield Service(base=base, store=store, settings=settings, key=key, repo=demo_repo.path, full=full,
                      shorter=shorter, browser=browser)


@pytest.fixture
def page(service: Service) -> Iterator[Any]:
    context = service.browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def _finished(service: Service, report: RealReport) -> str:
    job = submit(service.store, str(service.repo), baseline=report.baseline, candidate=report.candidate)
    start(service.store, job.id)
    finish(service.store, service.settings, job.id, report)
    return job.id


def test_login_then_the_list_shows_jobs_with_counts(service, page):
    from playwright.sync_api import expect

    full = _finished(service, service.full)
    running = submit(service.store, str(service.repo)).id
    start(service.store, running, step="analyze:code_detectors")
    page.goto(f"{service.base}/ui/")
    assert "/ui/login" in page.url  # no key yet
    page.fill("#key", "inv_000000000000_wrong")
    page.click("button[type=submit]")
    expect(page.locator("#key-error")).to_contain_text("not valid")
    sign_in(page, service.base, service.key)
    row = page.locator(f'tr[data-job="{full}"]')
    for severity, count in service.full.counts.items():
        expect(row.locator(f".sev-{severity}")).to_have_text(str(count))
    expect(row.locator(".status")).to_have_text("succeeded")
    expect(row).to_contain_text(service.full.candidate[:10])
    busy = page.locator(f'tr[data-job="{running}"]')
    expect(busy.locator(".status")).to_have_text("running")
    expect(busy).to_contain_text("analyze:code_detectors")
    page.click("text=Log out")
    page.wait_for_url(re.compile(r".*/ui/login$"))
    page.goto(f"{service.base}/ui/")
    assert "/ui/login" in page.url  # the cookie is gone


def test_submit_queues_a_job_and_shows_an_allowlist_refusal(service, page):
    from playwright.sync_api import expect

    sign_in(page, service.base, service.key)
    before = service.store.list_jobs()[1]
    page.goto(f"{service.base}/ui/submit")
    page.fill("#f-repo", "/etc")
    page.fill("#f-baseline_commit", "v1")
    page.click("button:has-text('Submit')")
    expect(page.locator("#e-repo")).to_contain_text("outside the allowed path prefixes")
    assert service.store.list_jobs()[1] == before
    page.fill("#f-repo", str(service.repo))
    page.fill("#f-baseline_commit", service.full.baseline)
    page.fill("#f-candidate_commit", service.full.candidate)
    page.click("button:has-text('Submit')")
    page.wait_for_url(re.compile(r".*/ui/jobs/[0-9a-f]{32}$"))
    job_id = page.url.rsplit("/", 1)[1]
    expect(page.locator("#live .status")).to_have_text("queued")
    job = service.store.get(job_id)
    assert job is not None and job.status == "queued" and job.repo == str(service.repo)
    assert job.request["candidate_commit"] == service.full.candidate


def test_job_page_follows_progress_then_shows_the_report(service, page):
    from playwright.sync_api import expect

    sign_in(page, service.base, service.key)
    job = submit(service.store, str(service.repo), baseline=service.full.baseline, candidate=service.full.candidate)
    start(service.store, job.id)
    service.store.add_event(job.id, "resolve", "started")
    page.goto(f"{service.base}/ui/jobs/{job.id}")
    events = page.locator("#live .events")
    expect(events).to_contain_text("resolve")
    # the worker goes on while the page is open: the page shows it without a reload
    service.store.add_event(job.id, "resolve", "finished", seconds=0.4)
    service.store.add_event(job.id, "analyze:code_detectors", "started", detail="12 files")
    expect(events).to_contain_text("analyze:code_detectors")
    expect(events).to_contain_text("12 files")
    expect(page.locator("#live")).to_contain_text("1 step finished")
    finish(service.store, service.settings, job.id, service.full)
    expect(page.locator("#live .status")).to_have_text("succeeded", timeout=10_000)
    frame = page.frame_locator("iframe.report")
    expect(frame.locator("h1").first).to_contain_text("Regression diagnosis")
    expect(frame.locator("body")).to_contain_text(service.full.titles[0].split("`")[0].strip())
    assert page.locator("iframe.report").get_attribute("sandbox") == ""
    link = page.locator("a:text-is('json')")
    assert link.get_attribute("href") == f"/v1/investigations/{job.id}/report.json"
    fetched = page.request.get(f"{service.base}/v1/investigations/{job.id}/report.json")  # the API takes the cookie
    assert fetched.ok and [f["title"] for f in fetched.json()["findings"]] == service.full.titles


def test_compare_page_lists_the_differences(service, page):
    from playwright.sync_api import expect

    sign_in(page, service.base, service.key)
    a, b = _finished(service, service.full), _finished(service, service.shorter)
    # `finish` dates a job's creation back by its real run's length, so which of the two is older depends on how
    # long each fixture investigation took: make A the older by an hour
    backdate(service.store, a, 3600)
    only_full = [t for t in service.full.titles if t not in service.shorter.titles]
    assert only_full, "the shorter range must lack some findings of the whole range"
    page.goto(f"{service.base}/ui/")
    button = page.locator("#compare-button")
    page.check(f'tr[data-job="{a}"] input[name=job]')
    expect(button).to_be_disabled()
    page.check(f'tr[data-job="{b}"] input[name=job]')
    expect(button).to_be_enabled()
    button.click()
    page.wait_for_url(re.compile(rf".*/ui/compare\?a={a}&b={b}$"))  # A: the older of the two
    expected = compare(load_findings(service.full.files["json"]), load_findings(service.shorter.files["json"]))
    only_a = page.locator("#only-a")
    expect(only_a.locator(".count")).to_have_text(str(len(only_full)))
    for title in only_full:
        expect(only_a).to_contain_text(title.replace("`", ""))  # code spans shown as <code>
    expect(page.locator("#only-b .count")).to_have_text(str(len(expected.only_b)))
    expect(page.locator("#both .count")).to_have_text(str(len(expected.both) - len(expected.changed)))
    expect(page.locator(".summary")).to_contain_text(f"{len(expected.only_a)} only in A")
