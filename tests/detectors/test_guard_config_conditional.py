"""A configuration value that became a conditional on options is the baseline's value at their defaults.

Real shape (oat v0.2.2..v0.2.3, oat/interface.py:83): the vLLM arguments' `"dtype": "bfloat16"` became
`"bfloat16" if args.bf16 else "float16" if args.fp16 else "float32"` with the new fp16 training option
(`OATArgs.bf16: bool = True`, `fp16: bool = False`, oat/args.py:226): "Config `vllm_args.dtype` changed",
significant, #1 of the range, though every run that does not set the new option gets "bfloat16" as before."""

from __future__ import annotations

from typing import Any

from investigator.detectors.guards import Side, config_conditional_reason
from investigator.models import Evidence, EvidenceKind, Finding, Location, Severity

INTERFACE = 'def vllm_args(args):\n    return {"dtype": %s}\n'
CONDITIONAL = "'bfloat16' if args.bf16 else 'float16' if args.fp16 else 'float32'"


def _finding(candidate: str = CONDITIONAL, baseline: str = '"bfloat16"') -> Finding:
    locs = [Location(path="interface.py", line=2, side="baseline"), Location(path="interface.py", line=2, side="candidate")]
    details = {"key": "vllm_args.dtype", "status": "changed", "baseline": baseline, "candidate": f"`{candidate}`"}
    return Finding(id="config_forensics:vllm_args.dtype", source="config_forensics", subsystem="device",
                   severity=Severity.significant, confidence=0.85, title="Config `vllm_args.dtype` changed",
                   impact="", rationale="", locations=locs,
                   evidence=[Evidence(kind=EvidenceKind.config, summary="", locations=locs, details=details)])


def _reason(effective: dict[str, Any], where: str = "args.py:226", **kw: str) -> str | None:
    files = {"interface.py": INTERFACE % kw.get("candidate", CONDITIONAL)}
    sides = {label: Side(label, files.get, list(files), effective=effective,
                         where={k: where for k in effective}) for label in ("baseline", "candidate")}
    return config_conditional_reason(_finding(**kw), sides)


def test_a_conditional_whose_options_take_the_baseline_value_by_default_is_low():
    reason = _reason({"bf16": True, "fp16": False})
    assert reason is not None and "`args.bf16` = True" in reason


def test_options_that_take_another_arm_keep_the_finding():
    assert _reason({"bf16": False, "fp16": True}) is None  # the configuration turns fp16 on: float16
    assert _reason({"bf16": False, "fp16": False}) is None  # float32


def test_a_default_arm_that_changes_the_value_keeps_the_finding():
    assert _reason({"fp16": False}, candidate="'float16' if args.fp16 else 'float32'") is None


def test_an_option_set_on_a_launch_command_or_unknown_keeps_the_finding():
    assert _reason({"bf16": True, "fp16": False}, where="train.sh:3") is None
    assert _reason({"fp16": False}) is None  # `bf16` is not in the effective configuration
