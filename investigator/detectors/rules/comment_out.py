"""Live code turned into comments (a whole module, a function, a block), and comment-only churn."""

from __future__ import annotations

import ast
import re
import textwrap

from investigator.detectors.base import Detector, DetectorContext, DetectorMeta, DetectorOutput, Hit
from investigator.detectors.classify import classify
from investigator.detectors.evidence import reverse_hunks
from investigator.detectors.pairs import PY_SUFFIXES, enclosing_function
from investigator.detectors.reach import class_uses, unreachable_reason
from investigator.detectors.sources import DiffHunk, FileChange
from investigator.models import Severity
from investigator.pyast import parse_tree

MIN_LINES = 3
TAG = re.compile(r"TODO|FIXME|XXX|HACK")


MAX_PROSE_LINES = 3  # "TODO re-enable ... #tag" lines around a commented-out block


def uncomment(lines: list[str]) -> str | None:
    """The code a run of comment lines holds (prose lines around it dropped), or None for prose."""
    body = []
    for line in lines:
        stripped = line.strip()
        if not stripped.startswith("#"):
            return None
        text = stripped[1:]
        body.append(text[1:] if text.startswith(" ") else text)
    for head in range(min(MAX_PROSE_LINES, len(body) - 1) + 1):
        for tail in range(min(MAX_PROSE_LINES, len(body) - head - 1) + 1):
            code = textwrap.dedent("\n".join(body[head : len(body) - tail]))
            try:
                tree = parse_tree(code, python2=False)  # a comment is code only if Python 3 reads it
            except SyntaxError:
                continue
            meaningful = [
                s for s in tree.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant | ast.Name))
            ]
            return code if meaningful else None
    return None


def comment_runs(changed: list[tuple[str, int, str]], sign: str) -> list[list[tuple[int, str]]]:
    """Consecutive comment lines among a hunk's lines with the given sign."""
    runs: list[list[tuple[int, str]]] = []
    previous = None
    for s, number, text in changed:
        if s != sign:
            continue
        is_comment = text.strip().startswith("#")
        if is_comment and previous is not None and number == previous + 1 and runs:
            runs[-1].append((number, text))
        elif is_comment:
            runs.append([(number, text)])
        previous = number if is_comment else None
    return runs


def _defined_names(code: str) -> list[str]:
    tree = parse_tree(code, python2=False)
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]


class CommentOutDetector(Detector):
    meta = DetectorMeta(
        id="comment_out",
        title="Live code commented out",
        subsystem="trainer",
        severity=Severity.significant,
        rationale=(
            "Commenting out code keeps the program running while silently dropping behaviour (a "
            "scheduler module, a wrapper, a loss term). It is only harmless when the code never ran."
        ),
        fix="Uncomment the block (restore the baseline code), or delete its callers deliberately.",
        confidence=0.65,
        generic=True,
    )

    def run(self, ctx: DetectorContext) -> DetectorOutput:
        out = DetectorOutput()
        for change in ctx.pairs.changes:
            if change.binary or not change.new_path or not change.new_path.endswith(PY_SUFFIXES):
                continue
            for hunk in change.hunks:
                out.hits.extend(self._hunk(change, hunk, ctx))
        return out

    def _hunk(self, change: FileChange, hunk: DiffHunk, ctx: DetectorContext) -> list[Hit]:
        changed = hunk.changed_pairs()
        removed_live = {t.strip() for s, _, t in changed if s == "-" and t.strip() and not t.strip().startswith("#")}
        removed_comments = [t for s, _, t in changed if s == "-" and t.strip().startswith("#")]
        hits: list[Hit] = []
        for run in comment_runs(changed, "+"):
            code = uncomment([t for _, t in run])
            if code is None:
                continue
            code_lines = [ln.strip() for ln in code.splitlines() if ln.strip()]
            live = sum(1 for ln in code_lines if ln in removed_live)
            base_line = next((n for s, n, t in changed if s == "-" and t.strip() in code_lines), None)
            cand_loc = (change.path, run[0][0])  # `run` keeps only changes with a new path
            base_loc = (change.old_path, base_line) if change.old_path and base_line else None
            tagged = any(TAG.search(t) for _, t in run)
            if live >= max(1, len(code_lines) // 2) and (len(code_lines) >= MIN_LINES or _defined_names(code)):
                hits.append(self._live_hit(change, hunk, code, run, base_loc, cand_loc, tagged, ctx))
            elif removed_comments and uncomment(removed_comments) is not None and live == 0:
                hits.append(
                    Hit(title="Commented-out code edited", summary=f"{len(run)} comment line(s) changed",
                        base=base_loc, cand=cand_loc, no_effect_reason="the code is commented out at both commits",
                        subsystem=classify(code, change.path, ctx.playbooks, self.meta.subsystem))
                )
        return hits

    def _live_hit(self, change, hunk, code, run, base_loc, cand_loc, tagged, ctx) -> Hit:
        names = _defined_names(code)
        reason = None
        if base_loc is not None:
            base_mod = ctx.pairs.base.module(base_loc[0])
            if names and base_mod is not None:
                defs = [f for f in base_mod.functions.values() if f.name in names]
                classes = [n for n in names if n not in {f.name for f in defs}]
                unreachable = [unreachable_reason(f, ctx.pairs.base) for f in defs]
                span = (base_loc[0], base_loc[1], base_loc[1] + len(run))
                class_refs = [class_uses(ctx.pairs.base, c, base_loc[0], span, _class_def(base_mod.tree, c)).reference
                              for c in classes]
                if (defs or classes) and all(unreachable) and not any(class_refs):
                    reasons = [r for r in unreachable if r] + [
                        f"class `{c}` is never referenced anywhere in the baseline tree" for c in classes
                    ]
                    reason = "; ".join(reasons)
            elif base_mod is not None:
                fn = enclosing_function(base_mod, base_loc[1])
                reason = unreachable_reason(fn, ctx.pairs.base)
        what = f"definitions {', '.join(f'`{n}`' for n in names)}" if names else "statements"
        return Hit(
            title=f"{len(run)} lines of {'' if reason else 'live '}code commented out ({what})",
            summary=f"`{code.splitlines()[0][:80]}` ... now a comment" + (" (tagged TODO/FIXME)" if tagged else ""),
            base=base_loc,
            cand=cand_loc,
            subsystem=classify(code, change.path, ctx.playbooks, self.meta.subsystem),
            no_effect_reason=reason,
            details={"lines": len(run), "defines": names, "tagged": tagged},
            patch=reverse_hunks(change.new_path, [hunk]),
        )


def _class_def(tree: ast.Module, name: str) -> ast.ClassDef | None:
    return next((n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name == name), None)
