"""A function named `evaluate` is evaluation-only by what it writes, not by its name: the real shape is
a rollout called `evaluate(data)` that stores transitions in `data.experience`, which `train(data)`
learns from. A true evaluation (returns or prints a score, keeps its own stats) stays evaluation."""

from __future__ import annotations

import ast
import textwrap

from investigator.detectors.functions import parse_module
from investigator.flow.evaluation import writes_by_statement, written_state
from tests.flow.test_equivalence import _index, analyse

ROLLOUT = """
    import torch


    def evaluate(data):
        experience = data.experience
        obs = data.vecenv.reset()
        while not experience.full:
            with torch.no_grad():
                actions, logprob, value = data.policy(obs)
            obs, reward, done, info = data.vecenv.step(actions)
            reward = {reward}
            {store}
            print(reward.mean())


    def train(data):
        experience = data.experience
        for mb in range(experience.num_minibatches):
            obs = experience.b_obs[mb]
            ret = experience.b_returns[mb]
            value = data.policy.value(obs)
            loss = ((value - ret) ** 2).mean()
            data.optimizer.zero_grad()
            loss.backward()
            data.optimizer.step()
"""
RUN = "from clean import evaluate, train\nwhile True:\n    evaluate(DATA)\n    train(DATA)\n"
STORE = "experience.store(obs, value, actions, logprob, reward, done)"


def _files(reward: str, store: str = STORE) -> dict[str, str]:
    return {"clean.py": ROLLOUT.replace("{reward}", reward).replace("{store}", store), "run_all.py": RUN}


def test_a_rollout_named_evaluate_that_fills_the_training_buffer_is_on_the_flow():
    result = analyse(_index(_files("reward"), _files("reward * 0.1")))
    assert result.findings, "a reward change in the rollout that feeds train() must be reported"
    finding = result.findings[0]
    assert finding.severity.value == "significant" and finding.evidence[0].details["path"] == "reward"


def test_an_evaluation_that_only_keeps_its_own_stats_stays_evaluation_only():
    stats = "episode_rewards.append(reward)"  # a local list: nothing training reads
    result = analyse(_index(_files("reward", stats), _files("reward * 0.1", stats)))
    assert [f for f in result.findings if f.severity.value in ("critical", "significant")] == []
    shared_stats = "data.eval_stats.append(reward)"  # shared, but no loss-computing function reads it
    result = analyse(_index(_files("reward", shared_stats), _files("reward * 0.1", shared_stats)))
    assert [f for f in result.findings if f.severity.value in ("critical", "significant")] == []


def _fn(text: str):
    module = parse_module("m.py", textwrap.dedent(text), "candidate")
    return next(f for f in module.functions.values() if not f.is_module)


def test_written_state_follows_aliases_self_and_parameters_not_locals():
    fn = _fn("""
        def evaluate(self, data):
            buf, stats = data.buffer, data.stats
            buf.add(1)
            self.count += 1
            data.last_obs = 0
            scores = []
            scores.append(2)
            print(stats)
    """)
    assert written_state(fn) == {"buffer", "count", "last_obs"}
    through_params = {a for attrs in writes_by_statement(fn, include_self=False).values() for a in attrs}
    assert through_params == {"buffer", "last_obs"}  # `self.count` flows through its class already
    assert isinstance(fn.node, ast.FunctionDef)


def test_a_value_stored_in_the_training_buffer_reaches_the_loss_that_reads_it():
    """The stored value goes nowhere else in the rollout: the flow follows the store into
    `data.experience` to `train(data)`, which reads it and calls `backward()`."""
    fixed_steps = ROLLOUT.replace("while not experience.full:", "for step in range(data.num_steps):")
    files = {"run_all.py": RUN}
    base = {**files, "clean.py": fixed_steps.replace("{reward}", "reward").replace("{store}", STORE)}
    cand = {**files, "clean.py": fixed_steps.replace("{reward}", "reward").replace(
        "{store}", STORE.replace("value,", "value * 2,"))}
    result = analyse(_index(base, cand))
    assert result.findings and result.findings[0].severity.value == "significant"
    assert result.findings[0].evidence[0].details["sink"] in ("loss", "optimizer")  # inside train()
    assert "clean.py" in result.findings[0].evidence[0].details["flow"]
    # the same store into state no loss-computing function reads is not followed there
    eval_only = {k: v.replace("experience.store", "data.eval_log.store").replace("experience = data.experience\n        obs", "obs")
                 for k, v in (("base", base["clean.py"]), ("cand", cand["clean.py"]))}
    result = analyse(_index({**files, "clean.py": eval_only["base"]}, {**files, "clean.py": eval_only["cand"]}))
    assert [f for f in result.findings if f.severity.value in ("critical", "significant")] == []


def _eval_module_files(store: str) -> dict[str, str]:
    """A rollout in a module named like evaluation, which a script calls for `--mode evaluate`."""
    rollout = ROLLOUT.replace("def evaluate(data):", "def rollout(data):").replace("{store}", store)
    return {"game_eval.py": rollout.replace("{reward}", "reward"), "run_all.py": (
        "import sys\nfrom game_eval import rollout, train\nif sys.argv[1] == 'train':\n    train(DATA)\n"
        "elif sys.argv[1] == 'evaluate':\n    rollout(DATA)\n")}


def test_a_function_of_a_module_named_like_evaluation_is_evaluation_when_it_feeds_no_training():
    stats = "episode_rewards.append(reward)"
    base = _eval_module_files(stats)
    cand = dict(base, **{"game_eval.py": base["game_eval.py"].replace("obs = data.vecenv.reset()", "obs = data.vecenv.reset(seed=1)")})
    result = analyse(_index(base, cand))
    assert [f for f in result.findings if f.severity.value in ("critical", "significant")] == [], \
        [f.title for f in result.findings]


def test_a_function_of_such_a_module_that_fills_the_training_buffer_stays_on_the_flow():
    base = _eval_module_files(STORE)
    cand = dict(base, **{"game_eval.py": base["game_eval.py"].replace("obs = data.vecenv.reset()", "obs = data.vecenv.reset(seed=1)")})
    result = analyse(_index(base, cand))
    assert [f for f in result.findings if f.severity.value == "significant"], [n.title for n in result.no_effect]
