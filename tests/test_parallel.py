"""The forked helper (investigator.parallel): values come back with shared objects as references, a
failing or stuck helper is a `HelperFailed`, budgets and `kill_helpers` stop it, nothing is left over."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest

from investigator import budget, parallel


class Shared:
    """An object both processes have since the fork (sent as a key)."""

    def __init__(self, name: str) -> None:
        self.name = name


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # reaped: not our child any more
    return False


def test_value_comes_back_with_shared_objects_as_this_process_objects() -> None:
    shared = {"a": Shared("a"), "b": Shared("b")}
    helper = parallel.start(lambda: {"list": [shared["a"], shared["b"], shared["a"]], "pid": os.getpid(), "n": 41 + 1},
                            lambda obj: ("shared", obj.name) if isinstance(obj, Shared) else None)
    value = parallel.wait(helper, lambda key: shared[key[1]])
    assert value["n"] == 42 and value["pid"] != os.getpid()  # computed in another process
    assert value["list"][0] is shared["a"] and value["list"][1] is shared["b"] and value["list"][2] is shared["a"]
    assert _gone(helper.pid)


def test_without_references_objects_come_back_as_copies() -> None:
    original = Shared("x")
    copy = parallel.wait(parallel.start(lambda: original))
    assert copy is not original and copy.name == "x"


@pytest.mark.parametrize("work, message", [
    (lambda: 1 / 0, "ZeroDivisionError"),
    (lambda: os._exit(3), "status"),
    (lambda: threading.Lock(), "not transferable"),
])
def test_a_failing_helper_is_helper_failed(work: Any, message: str) -> None:
    helper = parallel.start(work)
    with pytest.raises(parallel.HelperFailed, match=message):
        parallel.wait(helper)
    assert _gone(helper.pid)


def test_a_helper_over_its_budget_raises_budget_exceeded() -> None:
    def work() -> None:
        while True:
            budget.check()
            time.sleep(0.01)

    outcome = budget.run_with_budget(lambda: parallel.wait(parallel.start(work)), 0.5)
    assert outcome.timed_out


def test_the_waiter_over_its_budget_kills_the_helper() -> None:
    pids: list[int] = []

    def wait_for_sleeper() -> None:
        helper = parallel.start(lambda: time.sleep(60))
        pids.append(helper.pid)
        parallel.wait(helper)

    start = time.monotonic()
    outcome = budget.run_with_budget(wait_for_sleeper, 0.3)
    assert outcome.timed_out
    deadline = time.monotonic() + 5
    while not _gone(pids[0]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(pids[0]) and time.monotonic() - start < 5


def test_kill_helpers_stops_a_running_helper() -> None:
    helper = parallel.start(lambda: time.sleep(60))
    threading.Timer(0.2, parallel.kill_helpers).start()
    start = time.monotonic()
    with pytest.raises(budget.BudgetExceeded, match="stopped"):
        parallel.wait(helper)
    assert time.monotonic() - start < 5 and _gone(helper.pid)


def test_a_late_helper_is_killed() -> None:
    helper = parallel.start(lambda: time.sleep(60))
    with pytest.raises(parallel.HelperFailed, match="did not finish"):
        parallel.wait(helper, late_after=0.2)
    assert _gone(helper.pid)


def test_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.ENV, "1")
    assert not parallel.enabled()
    monkeypatch.setenv(parallel.ENV, "2")
    assert parallel.enabled()  # forced on, whatever the cores
    monkeypatch.setenv(parallel.ENV, "many")
    assert not parallel.enabled()
    monkeypatch.delenv(parallel.ENV)
    assert parallel.enabled() == (parallel.usable_cores() >= 2)
