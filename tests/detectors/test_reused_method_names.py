"""Methods renamed so that a name now holds another method's body (a chain or a swap).

Real shape (diamond 54961839..17c77643, src/models/actor_critic.py:68): `ActorCritic.forward` (the network's
forward pass) became `predict_act_value`, and `compute_loss` (the actor-critic loss) became `forward`; the trainer
calls `model()` instead of `model.compute_loss()`. Paired by name, the detectors compared the forward pass with the
loss: "Value-loss weight changed", "Done masking added", "Entropy term added", "Returns/value target changed" on an
unchanged loss. The pairs now follow the bodies (`pairs._reused_names`). Negatives: the same renames with a real edit
inside the renamed loss are still reported on the edited term; a method whose body is merely rewritten under its own
name (no other method's body moved there) keeps its pair.
"""

from __future__ import annotations

from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from tests.detectors.helpers import run_on, src

MODEL = """
import torch
import torch.nn.functional as F


class ActorCritic(torch.nn.Module):
    def __init__(self, env_loop, loss_cfg):
        super().__init__()
        self.encoder = torch.nn.Linear(8, 8)
        self.actor_linear = torch.nn.Linear(8, 4)
        self.critic_linear = torch.nn.Linear(8, 1)
        self.env_loop = env_loop
        self.loss_cfg = loss_cfg

    def {act}(self, obs):
        x = self.encoder(obs)
        x = x.flatten(start_dim=1)
        return self.actor_linear(x), self.critic_linear(x).squeeze(dim=1)

    def {loss}(self):
        c = self.loss_cfg
        act, rew, dones, trunc, logits_act, val, val_bootstrap = self.env_loop.send(c.backup_every)
        d = torch.distributions.Categorical(logits=logits_act)
        entropy = d.entropy().mean()
        lambda_returns = rew + c.gamma * {mask}val_bootstrap
        loss_actions = (-d.log_prob(act) * (lambda_returns - val.detach())).mean()
        loss_entropy = -c.weight_entropy_loss * entropy
        value_loss = F.mse_loss(val, lambda_returns)
        loss = loss_actions + loss_entropy + {weight}value_loss
        return loss
"""

TRAINER = """
import torch

from model import ActorCritic


def train(model, opt, steps):
    for _ in range(steps):
        loss = {call}
        opt.zero_grad()
        loss.backward()
        opt.step()
"""


def _files(act: str, loss: str, call: str, weight: str = "", mask: str = "(1 - dones) * ") -> dict[str, str]:
    return {"model.py": MODEL.format(act=act, loss=loss, weight=weight, mask=mask),
            "trainer.py": TRAINER.format(call=call)}


BASE = _files("forward", "compute_loss", "model.compute_loss()")


def _titles(cand: dict[str, str]) -> list[str]:
    return [f"{f.severity.value} {f.title}" for f in run_on(BASE, cand).findings]


def _pairs(cand: dict[str, str]) -> dict[str, str]:
    b, c = MemoryTree({k: src(v) for k, v in BASE.items()}), MemoryTree({k: src(v) for k, v in cand.items()})
    index = build_pairs(b, c, diff_trees(b, c))
    return {p.base.qualname: p.cand.qualname for p in index.pairs if p.base and p.cand}


def test_name_chain_pairs_bodies() -> None:
    pairs = _pairs(_files("predict_act_value", "forward", "model()"))
    assert pairs["ActorCritic.forward"] == "ActorCritic.predict_act_value", pairs
    assert pairs["ActorCritic.compute_loss"] == "ActorCritic.forward", pairs


def test_name_chain_compares_no_forward_pass_with_the_loss() -> None:
    titles = _titles(_files("predict_act_value", "forward", "model()"))
    assert not any(w in t for t in titles for w in ("Value-loss weight", "Done masking", "Entropy term", "value target")), \
        titles


def test_swapped_names_pair_bodies() -> None:
    pairs = _pairs(_files("compute_loss", "forward", "model()"))
    assert pairs["ActorCritic.forward"] == "ActorCritic.compute_loss", pairs
    assert pairs["ActorCritic.compute_loss"] == "ActorCritic.forward", pairs
    titles = _titles(_files("compute_loss", "forward", "model()"))
    assert not any("Value-loss weight" in t or "Done masking" in t for t in titles), titles


def test_renamed_loss_with_a_real_edit_is_still_reported() -> None:
    titles = _titles(_files("predict_act_value", "forward", "model()", weight="0.25 * "))
    assert any("Value-loss weight changed" in t for t in titles), titles


def test_renamed_loss_with_its_done_mask_dropped_is_still_critical() -> None:
    titles = _titles(_files("predict_act_value", "forward", "model()", mask=""))
    assert any(t.startswith("critical") and "Done masking removed" in t for t in titles), titles


def test_body_rewritten_under_its_own_name_keeps_its_pair() -> None:
    cand = dict(BASE)
    cand["model.py"] = MODEL.format(act="forward", loss="compute_loss", weight="", mask="(1 - dones) * ").replace(
        """        x = self.encoder(obs)
        x = x.flatten(start_dim=1)
        return self.actor_linear(x), self.critic_linear(x).squeeze(dim=1)""",
        """        h = torch.relu(self.encoder(obs)).flatten(start_dim=1)
        logits = self.actor_linear(h)
        value = self.critic_linear(h)
        return logits, value[:, 0]""")
    pairs = _pairs(cand)
    assert pairs["ActorCritic.forward"] == "ActorCritic.forward", pairs


DISPATCHER = """
class Dispatcher:
    def {name}(self, {param}):
        \"\"\"{doc}\"\"\"
        assert self.train_envs is not None
        {src} = self.train_envs.get(env_name).{attr}
        if {src}.{live}:
            return {src}.pool, self.policy.model_name, True
        return {src}.pool, {src}.pool.model_name, False

    def schedule(self, group):
        pool, model_name, live = self.{name}(group.env_name)
        return pool.submit(model_name, live)
"""


def _dispatcher_pairs(param: str) -> dict[str, str]:
    base = DISPATCHER.format(name="_train_pool_for", param="env_name", doc="the env sampler's pool", src="sampler",
                             attr="sampler", live="samples_from_live_policy")
    cand = DISPATCHER.format(name="_train_generation_for", param=param, doc="eval always uses the policy",
                             src="source", attr="generation_source", live="uses_live_policy")
    b, c = MemoryTree({"dispatcher.py": src(base)}), MemoryTree({"dispatcher.py": src(cand)})
    index = build_pairs(b, c, diff_trees(b, c))
    return {p.base.qualname: p.cand.qualname for p in index.pairs if p.base and p.cand}


def test_method_renamed_in_place_with_edited_lines_is_paired() -> None:
    # prime-rl 9b9de2f1..559b4477 dispatcher.py:224: same parameters, near-equal tokens, under half the lines
    pairs = _dispatcher_pairs("env_name")
    assert pairs.get("Dispatcher._train_pool_for") == "Dispatcher._train_generation_for", pairs


def test_sibling_with_other_parameters_is_not_paired_by_tokens() -> None:
    pairs = _dispatcher_pairs("env_key")
    assert "Dispatcher._train_pool_for" not in pairs, pairs


BCQ = """
import torch


class BCQImpl:
    def compute_actor_loss(self, batch{extra}):
{sampling_a}        value = self.q_func.compute_expected_q(batch.observations, action.squashed_mu, "none")
        return -value[0].mean()

    def inner_update(self, batch, grad_step):
        metrics = {{}}
        metrics.update(self.update_imitator(batch))
        if grad_step < self.rl_start_step:
            return metrics
{sampling_b}        metrics.update(self.update_critic(batch))
        metrics.update(self.update_actor(batch{extra}))
        self.update_actor_target()
        return metrics
"""

SAMPLING = """        latent = torch.randn(batch.observations.shape[0], 2 * self.action_size, device=self.device)
        clipped_latent = latent.clamp(-0.5, 0.5)
        sampled_action = forward_vae_decode(vae=self.imitator, x=batch.observations, latent=clipped_latent)
        action = self.policy(batch.observations, sampled_action)
"""


def test_code_moved_between_two_kept_methods_keeps_their_pairs() -> None:
    # d3rlpy v2.2.0..v2.3.0 bcq_impl.py: the policy sampling moved from `compute_actor_loss` into `inner_update`; both
    # names stay, `compute_actor_loss` keeps the loss: no swap, so no re-pairing
    base = BCQ.format(extra="", sampling_a=SAMPLING, sampling_b="")
    cand = BCQ.format(extra=", action", sampling_a="", sampling_b=SAMPLING)
    b, c = MemoryTree({"bcq.py": src(base)}), MemoryTree({"bcq.py": src(cand)})
    pairs = {p.base.qualname: p.cand.qualname for p in build_pairs(b, c, diff_trees(b, c)).pairs if p.base and p.cand}
    assert pairs["BCQImpl.compute_actor_loss"] == "BCQImpl.compute_actor_loss", pairs
    assert pairs["BCQImpl.inner_update"] == "BCQImpl.inner_update", pairs
