"""The section "What restoring each change recovers" and its bar chart (recovery with intervals)."""

from __future__ import annotations

from pathlib import Path

from investigator.verify.run import Variant, VerifyResult

TITLE = "What restoring each change recovers"
ORDER = 15  # before the analyzers' own sections
_COLORS = {"proven": "#2ca02c", "no_effect": "#9d9d9d", "inconclusive": "#ff7f0e"}
_VERDICT = {"proven": "**proven cause**", "no_effect": "no measurable effect", "inconclusive": "inconclusive"}


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def _span(stat: object) -> str:
    interval = getattr(stat, "interval", None)
    if interval is None:
        return "–"
    lo, hi = interval
    if lo == float("-inf") or hi == float("inf"):
        return "unbounded (the gap vanishes in resamples)"
    return f"[{lo:.0%}, {hi:.0%}]"


def _what(v: Variant) -> str:
    if v.kind == "all":
        return f"**all {len(v.findings)} together**"
    return " + ".join(f.title.replace("|", "\\|") for f in v.findings)


def _row(v: Variant, result: VerifyResult) -> str:
    from investigator.verify.recovery import verdict

    ok = len(v.ok_runs)
    runs = f"{ok}/{len(v.runs)}" if v.runs else "0"
    if v.status != "measured":
        why = v.error.replace("|", "\\|")[:160]
        return f"| {_what(v)} | – | – | – | {v.status.replace('_', ' ')}: {why} | {runs} |"
    if v.final is None:
        return f"| {_what(v)} | – | – | – | not decided | {runs} |"
    name, seeds, note = verdict(v.final, result.threshold)
    text = _VERDICT[name] + (f" (about {seeds} seeds per group would decide)" if seeds else "") + (
        f" ({note})" if note and not seeds and name == "inconclusive" else "")
    auc = _pct(v.auc.recovery) if v.auc else "–"
    return f"| {_what(v)} | {_pct(v.final.recovery)} | {_span(v.final)} | {auc} | {text} | {runs} |"


def section_markdown(result: VerifyResult, figure: str | None) -> str:
    t = result.threshold
    out = [
        "Each restore patch was applied to the candidate in its own checkout (and all of them together), and "
        "trained with the probe's command and the same seeds as the baseline and the candidate. **Recovery** is "
        f"the share of the baseline–candidate gap in the final {result.metric} that the restore closes "
        "(100 % = back at the baseline, 0 = no change, negative = worse), with a 95 % bootstrap interval (seeds "
        f"resampled within each group). Proven cause: the interval excludes 0 and the recovery is at least {t:.0%}; "
        f"no measurable effect: the interval includes 0 and stays below {t:.0%} (the runs could have seen it).",
        "",
    ]
    if result.gap is not None:
        lo, hi = result.gap.interval
        out += [f"Gap: baseline {result.gap.baseline:.4g}, candidate {result.gap.candidate:.4g} (difference "
                f"{result.gap.baseline - result.gap.candidate:.4g}, 95 % interval [{lo:.4g}, {hi:.4g}]; "
                f"{len([r for r in result.baseline_runs if r.ok])} baseline and "
                f"{len([r for r in result.candidate_runs if r.ok])} candidate runs).", ""]
    out += [f"- {n}" for n in result.notes]
    if result.notes:
        out.append("")
    if result.variants:
        out += ["| restored | recovery (final) | 95 % interval | recovery (area under curve) | verdict | runs ok |",
                "|---|---|---|---|---|---|"]
        out += [_row(v, result) for v in result.variants]
        out.append("")
    if result.interactions:
        out += [f"**Interactions.** {result.interactions}", ""]
    if figure:
        out += [f"![Recovery of each restore]({figure})", ""]
    out.append(cost_line(result))
    return "\n".join(out)


def cost(result: VerifyResult) -> tuple[int, int, int, float]:
    """(runs started, reused from the result cache, not run (budget, failed checkout), run seconds)."""
    runs = result.spent()
    cached = sum(1 for r in runs if r.cached)
    skipped = sum(1 for r in runs if r.status == "skipped")
    seconds = sum(r.wall_s for r in runs if not r.cached)
    return len(runs) - cached - skipped, cached, skipped, seconds


def cost_line(result: VerifyResult) -> str:
    ran, cached, skipped, seconds = cost(result)
    reused = len(result.baseline_runs) + len(result.candidate_runs) - len(result.own)
    return (f"Cost: {ran} training run(s) ran ({seconds:.1f} s of run time), {cached} reused from the result cache, "
            f"{skipped} not run; {reused} baseline/candidate run(s) reused from the training-run probe; "
            f"{len(result.variants)} restored checkout(s); {result.wall_s:.1f} s wall.")


def chart(result: VerifyResult, path: Path) -> bool:
    """A horizontal bar per measured variant with its interval; False when nothing was measured."""
    measured = [(v, v.final) for v in result.variants if v.final is not None][::-1]  # drawn bottom-up
    if not measured:
        return False
    import math

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    from investigator.verify.recovery import verdict

    labels = [v.label for v, _ in measured]
    values = [stat.recovery for _, stat in measured]
    lows = [max(0.0, stat.recovery - stat.interval[0]) if math.isfinite(stat.interval[0]) else 0.0 for _, stat in measured]
    highs = [max(0.0, stat.interval[1] - stat.recovery) if math.isfinite(stat.interval[1]) else 0.0 for _, stat in measured]
    fig = Figure(figsize=(9, 0.5 * len(measured) + 1.8), dpi=90)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    colors = [_COLORS[verdict(stat, result.threshold)[0]] for _, stat in measured]
    bars = ax.barh(labels, values, xerr=[lows, highs], color=colors, capsize=4)
    for bar, (v, _) in zip(bars, measured, strict=True):
        if v.kind != "single":
            bar.set_hatch("//")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.axvline(result.threshold, color="gray", linestyle="--", linewidth=0.8, label=f"threshold {result.threshold:.0%}")
    ax.axvline(1.0, color="gray", linestyle=":", linewidth=0.8, label="back at the baseline")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(f"share of the regression recovered (final {result.metric}), 95 % interval")
    ax.set_title("green: proven cause · gray: no measurable effect · orange: inconclusive", fontsize=9)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, -0.5 if len(measured) < 3 else -0.35), ncol=2, fontsize=8,
              frameon=False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return True
