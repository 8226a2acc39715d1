"""The probe setup is built statically: adapter functions from the AST (never imported), the
conventional adapter file at each commit, or an explicit one for both."""

from __future__ import annotations

from pathlib import Path

from investigator.probes.setup import SideSource, adapter_functions, build_setup

ADAPTER = """\
import sys
from project.ppo import compute_gae as compute_advantages
raise SystemExit("importing the adapter would run this")

def make_agent(seed):
    pass

make_env = lambda seed: None
def helper():
    pass
"""


def source(files: dict[str, str]) -> SideSource:
    return SideSource(read=files.get, paths=lambda: sorted(files))


def test_adapter_functions_come_from_the_ast_only() -> None:
    assert adapter_functions(ADAPTER) == {"compute_advantages", "make_agent", "make_env"}
    assert adapter_functions("def make_agent(:\n") == frozenset()  # unparsable: defines nothing


def test_conventional_files_at_each_commit_and_an_explicit_adapter(tmp_path: Path) -> None:
    sources = {"baseline": source({"investigator_adapter.py": ADAPTER}),
               "candidate": source({".investigator/adapter.py": "def lr_at(step):\n    return 1.0\n"})}
    built = build_setup(sources, adapter=None, command=None, seeds=3, steps=None)
    setup = built.setup
    assert setup.adapter_paths == {"baseline": "investigator_adapter.py", "candidate": ".investigator/adapter.py"}
    assert setup.has("baseline", "make_agent") and not setup.has("candidate", "make_agent")
    assert setup.has_everywhere(["lr_at"]) is False and setup.command is None
    explicit = tmp_path / "adapter.py"
    explicit.write_text(ADAPTER)
    built = build_setup({"baseline": source({}), "candidate": source({})}, adapter=str(explicit),
                        command="{python} train.py --seed {seed}", seeds=2, steps=100)
    assert built.setup.has_everywhere(["make_agent", "compute_advantages"]) and built.setup.command_proposed is False
    assert built.setup.adapter_paths["candidate"] == str(explicit.resolve()) and built.setup.seeds == 2
    none = build_setup({"baseline": source({}), "candidate": source({})}, adapter=None, command=None, seeds=3, steps=None)
    assert none.setup.adapter_paths == {"baseline": None, "candidate": None} and not none.setup.has_everywhere(["make_agent"])


def test_a_command_is_proposed_from_the_first_usable_entry_and_marked(monkeypatch) -> None:
    import sys
    import types

    class Proposed:
        def __init__(self, template: str, usable: bool) -> None:
            self.template, self.usable = template, usable

        def describe(self) -> str:
            return f"argparse: {self.template}"

    fake = types.ModuleType("investigator.probes.command")
    fake.propose_command = lambda text, path: Proposed(f"{{python}} {path} --seed {{seed}}", "logdir" in text)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "investigator.probes.command", fake)
    files = {"tools/run.py": "no log flag", "train.py": "parser.add_argument('--logdir')"}
    built = build_setup({"baseline": source(files), "candidate": source(files)}, adapter=None, command=None, seeds=3,
                        steps=None, entries=["tools/run.py"])
    assert built.setup.command == "{python} train.py --seed {seed}" and built.setup.command_proposed
    assert any("proposed from train.py" in n for n in built.notes)
    given = build_setup({"baseline": source(files), "candidate": source(files)}, adapter=None, command="{python} x.py",
                        seeds=3, steps=None)
    assert given.setup.command == "{python} x.py" and not given.setup.command_proposed
