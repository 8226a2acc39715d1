"""PPO: generalised advantage estimation and the clipped-objective update."""

import torch
from torch import nn


def compute_gae(rewards, values, dones, next_value, next_done, gamma, gae_lambda):
    """GAE over a rollout of shape [num_steps, num_envs]; returns (advantages, returns)."""
    num_steps = rewards.shape[0]
    advantages = torch.zeros_like(rewards)
    lastgaelam = 0
    for t in reversed(range(num_steps)):
        if t == num_steps - 1:
            nextnonterminal = 1.0 - next_done
            nextvalues = next_value
        else:
            nextnonterminal = 1.0 - dones[t + 1]
            nextvalues = values[t + 1]
        delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
        advantages[t] = lastgaelam = delta + gamma * gae_lambda * nextnonterminal * lastgaelam
    returns = advantages + values
    return advantages, returns


def ppo_update(agent, optimizer, batch, cfg):
    """Several epochs of minibatch updates; returns the last losses for logging."""
    obs, actions, logprobs, advantages, returns, values = batch
    batch_size = obs.shape[0]
    minibatch_size = batch_size // cfg["num_minibatches"]
    stats = {}
    for _epoch in range(cfg["update_epochs"]):
        order = torch.randperm(batch_size)
        for start in range(0, batch_size, minibatch_size):
            idx = order[start : start + minibatch_size]
            _, newlogprob, entropy, newvalue = agent.get_action_and_value(obs[idx], actions[idx])
            logratio = newlogprob - logprobs[idx]
            ratio = logratio.exp()
            mb_adv = advantages[idx]
            mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
            pg_loss1 = -mb_adv * ratio
            pg_loss2 = -mb_adv * torch.clamp(ratio, 1 - cfg["clip_coef"], 1 + cfg["clip_coef"])
            pg_loss = torch.max(pg_loss1, pg_loss2).mean()
            v_loss = 0.5 * ((newvalue.view(-1) - returns[idx]) ** 2).mean()
            entropy_loss = entropy.mean()
            loss = pg_loss - cfg["ent_coef"] * entropy_loss + v_loss * cfg["vf_coef"]
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), cfg["max_grad_norm"])
            optimizer.step()
            with torch.no_grad():
                stats = {
                    "losses/policy_loss": pg_loss.item(),
                    "losses/value_loss": v_loss.item(),
                    "losses/entropy": entropy_loss.item(),
                    "losses/approx_kl": ((ratio - 1) - logratio).mean().item(),
                }
    return stats
