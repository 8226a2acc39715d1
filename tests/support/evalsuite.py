"""The detector evaluation suite: a generated CleanRL-style PPO project and its variants.

`BASE_FILES` is a realistic multi-file PPO implementation (source text only: it is parsed, never
run). Each `Variant` edits it: *bugs* introduce one behavioural change a detector family must
find (several written in different code styles), *refactors* preserve behaviour (renames,
extracted functions, moved modules, reformatting, reordered independent statements, dead code
commented out) and must not produce a critical or significant finding.

Why Python data and not one fixture folder per variant: every variant is a small edit of the same
nine-file project, checked to apply (an edit whose text the base no longer contains fails loudly);
as folders, each of the 66 variants would be a near-copy of the whole project that could drift.
The GAE module is the demo template's (`tests/support/ppo_source.py`), not a copy.
"""

from __future__ import annotations

import shutil
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from investigator.analyzers.base import AnalysisContext
from investigator.detectors.analyzer import CodeDetectorsAnalyzer
from investigator.detectors.sources import text_hunks
from investigator.git import build_changeset, open_repository, resolve_range
from investigator.playbooks_lib.schema import load_playbooks
from investigator.request import InvestigationRequest
from tests.support.gitrepo import commit_files, make_repo
from tests.support.ppo_source import GAE_MODULE

Files = dict[str, str]


def _src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


BASE_FILES: Files = {
    "ppo/__init__.py": '"""PPO for discrete-action gymnasium environments."""\n',
    "ppo/config.py": _src(
        '''
        from dataclasses import dataclass


        @dataclass
        class Args:
            exp_name: str = "ppo"
            seed: int = 1
            torch_deterministic: bool = True
            cuda: bool = True
            env_id: str = "CartPole-v1"
            total_timesteps: int = 500000
            learning_rate: float = 2.5e-4
            num_envs: int = 0
            num_steps: int = 128
            anneal_lr: bool = True
            gamma: float = 0.99
            gae_lambda: float = 0.95
            num_minibatches: int = 4
            update_epochs: int = 4
            norm_adv: bool = True
            clip_coef: float = 0.2
            clip_vloss: bool = True
            ent_coef: float = 0.01
            vf_coef: float = 0.5
            max_grad_norm: float = 0.5
            target_kl: float | None = None
            pretrained: str | None = None
            obs_stats: str | None = None
            save_every: int = 50
        '''
    ),
    "ppo/agent.py": _src(
        '''
        import numpy as np
        import torch
        import torch.nn as nn
        from torch.distributions.categorical import Categorical


        def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
            torch.nn.init.orthogonal_(layer.weight, std)
            torch.nn.init.constant_(layer.bias, bias_const)
            return layer


        class Agent(nn.Module):
            def __init__(self, obs_dim, n_actions):
                super().__init__()
                self.critic = nn.Sequential(
                    layer_init(nn.Linear(obs_dim, 64)),
                    nn.Tanh(),
                    layer_init(nn.Linear(64, 64)),
                    nn.Tanh(),
                    layer_init(nn.Linear(64, 1), std=1.0),
                )
                self.actor = nn.Sequential(
                    layer_init(nn.Linear(obs_dim, 64)),
                    nn.Tanh(),
                    layer_init(nn.Linear(64, 64)),
                    nn.Tanh(),
                    layer_init(nn.Linear(64, n_actions), std=0.01),
                )

            def get_value(self, x):
                return self.critic(x)

            def get_action_and_value(self, x, action=None):
                logits = self.actor(x)
                probs = Categorical(logits=logits)
                if action is None:
                    action = probs.sample()
                return action, probs.log_prob(action), probs.entropy(), self.critic(x)
        '''
    ),
    "ppo/rewards.py": _src(
        '''
        import gymnasium as gym

        REWARD_WEIGHTS = {"alive": 0.1, "progress": 1.0, "goal": 10.0}


        class ShapedReward(gym.Wrapper):
            """Adds shaped terms to the environment reward."""

            def __init__(self, env, weights=None):
                super().__init__(env)
                self.weights = dict(weights or REWARD_WEIGHTS)

            def step(self, action):
                obs, reward, terminated, truncated, info = self.env.step(action)
                shaped_reward = reward + self.weights["alive"]
                shaped_reward += self.weights["progress"] * info.get("progress", 0.0)
                if terminated and info.get("success", False):
                    shaped_reward += self.weights["goal"]
                return obs, shaped_reward, terminated, truncated, info

            def reset(self, **kwargs):
                return self.env.reset(**kwargs)
        '''
    ),
    "ppo/envs.py": _src(
        '''
        import os

        import gymnasium as gym
        import numpy as np

        from ppo.rewards import ShapedReward


        def default_num_envs():
            cpus = os.cpu_count() or 1
            num_workers = max(1, cpus // 2)
            return 1 << (num_workers.bit_length() - 1)


        def load_obs_stats(env, path):
            stats = np.load(path)
            env.obs_rms.mean = stats["mean"]
            env.obs_rms.var = stats["var"]


        def make_env(env_id, idx, seed, obs_stats=None):
            def thunk():
                env = gym.make(env_id)
                env = gym.wrappers.RecordEpisodeStatistics(env)
                env = ShapedReward(env)
                env = gym.wrappers.NormalizeObservation(env)
                if obs_stats is not None:
                    load_obs_stats(env, obs_stats)
                env = gym.wrappers.TransformObservation(env, lambda obs: np.clip(obs, -10, 10), env.observation_space)
                env.action_space.seed(seed + idx)
                return env

            return thunk


        def make_vec_env(args):
            num_envs = args.num_envs or default_num_envs()
            envs = gym.vector.SyncVectorEnv(
                [make_env(args.env_id, i, args.seed, args.obs_stats) for i in range(num_envs)]
            )
            return envs, num_envs
        '''
    ),
    "ppo/gae.py": GAE_MODULE,  # the demo template's compute_gae
    "ppo/schedules.py": _src(
        '''
        import math


        def linear_schedule(initial, update, num_updates):
            frac = 1.0 - (update - 1.0) / num_updates
            return frac * initial


        def cosine_schedule(initial, update, num_updates, floor=0.0):
            progress = (update - 1.0) / num_updates
            return floor + 0.5 * (initial - floor) * (1.0 + math.cos(math.pi * progress))
        '''
    ),
    "ppo/checkpoint.py": _src(
        '''
        import torch


        def strip_prefix(state_dict, prefix="module."):
            return {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in state_dict.items()}


        def load_pretrained(agent, path, device):
            state = torch.load(path, map_location=device)
            state = strip_prefix(state.get("model", state))
            agent.load_state_dict(state)
            return agent


        def save_checkpoint(agent, optimizer, path):
            torch.save({"model": agent.state_dict(), "optimizer": optimizer.state_dict()}, path)
        '''
    ),
    "ppo/loss.py": _src(
        '''
        import torch


        def ppo_loss(agent, args, obs, actions, logprobs, advantages, returns, values):
            _, newlogprob, entropy, newvalue = agent.get_action_and_value(obs, actions.long())
            logratio = newlogprob - logprobs
            ratio = logratio.exp()

            with torch.no_grad():
                approx_kl = ((ratio - 1) - logratio).mean()

            mb_advantages = advantages
            if args.norm_adv:
                mb_advantages = (mb_advantages - mb_advantages.mean()) / (mb_advantages.std() + 1e-8)

            pg_loss1 = -mb_advantages * ratio
            pg_loss2 = -mb_advantages * torch.clamp(ratio, 1 - args.clip_coef, 1 + args.clip_coef)
            pg_loss = torch.max(pg_loss1, pg_loss2).mean()

            newvalue = newvalue.view(-1)
            if args.clip_vloss:
                v_loss_unclipped = (newvalue - returns) ** 2
                v_clipped = values + torch.clamp(newvalue - values, -args.clip_coef, args.clip_coef)
                v_loss_clipped = (v_clipped - returns) ** 2
                v_loss_max = torch.max(v_loss_unclipped, v_loss_clipped)
                v_loss = 0.5 * v_loss_max.mean()
            else:
                v_loss = 0.5 * ((newvalue - returns) ** 2).mean()

            entropy_loss = entropy.mean()
            return pg_loss, v_loss, entropy_loss, approx_kl
        '''
    ),
    "ppo/train.py": _src(
        '''
        import random
        import time

        import numpy as np
        import torch
        import torch.nn as nn
        import torch.optim as optim
        from torch.utils.tensorboard import SummaryWriter

        from ppo.agent import Agent
        from ppo.checkpoint import load_pretrained, save_checkpoint
        from ppo.config import Args
        from ppo.envs import make_vec_env
        from ppo.gae import compute_gae
        from ppo.loss import ppo_loss
        from ppo.schedules import linear_schedule


        def seed_everything(seed, deterministic):
            random.seed(seed)
            np.random.seed(seed)
            torch.manual_seed(seed)
            torch.backends.cudnn.deterministic = deterministic


        def train(args):
            seed_everything(args.seed, args.torch_deterministic)
            device = torch.device("cuda" if torch.cuda.is_available() and args.cuda else "cpu")
            envs, num_envs = make_vec_env(args)
            batch_size = int(num_envs * args.num_steps)
            minibatch_size = int(batch_size // args.num_minibatches)
            num_updates = args.total_timesteps // batch_size
            writer = SummaryWriter(f"runs/{args.exp_name}")

            obs_dim = int(np.prod(envs.single_observation_space.shape))
            agent = Agent(obs_dim, envs.single_action_space.n).to(device)
            if args.pretrained:
                load_pretrained(agent, args.pretrained, device)
            optimizer = optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)

            obs = torch.zeros((args.num_steps, num_envs) + envs.single_observation_space.shape).to(device)
            actions = torch.zeros((args.num_steps, num_envs) + envs.single_action_space.shape).to(device)
            logprobs = torch.zeros((args.num_steps, num_envs)).to(device)
            rewards = torch.zeros((args.num_steps, num_envs)).to(device)
            dones = torch.zeros((args.num_steps, num_envs)).to(device)
            values = torch.zeros((args.num_steps, num_envs)).to(device)

            global_step = 0
            start_time = time.time()
            next_obs, _ = envs.reset(seed=args.seed)
            next_obs = torch.Tensor(next_obs).to(device)
            next_done = torch.zeros(num_envs).to(device)

            for update in range(1, num_updates + 1):
                if args.anneal_lr:
                    optimizer.param_groups[0]["lr"] = linear_schedule(args.learning_rate, update, num_updates)

                agent.eval()
                for step in range(0, args.num_steps):
                    global_step += num_envs
                    obs[step] = next_obs
                    dones[step] = next_done
                    with torch.no_grad():
                        action, logprob, _, value = agent.get_action_and_value(next_obs)
                        values[step] = value.flatten()
                    actions[step] = action
                    logprobs[step] = logprob

                    next_obs, reward, terminations, truncations, infos = envs.step(action.cpu().numpy())
                    next_done = np.logical_or(terminations, truncations)
                    rewards[step] = torch.tensor(reward).to(device).view(-1)
                    next_obs, next_done = torch.Tensor(next_obs).to(device), torch.Tensor(next_done).to(device)

                with torch.no_grad():
                    next_value = agent.get_value(next_obs).reshape(1, -1)
                    advantages, returns = compute_gae(
                        rewards, values, dones, next_value, next_done, args.gamma, args.gae_lambda
                    )

                b_obs = obs.reshape((-1,) + envs.single_observation_space.shape)
                b_logprobs = logprobs.reshape(-1)
                b_actions = actions.reshape((-1,) + envs.single_action_space.shape)
                b_advantages = advantages.reshape(-1)
                b_returns = returns.reshape(-1)
                b_values = values.reshape(-1)

                agent.train()
                b_inds = np.arange(batch_size)
                for epoch in range(args.update_epochs):
                    np.random.shuffle(b_inds)
                    for start in range(0, batch_size, minibatch_size):
                        end = start + minibatch_size
                        mb_inds = b_inds[start:end]
                        pg_loss, v_loss, entropy_loss, approx_kl = ppo_loss(
                            agent,
                            args,
                            b_obs[mb_inds],
                            b_actions[mb_inds],
                            b_logprobs[mb_inds],
                            b_advantages[mb_inds],
                            b_returns[mb_inds],
                            b_values[mb_inds],
                        )
                        loss = pg_loss - args.ent_coef * entropy_loss + v_loss * args.vf_coef

                        optimizer.zero_grad()
                        loss.backward()
                        nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
                        optimizer.step()

                    if args.target_kl is not None and approx_kl > args.target_kl:
                        break

                writer.add_scalar("charts/learning_rate", optimizer.param_groups[0]["lr"], global_step)
                writer.add_scalar("losses/value_loss", v_loss.item(), global_step)
                writer.add_scalar("losses/policy_loss", pg_loss.item(), global_step)
                writer.add_scalar("charts/SPS", int(global_step / (time.time() - start_time)), global_step)
                if update % args.save_every == 0:
                    save_checkpoint(agent, optimizer, f"runs/{args.exp_name}/agent.pt")

            envs.close()
            writer.close()


        if __name__ == "__main__":
            train(Args())
        '''
    ),
    "csrc/rollout_kernel.cu": _src(
        '''
        // Fused discounted-return kernel (optional extension).
        __global__ void discounted_returns(const float* rewards, const float* dones, float* out, float gamma, int n) {
            int i = blockIdx.x * blockDim.x + threadIdx.x;
            if (i >= n) return;
            out[i] = rewards[i] + gamma * (1.0f - dones[i]) * out[i + 1];
        }
        '''
    ),
}


@dataclass
class Variant:
    id: str
    kind: str  # "bug" | "refactor"
    description: str
    edit: Callable[[Files], Files]
    family: str = ""  # detector family expected to find a bug
    subsystem: str = ""  # expected subsystem of the bug
    path: str = ""  # file (candidate path) where the bug is

    def apply(self) -> Files:
        return self.edit(dict(BASE_FILES))


def replace(files: Files, path: str, old: str, new: str, count: int = 1) -> Files:
    """Edit one file; fails loudly when the base no longer contains the text (keeps the suite honest)."""
    text = files[path]
    old, new = _block(old), _block(new)
    if text.count(old) < count:
        raise ValueError(f"variant edit does not apply to {path}: {old!r}")
    out = dict(files)
    out[path] = text.replace(old, new, count)
    return out


def _block(text: str) -> str:
    """Strip the one leading newline of triple-quoted edit fragments, keep indentation."""
    return text[1:] if text.startswith("\n") else text


def edits(*steps: tuple[str, str, str]) -> Callable[[Files], Files]:
    def apply(files: Files) -> Files:
        for path, old, new in steps:
            files = replace(files, path, old, new)
        return files

    return apply


def move(old_path: str, new_path: str, *import_fixes: tuple[str, str, str]) -> Callable[[Files], Files]:
    def apply(files: Files) -> Files:
        out = dict(files)
        out[new_path] = out.pop(old_path)
        for path, old, new in import_fixes:
            out = replace(out, path, old, new)
        return out

    return apply


T = "ppo/train.py"
L = "ppo/loss.py"
G = "ppo/gae.py"
E = "ppo/envs.py"

# Detector families a PPO code base cannot exercise (no target network, replay buffer or squashed
# policy): their positive/negative cases live in the named test module instead.
COVERED_ELSEWHERE: dict[str, str] = {
    "target_network": "tests/detectors/test_offpolicy_rules.py",
    "replay_store": "tests/detectors/test_offpolicy_rules.py",
    "squashed_policy": "tests/detectors/test_offpolicy_rules.py",
}

BUGS: list[Variant] = [
    Variant("zero_grad_outside_minibatch_loop", "bug", "zero_grad() moved before the epoch loop: gradients accumulate",
            edits((T, "                optimizer.zero_grad()\n                loss.backward()", "                loss.backward()"),
                  (T, "        b_inds = np.arange(batch_size)\n", "        b_inds = np.arange(batch_size)\n        optimizer.zero_grad()\n")),
            "grad_order", "trainer", T),
    Variant("clip_after_step", "bug", "gradient clipping moved after optimizer.step()",
            edits((T, "                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)\n                optimizer.step()",
                   "                optimizer.step()\n                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)")),
            "grad_order", "trainer", T),
    Variant("zero_grad_once_per_update", "bug", "zero_grad() once per update after the epochs (accumulation across minibatches)",
            edits((T, "                optimizer.zero_grad()\n                loss.backward()", "                loss.backward()"),
                  (T, "            if args.target_kl is not None and approx_kl > args.target_kl:\n                break\n",
                   "            if args.target_kl is not None and approx_kl > args.target_kl:\n                break\n        optimizer.zero_grad()\n")),
            "grad_order", "trainer", T),
    Variant("clip_removed", "bug", "gradient clipping removed",
            edits((T, "                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)\n", "")),
            "grad_clip", "trainer", T),
    Variant("clip_norm_hardcoded", "bug", "max grad norm hard-coded to 10 (keyword style)",
            edits((T, "nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)",
                   "torch.nn.utils.clip_grad_norm_(parameters=agent.parameters(), max_norm=10.0)")),
            "grad_clip", "trainer", T),
    Variant("lr_anneal_removed", "bug", "learning-rate annealing block deleted",
            edits((T, "        if args.anneal_lr:\n            optimizer.param_groups[0][\"lr\"] = linear_schedule(args.learning_rate, update, num_updates)\n\n", "")),
            "lr_schedule", "trainer", T),
    Variant("schedule_module_commented_out", "bug", "the schedule module and its call turned into comments",
            edits((T, "        if args.anneal_lr:\n            optimizer.param_groups[0][\"lr\"] = linear_schedule(args.learning_rate, update, num_updates)\n",
                   "        # TODO(refactor) re-enable annealing\n        # if args.anneal_lr:\n        #     optimizer.param_groups[0][\"lr\"] = linear_schedule(args.learning_rate, update, num_updates)\n"),
                  ("ppo/schedules.py", "def linear_schedule(initial, update, num_updates):\n    frac = 1.0 - (update - 1.0) / num_updates\n    return frac * initial\n",
                   "# def linear_schedule(initial, update, num_updates):\n#     frac = 1.0 - (update - 1.0) / num_updates\n#     return frac * initial\n"),
                  (T, "from ppo.schedules import linear_schedule\n", "")),
            "lr_schedule", "trainer", T),
    Variant("gae_values_index", "bug", "GAE bootstraps from values[t] instead of values[t + 1]",
            edits((G, "nextvalues = values[t + 1]", "nextvalues = values[t]")), "gae_index", "ppo", G),
    Variant("gae_dones_index", "bug", "GAE masks with dones[t] instead of dones[t + 1]",
            edits((G, "nextnonterminal = 1.0 - dones[t + 1]", "nextnonterminal = 1.0 - dones[t]")), "gae_index", "ppo", G),
    Variant("gae_values_index_ternary", "bug", "GAE rewritten with conditional expressions, bootstrapping from values[t]",
            lambda f: {**f, G: _ternary_gae(f[G], "values[t]")}, "gae_index", "ppo", G),
    Variant("done_mask_dropped", "bug", "(1 - done) masking removed from delta and the recursion",
            edits((G, "delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]", "delta = rewards[t] + gamma * nextvalues - values[t]"),
                  (G, "delta + gamma * gae_lambda * nextnonterminal * lastgaelam", "delta + gamma * gae_lambda * lastgaelam")),
            "done_mask", "ppo", G),
    Variant("done_mask_constant", "bug", "done mask replaced by a constant (style: assignment, not expression)",
            edits((G, "nextnonterminal = 1.0 - dones[t + 1]", "nextnonterminal = 1.0")), "done_mask", "ppo", G),
    Variant("truncation_dropped", "bug", "done flag built from terminations only",
            edits((T, "next_done = np.logical_or(terminations, truncations)", "next_done = terminations")),
            "done_signal", "vecenv", T),
    Variant("returns_without_values", "bug", "returns built from advantages only",
            edits((G, "returns = advantages + values", "returns = advantages.clone()")), "returns_target", "ppo", G),
    Variant("value_target_values", "bug", "value loss regresses onto rollout values instead of returns",
            edits((L, "v_loss_unclipped = (newvalue - returns) ** 2", "v_loss_unclipped = (newvalue - values) ** 2")),
            "returns_target", "ppo", L),
    Variant("pg_loss_clamped", "bug", "policy loss clamped at zero (no gradient below)",
            edits((L, "pg_loss = torch.max(pg_loss1, pg_loss2).mean()", "pg_loss = torch.clamp(torch.max(pg_loss1, pg_loss2).mean(), min=0.0)")),
            "loss_clamp", "ppo", L),
    Variant("value_loss_free_bits", "bug", "free-bits style max(const, loss) on the value loss",
            edits((L, "v_loss = 0.5 * v_loss_max.mean()", "v_loss = torch.max(torch.tensor(0.05), 0.5 * v_loss_max.mean())")),
            "loss_clamp", "ppo", L),
    Variant("ratio_detached", "bug", "probability ratio detached: no policy gradient",
            edits((L, "ratio = logratio.exp()", "ratio = logratio.exp().detach()")), "detach_grad", "ppo", L),
    Variant("newvalue_detached", "bug", "value prediction detached (method-chain style): critic stops learning",
            edits((L, "newvalue = newvalue.view(-1)", "newvalue = newvalue.view(-1).detach()")), "detach_grad", "ppo", L),
    Variant("ratio_inverted", "bug", "log-ratio written old - new: the probability ratio is inverted",
            edits((L, "logratio = newlogprob - logprobs", "logratio = logprobs - newlogprob")), "policy_ratio", "ppo", L),
    Variant("surrogate_min", "bug", "clipped surrogate takes the optimistic min of the negated objectives",
            edits((L, "pg_loss = torch.max(pg_loss1, pg_loss2).mean()", "pg_loss = torch.min(pg_loss1, pg_loss2).mean()")),
            "policy_ratio", "ppo", L),
    Variant("adv_norm_removed", "bug", "advantage normalisation removed",
            edits((L, "    if args.norm_adv:\n        mb_advantages = (mb_advantages - mb_advantages.mean()) / (mb_advantages.std() + 1e-8)\n", "")),
            "adv_norm", "ppo", L),
    Variant("adv_norm_full_batch", "bug", "advantage normalisation moved from per-minibatch to the whole batch",
            edits((L, "    if args.norm_adv:\n        mb_advantages = (mb_advantages - mb_advantages.mean()) / (mb_advantages.std() + 1e-8)\n", ""),
                  (T, "        b_advantages = advantages.reshape(-1)\n",
                   "        b_advantages = advantages.reshape(-1)\n        b_advantages = (b_advantages - b_advantages.mean()) / (b_advantages.std() + 1e-8)\n")),
            "adv_norm", "ppo", T),
    Variant("entropy_sign", "bug", "entropy bonus sign flipped",
            edits((T, "loss = pg_loss - args.ent_coef * entropy_loss + v_loss * args.vf_coef", "loss = pg_loss + args.ent_coef * entropy_loss + v_loss * args.vf_coef")),
            "entropy_term", "ppo", T),
    Variant("entropy_coef_zero", "bug", "entropy coefficient hard-coded to zero (rewritten as a sum of terms)",
            edits((T, "loss = pg_loss - args.ent_coef * entropy_loss + v_loss * args.vf_coef", "loss = v_loss * args.vf_coef + pg_loss - 0.0 * entropy_loss")),
            "entropy_term", "ppo", T),
    Variant("value_clip_removed", "bug", "value-loss clipping branch removed",
            edits((L, "    if args.clip_vloss:\n        v_loss_unclipped = (newvalue - returns) ** 2\n        v_clipped = values + torch.clamp(newvalue - values, -args.clip_coef, args.clip_coef)\n        v_loss_clipped = (v_clipped - returns) ** 2\n        v_loss_max = torch.max(v_loss_unclipped, v_loss_clipped)\n        v_loss = 0.5 * v_loss_max.mean()\n    else:\n        v_loss = 0.5 * ((newvalue - returns) ** 2).mean()\n",
                   "    v_loss = 0.5 * ((newvalue - returns) ** 2).mean()\n")),
            "value_clip", "ppo", L),
    Variant("strict_false", "bug", "pretrained weights loaded with strict=False",
            edits(("ppo/checkpoint.py", "agent.load_state_dict(state)", "agent.load_state_dict(state, strict=False)")),
            "strict_load", "checkpointing", "ppo/checkpoint.py"),
    Variant("key_remap_unconditional", "bug", "prefix stripped from every key, prefixed or not",
            edits(("ppo/checkpoint.py", "{k[len(prefix):] if k.startswith(prefix) else k: v for k, v in state_dict.items()}",
                   "{k[len(prefix):]: v for k, v in state_dict.items()}")),
            "strict_load", "checkpointing", "ppo/checkpoint.py"),
    Variant("obs_norm_removed", "bug", "NormalizeObservation wrapper removed",
            edits((E, "        env = gym.wrappers.NormalizeObservation(env)\n", "")), "norm_wrappers", "normalization", E),
    Variant("obs_clip_range", "bug", "normalised observations clipped to [-1, 1] instead of [-10, 10]",
            edits((E, "lambda obs: np.clip(obs, -10, 10)", "lambda obs: np.clip(obs, -1, 1)")),
            "norm_wrappers", "normalization", E),
    Variant("obs_stats_not_loaded", "bug", "pretraining observation statistics no longer loaded",
            edits((E, "        if obs_stats is not None:\n            load_obs_stats(env, obs_stats)\n", "")),
            "norm_wrappers", "normalization", E),
    Variant("reward_term_removed", "bug", "shaped progress reward removed from the reward dictionary and the wrapper",
            edits(("ppo/rewards.py", 'REWARD_WEIGHTS = {"alive": 0.1, "progress": 1.0, "goal": 10.0}', 'REWARD_WEIGHTS = {"alive": 0.1, "goal": 10.0}'),
                  ("ppo/rewards.py", '        shaped_reward += self.weights["progress"] * info.get("progress", 0.0)\n', "")),
            "reward_terms", "env", "ppo/rewards.py"),
    Variant("reward_capped", "bug", "per-step reward capped at 1.0",
            edits(("ppo/rewards.py", "        return obs, shaped_reward, terminated, truncated, info",
                   "        shaped_reward = min(shaped_reward, 1.0)\n        return obs, shaped_reward, terminated, truncated, info")),
            "reward_terms", "env", "ppo/rewards.py"),
    Variant("env_count_no_pow2", "bug", "worker count heuristic changed (all CPUs, no power-of-two rounding)",
            edits((E, "    num_workers = max(1, cpus // 2)\n    return 1 << (num_workers.bit_length() - 1)", "    num_workers = max(1, cpus)\n    return num_workers")),
            "env_count", "vecenv", E),
    Variant("async_vecenv", "bug", "SyncVectorEnv replaced by AsyncVectorEnv",
            edits((E, "gym.vector.SyncVectorEnv(", "gym.vector.AsyncVectorEnv(")), "vecenv_backend", "vecenv", E),
    Variant("env_recreated_on_reset", "bug", "reset() now rebuilds the wrapped environment",
            edits(("ppo/rewards.py", "    def reset(self, **kwargs):\n        return self.env.reset(**kwargs)",
                   "    def reset(self, **kwargs):\n        self.env = gym.make(self.env.spec.id)\n        return self.env.reset(**kwargs)")),
            "env_recreate", "env", "ppo/rewards.py"),
    Variant("update_in_eval_mode", "bug", "agent.train() dropped: the update runs in eval mode",
            edits((T, "        agent.train()\n", "")), "train_eval_mode", "trainer", T),
    Variant("torch_compile_added", "bug", "agent wrapped in torch.compile",
            edits((T, "    agent = Agent(obs_dim, envs.single_action_space.n).to(device)\n",
                   "    agent = Agent(obs_dim, envs.single_action_space.n).to(device)\n    agent = torch.compile(agent, mode=\"max-autotune\")\n")),
            "torch_compile", "device", T),
    Variant("fp16_autocast", "bug", "loss computed under float16 autocast without a grad scaler",
            edits((T, "                pg_loss, v_loss, entropy_loss, approx_kl = ppo_loss(",
                   "                with torch.autocast(device_type=\"cuda\", dtype=torch.float16):\n                    pg_loss, v_loss, entropy_loss, approx_kl = ppo_loss(")),
            "precision", "device", T),
    Variant("device_forced_cpu", "bug", "training pinned to the CPU",
            edits((T, 'device = torch.device("cuda" if torch.cuda.is_available() and args.cuda else "cpu")', 'device = torch.device("cpu")')),
            "device_placement", "device", T),
    Variant("env_seed_shared", "bug", "every environment gets the same action-space seed",
            edits((E, "env.action_space.seed(seed + idx)", "env.action_space.seed(seed)")), "seeding", "device", E),
    Variant("policy_head_gain", "bug", "policy head initialised with std 1.0 instead of 0.01",
            edits(("ppo/agent.py", "layer_init(nn.Linear(64, n_actions), std=0.01)", "layer_init(nn.Linear(64, n_actions), std=1.0)")),
            "init_gain", "init", "ppo/agent.py"),
    Variant("critic_relu", "bug", "critic hidden activations changed from Tanh to ReLU",
            edits(("ppo/agent.py", "            layer_init(nn.Linear(obs_dim, 64)),\n            nn.Tanh(),\n            layer_init(nn.Linear(64, 64)),\n            nn.Tanh(),\n            layer_init(nn.Linear(64, 1), std=1.0),",
                   "            layer_init(nn.Linear(obs_dim, 64)),\n            nn.ReLU(),\n            layer_init(nn.Linear(64, 64)),\n            nn.ReLU(),\n            layer_init(nn.Linear(64, 1), std=1.0),")),
            "layers", "architecture", "ppo/agent.py"),
    Variant("actor_width_256", "bug", "actor hidden width 64 -> 256 (keyword style)",
            edits(("ppo/agent.py", "            layer_init(nn.Linear(64, n_actions), std=0.01),",
                   "            layer_init(nn.Linear(in_features=64, out_features=n_actions), std=0.01),"),
                  ("ppo/agent.py", "        self.actor = nn.Sequential(\n            layer_init(nn.Linear(obs_dim, 64)),\n            nn.Tanh(),\n            layer_init(nn.Linear(64, 64)),",
                   "        self.actor = nn.Sequential(\n            layer_init(nn.Linear(obs_dim, 256)),\n            nn.Tanh(),\n            layer_init(nn.Linear(256, 64)),")),
            "layers", "architecture", "ppo/agent.py"),
    Variant("adam_eps_default", "bug", "Adam eps 1e-5 dropped (PyTorch default 1e-8)",
            edits((T, "optimizer = optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)", "optimizer = optim.Adam(agent.parameters(), lr=args.learning_rate)")),
            "optimizer_ctor", "trainer", T),
    Variant("item_sync_in_minibatch_loop", "bug", "per-minibatch .item() syncs added for a debug print",
            edits((T, "                loss = pg_loss - args.ent_coef * entropy_loss + v_loss * args.vf_coef\n",
                   "                loss = pg_loss - args.ent_coef * entropy_loss + v_loss * args.vf_coef\n"
                   "                if loss.item() > 1e3 or approx_kl.item() > 1.0:\n                    print(\"large loss\", loss.item())\n")),
            "host_sync", "device", T),
    Variant("checkpoint_save_dropped", "bug", "periodic checkpoint saving no longer called",
            edits((T, "        if update % args.save_every == 0:\n            save_checkpoint(agent, optimizer, f\"runs/{args.exp_name}/agent.pt\")\n", ""),
                  (T, "from ppo.checkpoint import load_pretrained, save_checkpoint", "from ppo.checkpoint import load_pretrained")),
            "call_removed", "checkpointing", T),
    Variant("wrapper_commented_out", "bug", "reward-shaping wrapper class and its use commented out",
            edits((E, "        env = ShapedReward(env)\n", "        # env = ShapedReward(env)\n"),
                  (E, "from ppo.rewards import ShapedReward\n", "# from ppo.rewards import ShapedReward\n"),
                  ("ppo/rewards.py", '    def step(self, action):\n        obs, reward, terminated, truncated, info = self.env.step(action)\n        shaped_reward = reward + self.weights["alive"]\n        shaped_reward += self.weights["progress"] * info.get("progress", 0.0)\n        if terminated and info.get("success", False):\n            shaped_reward += self.weights["goal"]\n        return obs, shaped_reward, terminated, truncated, info\n',
                   '    # def step(self, action):\n    #     obs, reward, terminated, truncated, info = self.env.step(action)\n    #     shaped_reward = reward + self.weights["alive"]\n    #     shaped_reward += self.weights["progress"] * info.get("progress", 0.0)\n    #     if terminated and info.get("success", False):\n    #         shaped_reward += self.weights["goal"]\n    #     return obs, shaped_reward, terminated, truncated, info\n')),
            "comment_out", "env", "ppo/rewards.py"),
]


def _ternary_gae(text: str, bootstrap: str) -> str:
    """The GAE bootstrap branch written as conditional expressions (a different code style)."""
    old = (
        "        if t == num_steps - 1:\n            nextnonterminal = 1.0 - next_done\n            nextvalues = next_value\n"
        "        else:\n            nextnonterminal = 1.0 - dones[t + 1]\n            nextvalues = values[t + 1]\n"
    )
    new = (
        "        last = t == num_steps - 1\n"
        "        nextnonterminal = 1.0 - (next_done if last else dones[t + 1])\n"
        f"        nextvalues = next_value if last else {bootstrap}\n"
    )
    if old not in text:
        raise ValueError("GAE bootstrap branch not found")
    return text.replace(old, new)


def _reformat_loss(files: Files) -> Files:
    """Black-style rewrap with different quoting and explicit parentheses (same AST)."""
    out = dict(files)
    text = out[L]
    text = text.replace(
        "    pg_loss2 = -mb_advantages * torch.clamp(ratio, 1 - args.clip_coef, 1 + args.clip_coef)\n",
        "    pg_loss2 = -mb_advantages * torch.clamp(\n        ratio,\n        1 - args.clip_coef,\n        1 + args.clip_coef,\n    )\n",
    )
    text = text.replace(
        "        v_clipped = values + torch.clamp(newvalue - values, -args.clip_coef, args.clip_coef)\n",
        "        v_clipped = values + torch.clamp(\n            newvalue - values,\n            -args.clip_coef,\n            args.clip_coef,\n        )\n",
    )
    text = text.replace("    logratio = newlogprob - logprobs\n", "    logratio = (newlogprob - logprobs)\n")
    text = text.replace("def ppo_loss(agent, args, obs, actions, logprobs, advantages, returns, values):",
                        "def ppo_loss(\n    agent, args, obs, actions, logprobs, advantages, returns, values\n):")
    out[L] = text
    return out


def _extract_optimizer_step(files: Files) -> Files:
    files = replace(
        files, T,
        "                optimizer.zero_grad()\n                loss.backward()\n                nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)\n                optimizer.step()\n",
        "                apply_gradients(optimizer, loss, agent.parameters(), args.max_grad_norm)\n",
    )
    return replace(
        files, T,
        "def train(args):\n",
        "def apply_gradients(optimizer, loss, parameters, max_grad_norm):\n    optimizer.zero_grad()\n    loss.backward()\n"
        "    nn.utils.clip_grad_norm_(parameters, max_grad_norm)\n    optimizer.step()\n\n\ndef train(args):\n",
    )


def _extract_gae_into_helper_module(files: Files) -> Files:
    """Move the bootstrap step of GAE into a new helper module and import it."""
    files = replace(
        files, G,
        "        if t == num_steps - 1:\n            nextnonterminal = 1.0 - next_done\n            nextvalues = next_value\n"
        "        else:\n            nextnonterminal = 1.0 - dones[t + 1]\n            nextvalues = values[t + 1]\n",
        "        nextnonterminal, nextvalues = bootstrap(t, num_steps, values, dones, next_value, next_done)\n",
    )
    files = replace(files, G, "import torch\n", "import torch\n\nfrom ppo.bootstrap import bootstrap\n")
    files["ppo/bootstrap.py"] = _src(
        '''
        def bootstrap(t, num_steps, values, dones, next_value, next_done):
            """Mask and value used to bootstrap step t."""
            if t == num_steps - 1:
                return 1.0 - next_done, next_value
            nextnonterminal = 1.0 - dones[t + 1]
            nextvalues = values[t + 1]
            return nextnonterminal, nextvalues
        '''
    )
    return files


def _rename_gae_locals(files: Files) -> Files:
    text = files[G]
    for old, new in (("lastgaelam", "running_gae"), ("nextnonterminal", "not_done_next"),
                     ("nextvalues", "bootstrap_values"), ("[t", "[step_idx"), ("for t in", "for step_idx in"),
                     ("if t ==", "if step_idx ==")):
        text = text.replace(old, new)
    return {**files, G: text}


REFACTORS: list[Variant] = [
    Variant("rename_gae_locals", "refactor", "local variables of GAE renamed", _rename_gae_locals),
    Variant("rename_gae_function", "refactor", "compute_gae renamed to generalized_advantage_estimate at all call sites",
            lambda f: {**f, G: f[G].replace("compute_gae", "generalized_advantage_estimate"),
                       T: f[T].replace("compute_gae", "generalized_advantage_estimate")}),
    Variant("extract_optimizer_step", "refactor", "zero_grad/backward/clip/step extracted into apply_gradients()",
            _extract_optimizer_step),
    Variant("extract_bootstrap_module", "refactor", "GAE bootstrap branch extracted into a new module", _extract_gae_into_helper_module),
    Variant("move_gae_module", "refactor", "ppo/gae.py moved to ppo/algos/advantage.py",
            move(G, "ppo/algos/advantage.py", (T, "from ppo.gae import compute_gae", "from ppo.algos.advantage import compute_gae"))),
    Variant("move_agent_module", "refactor", "Agent moved to ppo/models/actor_critic.py",
            move("ppo/agent.py", "ppo/models/actor_critic.py", (T, "from ppo.agent import Agent", "from ppo.models.actor_critic import Agent"))),
    Variant("gae_ternary_style", "refactor", "GAE bootstrap written with conditional expressions",
            lambda f: {**f, G: _ternary_gae(f[G], "values[t + 1]")}),
    Variant("lambda_lr_scheduler", "refactor", "manual annealing replaced by an equivalent torch LambdaLR scheduler",
            edits((T, "        if args.anneal_lr:\n            optimizer.param_groups[0][\"lr\"] = linear_schedule(args.learning_rate, update, num_updates)\n",
                   "        if args.anneal_lr and update > 1:\n            scheduler.step()\n"),
                  (T, "    optimizer = optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)\n",
                   "    optimizer = optim.Adam(agent.parameters(), lr=args.learning_rate, eps=1e-5)\n"
                   "    scheduler = optim.lr_scheduler.LambdaLR(\n"
                   "        optimizer, lambda i: linear_schedule(1.0, i + 1, num_updates)\n    )\n"))),
    Variant("zero_grad_set_to_none", "refactor", "zero_grad(set_to_none=True) on the module instead of the optimizer",
            edits((T, "                optimizer.zero_grad()\n", "                agent.zero_grad(set_to_none=True)\n"))),
    Variant("returns_helper", "refactor", "returns computed by a one-line helper (`return advantages + values`)",
            edits((G, "    returns = advantages + values\n", "    returns = lambda_returns(advantages, values)\n"),
                  (G, "def compute_gae(", "def lambda_returns(advantages, values):\n    return advantages + values\n\n\ndef compute_gae("))),
    Variant("reformat_loss", "refactor", "loss module reformatted (wrapping, parentheses)", _reformat_loss),
    Variant("reorder_buffers", "refactor", "independent buffer allocations and stores reordered",
            edits((T, "    logprobs = torch.zeros((args.num_steps, num_envs)).to(device)\n    rewards = torch.zeros((args.num_steps, num_envs)).to(device)\n",
                   "    rewards = torch.zeros((args.num_steps, num_envs)).to(device)\n    logprobs = torch.zeros((args.num_steps, num_envs)).to(device)\n"),
                  (T, "            actions[step] = action\n            logprobs[step] = logprob\n",
                   "            logprobs[step] = logprob\n            actions[step] = action\n"))),
    Variant("dead_schedule_commented_out", "refactor", "unused cosine_schedule commented out (no callers at the baseline)",
            edits(("ppo/schedules.py",
                   "def cosine_schedule(initial, update, num_updates, floor=0.0):\n    progress = (update - 1.0) / num_updates\n    return floor + 0.5 * (initial - floor) * (1.0 + math.cos(math.pi * progress))\n",
                   "# def cosine_schedule(initial, update, num_updates, floor=0.0):\n#     progress = (update - 1.0) / num_updates\n#     return floor + 0.5 * (initial - floor) * (1.0 + math.cos(math.pi * progress))\n"))),
    Variant("docstrings_and_hints", "refactor", "docstrings and type hints added",
            edits(("ppo/agent.py", "def layer_init(layer, std=np.sqrt(2), bias_const=0.0):\n",
                   'def layer_init(layer: nn.Module, std: float = np.sqrt(2), bias_const: float = 0.0) -> nn.Module:\n    """Orthogonal weights, constant bias."""\n'),
                  (E, "def make_vec_env(args):\n", 'def make_vec_env(args):\n    """Vectorised environments and their count."""\n'))),
    Variant("entropy_bonus_variable", "refactor", "loss written with a named, weighted entropy bonus",
            edits((T, "                loss = pg_loss - args.ent_coef * entropy_loss + v_loss * args.vf_coef\n",
                   "                entropy_bonus = args.ent_coef * entropy_loss\n                loss = pg_loss - entropy_bonus + v_loss * args.vf_coef\n"))),
    Variant("extra_logging", "refactor", "more scalars logged after each update",
            edits((T, '        writer.add_scalar("losses/policy_loss", pg_loss.item(), global_step)\n',
                   '        writer.add_scalar("losses/policy_loss", pg_loss.item(), global_step)\n'
                   '        writer.add_scalar("losses/entropy", entropy_loss.item(), global_step)\n'
                   '        writer.add_scalar("losses/approx_kl", approx_kl.item(), global_step)\n'))),
    Variant("main_function", "refactor", "entry point wrapped in main()",
            edits((T, 'if __name__ == "__main__":\n    train(Args())\n', 'def main():\n    train(Args())\n\n\nif __name__ == "__main__":\n    main()\n'))),
    Variant("native_kernel_tweak", "refactor", "comment and launch-bound change in the optional CUDA extension",
            edits(("csrc/rollout_kernel.cu", "// Fused discounted-return kernel (optional extension).", "// Fused discounted-return kernel (optional extension, unused by default)."))),
]

VARIANTS: list[Variant] = BUGS + REFACTORS


# -- running the suite ----------------------------------------------------------------------------
@dataclass
class VariantOutcome:
    variant: Variant
    rank: int | None  # 1-based rank of the first finding that matches the bug (None: not found)
    found_by: str  # detector of that finding
    top: list[str]  # the top findings, rendered
    false_positives: list[str]  # critical/significant findings on a refactor
    no_effect: int
    seconds: float

    @property
    def recalled(self) -> bool:
        return self.rank is not None and self.rank <= 3


def build_repo(root: str, variant: Variant, template: str | None = None) -> None:
    """A git repository with the baseline commit and the variant commit on top of it.

    `template` is an existing baseline repository to copy (much faster than re-committing)."""
    if template is not None:
        shutil.copytree(template, root, dirs_exist_ok=True)
    else:
        make_repo(Path(root), [("baseline", BASE_FILES)])
    changed = variant.apply()
    deleted: dict[str, str | None] = {path: None for path in set(BASE_FILES) - set(changed)}
    written = {p: t for p, t in changed.items() if BASE_FILES.get(p) != t}
    commit_files(Path(root), {**deleted, **written}, variant.id)


def baseline_template(workdir: str) -> str:
    """The baseline repository, built once per suite run."""
    root = Path(workdir) / "_baseline"
    make_repo(root, [("baseline", BASE_FILES)])
    return str(root)


def _expected_lines(variant: Variant) -> dict[str, set[int]]:
    """Changed lines of the bug's file on each side (baseline path = candidate path in bug variants)."""
    after = variant.apply()
    out: dict[str, set[int]] = {"baseline": set(), "candidate": set()}
    for h in text_hunks(BASE_FILES.get(variant.path, ""), after.get(variant.path, "")):
        for sign, number, _ in h.changed_pairs():
            out["baseline" if sign == "-" else "candidate"].add(number)
        if not any(s == "+" for s, _, _ in h.changed_pairs()):
            out["candidate"].add(h.new_start)
        if not any(s == "-" for s, _, _ in h.changed_pairs()):
            out["baseline"].add(h.old_start)
    return out


def _matches(finding, variant: Variant, expected: dict[str, set[int]], slack: int = 3) -> bool:  # noqa: ANN001
    if finding.subsystem != variant.subsystem:
        return False
    for loc in finding.locations:
        if loc.path == variant.path and loc.line is not None and any(
            abs(loc.line - n) <= slack for n in expected[loc.side]
        ):
            return True
    return False


def run_variant(variant: Variant, workdir: str, template: str | None = None) -> VariantOutcome:
    root = str(Path(workdir) / variant.id)
    Path(root).mkdir(parents=True, exist_ok=True)
    build_repo(root, variant, template)
    start = time.perf_counter()
    handle = open_repository(root)
    commit_range = resolve_range(handle, "HEAD~1", "HEAD")
    changeset = build_changeset(handle, commit_range)
    ctx = AnalysisContext(
        request=InvestigationRequest(repo=root, baseline_commit="HEAD~1", candidate_commit="HEAD"),
        changeset=changeset,
        triage=None,
        playbooks=load_playbooks(),
        output_dir=Path(root) / ".report",
    )
    analyzer = CodeDetectorsAnalyzer()
    result = analyzer.run(ctx) if analyzer.applies(ctx)[0] else None
    seconds = time.perf_counter() - start
    findings = result.findings if result else []
    ranked = sorted(findings, key=lambda f: (-f.severity.weight, -f.confidence))
    top = [f"{f.severity.value}/{f.confidence:.2f} {f.subsystem} {f.title}" for f in ranked[:3]]
    rank, found_by = None, ""
    if variant.kind == "bug":
        expected = _expected_lines(variant)
        for i, f in enumerate(ranked, start=1):
            if _matches(f, variant, expected):
                rank, found_by = i, f.source.rsplit(".", 1)[-1]
                break
    fps = [] if variant.kind == "bug" else [
        f"{f.severity.value} {f.source} {f.title}" for f in ranked if f.severity.value in ("critical", "significant")
    ]
    return VariantOutcome(variant, rank, found_by, top, fps, len(result.no_effect) if result else 0, seconds)


def run_suite(workdir: str, variants: list[Variant] | None = None) -> list[VariantOutcome]:
    template = baseline_template(workdir)
    return [run_variant(v, workdir, template) for v in (variants or VARIANTS)]


def summary_table(outcomes: list[VariantOutcome]) -> str:
    """The markdown table printed by the benchmark and copied into docs/detectors.md."""
    bugs = [o for o in outcomes if o.variant.kind == "bug"]
    refactors = [o for o in outcomes if o.variant.kind == "refactor"]
    lines = ["| variant | kind | expected (family / subsystem) | rank | found by | top finding |", "|---|---|---|---|---|---|"]
    for o in outcomes:
        v = o.variant
        expected = f"{v.family} / {v.subsystem}" if v.kind == "bug" else "no critical/significant"
        rank = (str(o.rank) if o.rank else "missed") if v.kind == "bug" else f"{len(o.false_positives)} FP"
        top = o.top[0] if o.top else "-"
        lines.append(f"| {v.id} | {v.kind} | {expected} | {rank} | {o.found_by or '-'} | {top} |")
    recall = sum(o.recalled for o in bugs) / max(len(bugs), 1)
    fps = sum(len(o.false_positives) for o in refactors)
    families = sorted({o.variant.family for o in bugs})
    lines += [
        "",
        f"Bugs: {len(bugs)} variants over {len(families)} detector families; recall@3 = "
        f"{sum(o.recalled for o in bugs)}/{len(bugs)} = {recall:.1%}; rank-1 = {sum(o.rank == 1 for o in bugs)}/{len(bugs)}.",
        f"Refactors: {len(refactors)} variants; critical/significant false positives = {fps}.",
        f"Analyzer time per variant: mean {sum(o.seconds for o in outcomes) / max(len(outcomes), 1):.3f} s, "
        f"max {max((o.seconds for o in outcomes), default=0):.3f} s.",
    ]
    return "\n".join(lines)
