"""Command-line interface: `investigate --repo ... --baseline-commit ...`, `investigate demo`.

Exit codes: 0 ran and nothing at or above --fail-on; 1 findings at or above it; 2 usage or input
error (one clear line, never a traceback); 3 internal error (one line; --debug shows the traceback).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from investigator.git.errors import InputError
from investigator.models import Severity

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one clear line, exit 2
        self.exit(EXIT_INPUT, f"investigate: error: {message} (see --help)\n")


def _metric_alias(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected TAG=CANONICAL, got {text!r}")
    tag, canonical = text.split("=", 1)
    return tag.strip(), canonical.strip()


def _metric_option(text: str) -> tuple[str, float]:
    key, value = _metric_alias(text)
    try:
        return key, float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected KEY=NUMBER, got {text!r}") from None


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="investigate",
        description="Diagnose why RL training got worse between two commits. "
        "Subcommands: `investigate demo` (generate a demo repository and investigate it).",
    )
    p.add_argument("--repo", help="path or URL of the git repository (omit for a logs-only investigation)")
    p.add_argument("--baseline-commit", help="the commit where training worked (SHA, branch, tag, HEAD~3...)")
    p.add_argument("--candidate-commit", default=None, help="the commit where training got worse (default: HEAD)")
    p.add_argument("--baseline-entry", help='training command at the baseline, e.g. "tools/train.py" or a module path')
    p.add_argument("--candidate-entry", help="training command at the candidate")
    p.add_argument("--baseline-runs", action="extend", nargs="+", default=[], metavar="GLOB", help="logs of runs at the baseline")
    p.add_argument("--candidate-runs", action="extend", nargs="+", default=[], metavar="GLOB", help="logs of runs at the candidate")
    p.add_argument("--primary-metric", help="the metric that regressed (any logged tag)")
    p.add_argument("--metric-alias", action="append", type=_metric_alias, default=[], metavar="TAG=CANONICAL", help="map a logged tag to a canonical metric name")
    p.add_argument("--metric-option", action="append", type=_metric_option, default=[], metavar="KEY=VALUE", help="metric analysis option, e.g. grad_clip=0.5, threshold=0.05, min_seeds=3 (docs/metrics.md)")
    p.add_argument("--format", dest="formats", action="append", choices=["md", "json", "html"], help="report format (repeatable; default md)")
    p.add_argument("--output", default="reports", help="directory for the reports (default: reports/)")
    p.add_argument("--fail-on", choices=[s.value for s in Severity], help="exit 1 when a finding at or above this severity exists")
    p.add_argument("--title", help="report title")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    return p


def _progress_printer(quiet: bool):
    from investigator.workflow.state import ProgressEvent

    marks = {"finished": "✓", "skipped": "·", "failed": "✗"}

    def show(event: ProgressEvent) -> None:
        if quiet or event.status == "started":
            return
        secs = f"{event.seconds:6.2f} s" if event.seconds is not None else " " * 8
        print(f"  {marks.get(event.status, ' ')} {event.step:<28} {secs}  {event.detail}", file=sys.stderr, flush=True)

    return show


def run_main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    if not args.repo and not (args.baseline_runs or args.candidate_runs):
        print("investigate: error: give --repo (with --baseline-commit) or run logs (--baseline-runs/--candidate-runs)", file=sys.stderr)
        return EXIT_INPUT
    if args.repo and not args.baseline_commit:
        print("investigate: error: --baseline-commit is required with --repo", file=sys.stderr)
        return EXIT_INPUT
    if args.baseline_runs or args.candidate_runs or args.metric_option:
        from investigator.metrics.validation import check_metric_inputs

        check = check_metric_inputs(dict(args.metric_option), args.baseline_runs, args.candidate_runs)
        if check.errors:
            more = f" (and {len(check.errors) - 1} more)" if len(check.errors) > 1 else ""
            print(f"investigate: error: {check.errors[0]}{more}", file=sys.stderr)
            return EXIT_INPUT
        for warning in check.warnings:
            print(f"investigate: warning: {warning}", file=sys.stderr)
    from investigator.request import InvestigationRequest

    request = InvestigationRequest(
        repo=args.repo,
        baseline_commit=args.baseline_commit,
        candidate_commit=args.candidate_commit,
        baseline_entry=args.baseline_entry,
        candidate_entry=args.candidate_entry,
        baseline_runs=args.baseline_runs,
        candidate_runs=args.candidate_runs,
        primary_metric=args.primary_metric,
        metric_aliases=dict(args.metric_alias),
        metric_options=dict(args.metric_option),
        formats=args.formats or ["md"],
        output=Path(args.output),
        fail_on=Severity(args.fail_on) if args.fail_on else None,
        title=args.title,
    )
    return execute(request, quiet=args.quiet)


def execute(request, quiet: bool = False) -> int:
    from investigator.workflow import run_investigation

    start = time.perf_counter()
    inv = run_investigation(request, progress=_progress_printer(quiet))
    for fmt, path in inv.reports.items():
        print(f"{fmt} report: {path}")
    counts = {s: sum(1 for f in inv.findings if f.severity == s) for s in Severity}
    print(
        f"{len(inv.findings)} findings ({counts[Severity.critical]} critical, {counts[Severity.significant]} significant, "
        f"{counts[Severity.low]} low) in {time.perf_counter() - start:.1f} s"
    )
    _warn_failures(inv.failures)
    if request.fail_on and any(f.severity.at_least(request.fail_on) for f in inv.findings):
        return EXIT_FINDINGS
    return EXIT_OK


def _warn_failures(failures: list, shown: int = 5) -> None:
    """Crashed analyzers and input problems (an empty log directory) on stderr too, not only in the
    report: a run that lost a part must never read as a clean exit 0 with 0 findings."""
    loud = [f for f in failures if f.message.startswith("input:") or "analyzer crashed" in f.message]
    for f in loud[:shown]:
        print(f"investigate: warning: {f.source}: {f.message.removeprefix('input: ')}", file=sys.stderr)
    if len(loud) > shown:
        print(f"investigate: warning: {len(loud) - shown} more recorded in the report", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        if argv and argv[0] == "demo":
            from investigator.demo.command import demo_main

            return demo_main(argv[1:])
        return run_main(argv)
    except InputError as exc:
        print(f"investigate: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    except KeyboardInterrupt:
        print("investigate: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if debug:
            raise
        print(f"investigate: internal error: {exc.__class__.__name__}: {exc} (rerun with --debug for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
