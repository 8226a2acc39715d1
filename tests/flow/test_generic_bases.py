"""A subclass of a subscripted generic base (`class AWAC(QLearningAlgoBase[AWACImpl, AWACConfig])`).

Real shape (d3rlpy v1.1.1 -> v2.0.2): the base's `update` calls `self.inner_update(batch)` and logs the
metrics dict it returns; `AWAC.inner_update` went from `actor_loss, mean_std = self._impl.update_actor(batch)`
to `actor_loss = self._impl.update_actor(batch)` and dropped `mean_std` from the metrics. The class
header's base list was split at the `,` inside the brackets, so `AWAC` had no base, `self.inner_update`
in the base was no caller of the override, and the change was "Behavioural change in the loss path"
(the flow stopped: "no caller of `AWAC.inner_update` found"). With the base read as `QLearningAlgoBase`,
the metrics reach only the logger. Negative: a loss change inside an override reached through such a
base is still reported.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from tests.flow.test_equivalence import _index

IMPL = '''
class ActorImpl:
    def __init__(self, policy, q_func, optimizer):
        self._policy = policy
        self._q_func = q_func
        self._optimizer = optimizer

    def update_actor(self, batch):
        self._optimizer.zero_grad()
        loss = -self._q_func(batch, self._policy(batch)).mean()
        loss.backward()
        self._optimizer.step()
        {ret}
'''
BASE = '''
from typing import Generic, TypeVar

TImpl = TypeVar("TImpl")
TConfig = TypeVar("TConfig")


class AlgoBase(Generic[TImpl, TConfig]):
    def update(self, batch):
        return self.inner_update(batch)

    def fit(self, batches, logger):
        for batch in batches:
            metrics = self.update(batch)
            for name, value in metrics.items():
                logger.add_metric(name, value)
'''
ALGO = '''
from base import AlgoBase
from impl import ActorImpl


class Algo(AlgoBase[ActorImpl, dict]):
    def __init__(self, factory):
        self._impl = factory.build()

    def inner_update(self, batch):
        metrics = {{}}
        {unpack} = self._impl.update_actor({arg})
        metrics.update({metrics})
        return metrics
'''
MAIN = '''
from algo import Algo


def main(factory, batches, logger):
    algo = Algo(factory)
    algo.fit(batches, logger)
'''
TWO = "return loss.cpu().detach().numpy(), self._policy.log_std.exp().mean().item()"
ONE = "return float(loss.cpu().detach().numpy())"


def _titles(arg: str = "batch") -> list[str]:
    base = {"impl.py": IMPL.replace("{ret}", TWO), "base.py": BASE, "main.py": MAIN,
            "algo.py": ALGO.format(unpack="actor_loss, mean_std", arg="batch",
                                   metrics='{"actor_loss": actor_loss, "mean_std": mean_std}')}
    cand = {"impl.py": IMPL.replace("{ret}", ONE), "base.py": BASE, "main.py": MAIN,
            "algo.py": ALGO.format(unpack="actor_loss", arg=arg, metrics='{"actor_loss": actor_loss}')}
    return [f.title for f in analyse(_index(base, cand)).findings if "inner_update" in f.title]


def test_an_override_called_through_a_subscripted_generic_base_is_followed_to_the_logger() -> None:
    assert not _titles()


CRITIC = '''
from base import AlgoBase
from impl import ActorImpl


class Critic(AlgoBase[ActorImpl, dict]):
    def __init__(self, q_func, optimizer):
        self._q_func = q_func
        self._optimizer = optimizer

    def inner_update(self, batch):
        self._optimizer.zero_grad()
        loss = (self._q_func(batch) - batch.rewards).pow(2).mean() * {scale}
        loss.backward()
        self._optimizer.step()
        return {{"loss": float(loss)}}
'''
CRITIC_MAIN = '''
from critic import Critic


def main(q_func, optimizer, batches, logger):
    Critic(q_func, optimizer).fit(batches, logger)
'''


def test_a_loss_change_in_an_override_called_through_a_generic_base_is_still_reported() -> None:
    base = {"impl.py": IMPL.replace("{ret}", ONE), "base.py": BASE, "main.py": CRITIC_MAIN,
            "critic.py": CRITIC.format(scale="1.0")}
    cand = {**base, "critic.py": CRITIC.format(scale="0.5")}
    found = [f for f in analyse(_index(base, cand)).findings if "Critic.inner_update" in f.title]
    assert found and "loss" in found[0].title
