"""A branch condition made constant by a literal operand of `or` / `and`.

`params["distribution"] == "gaussian" or "normal"` reads like a membership test but is always true: `or`
returns its first truthy operand, and the non-empty string `"normal"` is one. Every later `elif` of the
chain is dead code (and `x == a and 0` is always false: its branch never runs). Real shape:
OmniIsaacGymEnvs ccb7758 (the bug re-applied; fixed by that commit),
omniisaacgymenvs/utils/domain_randomization/randomize.py:436 `Randomizer._generate_distribution`:
`elif params["distribution"] == "gaussian" or "normal":` sampled every log-uniform randomisation as a
normal. The behavioural-change fallback was silent there (the distribution's consumer, the replicator, is
outside the code that can be read), so this rule judges the condition itself: a constant test is wrong
wherever it runs (reachable code only).
"""

from __future__ import annotations

import ast

from investigator.detectors.base import (
    DetectorContext,
    DetectorMeta,
    Feature,
    FeatureDetector,
    Hit,
    feature_hit,
)
from investigator.detectors.classify import classify
from investigator.detectors.flow import Site
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.models import Severity
from investigator.pyast import unparse

_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _literal_truth(node: ast.AST) -> bool | None:
    """The truth value of a literal operand (`"normal"`, `3`, `0.0`, `None`, `True`, `[]`), else None."""
    if isinstance(node, ast.Constant):
        return bool(node.value)
    if isinstance(node, ast.List | ast.Tuple | ast.Set) and not node.elts:
        return False
    if isinstance(node, ast.Dict) and not node.keys:
        return False
    return None


def constant_operand(test: ast.AST) -> tuple[ast.BoolOp, ast.AST, bool] | None:
    """The `or` / `and` of a test (at its top, under `not`, or nested in another `or` / `and`) that has a
    literal operand after the first which fixes its value: a truthy literal in an `or`, a falsy one in an
    `and`. The first operand is skipped: `0 or default` and `"" and x` are idioms, not comparisons gone
    wrong."""
    stack = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            stack.append(node.operand)
            continue
        if not isinstance(node, ast.BoolOp):
            continue
        fixes = isinstance(node.op, ast.Or)
        for operand in node.values[1:]:
            if _literal_truth(operand) is fixes:
                return node, operand, fixes
        stack.extend(node.values)
    return None


def _tests(fn: FunctionInfo) -> list[tuple[ast.AST, ast.AST]]:
    """(statement or expression, its test) for every `if` / `elif` / `while` / conditional expression /
    comprehension filter of `fn`'s own body (nested functions and classes are their own units)."""
    out: list[tuple[ast.AST, ast.AST]] = []
    stack: list[ast.AST] = list(getattr(fn.node, "body", []))
    while stack:
        node = stack.pop()
        if isinstance(node, _NESTED):
            continue
        if isinstance(node, ast.If | ast.While | ast.IfExp):
            out.append((node, node.test))
        elif isinstance(node, ast.comprehension):
            out.extend((node, cond) for cond in node.ifs)
        stack.extend(ast.iter_child_nodes(node))
    return out


class ConstantTestDetector(FeatureDetector):
    meta = DetectorMeta(
        id="constant_test",
        title="Branch condition constant through a literal operand",
        subsystem="trainer",
        severity=Severity.significant,
        rationale=(
            "A condition with a literal operand of `or` / `and` (`x == \"a\" or \"b\"`) is constant: `or` "
            "returns its first truthy operand, so the branch is always taken and the alternatives after it "
            "never run (or, through `and` with a falsy literal, the branch never runs)."
        ),
        fix="Compare each alternative (`x == \"a\" or x == \"b\"`, or `x in (\"a\", \"b\")`), as the baseline did.",
        hypotheses=[],
        confidence=0.8,
        costs_anywhere=True,  # wrong wherever it runs: not judged by what the branch's values reach
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for node, test in _tests(fn):
            found = constant_operand(test)
            if found is None:
                continue
            bool_op, _, value = found
            site = Site(node, fn, (), False, 0)
            text = unparse(bool_op, 80)
            out.append(Feature(("constant", value, text), site, text))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        if not only_cand or pair.cand is None:
            return []
        value = "true" if only_cand[0].key[1] else "false"
        code = unparse(pair.cand.node, 4000)
        subsystem = classify(code, pair.cand.path, ctx.playbooks, self.meta.subsystem)
        return [feature_hit(f"Branch condition always {value}: `{only_cand[0].text}`", pair, [], only_cand,
                            subsystem=subsystem)]
