"""Repeated features: the one left over must be on the edited line."""

from __future__ import annotations

from types import SimpleNamespace

from investigator.detectors.base import Feature, multiset_diff


def _feature(key, line, fn_line=1):
    site = SimpleNamespace(line=line, fn=SimpleNamespace(lineno=fn_line))
    return Feature(key, site, str(key))  # type: ignore[arg-type]


def test_repeated_feature_left_over_is_the_edited_one():
    # baseline: values[t+1] on line 18, values[t] on line 19; candidate: values[t] on 18 (edited) and 19
    base = [_feature("v+1", 18), _feature("v", 19)]
    cand = [_feature("v", 18), _feature("v", 19)]
    only_base, only_cand = multiset_diff(base, cand)
    assert [f.site.line for f in only_base] == [18]
    assert [f.site.line for f in only_cand] == [18]


def test_counts_still_matter_when_positions_moved():
    base = [_feature("v", 5)]
    cand = [_feature("v", 30), _feature("v", 40)]  # lines shifted: fall back to order
    only_base, only_cand = multiset_diff(base, cand)
    assert only_base == [] and [f.site.line for f in only_cand] == [40]
    assert multiset_diff(cand, cand) == ([], [])
