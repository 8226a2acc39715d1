"""Reliability drills: hostile, broken and large inputs to the CLI, each run with a time limit.

Builds every input in a temporary directory (generated git repositories and training logs, nothing
checked in), runs `python -m investigator.cli` of this checkout on each in a subprocess, and prints a
markdown table: case, issue-12 class, exit code, first stderr line, report written, seconds, and a
verdict against the behaviour the case expects (each case states it; see docs/drills.md).

    .venv/bin/python benchmarks/drills.py                 # all default cases (~2-4 min on 2 cores)
    .venv/bin/python benchmarks/drills.py -k nan -k sig   # cases whose name contains any of these
    .venv/bin/python benchmarks/drills.py --heavy         # also the 1M-row curve case
    .venv/bin/python benchmarks/drills.py --list          # the cases and what each expects

Exit status: 0 when every selected case met its expectation, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# tests.support (the one git-repository builder) lives in this checkout.
sys.path.append(str(ROOT))

from tests.support.gitrepo import commit_files, git  # noqa: E402

# A stand-in for long analysis steps: the real CLI plus two analyzers that wait after the first
# wave and write a flag file when they start, so a signal lands while work is in progress.
SLOW_WRAPPER = """
import sys, time
from pathlib import Path
from investigator.analyzers.base import register_analyzer
FLAG = Path(sys.argv.pop(1))
class Slow:
    after = ("diff_overview",)
    def __init__(self, aid):
        self.id, self.title = aid, "drill: a long analysis step"
    def applies(self, ctx):
        return True, "drill"
    def run(self, ctx):
        FLAG.write_text("started")
        time.sleep(300)
register_analyzer(Slow("zz_drill_slow_a"))  # two in one wave: they run in LangGraph's thread pool
register_analyzer(Slow("zz_drill_slow_b"))
from investigator.cli import main
sys.exit(main())
"""


# ----------------------------------------------------------------------------- building inputs


TRAIN_PY = textwrap.dedent(
    """\
    import hydra
    import torch


    @hydra.main(config_path="configs", config_name="config", version_base=None)
    def main(cfg):
        optimizer = torch.optim.Adam([torch.zeros(1)], lr=cfg.trainer.lr)
        for _ in range(cfg.trainer.total_steps):
            loss = torch.zeros(1).sum() * cfg.trainer.gamma + cfg.trainer.ent_coef
            torch.nn.utils.clip_grad_norm_([], cfg.trainer.max_grad_norm)
            optimizer.step()


    if __name__ == "__main__":
        main()
    """
)
CONFIG_YAML = "trainer:\n  lr: 0.00025\n  gamma: 0.99\n  ent_coef: 0.01\n  max_grad_norm: 0.5\n  total_steps: 1000\n"


def config_repo(root: Path, candidate_config: str | bytes, message: str = "candidate config") -> Path:
    """A Hydra training script whose configs/config.yaml becomes `candidate_config` at the candidate."""
    repo = root / "repo"
    commit_files(repo, {"train.py": TRAIN_PY, "configs/config.yaml": CONFIG_YAML}, "baseline")
    git(repo, "tag", "base")
    commit_files(repo, {"configs/config.yaml": candidate_config}, message)
    return repo


def python_repo(root: Path, module: str) -> Path:
    repo = root / "repo"
    commit_files(repo, {"train.py": "import torch\nLR = 3e-4\n", "model.py": "x = 1\n"}, "baseline")
    git(repo, "tag", "base")
    commit_files(repo, {"model.py": module}, "candidate")
    return repo


def write_csv_runs(root: Path, side: str, seeds: int, curve: Callable[[int, int], list[float]], rows: int = 200) -> str:
    for seed in range(seeds):
        values = curve(seed, rows)
        d = root / side / f"seed{seed}"
        d.mkdir(parents=True, exist_ok=True)
        lines = ["global_step,charts/episodic_return"]
        lines += [f"{i * 100},{v!r}" for i, v in enumerate(values)]
        (d / "progress.csv").write_text("\n".join(lines) + "\n")
    return str(root / side / "seed*" / "progress.csv")


def learning(final: float) -> Callable[[int, int], list[float]]:
    def curve(seed: int, rows: int) -> list[float]:
        import math
        import random

        rnd = random.Random(seed)
        return [final * (1 - math.exp(-i / (rows / 5))) + rnd.gauss(0, final * 0.02) for i in range(rows)]

    return curve


def with_nan(curve: Callable[[int, int], list[float]], start_fraction: float) -> Callable[[int, int], list[float]]:
    def bad(seed: int, rows: int) -> list[float]:
        values = curve(seed, rows)
        start = int(rows * start_fraction)
        return values[:start] + [float("nan")] * (rows - start)

    return bad


def ambiguous_commits(repo: Path) -> str:
    """Commits made until two share a 4-hex prefix; returns that prefix (an ambiguous short SHA)."""
    commit_files(repo, {"train.py": "LR = 3e-4\n"}, "baseline")
    stream = []
    for i in range(3000):  # 4 hex digits: a shared prefix among 3000 commits is all but certain
        stream.append(f"commit refs/heads/many\nmark :{i + 1}\ncommitter d <d@e> {1_700_000_000 + i} +0000\ndata 6\nc{i:04d}\n\n")
    git(repo, "fast-import", "--quiet", input_text="".join(stream))
    seen: dict[str, str] = {}
    for sha in git(repo, "rev-list", "many").split():
        if sha[:4] in seen:
            return sha[:4]
        seen[sha[:4]] = sha
    raise RuntimeError("no ambiguous prefix found")


# ----------------------------------------------------------------------------- cases


@dataclass
class Run:
    argv: list[str]
    out: Path | None = None  # where a report would be written
    cwd: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    timeout: float = 120.0
    signal: int | None = None  # sent once the slow stand-in analyzer started (SLOW_WRAPPER)
    concurrent: int = 1  # start this many identical runs at once
    state: dict = field(default_factory=dict)  # what a check needs to know about the built input


@dataclass
class Outcome:
    code: int | None  # None: killed at the time limit
    stdout: str
    stderr: str
    seconds: float
    run: Run

    @property
    def err_lines(self) -> list[str]:
        return [ln for ln in self.stderr.splitlines() if ln.strip()]

    def reports(self, ext: str = "json") -> list[Path]:
        return sorted(self.run.out.glob(f"investigation-*.{ext}")) if self.run.out and self.run.out.is_dir() else []

    def report(self) -> dict | None:
        found = self.reports()
        return json.loads(found[-1].read_text()) if found else None


Check = Callable[[Outcome], str | None]  # None when the outcome is as expected, else why not


@dataclass
class Case:
    name: str
    item: int  # the defect class of issue 12
    expect: str  # the expected behaviour, in words
    build: Callable[[Path], Run]
    checks: list[Check]
    heavy: bool = False


def exits(*codes: int) -> Check:
    return lambda o: None if o.code in codes else f"exit {o.code}, expected {'/'.join(map(str, codes))}"


def one_line(pattern: str) -> Check:
    def check(o: Outcome) -> str | None:
        if len(o.err_lines) != 1:
            return f"{len(o.err_lines)} stderr lines, expected 1"
        return None if re.search(pattern, o.err_lines[0], re.I) else f"stderr does not match /{pattern}/"

    return check


def stderr_matches(pattern: str) -> Check:
    return lambda o: None if re.search(pattern, o.stderr, re.I) else f"stderr does not match /{pattern}/"


def no_traceback(o: Outcome) -> str | None:
    if "Traceback" in o.stderr or "internal error" in o.stderr:
        return "traceback or internal error"
    return None


def written(o: Outcome) -> str | None:
    return None if o.report() else "no report written"


def not_written(o: Outcome) -> str | None:
    return "a report was written" if o.reports("*") else None


def stops_within(seconds: float) -> Check:
    def check(o: Outcome) -> str | None:
        took = o.run.state.get("stop_seconds")
        if took is None:
            return "the signal was not sent (the run ended before the slow step started)"
        return None if took <= seconds else f"exited {took:.1f} s after the signal (limit {seconds:.0f} s)"

    return check


def within(seconds: float) -> Check:
    return lambda o: None if o.seconds <= seconds else f"took {o.seconds:.0f} s (limit {seconds:.0f} s)"


def failure_about(pattern: str) -> Check:
    def check(o: Outcome) -> str | None:
        report = o.report() or {}
        text = " ".join(f"{f.get('path') or ''} {f['message']}" for f in report.get("failures", []))
        return None if re.search(pattern, text, re.I) else f"no recorded failure matching /{pattern}/"

    return check


def no_finding(pattern: str, severity: str | None = None) -> Check:
    def check(o: Outcome) -> str | None:
        bad = [
            f["title"]
            for f in (o.report() or {}).get("findings", [])
            if re.search(pattern, f["title"], re.I) and (severity is None or f["severity"] == severity)
        ]
        return f"{len(bad)} finding(s) like '{bad[0][:50]}'" if bad else None

    return check


def finding(pattern: str, severity: str) -> Check:
    def check(o: Outcome) -> str | None:
        for f in (o.report() or {}).get("findings", []):
            if re.search(pattern, f["title"] + " " + f.get("rationale", ""), re.I) and f["severity"] == severity:
                return None
        return f"no {severity} finding matching /{pattern}/"

    return check


def unchanged(o: Outcome) -> str | None:
    before = o.run.state.get("tree")
    root = o.run.state.get("root")
    return None if before is None or _tree(root) == before else f"{root} was modified"


def _tree(root: Path) -> list[tuple[str, bytes]]:
    return sorted((str(p.relative_to(root)), p.read_bytes() if p.is_file() else b"") for p in root.rglob("*"))


def rows_counted(o: Outcome) -> str | None:
    """The skipped row is said somewhere a user reads: a recorded failure or a report section."""
    report = o.report() or {}
    text = " ".join([f["message"] for f in report.get("failures", [])] + [s["markdown"] for s in report.get("sections", [])])
    said = re.search(r"(skipp|malformed|bad|invalid|drop)\w*\W+(\w+\W+){0,4}rows?\b|\brows?\W+(\w+\W+){0,4}(skipp|malformed|bad|invalid|drop)", text, re.I)
    return None if said else "the skipped row is not counted in the report"


def input_problem(o: Outcome) -> str | None:
    if o.code == 2 or (o.report() or {}).get("failures"):
        return None
    return "not reported as an input problem (exit 2 or a recorded failure)"


def partial_report(signame: str) -> Check:
    def check(o: Outcome) -> str | None:
        report = o.report()
        if not report or not report.get("incomplete"):
            return "no partial report marked incomplete"
        if report["incomplete"]["reason"] != f"interrupted by {signame}":
            return f"incomplete reason {report['incomplete']['reason']!r}"
        if not any(f["source"] == "diff_overview" for f in report["findings"]):
            return "the finding completed before the signal is missing"
        return None

    return check


def distinct_reports(n: int) -> Check:
    def check(o: Outcome) -> str | None:
        got = o.reports("json")
        return None if len(got) == n else f"{len(got)} reports for {n} runs"

    return check


def invalid_metric_option(option: str) -> Callable[[Path], Run]:
    def build(tmp: Path) -> Run:
        base = write_csv_runs(tmp, "base", 3, learning(100))
        cand = write_csv_runs(tmp, "cand", 3, learning(60))
        return Run(["--baseline-runs", base, "--candidate-runs", cand, "--metric-option", option], out=tmp / "out")

    return build


def _logs(tmp: Path, cand_curve: Callable[[int, int], list[float]], *extra: str) -> Run:
    base = write_csv_runs(tmp, "base", 3, learning(100))
    cand = write_csv_runs(tmp, "cand", 3, cand_curve)
    return Run(["--baseline-runs", base, "--candidate-runs", cand, "--primary-metric", "charts/episodic_return", *extra], out=tmp / "out")


def _repo_run(repo: Path, tmp: Path, *extra: str, timeout: float = 120.0) -> Run:
    return Run(["--repo", str(repo), "--baseline-commit", "base", *extra], out=tmp / "out", timeout=timeout)


def _alias_bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    return CONFIG_YAML + "\n".join(lines) + "\n"


def _deep_python() -> str:
    chain = " + ".join(["x"] * 100_000)
    attrs = "a" + ".b" * 50_000
    return f"x = 1\ny = {chain}\nz = {attrs}\n"  # parses; its AST is 100,000 levels deep


def _build_demo_nonempty(tmp: Path) -> Run:
    work = tmp / "mine"
    (work / ".git").mkdir(parents=True)
    (work / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (work / "thesis.tex").write_text("years of work\n")
    return Run(["demo", "--workdir", str(work), "--output", str(tmp / "out")], out=tmp / "out", state={"root": work, "tree": _tree(work)})


def _build_demo_dot(tmp: Path) -> Run:
    project = tmp / "project"
    commit_files(project, {"src.py": "x = 1\n"}, "mine")
    return Run(["demo", "--workdir", ".", "--output", str(tmp / "out")], out=tmp / "out", cwd=project, state={"root": project, "tree": _tree(project)})


def _build_signal(signum: int) -> Callable[[Path], Run]:
    def build(tmp: Path) -> Run:
        repo = python_repo(tmp, "x = 1\ndef broken(:\n")
        return Run(["--repo", str(repo), "--baseline-commit", "base", "--format", "json"], out=tmp / "out", signal=signum)

    return build


def _build_unborn(tmp: Path) -> Run:
    repo = tmp / "repo"
    commit_files(repo, {"train.py": "LR = 3e-4\n"}, "baseline")
    commit_files(repo, {"train.py": "LR = 3e-3\n"}, "candidate")
    git(repo, "symbolic-ref", "HEAD", "refs/heads/never-born")
    return Run(["--repo", str(repo), "--baseline-commit", "main~1", "--candidate-commit", "main"], out=tmp / "out")


def _build_shallow(tmp: Path) -> Run:
    origin = tmp / "origin"
    for i in range(3):
        commit_files(origin, {"train.py": f"LR = {i}e-4\n"}, f"c{i}")
    base = git(origin, "rev-parse", "HEAD~2")
    clone = tmp / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{origin}", str(clone)], check=True, capture_output=True)
    return Run(["--repo", str(clone), "--baseline-commit", base], out=tmp / "out")


def _build_broken_cache(tmp: Path) -> Run:
    import hashlib

    origin = tmp / "origin"
    commit_files(origin, {"train.py": "LR = 3e-4\n"}, "baseline")
    git(origin, "tag", "base")
    commit_files(origin, {"train.py": "LR = 3e-3\n"}, "candidate")
    url = f"file://{origin}"
    cache = tmp / "cache"
    (cache / "repos" / hashlib.sha256(url.encode()).hexdigest()[:16]).mkdir(parents=True)  # an interrupted clone
    return Run(["--repo", url, "--baseline-commit", "base"], out=tmp / "out", env={"INVESTIGATOR_CACHE": str(cache)})


def _build_tree_ref(tmp: Path) -> Run:
    repo = tmp / "repo"
    commit_files(repo, {"train.py": "LR = 3e-4\n"}, "baseline")
    commit_files(repo, {"train.py": "LR = 3e-3\n"}, "candidate")
    return Run(["--repo", str(repo), "--baseline-commit", git(repo, "rev-parse", "HEAD~1^{tree}")], out=tmp / "out")


def _build_html_image(tmp: Path) -> Run:
    secret = tmp / "private.png"
    secret.write_bytes(b"\x89PNG\r\n\x1a\nDRILL-PRIVATE-BYTES")
    repo = tmp / "repo"
    commit_files(repo, {"train.py": "LR = 3e-4\n"}, "baseline")
    git(repo, "tag", "base")
    commit_files(repo, {"train.py": "LR = 3e-3\n"}, f"tune lr ![x]({secret})")
    return Run(["--repo", str(repo), "--baseline-commit", "base", "--format", "html", "--format", "json"], out=tmp / "out", state={"secret": secret})


def _no_private_bytes(o: Outcome) -> str | None:
    import base64

    pages = o.reports("html")
    if not pages:
        return "no HTML report"
    leaked = base64.b64encode(o.run.state["secret"].read_bytes()).decode()[:20]
    return "the local file was embedded" if leaked in pages[0].read_text() else None


def _build_concurrent(tmp: Path) -> Run:
    repo = python_repo(tmp, "x = 2\n")
    run = _repo_run(repo, tmp)
    run.concurrent = 3
    return run


def _build_long_curves(tmp: Path) -> Run:
    import numpy as np

    rows = 1_000_000
    for side, final in (("base", 100.0), ("cand", 60.0)):
        for seed in range(3):
            d = tmp / side / f"seed{seed}"
            d.mkdir(parents=True)
            steps = np.arange(rows) * 10
            values = final * (1 - np.exp(-np.arange(rows) / (rows / 5))) + np.random.default_rng(seed).normal(0, 2, rows)
            np.savetxt(d / "progress.csv", np.column_stack([steps, values]), delimiter=",", fmt=["%d", "%.4f"],
                       header="global_step,charts/episodic_return", comments="")
    return Run(["--baseline-runs", str(tmp / "base" / "*" / "progress.csv"), "--candidate-runs", str(tmp / "cand" / "*" / "progress.csv")],
               out=tmp / "out", timeout=300)


def _build_symlink_loop(tmp: Path) -> Run:
    run = _logs(tmp, learning(60))
    (tmp / "cand" / "loop").mkdir()
    os.symlink(tmp / "cand" / "loop", tmp / "cand" / "loop" / "again")
    run.argv[run.argv.index("--candidate-runs") + 1] = str(tmp / "cand" / "*")
    return run


def _build_malformed_csv(tmp: Path) -> Run:
    run = _logs(tmp, learning(60))
    path = tmp / "cand" / "seed0" / "progress.csv"
    lines = path.read_text().splitlines()
    lines.insert(50, "5000,12.5,unexpected,extra,fields")
    path.write_text("\n".join(lines) + "\n")
    return run


def _build_empty_logdir(tmp: Path) -> Run:
    base = write_csv_runs(tmp, "base", 3, learning(100))
    for seed in range(3):
        (tmp / "cand" / f"seed{seed}").mkdir(parents=True)
    return Run(["--baseline-runs", base, "--candidate-runs", str(tmp / "cand" / "*"), "--fail-on", "critical"], out=tmp / "out")


LFS_POINTER = "version https://git-lfs.github.com/spec/v1\noid sha256:" + "a" * 64 + "\nsize 1234\n"

CASES: list[Case] = [
    Case("demo-workdir-not-empty", 1, "exit 2, one line, the directory untouched", _build_demo_nonempty,
         [exits(2), one_line(r"not empty and was not created by"), unchanged, not_written]),
    Case("demo-workdir-dot", 1, "exit 2, one line, the project untouched", _build_demo_dot,
         [exits(2), one_line(r"current directory"), unchanged, not_written]),
    Case("yaml-alias-bomb", 2, "finishes within 60 s, report written, the file a recorded failure", lambda t: _repo_run(config_repo(t, _alias_bomb()), t, "--format", "json", timeout=90),
         [exits(0, 1), no_traceback, written, within(60), failure_about(r"config\.yaml|alias")]),
    Case("python-5000-deep", 3, "report written, the file a recorded per-file failure", lambda t: _repo_run(python_repo(t, _deep_python()), t, "--format", "json"),
         [exits(0, 1), no_traceback, written, failure_about(r"model\.py")]),
    Case("yaml-50MB", 4, "no 'removed' config finding; the skipped file a recorded failure",
         lambda t: _repo_run(config_repo(t, CONFIG_YAML + "# " + "x" * 50_000_000 + "\n"), t, "--format", "json"),
         [exits(0, 1), no_traceback, written, no_finding(r"removed"), failure_about(r"config\.yaml")]),
    Case("lfs-pointer-config", 4, "no 'removed' config finding; the pointer a recorded failure", lambda t: _repo_run(config_repo(t, LFS_POINTER), t, "--format", "json"),
         [exits(0, 1), no_traceback, written, no_finding(r"removed"), failure_about(r"config\.yaml|lfs")]),
    Case("yaml-with-tabs", 4, "no 'removed' config finding; the parse failure blamed on the candidate",
         lambda t: _repo_run(config_repo(t, CONFIG_YAML.replace("  lr", "\tlr")), t, "--format", "json"),
         [exits(0, 1), no_traceback, written, no_finding(r"removed"), failure_about(r"candidate")]),
    Case("metric-all-nan", 5, "a critical finding (divergence)", lambda t: _logs(t, with_nan(learning(60), 0.0), "--format", "json"),
         [exits(0, 1), written, finding(r"nan|non-finite|diverg", "critical")]),
    Case("metric-partial-nan", 5, "a critical finding naming the step NaN starts", lambda t: _logs(t, with_nan(learning(100), 0.6), "--format", "json"),
         [exits(0, 1), written, finding(r"nan|non-finite|diverg", "critical")]),
    Case("output-is-a-file", 6, "exit 2, one line, nothing analysed",
         lambda t: (t / "f").write_text("x") and Run(["--repo", str(python_repo(t, "x = 2\n")), "--baseline-commit", "base", "--output", str(t / "f")]),
         [exits(2), one_line(r"--output .* is a file")]),
    Case("output-under-a-file", 6, "exit 2, one line", lambda t: (t / "f").write_text("x") and Run(["--repo", str(python_repo(t, "x = 2\n")), "--baseline-commit", "base", "--output", str(t / "f" / "sub")]),
         [exits(2), one_line(r"--output .* cannot be created")]),
    Case("output-in-proc", 6, "exit 2, one line", lambda t: Run(["--repo", str(python_repo(t, "x = 2\n")), "--baseline-commit", "base", "--output", "/proc/investigator"]),
         [exits(2), one_line(r"--output .* not writable")]),
    Case("output-in-sys", 6, "exit 2, one line", lambda t: Run(["--repo", str(python_repo(t, "x = 2\n")), "--baseline-commit", "base", "--output", "/sys/investigator"]),
         [exits(2), one_line(r"--output .* not writable")]),
    Case("sigint-mid-run", 6, "exit 130 within 10 s, one line, partial report marked incomplete with the finished finding", _build_signal(signal.SIGINT),
         [exits(130), stops_within(10), stderr_matches(r"interrupted by SIGINT .*partial report"), partial_report("SIGINT")]),
    Case("sigterm-mid-run", 6, "exit 143 within 10 s, one line, partial report marked incomplete", _build_signal(signal.SIGTERM),
         [exits(143), stops_within(10), stderr_matches(r"interrupted by SIGTERM .*partial report"), partial_report("SIGTERM")]),
    Case("runs-glob-matches-nothing", 7, "exit 2, one line (an input error, not 'no change')",
         lambda t: Run(["--baseline-runs", str(t / "none-a" / "*"), "--candidate-runs", str(t / "none-b" / "*"), "--fail-on", "low"], out=t / "out"),
         [exits(2), one_line(r"match")]),
    Case("only-baseline-runs", 7, "the missing candidate runs are named (stderr or report)",
         lambda t: Run(["--baseline-runs", write_csv_runs(t, "base", 3, learning(100)), "--format", "json"], out=t / "out"),
         [no_traceback, lambda o: None if re.search(r"candidate", o.stderr + json.dumps((o.report() or {}).get("failures", [])), re.I) else "the missing side is not named"]),
    Case("metric-option-n_boot-0", 7, "exit 2, one line", invalid_metric_option("n_boot=0"), [exits(2), one_line(r"n_boot")]),
    Case("metric-option-confidence-2", 7, "exit 2, one line", invalid_metric_option("confidence=2"), [exits(2), one_line(r"confidence")]),
    Case("metric-option-unknown-key", 7, "exit 2, one line", invalid_metric_option("no_such_option=1"), [exits(2), one_line(r"no_such_option")]),
    Case("run-dir-symlink-loop", 7, "report written, no analyzer crash", lambda t: _build_symlink_loop(t),
         [exits(0, 1), no_traceback, written, lambda o: None if "crashed" not in json.dumps((o.report() or {}).get("failures", [])) else "analyzer crashed"]),
    Case("csv-malformed-row", 7, "the bad row skipped and counted; no 'no scalars' finding", _build_malformed_csv,
         [exits(0, 1), written, no_finding(r"no scalars"), rows_counted]),
    Case("clone-url-unreachable", 8, "exit 2, one line with git's reason", lambda t: Run(["--repo", "https://127.0.0.1:9/x.git", "--baseline-commit", "HEAD"], timeout=60),
         [exits(2), one_line(r"cannot clone .*(connect|refused|unable)")]),
    Case("clone-cache-empty-dir", 8, "the broken cache entry is rebuilt; the run works", _build_broken_cache,
         [exits(0, 1), no_traceback, written]),
    Case("ambiguous-short-sha", 8, "exit 2, one line saying 'ambiguous'", lambda t: Run(["--repo", str(t / "repo"), "--baseline-commit", ambiguous_commits(t / "repo")]),
         [exits(2), one_line(r"ambiguous")]),
    Case("tree-ref", 8, "exit 2, one line saying it is a tree, not a commit", _build_tree_ref, [exits(2), one_line(r"\ba tree\b|tree object")]),
    Case("shallow-clone", 8, "exit 2, one line saying the clone is shallow", _build_shallow, [exits(2), one_line(r"shallow")]),
    Case("unborn-head-both-refs", 8, "runs (both refs given)", _build_unborn, [exits(0, 1), no_traceback, written]),
    Case("html-local-image", 9, "HTML written, the local file not embedded", _build_html_image, [exits(0, 1), written, _no_private_bytes]),
    Case("long-curves-1M-rows", 10, "finishes within 30 s in all (target: 10 s of analysis)", _build_long_curves, [exits(0, 1), written, within(30)], heavy=True),
    Case("concurrent-runs", 11, "3 simultaneous runs into one directory: 3 reports", _build_concurrent, [exits(0, 1), distinct_reports(3)]),
    Case("empty-log-directory", 12, "an input problem (exit 2 or a failure), never a critical finding", _build_empty_logdir,
         [input_problem, no_finding(r"no scalars|empty|log director", "critical")]),
    Case("demo-runs-negative", 12, "exit 2, one line", lambda t: Run(["demo", "--workdir", str(t / "w"), "--runs", "-1"]),
         [exits(2), one_line(r"--runs: must be at least 0")]),
    Case("demo-unknown-argument", 12, "exit 2, one line (no usage block)", lambda t: Run(["demo", "--workdir", str(t / "w"), "--bogus"]),
         [exits(2), one_line(r"unrecognized arguments")]),
    Case("ref-looks-like-option", 8, "exit 2, one line, nothing run", lambda t: Run(["--repo", str(python_repo(t, "x = 2\n")), "--baseline-commit=--output=/tmp/x"]),
         [exits(2), one_line(r"baseline")]),
]


# ----------------------------------------------------------------------------- running


def _command(run: Run, flag: Path) -> list[str]:
    argv = [*run.argv]
    if run.out is not None and "--output" not in argv and argv[:1] != ["demo"]:
        argv += ["--output", str(run.out)]
    if "--format" not in argv and argv[:1] != ["demo"]:
        argv += ["--format", "json"]  # the checks read the JSON report
    argv.append("--quiet")
    if run.signal is not None:
        return [sys.executable, "-c", SLOW_WRAPPER, str(flag), *argv]
    return [sys.executable, "-m", "investigator.cli", *argv]


def execute(case: Case, tmp: Path) -> Outcome:
    run = case.build(tmp)
    flag = tmp / "slow-started"
    env = {**os.environ, "PYTHONPATH": str(ROOT), **run.env}
    cmd = _command(run, flag)
    start = time.perf_counter()
    procs = [
        subprocess.Popen(cmd, cwd=run.cwd or tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        for _ in range(run.concurrent)
    ]
    if run.signal is not None:
        while not flag.exists() and procs[0].poll() is None and time.perf_counter() - start < run.timeout:
            time.sleep(0.05)
        if procs[0].poll() is None:
            procs[0].send_signal(run.signal)
            run.state["signalled_at"] = time.perf_counter()
    codes, outs, errs = [], [], []
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=max(1.0, run.timeout - (time.perf_counter() - start)))
            codes.append(proc.returncode)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
            codes.append(None)
        outs.append(out)
        errs.append(err)
    if "signalled_at" in run.state:
        run.state["stop_seconds"] = time.perf_counter() - run.state["signalled_at"]
    code = None if None in codes else max(codes)
    # messages are matched without the temporary paths (a case's name in a path must not match)
    return Outcome(code, "".join(outs), "".join(errs).replace(str(tmp), "$TMP"), time.perf_counter() - start, run)


def verdict(case: Case, outcome: Outcome) -> str:
    if outcome.code is None:
        return f"FAIL: killed at the {outcome.run.timeout:.0f} s limit"
    problems = [p for p in (check(outcome) for check in case.checks) if p]
    return "ok" if not problems else "FAIL: " + "; ".join(problems)


def _cell(text: str, width: int = 90) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-k", dest="select", action="append", default=[], help="run cases whose name contains this (repeatable)")
    p.add_argument("--heavy", action="store_true", help="include the heavy cases (1M-row curves)")
    p.add_argument("--list", action="store_true", help="list the cases and their expectations")
    args = p.parse_args(argv)
    cases = [c for c in CASES if (args.heavy or not c.heavy) and (not args.select or any(s in c.name for s in args.select))]
    if args.list:
        for c in cases:
            print(f"{c.name:<28} #{c.item:<3} {c.expect}")
        return 0
    print("| case | class | exit | first stderr line | report | seconds | verdict |")
    print("|---|---|---|---|---|---|---|")
    failed = 0
    for case in cases:
        with tempfile.TemporaryDirectory(prefix="drill-") as tmp:
            try:
                outcome = execute(case, Path(tmp))
            except Exception as exc:
                print(f"| {case.name} | {case.item} | — | {_cell(f'drill setup failed: {exc}')} | — | — | FAIL |", flush=True)
                failed += 1
                continue
            result = verdict(case, outcome)
            failed += result != "ok"
            first = outcome.err_lines[0] if outcome.err_lines else ""
            code = "killed" if outcome.code is None else str(outcome.code)
            report = "y" if outcome.reports("*") else "n"
            print(f"| {case.name} | {case.item} | {code} | {_cell(first)} | {report} | {outcome.seconds:.1f} | {_cell(result, 70)} |", flush=True)
    print(f"\n{len(cases) - failed} of {len(cases)} cases as expected.")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
