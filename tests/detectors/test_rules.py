"""Positive and negative cases for every registered detector.

Each case is (baseline files, candidate files): the positive candidate introduces the change the
detector exists for; the negative candidate changes the same function in a way that must leave
the detector silent (a rename, a reformat, an unrelated edit). A detector without cases fails
`test_every_detector_has_cases`.
"""

from __future__ import annotations

import pytest

from investigator.detectors.base import all_detectors
from tests.detectors.helpers import run_on, sources_of
from tests.detectors.offpolicy_sources import DQN, PPO_LOSS, SAC_ACTOR, STORE
from tests.support.ppo_source import GAE_MODULE

TRAIN = """
import torch
import torch.nn as nn


def update(agent, optimizer, batches, args):
    for epoch in range(args.epochs):
        for batch in batches:
            loss = agent.loss(batch)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
            optimizer.step()
    return loss
"""

GAE = GAE_MODULE  # the demo template's compute_gae

LOSS = """
import torch


def ppo_loss(agent, args, obs, actions, logprobs, advantages, returns, values):
    _, newlogprob, entropy, newvalue = agent.get_action_and_value(obs, actions)
    logratio = newlogprob - logprobs
    ratio = logratio.exp()
    mb_advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
    pg_loss1 = -mb_advantages * ratio
    pg_loss2 = -mb_advantages * torch.clamp(ratio, 1 - args.clip_coef, 1 + args.clip_coef)
    pg_loss = torch.max(pg_loss1, pg_loss2).mean()
    v_loss_unclipped = (newvalue - returns) ** 2
    v_clipped = values + torch.clamp(newvalue - values, -args.clip_coef, args.clip_coef)
    v_loss_clipped = (v_clipped - returns) ** 2
    v_loss = 0.5 * torch.max(v_loss_unclipped, v_loss_clipped).mean()
    entropy_loss = entropy.mean()
    loss = pg_loss - args.ent_coef * entropy_loss + v_loss * args.vf_coef
    return loss
"""

ENVS = """
import os

import gymnasium as gym


def make_env(env_id, idx, seed):
    env = gym.make(env_id)
    env = gym.wrappers.NormalizeObservation(env)
    env.action_space.seed(seed + idx)
    return env


def make_vec_env(args):
    num_envs = args.num_envs or max(1, (os.cpu_count() or 1) // 2)
    return gym.vector.SyncVectorEnv([lambda i=i: make_env(args.env_id, i, args.seed) for i in range(num_envs)])
"""

ROLLOUT = """
import numpy as np
import torch


def collect(agent, envs, steps, device):
    agent.eval()
    for step in range(steps):
        with torch.no_grad():
            action = agent.act(obs)
        obs, reward, terminations, truncations, infos = envs.step(action.cpu().numpy())
        next_done = np.logical_or(terminations, truncations)
    agent.train()
    for batch in range(4):
        loss = agent.loss(batch)
        loss.backward()
    return next_done
"""

TRAIN_ON_RUN = """from s import run


def train(optimizer, batch):
    loss = run(batch).mean()
    loss.backward()
    optimizer.step()
"""

MODEL = """
import numpy as np
import torch
import torch.nn as nn


def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    torch.nn.init.orthogonal_(layer.weight, std)
    torch.nn.init.constant_(layer.bias, bias_const)
    return layer


def build(obs_dim, n_actions, args):
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    actor = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(), layer_init(nn.Linear(64, n_actions), std=0.01))
    actor = actor.to(device)
    optimizer = torch.optim.Adam(actor.parameters(), lr=args.lr, eps=1e-5)
    return actor, optimizer
"""


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


# detector id -> (baseline files, positive candidate files, negative candidate files, title fragment)
CASES: dict[str, tuple[dict[str, str], dict[str, str], dict[str, str], str]] = {
    "grad_order": (
        {"t.py": TRAIN},
        {"t.py": edit(TRAIN, "            nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)\n            optimizer.step()",
                      "            optimizer.step()\n            nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)")},
        {"t.py": edit(TRAIN, "loss = agent.loss(batch)", "loss = agent.loss(batch) * 1.0")},
        "clipping after step",
    ),
    "grad_clip": (
        {"t.py": TRAIN},
        {"t.py": edit(TRAIN, "args.max_grad_norm)", "100.0)")},
        {"t.py": edit(TRAIN, "nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)",
                      "nn.utils.clip_grad_norm_(\n                agent.parameters(),\n                args.max_grad_norm,\n            )")},
        "max norm changed",
    ),
    "lr_schedule": (
        {"t.py": TRAIN.replace("    for epoch in range(args.epochs):\n",
                               "    for epoch in range(args.epochs):\n        scheduler.step()\n").replace(
            "def update(agent, optimizer, batches, args):", "def update(agent, optimizer, scheduler, batches, args):")},
        {"t.py": TRAIN.replace("def update(agent, optimizer, batches, args):", "def update(agent, optimizer, scheduler, batches, args):")},
        {"t.py": TRAIN.replace("    for epoch in range(args.epochs):\n",
                               "    for epoch in range(args.epochs):\n        lr_scheduler.step()\n").replace(
            "def update(agent, optimizer, batches, args):", "def update(agent, optimizer, lr_scheduler, batches, args):")},
        "no longer applied",
    ),
    "gae_index": (
        {"g.py": GAE},
        {"g.py": edit(GAE, "nextvalues = values[t + 1]", "nextvalues = values[t]")},
        {"g.py": GAE.replace("[t", "[k").replace("for t in", "for k in").replace("if t ==", "if k ==")},
        "Index shift in values",
    ),
    "done_mask": (
        {"g.py": GAE},
        {"g.py": edit(edit(GAE, "gamma * nextvalues * nextnonterminal - values[t]", "gamma * nextvalues - values[t]"),
                      "gamma * gae_lambda * nextnonterminal * lastgaelam", "gamma * gae_lambda * lastgaelam")},
        {"g.py": edit(GAE, "advantages = torch.zeros_like(rewards)", "advantages = rewards.new_zeros(rewards.shape)")},
        "masking removed",
    ),
    "done_signal": (
        {"r.py": ROLLOUT},
        {"r.py": edit(ROLLOUT, "next_done = np.logical_or(terminations, truncations)", "next_done = terminations")},
        {"r.py": edit(ROLLOUT, "next_done = np.logical_or(terminations, truncations)", "next_done = terminations | truncations")},
        "no longer includes truncations",
    ),
    "returns_target": (
        {"g.py": GAE},
        {"g.py": edit(GAE, "    returns = advantages + values\n", "    returns = advantages + rewards\n")},
        {"g.py": edit(GAE, "    returns = advantages + values\n", "    returns = values + advantages\n")},
        "different tensors",
    ),
    "loss_clamp": (
        {"l.py": LOSS},
        {"l.py": edit(LOSS, "entropy_loss = entropy.mean()", "entropy_loss = entropy.mean().clamp(min=0.5)")},
        {"l.py": edit(LOSS, "entropy_loss = entropy.mean()", "entropy_loss = torch.mean(entropy)")},
        "clamped at a constant",
    ),
    "detach_grad": (
        {"l.py": LOSS},
        {"l.py": edit(LOSS, "ratio = logratio.exp()", "ratio = logratio.exp().detach()")},
        {"l.py": edit(LOSS, "ratio = logratio.exp()", "ratio = torch.exp(logratio)")},
        "Gradient cut added on ratio",
    ),
    "adv_norm": (
        {"l.py": LOSS},
        {"l.py": edit(LOSS, "mb_advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)", "mb_advantages = advantages")},
        {"l.py": edit(LOSS, "(advantages.std() + 1e-8)", "(advantages.std() + 1e-08)")},
        "normalisation removed",
    ),
    "entropy_term": (
        {"l.py": LOSS},
        {"l.py": edit(LOSS, "pg_loss - args.ent_coef * entropy_loss", "pg_loss + args.ent_coef * entropy_loss")},
        {"l.py": edit(LOSS, "loss = pg_loss - args.ent_coef * entropy_loss + v_loss * args.vf_coef",
                      "bonus = args.ent_coef * entropy_loss\n    loss = pg_loss - bonus + v_loss * args.vf_coef")},
        "sign flipped",
    ),
    "value_clip": (
        {"l.py": LOSS},
        {"l.py": edit(edit(edit(LOSS, "    v_clipped = values + torch.clamp(newvalue - values, -args.clip_coef, args.clip_coef)\n", ""),
                           "    v_loss_clipped = (v_clipped - returns) ** 2\n", ""),
                      "v_loss = 0.5 * torch.max(v_loss_unclipped, v_loss_clipped).mean()", "v_loss = 0.5 * v_loss_unclipped.mean()")},
        {"l.py": edit(LOSS, "v_loss * args.vf_coef", "args.vf_coef * v_loss")},
        "clipping removed",
    ),
    "strict_load": (
        {"c.py": "def load(agent, state):\n    agent.load_state_dict(state)\n    return agent\n"},
        {"c.py": "def load(agent, state):\n    agent.load_state_dict(state, strict=False)\n    return agent\n"},
        {"c.py": "def load(agent, state):\n    agent.load_state_dict(state, strict=True)\n    return agent\n"},
        "strict=False",
    ),
    "norm_wrappers": (
        {"e.py": ENVS},
        {"e.py": edit(ENVS, "    env = gym.wrappers.NormalizeObservation(env)\n", "")},
        {"e.py": edit(ENVS, "    env = gym.make(env_id)\n", "    env = gym.make(env_id, render_mode=None)\n")},
        "NormalizeObservation",
    ),
    "reward_terms": (
        {"w.py": "def weights():\n    rewards = {'gem': 0.2, 'crystal': 0.7, 'trophy': 1.0}\n    return rewards\n"},
        {"w.py": "def weights():\n    rewards = {'trophy': 1.0}\n    return rewards\n"},
        {"w.py": "def weights():\n    rewards = {'crystal': 0.7, 'gem': 0.2, 'trophy': 1.0}\n    return dict(rewards)\n"},
        "'gem'",
    ),
    "env_count": (
        {"e.py": ENVS},
        {"e.py": edit(ENVS, "max(1, (os.cpu_count() or 1) // 2)", "int(torch.cuda.get_device_properties(0).total_memory / 6e9)")},
        {"e.py": edit(ENVS, "return gym.vector.SyncVectorEnv", "envs = gym.vector.SyncVectorEnv").replace(
            "for i in range(num_envs)])\n", "for i in range(num_envs)])\n    return envs\n")},
        "count computation changed",
    ),
    "vecenv_backend": (
        {"e.py": ENVS},
        {"e.py": edit(ENVS, "SyncVectorEnv", "AsyncVectorEnv")},
        {"e.py": edit(ENVS, "gym.vector.SyncVectorEnv", "gym.vector.sync_vector_env.SyncVectorEnv")},
        "SyncVectorEnv -> AsyncVectorEnv",
    ),
    "env_recreate": (
        {"w.py": "class W:\n    def reset(self, **kw):\n        self.stats.clear()\n        return self.env.reset(**kw)\n",
         "main.py": "from w import W\nW().reset()\n"},
        {"w.py": "class W:\n    def reset(self, **kw):\n        self.stats.clear()\n        self.env = make_env(self.cfg)\n        return self.env.reset(**kw)\n",
         "main.py": "from w import W\nW().reset()\n"},
        {"w.py": "class W:\n    def reset(self, **kw):\n        self.stats = {}\n        return self.env.reset(**kw)\n",
         "main.py": "from w import W\nW().reset()\n"},
        "recreated on every reset",
    ),
    "train_eval_mode": (
        {"r.py": ROLLOUT},
        {"r.py": edit(ROLLOUT, "    agent.train()\n", "")},
        {"r.py": edit(ROLLOUT, "    agent.eval()\n", "    agent.train(False)\n")},
        "update: train -> eval",
    ),
    "torch_compile": (
        {"m.py": MODEL},
        {"m.py": edit(MODEL, "    actor = actor.to(device)\n", "    actor = torch.compile(actor.to(device))\n")},
        {"m.py": edit(MODEL, "    actor = actor.to(device)\n", "    actor = actor.to(device=device)\n")},
        "torch.compile introduced",
    ),
    "precision": (
        {"m.py": MODEL},
        {"m.py": edit(MODEL, "    actor = actor.to(device)\n", "    actor = actor.to(device).half()\n")},
        {"m.py": edit(MODEL, "    actor = actor.to(device)\n", "    actor = actor.to(device).float()\n")},
        "Precision changed",
    ),
    "device_placement": (
        {"m.py": MODEL},
        {"m.py": edit(MODEL, 'torch.device("cuda" if torch.cuda.is_available() else "cpu")', 'torch.device("cpu")')},
        {"m.py": edit(MODEL, 'torch.device("cuda" if torch.cuda.is_available() else "cpu")',
                      'torch.device(\n        "cuda" if torch.cuda.is_available() else "cpu"\n    )')},
        "Device placement changed",
    ),
    "host_sync": (
        {"r.py": ROLLOUT},
        {"r.py": edit(ROLLOUT, "        loss.backward()\n", "        loss.backward()\n        print(loss.item())\n")},
        {"r.py": edit(ROLLOUT, "    return next_done\n", "    print(loss.item())\n    return next_done\n")},
        "device sync",
    ),
    "seeding": (
        {"e.py": ENVS},
        {"e.py": edit(ENVS, "env.action_space.seed(seed + idx)", "env.action_space.seed(seed)")},
        {"e.py": ENVS.replace("idx", "rank")},
        "Per-environment seed offset removed",
    ),
    "init_gain": (
        {"m.py": MODEL},
        {"m.py": edit(MODEL, "layer_init(nn.Linear(64, n_actions), std=0.01)", "layer_init(nn.Linear(64, n_actions), std=1.0)")},
        {"m.py": edit(MODEL, "nn.Tanh(), layer_init(nn.Linear(64, n_actions), std=0.01)",
                      "nn.Tanh(),\n        layer_init(nn.Linear(64, n_actions), std=0.01),\n    ")},
        "std=1.0",
    ),
    "layers": (
        {"m.py": MODEL},
        {"m.py": edit(MODEL, "nn.Tanh(), layer_init", "nn.ReLU(), layer_init")},
        {"m.py": edit(MODEL, "nn.Sequential(layer_init(nn.Linear(obs_dim, 64))",
                      "nn.Sequential(layer_init(nn.Linear(in_features=obs_dim, out_features=64))")},
        "Nonlinearity changed: tanh -> relu",
    ),
    "optimizer_ctor": (
        {"m.py": MODEL},
        {"m.py": edit(MODEL, "lr=args.lr, eps=1e-5", "lr=args.lr")},
        {"m.py": edit(MODEL, "lr=args.lr, eps=1e-5", "eps=1e-5, lr=args.lr")},
        "Optimizer changed",
    ),
    # the commented-out function's value reaches the loss (a value only printed would be logging: no effect)
    "comment_out": (
        {"s.py": "def cosine(x):\n    y = x * 2\n    z = y + 1\n    return z\n\n\ndef run(x):\n    return cosine(x)\n",
         "main.py": TRAIN_ON_RUN},
        {"s.py": "# def cosine(x):\n#     y = x * 2\n#     z = y + 1\n#     return z\n\n\ndef run(x):\n    return x\n",
         "main.py": TRAIN_ON_RUN},
        {"s.py": "def cosine(x):\n    # y = x * 2 is the old formula\n    y = x * 2\n    z = y + 1\n    return z\n\n\ndef run(x):\n    return cosine(x)\n",
         "main.py": TRAIN_ON_RUN},
        "live code commented out",
    ),
    "target_network": (
        {"d.py": DQN},
        {"d.py": edit(DQN, "args.tau * param.data + (1.0 - args.tau) * target_param.data",
                      "args.tau * target_param.data + (1.0 - args.tau) * param.data")},
        {"d.py": edit(DQN, "target_param.data.copy_(args.tau * param.data + (1.0 - args.tau) * target_param.data)",
                      "target_param.data.lerp_(param.data, args.tau)")},
        "update weights changed",
    ),
    "squashed_policy": (
        {"a.py": SAC_ACTOR},
        {"a.py": edit(SAC_ACTOR, "        log_prob -= torch.log(self.action_scale * (1 - y_t.pow(2)) + 1e-6)\n", "")},
        {"a.py": edit(SAC_ACTOR, "        log_prob -= torch.log(self.action_scale * (1 - y_t.pow(2)) + 1e-6)\n",
                      "        log_prob = log_prob - torch.log(self.action_scale * (1 - y_t ** 2) + 1e-6)\n")},
        "log-prob correction removed",
    ),
    "replay_store": (
        {"c.py": STORE},
        {"c.py": edit(STORE, "rb.add(obs, real_next_obs,", "rb.add(obs, obs,")},
        {"c.py": edit(STORE, "rb.add(obs, real_next_obs, actions,", "rb.add(obs, real_next_obs, np.asarray(actions),")},
        "real_next_obs -> obs",
    ),
    "policy_ratio": (
        {"l.py": PPO_LOSS},
        {"l.py": edit(PPO_LOSS, "logratio = newlogprob - b_logprobs", "logratio = b_logprobs - newlogprob")},
        {"l.py": edit(PPO_LOSS, "logratio = newlogprob - b_logprobs", "log_ratio = new_log_prob - b_logprobs").replace(
            "logratio.exp()", "log_ratio.exp()").replace("_, newlogprob,", "_, new_log_prob,")},
        "Policy ratio inverted",
    ),
    "call_removed": (
        {"s.py": "def save(agent):\n    agent.save('ckpt.pt')\n\n\ndef train(agent):\n    agent.fit()\n    save(agent)\n",
         "main.py": "from s import train\ntrain(None)\n"},
        {"s.py": "def save(agent):\n    agent.save('ckpt.pt')\n\n\ndef train(agent):\n    agent.fit()\n",
         "main.py": "from s import train\ntrain(None)\n"},
        {"s.py": "def save(agent):\n    agent.save('ckpt.pt')\n\n\ndef train(agent):\n    agent.fit()\n\n\ndef finish(agent):\n    save(agent)\n",
         "main.py": "from s import train, finish\ntrain(None)\nfinish(None)\n"},
        "no longer called",
    ),
}


# constructor defaults moved into a `<Class>Config` dataclass (tests/detectors/test_config_class_defaults.py)
from tests.detectors.test_config_class_defaults import BASE_ALGO, _cand  # noqa: E402

MASKED_ARGMAX = """
INF = 3.4e38


def act(q_value, mask):
    return (q_value - INF * mask).argmax(dim=-1)
"""

CASES["inf_product"] = (
    {"a.py": MASKED_ARGMAX},
    {"a.py": MASKED_ARGMAX.replace("INF * mask", "np.inf * mask").replace("INF = 3.4e38", "import numpy as np")},
    {"a.py": MASKED_ARGMAX.replace("q_value - INF * mask", "q_value.masked_fill(mask.bool(), -np.inf)")},
    "Infinity multiplied by `mask`",
)

CASES["config_class_defaults"] = (
    {"pkg/algos/ddpg.py": BASE_ALGO, "pkg/base.py": "X = 1\n"},
    _cand(),
    _cand(batch="100"),
    "batch_size",
)

NSTEP = """
from collections import deque


def n_step_info(window, gamma):
    return window[-1][2], window[-1][3], window[-1][4]


def add(window, memory, transition, n_step, gamma):
    window.append(transition)
    if len(window) < n_step:
        return
    reward, next_state, done = n_step_info(window, gamma)
    state, action = window[0][:2]
    memory.append((state, action, reward, next_state, done))
"""

CASES["nstep_window"] = (
    {"a.py": NSTEP},
    {"a.py": NSTEP.replace("state, action = window[0][:2]", "state, action = transition[:2]")},
    {"a.py": NSTEP.replace("state, action = window[0][:2]", "state, action = window[0][0], window[0][1]")},
    "from the newest step",
)


def test_every_detector_has_cases() -> None:
    ids = {d.meta.id for d in all_detectors()}
    assert len(ids) >= 20
    assert ids == set(CASES), f"missing: {ids - set(CASES)}, unknown: {set(CASES) - ids}"


@pytest.mark.parametrize("detector_id", sorted(CASES))
def test_positive(detector_id: str) -> None:
    base, positive, _, fragment = CASES[detector_id]
    result = run_on(base, positive, only={detector_id})
    assert not result.failures
    assert detector_id in sources_of(result), f"{detector_id} silent; no_effect={result.no_effect}"
    finding = next(f for f in result.findings if f.source.endswith("." + detector_id))
    assert fragment in finding.title
    assert finding.locations, "a finding must be located"
    assert finding.evidence and finding.evidence[0].hunk
    assert finding.rationale and finding.fix


@pytest.mark.parametrize("detector_id", sorted(CASES))
def test_negative(detector_id: str) -> None:
    base, _, negative, _ = CASES[detector_id]
    assert base != negative, "a negative case must change something"
    result = run_on(base, negative, only={detector_id})
    assert not result.failures
    assert detector_id not in sources_of(result), [f.title for f in result.findings]


def test_declared_hypotheses_exist_in_the_playbooks() -> None:
    from investigator.playbooks_lib.schema import load_playbooks

    known = {f"{p.subsystem}.{h.id}" for p in load_playbooks() for h in p.hypotheses}
    for detector in all_detectors():
        assert set(detector.meta.hypotheses) <= known, detector.meta.id


def test_duplicated_step_is_critical_and_duplicated_zero_grad_is_not() -> None:
    doubled_step = TRAIN.replace("            optimizer.step()\n", "            optimizer.step()\n            optimizer.step()\n")
    finding = run_on({"t.py": TRAIN}, {"t.py": doubled_step}, only={"grad_order"}).findings[0]
    assert finding.severity.value == "critical" and "step x1->x2" in finding.evidence[0].details["problems"]
    doubled_zero = TRAIN.replace("            optimizer.zero_grad()\n", "            optimizer.zero_grad()\n            agent.zero_grad()\n")
    finding = run_on({"t.py": TRAIN}, {"t.py": doubled_zero}, only={"grad_order"}).findings[0]
    assert finding.severity.value == "significant"


def test_zero_grad_removed_is_reported() -> None:
    removed = TRAIN.replace("            optimizer.zero_grad()\n", "")
    finding = run_on({"t.py": TRAIN}, {"t.py": removed}, only={"grad_order"}).findings[0]
    assert "zero_grad() removed" in finding.title and finding.severity.value == "critical"

PICK = """
import numpy as np


def sample(params, lo, hi):
    if params["distribution"] == "gaussian" or params["distribution"] == "normal":
        return np.random.normal(lo, hi)
    return np.random.uniform(lo, hi)
"""

CASES["constant_test"] = (
    {"r.py": PICK},
    {"r.py": PICK.replace('or params["distribution"] == "normal"', 'or "normal"')},
    {"r.py": PICK.replace('params["distribution"] == "gaussian" or params["distribution"] == "normal"',
                          'params["distribution"] in ("gaussian", "normal")')},
    "Branch condition always true",
)

# a parameter update that assigns the loop variable (tests/detectors/test_noop_update.py)
AVERAGE = """
def update_average(model, avg_model, decay):
    for param, avg_param in zip(model.parameters(), avg_model.parameters()):
        avg_param.data.copy_(decay * avg_param.data + (1 - decay) * param.data)
"""

CASES["noop_update"] = (
    {"a.py": AVERAGE},
    {"a.py": AVERAGE.replace("avg_param.data.copy_(decay * avg_param.data + (1 - decay) * param.data)",
                             "avg_param = decay * avg_param + (1 - decay) * param")},
    {"a.py": AVERAGE.replace("avg_param.data.copy_(decay * avg_param.data + (1 - decay) * param.data)",
                             "avg_param.data.mul_(decay).add_(param.data, alpha=1 - decay)")},
    "assigns the loop variable",
)
