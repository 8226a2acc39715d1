"""Static detection of a Stable-Baselines3-style algorithm, and what it makes possible without an
adapter. The shapes reproduce real projects: an SB3 training script, an rl-zoo-style `**hyperparams`
splat, a project extending PPO in its own module, an off-policy SAC, an evaluation script that only
loads a model, a custom loop that borrows SB3's vector env, SB3 named only in prose."""

from __future__ import annotations

from investigator.probes.sb3_capabilities import SPEC_KEY, auto_functions, capabilities
from investigator.probes.sb3_detect import detect, detect_with_notes
from investigator.probes.setup import SideSource, build_setup

TRAIN = '''\
import gymnasium as gym
from stable_baselines3 import PPO
from stable_baselines3.common.env_util import make_vec_env

LR = 3e-4

def linear(start):
    def schedule(progress_remaining):
        return progress_remaining * start
    return schedule

def main():
    env = make_vec_env("CartPole-v1", n_envs=4)
    model = PPO("MlpPolicy", env, learning_rate=linear(LR), gae_lambda=0.9,
                policy_kwargs=dict(net_arch=[64, 64]))
    model.learn(total_timesteps=TOTAL)

TOTAL = 100_000
if __name__ == "__main__":
    main()
'''
ZOO = '''\
import yaml
import gymnasium as gym
from stable_baselines3 import PPO

hyperparams = yaml.safe_load(open("ppo.yml"))
model = PPO("MlpPolicy", gym.make("CartPole-v1"), **hyperparams)
model.learn(10_000)
'''
SUBCLASS = '''\
from stable_baselines3 import PPO


class ClippedPPO(PPO):
    def train(self):
        super().train()
'''
USES_SUBCLASS = '''\
import gymnasium as gym
from algos.clipped import ClippedPPO

model = ClippedPPO("MlpPolicy", "Pendulum-v1", n_steps=256)
model.learn(total_timesteps=50_000)
'''
SAC_SCRIPT = '''\
from stable_baselines3 import SAC

model = SAC("MlpPolicy", "Pendulum-v1", learning_rate=1e-3)
model.learn(20_000)
'''
EVAL_ONLY = '''\
from stable_baselines3 import PPO
from stable_baselines3.common.evaluation import evaluate_policy

model = PPO.load("ppo_cartpole.zip")
print(evaluate_policy(model, model.get_env()))
'''
CUSTOM_LOOP = '''\
"""Our own PPO; an earlier version used stable_baselines3.PPO("MlpPolicy", env)."""
import torch
from stable_baselines3.common.vec_env import DummyVecEnv  # only the vector env
from stable_baselines3.common.buffers import RolloutBuffer

# model = PPO("MlpPolicy", env)  -- kept for reference
envs = DummyVecEnv([make_env])
'''
DISPATCH = '''\
from stable_baselines3 import PPO, SAC

def build(algo, env):
    if algo == "ppo":
        return PPO("MlpPolicy", env)
    return SAC("MlpPolicy", env)
'''
IN_SCRIPT_CLASS = '''\
from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm

class MyAlgo(OnPolicyAlgorithm):
    pass

model = MyAlgo("MlpPolicy", "CartPole-v1", learning_rate=1e-3, n_steps=8, gamma=0.99, gae_lambda=0.95)
model.learn(1000)
'''


def _detect(files: dict[str, str], entries: list[str] | None = None):  # type: ignore[no-untyped-def]
    return detect(list(files), files.get, entries)


def test_a_training_script_records_class_arguments_env_and_budget() -> None:
    d = _detect({"train.py": TRAIN, "README.md": "uses stable_baselines3"})
    assert d is not None and d.cls == "PPO" and d.where == "train.py:14" and d.info.kind == "on_policy"
    assert d.policy == {"literal": "MlpPolicy"} and d.total_timesteps == 100_000 and not d.unrecorded
    assert d.env == {"call": {"import": "stable_baselines3.common.env_util:make_vec_env"},
                     "args": [{"literal": "CartPole-v1"}], "kwargs": {"n_envs": {"literal": 4}}}
    assert d.kwargs["policy_kwargs"] == {"literal": {"net_arch": [64, 64]}}
    assert d.kwargs["learning_rate"] == {"call": {"function": "train.py:linear"}, "args": [{"literal": 3e-4}], "kwargs": {}}
    possible, why = capabilities(d)
    assert set(possible) == {"make_agent", "make_optimizer", "lr_at", "make_env", "compute_advantages",
                             "save_checkpoint", "load_checkpoint", "update_step", "train_agent"} and not why
    auto, _ = auto_functions(d)
    assert auto["make_agent"] == "@sb3_adapter:make_agent" and '"buildable": true' in auto[SPEC_KEY]


def test_a_splat_of_unknown_hyperparameters_builds_nothing_and_says_why() -> None:
    d = _detect({"train.py": ZOO})
    assert d is not None and d.unrecorded == ["**hyperparams"] and d.total_timesteps == 10_000
    possible, why = capabilities(d)
    assert possible == ["make_env", "compute_advantages"]  # the buffer's GAE and the env need no constructor args
    assert "**hyperparams" in why["make_agent"] and "class defaults" in why["lr_at"]


def test_a_project_class_extending_ppo_in_its_own_module() -> None:
    d = _detect({"algos/clipped.py": SUBCLASS, "run.py": USES_SUBCLASS, "algos/__init__.py": ""})
    assert d is not None and d.cls == "ClippedPPO" and d.cls_spec == {"import": "algos.clipped:ClippedPPO"}
    assert d.info.kind == "on_policy" and d.where == "run.py:4" and d.env == {"literal": "Pendulum-v1"}
    alone, _ = detect_with_notes(["algos/clipped.py"], {"algos/clipped.py": SUBCLASS}.get)
    assert alone is not None and not alone.instantiated and alone.where == "algos/clipped.py:4"
    possible, why = capabilities(alone)
    assert possible == ["compute_advantages"] and "no call building ClippedPPO" in why["make_agent"]


def test_off_policy_has_no_gae_and_sac_no_single_optimizer() -> None:
    d = _detect({"train_sac.py": SAC_SCRIPT})
    assert d is not None and d.info.kind == "off_policy"
    possible, why = capabilities(d)
    assert "lr_at" in possible and "update_step" in possible and "make_agent" in possible
    assert "replay buffer" in why["compute_advantages"] and "one optimizer per network" in why["make_optimizer"]
    assert "state-value" in why["train_agent"]


def test_sb3_used_for_a_utility_or_named_in_prose_is_not_the_training_algorithm() -> None:
    assert _detect({"evaluate.py": EVAL_ONLY}) is None  # PPO.load: no policy and env
    assert _detect({"ppo.py": CUSTOM_LOOP}) is None  # DummyVecEnv, RolloutBuffer; PPO only in a comment and docstring
    assert _detect({"train.py": "# trained like stable_baselines3.PPO('MlpPolicy', env)\nimport torch\n",
                    "docs/usage.md": "model = PPO('MlpPolicy', env)"}) is None
    assert _detect({"tests/test_train.py": TRAIN}) is None  # a test file is not the project's training


def test_several_instantiations_are_ambiguous_unless_an_entry_chooses() -> None:
    d, notes = detect_with_notes(["algos.py"], {"algos.py": DISPATCH}.get)
    assert d is None and "PPO at algos.py:5" in notes[0] and "SAC at algos.py:6" in notes[0]
    files = {"train.py": TRAIN, "train_sac.py": SAC_SCRIPT}
    assert _detect(files) is None
    chosen = _detect(files, ["train_sac.py"])
    assert chosen is not None and chosen.cls == "SAC"


def test_a_class_defined_in_the_running_script_is_not_rebuilt() -> None:
    d = _detect({"main.py": IN_SCRIPT_CLASS})
    assert d is not None and d.cls == "MyAlgo" and d.cls_spec is None
    possible, why = capabilities(d)
    assert "cannot be imported without running it" in why["make_agent"] and "compute_advantages" in possible


def _source(files: dict[str, str]) -> SideSource:
    return SideSource(read=files.get, paths=lambda: sorted(files))


def test_setup_serves_sb3_functions_and_a_user_adapter_wins() -> None:
    files = {"train.py": TRAIN}
    built = build_setup({"baseline": _source(files), "candidate": _source(files)}, adapter=None, command=None, seeds=1, steps=None)
    assert built.setup.has_everywhere(["make_agent", "compute_advantages", "lr_at"])
    assert "@sb3_adapter" not in built.setup.auto_functions["baseline"] and built.library["candidate"].cls == "PPO"
    assert not any("found without an adapter" in n for n in built.notes)  # the SB3 note says it (probing.library_notes)
    with_adapter = {**files, "investigator_adapter.py": "def make_env(seed):\n    return None\n"}
    built = build_setup({"baseline": _source(files), "candidate": _source(with_adapter)}, adapter=None, command=None,
                        seeds=1, steps=None)
    assert not built.library and not built.setup.has("baseline", "make_agent") and not built.setup.has("candidate", "make_agent")
    assert any("not used: the adapter wins" in n for n in built.notes)


def test_an_instantiation_the_entry_script_does_not_reach_is_a_side_demo() -> None:
    own_loop = "import torch\nfrom mylib.trainer import train\n\ntrain()\n"
    files = {"train.py": own_loop, "examples/sb3_demo.py": SAC_SCRIPT, "mylib/trainer.py": "def train():\n    pass\n"}
    d, notes = detect_with_notes(list(files), files.get, ["train.py"])
    assert d is None and "SAC at examples/sb3_demo.py:3" in notes[0] and "entries: train.py" in notes[0]
    reached = {**files, "train.py": "from examples import sb3_demo\n"}
    d, _ = detect_with_notes(list(reached), reached.get, ["train.py"])
    assert d is not None and d.cls == "SAC"  # the entry imports the module that builds it
    d, _ = detect_with_notes(list(files), files.get, ["main.py"])  # no entry script at this commit: any one instantiation
    assert d is not None and d.where == "examples/sb3_demo.py:3"


def test_a_gradient_free_sb3_contrib_class_offers_only_what_it_has() -> None:
    d = _detect({"train.py": 'from sb3_contrib import ARS\n\nARS("LinearPolicy", "Pendulum-v1").learn(10_000)\n'})
    assert d is not None and d.cls == "ARS" and d.info.kind == "other"
    possible, why = capabilities(d)
    assert possible == ["make_agent", "make_env", "load_checkpoint", "save_checkpoint"]
    assert "not gradient-based" not in why["lr_at"] and "no learning-rate schedule" in why["lr_at"]
    assert "not an actor-critic" in why["compute_advantages"]
