"""Triage in two processes (investigator/triage_shares.py): the same entries, failures and snapshot
caches as one process, whichever process triaged a file."""

from __future__ import annotations

import os

import pytest

from investigator import parallel, triage_shares
from investigator.git import build_changeset, open_repository, resolve_range
from investigator.playbooks_lib import load_playbooks
from investigator.triage import triage_changeset
from tests.support.gitrepo import commit_files

TRAINER = '''\
import torch


def update(agent, optimizer, loss, max_norm):
    """One optimisation step."""
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(agent.parameters(), max_norm)
    optimizer.step()


def helper(x):
    return x + 1
'''


def _versions(n: int) -> tuple[dict[str, str], dict[str, str]]:
    """`n` files of every kind triage tells apart, modified between the two commits."""
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    for k in range(n):
        kind = k % 7
        body = TRAINER + "\n" * k + f"\n\ndef extra_{k}(v):\n    return v * {k}\n"
        if kind == 0:  # behavioural: a removed clipping call
            path, old, new = f"algo/trainer_{k}.py", body, body.replace(
                "    torch.nn.utils.clip_grad_norm_(agent.parameters(), max_norm)\n", "")
        elif kind == 1:  # formatting only
            path, old, new = f"algo/fmt_{k}.py", body, body.replace("return x + 1", "return (x + 1)")
        elif kind == 2:  # comments only
            path, old, new = f"algo/cmt_{k}.py", body, body.replace("    loss.backward()\n", "    loss.backward()  # grads\n")
        elif kind == 3:  # does not parse at the candidate
            path, old, new = f"env/broken_{k}.py", body, body + "\ndef oops(:\n"
        elif kind == 4:  # configuration
            path, old, new = f"cfg/run_{k}.yaml", f"lr: 0.{k + 1}\ngamma: 0.99\n", f"lr: 0.{k + 2}\ngamma: 0.99\n"
        elif kind == 5:  # docstring only
            path, old, new = f"algo/doc_{k}.py", body, body.replace("One optimisation step.", "One step.")
        else:  # plain text
            path, old, new = f"notes/n_{k}.txt", f"note {k}\n", f"note {k} changed\n"
        before[path], after[path] = old, new
    return before, after


def _changeset(tmp_path, n: int):
    repo = tmp_path / "r"
    before, after = _versions(n)
    base = commit_files(repo, before, "base")
    cand = commit_files(repo, after, "cand")
    handle = open_repository(str(repo))
    return lambda: build_changeset(handle, resolve_range(handle, base, cand))


def _triaged(make, monkeypatch, processes: str):
    monkeypatch.setenv(parallel.ENV, processes)
    cs = make()
    result = triage_changeset(cs, load_playbooks())
    caches = {name: sorted(s._ast_cache) for name, s in (("b", cs.baseline), ("c", cs.candidate))}
    return result.model_dump(), caches


def test_two_processes_give_one_process_entries_failures_and_parsed_modules(tmp_path, monkeypatch):
    make = _changeset(tmp_path, 84)
    one, one_cache = _triaged(make, monkeypatch, "1")
    two, two_cache = _triaged(make, monkeypatch, "2")
    assert two == one
    assert two_cache == one_cache
    assert len(one["entries"]) == 84 and len(one["failures"]) == 12  # the broken files, in file order
    kinds = {e["change_kind"] for e in one["entries"]}
    assert {"behavioural", "formatting", "comments", "docstring"} <= kinds


def test_each_process_triages_a_share_and_the_results_come_back_in_file_order(tmp_path, monkeypatch):
    monkeypatch.setenv(parallel.ENV, "2")
    cs = _changeset(tmp_path, 70)()
    out = triage_shares.triage_in_two(cs, lambda f: (f.path, os.getpid()))
    assert out is not None
    assert [path for path, _pid in out] == [f.path for f in cs.files]
    pids = {pid for _path, pid in out}
    assert os.getpid() in pids and len(pids) == 2


def test_the_helpers_parses_are_made_here_too(tmp_path, monkeypatch):
    monkeypatch.setenv(parallel.ENV, "2")
    cs = _changeset(tmp_path, 70)()
    mine, theirs = triage_shares.file_shares(cs)
    theirs_py = {cs.files[k].new_path for k in theirs if cs.files[k].new_path.endswith(".py")}

    def parse(f):
        if f.new_path.endswith(".py"):
            cs.candidate.python_ast(f.new_path)
        return f.path

    assert triage_shares.triage_in_two(cs, parse) is not None
    assert theirs_py and theirs_py <= set(cs.candidate._ast_cache)


def test_a_failed_helper_is_replaced_by_this_process(tmp_path, monkeypatch):
    make = _changeset(tmp_path, 63)
    one, one_cache = _triaged(make, monkeypatch, "1")

    def fail(helper, *args, **kwargs):
        parallel.discard(helper)
        raise parallel.HelperFailed("test")

    monkeypatch.setattr(parallel, "wait", fail)
    two, two_cache = _triaged(make, monkeypatch, "2")
    assert (two, two_cache) == (one, one_cache)


@pytest.mark.parametrize(("files", "processes"), [(triage_shares.MIN_SPLIT_FILES - 1, "2"), (70, "1")])
def test_small_changes_and_the_switch_stay_in_one_process(tmp_path, monkeypatch, files, processes):
    monkeypatch.setenv(parallel.ENV, processes)
    cs = _changeset(tmp_path, files)()
    assert triage_shares.triage_in_two(cs, lambda f: f.path) is None


def test_shares_are_whole_balanced_and_in_order(tmp_path):
    cs = _changeset(tmp_path, 70)()
    mine, theirs = triage_shares.file_shares(cs)
    assert sorted(mine + theirs) == list(range(len(cs.files)))
    assert mine == sorted(mine) and theirs == sorted(theirs)
    own, other = (sum(triage_shares._size(cs, cs.files[k]) for k in share) for share in (mine, theirs))
    largest = max(triage_shares._size(cs, f) for f in cs.files)
    assert abs(own * triage_shares.OWN_WEIGHT - other) <= largest * triage_shares.OWN_WEIGHT
    assert own < other  # this process parses the helper's files again: it takes less
