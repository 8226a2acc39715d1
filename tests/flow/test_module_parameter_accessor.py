"""A one-parameter module read through an accessor is its parameter: `m()` = `next(m.parameters())`.

Real shape (d3rlpy v2.3.0..v2.4.0): `Parameter(nn.Module)` held one `nn.Parameter` and its `forward` returned
it; the release made the call raise and replaced every `self._modules.log_temp()` by
`get_parameter(self._modules.log_temp)` (`return next(parameter.parameters())`), for CUDA-graph capture. The
SAC, BEAR and CQL loss functions were read as behavioural changes of the loss path (four of the range's top
five, significant). The module is held in a dataclass field (`_modules: SACModules`, `log_temp: Parameter`).
Negatives: a `forward` that computes from the parameter, a module that registers a second parameter first,
and an accessor of another attribute stay changes."""

from __future__ import annotations

from tests.flow.support import flow_findings

PARAMS = """
import torch
from torch import nn


class Parameter(nn.Module):
    def __init__(self, data):
        super().__init__()
        self._parameter = nn.Parameter(data)

    def forward(self):
        return self._parameter

    def __call__(self):
        return super().__call__()
"""

PARAMS_NEW = """
import torch
from torch import nn


class Parameter(nn.Module):
    def __init__(self, data):
        super().__init__()
        self._parameter = nn.Parameter(data)

    def forward(self):
        raise NotImplementedError("use get_parameter")

    def __call__(self):
        raise NotImplementedError("use get_parameter")


def get_parameter(parameter: Parameter) -> nn.Parameter:
    return next(parameter.parameters())
"""

ALGO = """
import dataclasses

import torch
from params import Parameter


@dataclasses.dataclass(frozen=True)
class SACModules:
    policy: torch.nn.Module
    q_func: torch.nn.Module
    log_temp: Parameter
    temp_optim: torch.optim.Optimizer
    actor_optim: torch.optim.Optimizer


class SAC:
    _modules: SACModules

    def __init__(self, modules: SACModules, action_size: int):
        self._modules = modules
        self._action_size = action_size

    def update_temp(self, log_prob):
        self._modules.temp_optim.zero_grad()
        with torch.no_grad():
            targ_temp = log_prob - self._action_size
        loss = -(self._modules.log_temp().exp() * targ_temp).mean()
        loss.backward()
        self._modules.temp_optim.step()
        return loss

    def update_actor(self, obs):
        action, log_prob = self._modules.policy.sample_with_log_prob(obs)
        entropy = self._modules.log_temp().exp() * log_prob
        loss = (entropy - self._modules.q_func(obs, action)).mean()
        self._modules.actor_optim.zero_grad()
        loss.backward()
        self._modules.actor_optim.step()


def train(policy, q_func, batches):
    log_temp = Parameter(torch.zeros(1, 1))
    modules = SACModules(policy, q_func, log_temp, torch.optim.Adam(log_temp.parameters()),
                         torch.optim.Adam(policy.parameters()))
    algo = SAC(modules, 2)
    for batch in batches:
        action, log_prob = policy.sample_with_log_prob(batch.obs)
        algo.update_temp(log_prob)
        algo.update_actor(batch.obs)
"""

ALGO_NEW = ALGO.replace("from params import Parameter", "from params import Parameter, get_parameter") \
    .replace("self._modules.log_temp()", "get_parameter(self._modules.log_temp)")


def _loud_in_sac(base_params: str, cand_params: str, cand_algo: str = ALGO_NEW) -> list[str]:
    found = flow_findings({"params.py": base_params, "algo.py": ALGO}, {"params.py": cand_params, "algo.py": cand_algo})
    return [f"{f.severity.value} {f.title}" for f in found
            if f.severity.value in ("critical", "significant") and "SAC." in f.title]


def test_the_accessor_reads_the_parameter_the_call_returned() -> None:
    assert _loud_in_sac(PARAMS, PARAMS_NEW) == []


def test_a_forward_that_computes_is_not_the_parameter() -> None:
    base = PARAMS.replace("        return self._parameter", "        return self._parameter.clamp(-5.0, 2.0)")
    assert any("update_temp" in t for t in _loud_in_sac(base, PARAMS_NEW)), _loud_in_sac(base, PARAMS_NEW)


def test_a_module_with_another_first_parameter_is_not_read() -> None:
    cand = PARAMS_NEW.replace("        self._parameter = nn.Parameter(data)",
                              "        self._scale = nn.Parameter(torch.ones(1))\n"
                              "        self._parameter = nn.Parameter(data)")
    assert any("update_temp" in t for t in _loud_in_sac(PARAMS, cand)), _loud_in_sac(PARAMS, cand)


def test_an_accessor_of_another_value_is_a_change() -> None:
    cand_algo = ALGO_NEW.replace("get_parameter(self._modules.log_temp)", "get_parameter(self._modules.q_func)")
    loud = _loud_in_sac(PARAMS, PARAMS_NEW, cand_algo)
    assert any("update_temp" in t for t in loud), loud
