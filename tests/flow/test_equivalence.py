"""Behaviour-preserving rewrites are no change (expanded effects, renames, moves); real edits are, and
a "verified identical" item needs unchanged dependencies."""

from __future__ import annotations

import re
import textwrap

from investigator.detectors.engine import run_detectors
from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import analyse
from investigator.flow.diff import changed_units
from investigator.flow.graph import LearningFlow
from investigator.flow.symbolic import Expander, differing
from investigator.models import Severity
from tests.flow.support import pair_index as _index
from tests.flow.support import src as _src

TRAIN = """
    from helpers import bootstrap

    def train(agent, optimizer, data, args):
        for batch in data:
            adv = batch.adv
            ratio = agent.ratio(batch)
            loss = -(adv * ratio).mean() - args.ent_coef * agent.entropy(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    main = train
"""


def _effect_diff(base: str, cand: str, extra: dict[str, str] | None = None) -> tuple[list, list]:
    index = _index({"t.py": base, **(extra or {})}, {"t.py": cand, **(extra or {})})
    pair = next(p for p in index.changed_pairs() if p.base and p.base.path == "t.py")
    eb = Expander(LearningFlow(index.base).resolver).effects(pair.base)
    ec = Expander(LearningFlow(index.cand).resolver).effects(pair.cand)
    return differing(eb, ec)


def _train(body: str) -> str:
    return "def train(agent, optimizer, batch, args):\n" + textwrap.indent(_src(body), "    ")


def test_named_intermediate_is_no_change():
    base = _train("""
        loss = pg - args.ent_coef * ent + v
        loss.backward()
    """)
    cand = _train("""
        bonus = args.ent_coef * ent
        loss = pg - bonus + v
        loss.backward()
    """)
    assert _effect_diff(base, cand) == ([], [])


def test_branch_and_ternary_styles_are_one_value():
    base = _train("""
        for t in range(n):
            if t == n - 1:
                nnt = 1.0 - next_done
            else:
                nnt = 1.0 - dones[t + 1]
            adv[t] = r[t] + g * nnt
    """)
    cand = _train("""
        for t in range(n):
            last = t == n - 1
            nnt = 1.0 - (next_done if last else dones[t + 1])
            adv[t] = r[t] + g * nnt
    """)
    assert _effect_diff(base, cand) == ([], [])


def test_extracted_helper_with_an_early_return_is_the_inlined_code():
    helper = {"helpers.py": """
        def boot(t, n, values, next_value):
            if t == n - 1:
                return next_value
            return values[t + 1]
    """}
    base = _train("""
        for t in range(n):
            if t == n - 1:
                nv = next_value
            else:
                nv = values[t + 1]
            adv[t] = r[t] + g * nv
    """)
    cand = "from helpers import boot\n" + _train("""
        for t in range(n):
            nv = boot(t, n, values, next_value)
            adv[t] = r[t] + g * nv
    """)
    assert _effect_diff(base, cand, helper) == ([], [])


def test_dict_unpacking_and_starred_values_are_expanded():
    base = _train("""
        extra = {"lr": args.lr}
        opts = {**extra, "eps": 1e-5}
        out[0] = make(**opts)
    """)
    cand = base.replace("1e-5", "1e-8")
    only_b, only_c = _effect_diff(base, cand)
    assert only_b and only_c and "1e-08" in only_c[0].text


def test_assert_and_raise_are_one_check():
    base = _train("""
        assert len(obs.shape) == 2, "1D observations only"
        out[0] = obs
    """)
    cand = _train("""
        if len(obs.shape) != 2:
            raise ValueError("1D observations only")
        out[0] = obs
    """)
    assert _effect_diff(base, cand) == ([], [])
    changed = cand.replace("!= 2", "!= 3")
    assert _effect_diff(base, changed) != ([], [])


def test_a_changed_operand_is_a_change_and_names_the_statement():
    base = _train("""
        cpus = os.cpu_count() // 2
        workers = max(1, cpus)
        make(workers)
    """)
    cand = base.replace("// 2", "// 4")
    only_b, only_c = _effect_diff(base, cand)
    assert only_b and only_c
    assert "os.cpu_count() // 4" in only_c[0].text


def test_consistent_local_rename_and_moved_statement_are_no_unit_change():
    base = _train("""
        a = x + 1
        b = y * 2
        out[0] = a + b
    """)
    renamed = re.sub(r"\ba\b", "first", base)  # the local only: the function keeps its name
    index = _index({"t.py": base}, {"t.py": renamed})
    pair = index.changed_pairs()[0]
    fb, fc = LearningFlow(index.base), LearningFlow(index.cand)
    assert changed_units(pair, fb.units(pair.base), fc.units(pair.cand)) == []
    moved = _train("""
        b = y * 2
        a = x + 1
        out[0] = a + b
    """)
    index = _index({"t.py": base}, {"t.py": moved})
    pair = index.changed_pairs()[0]
    assert changed_units(pair, LearningFlow(index.base).units(pair.base), LearningFlow(index.cand).units(pair.cand)) == []
    swapped = base.replace("out[0] = a + b", "out[0] = a - b")
    index = _index({"t.py": base}, {"t.py": swapped})
    pair = index.changed_pairs()[0]
    changes = changed_units(pair, LearningFlow(index.base).units(pair.base), LearningFlow(index.cand).units(pair.cand))
    assert [c.kind for c in changes] == ["modified"]


def test_large_refactor_is_grouped_per_function_and_capped():
    """Thirty changed loss helpers: one finding per function, only the first eight significant."""
    def module(k: int, coef: str) -> str:
        return f"def loss_{k}(pred, target):\n    diff = pred - target\n    loss = (diff ** 2).mean() * {coef}\n    return loss\n"

    base = {f"m{k}.py": module(k, "1.0") for k in range(30)}
    cand = {f"m{k}.py": module(k, f"{k + 2}.0") for k in range(30)}  # thirty different edits
    calls = "".join(f"from m{k} import loss_{k}\n" for k in range(30))
    calls += "def step(opt, p, t):\n" + "".join(f"    l{k} = loss_{k}(p, t)\n    l{k}.backward()\n" for k in range(30))
    base["train.py"] = cand["train.py"] = calls
    result = analyse(_index(base, cand))
    assert len(result.findings) == 30
    assert sum(f.severity is Severity.significant for f in result.findings) == 8
    assert all(f.evidence[0].details["path"] == "loss" for f in result.findings)


def test_divisor_above_a_verified_expression_is_not_verified_identical():
    """The real shape: the worker count reads identical, the operand computed above it changed."""
    base = {"envs.py": """
        import os

        def default_num_envs():
            cpus = os.cpu_count() or 1
            num_workers = max(1, cpus // 2)
            return num_workers
    """, "run_all.py": """
        import gymnasium as gym
        from envs import default_num_envs

        envs = gym.vector.SyncVectorEnv([make_env for _ in range(default_num_envs())])
        obs = envs.step(actions)
    """}
    cand = dict(base)
    cand["envs.py"] = base["envs.py"].replace("cpus = os.cpu_count() or 1", "cpus = (os.cpu_count() or 1) // 4")
    b = MemoryTree({k: _src(v) for k, v in base.items()})
    c = MemoryTree({k: _src(v) for k, v in cand.items()})
    result = run_detectors(b, c, diff_trees(b, c), only={"env_count"})
    assert not [v for v in result.verified if "env_count" in v.source]
    flow = analyse(build_pairs(b, c, diff_trees(b, c)))
    assert not result.findings and len(flow.findings) == 1  # never silent: reported as a behavioural change
    assert flow.findings[0].evidence[0].details["path"] == "environment"
    # negative: the same function with an unrelated edit elsewhere stays verified identical
    cand["envs.py"] = _src(base["envs.py"]).replace("return num_workers", "print(num_workers)\n    return num_workers")
    c = MemoryTree({k: _src(v) for k, v in cand.items()})
    result = run_detectors(b, c, diff_trees(b, c), only={"env_count"})
    assert not result.failures
    assert [v for v in result.verified if "env_count" in v.source]


# -- equivalent spellings the detectors already read alike: one normalisation for both -------------
CRITIC = """
    import torch
    import torch.nn as nn
    import torch.nn.functional as F


    class Critic(nn.Module):
        def value(self, obs):
            hidden = {act}(self.fc(obs))
            return self.head(hidden)


    def update(critic, optimizer, batch):
        value_loss = ((critic.value(batch.obs) - batch.returns) ** 2).mean()
        loss = {loss}
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def _critic(act: str = "torch.relu", loss: str = "value_loss") -> dict[str, str]:
    return {"critic.py": CRITIC.replace("{act}", act).replace("{loss}", loss),
            "run_all.py": "from critic import Critic, update\nupdate(Critic(), None, None)\n"}


def test_functional_and_module_activations_are_no_behavioural_change():
    for act in ("nn.ReLU()", "F.relu", "torch.nn.functional.relu", "nn.ReLU(inplace=True)"):
        result = analyse(_index(_critic(), _critic(act=act)))
        assert result.findings == [], act


def test_arithmetic_identities_are_no_behavioural_change():
    for loss in ("1 * value_loss", "value_loss * 1", "value_loss + 0", "1.0 * value_loss / 1"):
        assert analyse(_index(_critic(), _critic(loss=loss))).findings == [], loss


def test_a_different_activation_or_weight_is_still_a_behavioural_change():
    changed = analyse(_index(_critic(), _critic(act="torch.tanh")))
    assert changed.findings and "Critic.value" in changed.findings[0].title
    weighted = analyse(_index(_critic(), _critic(loss="0.5 * value_loss")))
    assert weighted.findings and weighted.findings[0].evidence[0].details["path"] == "loss"
    sloped = analyse(_index(_critic(act="F.leaky_relu"), _critic(act="nn.LeakyReLU(0.2)")))
    assert sloped.findings  # a module built with its own slope is not the functional default


ENSEMBLE = """
    import torch
    import torch.nn.functional as F


    def critic_update(critics, optimizer, obs, target):
        critic_loss = {loss}
        optimizer.zero_grad()
        critic_loss.backward()
        optimizer.step()
"""


def _ensemble(loss: str) -> dict[str, str]:
    return {"sac.py": ENSEMBLE.replace("{loss}", loss),
            "run_all.py": "from sac import critic_update\ncritic_update([], None, None, None)\n"}


def test_a_reducer_over_a_list_or_a_generator_is_no_behavioural_change():
    """Real shape: a pyupgrade commit in stable-baselines3 turned the SAC critic loss
    `0.5 * sum([F.mse_loss(q, target) for q in qs])` into a generator argument."""
    listed = "0.5 * sum([F.mse_loss(c(obs), target) for c in critics])"
    assert analyse(_index(_ensemble(listed), _ensemble(listed.replace("([", "(").replace("])", ")")))).findings == []
    for reducer in ("max", "tuple"):
        as_list = listed.replace("sum(", f"{reducer}(")
        same = as_list.replace("([", "(").replace("])", ")")
        assert analyse(_index(_ensemble(as_list), _ensemble(same))).findings == [], reducer


def test_a_reducer_over_other_elements_or_a_set_is_a_behavioural_change():
    listed = "0.5 * sum([F.mse_loss(c(obs), target) for c in critics])"
    other = "0.5 * sum(F.smooth_l1_loss(c(obs), target) for c in critics)"
    assert analyse(_index(_ensemble(listed), _ensemble(other))).findings
    # a set comprehension drops repeated elements: not the same sum
    assert analyse(_index(_ensemble(listed), _ensemble(listed.replace("([", "({").replace("])", "})")))).findings
