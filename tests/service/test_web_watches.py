"""The watch pages of the web UI: sign-in redirect, the list, a watch's metric table, plot, change
point and culprit marks, alerts linking their reports (served from the watch's folder only), escaping."""

from __future__ import annotations

import pytest

from investigator.service.watches import WatchStore
from investigator.service.web_watches import plot
from investigator.watch.state import Alert, MetricPoint, Tick
from tests.service.apihelpers import Service, service

EVIL = "<script>alert(1)</script>"


@pytest.fixture
def svc(tmp_path):
    with service(f"sqlite:///{tmp_path}/service.db", tmp_path) as s:
        yield s


def _watch_with_history(svc: Service) -> int:
    wid = svc.client.post("/v1/watches", json={"repo": str(svc.repo), "branch": "main", "name": f"ppo {EVIL}"},
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
                    summary=f"return fell 31% {EVIL}", report=str(reports / "watch-report.md")))
        s.add(Tick(watch_id=wid, head_sha="d" * 40, new_commits=2, outcome="regression", notes=[EVIL]))
    return wid


def test_pages_need_a_key(svc):
    wid = _watch_with_history(svc)
    for path in ("/ui/watches", f"/ui/watches/{wid}", f"/ui/watches/{wid}/reports/watch-report.md"):
        r = svc.client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/ui/login?next="), path


def test_list_and_watch_page_show_history_escaped(svc):
    wid = _watch_with_history(svc)
    reader = svc.key("read")
    listing = svc.client.get("/ui/watches", headers=reader)
    assert listing.status_code == 200 and f'href="/ui/watches/{wid}"' in listing.text
    assert EVIL not in listing.text and "&lt;script&gt;" in listing.text
    page = svc.client.get(f"/ui/watches/{wid}", headers=reader).text
    assert EVIL not in page and page.count("&lt;script&gt;") >= 4  # name, subject, summary, tick note
    assert "<svg" in page and page.count("<circle") == 4 and 'r="5"' in page  # the culprit marked
    assert "culprit" in page and "[6.8, 7.2]" in page and "lower the reward scale" in page
    assert f'href="/ui/watches/{wid}/reports/watch-report.md"' in page
    r = svc.client.get(f"/ui/watches/{wid}/reports/watch-report.md", headers=reader)
    assert r.status_code == 200 and r.text.startswith("# Regression") and r.headers["content-type"].startswith("text/plain")


def test_unknown_watch_and_reports_outside_its_folder_are_404(svc, tmp_path):
    wid = _watch_with_history(svc)
    reader = svc.key("read")
    (tmp_path / "secret.md").write_text("secret")
    assert svc.client.get("/ui/watches/999", headers=reader).status_code == 404
    for name in ("..%2F..%2F..%2Fsecret.md", "missing.md", "ticks.log"):
        r = svc.client.get(f"/ui/watches/{wid}/reports/{name}", headers=reader)
        assert r.status_code == 404 and "secret" not in r.text, name


def test_plot_needs_two_measured_points_and_scales_into_the_frame():
    assert plot([], set()) is None
    assert plot([{"sha": "a", "iqm": 1.0, "ci_low": None, "ci_high": None}], set()) is None
    p = plot([{"sha": "a", "iqm": 1.0, "ci_low": 0.5, "ci_high": 1.5}, {"sha": "b", "iqm": 3.0, "ci_low": None,
             "ci_high": None}, {"sha": "c", "iqm": None}], {"b"})
    assert p is not None and len(p.dots) == 2 and [d["marked"] for d in p.dots] == [False, True]
    assert all(0 <= d[k] <= p.height for d in p.dots for k in ("y", "low", "high"))
    assert p.dots[1]["y"] < p.dots[0]["y"]  # higher is up
