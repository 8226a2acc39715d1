"""No-effect reasons said of changes the comparison did not cover (flow/falsequiet.py), each with its negative.

1. A `raise` replaced by code: the branch that failed now runs (rlgraph 70b14a64..428fc136 SACAgent.update).
2. A dynamic-dispatch stop at a method the repository defines by name, whose body reaches training (AReaL
   19fec3bd..4aef98d8 `sm.on_version_recovered(...)`).
3. An import rebound to a module the repository does not have (mujoco_playground 462053ac..d5e6b475
   `wrapper_torch`), and one rebound to another module that exists.
4. A module's public top-level values changed where no function of the module reads them (diffuser
   c26d1d37..7ea42286 config/locomotion.py)."""

from __future__ import annotations

from tests.flow.support import flow_result

AGENT = """
import logging

logger = logging.getLogger(__name__)


class Agent:
    def __init__(self, executor, root):
        self.executor = executor
        self.root = root

    def update(self, batch=None):
        if batch is None:
            ret = self.executor.execute((self.root.update_from_memory, [64]))
        else:
            raise NotImplementedError
        return ret["actor_loss"], ret["critic_loss"]


def run(agent, batches):
    for batch in batches:
        actor_loss, critic_loss = agent.update(batch)
        logger.info("losses %f %f", actor_loss, critic_loss)


def main(executor, root, batches):
    run(Agent(executor, root), batches)
"""

AGENT_RUNS = AGENT.replace(
    "            raise NotImplementedError\n",
    "            ret = self.executor.execute((self.root.update_from_external_batch, [batch[\"states\"]]))\n")


def _no_effect_reasons(result, needle: str) -> list[str]:
    return [n.reason for n in result.no_effect if needle in n.title]


def test_a_replaced_raise_is_not_logging_only() -> None:
    result = flow_result({"agents/agent.py": AGENT}, {"agents/agent.py": AGENT_RUNS})
    assert not any("reach only logging" in r or "reach no loss" in r
                   for r in _no_effect_reasons(result, "Agent.update")), [n.reason for n in result.no_effect]
    assert any("replaces a `raise`" in f.rationale for f in result.findings), [f.title for f in result.findings]


def test_a_raise_that_stays_a_raise_is_not_this_rule() -> None:
    cand = AGENT.replace("raise NotImplementedError\n", "raise NotImplementedError(\"external batches\")\n")
    result = flow_result({"agents/agent.py": AGENT}, {"agents/agent.py": cand})
    assert not any("replaces a `raise`" in f.rationale for f in result.findings), [f.title for f in result.findings]


TRAINER = """
import random


class StalenessManager:
    def __init__(self, max_rollouts, consumer_bs):
        self.max_rollouts = max_rollouts
        self.consumer_bs = consumer_bs
        self.accepted = 0

    def capacity(self):
        return self.max_rollouts - self.accepted

    def on_version_recovered(self, version):
        self.accepted = version * self.consumer_bs


class Executor:
    def __init__(self, manager):
        self.staleness_manager = manager
        self.pending = []

    def drain(self):
        count = self.staleness_manager.capacity()
        selected = self.pending[:count]
        random.shuffle(selected)
        return selected


class Trainer:
    def __init__(self, rollout, recover_info):
        self.rollout = rollout
        self.recover_info = recover_info


def main(rollout, info):
    Trainer(rollout, info)
    return Executor(StalenessManager(8, 4)).drain()
"""

RECOVERED = TRAINER.replace("        self.recover_info = recover_info\n", """        self.recover_info = recover_info
        if self.recover_info is not None:
            version = self.recover_info.last_step
            sm = self.rollout.staleness_manager
            if sm is not None:
                sm.on_version_recovered(version)
""")


def test_a_method_called_by_name_that_reaches_sampling_is_not_no_effect() -> None:
    result = flow_result({"infra/trainer.py": TRAINER}, {"infra/trainer.py": RECOVERED})
    assert not any("reach no loss" in r for r in _no_effect_reasons(result, "Trainer.__init__")), \
        [n.reason for n in result.no_effect]
    found = [f for f in result.findings if "Trainer.__init__" in f.title]
    assert found and "on_version_recovered" in found[0].rationale, [f.title for f in result.findings]


def test_a_method_called_by_name_that_only_logs_stays_no_effect() -> None:
    base = TRAINER.replace("        self.accepted = version * self.consumer_bs",
                           "        print(\"recovered at\", version)")
    cand = RECOVERED.replace("        self.accepted = version * self.consumer_bs",
                             "        print(\"recovered at\", version)")
    result = flow_result({"infra/trainer.py": base}, {"infra/trainer.py": cand})
    assert not [f for f in result.findings if "Trainer.__init__" in f.title], [f.title for f in result.findings]


INIT = """
from pkg._src import registry
from pkg._src import wrapper_torch

__all__ = ["registry", "wrapper_torch"]
"""

INIT_MISSING = """
import importlib

from pkg._src import registry

try:
    wrapper_torch = importlib.import_module("pkg.rss2025._src.wrapper_torch")
except (ImportError, AttributeError):
    wrapper_torch = None

__all__ = ["registry"]
if wrapper_torch is not None:
    __all__.append("wrapper_torch")
"""

TRAIN = """
from pkg import wrapper_torch


def main(env):
    return wrapper_torch.Wrapper(env)
"""


def _tree(init: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"pkg/__init__.py": init, "pkg/_src/__init__.py": "", "pkg/_src/registry.py": "X = 1\n",
            "pkg/_src/wrapper_torch.py": "class Wrapper:\n    pass\n", "learning/train.py": TRAIN, **(extra or {})}


def test_an_import_of_a_missing_module_is_a_finding() -> None:
    result = flow_result(_tree(INIT), _tree(INIT_MISSING))
    assert not any("same effects" in n.reason for n in result.no_effect), [n.reason for n in result.no_effect]
    found = [f for f in result.findings if "missing from the repository" in f.title]
    assert found and found[0].severity.value == "significant", [f.title for f in result.findings]
    assert any(loc.path == "learning/train.py" for loc in found[0].locations)


def test_an_import_of_a_module_the_tree_has_is_no_missing_module() -> None:
    cand = INIT_MISSING.replace("pkg.rss2025._src.wrapper_torch", "pkg._src.wrapper_torch2")
    extra = {"pkg/_src/wrapper_torch2.py": "class Wrapper:\n    pass\n"}
    result = flow_result(_tree(INIT, extra), _tree(cand, extra))
    assert not [f for f in result.findings if "missing from the repository" in f.title]
    # rebound to another module: the comparison did not model it, so it is not "same effects" either
    assert not any("same effects" in n.reason for n in result.no_effect), [n.reason for n in result.no_effect]


MODULE = """
import os

LOGBASE = "logs"
scale = 0.001
"""


def test_a_restructured_module_stays_same_effects() -> None:
    base = MODULE + "factor = 2\nbase = {'scale': scale * factor, 'root': os.path.join(LOGBASE, 'x')}\n"
    cand = MODULE + "base = {'scale': scale * 2, 'root': os.path.join(LOGBASE, 'x')}\n"
    result = flow_result({"config/locomotion.py": base}, {"config/locomotion.py": cand})
    assert any("same effects" in n.reason for n in result.no_effect), [n.reason for n in result.no_effect]


PARSER = "class Parser:\n    config: str = 'config.locomotion'\n"


def test_a_changed_public_config_value_is_not_same_effects() -> None:
    base = MODULE + "factor = 2\nbase = {'normalizer': 'LimitsNormalizer', 'scale': scale * factor}\n"
    cand = MODULE + "base = {'normalizer': 'GaussianNormalizer', 'scale': scale * 2}\n"
    result = flow_result({"config/locomotion.py": base, "scripts/train.py": PARSER},
                         {"config/locomotion.py": cand, "scripts/train.py": PARSER})
    assert not any("same effects" in n.reason for n in result.no_effect), [n.reason for n in result.no_effect]


def test_a_changed_value_of_a_module_nothing_names_stays_same_effects() -> None:
    """A script's own top-level value that neither its functions nor any other file read (the negative)."""
    base = MODULE + "factor = 2\nbase = {'normalizer': 'LimitsNormalizer', 'scale': scale * factor}\n"
    cand = MODULE + "base = {'normalizer': 'GaussianNormalizer', 'scale': scale * 2}\n"
    result = flow_result({"config/locomotion.py": base, "scripts/train.py": "X = 1\n"},
                         {"config/locomotion.py": cand, "scripts/train.py": "X = 1\n"})
    assert any("same effects" in n.reason for n in result.no_effect), [n.reason for n in result.no_effect]


def test_a_builtin_or_module_method_name_is_not_followed_by_name() -> None:
    """DexterousHands bd3b8547..dc41afd1 bidexhands/train.py: `eval('process_{}'.format(algo))(...)` is Python's
    `eval`, not the project's `Runner.eval`; likewise `model.eval()` / `model.train()`."""
    base, cand = (t.replace("on_version_recovered", "eval") for t in (TRAINER, RECOVERED))
    result = flow_result({"infra/trainer.py": base}, {"infra/trainer.py": cand})
    assert not any("repository's method of that name" in f.rationale for f in result.findings), \
        [f.title for f in result.findings]


def test_a_raise_replaced_by_a_reraise_is_not_this_rule() -> None:
    """planet 27e776cd..c04226b6 planet/training/running.py: `raise e` -> `six.reraise(*exc_info)`."""
    cand = AGENT.replace("            raise NotImplementedError\n", "            six.reraise(*sys.exc_info())\n")
    result = flow_result({"agents/agent.py": AGENT}, {"agents/agent.py": cand})
    assert not any("replaces a `raise`" in f.rationale for f in result.findings), [f.title for f in result.findings]


def test_a_raise_moved_into_an_extracted_abstract_hook_is_not_this_rule() -> None:
    """d3rlpy 41d80f7a..6e4a5b26 d3rlpy/base.py: `create_impl`'s `raise NotImplementedError` moved into the new
    `_create_impl` it calls."""
    cand = AGENT.replace("            raise NotImplementedError\n", "            ret = self._external(batch)\n").replace(
        "    def update(self, batch=None):", "    def _external(self, batch):\n        raise NotImplementedError\n\n"
        "    def update(self, batch=None):")
    result = flow_result({"agents/agent.py": AGENT}, {"agents/agent.py": cand})
    assert not any("replaces a `raise`" in f.rationale for f in result.findings), [f.title for f in result.findings]


TF_UTIL = "def softmax(x, axis=None):\n    return x\n"
DISTS = """import numpy as np
import {mod} as U


def make_pdtype(n):
    return U.softmax(np.zeros(n))
"""
PD_TRAINER = "from agentpkg.common.distributions import make_pdtype\n\n\ndef build(n):\n    return make_pdtype(n)\n"


def _maddpg(mod: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    tree = {"agentpkg/__init__.py": "", "agentpkg/common/__init__.py": "", "agentpkg/common/tf_util.py": TF_UTIL,
            "agentpkg/common/distributions.py": DISTS.format(mod=mod), "agentpkg/trainer/maddpg.py": PD_TRAINER}
    tree.update(extra or {})
    return tree


def test_an_import_under_an_old_package_name_repaired_is_a_finding() -> None:
    """maddpg e110c9e2..3ceefa0a: `import multiagent_rl.common.tf_util as U` -> `import maddpg.common.tf_util`."""
    result = flow_result(_maddpg("oldrl.common.tf_util"), _maddpg("agentpkg.common.tf_util"))
    found = [f for f in result.findings if "a module the repository does not have" in f.title]
    assert found and found[0].severity.value == "significant", [f.title for f in result.findings]
    assert any(loc.path == "agentpkg/trainer/maddpg.py" for loc in found[0].locations)


def test_a_declared_library_replaced_by_the_own_module_is_no_repaired_import() -> None:
    """The same rebinding where a declared dependency provides the baseline's module (a library vendored)."""
    extra = {"requirements.txt": "numpy\noldrl>=1.0\n"}
    result = flow_result(_maddpg("oldrl.common.tf_util", extra), _maddpg("agentpkg.common.tf_util", extra))
    assert not [f for f in result.findings if "a module the repository does not have" in f.title]


def test_a_module_of_another_path_is_no_repaired_import() -> None:
    """A library module whose path the repository does not mirror (`oldrl.nn.ops`) stays out of this rule."""
    result = flow_result(_maddpg("oldrl.nn.ops"), _maddpg("agentpkg.common.tf_util"))
    assert not [f for f in result.findings if "a module the repository does not have" in f.title]


RUBRIC_ENV = '''
class Rubric:
    def __init__(self):
        self.funcs = []

    def add_func(self, f):
        self.funcs.append(f)


class GymEnv:
    def __init__(self, dataset):
        self.dataset = dataset
        rubric = Rubric()

        def {name}(completion, answer, **kwargs):
            entry = self.dataset[answer]
            return {ret}

        rubric.add_func({name})
        self.rubric = rubric
'''


def _rubric(name: str, ret: str) -> tuple[dict[str, str], dict[str, str]]:
    text = RUBRIC_ENV.format(name=name, ret=ret)
    return {"envs/gym_env.py": text}, {"envs/gym_env.py": text.replace("self.dataset[answer]",
                                                                        "self.dataset[int(answer)]")}


def test_a_reward_function_handed_on_as_a_value_is_not_no_effect() -> None:
    """verifiers 0305d0a8..39f0675a: the reasoning-gym reward function registered with `rubric.add_reward_func`."""
    result = flow_result(*_rubric("check_answer_reward_func", "float(entry == completion)"))
    assert not any("reach no loss" in r for r in _no_effect_reasons(result, "check_answer_reward_func"))
    found = [f for f in result.findings if "check_answer_reward_func" in f.title]
    assert found and "reward" in found[0].title, [f.title for f in result.findings]


def test_a_formatting_function_handed_on_as_a_value_stays_no_effect() -> None:
    """The same callback shape, named for no learning quantity: still no effect, with the stop named."""
    result = flow_result(*_rubric("format_answer", "str(entry)"))
    assert not [f for f in result.findings if "format_answer" in f.title], [f.title for f in result.findings]
    reasons = _no_effect_reasons(result, "format_answer")
    assert reasons and all("handed on as a value" in r for r in reasons), reasons
