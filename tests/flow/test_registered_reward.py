"""A reward function handed to a framework's reward registration is on the training flow (flow/registered.py).

Real shape: verifiers 0305d0a8..39f0675a, environments/reasoning_gym_env/reasoning_gym_env.py:33: the reward
function's `self.rg_dataset[answer]` -> `self.rg_dataset[int(answer)]`, registered with
`rubric.add_reward_func(check_answer_reward_func)`, was a low "reward path" item; TRL's `GRPOTrainer(reward_funcs=[...])`
takes its rewards the same way.
"""

from __future__ import annotations

from tests.flow.support import flow_result

RUBRIC_ENV = '''
class Rubric:
    def __init__(self):
        self.funcs = []

    def {register}(self, f, weight=1.0):
        self.funcs.append((f, weight))


class GymEnv:
    def __init__(self, dataset):
        self.dataset = dataset
        rubric = Rubric()

        def check_answer_reward_func(completion, answer, **kwargs):
            entry = self.dataset[answer]
            return float(entry == completion)

        rubric.{register}(check_answer_reward_func)
        self.rubric = rubric
'''

TRL_SCRIPT = '''
from trl import GRPOTrainer


def accuracy_reward(completions, solution, **kwargs):
    rewards = []
    for completion, sol in zip(completions, solution):
        rewards.append(float(completion.strip() == sol))
    return rewards


def main(model, dataset):
    trainer = GRPOTrainer(model=model, {keyword}=[accuracy_reward], train_dataset=dataset)
    trainer.train()
'''


def _reward_findings(base: str, cand: str, name: str):
    result = flow_result({"envs/env.py": base}, {"envs/env.py": cand})
    return [f for f in result.findings if name in f.title]


def test_reward_function_registered_by_a_reward_named_call_is_significant() -> None:
    base = RUBRIC_ENV.format(register="add_reward_func")
    found = _reward_findings(base, base.replace("self.dataset[answer]", "self.dataset[int(answer)]"),
                             "check_answer_reward_func")
    assert found and found[0].severity.value == "significant", [(f.title, f.severity) for f in found]
    assert "registers" in found[0].rationale and "add_reward_func" in found[0].rationale


def test_function_handed_to_a_call_named_for_nothing_stays_low() -> None:
    base = RUBRIC_ENV.format(register="add_func")
    found = _reward_findings(base, base.replace("self.dataset[answer]", "self.dataset[int(answer)]"),
                             "check_answer_reward_func")
    assert found and found[0].severity.value == "low", [(f.title, f.severity) for f in found]


def test_reward_function_in_a_trainers_reward_keyword_is_significant() -> None:
    base = TRL_SCRIPT.format(keyword="reward_funcs")
    found = _reward_findings(base, base.replace("completion.strip() == sol", "completion == sol"), "accuracy_reward")
    assert found and found[0].severity.value == "significant", [(f.title, f.severity) for f in found]


def test_reward_named_function_handed_to_another_keyword_stays_low() -> None:
    base = TRL_SCRIPT.format(keyword="callbacks")
    found = _reward_findings(base, base.replace("completion.strip() == sol", "completion == sol"), "accuracy_reward")
    assert all(f.severity.value == "low" for f in found), [(f.title, f.severity) for f in found]
