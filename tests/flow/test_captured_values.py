"""Values that other scopes read are effects: an enclosing local read by a nested function, a module-level
name read by the module's functions.

Real shapes (precision held-out 11, used by helper `misses`):
- bsuite 0.3.2..0.3.3 `bsuite/baselines/jax/boot_dqn/run.py:run` (and `agent.py:default_agent`): `prior_scale =
  3.` -> `5.` and `hidden_sizes = [64, 64]` -> `[50, 50]`, read only by the nested `def network(inputs)` handed to
  `BootstrappedDqn(network=network, ...)`; the statements were "Restructured code ... same effects".
- pytorch-rl b9b87d89..8f953c0a `utils/options.py`: the module-level `CONFIGS` table, read by `Params.__init__`,
  changed the row the default configuration selects; it was "Restructured code ... same effects" too.
Negatives: the same values written another way (`5.` / `5.0`, a named intermediate) stay restructured code.
"""

from __future__ import annotations

from tests.flow.support import flow_result

AGENT = '''
class Agent:
    def __init__(self, network, mask_prob):
        self._net = network
        self._mask_prob = mask_prob

    def select_action(self, obs):
        return self._net(obs).argmax()
'''
EXPERIMENT = '''
def run(agent, environment):
    ts = environment.reset()
    while True:
        action = agent.select_action(ts)
        ts = environment.step(action)
'''


def _run_py(scale: str, hidden: str) -> str:
    return f'''
import haiku as hk
from agent import Agent
import experiment


def run(env):
    prior_scale = {scale}
    hidden_sizes = {hidden}

    def network(inputs):
        net = hk.nets.MLP([*hidden_sizes, 3])
        prior_net = hk.nets.MLP([*hidden_sizes, 3])
        return net(inputs) + prior_scale * prior_net(inputs)

    agent = Agent(network=network, mask_prob=1.0)
    experiment.run(agent=agent, environment=env)


if __name__ == "__main__":
    run(None)
'''


def _tree(run_py: str) -> dict[str, str]:
    return {"agent.py": AGENT, "experiment.py": EXPERIMENT, "run.py": run_py}


def test_a_local_read_by_a_nested_function_is_a_change():
    result = flow_result(_tree(_run_py("3.", "[64, 64]")), _tree(_run_py("5.", "[50, 50]")))
    found = [f for f in result.findings if "`run`" in f.title]
    assert found and found[0].severity.value == "significant", [f.title for f in result.findings]
    assert "prior_scale = 5.0" in found[0].rationale or "hidden_sizes" in found[0].rationale
    assert not [n for n in result.no_effect if n.title.startswith("Restructured code in `run.py:run`")]


def test_the_same_captured_values_written_otherwise_stay_restructured():
    base = _tree(_run_py("5.", "[50, 50]"))
    cand = _tree(_run_py("5.", "[50, 50]").replace("    prior_scale = 5.\n", "    scale = 5.0\n    prior_scale = scale\n"))
    result = flow_result(base, cand)
    assert not result.findings, [f.title for f in result.findings]


def _options(row: str) -> str:
    return f'''
CONFIGS = [
    ["dqn", "gym", "CartPole-v0"],
    {row},
]


class Params(object):
    def __init__(self):
        self.config = 1
        self.agent_type, self.env_type, self.game = CONFIGS[self.config]
'''


MAIN = '''
import gym
from options import Params


def main():
    params = Params()
    env = gym.make(params.game)
    env.reset()
    while True:
        env.step(env.action_space.sample())


if __name__ == "__main__":
    main()
'''


def test_a_module_table_read_by_a_function_is_no_restructuring():
    result = flow_result({"options.py": _options('["acer", "gym", "CartPole-v1"]'), "main.py": MAIN},
                         {"options.py": _options('["acer", "atari", "SpaceInvaders-v0"]'), "main.py": MAIN})
    assert not [n for n in result.no_effect if n.title.startswith("Restructured code in `options.py:<module>`")], \
        [n.title for n in result.no_effect]


def test_a_module_table_written_otherwise_stays_restructured():
    result = flow_result({"options.py": _options('["acer", "gym", "CartPole-v1"]'), "main.py": MAIN},
                         {"options.py": _options('["acer", "gym",  "CartPole-v1"]').replace(
                             "CONFIGS = [", "ROWS = [").replace("\n\n\nclass", "\nCONFIGS = ROWS\n\n\nclass"),
                          "main.py": MAIN})
    assert not result.findings, [f.title for f in result.findings]


def _script(nets: str) -> str:
    return f'''
import torch
import tensorflow as tf
from networks import ValueNetwork


def main():
{nets}
    optimizer = torch.optim.Adam(nu.parameters())
    for step in range(100):
        loss = nu(step).mean() + zeta(step).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    main()
'''


NETWORKS = '''
import torch.nn as nn


class ValueNetwork(nn.Module):
    def __init__(self, kernel_initializer):
        super().__init__()
        self.layer = nn.Linear(4, 1)
        self.init = kernel_initializer

    def forward(self, x):
        return self.layer(x)
'''
SHARED_INIT = '''    init = tf.keras.initializers.GlorotUniform()
    nu = ValueNetwork(kernel_initializer=init)
    zeta = ValueNetwork(kernel_initializer=init)'''
OWN_INIT = '''    nu = ValueNetwork(kernel_initializer=tf.keras.initializers.GlorotUniform())
    zeta = ValueNetwork(kernel_initializer=tf.keras.initializers.GlorotUniform())'''
ONE_NAMED = '''    init = tf.keras.initializers.GlorotUniform()
    nu = ValueNetwork(kernel_initializer=init)
    zeta = ValueNetwork(kernel_initializer=tf.keras.initializers.GlorotUniform())'''


def test_one_shared_object_split_into_one_per_use_is_a_change():
    """dice_rl 4855e16a..0adb2e0f `scripts/run_neural_bayes_dice.py:main`: one unseeded `GlorotUniform()` handed to
    both networks -> one per network."""
    result = flow_result({"networks.py": NETWORKS, "run.py": _script(SHARED_INIT)},
                         {"networks.py": NETWORKS, "run.py": _script(OWN_INIT)})
    assert not [n for n in result.no_effect if n.title.startswith("Restructured code in `run.py:main`")], \
        [n.title for n in result.no_effect]


def test_an_object_named_for_its_one_use_stays_restructured():
    result = flow_result({"networks.py": NETWORKS, "run.py": _script(ONE_NAMED)},
                         {"networks.py": NETWORKS, "run.py": _script(OWN_INIT)})
    assert not result.findings, [f.title for f in result.findings]
    assert [n for n in result.no_effect if n.title.startswith("Restructured code in `run.py:main`")], \
        [n.title for n in result.no_effect]


def test_an_import_fallback_of_a_module_is_no_change():
    """tdmpc2 add30b5a..7992fa19 `tdmpc2/envs/__init__.py`: `try: from envs.mujoco import make_env as make_mujoco_env`
    / `except: make_mujoco_env = missing_dependencies`: the stub runs only where the dependency is missing."""
    def envs(fallback: str) -> str:
        return f'''
import gym


def missing_dependencies(task):
    raise ValueError(task)


try:
    from dmcontrol import make_env as make_dm_control_env
except ImportError:
{fallback}


def make_env(cfg):
    env = make_dm_control_env(cfg)
    env.reset()
    env.step(env.action_space.sample())
    return env
'''
    main = "from envs import make_env\n\n\nif __name__ == '__main__':\n    make_env(None)\n"
    result = flow_result({"envs.py": envs("    make_dm_control_env = None"), "main.py": main},
                         {"envs.py": envs("    make_dm_control_env = missing_dependencies"), "main.py": main})
    assert not result.findings, [f.title for f in result.findings]


def test_a_module_name_a_function_binds_itself_is_not_read_from_the_module():
    """purejaxrl d7c78af8..146b4856: `def make_train(config)` reads its own parameter `config`, not the module's."""
    def script(lr: str) -> str:
        return f'''
import torch

config = {{"LR": {lr}}}


def train(config, model, data):
    optimizer = torch.optim.Adam(model.parameters(), lr=config["LR"])
    for x in data:
        loss = model(x).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
'''
    result = flow_result({"train.py": script("1e-3")}, {"train.py": script("3e-4")})
    assert not result.findings, [f.title for f in result.findings]
    # nothing reads the module's `config`: the module body has the same effects
    assert [n for n in result.no_effect if n.title.startswith("Restructured code in `train.py:<module>`")], \
        [n.title for n in result.no_effect]


def test_a_registry_refactor_is_no_module_global_change():
    """d3rlpy v1.1.1..v2.0.2 `d3rlpy/preprocessing/reward_scalers.py`: the registry `REWARD_SCALER_LIST = {}` (filled
    by `register_reward_scaler`) moved into a generated registration helper."""
    def module(registry: str) -> str:
        return f'''
{registry}


def register(cls):
    REGISTRY[cls.__name__] = cls


def create(name, reward):
    return REGISTRY[name]().scale(reward)
'''
    main = ("import torch\nfrom scalers import create\n\n\ndef train(model, batch, optimizer):\n"
            "    loss = (model(batch) - create('x', batch)).pow(2).mean()\n    optimizer.zero_grad()\n"
            "    loss.backward()\n    optimizer.step()\n\n\nif __name__ == '__main__':\n    train(None, None, None)\n")
    result = flow_result({"scalers.py": module("REGISTRY = {}"), "main.py": main},
                         {"scalers.py": module("REGISTRY: dict = dict()"), "main.py": main})
    assert not result.findings, [f.title for f in result.findings]


DOOM_TRAIN = """
import torch
from doom_env import DoomEnv


def train(policy, optimizer):
    env = DoomEnv()
    obs = env.reset()
    for _ in range(10):
        dist = policy(obs)
        action = dist.sample()
        obs, reward, done, info = env.step(action)
        loss = -(dist.log_prob(action) * reward).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    train(None, None)
"""


def _doom_env(head: str, arg: str) -> str:
    return f'''
import os
import gym
DEFAULT_PORT = int(os.environ.get('DOOM_PORT', 40300))
{head}

class DoomEnv(gym.Env):
    def reset(self):
        self.game.add_game_args({arg})
        self.game.add_game_args(f'-port {{DEFAULT_PORT}}')
        self.game.init()
        return self.game.get_state()

    def step(self, action):
        self.game.make_action(action)
        reward = self.game.get_last_reward()
        obs = self.game.get_state()
        return obs, reward, False, {{}}
'''


def test_a_machine_dependent_module_value_with_the_old_literal_as_fallback_is_no_module_change():
    """sample-factory b14ae00b..00694e3c `envs/doom/multiplayer/doom_multiagent.py`: the literal `'+timeout 4'` became
    `f'+timeout {timeout}'` with a module-level `try: timeout = int(os.environ[...])` / `except KeyError: timeout = 4`
    (a new option whose fallback is the old value): a second seat "environment path: `<module>`" beside the method's
    own; a module constant read the same way still is a module change."""
    fallback = "\ntry:\n    timeout = int(os.environ['DOOM_TIMEOUT'])\nexcept KeyError:\n    timeout = 4\n"
    result = flow_result({"doom_env.py": _doom_env("", "'+timeout 4'"), "train.py": DOOM_TRAIN},
                         {"doom_env.py": _doom_env(fallback, "f'+timeout {timeout}'"), "train.py": DOOM_TRAIN})
    assert not [f for f in result.findings if "<module>" in f.title], [f.title for f in result.findings]
    constant = flow_result({"doom_env.py": _doom_env("\ntimeout = 4\n", "f'+timeout {timeout}'"), "train.py": DOOM_TRAIN},
                           {"doom_env.py": _doom_env("\ntimeout = 8\n", "f'+timeout {timeout}'"), "train.py": DOOM_TRAIN})
    assert [f for f in constant.findings if "<module>" in f.title], [f.title for f in constant.findings]
