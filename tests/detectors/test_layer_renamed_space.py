"""A layer size read through an attribute the module renamed everywhere is low, not a layer change.

Real shape (PufferLib ac69f82c..2f9b68e0, `pufferlib/models.py`): the policies became built from a
vector environment, whose per-agent space the gym vector API names `single_action_space`:
`nn.Linear(hidden_size, env.action_space.n)` -> `nn.Linear(hidden_size, env.single_action_space.n)`,
and `nn.Linear(mlp_width, self.action_space.n)` (the base class set `self.action_space` to
`env.action_space` or `env.single_action_space`) -> `nn.Linear(mlp_width, env.single_action_space.n)`,
`nn.Linear(np.prod(self.observation_space.shape), hidden_size)` -> `np.prod(env.single_observation_space.shape)`.
Both were "Layer changed", significant. Negatives: the module still reads the old name elsewhere
(not a module-wide rename), or the size changes otherwise."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
import numpy as np
import torch.nn as nn


class Policy(nn.Module):
    def __init__(self, env):
        super().__init__()
        if isinstance(env, SingleEnv):
            self.observation_space = env.observation_space
            self.action_space = env.action_space
        else:
            self.observation_space = env.single_observation_space
            self.action_space = env.single_action_space


class Default(Policy):
    def __init__(self, env, hidden_size=128):
        super().__init__(env)
        self.encoder = nn.Linear(np.prod(self.observation_space.shape), hidden_size)


class Convolutional(Policy):
    def __init__(self, env, hidden_size=512):
        super().__init__(env)
        self.actor = nn.Linear(hidden_size, env.action_space.n)


class Resnet(Policy):
    def __init__(self, env, mlp_width=256):
        super().__init__(env)
        self.actor = nn.Linear(mlp_width, self.action_space.n)
"""

CAND = """
import numpy as np
import torch.nn as nn


class Default(nn.Module):
    def __init__(self, env, hidden_size=128):
        super().__init__()
        self.encoder = nn.Linear(np.prod(env.single_observation_space.shape), hidden_size)


class Convolutional(nn.Module):
    def __init__(self, env, hidden_size=512):
        super().__init__()
        self.actor = nn.Linear(hidden_size, CONV_OUT)


class Resnet(nn.Module):
    def __init__(self, env, mlp_width=256):
        super().__init__()
        self.actor = nn.Linear(mlp_width, env.single_action_space.n)
EXTRA"""


def _findings(conv_out: str = "env.single_action_space.n", extra: str = "") -> list[tuple[str, str]]:
    cand = CAND.replace("CONV_OUT", conv_out).replace("EXTRA", extra)
    result = run_on({"models.py": BASE}, {"models.py": cand}, only={"layers"})
    return [(f.title, f.severity.value) for f in result.findings]


def test_a_size_read_through_a_module_wide_rename_is_low():
    found = _findings()
    assert found and all(sev == "low" and "renamed attribute" in title for title, sev in found), found
    assert len(found) == 3, found


def test_the_old_name_still_read_elsewhere_is_a_layer_change():
    extra = "\n\ndef describe(env):\n    return env.action_space\n"
    found = _findings(extra=extra)
    assert any(title.startswith("Layer changed") and sev == "significant" for title, sev in found), found


def test_a_size_that_changes_otherwise_is_a_layer_change():
    found = _findings(conv_out="2 * env.single_action_space.n")
    assert any(title.startswith("Layer changed") and sev == "significant" and "2 * env" in title
               for title, sev in found), found
