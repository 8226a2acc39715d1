"""A running sum of the reward kept for episode statistics is not a reward term (real shape: tianshou
1.1 -> 1.2 renamed the replay buffer's `self._ep_rew += rew` to `self._ep_return += rew`, returned to the
collector for episode statistics: "Reward term(s) removed: self._ep_rew += rew", critical). A term added
to the reward itself (`reward += bonus`, `reward += intrinsic_reward`) is still a term."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BUFFER = """
class ReplayBuffer:
    def _add_index(self, rew, done):
        # maintain the buffer's state after adding one step; return the episode reward when done
        ptr = self._index
        self._index = (self._index + 1) % self.maxsize
        ACCUMULATE
        self._ep_len += 1
        if done:
            result = ptr, self.ACC, self._ep_len
            self.ACC, self._ep_len = 0.0, 0
            return result
        return ptr, self.ACC * 0.0, 0

    def add(self, batch):
        ptr, ep_rew, ep_len = self._add_index(batch.rew, batch.done)
        self.data[ptr] = batch
        return ptr, ep_rew, ep_len


def collect(env, policy, buffer, obs):
    obs, rew, done, info = env.step(policy(obs))
    return buffer.add(Batch(obs=obs, rew=rew, done=done))
"""


def _titles(base: str, cand: str) -> list[str]:
    return [f.title for f in run_on({"buffer.py": base}, {"buffer.py": cand}, only={"reward_terms"}).findings]


def _buffer(accumulate: str, acc: str) -> str:
    return BUFFER.replace("ACCUMULATE", accumulate).replace("ACC", acc)


def test_a_renamed_episode_reward_sum_is_no_removed_term() -> None:
    cand = _buffer("self._ep_return += rew", "_ep_return").replace("self._ep_len += 1", "self._ep_len += 1\n        self._ep_start = ptr")
    assert _titles(_buffer("self._ep_rew += rew", "_ep_rew"), cand) == []


def test_a_removed_bonus_is_still_a_removed_term() -> None:
    base = """
def step(env, action, bonus):
    obs, reward, done, info = env.step(action)
    reward += bonus
    return obs, reward, done
"""
    cand = base.replace("    reward += bonus\n", "")
    assert any("Reward term(s) removed" in t for t in _titles(base, cand))


def test_a_removed_intrinsic_reward_is_still_a_removed_term() -> None:
    base = """
def step(env, action, curiosity):
    obs, reward, done, info = env.step(action)
    intrinsic_reward = curiosity(obs)
    reward += intrinsic_reward
    return obs, reward, done
"""
    cand = base.replace("    reward += intrinsic_reward\n", "")
    assert any("Reward term(s) removed" in t for t in _titles(base, cand))


def test_a_sum_kept_in_an_entry_of_another_container_is_not_made_a_term() -> None:
    # PufferLib ac69f82c..2f9b68e0: per-agent episode sums moved from `self.episode_returns[agent]` into
    # `agent_info['episode_return']` (read by the info dict the wrapper returns): no reward weight changed
    base = """
class EpisodeStats:
    def step(self, actions):
        observations, rewards, dones, infos = self.env.step(actions)
        for agent in rewards:
            self.episode_returns[agent] += rewards[agent]
            if dones[agent]:
                infos[agent]['episode_return'] = self.episode_returns[agent]
        return observations, rewards, dones, infos
"""
    cand = """
class EpisodeStats:
    def step(self, actions):
        observations, rewards, dones, infos = self.env.step(actions)
        for agent in rewards:
            agent_info = self.infos[agent]
            agent_info['episode_return'] += rewards[agent]
            if dones[agent]:
                infos[agent]['episode_return'] = agent_info['episode_return']
                self.infos[agent] = dict(episode_return=0)
        return observations, rewards, dones, infos
"""
    assert _titles(base, cand) == []
