"""One edit made alike in several functions is one finding listing every place; different edits stay
distinct; a finding leads with the statement in its best place.

Real shapes: rl_games v1.6.1 rewrote `has_value_loss` identically in its continuous and discrete
agents (two top-5 findings); d3rlpy dropped `bootstrap=..., share_encoder=...` from five
`_build_network`s (five findings for one move)."""

from __future__ import annotations

import textwrap

from tests.flow.support import flow_findings as _findings

AGENT = """
    class NAME:
        def __init__(self, cfg):
            self.cv = cfg.get('cv', False)
            self.exp = cfg.get('exp', True)
            self.ppg = cfg.get('ppg', False)
            self.batch = cfg.get('batch', 64)
            self.has_value_loss = (self.cv and self.exp) or (not self.ppg and not self.cv)

        def update(self, batch, optimizer):
            loss = batch.policy_loss[:self.batch].mean()
            if self.has_value_loss:
                loss = loss + 0.5 * batch.value_loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


    def run(cfg, batches, optimizer):
        agent = NAME(cfg)
        for b in batches:
            agent.update(b, optimizer)
"""

NEW = "self.has_value_loss = self.exp or not self.cv"


def _agent(name: str, new: str | None = None) -> str:
    text = AGENT.replace("NAME", name)
    if new is not None:
        text = text.replace("self.has_value_loss = (self.cv and self.exp) or (not self.ppg and not self.cv)", new)
    return textwrap.dedent(text).lstrip()


def test_the_same_edit_in_two_classes_is_one_finding_with_both_places():
    base = {"continuous.py": _agent("Continuous"), "discrete.py": _agent("Discrete")}
    cand = {"continuous.py": _agent("Continuous", NEW), "discrete.py": _agent("Discrete", NEW)}
    (finding,) = _findings(base, cand)
    assert finding.title.endswith("(2 places)"), finding.title
    assert {loc.path for loc in finding.locations} == {"continuous.py", "discrete.py"}
    assert len(finding.evidence) == 2 and "`Discrete.__init__`" in finding.rationale


def test_different_edits_stay_distinct_findings():
    base = {"continuous.py": _agent("Continuous"), "discrete.py": _agent("Discrete")}
    cand = {"continuous.py": _agent("Continuous", NEW),
            "discrete.py": _agent("Discrete", "self.has_value_loss = self.exp and not self.cv")}
    titles = sorted(f.title for f in _findings(base, cand))
    assert len(titles) == 2 and not any("places" in t for t in titles), titles


def test_the_same_edit_of_another_name_is_another_change():
    """`batch = cfg.get('batch', 64)` -> 32 next to `horizon = ...` -> 32: the same tokens, other settings."""
    base = {"continuous.py": _agent("Continuous"),
            "discrete.py": _agent("Discrete").replace("self.batch = cfg.get('batch', 64)", "self.batch = cfg.get('h', 64)")}
    cand = {"continuous.py": base["continuous.py"].replace("cfg.get('batch', 64)", "cfg.get('batch', 32)"),
            "discrete.py": base["discrete.py"].replace("self.batch = cfg.get('h', 64)", "self.horizon = cfg.get('h', 32)")}
    titles = [f.title for f in _findings(base, cand)]
    assert not any("places" in t for t in titles), titles


def test_a_finding_leads_with_the_statement_in_its_best_place():
    """rl_games: the `has_value_loss` change (loss path) came second in the summary, after a statement
    of the optimizer path written above it; the summary now starts with the loss-path statement."""
    first = _agent("Continuous").replace("        optimizer.zero_grad()\n", "").replace(
        "        loss = batch.policy_loss[:self.batch].mean()\n",
        "        optimizer.zero_grad()\n        loss = batch.policy_loss[:self.batch].mean()\n")
    assert first.index("optimizer.zero_grad()") < first.index("0.5 * batch.value_loss")
    cand = first.replace("optimizer.zero_grad()", "optimizer.zero_grad(set_to_none=False)").replace(
        "0.5 * batch.value_loss", "0.25 * batch.value_loss")
    (finding,) = _findings({"continuous.py": first}, {"continuous.py": cand})
    assert finding.title.startswith("Behavioural change in the loss path: `Continuous.update` (2 statements)"), finding.title
    assert finding.evidence[0].summary.startswith("`loss = loss + 0.5"), finding.evidence[0].summary
    assert finding.evidence[0].details["statements"][1].startswith("`optimizer.zero_grad()`")
