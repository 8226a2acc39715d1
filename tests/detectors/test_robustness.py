"""Bad input never stops the analysis: it is recorded as an AnalyzerFailure."""

from __future__ import annotations

import pytest

from investigator.detectors import base as detector_base
from investigator.detectors.base import get_detector
from tests.detectors.helpers import run_on

GOOD = "import torch.nn as nn\n\n\ndef step(m, opt, loss):\n    loss.backward()\n    nn.utils.clip_grad_norm_(m.parameters(), 0.5)\n    opt.step()\n"
BAD = GOOD.replace("0.5)", "5.0)")


def test_a_detector_that_raises_is_a_failure_and_the_others_still_run(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = get_detector("grad_order")

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(broken, "run", explode)
    result = run_on({"a.py": GOOD}, {"a.py": BAD})
    assert any(f.source == "code_detectors.grad_order" and "boom" in f.message for f in result.failures)
    assert [f.source for f in result.findings] == ["code_detectors.grad_clip"]
    assert detector_base._REGISTRY["grad_order"] is broken


def test_pathologically_deep_code_is_a_failure_not_a_crash() -> None:
    deep = "def f(x):\n    return " + " + ".join(["x"] * 6000) + "\n"
    result = run_on({"a.py": GOOD, "deep.py": deep}, {"a.py": BAD, "deep.py": deep.replace("x\n", "x + 1\n")})
    assert [f.source for f in result.findings] == ["code_detectors.grad_clip"]
    assert result.failures  # recorded, whichever stage hit the limit


def test_deleted_files_are_handled() -> None:
    result = run_on({"a.py": GOOD, "old.py": "def g():\n    return 2\n"}, {"a.py": GOOD + "\n# note\n"})
    assert not result.findings and not result.failures
