"""`investigate watch`: follow a branch; each tick measures the new commits, bisects a regression,
tests the history for change points, writes one report per regression and notifies.

Exit codes (`--once`): 0 no regression alerted this tick (nothing new, no regression, still the same
open regression, or resolved); 1 a regression alerted (its report in --output, the webhook called
once); 2 bad input (one line). Without `--once` the watch ticks every `--interval` seconds until
SIGINT or SIGTERM (exit 0 when stopped between ticks).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from investigator.cli import (
    EXIT_INPUT,
    EXIT_OK,
    _metric_option,
    _seconds,
    add_probe_runtime_arguments,
    check_probe_runtime,
    int_at_least,
)
from investigator.git.errors import InputError
from investigator.interrupt import Interrupted
from investigator.models import Severity

if TYPE_CHECKING:
    from investigator.watch.source import GitSource
    from investigator.watch.tick import TickResult, TickRunner
    from investigator.workflow.state import Investigation

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
DEFAULT_SECRET_ENV = "INVESTIGATOR_WEBHOOK_SECRET"


def _alpha(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return value


def add_watch_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repo", required=True, help="path or URL of the git repository (a URL is fetched every tick)")
    p.add_argument("--branch", required=True, help="the branch to follow")
    p.add_argument("--state", required=True, metavar="URL|PATH",
                   help="where the watch remembers what it saw: a SQLite file path, sqlite:///path.db or postgresql+psycopg://...")
    p.add_argument("--name", help="the watch's name in the state (default: <repo name>:<branch>)")
    p.add_argument("--baseline", metavar="REF",
                   help="a fixed baseline every head is compared with (default: the last commit judged good)")
    g = p.add_argument_group("training-run measurement (docs/bisect.md)")
    g.add_argument("--probe-command", metavar="CMD",
                   help='training command template with {seed} and {logdir} (as for investigate bisect); without it, '
                        'static findings at or above --alert-on decide')
    g.add_argument("--primary-metric", metavar="TAG", help="the metric (default the episodic return)")
    g.add_argument("--metric-option", action="append", type=_metric_option, default=[], metavar="KEY=VALUE",
                   help="statistics options: threshold, n_boot, confidence, min_seeds (docs/metrics.md)")
    g.add_argument("--seeds", type=int_at_least(1), default=3, metavar="N", help="seeds per measured commit (default 3)")
    g.add_argument("--max-seeds", type=int_at_least(1), default=None, metavar="N", help="seeds at most per commit (default 3 x --seeds)")
    g.add_argument("--probe-steps", type=int_at_least(1), default=None, metavar="N", help="fills {steps} in the command")
    g.add_argument("--max-runs", type=int_at_least(2), default=200, metavar="N", help="probe runs per tick (default 200)")
    g.add_argument("--budget", type=_seconds, default=3600.0, metavar="SECONDS", help="wall-clock time of a tick's runs (default 3600)")
    add_probe_runtime_arguments(g)
    g.add_argument("--no-change-points", dest="change_points", action="store_false",
                   help="no change-point test over the metric history (slow drifts are then missed)")
    g.add_argument("--cp-alpha", type=_alpha, default=0.05, metavar="ALPHA", help="significance of a change point (default 0.05)")
    g.add_argument("--cp-permutations", type=int_at_least(19), default=199, metavar="N",
                   help="permutations of the change-point test (default 199)")
    p.add_argument("--alert-on", choices=[s.value for s in Severity], default="critical",
                   help="without --probe-command: static findings at or above this severity alert (default critical)")
    p.add_argument("--no-static", dest="static", action="store_false",
                   help="with --probe-command: no static investigation (the report then has no findings)")
    n = p.add_argument_group("notifications (docs/watch.md)")
    n.add_argument("--notify-url", metavar="URL", help="webhook called once per alert event (opened, updated, resolved)")
    n.add_argument("--notify-secret-env", metavar="NAME",
                   help=f"environment variable holding the HMAC secret (default {DEFAULT_SECRET_ENV} when set)")
    n.add_argument("--notify-format", choices=["json", "slack"], help="payload shape (default: slack for hooks.slack.com, else json)")
    n.add_argument("--notify-timeout", type=_seconds, default=10.0, metavar="SECONDS", help="per attempt (default 10)")
    n.add_argument("--report-url-prefix", metavar="URL", help="where --output is served; messages link the report there")
    p.add_argument("--once", action="store_true", help="run one tick and exit (for cron or a CI schedule)")
    p.add_argument("--interval", type=_seconds, default=3600.0, metavar="SECONDS", help="between ticks without --once (default 3600)")
    p.add_argument("--format", dest="formats", action="append", choices=["md", "json"], help="report format (repeatable; default md and json)")
    p.add_argument("--output", default="reports", help="directory for alert reports and investigations (default: reports/)")
    p.add_argument("--quiet", action="store_true", help="print only report paths")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def _secret(args: argparse.Namespace) -> str | None:
    name = args.notify_secret_env
    if name:
        if not os.environ.get(name):
            raise InputError(f"--notify-secret-env: the environment variable {name} is not set")
        return os.environ[name]
    return os.environ.get(DEFAULT_SECRET_ENV) or None


@contextmanager
def withheld(names: Iterable[str | None]) -> Iterator[None]:
    """The secret's variables out of this process's environment while ticks run: training runs, the
    static investigation and git inherit `os.environ`, and code from the watched repository must not
    read the webhook's key. Restored afterwards (an in-process caller keeps its environment)."""
    saved = {n: os.environ.pop(n) for n in dict.fromkeys(names) if n and n in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _check(args: argparse.Namespace) -> None:
    from investigator.metrics.validation import check_metric_inputs
    from investigator.probes.builtin.training_run import PLACEHOLDERS
    from investigator.report.output import check_output_dir

    check_probe_runtime(args, args.probe_command)
    if args.probe_command:
        used = set(_PLACEHOLDER.findall(args.probe_command))
        if unknown := sorted(used - set(PLACEHOLDERS)):
            raise InputError(f"--probe-command: unknown placeholder(s) {', '.join('{' + u + '}' for u in unknown)}")
        if "logdir" not in used:
            raise InputError("--probe-command: no {logdir} placeholder: the metric is read from the logs the command writes there")
    if args.metric_option:
        check = check_metric_inputs(dict(args.metric_option), [], [])
        if check.errors:
            raise InputError(check.errors[0])
    if args.notify_url:
        from investigator.watch.notify import check_url

        check_url(args.notify_url)
    check_output_dir(Path(args.output))


class Watcher:
    """The tick's collaborators built once from the arguments (state, repository, runner, notifier)."""

    def __init__(self, args: argparse.Namespace) -> None:
        from investigator.watch.state import Store

        _check(args)
        self.args = args
        self.secret = _secret(args)
        self.store = Store(args.state)

    def tick(self) -> int:

        runner, source = self._runner()
        res = runner.run(resolve=lambda ref: source.resolve(ref, "baseline"))
        self._print(res)
        return res.exit_code

    def _runner(self) -> tuple[TickRunner, GitSource]:
        from investigator.bisect.measure import ProbeMeasurer, training_job
        from investigator.bisect.run import BisectRequest, environment, search_options
        from investigator.watch.changepoint import ChangePointOptions
        from investigator.watch.engine import MetricOptions
        from investigator.watch.notify import Notifier
        from investigator.watch.source import GitSource
        from investigator.watch.tick import TickRunner, WatchSpec, config_key

        a = self.args
        source = GitSource(a.repo, a.branch)  # fetched again every tick
        name = a.name or f"{Path(a.repo.rstrip('/')).name.removesuffix('.git')}:{a.branch}"
        out = Path(a.output)
        measurer: ProbeMeasurer | None = None
        notes: list[str] = []
        metric = MetricOptions(metric=a.primary_metric or "return")
        if a.probe_command:
            req = BisectRequest(repo=a.repo, good="-", bad="-", probe_command=a.probe_command, primary_metric=a.primary_metric,
                                seeds=a.seeds, probe_steps=a.probe_steps, device=a.device, probe_cache=a.probe_cache,
                                probe_setup=a.probe_setup, probe_python=a.probe_python, probe_executor=a.probe_executor,
                                ray_address=a.ray_address, metric_options=dict(a.metric_option))
            env = environment(source.handle.git_dir, req, out / "probes" / name.replace("/", "_").replace(":", "_"), notes)
            measurer = ProbeMeasurer(env, training_job(a.probe_command, a.probe_steps, dict(a.metric_option)), a.primary_metric)
            metric.bisect = search_options(a.seeds, a.max_seeds, None, len(env.slots), a.max_runs, a.budget,
                                           a.primary_metric, dict(a.metric_option))
            # an alert costs someone a day: a regression's ends are confirmed with the full seed cap
            metric.bisect.confirm_seeds = max(metric.bisect.confirm_seeds, metric.bisect.max_seeds)
        metric.changepoint = ChangePointOptions(alpha=a.cp_alpha, permutations=a.cp_permutations) if a.change_points else None
        spec = WatchSpec(name=name, repo=a.repo, branch=a.branch, baseline=a.baseline, alert_on=Severity(a.alert_on),
                         config_key=config_key(a.probe_command, a.primary_metric, a.probe_steps, sorted(a.metric_option)),
                         report_url_prefix=a.report_url_prefix, output=out, formats=a.formats or ["md", "json"])
        notifier = Notifier(a.notify_url, self.secret, a.notify_format, a.notify_timeout) if a.notify_url else None
        investigate = self._investigate if (a.static or not a.probe_command) else None
        return TickRunner(self.store, spec, source, measurer, metric, notifier, investigate), source

    def _investigate(self, reference: str, head: str) -> Investigation:
        from investigator.request import InvestigationRequest
        from investigator.workflow import run_investigation

        a = self.args
        req = InvestigationRequest(repo=a.repo, baseline_commit=reference, candidate_commit=head, probes="none",
                                   primary_metric=a.primary_metric, formats=a.formats or ["md", "json"],
                                   output=Path(a.output), title=f"Watch {a.branch}: {reference[:7]}..{head[:7]}")
        return run_investigation(req)

    def _print(self, res: TickResult) -> None:
        for fmt, path in res.reports.items():
            print(f"{fmt} report: {path}")
        for fmt, path in res.investigation_reports.items():
            print(f"{fmt} investigation report: {path}")
        if self.args.quiet:
            return
        what = f" ({res.event} alert {res.alert_key[:12]})" if res.event and res.alert_key else ""
        print(f"watch {self.args.branch}: {res.outcome}{what}, head {res.head[:7]}, {res.new_commits} new commit(s), "
              f"{res.runs} probe runs ({res.cached_runs} cached)")
        for note in res.notes:
            print(f"  - {note}")
        if res.delivery is not None and not res.delivery.ok:
            print(f"investigate: warning: notification not delivered: {res.delivery.error}", file=sys.stderr)


def run_watch_command(args: argparse.Namespace) -> int:
    from investigator.probes.runner import kill_running

    watcher = Watcher(args)  # reads the secret
    try:
        with withheld([args.notify_secret_env, DEFAULT_SECRET_ENV]):
            if args.once:
                try:
                    return watcher.tick()
                except (Interrupted, KeyboardInterrupt):
                    kill_running()  # the training runs are in their own sessions: they would outlive the tick
                    raise
            return _loop(watcher, args.interval)
    finally:
        watcher.store.close()


def _loop(watcher: Watcher, interval: float) -> int:
    """Tick, sleep, tick... A signal between ticks stops cleanly (exit 0); one during a tick stops it
    (its runs killed) with the signal's exit code. A tick's input error is reported and retried."""
    from investigator.probes.runner import kill_running

    ticks = 0
    while True:
        try:
            watcher.tick()
        except InputError as exc:
            print(f"investigate: error: {exc} (retrying at the next tick)", file=sys.stderr)
        except Exception as exc:  # one tick's internal error must not end the watch: the state is unchanged
            print(f"investigate: internal error in tick {ticks + 1}: {exc.__class__.__name__}: {exc} "
                  "(the next tick retries the same commits)", file=sys.stderr)
        except (Interrupted, KeyboardInterrupt) as exc:
            kill_running()
            stop = Interrupted.from_exception(exc)
            print(f"investigate: watch interrupted by {stop.name} during tick {ticks + 1}", file=sys.stderr)
            return stop.exit_code
        ticks += 1
        try:
            time.sleep(interval)
        except (Interrupted, KeyboardInterrupt) as exc:
            stop = Interrupted.from_exception(exc)
            print(f"investigate: watch stopped by {stop.name} after {ticks} tick(s)", file=sys.stderr)
            return EXIT_OK


__all__ = ["EXIT_INPUT", "add_watch_arguments", "run_watch_command"]
