"""Generated repositories for bisection tests and the benchmark: a stdlib-only fake training script
whose metric is noisy across seeds and drops at a planted commit.

Why a fake: a bisection's logic is about seeds, noise, skips and merges, not about RL; the script
starts in milliseconds (no torch) and writes a CSV the metric loaders read like any training log.
Each commit changes `params.json` (its `salt` reseeds the noise, so no two commits give the same
numbers for a seed); `level` scales the return, `skip` makes the command exit 125, `fail_seeds`
makes those seeds crash.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.gitrepo import commit_files, git, init_repo

TRAIN = '''\
import csv, json, os, random, sys

def main():
    args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
    seed, logdir = int(args["--seed"]), args["--logdir"]
    with open("params.json") as fh:
        cfg = json.load(fh)
    if cfg.get("skip"):
        sys.exit(125)
    if seed in cfg.get("fail_seeds", []):
        sys.exit("boom: this seed crashes")
    rng = random.Random(seed * 1_000_003 + cfg["salt"])
    offset = rng.gauss(0.0, cfg["noise"])  # between-seed noise: what makes one run per commit unreliable
    os.makedirs(logdir, exist_ok=True)
    with open(os.path.join(logdir, "progress.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["global_step", "charts/episodic_return"])
        for step in range(0, 1001, 50):
            ret = cfg["level"] * 100.0 * (1 - 0.9 ** (step / 50)) + offset + rng.gauss(0.0, 0.5)
            w.writerow([step, ret])

if __name__ == "__main__":
    main()
'''
COMMAND = "{python} train.py --seed {seed} --logdir {logdir} --device {device}"


@dataclass
class Planted:
    """A generated range: `shas[0]` good, `shas[-1]` bad, the culprit's sha (None: no regression)."""

    repo: Path
    shas: list[str]
    culprit: str | None
    extra: dict[str, str] = field(default_factory=dict)  # named commits (merge, branch commits)


def params(salt: int, level: float, noise: float, **more: object) -> str:
    return json.dumps({"salt": salt, "level": level, "noise": noise, **more})


def fast_commits(repo: Path, commits: list[tuple[str, dict[str, str]]]) -> list[str]:
    """A new repository with one commit per (message, files) on `main`, in one `git fast-import`
    (64 commits in a fraction of a second, where a git call per commit takes seconds)."""
    init_repo(repo)
    chunks: list[bytes] = []
    for i, (message, files) in enumerate(commits, start=1):
        when = 1_700_000_000 + 60 * i
        head = [f"commit refs/heads/main\nmark :{i}\nauthor t <t@example.com> {when} +0000\n"
                f"committer t <t@example.com> {when} +0000\n"]
        msg = message.encode()
        chunks += [head[0].encode(), f"data {len(msg)}\n".encode(), msg, b"\n"]
        if i > 1:
            chunks.append(f"from :{i - 1}\n".encode())
        for path, text in files.items():
            data = text.encode()
            chunks += [f"M 100644 inline {path}\ndata {len(data)}\n".encode(), data, b"\n"]
    marks = repo / ".git" / "marks"
    git(repo, "fast-import", "--quiet", f"--export-marks={marks}", input_text=b"".join(chunks).decode())
    by_mark = dict(line.split() for line in marks.read_text().splitlines())
    git(repo, "reset", "-q", "--hard", "main")
    return [by_mark[f":{i}"] for i in range(1, len(commits) + 1)]


def linear_range(repo: Path, commits: int, culprit: int | None, *, noise: float = 4.0, drop: float = 0.25,
                 skip: frozenset[int] = frozenset(), fail_seeds: dict[int, list[int]] | None = None) -> Planted:
    """`commits` commits after the good one (positions 1..commits); the metric drops by `drop` from
    position `culprit` on; positions in `skip` exit 125; `fail_seeds[p]` crash at position p."""
    history = [("good: initial", {"train.py": TRAIN, "params.json": params(0, 1.0, noise)})]
    for p in range(1, commits + 1):
        level = 1.0 - drop if culprit is not None and p >= culprit else 1.0
        extra: dict[str, object] = {"skip": True} if p in skip else {}
        if fail_seeds and p in fail_seeds:
            extra["fail_seeds"] = fail_seeds[p]
        what = "lower the reward scale" if p == culprit else f"noise commit {p}"
        history.append((what, {"params.json": params(p, level, noise, **extra)}))
    shas = fast_commits(repo, history)
    return Planted(repo, shas, shas[culprit] if culprit is not None else None)


def merged_range(repo: Path, *, noise: float = 4.0, drop: float = 0.25) -> Planted:
    """main: good, 3 commits; a branch of 4 commits forked at the good commit whose 3rd lowers the
    level; merged (no fast-forward); 2 more commits on main. The culprit is the branch's 3rd commit."""
    good = commit_files(repo, {"train.py": TRAIN, "params.json": params(0, 1.0, noise)}, "good: initial")
    git(repo, "branch", "feature")
    shas = [good]
    for p in range(1, 4):
        shas.append(commit_files(repo, {f"main{p}.txt": str(p)}, f"main commit {p}"))
    git(repo, "checkout", "-q", "feature")
    branch = []
    for p in range(1, 5):
        level = 1.0 - drop if p >= 3 else 1.0
        branch.append(commit_files(repo, {"params.json": params(100 + p, level, noise)}, f"feature commit {p}"))
    git(repo, "checkout", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "Merge feature", "feature")
    merge = git(repo, "rev-parse", "HEAD")
    shas.append(merge)
    for p in range(4, 6):
        shas.append(commit_files(repo, {"params.json": json.dumps({**json.loads((repo / "params.json").read_text()),
                                                                   "salt": 200 + p})}, f"main commit {p}"))
    return Planted(repo, shas, branch[2], {"merge": merge, **{f"feature{i + 1}": s for i, s in enumerate(branch)}})
