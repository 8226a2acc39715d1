"""zero_grad / backward / clip / step ordering and duplication in the optimisation step."""

from __future__ import annotations

from investigator.detectors.base import Detector, DetectorContext, DetectorMeta, Hit, register, site_loc
from investigator.detectors.flow import Site
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import calls, optimizer_step
from investigator.detectors.pyast import last_name
from investigator.models import Severity

CLIP = {"clip_grad_norm_", "clip_grad_value_", "clip_grad_norm", "clip_grad_value"}


def events(sites: list[Site]) -> list[tuple[str, Site]]:
    out: list[tuple[str, Site]] = []
    for site, call, name in calls(sites):
        tail = last_name(name)
        if tail == "zero_grad":
            out.append(("zero_grad", site))
        elif tail == "backward":
            out.append(("backward", site))
        elif tail in CLIP:
            out.append(("clip", site))
        elif optimizer_step(call):
            out.append(("step", site))
    return out


def _problems(seq: list[tuple[str, Site]]) -> set[str]:
    """Orderings that are wrong whatever the baseline did."""
    found: set[str] = set()
    last_backward: Site | None = None
    for kind, site in seq:
        if kind == "backward":
            last_backward = site
        elif kind == "zero_grad" and last_backward is not None:
            found.add("zero_grad between backward() and step()")
        elif kind == "step":
            if last_backward is None:
                found.add("step() before any backward()")
            last_backward = None
    kinds = [k for k, _ in seq]
    for i, k in enumerate(kinds):
        if k == "clip" and "step" in kinds[:i] and "backward" not in kinds[kinds[:i].index("step") : i]:
            found.add("clipping after step()")
    zero = [s for k, s in seq if k == "zero_grad"]
    back = [s for k, s in seq if k == "backward"]
    if zero and back and min(z.loop_depth for z in zero) < max(b.loop_depth for b in back):
        found.add("zero_grad() outside the loop that calls backward(): gradients accumulate")
    return found


@register
class GradOrderDetector(Detector):
    meta = DetectorMeta(
        id="grad_order",
        title="Optimizer step ordering",
        subsystem="trainer",
        severity=Severity.critical,
        rationale=(
            "The order zero_grad -> backward -> clip -> step decides which gradients are applied. "
            "Zeroing outside the minibatch loop accumulates gradients across minibatches, clipping "
            "after step() clips nothing that was applied, and a duplicated step applies an update twice."
        ),
        fix="Restore the baseline order: zero_grad() before backward(), clip between backward() and step(), one step per backward.",
        refutes_when_verified=True,
        hypotheses=["trainer.optimizer_step_order_changed"],
        confidence=0.85,
        keywords=r"\bzero_grad\b|\.backward\(",
    )

    def check_pair(self, pair: FunctionPair, ctx: DetectorContext) -> list[Hit]:
        base, cand = events(ctx.sites(pair.base)), events(ctx.sites(pair.cand))
        if not base and not cand:
            return []
        common = {k for k, _ in base} & {k for k, _ in cand}
        lost = sorted({k for k, _ in base} - {k for k, _ in cand} - {"clip"})  # clipping: grad_clip's concern
        if lost and any(k in common for k in ("backward", "step")):
            first_lost = next(s for k, s in base if k in lost)
            return [
                Hit(
                    title=f"{lost[0]}() removed from the optimisation step"
                    + (": gradients accumulate across updates" if lost[0] == "zero_grad" else ""),
                    summary=f"baseline calls `{', '.join(lost)}` in the update; the candidate does not",
                    base=site_loc(first_lost),
                    cand=None,
                    pair=pair,
                    confidence=0.85,
                    restore=(first_lost.fn, pair.cand),
                )
            ]
        b = [(k, s) for k, s in base if k in common]
        c = [(k, s) for k, s in cand if k in common]
        sig_b = [(k, s.loop_depth) for k, s in b]
        sig_c = [(k, s.loop_depth) for k, s in c]
        if sig_b == sig_c:
            return []
        first = next((i for i, (x, y) in enumerate(zip(sig_b, sig_c, strict=False)) if x != y), min(len(b), len(c)))
        bsite = b[first][1] if first < len(b) else (b[-1][1] if b else None)
        csite = c[first][1] if first < len(c) else (c[-1][1] if c else None)
        new_problems = _problems(c) - _problems(b)
        counts = {k: (sum(1 for x, _ in b if x == k), sum(1 for x, _ in c if x == k)) for k in common}
        dup = [f"{k} x{n}->x{m}" for k, (n, m) in counts.items() if n != m]
        detail = sorted(new_problems) + dup
        doubled_update = any(counts[k][1] > counts[k][0] for k in ("step", "backward") if k in counts)
        severity = Severity.critical if new_problems or doubled_update else Severity.significant

        def render(seq: list[tuple[str, int]]) -> str:
            return " -> ".join(f"{k}@loop{d}" for k, d in seq)

        title = "Optimizer step sequence changed" + (f": {detail[0]}" if detail else "")
        return [
            Hit(
                title=title,
                summary=f"baseline `{render(sig_b)}` -> candidate `{render(sig_c)}`",
                base=site_loc(bsite),
                cand=site_loc(csite),
                pair=pair,
                severity=severity,
                confidence=0.9 if new_problems else 0.7,
                details={"problems": detail},
                restore=(bsite.fn if bsite else pair.base, csite.fn if csite else pair.cand),
            )
        ]

    def verify_pair(self, pair: FunctionPair, ctx: DetectorContext) -> str | None:
        seq = events(ctx.sites(pair.base))
        if not any(k == "step" for k, _ in seq):
            return None
        other = events(ctx.sites(pair.cand))
        if [(k, s.loop_depth) for k, s in seq] != [(k, s.loop_depth) for k, s in other]:
            return None
        return "optimizer sequence `" + " -> ".join(k for k, _ in seq[:6]) + "` identical at both commits"
