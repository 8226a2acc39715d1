"""A finding with several changed statements on the same path leads with the one closest to its sink
(real shape: cleanrl's SAC alpha loss `-log_alpha.exp()` -> `-log_alpha`, listed after a reshape three
assignments away from the actor loss in the same script)."""

from __future__ import annotations

from tests.flow.support import flow_findings

BASE = """
    import torch


    def update(qf, actor, log_alpha, optimizer, a_optimizer, obs, target_entropy):
        pi, log_pi = actor(obs)
        q_pi = qf(obs, pi).view(-1)
        scaled = q_pi * 1.0
        actor_loss = (log_alpha.exp() * log_pi - scaled).mean()
        optimizer.zero_grad()
        actor_loss.backward()
        optimizer.step()
        alpha_loss = (-log_alpha.exp() * (log_pi.detach() + target_entropy)).mean()
        a_optimizer.zero_grad()
        alpha_loss.backward()
        a_optimizer.step()


    if __name__ == "__main__":
        from nets import make
        qf, actor, log_alpha, optimizer, a_optimizer = make()
        for _ in range(100):
            update(qf, actor, log_alpha, optimizer, a_optimizer, torch.randn(8, 3), -1.0)
"""


def test_the_statement_nearest_the_loss_leads() -> None:
    cand = BASE.replace("qf(obs, pi).view(-1)", "qf(obs, pi)").replace("(-log_alpha.exp() *", "(-log_alpha *")
    findings = flow_findings({"train.py": BASE}, {"train.py": cand})
    assert len(findings) == 1, [f.title for f in findings]
    assert findings[0].evidence[0].summary.startswith("`alpha_loss = "), findings[0].evidence[0].summary


def test_one_changed_statement_leads_alone() -> None:
    cand = BASE.replace("qf(obs, pi).view(-1)", "qf(obs, pi)")
    findings = flow_findings({"train.py": BASE}, {"train.py": cand})
    assert len(findings) == 1 and "q_pi" in findings[0].evidence[0].summary.split(";")[0]
