"""Rank's guard verdicts shared with a forked helper (investigator/detectors/guard_shares.py): the verdicts of
one process in finding order, the helper's half really computed elsewhere, an exception a finding raises in the
helper's half raised here as in one process, a dying helper replaced, blobs the helper could not read carried
back, and `apply_guards` on real guard shapes (dead, live, lowered, config findings) identical in one and two
processes."""

from __future__ import annotations

import os

import pytest

from investigator.detectors import guard_shares
from investigator.detectors.guards import apply_guards
from investigator.models import AnalyzerResult
from investigator.request import InvestigationRequest
from tests.detectors.test_guards import PLAY, _changeset, _finding, _train

PARENT = os.getpid()


@pytest.fixture()
def two(monkeypatch):
    monkeypatch.setenv("INVESTIGATOR_PROCESSES", "2")
    monkeypatch.setattr(guard_shares, "MIN_SPLIT_FINDINGS", 1)


class Snap:
    def __init__(self) -> None:
        self.missing: dict[str, str] = {}


def test_verdicts_in_order_half_from_the_helper(two):
    items = list(range(9))
    got = guard_shares.judged_in_two(items, lambda k: (k * k, os.getpid() != PARENT), [Snap()])
    assert [v for v, _ in got] == [k * k for k in items]
    assert [elsewhere for _, elsewhere in got] == [False] * 5 + [True] * 4


def test_one_process_below_the_threshold_or_switched_off(monkeypatch):
    assert all(not e for _, e in guard_shares.judged_in_two(list(range(guard_shares.MIN_SPLIT_FINDINGS - 1)), lambda k: (k, os.getpid() != PARENT), []))
    monkeypatch.setenv("INVESTIGATOR_PROCESSES", "1")
    monkeypatch.setattr(guard_shares, "MIN_SPLIT_FINDINGS", 1)
    assert all(not e for _, e in guard_shares.judged_in_two(list(range(9)), lambda k: (k, os.getpid() != PARENT), []))


def test_an_exception_in_the_helpers_half_is_raised_here(two):
    def judge(k):
        if k == 7:
            raise KeyError("finding 7")
        return k

    with pytest.raises(KeyError, match="finding 7"):
        guard_shares.judged_in_two(list(range(9)), judge, [])


def test_a_dying_helper_is_replaced(two):
    def judge(k):
        if os.getpid() != PARENT:
            os._exit(3)
        return -k

    assert guard_shares.judged_in_two(list(range(9)), judge, []) == [-k for k in range(9)]


def test_blobs_the_helper_could_not_read_are_carried_back(two):
    snaps = [Snap(), Snap()]

    def judge(k):
        snaps[k % 2].missing[f"sha{k}"] = "offline"
        return k

    assert guard_shares.judged_in_two(list(range(6)), judge, snaps) == list(range(6))
    assert snaps[0].missing == {"sha0": "offline", "sha2": "offline", "sha4": "offline"}
    assert snaps[1].missing == {"sha1": "offline", "sha3": "offline", "sha5": "offline"}


def test_apply_guards_in_two_processes_is_the_one_process_result(tmp_path, monkeypatch):
    files = {"train.py": _train(default="True"), "tools/play.py": PLAY.format(norm="0.5", lr="0.1"),
             "algo.py": _train(default="False")}
    cs = _changeset(tmp_path, files, {"tools/play.py": PLAY.format(norm="0.5", lr="0.5"),
                                      "algo.py": _train(default="False", norm="5.0")})
    request = InvestigationRequest(repo=str(tmp_path / "r"), baseline_commit="HEAD~1", baseline_entry="algo.py",
                                   candidate_entry="algo.py")
    lines = {p: len(t.splitlines()) for p, t in files.items()}
    results = {
        "flow": AnalyzerResult(analyzer="flow", findings=[
            _finding(kind, p, n) for p, count in lines.items() for n in range(1, count + 1) for kind in ("code", "config")]),
        "code_detectors": AnalyzerResult(analyzer="code_detectors", findings=[
            _finding("code", p, n, source="detectors.x") for p, count in lines.items() for n in range(1, count + 1, 3)]),
    }
    monkeypatch.setenv("INVESTIGATOR_PROCESSES", "1")
    one = apply_guards(results, cs, request)
    monkeypatch.setenv("INVESTIGATOR_PROCESSES", "2")
    monkeypatch.setattr(guard_shares, "MIN_SPLIT_FINDINGS", 1)
    calls = []
    real = guard_shares._judged
    monkeypatch.setattr(guard_shares, "_judged", lambda *a: calls.append(os.getpid()) or real(*a))
    split = apply_guards(results, cs, request)
    assert calls == [PARENT]  # this process judged one half; the helper (whose call is not seen here) the other
    assert {k: r.model_dump() for k, r in split.items()} == {k: r.model_dump() for k, r in one.items()}
    dead = [n for r in one.values() for n in r.no_effect]
    assert dead and any(r.findings for r in one.values())  # both answers occur
