"""Values kept under other attributes, in another arrangement: a storage layout change.

Real shape (rsl_rl v4.0.1..v5.0.0): the rollout storage kept the policy's mean and standard deviation
in `self.mu` / `self.sigma` (filled from `transition.action_mean` / `action_sigma`) and now keeps a
tuple `self.distribution_params`, allocated on the first transition and filled in a loop; the old
values feed only the KL estimate that adapts the learning rate. `RolloutStorage.__init__`,
`add_transition` and `PPO.act` were "Behavioural change in the optimizer / environment path",
significant. Negatives: the same re-arrangement of values the loss reads stays significant; a change
that also computes something else is not a layout change.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.models import Severity
from tests.flow.test_equivalence import _index

STORAGE_BASE = '''
import torch


class Storage:
    def __init__(self, n, envs, dims):
        self.step = 0
        self.mu = torch.zeros(n, envs, dims)
        self.sigma = torch.zeros(n, envs, dims)

    def add(self, mean, std):
        self.mu[self.step].copy_(mean)
        self.sigma[self.step].copy_(std)
        self.step += 1

    def stored(self):
        return self.mu, self.sigma
'''
STORAGE_CAND = '''
import torch


class Storage:
    def __init__(self, n, envs, dims):
        self.step = 0
        self.n = n
        self.distribution_params = None

    def add(self, mean, std):
{value}        if self.distribution_params is None:
            self.distribution_params = tuple(torch.zeros(self.n, *p.shape) for p in (mean, std))
        for i, p in enumerate((mean, std)):
            self.distribution_params[i][self.step].copy_(p)
        self.step += 1

    def stored(self):
        return self.distribution_params
'''
ALGO = '''
from storage import Storage


class Algo:
    def __init__(self, policy, optimizer):
        self.policy = policy
        self.optimizer = optimizer
        self.storage = Storage(8, 4, 2)
        self.lr = 1e-3

    def act(self, obs):
        mean, std = self.policy(obs)
        self.storage.add(mean, std)
        return mean

    def update(self, actions):
        mean, std = self.policy(actions)
        {use}
'''
TRAIN = '''
from algo import Algo


def main(policy, optimizer, env):
    algo = Algo(policy, optimizer)
    obs = env.reset()
    for _ in range(100):
        obs, reward, done, info = env.step(algo.act(obs))
        algo.update(obs)
'''
KL_BASE = ("old_mu, old_sigma = self.storage.stored()\n"
           "        kl = ((old_sigma / std).log() + (old_mu - mean) ** 2).mean()\n"
           "        if kl > 0.01:\n"
           "            self.lr = self.lr / 1.5\n"
           "        self.optimizer.param_groups[0]['lr'] = self.lr\n"
           "        loss = self.policy.loss(actions)\n"
           "        self.optimizer.zero_grad()\n        loss.backward()\n        self.optimizer.step()\n")
KL_CAND = KL_BASE
LOSS_BASE = ("old_mu, old_sigma = self.storage.stored()\n"
             "        loss = (old_sigma / std).log().mean() + ((old_mu - mean) ** 2).mean()\n"
             "        self.optimizer.zero_grad()\n        loss.backward()\n        self.optimizer.step()\n")
LOSS_CAND = LOSS_BASE


def _storage(base_use: str, cand_use: str, value: str = ""):
    base = {"storage.py": STORAGE_BASE, "algo.py": ALGO.format(use=base_use), "train.py": TRAIN}
    cand = {"storage.py": STORAGE_CAND.format(value=value), "algo.py": ALGO.format(use=cand_use), "train.py": TRAIN}
    result = analyse(_index(base, cand))
    return [f for f in result.findings if any(loc.path == "storage.py" for loc in f.locations)]


def test_values_re_arranged_in_storage_feeding_a_learning_rate_schedule_are_a_low_layout_change():
    found = _storage(KL_BASE, KL_CAND)
    assert found, "the storage change is still reported"
    layout = [f for f in found if f.title.startswith("Storage layout changed")]
    assert layout and all(f.severity is Severity.low for f in layout), [(f.title, f.severity) for f in found]
    # three functions of one file: one low finding keeping each function's evidence
    assert "Storage layout changed in 3 functions of `storage.py`" in layout[0].title, [f.title for f in found]


def test_the_same_re_arrangement_feeding_the_loss_or_storing_other_values_stays_significant():
    found = _storage(LOSS_BASE, LOSS_CAND)
    layout = [f for f in found if f.title.startswith("Storage layout changed")]
    assert layout and any(f.severity is Severity.significant for f in layout), [(f.title, f.severity) for f in found]
    # the same function also scales the mean it stores: not only a re-arrangement
    found = _storage(KL_BASE, KL_CAND, value="        mean = mean * 2\n")
    add = [f for f in found if "Storage.add" in f.title]
    assert add and not add[0].title.startswith("Storage layout changed"), [(f.title, f.severity) for f in found]


GEN_BASE = '''
import torch


class Storage:
    def __init__(self, n):
        self.n = n
        self.obs = torch.zeros(n, 4)
        self.mu = torch.zeros(n, 2)
        self.sigma = torch.ones(n, 2)

    def batches(self):
        for i in range(self.n):
            obs_batch = self.obs[i]
            old_mu_batch = self.mu[i]
            old_sigma_batch = self.sigma[i]
            yield obs_batch, old_mu_batch, old_sigma_batch
'''
GEN_CAND = '''
import torch


class Storage:
    class Batch:
        def __init__(self, observations=None, old_distribution_params=None):
            self.observations = observations
            self.old_distribution_params = old_distribution_params

    def __init__(self, n):
        self.n = n
        self.obs = torch.zeros(n, 4)
        self.distribution_params = (torch.zeros(n, 2), torch.ones(n, 2))

    def batches(self):
        for i in range(self.n):
            yield Storage.Batch(observations=self.obs[i],
                                old_distribution_params=tuple(p[i] for p in self.distribution_params))
'''
PPO_BASE = '''
from storage import Storage


class PPO:
    def __init__(self, actor, optimizer):
        self.actor = actor
        self.optimizer = optimizer
        self.storage = Storage(8)
        self.lr = 1e-3

    def update(self):
        for obs_batch, old_mu_batch, old_sigma_batch in self.storage.batches():
            mean, std = self.actor(obs_batch)
            {use_base}
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
'''
PPO_CAND = PPO_BASE.replace("for obs_batch, old_mu_batch, old_sigma_batch in self.storage.batches():",
                            "for batch in self.storage.batches():").replace(
    "mean, std = self.actor(obs_batch)", "mean, std = self.actor(batch.observations)")
KL_USE = ("kl = ((old_sigma_batch / std).log() + (old_mu_batch - mean) ** 2).mean()\n"
          "            if kl > 0.01:\n                self.lr = self.lr / 1.5\n"
          "            loss = mean.pow(2).mean()")
KL_USE_CAND = ("kl = self.actor.kl(batch.old_distribution_params, (mean, std)).mean()\n"
               "            if kl > 0.01:\n                self.lr = self.lr / 1.5\n"
               "            loss = mean.pow(2).mean()")
LOSS_USE = "loss = ((old_mu_batch - mean) ** 2 / old_sigma_batch).mean()"
LOSS_USE_CAND = "loss = self.actor.kl(batch.old_distribution_params, (mean, std)).mean()"


def _generator(use_base: str, use_cand: str):
    base = {"storage.py": GEN_BASE, "ppo.py": PPO_BASE.format(use_base=use_base)}
    cand = {"storage.py": GEN_CAND, "ppo.py": PPO_CAND.format(use_base=use_cand)}
    result = analyse(_index(base, cand))
    return [f for f in result.findings if "Storage.batches" in f.title or (
        "storage.py" in f.title and any("Storage.batches" in str(e.details.get("function")) for e in f.evidence))]


def test_a_container_no_longer_carrying_values_that_fed_only_a_schedule_is_a_low_layout_change():
    found = _generator(KL_USE, KL_USE_CAND)
    assert found and all(f.severity is Severity.low for f in found), [(f.title, f.severity) for f in found]
    assert any("layout" in f.title.lower() or "layout" in f.rationale for f in found)


def test_a_container_no_longer_carrying_values_the_loss_read_stays_significant():
    found = _generator(LOSS_USE, LOSS_USE_CAND)
    assert found and any(f.severity is Severity.significant for f in found), [(f.title, f.severity) for f in found]
