"""A loss reduced by a helper that takes an optional validity mask is no done masking of a bootstrap
(real shape: torchrl 0.13.2 -> 0.13.3, every loss `_reduce(loss, reduction=self.reduction)` became
`self._reduce_loss(loss, tensordict=tensordict)`, a base-class method that reads a `shifted_valid` mask
and hands it on to `_reduce(..., mask=mask)`; `_reduce`'s masked mean `(tensor * mask).sum() /
mask.sum()` was read as the done mask of a return, and its call gone from `actor_loss` as a critical
"Done masking removed")."""

from __future__ import annotations

from tests.detectors.helpers import run_on

UTILS = """
def reduce_loss(tensor, reduction, mask=None, weights=None):
    if reduction == "mean":
        if weights is not None and mask is not None:
            masked_weight = weights * mask
            result = (tensor * masked_weight).sum() / masked_weight.sum()
        elif mask is not None:
            mask = mask.to(dtype=tensor.dtype)
            result = (tensor * mask).sum() / mask.sum()
        else:
            result = tensor.mean()
    else:
        result = tensor.sum()
    return result
"""

COMMON = """
from utils import reduce_loss


class LossModule:
    reduction = "mean"

    def _reduce_loss(self, loss, batch=None, mask=None):
        if mask is None and batch is not None:
            mask = batch.get("valid", None)
        if mask is not None and self.reduction == "mean":
            return (loss * mask.to(loss.dtype)).sum() / mask.sum().clamp_min(1)
        return reduce_loss(loss, reduction=self.reduction, mask=mask)
"""

BASE = """
from common import LossModule
from utils import reduce_loss


class IQLLoss(LossModule):
    def actor_loss(self, batch):
        exp_a = self.weights(batch)
        log_prob = self.actor(batch).log_prob(batch["action"])
        loss_actor = -(exp_a * log_prob)
        loss_actor = reduce_loss(loss_actor, reduction=self.reduction)
        return loss_actor

    def update(self, batch, optimizer):
        loss = self.actor_loss(batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


class DiscreteIQLLoss(IQLLoss):
    def actor_loss(self, batch):
        exp_a = self.weights(batch)
        log_prob = self.actor(batch).log_prob(batch["action"].argmax(-1))
        loss_actor = -(exp_a * log_prob)
        loss_actor = reduce_loss(loss_actor, reduction=self.reduction)
        return loss_actor
"""

CAND = BASE.replace("reduce_loss(loss_actor, reduction=self.reduction)",
                    "self._reduce_loss(loss_actor, batch=batch)")


def _titles(base: str, cand: str, utils: str = UTILS) -> list[str]:
    files_b = {"utils.py": utils, "common.py": COMMON, "iql.py": base}
    files_c = {"utils.py": utils, "common.py": COMMON, "iql.py": cand}
    return [f"{f.severity.value}: {f.title}" for f in run_on(files_b, files_c).findings]


def test_a_loss_reduced_through_a_masking_helper_is_no_removed_done_mask() -> None:
    titles = _titles(BASE, CAND)
    assert not any("Done masking" in t for t in titles), titles
    assert not any(t.startswith("critical") for t in titles), titles


def test_a_removed_done_mask_of_a_bootstrap_is_still_critical() -> None:
    base = """
def td_target(rewards, next_values, dones, gamma):
    target = rewards + gamma * next_values * (1 - dones)
    return target


def update(critic, batch, optimizer, gamma):
    target = td_target(batch["rew"], critic(batch["next_obs"]), batch["done"], gamma)
    loss = ((critic(batch["obs"]) - target) ** 2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""
    cand = base.replace(" * (1 - dones)", "")
    titles = [f"{f.severity.value}: {f.title}" for f in run_on({"td.py": base}, {"td.py": cand}).findings]
    assert "critical: Done masking removed from the return/advantage computation" in titles, titles


def test_a_removed_not_done_mask_factor_is_still_critical() -> None:
    # the `masks` form (1 = episode goes on), read only per step: a bootstrap, whatever is summed later
    base = """
def returns(rewards, values, masks, gamma):
    out = []
    ret = values[-1]
    for t in reversed(range(len(rewards))):
        ret = rewards[t] + gamma * ret * masks[t]
        out.append(ret)
    return out


def update(critic, batch, optimizer, gamma):
    target = returns(batch["rew"], batch["values"], batch["masks"], gamma)
    loss = ((critic(batch["obs"]) - target) ** 2).mean()
    total = (loss * batch["masks"]).sum()
    optimizer.zero_grad()
    total.backward()
    optimizer.step()
"""
    cand = base.replace("gamma * ret * masks[t]", "gamma * ret")
    titles = [f"{f.severity.value}: {f.title}" for f in run_on({"ret.py": base}, {"ret.py": cand}).findings]
    assert "critical: Done masking removed from the return/advantage computation" in titles, titles
