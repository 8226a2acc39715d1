"""Spellings that compute the same: `super(C, self)` and `super()`, an integral float literal and its
int in arithmetic and comparisons. Real shapes: tianshou (held-out ranges) rewrote `super(DQNPolicy,
self).__init__(**kwargs)` as `super().__init__(**kwargs)` in every policy, skrl 2.0 wrote `1 - polyak`
as `1.0 - polyak`; each read as a behavioural change. Negatives: a literal that decides a tensor's dtype
(`torch.tensor(1)` vs `torch.tensor(1.0)`), another value, another `super()` call."""

from __future__ import annotations

import ast

from investigator.detectors.patterns import equivalent_form
from tests.flow.support import flow_findings


def _same(a: str, b: str) -> bool:
    return ast.dump(equivalent_form(ast.parse(a))) == ast.dump(equivalent_form(ast.parse(b)))


def test_explicit_and_implicit_super_are_one_spelling() -> None:
    assert _same("super(Net, self).__init__(obs, act)", "super().__init__(obs, act)")
    assert _same("x = super(mod.Net, cls).build()", "x = super().build()")
    assert not _same("super(Net, self).__init__(obs, act)", "super().__init__(obs)")
    assert not _same("super(Net, other).__init__()", "super().__init__()")


def test_integral_float_operands_are_their_int() -> None:
    assert _same("p.data.mul_(1 - polyak)", "p.data.mul_(1.0 - polyak)")
    assert _same("if dones.sum() > 0: pass", "if dones.sum() > 0.0: pass")
    assert _same("y = 2.0 * x / 4", "y = 2 * x / 4.0")
    assert not _same("t = torch.tensor(1)", "t = torch.tensor(1.0)")  # decides the dtype
    assert not _same("y = 1.5 * x", "y = 1 * x")


NET = """
import torch
import torch.nn as nn


class Critic(nn.Module):
    def __init__(self, obs_dim):
        {sup}.__init__()
        self.net = nn.Linear(obs_dim, 1)

    def forward(self, obs):
        return self.net(obs)


def soft_update(target, source, tau):
    for t, s in zip(target.parameters(), source.parameters()):
        t.data.copy_(t.data * ({one} - tau) + s.data * tau)


def train(critic, target, optimizer, batch, tau=0.005):
    loss = (critic(batch.obs) - batch.rew - 0.99 * target(batch.next_obs).detach()).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    soft_update(target, critic, tau)
"""


def test_a_pyupgrade_style_rewrite_is_no_finding() -> None:
    base = {"sac.py": NET.format(sup="super(Critic, self)", one="1")}
    cand = {"sac.py": NET.format(sup="super()", one="1.0")}
    assert flow_findings(base, cand) == []


def test_a_real_change_of_the_same_lines_is_still_reported() -> None:
    base = {"sac.py": NET.format(sup="super(Critic, self)", one="1")}
    cand = {"sac.py": NET.format(sup="super()", one="2.0")}
    found = flow_findings(base, cand)
    assert any("soft_update" in f.title for f in found), [f.title for f in found]


def test_a_diagonal_multivariate_normal_is_independent_normals() -> None:
    mvn = "loss = -MultivariateNormal(mu, scale_tril=torch.diag(std)).log_prob(a).mean()"
    assert _same(mvn, "loss = -Normal(mu, std).log_prob(a).sum(-1).mean()")
    assert _same(mvn, "loss = -Normal(mu, std).log_prob(a).sum(dim=-1, keepdim=False).mean()")
    assert _same(mvn, "loss = -Independent(Normal(mu, std), 1).log_prob(a).mean()")
    assert _same("h = Independent(Normal(mu, std), 1).entropy()", "h = Normal(mu, std).entropy().sum(-1)")
    # not summed, summed with the dimension kept, a full covariance, another reinterpreted dimension
    assert not _same(mvn, "loss = -Normal(mu, std).log_prob(a).mean()")
    assert not _same(mvn, "loss = -Normal(mu, std).log_prob(a).sum(-1, keepdim=True).mean()")
    assert not _same("d = MultivariateNormal(mu, scale_tril=L)", "d = Independent(Normal(mu, std), 1)")
    assert not _same("h = Independent(Normal(mu, std), 2).entropy()", "h = Normal(mu, std).entropy().sum(-1)")


POLICY = """
import torch
from torch.distributions import MultivariateNormal, Normal


def update(actor, optimizer, obs, actions, adv):
    mu, std = actor(obs)
{dist}
    bc_losses = -{log_prob}
    loss = (adv * bc_losses).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def train(actor, optimizer, batches):
    for obs, actions, adv in batches:
        update(actor, optimizer, obs, actions, adv)
"""


def test_the_policy_loss_rewritten_with_independent_normals_is_no_finding() -> None:
    base = {"iql.py": POLICY.format(dist="    dist = MultivariateNormal(mu, scale_tril=torch.diag(std))",
                                    log_prob="dist.log_prob(actions)")}
    cand = {"iql.py": POLICY.format(dist="    dist = Normal(mu, std)",
                                    log_prob="dist.log_prob(actions).sum(-1, keepdim=False)")}
    assert flow_findings(base, cand) == []
    unsummed = {"iql.py": POLICY.format(dist="    dist = Normal(mu, std)", log_prob="dist.log_prob(actions)")}
    assert flow_findings(base, unsummed)


ACTOR = """
import torch
import torch.nn as nn
from torch.distributions import Normal


class Actor(nn.Module):
    def __init__(self, n_obs, n_act, init_std=1.0):
        super().__init__()
        self.mu = nn.Linear(n_obs, n_act)
        self.std = nn.Parameter(init_std * torch.ones(n_act))
        {toggle}

    def act(self, obs):
        return Normal(self.mu(obs), self.std).sample()


def train(env, cfg):
    actor = Actor(env.n_obs, env.n_act, **cfg)
    optimizer = torch.optim.Adam(actor.parameters())
    obs = env.reset()
    for _ in range(10):
        a = actor.act(obs)
        obs, r, d = env.step(a)
        loss = -(Normal(actor.mu(obs), actor.std).log_prob(a).sum(-1) * r).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def test_a_validation_switch_is_a_check_not_a_behavioural_change() -> None:
    """rsl_rl: `Normal.set_default_validate_args = False` (a no-op assignment) became the call that turns
    distribution argument checks off; alone in `ActorCritic.__init__` it outranked the range's real bug."""
    base = {"ac.py": ACTOR.format(toggle="Normal.set_default_validate_args = False")}
    cand = {"ac.py": ACTOR.format(toggle="Normal.set_default_validate_args(False)")}
    assert flow_findings(base, cand) == []
    anomaly = {"ac.py": ACTOR.format(toggle="torch.autograd.set_detect_anomaly(True)")}
    assert flow_findings(base, anomaly) == []
    changed = {"ac.py": ACTOR.format(toggle="Normal.set_default_validate_args(False)").replace(
        "init_std * torch.ones", "0.5 * init_std * torch.ones")}
    assert any("Actor.__init__" in f.title for f in flow_findings(base, changed))


def test_an_opt_in_change_beside_a_validation_switch_stays_a_low_opt_in_finding() -> None:
    base = {"ac.py": ACTOR.format(toggle="Normal.set_default_validate_args = False")}
    cand = {"ac.py": ACTOR.format(toggle="Normal.set_default_validate_args(False)").replace(
        "init_std=1.0):", "init_std=1.0, log_std=False):").replace(
        "        self.std = nn.Parameter(init_std * torch.ones(n_act))\n",
        "        self.log_std = log_std\n        if self.log_std:\n"
        "            self.std = nn.Parameter(torch.log(init_std * torch.ones(n_act)))\n"
        "        else:\n            self.std = nn.Parameter(init_std * torch.ones(n_act))\n")}
    found = [f for f in flow_findings(base, cand) if "Actor.__init__" in f.title]
    assert found and found[0].severity.value == "low" and "opt-in" in found[0].title, [f.title for f in found]
