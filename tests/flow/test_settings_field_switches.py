"""New settings fields read through another object (`self.config.X`), decided at their defaults.

Real shapes (lerobot 59ab2862..e6f95674, noise class N2 "a new option whose default reproduces the baseline"):
 - `src/lerobot/policies/pi05/modeling_pi05.py:1235`: `PI05Config` gained `use_proprioceptive_memory: bool = False`,
   `PI05Policy.forward` gained `states, state_masks = self._prepare_memory_states(batch)` (`if not
   self.config.use_proprioceptive_memory: return None, None`) handed on as `states=states`, a parameter defaulting to
   None: "Behavioural change in the loss path", significant, #4.
 - `src/lerobot/policies/vla_jepa/configuration_vla_jepa.py:91`: `VLAJEPAConfig` (under a project base class) gained
   `causal_world_model_context: bool = False`, read only as `if self.config.causal_world_model_context:`: the class
   body was "Behavioural change in the loss path", significant, #5.
Negatives: the field on by default, a shipped configuration file that turns it on.
"""

from __future__ import annotations

from tests.flow.support import flow_result

CONFIG = """
    from dataclasses import dataclass


    class BaseConfig:
        lr: float = 1e-3


    @dataclass
    class PolicyConfig(BaseConfig):
        hidden: int = 64
        chunk: int = 8
{field}
"""
MODEL = """
    import torch
    import torch.nn as nn


    class Model(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config = config
            self.enc = nn.Linear(4, config.hidden)

        def forward(self, obs, states=None):
            x = self.enc(obs)
            if states is not None:
                x = x + states
            return x


    class Policy(nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config = config
            self.model = Model(config)
{helper}
        def forward(self, batch):
            obs = batch["obs"]
{prep}
            out = self.model.forward(obs{arg})
            if self.config.causal:
                out = out.cumsum(1)
            return (out - batch["target"]).pow(2).mean()


    def train(config, data):
        policy = Policy(config)
        optimizer = torch.optim.Adam(policy.parameters(), lr=config.lr)
        for batch in data:
            loss = policy.forward(batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""
HELPER = """
        def _prepare_memory(self, batch):
            if not self.config.use_memory:
                return None
            return batch["history"]
"""


def _policy(field: str = "        use_memory: bool = False\n        causal: bool = False\n",
            extra: dict[str, str] | None = None) -> list[tuple[str, str]]:
    base_model = MODEL.replace("            if self.config.causal:\n                out = out.cumsum(1)\n", "")
    base = {"config.py": CONFIG.format(field=""), "model.py": base_model.format(helper="", prep="", arg="")}
    cand = {"config.py": CONFIG.format(field=field),
            "model.py": MODEL.format(helper=HELPER, prep="            states = self._prepare_memory(batch)",
                                     arg=", states=states"), **(extra or {})}
    return [(f.severity.value, f.title) for f in flow_result(base, cand).findings]


def test_a_helper_returning_none_at_an_off_field_hands_the_callee_its_default() -> None:
    found = _policy()
    assert found and all(sev == "low" and "opt-in" in title for sev, title in found), found


def test_the_field_on_by_default_keeps_the_change() -> None:
    assert any(sev == "significant" for sev, _ in _policy(field="        use_memory: bool = True\n"
                                                                "        causal: bool = False\n"))


def test_a_configuration_file_that_turns_it_on_keeps_the_change() -> None:
    found = _policy(extra={"configs/train.yaml": "policy:\n  use_memory: true\n"})
    assert any(sev == "significant" for sev, _ in found), found


WM_CONFIG = """
    from dataclasses import dataclass


    class BaseConfig:
        lr: float = 1e-3


    @dataclass
    class WMConfig(BaseConfig):
        hidden: int = 64
        frames: int = 4
{field}
"""
WM_MODEL = """
    import torch
    import torch.nn as nn

    from config import WMConfig


    class WorldModel(nn.Module):
        def __init__(self, config: WMConfig):
            super().__init__()
            self.config = config
            self.enc = nn.Linear(4, config.hidden)
            self.pred = nn.Linear(config.hidden, config.hidden)

        def loss(self, video):
            emb = self.enc(video)
            n = self.config.frames - 1
{ctx}
            return (self.pred(ctx) - emb[:, 1:]).abs().mean()


    def train(config: WMConfig, data):
        model = WorldModel(config)
        optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
        for video in data:
            loss = model.loss(video)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
"""
OLD_CONTEXT = "            ctx = emb[:, :n]"
NEW_CONTEXT = """            if self.config.causal:
                ctx = torch.cat([self.enc(video[:, : i + 1])[:, -1:] for i in range(n)], dim=1)
            else:
                ctx = emb[:, :n]"""


def _world_model(field: str = "        causal: bool = False", extra: dict[str, str] | None = None
                 ) -> list[tuple[str, str]]:
    base = {"config.py": WM_CONFIG.format(field=""), "model.py": WM_MODEL.format(ctx=OLD_CONTEXT)}
    cand = {"config.py": WM_CONFIG.format(field=field), "model.py": WM_MODEL.format(ctx=NEW_CONTEXT), **(extra or {})}
    return [(f.severity.value, f.title) for f in flow_result(base, cand).findings]


def test_the_declaration_of_a_new_field_under_a_project_base_class_computes_nothing() -> None:
    found = _world_model()
    assert not any("WMConfig" in title for _, title in found), found
    assert all(sev == "low" for sev, _ in found), found


def test_the_reads_of_a_field_on_by_default_are_the_change() -> None:
    found = _world_model(field="        causal: bool = True")
    assert ("significant", "Behavioural change in the loss path: `WorldModel.loss`") in found, found


def test_a_configuration_file_that_sets_the_field_keeps_the_declaration() -> None:
    found = _world_model(extra={"configs/a.yaml": "causal: true\n"})
    assert any("WMConfig" in title and sev == "significant" for sev, title in found), found
