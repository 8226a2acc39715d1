"""The tick's decisions on a simulated branch (same TickRunner, search and state as `investigate watch`):
one alert per regression with the right culprit, silence while nothing changes, a resolved message
after a fix, a drift found by the change-point test, a failed delivery recorded, static-only mode."""

from __future__ import annotations

from pathlib import Path

from investigator.bisect.search import BisectOptions
from investigator.models import CommitRef, Finding, Severity
from investigator.request import InvestigationRequest
from investigator.watch.engine import MetricOptions
from investigator.watch.notify import AlertMessage, Delivery, Notifier
from investigator.watch.state import Store
from investigator.watch.tick import TickResult, TickRunner, WatchSpec
from investigator.workflow.state import Investigation
from tests.support.bisect_sim import sha
from tests.support.watch_sim import SimBranch, steps


class Capture:
    """A notifier that keeps the messages (delivery always succeeds)."""

    def __init__(self) -> None:
        self.messages: list[AlertMessage] = []

    def send(self, msg: AlertMessage) -> Delivery:
        self.messages.append(msg)
        return Delivery(ok=True, status=200, attempts=1)


def _tick(store: Store, branch: SimBranch, head: int, notifier: object | None = None, metric: MetricOptions | None = None,
          investigate: object | None = None, measured: bool = True) -> TickResult:
    branch.head_at = head
    spec = WatchSpec(name="sim", repo="sim", branch="main", config_key="k")
    runner = TickRunner(store, spec, branch, branch if measured else None,
                        metric or MetricOptions(bisect=BisectOptions(seeds=3, max_seeds=9)), notifier,  # type: ignore[arg-type]
                        investigate)  # type: ignore[arg-type]
    return runner.run()


def test_step_regression_alerted_once_then_silent_then_resolved(db_url: str) -> None:
    store = Store(db_url)  # SQLite, and PostgreSQL when configured
    branch = SimBranch(steps(40, changes={23: 0.8, 33: 1 / 0.8}), noise=4.0, subjects={23: "lower the reward scale"})
    cap = Capture()
    first = _tick(store, branch, 10, cap)
    assert first.outcome == "started" and first.exit_code == 0 and first.runs == 3
    quiet = _tick(store, branch, 20, cap)
    assert quiet.outcome == "no_regression" and quiet.new_commits == 10 and not cap.messages
    assert store.watch("sim").baseline_sha == sha(20)  # type: ignore[union-attr]  # judged good: the new reference
    assert _tick(store, branch, 20, cap).outcome == "no_new_commits"

    alerted = _tick(store, branch, 28, cap)
    assert alerted.outcome == "alerted" and alerted.exit_code == 1 and alerted.event == "opened"
    assert alerted.bisection is not None and alerted.bisection.first_bad == sha(23)
    assert len(cap.messages) == 1
    msg = cap.messages[0]
    assert msg.culprit is not None and msg.culprit["subject"] == "lower the reward scale" and msg.severity == "critical"
    assert msg.alert_id == f"sim:{sha(23)}" and msg.reference == sha(20) and msg.metric["relative_change"] < -0.15

    again = _tick(store, branch, 28, cap)  # the same head: nothing at all
    assert again.outcome == "no_new_commits" and again.exit_code == 0 and len(cap.messages) == 1
    still = _tick(store, branch, 31, cap)  # new noise commits, still regressed: the alert row is updated, no message
    assert still.outcome == "still_regressed" and still.event is None and still.exit_code == 0 and len(cap.messages) == 1
    assert still.bisection is None and still.runs - still.cached_runs == 3  # the head's seeds only: no bisection

    fixed = _tick(store, branch, 36, cap)
    assert fixed.outcome == "resolved" and fixed.event == "resolved" and fixed.exit_code == 0
    assert len(cap.messages) == 2 and cap.messages[1].alert_id == msg.alert_id and cap.messages[1].status == "resolved"
    (alert,) = store.alerts(store.watch("sim").id)  # type: ignore[union-attr]
    assert alert.status == "resolved" and alert.notifications == 2 and alert.culprit_sha == sha(23)
    assert [p.sha for p in store.points(alert.watch_id)] == [sha(10), sha(20), sha(28), sha(31), sha(36)]
    assert [t.outcome for t in store.ticks(alert.watch_id)] == ["started", "no_regression", "no_new_commits", "alerted",
                                                                 "no_new_commits", "still_regressed", "resolved"]


def test_a_second_step_while_one_is_open_is_its_own_alert_and_fixes_resolve_each(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "w.db"))
    branch = SimBranch(steps(40, changes={12: 0.88, 22: 0.7, 31: 1 / 0.7}), noise=2.0)
    cap = Capture()
    _tick(store, branch, 5, cap)
    opened = _tick(store, branch, 15, cap)
    assert opened.event == "opened" and opened.bisection is not None and opened.bisection.first_bad == sha(12)
    assert cap.messages[0].severity == "significant"
    second = _tick(store, branch, 25, cap)  # worse again than the open alert's bad commit: bisected from there
    assert second.event == "opened" and second.exit_code == 1 and second.alert_key == sha(22)
    assert second.bisection is not None and second.bisection.good.sha == sha(15)
    assert [m.alert_id.split(":")[1] for m in cap.messages] == [sha(12), sha(22)]
    assert cap.messages[1].reference == sha(15)
    fixed = _tick(store, branch, 34, cap)  # the second step reverted: back to the first alert's level
    assert fixed.events == [f"resolved:{sha(22)}"] and fixed.outcome == "still_regressed"
    w = store.watch("sim")
    assert w is not None and [a.status for a in store.alerts(w.id)] == ["open", "resolved"]
    assert w.baseline_sha == sha(5)  # the first regression is still open: the reference stays


def test_noise_only_stretch_raises_nothing(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "w.db"))
    branch = SimBranch(steps(80), noise=5.0, trial=3)
    cap = Capture()
    outcomes = [_tick(store, branch, head, cap).outcome for head in range(0, 81, 5)]
    assert not cap.messages and "alerted" not in outcomes
    assert len(store.points(store.watch("sim").id)) == 17  # type: ignore[union-attr]


def test_slow_drift_found_by_the_change_point_test_and_only_by_it(tmp_path: Path) -> None:
    """0.6 % worse per tick: every head is judged equivalent to the previous one (the reference moves
    along), so no pair of commits shows the 12 % drift; the history does."""
    levels = steps(100, drift=(30, 90, 0.12))
    cap = Capture()
    store = Store(str(tmp_path / "w.db"))
    branch = SimBranch(levels, noise=1.0, trial=1)
    results = [_tick(store, branch, head, cap) for head in range(0, 101, 3)]
    events = [m.event for m in cap.messages]
    assert events[:1] == ["opened"] and set(events[1:]) <= {"updated"}, [r.outcome for r in results]
    assert len(events) <= 3  # the drift going on: an update when it is another 5 % worse, not one per tick
    msg = cap.messages[0]
    assert msg.kind == "drift" and msg.culprit is not None and "E-divisive" in msg.summary
    assert 30 < int(msg.culprit["sha"][4:8]) < int(msg.head[4:8]) <= 75  # inside the drift, found while it goes on
    assert all(r.event is None for r in results if int(r.head[4:8]) <= 30)  # nothing before the drift began
    opened = next(r for r in results if r.event == "opened")
    assert opened.exit_code == 1 and opened.change_points and opened.change_points[-1].direction == "decrease"

    blind = Capture()  # the same branch without the change-point test: nothing is ever alerted
    store2 = Store(str(tmp_path / "w2.db"))
    no_cp = MetricOptions(bisect=BisectOptions(seeds=3, max_seeds=9), changepoint=None)
    for head in range(0, 101, 3):
        _tick(store2, SimBranch(levels, noise=1.0, trial=1), head, blind, metric=no_cp)
    assert blind.messages == []


def test_undelivered_notification_is_recorded_not_raised(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "w.db"))
    branch = SimBranch(steps(20, changes={15: 0.7}), noise=2.0)
    dead = Notifier("http://127.0.0.1:9/hook", attempts=1, timeout_s=2)  # the discard port: nothing listens
    _tick(store, branch, 10, dead)
    res = _tick(store, branch, 20, dead)
    assert res.event == "opened" and res.exit_code == 1 and res.delivery is not None and not res.delivery.ok
    (alert,) = store.alerts(store.watch("sim").id)  # type: ignore[union-attr]
    assert alert.notifications == 0 and alert.last_error and "notification not delivered" in res.notes[-1]


def _finding(severity: Severity, by: str | None) -> Finding:
    ref = CommitRef(sha=by, short=by[:7], subject="s", author="a", date="d") if by else None
    return Finding(id="f", source="config", subsystem="trainer", severity=severity, confidence=0.9,
                   title=f"{severity.value} change", introduced_by=ref)


def test_without_a_probe_command_static_findings_decide(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "w.db"))
    branch = SimBranch(steps(20))
    answers = {sha(8): [_finding(Severity.low, None)], sha(14): [_finding(Severity.critical, sha(12))], sha(18): []}

    def investigate(ref: str, head: str) -> Investigation:
        return Investigation(request=InvestigationRequest(), findings=answers[head])

    cap = Capture()
    assert _tick(store, branch, 4, cap, investigate=investigate, measured=False).outcome == "started"
    low = _tick(store, branch, 8, cap, investigate=investigate, measured=False)
    assert low.outcome == "no_regression" and not cap.messages  # below --alert-on
    crit = _tick(store, branch, 14, cap, investigate=investigate, measured=False)
    assert crit.event == "opened" and crit.alert_key == sha(12) and cap.messages[0].kind == "static"
    assert cap.messages[0].culprit is not None and cap.messages[0].culprit["sha"] == sha(12)
    assert cap.messages[0].findings[0].severity == "critical"
    done = _tick(store, branch, 18, cap, investigate=investigate, measured=False)
    assert done.event == "resolved" and len(cap.messages) == 2


def test_fixed_baseline_first_tick_bisects_from_it_and_it_never_moves(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "w.db"))
    branch = SimBranch(steps(30, changes={12: 0.8}), noise=2.0)
    cap = Capture()
    spec = WatchSpec(name="sim", repo="sim", branch="main", config_key="k", baseline="v1")
    metric = MetricOptions(bisect=BisectOptions(seeds=3, max_seeds=9))
    branch.head_at = 20
    res = TickRunner(store, spec, branch, branch, metric, cap).run(resolve=lambda ref: sha(0))  # type: ignore[arg-type]
    assert res.event == "opened" and res.bisection is not None and res.bisection.first_bad == sha(12)
    w = store.watch("sim")
    assert w is not None and w.baseline_policy == "fixed" and w.baseline_sha == sha(0) and w.baseline_ref == "v1"
    assert [p.sha for p in store.points(w.id)] == [sha(0), sha(20)]  # the history starts at the baseline
    branch.head_at = 30
    TickRunner(store, spec, branch, branch, metric, cap).run(resolve=lambda ref: sha(0))  # type: ignore[arg-type]
    assert store.watch("sim").baseline_sha == sha(0) and len(cap.messages) == 1  # type: ignore[union-attr]


def test_baseline_equal_to_head_or_off_the_branch_measures_nothing(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "w.db"))
    branch = SimBranch(steps(10))
    spec = WatchSpec(name="sim", repo="sim", branch="main", config_key="k", baseline="main")
    metric = MetricOptions(bisect=BisectOptions(seeds=3, max_seeds=9))
    branch.head_at = 5
    same = TickRunner(store, spec, branch, branch, metric).run(resolve=lambda ref: sha(5))  # type: ignore[arg-type]
    assert same.outcome == "started" and same.runs == 0 and "is the baseline" in same.notes[0]
    branch.head_at = 8
    spec2 = spec.model_copy(update={"baseline": "a-later-tag"})  # not an ancestor of the head
    off = TickRunner(store, spec2, branch, branch, metric).run(resolve=lambda ref: sha(9))  # type: ignore[arg-type]
    assert off.outcome == "failed" and off.runs == 0 and "not an ancestor" in off.notes[0]


def test_a_loss_at_the_critical_boundary_is_not_re_rated_every_tick(tmp_path: Path) -> None:
    """-20 % is 4 x the 5 % threshold, the critical boundary: seed noise puts each tick's estimate on
    either side of it. Without the hysteresis every crossing was an `updated` message (6 in 17 ticks)."""
    store, cap = Store(str(tmp_path / "w.db")), Capture()
    branch = SimBranch(steps(60, changes={10: 0.8}), noise=1.0, trial=0)
    for head in range(0, 61, 3):
        _tick(store, branch, head, cap)
    events = [m.event for m in cap.messages]
    assert events[0] == "opened" and events.count("updated") <= 1, events
    (alert,) = store.alerts(store.watch("sim").id)  # type: ignore[union-attr]
    assert alert.status == "open"


def test_severity_hysteresis() -> None:
    from investigator.watch.tick import _severity_of

    assert _severity_of(-0.20, 0.05) == Severity.critical and _severity_of(-0.19, 0.05) == Severity.significant
    assert _severity_of(-0.16, 0.05, "critical") == Severity.critical  # kept: within 75 % of the boundary
    assert _severity_of(-0.14, 0.05, "critical") == Severity.significant  # clearly below: re-rated
    assert _severity_of(-0.19, 0.05, "significant") == Severity.significant
    assert _severity_of(None, 0.05, "critical") == Severity.critical and _severity_of(None, 0.05) == Severity.significant
