"""The `metric_forensics` analyzer: training logs of runs at both commits, judged statistically.

Works without a repository (logs-only mode): it reads only `request.baseline_runs` /
`request.candidate_runs`, `primary_metric`, `metric_aliases` and `metric_options`.
numpy/scipy/pandas are imported only when runs are given, so a static investigation does not pay
for them at start-up.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pydantic import ValidationError

from investigator.analyzers.base import AnalysisContext, Analyzer, register_analyzer
from investigator.models import AnalyzerFailure, AnalyzerResult, ReportSection

if TYPE_CHECKING:
    from investigator.metrics.rules import RuleOptions

SOURCE = "metric_forensics"
GRAD_CLIP_HYPOTHESIS = "grad_clip_changed"


def options_from(raw: dict[str, float]) -> tuple[RuleOptions, list[str]]:
    """RuleOptions from the request's flat `metric_options`. Invalid or unknown options are problems
    (the CLI refuses them before any analysis; a request built in code gets them as failures) and
    their defaults are used."""
    from investigator.metrics.rules import RuleOptions
    from investigator.metrics.stats import StatOptions
    from investigator.metrics.validation import RULE_KEYS, STAT_KEYS, option_problems

    invalid = option_problems(raw)
    problems = list(invalid.values())
    valid = {k: v for k, v in raw.items() if k not in invalid}
    try:
        stats = StatOptions.model_validate({k: v for k, v in valid.items() if k in STAT_KEYS})
        opts = RuleOptions.model_validate({**{k: v for k, v in valid.items() if k in RULE_KEYS}, "stats": stats})
    except ValidationError as exc:  # not expected after the checks; defaults rather than a crash
        problems.append(f"invalid metric options: {exc.errors()[0]['msg']}")
        opts = RuleOptions(stats=StatOptions())
    return opts, problems


def configured_grad_clip(ctx: AnalysisContext) -> tuple[float, str] | None:
    """The candidate's gradient-clip threshold from the effective configuration, when the config
    analyzer ran: keys are recognised by the playbook rules of the gradient-clipping hypothesis."""
    prior = ctx.prior.get("config_forensics")
    effective = (prior.data.get("effective_config") or {}).get("candidate") or {} if prior else {}
    rules = [
        rule
        for playbook in ctx.playbooks
        for rule in playbook.signals.config_keys
        if rule.hypothesis == GRAD_CLIP_HYPOTHESIS
    ]
    for key, value in sorted(effective.items()):
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 and any(rule.matches(key) for rule in rules):
            return float(value), key
    return None


class MetricForensicsAnalyzer(Analyzer):
    id = SOURCE
    title = "Training metrics"
    order = 30
    after = ("config_forensics",)  # the configured gradient clip comes from the effective config

    def applies(self, ctx: AnalysisContext) -> tuple[bool, str]:
        req = ctx.request
        if req.baseline_runs or req.candidate_runs:
            return True, (
                f"runs given: {len(req.baseline_runs)} baseline glob(s), {len(req.candidate_runs)} candidate glob(s)"
            )
        return False, "no training runs given (baseline_runs / candidate_runs)"

    def run(self, ctx: AnalysisContext) -> AnalyzerResult:
        from investigator.metrics.aliases import MetricCatalog
        from investigator.metrics.engine import markdown, run_engine
        from investigator.metrics.loading import load_side
        from investigator.metrics.validation import check_run_globs

        started = time.perf_counter()
        req = ctx.request
        result = AnalyzerResult(analyzer=self.id)
        raw_options = dict(req.metric_options)
        clip_note = ""
        if "grad_clip" not in raw_options and (found := configured_grad_clip(ctx)) is not None:
            raw_options["grad_clip"], key = found
            clip_note = f"Gradient-clip threshold {found[0]:g} taken from the candidate's effective configuration (`{key}`).\n\n"
        opts, option_problems = options_from(raw_options)
        result.failures.extend(AnalyzerFailure(source=self.id, message=m) for m in option_problems)
        one_side = check_run_globs(list(req.baseline_runs), list(req.candidate_runs)).warnings
        result.failures.extend(AnalyzerFailure(source=self.id, message=f"input (warning): {m}") for m in one_side)
        baseline, b_problems = load_side(list(req.baseline_runs))
        candidate, c_problems = load_side(list(req.candidate_runs))
        for side, problems in (("baseline", b_problems), ("candidate", c_problems)):
            result.failures.extend(
                AnalyzerFailure(source=self.id, message=f"{side}: {p.message}", path=p.path) for p in problems
            )
        catalog = MetricCatalog(req.metric_aliases, req.primary_metric)
        out = run_engine(baseline, candidate, catalog, opts, ctx.output_dir, figures_dir=ctx.figures_dir)
        result.findings = out.findings
        result.hypothesis_updates = out.hypothesis_updates
        result.artifacts = out.artifacts
        result.failures.extend(out.failures)
        out.failures = result.failures
        result.sections.append(
            ReportSection(
                id="training_metrics",
                title="Training metrics",
                markdown=clip_note + markdown(out, baseline, candidate, catalog, opts),
                order=40,
            )
        )
        result.duration_s = time.perf_counter() - started
        return result


analyzer = register_analyzer(MetricForensicsAnalyzer())
