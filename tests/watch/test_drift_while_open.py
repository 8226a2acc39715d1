"""The change-point test while a step's alert is open (tick.py `_drift_while_open`): a slow drift that
goes on after a step regression is found over the history measured since the step's alert opened and
alerted on its own (kind drift, its change point inside the drift), the step is not alerted twice,
and a step followed by noise only opens nothing more (generated histories, `tests/support/watch_sim.py`)."""

from __future__ import annotations

from pathlib import Path

from investigator.watch.state import Store
from tests.support.bisect_sim import sha
from tests.support.watch_sim import SimBranch, position, steps
from tests.watch.test_tick import Capture, _tick

HEADS = range(0, 61, 3)  # a tick every 3 commits


def _run(tmp_path: Path, levels: list[float]) -> tuple[Store, Capture]:
    store, cap = Store(str(tmp_path / "w.db")), Capture()
    branch = SimBranch(levels, noise=1.0, trial=1)
    for head in HEADS:
        _tick(store, branch, head, cap)
    return store, cap


def test_a_drift_after_an_open_step_is_its_own_alert(tmp_path: Path) -> None:
    # -15 % at commit 10 (never fixed), then -20 % more, linearly over commits 30..90
    store, cap = _run(tmp_path, steps(90, changes={10: 0.85}, drift=(30, 90, 0.2)))
    opened = [m for m in cap.messages if m.event == "opened"]
    assert [m.kind for m in opened] == ["regression", "drift"], [(m.event, m.kind, m.alert_id) for m in cap.messages]
    step, slow = opened
    assert step.alert_id == f"sim:{sha(10)}" and step.culprit is not None and step.culprit["sha"] == sha(10)
    assert slow.culprit is not None and 30 < position(slow.culprit["sha"]) <= position(slow.head) <= 60
    assert f"while `{sha(10)[:7]}` is open" in slow.summary and "E-divisive" in slow.summary
    assert position(slow.reference) >= 12  # measured against a level after the step, not before it
    assert slow.metric is not None and slow.metric["relative_change"] <= -0.05
    w = store.watch("sim")
    assert w is not None
    alerts = store.alerts(w.id)
    assert [(a.kind, a.status) for a in alerts] == [("regression", "open"), ("drift", "open")]  # the step once


def test_a_step_followed_by_noise_opens_nothing_more(tmp_path: Path) -> None:
    store, cap = _run(tmp_path, steps(90, changes={10: 0.85}))
    assert [(m.event, m.kind) for m in cap.messages] == [("opened", "regression")]
    w = store.watch("sim")
    assert w is not None and len(store.alerts(w.id)) == 1
