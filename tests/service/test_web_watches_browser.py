"""The watch pages in a real browser (Playwright driving Debian's Chromium against the whole service app under
uvicorn, no workers or scheduler): create a watch through the form (refusals shown at their field), pause,
resume, run now and delete with the buttons (delete asks first), a read-scope key sees no admin control and
its forged POST is refused, a cross-site form changes nothing, and the watch page of a history written by the
real tick code shows its marks and alerts and picks up a new tick without a reload. Skipped, with the
reason, where Chromium or Playwright is missing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from investigator.service import web_watches
from investigator.service.db import connect
from investigator.service.settings import ServiceSettings
from investigator.service.store import JobStore
from investigator.service.watches import WatchCreate, WatchStore
from investigator.watch.state import Tick
from tests.service.web_support import browser_missing, chromium, serving, sign_in, simulated_watch

pytestmark = pytest.mark.skipif(browser_missing() is not None, reason=str(browser_missing()))


@dataclass
class Service:
    base: str
    watches: WatchStore
    admin: str
    reader: str
    repo: Path
    settings: ServiceSettings
    browser: Any


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[Service]:
    root = tmp_path_factory.mktemp("web-watches")
    repo = root / "repos" / "gridarena-ppo"
    repo.mkdir(parents=True)
    settings = ServiceSettings(db_url=str(root / "service.db"), data_dir=root / "data",
                               allow_repos=[str(root / "repos")])
    store = JobStore(connect(settings.db_url))
    _, admin = store.create_key("admin", "alice")
    _, reader = store.create_key("read", "bob")
    patch = pytest.MonkeyPatch()
    patch.setattr(web_watches, "POLL_MS", 400)  # the page refreshes fast here
    try:
        with serving(settings) as base, chromium() as browser:
            yield Service(base=base, watches=WatchStore(store.engine), admin=admin, reader=reader, repo=repo,
                          settings=settings, browser=browser)
    finally:
        patch.undo()


@pytest.fixture
def page(service: Service) -> Iterator[Any]:
    context = service.browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def _watch(service: Service, name: str) -> int:
    w = service.watches.create(WatchCreate(repo=str(service.repo), branch="main", name=name), str(service.repo))
    assert w is not None
    return w.id


def test_create_a_watch_with_the_form(service, page):
    from playwright.sync_api import expect

    sign_in(page, service.base, service.admin)
    page.goto(f"{service.base}/ui/watches")
    page.fill("#w-repo", "/etc")
    page.fill("#w-branch", "main")
    page.fill("#w-name", "browser-made")
    page.click("button:has-text('Create watch')")
    expect(page.locator("#e-repo")).to_contain_text("outside the allowed path prefixes")
    expect(page.locator("#w-name")).to_have_value("browser-made")  # what was typed is kept
    page.fill("#w-repo", str(service.repo))
    page.fill("#w-probe_command", "python train.py --seed {seed}")
    page.check("#w-policy-fixed")
    page.click("button:has-text('Create watch')")
    expect(page.locator("#e-probe_command")).to_contain_text("{logdir}")
    expect(page.locator("#e-baseline")).to_contain_text("give the ref")
    assert all(w.name != "browser-made" for w in service.watches.all())
    page.fill("#w-probe_command", "python train.py --seed {seed} --logdir {logdir}")
    page.fill("#w-baseline", "v1.0")
    page.fill("#w-interval_s", "900")
    page.select_option("#w-notify_format", "slack")
    page.fill("#w-notify_url", "https://hooks.slack.com/services/T/B/x")
    page.click("button:has-text('Create watch')")
    page.wait_for_url(re.compile(r".*/ui/watches/\d+\b.*"))
    expect(page.locator(".flash")).to_contain_text("Watch created")
    expect(page).to_have_url(re.compile(r".*/ui/watches/\d+$"))  # ?done=created shown once, then dropped from the address
    wid = int(page.url.rsplit("/", 1)[1])
    w = service.watches.get(wid)
    assert w is not None and w.name == "browser-made" and w.baseline_policy == "fixed" and w.interval_s == 900
    assert w.options is not None and w.options["notify_format"] == "slack" and w.options["baseline"] == "v1.0"
    expect(page.locator("#live dl.meta")).to_contain_text("every 15 minutes")


def test_pause_resume_run_now_and_delete(service, page):
    from playwright.sync_api import expect

    wid = _watch(service, "buttons")
    sign_in(page, service.base, service.admin)
    page.goto(f"{service.base}/ui/watches/{wid}")
    page.click("#pause")
    expect(page.locator(".flash")).to_contain_text("Paused")
    expect(page.locator("h1 .state")).to_have_text("paused")
    assert service.watches.get(wid).paused  # type: ignore[union-attr]
    page.click("#resume")
    expect(page.locator(".flash")).to_contain_text("Resumed")
    expect(page.locator("h1 .state")).to_have_text("waiting")
    page.click("#run-now")
    expect(page.locator(".flash")).to_contain_text("A tick is due now")
    page.once("dialog", lambda dialog: dialog.dismiss())  # delete asks first: "no" keeps it
    page.click("#delete")
    expect(page.locator("h1")).to_contain_text("buttons")
    assert service.watches.get(wid) is not None
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#delete")
    page.wait_for_url(re.compile(r".*/ui/watches$"))
    expect(page.locator(".flash")).to_contain_text("Watch deleted")
    assert service.watches.get(wid) is None


def test_a_read_key_sees_no_admin_controls_and_a_forged_post_is_refused(service, page):
    from playwright.sync_api import expect

    wid = _watch(service, "read-only")
    sign_in(page, service.base, service.reader)
    page.goto(f"{service.base}/ui/watches")
    expect(page.locator("main")).to_contain_text("needs an admin key")
    assert page.locator("#watch-form").count() == 0
    page.goto(f"{service.base}/ui/watches/{wid}")
    assert page.locator(".watch-actions").count() == 0 and page.locator("main form").count() == 0
    for action in ("pause", "delete"):  # the same POST a button would send, with the reader's cookie
        r = page.request.post(f"{service.base}/ui/watches/{wid}/{action}", headers={"Origin": service.base},
                              max_redirects=0)
        assert r.status == 403 and "admin needed" in r.text()
    r = page.request.post(f"{service.base}/ui/watches", headers={"Origin": service.base},
                          form={"repo": str(service.repo), "branch": "main", "name": "forged"}, max_redirects=0)
    assert r.status == 403
    w = service.watches.get(wid)
    assert w is not None and not w.paused and all(x.name != "forged" for x in service.watches.all())


def test_cross_site_posts_change_nothing(service, page):
    wid = _watch(service, "cross-site")
    sign_in(page, service.base, service.admin)
    evil = "http://evil.test/"
    page.route(evil, lambda route: route.fulfill(content_type="text/html", body=(
        f'<form method="post" action="{service.base}/ui/watches/{wid}/delete"><button>win a prize</button></form>')))
    page.goto(evil)
    page.click("text=win a prize")
    page.wait_for_load_state()
    assert "/ui/login" in page.url  # the SameSite=Strict cookie stayed home: not signed in over there
    assert service.watches.get(wid) is not None
    # with the cookie attached anyway (as a same-site attacker could), the Origin check refuses
    r = page.request.post(f"{service.base}/ui/watches/{wid}/delete", headers={"Origin": "http://evil.test"},
                          max_redirects=0)
    assert r.status == 403 and service.watches.get(wid) is not None


def test_watch_page_shows_the_history_and_a_new_tick_without_reload(service, page):
    from playwright.sync_api import expect

    wid = simulated_watch(service.settings, str(service.repo))  # the real tick code, a simulated branch
    sign_in(page, service.base, service.reader)
    page.goto(f"{service.base}/ui/watches")
    row = page.locator(f'tr[data-watch="{wid}"]')
    expect(row).to_contain_text("1 open")
    expect(row).to_contain_text("every 1 hour")
    row.locator("a").click()
    plot = page.locator(".watch-plot")
    # the step regression (fixed since): its culprit, found by bisection, lies between two measured heads
    expect(plot.locator(".rule-culprit.resolved")).to_have_count(1)
    expect(plot.locator(".rule-culprit title")).to_contain_text("between the measured heads #3 and #4")
    expect(plot.locator(".mark-change")).to_have_count(1)  # the drift's change point (open) is a measured head
    expect(plot.locator(".rule-change:not(.resolved)")).to_have_count(1)
    expect(plot.locator(".legend")).to_contain_text("change point of a drift alert")
    expect(plot.locator("svg")).to_contain_text("charts/episodic_return ↑ better")
    alerts = page.locator("table.alerts tbody tr")
    expect(alerts).to_have_count(2)
    expect(alerts.nth(0)).to_contain_text("open")  # open first
    expect(alerts.nth(0)).to_contain_text("drift (change point)")
    expect(alerts.nth(1)).to_contain_text("resolved")
    expect(page.locator("#live")).to_contain_text("over 3 seeds")
    link = alerts.nth(0).locator("a")
    report = page.request.get(service.base + str(link.get_attribute("href")))
    assert report.ok and "drift" in report.text().lower() and report.headers["content-type"].startswith("text/plain")
    page.click("#points summary")  # opened by the user: stays open across refreshes
    ticks = page.locator("table.ticks tbody tr")
    expect(ticks.first).to_contain_text("still regressed")
    with service.watches._sessions.begin() as s:  # the scheduler's next tick lands while the page is open
        s.add(Tick(watch_id=wid, head_sha="f" * 40, new_commits=0, outcome="no_new_commits",
                   notes=["no new commits since the last tick"]))
    expect(ticks.first).to_contain_text("no new commits since the last tick", timeout=5_000)
    assert page.locator("#points").get_attribute("open") is not None
