"""Code moved from a method of another object into its caller is compared with that method's body.

Real shape (rsl_rl, the `rsl-teacher-input-dim` range of the mined-bug benchmark): at the baseline
`PPO.compute_returns` calls `self.storage.compute_returns(last_values, self.gamma, self.lam, ...)`
and the GAE loop lives in `RolloutStorage.compute_returns` (a class a package `__init__`
re-exports); at the candidate the loop lives in `PPO.compute_returns`, written through
`st = self.storage`, and the storage class lost its method. `self.storage` was declared
`RolloutStorage | None` and built by `init_storage`; at the candidate it is a constructor parameter
annotated `RolloutStorage`. The detectors resolved `self.method(...)` and imported functions but not
`self.<attr>.method(...)`: five findings called the moved GAE "added" (done flag, done masking, time
indexing, returns target, advantage normalisation), the top findings of that range.
"""

from __future__ import annotations

import ast

from investigator.detectors.attrs import attribute_class, self_aliases
from investigator.detectors.flow import Flow
from investigator.flow.analyzer import analyse
from investigator.flow.graph import LearningFlow
from tests.detectors.helpers import run_on
from tests.flow.test_equivalence import _index

STORAGE = """
    import torch


    class RolloutStorage:
        def __init__(self, num_envs, num_steps, device="cpu"):
            self.num_steps = num_steps
            self.rewards = torch.zeros(num_steps, num_envs, device=device)
            self.values = torch.zeros(num_steps, num_envs, device=device)
            self.dones = torch.zeros(num_steps, num_envs, device=device)
            self.returns = torch.zeros(num_steps, num_envs, device=device)
            self.advantages = torch.zeros(num_steps, num_envs, device=device)

        def compute_returns(self, last_values, gamma, lam, normalize_advantage=True):
            advantage = 0
            for step in reversed(range(self.num_steps)):
                next_values = last_values if step == self.num_steps - 1 else self.values[step + 1]
                next_is_not_terminal = 1.0 - self.dones[step].float()
                delta = self.rewards[step] + next_is_not_terminal * gamma * next_values - self.values[step]
                advantage = delta + next_is_not_terminal * gamma * lam * advantage
                self.returns[step] = advantage + self.values[step]
            self.advantages = self.returns - self.values
            if normalize_advantage:
                self.advantages = (self.advantages - self.advantages.mean()) / (self.advantages.std() + 1e-8)

        def mini_batches(self, n):
            idx = torch.randperm(self.num_steps)
            for chunk in idx.chunk(n):
                yield self.values[chunk], self.returns[chunk], self.advantages[chunk]
"""
_GAE = STORAGE[STORAGE.index("        def compute_returns"):STORAGE.index("        def mini_batches")]
STORAGE_CAND = STORAGE.replace(_GAE, "")

PPO = """
    import torch

    from algo.storage import RolloutStorage


    class PPO:
        def __init__(self, policy, optimizer, gamma=0.99, lam=0.95, per_minibatch=False):
            self.policy = policy
            self.optimizer = optimizer
            self.gamma = gamma
            self.lam = lam
            self.per_minibatch = per_minibatch
            self.storage: RolloutStorage | None = None

        def init_storage(self, num_envs, num_steps):
            self.storage = RolloutStorage(num_envs, num_steps)

        def compute_returns(self, obs):
            last_values = self.policy.evaluate(obs).detach()
            self.storage.compute_returns(last_values, self.gamma, self.lam, normalize_advantage=not self.per_minibatch)

        def update(self):
            for values, returns, advantages in self.storage.mini_batches(4):
                loss = (returns - self.policy.value(values)).pow(2).mean() - advantages.mean()
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
"""

PPO_CAND = """
    import torch

    from algo.storage import RolloutStorage


    class PPO:
        def __init__(self, policy, optimizer, storage: RolloutStorage, gamma=0.99, lam=0.95, per_minibatch=False):
            self.policy = policy
            self.optimizer = optimizer
            self.gamma = gamma
            self.lam = lam
            self.per_minibatch = per_minibatch
            self.storage = storage

        def compute_returns(self, obs):
            st = self.storage
            last_values = self.policy.evaluate(obs).detach()
            advantage = 0
            for step in reversed(range(st.num_steps)):
                next_values = last_values if step == st.num_steps - 1 else st.values[step + 1]
                next_is_not_terminal = 1.0 - st.dones[step].float()
                delta = st.rewards[step] + next_is_not_terminal * self.gamma * next_values - st.values[step]
                advantage = delta + next_is_not_terminal * self.gamma * self.lam * advantage
                st.returns[step] = advantage + st.values[step]
            st.advantages = st.returns - st.values
            if not self.per_minibatch:
                st.advantages = (st.advantages - st.advantages.mean()) / (st.advantages.std() + 1e-8)

        def update(self):
            for values, returns, advantages in self.storage.mini_batches(4):
                loss = (returns - self.policy.value(values)).pow(2).mean() - advantages.mean()
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
"""

MAIN = """
    from algo.ppo import PPO


    def main(policy, optimizer, env):
        algo = PPO(policy, optimizer)
        algo.init_storage(8, 24)
        obs = env.reset()
        for it in range(100):
            obs, rew, done, info = env.step(policy.act(obs))
            algo.compute_returns(obs)
            algo.update()
"""

MAIN_CAND = """
    from algo.ppo import PPO
    from algo.storage import RolloutStorage


    def main(policy, optimizer, env):
        algo = PPO(policy, optimizer, RolloutStorage(8, 24))
        obs = env.reset()
        for it in range(100):
            obs, rew, done, info = env.step(policy.act(obs))
            algo.compute_returns(obs)
            algo.update()
"""

PACKAGE = "from algo.storage.rollout import RolloutStorage\n"
GAE_DETECTORS = {"done_signal", "done_mask", "gae_index", "returns_target", "adv_norm"}


def _trees(ppo_cand: str = PPO_CAND, storage_cand: str = STORAGE_CAND, ppo: str = PPO):
    base = {"algo/__init__.py": "", "algo/storage/__init__.py": PACKAGE, "algo/storage/rollout.py": STORAGE,
            "algo/ppo.py": ppo, "main.py": MAIN}
    cand = {"algo/__init__.py": "", "algo/storage/__init__.py": PACKAGE, "algo/storage/rollout.py": storage_cand,
            "algo/ppo.py": ppo_cand, "main.py": MAIN_CAND}
    return base, cand


def _gae_findings(base: dict[str, str], cand: dict[str, str]):
    return run_on(base, cand, only=GAE_DETECTORS)


def _returns_findings(base: dict[str, str], cand: dict[str, str]):
    result = analyse(_index(base, cand))
    return result, [f for f in result.findings if "compute_returns" in f.title]


# -- the attribute's class, and aliases of it ------------------------------------------------------
def _fn(files: dict[str, str], path: str, qualname: str):
    index = _index(files, files)
    module = index.base.module(path)
    assert module is not None
    return index.base, module.functions[qualname]


def test_the_class_of_an_attribute_comes_from_its_class_code() -> None:
    _, fn = _fn(_trees()[0], "algo/ppo.py", "PPO.compute_returns")
    known = attribute_class(fn, "storage")
    assert known is not None and known.name == "RolloutStorage" and known.exact  # declared, and built there
    _, fn = _fn(_trees()[1], "algo/ppo.py", "PPO.compute_returns")
    known = attribute_class(fn, "storage")
    assert known is not None and known.name == "RolloutStorage" and not known.exact  # an annotated parameter
    assert self_aliases(fn) == {"st": "storage"}
    level = PPO_CAND.replace("    class PPO:\n", "    class PPO:\n        storage: 'RolloutStorage'\n\n") \
        .replace("storage: RolloutStorage, gamma", "storage, gamma")
    _, fn = _fn({**_trees()[1], "algo/ppo.py": level}, "algo/ppo.py", "PPO.compute_returns")
    known = attribute_class(fn, "storage")
    assert known is not None and known.name == "RolloutStorage"  # a class-level annotation (as a string)


def test_an_attribute_of_unknown_class_says_why() -> None:
    unknown = PPO_CAND.replace("storage: RolloutStorage, gamma", "storage, gamma")
    _, fn = _fn({**_trees()[1], "algo/ppo.py": unknown}, "algo/ppo.py", "PPO.compute_returns")
    known = attribute_class(fn, "storage")
    assert known is not None and not known.written and "parameter `storage`" in known.why
    assert attribute_class(fn, "never_assigned") is None
    two = PPO.replace("self.storage = RolloutStorage(num_envs, num_steps)",
                      "self.storage = RolloutStorage(num_envs, num_steps) if num_envs else OtherStorage()")
    _, fn = _fn({**_trees()[0], "algo/ppo.py": two}, "algo/ppo.py", "PPO.compute_returns")
    known = attribute_class(fn, "storage")
    assert known is not None and known.name == "RolloutStorage"  # the declaration says which
    undeclared = PPO.replace("self.storage: RolloutStorage | None = None", "self.storage = None").replace(
        "        def compute_returns", "        def reset(self):\n            self.storage = make_storage()\n\n"
        "        def compute_returns")
    _, fn = _fn({**_trees()[0], "algo/ppo.py": undeclared}, "algo/ppo.py", "PPO.compute_returns")
    known = attribute_class(fn, "storage")
    assert known is not None and not known.written and "also assigned `make_storage()`" in known.why, known
    built = undeclared.replace("self.storage = make_storage()", "self.storage = RolloutStorage(1, 2)")
    _, fn = _fn({**_trees()[0], "algo/ppo.py": built}, "algo/ppo.py", "PPO.compute_returns")
    known = attribute_class(fn, "storage")
    assert known is not None and known.name == "RolloutStorage" and known.exact  # built by one class only


def test_a_reassigned_alias_is_not_an_alias() -> None:
    again = PPO_CAND.replace("            last_values = self.policy.evaluate(obs).detach()\n",
                             "            last_values = self.policy.evaluate(obs).detach()\n"
                             "            st = self.shadow_storage\n")
    _, fn = _fn({**_trees()[1], "algo/ppo.py": again}, "algo/ppo.py", "PPO.compute_returns")
    assert self_aliases(fn) == {}
    stored = PPO_CAND.replace("            advantage = 0\n", "            advantage = 0\n            self.storage = None\n")
    _, fn = _fn({**_trees()[1], "algo/ppo.py": stored}, "algo/ppo.py", "PPO.compute_returns")
    assert self_aliases(fn) == {}  # the attribute itself is rebound in the function


def test_a_method_of_an_attribute_resolves_across_a_package_reexport() -> None:
    side, fn = _fn(_trees()[0], "algo/ppo.py", "PPO.compute_returns")
    call = next(n for n in ast.walk(fn.node) if isinstance(n, ast.Call) and ast.unparse(n.func).endswith(
        "storage.compute_returns"))
    callee = Flow(side).resolve(call, fn)
    assert callee is not None and callee.qualname == "RolloutStorage.compute_returns"
    assert callee.path == "algo/storage/rollout.py"


def test_a_declared_base_class_whose_subclasses_override_the_method_is_not_resolved() -> None:
    """rsl_rl's `self.distribution: Distribution | None = dist_class(...)`: the configured subclass's
    `init_mlp_weights` runs, not the base's `pass`."""
    model = """
        class Distribution:
            def init_weights(self, mlp):
                pass


        class Gaussian(Distribution):
            def init_weights(self, mlp):
                mlp.bias.fill_(0.5)


        class Model:
            def __init__(self, dist_class, mlp):
                self.distribution: Distribution | None = dist_class()
                self.mlp = mlp
                self.distribution.init_weights(self.mlp)
    """
    side, fn = _fn({"m.py": model}, "m.py", "Model.__init__")
    call = next(n for n in ast.walk(fn.node) if isinstance(n, ast.Call) and ast.unparse(n.func).endswith("init_weights"))
    assert Flow(side).resolve(call, fn) is None
    built = model.replace("self.distribution: Distribution | None = dist_class()", "self.distribution = Gaussian()")
    side, fn = _fn({"m.py": built}, "m.py", "Model.__init__")
    call = next(n for n in ast.walk(fn.node) if isinstance(n, ast.Call) and ast.unparse(n.func).endswith("init_weights"))
    found = Flow(side).resolve(call, fn)
    assert found is not None and found.qualname == "Gaussian.init_weights"  # built by that class: exact


# -- detectors -------------------------------------------------------------------------------------
def test_detectors_compare_inlined_code_with_the_callees_old_body() -> None:
    base, cand = _trees()
    assert [f.title for f in _gae_findings(base, cand).findings] == []


def test_detectors_find_a_change_made_while_inlining() -> None:
    base, cand = _trees(PPO_CAND.replace("advantage = delta + next_is_not_terminal * self.gamma",
                                         "advantage = delta + self.gamma"))
    found = _gae_findings(base, cand).findings
    masking = [f for f in found if f.title.startswith("Done masking removed")]
    assert masking, [f.title for f in found]
    assert not any(" added" in f.title for f in found), [f.title for f in found]
    sides = {loc.side: loc.path for loc in masking[0].locations}
    assert sides == {"baseline": "algo/storage/rollout.py", "candidate": "algo/ppo.py"}, masking[0].locations


def test_an_attribute_of_unknown_class_keeps_the_old_reading() -> None:
    """Nothing says what `self.storage` holds: the baseline's call is not followed (as before this
    rule), so the moved code reads as added; the flow records where it stops."""
    ppo = PPO.replace("self.storage: RolloutStorage | None = None", "self.storage = None") \
        .replace("self.storage = RolloutStorage(num_envs, num_steps)", "self.storage = make_storage(num_envs)")
    base, cand = _trees(PPO_CAND.replace("storage: RolloutStorage, gamma", "storage, gamma"), ppo=ppo)
    titles = [f.title for f in _gae_findings(base, cand).findings]
    assert any(t.endswith("added to the return/advantage computation") for t in titles), titles
    index = _index(base, cand)
    flow = LearningFlow(index.base)
    fn = index.base.module("algo/ppo.py").functions["PPO.compute_returns"]  # type: ignore[union-attr]
    stops = flow.stops_of(flow.units(fn))
    assert any("the class of `self.storage` is not known from `PPO`'s code" in s and "make_storage" in s
               for s in stops), stops


# -- behavioural changes ---------------------------------------------------------------------------
def test_inlined_code_identical_to_the_callee_is_a_moved_note() -> None:
    result, found = _returns_findings(*_trees())
    assert found == [], [f.title for f in found]
    notes = [n for n in result.no_effect if "inlined into" in n.title]
    assert notes and "RolloutStorage.compute_returns" in notes[0].title, [n.title for n in result.no_effect]
    assert "algo/storage/rollout.py" in notes[0].reason


def test_a_change_made_while_inlining_is_reported_against_the_callee_statement() -> None:
    base, cand = _trees(PPO_CAND.replace("next_is_not_terminal * self.gamma * next_values",
                                         "next_is_not_terminal * 0.9 * next_values"))
    result, found = _returns_findings(base, cand)
    assert len(found) == 1 and found[0].severity.value == "significant", [f.title for f in result.findings]
    f = found[0]
    assert "(" not in f.title.split("`PPO.compute_returns`")[1], f.title  # one statement, not the whole loop
    sides = {loc.side: (loc.path, loc.line) for loc in f.locations}
    assert sides["baseline"][0] == "algo/storage/rollout.py" and sides["candidate"][0] == "algo/ppo.py", sides
    assert "gamma" in f.evidence[0].summary and "0.9" in f.evidence[0].summary, f.evidence[0].summary
    assert not [n for n in result.no_effect if "inlined into" in n.title]


def test_code_extracted_into_a_method_of_another_object_is_the_same() -> None:
    """The reverse move: the caller's loop becomes `self.storage.compute_returns(...)`."""
    base, cand = _trees()
    result, found = _returns_findings(cand, base)
    assert found == [], [f.title for f in found]
    assert [n for n in result.no_effect if "extracted from" in n.title], [n.title for n in result.no_effect]
    assert [f.title for f in _gae_findings(cand, base).findings] == []


def test_an_alias_reassigned_in_between_is_not_the_callees_object() -> None:
    """`st` is rebound to another buffer before the loop: what the loop writes is not the storage the
    baseline's callee wrote, so nothing is matched as moved."""
    again = PPO_CAND.replace("            advantage = 0\n", "            st = self.shadow\n            advantage = 0\n")
    base, cand = _trees(again)
    result, found = _returns_findings(base, cand)
    assert not [n for n in result.no_effect if "inlined into" in n.title], [n.title for n in result.no_effect]
    # fewer than half of the callee's statements read alike (those through `st` do not): the loop is
    # compared as new code, as before this rule, and stays reported
    assert len(found) == 1, [f.title for f in result.findings]
    assert "added `advantage = delta" in found[0].evidence[0].summary, found[0].evidence[0].summary


def test_a_helper_of_the_same_class_inlined_into_its_caller_is_a_moved_note() -> None:
    """The same rule for `self.helper(...)`: no receiver to bind, the helper's parameters are."""
    helper = PPO_CAND.replace(
        "        def compute_returns(self, obs):\n            st = self.storage\n",
        "        def compute_returns(self, obs):\n            last_values = self.policy.evaluate(obs).detach()\n"
        "            self._advantages(last_values)\n\n"
        "        def _advantages(self, last_values):\n            st = self.storage\n",
    ).replace("            self._advantages(last_values)\n\n        def _advantages(self, last_values):\n"
              "            st = self.storage\n            last_values = self.policy.evaluate(obs).detach()\n",
              "            self._advantages(last_values)\n\n        def _advantages(self, last_values):\n"
              "            st = self.storage\n")
    assert "def _advantages(self, last_values):" in helper and "self._advantages(last_values)" in helper
    base, cand = _trees()
    result, found = _returns_findings({**cand, "algo/ppo.py": helper}, cand)
    assert found == [], [f.title for f in found]
    assert [n for n in result.no_effect if "PPO._advantages` inlined into" in n.title], \
        [n.title for n in result.no_effect]


# -- a call followed at one commit only ------------------------------------------------------------
ALGO = """
    from impl import Impl


    class Algo:
        def __init__(self):
            self._impl: Impl | None = None

        def build(self):
            self._impl = Impl()

        def update(self, batch):
            loss = self._impl.update(batch)
            return {"loss": loss}
"""

IMPL = """
    class Impl:
        def update(self, batch):
            target = batch.rewards + 0.99 * (1.0 - batch.dones) * batch.next_values
            loss = ((batch.values - target) ** 2).mean()
            loss.backward()
            return float(loss)
"""


def test_a_call_whose_receiver_class_is_known_at_one_commit_only_is_not_followed() -> None:
    """d3rlpy's v1 -> v2 refactor: `self._impl.update(batch)` at both commits, `self._impl` declared
    `Optional[<Impl>]` at the baseline and set by a generic base class at the candidate. Followed at the
    baseline only, the impl's done masking read as removed (critical)."""
    generic = ALGO.replace("        def __init__(self):\n            self._impl: Impl | None = None\n\n"
                           "        def build(self):\n            self._impl = Impl()\n\n", "")
    generic = generic.replace("class Algo:", "class Algo(Base):").replace("from impl import Impl",
                                                                         "from base import Base")
    generic = generic.replace('return {"loss": loss}', 'self.steps += 1\n            return {"loss": loss}')
    base = {"algo.py": ALGO, "impl.py": IMPL, "base.py": "class Base:\n    def build(self, impl):\n        self._impl = impl\n"}
    cand = {**base, "algo.py": generic}
    found = [f.title for f in run_on(base, cand, only=GAE_DETECTORS | {"target_network"}).findings]
    assert found == [], found
    # known at both commits: followed at both, and a real change in the impl is found there
    masked = {**base, "impl.py": IMPL.replace("0.99 * (1.0 - batch.dones) * batch.next_values",
                                              "0.99 * batch.next_values")}
    found = [f.title for f in run_on(base, masked, only=GAE_DETECTORS).findings]
    assert any("Done masking removed" in t for t in found), found


QIMPL = """
    class QFunction:
        def compute_error(self, batch, target, gamma):
            td_sum = 0.0
            for q in self.q_funcs:
                td_sum += ((q(batch.obs) - (batch.rewards + gamma * target)) ** 2).mean()
            return td_sum


    class DQNImpl:
        def __init__(self, gamma):
            self._q = QFunction()
            self._gamma = gamma

        def compute_loss(self, batch, target):
            assert self._q is not None
            return self._q.compute_error(batch, target, gamma=self._gamma ** batch.n_steps)

        def update(self, batch, target):
            loss = self.compute_loss(batch, target)
            loss.backward()
            return float(loss)


    def train(batches, target):
        impl = DQNImpl(0.99)
        for batch in batches:
            impl.update(batch, target)
"""


def test_a_changed_argument_of_a_method_inlined_in_a_returned_expression_is_on_the_loss_path() -> None:
    """d3rlpy v1.1.1..v2.0.2 shape: `return self._q_func.compute_error(..., gamma=self._gamma ** batch.n_steps)`
    with the `assert` dropped. With `self._q_func`'s class known the call is inlined; the effects it
    produces (an ensemble's summed loss: the value returned is the loop's accumulator, the same name at
    both commits) come from the `return` statement, which stays the change on the loss path when its
    argument changes value (the real range renamed the field, `batch.intervals`: no change, see
    tests/flow/test_field_rename.py)."""
    cand = QIMPL.replace("            assert self._q is not None\n", "").replace("batch.n_steps", "(batch.n_steps + 1)")
    result = analyse(_index({"q.py": QIMPL}, {"q.py": cand}))
    found = [f for f in result.findings if "compute_loss" in f.title]
    assert found and found[0].title.startswith("Behavioural change in the loss path"), \
        [f.title for f in result.findings] + [n.title + " | " + n.reason for n in result.no_effect]
    assert "gamma=self._gamma ** (batch.n_steps + 1)" in found[0].evidence[0].summary, found[0].evidence[0].summary
