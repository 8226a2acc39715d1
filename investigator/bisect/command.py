"""`investigate bisect`: the command's arguments and its run (exit codes as `investigate run`'s).

Exit 0: the bisection ran (found, no regression, ambiguous, or stopped by its budget: the report
says which); 2: bad input, one line (unknown ref, good not an ancestor of bad, a bad option), or an
end that produced no metric (the report is still written, the line names the reason).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from investigator.bisect.model import BisectStatus
from investigator.bisect.run import DEFAULT_MAX_RUNS, DEFAULT_WALL_S, BisectRequest, Stopped, run_bisect
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
from investigator.probes.builtin.training_run import PLACEHOLDERS

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def add_bisect_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--repo", required=True, help="path or URL of the git repository")
    p.add_argument("--good", required=True, help="a commit where training worked (SHA, branch, tag, HEAD~3...)")
    p.add_argument("--bad", required=True, help="a later commit where it got worse (good must be its ancestor)")
    p.add_argument("--probe-command", required=True, metavar="CMD",
                   help='training command template, e.g. "{python} train.py --seed {seed} --logdir {logdir} --device '
                        '{device}" ({steps} optional); exit 125 means "cannot test this commit"')
    p.add_argument("--primary-metric", metavar="TAG", help="the metric that regressed (any logged tag; default the episodic return)")
    p.add_argument("--metric-option", action="append", type=_metric_option, default=[], metavar="KEY=VALUE",
                   help="statistics options as for metric forensics: threshold, n_boot, confidence, min_seeds (docs/metrics.md)")
    p.add_argument("--seeds", type=int_at_least(1), default=3, metavar="N", help="seeds per commit per round (default 3)")
    p.add_argument("--max-seeds", type=int_at_least(1), default=None, metavar="N",
                   help="seeds at most per commit before it stays unsure (default 3 x --seeds)")
    p.add_argument("--parallel", type=int_at_least(1), default=None, metavar="K",
                   help="commits tested per round (default: max(3, device slots / seeds); 3 probes the quartiles)")
    p.add_argument("--max-runs", type=int_at_least(2), default=DEFAULT_MAX_RUNS, metavar="N",
                   help=f"probe runs in all, cached ones included (default {DEFAULT_MAX_RUNS})")
    p.add_argument("--budget", type=_seconds, default=DEFAULT_WALL_S, metavar="SECONDS",
                   help=f"wall-clock time of the whole bisection (default {DEFAULT_WALL_S:g})")
    p.add_argument("--probe-steps", type=int_at_least(1), default=None, metavar="N", help="fills {steps} in the command")
    g = p.add_argument_group("where the runs go (as for investigate's probes, docs/probes.md)")
    add_probe_runtime_arguments(g)
    p.add_argument("--format", dest="formats", action="append", choices=["md", "json"], help="report format (repeatable; default md)")
    p.add_argument("--output", default="reports", help="directory for the report, its figure and the runs' logs (default: reports/)")
    p.add_argument("--quiet", action="store_true", help="print only the report paths")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def _check(args: argparse.Namespace) -> None:
    from investigator.metrics.validation import check_metric_inputs
    from investigator.report.output import check_output_dir

    check_probe_runtime(args, args.probe_command)
    used = set(_PLACEHOLDER.findall(args.probe_command))
    if unknown := sorted(used - set(PLACEHOLDERS)):
        raise InputError(f"--probe-command: unknown placeholder(s) {', '.join('{' + u + '}' for u in unknown)}; "
                         f"known: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}")
    if "logdir" not in used:
        raise InputError("--probe-command: no {logdir} placeholder: the metric is read from the logs the command writes there")
    if args.metric_option:
        check = check_metric_inputs(dict(args.metric_option), [], [])
        if check.errors:
            raise InputError(check.errors[0])
    check_output_dir(Path(args.output))


def run_bisect_command(args: argparse.Namespace) -> int:
    _check(args)
    req = BisectRequest(repo=args.repo, good=args.good, bad=args.bad, probe_command=args.probe_command,
                        primary_metric=args.primary_metric, seeds=args.seeds, max_seeds=args.max_seeds,
                        parallel=args.parallel, max_runs=args.max_runs, wall_s=args.budget, probe_steps=args.probe_steps,
                        device=args.device, probe_cache=args.probe_cache, probe_setup=args.probe_setup,
                        probe_python=args.probe_python, probe_executor=args.probe_executor, ray_address=args.ray_address,
                        metric_options=dict(args.metric_option),
                        formats=args.formats or ["md"], output=Path(args.output))
    try:
        result, reports = run_bisect(req)
    except Stopped as stopped:  # a signal: what was measured is in the partial report
        for fmt, path in stopped.reports.items():
            print(f"{fmt} report (partial): {path}")
        where = next(iter(stopped.reports.values()), "none written")
        print(f"investigate: interrupted by {stopped.stop.name}; partial bisection report: {where}", file=sys.stderr)
        return stopped.stop.exit_code
    for fmt, path in reports.items():
        print(f"{fmt} report: {path}")
    if result.status == BisectStatus.FAILED:
        print(f"investigate: error: {result.notes[-1] if result.notes else 'an end could not be measured'}", file=sys.stderr)
        return EXIT_INPUT
    if not args.quiet:
        from investigator.bisect.report import headline

        print(f"{headline(result).replace('**', '')} ({result.runs} runs, {result.cached_runs} cached, "
              f"{result.rounds} rounds, {result.wall_s:.1f} s)")
    return EXIT_OK
