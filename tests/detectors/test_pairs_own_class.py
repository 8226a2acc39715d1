"""A method renamed across a release pairs with its own class's counterpart, not a closer text of a
class that is gone.

Real shape (d3rlpy v1.1.1 -> v2.0.2, every `_update` renamed `inner_update` and the files moved): the
dynamics model's `_update` (class removed) read `loss = self._impl.update(batch)`, textually closer to
the new `_BCBase.inner_update` (`loss = self._impl.update_imitator(batch)`) than `_BCBase._update`
(`update_imitator(batch.observations, batch.actions)`): the dynamics' call was compared with the
imitator's ("loss path", the range's second finding) and `_BCBase._update` left unpaired. Negatives:
without the own class's method the closest text still pairs; a class renamed as a whole keeps its pairs.
"""

from __future__ import annotations

from tests.flow.support import pair_index

BC_BASE = '''
class _BCBase:
    def _update(self, batch):
        assert self._impl is not None, IMPL_NOT_INITIALIZED_ERROR
        loss = self._impl.update_imitator(batch.observations, batch.actions)
        return {"loss": loss}
'''

DYNAMICS = '''
class ProbabilisticEnsembleDynamics:
    def _update(self, batch):
        assert self._impl is not None, IMPL_NOT_INITIALIZED_ERROR
        loss = self._impl.update(batch)
        return {"loss": loss}
'''

BC_CAND = '''
class _BCBase:
    def inner_update(self, batch):
        assert self._impl is not None, IMPL_NOT_INITIALIZED_ERROR
        loss = self._impl.update_imitator(batch)
        return {"loss": loss}
'''


def _pairs(base: dict[str, str], cand: dict[str, str]) -> dict[str, str | None]:
    index = pair_index(base, cand)
    return {p.base.qualname: (p.cand.qualname if p.cand else None) for p in index.pairs if p.base is not None}


def test_a_renamed_method_pairs_within_its_own_class() -> None:
    pairs = _pairs({"algos/bc.py": BC_BASE, "dynamics/ensemble.py": DYNAMICS},
                   {"algos/qlearning/bc.py": BC_CAND})
    assert pairs["_BCBase._update"] == "_BCBase.inner_update"
    assert pairs["ProbabilisticEnsembleDynamics._update"] is None


def test_without_the_own_classes_method_the_closest_text_still_pairs() -> None:
    pairs = _pairs({"dynamics/ensemble.py": DYNAMICS, "algos/other.py": "X = 1\n"},
                   {"algos/qlearning/bc.py": BC_CAND, "algos/other.py": "X = 2\n"})
    assert pairs["ProbabilisticEnsembleDynamics._update"] == "_BCBase.inner_update"


def test_a_class_renamed_as_a_whole_keeps_its_pairs() -> None:
    pairs = _pairs({"algos/bc.py": BC_BASE}, {"algos/qlearning/bc.py": BC_CAND.replace("_BCBase", "BCBase")})
    assert pairs["_BCBase._update"] == "BCBase.inner_update"
