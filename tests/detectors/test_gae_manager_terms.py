"""An observation manager's per-term history buffer is no done flag: `buf[group][term_name]` in a walk over term
names is not the return computation.

Real shape (mjlab ebfd43e2..0eda4e73, `ObservationManager.reset`): the candidate resets
`self._group_obs_term_history_buffer[group_name][term_name]` for every term of a group; `term` read as "terminal" made
it a done flag indexed by a loop variable, paired with the environment's reset: "Time indexing changed in the return
computation" (significant). Negative: the same edit on a buffer of done flags in a step loop is still reported."""

from __future__ import annotations

from tests.detectors.helpers import run_on

MANAGER = """
def reset(self, groups, env_ids=None):
    for group_name in groups:
        for cfg in self._group_cfgs[group_name]:
            cfg.func.reset(env_ids=env_ids)
{extra}
    return {{}}
"""

EXTRA = """        for {var} in self._group_term_names[group_name]:
            self.{buf}[group_name][{var}].reset(batch_ids=env_ids)"""


def _titles(var: str, buf: str) -> list[str]:
    base = MANAGER.format(extra="")
    cand = MANAGER.format(extra=EXTRA.format(var=var, buf=buf))
    return [f.title for f in run_on({"obs.py": base}, {"obs.py": cand}, only={"gae_index"}).findings]


def test_a_term_history_buffer_is_not_time_indexed_dones() -> None:
    assert _titles("term_name", "_group_obs_term_history_buffer") == []


def test_a_done_buffer_walked_by_step_is_still_reported() -> None:
    assert _titles("t", "_dones_history") == ["Time indexing changed in the return computation"]
