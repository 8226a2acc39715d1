"""The flow comparison of methods renamed so that a name holds another method's body.

Real shape (diamond 54961839..17c77643, src/models/diffusion/denoiser.py:93): `Denoiser.compute_loss` became
`forward` (the old `forward`, the network call, went into helpers), and inside it the denoised prediction fed back
as the next conditioning frame is now quantised to 8 bits. Paired by name, the old network call was compared with
the new loss: every statement read as added ("Denoiser.forward (21 statements)", #13). Paired by body, the finding
names the edited statements only. Negative: the same renames without the edit report nothing for the loss.
"""

from __future__ import annotations

import textwrap

from investigator.detectors.pairs import build_pairs
from investigator.detectors.sources import MemoryTree, diff_trees
from investigator.flow.analyzer import analyse

MODEL = """
import torch
import torch.nn.functional as F


class Denoiser(torch.nn.Module):
    def {net}(self, noisy, obs):
        scaled = noisy * self.c_in
        out = self.inner_model(scaled, obs)
        return out * self.c_out + noisy * self.c_skip

    def {loss}(self, batch):
        all_obs = batch.obs.clone()
        loss = 0
        for i in range(self.seq_length):
            obs = all_obs[:, i]
            next_obs = batch.obs[:, i + 1]
            noisy = next_obs + torch.randn_like(next_obs) * self.sigma
            denoised = self.{call}(noisy, obs)
            loss += F.mse_loss(denoised, next_obs)
            all_obs[:, i + 1] = {feedback}
        loss /= self.seq_length
        return loss
"""

RUN = """
from model import Denoiser

model = Denoiser()
opt = torch.optim.Adam(model.parameters())
for batch in loader:
    loss = model.{entry}(batch)
    opt.zero_grad()
    loss.backward()
    opt.step()
"""

KEPT = "denoised.detach().clamp(-1, 1)"
QUANTISED = "denoised.detach().clamp(-1, 1).add(1).div(2).mul(255).byte().div(255).mul(2).sub(1)"


def _findings(feedback: str) -> list[str]:
    base = {"model.py": MODEL.format(net="forward", loss="compute_loss", call="forward", feedback=KEPT),
            "train.py": RUN.format(entry="compute_loss")}
    cand = {"model.py": MODEL.format(net="predict", loss="forward", call="predict", feedback=feedback),
            "train.py": RUN.format(entry="forward")}
    b = MemoryTree({k: textwrap.dedent(v).lstrip() for k, v in base.items()})
    c = MemoryTree({k: textwrap.dedent(v).lstrip() for k, v in cand.items()})
    return [f.title for f in analyse(build_pairs(b, c, diff_trees(b, c))).findings]


def test_renamed_loss_reports_the_edited_statement_only() -> None:
    titles = [t for t in _findings(QUANTISED) if "Denoiser.forward" in t]
    assert titles and not any("statements)" in t for t in titles), titles


def test_renamed_loss_without_an_edit_reports_nothing_for_it() -> None:
    titles = _findings(KEPT)
    assert not any("Denoiser.forward" in t for t in titles), titles


REW_MODEL = """
import torch


class RewEndModel(torch.nn.Module):
    def {net}(self, obs, act):
        x = self.encoder(obs, act)
        x = torch.relu(x).flatten(start_dim=1)
        return self.head(x)

    def {helper}(self, obs):
        return self.encoder(obs, None).mean()

    def {loss}(self, batch):
        logits = self.{call}(batch.obs, batch.act)
        loss = torch.nn.functional.cross_entropy(logits, batch.rew)
        return loss
"""

WM_ENV = """
import torch


class WorldModelEnv:
    def __init__(self, rew_end_model):
        self.rew_end_model = rew_end_model

    @torch.no_grad()
    def predict_rew(self, obs, act):
        logits = self.rew_end_model{how}(obs, act)
        return logits.argmax(-1)

    def step(self, obs, act):
        rew = self.predict_rew(obs, act)
        return obs, rew
"""

WM_RUN = """
from model import RewEndModel
from env import WorldModelEnv

model = RewEndModel()
env = WorldModelEnv(model)
opt = torch.optim.Adam(model.parameters())
for batch in loader:
    loss = {entry}(batch)
    opt.zero_grad()
    loss.backward()
    opt.step()
    obs, rew = env.step(batch.obs, batch.act)
"""


def _module_call_findings(how: str) -> list[str]:
    base = {"model.py": REW_MODEL.format(net="forward", helper="summary", loss="compute_loss", call="forward"),
            "env.py": WM_ENV.format(how=""), "train.py": WM_RUN.format(entry="model.compute_loss")}
    cand = {"model.py": REW_MODEL.format(net="predict_rew_end", helper="summary", loss="forward", call="predict_rew_end"),
            "env.py": WM_ENV.format(how=how), "train.py": WM_RUN.format(entry="model")}
    b = MemoryTree({k: textwrap.dedent(v).lstrip() for k, v in base.items()})
    c = MemoryTree({k: textwrap.dedent(v).lstrip() for k, v in cand.items()})
    return [f.title for f in analyse(build_pairs(b, c, diff_trees(b, c))).findings]


def test_module_call_of_renamed_forward_is_no_change() -> None:
    # `self.rew_end_model(obs, act)` -> `self.rew_end_model.predict_rew_end(obs, act)` (the old `forward`) and
    # `model.compute_loss(batch)` -> `model(batch)` (the new `forward`): the same methods as before
    titles = _module_call_findings(".predict_rew_end")
    assert titles == [], titles


def test_call_switched_to_another_method_is_a_change() -> None:
    titles = _module_call_findings(".summary")
    assert any("predict_rew" in t for t in titles), titles
