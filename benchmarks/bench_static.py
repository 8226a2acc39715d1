"""Benchmark: a full static investigation of a large configuration-system refactor.

Generates a repository whose candidate commit changes >= 300 files and >= 25,000 lines (YAML configs
turned into Python config classes, modules reformatted and renamed, a few real behaviour changes),
then prints:
  - wall time of `investigate` from the shell (a fresh process, imports included)
  - the part spent after imports (the workflow itself, measured in-process)
  - the time `git diff` takes on the same range
  - peak memory (max RSS of the investigate process)
Targets on a 2-core machine: < 5 s wall, < 1 s after imports.

Usage: python benchmarks/bench_static.py [--files 320] [--keep DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# tests.support (the one git-repository builder) lives in this checkout; appended, so the investigator
# that is installed or named on PYTHONPATH is still the one measured.
sys.path.append(str(Path(__file__).resolve().parents[1]))

from tests.support.gitrepo import commit_all, git, init_repo


def module_source(i: int, variant: int) -> str:
    """A realistic-looking training module; variant 1 is reformatted and partly rewritten."""
    lines = [f'"""Component {i}: rollout and update helpers."""', "", "import torch", "from torch import nn", ""]
    for j in range(12):
        if variant == 0:
            lines += [
                f"def helper_{j}(x, scale={j}.0, bias=0.0):",
                "    y = x * scale + bias",
                f"    return torch.tanh(y) + {j}",
                "",
                "",
            ]
        else:
            lines += [
                f"def helper_{j}(",
                "    x,",
                f"    scale={j}.0,",
                "    bias=0.0,",
                "):",
                "    y = x * scale + bias",
                f"    return torch.tanh(y) + {j}",
                "",
                "",
            ]
    lines += [
        "class Block(nn.Module):",
        "    def __init__(self, width=64):",
        "        super().__init__()",
        "        self.fc = nn.Linear(width, width)",
        "",
        "    def forward(self, x):",
        "        return torch.relu(self.fc(x))" if variant == 0 or i % 40 else "        return torch.tanh(self.fc(x))",
    ]
    return "\n".join(lines) + "\n"


def yaml_config(i: int) -> str:
    body = [f"# experiment {i}", f"name: exp_{i}", "trainer:"]
    body += [f"  lr: {3e-4 if i % 50 else 1e-3}", "  gamma: 0.99", "  gae_lambda: 0.95", f"  checkpoint_interval: {50}"]
    body += ["env:", "  rewards:"] + [f"    item_{k}: {k / 10}" for k in range(30)]
    body += ["  size: 11", "  max_steps: 256"]
    return "\n".join(body) + "\n"


def python_config(i: int) -> str:
    fields = "\n".join(f"    item_{k}: float = {k / 10}" for k in range(30) if not (i % 60 == 0 and k == 3))
    return (
        f'"""Config classes for experiment {i} (migrated from YAML)."""\n\n'
        "from dataclasses import dataclass, field\n\n\n"
        f"@dataclass\nclass Rewards{i}:\n{fields}\n\n\n"
        f"@dataclass\nclass Trainer{i}:\n    lr: float = {3e-4 if i % 50 else 1e-3}\n    gamma: float = 0.99\n"
        f"    gae_lambda: float = 0.95\n    checkpoint_interval: int = {5 if i % 70 == 0 else 50}\n"
    )


BASELINE_TRAIN = '''"""Train one experiment (baseline: configuration from YAML)."""

import yaml

from pkg.sub0.module_0 import Block


def main(path="configs/group0/exp_0.yaml"):
    with open(path) as f:
        cfg = yaml.safe_load(f)
    rewards = cfg["env"]["rewards"]
    trainer = cfg["trainer"]
    model = Block()
    for step in range(1000):
        if step % trainer["checkpoint_interval"] == 0:
            print("checkpoint", step, sum(rewards.values()), trainer["lr"], model)


if __name__ == "__main__":
    main()
'''

CANDIDATE_TRAIN = '''"""Train one experiment (candidate: configuration from Python classes)."""

from dataclasses import asdict

from pkg.moved.module_0 import Block
from project.config.exp_0 import Rewards0, Trainer0


def main():
    rewards = asdict(Rewards0())
    trainer = Trainer0()
    model = Block()
    for step in range(1000):
        if step % trainer.checkpoint_interval == 0:
            print("checkpoint", step, sum(rewards.values()), trainer.lr, model)


if __name__ == "__main__":
    main()
'''

# What a correct investigation reports (the behaviour changes planted in module 0 and experiment 0,
# which the entry point uses); each is (what, substring of a finding title).
EXPECTED = [
    ("checkpoint interval 50 -> 5", "checkpoint_interval"),
    ("reward term item_3 removed", "item_3"),
    ("Block activation relu -> tanh", "tanh"),
]


def build(repo: Path, n_files: int) -> tuple[str, str]:
    repo.mkdir(parents=True)
    init_repo(repo)
    n_modules = n_files // 2
    n_configs = n_files - n_modules
    for i in range(n_modules):
        p = repo / "pkg" / f"sub{i % 10}" / f"module_{i}.py"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(module_source(i, 0))
    for i in range(n_configs):
        p = repo / "configs" / f"group{i % 8}" / f"exp_{i}.yaml"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(yaml_config(i))
    (repo / "train.py").write_text(BASELINE_TRAIN)
    base = commit_all(repo, "baseline")
    for i in range(n_modules):
        src = repo / "pkg" / f"sub{i % 10}" / f"module_{i}.py"
        if i % 7 == 0:  # moved module
            dst = repo / "pkg" / "moved" / f"module_{i}.py"
            dst.parent.mkdir(parents=True, exist_ok=True)
            src.rename(dst)
            src = dst
        src.write_text(module_source(i, 1))
    for i in range(n_configs):
        (repo / "configs" / f"group{i % 8}" / f"exp_{i}.yaml").unlink()
        p = repo / "project" / "config" / f"exp_{i}.py"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(python_config(i))
    (repo / "train.py").write_text(CANDIDATE_TRAIN)
    return base, commit_all(repo, "refactor: configuration into Python classes")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=320)
    parser.add_argument("--keep", type=Path, default=None, help="keep the generated repository here")
    parser.add_argument("--repeat", type=int, default=5, help="fresh-process runs of each measurement")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-static-"))
    repo = work / "repo"
    base, cand = build(repo, args.files)
    stat = git(repo, "diff", "--shortstat", "-M", base, cand).strip()
    print(f"change: {stat}")

    t0 = time.perf_counter()
    git(repo, "diff", "-M", base, cand)
    git_diff_s = time.perf_counter() - t0

    out_dir = work / "report"
    cmd = [sys.executable, "-m", "investigator.cli", "--repo", str(repo), "--baseline-commit", base,
           "--candidate-commit", cand, "--output", str(out_dir), "--quiet", "--format", "md", "--format", "json"]
    walls, afters = [], []
    for _ in range(args.repeat):  # each a fresh process: a shared 2-core machine is noisy
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        walls.append(time.perf_counter() - t0)
        peak_kb = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
        if proc.returncode not in (0, 1):
            print(proc.stdout, proc.stderr)
            return 1

    inproc = (
        "import time, sys\n"
        "from pathlib import Path\n"
        "from investigator.request import InvestigationRequest\n"
        "from investigator.workflow import run_investigation\n"
        "from investigator.gc_pause import cyclic_gc_paused\n"
        "from investigator.analyzers import all_analyzers\n"
        "all_analyzers()\n"
        "t0 = time.perf_counter()\n"
        "with cyclic_gc_paused():  # as the CLI runs it\n"
        f"    inv = run_investigation(InvestigationRequest(repo={str(repo)!r}, baseline_commit={base!r}, candidate_commit={cand!r}, output=Path({str(out_dir)!r}), formats=['md', 'json']))\n"
        "print(f'{time.perf_counter() - t0:.3f} {len(inv.findings)}')\n"
    )
    for _ in range(args.repeat):
        after = subprocess.run([sys.executable, "-c", inproc], capture_output=True, text=True, check=True).stdout.split()
        afters.append(float(after[0]))

    def spread(values: list[float]) -> str:
        return f"min {min(values):.2f} s, median {statistics.median(values):.2f} s, max {max(values):.2f} s (n={len(values)})"

    print(f"investigate wall (shell, imports included): {spread(walls)}   target < 5 s")
    print(f"after imports (workflow in-process):        {spread(afters)}   target < 1 s")
    print(f"git diff on the same range:                 {git_diff_s:.2f} s")
    print(f"peak memory (max RSS of investigate):       {peak_kb / 1024:.0f} MiB")
    print(f"findings: {after[1]}")
    import json

    report = json.loads(next(out_dir.glob("*.json")).read_text())
    sizes = ", ".join(f"{p.suffix[1:]} {p.stat().st_size / 1024:.0f} KiB" for p in sorted(out_dir.glob("investigation-*")))
    print(f"report size: {sizes}")
    titles = [f["title"] for f in report["findings"]]
    for what, needle in EXPECTED:
        hit = next((f"#{i + 1} {t}" for i, t in enumerate(titles) if needle in t), None)
        print(f"  expected {what}: {hit or 'MISSED'}")
    print("steps: " + " · ".join(f"{t['step']} {t['seconds']:.2f} s" for t in report["timings"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
