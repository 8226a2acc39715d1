"""A whole-number setting moved by a ten-thousandth of itself or less is low, not a rollout-length change.

Real shape (pytorch-soft-actor-critic 0a7b9e5..f480391): `--num_steps` (total environment steps) went from
1000000 to 1000001 so that the last evaluation runs; the `num_steps` rule (rollout length, critical) made
it the range's first finding, critical. Negatives: the same key halved, a small count moved by one
(`n_steps` 2048 -> 2049), and a float moved by a tiny share (`gamma` 0.999 -> 0.9999: a tenfold
horizon) keep their severity."""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

MAIN = '''\
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument('--num_steps', type=int, default=1000000)
    parser.add_argument('--n_steps', type=int, default=2048)
    parser.add_argument('--gamma', type=float, default=0.999)
    args = parser.parse_args()


    def train(args):
        for step in range(args.num_steps):
            rollout(args.n_steps, args.gamma)


    if __name__ == "__main__":
        train(args)
'''


def _run(tmp_path: Path, old: str, new: str) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {"main.py": textwrap.dedent(MAIN)}, "baseline")
    c = commit_files(repo, {"main.py": textwrap.dedent(MAIN).replace(old, new)}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _severity(result: AnalyzerResult, key: str) -> str:
    hits = [f.severity.value for f in result.findings if f"`{key}`" in f.title]
    assert hits, [f.title for f in result.findings]
    return hits[0]


def test_a_count_moved_by_one_in_a_million_is_low(tmp_path: Path) -> None:
    assert _severity(_run(tmp_path, "default=1000000", "default=1000001"), "num_steps") == "low"


def test_a_count_halved_is_still_critical(tmp_path: Path) -> None:
    assert _severity(_run(tmp_path, "default=1000000", "default=500000"), "num_steps") == "critical"


def test_a_small_count_moved_by_one_keeps_its_severity(tmp_path: Path) -> None:
    assert _severity(_run(tmp_path, "default=2048", "default=2049"), "n_steps") == "critical"


def test_a_float_moved_by_a_tiny_share_keeps_its_severity(tmp_path: Path) -> None:
    assert _severity(_run(tmp_path, "default=0.999", "default=0.9999"), "gamma") != "low"
