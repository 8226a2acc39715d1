"""`.train()` / `.eval()` mode around rollout and update."""

from __future__ import annotations

import ast

from investigator.detectors.base import Detector, DetectorContext, DetectorMeta, Hit, site_loc
from investigator.detectors.flow import Site
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import calls, env_step
from investigator.flow.lazyglobal import is_lazy_loader
from investigator.models import Severity
from investigator.pyast import method_name, receiver


def _switch(call: ast.Call) -> bool:
    recv = receiver(call).lower()
    return (method_name(call) in ("train", "eval") and bool(recv) and "trainer" not in recv
            and len(call.args) <= 1 and not call.keywords)


def mode_events(sites: list[Site], of: str | None = None) -> list[tuple[str, Site]]:
    """The mode switches (of the receiver `of` only, when given), rollouts and updates, in order."""
    out: list[tuple[str, Site]] = []
    for site, call, _name in calls(sites):
        tail = method_name(call)
        if _switch(call):
            if is_lazy_loader(site.fn.node, site.fn.module.tree):
                # the mode of an object a caching loader builds once (robomimic d309eaec `lang_utils.py:21`,
                # the CLIP encoder's `.eval()` moved from import time into `_load_lang_emb_model`): set where
                # it is built, before any use, as at import; not a mode switch around rollouts or updates
                continue
            arg = call.args[0] if call.args else None
            if arg is not None and not (isinstance(arg, ast.Constant) and isinstance(arg.value, bool)):
                continue
            if of is not None and receiver(call) != of:
                continue
            mode = "eval" if tail == "eval" or (arg is not None and arg.value is False) else "train"
            out.append((mode, site))
        elif env_step(call):
            out.append(("rollout", site))
        elif tail == "backward":
            out.append(("update", site))
    compact: list[tuple[str, Site]] = []
    for kind, site in out:
        if not compact or compact[-1][0] != kind:
            compact.append((kind, site))
    return compact


def _switched(sites: list[Site]) -> set[str]:
    """The objects whose mode the function sets (`policy_model` for `policy_model.train()`)."""
    return {receiver(call) for _site, call, _name in calls(sites) if _switch(call)}


def _per_object(base_sites: list[Site], cand_sites: list[Site]) -> list[tuple[str, str, str, str]] | None:
    """Mode changes at the rollout and the update object by object: (anchor, baseline mode, candidate mode, object).

    A mode belongs to the object it is set on: nano-aha-moment's v0.2 rewrite moved the frozen reference model's
    `reference_model.eval()` above `policy_model.train()`, both before the update; read as one sequence the update
    ran in "eval" at the baseline and "train" at the candidate, while each model's own mode at the update is the
    same. None when the two commits switch different objects (the global sequence is compared then)."""
    objects = _switched(base_sites)
    if len(objects) < 2 or objects != _switched(cand_sites):
        return None
    out: list[tuple[str, str, str, str]] = []
    for obj in sorted(objects):
        base, cand = mode_events(base_sites, obj), mode_events(cand_sites, obj)
        out.extend((a, _mode_at(base, a), _mode_at(cand, a), obj) for a in ("rollout", "update")
                   if _mode_at(base, a) != _mode_at(cand, a)
                   and any(k == a for k, _ in base) and any(k == a for k, _ in cand))
    return out


def _mode_at(seq: list[tuple[str, Site]], anchor: str) -> str:
    mode = "train"  # nn.Module default
    for kind, _ in seq:
        if kind in ("train", "eval"):
            mode = kind
        elif kind == anchor:
            return mode
    return mode


class TrainEvalModeDetector(Detector):
    meta = DetectorMeta(
        id="train_eval_mode",
        title="Module train/eval mode",
        subsystem="trainer",
        severity=Severity.significant,
        rationale=(
            "Dropout and normalisation layers behave differently in train and eval mode. Updating in "
            "eval mode (or collecting rollouts in train mode) changes the policy that is optimised "
            "relative to the one that acted."
        ),
        fix="Restore the baseline .train()/.eval() calls around the rollout and the update.",
        refutes_when_verified=True,
        hypotheses=["trainer.train_eval_mode_changed"],
        confidence=0.75,
        keywords=r"\.eval\(\)|\.train\(\)",
    )

    def check_pair(self, pair: FunctionPair, ctx: DetectorContext) -> list[Hit]:
        base, cand = mode_events(ctx.sites(pair.base)), mode_events(ctx.sites(pair.cand))
        if not any(k in ("train", "eval") for k, _ in base + cand):
            return []
        changes = [a for a in ("rollout", "update") if _mode_at(base, a) != _mode_at(cand, a)
                   and any(k == a for k, _ in base) and any(k == a for k, _ in cand)]
        own = _per_object(ctx.sites(pair.base), ctx.sites(pair.cand))
        if own is not None:
            changes = sorted({a for a, *_ in own}, key=("rollout", "update").index)
        if not changes:
            return []
        first = next((i for i, (x, y) in enumerate(zip(base, cand, strict=False)) if x[0] != y[0]), min(len(base), len(cand)))
        bsite = base[min(first, len(base) - 1)][1] if base else None
        csite = cand[min(first, len(cand) - 1)][1] if cand else None
        desc = ", ".join(f"{a}: {_mode_at(base, a)} -> {_mode_at(cand, a)}" for a in changes)
        if own:
            desc = ", ".join(f"{a}: {b} -> {c} of `{o}`" for a, b, c, o in own)
        return [
            Hit(
                title=f"Module mode changed ({desc})",
                summary=f"baseline `{' -> '.join(k for k, _ in base)}`; candidate `{' -> '.join(k for k, _ in cand)}`",
                base=site_loc(bsite),
                cand=site_loc(csite),
                pair=pair,
                severity=Severity.significant if "update" in changes else Severity.low,
            )
        ]
