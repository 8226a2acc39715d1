"""Minibatches gathered by an index array where the baseline stacked one slice per index.

Real shape (HARL 34a8c1a6..c29ba492): three recurrent minibatch generators went from appending
`self.obs[:-1, perm[start + offset]]` per environment and `np.stack(..., 1)` to
`self.obs[:-1, perm[start_id:start_id + k]]`, the outer loop from `range(0, n, k)` to
`range(num_mini_batch)`: "Behavioural change in the loss path" (significant, 17-34 statements) for the
same elements in the same order. Now low, titled by what it is, with the condition under which the
batch count differs. Negatives: a slice stacked on another axis than the one its index stands at (a
transposed batch), and another array gathered, stay significant behavioural changes."""

from __future__ import annotations

from investigator.flow.gather import index_gathered
from tests.flow.support import flow_findings, src

BUFFER_BASE = '''
import numpy as np


def _flatten(T, N, x):
    return x.reshape(T * N, *x.shape[2:])


class Buffer:
    def __init__(self, obs, masks, rnn_states, actions):
        self.obs = obs
        self.masks = masks
        self.rnn_states = rnn_states
        self.actions = actions
        self.episode_length = obs.shape[0] - 1

    def generator(self, advantages, num_mini_batch):
        n = self.actions.shape[1]
        k = n // num_mini_batch
        perm = np.random.permutation(n)
        for start in range(0, n, k):
            obs_batch = []
            masks_batch = []
            rnn_batch = []
            for offset in range(k):
                ind = perm[start + offset]
                obs_batch.append({obs_slice})
                masks_batch.append(self.masks[:-1, ind])
                rnn_batch.append(self.rnn_states[0:1, ind])
            T, N = self.episode_length, k
            obs_batch = np.stack(obs_batch, {axis})
            masks_batch = np.stack(masks_batch, 1)
            rnn_batch = np.stack(rnn_batch).reshape(N, *self.rnn_states.shape[2:])
            obs_batch = _flatten(T, N, obs_batch)
            masks_batch = _flatten(T, N, masks_batch)
            yield obs_batch, rnn_batch, masks_batch
'''

BUFFER_CAND = '''
import numpy as np


def _flatten(T, N, x):
    return x.reshape(T * N, *x.shape[2:])


class Buffer:
    def __init__(self, obs, masks, rnn_states, actions):
        self.obs = obs
        self.masks = masks
        self.rnn_states = rnn_states
        self.actions = actions
        self.episode_length = obs.shape[0] - 1

    def generator(self, advantages, num_mini_batch):
        n = self.actions.shape[1]
        k = n // num_mini_batch
        perm = np.random.permutation(n)
        T, N = self.episode_length, k
        for batch_id in range(num_mini_batch):
            start_id = batch_id * k
            ids = perm[start_id:start_id + k]
            obs_batch = _flatten(T, N, self.obs[:-1, ids])
            masks_batch = _flatten(T, N, self.masks[:-1, ids])
            rnn_batch = self.rnn_states[0, ids]
            yield obs_batch, rnn_batch, masks_batch
'''

TRAINER = '''
from buffer import Buffer


class Trainer:
    def __init__(self, policy, optimizer, buffer: Buffer):
        self.policy = policy
        self.optimizer = optimizer
        self.buffer = buffer

    def train(self, advantages):
        for obs_batch, rnn_batch, masks_batch in self.buffer.generator(advantages, 4):
            loss = self.policy.loss(obs_batch, rnn_batch, masks_batch).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
'''


def _findings(obs_slice: str = "self.obs[:-1, ind]", axis: str = "1") -> list:
    base = {"buffer.py": BUFFER_BASE.format(obs_slice=obs_slice, axis=axis), "trainer.py": TRAINER}
    return [f for f in flow_findings(base, {"buffer.py": BUFFER_CAND, "trainer.py": TRAINER})
            if "generator" in f.title]


def test_stacked_slices_rewritten_as_index_arrays_are_low_and_named() -> None:
    found = _findings()
    assert [f.severity.value for f in found] == ["low"]
    assert found[0].title.startswith("Minibatches gathered by index array in the ")
    assert found[0].title.endswith(" path: `Buffer.generator`")
    assert "`range(num_mini_batch)` where it was `range(0, n, k)`" in found[0].rationale
    assert "divides the number of indices evenly" in found[0].rationale


def test_a_slice_stacked_on_another_axis_stays_a_behavioural_change() -> None:
    found = _findings(axis="0")  # (k, T, ...) where the candidate's is (T, k, ...): a transposed batch
    assert [f.severity.value for f in found] == ["significant"]
    assert "Minibatches gathered" not in found[0].title


def test_another_array_gathered_stays_a_behavioural_change() -> None:
    found = _findings(obs_slice="self.masks[:-1, ind]")
    assert [f.severity.value for f in found] == ["significant"]


def _fn(text: str):
    import ast
    return next(n for n in ast.walk(ast.parse(src(text))) if isinstance(n, ast.FunctionDef) and n.name == "generator")


def test_overlapping_candidate_batches_are_no_gather_rewrite() -> None:
    """`perm[b:b + k]` starts a batch at every index, not every k-th: not the baseline's batches."""
    base = _fn(BUFFER_BASE.format(obs_slice="self.obs[:-1, ind]", axis="1"))
    assert index_gathered(base, _fn(BUFFER_CAND)) is not None
    overlapping = BUFFER_CAND.replace("start_id = batch_id * k", "start_id = batch_id")
    assert index_gathered(base, _fn(overlapping)) is None
