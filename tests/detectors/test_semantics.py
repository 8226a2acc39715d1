"""Semantics, not shapes (issue 11 item 3): shapes seen in real RL repositories, as generated code.

Each test reproduces the shape of a false critical finding seen on a public RL library (equivalent
zero-grad forms, interleaved optimizers, if/else branches read as one sequence, a step moved into a
base-class helper) and checks both that the equivalent form is quiet and that the real bug in the
same shape is still found."""

from __future__ import annotations

import pytest

from tests.detectors.helpers import run_on

UPDATE = """
import torch
import torch.nn as nn


class Learner:
    def train_step(self, batch):
        loss = self.model.loss(batch)
        {zero}
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.max_grad_norm)
        self.optimizer.step()
        return loss


def run(learner, batches):
    for batch in batches:
        learner.train_step(batch)
"""


def _update(zero: str) -> str:
    return UPDATE.replace("{zero}", zero)


def _grad_order(base: str, cand: str, files: dict[str, str] | None = None) -> list:
    extra = files or {}
    return [f for f in run_on({"learner.py": base, **extra}, {"learner.py": cand, **extra}, only={"grad_order"}).findings]


@pytest.mark.parametrize(
    "zero",
    [
        "for p in self.model.parameters():\n            p.grad = None",
        "self.optimizer.zero_grad(set_to_none=True)",
        "self.model.zero_grad()",
        "for param in self.model.parameters():\n            if param.grad is not None:\n                param.grad.zero_()",
    ],
)
def test_equivalent_zero_grad_forms_are_not_a_removed_zero_grad(zero: str) -> None:
    assert _grad_order(_update("self.optimizer.zero_grad()"), _update(zero)) == []


def test_zero_grad_really_removed_is_still_critical() -> None:
    findings = _grad_order(_update("self.optimizer.zero_grad()"), _update("pass"))
    assert findings and findings[0].severity.value == "critical" and "zero_grad() removed" in findings[0].title


def test_param_loop_without_grad_reset_is_not_a_zero_grad() -> None:
    cand = _update("for p in self.model.parameters():\n            p.requires_grad = True")
    findings = _grad_order(_update("self.optimizer.zero_grad()"), cand)
    assert findings and "zero_grad() removed" in findings[0].title


SINGLE = """
import torch


def update(policy, optimizer, rnd, rnd_optimizer, batches, cfg):
    for batch in batches:
        loss = policy.loss(batch)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), cfg.max_grad_norm)
        optimizer.step()
"""

INTERLEAVED = """
import torch


def update(policy, optimizer, rnd, rnd_optimizer, batches, cfg):
    for batch in batches:
        loss = policy.loss(batch)
        rnd_loss = rnd.loss(batch)
        optimizer.zero_grad()
        loss.backward()
        if rnd:
            rnd_optimizer.zero_grad()
            rnd_loss.backward()
        torch.nn.utils.clip_grad_norm_(policy.parameters(), cfg.max_grad_norm)
        optimizer.step()
        if rnd_optimizer:
            rnd_optimizer.step()
"""


def test_interleaved_optimizers_each_in_order_are_not_critical() -> None:
    findings = _grad_order(SINGLE, INTERLEAVED)
    assert all(f.severity.value == "low" for f in findings), [(f.severity, f.title) for f in findings]


def test_interleaved_optimizers_regrouped_are_not_critical() -> None:
    regrouped = INTERLEAVED.replace(
        "        if rnd:\n            rnd_optimizer.zero_grad()\n            rnd_loss.backward()\n", ""
    ).replace(
        "        if rnd_optimizer:\n            rnd_optimizer.step()\n",
        "        if rnd_optimizer:\n            rnd_optimizer.zero_grad()\n            rnd_loss.backward()\n"
        "            rnd_optimizer.step()\n",
    )
    findings = _grad_order(INTERLEAVED, regrouped)
    assert all(f.severity.value == "low" for f in findings), [(f.severity, f.title) for f in findings]


def test_one_of_two_optimizers_stepped_before_its_backward_is_critical() -> None:
    bug = INTERLEAVED.replace(
        "        optimizer.zero_grad()\n        loss.backward()\n",
        "        optimizer.zero_grad()\n        optimizer.step()\n        loss.backward()\n",
    ).replace("        optimizer.step()\n        if rnd_optimizer", "        if rnd_optimizer")
    findings = _grad_order(INTERLEAVED, bug)
    assert findings and findings[0].severity.value == "critical", [(f.severity, f.title) for f in findings]
    assert "step() before any backward()" in findings[0].title


STRAIGHT = """
import torch.nn as nn


class Agent:
    def calc_gradients(self, loss):
        self.optimizer.zero_grad()
        self.scaler.scale(loss).backward()
        if self.truncate_grads:
            self.scaler.unscale_(self.optimizer)
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)
        self.scaler.step(self.optimizer)
        self.scaler.update()


def train(agent, losses):
    for loss in losses:
        agent.calc_gradients(loss)
"""

BRANCHED = """
import torch.nn as nn


class Agent:
    def calc_gradients(self, loss):
        if self.multi_gpu:
            self.optimizer.zero_grad()
        else:
            for param in self.model.parameters():
                param.grad = None
        self.scaler.scale(loss).backward()
        if self.truncate_grads:
            if self.multi_gpu:
                self.optimizer.synchronize()
                self.scaler.unscale_(self.optimizer)
                nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)
                self.scaler.step(self.optimizer)
                self.scaler.update()
            else:
                self.scaler.unscale_(self.optimizer)
                nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)
                self.scaler.step(self.optimizer)
                self.scaler.update()
        else:
            self.scaler.step(self.optimizer)
            self.scaler.update()


def train(agent, losses):
    for loss in losses:
        agent.calc_gradients(loss)
"""


def test_if_else_branches_are_alternative_paths_not_one_sequence() -> None:
    assert _grad_order(STRAIGHT, BRANCHED) == []


def test_clip_after_step_on_one_branch_is_still_critical() -> None:
    bug = BRANCHED.replace(
        "                nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)\n"
        "                self.scaler.step(self.optimizer)\n",
        "                self.scaler.step(self.optimizer)\n"
        "                nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)\n",
        1,
    )
    assert bug != BRANCHED
    findings = _grad_order(STRAIGHT, bug)
    assert findings and findings[0].severity.value == "critical" and "clipping after step()" in findings[0].title


BASE_CLASS = """
import torch.nn as nn


class BaseAgent:
    def truncate_gradients_and_step(self):
        if self.truncate_grads:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)
        {step}
"""

SUBCLASS_INLINE = """
import torch.nn as nn
from base_agent import BaseAgent


class Agent(BaseAgent):
    def calc_gradients(self, loss):
        self.optimizer.zero_grad()
        loss.backward()
        if self.truncate_grads:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_norm)
        self.optimizer.step()


def train(agent, losses):
    for loss in losses:
        agent.calc_gradients(loss)
"""

SUBCLASS_CALLS_BASE = """
import torch.nn as nn
from base_agent import BaseAgent


class Agent(BaseAgent):
    def calc_gradients(self, loss):
        self.optimizer.zero_grad()
        loss.backward()
        self.truncate_gradients_and_step()


def train(agent, losses):
    for loss in losses:
        agent.calc_gradients(loss)
"""


def test_step_moved_into_a_base_class_method_is_followed() -> None:
    files = {"base_agent.py": BASE_CLASS.replace("{step}", "self.optimizer.step()")}
    assert _grad_order(SUBCLASS_INLINE, SUBCLASS_CALLS_BASE, files) == []


def test_base_class_helper_without_step_is_still_a_removed_step() -> None:
    files = {"base_agent.py": BASE_CLASS.replace("{step}", "pass")}
    findings = _grad_order(SUBCLASS_INLINE, SUBCLASS_CALLS_BASE, files)
    assert findings and "step() removed" in findings[0].title


# -- code moved into a compiled extension or a helper ----------------------------------------------
GAE_INLINE = """
import numpy as np


def train(experience, cfg):
    dones = experience.dones
    values = experience.values
    rewards = experience.rewards
    advantages = np.zeros(cfg.batch_size)
    lastgaelam = 0
    for t in reversed(range(cfg.batch_size - 1)):
        nextnonterminal = 1.0 - dones[t + 1]
        nextvalues = values[t + 1]
        delta = rewards[t + 1] + cfg.gamma * nextvalues * nextnonterminal - values[t]
        advantages[t] = lastgaelam = delta + cfg.gamma * cfg.gae_lambda * nextnonterminal * lastgaelam
    experience.flatten_batch(advantages)
"""

GAE_NATIVE = """
import numpy as np
from fast_gae import compute_gae


def train(experience, cfg):
    dones = experience.dones
    values = experience.values
    rewards = experience.rewards
    advantages = compute_gae(dones, values, rewards, cfg.gamma, cfg.gae_lambda)
    experience.flatten_batch(advantages)
"""

PYX = "def compute_gae(dones, values, rewards, float gamma, float gae_lambda):\n    return dones\n"


def _gae_run(base: dict[str, str], cand: dict[str, str]) -> list:
    return run_on(base, cand, only={"done_mask", "gae_index"}).findings


def test_gae_moved_into_a_compiled_extension_is_moved_not_removed() -> None:
    findings = _gae_run({"train.py": GAE_INLINE}, {"train.py": GAE_NATIVE, "fast_gae.pyx": PYX})
    assert findings, "the move must be reported"
    assert all(f.severity.value == "low" for f in findings), [(f.severity, f.title) for f in findings]
    assert any("compiled extension `fast_gae.pyx`" in f.title and "not verifiable here" in f.title for f in findings)


def test_gae_dropped_for_a_python_call_is_still_removed() -> None:
    # the same call, but no compiled module of that name in the tree: nothing says where it went
    findings = _gae_run({"train.py": GAE_INLINE}, {"train.py": GAE_NATIVE})
    assert any(f.severity.value == "critical" and "Done masking removed" in f.title for f in findings)


GAE_HELPER_MODULE = """
def discount_values(dones, values, rewards, gamma, lam):
    advantages = [0.0] * len(rewards)
    lastgaelam = 0
    for t in reversed(range(len(rewards) - 1)):
        nextnonterminal = 1.0 - dones[t + 1]
        nextvalues = values[t + 1]
        delta = rewards[t + 1] + gamma * nextvalues * nextnonterminal - values[t]
        advantages[t] = lastgaelam = delta + gamma * lam * nextnonterminal * lastgaelam
    return advantages
"""

GAE_CALLS_HELPER = """
from returns_lib import discount_values


def train(experience, cfg):
    dones = experience.dones
    values = experience.values
    rewards = experience.rewards
    advantages = discount_values(dones, values, rewards, cfg.gamma, cfg.gae_lambda)
    experience.flatten_batch(advantages)
"""


def test_gae_moved_into_a_python_helper_is_compared_there() -> None:
    findings = _gae_run({"train.py": GAE_INLINE}, {"train.py": GAE_CALLS_HELPER, "returns_lib.py": GAE_HELPER_MODULE})
    assert [f for f in findings if f.severity.value in ("critical", "significant")] == []


def test_helper_that_lost_its_done_mask_is_critical() -> None:
    broken = GAE_HELPER_MODULE.replace(" * nextnonterminal", "")
    findings = _gae_run({"train.py": GAE_INLINE}, {"train.py": GAE_CALLS_HELPER, "returns_lib.py": broken})
    assert any(f.severity.value == "critical" and "Done masking removed" in f.title for f in findings)


# -- reward terms: statistics are not rewards ------------------------------------------------------
def _rewards(base: str, cand: str) -> list:
    return run_on({"envs.py": base}, {"envs.py": cand}, only={"reward_terms"}).findings


COLLECT = """
def recv(handles):
    obs, rewards, dones = [], [], []
    for o, r, d in handles:
        obs += list(o.values())
        rewards += list(r.values())
        dones += list(d.values())
    return obs, rewards, dones
"""

FORWARD = """
def recv(handles):
    return handles.get()
"""


def test_collecting_rewards_into_a_list_is_not_a_reward_term() -> None:
    assert _rewards(COLLECT, FORWARD) == []


LOGGED = """
def rollout(env, policy, steps, buffer):
    obs = env.reset()
    episode_reward = 0.0
    for step in range(steps):
        action = policy(obs)
        obs, reward, done, info = env.step(action)
        {shaping}
        episode_reward += reward
        buffer.add(obs, action, reward, done)
        if done:
            print(f"episode reward {episode_reward:.2f}")
            episode_reward = 0.0
"""


def test_print_only_episode_accumulator_is_not_a_reward_term() -> None:
    assert _rewards(LOGGED.replace("{shaping}", "pass"), LOGGED.replace("{shaping}", "pass").replace(
        "        episode_reward += reward\n", "")) == []


def test_reward_shaping_that_reaches_the_buffer_is_still_a_reward_term() -> None:
    base = LOGGED.replace("{shaping}", "reward += 0.1 * info['progress']")
    cand = LOGGED.replace("{shaping}", "pass")
    findings = _rewards(base, cand)
    assert findings and findings[0].severity.value == "critical" and "Reward term(s) removed" in findings[0].title


def test_accumulator_that_feeds_training_is_a_reward_term() -> None:
    feeds = LOGGED.replace("buffer.add(obs, action, reward, done)", "buffer.add(obs, action, episode_reward, done)")
    findings = _rewards(feeds.replace("{shaping}", "pass"), feeds.replace("{shaping}", "pass").replace(
        "        episode_reward += reward\n", ""))
    assert findings and "Reward term(s) removed" in findings[0].title


# -- gradient cuts: no_grad around rollout / logging is not a cut of the loss ----------------------
PPO_SCRIPT = """
import torch


def train(agent, envs, optimizer, args):
    obs = envs.reset()
    for iteration in range(args.iterations):
        for step in range(args.num_steps):
            {rollout}
            obs, reward, done, info = envs.step(action)
            logprobs[step] = logprob
            values[step] = value
        for epoch in range(args.epochs):
            _, newlogprob, entropy, newvalue = agent.get_action_and_value(obs, actions)
            {ratio}
            pg_loss = -(advantages * ratio).mean()
            v_loss = ((newvalue - returns) ** 2).mean()
            loss = pg_loss - args.ent_coef * entropy.mean() + v_loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            {stats}
"""

GRAD_ROLLOUT = "action, logprob, _, value = agent.get_action_and_value(obs)"
NO_GRAD_ROLLOUT = ("with torch.no_grad():\n                action, logprob, _, value = "
                   "agent.get_action_and_value(obs)")
RATIO = "ratio = (newlogprob - logprobs).exp()"


def _script(rollout: str = GRAD_ROLLOUT, ratio: str = RATIO, stats: str = "pass") -> str:
    return PPO_SCRIPT.replace("{rollout}", rollout).replace("{ratio}", ratio).replace("{stats}", stats)


def _detach(base: str, cand: str) -> list:
    return run_on({"train.py": base}, {"train.py": cand}, only={"detach_grad"}).findings


def test_no_grad_around_the_rollout_is_not_a_gradient_cut() -> None:
    findings = _detach(_script(), _script(rollout=NO_GRAD_ROLLOUT))
    assert [f for f in findings if f.severity.value in ("critical", "significant")] == []


def test_item_for_logging_is_not_a_gradient_cut() -> None:
    stats = "with torch.no_grad():\n                mean_entropy = entropy.mean().item()\n                approx_kl = (logprobs - newlogprob).mean()"
    assert _detach(_script(), _script(stats=stats)) == []


def test_ratio_detached_in_the_update_is_still_critical() -> None:
    findings = _detach(_script(), _script(ratio="ratio = (newlogprob - logprobs).detach().exp()"))
    assert findings and findings[0].severity.value == "critical" and "ratio" in findings[0].title


def test_detached_target_inside_a_loss_is_not_a_cut() -> None:
    base = _script(stats="aux_loss = mse(pred, target)\n            aux_loss.backward()")
    cand = _script(stats="aux_loss = mse(pred, target.detach())\n            aux_loss.backward()")
    assert _detach(base, cand) == []


# -- equivalent forms: functional vs module activations, arithmetic identities ---------------------
ACTIVATIONS = """
import torch
import torch.nn as nn


def create_activation(kind):
    if kind == "relu":
        return {relu}
    elif kind == "tanh":
        return {tanh}
    elif kind == "swish":
        return {swish}
    raise ValueError(kind)
"""


def _acts(relu: str, tanh: str, swish: str) -> str:
    return ACTIVATIONS.replace("{relu}", relu).replace("{tanh}", tanh).replace("{swish}", swish)


FUNCTIONAL = _acts("torch.relu", "torch.tanh", "lambda x: x * torch.sigmoid(x)")


def test_functional_and_module_activations_are_the_same_nonlinearity() -> None:
    modules = _acts("nn.ReLU()", "nn.Tanh()", "Swish()")
    assert run_on({"enc.py": FUNCTIONAL}, {"enc.py": modules}, only={"layers"}).findings == []


def test_activation_really_changed_is_still_found() -> None:
    swapped = _acts("nn.Tanh()", "nn.Tanh()", "nn.SiLU()")
    findings = run_on({"enc.py": FUNCTIONAL}, {"enc.py": swapped}, only={"layers"}).findings
    assert findings and "Nonlinearity changed: relu -> tanh" in findings[0].title


LOSS_SUM = """
def update(agent, optimizer, batch, args):
    pg_loss, value_loss, entropy = agent.losses(batch)
    loss = {expr}
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


@pytest.mark.parametrize(
    "expr",
    [
        "pg_loss + 1 * value_loss - args.ent_coef * entropy",
        "pg_loss + value_loss * 1 - args.ent_coef * entropy + 0",
        "1.0 * pg_loss + value_loss / 1 - args.ent_coef * entropy",
    ],
)
def test_arithmetic_identities_are_not_behaviour_changes(expr: str) -> None:
    base = LOSS_SUM.replace("{expr}", "pg_loss + value_loss - args.ent_coef * entropy")
    findings = run_on({"train.py": base}, {"train.py": LOSS_SUM.replace("{expr}", expr)}).findings
    assert findings == [], [(f.source, f.title) for f in findings]


def test_a_real_weight_change_is_still_found() -> None:
    base = LOSS_SUM.replace("{expr}", "pg_loss + value_loss - args.ent_coef * entropy")
    cand = LOSS_SUM.replace("{expr}", "pg_loss + 0.5 * value_loss - args.ent_coef * entropy")
    findings = run_on({"train.py": base}, {"train.py": cand}).findings
    assert any("Value-loss weight changed" in f.title for f in findings)


# -- direction: a change toward the textbook form is a likely fix, not the regression --------------
GAE_LOOP = """
def compute_gae(rewards, values, dones, last_value, gamma, lam):
    n = len(rewards)
    adv = [0.0] * n
    last = 0.0
    for t in reversed(range(n - 1)):
        nextnonterminal = 1.0 - dones[t + 1]
        delta = rewards[t] + gamma * {boot} * nextnonterminal - values[t]
        adv[t] = last = delta + gamma * lam * nextnonterminal * last
    return adv
"""


def _gae_dir(base_boot: str, cand_boot: str) -> list:
    base, cand = GAE_LOOP.replace("{boot}", base_boot), GAE_LOOP.replace("{boot}", cand_boot)
    return run_on({"gae.py": base}, {"gae.py": cand}, only={"gae_index"}).findings


def test_bootstrap_moved_toward_next_state_value_is_a_likely_fix() -> None:
    findings = _gae_dir("values[t]", "values[t + 1]")
    assert findings and findings[0].severity.value == "low", [(f.severity, f.title) for f in findings]
    assert "toward the textbook" in findings[0].title and "likely a fix" in findings[0].title


def test_bootstrap_moved_away_from_next_state_value_is_the_regression() -> None:
    findings = _gae_dir("values[t + 1]", "values[t]")
    assert findings and findings[0].severity.value == "critical" and "away from the textbook" in findings[0].title


def test_baseline_term_shifted_is_not_called_a_fix() -> None:
    # `- values[t]` -> `- values[t + 1]`: the subtracted baseline is not the bootstrap; no "likely fix"
    base = GAE_LOOP.replace("{boot}", "values[t + 1]")
    cand = base.replace("* nextnonterminal - values[t]", "* nextnonterminal - values[t + 1]")
    findings = run_on({"gae.py": base}, {"gae.py": cand}, only={"gae_index"}).findings
    assert findings and findings[0].severity.value == "critical" and "likely a fix" not in findings[0].title


# -- pairing: renamed files the way git's similarity does; unrelated scripts are not one -----------
SCRIPT_A = """
import pufferlib.emulation
import pufferlib.registry

for name in pufferlib.registry.names():
    env = pufferlib.emulation.make(name, num_envs=8)
    obs = env.reset()
    for step in range(100):
        obs, reward, done, info = env.step(env.action_space.sample())
    print(name, done)
"""

# the same constructs and attribute names, nothing else in common: token shapes agree, text does not
SCRIPT_B = """
import bench.timing
import bench.suites

for suite in bench.suites.names():
    game = bench.timing.make(suite, num_envs=2)
    first = game.reset()
    for tick in range(100):
        first, gain, over, extra = game.step(game.action_space.sample())
    print(suite, over)
"""


INIT_A = """
class RemoteEnvs:
    def __init__(self, binding, num_workers, envs_per_worker):
        self.binding = binding
        self.num_workers = num_workers
        self.envs_per_worker = envs_per_worker
        self.num_envs = num_workers * envs_per_worker


def run(binding):
    return RemoteEnvs(binding, 4, 2)
"""

INIT_B = """
class ProcgenVecEnv:
    def __init__(self, name, num_envs, distribution):
        self.name = name
        self.distribution = distribution
        self.num_envs = num_envs
        self.env = make_procgen(name, num_envs=num_envs)


def run(name):
    return ProcgenVecEnv(name, 8, "easy")
"""


def test_unrelated_scripts_are_not_compared_as_a_rename() -> None:
    result = run_on({"tests/test_bindings.py": SCRIPT_A}, {"tests/test_registry.py": SCRIPT_B})
    assert not any("->" in str(f.evidence[0].details.get("function")) for f in result.findings), [
        (f.title, f.evidence[0].details) for f in result.findings
    ]


def test_methods_with_the_same_name_in_unrelated_classes_are_not_paired() -> None:
    result = run_on({"pkg/multiprocessing.py": INIT_A}, {"pkg/procgen.py": INIT_B}, only={"env_count"})
    assert result.findings == [], [(f.title, f.evidence[0].details) for f in result.findings]


def test_a_renamed_script_with_a_real_change_is_still_compared() -> None:
    renamed = SCRIPT_A.replace("num_envs=8", "num_envs=1")
    result = run_on({"tests/test_bindings.py": SCRIPT_A}, {"tests/check_bindings.py": renamed}, only={"env_count"})
    assert any("->" in str(f.evidence[0].details.get("function")) for f in result.findings)


# -- a training loop is not a state-dict key mapping ------------------------------------------------
LOOP = """
def train(policy, experience, optimizer, cfg):
    lstm_state = None
    for mb in range(experience.num_minibatches):
        start, end = mb * cfg.minibatch_size, (mb + 1) * cfg.minibatch_size
        obs = experience.obs[start:end]
        _, logprob, entropy, value, lstm_state = policy(obs, lstm_state)
        loss = (logprob * experience.adv[start:end]).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""

REMAP = """
import torch


def load(model, path):
    checkpoint = torch.load(path)
    state = {k.replace("module.", ""): v for k, v in checkpoint["model"].items()}
    model.load_state_dict(state)
"""


def test_training_loop_with_lstm_state_and_slices_is_not_a_key_mapping() -> None:
    cand = LOOP.replace("obs = experience.obs[start:end]", "obs = experience.obs[start:end].to(cfg.device)")
    assert run_on({"train.py": LOOP}, {"train.py": cand}, only={"strict_load"}).findings == []


def test_state_dict_key_mapping_change_is_still_found() -> None:
    cand = REMAP.replace('k.replace("module.", "")', 'k[len("module."):]')
    findings = run_on({"ckpt.py": REMAP}, {"ckpt.py": cand}, only={"strict_load"}).findings
    assert findings and "State-dict key mapping changed" in findings[0].title


def test_logged_reward_means_are_not_an_index_shift() -> None:
    base = GAE_LOOP.replace("{boot}", "values[t + 1]")
    cand = base.replace("    return adv\n", "    for i in range(3):\n        writer.add_scalar('rewards', rewards[i], i)\n    return adv\n")
    findings = run_on({"gae.py": base}, {"gae.py": cand}, only={"gae_index"}).findings
    assert findings == [], [(f.severity, f.title) for f in findings]


def test_step_made_unconditional_is_named_and_not_critical() -> None:
    base = STRAIGHT.replace("        self.scaler.step(self.optimizer)\n        self.scaler.update()\n",
                            "        if self.opt_step:\n            self.scaler.step(self.optimizer)\n            self.scaler.update()\n")
    findings = _grad_order(base, STRAIGHT)
    assert findings and findings[0].severity.value == "significant"
    assert "step() now on every path (was conditional)" in findings[0].title


ACTION_MASK = """
import torch


class Network(torch.nn.Module):
    def forward(self, obs, action_masks):
        logits = self.actor(obs)
        logits = logits + (1.0 - action_masks) * -1e9
        return logits, self.critic(obs)


def run(net, obs, masks):
    return net(obs, masks)
"""


def test_action_masks_are_not_done_masks() -> None:
    cand = ACTION_MASK.replace("        logits = logits + (1.0 - action_masks) * -1e9\n", "")
    assert run_on({"models.py": ACTION_MASK}, {"models.py": cand}, only={"done_mask"}).findings == []


# -- values handed to a helper in a list, and a normaliser named after values, are not terms -------
MASKED_LOSS = """
import torch


def apply_masks(losses, mask):
    return [(l * mask).sum() / mask.sum() for l in losses], mask.sum()


def update(model, optimizer, batch, args):
    a_loss, c_loss, entropy = model.losses(batch)
    {masking}
    loss = a_loss + 0.5 * c_loss - entropy * args.entropy_coef
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def test_entropy_passed_to_a_masking_helper_is_not_a_new_entropy_term() -> None:
    base = MASKED_LOSS.replace("{masking}", "pass")
    cand = MASKED_LOSS.replace("{masking}", "losses, sum_mask = apply_masks([a_loss, c_loss, entropy], batch.mask)\n"
                                            "    a_loss, c_loss, entropy = losses[0], losses[1], losses[2]")
    assert run_on({"train.py": base}, {"train.py": cand}, only={"entropy_term"}).findings == []


def test_entropy_sign_flip_is_still_critical() -> None:
    base = MASKED_LOSS.replace("{masking}", "pass")
    cand = base.replace("- entropy * args.entropy_coef", "+ entropy * args.entropy_coef")
    findings = run_on({"train.py": base}, {"train.py": cand}, only={"entropy_term"}).findings
    assert findings and findings[0].severity.value == "critical" and "sign flipped" in findings[0].title


RETURNS = """
def prepare(advantages, values, normalize, value_mean_std):
    returns = advantages + values
    {norm}
    return returns
"""


def test_normalising_returns_with_a_value_normaliser_is_not_values_as_target() -> None:
    cand = RETURNS.replace("{norm}", "if normalize:\n        returns = value_mean_std(returns)")
    findings = run_on({"data.py": RETURNS.replace("{norm}", "pass")}, {"data.py": cand}, only={"returns_target"}).findings
    assert findings == [], [(f.severity, f.title) for f in findings]


def test_returns_built_from_values_only_is_still_critical() -> None:
    cand = RETURNS.replace("returns = advantages + values", "returns = values.clone()").replace("{norm}", "pass")
    findings = run_on({"data.py": RETURNS.replace("{norm}", "pass")}, {"data.py": cand}, only={"returns_target"}).findings
    assert findings and findings[0].severity.value == "critical"


ROLLOUT_HELPER = """
import torch


class Agent:
    def play_steps(self):
        for n in range(self.horizon):
            {rollout}
            self.obs, rewards, self.dones, infos = self.env_step(actions)
            self.mb_neglogpacs[n] = neglogpacs
            self.mb_values[n] = values
        return {"neglogpacs": self.mb_neglogpacs, "values": self.mb_values}

    def train_epoch(self):
        batch_dict = self.play_steps()
        losses = []
        for mini_ep in range(self.mini_epochs):
            loss = self.compute_loss(batch_dict)
            losses.append(loss)
        return losses


def run(agent):
    agent.train_epoch()
"""


def test_no_grad_around_a_rollout_helper_is_not_a_cut() -> None:
    plain = "actions, values, neglogpacs = self.get_action_values(self.obs)"
    guarded = "with torch.no_grad():\n                actions, values, neglogpacs = self.get_action_values(self.obs)"
    # the update function changed too (as in the real refactor), so it is compared with its inlined rollout
    cand = ROLLOUT_HELPER.replace("{rollout}", guarded).replace("        losses = []\n", "        losses = []\n        self.epoch += 1\n")
    findings = run_on({"agent.py": ROLLOUT_HELPER.replace("{rollout}", plain)},
                      {"agent.py": cand}, only={"detach_grad"}).findings
    assert [f for f in findings if f.severity.value in ("critical", "significant")] == [], [(f.severity, f.title) for f in findings]


PLAYBACK = """
import gym


def main():
    env = gym.make("CartPole-v1")
    episode_rewards = []
    for episode in range(10):
        obs = env.reset()
        episode_reward = 0
        done = False
        while not done:
            obs, rew, done, info = env.step(env.action_space.sample())
            episode_reward += rew
        episode_rewards.append(episode_reward)
        print("episode reward", episode_reward, sum(episode_rewards[-100:]) / len(episode_rewards[-100:]))
"""

TRAIN_EXAMPLE = """
from trainer import run_algorithm, parse_args


def main():
    cfg = parse_args()
    cfg.env = "CartPole-v1"
    status = run_algorithm(cfg)
    return status
"""


def test_two_scripts_main_functions_are_not_one_function() -> None:
    result = run_on({"playground/playback.py": PLAYBACK}, {"examples/train_env.py": TRAIN_EXAMPLE})
    assert not any("->" in str(f.evidence[0].details.get("function")) for f in result.findings), [
        (f.title, f.evidence[0].details) for f in result.findings
    ]


def test_episode_reward_collected_into_a_stats_list_is_not_a_reward_term() -> None:
    cand = PLAYBACK.replace("            episode_reward += rew\n", "")
    assert run_on({"playback.py": PLAYBACK}, {"playback.py": cand}, only={"reward_terms"}).findings == []


SAC_UPDATE = """
import torch


def update(actor, critic, actor_opt, alpha_opt, log_alpha, batch, target_entropy, auto_alpha):
    actions, logprob = actor.sample(batch.obs)
    actor_loss = (log_alpha.exp() * logprob - critic(batch.obs, actions)).mean()
    actor_opt.zero_grad()
    actor_loss.backward()
    actor_opt.step()
    {alpha}
"""


def test_detached_log_prob_in_a_new_temperature_loss_is_not_a_cut() -> None:
    alpha = ("if auto_alpha:\n        log_prob = logprob.detach() + target_entropy\n"
             "        alpha_loss = -(log_alpha * log_prob).mean()\n        alpha_opt.zero_grad()\n"
             "        alpha_loss.backward()\n        alpha_opt.step()")
    base, cand = SAC_UPDATE.replace("{alpha}", "pass"), SAC_UPDATE.replace("{alpha}", alpha)
    findings = run_on({"sac.py": base}, {"sac.py": cand}, only={"detach_grad"}).findings
    assert findings and all(f.severity.value == "low" for f in findings), [(f.severity, f.title) for f in findings]
    assert "new loss" in findings[0].title


def test_log_prob_detached_in_the_existing_actor_loss_is_critical() -> None:
    base = SAC_UPDATE.replace("{alpha}", "pass")
    cand = base.replace("actions, logprob = actor.sample(batch.obs)\n",
                        "actions, logprob = actor.sample(batch.obs)\n    logprob = logprob.detach()\n")
    findings = run_on({"sac.py": base}, {"sac.py": cand}, only={"detach_grad"}).findings
    assert findings and findings[0].severity.value == "critical", [(f.severity, f.title) for f in findings]


# -- detached copies returned for logs by a function that computes the loss for its caller -----------
LOSS_FN = """
import torch


def compute_loss(agent, batch, ent_coef):
    _, newlogprob, entropy, newvalue = agent.get_action_and_value(batch.obs, batch.actions)
    ratio = (newlogprob - batch.logprobs).exp()
    pg_loss = -(batch.advantages * ratio).mean()
    v_loss = ((newvalue - batch.returns) ** 2).mean()
    entropy_loss = entropy.mean()
    {before}
    loss = pg_loss - ent_coef * entropy_loss + v_loss
    {after}
    return {ret}


def update(agent, batch, optimizer, ent_coef):
    loss, info = compute_loss(agent, batch, ent_coef)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return info
"""


def _loss_fn(before: str = "pass", after: str = "pass", ret: str = "loss, {}") -> str:
    return LOSS_FN.replace("{before}", before).replace("{after}", after).replace("{ret}", ret)


def _loss_fn_cut(after: str, ret: str, before: str = "pass") -> list:
    return run_on({"train.py": _loss_fn()}, {"train.py": _loss_fn(before, after, ret)}, only={"detach_grad"}).findings


def test_detached_entropy_returned_in_a_stats_dict_is_not_a_gradient_cut() -> None:
    assert _loss_fn_cut("ent = entropy_loss.detach()", "loss, {'entropy': ent, 'kl': ratio.detach().mean()}") == []
    assert _loss_fn_cut("ent = entropy_loss.detach().cpu()", "loss, {'entropy': ent}") == []
    assert _loss_fn_cut("pass", "loss, {'entropy': entropy_loss.detach()}") == []


def test_detached_entropy_returned_beside_the_loss_is_not_a_gradient_cut() -> None:
    assert _loss_fn_cut("ent = entropy_loss.detach()", "loss, ent") == []
    assert _loss_fn_cut("ent = entropy_loss.detach()", "{'loss': loss, 'entropy': ent}") == []


def test_detached_entropy_that_feeds_the_returned_loss_is_critical() -> None:
    findings = _loss_fn_cut("pass", "loss, {'entropy': entropy_loss}", before="entropy_loss = entropy_loss.detach()")
    assert findings and findings[0].severity.value == "critical" and "entropy" in findings[0].title


def test_detached_loss_returned_under_a_loss_key_is_critical() -> None:
    findings = _loss_fn_cut("pg_loss = pg_loss.detach()", "{'loss': pg_loss + v_loss, 'entropy': entropy_loss}")
    assert findings and findings[0].severity.value == "critical" and "loss" in findings[0].title
    findings = _loss_fn_cut("v_loss = v_loss.detach()", "pg_loss, v_loss")
    assert findings and findings[0].severity.value == "critical"


PPG_BASE = """
import torch


def update(self, model, optimizer, value_optimizer, batches, multi_gpu):
    for batch in batches:
        loss = model.loss(batch)
        if multi_gpu:
            optimizer.zero_grad()
        else:
            for p in model.parameters():
                p.grad = None
        loss.backward()
        optimizer.step()
"""

PPG_CAND = PPG_BASE + """        value_loss = model.value_loss(batch)
        if self.aux_multi_gpu:
            value_optimizer.zero_grad()
        else:
            for p in model.parameters():
                p.grad = None
        value_loss.backward()
        value_optimizer.step()
"""


def test_a_second_optimizer_zeroing_after_the_first_stepped_is_its_own_cycle() -> None:
    """rl_games's phasic policy gradient: the policy optimizer steps, then the value optimizer runs its
    own zero_grad -> backward -> step, under a flag of its own; the paths that reset gradients with
    `p.grad = None` first and the value optimizer's `zero_grad()` later were "zero_grad between
    backward() and step()", critical."""
    findings = _grad_order(PPG_BASE, PPG_CAND)
    assert all(f.severity.value != "critical" for f in findings), [(f.severity, f.title) for f in findings]


def test_a_second_optimizer_zeroing_before_any_step_still_discards_gradients() -> None:
    bug = PPG_CAND.replace("        loss.backward()\n        optimizer.step()\n", "        loss.backward()\n") \
        .replace("        value_optimizer.step()\n", "        value_optimizer.step()\n        optimizer.step()\n")
    findings = _grad_order(PPG_BASE, bug)
    assert findings and findings[0].severity.value == "critical", [(f.severity, f.title) for f in findings]


PER_STEP = """
import torch


class Policy:
    def train_net(self):
        R = 0
        for r, log_prob in self.data[::-1]:
            R = r + self.gamma * R
            loss = -log_prob * R
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        self.data = []


def main(pi, episodes):
    for _ in range(episodes):
        pi.train_net()
"""

PER_EPISODE = """
import torch


class Policy:
    def train_net(self):
        R = 0
        self.optimizer.zero_grad()
        for r, prob in self.data[::-1]:
            R = r + self.gamma * R
            loss = -torch.log(prob) * R
            loss.backward()
        self.optimizer.step()
        self.data = []


def main(pi, episodes):
    for _ in range(episodes):
        pi.train_net()
"""


def test_per_episode_gradient_accumulation_is_not_stale_gradients() -> None:
    """REINFORCE summing per-step losses into one update per episode (zero_grad and step() both
    outside the backward() loop) is deliberate accumulation: reported as a schedule change, not as
    the critical 'gradients accumulate' (a false critical seen on a one-file REINFORCE script)."""
    findings = _grad_order(PER_STEP, PER_EPISODE)
    assert findings, "the change of update granularity should still be reported"
    assert all(f.severity.value != "critical" for f in findings), [(f.severity, f.title) for f in findings]
    assert "gradients accumulate" not in findings[0].title
    assert findings[0].severity.value == "significant" and "moved out of the backward() loop" in findings[0].title


def test_per_episode_update_back_to_per_step_is_significant_not_critical() -> None:
    findings = _grad_order(PER_EPISODE, PER_STEP)
    assert findings and findings[0].severity.value == "significant", [(f.severity, f.title) for f in findings]
    assert "moved into the backward() loop" in findings[0].title


def test_zero_grad_outside_a_loop_that_steps_is_still_critical() -> None:
    """The real bug in the same shape: zero_grad() before the loop, step() inside it (each update
    re-applies the earlier steps' gradients)."""
    bug = PER_EPISODE.replace(
        "            loss.backward()\n        self.optimizer.step()\n",
        "            loss.backward()\n            self.optimizer.step()\n",
    )
    assert bug != PER_EPISODE
    findings = _grad_order(PER_STEP, bug)
    assert findings and findings[0].severity.value == "critical", [(f.severity, f.title) for f in findings]
    assert "gradients accumulate" in findings[0].title


# -- a copy between two live networks is a sync, not a checkpoint load -------------------------------
PPO_OLD = """
import torch
import torch.nn as nn


class PPO:
    def __init__(self, state_dim, action_dim, lr):
        self.policy = ActorCritic(state_dim, action_dim)
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=lr)
        self.policy_old = ActorCritic(state_dim, action_dim)
        self.policy_old.load_state_dict(self.policy.state_dict())

    def load(self, checkpoint_path):
        self.policy.load_state_dict(torch.load(checkpoint_path))
"""


def test_dropped_initial_sync_of_a_live_copy_is_a_significant_network_sync() -> None:
    """`policy_old.load_state_dict(policy.state_dict())` removed (PPO's old policy no longer starts
    from the trained policy's weights) is a network sync, significant; it was read as checkpoint
    loading ('Weight loading changed', low)."""
    cand = PPO_OLD.replace("        self.policy_old.load_state_dict(self.policy.state_dict())\n", "")
    findings = run_on({"ppo.py": PPO_OLD}, {"ppo.py": cand}, only={"strict_load"}).findings
    assert findings, "the dropped sync must be reported"
    f = findings[0]
    assert f.title.startswith("Network sync removed") and "`self.policy_old`" in f.title, f.title
    assert f.severity.value == "significant"


CKPT = """
import torch


def load(model, path):
    model.load_state_dict(torch.load(path))
"""


def test_checkpoint_load_made_loose_is_still_a_strictness_finding() -> None:
    cand = CKPT.replace("torch.load(path))", "torch.load(path), strict=False)")
    findings = run_on({"ckpt.py": CKPT}, {"ckpt.py": cand}, only={"strict_load"}).findings
    assert findings and "strict=False) introduced" in findings[0].title, [f.title for f in findings]


def test_unchanged_sync_is_quiet() -> None:
    cand = PPO_OLD.replace("lr=lr)", "lr=lr, eps=1e-5)")
    assert run_on({"ppo.py": PPO_OLD}, {"ppo.py": cand}, only={"strict_load"}).findings == []
