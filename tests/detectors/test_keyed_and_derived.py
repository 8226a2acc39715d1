"""Two shapes of d3rlpy v1.1.1 -> v2.0.2 read as return computations (top five of the range once the
flow's refactor noise was gone): `rets = {}` filled per attribute name in `get_state_dict`
(`rets[key] = obj.state_dict()`: "Time indexing changed in the return computation"), and a dataset
loader deriving `timeouts = np.logical_and(np.logical_not(terminals), episode_terminals)` ("Done masking
added"). Negatives: a return array indexed by the time step, a done mask on a bootstrapped value, a
done mask stored under a done-role name (`not_done = ...`, the GAE's `nextnonterminal`)."""

from __future__ import annotations

from tests.detectors.helpers import run_on


def _only(result, detector):
    return [f for f in result.findings if f.source.endswith(detector)]


STATE = """
def get_state_dict(impl, names):
    {name} = {init}
    for key in names:
        obj = getattr(impl, key)
        {name}[key] = obj.state_dict()
    return {name}
"""


def _state(name: str, init: str) -> str:
    return STATE.replace("{name}", name).replace("{init}", init)


def test_a_mapping_filled_per_key_is_no_time_index() -> None:
    for init in ("{}", "dict()", "defaultdict(dict)"):
        found = _only(run_on({"u.py": _state("out", init)}, {"u.py": _state("rets", init)}, only={"gae_index"}),
                      "gae_index")
        assert not found, (init, [f.title for f in found])


RETURNS = """
import numpy as np


def discounted(rewards, gamma):
    rets = {init}
    for t in reversed(range(len(rewards) - 1)):
        rets[t] = rewards[t] + gamma * rets[{index}]
    return rets
"""


def test_a_return_array_indexed_by_the_time_step_is_still_read() -> None:
    for init in ("np.zeros(len(rewards))", "[0.0] * len(rewards)"):
        base = RETURNS.replace("{init}", init).replace("{index}", "t + 1")
        cand = RETURNS.replace("{init}", init).replace("{index}", "t")
        found = _only(run_on({"r.py": base}, {"r.py": cand}, only={"gae_index"}), "gae_index")
        assert found, init
    # a name bound to a mapping *and* to an array is not judged a mapping
    both = RETURNS.replace("{init}", "{}\n    rets = np.zeros(len(rewards))")
    found = _only(run_on({"r.py": both.replace("{index}", "t + 1")}, {"r.py": both.replace("{index}", "t")},
                         only={"gae_index"}), "gae_index")
    assert found


LOADER = """
import numpy as np


def load(terminals, episode_terminals):
    {line}
    return terminals
"""


def _loader(line: str) -> str:
    return LOADER.replace("{line}", line)


def test_a_truncation_signal_derived_from_terminals_is_no_bootstrap_mask() -> None:
    cand = _loader("timeouts = np.logical_and(np.logical_not(terminals), episode_terminals)")
    found = _only(run_on({"l.py": _loader("pass")}, {"l.py": cand}, only={"done_mask"}), "done_mask")
    assert not found, [f.title for f in found]


def test_a_done_mask_under_a_done_name_or_on_a_value_stays() -> None:
    for line in ("nextnonterminal = np.logical_not(terminals)",
                 "target = episode_terminals + 0.99 * np.logical_not(terminals) * 2.0"):
        found = _only(run_on({"l.py": _loader("pass")}, {"l.py": _loader(line)}, only={"done_mask"}), "done_mask")
        assert found and found[0].title.startswith("Done masking added"), (line, [f.title for f in found])
