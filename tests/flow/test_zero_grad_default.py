"""`zero_grad(set_to_none=True)` -> `zero_grad()`: the same call (its default since torch 2.0).

Real shape (CORL, a later commit of the range): the keyword dropped from every optimizer of an IQL
script was reported as three significant "Behavioural change in the optimizer path" findings,
ranked above the real regression. `set_to_none=False` keeps zero tensors instead: a change.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import AnalyzerResult, Severity
from tests.flow.test_equivalence import _index

UPDATE = """
    import torch


    def update(model, optimizer, batches):
        for x, y in batches:
            loss = ((model(x) - y) ** 2).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()


    update(None, None, [])
"""


def _analyse(new: str) -> AnalyzerResult:
    return analyse(_index({"t.py": UPDATE}, {"t.py": UPDATE.replace("optimizer.zero_grad(set_to_none=True)", new)}))


def test_dropping_the_default_keyword_is_no_change():
    result = _analyse("optimizer.zero_grad()")
    assert result.findings == []
    assert any(n.title.startswith("Restructured code") for n in result.no_effect)


def test_set_to_none_false_is_a_change():
    (f,) = _analyse("optimizer.zero_grad(set_to_none=False)").findings
    assert f.title.startswith("Behavioural change in the optimizer path")
    assert f.severity is Severity.significant
