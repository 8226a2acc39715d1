"""Two unrelated entry scripts: the examples of one commit all replaced at the other.

Real shape (d3rlpy v1.1.1 -> v2.0.2): the entry detected at the baseline was `examples/atari/train_bc.py`,
at the candidate `examples/multi_step_training.py`; neither exists at the other commit, so their
effective configurations came and went as significant "Config `fit.n_epochs` = 100 removed", "`n_steps`
= 1 added", ...: they are one no-effect item now. Negatives: the same script at both commits, or a script
git pairs as renamed, keeps its significant change.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from investigator.models import AnalyzerResult
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files

SCRIPT = '''\
    import argparse

    import torch


    def train(model, lr, n):
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        for _ in range(n):
            optimizer.step()


    if __name__ == "__main__":
        p = argparse.ArgumentParser()
        p.add_argument("--learning-rate", type=float, default={lr})
        p.add_argument("--{other}", type=int, default=64)
        args = p.parse_args()
        train(torch.nn.Linear(2, 2), args.learning_rate, args.{attr})
    '''


def _script(lr: str, other: str) -> str:
    return SCRIPT.replace("{lr}", lr).replace("{other}", other).replace("{attr}", other.replace("-", "_"))


def _run(tmp_path: Path, base: dict[str, str], cand: dict[str, str | None]) -> AnalyzerResult:
    repo = tmp_path / "repo"
    b = commit_files(repo, {k: textwrap.dedent(v) for k, v in base.items()}, "baseline")
    c = commit_files(repo, {k: textwrap.dedent(v) if v else v for k, v in cand.items()}, "candidate")
    return analyse(repo, b, c, tmp_path / "out")


def test_settings_of_two_scripts_that_never_coexist_are_not_compared(tmp_path: Path) -> None:
    # two different programs (git pairs no rename: each has its own helpers)
    own = ["".join(f"    {name.upper()}_{i} = \"{name * 30}{i}\"\n" for i in range(40)) for name in ("bc", "ms")]
    result = _run(tmp_path, {"examples/train_bc.py": own[0] + _script("3e-4", "batch-size")},
                  {"examples/train_bc.py": None, "examples/multi_step_training.py": own[1] + _script("1e-3", "n-steps")})
    assert not result.findings, [(f.title, f.severity) for f in result.findings]
    [item] = [n for n in result.no_effect if "unrelated entry scripts" in n.title]
    assert "neither exists at the other commit" in item.reason
    assert "learning_rate" in item.details["keys"]


def test_a_script_git_pairs_as_renamed_is_compared(tmp_path: Path) -> None:
    # the same script moved to another name (git's rename) with its learning rate changed: one program
    padding = "".join(f"    # note {i}: the training script of this example\n" for i in range(30))
    result = _run(tmp_path, {"examples/train_bc.py": padding + _script("3e-4", "batch-size")},
                  {"examples/train_bc.py": None, "examples/train_bc_v2.py": padding + _script("1e-3", "batch-size")})
    loud = [f for f in result.findings if f.severity.value in ("critical", "significant")]
    assert any("learning_rate" in f.title for f in loud), [(f.title, f.severity) for f in result.findings]


def test_the_same_script_at_both_commits_keeps_its_significant_change(tmp_path: Path) -> None:
    result = _run(tmp_path, {"examples/train_bc.py": _script("3e-4", "batch-size")},
                  {"examples/train_bc.py": _script("1e-3", "batch-size")})
    loud = [f for f in result.findings if f.severity.value in ("critical", "significant")]
    assert loud and not any("neither exists" in f.rationale for f in result.findings)
