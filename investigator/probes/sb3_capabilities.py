"""Which adapter functions a detected SB3-style algorithm provides without an adapter, and why not.

Why a separate rule: what the SB3 API allows depends on the algorithm family and on what was
recorded, and the report must say it honestly. An on-policy class has a rollout buffer whose GAE
the advantage probe can check; an off-policy class has a replay buffer and no GAE; SAC/TD3-style
policies have one optimizer per network, so there is no single optimizer to step; a model is
rebuilt in a probe only when its class, policy, environment and every constructor argument were
recorded (a `**config` splat left out would make the class defaults stand in for the project's).

The functions are served by the child module `child/sb3_adapter.py` (`BUILTIN`): the setup maps
each to `@sb3_adapter:<name>` and passes the detection under `SPEC_KEY` (`child/harness.py`).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from investigator.probes.base import ADAPTER_FUNCTIONS
from investigator.probes.sb3_detect import Sb3Detection

if TYPE_CHECKING:
    from investigator.probes.base import Probe, ProbeSetup

BUILTIN = "sb3_adapter"
SPEC_KEY = "@" + BUILTIN


def _build_problem(d: Sb3Detection) -> str | None:
    """Why the model cannot be rebuilt in a probe (None: it can)."""
    if not d.instantiated:
        return f"no call building {d.cls} with a policy and an environment was found"
    if d.cls_spec is None:
        return d.notes[0] if d.notes else f"{d.cls} cannot be imported"
    if d.policy is None:
        return "its policy argument is not a value that can be recorded"
    if d.env is None:
        return "its environment argument is not a value that can be recorded (a name or call the probe can rebuild)"
    if d.unrecorded:
        return "constructor arguments not recorded (" + ", ".join(d.unrecorded)[:200] + "): the class defaults would stand in"
    return None


def capabilities(d: Sb3Detection) -> tuple[list[str], dict[str, str]]:
    """(the adapter functions possible, function -> why not) for a detection."""
    why: dict[str, str] = {}
    build = _build_problem(d)
    gradient = d.info.kind != "other"
    if d.env is None:
        why["make_env"] = "the environment is not recorded" if d.instantiated else build or ""
    for name in ("make_agent", "save_checkpoint", "load_checkpoint"):
        if build:
            why[name] = build
    for name in ("lr_at", "update_step", "make_optimizer"):
        if build:
            why[name] = build
        elif not gradient:
            why[name] = f"{d.cls} is not a gradient-based algorithm (no policy.optimizer, no learning-rate schedule)"
    if not build and gradient and not d.info.one_optimizer:
        why["make_optimizer"] = f"{d.cls}'s policy has one optimizer per network (actor, critic): no single optimizer"
    if d.info.kind == "other":
        why["compute_advantages"] = why["train_agent"] = f"{d.cls} is not an actor-critic algorithm: no rollout buffer, no value function"
    elif d.info.kind != "on_policy":
        why["compute_advantages"] = f"{d.cls} is off-policy: a replay buffer, no GAE"
        why["train_agent"] = f"{d.cls} is off-policy: the probe environments need a state-value function"
    elif not d.info.plain_policy:
        why["train_agent"] = f"{d.cls}'s policy needs a recurrent state or action masks to predict"
    elif build:
        why["train_agent"] = build
    return [f for f in ADAPTER_FUNCTIONS if f not in why], why


def auto_functions(d: Sb3Detection) -> tuple[dict[str, str], dict[str, str]]:
    """(name -> where, with the spec under SPEC_KEY) for the harness's `--auto`, and the reasons why not."""
    possible, why = capabilities(d)
    if not possible:
        return {}, why
    out = {name: f"@{BUILTIN}:{name}" for name in possible}
    out[SPEC_KEY] = json.dumps({**d.child_spec(), "buildable": "make_agent" in possible}, sort_keys=True)
    return out, why


def probe_note(d: Sb3Detection, why: dict[str, str], probes: list[Probe], setup: ProbeSetup) -> str:
    """The report's line: which probes this detection makes possible, and which not (why)."""
    possible: list[str] = []
    impossible: list[str] = []
    for probe in probes:
        needs = [f for f in probe.meta.needs if f != "command"]
        if "command" in probe.meta.needs:
            continue  # the training run needs a command, not an adapter
        ok, reason = probe.available(setup)
        if ok:
            possible.append(probe.meta.id)
            continue
        named = [f for f in ADAPTER_FUNCTIONS if f in needs or f in reason]  # (lr_trajectory states its own rule)
        reasons = sorted({why[f] for f in named if f in why and not setup.has_everywhere([f])})
        impossible.append(f"{probe.meta.id} ({'; '.join(reasons) or reason})")
    head = f"{d.label()} detected at {d.where}"
    if d.instantiated:
        head += f" ({d.describe_args()})"
    return (f"{head}: probes possible without an adapter: {', '.join(possible) or 'none'}; "
            f"not possible: {', '.join(impossible) or 'none'}")
