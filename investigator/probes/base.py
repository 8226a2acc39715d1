"""The probe unit contract: metadata beside the code, which jobs to run, how to decide.

A probe is a class in `investigator/probes/builtin/<id>.py` with `meta = ProbeMeta(...)` and three
methods: `available` (can it run here: adapter functions, a command), `jobs` (what to run at each
side) and `decide` (a `ProbeDecision` from the runs of both sides). Probes never run anything
themselves: the runner does (`probes.runner`), so a probe is tested by feeding `decide` runs.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from pydantic import Field

from investigator.models import Side
from investigator.probes.model import ProbeDecision, ProbeJob, ProbeRun
from investigator.units.registry import UnitMeta

ADAPTER_FUNCTIONS: tuple[str, ...] = (
    "make_agent",  # (seed) -> torch.nn.Module
    "make_optimizer",  # (agent) -> optimizer, or (optimizer, scheduler or None)
    "lr_at",  # (step) -> float: the learning rate the project uses at optimizer step `step`
    "make_env",  # (seed) -> an environment (gymnasium API or the project's vector env)
    "compute_advantages",  # (rewards, values, dones, next_value, next_done, gamma, gae_lambda) -> (adv, returns)
    "load_checkpoint",  # (agent, path) -> None: the project's own loading path
    "save_checkpoint",  # (agent, path) -> None (default: torch.save(agent.state_dict(), path))
    "update_step",  # (agent, optimizer, seed) -> dict | None: one update of the project's update code
    # (make_env, total_steps, seed) -> agent: the project's training on any env (probe envs); make_env(seed=None)
    # gives a gymnasium-API env; the agent has value(obs) -> (B,), act(obs, deterministic=True) -> (B,) actions
    # for obs of shape (B, 1), and `gamma` when it discounts
    "train_agent",
)
"""What an adapter may define (docs/probes.md): each probe names the functions it needs."""


class ProbeMeta(UnitMeta):
    """A probe's declaration: what it needs, what it costs, what it decides."""

    cost: Literal["cheap", "expensive"] = "cheap"  # `--probes auto` runs cheap ones whenever they apply
    needs: list[str] = Field(default_factory=list)  # adapter functions (all required), or ["command"]
    # what makes the planner choose it: findings of these unit ids, or these hypotheses open
    # (not refuted) after static analysis; `always`: whenever it is available
    finding_sources: list[str] = Field(default_factory=list)
    always: bool = False
    timeout_s: float = 120.0  # per job
    memory_mb: int = 4096  # per job (resident memory of its whole process group)

    def referenced_hypotheses(self) -> list[str]:
        return list(self.hypotheses)


@dataclass(frozen=True)
class ProbeSetup:
    """What the probes can use at this investigation (built once by the workflow, identical for
    every probe): the adapter's functions at each side, the training command, seeds and steps."""

    adapter_functions: dict[Side, frozenset[str]] = field(default_factory=dict)  # found statically
    adapter_paths: dict[Side, str | None] = field(default_factory=dict)  # absolute, or in-checkout relative
    auto_functions: dict[Side, frozenset[str]] = field(default_factory=dict)  # found without an adapter
    command: str | None = None  # the training command template (--probe-command)
    command_proposed: bool = False  # the command was proposed from the entry's argument parser
    seeds: int = 3
    steps: int | None = None  # --probe-steps: environment steps of a training-run job
    primary_metric: str | None = None
    options: dict[str, float] = field(default_factory=dict)

    def has(self, side: Side, function: str) -> bool:
        return function in self.adapter_functions.get(side, frozenset()) or function in self.auto_functions.get(side, frozenset())

    def has_everywhere(self, functions: list[str]) -> bool:
        return all(self.has(side, f) for side in ("baseline", "candidate") for f in functions)


class Probe(ABC):
    """One probe. Subclasses set `meta` and implement the three methods."""

    meta: ClassVar[ProbeMeta]

    def available(self, setup: ProbeSetup) -> tuple[bool, str]:
        """Whether it can run in this investigation, and why not (default: its adapter functions
        exist at both commits, or a command is configured when it needs one)."""
        if "command" in self.meta.needs:
            return (setup.command is not None, "no training command (--probe-command) and none could be proposed")
        missing = [f for f in self.meta.needs if not setup.has_everywhere([f])]
        if missing:
            return False, f"the adapter does not define {', '.join(missing)} at both commits"
        return True, ""

    def harness_job(self, side: Side, params: dict[str, Any], script: str | None = None) -> ProbeJob:
        """One job of the child measurement `script` (default: the module named as the probe's id),
        under the probe's own time and memory limits: what most probes run at each side."""
        return ProbeJob(probe=self.meta.id, side=side, script=script or self.meta.id, params=params,
                        timeout_s=self.meta.timeout_s, memory_mb=self.meta.memory_mb)

    @abstractmethod
    def jobs(self, setup: ProbeSetup, side: Side) -> list[ProbeJob]:
        """The jobs to run at `side` (the same parameters at both sides, so results compare)."""

    @abstractmethod
    def decide(self, baseline: list[ProbeRun], candidate: list[ProbeRun], setup: ProbeSetup) -> ProbeDecision:
        """The decision from the runs of both sides (failed runs included: decide `failed` or on
        what did run, and say so)."""
