"""Module constants whose definition moved to another module with the same value change nothing.

Real shape (cosmos-rl 269c96a6..89f2e5b5): the trajectory key names (`OBSERVATIONS = "observations"`,
`REWARDS = "rewards"`, `EPISODE_LENGTH = "episode_length"`, `TRAJECTORY_KEYS = (OBSERVATIONS, ...)`) moved from
`cosmos_rl/dispatcher/data/packer/tensor_data_packer.py:55` into the new `cosmos_rl/utils/trajectory.py` and are
imported back (re-exported); `ucxx/data_packer_mixin.py` lost its copies together with the fetch code reading them
(now in `ucxx/strategy.py`, with `_NP_TO_TORCH = {np.dtype("float32"): torch.float32, ...}` as it was). They were
"Behavioural change in the reward path: `<module>`" and "... optimizer path: `<module>` (2 statements)",
significant, the range's top two findings. Negatives: the moved constant with another value, a value that calls
project code, a module that still reads the name it no longer binds, a library expression that changed."""

from __future__ import annotations

from tests.flow.support import flow_result

PACKER_BASE = """
import torch

LOG_EVERY = 50
OBSERVATIONS = "observations"
REWARDS = "rewards"
EPISODE_LENGTH = "episode_length"
TRAJECTORY_KEYS = (OBSERVATIONS, REWARDS, EPISODE_LENGTH)


class Packer:
    def pack(self, items):
        obs = torch.stack([item[OBSERVATIONS] for item in items])
        rewards = torch.stack([item[REWARDS] for item in items])
        lengths = [item.get(EPISODE_LENGTH) for item in items]
        return obs, rewards, lengths
"""

PACKER_CAND = """
import torch

LOG_EVERY = 50
from proj.trajectory import (  # re-exported
    EPISODE_LENGTH,
    OBSERVATIONS,
    REWARDS,
    TRAJECTORY_KEYS,
)


class Packer:
    def pack(self, items):
        obs = torch.stack([item[OBSERVATIONS] for item in items])
        rewards = torch.stack([item[REWARDS] for item in items])
        lengths = [item.get(EPISODE_LENGTH) for item in items]
        return obs, rewards, lengths
"""

TRAJECTORY = """
OBSERVATIONS = "observations"
REWARDS = {rewards}
EPISODE_LENGTH = "episode_length"
TRAJECTORY_KEYS = (OBSERVATIONS, REWARDS, EPISODE_LENGTH)


def episode_length(item, default=None):
    value = item.get(EPISODE_LENGTH, default)
    if value is None:
        return len(item[OBSERVATIONS])
    return int(value.item()) if hasattr(value, "item") else int(value)
"""

TRAIN = """
import torch
from proj.packer import Packer


def train(policy, optimizer, loader):
    packer = Packer()
    for items in loader:
        obs, rewards, lengths = packer.pack(items)
        loss = -(policy(obs).log_prob(obs) * rewards).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""

# the transport mixin: constants and the fetch that reads them; at the candidate both live in a strategy module
MIXIN_BASE = """
import logging

import numpy as np
import torch

logger = logging.getLogger(__name__)
REWARDS = "rewards"
{table_name} = {{np.dtype("float32"): torch.float32, np.dtype("int64"): torch.int64}}


class Mixin:
    def fetch(self, payload):
        arrays = {{k: payload[k] for k in (REWARDS,)}}
        return {{k: torch.as_tensor(v, dtype={table_name}[v.dtype]) for k, v in arrays.items()}}
"""

MIXIN_CAND = """
import logging

from proj.strategy import Strategy

logger = logging.getLogger(__name__)
__all__ = ["Mixin"]


class Mixin:
    def fetch(self, payload):
        return Strategy().fetch(payload)
"""

STRATEGY = """
import numpy as np
import torch

from proj.trajectory import REWARDS

_NP_TO_TORCH = {table}


class Strategy:
    def fetch(self, payload):
        arrays = {{k: payload[k] for k in (REWARDS,)}}
        return {{k: torch.as_tensor(v, dtype=_NP_TO_TORCH[v.dtype]) for k, v in arrays.items()}}
"""

TABLE = '{np.dtype("float32"): torch.float32, np.dtype("int64"): torch.int64}'

LEARN = """
import torch
from proj.mixin import Mixin


def learn(policy, optimizer, payloads):
    mixin = Mixin()
    for payload in payloads:
        batch = mixin.fetch(payload)
        loss = -(policy(batch["obs"]) * batch["rewards"]).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""


def _run(base: dict[str, str], cand: dict[str, str]) -> tuple[list[str], list[str]]:
    result = flow_result(base, cand)
    return ([f"{f.severity.value} {f.title} {f.locations[0].path}" for f in result.findings],
            [n.title for n in result.no_effect])


def _packer(rewards: str = '"rewards"', packer_cand: str = PACKER_CAND) -> tuple[list[str], list[str]]:
    return _run({"proj/packer.py": PACKER_BASE, "proj/train.py": TRAIN},
                {"proj/packer.py": packer_cand, "proj/train.py": TRAIN,
                 "proj/trajectory.py": TRAJECTORY.format(rewards=rewards)})


def _module_findings(found: list[str], path: str) -> list[str]:
    return [t for t in found if "`<module>`" in t and path in t]


def test_constants_moved_and_imported_back_with_the_same_values_are_no_change() -> None:
    found, quiet = _packer()
    assert not _module_findings(found, "proj/packer.py"), found
    assert any(t.startswith("Constants moved between `proj/packer.py` and `proj/trajectory.py` (4:") for t in quiet), \
        quiet


def test_a_moved_constant_whose_value_changed_is_still_reported() -> None:
    found, quiet = _packer(rewards='"reward"')
    assert any(t.startswith("significant Behavioural change in the reward path: `<module>`") for t in found), found
    # the others moved as they were; the tuple built from the changed one differs too
    assert any("(2: `EPISODE_LENGTH`, `OBSERVATIONS`)" in t for t in quiet), quiet


def test_a_constant_defined_by_a_project_call_is_not_taken_as_the_same() -> None:
    found, _ = _packer(rewards='key("rewards")\n\n\ndef key(name):\n    return name')
    assert any("reward path: `<module>`" in t for t in found), found


def test_a_constant_read_but_no_longer_bound_is_not_a_move() -> None:
    # the packer still reads REWARDS but imports only the others: a NameError, not the same value
    cand = PACKER_CAND.replace("    REWARDS,\n", "")
    found, quiet = _packer(packer_cand=cand)
    assert not any("`REWARDS`" in t for t in quiet), quiet


def _mixin(table: str = TABLE, table_name: str = "_NP_TO_TORCH") -> tuple[list[str], list[str]]:
    base = {"proj/mixin.py": MIXIN_BASE.format(table_name=table_name), "proj/learn.py": LEARN,
            "proj/trajectory.py": TRAJECTORY.format(rewards='"rewards"')}
    cand = {"proj/mixin.py": MIXIN_CAND, "proj/learn.py": LEARN, "proj/strategy.py": STRATEGY.format(table=table),
            "proj/trajectory.py": TRAJECTORY.format(rewards='"rewards"')}
    return _run(base, cand)


def test_constants_moved_with_their_readers_are_no_change() -> None:
    found, quiet = _mixin()
    assert not _module_findings(found, "proj/mixin.py"), found
    assert any(t.startswith("Constants moved between `proj/mixin.py` and `proj/strategy.py`, `proj/trajectory.py`")
               and "`_NP_TO_TORCH`" in t and "`REWARDS`" in t for t in quiet), quiet


def test_a_moved_library_expression_that_changed_is_not_the_same() -> None:
    _, quiet = _mixin(table=TABLE.replace("torch.float32", "torch.float16"))
    assert not any("`_NP_TO_TORCH`" in t for t in quiet), quiet
    assert any("Constants moved between `proj/mixin.py`" in t and "`REWARDS`" in t for t in quiet), quiet


def test_a_constant_of_another_name_is_not_its_home() -> None:
    _, quiet = _mixin(table_name="DTYPES")
    assert not any("`DTYPES`" in t for t in quiet), quiet


HTTP_BASE = """
import requests

TIMEOUT = 30


def get(url):
    return requests.get(url, timeout=TIMEOUT)
"""

HTTP_CAND = """
import requests

TIMEOUT = 30
ADMIN_KEY = "admin-key"


def get(url):
    return requests.get(url, timeout=TIMEOUT)


def admin_headers(key=ADMIN_KEY):
    return {"Authorization": f"Bearer {key}"}
"""

SERVER = """
ADMIN_KEY = "admin-key"


def check(headers, key=ADMIN_KEY):
    return headers.get("Authorization") == f"Bearer {key}"
"""


def test_a_constant_copied_from_a_module_that_keeps_it_is_not_a_move() -> None:
    # AReaL 19fec3bd..4aef98d8: `DEFAULT_ADMIN_API_KEY` added to `areal/infra/utils/http.py` while
    # `areal/experimental/openai/proxy/server.py` keeps its own: a copy, not a definition that moved
    _, quiet = _run({"proj/http.py": HTTP_BASE, "proj/server.py": SERVER},
                    {"proj/http.py": HTTP_CAND, "proj/server.py": SERVER})
    assert not any(t.startswith("Constants moved") for t in quiet), quiet


def test_a_constant_that_moved_into_a_module_from_one_that_lost_it_is_a_move() -> None:
    server_cand = SERVER.replace('ADMIN_KEY = "admin-key"', "from proj.http import ADMIN_KEY")
    server_base = SERVER + "\n\nPORT = 8000\n"
    _, quiet = _run({"proj/http.py": HTTP_BASE, "proj/server.py": server_base},
                    {"proj/http.py": HTTP_CAND, "proj/server.py": server_cand + "\n\nPORT = 8000\n"})
    assert any(t.startswith("Constants moved between `proj/server.py` and `proj/http.py` (1: `ADMIN_KEY`)")
               for t in quiet), quiet
    assert any(t.startswith("Constants moved between `proj/http.py` and `proj/server.py` (1: `ADMIN_KEY`)")
               for t in quiet), quiet
