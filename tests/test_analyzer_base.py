"""The Analyzer base class declares the scheduling attributes the workflow reads (`after`,
`cpu_bound`) with their defaults; objects that do not derive from it are adopted with the same
defaults, so the workflow never has to guess."""

from __future__ import annotations

import pytest

from investigator.analyzers import base
from investigator.analyzers.base import Analyzer, all_analyzers, register_analyzer
from investigator.models import AnalyzerResult


class Plain(Analyzer):
    id = "test_plain"
    title = "plain"

    def applies(self, ctx):
        return True, "test"

    def run(self, ctx):
        return AnalyzerResult(analyzer=self.id)


class Duck:  # the analyzer methods, without the base class
    def __init__(self, aid: str, **attrs: object) -> None:
        self.id, self.title = aid, "duck"
        for key, value in attrs.items():
            setattr(self, key, value)

    def applies(self, ctx):
        return False, "duck says no"

    def run(self, ctx):
        return AnalyzerResult(analyzer=self.id)


def test_base_class_defaults():
    plain = Plain()
    assert plain.after == () and plain.cpu_bound is False


def test_an_analyzer_must_implement_applies_and_run():
    class Half(Analyzer):
        id, title = "test_half", "half"

        def applies(self, ctx):
            return True, ""

    with pytest.raises(TypeError, match="run"):
        Half()  # type: ignore[abstract]


def test_product_analyzers_derive_from_the_base_class_and_declare_their_order():
    units = {a.id: a for a in all_analyzers()}
    assert {"diff_overview", "config_forensics", "code_detectors", "metric_forensics", "behavioural_change"} <= set(units)
    assert all(type(units[i]).__mro__[1] is Analyzer for i in ("diff_overview", "config_forensics", "code_detectors"))
    assert units["metric_forensics"].after == ("config_forensics",) and not units["metric_forensics"].cpu_bound
    assert units["code_detectors"].cpu_bound and units["code_detectors"].after == ()


def test_a_duck_typed_analyzer_is_adopted_with_its_own_attributes_or_the_defaults(monkeypatch):
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))
    bare, declared = Duck("test_bare"), Duck("test_declared", after=["diff_overview"], cpu_bound=True)
    assert register_analyzer(bare) is bare and register_analyzer(declared) is declared
    adopted = {a.id: a for a in all_analyzers()}
    assert isinstance(adopted["test_bare"], Analyzer)
    assert adopted["test_bare"].after == () and adopted["test_bare"].cpu_bound is False
    assert adopted["test_declared"].after == ("diff_overview",) and adopted["test_declared"].cpu_bound is True
    assert adopted["test_bare"].applies(None) == (False, "duck says no")  # type: ignore[arg-type]
    assert adopted["test_bare"].run(None).analyzer == "test_bare"  # type: ignore[arg-type]


def test_an_id_registered_twice_is_refused_but_re_registering_the_same_object_is_not(monkeypatch):
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))
    first = Plain()
    register_analyzer(first)
    register_analyzer(first)
    with pytest.raises(ValueError, match="registered twice: test_plain"):
        register_analyzer(Plain())
