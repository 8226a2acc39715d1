"""A per-row sum of a value reshaped to rows, dropped: the same value for one element per row.

Real shape (HARL 34a8c1a6..c29ba492): `FixedCategorical.log_probs` lost `.view(actions.size(0), -1).sum(-1)`
between `log_prob(actions.squeeze(-1))` and `.unsqueeze(-1)`: significant in the loss path, while the
value is the same for one-dimensional actions. Now low, with that condition. Negative: a plain
`.sum(-1)` over the action dimensions of a Gaussian's log-probability dropped (the classic bug: a
per-dimension log-probability where the joint one was) stays significant."""

from __future__ import annotations

from investigator.flow.rowsum import row_sum_dropped
from tests.flow.support import flow_findings

DIST = '''
import torch


class FixedDist(torch.distributions.{base}):
    def log_probs(self, actions):
        return {value}
'''

TRAIN = '''
from dist import FixedDist


def train(logits, actions, advantages, optimizer):
    dist = FixedDist(logits)
    log_probs = dist.log_probs(actions)
    loss = -(log_probs * advantages).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
'''


def _findings(base: str, before: str, after: str) -> list:
    return [f for f in flow_findings({"dist.py": DIST.format(base=base, value=before), "train.py": TRAIN},
                                     {"dist.py": DIST.format(base=base, value=after), "train.py": TRAIN})
            if "log_probs" in f.title]


def test_a_row_sum_of_a_per_row_reshape_dropped_is_low_with_its_condition() -> None:
    found = _findings("Categorical",
                      "super().log_prob(actions.squeeze(-1)).view(actions.size(0), -1).sum(-1).unsqueeze(-1)",
                      "super().log_prob(actions.squeeze(-1)).unsqueeze(-1)")
    assert [f.severity.value for f in found] == ["low"]
    assert "one element per row" in found[0].rationale


def test_a_sum_over_action_dimensions_dropped_stays_significant() -> None:
    found = _findings("Normal", "super().log_prob(actions).sum(-1, keepdim=True)", "super().log_prob(actions)")
    assert [f.severity.value for f in found] == ["significant"]


def test_the_reshape_must_keep_rows_and_the_sum_run_over_them() -> None:
    import ast
    base = ast.parse("y = x.view(n, -1).sum(-1)")
    assert row_sum_dropped(base, ast.parse("y = x")) is not None
    assert row_sum_dropped(base, ast.parse("y = z")) is None
    assert row_sum_dropped(ast.parse("y = x.view(n, -1).sum(0)"), ast.parse("y = x")) is None
    assert row_sum_dropped(ast.parse("y = x.view(-1, n).sum(-1)"), ast.parse("y = x")) is None
