"""A mask the loss multiplies is placed on the loss path, not on the sampler it is returned through.

Real shape (LightZero `MuZeroGameBuffer._make_batch`): the unroll mask `mask_tmp` is padded to
`num_unroll_steps + 1` entries, collected into `current_batch = [obs_list, action_list, mask_list, ...]`,
returned by `sample()` to the entry's `train_data = replay_buffer.sample(batch_size)`, and handed to a
library learner that calls the policy's `_forward_learn(data)`, which unpacks `obs, action, mask_batch, ...
= current_batch` and multiplies each unroll step's loss by `mask_batch[:, k]`. The flow stopped at
`replay_buffer.sample(...)` (the sampling path, low under the significant cap).
"""

from __future__ import annotations

from tests.flow.support import flow_findings

BUFFER = '''
import numpy as np


class GameBuffer:
    def _make_batch(self, batch_size):
        games, positions, batch_index_list, weights_list = self._sample_orig_data(batch_size)
        obs_list, action_list, mask_list = [], [], []
        for i in range(batch_size):
            actions_tmp = games[i].actions[positions[i]:positions[i] + self.num_unroll_steps]
            mask_tmp = [1.0 for _ in range(len(actions_tmp))]
            mask_tmp += [0.0 for _ in range(self.num_unroll_steps + 1 - len(mask_tmp))]
            obs_list.append(games[i].obs[positions[i]])
            action_list.append(actions_tmp)
            mask_list.append(mask_tmp)
        current_batch = [obs_list, action_list, mask_list, batch_index_list, weights_list]
        for i in range(len(current_batch)):
            current_batch[i] = np.asarray(current_batch[i])
        target_batch = self._compute_targets(games, positions)
        return current_batch, target_batch

    def sample(self, batch_size):
        current_batch, target_batch = self._make_batch(batch_size)
        train_data = [current_batch, target_batch]
        return train_data
'''
POLICY = '''
import torch


class Policy:
    def _forward_learn(self, data):
        current_batch, target_batch = data
        obs, action, mask_batch, indices, weights = current_batch
        mask_batch = torch.from_numpy(mask_batch).float()
        latent = self.model.initial_inference(obs)
        loss = torch.zeros(obs.shape[0])
        for step_k in range(self.num_unroll_steps):
            latent, reward = self.model.recurrent_inference(latent, action[:, step_k])
            step_loss = self.reward_loss(reward, target_batch[:, step_k])
            loss += step_loss * mask_batch[:, step_k]
        weighted_loss = (weights * loss).mean()
        self.optimizer.zero_grad()
        weighted_loss.backward()
        self.optimizer.step()
'''
ENTRY = '''
from buffer import GameBuffer


def train(cfg, learner):
    replay_buffer = GameBuffer()
    for _ in range(cfg.max_train_iter):
        train_data = replay_buffer.sample(cfg.batch_size)
        learner.train(train_data)


if __name__ == "__main__":
    train(None, None)
'''


def _buffer_finding(cand_buffer: str):
    base = {"buffer.py": BUFFER, "policy.py": POLICY, "entry.py": ENTRY}
    cand = {**base, "buffer.py": cand_buffer}
    return [f for f in flow_findings(base, cand) if "_make_batch" in f.title]


def test_the_unroll_mask_is_placed_on_the_loss_it_multiplies():
    found = _buffer_finding(BUFFER.replace("self.num_unroll_steps + 1 - len(mask_tmp)", "self.num_unroll_steps - len(mask_tmp)"))
    assert found and found[0].evidence[0].details["path"] == "loss", [(f.title, f.evidence[0].details) for f in found]


def test_the_sampled_positions_stay_on_the_sampling_path():
    found = _buffer_finding(BUFFER.replace("positions[i]:positions[i] + self.num_unroll_steps",
                                           "positions[i] + 1:positions[i] + 1 + self.num_unroll_steps"))
    assert found and found[0].evidence[0].details["path"] == "sampling", [(f.title, f.evidence[0].details) for f in found]
