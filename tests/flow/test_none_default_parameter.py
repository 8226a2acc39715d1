"""A new parameter defaulting to None, used as `param or <the baseline's value>`, leaves the baseline's computation.

Real shape (tf2rl v1.1.0..v1.1.2, precision held-out 11, `tf2rl/algos/dqn.py:79`): `DQN.__init__` gained
`optimizer=None` and `self.q_func_optimizer = optimizer or tf.keras.optimizers.Adam(learning_rate=lr,
epsilon=adam_eps)`: "Behavioural change in the optimizer path" (significant, #2). Negatives: another fallback
(another learning rate), a parameter the baseline already had, and a new parameter whose default is not None.
"""

from __future__ import annotations

from tests.flow.support import flow_findings

DQN = """
import tensorflow as tf


class DQN:
    def __init__(self, q_func, lr=0.001, adam_eps=1e-07):
        self.q_func = q_func
        self.q_func_optimizer = tf.keras.optimizers.Adam(learning_rate=lr, epsilon=adam_eps)

    def train(self, states, targets):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((self.q_func(states) - targets) ** 2)
        grads = tape.gradient(loss, self.q_func.trainable_variables)
        self.q_func_optimizer.apply_gradients(zip(grads, self.q_func.trainable_variables))


def main(q_func, batches):
    agent = DQN(q_func)
    for states, targets in batches:
        agent.train(states, targets)
"""

OLD = "tf.keras.optimizers.Adam(learning_rate=lr, epsilon=adam_eps)"


def _loud(cand: str, base: str = DQN) -> list[str]:
    return [f"{f.severity.value} {f.title}" for f in flow_findings({"dqn.py": base}, {"dqn.py": cand})
            if f.severity.value in ("critical", "significant")]


def _with(signature: str, value: str, base: str = DQN) -> str:
    return base.replace("adam_eps=1e-07):", f"adam_eps=1e-07, {signature}):").replace(
        f"self.q_func_optimizer = {OLD}", f"self.q_func_optimizer = {value}")


def test_a_new_none_parameter_with_the_old_value_as_fallback_is_no_change() -> None:
    assert _loud(_with("optimizer=None", f"optimizer or {OLD}")) == []
    assert _loud(_with("optimizer=None", f"{OLD} if optimizer is None else optimizer")) == []
    assert _loud(_with("optimizer=None", f"optimizer if optimizer is not None else {OLD}")) == []


def test_another_fallback_or_an_old_parameter_or_another_default_is_a_change() -> None:
    assert _loud(_with("optimizer=None", f"optimizer or {OLD.replace('learning_rate=lr', 'learning_rate=lr * 10')}"))
    had = _with("optimizer=None", OLD)
    assert _loud(_with("optimizer=None", f"optimizer or {OLD}"), base=had)
    assert _loud(_with("optimizer='sgd'", f"optimizer or {OLD}"))
