"""An algorithm handed its built networks and optimizer instead of the factories it built them from.

Real shape (d3rlpy v1.1.1 -> v2.0.2: `IQLImpl.__init__`, `BEARImpl.__init__`, `FQEBaseImpl.__init__`,
`CQLImpl.__init__`, significant "loss path" findings once the dataclass refactor was recognised): the
1.x constructor stored `self._encoder_factory = encoder_factory`, `self._learning_rate = ...` and
`self._q_func = None` (set by a subclass's `_build_network`, `self._targ_q_func = copy.deepcopy(...)` by
`build()`); 2.0 takes `q_func` and `optim` and stores them, the caller builds them. A rewritten
constructor pairs the stores of different attributes, so each statement is judged on its own.
Negatives: a dropped argument some candidate method still reads, an argument the candidate still takes
but no longer stores.
"""

from __future__ import annotations

from investigator.models import Severity
from tests.flow.support import flow_result

BASE = '''
import copy

import torch


class ImplBase:
    def __init__(self, policy_factory, learning_rate, gamma):
        self._policy_factory = policy_factory
        self._learning_rate = learning_rate
        self._gamma = gamma
        self._policy = None
        self._targ_policy = None
        self._optim = None

    def build(self):
        self._build_network()
        self._targ_policy = copy.deepcopy(self._policy)
        self._optim = torch.optim.Adam(self._policy.parameters(), lr=self._learning_rate)

    def update(self, obs, rew):
        target = rew + self._gamma * self._targ_policy(obs).detach()
        loss = (self._policy(obs) - target).pow(2).mean()
        self._optim.zero_grad()
        loss.backward()
        self._optim.step()


class Impl(ImplBase):
    def _build_network(self):
        self._policy = self._policy_factory.create()


def train(factory, data):
    impl = Impl(factory, 1e-3, 0.99)
    impl.build()
    for obs, rew in data:
        impl.update(obs, rew)


if __name__ == "__main__":
    train(None, [])
'''

CAND = '''
import copy

import torch


class ImplBase:
    def __init__(self, policy, optim, {params}):
{gamma}        self._policy = policy
        self._targ_policy = copy.deepcopy(policy)
        self._optim = optim

    def update(self, obs, rew):
        target = rew + {gamma_read} * self._targ_policy(obs).detach()
        loss = (self._policy(obs) - target).pow(2).mean(){extra}
        self._optim.zero_grad()
        loss.backward()
        self._optim.step()


class Impl(ImplBase):
    pass


def train(factory, data):
    policy = factory.create()
    impl = Impl(policy, torch.optim.Adam(policy.parameters(), lr=1e-3), 0.99)
    for obs, rew in data:
        impl.update(obs, rew)


if __name__ == "__main__":
    train(None, [])
'''


def _init(params: str = "gamma", gamma: str = "        self._gamma = gamma\n", gamma_read: str = "self._gamma",
          extra: str = ""):
    cand = CAND.replace("{params}", params).replace("{gamma}", gamma).replace("{gamma_read}", gamma_read)
    result = flow_result({"algo.py": BASE}, {"algo.py": cand.replace("{extra}", extra)})
    return [f for f in result.findings if "`ImplBase.__init__`" in f.title]


def test_factories_and_placeholders_replaced_by_injected_modules_are_low() -> None:
    found = _init()
    assert len(found) == 1 and found[0].severity is Severity.low, [(f.title, f.severity) for f in found]
    assert "constructor argument `policy_factory`" in found[0].rationale
    assert "placeholder" in found[0].rationale and "`copy.deepcopy" not in found[0].rationale


def test_a_dropped_argument_a_candidate_method_still_reads_stays_significant() -> None:
    found = _init(extra=" * self._learning_rate")
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]


def test_an_argument_still_taken_but_no_longer_stored_stays_significant() -> None:
    found = _init(gamma="", gamma_read="0.99")
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]


ROOT = '''
class Root:
    def __init__(self, learning_rate=1e-3):
        self._learning_rate = learning_rate

    def lr(self):
        return self._learning_rate
'''


def test_a_dropped_argument_a_base_class_elsewhere_keeps_stays_significant() -> None:
    # real shape (tianshou): `self.lr_scheduler = lr_scheduler` left a subclass because the base class
    # in another module now stores and reads it; the subclass's store is no retired factory argument
    cand = CAND.replace("{params}", "gamma").replace("{gamma}", "        self._gamma = gamma\n")
    cand = cand.replace("{gamma_read}", "self._gamma").replace("{extra}", "")
    cand = cand.replace("import torch\n", "import torch\n\nfrom root import Root\n", 1)
    cand = cand.replace("class ImplBase:", "class ImplBase(Root):")
    result = flow_result({"algo.py": BASE, "root.py": ROOT}, {"algo.py": cand, "root.py": ROOT})
    found = [f for f in result.findings if "`ImplBase.__init__`" in f.title]
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]
