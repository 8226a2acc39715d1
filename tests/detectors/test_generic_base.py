"""A class made generic over a type (`class Policy(BasePolicy[TStats], Generic[TStats])`) still inherits
its base's methods. Real shape (a policy library's stats refactor): `learn` calls `self.sync_weight()`,
which calls the base class's `soft_update`; once the base was written `BasePolicy[TStats]` the inherited
method no longer resolved, the Polyak update vanished from the inlined walk, and the report said
"Target-network update removed" (critical) where nothing had changed."""

from __future__ import annotations

from tests.detectors.helpers import run_on

BASE = """
    from typing import Generic, TypeVar

    import torch.nn as nn

    TStats = TypeVar("TStats")


    class BasePolicy(nn.Module, Generic[TStats]):
        def soft_update(self, tgt, src, tau):
            for tgt_param, src_param in zip(tgt.parameters(), src.parameters()):
                tgt_param.data.copy_(tau * src_param.data + (1 - tau) * tgt_param.data)
"""

POLICY = """
    from typing import Generic, TypeVar

    from base import BasePolicy


    class BCQPolicy(BASES):
        def sync_weight(self):
            self.soft_update(self.critic_target, self.critic, self.tau)

        def learn(self, batch):
            loss = self.critic(batch.obs).mean()
            self.optim.zero_grad()
            loss.backward()
            self.optim.step()
            self.sync_weight()
            return RETURNED
"""


def _policy(bases: str, returned: str = "{'loss': loss.item()}") -> str:
    return POLICY.replace("BASES", bases).replace("RETURNED", returned)


def test_a_base_written_with_type_arguments_still_provides_the_inherited_update():
    base = {"base.py": BASE, "bcq.py": _policy("BasePolicy")}
    cand = {"base.py": BASE, "bcq.py": _policy("BasePolicy[TStats], Generic[TStats]", "Stats(loss=loss.item())")}
    result = run_on(base, cand, only={"target_network"})
    assert not [f.title for f in result.findings if "Target-network" in f.title], [f.title for f in result.findings]


def test_the_update_removed_from_the_generic_base_is_still_reported():
    removed = BASE.replace("tgt_param.data.copy_(tau * src_param.data + (1 - tau) * tgt_param.data)", "pass")
    base = {"base.py": BASE, "bcq.py": _policy("BasePolicy[TStats], Generic[TStats]")}
    cand = {"base.py": removed, "bcq.py": _policy("BasePolicy[TStats], Generic[TStats]")}
    result = run_on(base, cand, only={"target_network"})
    assert [f.title for f in result.findings if "Target-network update removed" in f.title], \
        [f.title for f in result.findings]
