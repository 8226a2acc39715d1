"""A launch script added for the entry does not remove the unchanged settings of other scripts.

Real shape (imitation, between a fix and 8 later commits): `experiments/bc_benchmark.sh`, new, runs the
entry (`train_bc`), so the candidate has an effective configuration and the baseline (whose entry could not
be followed) was compared with all its configuration. The unchanged `transfer_learn_benchmark.sh`, a
command running another module with `reward_type="DiscrimNet" reward_path=...`, became two critical
"Config ... removed from the effective configuration" findings. Negative: a key of that script that really
went away at the candidate is still reported."""

from __future__ import annotations

from pathlib import Path

from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

ENTRY = """\
import sys


def train(lr):
    print(lr)


if __name__ == "__main__":
    train(float(sys.argv[1]))
"""

OTHER = """\
#!/usr/bin/env bash
DATA_DIR="{data}"
python -m pkg.transfer \\
  seed=0 \\
  reward_type="DiscrimNet" \\
{extra}  log_dir="out/transfer"
"""

TRANSFER = """\
import sys


def run(config):
    return config.get("reward_type"), config.get("reward_scale"), config.get("seed")


run(dict(a.split("=") for a in sys.argv[1:]))
"""

BENCH = """\
#!/usr/bin/env bash
python train.py --lr 3e-3
"""


def _run(tmp_path: Path, other_cand: str) -> AnalyzerResult:
    repo = tmp_path / "repo"
    other = OTHER.replace("{extra}", '  reward_scale="2.0" \\\n').replace("{data}", "tests/data")
    b = commit_files(repo, {"train.py": ENTRY, "pkg/__init__.py": "", "pkg/transfer.py": TRANSFER,
                            "experiments/transfer.sh": other}, "baseline")
    c = commit_files(repo, {"train.py": ENTRY, "pkg/__init__.py": "", "pkg/transfer.py": TRANSFER,
                            "experiments/transfer.sh": other_cand.replace("{data}", "tests/testdata"), "experiments/bench.sh": BENCH}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def _removed(result: AnalyzerResult) -> list[str]:
    return [f.title for f in result.findings if "removed" in f.title]


def test_an_unchanged_script_of_another_module_keeps_its_keys(tmp_path: Path) -> None:
    result = _run(tmp_path, OTHER.replace("{extra}", '  reward_scale="2.0" \\\n'))
    assert not any("reward_type" in t or "reward_scale" in t for t in _removed(result)), \
        [(f.title, f.severity) for f in result.findings]


def test_a_key_that_went_away_is_still_removed(tmp_path: Path) -> None:
    result = _run(tmp_path, OTHER.replace("{extra}", ""))
    removed = _removed(result)
    assert any("reward_scale" in t for t in removed), [(f.title, f.severity) for f in result.findings]
    assert not any("reward_type" in t for t in removed), removed
