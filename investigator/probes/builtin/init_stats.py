"""Initialisation statistics: the agent made with the same seed at both commits, every parameter
and buffer compared by name (shape, dtype, float64 mean/std/min/max and a hash of the values).

Decides:

- parameters added, removed or reshaped → supports `architecture.layer_sizes_changed` (names and
  shapes). The same shapes under other names are reported as renamed, not as a size change;
- the same shape with another distribution (std relative change above max(5%, 4/sqrt(2n)), a mean
  shift beyond 4 standard errors, or another constant for a constant tensor) → supports
  `init.init_scheme_changed` (hidden weights), `init.head_gain_changed` (the output layers: the last
  Linear of each top-level submodule, or heads beside a body) and `init.bias_init_changed` (biases);
- every parameter bitwise identical → refutes those four hypotheses;
- values that differ while every distribution is the same → inconclusive ("construction order or
  RNG use changed"): the scheme is the same, the values a seed gives are not. Shapes are then still
  measured exactly, so `architecture.layer_sizes_changed` is refuted when they all match.

Buffers (running statistics, counters) are listed when they differ but decide nothing.
The adapter needs `make_agent(seed)` only; it should seed torch itself or leave it to the probe.
"""

from __future__ import annotations

import math
from typing import Any

from investigator.models import HypothesisStatus, Severity, Side
from investigator.probes.base import Probe, ProbeMeta, ProbeSetup
from investigator.probes.model import ProbeDecision, ProbeJob, ProbeRun
from investigator.probes.verdicts import names, paired, update

SCHEME, HEAD, BIAS = "init.init_scheme_changed", "init.head_gain_changed", "init.bias_init_changed"
SIZES = "architecture.layer_sizes_changed"
STD_RTOL = 0.05  # the smallest relative std change that counts, for large tensors
SE = 4.0  # standard errors of the sampling noise a change must exceed (small tensors)


class InitStatsProbe(Probe):
    meta = ProbeMeta(
        id="init_stats",
        title="Initialisation statistics per tensor with the same seed",
        subsystem="init",
        severity=Severity.significant,
        rationale="An init change (gain, scheme, bias constant, layer width) hides in helper functions and "
        "defaults; the agent built with the same seed at both commits shows which tensors start differently.",
        fix="Restore the baseline's initialisation (scheme, gains of the heads, bias constants) or layer sizes "
        "for the tensors named.",
        hypotheses=[SCHEME, HEAD, BIAS, SIZES],
        finding_sources=["init_gain", "layers"],
        needs=["make_agent"],
        cost="cheap",
        timeout_s=60.0,
    )

    def jobs(self, setup: ProbeSetup, side: Side) -> list[ProbeJob]:
        return [self.harness_job(side, {"seed": 1})]

    def decide(self, baseline: list[ProbeRun], candidate: list[ProbeRun], setup: ProbeSetup) -> ProbeDecision:
        pair = paired(self.meta.id, baseline, candidate, "init-statistics")
        if isinstance(pair, ProbeDecision):
            return pair
        return compare(self.meta.id, pair[0].result, pair[1].result)


def distribution_changed(b: dict[str, Any], c: dict[str, Any]) -> bool:
    """Whether two same-shape float tensors come from different distributions (not just other draws)."""
    sb, sc, mb, mc = (float(x.get(k) or 0.0) for x, k in ((b, "std"), (c, "std"), (b, "mean"), (c, "mean")))
    n = max(1, min(int(b.get("numel") or 1), int(c.get("numel") or 1)))
    if sb == 0.0 or sc == 0.0:  # a constant at one side at least: exact comparison
        return sb != sc or not math.isclose(mb, mc, rel_tol=1e-6, abs_tol=1e-7)
    if abs(sc - sb) / max(sb, sc) > max(STD_RTOL, SE / math.sqrt(2 * n)):
        return True
    return abs(mc - mb) > SE * max(sb, sc) / math.sqrt(n) + 1e-7


def _shape(entry: dict[str, Any]) -> str:
    return "x".join(str(d) for d in entry.get("shape", [])) or "scalar"


def _sizes(pb: dict[str, Any], pc: dict[str, Any]) -> tuple[list[str], bool]:
    """The size changes as text, and whether the unmatched names are only a renaming."""
    only_b, only_c = [n for n in pb if n not in pc], [n for n in pc if n not in pb]
    resized = [f"{n} {_shape(pb[n])} → {_shape(pc[n])}" for n in pb if n in pc and pb[n]["shape"] != pc[n]["shape"]]
    renamed = bool(only_b) and sorted(_shape(pb[n]) for n in only_b) == sorted(_shape(pc[n]) for n in only_c)
    if renamed:
        return resized, True
    changes = resized + [f"{n} {_shape(pc[n])} added" for n in only_c] + [f"{n} {_shape(pb[n])} removed" for n in only_b]
    return changes, False


def _init_changes(pb: dict[str, Any], pc: dict[str, Any]) -> tuple[dict[str, list[str]], list[str], int]:
    """Same-shape float parameters: changed distributions by kind (weights/heads/biases), those with
    other values but the same distribution, and how many were compared."""
    kinds: dict[str, list[str]] = {"weights": [], "heads": [], "biases": []}
    redrawn: list[str] = []
    compared = 0
    for n, b in pb.items():
        c = pc.get(n)
        if c is None or c["shape"] != b["shape"] or "std" not in b or "std" not in c:
            continue
        compared += 1
        if b.get("hash") is not None and b.get("hash") == c.get("hash"):
            continue
        if not distribution_changed(b, c):
            redrawn.append(n)
        elif n == "bias" or n.endswith(".bias"):
            kinds["biases"].append(n)
        else:
            kinds["heads" if b.get("head") or c.get("head") else "weights"].append(n)
    return kinds, redrawn, compared


def _describe(names_: list[str], pb: dict[str, Any], pc: dict[str, Any]) -> str:
    def one(n: str) -> str:
        b, c = pb[n], pc[n]
        if not b["std"] and not c["std"]:
            return f"{n} constant {b['mean']:.4g} → {c['mean']:.4g}"
        return f"{n} std {b['std']:.4g} → {c['std']:.4g}, mean {b['mean']:.3g} → {c['mean']:.3g}"
    more = f" and {len(names_) - 3} more" if len(names_) > 3 else ""
    return "; ".join(one(n) for n in names_[:3]) + more


def compare(probe: str, b_result: dict[str, Any], c_result: dict[str, Any]) -> ProbeDecision:
    """The decision from the per-tensor statistics of both commits."""
    b, c = b_result.get("tensors") or {}, c_result.get("tensors") or {}
    pb, pc = {n: e for n, e in b.items() if e.get("param")}, {n: e for n, e in c.items() if e.get("param")}
    sizes, renamed = _sizes(pb, pc)
    kinds, redrawn, compared = _init_changes(pb, pc)
    buffers = [n for n in b if n in c and not b[n].get("param") and b[n].get("hash") != c[n].get("hash")]
    details: dict[str, Any] = {"baseline": b, "candidate": c, "size_changes": sizes, "renamed": renamed,
                               "changed": kinds, "redrawn": redrawn, "buffers_differ": buffers}
    supported: list[tuple[str, str]] = []
    if sizes:
        supported.append((SIZES, f"layer sizes differ: {names(sizes)}"))
    changed = kinds["weights"] + kinds["heads"] + kinds["biases"]
    if changed:
        text = f"init differs with the same seed: {_describe(changed, pb, pc)}"
        if kinds["weights"]:
            supported.append((SCHEME, text))
        elif kinds["heads"]:
            supported.append((HEAD, text))
        if kinds["biases"]:
            supported.append((BIAS, text))
    notes = []
    if renamed:
        notes.append("parameter names differ with the same shapes (renamed): compared where names match")
    if buffers:
        notes.append(f"buffers differ: {names(buffers)}")
    tail = ("; " + "; ".join(notes)) if notes else ""
    same_shapes = not sizes and not renamed
    if supported:
        text = "probe: " + "; ".join(dict.fromkeys(t for _, t in supported)) + tail
        updates = [update(probe, h, HypothesisStatus.supported, text) for h, _ in supported]
        if same_shapes:
            updates.append(update(probe, SIZES, HypothesisStatus.refuted, text))
        return ProbeDecision(probe=probe, verdict="confirmed", summary=text, details=details, hypothesis_updates=updates)
    if not compared:
        return ProbeDecision(probe=probe, verdict="inconclusive", details=details,
                             summary="probe: no floating-point parameter with the same name and shape at both commits" + tail)
    if redrawn or renamed:
        text = (f"probe: {len(redrawn)} of {compared} parameters have other values with the same seed but the same "
                f"statistics (construction order or RNG use changed){tail}" if redrawn else
                f"probe: the {compared} parameters matched by name are identical{tail}")
        updates = [update(probe, SIZES, HypothesisStatus.refuted, text)] if same_shapes else []
        return ProbeDecision(probe=probe, verdict="inconclusive", summary=text, details=details, hypothesis_updates=updates)
    text = f"probe: all {compared} parameters are identical at both commits with the same seed{tail}"
    return ProbeDecision(probe=probe, verdict="refuted", summary=text, details=details,
                         hypothesis_updates=[update(probe, h, HypothesisStatus.refuted, text) for h in (SCHEME, HEAD, BIAS, SIZES)])
