"""A loop over a collection's keys is no time loop: `dones[team]` is a per-team flag, not `dones[t]`.

Real shape (PufferLib 8283cdcc..f68a41a2): an environment's `for team in self._teams:` with
`if scope.const or dones[team]:` -> `if scope.const or team in dones:` was "Time-indexed access
dropped from the return computation" (significant). Negative: the same edit in a `range` loop."""

from __future__ import annotations

from tests.detectors.helpers import run_on

ENV = """
def poststep(self, rewards, dones, infos):
    for {var} in {loop}:
        if self.const or {test}:
            dones[{var}] = self.done
        rewards[{var}] = rewards[{var}] * 0.5
    return rewards, dones, infos
"""


def _titles(var: str, loop: str) -> list[str]:
    base = ENV.format(var=var, loop=loop, test=f"dones[{var}]")
    cand = ENV.format(var=var, loop=loop, test=f"{var} in dones")
    return [f.title for f in run_on({"env.py": base}, {"env.py": cand}, only={"gae_index"}).findings]


def test_a_per_team_flag_is_not_time_indexed() -> None:
    assert _titles("team", "self._teams") == []
    assert _titles("team", "dones.keys()") == []


def test_the_same_edit_in_a_step_loop_is_still_reported() -> None:
    assert _titles("t", "range(self.num_steps)")


POOL = """
def forwards(self, obs, dones, values):
    for {target} in {loop}:
        atn, val = policy(obs[samp], dones[samp])
{extra}
    return values
"""


def _pool_titles(target: str, loop: str) -> list[str]:
    base = POOL.format(target=target, loop=loop, extra="")
    cand = POOL.format(target=target, loop=loop, extra="        values[samp] = val.flatten()")
    return [f.title for f in run_on({"pool.py": base}, {"pool.py": cand}, only={"gae_index"}).findings]


def test_a_walk_zipped_with_a_mapping_view_is_not_time_indexed() -> None:
    # PufferLib 73aaa5a8..cb116bca: a policy pool's share of the batch per policy
    assert _pool_titles("samp, policy", "zip(self._sample_idxs, self._policies.values())") == []


def test_a_zipped_step_walk_without_a_mapping_is_still_time_indexed() -> None:
    assert _pool_titles("samp, policy", "zip(range(self.num_steps), self._policies)")
