"""zero_grad / backward / clip / step ordering and duplication in the optimisation step.

Semantics, not shapes: the order is read per control-flow path (`if multi_gpu: ... else: ...` is two
paths, not one sequence), per optimizer (PPO and RND optimizers interleaved, each in the right order,
are fine), and the equivalent ways of clearing gradients (`optimizer.zero_grad()`,
`zero_grad(set_to_none=True)`, `model.zero_grad()`, `for p in params: p.grad = None`,
`p.grad.zero_()`) are one event."""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass

from investigator.detectors.base import Detector, DetectorContext, DetectorMeta, Hit, site_loc
from investigator.detectors.flow import Site
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import OPTIMIZER_RECEIVER, calls, optimizer_step
from investigator.models import Severity
from investigator.pyast import dotted, method_name, receiver

CLIP = {"clip_grad_norm_", "clip_grad_value_", "clip_grad_norm", "clip_grad_value"}
ANY_OPTIMIZER = "*"  # gradients cleared on a model or a parameter loop: whichever optimizer owns them
MAX_PATHS = 64
MAX_EVENTS = 200  # beyond this the sequence is read as one straight path


@dataclass(frozen=True, eq=False)
class Event:
    kind: str  # zero_grad | backward | clip | step
    site: Site
    opt: str = ""  # the optimizer a zero_grad/step acts on ("*" when unknown)


def _grad_reset_loop(node: ast.AST) -> bool:
    """`for p in params: p.grad = None` / `p.grad.zero_()` / `p.grad.detach_()`: zero_grad written out."""
    if not isinstance(node, ast.For) or not isinstance(node.target, ast.Name):
        return False
    var = node.target.id
    grad = {f"{var}.grad", f"{var}.grad.data"}
    for sub in ast.walk(ast.Module(body=node.body, type_ignores=[])):
        cleared = (
            isinstance(sub, ast.Assign) and isinstance(sub.value, ast.Constant) and sub.value.value is None
            and any(dotted(t) == f"{var}.grad" for t in sub.targets)
        )
        zeroed = (
            isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute)
            and sub.func.attr in {"zero_", "detach_", "fill_"} and dotted(sub.func.value) in grad
        )
        if cleared or zeroed:
            return True
    return False


def _step_optimizer(call: ast.Call) -> str:
    recv = receiver(call)
    if "scaler" in recv.lower() and call.args:  # `scaler.step(optimizer)`
        return dotted(call.args[0]) or recv
    return recv


def events(sites: list[Site]) -> list[Event]:
    out: list[Event] = []
    loops: set[int] = set()
    for site in sites:
        if isinstance(site.node, ast.For) and _grad_reset_loop(site.node):
            out.append(Event("zero_grad", site, ANY_OPTIMIZER))
            loops.add(id(site.node))
    for site, call, _name in calls(sites):
        tail = method_name(call)
        if tail == "zero_grad":
            recv = receiver(call)
            out.append(Event("zero_grad", site, recv if OPTIMIZER_RECEIVER.search(recv) else ANY_OPTIMIZER))
        elif tail == "backward":
            out.append(Event("backward", site))
        elif tail in CLIP:
            out.append(Event("clip", site))
        elif optimizer_step(call):
            out.append(Event("step", site, _step_optimizer(call)))
    if loops:
        order = {id(s): i for i, s in enumerate(sites)}
        out.sort(key=lambda e: order.get(id(e.site), 0))
    return out


def paths(evs: list[Event]) -> list[list[Event]]:
    """Event sequences along distinct control-flow paths (if/else branches are alternatives)."""
    if len(evs) > MAX_EVENTS or not any(e.site.branches for e in evs):
        return [evs]
    out: list[list[Event]] = []

    def go(i: int, assign: dict[int, int], acc: list[Event]) -> None:
        while i < len(evs) and len(out) < MAX_PATHS:
            e = evs[i]
            free = [(f, b) for f, b in e.site.branches if f not in assign]
            if any(assign.get(f, b) != b for f, b in e.site.branches):
                i += 1
                continue
            if not free:
                acc = [*acc, e]
                i += 1
                continue
            for k, (f, b) in enumerate(free):  # the paths that skip this event
                go(i + 1, {**assign, **dict(free[:k]), f: 1 - b}, acc)
            assign = {**assign, **dict(free)}
            acc = [*acc, e]
            i += 1
        if len(out) < MAX_PATHS:
            out.append(acc)

    go(0, {}, [])
    return out


def _opt_index(evs: list[Event]) -> dict[str, int]:
    order: dict[str, int] = {}
    for e in evs:
        if e.kind == "step" and e.opt not in order:
            order[e.opt] = len(order)
    return order


def signature(path: list[Event], opts: dict[str, int]) -> tuple[tuple[str, int, int], ...]:
    """Kind, loop depth and (for steps) which optimizer, by order of first appearance (rename-proof)."""
    return tuple((e.kind, e.site.loop_depth, opts.get(e.opt, -1) if e.kind == "step" else -1) for e in path)


def _problems(seq: list[Event], named: set[str] | None = None) -> set[str]:
    """Orderings that are wrong whatever the baseline did (on one path). `named`: the optimizers the
    whole function zeroes or steps; with more than one, order is tracked per optimizer."""
    found: set[str] = set()
    named = named if named is not None else {e.opt for e in seq if e.kind in ("step", "zero_grad")}
    opts = (named | {e.opt for e in seq if e.kind == "step"}) - {ANY_OPTIMIZER}
    multi = len(opts) > 1
    pending: dict[str, bool] = dict.fromkeys(opts, False)  # a backward since this optimizer's last step/zeroing
    zeroed: dict[str, bool] = dict.fromkeys(opts, False)
    last_backward_any = False
    stepped = False  # an optimizer stepped since the last backward(): its gradients were applied
    for i, e in enumerate(seq):
        if e.kind == "backward":
            last_backward_any = True
            stepped = False
            pending = dict.fromkeys(pending, True)
        elif e.kind == "zero_grad":
            if not multi:
                if last_backward_any:
                    found.add("zero_grad between backward() and step()")
            else:
                # zeroing another optimizer's gradients after one optimizer applied them is each
                # optimizer's own cycle (rl_games PPG: the policy step, then the value optimizer's
                # zero_grad -> backward -> step), not gradients thrown away before any step
                targets = [e.opt] if e.opt in pending and not stepped else []
                for o in targets:
                    if pending[o] and zeroed[o]:
                        found.add("zero_grad between backward() and step()")
            for o in ([e.opt] if multi and e.opt in pending else list(pending)):
                zeroed[o] = True
                if multi:
                    pending[o] = False
        elif e.kind == "step":
            if not pending.get(e.opt, False):
                found.add("step() before any backward()")
            stepped = True
            pending[e.opt] = False
            zeroed[e.opt] = False
            if not multi:
                last_backward_any = False
        elif e.kind == "clip" and _clips_stepped_gradients(seq, i):
            found.add("clipping after step()")
    if _zeroes_outside_backward_loop(seq):
        found.add("zero_grad() outside the loop that calls backward(): gradients accumulate")
    return found


def _clips_stepped_gradients(seq: list[Event], i: int) -> bool:
    """The clip at `seq[i]` comes after a step() on the gradients of the last backward(), and no
    step() follows it before the next backward(): it clips gradients already applied."""
    before = seq[:i]
    last_b = max((j for j, x in enumerate(before) if x.kind == "backward"), default=-1)
    stepped = any(x.kind == "step" for x in before[last_b + 1 :])
    after = seq[i + 1 :]
    next_b = next((j for j, x in enumerate(after) if x.kind == "backward"), len(after))
    return stepped and not any(x.kind == "step" for x in after[:next_b])


def _zeroes_outside_backward_loop(seq: list[Event]) -> bool:
    """Some zero_grad() sits in a shallower loop than some backward() AND than some step(): the
    step runs several times per clearing, so each update re-applies the earlier updates' gradients.
    With the step() as shallow as the zero_grad() (zero_grad; for ...: backward(); step()) the loop's
    gradients are summed into one update: deliberate gradient accumulation (REINFORCE's per-episode
    update), not stale gradients."""
    zero = [e.site.loop_depth for e in seq if e.kind == "zero_grad"]
    back = [e.site.loop_depth for e in seq if e.kind == "backward"]
    step = [e.site.loop_depth for e in seq if e.kind == "step"]
    if not (zero and back) or min(zero) >= max(back):
        return False
    return not step or max(step) > min(zero)


def _accumulates(seq: list[Event]) -> bool:
    """Some backward() runs in a deeper loop than every step(): several backward() calls are summed
    into one update (gradient accumulation)."""
    back = [e.site.loop_depth for e in seq if e.kind == "backward"]
    step = [e.site.loop_depth for e in seq if e.kind == "step"]
    return bool(back and step) and max(back) > max(step)


def _named(evs: list[Event]) -> set[str]:
    return {e.opt for e in evs if e.kind in ("step", "zero_grad") and e.opt != ANY_OPTIMIZER}


def _per_path_count(path_list: list[list[Event]], kind: str) -> int:
    return max((sum(1 for e in p if e.kind == kind) for p in path_list), default=0)


def _per_path_max(path_list: list[list[Event]], kind: str) -> int:
    best = 0
    for p in path_list:
        counts = Counter(e.opt for e in p if e.kind == kind)
        best = max(best, max(counts.values(), default=0))
    return best


def _render(path: list[Event], opts: dict[str, int]) -> str:
    multi = len(opts) > 1
    return " -> ".join(
        f"{e.kind}{'(' + e.opt + ')' if multi and e.kind == 'step' else ''}@loop{e.site.loop_depth}" for e in path
    )


def _woken_update(pair: FunctionPair, base: list[Event], cand: list[Event], ctx: DetectorContext) -> Hit | None:
    """A guarded path of the candidate steps an optimizer inside a function that existed at the baseline but
    was not reached from this one there: `if self.use_rnn: return self.update_rnn(sample)` makes recurrent
    runs train with `update_rnn` again. Real shape: xuance a2c27bd8..febfe494, `QTRAN_Learner.update`
    (qtran_learner.py:27; twelve off-policy MARL learners' `update_rnn` unreachable at the baseline)."""
    if pair.cand is None or pair.base is None:
        return None
    seen = {(f.path, f.qualname) for e in base for f in e.site.chain}
    for e in cand:
        fn = e.site.fn
        if e.kind != "step" or fn is pair.cand or not e.site.branches or (fn.path, fn.qualname) in seen:
            continue
        before = ctx.pairs.counterpart(fn)
        if before is None or (before.path, before.qualname) in seen or _called_at_baseline(ctx, before):
            continue
        guard = _guard_text(pair, e.site.branches[0])
        if not guard:  # the branch is the callee's own, not a path of this function
            continue
        call_site = e.site.anchor
        return Hit(
            title=f"Update path added: `{pair.cand.name}` now runs `{fn.qualname}` when {guard}",
            summary=f"`{fn.qualname}` (defined at the baseline, not reached from `{pair.base.name}` there) now steps "
                    f"the optimizer on a guarded path of `{pair.cand.name}`"
                    + (f" ({call_site[0]}:{call_site[1]})" if call_site else ""),
            base=(pair.base.path, pair.base.lineno),
            cand=site_loc(e.site),
            pair=pair,
            severity=Severity.significant,
            confidence=0.6,
            details={"problems": [f"update path added through {fn.qualname}"]},
            restore=(pair.base, pair.cand),
        )
    return None


def _called_at_baseline(ctx: DetectorContext, fn: FunctionInfo) -> bool:
    """Some baseline file of `fn`'s package (its first two path components: `xuance/torch/`, not the
    `xuance/tensorflow/` backend whose agents call their own `update_rnn`) calls `fn.name(...)` (not its `def`): the
    update ran at the baseline, reached from elsewhere (d3rlpy v2.2.0..v2.3.0 moved `self.update_alpha(...)` from
    the trainer's step into `compute_actor_loss`: the same update, moved, not a dormant one woken). Cached on the
    context."""
    cache: dict[tuple[str, str], bool] = ctx.memo("called_at_baseline")
    parts = fn.path.split("/")
    package = "/".join(parts[:2]) + "/" if len(parts) > 2 else ""
    key = (package, fn.name)
    if key not in cache:
        call = re.compile(rf"(?<!def )\b{re.escape(fn.name)}\s*\(")
        cache[key] = any(fn.name in text and call.search(text) for path, text in ctx.pairs.base.texts().items()
                         if path.endswith(".py") and path.startswith(package))
    return cache[key]


def _guard_text(pair: FunctionPair, branch: tuple[int, int]) -> str:
    """`` `self.use_rnn` `` for the arm (id of the If, 0/1) of the candidate function's `if`."""
    from investigator.pyast import unparse

    node = pair.cand.node if pair.cand is not None else None
    for sub in ast.walk(node) if node is not None else ():
        if isinstance(sub, ast.If) and id(sub) == branch[0]:
            text = unparse(sub.test, 60)
            return f"`{text}`" if branch[1] == 0 else f"not `{text}`"
    return ""


class GradOrderDetector(Detector):
    meta = DetectorMeta(
        id="grad_order",
        title="Optimizer step ordering",
        subsystem="trainer",
        severity=Severity.critical,
        note="per control-flow path and per optimizer",
        rationale=(
            "The order zero_grad -> backward -> clip -> step decides which gradients are applied. "
            "Zeroing outside the minibatch loop accumulates gradients across minibatches, clipping "
            "after step() clips nothing that was applied, and a duplicated step applies an update twice."
        ),
        fix="Restore the baseline order: zero_grad() before backward(), clip between backward() and step(), one step per backward.",
        refutes_when_verified=True,
        hypotheses=["trainer.optimizer_step_order_changed"],
        confidence=0.85,
        keywords=r"\bzero_grad\b|\.backward\(|\.grad = None",
    )

    def check_pair(self, pair: FunctionPair, ctx: DetectorContext) -> list[Hit]:
        base, cand = events(ctx.sites(pair.base)), events(ctx.sites(pair.cand))
        if not base and not cand:
            return []
        kinds_b, kinds_c = {e.kind for e in base}, {e.kind for e in cand}
        common = kinds_b & kinds_c
        lost = sorted(kinds_b - kinds_c - {"clip"})  # clipping: grad_clip's concern
        if lost and any(k in common for k in ("backward", "step")):
            first_lost = next(e.site for e in base if e.kind in lost)
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
        woken = _woken_update(pair, base, cand, ctx)
        hits = self._sequence_hits(pair, base, cand, common)
        return hits + ([woken] if woken is not None else [])

    def _sequence_hits(self, pair: FunctionPair, base: list[Event], cand: list[Event], common: set[str]) -> list[Hit]:
        b = [e for e in base if e.kind in common]
        c = [e for e in cand if e.kind in common]
        opts_b, opts_c = _opt_index(b), _opt_index(c)
        paths_b, paths_c = paths(b), paths(c)
        sigs_b = {signature(p, opts_b): p for p in paths_b}
        sigs_c = {signature(p, opts_c): p for p in paths_c}
        if set(sigs_b) == set(sigs_c):
            return []
        named_b, named_c = _named(b), _named(c)
        probs_b = {q for p in paths_b for q in _problems(p, named_b)}
        probs_c = {id(p): _problems(p, named_c) for p in paths_c}
        new_problems = sorted({q for qs in probs_c.values() for q in qs} - probs_b)
        cpath = next((p for p in paths_c if set(probs_c[id(p)]) & set(new_problems)), None)
        if cpath is None:
            cpath = next((p for s, p in sigs_c.items() if s not in sigs_b), paths_c[0])
        bpath = next((p for s, p in sigs_b.items() if s not in sigs_c), paths_b[0])
        sig_b, sig_c = signature(bpath, opts_b), signature(cpath, opts_c)
        first = next((i for i, (x, y) in enumerate(zip(sig_b, sig_c, strict=False)) if x != y), min(len(bpath), len(cpath)))
        bsite = bpath[first].site if first < len(bpath) else (bpath[-1].site if bpath else None)
        csite = cpath[first].site if first < len(cpath) else (cpath[-1].site if cpath else None)
        counts = {k: (_per_path_count(paths_b, k), _per_path_count(paths_c, k)) for k in sorted(common)}
        dup = [f"{k} x{n}->x{m}" for k, (n, m) in counts.items() if n != m]
        if not dup:
            for kind in ("step", "clip", "zero_grad", "backward"):
                always_b = all(any(e.kind == kind for e in p) for p in paths_b)
                always_c = all(any(e.kind == kind for e in p) for p in paths_c)
                if always_b != always_c:
                    dup.append(f"{kind}() now {'on every path (was conditional)' if always_c else 'conditional (some paths skip it)'}")
        if not dup and len(sigs_b) != len(sigs_c):
            dup = [f"{len(sigs_b)} -> {len(sigs_c)} distinct control-flow paths"]
        added_opts = sorted(set(opts_c) - set(opts_b)) if len(opts_c) > len(opts_b) else []
        removed_opts = sorted(set(opts_b) - set(opts_c)) if len(opts_b) > len(opts_c) else []
        doubled_update = _per_path_max(paths_c, "step") > _per_path_max(paths_b, "step") or (
            len(opts_c) <= len(opts_b) and _per_path_max(paths_c, "backward") > _per_path_max(paths_b, "backward")
        )
        detail = new_problems + dup
        if new_problems or doubled_update:
            severity, confidence = Severity.critical, 0.9 if new_problems else 0.7
        elif _accumulates(b) != _accumulates(c):
            # one update per loop of backward() calls <-> one update per backward(): the number of
            # optimizer updates (and each one's gradient sum) changes, a real change of the schedule
            severity, confidence = Severity.significant, 0.6
            detail = [
                "step() moved out of the backward() loop: the loop's gradients are summed into one update "
                "(gradient accumulation, fewer updates)"
                if _accumulates(c)
                else "step() moved into the backward() loop: one update per backward() instead of one per loop "
                "(more, smaller updates)"
            ]
        elif added_opts:
            severity, confidence = Severity.low, 0.6
            detail = [f"optimizer added ({', '.join(added_opts)}), each optimizer's order is well-formed"]
        elif removed_opts:
            severity, confidence = Severity.significant, 0.7
            detail = [f"optimizer no longer stepped ({', '.join(removed_opts)})"]
        elif not any("now" in d for d in dup) and Counter((e.kind, opts_b.get(e.opt, e.opt)) for e in b) == Counter(
            (e.kind, opts_c.get(e.opt, e.opt)) for e in c
        ):  # the same calls regrouped, every optimizer still in order on every path
            severity, confidence = Severity.low, 0.5
            detail = ["same calls regrouped; each optimizer's order is well-formed on every path"]
        else:
            severity, confidence = Severity.significant, 0.7
        title = "Optimizer step sequence changed" + (f": {detail[0]}" if detail else "")
        many = len(paths_b) > 1 or len(paths_c) > 1
        return [
            Hit(
                title=title,
                summary=f"baseline `{_render(bpath, opts_b)}` -> candidate `{_render(cpath, opts_c)}`"
                + (f" ({len(sigs_b)} -> {len(sigs_c)} distinct control-flow paths compared)" if many else ""),
                base=site_loc(bsite),
                cand=site_loc(csite),
                pair=pair,
                severity=severity,
                confidence=confidence,
                details={"problems": detail},
                restore=(bsite.fn if bsite else pair.base, csite.fn if csite else pair.cand),
            )
        ]

    def verify_pair(self, pair: FunctionPair, ctx: DetectorContext) -> str | None:
        seq = events(ctx.sites(pair.base))
        if not any(e.kind == "step" for e in seq):
            return None
        other = events(ctx.sites(pair.cand))
        sig = {signature(p, _opt_index(seq)) for p in paths(seq)}
        if sig != {signature(p, _opt_index(other)) for p in paths(other)}:
            return None
        return "optimizer sequence `" + " -> ".join(e.kind for e in seq[:6]) + "` identical at both commits"
