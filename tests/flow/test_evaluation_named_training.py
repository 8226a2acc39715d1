"""Code named like evaluation that really serves training.

Real shapes: agent-lightning 087c7d35..68a47d50 contrib/recipes/search_r1/qa_em.py:78 (the Search-R1 EM reward,
scored through a function called `eval` whose result `SearchR1Agent.rollout` returns to the trainer as the reward)
and lerobot 59ab2862..e6f95674 src/lerobot/datasets/factory.py:258 (`make_train_eval_datasets` builds the train
dataset too; a `continue` added in the loop that stores the ImageNet stats into both datasets). Both were filed
"reaches only evaluation-only code". Truly evaluation-only code (a score only printed or logged, handed to no
trainer) stays no effect."""

from __future__ import annotations

from tests.flow.support import flow_result

QA = """
import re


def extract_solution(solution_str):
    matches = list(re.finditer(r"<answer>(.*?)</answer>", solution_str))
    if len(matches) <= 1:
        return None
    return matches[-1].group(1).strip()


def compute_score_em(solution_str, ground_truth, format_score=0.0, score=1.0):
    answer = extract_solution(solution_str=solution_str)
    if answer is None:
        return 0.0
    if answer == ground_truth:
        return score
    return format_score


def compute_score_subem(solution_str, ground_truth, format_score=0.0, score=1.0):
    answer = extract_solution(solution_str=solution_str)
    if answer is None:
        return 0.0
    if answer in ground_truth:
        return score
    return format_score
"""
AGENT = """
from qa_em import compute_score_em
from agentlightning import LitAgent, Trainer


def {scorer}(prediction, ground_truth):
    reward_score = float(compute_score_em(prediction, ground_truth))
    print(f"pred: {prediction} res: {reward_score}")
    return reward_score


class SearchAgent(LitAgent):
    def {entry}(self, task, resources, rollout):
        content = call_llm(task["question"])
        reward_score = {scorer}(content, task["answer"])
        logger.info("reward %s", reward_score)
        return {returned}


if __name__ == "__main__":
    Trainer(n_workers=1).fit(SearchAgent(), DATA)
"""


def _scored(entry: str = "rollout", returned: str = "reward_score", scorer: str = "eval"):
    agent = AGENT.replace("{entry}", entry).replace("{returned}", returned).replace("{scorer}", scorer)
    base = {"qa_em.py": QA, "agent.py": agent}
    cand = dict(base, **{"qa_em.py": QA.replace("<= 1", "== 0")})
    return flow_result(base, cand)


def test_a_score_named_eval_that_a_rollout_hands_to_the_trainer_is_not_evaluation_only():
    result = _scored()
    assert not [n for n in result.no_effect if "evaluation-only" in n.reason], [n.reason for n in result.no_effect]
    assert result.findings and "extract_solution" in result.findings[0].title


def test_a_score_named_eval_only_printed_or_handed_up_by_no_rollout_stays_evaluation_only():
    # an evaluation rollout (slime fb393e59..41014d1f `eval_rollout`, handed back by the shared
    # `generate_rollout`) hands back evaluation output
    for entry, returned, scorer in (("rollout", "content", "eval"), ("run_benchmark", "reward_score", "eval"),
                                    ("rollout", "reward_score", "eval_rollout")):
        result = _scored(entry, returned, scorer)
        assert not result.findings, (entry, [f.title for f in result.findings])
        assert [n for n in result.no_effect if "evaluation-only" in n.reason], (entry, result.no_effect)


FACTORY = """
import torch
from lib import LeRobotDataset, IMAGENET_STATS


def {name}(cfg):
    train_dataset = LeRobotDataset(cfg.repo_id, episodes=cfg.train_episodes)
    eval_dataset = LeRobotDataset(cfg.repo_id, episodes=cfg.eval_episodes)
    if cfg.use_imagenet_stats:
        for ds in (train_dataset, eval_dataset):
            for key in ds.meta.camera_keys:
                {skip}
                for stats_type, stats in IMAGENET_STATS.items():
                    ds.meta.stats[key][stats_type] = torch.tensor(stats)
    return train_dataset, eval_dataset
"""
TRAIN = """
import torch
from factory import {name}


def train(cfg, policy, optimizer):
    train_dataset, eval_dataset = {name}(cfg)
    loader = torch.utils.data.DataLoader(train_dataset, batch_size=cfg.batch_size)
    for batch in loader:
        loss = policy.forward(batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if eval_dataset is not None:
        print(len(eval_dataset))


def {evaluate}(cfg, policy):
    _, eval_dataset = {name}(cfg)
    for key in eval_dataset.meta.camera_keys:
        {eval_skip}
        print(key, policy.score(eval_dataset, key))


if __name__ == "__main__":
    train(CFG, POLICY, OPT)
    {evaluate}(CFG, POLICY)
"""
SKIP = "if key in ds.meta.depth_keys:\n                    continue"


def _datasets(name: str, skip: tuple[str, str] = ("pass", SKIP), eval_skip: tuple[str, str] = ("pass", "pass"),
              evaluate: str = "evaluate"):
    def files(k: int) -> dict[str, str]:
        return {"factory.py": FACTORY.replace("{name}", name).replace("{skip}", skip[k]),
                "train.py": TRAIN.replace("{name}", name).replace("{evaluate}", evaluate)
                .replace("{eval_skip}", eval_skip[k])}
    return flow_result(files(0), files(1))


def test_a_function_named_for_train_and_eval_datasets_is_training_code():
    for name in ("make_train_eval_datasets", "make_datasets"):
        result = _datasets(name)
        assert [f for f in result.findings if f.severity.value == "significant"], \
            (name, [n.reason for n in result.no_effect])


def test_a_continue_added_in_an_evaluation_loop_stays_evaluation_only():
    skip = "if key in eval_dataset.meta.depth_keys:\n            continue"
    result = _datasets("make_train_eval_datasets", skip=("pass", "pass"), eval_skip=("pass", skip))
    assert not result.findings, [f.title for f in result.findings]
    assert [n for n in result.no_effect if "evaluation-only" in n.reason], result.no_effect


def test_a_continue_under_a_type_check_does_not_reach_the_rest_of_the_loop():
    """diffusion_policy 27395b75..5ba07ac6 common/replay_buffer.py:161: `if isinstance(value, zarr.Group):
    continue` before `value.shape` skips what the body could not read; a membership test (`depth_keys`) is on."""
    type_skip = "if isinstance(ds, str):\n                    continue"
    result = _datasets("make_datasets", skip=("pass", type_skip))
    assert not [f for f in result.findings if f.severity.value == "significant"], [f.title for f in result.findings]
