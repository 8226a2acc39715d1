"""Notifications of ticks the service runs: signed with the watch's own secret (checked by a local
HTTP receiver), the secret never in an API response, the tick's command line, its log or its
reports, and withheld from the processes the tick starts; with `--public-url` the webhook (and the
Slack message) link the alert's report, which the service serves to a read key; without it no link."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from investigator.service.settings import ServiceSettings
from investigator.service.watches import SECRET_ENV, WatchScheduler, WatchStore, tick_command, tick_env
from investigator.watch.notify import SIGNATURE_HEADER, verify
from investigator.watch.state import Watch
from tests.service.apihelpers import service
from tests.support.bisect_repo import COMMAND, linear_range
from tests.support.webhook import webhook_server

SECRET = "per-watch-secret-5f2c9e"
SERVICE_WIDE = "service-wide-secret-0a1b"
PUBLIC = "https://investigator.example.org/rl"
NOISE = 3.0


@pytest.mark.slow  # one real tick in a child process: 10-25 s on a loaded machine (imports, 2 x 9 seeds)
def test_service_tick_signs_with_the_watch_secret_and_links_the_report(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the tick's probe result cache
    monkeypatch.setenv("INVESTIGATOR_WEBHOOK_SECRET", SERVICE_WIDE)  # the watch's own secret wins over it
    with webhook_server() as hook, service(f"sqlite:///{tmp_path}/service.db", tmp_path, public_url=PUBLIC) as svc:
        planted = linear_range(svc.repo, 3, culprit=2, noise=NOISE, drop=0.3)
        admin, reader = svc.key("admin"), svc.key("read")
        r = svc.client.post("/v1/watches", headers=admin, json={
            "repo": str(svc.repo), "branch": "main", "probe_command": COMMAND, "primary_metric": "charts/episodic_return",
            "seeds": 3, "notify_url": hook.url, "notify_secret": SECRET, "interval_s": 600, "baseline": planted.shas[0]})
        assert r.status_code == 201 and r.json()["has_notify_secret"] is True and SECRET not in r.text
        wid = r.json()["id"]
        store = WatchStore(svc.store.engine)
        scheduler = WatchScheduler(svc.settings, store)
        argv: list[list[str]] = []
        command = scheduler.command
        scheduler.command = lambda w, url, out: argv.append(command(w, url, out)) or argv[-1]  # type: ignore[func-returns-value]

        assert [o.exit_code for o in scheduler.run_due()] == [1]  # the fixed baseline against the head: alerted

        assert len(hook.requests) == 1
        req = hook.requests[0]
        assert verify(req.body, SECRET, req.headers[SIGNATURE_HEADER])
        assert not verify(req.body, SERVICE_WIDE, req.headers[SIGNATURE_HEADER])
        doc = req.json()
        assert doc["culprit"]["sha"] == planted.culprit
        assert doc["report_url"] == f"{PUBLIC}/ui/watches/{wid}/reports/{Path(doc['report']).name}"
        path = doc["report_url"].removeprefix(PUBLIC)
        served = svc.client.get(path, headers=reader)
        assert served.status_code == 200 and served.text == Path(doc["report"]).read_text()
        assert svc.client.get(path, follow_redirects=False).status_code == 303  # no key: sign in first

        # the secret: nowhere it could be read back
        assert all(SECRET not in " ".join(a) for a in argv) and argv[-1][argv[-1].index("--notify-secret-env"):][:2] == \
            ["--notify-secret-env", SECRET_ENV]
        for url in ("/v1/watches", f"/v1/watches/{wid}", "/ui/watches", f"/ui/watches/{wid}"):
            page = svc.client.get(url, headers=reader)
            assert page.status_code == 200 and SECRET not in page.text, url
        folder = svc.settings.data_dir / "watches" / str(wid)
        files = [p for p in folder.rglob("*") if p.is_file()]
        assert files and not [p for p in files if SECRET.encode() in p.read_bytes()]


def test_tick_command_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "left over in the service's environment")
    w = Watch(id=7, name="n", repo="/r", branch="main", options={"notify_url": "http://h/x"}, notify_secret=SECRET)
    cmd = tick_command(w, "sqlite:///s.db", tmp_path, public_url=PUBLIC)
    assert cmd[cmd.index("--report-url-prefix") + 1] == f"{PUBLIC}/ui/watches/7/reports" and SECRET not in cmd
    assert cmd[cmd.index("--notify-secret-env") + 1] == SECRET_ENV and tick_env(w)[SECRET_ENV] == SECRET
    bare = Watch(id=8, name="m", repo="/r", branch="main", options={"notify_url": "http://h/x"})
    plain = tick_command(bare, "sqlite:///s.db", tmp_path)
    assert "--report-url-prefix" not in plain and "--notify-secret-env" not in plain  # no public URL: no link
    assert SECRET_ENV not in tick_env(bare)  # never another watch's (or a stale) secret


def test_the_tick_and_its_children_run_without_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads the secret, then takes it out of its environment while ticking: training runs,
    git and the static investigation inherit `os.environ`, and the watched code must not see the key."""
    from investigator.watch import command

    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv(command.DEFAULT_SECRET_ENV, SERVICE_WIDE)
    seen: dict[str, object] = {}

    class Watcher:
        def __init__(self, args: argparse.Namespace) -> None:
            self.secret = command._secret(args)
            self.store = SimpleNamespace(close=lambda: None)
            seen["secret"] = self.secret

        def tick(self) -> int:
            probe = f"import os; print(os.environ.get({SECRET_ENV!r}), os.environ.get({command.DEFAULT_SECRET_ENV!r}))"
            seen["child"] = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.split()
            return 0

    monkeypatch.setattr(command, "Watcher", Watcher)
    assert command.run_watch_command(argparse.Namespace(notify_secret_env=SECRET_ENV, once=True)) == 0
    assert seen == {"secret": SECRET, "child": ["None", "None"]}
    assert os.environ[SECRET_ENV] == SECRET and os.environ[command.DEFAULT_SECRET_ENV] == SERVICE_WIDE  # restored


def test_public_url_setting() -> None:
    ok = ServiceSettings(db_url="x", data_dir=Path("/tmp/d"), public_url=" https://h.example/inv/ ")
    assert ok.public_url == "https://h.example/inv"
    assert ServiceSettings(db_url="x", data_dir=Path("/tmp/d"), public_url="").public_url is None
    for bad in ("ftp://h", "h.example", "https://h.example/#x", "https://h.example/?a=1"):
        with pytest.raises(ValueError, match="expected an http"):
            ServiceSettings(db_url="x", data_dir=Path("/tmp/d"), public_url=bad)
