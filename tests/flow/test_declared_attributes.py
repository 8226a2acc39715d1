"""A bare class-level annotation of an attribute the class's methods assign is a type declaration.

Real shape (d3rlpy, a later commit of a range): `_policy: NonSquashedNormalPolicy` added to an
algorithm implementation whose `_build_actor` sets `self._policy = ...` was reported as a
significant "Behavioural change in the loss path". It declares a type, nothing runs. A bare
annotation the methods do not assign may be a field (a pydantic model gains `lr: float`): it counts.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.flow.classbody import class_body_pairs
from tests.flow.test_equivalence import _index

IMPL = """
    import torch


    class Impl:
        _beta: float

        def __init__(self, beta):
            self._beta = beta
            self._policy = None

        def build(self, model):
            self._policy = model

        def loss(self, x):
            return (self._policy(x) * self._beta).mean()


    def train(impl, batches, optimizer):
        for x in batches:
            loss = impl.loss(x)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


    train(Impl(1.0), [], None)
"""
CONFIG = """
    from pydantic import BaseModel


    class Config(BaseModel):
        gamma: float = 0.99
"""


def test_declaration_of_an_assigned_attribute_is_no_change():
    cand = IMPL.replace("        _beta: float\n", "        _beta: float\n        _policy: torch.nn.Module\n")
    index = _index({"impl.py": IMPL}, {"impl.py": cand})
    assert class_body_pairs(index) == []
    assert analyse(index).findings == []


def test_a_changed_declaration_type_is_no_change_either():
    cand = IMPL.replace("_beta: float", "_beta: int")
    assert class_body_pairs(_index({"impl.py": IMPL}, {"impl.py": cand})) == []


def test_a_bare_field_of_a_model_class_still_counts():
    cand = CONFIG.replace("gamma: float = 0.99\n", "gamma: float = 0.99\n        lr: float\n")
    pairs = class_body_pairs(_index({"config.py": CONFIG}, {"config.py": cand}))
    assert [p.cand.qualname for p in pairs if p.cand] == ["Config"]


SUBCLASSED = IMPL.replace('''    def train(impl,''', '''    class ContinuousImpl(Impl):
        _beta: float

        def extra(self):
            return self._beta


    def train(impl,''').replace("train(Impl(1.0), [], None)", "train(Impl(1.0), [], None)\n    train(ContinuousImpl(1.0), [], None)")


def test_a_subclass_narrowing_an_attribute_its_base_assigns_is_no_change():
    """d3rlpy 2.0: `FQEImpl(FQEBaseImpl)` declares `_q_func: EnsembleContinuousQFunction`, which
    `FQEBaseImpl.__init__` (same module) assigns: "Behavioural change in the loss path: `FQEImpl`"."""
    cand = SUBCLASSED.replace("    class ContinuousImpl(Impl):\n        _beta: float\n",
                              "    class ContinuousImpl(Impl):\n        _beta: float\n        _policy: torch.nn.Module\n")
    index = _index({"impl.py": SUBCLASSED}, {"impl.py": cand})
    assert class_body_pairs(index) == []


def test_a_bare_annotation_no_class_of_the_chain_assigns_still_counts():
    cand = SUBCLASSED.replace("    class ContinuousImpl(Impl):\n        _beta: float\n",
                              "    class ContinuousImpl(Impl):\n        _beta: float\n        lr: float\n")
    pairs = class_body_pairs(_index({"impl.py": SUBCLASSED}, {"impl.py": cand}))
    assert [p.cand.qualname for p in pairs if p.cand] == ["ContinuousImpl"]


def test_a_private_bare_annotation_of_a_plain_class_is_a_declaration():
    """`BEARImpl(SACImpl)` (the base in another module) narrows `_policy: SquashedNormalPolicy`."""
    base = "from sac import SACImpl\n\n\nclass BEARImpl(SACImpl):\n    _alpha: float\n"
    cand = base + "    _policy: SquashedNormalPolicy\n"
    assert class_body_pairs(_index({"bear.py": base}, {"bear.py": cand})) == []


def test_a_private_bare_annotation_of_a_dataclass_still_counts():
    base = "import dataclasses\n\n\n@dataclasses.dataclass\nclass Batch:\n    obs: list\n"
    cand = base + "    _weights: list\n"
    pairs = class_body_pairs(_index({"batch.py": base}, {"batch.py": cand}))
    assert [p.cand.qualname for p in pairs if p.cand] == ["Batch"]
