"""A parameter read where the attribute its method stores adjusted was meant (or the reverse) is an edit whose
meaning is known by its form, and is significant even where the flow stops before training. Real shape: JORLDY's
MPO, `self.n_step = n_step if critic_loss_type == "retrace" else 1` then `self.tmp_buffer =
deque(maxlen=self.n_step)` -> `deque(maxlen=n_step)`: the staging deque outgrows `self.n_step`, so
`len(self.tmp_buffer) == self.n_step` holds once and almost no transition reaches the replay buffer. The agent
is built from a registry, so the flow stops at `agent.process(...)`: it was low, 6th below configuration
changes."""

from __future__ import annotations

from investigator.ranking import rank_findings
from tests.flow.support import flow_findings
from tests.flow.test_own_signal import AGENTS, MPO, RUN

# the agent stores `n_step` adjusted, as JORLDY's MPO does; the registry-built agent stops the flow
ADJUSTED = MPO.replace("def __init__(self, memory, n_step=4):", 'def __init__(self, memory, n_step=4, loss="retrace"):')\
    .replace("self.n_step = n_step\n", 'self.n_step = n_step if loss == "retrace" else 1\n')


def _init_findings(agent: str, maxlen: str, changed: str) -> list[tuple[str, str]]:
    base = {"mpo.py": agent.format(maxlen=maxlen, name="'mpo'"), "run.py": RUN, "agents.py": AGENTS}
    cand = {"mpo.py": agent.format(maxlen=changed, name="'mpo'"), "run.py": RUN, "agents.py": AGENTS}
    return [(f.title, f.severity.value) for f in rank_findings(flow_findings(base, cand)) if "MPO.__init__" in f.title]


def test_a_raw_parameter_read_for_its_adjusted_attribute_is_significant_where_the_flow_stops() -> None:
    assert ADJUSTED != MPO
    found = _init_findings(ADJUSTED, "self.n_step", "n_step")
    assert found and found[0][0].startswith("Adjusted attribute bypassed in the sampling path"), found
    assert found[0][1] == "significant", found


def test_an_other_edit_of_the_same_statement_stays_low() -> None:
    found = _init_findings(ADJUSTED, "self.n_step", "self.n_step + 1")
    assert found and found[0][1] == "low" and found[0][0].startswith("Behavioural change"), found


def test_an_attribute_stored_as_is_stays_low() -> None:
    # `self.n_step = n_step`: reading `n_step` is the same value (here a low finding, as before)
    found = _init_findings(MPO, "self.n_step", "n_step")
    assert all(severity == "low" for _, severity in found), found


def test_adjusted_attributes() -> None:
    import ast

    from investigator.flow.edits import derived_attributes, known_edit
    fn = ast.parse("def __init__(self, n, m, k):\n    self.n = n if m else 1\n    self.m = m\n    self.k = k * 2\n").body[0]
    derived = derived_attributes(fn)
    assert derived == {"n": "n if m else 1", "k": "k * 2"}, derived
    assert known_edit([ast.parse("d = f(self.m)").body[0]], [ast.parse("d = f(m)").body[0]], set(), derived) is None
    assert known_edit([ast.parse("d = f(self.n)").body[0]], [ast.parse("d = f(n)").body[0]], set(), derived)
