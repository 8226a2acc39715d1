"""A new option handed to a callee as the callee's own default, at the option's default, is neutral.

Real shape (rsl_rl, within the `rsl-gru-reset` benchmark range): `PPO.__init__` gains
`normalize_advantage_per_mini_batch=False`, stores it, and `PPO.compute_returns` passes
`normalize_advantage=not self.normalize_advantage_per_mini_batch` to `self.storage.compute_returns`,
whose new parameter `normalize_advantage: bool = True` guards the whole-batch normalisation it always
did. At the option's default the callee receives its own default: every run computes what the
baseline computed. Both functions were "Behavioural change in the advantage / optimizer path",
significant, ranked above the range's real regression. Negatives: the same shape where the value at
the option's default is not the callee's default, and a configuration that sets the option.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from investigator.flow.optin import ConfigValues
from investigator.models import Finding, Severity
from tests.flow.test_equivalence import _index

STORAGE = """
class RolloutStorage:
    def __init__(self, n):
        self.n = n
        self.returns = None
        self.values = None

    def compute_returns(self, last_values, gamma, lam{param}):
        self.returns = self.values * gamma * lam + last_values
        self.advantages = self.returns - self.values
{normalize}
    def generator(self):
        for i in range(self.n):
            yield self.returns[i], self.advantages[i]
"""
NORMALIZE = "        self.advantages = (self.advantages - self.advantages.mean()) / (self.advantages.std() + 1e-8)\n"
GUARDED = "        if normalize_advantage:\n    " + NORMALIZE

PPO = """
from storage import RolloutStorage


class PPO:
    def __init__(self, policy, optimizer, gamma=0.99, lam=0.95{param}):
        self.policy = policy
        self.optimizer = optimizer
        self.gamma = gamma
        self.lam = lam
{assign}        self.storage = None

    def init_storage(self, n):
        self.storage = RolloutStorage(n)

    def compute_returns(self, last_obs):
        last_values = self.policy.evaluate(last_obs).detach()
        self.storage.compute_returns(last_values, self.gamma, self.lam{argument})

    def update(self):
        for returns, advantages in self.storage.generator():
{branch}            loss = (self.policy.value() - returns).pow(2).mean() - advantages.mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
"""
RUNNER = """
from ppo import PPO


def learn(env, policy, optimizer, iterations):
    alg = PPO(policy, optimizer)
    alg.init_storage(24)
    obs = env.reset()
    for _ in range(iterations):
        obs, rewards, dones, infos = env.step(policy.act(obs))
        alg.compute_returns(obs)
        alg.update()
"""
PER_BATCH_BRANCH = ("            if self.per_mini_batch:\n"
                    "                advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)\n")


def _ppo(param: str = "", assign: str = "", argument: str = "", branch: str = "") -> str:
    return PPO.format(param=param, assign=assign, argument=argument, branch=branch)


BASE = {"storage.py": STORAGE.format(param="", normalize=NORMALIZE), "ppo.py": _ppo(), "runner.py": RUNNER}
CAND_STORAGE = STORAGE.format(param=", normalize_advantage: bool = True", normalize=GUARDED)


def _cand(default: str, argument: str, callee_default: str = "True") -> dict[str, str]:
    return {"runner.py": RUNNER, "storage.py": CAND_STORAGE.replace("= True", f"= {callee_default}"),
            "ppo.py": _ppo(f", per_mini_batch={default}", "        self.per_mini_batch = per_mini_batch\n",
                           f", normalize_advantage={argument}", PER_BATCH_BRANCH)}


def _ppo_findings(cand: dict[str, str], config: ConfigValues | None = None) -> list[Finding]:
    found = analyse(_index(BASE, cand), config=config).findings
    return [f for f in found if any(loc.path == "ppo.py" for loc in f.locations)]


def _significant(found: list[Finding]) -> list[str]:
    return [f.title for f in found if f.severity is not Severity.low]


def test_option_handed_on_as_the_callees_own_default_is_neutral_and_low() -> None:
    found = _ppo_findings(_cand("False", "not self.per_mini_batch"))
    assert found, "still reported (low), never silent"
    assert not _significant(found), [(f.title, f.severity) for f in found]
    assert all("opt-in" in f.title for f in found), [f.title for f in found]  # the three functions, grouped
    assert "`per_mini_batch` (default `per_mini_batch=False`" in found[0].rationale
    no_branch = {**_cand("False", "not self.per_mini_batch"), "ppo.py": _cand("False", "not self.per_mini_batch")[
        "ppo.py"].replace(PER_BATCH_BRANCH, "")}
    alone = analyse(_index(BASE, no_branch)).findings
    call = [f for f in alone if "compute_returns" in f.title]
    assert call and call[0].severity is Severity.low, [(f.title, f.severity) for f in alone]
    assert call[0].title.endswith("(new option, neutral at its default)"), call[0].title
    assert "callee's own default" in call[0].rationale


def test_option_whose_default_hands_the_callee_another_value_stays_significant() -> None:
    # default True: `not self.per_mini_batch` is False, the callee's default is True -> whole-batch
    # normalisation is switched off for every run
    found = _ppo_findings(_cand("True", "not self.per_mini_batch"))
    call = [f for f in found if "compute_returns" in f.title]
    assert call and call[0].severity is Severity.significant, [(f.title, f.severity) for f in found]
    assert "neutral" not in call[0].title
    # the callee's default flipped: at the option's default the caller hands `True`, and the inlined
    # callee (its `self` bound to `self.storage`) normalises as the baseline's did: no change in the
    # caller (what the callee now does for callers that pass nothing is the callee's own concern)
    found = _ppo_findings(_cand("False", "not self.per_mini_batch", callee_default="False"))
    assert found and not _significant(found), [(f.title, f.severity) for f in found]


def test_option_passed_as_is_to_a_callee_with_another_default_stays_significant() -> None:
    found = _ppo_findings(_cand("False", "self.per_mini_batch"))
    call = [f for f in found if "compute_returns" in f.title]
    assert call and call[0].severity is Severity.significant, [(f.title, f.severity) for f in found]


def test_a_configuration_that_sets_the_option_keeps_the_severity() -> None:
    config = ConfigValues({}, {"algorithm.per_mini_batch": True}, {"algorithm.per_mini_batch": "cfg.yaml:3"})
    found = _ppo_findings(_cand("False", "not self.per_mini_batch"), config)
    assert _significant(found), [(f.title, f.severity) for f in found]
    # a configuration that sets it to its default says so, and the finding stays low
    config = ConfigValues({}, {"algorithm.per_mini_batch": False}, {"algorithm.per_mini_batch": "cfg.yaml:3"})
    found = _ppo_findings(_cand("False", "not self.per_mini_batch"), config)
    assert found and not _significant(found), [(f.title, f.severity) for f in found]
    assert any("only to its default" in f.rationale for f in found)
