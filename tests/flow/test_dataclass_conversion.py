"""A class turned into a dataclass, and device placement moved into the builders.

Real shapes (d3rlpy v1.1.1 -> v2.0.2, the top five findings of the range, all noise):
`QRQFunctionFactory.__init__(self, n_quantiles=32)` storing `self._n_quantiles` (with a read-only
`n_quantiles` property) became a dataclass field `n_quantiles: int = 32`; `TorchMiniBatch`'s read-only
properties over the arrays `__init__` computed became bare fields filled by a `from_batch` classmethod;
`create_value_function(...)` now ends with `value_func.to(device)` where 1.x moved the whole
algorithm's modules after building them. Negatives: a field default that differs from the old
parameter's, a parameter scaled before it is stored, a property that computes, a removed device move,
a `.to()` that changes the dtype.
"""

from __future__ import annotations

import pytest

from investigator.models import Severity
from tests.flow.support import flow_result

MODELS = '''
import torch
import torch.nn as nn


class QRQFunction(nn.Module):
    def __init__(self, dim, n_quantiles):
        super().__init__()
        self._n_quantiles = n_quantiles
        self.fc = nn.Linear(dim, n_quantiles)

    def forward(self, x):
        return self.fc(x).view(-1, self._n_quantiles).mean(dim=1)


class Imitator(nn.Module):
    def __init__(self, dim, action_size, beta):
        super().__init__()
        self.beta = beta
        self.fc = nn.Linear(dim, action_size)

    def forward(self, x):
        return self.fc(x)
'''

FACTORY_BASE = '''
from typing import ClassVar

from models import QRQFunction


class QFunctionFactory:
    TYPE: ClassVar[str] = "none"

    def __init__(self, share_encoder: bool):
        self._share_encoder = share_encoder

    def get_type(self) -> str:
        return self.TYPE


class QRQFunctionFactory(QFunctionFactory):
    TYPE: ClassVar[str] = "qr"
    _n_quantiles: int

    def __init__(self, share_encoder: bool = False, n_quantiles: int = 32):
        super().__init__(share_encoder)
        self._n_quantiles = {stored}

    def create(self, dim):
        return QRQFunction(dim, self._n_quantiles)

    @property
    def n_quantiles(self) -> int:
        return self._n_quantiles
'''

FACTORY_CAND = '''
import dataclasses

from models import QRQFunction


@dataclasses.dataclass()
class QFunctionFactory:
    share_encoder: bool = False

    @staticmethod
    def get_type() -> str:
        raise NotImplementedError


@dataclasses.dataclass()
class QRQFunctionFactory(QFunctionFactory):
    n_quantiles: int = {default}

    def create(self, dim):
        return QRQFunction(dim, self.n_quantiles)

    @staticmethod
    def get_type() -> str:
        return "qr"
'''

FACTORY_TRAIN = '''
import torch

from factories import QRQFunctionFactory


def train(data):
    q_func = QRQFunctionFactory().create(17)
    optimizer = torch.optim.Adam(q_func.parameters(), lr=3e-4)
    for obs, target in data:
        loss = (q_func(obs) - target).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    train([])
'''


def _factory(default: str = "32", stored: str = "n_quantiles"):
    result = flow_result(
        {"models.py": MODELS, "factories.py": FACTORY_BASE.replace("{stored}", stored), "train.py": FACTORY_TRAIN},
        {"models.py": MODELS, "factories.py": FACTORY_CAND.replace("{default}", default), "train.py": FACTORY_TRAIN})
    return [f for f in result.findings if "QRQFunctionFactory" in f.title], result


def test_constructor_parameters_turned_into_dataclass_fields_with_the_same_defaults_are_no_change() -> None:
    found, result = _factory()
    assert not found, [(f.title, f.severity) for f in found]
    notes = [n for n in result.no_effect if "turned into a dataclass" in n.title]
    assert notes and "`n_quantiles`" in notes[0].title and "default `32`" in notes[0].reason
    # the `TYPE` class variable paired with the new field is a removal, which no candidate code reads
    assert any("Fields removed" in n.title and "`TYPE`" in n.title for n in result.no_effect)


@pytest.mark.parametrize(("default", "stored"), [("64", "n_quantiles"), ("32", "n_quantiles * 2")])
def test_a_field_default_that_differs_or_a_parameter_computed_before_it_is_stored_stays_a_change(
        default: str, stored: str) -> None:
    found, result = _factory(default, stored)
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]
    assert not any("turned into a dataclass" in n.title for n in result.no_effect)


BATCH_BASE = '''
import torch


def to_torch(array, device):
    return torch.tensor(array, dtype=torch.float32, device=device)


class TorchMiniBatch:
    _observations: torch.Tensor
    _actions: torch.Tensor
    _device: str

    def __init__(self, batch, device, scaler=None):
        observations = to_torch(batch.observations, device)
        actions = to_torch(batch.actions, device)
        if scaler:
            observations = scaler.transform(observations)
        self._observations = observations
        self._actions = actions
        self._device = device

    @property
    def observations(self):
        return self._observations{obs}

    @property
    def actions(self):
        return self._actions

    @property
    def device(self):
        return self._device
'''

BATCH_CAND = '''
import dataclasses

import torch


def to_torch(array, device):
    return torch.tensor(array, dtype=torch.float32, device=device)


@dataclasses.dataclass(frozen=True)
class TorchMiniBatch:
    observations: torch.Tensor
    actions: torch.Tensor
    device: str{extra}

    @classmethod
    def from_batch(cls, batch, device, scaler=None):
        observations = to_torch(batch.observations, device)
        actions = to_torch(batch.actions, device)
        if scaler:
            observations = scaler.transform(observations)
        return TorchMiniBatch(observations=observations, actions=actions, device=device{passed})
'''

BATCH_TRAIN = '''
import torch

from batch import TorchMiniBatch


def train(policy, data):
    optimizer = torch.optim.Adam(policy.parameters(), lr=3e-4)
    for b in data:
        batch = {make}
        loss = (policy(batch.observations) - batch.actions).pow(2).mean(){extra}
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    train(torch.nn.Linear(3, 2), [])
'''


def _batch(obs: str = "", extra: str = "", passed: str = "", read: str = ""):
    base = {"batch.py": BATCH_BASE.replace("{obs}", obs),
            "train.py": BATCH_TRAIN.replace("{make}", 'TorchMiniBatch(b, "cpu")').replace("{extra}", "")}
    cand = {"batch.py": BATCH_CAND.replace("{extra}", extra).replace("{passed}", passed),
            "train.py": BATCH_TRAIN.replace("{make}", 'TorchMiniBatch.from_batch(b, "cpu")').replace("{extra}", read)}
    result = flow_result(base, cand)
    return [f for f in result.findings if f.title.endswith("`TorchMiniBatch`") or "`TorchMiniBatch` (" in f.title], result


def test_read_only_properties_turned_into_bare_dataclass_fields_are_no_change() -> None:
    found, result = _batch()
    assert not found, [(f.title, f.severity) for f in found]
    notes = [n for n in result.no_effect if "turned into a dataclass" in n.title]
    assert notes and all(f"`{name}`" in notes[0].title for name in ("observations", "actions", "device"))


def test_a_property_that_computed_its_value_or_a_new_field_stays_a_change() -> None:
    found, _ = _batch(obs=" / 255.0")
    assert found and "observations" in found[0].evidence[0].summary, [(f.title, f.severity) for f in found]
    assert "actions" not in found[0].evidence[0].summary
    found, _ = _batch(extra="\n    weights: torch.Tensor", passed=", weights=actions.abs()",
                      read=" * batch.weights.mean()")
    assert found and "weights" in found[0].evidence[0].summary, [(f.title, f.severity) for f in found]


BUILDER = '''
from models import Imitator


def create_imitator(dim, action_size, beta{param}):
{body}
'''

BUILDER_TRAIN = '''
import torch

from builders import create_imitator


def train(data, device="cpu"):
    imitator = create_imitator(17, 4, 0.5{arg})
    optimizer = torch.optim.Adam(imitator.parameters(), lr=3e-4)
    for obs, act in data:
        loss = (imitator(obs) - act).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    train([])
'''
PLAIN = "    return Imitator(dim, action_size, beta)\n"
MOVED = "    imitator = Imitator(dim, action_size, beta)\n    imitator.{move}\n    return imitator\n"


def _builder(move: str, removed: bool = False):
    plain = {"models.py": MODELS, "builders.py": BUILDER.replace("{param}", "").replace("{body}", PLAIN),
             "train.py": BUILDER_TRAIN.replace("{arg}", "")}
    moved = {"models.py": MODELS,
             "builders.py": BUILDER.replace("{param}", ", device").replace("{body}", MOVED.replace("{move}", move)),
             "train.py": BUILDER_TRAIN.replace("{arg}", ", device")}
    result = flow_result(moved, plain) if removed else flow_result(plain, moved)
    return [f for f in result.findings if "create_imitator" in f.title]


@pytest.mark.parametrize("move", ["to(device)", "cuda(device)", "to(device=device, non_blocking=True)"])
def test_a_device_move_added_to_a_builder_is_the_device_path_low(move: str) -> None:
    found = _builder(move)
    assert len(found) == 1 and found[0].severity is Severity.low, [(f.title, f.severity) for f in found]
    assert "device path" in found[0].title and "only move a value" in found[0].rationale


@pytest.mark.parametrize(("move", "removed"), [("to(device)", True), ("to(torch.float16)", False),
                                               ("to(device, torch.float16)", False)])
def test_a_removed_device_move_or_a_dtype_conversion_stays_significant(move: str, removed: bool) -> None:
    found = _builder(move, removed)
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]


SCALER_BASE = '''
from typing import Optional


class ReturnScaler:
    def __init__(self, dataset=None, return_max: Optional[float] = None, return_min: Optional[float] = None):
        self._return_max = {reset}
        self._return_min = {reset}
        if dataset is not None:
            self.fit(dataset)
        elif return_max is not None and return_min is not None:
            self._return_max = return_max
            self._return_min = return_min

    def fit(self, dataset):
        self._return_max, self._return_min = max(dataset), min(dataset)

    def transform(self, reward):
        return reward / (self._return_max - self._return_min)
'''

SCALER_CAND = '''
import dataclasses
from typing import Optional


@dataclasses.dataclass()
class ReturnScaler:
    return_max: Optional[float] = None
    return_min: Optional[float] = None

    def transform(self, reward):
        return reward / (self.return_max - self.return_min)
'''

SCALER_TRAIN = '''
import torch

from scalers import ReturnScaler


def train(q_func, data):
    scaler = ReturnScaler(return_max=10.0, return_min=0.0)
    optimizer = torch.optim.Adam(q_func.parameters(), lr=3e-4)
    for obs, reward in data:
        loss = (q_func(obs) - scaler.transform(reward)).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    train(None, [])
'''


def _scaler(reset: str):
    result = flow_result({"scalers.py": SCALER_BASE.replace("{reset}", reset), "train.py": SCALER_TRAIN},
                         {"scalers.py": SCALER_CAND, "train.py": SCALER_TRAIN})
    return [f for f in result.findings if f.title.endswith("`ReturnScaler` (2 statements)")], result


def test_a_parameter_stored_where_given_and_otherwise_left_at_its_default_is_carried() -> None:
    found, result = _scaler("None")
    assert not found, [(f.title, f.severity) for f in found]
    assert any("left at that default" in n.reason for n in result.no_effect)


def test_an_attribute_also_set_to_another_value_stays_a_change() -> None:
    found, _ = _scaler("1.0")
    assert found and found[0].severity is Severity.significant, [(f.title, f.severity) for f in found]


VEC_BASE = '''
from models import QRQFunction


class VectorFactory:
    def __init__(self, hidden_units=None, n_quantiles: int = 32):
        if hidden_units is None:
            self._hidden_units = {replaced}
        else:
            self._hidden_units = hidden_units
        self._n_quantiles = n_quantiles

    def create(self, dim):
        return QRQFunction(self._hidden_units[0], self._n_quantiles)
'''

VEC_CAND = '''
import dataclasses
from typing import List

from models import QRQFunction


@dataclasses.dataclass()
class VectorFactory:
    hidden_units: List[int] = dataclasses.field(default_factory=lambda: [256, 256])
    n_quantiles: int = 32

    def create(self, dim):
        return QRQFunction(self.hidden_units[0], self.n_quantiles)
'''


def _vector(replaced: str):
    train = FACTORY_TRAIN.replace("QRQFunctionFactory", "VectorFactory")
    result = flow_result(
        {"models.py": MODELS, "factories.py": VEC_BASE.replace("{replaced}", replaced), "train.py": train},
        {"models.py": MODELS, "factories.py": VEC_CAND, "train.py": train})
    return [f for f in result.findings if "VectorFactory" in f.title], result


def test_a_none_default_the_constructor_replaced_is_the_field_default_it_became() -> None:
    # d3rlpy v1 -> v2: `hidden_units=None` with `if hidden_units is None: self._hidden_units = [256, 256]`
    # became `hidden_units: List[int] = field(default_factory=lambda: [256, 256])`
    found, result = _vector("[256, 256]")
    assert not found, [(f.title, f.severity) for f in found]
    notes = [n for n in result.no_effect if "turned into a dataclass" in n.title]
    assert notes and "`hidden_units`" in notes[0].title


def test_a_none_default_replaced_by_tuples_is_the_field_of_lists() -> None:
    # d3rlpy's PixelEncoderFactory: `[(32, 8, 4), ...]` -> `field(default_factory=lambda: [[32, 8, 4], ...])`
    found, _ = _vector("(256, 256)")
    assert not found, [(f.title, f.severity) for f in found]


def test_a_none_default_replaced_by_another_value_stays_a_change() -> None:
    found, _ = _vector("[64, 64]")
    assert found, "the default architecture changed from [64, 64] to [256, 256]"
