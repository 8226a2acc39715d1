"""A call that gained arguments handing on an option at the callee's own default is the baseline's call.

Real shape (xland-minigrid v0.8.0..v0.9.0, training/nn.py:61): `GRU(hidden_dim=self.hidden_dim)` became
`GRU(self.hidden_dim, self.dtype, self.param_dtype)` with the flax fields `dtype: Optional[Dtype] = None` and
`param_dtype: Dtype = jnp.float32` new in `GRU`, `RNNModel` and `ActorCriticRNN`, `RNNModel` built through
`BatchedRNNModel = flax.linen.vmap(RNNModel, ...)`, and the training script building `ActorCriticRNN(...,
dtype=jnp.bfloat16 if config.enable_bf16 else None)` with the new `enable_bf16: bool = False`: "Layer changed"
was significant, #1 of the range, for bf16 plumbing no run turns on."""

from __future__ import annotations

from investigator.detectors.guards import Side, handed_on_default_reason
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity

NN_BASE = '''\
import flax.linen as nn


class GRU(nn.Module):
    hidden_dim: int

    @nn.compact
    def __call__(self, xs):
        return nn.Dense(self.hidden_dim)(xs)


class RNNModel(nn.Module):
    hidden_dim: int

    @nn.compact
    def __call__(self, xs):
        return GRU(hidden_dim=self.hidden_dim)(xs)


Batched = nn.vmap(RNNModel, variable_axes={"params": None})


class ActorCritic(nn.Module):
    hidden_dim: int

    @nn.compact
    def __call__(self, xs):
        return Batched(self.hidden_dim)(xs)
'''

NN_CAND = '''\
from typing import Optional

import flax.linen as nn
import jax.numpy as jnp


class GRU(nn.Module):
    hidden_dim: int
    dtype: Optional[jnp.dtype] = None
    param_dtype: jnp.dtype = jnp.float32

    @nn.compact
    def __call__(self, xs):
        return nn.Dense(self.hidden_dim, dtype=self.dtype, param_dtype=self.param_dtype)(xs)


class RNNModel(nn.Module):
    hidden_dim: int
    dtype: Optional[jnp.dtype] = None
    param_dtype: jnp.dtype = jnp.float32

    @nn.compact
    def __call__(self, xs):
        return GRU(self.hidden_dim, self.dtype, self.param_dtype)(xs)


Batched = nn.vmap(RNNModel, variable_axes={"params": None})


class ActorCritic(nn.Module):
    hidden_dim: int
    dtype: Optional[jnp.dtype] = None
    param_dtype: jnp.dtype = jnp.float32

    @nn.compact
    def __call__(self, xs):
        return Batched(self.hidden_dim, self.dtype, self.param_dtype)(xs)
'''
BASE_LINE, CAND_LINE = 17, 24

TRAIN = '''\
from dataclasses import dataclass

import jax.numpy as jnp

from nn import ActorCritic


@dataclass
class TrainConfig:
    hidden_dim: int = 64
    enable_bf16: bool = False


def make_train(config: TrainConfig):
    return ActorCritic(config.hidden_dim, dtype=%s)
'''
OFF = "jnp.bfloat16 if config.enable_bf16 else None"


def _finding() -> Finding:
    locs = [Location(path="nn.py", line=BASE_LINE, side="baseline"), Location(path="nn.py", line=CAND_LINE, side="candidate")]
    return Finding(id="layers:nn.py:24", source="code_detectors.layers", subsystem="architecture",
                   severity=Severity.significant, confidence=0.75,
                   title="Layer changed: `GRU(hidden_dim=self.hidden_dim)` -> `GRU(self.hidden_dim, self.dtype, "
                         "self.param_dtype)`", impact="", rationale="", locations=locs,
                   evidence=[Evidence(kind=EvidenceKind.code, summary="", locations=locs)])


def _reason(dtype: str = OFF, nn_cand: str = NN_CAND, extra: dict[str, str] | None = None) -> str | None:
    assert "GRU(hidden_dim=self.hidden_dim)" in NN_BASE.splitlines()[BASE_LINE - 1]
    assert "GRU(self.hidden_dim" in nn_cand.splitlines()[CAND_LINE - 1]
    base = {"nn.py": NN_BASE, "train.py": TRAIN.replace("dtype=%s", "").replace(", )", ")")}
    cand = {"nn.py": nn_cand, "train.py": TRAIN % dtype, **(extra or {})}
    sides = {"baseline": Side("baseline", base.get, list(base)), "candidate": Side("candidate", cand.get, list(cand))}
    return handed_on_default_reason(_finding(), sides)


def test_dtype_plumbing_off_by_default_is_the_baseline_call():
    reason = _reason()
    assert reason is not None and "`config.enable_bf16` = False" in reason and "`RNNModel`'s option `dtype`" in reason


def test_a_run_that_passes_another_dtype_keeps_the_finding():
    assert _reason("jnp.bfloat16") is None
    assert _reason("jnp.bfloat16 if config.enable_bf16 else jnp.float16") is None  # the default arm differs


def test_an_option_default_that_differs_from_the_callee_default_keeps_the_finding():
    """The default itself changes behaviour: `RNNModel` computes in bfloat16 unless told otherwise."""
    changed = NN_CAND.replace("class RNNModel(nn.Module):\n    hidden_dim: int\n    dtype: Optional[jnp.dtype] = None",
                              "class RNNModel(nn.Module):\n    hidden_dim: int\n    dtype: Optional[jnp.dtype] = jnp.bfloat16")
    assert changed != NN_CAND
    assert _reason(nn_cand=changed) is None


def test_an_unread_construction_keeps_the_finding():
    other = "from nn import ActorCritic\n\nMODELS = [ActorCritic]\n"  # built elsewhere with arguments unknown
    assert _reason(extra={"registry.py": other}) is None
    kwargs = "from nn import ActorCritic\n\n\ndef build(**kw):\n    return ActorCritic(64, **kw)\n"
    assert _reason(extra={"build.py": kwargs}) is None


def test_a_test_file_building_it_in_bf16_is_no_run():
    test = "import jax.numpy as jnp\n\nfrom nn import ActorCritic\n\n\ndef test_bf16():\n    ActorCritic(8, jnp.bfloat16)\n"
    assert _reason(extra={"tests/test_nn.py": test}) is not None
