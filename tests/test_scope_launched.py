"""Never silent about changed training scripts under `examples/` (issue 11 item 2).

Real shape: OSRL dbe3a1fd..03a45864. `examples/train_all_tasks.py`, the detected entry, launches
`template = "nohup python examples/train/{}.py --task {} --device cpu"` for each policy; the training scripts
`examples/train/train_*.py` now build their arguments from per-task defaults
(`cfg = asdict(BC_DEFAULT_CONFIG[args.task]()); cfg.update(differing_values); args = types.SimpleNamespace(**cfg)`).
The report had 0 findings and none of the twelve changed scripts in its no-effect section: the flow analysis
skipped every example, and the scope rule did not know the entry runs them.
"""

from __future__ import annotations

import ast
import json
import textwrap

import pytest

from investigator.cli import main
from investigator.scope import import_closure, launched_scripts, unaccounted
from tests.support.gitrepo import commit_files, git

UPDATE = textwrap.dedent("""\
    import torch


    def update(model, optimizer, batch):
        optimizer.zero_grad()
        loss = model(batch).mean()
        loss.backward()
        optimizer.step()
        return loss
    """)

SCRIPT = textwrap.dedent("""\
    import types
    from dataclasses import asdict, dataclass

    import torch

    from pkg.algo import update

    DEFAULTS = {{"easy": dict(task="easy", lr=1e-2, steps=50), "hard": dict(task="hard", lr=1e-4, steps=500)}}


    @dataclass
    class Config:
        task: str = "easy"
        lr: float = 3e-4
        steps: int = 10


    def train(args: Config):
    {body}
        model = torch.nn.Linear(4, 1)
        optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
        for _ in range(args.steps):
            update(model, optimizer, torch.randn(8, 4))


    if __name__ == "__main__":
        train(Config())
    """)
BASE_BODY = "    cfg = asdict(args)\n    print(cfg)"
CAND_BODY = textwrap.indent(textwrap.dedent("""\
    cfg, old_cfg = asdict(args), asdict(Config())
    differing = {key: cfg[key] for key in cfg if cfg[key] != old_cfg[key]}
    cfg = dict(DEFAULTS[args.task])
    cfg.update(differing)
    args = types.SimpleNamespace(**cfg)
    print(cfg)"""), "    ")

LAUNCHER = textwrap.dedent("""\
    import subprocess

    if __name__ == "__main__":
        template = "python {where}/{{}}.py --task {{}}"
        for policy in ["train_a", "train_b"]:
            subprocess.run(template.format(policy, "easy").split(), check=True)
    """)


def _repo(tmp_path, where: str):
    files = {
        "pkg/__init__.py": "", "pkg/algo.py": UPDATE,
        "examples/train_all.py": LAUNCHER.format(where=where),
        "examples/train/train_a.py": SCRIPT.format(body=BASE_BODY),
        "examples/train/train_b.py": SCRIPT.format(body=BASE_BODY),
        "tests/test_algo.py": "def test_one():\n    assert 1 + 1 == 2\n",
    }
    repo = tmp_path / "r"
    commit_files(repo, files, "base")
    git(repo, "tag", "base")
    commit_files(repo, {"examples/train/train_a.py": SCRIPT.format(body=CAND_BODY),
                        "tests/test_algo.py": "def test_one():\n    assert 2 + 2 == 4\n"}, "cand")
    out = tmp_path / "out"
    entry = ["--baseline-entry", "examples/train_all.py", "--candidate-entry", "examples/train_all.py"]
    code = main(["--repo", str(repo), "--baseline-commit", "base", "--output", str(out), "--format", "json",
                 "--quiet", *entry])
    assert code == 0
    return json.loads(next(out.glob("*.json")).read_text())


def _named(items):
    return {loc["path"] for item in items for loc in item["locations"]}


def test_script_the_entry_launches_is_a_finding(tmp_path, capsys):
    data = _repo(tmp_path, "examples/train")
    capsys.readouterr()
    assert "examples/train/train_a.py" in _named(data["findings"]), data["no_effect"]
    # the changed test is accounted for too: a no-effect item, not silence
    test_items = [n for n in data["no_effect"] if "tests/test_algo.py" in _named([n])]
    assert test_items and "test file" in test_items[0]["reason"]


def test_script_nobody_launches_is_a_no_effect_item(tmp_path, capsys):
    data = _repo(tmp_path, "scripts")  # the launcher runs other scripts: the edited one is not on the training path
    capsys.readouterr()
    assert "examples/train/train_a.py" not in _named(data["findings"])
    items = [n for n in data["no_effect"] if "examples/train/train_a.py" in _named([n])]
    assert items and any("example" in n["reason"] for n in items)


@pytest.mark.parametrize(("source", "expected"), [
    ('t = "nohup python examples/train/{}.py --task {}"\n', {"examples/train/train_a.py", "examples/train/train_b.py"}),
    ('t = "python examples/train/%s.py" % name\n', {"examples/train/train_a.py", "examples/train/train_b.py"}),
    ('t = f"python examples/train/train_{name}.py"\n', {"examples/train/train_a.py", "examples/train/train_b.py"}),
    ('t = "python examples/train/train_a.py"\n', {"examples/train/train_a.py"}),
    ('t = "python train/train_b.py"\n', {"examples/train/train_b.py"}),  # from the launcher's own directory
    ('t = "python {}.py"\n', set()),  # no literal directory or stem: names nothing
    ('t = "python tests/{}.py"\n', set()),  # a launcher of tests trains nothing
    ('"""Run examples/train/train_a.py by hand."""\n', set()),  # prose, not a launch
    ('p.add_argument("--x", help="see examples/train/train_a.py")\n', set()),  # a help text
    ('print(f"next: python examples/train/train_{name}.py")\n', set()),  # a printed hint
    ('logger.info("python examples/train/train_a.py")\n', set()),  # a logged message
    ('subprocess.run(f"python examples/train/train_{name}.py", shell=True)\n',
     {"examples/train/train_a.py", "examples/train/train_b.py"}),  # run: a launch
])
def test_launched_scripts(source, expected):
    files = ["examples/run.py", "examples/train/train_a.py", "examples/train/train_b.py", "examples/train/README.md",
             "tests/test_a.py", "setup.py"]
    got = launched_scripts(ast.parse(source), "examples/run.py", set(files).__contains__, lambda: files)
    assert got == expected


def test_import_closure_follows_launched_scripts_and_their_imports():
    files = {"examples/run.py": 't = "python examples/train/{}.py"\n', "examples/train/train_a.py": "import pkg.algo\n",
             "pkg/__init__.py": "", "pkg/algo.py": "import torch\n"}
    got = import_closure(["examples/run.py"], files.__contains__, lambda p: ast.parse(files[p]), lambda: list(files))
    assert got == set(files)
    # without a listing a pattern names nothing
    assert import_closure(["examples/run.py"], files.__contains__, lambda p: ast.parse(files[p])) == {"examples/run.py"}


def test_unaccounted_names_only_files_nothing_else_names():
    from investigator.models import Finding, Location, NoEffectChange, Severity

    finding = Finding(id="f", source="x", subsystem="trainer", severity=Severity.significant, confidence=0.5,
                      title="t", impact="i", rationale="r", locations=[Location(path="a.py", side="candidate")])
    item = NoEffectChange(subsystem="other", title="b", reason="r", locations=[Location(path="b.py", side="candidate")])
    entries = [("a.py", None, "python", "trainer"), ("b.py", None, "python", "other"),
               ("c.py", "old_c.py", "python", "env"), ("tests/test_d.py", None, "python", "other"),
               ("e.py", "b.py", "python", "other")]
    got = unaccounted(entries, [finding], [item], ["code_detectors", "behavioural_change"])
    assert [n.title for n in got] == ["c.py", "tests/test_d.py"]
    assert got[0].subsystem == "env" and [loc.path for loc in got[0].locations] == ["old_c.py", "c.py"]
    assert "changed Python code" in got[0].reason and "code_detectors, behavioural_change" in got[0].reason
    assert got[1].reason.startswith("a test file")


def test_unaccounted_files_of_one_directory_are_one_item():
    entries = [(f"configs/bc/task_{k}.yaml", None, "yaml", "other") for k in range(5)] + [("configs/x.yaml", None, "yaml", "other")]
    got = unaccounted(entries, [], [], ["config_forensics"])
    assert [n.title for n in got] == ["5 files under `configs/bc/`", "configs/x.yaml"]
    assert [loc.path for loc in got[0].locations] == [e[0] for e in entries[:5]]
    assert got[0].reason.startswith("a changed yaml file")
