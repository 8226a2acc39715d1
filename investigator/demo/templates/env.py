"""GridArena: a tiny vectorised grid world, so the project needs nothing beyond torch."""

import torch


class GridArena:
    """Agents walk on a size x size grid to a goal; a gem on the way gives a shaped reward."""

    ACTIONS = torch.tensor([[0, 1], [0, -1], [1, 0], [-1, 0]])

    def __init__(self, num_envs, size, max_steps, rewards, seed=0):
        self.num_envs = num_envs
        self.size = size
        self.max_steps = max_steps
        self.rewards = dict(rewards)
        self.generator = torch.Generator().manual_seed(seed)
        self.obs_dim = 2 * size + 1
        self.num_actions = 4
        self.pos = torch.zeros(num_envs, 2, dtype=torch.long)
        self.gem = torch.zeros(num_envs, 2, dtype=torch.long)
        self.has_gem = torch.zeros(num_envs)
        self.steps = torch.zeros(num_envs, dtype=torch.long)
        self.goal = torch.tensor([size - 1, size - 1])

    def _observe(self):
        row = torch.nn.functional.one_hot(self.pos[:, 0], self.size).float()
        col = torch.nn.functional.one_hot(self.pos[:, 1], self.size).float()
        return torch.cat([row, col, self.has_gem.unsqueeze(1)], dim=1)

    def _reset_where(self, mask):
        n = int(mask.sum())
        if n == 0:
            return
        self.pos[mask] = 0
        self.gem[mask] = torch.randint(1, self.size - 1, (n, 2), generator=self.generator)
        self.has_gem[mask] = 0.0
        self.steps[mask] = 0

    def reset(self):
        self._reset_where(torch.ones(self.num_envs, dtype=torch.bool))
        return self._observe()

    def step(self, actions):
        self.pos = (self.pos + self.ACTIONS[actions]).clamp(0, self.size - 1)
        self.steps += 1
        reward = torch.full((self.num_envs,), float(self.rewards.get("step_penalty", 0.0)))
        picked = (self.pos == self.gem).all(dim=1) & (self.has_gem == 0)
        reward += picked.float() * float(self.rewards.get("gem", 0.0))
        self.has_gem[picked] = 1.0
        reached = (self.pos == self.goal).all(dim=1)
        reward += reached.float() * float(self.rewards.get("goal", 0.0))
        done = reached | (self.steps >= self.max_steps)
        info = {"success": reached.float(), "episode_length": self.steps.clone()}
        self._reset_where(done)
        return self._observe(), reward, done.float(), info
