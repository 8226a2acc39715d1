"""A library keyword renamed singular <-> plural with the same values (Keras 2's `Model(input=, output=)` ->
`Model(inputs=, outputs=)`, real shape: keras-rl's agents) is low, "library keyword renamed", and still listed;
two different keywords (`Categorical(probs=x)` -> `Categorical(logits=x)`) stay a significant change."""

from __future__ import annotations

from tests.flow.support import flow_findings

AGENT = """
import numpy as np
from keras.layers import Input, Lambda
from keras.models import Model


def clipped_error(args):
    y_true, y_pred, mask = args
    return ((y_true - y_pred) ** 2 * mask).sum(axis=-1)


class Agent:
    def fit(self, env, nb_steps):
        for step in range(nb_steps):
            observation, reward, done, info = env.step(self.forward(step))
            metrics = self.backward(reward, terminal=done)
            self.step += 1


class DQNAgent(Agent):
    def __init__(self, model):
        self.model = model

    def compile(self, optimizer):
        y_pred = self.model.output
        y_true = Input(name='y_true', shape=(4,))
        mask = Input(name='mask', shape=(4,))
        loss_out = Lambda(clipped_error, output_shape=(1,), name='loss')([y_true, y_pred, mask])
        ins = [self.model.input]
        trainable_model = Model({kw_in}=ins + [y_true, mask], {kw_out}=[loss_out, y_pred])
        trainable_model.compile(optimizer=optimizer, loss=lambda y_true, y_pred: y_pred)
        self.trainable_model = trainable_model

    def forward(self, observation):
        return int(np.argmax(self.model.predict_on_batch(observation)))

    def backward(self, reward, terminal):
        states, targets, masks = self.memory.sample(32)
        metrics = self.trainable_model.train_on_batch([states, targets, masks], [np.zeros(len(states)), targets])
        return metrics


def main(model, optimizer, env):
    agent = DQNAgent(model)
    agent.compile(optimizer)
    agent.fit(env, nb_steps=1000)


if __name__ == "__main__":
    main(None, "adam", [])
"""

POLICY = """
import torch
from torch.distributions import Categorical


def policy_loss(net, obs, actions, advantages, optimizer):
    out = net(obs)
    dist = Categorical({kw}=out)
    loss = -(dist.log_prob(actions) * advantages).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


if __name__ == "__main__":
    net = torch.nn.Linear(4, 2)
    opt = torch.optim.Adam(net.parameters())
    for _ in range(10):
        policy_loss(net, torch.zeros(8, 4), torch.zeros(8), torch.ones(8), opt)
"""

LOCAL = """
def build(input=None, inputs=None, output=None, outputs=None):
    return (input or inputs) * 2 if output is None else outputs


def train_step(optimizer, x, y):
    model = build({kw}=x)
    loss = ((model - y) ** 2).mean()
    loss.backward()
    optimizer.step()


if __name__ == "__main__":
    for _ in range(10):
        train_step(None, 1.0, 2.0)
"""


SHIM = """
import keras
import keras.models


def Model(input, output, **kwargs):
    if int(keras.__version__.split('.')[0]) >= 2:
        return keras.models.Model(inputs=input, outputs=output, **kwargs)
    else:
        return keras.models.Model(input=input, output=output, **kwargs)
"""


def _agent(kw_in: str, kw_out: str) -> dict[str, str]:
    return {"rl/agents/dqn.py": AGENT.format(kw_in=kw_in, kw_out=kw_out)}


def test_keras_model_keywords_pluralised_are_low_and_listed() -> None:
    found = flow_findings(_agent("input", "output"), _agent("inputs", "outputs"))
    assert found, "the rename is never dropped"
    assert all(f.severity.value == "low" for f in found), [(f.severity.value, f.title) for f in found]
    assert any("library keyword renamed" in f.rationale for f in found), [f.rationale for f in found]


def test_keyword_rename_next_to_a_real_change_keeps_the_finding_significant() -> None:
    cand = _agent("inputs", "outputs")
    cand = {k: v.replace("([y_true, y_pred, mask])", "([y_pred, y_true, mask])") for k, v in cand.items()}
    found = flow_findings(_agent("input", "output"), cand)
    assert any(f.severity.value == "significant" for f in found), [(f.severity.value, f.title) for f in found]


def test_probs_to_logits_is_not_a_keyword_rename() -> None:
    found = flow_findings({"ppo.py": POLICY.format(kw="probs")}, {"ppo.py": POLICY.format(kw="logits")})
    assert any(f.severity.value == "significant" for f in found), [(f.severity.value, f.title) for f in found]
    assert not any("library keyword renamed" in f.rationale for f in found)


def test_project_callee_with_both_spellings_is_not_a_keyword_rename() -> None:
    found = flow_findings({"train.py": LOCAL.format(kw="input")}, {"train.py": LOCAL.format(kw="inputs")})
    assert not any("library keyword renamed" in f.rationale for f in found), [f.rationale for f in found]


def test_compatibility_wrapper_replaced_by_the_library_call_is_low() -> None:
    """keras-rl's real shape: the baseline imported `Model` from its own `rl/keras_future.py` shim."""
    base = {"rl/agents/dqn.py": AGENT.format(kw_in="input", kw_out="output").replace(
        "from keras.models import Model", "from rl.keras_future import Model"), "rl/keras_future.py": SHIM}
    found = flow_findings(base, _agent("inputs", "outputs"))
    assert found and all(f.severity.value == "low" for f in found), [(f.severity.value, f.title) for f in found]
    assert any("compatibility wrapper `Model`" in f.rationale for f in found), [f.rationale for f in found]


def test_project_wrapper_that_does_not_forward_the_keyword_is_a_change() -> None:
    shim = SHIM.replace("inputs=input, outputs=output", "inputs=output, outputs=input")
    base = {"rl/agents/dqn.py": AGENT.format(kw_in="input", kw_out="output").replace(
        "from keras.models import Model", "from rl.keras_future import Model"), "rl/keras_future.py": shim}
    found = flow_findings(base, _agent("inputs", "outputs"))
    assert not any("library keyword renamed" in f.rationale for f in found), [f.rationale for f in found]
