"""The behavioural-change analyzer's pairs computed in two processes (flow/shares.py) give one
process's result: findings and no-effect items (restructured code, a statement moved into a function
of another file, computed by the other process) in the same order; a pair that raises is the same recorded failure; the work budget
cuts at the same pair; a helper that dies is replaced by this process."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest

from investigator import parallel
from investigator.flow import analyzer as flow_analyzer
from investigator.flow import shares
from investigator.flow.analyzer import analyse
from tests.flow.support import pair_index

AGENT = """
from net_{i} import Network{i}


class Agent{i}:
    def preproc(self, obs):
        obs = obs.float() / 255.0
        {permute}
        return obs

    def calc_gradients(self, model, batch, optimizer):
        values = Network{i}().forward({{'obs': self.preproc(batch.obs)}})
        scale = {scale}
        loss = values.mean() * scale
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""

NETWORK = """
class Network{i}:
    def forward(self, obs_dict):
        obs = obs_dict['obs']
        {moved}
        return self.body(obs)
"""

MODELS = """
import torch.nn as nn


class Default{i}(nn.Module):
    def __init__(self, env, hidden_size=128):
        super().__init__()
        self.encoder = nn.Linear(env.obs_size, hidden_size)
        self.actor = nn.Linear(hidden_size, env.n_actions)

    def forward(self, obs):
        return self.actor(self.encoder(obs))
"""

POLICY = """
from models_{i} import Default{i}


class Policy{i}(Default{i}):
    def __init__(self, env, input_size=64, hidden_size=64):
        super().__init__({call})


def train(env, optimizer_cls, batches):
    policy = Policy{i}(env)
    optimizer = optimizer_cls(policy.parameters())
    for obs, target in batches:
        {loss}
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""

PERMUTE = "obs = obs.permute((0, 3, 1, 2))[{i}]"


def _files(n: int, cand: bool) -> dict[str, str]:
    files: dict[str, str] = {}
    for i in range(n):
        moved = cand and i % 2 == 0
        files[f"agent_{i}.py"] = AGENT.format(i=i, permute="" if moved else PERMUTE.format(i=i),
                                              scale="2.0" if cand and i % 3 == 1 else "1.0")
        files[f"net_{i}.py"] = NETWORK.format(
            i=i, moved=(PERMUTE if i % 4 == 0 else "obs = obs.permute((0, 2, 3, 1))[{i}]").format(i=i) if moved else "pass")
        files[f"models_{i}.py"] = MODELS.format(i=i)
        loss = "loss = ((policy(obs) - target) ** 2).mean()"
        if cand and i % 3 == 2:  # a named intermediate: the same effects
            loss = "error = policy(obs) - target\n        loss = (error ** 2).mean()"
        files[f"policy_{i}.py"] = POLICY.format(
            i=i, call="env, hidden_size" if cand and i % 3 == 0 else "env, input_size, hidden_size", loss=loss)
    files["run_all.py"] = "".join(
        f"from agent_{i} import Agent{i}\nfrom net_{i} import Network{i}\nfrom policy_{i} import train as train_{i}\n"
        f"Agent{i}().calc_gradients(Network{i}(), None, None)\ntrain_{i}(None, None, [])\n" for i in range(n))
    return files


def _run(n: int = 12) -> dict[str, Any]:
    result = analyse(pair_index(_files(n, False), _files(n, True)))
    dump = result.model_dump(mode="json")
    dump.pop("duration_s", None)
    return dump


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Helpers started, and the files of the helper's share; forced on from 2 pairs."""
    monkeypatch.setattr(shares, "MIN_SPLIT_PAIRS", 2)
    monkeypatch.setenv(parallel.ENV, "2")
    seen: dict[str, Any] = {"pids": [], "theirs": set()}
    real_start, real_plan = parallel.start, shares.plan

    def start(work: Any, persistent_id: Any = None) -> parallel.Helper:
        helper = real_start(work, persistent_id)
        seen["pids"].append(helper.pid)
        return helper

    def plan(pairs: list[Any], indices: list[int]) -> tuple[list[int], list[int], list[list[int]]]:
        """The networks and policies to the helper, fixed: every moved statement crosses the shares."""
        real_plan(pairs, indices)
        theirs = [k for k in indices if (pairs[k].cand or pairs[k].base).path.startswith(("net_", "policy_"))]
        seen["theirs"] |= {(pairs[k].cand or pairs[k].base).path for k in theirs}
        return [k for k in indices if k not in theirs], theirs, []

    monkeypatch.setattr(parallel, "start", start)
    monkeypatch.setattr(shares, "plan", plan)
    return seen


def _single(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    with monkeypatch.context() as m:
        m.setenv(parallel.ENV, "1")
        return _run()


def test_two_processes_give_the_one_process_result(forks: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    shared = _run()
    assert len(forks["pids"]) == 1 and forks["theirs"]
    single = _single(monkeypatch)
    assert len(forks["pids"]) == 1  # the switch: no helper
    assert shared == single
    titles = [f["title"] for f in shared["findings"]]
    quiet = [n["title"] for n in shared["no_effect"]]
    assert any("loss path" in t for t in titles), titles
    assert any(t.startswith("Restructured code") for t in quiet), quiet
    assert any(t.startswith("Moved code") for t in quiet), quiet
    assert "net_0.py" in forks["theirs"] and "agent_0.py" not in forks["theirs"]  # the moves crossed the shares
    with pytest.raises(ChildProcessError):
        os.waitpid(forks["pids"][0], os.WNOHANG)


def test_a_pair_that_raises_and_the_work_budget_are_as_in_one_process(
        forks: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    real = flow_analyzer._pair_report

    def pair_report(pair: Any, *args: Any, **kwargs: Any) -> Any:
        if pair.cand is not None and pair.cand.path in ("agent_1.py", "net_0.py"):
            raise ValueError(f"cannot place {pair.cand.path}")
        return real(pair, *args, **kwargs)

    monkeypatch.setattr(flow_analyzer, "_pair_report", pair_report)
    monkeypatch.setattr(flow_analyzer, "MAX_FLOW_VISITS", 50)  # stops part way through the pairs
    shared = _run()
    single = _single(monkeypatch)
    assert shared == single
    assert shared["data"]["functions_not_placed"] > 0
    assert any("cannot place" in f["message"] for f in shared["failures"])


def test_a_helper_that_dies_is_replaced_by_this_process(forks: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    parent = os.getpid()
    real = shares.parallel.wait

    def wait(helper: Any, *args: Any, **kwargs: Any) -> Any:
        os.kill(helper.pid, 9)  # the helper dies before it answers
        return real(helper, *args, **kwargs)

    monkeypatch.setattr(shares.parallel, "wait", wait)
    shared = _run()
    assert os.getpid() == parent and len(forks["pids"]) == 1
    assert shared == _single(monkeypatch)


def test_the_pool_gives_every_file_to_one_process_and_the_one_process_result(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """Without fixed shares both processes draw files from the pool: every pair is computed once, by one of
    them (this process slowed down, so the helper draws files too), and the result is the one process's."""
    monkeypatch.setattr(shares, "MIN_SPLIT_PAIRS", 2)
    monkeypatch.setenv(parallel.ENV, "2")
    parent, log = os.getpid(), tmp_path / "computed"
    real = flow_analyzer._pair_report

    def pair_report(pair: Any, *args: Any, **kwargs: Any) -> Any:
        with open(log, "a") as fh:  # one short append per pair: whole lines from both processes
            fh.write(f"{os.getpid()} {pair.describe()}\n")
        if os.getpid() == parent:
            time.sleep(0.02)
        return real(pair, *args, **kwargs)

    monkeypatch.setattr(flow_analyzer, "_pair_report", pair_report)
    shared = _run()
    lines = [line.split(" ", 1) for line in log.read_text().splitlines()]
    log.unlink()
    assert {pid for pid, _ in lines} == {str(parent), next(pid for pid, _ in lines if pid != str(parent))}
    computed = [what for _, what in lines]
    assert len(computed) == len(set(computed))  # no pair computed twice
    with monkeypatch.context() as m:
        m.setenv(parallel.ENV, "1")
        single = _run()
    assert sorted(line.split(" ", 1)[1] for line in log.read_text().splitlines()) == sorted(computed)
    assert shared == single


def test_file_groups_are_whole_files_largest_first() -> None:
    index = pair_index(_files(3, False), _files(3, True))
    pairs = index.changed_pairs()
    positions = [k for k, p in enumerate(pairs) if p.base is not None and p.cand is not None]
    groups = shares.file_groups(pairs, positions)
    assert sorted(k for g in groups for k in g) == positions
    paths = [{(pairs[k].cand or pairs[k].base).path for k in g} for g in groups]
    assert all(len(p) == 1 for p in paths) and len({next(iter(p)) for p in paths}) == len(groups)
    sizes = [sum(f.end_lineno - f.lineno + 1 for k in g for f in (pairs[k].base, pairs[k].cand) if f) for g in groups]
    assert sizes == sorted(sizes, reverse=True)


def test_a_pool_too_large_for_its_pipe_falls_back_to_fixed_halves(monkeypatch: pytest.MonkeyPatch) -> None:
    """More files than the pipe is sure to hold: no pool, the fixed halves by line count, the same result."""
    monkeypatch.setattr(shares, "MIN_SPLIT_PAIRS", 2)
    monkeypatch.setattr(shares, "MAX_POOL", 1)
    monkeypatch.setenv(parallel.ENV, "2")
    halves: list[Any] = []
    real = shares.pair_shares

    def pair_shares(pairs: list[Any], indices: list[int]) -> tuple[list[int], list[int]]:
        halves.append(real(pairs, indices))
        return halves[-1]

    monkeypatch.setattr(shares, "pair_shares", pair_shares)
    shared = _run()
    assert len(halves) == 1 and halves[0][0] and halves[0][1]
    assert shares._pool([[0], [1]]) is None and shares._pool([]) is None
    with monkeypatch.context() as m:
        m.setenv(parallel.ENV, "1")
        assert shared == _run()
