"""The markdown report, in the order docs/domain.md (The report) gives."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from investigator.models import CommitRef, Finding, NoEffectChange, Severity
from investigator.probes.model import ProbeRun

if TYPE_CHECKING:  # the workflow imports the report writer; only annotations need the state
    from investigator.workflow.state import Investigation

_MAX_HUNK_LINES = 30


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _quoted(text: str) -> str:
    """Repository text (a commit message) as inert markdown: no image a viewer would load, no raw HTML."""
    return _cell(text).replace("![", "!\\[").replace("<", "&lt;")


def _repo_name(inv: Investigation) -> str:
    repo = inv.request.repo
    return Path(repo.rstrip("/")).name.removesuffix(".git") if repo else "training logs"


def _fmt_seconds(s: float) -> str:
    return f"{s:.2f} s" if s < 60 else f"{int(s // 60)} min {s % 60:.0f} s"


def _heading(inv: Investigation) -> list[str]:
    if inv.request.title:
        return [f"# {inv.request.title}", ""]
    if inv.range:
        return [f"# Regression diagnosis: {_repo_name(inv)} `{inv.range.baseline.short}` → `{inv.range.candidate.short}`", ""]
    return ["# Regression diagnosis: training logs", ""]


def _incomplete(inv: Investigation) -> list[str]:
    """The first thing a reader sees on a partial report: it was stopped, and what it covers."""
    info = inv.incomplete
    if info is None:
        return []
    finished = ", ".join(f"`{s}`" for s in info.finished_steps) or "none"
    unfinished = ", ".join(f"`{a}`" for a in info.unfinished_analyzers) or "none"
    return [
        f"> **INCOMPLETE REPORT: the investigation was {info.reason} before it finished.** "
        f"Finished steps: {finished}. Analyzers that did not finish: {unfinished}. "
        "Findings below come only from the finished steps; a missing finding proves nothing.",
        "",
    ]


def _problem(inv: Investigation) -> list[str]:
    out: list[str] = []
    crit = [f for f in inv.findings if f.severity == Severity.critical]
    sig = [f for f in inv.findings if f.severity == Severity.significant]
    low = [f for f in inv.findings if f.severity == Severity.low]
    verdict = (
        f"{len(inv.findings)} finding(s): {len(crit)} critical, {len(sig)} significant, {len(low)} low."
        if inv.findings
        else "No behavioural change was found by the analyzers that ran."
    )
    symptoms = [f.title for f in inv.findings if f.subsystem == "other" and any(e.kind.value == "metric" for e in f.evidence)]
    if symptoms:
        verdict = f"Observed in the training logs: {symptoms[0]}. " + verdict
    if inv.range:
        r = inv.range
        out.append(
            f"**Question.** Training got worse between baseline `{r.baseline.short}` ({_quoted(r.baseline.summary)}) "
            f"and candidate `{r.candidate.short}` ({_quoted(r.candidate.summary)}). {verdict}"
        )
        behavioural = len(inv.triage.behavioural()) if inv.triage else 0
        out.append("")
        out.append(
            f"**Analysed.** {r.commits_between} commit(s) ({r.relation}); {r.files_changed} files changed "
            f"(+{r.lines_added:,} −{r.lines_removed:,}), of which {behavioural} may change behaviour. "
            f"Analyzers: {', '.join(inv.results) or 'none'}."
        )
    else:
        out.append(f"**Question.** Compare training runs at the baseline and the candidate. {verdict}")
    runs = []
    if inv.request.baseline_runs:
        runs.append(f"baseline runs `{', '.join(inv.request.baseline_runs)}`")
    if inv.request.candidate_runs:
        runs.append(f"candidate runs `{', '.join(inv.request.candidate_runs)}`")
    if runs:
        out.append("Runs: " + "; ".join(runs) + ".")
    total = sum(t.seconds for t in inv.timings if not t.step.startswith("analyze:")) + sum(
        t.seconds for t in inv.timings if t.step.startswith("analyze:")
    )
    out.append(f"Duration {_fmt_seconds(total)}.")
    out.append("")
    return out


def _loc_pair(f: Finding) -> str:
    base = f.location_at("baseline")
    cand = f.location_at("candidate")
    parts = []
    if base:
        parts.append(f"`{base.render()}`")
    else:
        parts.append("—")
    parts.append(f"`{cand.render()}`" if cand else "—")
    return " → ".join(parts)


def _summary_table(inv: Investigation) -> list[str]:
    out = ["## Findings, ranked", ""]
    if not inv.findings:
        out += ["No findings.", ""]
        return out
    out += ["| # | severity | confidence | subsystem | finding | where (baseline → candidate) |", "|---|---|---|---|---|---|"]
    for f in inv.findings:
        kinds = sorted({e.kind.value for e in f.evidence})
        conf = f"{f.confidence_label} ({' + '.join(kinds)})" if kinds else f.confidence_label
        out.append(f"| {f.rank} | {f.severity.value} | {conf} | {f.subsystem} | {_cell(f.title)} | {_loc_pair(f)} |")
    out.append("")
    return out


def _introduced_by(ref: CommitRef) -> str:
    """`abc1234` subject (author, date), and the first-parent merge it came through."""
    text = f"`{ref.short}` {ref.subject} ({ref.author}, {ref.date[:10]})"
    return text + (f", via merge `{ref.via_merge[:7]}`" if ref.via_merge else "")


_RANKS_SHOWN = 6  # finding numbers listed per commit; the count says how many in all


def _commits_behind(inv: Investigation) -> list[str]:
    """Which commits of a multi-commit range introduced the findings (static attribution)."""
    if inv.range is None or inv.range.commits_between <= 1:
        return []
    by_commit: dict[str, list[Finding]] = defaultdict(list)
    refs: dict[str, CommitRef] = {}
    for f in inv.findings:
        if f.introduced_by is not None:
            by_commit[f.introduced_by.sha].append(f)
            refs[f.introduced_by.sha] = f.introduced_by
    if not by_commit:
        return []
    out = ["### Commits behind the findings", "", "| commit | findings | top severity |", "|---|---|---|"]
    rows = sorted(by_commit.items(), key=lambda kv: (-max(f.severity.weight for f in kv[1]), -len(kv[1]), kv[0]))
    for sha, found in rows:
        top = max((f.severity for f in found), key=lambda s: s.weight)
        numbers = [f"#{f.rank}" for f in found if f.rank is not None]
        ranks = ", ".join(numbers[:_RANKS_SHOWN]) + (", …" if len(numbers) > _RANKS_SHOWN else "")
        out.append(f"| {_cell(_introduced_by(refs[sha]))} | {len(found)}" + (f" ({ranks})" if ranks else "") + f" | {top.value} |")
    missing = sum(1 for f in inv.findings if f.introduced_by is None)
    if missing:
        out.append(f"| not attributed (no line the finding names changed in the range, or not a code/config finding) | {missing} | |")
    out.append("")
    return out


_VERIFIED_PER_SUBSYSTEM = 10  # a migrated reward table can verify dozens of keys; the rest is in the JSON


def _verified(inv: Investigation) -> list[str]:
    out = ["### Verified identical", ""]
    items = [v for r in inv.results.values() for v in r.verified]
    if not items:
        out += ["Nothing was verified identical (no analyzer compared both sides).", ""]
        return out
    by_sub: dict[str, list[str]] = defaultdict(list)
    for v in items:
        by_sub[v.subsystem].append(v.what)
    for sub in sorted(by_sub):
        out.append(f"- **{sub}**")
        whats = list(dict.fromkeys(by_sub[sub]))
        out += [f"  - {what}" for what in whats[:_VERIFIED_PER_SUBSYSTEM]]
        if len(whats) > _VERIFIED_PER_SUBSYSTEM:
            out.append(f"  - … and {len(whats) - _VERIFIED_PER_SUBSYSTEM} more (JSON report, `verified`)")
    out += ["", "*How each item was checked is in the JSON report (`verified[].how`).*", ""]
    return out


# No-effect items by what kind of change they are, most informative first: a behaviour-looking code
# change that cannot run says more than a reformatted file.
_NO_EFFECT_KINDS = (
    ("code", "Code that changed but cannot affect training"),
    ("config", "Configuration that changed but no code reads"),
    ("files", "Files whose change cannot alter behaviour (formatting, comments, renames, docs)"),
)
_NO_EFFECT_FLAT = 25  # up to this many items: one flat list
_NO_EFFECT_PER_KIND = 15  # beyond it: a capped list per kind


def _no_effect_kind(source: str) -> str:
    if source.startswith("config"):
        return "config"
    if source.startswith(("diff_overview", "triage")) or not source:
        return "files"
    return "code"


def _no_effect_line(n: NoEffectChange) -> str:
    title = n.title if "`" in n.title else f"`{n.title}`"
    return f"- {title}: {n.reason}"


def _no_effect(inv: Investigation) -> list[str]:
    items = [n for r in inv.results.values() for n in r.no_effect]
    out = ["### Changed, no behavioural effect", ""]
    if not items:
        out += ["None.", ""]
        return out
    by_kind: dict[str, list[NoEffectChange]] = {kind: [] for kind, _ in _NO_EFFECT_KINDS}
    for n in items:
        by_kind[_no_effect_kind(n.source)].append(n)
    if len(items) <= _NO_EFFECT_FLAT:
        out += [_no_effect_line(n) for kind, _ in _NO_EFFECT_KINDS for n in by_kind[kind]]
        out.append("")
        return out
    for kind, heading in _NO_EFFECT_KINDS:
        group = by_kind[kind]
        if not group:
            continue
        out += [f"**{heading}** ({len(group)})", ""]
        out += [_no_effect_line(n) for n in group[:_NO_EFFECT_PER_KIND]]
        if len(group) > _NO_EFFECT_PER_KIND:
            out.append(f"- … and {len(group) - _NO_EFFECT_PER_KIND} more of this kind (JSON report, `no_effect`).")
        out.append("")
    return out


def _finding_details(inv: Investigation) -> list[str]:
    out: list[str] = []
    for f in inv.findings:
        out.append(f"## {f.rank}. {f.title} — {f.severity.value}")
        out.append("")
        out.append(f"*Subsystem:* {f.subsystem} · *confidence:* {f.confidence_label} ({f.confidence:.2f}) · *source:* `{f.source}`")
        out.append("")
        for loc in f.locations:
            out.append(f"- {loc.side.capitalize()}: `{loc.render()}`")
        if f.introduced_by is not None:
            out.append(f"- Introduced by {_introduced_by(f.introduced_by)}")
        if f.impact and not f.rationale.startswith(f.impact):
            out.append(f"- Impact: {f.impact}")
        if f.rationale:
            out.append(f"- Why it matters: {f.rationale}")
        for e in f.evidence:
            out.append(f"- Evidence ({e.kind.value}): {e.summary}")
        hunks = [e.hunk for e in f.evidence if e.hunk]
        if hunks:
            lines = hunks[0].splitlines()
            excerpt = "\n".join(lines[:_MAX_HUNK_LINES]) + ("\n…" if len(lines) > _MAX_HUNK_LINES else "")
            out += ["", "```diff", excerpt, "```"]
        if f.fix:
            out += ["", f"**Fix:** {f.fix}"]
        if f.patch:
            out += ["", "```diff", f.patch.rstrip(), "```"]
        out.append("")
    return out


def _subsystems(inv: Investigation) -> list[str]:
    out = ["## Subsystems", ""]
    by_sub: dict[str, list] = defaultdict(list)
    for h in inv.hypotheses:
        by_sub[h.subsystem].append(h)
    touched = inv.triage.touched() if inv.triage else {}
    for sub, records in by_sub.items():
        counts: defaultdict[str, int] = defaultdict(int)
        for r in records:
            counts[r.status.value] += 1
        summary = ", ".join(f"{v} {k}" for k, v in counts.items())
        out.append(f"### {sub} — {len(records)} hypotheses ({summary}); {touched.get(sub, 0)} behavioural file change(s)")
        out.append("")
        out += ["| hypothesis | status | evidence |", "|---|---|---|"]
        for r in records:
            status = f"{r.status.value} (probe `{r.decided_by}`)" if r.decided_by else r.status.value
            out.append(f"| {_cell(r.statement)} | {status} | {_cell('; '.join(r.evidence) or '—')} |")
        out.append("")
    return out


def _side_cell(runs: list[ProbeRun]) -> str:
    """A side's runs in one cell: all ok ("ok, 3 runs"), or each failure's status and reason."""
    if not runs:
        return "—"
    cached = sum(1 for r in runs if r.cached)
    bad = [r for r in runs if not r.ok]
    head = f"ok ({len(runs) - len(bad)}/{len(runs)} runs" + (f", {cached} cached" if cached else "") + ")"
    if not bad:
        return head
    return "; ".join([head, *(f"{r.status.value}: {r.error}"[:160] for r in bad[:2])])


def _probes(inv: Investigation) -> list[str]:
    """What the probes ran at both commits and what they decided (docs/probes.md)."""
    if not (inv.probe_outcomes or inv.probe_not_run or inv.probe_plan):
        return []
    out = ["## Probe experiments", ""]
    if inv.probe_outcomes:
        out += ["| probe | why planned | baseline | candidate | verdict | wall s | device |", "|---|---|---|---|---|---|---|"]
        for o in inv.probe_outcomes:
            sides = {side: [r for r in o.runs if r.side == side] for side in ("baseline", "candidate")}
            devices = ", ".join(sorted({r.device for r in o.runs})) or "—"
            verdict = o.decision.verdict if o.decision else "failed"
            out.append(f"| `{o.probe}` | {_cell(o.reason)} | {_cell(_side_cell(sides['baseline']))} | "
                       f"{_cell(_side_cell(sides['candidate']))} | {verdict} | {o.wall_s:.1f} | {devices} |")
        out.append("")
        for o in inv.probe_outcomes:
            if o.decision is not None:
                out.append(f"- `{o.probe}` ({o.decision.verdict}): {_quoted(o.decision.summary)}")
        out.append("")
    if inv.probe_not_run:
        out.append("Not run:")
        out += [f"- `{pid}`: {_cell(why)}" for pid, why in inv.probe_not_run.items()]
        out.append("")
    return out


def _bisection(inv: Investigation) -> list[str]:
    """The first bad commit, the per-commit verdicts and the figure (docs/bisect.md)."""
    if inv.bisection is None:
        return []
    from investigator.bisect.report import section

    return section(inv.bisection).splitlines() + [""]


def _sections(inv: Investigation) -> list[str]:
    sections = sorted((s for r in inv.results.values() for s in r.sections), key=lambda s: (s.order, s.title))
    out: list[str] = []
    for s in sections:
        out += [f"## {s.title}", "", s.markdown.rstrip(), ""]
    return out


def _fixes(inv: Investigation) -> list[str]:
    out = ["## Recommended fixes, most urgent first", ""]
    fixes = [f for f in inv.findings if f.fix]
    if not fixes:
        return out + ["None.", ""]
    for i, f in enumerate(fixes, start=1):
        loc = f.location_at("candidate") or f.location_at("baseline")
        where = f" (`{loc.render()}`)" if loc else ""
        out.append(f"{i}. **{f.severity.value}** — {f.title}{where}: {f.fix}" + (" Patch in finding " + str(f.rank) + "." if f.patch else ""))
    out.append("")
    return out


def _validation(inv: Investigation) -> list[str]:
    out = ["## Validation checklist", ""]
    subsystems = list(dict.fromkeys(f.subsystem for f in inv.findings if f.severity != Severity.low))
    watch = {
        "env": "episodic return and episode length curves match the baseline's shape within seed noise",
        "ppo": "value loss decreasing, explained variance positive, approximate KL in 0.005–0.05, clip fraction 0.05–0.3",
        "trainer": "learning-rate curve and gradient norm (pre-clip) match the baseline",
        "vecenv": "steps per second within 5% of the baseline",
        "checkpointing": "missing/unexpected keys empty when loading; steps per second within 5%",
        "normalization": "observation mean/std at the model input match the baseline",
        "logging": "scalars present in the log directory after the first update",
        "device": "steps per second and device placement match the baseline",
        "init": "per-layer weight std with the same seed matches the baseline",
        "architecture": "parameter count and forward-pass output shapes match the baseline",
        "buffers": "rollout length and minibatch count match the baseline",
        "curriculum": "task distribution and stage progression match the baseline",
    }
    for sub in subsystems:
        out.append(f"- [ ] {sub}: {watch.get(sub, 'metrics of this subsystem match the baseline')}")
    out.append("- [ ] primary metric at the baseline's step budget within the baseline's confidence interval (≥ 3 seeds per side)")
    if any(f.severity == Severity.low for f in inv.findings):
        out.append("- [ ] throughput (steps per second) within 5% of the baseline")
    out.append("")
    return out


def _log(inv: Investigation) -> list[str]:
    out = ["## Investigation log", ""]
    out.append(" · ".join(f"{t.step} {_fmt_seconds(t.seconds)}" + (f" ({t.detail})" if t.detail and len(t.detail) < 60 else "") for t in inv.timings))
    out.append("")
    if inv.skipped:
        out.append("Not run:")
        for aid, reason in inv.skipped.items():
            out.append(f"- `{aid}`: {reason}")
        out.append("")
    out += _probe_log(inv)
    if inv.failures:
        out.append("Recorded failures (the investigation went on without these parts):")
        for fail in inv.failures:
            out.append(f"- `{fail.source}`: {fail.message}")
        out.append("")
    return out


def _probe_log(inv: Investigation) -> list[str]:
    """The probe loop in the log: each wave's plan, what ran, what it cost, what it decided."""
    if not (inv.probe_plan or inv.probe_notes):
        return []
    out = ["Probes:"]
    out += [f"- setup: {_cell(note)}" for note in inv.probe_notes]
    outcomes = {o.probe: o for o in inv.probe_outcomes}
    for item in inv.probe_plan:
        o = outcomes.get(item.probe)
        line = f"- wave {item.wave}: planned `{item.probe}` ({_cell(item.reason)})"
        if o is not None:
            ran = sum(1 for r in o.runs if r.ok and not r.cached)
            cached = sum(1 for r in o.runs if r.cached)
            line += (f"; {len(o.runs)} runs ({ran} ran, {cached} cached) in {o.wall_s:.1f} s; "
                     f"decided {o.decision.verdict if o.decision else 'failed'}")
        out.append(line)
    total = sum(o.wall_s for o in inv.probe_outcomes)
    if inv.probe_outcomes:
        out.append(f"- probes took {total:.1f} s of a {inv.request.probe_budget_s:g} s budget (--probe-budget)")
    verify = inv.results.get("verify")  # --verify (investigator.verify): what ran and what it cost
    if verify is not None and verify.data.get("log"):
        out.append(f"- verify (--verify-budget {inv.request.verify_budget_s:g} s): {_cell(str(verify.data['log']))}")
    out.append("")
    return out


def render_markdown(inv: Investigation) -> str:
    parts: list[str] = []
    for block in (
        _heading,
        _incomplete,
        _problem,
        _summary_table,
        _commits_behind,
        _verified,
        _no_effect,
        _finding_details,
        _subsystems,
        _probes,
        _bisection,
        _sections,
        _fixes,
        _validation,
        _log,
    ):
        parts += block(inv)
    return "\n".join(parts).rstrip() + "\n"
