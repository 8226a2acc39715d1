"""A project network constructed with other arguments where the flow loses the built object.

Real shape: jaxrl_m 7e8d8fe0..54ef8acb jaxrl_m/vision/bridge_resnet_v1.py:320: the module-level registry
`bridge_resnetv1_configs = {'resnetv1-18-bridge': ft.partial(ResNetEncoder, ..., norm='group'), ...}` (BatchNorm ->
GroupNorm in the encoder), merged into `jaxrl_m.vision.encoders` by the package and looked up by name by its users.
The module's own functions do not read it, so "same effects" did not compare it and the pair was left silent."""

from __future__ import annotations

from tests.flow.support import flow_result

ENCODER = """
import functools as ft

import flax.linen as nn


class ResNetEncoder(nn.Module):
    norm: str = 'batch'
    stage_sizes: tuple = (2, 2)

    @nn.compact
    def __call__(self, x, train: bool = True):
        if self.norm == 'batch':
            x = nn.BatchNorm(use_running_average=not train)(x)
        else:
            x = nn.GroupNorm()(x)
        return nn.Dense(8)(x)


encoder_configs = {
    'resnet-small': ft.partial(ResNetEncoder, stage_sizes=(2, 2)),
    'resnet-large': ft.partial(ResNetEncoder, stage_sizes=(3, 4)),
}
"""

GROUPED = ENCODER.replace("stage_sizes=(2, 2))", "stage_sizes=(2, 2), norm='group')").replace(
    "stage_sizes=(3, 4))", "stage_sizes=(3, 4), norm='group')")

PACKAGE = """
from pkg.vision.encoder import encoder_configs

encoders = dict()
encoders.update(encoder_configs)
"""


def _registry(base: str, cand: str, package: str = PACKAGE):
    return flow_result({"pkg/vision/encoder.py": base, "pkg/vision/__init__.py": package},
                       {"pkg/vision/encoder.py": cand, "pkg/vision/__init__.py": package})


def test_a_registry_of_network_constructors_with_new_arguments_is_an_architecture_finding() -> None:
    result = _registry(ENCODER, GROUPED)
    found = [f for f in result.findings if "<module>" in f.title]
    assert found and all(f.subsystem == "architecture" for f in found), [f.title for f in result.findings]
    assert "`ResNetEncoder` with other arguments" in found[0].rationale, found[0].rationale
    assert not any("encoder.py:<module>" in n.title for n in result.no_effect), [n.title for n in result.no_effect]


def test_a_direct_constructor_call_in_a_registry_is_the_same_rule() -> None:
    base = ENCODER.replace("ft.partial(ResNetEncoder, stage_sizes=(2, 2))", "ResNetEncoder(stage_sizes=(2, 2))")
    cand = base.replace("ResNetEncoder(stage_sizes=(2, 2))", "ResNetEncoder(stage_sizes=(2, 2), norm='group')")
    result = _registry(base, cand)
    assert any("<module>" in f.title and f.subsystem == "architecture" for f in result.findings), \
        [f.title for f in result.findings]


def test_a_reordered_registry_is_no_finding() -> None:
    """The same constructors with their keywords in another order: the same networks (the negative)."""
    cand = ENCODER.replace("ft.partial(ResNetEncoder, stage_sizes=(2, 2))",
                           "ft.partial(ResNetEncoder, stage_sizes=(2, 2),)")
    cand = cand.replace("'resnet-small'", "'resnet-small' ")
    result = _registry(ENCODER, cand)
    assert not any("<module>" in f.title for f in result.findings), [f.title for f in result.findings]


def test_a_registry_of_plain_functions_is_not_this_rule() -> None:
    """`ft.partial(make_schedule, ...)` of a plain function is not a network: this rule stays out (the value is left
    to the unaccounted-module rule of flow/falsequiet.py, never called "same effects")."""
    base = ENCODER.replace("ft.partial(ResNetEncoder,", "ft.partial(make_schedule,").replace(
        "class ResNetEncoder(nn.Module):", "def make_schedule(stage_sizes=(1,), norm='batch'):\n    return norm\n\n\n"
        "class ResNetEncoder(nn.Module):")
    cand = base.replace("stage_sizes=(2, 2))", "stage_sizes=(2, 2), norm='group')")
    result = _registry(base, cand)
    assert not any("with other arguments" in f.rationale for f in result.findings), [f.title for f in result.findings]
    assert not any("same effects" in n.reason for n in result.no_effect if "encoder.py" in n.title), \
        [n.reason for n in result.no_effect]


def test_a_registry_nothing_imports_is_not_this_rule() -> None:
    """A script's own table of constructors that no function and no other file reads (the negative)."""
    result = _registry(ENCODER, GROUPED, package="X = 1\n")
    assert not any("<module>" in f.title for f in result.findings), [f.title for f in result.findings]
