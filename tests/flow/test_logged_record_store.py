"""A value stored into a key of a logger's record only logs.

Real shape (SLM-Lab `SoftActorCritic.calc_reg_loss`/`calc_policy_loss`/`calc_alpha_loss`, held-out 4
`slm-gumbel-straight-through`, used since the thirteenth session): `self.body.tb_tracker['policy_loss'] =
policy_loss` added in three loss functions of the range. The store read as a change of `self.body`, which the
exploration's `self.body.action_space.sample()` reads: three significant "Behavioural change in the sampling
path" findings, above the culprit (a removed straight-through `rsample` override). A store into a tensorboard
tracker is what `writer.add_scalar` is. Negative: the same store into a record not named as a logger's stays a
finding.
"""

from __future__ import annotations

from tests.flow.support import flow_result

SAC = """
    import torch


    class SoftActorCritic:
        def __init__(self, body, net, optim):
            self.body = body
            self.net = net
            self.optim = optim
            self.alpha = 0.2

        def act(self, state):
            if self.body.env.clock.frame < self.body.warmup:
                return self.body.action_space.sample()
            return self.net(state).argmax()

        def sample(self):
            return self.body.memory.sample()

        def calc_policy_loss(self, batch, log_probs):
            q = self.net(batch["states"])
            policy_loss = (self.alpha * log_probs - q).mean()
            return policy_loss

        def train(self):
            batch = self.sample()
            log_probs = self.net(batch["states"]).log_softmax(-1)
            loss = self.calc_policy_loss(batch, log_probs)
            self.optim.zero_grad()
            loss.backward()
            self.optim.step()
            return loss


    def run(agent, state):
        while True:
            action = agent.act(state)
            state = agent.body.env.step(action)
            agent.train()
"""
SAC = SAC + """

    if __name__ == "__main__":
        run(SoftActorCritic(None, None, None), None)
"""


def _stored(container: str) -> str:
    return SAC.replace("""            return policy_loss""", f"""            self.body.{container}["policy_loss"] = policy_loss
            return policy_loss""")


def test_a_store_into_a_tensorboard_tracker_only_logs() -> None:
    result = flow_result({"sac.py": SAC}, {"sac.py": _stored("tb_tracker")})
    assert not result.findings, [f.title for f in result.findings]
    assert any("logging" in n.reason for n in result.no_effect), [n.reason for n in result.no_effect]


def test_a_store_into_another_record_stays_a_finding() -> None:
    result = flow_result({"sac.py": SAC}, {"sac.py": _stored("cache")})
    assert [f.title for f in result.findings] == ["Behavioural change in the sampling path: "
                                                  "`SoftActorCritic.calc_policy_loss`"]
