"""A statement whose own content is a TD target is on the target path, wherever the flow sees its value go next.

Real shape (DeepRL `RainbowAgent.step`, held-out 4 `deeprl-rainbow-nstep-discount`, used since the thirteenth
session): `atoms_next = rewards + discount ** n_step * (1 - terminals) * atoms` -> `discount * ...` (the n-step
discount lost). The value goes on through the in-place C51 projection (`index_add_`), which the flow does not
follow, and was placed by the step's `if self.total_steps > exploration_steps: self.replay.sample()` as "the
sampling path"; it tied with a removed `config.n_step = 3` of the range and ranked fourth. Negatives: a
statement that is no target (a clamp bound) keeps the flow's place; a target that reaches the loss keeps "loss".
"""

from __future__ import annotations

from tests.flow.support import flow_findings

AGENT = """
    import torch


    class RainbowAgent:
        def __init__(self, config):
            self.config = config
            self.replay = config.replay_fn()
            self.network = config.network_fn()
            self.target_network = config.network_fn()
            self.optimizer = config.optimizer_fn(self.network.parameters())
            self.atoms = torch.linspace(config.v_min, config.v_max, config.n_atoms)
            self.delta_atom = (config.v_max - config.v_min) / (config.n_atoms - 1)
            self.total_steps = 0

        def step(self):
            self.total_steps += 1
            if self.total_steps > self.config.exploration_steps:
                experiences = self.replay.sample()
                states, actions, rewards, next_states, terminals = experiences
                with torch.no_grad():
                    prob_next = self.target_network(next_states)
                rewards = torch.tensor(rewards).unsqueeze(-1)
                terminals = torch.tensor(terminals).unsqueeze(-1)
                atoms_next = rewards + self.config.discount ** self.config.n_step * (1 - terminals) * self.atoms.view(1, -1)
                atoms_next.clamp_(self.config.v_min, self.config.v_max)
                b = (atoms_next - self.config.v_min) / self.delta_atom
                l = b.floor()
                u = b.ceil()
                d_m_l = (u + (l == u).float() - b) * prob_next
                d_m_u = (b - l) * prob_next
                target_prob = torch.zeros(prob_next.size())
                for i in range(target_prob.size(0)):
                    target_prob[i].index_add_(0, l[i].long(), d_m_l[i])
                    target_prob[i].index_add_(0, u[i].long(), d_m_u[i])
                log_prob = self.network(states)[..., actions]
                loss = -(target_prob * log_prob).sum(-1).mean()
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
"""
RUN = """
    from agent import RainbowAgent


    def run_steps(agent):
        while True:
            agent.step()


    if __name__ == "__main__":
        run_steps(RainbowAgent(None))
"""


def _titles(base: str, cand: str) -> list[str]:
    return [f.title for f in flow_findings({"agent.py": base, "run.py": RUN}, {"agent.py": cand, "run.py": RUN})]


def test_a_changed_td_target_is_on_the_target_path() -> None:
    cand = AGENT.replace("self.config.discount ** self.config.n_step *", "self.config.discount *")
    titles = _titles(AGENT, cand)
    assert titles == ["Behavioural change in the target path: `RainbowAgent.step`"], titles


def test_a_changed_statement_that_is_no_target_keeps_the_flow_place() -> None:
    cand = AGENT.replace("self.total_steps = 0", "self.total_steps = 1")
    titles = _titles(AGENT, cand)
    assert titles and all("target path" not in t for t in titles), titles


def test_a_target_that_reaches_the_loss_keeps_the_loss_place() -> None:
    base = AGENT.replace("loss = -(target_prob * log_prob).sum(-1).mean()",
                         "loss = -(target_prob * log_prob).sum(-1).mean() + (atoms_next - log_prob).pow(2).mean()")
    cand = base.replace("self.config.discount ** self.config.n_step *", "self.config.discount *")
    titles = _titles(base, cand)
    assert titles == ["Behavioural change in the loss path: `RainbowAgent.step`"], titles
