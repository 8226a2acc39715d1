"""Screenshots of the web UI for docs/service.md: `python docs/screenshots.py [--out docs/images]`.

Starts the service (no workers) on a scratch database, fills it with jobs on the generated demo
repository whose reports are real investigations (the whole range and a shorter one), a running job
replaying a real run's progress, a queued and a failed one, and two watches: one whose history the real
tick code wrote over a simulated branch (a regression found by bisection and fixed since, then a slow drift
found by the change-point test), and a paused one; then photographs the pages with Debian's Chromium
through Playwright (the browser tests' setup: tests/service/web_support.py). `--only NAME` retakes some.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from investigator.demo import generate_demo_repo  # noqa: E402
from investigator.git.errors import InputError  # noqa: E402
from investigator.request import InvestigationRequest  # noqa: E402
from investigator.service.db import connect  # noqa: E402
from investigator.service.settings import ServiceSettings  # noqa: E402
from investigator.service.store import JobStore  # noqa: E402
from investigator.service.watches import WatchCreate, WatchStore  # noqa: E402
from investigator.workflow import run_investigation  # noqa: E402
from tests.service.web_support import (  # noqa: E402
    backdate,
    browser_missing,
    chromium,
    demo_reports,
    finish,
    serving,
    sign_in,
    simulated_watch,
    start,
    submit,
)

WIDTH, HEIGHT = 1280, 860


def _failure_message(repo: Path, out: Path) -> str:
    """The one-line message a real run gives for a ref that does not exist."""
    try:
        run_investigation(InvestigationRequest(repo=str(repo), baseline_commit="v9.9", output=out, probes="none"))
    except InputError as exc:
        return str(exc)
    raise SystemExit("expected the investigation of ref v9.9 to fail")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--only", action="append", metavar="NAME", help="take only this one (repeatable), e.g. service-watch.png")
    args = parser.parse_args()
    missing = browser_missing()
    if missing:
        print(f"cannot take screenshots: {missing}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="investigator-screens-"))
    repo = generate_demo_repo(work / "repos" / "gridarena-ppo")
    full, shorter = demo_reports(repo, work / "reports")
    settings = ServiceSettings(db_url=str(work / "service.db"), data_dir=work / "data",
                               allow_repos=[str(repo.path.parent)])
    store = JobStore(connect(settings.db_url))
    _, key = store.create_key("admin", "alice")

    def replay(job_id: str, events: list[tuple[str, str, str, float | None]]) -> None:
        for step, status, detail, seconds in events:
            store.add_event(job_id, step, status, detail, seconds)

    failed = submit(store, str(repo.path), baseline="v9.9", candidate=repo.candidate)
    start(store, failed.id)
    finish(store, settings, failed.id, status="failed", error=_failure_message(repo.path, work / "failed"))
    backdate(store, failed.id, 3 * 3600)
    older = submit(store, str(repo.path), baseline=shorter.baseline, candidate=shorter.candidate,
                   title="GridArena: before the GAE and update-step edits")
    start(store, older.id)
    replay(older.id, shorter.events)
    finish(store, settings, older.id, shorter)
    backdate(store, older.id, 2 * 3600 + 754)
    newer = submit(store, str(repo.path), baseline=full.baseline, candidate=full.candidate,
                   title="GridArena: return dropped between the two releases")
    start(store, newer.id)
    replay(newer.id, full.events)
    finish(store, settings, newer.id, full)
    backdate(store, newer.id, 1800 + 97)
    running = submit(store, str(repo.path), baseline=repo.commits[1][0], candidate=full.candidate)
    start(store, running.id, step="analyze:behavioural_change")
    replay(running.id, full.events[: len(full.events) * 2 // 3])
    backdate(store, running.id, 4)
    submit(store, str(repo.path), baseline=full.baseline, candidate="main")
    watch = simulated_watch(settings, str(repo.path))
    watches = WatchStore(store.engine)
    quiet = watches.create(WatchCreate(repo=str(repo.path), branch="release-1.x", baseline="v1.0", interval_s=86400),
                           str(repo.path))
    assert quiet is not None
    watches.set_paused(quiet.id, True)

    with serving(settings) as base, chromium() as browser:
        page = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1).new_page()
        sign_in(page, base, key)
        shots = {
            "service-jobs.png": f"{base}/ui/",
            "service-job.png": f"{base}/ui/jobs/{newer.id}",
            "service-progress.png": f"{base}/ui/jobs/{running.id}",
            "service-compare.png": f"{base}/ui/compare?a={older.id}&b={newer.id}",
            "service-submit.png": f"{base}/ui/submit",
            "service-watches.png": f"{base}/ui/watches",
            "service-watch.png": f"{base}/ui/watches/{watch}",
        }
        for name, url in shots.items():
            if args.only and name not in args.only:
                continue
            page.goto(url)
            page.wait_for_load_state("networkidle")
            if name == "service-job.png":
                page.frame_locator("iframe.report").locator("h1").first.wait_for()
            if name == "service-submit.png":  # the allowlist's refusal, shown at its field
                page.fill("#f-repo", "/home/alice/private-repo")
                page.fill("#f-baseline_commit", "v1.2.0")
                page.click("button:has-text('Submit')")
                page.locator("#e-repo").wait_for()
            if name == "service-watches.png":  # the new-watch form refusing a probe command without {logdir}
                page.fill("#w-repo", str(repo.path))
                page.fill("#w-branch", "main")
                page.fill("#w-name", "gridarena-ppo:nightly")
                page.fill("#w-probe_command", "python train.py --seed {seed}")
                page.click("button:has-text('Create watch')")
                page.locator("#e-probe_command").wait_for()
            page.screenshot(path=str(args.out / name), full_page=name != "service-job.png")
            print(args.out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
