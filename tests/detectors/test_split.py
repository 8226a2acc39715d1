"""The code detectors' pair checks on two processes (detectors/split.py) give one process's result.

A generated range of many changed training files (clip, discount, entropy, gradient order, detach,
callees in other files, a callee module that no longer parses at one commit) is analysed with the
pairs shared with a forked helper and in one process (`INVESTIGATOR_PROCESSES=1`): the results are
identical, findings, order, failures and all. A detector that raises in the helper's share fails as
in one process (the exception of its first failing pair, none of its hits) and the other detectors'
hits are kept; a helper that dies is replaced by checking its share here.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from investigator import parallel
from investigator.detectors import split
from investigator.detectors.base import all_detectors
from investigator.detectors.engine import run_detectors
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.playbooks_lib.schema import load_playbooks

TRAIN = '''
import torch
from helpers_{i} import scale_{i}
from broken import legacy_{i}


def compute_loss(ratio, adv, values, returns, entropy):
    clipped = torch.clamp(ratio, 1 - {clip}, 1 + {clip})
    policy = -torch.min(ratio * adv, clipped * adv).mean()
    value = ((values - returns) ** 2).mean()
    return policy + 0.5 * value - {ent} * entropy.mean()


def gae(rewards, values, dones, gamma, lam):
    last = 0.0
    adv = [0.0] * len(rewards)
    for t in reversed(range(len(rewards) - 1)):
        delta = rewards[t] + gamma * {next_value} - values[t]
        adv[t] = last = delta + gamma * lam * (1.0 - dones[t + 1]) * last
    return scale_{i}(adv)


def update(model, optimizer, batch):
{update}


def target(q_next, reward, done):
    return reward + 0.99 * {detach}.max(-1)[0] * (1 - done)


def old_path(x):
    return legacy_{i}(x)
'''

UPDATE_OK = '''    optimizer.zero_grad()
    loss = compute_loss(*batch)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    optimizer.step()'''
UPDATE_BAD = '''    loss = compute_loss(*batch)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()'''

HELPER = '''
def scale_{i}(values):
    return [v * {factor} for v in values]
'''

BROKEN_OK = "".join(f"def legacy_{i}(x):\n    return x * 2\n\n\n" for i in range(40))
BROKEN_BAD = "def legacy_0(x:\n    return x\n"  # no longer parses at the candidate


def _files(n: int, cand: bool) -> dict[str, str]:
    files: dict[str, str] = {}
    for i in range(n):
        changed = cand and i % 5 != 4  # every fifth file unchanged
        kind = i % 4
        files[f"algo/train_{i}.py"] = TRAIN.format(
            i=i,
            clip=0.3 if changed and kind == 0 else 0.2,
            ent=0.0 if changed and kind == 1 else 0.01,
            next_value=("values[t] * (1.0 - dones[t + 1])" if changed and kind == 0 else
                        "values[t + 1]" if changed and kind == 1 else "values[t + 1] * (1.0 - dones[t + 1])"),
            update=UPDATE_BAD if changed and kind in (2, 3) else UPDATE_OK,
            detach="q_next" if changed and kind in (1, 3) else "q_next.detach()",
        )
        files[f"helpers_{i}.py"] = HELPER.format(i=i, factor=2.0 if cand and i % 3 == 0 else 1.0)
    files["broken.py"] = BROKEN_BAD if cand else BROKEN_OK
    files["run_all.py"] = "".join(f"from algo.train_{i} import gae, target, update\nupdate(None, None, None)\n"
                                  f"gae([], [], [], 0.99, 0.95)\ntarget(None, None, None)\n" for i in range(n))
    return files


def _run(n: int = 16) -> dict[str, Any]:
    base, cand = MemoryTree(_files(n, False)), MemoryTree(_files(n, True))
    result = run_detectors(base, cand, diff_trees(base, cand), load_playbooks())
    dump = result.model_dump(mode="json")
    dump.pop("duration_s", None)
    return dump


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Helpers started (pids); the split from 2 changed pairs on, forced on whatever the cores."""
    monkeypatch.setattr(split, "MIN_SPLIT_PAIRS", 2)
    monkeypatch.setenv(parallel.ENV, "2")
    started: list[int] = []
    real = parallel.start

    def start(work: Any, persistent_id: Any = None) -> parallel.Helper:
        helper = real(work, persistent_id)
        started.append(helper.pid)
        return helper

    monkeypatch.setattr(parallel, "start", start)
    return started


def _single(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    with monkeypatch.context() as m:
        m.setenv(parallel.ENV, "1")
        return _run()


def test_two_processes_give_the_one_process_result(forks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    shared = _run()
    assert len(forks) == 1
    single = _single(monkeypatch)
    assert len(forks) == 1  # the switch: no helper
    assert shared == single
    sources = {f["source"] for f in shared["findings"]}
    assert len(shared["findings"]) >= 15 and len(sources) >= 3, sources
    assert any("broken.py" in (f.get("path") or "") or "broken.py" in f["message"] for f in shared["failures"])
    with pytest.raises(ChildProcessError):  # reaped: no zombie left
        os.waitpid(forks[0], os.WNOHANG)


def test_a_detector_failing_in_the_helper_is_recorded_as_in_one_process(
        forks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    victim = next(d for d in all_detectors() if d.per_pair and d.meta.id == "grad_order")
    real_check, real_shares = type(victim).check_pair, split.shares
    bad: list[str] = []  # the files of the helper's share (known before the fork)

    def shares(ctx: Any, indices: list[int]) -> tuple[list[int], list[int]]:
        mine, theirs = real_shares(ctx, indices)
        bad.extend(sorted({ctx.pairs.pairs[k].cand.path for k in theirs}))
        return mine, theirs

    def check_pair(self: Any, pair: Any, ctx: Any) -> Any:
        if pair.cand is not None and pair.cand.path in bad and pair.cand.name == "update":
            raise RuntimeError(f"broken on {pair.cand.path}")
        return real_check(self, pair, ctx)

    monkeypatch.setattr(split, "shares", shares)
    monkeypatch.setattr(type(victim), "check_pair", check_pair)
    shared = _run()
    assert len(forks) == 1 and bad
    single = _single(monkeypatch)  # the same files fail, in this one process
    assert shared == single
    failures = [f for f in shared["failures"] if f["source"].endswith(".grad_order")]
    assert len(failures) == 1 and failures[0]["message"] in {f"RuntimeError('broken on {p}')" for p in bad}
    assert not any(f["source"].endswith(".grad_order") for f in shared["findings"])
    clipped = {f["locations"][0]["path"] for f in shared["findings"] if f["source"].endswith(".grad_clip")}
    assert clipped & set(bad) and clipped - set(bad)  # the other detectors' hits of both shares are kept


def test_a_helper_that_dies_is_replaced_by_this_process(forks: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    parent = os.getpid()
    real = split.check_share

    def check_share(*args: Any) -> Any:
        if os.getpid() != parent:
            os._exit(3)  # the helper dies without a word
        return real(*args)

    monkeypatch.setattr(split, "check_share", check_share)
    shared = _run()
    assert len(forks) == 1
    assert shared == _single(monkeypatch)


def test_too_few_pairs_or_switched_off_stay_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> Any:
        raise AssertionError("no helper expected")

    monkeypatch.setattr(parallel, "start", refuse)
    monkeypatch.setenv(parallel.ENV, "1")
    assert _run(4)["findings"]
    monkeypatch.setenv(parallel.ENV, "2")
    assert split.MIN_SPLIT_PAIRS > 12  # 4 files: 12 changed pairs at most
    assert _run(4)["findings"]
