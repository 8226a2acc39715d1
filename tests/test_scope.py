"""Scope (issue 11 item 5): tests, docs, examples, benchmarks, notebooks and CI files never give a
critical or significant finding; the training entry and what it reaches or loads are never demoted."""

from __future__ import annotations

import json
import textwrap

import pytest

from investigator.cli import main
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity
from investigator.scope import apply_scope, import_closure, out_of_scope_kind, training_only_in_examples
from tests.support.gitrepo import commit_files, git


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("tests/test_ppo.py", "test"), ("pkg/tests/helpers.py", "test"), ("test/data/cfg.yaml", "test"),
        ("test_algo.py", "test"), ("rl/algo_test.py", "test"), ("conftest.py", "test"),
        ("docs/conf.py", "documentation"), ("README.md", "documentation"), ("rl/NOTES.rst", "documentation"),
        ("examples/cartpole.py", "example"), ("playground/try.py", "example"), ("example_cartpole.py", "example"),
        ("rl/ppo_example.py", "example"), ("Tutorials/ppo.py", "example"),
        ("sample_factory_examples/isaacgym_examples/train_isaacgym.py", "example"), ("sf_examples/atari/env.py", "example"),
        ("benchmarks/atari/ppo.yaml", "benchmark"), ("bench_speed.py", "benchmark"),
        ("notebooks/explore.py", "notebook"), ("analysis.ipynb", "notebook"),
        (".github/workflows/ci.yml", "CI"), ("tox.ini", "CI"), ("noxfile.py", "CI"), (".gitlab-ci.yml", "CI"),
    ],
)
def test_out_of_scope_paths(path, kind):
    assert out_of_scope_kind(path) == kind


@pytest.mark.parametrize(
    "path",
    ["train.py", "scripts/train.py", "rl/algos/ppo.py", "contest.py", "latest.py", "attest/x.py", "rl/testing_utils.py",
     "config/ppo.yaml", "benchmark.py", "rl/envs/example_wrappers/__init__.py".replace("example_wrappers", "wrappers"),
     "src/docstring_tools.py", "rl/exampleenv.py", "rl/counterexamples/x.py"],
)
def test_training_paths_are_in_scope(path):
    assert out_of_scope_kind(path) is None


def _finding(fid, *paths, severity=Severity.critical):
    locs = [Location(path=p, line=3, side="candidate") for p in paths]
    return Finding(id=fid, source="code_detectors.x", subsystem="ppo", severity=severity, confidence=0.8,
                   title=f"change {fid}", locations=locs,
                   evidence=[Evidence(kind=EvidenceKind.code, summary="s", locations=locs)])


def test_apply_scope_moves_only_findings_wholly_out_of_scope():
    findings = [
        _finding("a", "tests/test_ppo.py"),
        _finding("b", "tests/test_ppo.py", "rl/ppo.py"),  # one place on the training path: stays
        _finding("c"),  # no file (a metric finding): stays
        _finding("d", "examples/train.py"),  # the entry point: stays
        _finding("e", "docs/index.md", "examples/cartpole.py", severity=Severity.significant),
    ]
    kept, moved = apply_scope(findings, training_files=["examples/train.py", "rl/ppo.py"])
    assert [f.id for f in kept] == ["b", "c", "d"]
    assert [m.details["finding_id"] for m in moved] == ["a", "e"]
    assert moved[0].reason == ("only in a test file (`tests/test_ppo.py`), which the training entry point neither "
                               "runs nor loads: not on the training path (would have been critical)")
    assert moved[1].details["scope"] == ["documentation", "example"]
    assert "would have been significant" in moved[1].reason


UPDATE = textwrap.dedent("""\
    import torch


    def update(model, optimizer, batch):
        optimizer.zero_grad()
        loss = model(batch).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        return loss
    """)
CALL = "    model = torch.nn.Linear(4, 1)\n    update(model, torch.optim.SGD(model.parameters(), lr=0.1), torch.randn(8, 4))\n"
TRAIN = textwrap.dedent("""\
    import torch

    from {module} import update


    def main():
        model = torch.nn.Linear(4, 1)
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-4)
        for _ in range(10):
            update(model, optimizer, torch.randn(8, 4))


    if __name__ == "__main__":
        main()
    """)


def _broken(text: str) -> str:
    return "".join(ln for ln in text.splitlines(keepends=True) if "zero_grad" not in ln and "clip_grad_norm_" not in ln)


def _investigate(repo, tmp_path, capsys, *extra):
    out = tmp_path / "out"
    code = main(["--repo", str(repo), "--baseline-commit", "base", "--output", str(out), "--format", "json", "--quiet", *extra])
    capsys.readouterr()
    assert code == 0
    return json.loads(next(out.glob("*.json")).read_text())


def _scoped(data):
    """Path -> the severities its findings would have had, for the items the scope rule moved."""
    out: dict[str, set[str]] = {}
    for n in data["no_effect"]:
        if "scope" in n["details"]:
            out.setdefault(n["locations"][0]["path"], set()).add(n["details"]["severity"])
    return out


def test_same_change_in_tests_and_examples_is_no_effect_and_on_the_training_path_is_critical(tmp_path, capsys):
    files = {
        "train.py": TRAIN.format(module="rl.ppo"), "rl/__init__.py": "", "rl/ppo.py": UPDATE,
        "tests/test_ppo.py": UPDATE + "\n\ndef test_update():\n" + CALL,
        "examples/cartpole.py": UPDATE + '\n\nif __name__ == "__main__":\n' + CALL,
    }
    repo = tmp_path / "r"
    commit_files(repo, files, "base")
    git(repo, "tag", "base")
    commit_files(repo, {p: _broken(files[p]) for p in ("tests/test_ppo.py", "examples/cartpole.py")}, "tests and examples")
    data = _investigate(repo, tmp_path, capsys)
    assert data["findings"] == []  # the same edit in a test and an example: not a finding
    scoped = _scoped(data)
    assert set(scoped) == {"tests/test_ppo.py", "examples/cartpole.py"}
    assert scoped["tests/test_ppo.py"] == scoped["examples/cartpole.py"] == {"critical", "significant"}
    commit_files(repo, {"rl/ppo.py": _broken(UPDATE)}, "training code")
    data = _investigate(repo, tmp_path / "2", capsys)
    on_path = [f for f in data["findings"] if f["severity"] == "critical"]
    assert on_path and all(loc["path"] == "rl/ppo.py" for f in on_path for loc in f["locations"])


@pytest.mark.parametrize("given", [True, False])
def test_entry_point_under_examples_and_what_it_imports_stay_findings(tmp_path, capsys, given):
    """`examples/train_ppo.py` is the entry (detected, or given): it and the helper it imports are the
    training path; a sibling example nobody runs is not."""
    files = {
        "examples/train_ppo.py": TRAIN.format(module="common"), "examples/common.py": UPDATE,
        "examples/other.py": UPDATE + '\n\nif __name__ == "__main__":\n' + CALL,
    }
    repo = tmp_path / "r"
    commit_files(repo, files, "base")
    git(repo, "tag", "base")
    commit_files(repo, {p: _broken(files[p]) for p in ("examples/common.py", "examples/other.py")}, "cand")
    entry = ["--baseline-entry", "examples/train_ppo.py", "--candidate-entry", "examples/train_ppo.py"]
    data = _investigate(repo, tmp_path, capsys, *(entry if given else []))
    kept = {loc["path"] for f in data["findings"] for loc in f["locations"]}
    assert kept == {"examples/common.py"}
    assert any(f["severity"] == "critical" for f in data["findings"])
    assert set(_scoped(data)) == {"examples/other.py"}


def test_import_closure_follows_package_relative_script_dir_and_src_imports():
    import ast

    files = {
        "examples/train.py": "import common\nfrom pkg.algos import ppo\n",
        "examples/common.py": "from . import util\n",
        "examples/util.py": "import examples.train\n",  # a cycle back to the start
        "src/pkg/__init__.py": "", "src/pkg/algos/__init__.py": "from .ppo import update\n",
        "src/pkg/algos/ppo.py": "from ..nets import mlp\nimport torch\n", "src/pkg/nets/mlp.py": "",
        "src/pkg/nets/__init__.py": "", "tests/test_ppo.py": "from pkg.algos import ppo\n",
        "examples/other.py": "import common\n",
    }
    got = import_closure(["examples/train.py", "missing.py"], files.__contains__, lambda p: ast.parse(files[p]))
    assert got == {"examples/train.py", "examples/common.py", "examples/util.py", "src/pkg/__init__.py",
                   "src/pkg/algos/__init__.py", "src/pkg/algos/ppo.py", "src/pkg/nets/__init__.py", "src/pkg/nets/mlp.py"}


def test_training_only_in_examples_needs_every_training_step_in_examples_and_none_reached():
    files = {"lib/agent.py": "class Agent:\n    pass\n", "salina_examples/ppo.py": UPDATE, "tests/test_x.py": UPDATE,
             "salina_examples/tutorials/main.py": "import lib.agent\n"}
    assert training_only_in_examples(files, files.get, ["salina_examples/tutorials/main.py", "lib/agent.py"])
    # a training step outside examples (a test does not count): the library trains itself
    assert not training_only_in_examples({**files, "lib/train.py": UPDATE}, {**files, "lib/train.py": UPDATE}.get)
    # the entry reaches a training step: its sibling examples stay out of scope
    assert not training_only_in_examples(files, files.get, ["salina_examples/ppo.py"])
    assert not training_only_in_examples({"lib/agent.py": "x = 1\n"}, {"lib/agent.py": "x = 1\n"}.get)


def test_examples_that_are_the_only_training_code_stay_findings(tmp_path, capsys):
    """Real shape (salina, held-out 3 `salina-ppo-entropy-backward`): a library of agents whose every
    algorithm lives under `*_examples/`; the entry detected is a tutorial that trains nothing. The bug in an
    example's loss was "only in an example or playground script", with no finding at all."""
    files = {
        "agents/__init__.py": "", "agents/core.py": "import torch\n\n\nclass Agent(torch.nn.Module):\n    pass\n",
        "lib_examples/tutorials/main.py": 'import agents.core\n\n\nif __name__ == "__main__":\n    print(agents.core.Agent)\n',
        "lib_examples/ppo/ppo.py": UPDATE + '\n\nif __name__ == "__main__":\n' + CALL,
    }
    repo = tmp_path / "r"
    commit_files(repo, files, "base")
    git(repo, "tag", "base")
    commit_files(repo, {"lib_examples/ppo/ppo.py": _broken(files["lib_examples/ppo/ppo.py"])}, "cand")
    data = _investigate(repo, tmp_path, capsys)
    kept = {loc["path"] for f in data["findings"] for loc in f["locations"]}
    assert kept == {"lib_examples/ppo/ppo.py"}, (kept, _scoped(data))
