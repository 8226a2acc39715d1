"""A detector's finding whose statement reaches only evaluation is a no-effect item with that reason; the same
removal on the training env keeps its severity.

Real shapes: omnisafe 89717ba9..15603dd7 (`self._eval_env = ObsNormalize(self._eval_env)` moved into a sibling
method). A session lowered evaluation-only findings to low instead: measured, that put two noise seats into the
sweep's top 5 (HARL fp20 34a8c1a6..c29ba492 and bf7712d7..5e4f7cf6: the new training-episode reward accumulators for
logs read as "Time indexing changed in the return computation") and no real one anywhere, so evaluation-only stays
no effect (issue 11: "evaluation-only code is low or no effect")."""

from __future__ import annotations

from tests.detectors.helpers import run_on

WRAPPERS = """
class ObsNormalize:
    def __init__(self, env):
        self.env = env


def make(env_id):
    return env_id
"""

RUNNER = """
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

TRAINING = RUNNER.replace("self.env = ObsNormalize(make(env_id))", "self.env = make(env_id)").replace(
    "def evaluate(self, policy):\n        obs = self.eval_env.reset()",
    "def train(self, policy, optimizer):\n        obs = self.env.reset()").replace(
    "self.eval_env.step", "self.env.step").replace(
    'print("eval return", score)', "loss = -score\n        loss.backward()\n        optimizer.step()")


def _run(template: str, base_line: str, cand_line: str):
    return run_on({"r.py": template.replace("{line}", base_line), "wrappers.py": WRAPPERS},
                  {"r.py": template.replace("{line}", cand_line), "wrappers.py": WRAPPERS}, only={"norm_wrappers"})


def test_a_normaliser_removed_from_an_evaluation_env_is_a_no_effect_item() -> None:
    result = _run(RUNNER, "self.eval_env = ObsNormalize(self.eval_env)", "pass")
    assert not [f for f in result.findings if "Normalisation wrapper removed" in f.title], result.findings
    removed = [n for n in result.no_effect if "Normalisation wrapper removed" in n.title]
    assert removed and "evaluation" in removed[0].reason, result.no_effect


def test_the_same_removal_from_the_training_env_keeps_its_severity() -> None:
    result = _run(TRAINING, "self.env = ObsNormalize(self.env)", "pass")
    removed = [f for f in result.findings if "Normalisation wrapper removed" in f.title]
    assert removed and removed[0].severity.value != "low", (result.findings, result.no_effect)
