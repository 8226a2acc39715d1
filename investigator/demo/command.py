"""`investigate demo`: generate the demo repository, optionally train it at both commits, investigate it."""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from investigator.demo.generator import FIRST_COMMIT, generate_demo_repo
from investigator.git.errors import InputError
from investigator.request import InvestigationRequest
from investigator.sandbox import export_commit, run_isolated

MARKER = ".investigator-demo"  # written into --workdir: only a directory holding it is ever reused
ADAPTER_FILE = "probe_adapter.py"  # written into --workdir by --probes: outside the demo repository
_DEMO_ENTRIES = ("gridarena-ppo", "runs", ADAPTER_FILE)  # what the demo creates in --workdir; the only things it removes
_MIN_STEPS = 512  # one PPO update of the demo (8 environments x 64 steps); fewer log nothing


def _protected(path: Path) -> str | None:
    """Why `path` may never be a demo workdir (filesystem root, home, the current directory or above)."""
    cwd = Path.cwd().resolve()
    if path == Path(path.anchor):
        return "is the filesystem root"
    if path == Path.home().resolve():
        return "is your home directory"
    if path == cwd or path in cwd.parents:
        return "is the current directory or one of its parents"
    return None


def _unmarked_demo(path: Path) -> bool:
    """A demo written before the marker existed: only the demo's entries, and the demo's first commit."""
    if not {p.name for p in path.iterdir()} <= set(_DEMO_ENTRIES) or not (path / "gridarena-ppo" / ".git").is_dir():
        return False
    proc = subprocess.run(
        ["git", "-C", str(path / "gridarena-ppo"), "log", "--reverse", "--format=%s"], capture_output=True, text=True
    )
    return proc.returncode == 0 and proc.stdout.startswith(f"{FIRST_COMMIT}\n")


def prepare_workdir(workdir: Path) -> Path:
    """Make `workdir` ready for a fresh demo without touching anything the demo did not create.

    A new or empty directory is used as is. A directory holding the demo's marker (a previous demo)
    has only the demo's own entries (`gridarena-ppo/`, `runs/`) removed; anything else in it stays.
    Any other non-empty directory, a file, or a protected place is refused with an InputError.
    """
    resolved = workdir.resolve()
    reason = _protected(resolved)
    if reason:
        raise InputError(f"--workdir {workdir} {reason}; choose a new or empty directory")
    if resolved.exists() and not resolved.is_dir():
        raise InputError(f"--workdir {workdir} is a file, not a directory")
    if resolved.is_dir() and any(resolved.iterdir()):
        if not (resolved / MARKER).is_file() and not _unmarked_demo(resolved):
            raise InputError(
                f"--workdir {workdir} is not empty and was not created by `investigate demo`; "
                "choose a new or empty directory (nothing was changed)"
            )
        for name in _DEMO_ENTRIES:
            entry = resolved / name
            if entry.is_symlink() or entry.is_file():
                entry.unlink()
            elif entry.is_dir():
                shutil.rmtree(entry)
    try:
        resolved.mkdir(parents=True, exist_ok=True)
        (resolved / MARKER).write_text("created by `investigate demo`; the demo may replace gridarena-ppo/ and runs/ here\n")
    except OSError as exc:
        raise InputError(f"--workdir {workdir} cannot be created: {exc.strerror or exc}") from None
    return workdir


def _train_runs(repo, workdir: Path, seeds: int, steps: int, timeout_s: float) -> tuple[list[str], list[str]]:
    """Short training runs at both commits, each in its own exported checkout and subprocess."""
    globs: dict[str, list[str]] = {"baseline": [], "candidate": []}
    for side, sha in (("baseline", repo.baseline), ("candidate", repo.candidate)):
        with tempfile.TemporaryDirectory(prefix=f"demo-{side}-") as tmp:
            checkout = export_commit(repo.path / ".git", sha, Path(tmp) / "src")
            for seed in range(1, seeds + 1):
                # absolute: the run's working directory is the exported checkout, not ours
                logdir = (workdir / "runs" / side / f"seed{seed}").resolve()
                result = run_isolated(
                    [sys.executable, "train.py", "--seed", str(seed), "--total-timesteps", str(steps), "--logdir", str(logdir)],
                    cwd=checkout,
                    timeout_s=timeout_s,
                )
                print(f"  training run {side} seed {seed}: {result.describe()}", file=sys.stderr)
        globs[side].append(os.path.relpath(workdir.resolve() / "runs" / side / "seed*" / "progress.csv"))
    return globs["baseline"], globs["candidate"]


def check_training_dependencies() -> None:
    """The demo's training runs are PyTorch code run by this interpreter (`sys.executable`): without
    torch here every run would fail after the repository was generated. Refused up front instead,
    with what to install (an InputError: one line, exit 2, nothing written)."""
    try:
        missing = importlib.util.find_spec("torch") is None
    except (ImportError, ValueError):  # a broken or half-removed installation
        missing = True
    if missing:
        raise InputError(
            "--runs trains the demo with PyTorch, which is not installed in this environment; "
            'install the demo extra (pip install -e ".[demo]") or run the demo without --runs and --probes'
        )


def add_demo_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `investigate demo`."""
    from investigator.cli import _seconds, int_at_least

    p.add_argument(
        "--workdir",
        default="reports/demo",
        help="where to generate the demo repository: a new or empty directory, or a previous demo's "
        f"(marked by {MARKER}; only its gridarena-ppo/ and runs/ are replaced)",
    )
    p.add_argument("--output", default="reports", help="where to write the report")
    p.add_argument("--runs", type=int_at_least(0), default=0, metavar="SEEDS", help="train SEEDS short runs per commit (CPU: ~5 s each) and analyse their logs")
    p.add_argument("--steps", type=int_at_least(_MIN_STEPS), default=20000, help=f"environment steps per demo training run (at least {_MIN_STEPS})")
    p.add_argument("--format", dest="formats", action="append", choices=["md", "json", "html", "sarif"])
    p.add_argument("--probes", action="store_true",
                   help="run probe experiments at both commits through a demo adapter and a short training command")
    p.add_argument("--probe-steps", type=int_at_least(_MIN_STEPS), default=_PROBE_STEPS,
                   help=f"environment steps of a probe training run (default {_PROBE_STEPS})")
    p.add_argument("--probe-seeds", type=int_at_least(1), default=3, help="seeds per side of a probe training run (default 3)")
    p.add_argument("--probe-budget", type=_seconds, default=300.0, metavar="SECONDS", help="wall-clock time for all probes")
    p.add_argument("--device", default="auto", metavar="auto|cpu|cuda[:N]", help="where probes run")
    p.add_argument("--probe-cache", metavar="PATH|none", help="result cache directory, or none")
    p.add_argument("--yes", action="store_true", help="run expensive probes without asking")
    p.add_argument("--no-bisect", dest="bisect", action="store_false",
                   help="with the probes: do not bisect the confirmed regression over the demo's commits")
    p.add_argument("--executor", dest="probe_executor", choices=["local", "ray"], default="local",
                   help="where probe jobs run: local processes (default) or tasks on a Ray cluster")
    p.add_argument("--ray-address", metavar="ADDR", help="the Ray cluster with --executor ray (default: a local instance)")
    p.add_argument("--verify", action="store_true",
                   help="with the probes: restore each top finding at the candidate, train again and measure what it "
                        "recovers (the section 'What restoring each change recovers'; implies --probes)")
    p.add_argument("--verify-top", type=int_at_least(1), default=3, metavar="K", help="findings to verify (default 3)")
    p.add_argument("--verify-budget", type=_seconds, default=600.0, metavar="SECONDS",
                   help="wall-clock time for the verification runs (default 600)")
    p.add_argument("--quiet", action="store_true")


_PROBE_STEPS = 8192  # 16 updates of the demo: enough for 3 seeds to show the reward change (4,096: inconclusive)
DEMO_COMMAND = "{python} train.py --seed {seed} --total-timesteps {steps} --logdir {logdir}"


def write_adapter(workdir: Path) -> Path:
    """The demo's probe adapter (templates/adapter.py) in the workdir, outside the repository."""
    from importlib import resources

    path = workdir.resolve() / ADAPTER_FILE
    path.write_text(resources.files("investigator.demo.templates").joinpath("adapter.py").read_text())
    return path


def _probe_request_fields(args: argparse.Namespace, workdir: Path) -> dict[str, object]:
    args.probes = args.probes or args.verify  # verifying needs the training command and the probe environment
    if not args.probes:
        return {"probes": "none"}
    from investigator.cli import probe_options

    args.adapter = str(write_adapter(workdir))
    args.probe_command, args.probe_setup, args.probe_python = DEMO_COMMAND, None, None
    args.probes = "auto"
    fields = probe_options(args)
    return {**fields, "primary_metric": "charts/episodic_return"}


def run_demo(args: argparse.Namespace) -> int:
    """`investigate demo`: generate, optionally train, investigate."""
    from investigator.cli import execute
    from investigator.report.output import check_output_dir

    if args.runs > 0 or args.probes or args.verify:
        check_training_dependencies()
    check_output_dir(Path(args.output))
    workdir = prepare_workdir(Path(args.workdir))
    repo = generate_demo_repo(workdir / "gridarena-ppo")
    print(f"demo repository: {repo.path} (baseline {repo.baseline[:7]}, candidate {repo.candidate[:7]})", file=sys.stderr)
    for planted in repo.planted:
        print(f"  planted: [{planted.subsystem}] {planted.description}", file=sys.stderr)
    baseline_runs: list[str] = []
    candidate_runs: list[str] = []
    if args.runs > 0:
        baseline_runs, candidate_runs = _train_runs(repo, workdir, args.runs, args.steps, timeout_s=300)
    probe_fields = _probe_request_fields(args, workdir)
    request = InvestigationRequest(
        repo=str(repo.path),
        baseline_commit=repo.baseline,
        candidate_commit=repo.candidate,
        baseline_runs=baseline_runs,
        candidate_runs=candidate_runs,
        primary_metric="charts/episodic_return" if args.runs or args.probes else None,
        formats=args.formats or ["md", "json", "html"],
        output=Path(args.output),
        title=f"Regression diagnosis (demo): gridarena-ppo `{repo.baseline[:7]}` → `{repo.candidate[:7]}`",
        **{k: v for k, v in probe_fields.items() if k != "primary_metric"},  # type: ignore[arg-type]
    )
    return execute(request, quiet=args.quiet)
