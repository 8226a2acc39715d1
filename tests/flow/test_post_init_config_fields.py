"""A configuration field set in a dataclass's `__post_init__`, read by a network's constructor as its base's argument.

Real shape: ROLL e1362d7e..8eb27cc2 mcore_adapter/src/mcore_adapter/models/model_config.py:357:
`McaModelConfig.__post_init__` gained `self.rotary_base = self.rope_parameters.get("rope_theta", self.rotary_base)`
(and llama/configuration_llama.py:18 `self.rotary_scaling = ... or self.rope_parameters is not None`); the model
factory builds megatron's `GPTModel` with `super().__init__(config=config, ..., rotary_base=config.rotary_base,
rope_scaling=config.rotary_scaling)` (models/model_factory.py:352). Both were "reach no loss": the fields a
`__post_init__` sets were not followed to `config.<field>` readers, and a network's base constructor taking the
value was not a place of the network."""

from __future__ import annotations

from tests.flow.support import flow_result

CONFIG = """
from dataclasses import dataclass, field
from typing import Optional


@dataclass
class ModelConfig:
    rotary_base: int = 10000
    rope_parameters: Optional[dict] = None

    def __post_init__(self):
        self.hidden = 64
"""

ROPE = CONFIG.replace("        self.hidden = 64\n", "        self.hidden = 64\n"
                      "        if self.rope_parameters is not None:\n"
                      "            self.rotary_base = self.rope_parameters.get('rope_theta', self.rotary_base)\n")

MODEL = """
from megatron.core.models.gpt import GPTModel

from pkg.config import ModelConfig


class McaGPTModel(GPTModel):
    def __init__(self, config: ModelConfig, **kwargs):
        super().__init__(config=config, vocab_size=config.hidden, rotary_base=config.rotary_base)
"""

REPORT = """
import logging

from pkg.config import ModelConfig


def describe(config: ModelConfig):
    logging.info("rotary base %s", config.rotary_base)
"""


def _result(base: str, cand: str, user: str = MODEL):
    return flow_result({"pkg/config.py": base, "pkg/model.py": user}, {"pkg/config.py": cand, "pkg/model.py": user})


def test_a_post_init_field_a_network_base_is_built_with_is_architecture() -> None:
    result = _result(CONFIG, ROPE)
    found = [f for f in result.findings if "__post_init__" in f.title]
    assert found and found[0].subsystem == "architecture", [f.title for f in result.findings]
    assert not any("__post_init__" in n.title and "reach no loss" in n.reason for n in result.no_effect), \
        [n.title for n in result.no_effect]


def test_a_post_init_field_only_reported_is_not_architecture() -> None:
    """The same field read only by a log line (the negative): no place on the flow."""
    result = _result(CONFIG, ROPE, REPORT)
    assert not any("__post_init__" in f.title for f in result.findings), [f.title for f in result.findings]


def test_a_base_constructor_of_a_plain_class_is_not_a_network() -> None:
    """`super().__init__(..., rotary_base=...)` of a class that is no network (a trainer) is not architecture."""
    user = MODEL.replace("class McaGPTModel(GPTModel):", "class Trainer(Base):").replace(
        "from megatron.core.models.gpt import GPTModel", "from lib import Base")
    result = _result(CONFIG, ROPE, user)
    assert not any(f.subsystem == "architecture" and "__post_init__" in f.title for f in result.findings), \
        [f.title for f in result.findings]
