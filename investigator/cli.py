"""Command-line interface: `investigate run` (the default: `investigate --repo ... --baseline-commit ...`
works without the word), `investigate demo`, `investigate explain`.

Each command is one argparse subparser (`COMMANDS`): its arguments and the function that runs it. A
new command (`serve`, `watch`, `bisect`) is one more entry there.

Exit codes: 0 ran and nothing at or above --fail-on; 1 findings at or above it; 2 usage or input
error (one clear line, never a traceback); 3 internal error (one line; --debug shows the traceback);
130 / 143 stopped by SIGINT / SIGTERM (a partial report of the finished steps is written first).
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from investigator.budget import DEFAULT_ANALYZER_BUDGET_S
from investigator.git.errors import InputError
from investigator.interrupt import Interrupted, InvestigationInterrupted, signals_interrupt
from investigator.models import Severity

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2 (no usage block)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def int_at_least(minimum: int):
    """An argparse type: an integer >= `minimum`, with a one-line reason otherwise."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    parse.__name__ = "integer"
    return parse


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


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def add_run_arguments(p: argparse.ArgumentParser) -> None:
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
    p.add_argument("--format", dest="formats", action="append", choices=["md", "json", "html", "sarif"], help="report format (repeatable; default md; sarif: SARIF 2.1.0 for code scanning)")
    p.add_argument("--output", default="reports", help="directory for the reports (default: reports/)")
    p.add_argument("--fail-on", choices=[s.value for s in Severity], help="exit 1 when a finding at or above this severity exists")
    p.add_argument("--title", help="report title")
    p.add_argument("--analyzer-budget", type=_seconds, default=DEFAULT_ANALYZER_BUDGET_S, metavar="SECONDS",
                   help="wall-clock time each analyzer may take; one past it is recorded as a failure and the "
                        f"report is written without it (default {DEFAULT_ANALYZER_BUDGET_S:g})")
    add_probe_arguments(p)
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")


def add_probe_arguments(p: argparse.ArgumentParser, *, with_command: bool = True) -> None:
    """The probe options (docs/probes.md); values are checked by `probe_options`."""
    g = p.add_argument_group("probe experiments (docs/probes.md)")
    g.add_argument("--probes", default="auto", metavar="auto|none|ID,...",
                   help="which probes may run: auto (cheap probes the findings call for; training runs only with a "
                        "command and critical findings), none, or probe ids (default auto)")
    g.add_argument("--probe-budget", type=_seconds, default=300.0, metavar="SECONDS",
                   help="wall-clock time for all probes together; probes past it are recorded as skipped (default 300)")
    add_probe_runtime_arguments(g, first=True)
    g.add_argument("--adapter", metavar="FILE",
                   help="the probe adapter file (default: investigator_adapter.py or .investigator/adapter.py in the checkout)")
    if with_command:
        g.add_argument("--probe-command", metavar="CMD",
                       help='training command template for training-run probes, e.g. "{python} train.py --seed {seed} '
                            '--total-timesteps {steps} --logdir {logdir} --device {device}"')
    g.add_argument("--probe-seeds", type=int_at_least(1), default=3, metavar="N", help="seeds per side of a training run (default 3)")
    g.add_argument("--probe-steps", type=int_at_least(1), default=None, metavar="N", help="environment steps of a training-run probe")
    add_probe_runtime_arguments(g, first=False)
    g.add_argument("--yes", action="store_true", help="run expensive probes without asking (a non-interactive run never asks)")
    g.add_argument("--no-bisect", dest="bisect", action="store_false",
                   help="do not bisect a regression the training-run probe confirmed (by default the probe budget left "
                        "after the probes bisects it, docs/bisect.md)")
    add_verify_arguments(p)


def add_verify_arguments(p: argparse.ArgumentParser) -> None:
    """The `--verify` options (docs/verify.md); off by default."""
    g = p.add_argument_group("proven causes (docs/verify.md)")
    g.add_argument("--verify", action="store_true",
                   help="restore each top finding's patch at the candidate, train with the probe's command and seeds, "
                        "and measure how much of the regression it recovers (needs a training command)")
    g.add_argument("--verify-top", type=int_at_least(1), default=3, metavar="K",
                   help="how many of the top findings with a restore patch to verify (default 3)")
    g.add_argument("--verify-budget", type=_seconds, default=600.0, metavar="SECONDS",
                   help="wall-clock time for all verification runs (default 600)")


def add_probe_runtime_arguments(g: argparse._ActionsContainer, *, first: bool | None = None) -> None:
    """Where and how probe jobs run (shared by `run` and `bisect`): --device (first), --probe-setup,
    --probe-cache, --probe-python (the rest); None: all of them."""
    if first is not False:
        g.add_argument("--device", default="auto", metavar="auto|cpu|cuda[:N]", help="where probes run (default auto: CUDA when present)")
    if first is True:
        return
    g.add_argument("--probe-setup", metavar="CMD", help="command run once in each checkout before its probes (e.g. build an extension)")
    g.add_argument("--probe-cache", metavar="PATH|none", help="result cache directory, or none (default: the user cache directory)")
    g.add_argument("--probe-python", metavar="PATH", help="Python interpreter of the project's environment (default: this one)")
    g.add_argument("--executor", dest="probe_executor", choices=["local", "ray"], default="local",
                   help="where probe jobs run: local processes (default) or tasks on a Ray cluster (docs/scale.md)")
    g.add_argument("--ray-address", metavar="ADDR",
                   help="the Ray cluster with --executor ray: auto, ray://HEAD:10001 or HOST:6379 (default: a local instance)")


def check_probe_runtime(args: argparse.Namespace, command: str | None) -> None:
    """InputError (one line, exit 2) for a bad --device, command, --probe-setup or --probe-python."""
    import shlex
    import shutil

    if not re.fullmatch(r"auto|cpu|cuda(:\d+)?", args.device):
        raise InputError(f"--device: expected auto, cpu, cuda or cuda:N, got {args.device!r}")
    for flag, value in (("--probe-command", command), ("--probe-setup", args.probe_setup)):
        try:
            if value is not None and not shlex.split(value):
                raise ValueError("empty command")
        except ValueError as exc:
            raise InputError(f"{flag}: cannot be split into arguments ({exc}): {value!r}") from None
    if args.probe_python and shutil.which(args.probe_python) is None:
        raise InputError(f"--probe-python: not an executable: {args.probe_python}")
    if getattr(args, "ray_address", None) and getattr(args, "probe_executor", "local") != "ray":
        raise InputError("--ray-address: only with --executor ray")
    if getattr(args, "probe_executor", "local") == "ray":
        import importlib.util

        if importlib.util.find_spec("ray") is None:
            raise InputError("--executor ray needs Ray: pip install 'investigator[ray]'")
        return  # the device is the cluster's: checked when the backend starts
    if args.device.startswith("cuda"):  # an explicit device must exist (auto falls back to the CPU)
        from investigator.probes.devices import detect_slots

        detect_slots(args.device, 1, None, args.probe_python or sys.executable)


def probe_options(args: argparse.Namespace) -> dict[str, object]:
    """The request fields of the probe options; InputError (one line, exit 2) on a bad value."""
    from investigator.probes.selection import probe_selection

    try:
        selection = probe_selection(args.probes)
    except ValueError as exc:
        raise InputError(f"--probes: {exc}") from None
    if args.adapter and not Path(args.adapter).is_file():
        raise InputError(f"--adapter: no such file: {args.adapter}")
    command = getattr(args, "probe_command", None)
    check_probe_runtime(args, command)
    interactive = sys.stdin is not None and sys.stdin.isatty() and not args.yes
    return {"probes": selection, "probe_budget_s": args.probe_budget, "device": args.device,
            "adapter": str(Path(args.adapter).resolve()) if args.adapter else None, "probe_command": command,
            "probe_seeds": args.probe_seeds, "probe_steps": args.probe_steps, "probe_setup": args.probe_setup,
            "probe_cache": args.probe_cache, "probe_python": args.probe_python, "confirm_expensive": interactive,
            "probe_executor": getattr(args, "probe_executor", "local"), "ray_address": getattr(args, "ray_address", None),
            "verify": bool(getattr(args, "verify", False)), "verify_top": getattr(args, "verify_top", 3),
            "verify_budget_s": getattr(args, "verify_budget", 600.0), "bisect": getattr(args, "bisect", True)}


def confirm_on_terminal(expensive: list[dict[str, object]]) -> list[str]:
    """Ask on the terminal before expensive probes run (an interactive session only)."""
    print("investigate: expensive probes planned:", file=sys.stderr)
    for item in expensive:
        print(f"  - {item['probe']}: {item['reason']}", file=sys.stderr)
    try:
        answer = input("Run them? [y/N] ").strip().lower()
    except EOFError:
        answer = ""
    return [str(item["probe"]) for item in expensive] if answer in ("y", "yes") else []


def _add_demo_arguments(p: argparse.ArgumentParser) -> None:
    from investigator.demo.command import add_demo_arguments

    add_demo_arguments(p)


def _demo(args: argparse.Namespace) -> int:
    from investigator.demo.command import run_demo

    return run_demo(args)


def _add_explain_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("unit_id", nargs="?", metavar="ID", help="a detector, metric rule, extractor or analyzer id")
    p.add_argument("--list", action="store_true", help="every unit id with its kind and subsystem, one per line")


def _explain(args: argparse.Namespace) -> int:
    from investigator.units.docs import explain

    return explain(args.unit_id, args.list)


@dataclass(frozen=True)
class Command:
    help: str
    description: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    prog: str | None = None  # default: "investigate <name>"


def _add_bisect_arguments(p: argparse.ArgumentParser) -> None:
    from investigator.bisect.command import add_bisect_arguments

    add_bisect_arguments(p)


def _bisect(args: argparse.Namespace) -> int:
    from investigator.bisect.command import run_bisect_command

    return run_bisect_command(args)


def _add_serve_arguments(p: argparse.ArgumentParser) -> None:
    from investigator.service.command import add_serve_arguments

    add_serve_arguments(p)


def _serve(args: argparse.Namespace) -> int:
    from investigator.service.command import run_serve

    return run_serve(args)


def _add_keys_arguments(p: argparse.ArgumentParser) -> None:
    from investigator.service.command import add_keys_arguments

    add_keys_arguments(p)


def _keys(args: argparse.Namespace) -> int:
    from investigator.service.command import run_keys

    return run_keys(args)


def _add_watch_arguments(p: argparse.ArgumentParser) -> None:
    from investigator.watch.command import add_watch_arguments

    add_watch_arguments(p)


def _watch(args: argparse.Namespace) -> int:
    from investigator.watch.command import run_watch_command

    return run_watch_command(args)


COMMANDS: dict[str, Command] = {
    "run": Command(
        help="investigate a commit range and/or training logs (the default command: the word may be left out)",
        description="Diagnose why RL training got worse between two commits.",
        arguments=add_run_arguments,
        run=lambda args: run_command(args),
        prog="investigate",  # `investigate --repo ...` and `investigate run --repo ...` are one command
    ),
    "demo": Command(
        help="generate a demo PPO repository with planted regressions and investigate it",
        description="Generate a demo PPO repository with planted regressions and investigate it.",
        arguments=_add_demo_arguments,
        run=_demo,
    ),
    "bisect": Command(
        help="find the first commit where training got worse: the training command at commits between good and bad",
        description="Noise-tolerant bisection: the training command over several seeds at commits between --good and "
                    "--bad, each decided good, bad or unsure against both ends (docs/bisect.md).",
        arguments=_add_bisect_arguments,
        run=_bisect,
    ),
    "serve": Command(
        help="run the HTTP service: submit investigations, follow them, fetch reports (docs/service.md)",
        description="The investigation service: a JSON API (/v1, OpenAPI at /docs), a job store (SQLite file or "
                    "PostgreSQL) and a pool of workers (docs/service.md).",
        arguments=_add_serve_arguments,
        run=_serve,
    ),
    "keys": Command(
        help="create, list or revoke the service's API keys",
        description="API keys of the service (scopes: read < submit < admin); `keys create` prints the new key "
                    "alone on stdout, once.",
        arguments=_add_keys_arguments,
        run=_keys,
    ),
    "watch": Command(
        help="follow a branch: measure new commits, bisect a regression, detect drifts, notify (--once: one tick)",
        description="Regression watch: each tick takes the branch's new commits, compares the head with the baseline "
                    "(static investigation; the training command over seeds when given), bisects a regression to its "
                    "first bad commit, tests the metric history for change points, writes one report per regression "
                    "and calls the webhook (docs/watch.md).",
        arguments=_add_watch_arguments,
        run=_watch,
    ),
    "explain": Command(
        help="print the documentation of a unit (detector, metric rule, extractor, analyzer), or --list them",
        description="Print a unit's documentation: title, kind, subsystem, severity, rationale, fix, hypotheses.",
        arguments=_add_explain_arguments,
        run=_explain,
    ),
}


def build_parser() -> argparse.ArgumentParser:
    return _build()[0]


def _build() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The `investigate` parser and each command's subparser."""
    p: argparse.ArgumentParser = OneLineParser(
        prog="investigate",
        description="Diagnose why RL training got worse between two commits.",
        epilog="Without a command, `investigate --repo ... --baseline-commit ...` runs `investigate run`.",
    )
    sub = p.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    parsers: dict[str, argparse.ArgumentParser] = {}
    for name, command in COMMANDS.items():
        parser = sub.add_parser(name, help=command.help, description=command.description,
                                prog=command.prog or f"investigate {name}")
        command.arguments(parser)
        parser.set_defaults(handler=command.run)
        parsers[name] = parser
    return p, parsers


def _progress_printer(quiet: bool):
    from investigator.workflow.state import ProgressEvent

    marks = {"finished": "✓", "skipped": "·", "failed": "✗"}

    def show(event: ProgressEvent) -> None:
        if quiet or event.status == "started":
            return
        secs = f"{event.seconds:6.2f} s" if event.seconds is not None else " " * 8
        print(f"  {marks.get(event.status, ' ')} {event.step:<28} {secs}  {event.detail}", file=sys.stderr, flush=True)

    return show


def run_command(args: argparse.Namespace) -> int:
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
    from investigator.report.output import check_output_dir
    from investigator.request import InvestigationRequest

    probes = probe_options(args)
    check_output_dir(Path(args.output))  # before any analysis: a run must never end unable to write
    from investigator.git import prefetch

    # git reads the range on the second core while this process imports the analysis (git/prefetch.py)
    ahead = prefetch.start(args.repo, args.baseline_commit, args.candidate_commit)
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
        analyzer_budget_s=args.analyzer_budget,
        **probes,  # type: ignore[arg-type]
    )
    return execute(request, quiet=args.quiet, prefetch=ahead)


def execute(request, quiet: bool = False, prefetch=None) -> int:
    from investigator.gc_pause import cyclic_gc_paused
    from investigator.workflow import run_investigation

    start = time.perf_counter()
    try:
        with cyclic_gc_paused():  # this process runs one investigation: see investigator.gc_pause
            inv = run_investigation(request, progress=_progress_printer(quiet), confirm=confirm_on_terminal,
                                    prefetch=prefetch)
            if _ENDS_AFTER_RUN:
                # the process ends once the reports are printed (`exit_without_teardown`): what the run
                # built (millions of objects, all still in the youngest generation after the pause) is
                # moved out of the collector's view, or the first allocation after the pause scans it all
                gc.freeze()
    except InvestigationInterrupted as stop:
        return _report_interrupted(stop, time.perf_counter() - start)
    for fmt, path in inv.reports.items():
        print(f"{fmt} report: {path}")
    if inv.error:  # the reports went elsewhere than asked: say so, and do not pass as a clean run
        print(f"investigate: error: {inv.error}", file=sys.stderr)
        return EXIT_INPUT
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
    """Crashed or timed-out analyzers and input problems (an empty log directory) on stderr too, not only in the
    report: a run that lost a part must never read as a clean exit 0 with 0 findings."""
    loud = [f for f in failures if f.message.startswith(("input:", "analyzer crashed", "analyzer stopped after"))]
    for f in loud[:shown]:
        print(f"investigate: warning: {f.source}: {f.message.removeprefix('input: ')}", file=sys.stderr)
    if len(loud) > shown:
        print(f"investigate: warning: {len(loud) - shown} more recorded in the report", file=sys.stderr)


def _report_interrupted(stop: InvestigationInterrupted, seconds: float) -> int:
    """Paths of the partial report on stdout, one line on stderr; exit 128 + signal number."""
    inv = stop.investigation
    info = getattr(inv, "incomplete", None)
    finished = len(info.finished_steps) if info else 0
    reports = getattr(inv, "reports", {}) or {}
    for fmt, path in reports.items():
        print(f"{fmt} report (partial): {path}")
    if reports:
        where = f"partial report with {finished} finished step(s): {next(iter(reports.values()))}"
    elif finished:
        where = f"the partial report could not be written ({getattr(inv, 'error', None) or 'unknown reason'})"
    else:
        where = "no step had finished, no report written"
    print(f"investigate: interrupted by {stop.name} after {seconds:.1f} s; {where}", file=sys.stderr, flush=True)
    return stop.exit_code


EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a command whose reader went away


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail on the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point. Called without `argv` (the console script), a stopped run exits at once even if
    analyzer threads are still busy; the partial report is already on disk."""
    global _ENDS_AFTER_RUN
    as_process = argv is None
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    _ENDS_AFTER_RUN = as_process and _command_of(argv) in NO_TEARDOWN_COMMANDS
    try:
        with signals_interrupt():
            code = _dispatch(argv)
    except InputError as exc:
        print(f"investigate: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    except BrokenPipeError:  # `investigate explain --list | head`: the reader left, nothing is wrong
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except (Interrupted, KeyboardInterrupt) as exc:  # outside an investigation, or a second signal
        stop = Interrupted.from_exception(exc)
        print(f"investigate: interrupted by {stop.name}", file=sys.stderr)
        code = stop.exit_code
    except Exception as exc:
        if debug:
            raise
        partial = getattr(exc, "partial_reports", None)
        kept = f"; partial report: {next(iter(partial.values()))}" if partial else ""
        print(f"investigate: internal error: {exc.__class__.__name__}: {exc}{kept} (rerun with --debug for the traceback)", file=sys.stderr)
        return EXIT_INTERNAL
    if as_process and code >= 128 and threading.active_count() > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # analyzer threads cannot be cancelled; waiting for them would defeat the signal
    if as_process and _command_of(argv) in NO_TEARDOWN_COMMANDS:
        exit_without_teardown(code)
    return code


NO_TEARDOWN_COMMANDS = ("run",)
_ENDS_AFTER_RUN = False  # set by `main` for the console script's `run`: the process ends after the reports


def _command_of(argv: list[str]) -> str:
    return argv[0] if argv and argv[0] in COMMANDS else "run"


def exit_without_teardown(code: int) -> NoReturn:
    """End the process once an investigation is done and its reports are written, without the
    interpreter's teardown: that frees the parsed trees and indexes of both commits object by object
    (5-8 s of CPU after an 800-file range, a tenth of the run), for a process that ends anyway. What
    a normal exit does that matters still happens: `atexit` handlers run (logging, temporary
    directories, coverage) and stdout/stderr are flushed. Only the console script does this; a
    caller of `main(argv)` gets the code back."""
    import atexit
    from contextlib import suppress

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed or broken stream: nothing more can be written to it
            stream.flush()
    os._exit(code)


def _dispatch(argv: list[str]) -> int:
    """Run the command `argv` names; without one (`investigate --repo ...`), `run`."""
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help")):
        argv = ["run", *argv]
    parser, commands = _build()
    args, extra = parser.parse_known_args(argv)
    if extra:  # named by the command's own parser (`investigate demo: error: ...`), as before subcommands
        commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
