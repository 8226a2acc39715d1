"""A call of a handed-in callable that only follows its changed calling convention is no change.

Real shape (skrl 1.4.3..2.0.0, the JAX value losses): `_update_value(value_act, ..., sampled_states, ...)`
is handed the model's `act`; its inner loss did `predicted_values, _, _ = value_act({"states":
sampled_states}, "value", params)` and now does `predicted_values, _ = value_act(inputs, role="value",
params=params)`, the callers building `inputs` themselves. It was "Behavioural change in the loss path",
significant. Keywords are bound by the parameter names of the project function the callers hand in
(`Model.act(self, inputs, role="", params=None)`). Negatives: another literal (`role="policy"`), keywords
swapped against those names, no project function to bind them, another result position kept, a packing
whose parameter is still there (not moved to the callers), a callable that is not handed in.
"""

from __future__ import annotations

from investigator.flow.analyzer import analyse
from tests.flow.test_equivalence import _index

MODEL = '''
class Model:
    def act(self, inputs, role="", params=None):
        return self.apply(params, inputs, role)
'''
TEMPLATE = '''
import functools
import jax


@functools.partial(jax.jit, static_argnames=("value_act",))
def _update_value(value_act, value_state_dict, {param}, sampled_returns, value_loss_scale):
    def _value_loss(params):
        {call}
        return value_loss_scale * ((sampled_returns - predicted_values) ** 2).mean()

    value_loss, grad = jax.value_and_grad(_value_loss, has_aux=False)(value_state_dict.params)
    return grad, value_loss


class PPO:
    def __init__(self, value, optimizer, memory, preprocessor):
        self.value = value
        self.value_optimizer = optimizer
        self.memory = memory
        self._state_preprocessor = preprocessor

    def update(self):
        for sampled_states, sampled_returns in self.memory.sample_all():
            {prepare}
            grad, value_loss = _update_value(self.value.act, self.value.state_dict, {passed}, sampled_returns, 0.5)
            self.value_optimizer = self.value_optimizer.step(grad, self.value)
'''
BASE = TEMPLATE.format(
    param="sampled_states", call='predicted_values, _, _ = value_act({"states": sampled_states}, "value", params)',
    prepare="sampled_states = self._state_preprocessor(sampled_states)", passed="sampled_states")
CAND_PREPARE = 'inputs = {"states": self._state_preprocessor(sampled_states)}'


def _cand(call: str, param: str = "inputs", prepare: str = CAND_PREPARE, passed: str = "inputs") -> str:
    return TEMPLATE.format(param=param, call=call, prepare=prepare, passed=passed)


def _loss_findings(cand: str, model: str = MODEL) -> list[str]:
    result = analyse(_index({"ppo.py": BASE, "model.py": model}, {"ppo.py": cand, "model.py": model}))
    return [f.title for f in result.findings if "_value_loss" in f.title]


def test_a_handed_in_model_call_with_keywords_fewer_results_and_caller_packing_is_no_change():
    cand = _cand('predicted_values, _ = value_act(inputs, role="value", params=params)')
    assert _loss_findings(cand) == []
    result = analyse(_index({"ppo.py": BASE, "model.py": MODEL}, {"ppo.py": cand, "model.py": MODEL}))
    assert any("handed-in callable" in n.title and "value_act" in n.reason for n in result.no_effect), \
        [n.title for n in result.no_effect]


def test_keywords_alone_in_any_order_are_no_change():
    for kw in ('role="value", params=params', 'params=params, role="value"'):
        cand = _cand(f'predicted_values, _, _ = value_act({{"states": sampled_states}}, {kw})',
                     param="sampled_states", prepare="sampled_states = self._state_preprocessor(sampled_states)",
                     passed="sampled_states")
        assert _loss_findings(cand) == [], kw


def test_keywords_swapped_against_the_handed_in_function_or_with_none_to_bind_them_are_still_a_change():
    assert _loss_findings(_cand('predicted_values, _ = value_act(inputs, role=params, params="value")'))
    other = MODEL.replace("def act(self, inputs, role=\"\", params=None)", "def act(self, inputs, params=None, role=\"\")")
    assert _loss_findings(_cand('predicted_values, _ = value_act(inputs, role="value", params=params)'), other)
    assert _loss_findings(_cand('predicted_values, _ = value_act(inputs, role="value", params=params)'), "")


def test_another_literal_argument_is_still_a_change():
    assert _loss_findings(_cand('predicted_values, _ = value_act(inputs, role="policy", params=params)'))


def test_another_result_position_kept_is_still_a_change():
    assert _loss_findings(_cand('_, predicted_values = value_act(inputs, role="value", params=params)'))


def test_a_packing_whose_parameter_is_still_there_is_still_a_change():
    # `sampled_states` is still a parameter: the callers did not take the packing over
    cand = _cand('predicted_values, _ = value_act(inputs, role="value", params=params)',
                 param="sampled_states, inputs", passed="sampled_states, inputs")
    assert _loss_findings(cand)


def test_a_callable_that_is_not_handed_in_is_still_judged():
    base = BASE.replace("value_act(", "model_act(")
    cand = _cand('predicted_values, _ = model_act(inputs, role="value", params=params)')
    result = analyse(_index({"ppo.py": base, "model.py": MODEL}, {"ppo.py": cand, "model.py": MODEL}))
    assert [f.title for f in result.findings if "_value_loss" in f.title]
