"""A behavioural finding's evidence spans a statement written over several lines (real shape: BenchMARL's
masked SAC loss, an argument edited on the third line of a call; the evidence showed only the first)."""

from __future__ import annotations

from tests.flow.support import flow_findings

BASE = """
    import torch


    def update(actor, qf, optimizer, obs, mask):
        logits = actor(obs)
        masked = torch.where(
            mask,
            logits,
            torch.tensor(-1e8),
        )
        loss = -(masked.softmax(-1) * qf(obs)).sum(-1).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


    if __name__ == "__main__":
        from nets import make
        actor, qf, optimizer, batches = make()
        for obs, mask in batches:
            update(actor, qf, optimizer, obs, mask)
"""


def test_a_multi_line_call_is_shown_whole() -> None:
    cand = BASE.replace("torch.tensor(-1e8)", "torch.tensor(0.0)")
    findings = flow_findings({"train.py": BASE}, {"train.py": cand})
    assert len(findings) == 1
    spans = {(loc.side, loc.line, loc.end_line) for loc in findings[0].evidence[0].locations}
    assert spans == {("baseline", 6, 10), ("candidate", 6, 10)}, spans


def test_a_one_line_statement_has_no_span() -> None:
    cand = BASE.replace("(-1).mean()", "(-1).sum()")
    findings = flow_findings({"train.py": BASE}, {"train.py": cand})
    assert len(findings) == 1
    assert all(loc.end_line is None for loc in findings[0].evidence[0].locations)
