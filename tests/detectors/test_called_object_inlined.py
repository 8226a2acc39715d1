"""A call of an object whose class has a `__call__` runs that `__call__`: code moved into a functor is moved.

Real shape (imitation, `BC.train`): the loss helper `self._calculate_loss(obs, acts)` became
`self.trainer(batch)` (a `BehaviorCloningTrainer` built in `__init__`, whose `__call__` runs `self.loss(...)`,
a `BehaviorCloningLossCalculator` field), and the logging rollouts moved into `compute_rollout_stats =
RolloutStatsComputer(venv, n)` called as `compute_rollout_stats(self.policy)`. Not followed, the moved code
read as "Entropy term removed from the loss" and "Done masking removed from the return/advantage
computation" (critical). Negative: the functor that really drops the entropy term is still reported."""

from __future__ import annotations

from tests.detectors.helpers import run_on

ROLLOUT = """
def generate_trajectories(policy, venv, n):
    active = np.ones(venv.num_envs, dtype=bool)
    obs = venv.reset()
    trajs = []
    while active.any():
        acts = policy.predict(obs)
        obs, rews, dones, infos = venv.step(acts)
        dones &= active
        trajs.append((obs, rews, dones))
        active &= ~dones
    return trajs
"""

BASE = """
import rollout


class BC:
    def __init__(self, policy, optimizer, ent_weight, venv):
        self.policy = policy
        self.optimizer = optimizer
        self.ent_weight = ent_weight
        self.venv = venv

    def _calculate_loss(self, obs, acts):
        _, log_prob, entropy = self.policy.evaluate_actions(obs, acts)
        ent_loss = -self.ent_weight * entropy.mean()
        loss = -log_prob.mean() + ent_loss
        return loss

    def train(self, batches):
        for batch in batches:
            loss = self._calculate_loss(batch["obs"], batch["acts"])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            trajs = rollout.generate_trajectories(self.policy, self.venv, 5)
            print(len(trajs))
"""

CAND = """
import dataclasses

import rollout


@dataclasses.dataclass(frozen=True)
class LossCalculator:
    ent_weight: float

    def __call__(self, policy, obs, acts):
        _, log_prob, entropy = policy.evaluate_actions(obs, acts)
        ent_loss = -self.ent_weight * entropy.mean()
        loss = -log_prob.mean(){ent}
        return loss


@dataclasses.dataclass(frozen=True)
class Trainer:
    loss: LossCalculator
    optimizer: object
    policy: object

    def __call__(self, batch):
        loss = self.loss(self.policy, batch["obs"], batch["acts"])
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss


class RolloutStats:
    def __init__(self, venv, n):
        self.venv = venv
        self.n = n

    def __call__(self, policy):
        return rollout.generate_trajectories(policy, self.venv, self.n)


class BC:
    def __init__(self, policy, optimizer, ent_weight, venv):
        self.policy = policy
        self.venv = venv
        self.trainer = Trainer(loss=LossCalculator(ent_weight), optimizer=optimizer, policy=policy)

    def train(self, batches):
        stats = RolloutStats(self.venv, 5)
        for batch in batches:
            self.trainer(batch)
            trajs = stats(self.policy)
            print(len(trajs))
"""

MAIN = "from bc import BC\n\nBC(None, None, 0.01, None).train([])\n"


def _titles(ent: str) -> list[str]:
    base = {"rollout.py": ROLLOUT, "bc.py": BASE, "main.py": MAIN}
    cand = {"rollout.py": ROLLOUT, "bc.py": CAND.replace("{ent}", ent), "main.py": MAIN}
    result = run_on(base, cand, only={"entropy_term", "done_mask"})
    return [f.title for f in result.findings]


def test_loss_and_rollouts_moved_into_functors_are_not_removed() -> None:
    assert _titles(" + ent_loss") == []


def test_a_functor_that_drops_the_entropy_term_is_reported() -> None:
    assert any("Entropy" in t for t in _titles("")), _titles("")


SEARCH = """
class InverseTransform:
    def __init__(self, support):
        self.support = support

    def __call__(self, logits):
        return (logits.softmax(-1) * self.support).sum(-1)


class Search:
    def __init__(self, support):
        self.inverse = InverseTransform(support)

    def search(self, model, latent):
        out = model.recurrent_inference(latent)
{body}
        return out
"""

KEPT_BASE = """        if not model.training:
            out.value = to_numpy(self.inverse(out.value))"""
KEPT_CAND = """        out.value = to_numpy(self.inverse(out.value))"""
MAIN_SEARCH = "from search import Search\n\nSearch(None).search(None, None)\n"


def _call_removed(body_cand: str, held: bool = True) -> list[str]:
    base = {"search.py": SEARCH.replace("{body}", KEPT_BASE), "main.py": MAIN_SEARCH}
    searched = SEARCH.replace("{body}", body_cand)
    if not held:
        searched = searched.replace("self.inverse = InverseTransform(support)", "self.support = support")
    cand = {"search.py": searched, "main.py": MAIN_SEARCH}
    return [f.title for f in run_on(base, cand, only={"call_removed"}).findings]


def test_an_object_still_called_is_not_a_removed_call() -> None:
    # LightZero's MCTS `search`: `self.inverse_scalar_transform_handle(...)` kept, its `if not model.training:`
    # guard dropped; with the object's `__call__` followed, it read as "`InverseScalarTransform.__call__` is no
    # longer called"
    assert _call_removed(KEPT_CAND) == []


def test_an_object_no_longer_called_is_reported() -> None:
    assert _call_removed("        out.value = to_numpy(out.value)", held=False)
