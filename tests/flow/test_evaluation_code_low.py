"""A detector's finding in evaluation code is low; training code whose value the flow saw reach only evaluation
stays a no-effect item.

Real shapes: omnisafe 89717ba9..15603dd7 (`self._eval_env = ObsNormalize(self._eval_env)` moved into a sibling:
removing it changes the returns evaluation reports, so it is a finding, low); rejax df2c3619..d7510951 (a jitted
`train_iteration` refactor whose TrainState the search saw reach only the evaluation callback: lowering it to low put
two refactor seats in the report, so it stays no effect)."""

from __future__ import annotations

from tests.detectors.helpers import run_on

WRAPPERS = """
class ObsNormalize:
    def __init__(self, env):
        self.env = env


def make(env_id):
    return env_id
"""

EVAL_HELD = """
from wrappers import ObsNormalize, make


class Runner:
    def __init__(self, env_id):
        self.env = ObsNormalize(make(env_id))
        self.eval_env = make(env_id)
        {line}

    def evaluate(self, policy):
        obs = self.eval_env.reset()
        score = 0.0
        for _ in range(10):
            obs, reward, done, info = self.eval_env.step(policy(obs))
            score += reward
        print("eval return", score)
"""

HELPER_FOR_EVAL = """
from wrappers import ObsNormalize, make


def wrapped(env_id):
    env = make(env_id)
    {line}
    return env


def evaluate(policy, env_id):
    env = wrapped(env_id)
    obs = env.reset()
    score = 0.0
    for _ in range(10):
        obs, reward, done, info = env.step(policy(obs))
        score += reward
    print("eval return", score)
"""


def _run(template: str, base_line: str, cand_line: str):
    return run_on({"r.py": template.replace("{line}", base_line), "wrappers.py": WRAPPERS},
                  {"r.py": template.replace("{line}", cand_line), "wrappers.py": WRAPPERS}, only={"norm_wrappers"})


def test_a_normaliser_removed_from_an_evaluation_env_is_a_low_finding() -> None:
    result = _run(EVAL_HELD, "self.eval_env = ObsNormalize(self.eval_env)", "pass")
    removed = [f for f in result.findings if "Normalisation wrapper removed" in f.title]
    assert removed and all(f.severity.value == "low" for f in removed), (result.findings, result.no_effect)
    assert "evaluation code" in removed[0].rationale


def test_the_same_removal_from_the_training_env_keeps_its_severity() -> None:
    result = _run(EVAL_HELD.replace("self.env = ObsNormalize(make(env_id))", "self.env = make(env_id)").replace(
        "def evaluate(self, policy):\n        obs = self.eval_env.reset()", "def train(self, policy, optimizer):\n"
        "        obs = self.env.reset()").replace("self.eval_env.step", "self.env.step").replace(
        'print("eval return", score)', "loss = -score\n        loss.backward()\n        optimizer.step()"),
        "self.env = ObsNormalize(self.env)", "pass")
    removed = [f for f in result.findings if "Normalisation wrapper removed" in f.title]
    assert removed and removed[0].severity.value != "low", (result.findings, result.no_effect)


def test_a_helper_whose_value_only_evaluation_reads_is_no_effect() -> None:
    result = _run(HELPER_FOR_EVAL, "env = ObsNormalize(env)", "pass")
    assert not [f for f in result.findings if "Normalisation wrapper removed" in f.title], result.findings
    assert any("Normalisation wrapper removed" in n.title and "evaluation" in n.reason for n in result.no_effect), \
        result.no_effect
