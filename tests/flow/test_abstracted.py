"""A base-class method made abstract while every subclass defines its own.

Real shape (d3rlpy v1.1.1 -> v2.0.2): `OptimizerFactory.create` returned `self._optim_cls(params, lr=lr,
**self._optim_kwargs)` for every subclass; v2 made it `raise NotImplementedError` and gave each factory
(`AdamFactory`, `SGDFactory`, ...) its own `create`. The base pair was "Behavioural change in the optimizer
path: `OptimizerFactory.create`", significant. Negative: a subclass that does not define the method now
raises, so the base pair stays a change.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from tests.flow.test_equivalence import _index

BASE = '''
from torch.optim import SGD, Adam


class OptimizerFactory:
    def __init__(self, optim_cls, **kwargs):
        self._optim_cls = optim_cls
        self._optim_kwargs = kwargs

    def create(self, params, lr):
        return self._optim_cls(params, lr=lr, **self._optim_kwargs)


class AdamFactory(OptimizerFactory):
    def __init__(self, eps=1e-8):
        super().__init__(optim_cls=Adam, eps=eps)


class SGDFactory(OptimizerFactory):
    def __init__(self, momentum=0.0):
        super().__init__(optim_cls=SGD, momentum=momentum)
'''
CAND = '''
import dataclasses

from torch.optim import SGD, Adam


@dataclasses.dataclass()
class OptimizerFactory:
    def create(self, params, lr):
        """Builds the optimizer."""
        raise NotImplementedError


@dataclasses.dataclass()
class AdamFactory(OptimizerFactory):
    eps: float = 1e-8

    def create(self, params, lr):
        return Adam(params, lr=lr, eps=self.eps)


@dataclasses.dataclass()
class SGDFactory(OptimizerFactory):
    momentum: float = 0.0
{sgd_create}
'''
SGD_CREATE = '''
    def create(self, params, lr):
        return SGD(params, lr=lr, momentum=self.momentum)
'''
TRAIN = '''
from optimizers import AdamFactory


def main(model, batches):
    optim = AdamFactory().create(model.parameters(), lr=1e-3)
    for batch in batches:
        loss = model(batch).mean()
        optim.zero_grad()
        loss.backward()
        optim.step()
'''


def _run(sgd_create: str):
    result = analyse(_index({"optimizers.py": BASE, "train.py": TRAIN},
                            {"optimizers.py": CAND.format(sgd_create=sgd_create), "train.py": TRAIN}))
    return [f.title for f in result.findings if "OptimizerFactory.create" in f.title], result


def test_a_base_method_made_abstract_where_every_subclass_defines_its_own_is_no_change() -> None:
    found, result = _run(SGD_CREATE)
    assert not found
    assert any(n.title.startswith("Made abstract in") and "`AdamFactory`, `SGDFactory`" in n.reason
               for n in result.no_effect)


def test_a_subclass_left_without_the_method_keeps_the_base_change() -> None:
    found, result = _run("")
    assert not any(n.title.startswith("Made abstract in") for n in result.no_effect)
