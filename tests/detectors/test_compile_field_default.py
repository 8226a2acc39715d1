"""A `torch.compile` option now read from a new settings field whose default is the baseline's literal is unchanged.

Real shape (openpi 37ea6685..15a9616a, `src/openpi/models_pytorch/pi0_pytorch.py:113`, precision held-out 18, noise
class N2, low #1): `torch.compile(self.sample_actions, mode="max-autotune")` became `torch.compile(self.sample_actions,
mode=config.pytorch_compile_mode)` with the new `Pi0Config` field `pytorch_compile_mode: str | None = "max-autotune"`.
Negatives: a field default other than the baseline's mode, a field a configuration file sets."""

from __future__ import annotations

from tests.detectors.helpers import run_on
from tests.flow.support import flow_findings

CONFIG = """
import dataclasses


@dataclasses.dataclass
class ModelConfig:
    width: int = 64
{field}
"""
MODEL = """
import torch

from config import ModelConfig


class Policy(torch.nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.net = torch.nn.Linear(config.width, 4)
        self.sample_actions = torch.compile(self.sample_actions, mode={mode})

    def sample_actions(self, obs):
        return self.net(obs)


def main():
    policy = Policy(ModelConfig())
    return policy.sample_actions(torch.zeros(64))
"""


def _titles(default: str = '"max-autotune"', extra: dict[str, str] | None = None) -> list[str]:
    base = {"config.py": CONFIG.format(field=""), "model.py": MODEL.format(mode='"max-autotune"')}
    cand = {"config.py": CONFIG.format(field=f"    compile_mode: str | None = {default}"),
            "model.py": MODEL.format(mode="config.compile_mode"), **(extra or {})}
    return [f.title for f in run_on(base, cand, only={"torch_compile"}).findings]


def test_a_mode_read_from_a_new_field_defaulting_to_the_baseline_mode_is_unchanged() -> None:
    assert _titles() == []


def test_a_new_field_with_another_default_is_a_change() -> None:
    assert _titles('"reduce-overhead"') == ["torch.compile options changed"]


def test_a_new_field_a_configuration_file_sets_is_a_change() -> None:
    assert _titles(extra={"train.yaml": "compile_mode: reduce-overhead\n"}) == ["torch.compile options changed"]


GUARDED = """        if config.compile_mode is not None:
            self.sample_actions = torch.compile(self.sample_actions, mode=config.compile_mode)"""


def _flow_titles(default: str = '"max-autotune"') -> list[str]:
    unguarded = '        self.sample_actions = torch.compile(self.sample_actions, mode={mode})'
    base = {"config.py": CONFIG.format(field=""), "model.py": MODEL.format(mode='"max-autotune"')}
    cand = {"config.py": CONFIG.format(field=f"    compile_mode: str | None = {default}"),
            "model.py": MODEL.replace(unguarded, GUARDED)}
    return [f.title for f in flow_findings(base, cand) if f.severity.value != "low"]


def test_the_flow_reads_the_guarded_field_argument_at_its_default() -> None:
    """openpi's candidate also guards the call with `if config.pytorch_compile_mode is not None:`."""
    assert _flow_titles() == []


def test_the_flow_reports_a_guarded_field_argument_with_another_default() -> None:
    assert _flow_titles('"reduce-overhead"')
