"""One tick of a watch: the new commits on the branch since the last tick, measured and judged, one
alert per regression, its report, its notification, and everything remembered for the next tick.

The order: the head against the reference (the baseline policy's commit, or an open alert's good
commit); on a regression the bisection over the new commits names the first bad commit; the metric
joins the history and the change-point test looks for a drift no pair of commits shows; the static
investigation (reference -> head) gives the findings, the first bad commit's first; the report is
written, the message sent (a failed delivery is recorded, never raised), the state saved.

Without a probe command the static investigation alone decides: findings at or above `alert_on`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from pydantic import BaseModel, Field

from investigator.bisect.decide import ends_regressed
from investigator.bisect.decide import summary as seed_summary
from investigator.bisect.model import Bisection, BisectStatus, CommitVerdict
from investigator.bisect.search import Measurer
from investigator.metrics.stats import Verdict
from investigator.models import Finding, Severity
from investigator.watch.changepoint import ChangePoint
from investigator.watch.engine import (
    MetricOptions,
    Source,
    drift,
    end_values,
    ends_verdict,
    judged_good,
    localise,
    recheck,
    regressed,
)
from investigator.watch.notify import AlertMessage, Delivery, Event, FindingLine, Notifier
from investigator.watch.state import Alert, MetricPoint, Store, Tick, Watch

if TYPE_CHECKING:
    from investigator.workflow.state import Investigation

Outcome = Literal["started", "no_new_commits", "no_regression", "alerted", "still_regressed", "resolved", "failed"]
EXIT_OK, EXIT_ALERTED = 0, 1
SEVERE = 4  # a metric drop of this many times the threshold is critical, a smaller one significant
KEEP = 0.75  # a critical alert is re-rated significant only below this share of the critical boundary


class WatchSpec(BaseModel):
    """What a watch is (stored on its row) and how a tick runs (the CLI's options)."""

    name: str
    repo: str
    branch: str
    baseline: str | None = None  # a fixed ref; None: the last commit judged good
    config_key: str = ""  # what the metric was measured with (command, metric, steps, seeds)
    alert_on: Severity = Severity.critical  # static findings that alert when no probe command is set
    report_url_prefix: str | None = None
    output: Path | None = None  # None: no report files (the simulation)
    formats: list[str] = Field(default_factory=lambda: ["md", "json"])


class TickResult(BaseModel):
    outcome: Outcome
    head: str
    new_commits: int = 0
    event: Event | None = None  # the main event (an opened alert first)
    alert_key: str | None = None
    events: list[str] = Field(default_factory=list)  # "<event>:<alert key>" of every message this tick
    exit_code: int = EXIT_OK
    bisection: Bisection | None = None
    change_points: list[ChangePoint] = Field(default_factory=list)
    runs: int = 0  # probe runs asked for this tick (cached ones included)
    cached_runs: int = 0
    reports: dict[str, str] = Field(default_factory=dict)  # the alert report (when one opened)
    investigation_reports: dict[str, str] = Field(default_factory=dict)  # the static investigation's
    delivery: Delivery | None = None
    notes: list[str] = Field(default_factory=list)


def config_key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _severity_of(relative: float | None, threshold: float, current: str | None = None) -> Severity:
    """Critical from SEVERE x the threshold on. An open alert's severity has a hysteresis: a critical
    one stays critical until the loss is below KEEP of that boundary, so a loss that sits at the
    boundary is not re-rated (and re-sent as `updated`) every tick by seed noise."""
    bound = SEVERE * max(threshold, 1e-9)
    if relative is None:
        return Severity(current) if current else Severity.significant
    if abs(relative) >= bound or (current == Severity.critical.value and abs(relative) >= KEEP * bound):
        return Severity.critical
    return Severity.significant


class TickRunner:
    """One tick. `measurer` None: no probe command (static findings decide); `investigate(ref, head)`
    None: no static investigation (the simulation); `notifier` None: no messages."""

    def __init__(self, store: Store, spec: WatchSpec, source: Source, measurer: Measurer | None,
                 metric: MetricOptions, notifier: Notifier | None = None,
                 investigate: Callable[[str, str], Investigation | None] | None = None) -> None:
        self.store, self.spec, self.source, self.measurer = store, spec, source, measurer
        self.metric, self.notifier, self.investigate = metric, notifier, investigate
        self.res: TickResult | None = None
        self.inv: Investigation | None = None
        self.changes: list[tuple[Alert, Event | None]] = []  # the alerts this tick opened, updated, resolved or kept
        self._prior: dict[str, str] = {}  # alert key -> its severity before this tick
        self.started = datetime.now(UTC)
        self.reference: str | None = None  # at the start of the tick: the static investigation's baseline

    # ------------------------------------------------------------------ the tick

    def run(self, resolve: Callable[[str], str] | None = None) -> TickResult:
        """`resolve(ref)`: a fixed baseline's sha (InputError for an unknown ref)."""
        self.started = datetime.now(UTC)
        w = self._watch(resolve)
        head = self.source.head()
        self.res = res = TickResult(outcome="no_new_commits", head=head)
        if w.last_seen_sha == head:
            return self._record(w, "no new commits since the last tick")
        reference = self.reference = w.baseline_sha
        if (w.last_seen_sha is None and w.baseline_policy == "last_good") or reference is None:
            return self._start(w, head)
        if reference == head:  # a fixed baseline that is the head itself: nothing to compare yet
            res.outcome = "started"
            return self._record(w, f"the head {head[:7]} is the baseline: nothing to compare yet", seen=head)
        if not self.source.is_ancestor(reference, head):
            res.outcome = "failed"
            return self._record(w, f"the reference {reference[:7]} is not an ancestor of the head {head[:7]} "
                                   "(history rewritten?): nothing measured", seen=head)
        res.new_commits = self._count_new(w, reference, head)
        opens = self.store.alerts(w.id, "open")
        if self.measurer is not None:
            self._metric_tick(w, reference, head, opens)
        else:
            self._static_tick(w, reference, head, opens[0] if opens else None)
        self._finish(w, head)
        return self._record(w, seen=head)

    def _watch(self, resolve: Callable[[str], str] | None) -> Watch:
        spec = self.spec
        w = self.store.watch(spec.name)
        policy = "fixed" if spec.baseline else "last_good"
        if w is None:
            w = Watch(name=spec.name, repo=spec.repo, branch=spec.branch, baseline_policy=policy,
                      baseline_ref=spec.baseline, config_key=spec.config_key)
        if spec.baseline and (w.baseline_ref != spec.baseline or w.baseline_sha is None):
            w.baseline_policy, w.baseline_ref = "fixed", spec.baseline
            w.baseline_sha = resolve(spec.baseline) if resolve else spec.baseline
        elif not spec.baseline and w.baseline_policy == "fixed":
            w.baseline_policy, w.baseline_ref = "last_good", None  # keeps the fixed commit as the last good one
        w.repo, w.branch, w.config_key = spec.repo, spec.branch, spec.config_key
        saved: Watch = self.store.save(w)
        return saved

    def _start(self, w: Watch, head: str) -> TickResult:
        """The first tick of a last-good watch: the head is the baseline; its metric starts the history."""
        assert self.res is not None
        self.res.outcome = "started"
        w.baseline_sha = head
        if self.measurer is not None:
            seeds = list(range(1, self.metric.bisect.seeds + 1))
            got = self.measurer.measure([(head, seeds)], None).get(head, [])
            self.res.runs += len(got)
            self.res.cached_runs += sum(r.cached for r in got)
            values = [r.value for r in got if r.status == "ok" and r.value is not None]
            if values:
                self._add_point(w, head, values)
            else:
                self.res.notes.append(f"no metric at the starting head {head[:7]}: "
                                      + (got[0].error if got else "nothing ran"))
        return self._record(w, f"watch started at {head[:7]} (the baseline: the last commit judged good)", seen=head)

    def _count_new(self, w: Watch, reference: str, head: str) -> int:
        assert self.res is not None
        if w.last_seen_sha and self.source.is_ancestor(w.last_seen_sha, head):
            return len(self.source.path(w.last_seen_sha, head)) - 1
        if w.last_seen_sha:
            self.res.notes.append(f"the last seen commit {w.last_seen_sha[:7]} is no longer on the branch "
                                  "(history rewritten): the commits since the reference are new")
        return len(self.source.path(reference, head)) - 1

    # ------------------------------------------------------------------ the metric decides

    def _metric_tick(self, w: Watch, reference: str, head: str, opens: list[Alert]) -> None:
        assert self.res is not None and self.measurer is not None
        res = self.res
        if opens:
            self._recheck_all(w, opens, head)
            return
        b = self._localise(reference, head)
        if w.last_seen_sha is None and (start := end_values(b, reference)):
            self._add_point(w, reference, start)  # a fixed baseline's first tick: the history starts at it
        if values := end_values(b, head):
            self._add_point(w, head, values)
        if b.status == BisectStatus.FAILED:
            res.outcome = "failed"
            res.notes += b.notes
            return
        if regressed(b):
            self._open_regression(w, b, head)
            return
        res.outcome = "no_regression"
        if judged_good(b, self.metric) and w.baseline_policy == "last_good":
            w.baseline_sha = head
        elif not judged_good(b, self.metric):
            cmp = ends_verdict(b, self.metric)
            res.notes.append(f"the head could not be told from the reference ({cmp.verdict.value if cmp else 'no values'}): "
                             "the reference stays")
        measured = [p for p in self.store.points(w.id, w.config_key) if p.iqm is not None]
        self._drift(w, head, measured[self._since_last_alert(w, measured):])

    def _localise(self, good: str, head: str) -> Bisection:
        assert self.res is not None and self.measurer is not None
        b = localise(self.measurer, self.source, self.metric, good, head)
        self.res.bisection = b
        self.res.runs += b.runs
        self.res.cached_runs += b.cached_runs
        return b

    def _recheck_all(self, w: Watch, opens: list[Alert], head: str) -> None:
        """Each open alert against the head (oldest first); a head worse again than the newest open
        alert's bad commit is a new regression: bisected from that commit, alerted on its own."""
        assert self.res is not None
        head_values: list[float] = []
        worse_than_newest = False
        for alert in opens:
            worse, values = self._recheck(w, alert, head)
            head_values = values if len(values) > len(head_values) else head_values
            worse_than_newest = worse and alert is opens[-1]
        if head_values:
            self._add_point(w, head, head_values)
        still = [a for a in opens if a.status == "open"]
        self.res.outcome = "still_regressed" if still else "resolved"
        if not still and w.baseline_policy == "last_good":
            w.baseline_sha = head
        if not still:
            return
        newest = still[-1]
        if worse_than_newest and newest is opens[-1]:
            b = self._localise(str(newest.detail.get("bad_sha") or newest.head_sha), head)
            if regressed(b) and b.first_bad:
                self._quiet_updates()
                self._open_regression(w, b, head)
            elif self._drift_while_open(w, head, newest):
                pass  # worse, with no single commit since, and the history shows a drift: its own alert
            else:
                self._use(newest, "updated")  # worse, but no single commit since: the same alert, updated
                newest.detail = {**newest.detail, "bad_sha": head}
        else:
            self._drift_while_open(w, head, newest)

    def _quiet_updates(self) -> None:
        """A new alert opens this tick: the drop is its news, not an update of the older ones."""
        for alert, event in list(self.changes):
            if event == "updated":
                alert.severity = self._prior.get(alert.key, alert.severity)
                self._use(alert, None)

    def _drift_while_open(self, w: Watch, head: str, alert: Alert) -> bool:
        """The change-point test while a step's `alert` is open, over the history measured since it
        opened (the head it opened at first: the step itself is not in it, so it is never alerted
        twice). A drift alert opens when the head's segment is worse than the segment before it, which
        is the open alert's level or later, by the threshold: a slow loss that goes on after a step."""
        if alert.kind == "drift":
            return False  # a drift going on is that drift getting worse: the recheck updates it
        opened_at = alert.detail.get("opened_head") or alert.detail.get("bad_sha")
        measured = [p for p in self.store.points(w.id, w.config_key) if p.iqm is not None]
        hits = [i for i, p in enumerate(measured) if p.sha == opened_at]
        if not hits:
            return False
        return self._drift(w, head, measured[hits[0]:], during=alert)

    def _recheck(self, w: Watch, alert: Alert, head: str) -> tuple[bool, list[float]]:
        """One open alert: the head against its reference and its bad commit; resolved, re-rated or
        kept. Returns whether the head is worse than the bad commit, and the head's values."""
        assert self.res is not None and self.measurer is not None
        bad = str(alert.detail.get("bad_sha") or alert.head_sha)
        check = recheck(self.measurer, self.metric, alert.reference_sha, bad, head)
        self.res.runs += check.runs
        self.res.cached_runs += check.cached_runs
        ref_values, head_values = check.values[alert.reference_sha], check.values.get(head, [])
        stats, hib = self.metric.bisect.stats, self.metric.bisect.higher_is_better
        cmp = ends_regressed(ref_values, head_values, hib, stats) if ref_values and head_values else None
        relative = cmp.relative_change if cmp else None
        metric = {"name": self.metric.metric, "reference_iqm": cmp.baseline_iqm if cmp else None,
                  "head_iqm": cmp.candidate_iqm if cmp else None, "relative_change": relative, "higher_is_better": hib}
        alert.head_sha = head
        if check.verdict == CommitVerdict.GOOD:
            alert.status, alert.resolved_at = "resolved", datetime.now(UTC)
            alert.detail = {**alert.detail, "resolved_metric": metric}
            alert.summary = (f"{self.spec.branch}: {self.metric.metric} restored at {head[:7]} (IQM "
                             f"{_num(metric['reference_iqm'])} at the reference, {_num(metric['head_iqm'])} now); "
                             f"the regression from {alert.key[:7]} is resolved")
            self._use(alert, "resolved")
            return False, head_values
        if check.verdict != CommitVerdict.BAD:
            self.res.notes.append(f"{alert.key[:7]}: the head is not yet back to the reference ({check.verdict.value}: "
                                  f"{check.why}): the alert stays open")
            self._use(alert, None)
            return False, head_values
        severity = _severity_of(relative, stats.threshold, alert.severity).value
        worse = ends_regressed(check.values[bad], head_values, hib, stats).verdict == Verdict.regression
        self._prior[alert.key] = alert.severity
        changed, alert.severity = severity != alert.severity, severity
        alert.detail = {**alert.detail, "metric": metric}
        self._use(alert, "updated" if changed else None)
        return worse, head_values

    def _open_regression(self, w: Watch, b: Bisection, head: str) -> None:
        cmp = ends_verdict(b, self.metric)
        relative = cmp.relative_change if cmp else None
        culprit = b.first_bad_commit if b.status == BisectStatus.FOUND else None
        key = b.first_bad if b.first_bad else f"range:{(b.suspects or [head])[0]}"
        where = (f"first bad commit `{culprit.short}` {culprit.subject}" if culprit else
                 f"the first bad commit is one of {len(b.suspects)} suspects ({b.status.value})")
        summary = (f"{self.spec.branch}: {self.metric.metric} regressed at {head[:7]} against "
                   f"{b.good.short} ({self._iqms(b)}); {where}")
        self._open(w, key, "regression", _severity_of(relative, self.metric.bisect.stats.threshold), culprit.sha if culprit
                   else None, culprit.subject if culprit else "", b.good.sha, head, summary,
                   {"metric": self._metric_detail(b, relative), "suspects": b.suspects, "bad_sha": head,
                    "opened_head": head})

    def _drift(self, w: Watch, head: str, measured: list[MetricPoint], during: Alert | None = None) -> bool:
        """The change-point test over `measured`; a drift alert when the head's segment is worse
        (`during`: the open alert the history starts at). True when one opened."""
        assert self.res is not None
        history = [p.iqm for p in measured if p.iqm is not None]
        found, cps = drift(history, self.metric, self.metric.bisect.higher_is_better)
        self.res.change_points = cps
        if found is None:
            return False
        start, ref = measured[found.start], measured[found.reference_end]
        if self.store.alert(w.id, start.sha) is not None:
            return False  # this change point was alerted already
        p = found.points[0]
        since = f" while `{during.key[:7]}` is open, from its level" if during is not None else ""
        summary = (f"{self.spec.branch}: {self.metric.metric} drifted {found.relative:+.1%}{since} over "
                   f"{len(history) - found.start} measured commit(s): change point at `{start.sha[:7]}` "
                   f"{start.subject} (E-divisive means, p = {p.p_value:.3g}); no single commit shows it")
        if during is not None:
            self._quiet_updates()
        self._open(w, start.sha, "drift", _severity_of(found.relative, self.metric.bisect.stats.threshold), start.sha,
                   start.subject, ref.sha, head, summary,
                   {"metric": {"name": self.metric.metric, "reference_iqm": ref.iqm, "head_iqm": history[-1],
                               "relative_change": found.relative, "higher_is_better": self.metric.bisect.higher_is_better},
                    "change_points": [c.model_dump() for c in found.points], "bad_sha": head, "opened_head": head,
                    "previous_measured": measured[found.start - 1].sha if found.start else None,
                    "during": during.key if during is not None else None})
        return True

    def _since_last_alert(self, w: Watch, measured: list[MetricPoint]) -> int:
        """Where the drift test's history starts: at the head that resolved the latest alert (a step
        that was alerted and fixed is not a drift again), else at the beginning."""
        resolved = [a for a in self.store.alerts(w.id) if a.resolved_at is not None]
        if not resolved:
            return 0
        last = max(resolved, key=lambda a: a.resolved_at or datetime.min.replace(tzinfo=UTC))
        hits = [i for i, p in enumerate(measured) if p.sha == last.head_sha]
        return hits[-1] if hits else 0

    # ------------------------------------------------------------------ static findings decide

    def _static_tick(self, w: Watch, reference: str, head: str, open_alert: Alert | None) -> None:
        assert self.res is not None
        against = open_alert.reference_sha if open_alert else reference
        self.inv = self.investigate(against, head) if self.investigate else None
        if self.inv is None:
            self.res.outcome = "failed"
            self.res.notes.append("no static investigation ran: nothing decides without a probe command")
            return
        top = [f for f in self.inv.findings if f.severity.at_least(self.spec.alert_on)]
        if open_alert is not None:
            if top:
                self.res.outcome = "still_regressed"
                open_alert.head_sha = head
                self._use(open_alert, None)
            else:
                self.res.outcome = "resolved"
                open_alert.status, open_alert.head_sha, open_alert.resolved_at = "resolved", head, datetime.now(UTC)
                open_alert.summary = (f"{self.spec.branch}: no finding at or above {self.spec.alert_on.value} from "
                                      f"{against[:7]} to {head[:7]}; resolved")
                if w.baseline_policy == "last_good":
                    w.baseline_sha = head
                self._use(open_alert, "resolved")
            return
        if not top:
            self.res.outcome = "no_regression"
            if w.baseline_policy == "last_good":
                w.baseline_sha = head
            return
        culprit = top[0].introduced_by
        sha = culprit.sha if culprit else None
        summary = (f"{self.spec.branch}: {len(top)} finding(s) at or above {self.spec.alert_on.value} from "
                   f"{against[:7]} to {head[:7]}: {top[0].title}")
        self._open(w, sha or head, "static", top[0].severity, sha, culprit.subject if culprit else "", against, head,
                   summary, {})

    # ------------------------------------------------------------------ alerts

    def _open(self, w: Watch, key: str, kind: str, severity: Severity, culprit: str | None, subject: str,
              reference: str, head: str, summary: str, detail: dict[str, Any]) -> None:
        assert self.res is not None
        self.res.outcome = "alerted"
        alert = self.store.alert(w.id, key) or Alert(watch_id=w.id, key=key, notifications=0)
        alert.kind, alert.status, alert.severity, alert.culprit_sha = kind, "open", severity.value, culprit
        alert.culprit_subject, alert.reference_sha, alert.head_sha, alert.summary = subject, reference, head, summary
        alert.detail, alert.resolved_at, alert.opened_at = detail, None, datetime.now(UTC)
        self._use(alert, "opened")

    def _use(self, alert: Alert, event: Event | None) -> None:
        """Record what this tick does with `alert` (a later call for the same alert wins)."""
        assert self.res is not None
        self.changes = [(a, e) for a, e in self.changes if a.key != alert.key] + [(alert, event)]
        events = [(a, e) for a, e in self.changes if e is not None]
        main = next(((a, e) for a, e in events if e == "opened"), events[0] if events else (alert, None))
        self.res.alert_key, self.res.event = main[0].key, main[1]
        self.res.events = [f"{e}:{a.key}" for a, e in events]

    def _finish(self, w: Watch, head: str) -> None:
        """The static investigation (when the metric decided), the report, the messages, the alerts saved."""
        assert self.res is not None
        opened = next((a for a, e in self.changes if e == "opened"), None)
        if self.inv is None and self.investigate is not None and self.measurer is not None:
            against = opened.reference_sha if opened is not None else self.reference
            if against and against != head:
                self.inv = self.investigate(against, head)
        if self.inv is not None:
            self.res.investigation_reports = dict(self.inv.reports)
        saved: list[tuple[Alert, Event | None]] = []
        for alert, event in self.changes:
            alert.updated_at = datetime.now(UTC)
            if event == "opened":
                self._opened(w, alert)
            if event is not None and self.notifier is not None:
                self._notify(alert, event)
            saved.append((self.store.save(alert), event))
        self.changes = saved

    def _opened(self, w: Watch, alert: Alert) -> None:
        assert self.res is not None
        self.res.exit_code = EXIT_ALERTED
        if self.inv is not None:
            alert.detail = {**alert.detail, "findings": [f.model_dump(mode="json") for f in self._top_findings(alert)]}
        if self.spec.output is not None:
            from investigator.watch.report import write_alert_report

            self.res.reports = write_alert_report(self.spec, alert, self.res, self.inv, self.store, w)
            alert.report = self.res.reports.get("md") or next(iter(self.res.reports.values()), None)
            if self.inv is not None and self.inv.reports:
                alert.detail = {**alert.detail, "investigation_reports": dict(self.inv.reports)}

    def _notify(self, alert: Alert, event: Event) -> None:
        assert self.res is not None and self.notifier is not None
        delivery = self.notifier.send(self.message(alert, event))
        self.res.delivery = delivery
        if delivery.ok:
            alert.notifications += 1
            alert.last_error = None
        else:
            alert.last_error = delivery.error
            self.res.notes.append(f"notification not delivered ({delivery.error}); recorded on the alert")

    def _top_findings(self, alert: Alert) -> list[Finding]:
        from investigator.bisect.workflow import promote

        assert self.inv is not None
        findings = list(self.inv.findings)
        if alert.culprit_sha:
            first = [f for f in findings if f.introduced_by is not None and f.introduced_by.sha == alert.culprit_sha]
            findings = first + [f for f in findings if f not in first]
        elif self.res is not None and self.res.bisection is not None:
            findings = promote(findings, self.res.bisection)
        return findings[:5]

    def message(self, alert: Alert, event: Event) -> AlertMessage:
        spec = self.spec
        culprit = None
        if alert.culprit_sha:
            ref = self.source.ref(alert.culprit_sha)
            culprit = {"sha": ref.sha, "short": ref.short, "subject": ref.subject, "author": ref.author, "date": ref.date}
        lines = [FindingLine(title=f["title"], severity=f["severity"], source=f["source"],
                             location=_location(f), introduced_by=(f.get("introduced_by") or {}).get("short"))
                 for f in alert.detail.get("findings", [])]
        report_url = None
        if alert.report and spec.report_url_prefix:
            report_url = spec.report_url_prefix.rstrip("/") + "/" + quote(Path(alert.report).name)
        metric = alert.detail.get("resolved_metric" if event == "resolved" else "metric")
        return AlertMessage(event=event, alert_id=f"{spec.name}:{alert.key}", watch=spec.name, repo=spec.repo,
                            branch=spec.branch, kind=alert.kind, severity=alert.severity,
                            status=alert.status, summary=alert.summary, culprit=culprit, reference=alert.reference_sha,
                            head=alert.head_sha, metric=metric, findings=lines, report=alert.report,
                            report_url=report_url)

    # ------------------------------------------------------------------ history and bookkeeping

    def _add_point(self, w: Watch, sha: str, values: list[float]) -> None:
        s = seed_summary(values, self.metric.bisect.stats)
        self.store.save(MetricPoint(watch_id=w.id, seq=self.store.next_seq(w.id), sha=sha,
                                    subject=self.source.ref(sha).subject, config_key=w.config_key, values=s.values,
                                    iqm=s.iqm, ci_low=s.ci_low, ci_high=s.ci_high))

    def _metric_detail(self, b: Bisection, relative: float | None) -> dict[str, Any]:
        cmp = ends_verdict(b, self.metric)
        return {"name": self.metric.metric, "reference_iqm": cmp.baseline_iqm if cmp else None,
                "head_iqm": cmp.candidate_iqm if cmp else None, "relative_change": relative,
                "higher_is_better": self.metric.bisect.higher_is_better}

    def _iqms(self, b: Bisection) -> str:
        cmp = ends_verdict(b, self.metric)
        if cmp is None:
            return "no values"
        rel = f", {cmp.relative_change:+.1%}" if cmp.relative_change is not None else ""
        return f"IQM {cmp.baseline_iqm:.4g} -> {cmp.candidate_iqm:.4g}{rel}"

    def _record(self, w: Watch, note: str = "", seen: str | None = None) -> TickResult:
        assert self.res is not None
        if note:
            self.res.notes.insert(0, note)
        if seen is not None:
            w.last_seen_sha = seen
        self.store.save(w)
        self.store.save(Tick(watch_id=w.id, head_sha=self.res.head, new_commits=self.res.new_commits, started_at=self.started,
                             outcome=self.res.outcome, notes=self.res.notes, finished_at=datetime.now(UTC)))
        return self.res


def _num(v: object) -> str:
    return f"{v:.4g}" if isinstance(v, float) else "-"


def _location(f: dict[str, Any]) -> str:
    locs = f.get("locations") or []
    loc = next((x for x in locs if x.get("side") == "candidate"), locs[0] if locs else None)
    if not loc:
        return ""
    line = f":{loc['line']}" if loc.get("line") else ""
    return f"{loc.get('path', '')}{line}"
