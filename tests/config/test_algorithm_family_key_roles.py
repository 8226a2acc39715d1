"""Key roles of the algorithm families beyond PPO (issue 11, configuration side).

A retune of a learning quantity of off-policy value learning (target network, n-step, exploration,
update-to-data ratio, TD3 smoothing, SAC temperature), of environment preprocessing (frame skip, no-op
starts, sticky actions, image size, reward transform, task), of a model-based actor-critic (sequence
length, imagination horizon, KL scales, model sizes, actor entropy and gradient estimator) or of RLHF
(KL penalty, group size, response length, clip range) read as `low`, "no playbook rule covers this
key", and ranked below noise. Each family is a generated repository whose training script loads a YAML
configuration the way the real ones do (the real commits are named beside each rule in playbooks/).

Real shapes: softlearning 78f215c (`tau` 1e-4 -> 5e-3), JORLDY 6b14088 (`target_update_period`,
`epsilon_min`), JORLDY 6a24a21 (`n_step` 8 -> 1), LightZero 8a142a99 (`replay_ratio`, `frame_skip`),
dreamerv2 6124db4 (`train_every`, `actor_ent`, `actor_grad`), dreamerv3-torch f96ad07 (`units`),
trlx ff0d077 (`init_kl_coef`), tdmpc2 fabf01a (`task`). Negatives: the same leaves in an evaluation
section (OpenRLHF train_ppo_ray.py `--eval.n_samples_per_prompt`, `--eval.temperature`), evaluation
spellings (`eval_epsilon`, `eval_noise`), a bare `size` outside an environment section, Adam's `beta`,
and unchanged keys.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from investigator.models import AnalyzerResult
from investigator.playbooks_lib import load_playbooks
from tests.config.conftest import analyse
from tests.support.gitrepo import commit_files


def _reads(tree: dict, prefix: str = "cfg") -> list[str]:
    """Python expressions reading every leaf of a nested configuration."""
    out: list[str] = []
    for key, value in tree.items():
        here = f"{prefix}[{key!r}]"
        out += _reads(value, here) if isinstance(value, dict) else [here]
    return out


def _train(tree: dict) -> str:
    reads = ",\n        ".join(_reads(tree))
    return (
        "import yaml\n\n\n"
        "def main():\n"
        "    with open('config.yaml') as f:\n"
        "        cfg = yaml.safe_load(f)\n"
        "    learn(\n"
        f"        {reads},\n"
        "    )\n\n\n"
        "def learn(*values):\n"
        "    return values\n\n\n"
        "if __name__ == '__main__':\n"
        "    main()\n"
    )


def _set(tree: dict, dotted: str, value: object) -> dict:
    out = yaml.safe_load(yaml.safe_dump(tree))
    node = out
    *parents, leaf = dotted.split(".")
    for part in parents:
        node = node[part]
    node[leaf] = value
    return out


def _run(tmp_path: Path, tree: dict, changes: dict[str, object]) -> dict[str, tuple[str, list[str]]]:
    """Findings by key path (as the title names it) after retuning `changes` in `tree`."""
    cand = tree
    for dotted, value in changes.items():
        cand = _set(cand, dotted, value)
    repo = tmp_path / "repo"
    b = commit_files(repo, {"train.py": _train(tree), "config.yaml": yaml.safe_dump(tree)}, "baseline")
    c = commit_files(repo, {"config.yaml": yaml.safe_dump(cand)}, "candidate")
    result: AnalyzerResult = analyse(repo, b, c, tmp_path / "out")
    found: dict[str, tuple[str, list[str]]] = {}
    for f in result.findings:
        for dotted in changes:
            if f"`{dotted}`" in f.title:
                found[dotted] = (f.severity.value, f.hypotheses)
    return found


OFF_POLICY = {
    "algo": "dqn",
    "gamma": 0.99,
    "tau": 0.005,
    "target_update_period": 1000,
    "n_step": 3,
    "epsilon_min": 0.1,
    "eps_decay": 0.995,
    "exploration_fraction": 0.1,
    "train_freq": 4,
    "gradient_steps": 1,
    "policy_noise": 0.2,
    "noise_clip": 0.5,
    "policy_freq": 2,
    "alpha": 0.2,
    "target_entropy": "auto",
    "num_atoms": 51,
    "eval_epsilon": 0.05,
    "replay": {"alpha": 0.6, "capacity": 100000},
    "evaluation": {"epsilon_min": 0.0, "noise_clip": 0.0},
    "optim": {"beta": 0.9},
}


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("tau", 0.0001, ("significant", ["ppo.target_network_changed"])),
    ("target_update_period", 500, ("significant", ["ppo.target_network_changed"])),
    ("n_step", 1, ("critical", ["ppo.bootstrap_target_changed"])),
    ("epsilon_min", 0.01, ("significant", ["ppo.exploration_changed"])),
    ("eps_decay", 0.999, ("significant", ["ppo.exploration_changed"])),
    ("exploration_fraction", 0.5, ("significant", ["ppo.exploration_changed"])),
    ("train_freq", 1, ("significant", ["trainer.update_ratio_changed"])),
    ("gradient_steps", 4, ("significant", ["trainer.update_ratio_changed"])),
    ("policy_noise", 0.4, ("significant", ["ppo.bootstrap_target_changed"])),
    ("policy_freq", 1, ("significant", ["trainer.update_ratio_changed"])),
    ("alpha", 0.05, ("significant", ["ppo.entropy_temperature_changed"])),
    ("target_entropy", -2.0, ("significant", ["ppo.entropy_temperature_changed"])),
    ("num_atoms", 21, ("significant", ["architecture.layer_sizes_changed"])),
    ("replay.alpha", 0.4, ("significant", ["buffers.sampling_changed"])),  # a replay section's alpha: PER
])
def test_an_off_policy_retune_is_a_learning_change(tmp_path: Path, key: str, value: object,
                                                    expected: tuple[str, list[str]]) -> None:
    assert _run(tmp_path, OFF_POLICY, {key: value}) == {key: expected}


@pytest.mark.parametrize("key", ["eval_epsilon", "evaluation.epsilon_min", "evaluation.noise_clip"])
def test_an_evaluation_setting_of_an_off_policy_run_stays_low(tmp_path: Path, key: str) -> None:
    found = _run(tmp_path, OFF_POLICY, {key: 0.2})
    assert found.get(key, ("low", []))[0] == "low", found


def test_unchanged_off_policy_keys_are_no_finding(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    b = commit_files(repo, {"train.py": _train(OFF_POLICY), "config.yaml": yaml.safe_dump(OFF_POLICY)}, "baseline")
    c = commit_files(repo, {"config.yaml": yaml.safe_dump(OFF_POLICY) + "\n# retuned nothing\n"}, "candidate")
    assert not analyse(repo, b, c, tmp_path / "out").findings


ENV = {
    "task": "dog-run",
    "frame_skip": 4,
    "noop_max": 30,
    "sticky_actions": True,
    "grayscale": True,
    "image_size": 84,
    "clip_rewards": "tanh",
    "env": {"atari": {"size": [64, 64], "repeat": 4}},
    "video": {"size": [256, 256]},
    "size": 3,
}


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("frame_skip", 2, ("significant", ["env.preprocessing_changed"])),
    ("noop_max", 0, ("significant", ["env.preprocessing_changed"])),
    ("sticky_actions", False, ("significant", ["env.preprocessing_changed"])),
    ("grayscale", False, ("significant", ["env.preprocessing_changed"])),
    ("image_size", 64, ("significant", ["env.preprocessing_changed"])),
    ("env.atari.size", [96, 96], ("significant", ["env.preprocessing_changed"])),
    ("env.atari.repeat", 1, ("significant", ["env.preprocessing_changed"])),
    ("clip_rewards", "identity", ("significant", ["normalization.reward_normalisation_changed"])),
    ("task", "cartpole-balance-sparse", ("significant", ["env.env_composition_changed"])),
])
def test_an_environment_preprocessing_retune_is_a_learning_change(tmp_path: Path, key: str, value: object,
                                                                   expected: tuple[str, list[str]]) -> None:
    assert _run(tmp_path, ENV, {key: value}) == {key: expected}


@pytest.mark.parametrize(("key", "value"), [("video.size", [512, 512]), ("size", 5)])
def test_a_bare_size_outside_an_environment_section_stays_low(tmp_path: Path, key: str, value: object) -> None:
    found = _run(tmp_path, ENV, {key: value})
    assert found.get(key, ("low", []))[0] == "low", found


DREAMER = {
    "dataset": {"batch": 50, "length": 50},
    "batch_length": 64,
    "train_every": 16,
    "imag_horizon": 15,
    "actor_ent": 3e-3,
    "actor_grad": "reinforce",
    "rssm": {"deter": 600, "stoch": 32},
    "actor": {"units": 400, "layers": 4},
    "loss_scales": {"kl": 1.0},
    "kl": {"free": 0.0, "balance": 0.8},
    "expl_noise": 0.0,
    "eval_noise": 0.0,
    "log_every": 10000,
}


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("dataset.batch", 16, ("significant", ["trainer.batch_arithmetic_changed"])),
    ("batch_length", 50, ("significant", ["buffers.segmentation_changed"])),
    ("train_every", 5, ("significant", ["trainer.update_ratio_changed"])),
    ("imag_horizon", 10, ("significant", ["ppo.returns_target_changed"])),
    ("actor_ent", 2e-3, ("critical", ["ppo.entropy_changed"])),
    ("actor_grad", "both", ("significant", ["ppo.policy_gradient_estimator_changed"])),
    ("rssm.deter", 1024, ("significant", ["architecture.layer_sizes_changed"])),
    ("actor.units", 512, ("significant", ["architecture.layer_sizes_changed"])),
    ("loss_scales.kl", 0.1, ("significant", ["ppo.loss_weight_changed"])),
    ("kl.free", 1.0, ("significant", ["ppo.loss_weight_changed"])),
    ("expl_noise", 0.3, ("significant", ["ppo.exploration_changed"])),
])
def test_a_model_based_retune_is_a_learning_change(tmp_path: Path, key: str, value: object,
                                                    expected: tuple[str, list[str]]) -> None:
    assert _run(tmp_path, DREAMER, {key: value}) == {key: expected}


@pytest.mark.parametrize(("key", "value"), [("eval_noise", 0.1), ("log_every", 5000)])
def test_an_evaluation_or_logging_setting_of_a_model_based_run_stays_low(tmp_path: Path, key: str,
                                                                         value: object) -> None:
    found = _run(tmp_path, DREAMER, {key: value})
    assert found.get(key, ("low", []))[0] == "low", found


RLHF = {
    "init_kl_coef": 0.2,
    "ref_model": "sft-model",
    "cliprange": 0.2,
    "cliprange_value": 0.2,
    "num_generations": 8,
    "rollout": {"max_new_tokens": 512, "n_samples_per_prompt": 4},
    "eval": {"temperature": 0.6, "n_samples_per_prompt": 4, "max_new_tokens": 1024},
    "optimizer": {"beta": 0.9},
    "data": {"num_train_samples": 2, "num_evaluation_samples": 0, "num_eval_prompts": 8},
}


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("init_kl_coef", 0.05, ("critical", ["ppo.kl_penalty_changed"])),
    ("cliprange", 0.1, ("critical", ["ppo.clip_changed"])),
    ("cliprange_value", 0.5, ("significant", ["ppo.value_loss_changed"])),
    ("num_generations", 4, ("significant", ["trainer.batch_arithmetic_changed"])),
    ("rollout.max_new_tokens", 256, ("significant", ["env.episode_length_changed"])),
    ("rollout.n_samples_per_prompt", 8, ("significant", ["trainer.batch_arithmetic_changed"])),
    ("optimizer.beta", 0.95, ("significant", ["trainer.optimizer_changed"])),  # Adam's beta, not a KL beta
    # the KL / DPO anchor: Online-RLHF 523e31dd..c5f1d276 `ref_model` the SFT model -> the policy being trained
    ("ref_model", "policy-model", ("significant", ["ppo.kl_penalty_changed"])),
    # the training data's count beside the evaluation's (rl-swarm e1b2de80..22bb5475 data manager)
    ("data.num_train_samples", 4, ("significant", ["env.env_composition_changed"])),
])
def test_an_rlhf_retune_is_a_learning_change(tmp_path: Path, key: str, value: object,
                                              expected: tuple[str, list[str]]) -> None:
    assert _run(tmp_path, RLHF, {key: value}) == {key: expected}


@pytest.mark.parametrize(("key", "value"), [
    ("eval.temperature", 1.0), ("eval.n_samples_per_prompt", 16), ("eval.max_new_tokens", 256),
    # a key whose own name says evaluation, outside any evaluation section (severity.evaluation_leaf)
    ("data.num_evaluation_samples", 16), ("data.num_eval_prompts", 64)])
def test_an_rlhf_evaluation_setting_stays_low(tmp_path: Path, key: str, value: object) -> None:
    found = _run(tmp_path, RLHF, {key: value})
    assert found.get(key, ("low", []))[0] == "low", found


def test_the_ppo_rules_keep_their_role_beside_the_new_ones() -> None:
    """Appended rules never take a key from a PPO rule, and the ambiguous names resolve as documented."""
    playbooks = load_playbooks()

    def role(key: str) -> tuple[str, str | None, str] | None:
        hit = playbooks.config_rule_for(key)
        return (hit[0].subsystem, hit[1].hypothesis, hit[1].severity.value) if hit else None

    assert role("clip_coef") == ("ppo", "clip_changed", "critical")
    assert role("ent_coef") == ("ppo", "entropy_changed", "critical")  # not the generic `?*_coef`
    assert role("vf_coef") == ("ppo", "value_loss_changed", "critical")
    assert role("critic_coef") == ("ppo", "value_loss_changed", "significant")  # rl_games' value-loss weight
    assert role("termination_coef") == ("ppo", "loss_weight_changed", "significant")
    assert role("rssm.deter") == ("architecture", "layer_sizes_changed", "significant")
    assert role("agent.dyn.rssm.winit") == ("init", "init_scheme_changed", "significant")  # not a size
    assert role("alpha_init") == ("ppo", "entropy_temperature_changed", "significant")  # exact beats `?*_init`
    assert role("n_steps") == ("buffers", "buffer_size_changed", "critical")  # PPO's rollout length
    assert role("ref_model_name_or_path") == ("ppo", "kl_penalty_changed", "significant")
    assert role("ref_log_every") is None or role("ref_log_every")[1] != "kl_penalty_changed"  # exact names only
    assert role("epsilon_high") == ("ppo", "clip_changed", "critical")  # GRPO's clip, not exploration
    assert role("num_envs") == ("vecenv", "env_count_changed", "critical")
    assert role("eps") == ("trainer", "optimizer_changed", "significant")
    assert role("size") is None and role("temperature") is None  # too ambiguous alone
    assert role("eval_exploration_epsilon") is None and role("eval_noise") is None
