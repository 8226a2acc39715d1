"""Code moved into a method of another object is compared there, not read as removed.

Real shape (rsl_rl v4.0.1..v5.0.0): the std-head initialisation in `MLPModel.__init__`
(`zeros_` / `constant_(..., init_noise_std)` on `self.mlp[-2]`) moved into
`Distribution.init_mlp_weights(mlp)` in a new module, called as
`self.distribution.init_mlp_weights(self.mlp)` on an object built from a configured class; it was
"Initialisation call removed" (significant). `self.std = nn.Parameter(...)` (the learned action
noise) moved likewise and was "Normalisation statistics assignment removed"."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import torch
import torch.nn as nn


class Model(nn.Module):
    def __init__(self, output_dim, init_noise_std=1.0, state_dependent_std=True):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(8, 64), nn.ELU(), nn.Linear(64, 2 * output_dim), nn.Identity())
        if state_dependent_std:
            torch.nn.init.zeros_(self.mlp[-2].weight[output_dim:])
            torch.nn.init.constant_(self.mlp[-2].bias[output_dim:], init_noise_std)
        else:
            self.std = nn.Parameter(init_noise_std * torch.ones(output_dim))

    def forward(self, x):
        return self.mlp(x)
"""

CAND_MODEL = """
import torch.nn as nn

from distribution import resolve_callable


class Model(nn.Module):
    def __init__(self, output_dim, distribution_cfg):
        super().__init__()
        dist_class = resolve_callable(distribution_cfg.pop("class_name"))
        self.distribution = dist_class(output_dim, **distribution_cfg)
        self.mlp = nn.Sequential(nn.Linear(8, 64), nn.ELU(), nn.Linear(64, 2 * output_dim), nn.Identity())
        self.distribution.init_mlp_weights(self.mlp)

    def forward(self, x):
        return self.mlp(x)
"""

CAND_DIST = """
import importlib

import torch
import torch.nn as nn


def resolve_callable(name):
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


class Distribution(nn.Module):
    def __init__(self, output_dim):
        super().__init__()
        self.output_dim = output_dim

    def init_mlp_weights(self, mlp):
        pass


class StateDependentGaussian(Distribution):
    def __init__(self, output_dim, init_std=1.0):
        super().__init__(output_dim)
        self.init_std = init_std

    def init_mlp_weights(self, mlp):
        torch.nn.init.zeros_(mlp[-2].weight[self.output_dim:])
        torch.nn.init.constant_(mlp[-2].bias[self.output_dim:], INIT_VALUE)


class Gaussian(Distribution):
    def __init__(self, output_dim, init_std=1.0):
        super().__init__(output_dim)
        self.std_param = nn.Parameter(init_std * torch.ones(output_dim))
"""


def _result(init_value: str):
    base = {"model.py": BASE, "distribution.py": "def resolve_callable(name):\n    return name\n"}
    cand = {"model.py": CAND_MODEL, "distribution.py": CAND_DIST.replace("INIT_VALUE", init_value)}
    return run_on(base, cand, only={"init_gain", "norm_wrappers"})


def test_initialisation_moved_into_a_dynamically_called_method_is_no_change() -> None:
    result = _result("self.init_std")
    assert [f.title for f in result.findings] == []
    moved = [n for n in result.no_effect if "moved" in n.title]
    assert moved and "init_mlp_weights" in moved[0].reason, result.no_effect


def test_moved_initialisation_with_a_different_value_is_still_a_finding() -> None:
    result = _result("0.01")
    titles = [f.title for f in result.findings]
    assert any(t.startswith("Initialisation") for t in titles), titles
    assert all(f.severity.value == "significant" for f in result.findings)


def test_learned_std_parameter_is_not_a_normalisation_statistic() -> None:
    base = {"m.py": "import torch\nimport torch.nn as nn\nclass P(nn.Module):\n    def __init__(self, n):\n"
                    "        super().__init__()\n        self.std = nn.Parameter(torch.ones(n))\n"
                    "        self.obs_rms = RunningMeanStd(n)\n"}
    cand = {"m.py": base["m.py"].replace("        self.std = nn.Parameter(torch.ones(n))\n", "")}
    assert [f.title for f in run_on(base, cand, only={"norm_wrappers"}).findings] == []
    stats = {"m.py": base["m.py"].replace("nn.Parameter(torch.ones(n))", "torch.ones(n)")}
    gone = {"m.py": cand["m.py"]}
    titles = [f.title for f in run_on(stats, gone, only={"norm_wrappers"}).findings]
    assert any("statistics assignment removed" in t for t in titles), titles


# -- the critic loss moved one call deeper ----------------------------------------------------------
# Real shape (rl_games v1.6.0..v1.6.1): `critic_loss(...)` became a wrapper returning
# `default_critic_loss(...)`, the same formula; it was "Value-loss weight changed".
LOSSES_OLD = """
import torch


def critic_loss(value_preds, values, clip, returns):
    value_losses = (values - returns) ** 2
    c_loss = value_losses
    return c_loss
"""

LOSSES_NEW = """
import torch


def critic_loss(model, value_preds, values, clip, returns):
    return default_critic_loss(value_preds, values, clip, returns)


def default_critic_loss(value_preds, values, clip, returns):
    value_losses = WEIGHT(values - returns) ** 2
    c_loss = value_losses
    return c_loss
"""

AGENT = """
import losses


def calc_gradients(model, batch, optimizer):
    values = model(batch.obs)
    c_loss = losses.critic_loss(ARGS)
    loss = c_loss.mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
"""


def _loss_titles(weight: str) -> list[str]:
    base = {"losses.py": LOSSES_OLD, "agent.py": AGENT.replace("ARGS", "batch.v, values, 0.2, batch.ret")}
    cand = {"losses.py": LOSSES_NEW.replace("WEIGHT", weight),
            "agent.py": AGENT.replace("ARGS", "model, batch.v, values, 0.2, batch.ret")}
    return [f.title for f in run_on(base, cand, only={"value_clip"}).findings]


def test_loss_moved_behind_a_wrapper_call_is_no_change() -> None:
    assert _loss_titles("") == []


def test_loss_moved_behind_a_wrapper_with_a_new_weight_is_a_change() -> None:
    titles = _loss_titles("0.5 * ")
    assert any("Value-loss weight changed" in t for t in titles), titles
