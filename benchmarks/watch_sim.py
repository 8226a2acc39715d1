"""Benchmark: the regression watch over a simulated branch of 200 commits with 3 planted step
regressions (each fixed some commits later) and one slow drift, under seed noise; the watch with and
without the change-point test.

The metric is simulated (`tests/support/watch_sim.py`: a commit's true level plus Gaussian seed noise,
a result cache like the probe runner's), the rest is the real thing: `TickRunner` (state in a SQLite
file through the service's migrations, the bisection's search and decisions, the change-point test),
one tick every `--batch` commits. Per variant it prints, over `--trials` noise draws:

- detection rate: planted events alerted while they were in effect (a step before its fix);
- culprit exact: step regressions whose alert named the planted commit;
- commits until detection: the head's position at the alerting tick minus the event's first commit;
- false alerts: alerts opened when the true level at the head was not at least half the threshold
  (2.5 %) below the true level at the alert's reference (a regression that is not there);
- probe runs spent: training runs actually run (cached ones not counted), per trial.

    .venv/bin/python benchmarks/watch_sim.py [--trials 5] [--noise 5] [--batch 4] [--seeds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from investigator.bisect.search import BisectOptions
from investigator.watch.changepoint import ChangePointOptions
from investigator.watch.engine import MetricOptions
from investigator.watch.notify import AlertMessage, Delivery
from investigator.watch.state import Store
from investigator.watch.tick import TickRunner, WatchSpec
from tests.support.watch_sim import SimBranch, position, steps

COMMITS = 200
LEVEL = 100.0
THRESHOLD = 0.05


@dataclass(frozen=True)
class Event:
    name: str
    start: int  # first commit with the change
    end: int  # first commit without it (the fix), or past the branch
    step: bool  # a step (one culprit) or a drift


# 3 steps, each reverted later, and a drift that stays: 15 %, 10 %, 20 % drops; 12 % over 50 commits
EVENTS = [Event("step -15% @30", 30, 48, True), Event("step -10% @80", 80, 98, True),
          Event("step -20% @120", 120, 135, True), Event("drift -12% over 145..195", 145, COMMITS + 1, False)]


def planted_levels() -> list[float]:
    changes = {30: 0.85, 48: 1 / 0.85, 80: 0.90, 98: 1 / 0.90, 120: 0.80, 135: 1 / 0.80}
    return steps(COMMITS, LEVEL, changes, drift=(145, 195, 0.12))


class Inbox:
    def __init__(self) -> None:
        self.messages: list[AlertMessage] = []

    def send(self, msg: AlertMessage) -> Delivery:
        self.messages.append(msg)
        return Delivery(ok=True, status=200, attempts=1)


@dataclass
class Tally:
    detected: int = 0
    events: int = 0
    exact: int = 0
    steps: int = 0
    delays: list[int] = field(default_factory=list)
    false_alerts: int = 0
    alerts: int = 0
    updates: int = 0
    resolved: int = 0
    runs: list[int] = field(default_factory=list)
    seconds: float = 0.0
    per_event: dict[str, list[int]] = field(default_factory=dict)  # event -> commits until detection, per trial found


def run_trial(trial: int, args: argparse.Namespace, change_points: bool, tally: Tally) -> None:
    levels = planted_levels()
    branch = SimBranch(levels, noise=args.noise * LEVEL / 100, trial=trial)
    inbox = Inbox()
    metric = MetricOptions(bisect=BisectOptions(seeds=args.seeds, max_seeds=3 * args.seeds, confirm_seeds=args.confirm or 3 * args.seeds),
                           changepoint=ChangePointOptions(seed=trial) if change_points else None)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "watch.db"))
        spec = WatchSpec(name="sim", repo="sim", branch="main", config_key="sim")
        for head in [*range(0, COMMITS, args.batch), COMMITS]:
            branch.head_at = head
            TickRunner(store, spec, branch, branch, metric, inbox).run()  # type: ignore[arg-type]
        store.close()
    tally.runs.append(branch.fresh_runs)
    detected: set[str] = set()
    for msg in inbox.messages:
        tally.updates += msg.event == "updated"
        tally.resolved += msg.event == "resolved"
        if msg.event != "opened":
            continue
        tally.alerts += 1
        head, ref = position(msg.head), position(msg.reference)
        if levels[head] > levels[ref] * (1 - THRESHOLD / 2):
            tally.false_alerts += 1
            continue
        active = [e for e in EVENTS if e.start <= head < e.end and e.name not in detected]
        if not active:
            continue
        e = active[0]
        detected.add(e.name)
        tally.delays.append(head - e.start)
        tally.per_event.setdefault(e.name, []).append(head - e.start)
        if e.step and msg.culprit is not None and position(msg.culprit["sha"]) == e.start:
            tally.exact += 1
    tally.detected += len(detected)
    tally.events += len(EVENTS)
    tally.steps += sum(e.step for e in EVENTS)


def report(name: str, t: Tally, trials: int) -> None:
    delay = f"{statistics.mean(t.delays):.1f} (median {statistics.median(t.delays):.0f})" if t.delays else "-"
    print(f"{name:<28} detection {t.detected}/{t.events} ({t.detected / t.events:.0%}), culprit exact "
          f"{t.exact}/{t.steps}, commits until detection {delay}, false alerts {t.false_alerts} "
          f"({t.false_alerts / trials:.2f}/trial), updates {t.updates}, resolved {t.resolved}, probe runs "
          f"{statistics.mean(t.runs):.0f}/trial, {t.seconds / trials:.1f} s/trial")
    for e in EVENTS:
        found = t.per_event.get(e.name, [])
        after = f", {statistics.mean(found):.1f} commits after it began" if found else ""
        print(f"    {e.name:<26} detected in {len(found)}/{trials} trials{after}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--trials", type=int, default=5)
    p.add_argument("--noise", type=float, default=5.0, help="seed sd in %% of the level (default 5)")
    p.add_argument("--batch", type=int, default=4, help="commits per tick (default 4)")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--confirm", type=int, default=None, help="seeds the ends of a regression are confirmed with (default 3 x --seeds, as investigate watch)")
    args = p.parse_args()
    print(f"{COMMITS} commits, level {LEVEL:g}, seed noise sd {args.noise:g} %, a tick every {args.batch} commits, "
          f"{args.seeds} seeds per commit (at most {3 * args.seeds}), {args.trials} trials; events: "
          + "; ".join(e.name + (f" (fixed @{e.end})" if e.end <= COMMITS else "") for e in EVENTS))
    for name, cp in (("with change points", True), ("without change points", False)):
        tally = Tally()
        start = time.perf_counter()
        for trial in range(args.trials):
            run_trial(trial, args, cp, tally)
        tally.seconds = time.perf_counter() - start
        report(name, tally, args.trials)


if __name__ == "__main__":
    main()
