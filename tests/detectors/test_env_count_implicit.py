"""A literal list of one environment and a comprehension over a count option equal to one are the same count.

Real shape (cleanrl e421c2e5..9d709007): SAC/TD3 gained `num_envs: int = 1`, `SyncVectorEnv([make_env(...)])` became
`SyncVectorEnv([make_env(...) for i in range(args.num_envs)])` and the replay buffer gained
`n_envs=args.num_envs`: "Environment/worker count computation changed" (significant), with a rationale citing a
GPU-memory heuristic the code does not have. Negatives: a count of two, a buffer told another count."""

from __future__ import annotations

from investigator.detectors.rules.env_count import EnvCountDetector
from tests.detectors.helpers import run_on

SCRIPT = """
from dataclasses import dataclass

import gymnasium as gym


@dataclass
class Args:
    seed: int = 1
{field}

args = Args()
envs = gym.vector.SyncVectorEnv({envs})
rb = ReplayBuffer(100, envs.single_observation_space, envs.single_action_space{kw})
"""
ONE = "[make_env(args.seed, 0)]"
MANY = "[make_env(args.seed + i, i) for i in range(args.num_envs)]"


def _titles(base: str, cand: str) -> list[str]:
    return [f.title for f in run_on({"sac.py": base}, {"sac.py": cand}, only={"env_count"}).findings]


def test_one_listed_environment_is_a_count_option_of_one() -> None:
    base = SCRIPT.format(field="", envs=ONE, kw="")
    cand = SCRIPT.format(field="    num_envs: int = 1", envs=MANY, kw=", n_envs=args.num_envs")
    assert _titles(base, cand) == []


def test_a_count_option_of_two_is_a_change() -> None:
    base = SCRIPT.format(field="", envs=ONE, kw="")
    cand = SCRIPT.format(field="    num_envs: int = 2", envs=MANY, kw=", n_envs=args.num_envs")
    assert _titles(base, cand)


def test_a_buffer_told_another_count_is_a_change() -> None:
    base = SCRIPT.format(field="", envs=ONE, kw="")
    cand = SCRIPT.format(field="    num_envs: int = 1", envs=MANY, kw=", n_envs=4")
    assert _titles(base, cand)


def test_the_rationale_names_no_heuristic_the_code_does_not_have() -> None:
    assert "gpu_memory_gb" not in EnvCountDetector.meta.rationale


def test_a_list_of_sizes_handed_to_a_vector_named_factory_is_no_environment_count() -> None:
    """d3rlpy: `VectorEncoderFactory([750, 750])` (hidden layer sizes) replacing a keyword form is no count."""
    base = "from d3rlpy.models import VectorEncoderFactory\n\nenc = VectorEncoderFactory(hidden_units=[400, 300])\n"
    cand = "from d3rlpy.models import VectorEncoderFactory\n\nenc = VectorEncoderFactory([750, 750])\n"
    assert _titles(base, cand) == []
