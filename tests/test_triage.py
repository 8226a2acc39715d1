from __future__ import annotations

import pytest

from investigator.git import build_changeset, open_repository, resolve_range
from investigator.playbooks_lib import load_playbooks
from investigator.triage import triage_changeset
from tests.support.gitrepo import commit_files

TRAINER = '''\
import torch


def update(agent, optimizer, loss, max_norm):
    """One optimisation step."""
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(agent.parameters(), max_norm)
    optimizer.step()


def helper(x):
    return x + 1
'''


def _triage(tmp_path, before: dict, after: dict):
    repo = tmp_path / "r"
    base = commit_files(repo, before, "base")
    cand = commit_files(repo, after, "cand")
    handle = open_repository(str(repo))
    cs = build_changeset(handle, resolve_range(handle, base, cand))
    return triage_changeset(cs, load_playbooks())


def test_formatting_only_python_change_has_no_effect(tmp_path):
    reformatted = TRAINER.replace("def helper(x):\n    return x + 1", "def helper( x ):\n    return (x + 1)")
    t = _triage(tmp_path, {"algo/trainer.py": TRAINER}, {"algo/trainer.py": reformatted})
    entry = t.entry("algo/trainer.py")
    assert entry.change_kind == "formatting" and not entry.has_effect


def test_comment_only_and_docstring_only_changes_have_no_effect(tmp_path):
    commented = TRAINER.replace("    loss.backward()\n", "    loss.backward()  # compute gradients\n")
    docstring = TRAINER.replace('"""One optimisation step."""', '"""One optimisation step (PPO)."""')
    t = _triage(tmp_path, {"a/trainer.py": TRAINER, "b/trainer.py": TRAINER}, {"a/trainer.py": commented, "b/trainer.py": docstring})
    assert t.entry("a/trainer.py").change_kind == "comments"
    assert t.entry("b/trainer.py").change_kind == "docstring"
    assert t.behavioural() == []


def test_behavioural_change_maps_to_subsystem_and_function(tmp_path):
    changed = TRAINER.replace("    torch.nn.utils.clip_grad_norm_(agent.parameters(), max_norm)\n", "")
    t = _triage(tmp_path, {"algo/trainer.py": TRAINER}, {"algo/trainer.py": changed})
    entry = t.entry("algo/trainer.py")
    assert entry.has_effect
    assert "trainer" in entry.subsystem_names
    reasons = " ".join(r for m in entry.subsystems for r in m.reasons)
    assert "clip_grad_norm_" in reasons
    assert [s.qualname for s in entry.symbols] == ["update"]
    assert entry.symbols[0].change == "modified" and "trainer" in entry.symbols[0].subsystems


def test_unrelated_file_maps_to_other(tmp_path):
    t = _triage(tmp_path, {"tools/banner.py": "TEXT = 'a'\n"}, {"tools/banner.py": "TEXT = 'b'\n"})
    assert t.entry("tools/banner.py").subsystem_names == ["other"]


def test_pure_rename_and_docs_have_no_effect(tmp_path):
    t = _triage(tmp_path, {"old/ppo.py": TRAINER, "README.md": "a\n"}, {"old/ppo.py": None, "new/ppo.py": TRAINER, "README.md": "b\n"})
    assert t.entry("new/ppo.py").change_kind == "rename"
    assert t.entry("README.md").change_kind == "documentation"
    assert t.touched() == {}


@pytest.mark.parametrize(("before", "after", "kind"), [("a: 1\nb: [1, 2]\n", "# note\na: 1\nb:\n  - 1\n  - 2\n", {"comments", "formatting"}), ("a: 1\n", "a: 2\n", {"behavioural"})])
def test_yaml_changes_compare_parsed_data(tmp_path, before, after, kind):
    t = _triage(tmp_path, {"configs/ppo.yaml": before}, {"configs/ppo.yaml": after})
    assert t.entry("configs/ppo.yaml").change_kind in kind


def test_file_that_does_not_parse_is_recorded_not_raised(tmp_path):
    t = _triage(tmp_path, {"algo/ppo.py": TRAINER}, {"algo/ppo.py": TRAINER + "\ndef broken(:\n"})
    entry = t.entry("algo/ppo.py")
    assert entry.has_effect and "does not parse" in entry.note
    assert t.failures and t.failures[0].path == "algo/ppo.py"


def test_demo_noise_commits_are_recognised(demo_repo):
    handle = open_repository(str(demo_repo.path))
    cs = build_changeset(handle, resolve_range(handle, demo_repo.baseline, demo_repo.candidate))
    t = triage_changeset(cs, load_playbooks())
    assert t.entry("rlproj/common/utils.py").change_kind == "rename"
    assert t.entry("rlproj/model.py").change_kind == "formatting"
    assert t.entry("README.md").change_kind == "documentation"
    assert t.entry("rlproj/ppo.py").has_effect and "ppo" in t.entry("rlproj/ppo.py").subsystem_names


BLOCK = '''\
import torch
from torch import nn


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, width)

    def forward(self, x):
        return torch.relu(self.fc(x))
'''


def _reasons(entry, subsystem: str) -> str:
    return " ".join(r for m in entry.subsystems if m.subsystem == subsystem for r in m.reasons)


def test_python_keyword_is_not_an_identifier_signal(tmp_path):
    """`return` is Python syntax, not the RL "returns": the activation swap maps to architecture only."""
    after = {"pkg/block.py": BLOCK.replace("torch.relu", "torch.tanh"),
             "pkg/helpers.py": "def f(x):\n    return x * 3\n"}
    t = _triage(tmp_path, {"pkg/block.py": BLOCK, "pkg/helpers.py": "def f(x):\n    return x * 2\n"}, after)
    block = t.entry("pkg/block.py")
    assert block.subsystem_names == ["architecture"]
    assert "`return`" not in " ".join(r for m in block.subsystems for r in m.reasons)
    assert "`torch.tanh`" in _reasons(block, "architecture")  # functional activations are identifiers
    assert [(s.qualname, s.subsystems) for s in block.symbols] == [("Block.forward", ["architecture"])]
    assert t.entry("pkg/helpers.py").subsystem_names == ["other"]
    assert t.entry("pkg/helpers.py").symbols[0].subsystems == []


def test_real_returns_identifier_still_maps_to_ppo(tmp_path):
    before = "def combine(advantages, values):\n    out = advantages\n    return out\n"
    after = "def combine(advantages, values):\n    returns = advantages + values\n    return returns\n"
    t = _triage(tmp_path, {"pkg/math_utils.py": before}, {"pkg/math_utils.py": after})
    entry = t.entry("pkg/math_utils.py")
    assert "ppo" in entry.subsystem_names
    assert "`returns`" in _reasons(entry, "ppo") and "`return`" not in _reasons(entry, "ppo")


def test_yaml_return_key_counts_as_an_identifier(tmp_path):
    """In configuration files every word is a name somebody chose: `return:` is a real key."""
    t = _triage(tmp_path, {"cfg/run.yaml": "return: 0.9\nname: a\n"}, {"cfg/run.yaml": "return: 0.5\nname: a\n"})
    entry = t.entry("cfg/run.yaml")
    assert entry.subsystem_names == ["ppo"] and "`return`" in _reasons(entry, "ppo")


def test_symbol_subsystems_propagate_to_the_file(tmp_path):
    """A change inside `Block.forward` whose own lines name nothing still maps the file to architecture."""
    before = BLOCK.replace("return torch.relu(self.fc(x))", "y = self.fc(x)\n        return y * 2")
    after = before.replace("y * 2", "y * 3")
    t = _triage(tmp_path, {"pkg/block.py": before}, {"pkg/block.py": after})
    entry = t.entry("pkg/block.py")
    assert entry.subsystem_names == ["architecture"]
    assert _reasons(entry, "architecture") == "changed symbol `Block.forward` maps here (`def forward`)"
    assert t.touched() == {"architecture": 1}


def test_symbol_maps_by_its_own_span_not_the_lines_after_it(tmp_path):
    before = (
        "def scale(x):\n    return x * 2\n\n\n"
        "def step_optimizer(optimizer):\n    optimizer.zero_grad()\n    optimizer.step()\n\n\n"
        "def far(x):\n    y = x + 1\n" + "    y = y + 1\n" * 30 + "    return y\n"
    )
    after = before.replace("x * 2", "x * 3").replace("    y = x + 1\n", "    y = x + 2\n")
    far_identifier = after.replace("    return y\n", "    return y * lr\n")
    t = _triage(tmp_path, {"pkg/a.py": before, "pkg/b.py": before}, {"pkg/a.py": after, "pkg/b.py": far_identifier})
    a = t.entry("pkg/a.py")
    assert {s.qualname: s.subsystems for s in a.symbols} == {"scale": [], "far": []}  # not optimizer.step below
    assert a.subsystem_names == ["other"]
    b = t.entry("pkg/b.py")
    assert {s.qualname: s.subsystems for s in b.symbols}["far"] == ["trainer"]  # `lr` 30 lines below the change


def test_symbol_body_identifiers_stay_on_the_symbol_not_the_file(tmp_path):
    """`compute_gae` reading `dones` and `num_envs` is a PPO change, not an env or vecenv change: the
    file takes a symbol's subsystems from its name and signature only."""
    before = (
        "def compute_gae(rewards, values, dones, gamma, lam):\n"
        "    num_envs = rewards.shape[1]\n"
        "    out = []\n"
        "    for t in range(len(rewards)):\n"
        "        next_value = values[t + 1]\n"
        "        out.append(rewards[t] + gamma * next_value * (1 - dones[t]))\n"
        "    return out, num_envs\n"
    )
    after = before.replace("values[t + 1]", "values[t]")
    t = _triage(tmp_path, {"algo/gae_math.py": before}, {"algo/gae_math.py": after})
    entry = t.entry("algo/gae_math.py")
    assert "ppo" in entry.subsystem_names
    assert not {"env", "vecenv"} & set(entry.subsystem_names)
    symbol = entry.symbols[0]
    assert symbol.qualname == "compute_gae" and "ppo" in symbol.subsystems
    assert {"env", "vecenv"} <= set(symbol.subsystems)  # its body does mention them


def test_removed_symbol_maps_by_its_baseline_span(tmp_path):
    before = BLOCK + "\n\ndef helper(x):\n    return x\n"
    after = BLOCK.replace(
        "    def forward(self, x):\n        return torch.relu(self.fc(x))\n", "") + "\n\ndef helper(x):\n    return x\n"
    t = _triage(tmp_path, {"pkg/block.py": before}, {"pkg/block.py": after})
    symbols = {s.qualname: s for s in t.entry("pkg/block.py").symbols}
    assert symbols["Block.forward"].change == "removed" and symbols["Block.forward"].subsystems == ["architecture"]


@pytest.mark.parametrize("call", ["F.gelu(h)", "torch.sigmoid(h)", "nn.functional.silu(h)", "torch.nn.functional.leaky_relu(h)"])
def test_functional_activations_map_to_architecture(tmp_path, call):
    before = "def head(h):\n    return h\n"
    t = _triage(tmp_path, {"pkg/head.py": before}, {"pkg/head.py": f"def head(h):\n    return {call}\n"})
    assert t.entry("pkg/head.py").subsystem_names == ["architecture"]


def test_activation_lookalikes_do_not_map_to_architecture(tmp_path):
    before = "import numpy as np\n\n\ndef head(h):\n    return h\n"
    after = "import numpy as np\n\n\ndef head(h):\n    relu_count = np.tanh(h)\n    return my_relu(relu_count)\n"
    t = _triage(tmp_path, {"pkg/head.py": before}, {"pkg/head.py": after})
    assert t.entry("pkg/head.py").subsystem_names == ["other"]


def test_scheduler_step_is_not_an_env_step(tmp_path):
    before = "class Sched:\n    pass\n\n\nclass Env:\n    pass\n"
    after = ("class Sched:\n    def step(self):\n        return 1\n\n\n"
             "class Env:\n    def step(self, action):\n        return action\n")
    t = _triage(tmp_path, {"pkg/sched.py": before, "pkg/sim_env2.py": before},
                {"pkg/sched.py": after.split("\n\n\nclass Env")[0] + "\n", "pkg/sim_env2.py": after})
    assert "env" not in t.entry("pkg/sched.py").subsystem_names
    symbols = {s.qualname: s.subsystems for s in t.entry("pkg/sim_env2.py").symbols}
    assert symbols["Env.step"] == ["env"] and symbols["Sched.step"] == []


def test_docstring_and_behaviour_edits_are_told_apart(tmp_path):
    """The name-signature shortcut must not turn docstring-only edits into behavioural ones."""
    mod = '"""Module doc."""\n\n\nclass A:\n    """Class doc."""\n\n    def f(self):\n        """Only a docstring."""\n'
    t = _triage(
        tmp_path,
        {"p/doc.py": mod, "p/beh.py": mod, "p/const.py": "X = 0.99\n"},
        {"p/doc.py": mod.replace("Module doc", "Mod").replace("Class doc", "C").replace("Only a", "A"),
         "p/beh.py": mod.replace("Module doc", "Mod") + "\n\nB = A()\n",
         "p/const.py": "X = 0.95\n"},
    )
    assert t.entry("p/doc.py").change_kind == "docstring"
    assert t.entry("p/beh.py").change_kind == "behavioural"
    assert t.entry("p/const.py").change_kind == "behavioural"


def test_touched_lines_pick_the_innermost_definition_like_innermost_definition():
    import ast

    from investigator.pyast import index_definitions, innermost_definition
    from investigator.triage import _touched

    source = TRAINER + "\n\nclass K:\n    @staticmethod\n    def a():\n        def inner():\n            return 1\n        return inner\n\n    x = 1\n"
    defs = index_definitions(ast.parse(source))
    lines = list(range(0, source.count("\n") + 3))
    expected = {d.qualname for ln in lines if (d := innermost_definition(defs, ln))}
    assert _touched(defs, lines) == expected
    for ln in lines:
        d = innermost_definition(defs, ln)
        assert _touched(defs, [ln]) == ({d.qualname} if d else set())


def test_future_import_does_not_mark_untouched_class_bodies_changed(tmp_path):
    """Compiled names of a class body depend on `from __future__ import annotations`; the AST does not."""
    before = "class C:\n    x: int = 1\n    y: int = (2)\n"
    after = "from __future__ import annotations\n\n\nclass C:\n    x: int = 1\n    y: int = 2\n"
    t = _triage(tmp_path, {"pkg/c.py": before}, {"pkg/c.py": after})
    entry = t.entry("pkg/c.py")
    assert entry.change_kind == "behavioural" and entry.symbols == []
