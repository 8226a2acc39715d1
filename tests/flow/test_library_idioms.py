"""Library idioms and API migrations that compute the same values are no behavioural change (issue 11, noise class
N4, 10 of 28 noise seats of precision held-out 11). Each test names the real seat it reproduces; each has a negative
where the same place really changes (another function, another argument value, another module kept beside).
"""

from __future__ import annotations

from tests.flow.support import flow_findings

TF_DQN = """
import numpy as np
import tensorflow as tf


class DQN:
    def __init__(self, network, optimizer, discount=0.99):
        self._online_network = network
        self._optimizer = optimizer
        self._discount = discount

    def _training_step(self, transitions):
        o_tm1, a_tm1, r_t, d_t, o_t = transitions
        r_t = tf.cast(r_t, tf.float32)
        d_t = tf.cast(d_t, tf.float32)
        with tf.GradientTape() as tape:
            q_tm1 = self._online_network(o_tm1)
            q_t = self._online_network(o_t)
            target = r_t + self._discount * d_t * tf.reduce_max(q_t, axis=-1)
            qa_tm1 = tf.reduce_sum(q_tm1 * tf.one_hot(a_tm1, 4), axis=-1)
            loss = 0.5 * tf.reduce_mean((tf.stop_gradient(target) - qa_tm1) ** 2)
        variables = self._online_network.trainable_variables
        gradients = tape.gradient(loss, variables)
        self._optimizer.apply(gradients, variables)
        return loss


def train(network, optimizer, batches):
    agent = DQN(network, optimizer)
    for batch in batches:
        agent._training_step(batch)
"""

CONVERTED = "        d_t = tf.cast(d_t, tf.float32)\n        o_tm1 = tf.convert_to_tensor(o_tm1)\n        o_t = tf.convert_to_tensor(o_t)\n"


def _loud(base: dict[str, str], cand: dict[str, str]) -> list[str]:
    return [f"{f.severity.value} {f.title}" for f in flow_findings(base, cand)
            if f.severity.value in ("critical", "significant")]


def test_a_value_conversion_added_around_an_input_is_no_change() -> None:
    """bsuite 0.3.2..0.3.3 (8d524105..cf2b5cba) `bsuite/baselines/tf/dqn/agent.py:118`: `o_tm1 =
    tf.convert_to_tensor(o_tm1)` added before the network (significant "loss path", #1)."""
    cand = TF_DQN.replace("        d_t = tf.cast(d_t, tf.float32)\n", CONVERTED)
    assert _loud({"agent.py": TF_DQN}, {"agent.py": cand}) == []
    torch_like = TF_DQN.replace("        d_t = tf.cast(d_t, tf.float32)\n",
                                "        d_t = tf.cast(d_t, tf.float32)\n        o_tm1 = np.asarray(o_tm1)\n")
    assert _loud({"agent.py": TF_DQN}, {"agent.py": torch_like}) == []


def test_a_conversion_with_a_dtype_or_a_rescale_is_a_change() -> None:
    cand = TF_DQN.replace("        d_t = tf.cast(d_t, tf.float32)\n", CONVERTED.replace(
        "tf.convert_to_tensor(o_tm1)", "tf.convert_to_tensor(o_tm1, dtype=tf.float16)"))
    assert _loud({"agent.py": TF_DQN}, {"agent.py": cand}), "dtype"
    cand = TF_DQN.replace("        d_t = tf.cast(d_t, tf.float32)\n", CONVERTED.replace(
        "tf.convert_to_tensor(o_tm1)", "tf.convert_to_tensor(o_tm1 / 255.0)"))
    assert _loud({"agent.py": TF_DQN}, {"agent.py": cand}), "rescale"


JAX_AC = """
import haiku as hk
import jax
from jax.experimental import optix
import jax.numpy as jnp
import numpy as np


class ActorCritic:
    def __init__(self, network, learning_rate, rng):
        network = hk.transform(network)
        optimizer = optix.adam(learning_rate)

        def loss(params, trajectory):
            logits, values = network.apply(params, trajectory.observations)
            return jnp.mean((trajectory.returns - values) ** 2) - jnp.mean(logits)

        @jax.jit
        def sgd_step(state, trajectory):
            gradients = jax.grad(loss)(state.params, trajectory)
            updates, new_opt_state = optimizer.update(gradients, state.opt_state)
            new_params = optix.apply_updates(state.params, updates)
            return new_params, new_opt_state

        self._sgd_step = sgd_step
        self._forward = jax.jit(network.apply)
        self._state = None

    def select_action(self, observation):
        logits, _ = self._forward(self._state.params, observation)
        return int(np.argmax(logits))

    def update(self, trajectory):
        self._state = self._sgd_step(self._state, trajectory)


def train(network, rng, env, steps):
    agent = ActorCritic(network, 3e-3, rng)
    obs = env.reset()
    for _ in range(steps):
        obs, trajectory = env.step(agent.select_action(obs))
        agent.update(trajectory)
"""

OPTAX = JAX_AC.replace("from jax.experimental import optix\n", "").replace(
    "import jax.numpy as jnp\n", "import jax.numpy as jnp\nimport optax\n").replace("optix.", "optax.")


def test_a_moved_library_module_is_the_same_function() -> None:
    """bsuite 0.3.2..0.3.3 `bsuite/baselines/jax/actor_critic/agent.py:87`: `optix.apply_updates` ->
    `optax.apply_updates`, `optix.adam(...)` -> `optax.adam(...)` (significant "optimizer path", #2)."""
    assert _loud({"agent.py": JAX_AC}, {"agent.py": OPTAX}) == []


def test_another_optimizer_or_learning_rate_in_the_new_module_is_a_change() -> None:
    assert _loud({"agent.py": JAX_AC}, {"agent.py": OPTAX.replace(
        "optax.apply_updates(state.params, updates)", "optax.incremental_update(state.params, updates, 0.5)")})
    assert _loud({"agent.py": JAX_AC}, {"agent.py": OPTAX.replace(
        "optax.apply_updates(state.params, updates)", "optax.apply_updates(state.params, gradients)")})


def test_haiku_without_apply_rng_is_the_transform_it_replaced() -> None:
    """bsuite 0.3.2..0.3.3 `bsuite/baselines/jax/boot_dqn/agent.py:82`: `hk.transform(network)` ->
    `hk.without_apply_rng(hk.transform(network, apply_rng=True))` (significant "sampling path", #5)."""
    cand = JAX_AC.replace("hk.transform(network)", "hk.without_apply_rng(hk.transform(network, apply_rng=True))")
    assert _loud({"agent.py": JAX_AC}, {"agent.py": cand}) == []
    other = JAX_AC.replace("hk.transform(network)", "hk.without_apply_rng(hk.transform(network, apply_rng=False))")
    assert _loud({"agent.py": JAX_AC}, {"agent.py": other})


BANDIT = """
import numpy as np


class ContextualBandit:
    def __init__(self, num_arms, rng):
        self._num_arms = num_arms
        self._num_contexts = np.math.factorial(self._num_arms)
        self._rng = rng

    def reset(self):
        self._context = self._rng.randint(self._num_contexts)
        return self._context

    def step(self, action):
        reward = float(action == self._context % self._num_arms)
        return self.reset(), reward


def train(agent, rng, steps):
    env = ContextualBandit(4, rng)
    obs = env.reset()
    for _ in range(steps):
        obs, reward = env.step(agent.act(obs))
        agent.learn(obs, reward)
"""


def test_numpy_math_is_the_math_module() -> None:
    """dice_rl 4855e16a..0adb2e0f `environments/contextual_bandit.py:28`: `np.math.factorial(n)` ->
    `math.factorial(n)` (NumPy 2 removed `np.math`, the standard module; significant "environment path", #1)."""
    cand = BANDIT.replace("import numpy as np\n", "import math\n\nimport numpy as np\n").replace(
        "np.math.factorial", "math.factorial")
    assert _loud({"bandit.py": BANDIT}, {"bandit.py": cand}) == []
    other = BANDIT.replace("import numpy as np\n", "import math\n\nimport numpy as np\n").replace(
        "np.math.factorial(self._num_arms)", "math.gamma(self._num_arms)")
    assert _loud({"bandit.py": BANDIT}, {"bandit.py": other})


CROWDING = """
import numpy as np
import torch


def crowding_distance(points):
    points = (points - points.min(axis=0)) / (points.ptp(axis=0) + 1e-8)
    return np.sum(points, axis=1)


class PCN:
    def __init__(self, model, optimizer):
        self.model = model
        self.optimizer = optimizer

    def update(self, returns, obs, actions):
        distances = crowding_distance(returns)
        weights = torch.as_tensor(distances)
        logp = self.model(obs).log_softmax(-1).gather(1, actions)
        loss = -(weights * logp).mean()
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()


def train(model, optimizer, batches):
    agent = PCN(model, optimizer)
    for returns, obs, actions in batches:
        agent.update(returns, obs, actions)
"""


def test_an_array_method_is_the_function_of_the_same_name() -> None:
    """morl-baselines v1.2.0..v1.3.0 `morl_baselines/multi_policy/pcn/pcn.py:25`: `points.ptp(axis=0)` ->
    `np.ptp(points, axis=0)` (NumPy 2 removed `ndarray.ptp`; significant "sampling path", #4)."""
    cand = CROWDING.replace("points.ptp(axis=0)", "np.ptp(points, axis=0)")
    assert _loud({"pcn.py": CROWDING}, {"pcn.py": cand}) == []


def test_another_axis_or_another_reduction_is_a_change() -> None:
    assert _loud({"pcn.py": CROWDING}, {"pcn.py": CROWDING.replace("points.ptp(axis=0)", "np.ptp(points, axis=1)")})
    assert _loud({"pcn.py": CROWDING}, {"pcn.py": CROWDING.replace("np.sum(points, axis=1)", "np.std(points, axis=1)")})


LOGITS = """
import jax
import jax.numpy as jnp


def _get_logits_from_probs(probs):
    tiny = jnp.finfo(probs).tiny
    return jnp.log(jnp.maximum(probs, tiny))


def loss_fn(params, apply, obs, target_probs):
    logits = apply(params, obs)
    target_logits = _get_logits_from_probs(target_probs)
    return jnp.mean((jax.nn.log_softmax(logits) - jax.nn.log_softmax(target_logits)) ** 2)


def train(params, apply, optimizer, batches):
    for obs, probs in batches:
        grads = jax.grad(loss_fn)(params, apply, obs, probs)
        params = optimizer.update(grads, params)
    return params
"""


def test_finfo_of_an_array_is_finfo_of_its_dtype() -> None:
    """mctx v0.0.5..v0.0.6 `mctx/_src/policies.py:388`: `jnp.finfo(probs).tiny` -> `jnp.finfo(probs.dtype).tiny`
    (significant "loss path", the range's only finding)."""
    cand = LOGITS.replace("jnp.finfo(probs)", "jnp.finfo(probs.dtype)")
    assert _loud({"policies.py": LOGITS}, {"policies.py": cand}) == []
    other = LOGITS.replace("jnp.finfo(probs)", "jnp.finfo(jnp.float16)")
    assert _loud({"policies.py": LOGITS}, {"policies.py": other})


DUMMY_ENV = """
import gym
from gym.envs.registration import EnvSpec


class DummyEnv(gym.Env):
    def __init__(self, max_episode_steps=None):
        self.spec = EnvSpec(id='dummy-v0', max_episode_steps=max_episode_steps)
        self.observation_space = gym.spaces.Box(low=0.0, high=1.0, shape=(4,))
        self.action_space = gym.spaces.Discrete(2)

    def reset(self):
        return self.observation_space.sample()

    def step(self, action):
        return self.observation_space.sample(), float(action), self.spec.max_episode_steps == 1, {}


def train(agent, steps):
    env = DummyEnv(max_episode_steps=10)
    obs = env.reset()
    for _ in range(steps):
        obs, reward, done, _ = env.step(agent.act(obs))
        agent.learn(obs, reward, done)
"""


def test_a_keyword_passed_by_position_is_the_same_call() -> None:
    """nnabla-rl 81c18337..a8f12f96 `nnabla_rl/environments/dummy.py:31`: `EnvSpec(id='dummy-v0', max_episode_steps=m)`
    -> `EnvSpec('dummy-v0', max_episode_steps=m)` (significant "environment path", #5)."""
    cand = DUMMY_ENV.replace("EnvSpec(id='dummy-v0',", "EnvSpec('dummy-v0',")
    assert _loud({"dummy.py": DUMMY_ENV}, {"dummy.py": cand}) == []
    other = DUMMY_ENV.replace("EnvSpec(id='dummy-v0', max_episode_steps=max_episode_steps)",
                              "EnvSpec('dummy-v0', max_episode_steps=1)")
    assert _loud({"dummy.py": DUMMY_ENV}, {"dummy.py": other})


def test_a_library_package_replaced_wholesale_reads_as_the_new_one() -> None:
    """`import gym` -> `import gymnasium as gym` style migrations: every `gym.spaces.X(...)` keeps its path under the
    new package. A package of the repository itself replaced by another is not read so."""
    cand = DUMMY_ENV.replace("import gym\nfrom gym.envs.registration import EnvSpec\n",
                             "import gymnasium\nfrom gymnasium.envs.registration import EnvSpec\n").replace(
        "gym.", "gymnasium.").replace("class DummyEnv(gymnasium.Env)", "class DummyEnv(gymnasium.Env)")
    assert _loud({"dummy.py": DUMMY_ENV}, {"dummy.py": cand}) == []
    other = cand.replace("high=1.0, shape=(4,)", "high=2.0, shape=(4,)")
    assert _loud({"dummy.py": DUMMY_ENV}, {"dummy.py": other})
    own = {"dummy.py": DUMMY_ENV.replace("import gym\n", "import gym\nimport shaping_a\n").replace(
        "float(action)", "shaping_a.reward(action)"),
           "shaping_a.py": "def reward(action):\n    return float(action)\n",
           "shaping_b.py": "def reward(action):\n    return 2.0 * float(action)\n"}
    own_cand = dict(own, **{"dummy.py": own["dummy.py"].replace("shaping_a", "shaping_b")})
    assert _loud(own, own_cand)
