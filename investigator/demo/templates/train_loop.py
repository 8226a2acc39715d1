"""The training loop: collect rollouts, update with PPO, log progress, save checkpoints."""

import csv
import os
import time

import torch
from rlproj.common.utils import seed_everything
from rlproj.env import GridArena
from rlproj.model import Agent
from rlproj.ppo import compute_gae, ppo_update


def train(env_cfg, trainer_cfg, seed, logdir):
    seed_everything(seed)
    os.makedirs(logdir, exist_ok=True)
    num_envs, num_steps = trainer_cfg["num_envs"], trainer_cfg["num_steps"]
    env = GridArena(num_envs, env_cfg["size"], env_cfg["max_steps"], env_cfg["rewards"], seed=seed)
    agent = Agent(env.obs_dim, env.num_actions, trainer_cfg["hidden_size"])
    optimizer = torch.optim.Adam(agent.parameters(), lr=trainer_cfg["lr"], eps=1e-5)
    num_updates = trainer_cfg["total_timesteps"] // (num_envs * num_steps)
    obs_buf = torch.zeros(num_steps, num_envs, env.obs_dim)
    act_buf = torch.zeros(num_steps, num_envs, dtype=torch.long)
    logp_buf = torch.zeros(num_steps, num_envs)
    rew_buf = torch.zeros(num_steps, num_envs)
    done_buf = torch.zeros(num_steps, num_envs)
    val_buf = torch.zeros(num_steps, num_envs)
    next_obs, next_done = env.reset(), torch.zeros(num_envs)
    returns_window, running = [], torch.zeros(num_envs)
    log_file = open(os.path.join(logdir, "progress.csv"), "w", newline="")
    writer = csv.writer(log_file)
    writer.writerow(["global_step", "charts/episodic_return", "charts/SPS", "losses/value_loss", "losses/entropy"])
    start, global_step = time.time(), 0
    for update in range(1, num_updates + 1):
        for step in range(num_steps):
            global_step += num_envs
            obs_buf[step], done_buf[step] = next_obs, next_done
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs)
            val_buf[step] = value.flatten()
            act_buf[step], logp_buf[step] = action, logprob
            next_obs, reward, next_done, info = env.step(action)
            rew_buf[step] = reward
            running += reward
            for i in torch.nonzero(next_done).flatten().tolist():
                returns_window.append(float(running[i]))
                running[i] = 0.0
        with torch.no_grad():
            next_value = agent.get_value(next_obs).flatten()
        advantages, returns = compute_gae(
            rew_buf, val_buf, done_buf, next_value, next_done, trainer_cfg["gamma"], trainer_cfg["gae_lambda"]
        )
        batch = (
            obs_buf.reshape(-1, env.obs_dim),
            act_buf.reshape(-1),
            logp_buf.reshape(-1),
            advantages.reshape(-1),
            returns.reshape(-1),
            val_buf.reshape(-1),
        )
        stats = ppo_update(agent, optimizer, batch, trainer_cfg)
        if update % trainer_cfg["log_interval"] == 0 and returns_window:
            sps = int(global_step / (time.time() - start))
            mean_return = sum(returns_window[-50:]) / len(returns_window[-50:])
            writer.writerow([global_step, mean_return, sps, stats["losses/value_loss"], stats["losses/entropy"]])
            log_file.flush()
        if update % trainer_cfg["checkpoint_interval"] == 0:
            torch.save(agent.state_dict(), os.path.join(logdir, "agent.pt"))
    log_file.close()
    return agent
