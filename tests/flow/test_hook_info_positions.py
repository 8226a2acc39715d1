"""A loss hook's return (`library_loss_hook`: a `loss` method of a class derived from a library class)
whose project caller backpropagates the losses and only logs the info it returns beside them: a value
carried only in the info position is logging, not the loss.

Real shape (dreamer-pytorch 36be1da0..e23d09d2 dreamer/algos/dreamer_algo.py:16): `Dreamer(RlAlgorithm).loss`
returns `model_loss, actor_loss, value_loss, loss_info`; `optimize_agent` unpacks it, backpropagates the
losses and appends `getattr(loss_info, field).item()` to its OptInfo. A field added to the module-level
`loss_info_fields` of the `LossInfo` logging tuple was filed "Behavioural change in the loss path: `<module>`"
(significant, #4). Negatives: a changed loss in the same return, and a caller that unpacks the position into a
name that is not info and backpropagates it."""

from __future__ import annotations

from tests.flow.support import flow_findings

ALGO = """
import torch
from rlpyt.algos.base import RlAlgorithm
from rlpyt.utils.collections import namedarraytuple

loss_info_fields = ['model_loss', 'actor_loss', {fields}]
LossInfo = namedarraytuple('LossInfo', loss_info_fields)
OptInfo = namedarraytuple("OptInfo", ['loss'] + loss_info_fields)


class Dreamer(RlAlgorithm):
    def optimize_agent(self, itr, samples=None):
        opt_info = OptInfo(*([] for _ in range(len(OptInfo._fields))))
        for i in range(self.train_steps):
            batch = self.replay_buffer.sample_batch(self.batch_size)
            model_loss, actor_loss, {info} = self.loss(batch, itr, i)
            self.model_optimizer.zero_grad()
            self.actor_optimizer.zero_grad()
            model_loss.backward()
            actor_loss.backward(){extra}
            self.model_optimizer.step()
            self.actor_optimizer.step()
            with torch.no_grad():
                loss = model_loss + actor_loss
            opt_info.loss.append(loss.item())
            for field in loss_info_fields:
                if hasattr(opt_info, field):
                    getattr(opt_info, field).append(getattr({info}, field).item())
        return opt_info

    def loss(self, samples, sample_itr, opt_itr):
        model = self.agent.model
        pred = model.decoder(samples.observation)
        model_loss = -torch.mean(pred.log_prob(samples.{scale}))
        actor_loss = -torch.mean(model.value(samples.observation))
        with torch.no_grad():
            ent = torch.mean(pred.entropy())
            loss_info = LossInfo(model_loss, actor_loss, {args})
        return model_loss, actor_loss, loss_info
"""

RUN = """
from rlpyt.runners.minibatch_rl import MinibatchRl
from dreamer.algo import Dreamer


def build_and_train(log_dir):
    algo = Dreamer()
    runner = MinibatchRl(algo=algo, n_steps=5e6)
    runner.train()
"""


def _findings(fields: str = "'entropy'", args: str = "ent", scale: str = "observation", info: str = "loss_info",
              extra: str = "") -> list[str]:
    base = ALGO.format(fields="'entropy'", args="ent", scale="observation", info=info, extra=extra)
    cand = ALGO.format(fields=fields, args=args, scale=scale, info=info, extra=extra)
    return [f"{f.severity.value} {f.title}" for f in flow_findings({"dreamer/algo.py": base, "main.py": RUN},
                                                                     {"dreamer/algo.py": cand, "main.py": RUN})]


def test_a_field_added_to_the_logged_info_tuple_is_not_the_loss() -> None:
    found = _findings(fields="'entropy', 'scale'", args="ent, self.scale")
    assert not any(t.startswith("significant") for t in found), found


def test_a_changed_loss_in_the_same_return_is_still_reported() -> None:
    found = _findings(scale="next_observation")
    assert any(t.startswith("significant") and "loss path" in t for t in found), found


def test_a_position_unpacked_into_another_name_and_backpropagated_keeps_the_hook() -> None:
    found = _findings(fields="'entropy', 'scale'", args="ent, self.scale", info="aux",
                      extra="\n            aux.model_loss.backward()")
    assert any(t.startswith("significant") for t in found), found
