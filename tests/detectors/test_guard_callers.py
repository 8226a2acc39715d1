"""A change inside a function that is called only where an option keeps it off is "off by default".

Real shape (sheeprl 62b3da0f..33b63668): new helpers `safetanh` / `safeatanh` (sheeprl/utils/utils.py:304-313,
`y = x.tanh()`) are called only by `PPOPlayer._tanh_normal` / `PPOAgent._tanh_normal`, which run only under
`elif self.distribution == "tanh_normal":` (sheeprl/algos/ppo/agent.py:217, 278, 310). No configuration file
selects `tanh_normal` (`distribution.type: auto` is the baseline's Normal), yet "Nonlinearity changed: - -> tanh"
was significant, #2 of the range: the guard is two calls away from the changed line."""

from __future__ import annotations

from investigator.detectors.guards import Side, off_by_default_reason
from investigator.detectors.newcases import Catalog, NewCases
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity

UTILS_BASE = "import torch\n\n\ndef clip(x, lim):\n    return x.clamp(-lim, lim)\n"
UTILS_CAND = UTILS_BASE + '''

def squash(x, eps):
    lim = 1.0 - eps
    y = x.tanh()
    return y.clamp(-lim, lim)
'''
TANH_LINE = 10

AGENT_BASE = '''\
from torch.distributions import Normal


class Actor:
    def __init__(self, cfg):
        self.dist = cfg.get("type", "auto")
        if self.dist not in ("auto", "normal", "squashed"):  # accepted, not yet implemented
            raise ValueError(self.dist)

    def act(self, mean, std):
        return Normal(mean, std).sample()
'''

AGENT_CAND = '''\
from torch.distributions import Normal

from utils import squash


class Actor:
    def __init__(self, cfg):
        self.dist = cfg.get("type", "auto")
        if self.dist not in ("auto", "normal", "squashed"):
            raise ValueError(self.dist)

    def _squashed(self, mean, std):
        return squash(Normal(mean, std).sample(), 1e-6)

    def act(self, mean, std):
        if self.dist == "squashed":
            return self._squashed(mean, std)
        return Normal(mean, std).sample()
'''

CONFIG = "actor:\n  type: {value}\n"


def _side(label: str, files: dict[str, str]) -> Side:
    return Side(label, files.get, list(files))


def _finding() -> Finding:
    loc = Location(path="utils.py", line=TANH_LINE, side="candidate")
    return Finding(id="layers:utils.py:10", source="code_detectors.layers", subsystem="architecture",
                   severity=Severity.significant, confidence=0.75, title="Nonlinearity changed: - -> tanh",
                   impact="", rationale="", locations=[loc],
                   evidence=[Evidence(kind=EvidenceKind.code, summary="candidate: `x.tanh()`", locations=[loc])])


def _reason(cand_extra: dict[str, str] | None = None, agent: str = AGENT_CAND, value: str = "auto") -> str | None:
    base = {"utils.py": UTILS_BASE, "agent.py": AGENT_BASE, "configs/ppo.yaml": CONFIG.format(value="auto")}
    cand = {"utils.py": UTILS_CAND, "agent.py": agent, "configs/ppo.yaml": CONFIG.format(value=value),
            **(cand_extra or {})}
    assert "x.tanh()" in UTILS_CAND.splitlines()[TANH_LINE - 1]
    sides = {"baseline": _side("baseline", base), "candidate": _side("candidate", cand)}
    cases = NewCases(Catalog(list(base), lambda: base), Catalog(list(cand), lambda: cand))
    for side in sides.values():
        side.newcases = cases
    return off_by_default_reason(_finding(), sides)


def test_a_helper_called_only_under_an_option_value_no_file_selects_is_low():
    reason = _reason()
    assert reason is not None and "`squash`" in reason and "'squashed'" in reason


def test_a_test_that_turns_the_option_on_is_no_caller():
    test = "from utils import squash\n\n\ndef test_squash():\n    assert squash(1.0, 0.1) < 1\n"
    assert _reason({"tests/test_utils.py": test}) is not None


def test_a_configuration_file_selecting_the_value_keeps_the_finding():
    assert _reason(value="squashed") is None


def test_a_default_selecting_the_value_keeps_the_finding():
    """The default itself changes behaviour: every run takes the new branch."""
    assert _reason(agent=AGENT_CAND.replace('cfg.get("type", "auto")', 'cfg.get("type", "squashed")')) is None


def test_a_caller_that_runs_by_default_keeps_the_finding():
    script = "import torch\n\nfrom utils import squash\n\nprint(squash(torch.zeros(3), 1e-6))\n"
    assert _reason({"train.py": script}) is None


def test_a_helper_handed_on_as_a_value_keeps_the_finding():
    script = "from utils import squash\n\nACTIVATIONS = {'squash': squash}\n"
    assert _reason({"registry.py": script}) is None
    aliased = "import torch\n\nfrom utils import squash as sq\n\nprint(sq(torch.zeros(3), 1e-6))\n"
    assert _reason({"train.py": aliased}) is None


def test_a_type_name_compared_is_no_option():
    """Real shape (HARL, harl/utils/trpo_util.py:80): `if new_dist.__class__.__name__ == "FixedCategorical":`
    calls `kl_approx` for the categorical policies the code builds; no configuration names the class, yet
    every discrete-action run takes that branch."""
    typed = AGENT_CAND.replace('if self.dist == "squashed":', 'if self.dist.__class__.__name__ == "squashed":')
    assert typed != AGENT_CAND
    assert _reason(agent=typed) is None
    defined = AGENT_CAND + "\n\nclass squashed:\n    pass\n"
    assert _reason(agent=defined) is None
