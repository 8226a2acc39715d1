"""Small DQN / SAC / PPO sources shared by the off-policy and policy-ratio detector tests."""

DQN = """
import torch
import torch.nn.functional as F


def train(q_network, target_network, optimizer, rb, args):
    for global_step in range(args.total_timesteps):
        data = rb.sample(args.batch_size)
        with torch.no_grad():
            target_max, _ = target_network(data.next_observations).max(dim=1)
            td_target = data.rewards.flatten() + args.gamma * target_max * (1 - data.dones.flatten())
        old_val = q_network(data.observations).gather(1, data.actions).squeeze()
        loss = F.mse_loss(td_target, old_val)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if global_step % args.target_network_frequency == 0:
            for target_param, param in zip(target_network.parameters(), q_network.parameters()):
                target_param.data.copy_(args.tau * param.data + (1.0 - args.tau) * target_param.data)
"""

SAC_TARGET = """
import torch


def critic_target(actor, qf1_target, qf2_target, data, alpha, args):
    with torch.no_grad():
        next_state_actions, next_state_log_pi, _ = actor.get_action(data.next_observations)
        qf1_next_target = qf1_target(data.next_observations, next_state_actions)
        qf2_next_target = qf2_target(data.next_observations, next_state_actions)
        min_qf_next_target = torch.min(qf1_next_target, qf2_next_target) - alpha * next_state_log_pi
        next_q_value = data.rewards.flatten() + (1 - data.dones.flatten()) * args.gamma * min_qf_next_target.view(-1)
    return next_q_value
"""

SAC_ACTOR = """
import torch


class Actor(torch.nn.Module):
    def get_action(self, x):
        mean, log_std = self(x)
        normal = torch.distributions.Normal(mean, log_std.exp())
        x_t = normal.rsample()
        y_t = torch.tanh(x_t)
        action = y_t * self.action_scale + self.action_bias
        log_prob = normal.log_prob(x_t)
        log_prob -= torch.log(self.action_scale * (1 - y_t.pow(2)) + 1e-6)
        log_prob = log_prob.sum(1, keepdim=True)
        return action, log_prob


def act(actor, obs):
    return actor.get_action(obs)


def setup(envs, device):
    target_entropy = -torch.prod(torch.Tensor(envs.single_action_space.shape).to(device)).item()
    log_alpha = torch.zeros(1, requires_grad=True, device=device)
    return target_entropy, log_alpha
"""

STORE = """
import numpy as np


def collect(envs, rb, obs, actions):
    next_obs, rewards, terminations, truncations, infos = envs.step(actions)
    real_next_obs = next_obs.copy()
    for idx, trunc in enumerate(truncations):
        if trunc:
            real_next_obs[idx] = infos["final_observation"][idx]
    rb.add(obs, real_next_obs, actions, rewards, terminations, infos)
    return next_obs
"""

PPO_LOSS = """
import torch


def ppo_loss(agent, args, b_obs, b_actions, b_logprobs, mb_advantages):
    _, newlogprob, entropy, newvalue = agent.get_action_and_value(b_obs, b_actions)
    logratio = newlogprob - b_logprobs
    ratio = logratio.exp()
    pg_loss1 = -mb_advantages * ratio
    pg_loss2 = -mb_advantages * torch.clamp(ratio, 1 - args.clip_coef, 1 + args.clip_coef)
    pg_loss = torch.max(pg_loss1, pg_loss2).mean()
    return pg_loss
"""


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)
