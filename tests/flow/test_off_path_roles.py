"""Code off the training path by its role: a function that writes summaries, metrics or debug dumps, a
validation/evaluation function, an object held for evaluation (`eval_env`, `eval_callback`). What they
compute reaches people (TensorBoard, logs, files) or the evaluation, so a change there is no effect, and a
code detector's finding there (a reward accumulator, an environment count) obeys the same verdict.

Real shapes: rlgraph 70b14a64..428fc136 rlgraph/agents/agent.py:559, `Agent._write_rewards_summary`'s
`episode_reward += rewards[i]` summed for TensorBoard and handed back to the graph (`graph_executor.execute`),
filed as a critical "Reward term(s) removed"; rl-baselines-zoo v1.5..v1.6 train.py:292 `eval_callback =
EvalCallback(create_env(1, eval_env=True), ...)` filed as "Environment/worker count computation changed".
Negative shapes: the same accumulator feeding the return the loss learns from, a validation whose result
sets the learning rate, and a training env built beside the evaluation one stay at their severity."""

from __future__ import annotations

from investigator.detectors.engine import run_detectors
from investigator.detectors.sources import MemoryTree, diff_trees
from tests.flow.support import flow_result, src

AGENT = """
    import numpy as np


    class Agent:
        def __init__(self, executor):
            self.graph_executor = executor
            self.buffer = []

        def observe(self, states, actions, rewards, terminals):
            {summary_call}
            self._observe_graph(states, actions, rewards, terminals)

        def _observe_graph(self, states, actions, rewards, terminals):
            self.graph_executor.execute(("observe", [states, actions, rewards, terminals]))

        def {accumulator}(self, rewards, terminals):
            ret = self.graph_executor.execute("get_episode_reward")
            episode_reward = ret["get_episode_reward"]
            for i in range(len(rewards)):
                self.graph_executor.summary_writer.add_summary(rewards[i])
                episode_reward += rewards[i]
                if terminals[i]:
                    self.graph_executor.summary_writer.add_summary(episode_reward)
                    episode_reward = 0
            self.graph_executor.execute(("set_episode_reward", [episode_reward]))


    if __name__ == "__main__":
        agent = Agent(EXECUTOR)
        agent.observe(STATES, ACTIONS, REWARDS, TERMINALS)
"""
EXECUTOR = """
    import random


    class Executor:
        def __init__(self, memories, worker):
            self.memories = memories
            self.worker = worker

        def execute(self, *calls):
            for call in calls:
                samples = self.worker.sample(call)
                random.choice(self.memories).observe(samples)
            return {}
"""


def _agent(accumulator: str, called: bool) -> str:
    call = f"self.{accumulator}(rewards, terminals)" if called else "pass"
    return AGENT.replace("{summary_call}", call).replace("{accumulator}", accumulator)


def _reward_findings(accumulator: str) -> tuple[list, list]:
    base = {"agent.py": _agent(accumulator, True), "executor.py": EXECUTOR}
    cand = {"agent.py": _agent(accumulator, False).replace("                episode_reward += rewards[i]\n", ""),
            "executor.py": EXECUTOR}
    b = MemoryTree({k: src(v) for k, v in base.items()})
    c = MemoryTree({k: src(v) for k, v in cand.items()})
    result = run_detectors(b, c, diff_trees(b, c), only={"reward_terms"})
    reward = [f for f in result.findings if "reward_terms" in f.source]
    quiet = [n for n in result.no_effect if "reward_terms" in n.source]
    return reward, quiet


def test_a_reward_sum_written_only_to_summaries_is_not_a_reward_term():
    reward, quiet = _reward_findings("_write_rewards_summary")
    assert reward == [], [f.title for f in reward]
    assert quiet and "logging" in quiet[0].reason


def test_the_same_accumulator_in_a_function_not_named_for_summaries_keeps_its_severity():
    reward, _ = _reward_findings("_accumulate_rewards")
    assert reward and reward[0].severity.value == "critical"


TRAIN_RETURN = """
    def write_summary(writer, rewards, gamma):
        episode_return = 0.0
        for r in reversed(rewards):
            episode_return = r * {scale} + gamma * episode_return
        writer.add_scalar("return", episode_return)
        return episode_return


    def train(policy, optimizer, writer, batch, gamma):
        ret = write_summary(writer, batch.rewards, gamma)
        loss = -(policy.log_prob(batch.actions) * ret).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


    if __name__ == "__main__":
        train(POLICY, OPTIMIZER, WRITER, BATCH, 0.99)
"""


def test_a_summary_function_whose_return_feeds_the_loss_stays_on_the_flow():
    result = flow_result({"t.py": TRAIN_RETURN.replace("{scale}", "1.0")},
                         {"t.py": TRAIN_RETURN.replace("{scale}", "0.1")})
    assert [f for f in result.findings if f.severity.value in ("critical", "significant")], \
        "the returned sum is the loss's return: on the flow"


VALIDATION = """
    import torch


    def run_validation(model, loader):
        total = 0.0
        with torch.no_grad():
            for x, y in loader:
                total += ((model(x) - y) ** 2).mean().item(){scale}
        print("val", total)
        return total


    def fit(model, optimizer, scheduler, train_loader, val_loader):
        for x, y in train_loader:
            loss = ((model(x) - y) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        val_loss = run_validation(model, val_loader)
        {use}


    if __name__ == "__main__":
        fit(MODEL, OPTIMIZER, None, TRAIN_LOADER, VAL_LOADER)
"""


def _validation(scale: str, use: str) -> str:
    return VALIDATION.replace("{scale}", scale).replace("{use}", use)


def test_a_validation_metric_only_printed_is_no_effect():
    use = "print(val_loss)"
    result = flow_result({"t.py": _validation("", use)}, {"t.py": _validation(" * 2", use)})
    assert [f for f in result.findings if f.severity.value in ("critical", "significant")] == []


def test_a_validation_result_that_sets_the_learning_rate_stays_on_the_flow():
    use = "optimizer.param_groups[0]['lr'] = 1e-3 * (0.5 if val_loss > 1 else 1.0)"
    result = flow_result({"t.py": _validation("", use)}, {"t.py": _validation(" * 2", use)})
    assert [f for f in result.findings if f.severity.value in ("critical", "significant")], \
        "the validation loss decides the learning rate: on the flow"


ENVS = """
    import gym


    def create_env(n_envs, eval_env=False):
        return gym.vector.make("CartPole-v1", num_envs=n_envs)


    def main(model, n_train):
        {line}
        obs = env.reset()
        for _ in range(100):
            action = model.act(obs)
            obs, reward, done, info = env.step(action)
            model.learn(obs, reward, done)
        score = evaluate(model, eval_env)
        print(score)


    def evaluate(model, env):
        obs = env.reset()
        total = 0.0
        for _ in range(10):
            obs, reward, done, info = env.step(model.act(obs))
            total += reward
        return total


    if __name__ == "__main__":
        main(MODEL, 8)
"""


def test_an_evaluation_env_count_change_is_no_effect_and_the_training_env_count_is_not():
    base = ENVS.replace("{line}", "env = create_env(n_train)\n        eval_env = create_env(4, eval_env=True)")
    cand = ENVS.replace("{line}", "env = create_env(n_train)\n        eval_env = create_env(1, eval_env=True)")
    result = flow_result({"t.py": base}, {"t.py": cand})
    assert [f for f in result.findings if f.severity.value in ("critical", "significant")] == []
    base = ENVS.replace("{line}", "env = create_env(4)\n        eval_env = create_env(4, eval_env=True)")
    cand = ENVS.replace("{line}", "env = create_env(1)\n        eval_env = create_env(4, eval_env=True)")
    result = flow_result({"t.py": base}, {"t.py": cand})
    assert [f for f in result.findings if f.severity.value in ("critical", "significant")]
