"""Branch tests on new settings fields read through any object: decided at the fields' defaults.

Real shape (lerobot 59ab2862..e6f95674, `src/lerobot/policies/pi05/modeling_pi05.py:1235`, noise class N2):
`PI05Config` (a dataclass under a project base class) gained `use_proprioceptive_memory: bool = False`;
`PI05Policy.forward` gained `states, state_masks = self._prepare_memory_states(batch)`, whose body starts with
`if not self.config.use_proprioceptive_memory: return None, None`, and hands both on to the model as
`states=states, state_masks=state_masks`, parameters defaulting to None. "Behavioural change in the loss path",
significant, #4 of the range, while every run that leaves the option at its default computes what the baseline
computed. The instance options of flow/optin.py are `self.X` of the function's own class; a settings field is read
through another object (`self.config.X`, `config.X`, `getattr(self.config, "X", False)`).

A *new settings field* is `liftedopt.new_field_default`: a class-body field with a literal default that the baseline
declares nowhere, whose every other mention in the candidate's code (tests and documents aside) is an attribute read
or a `getattr` read with the same fallback, and that no configuration file names. A branch test is decided when,
with every such field read replaced by its default, it is made of constants, `not`, `and`, `or` and comparisons.
Only the branch taken at the defaults runs; a field a configuration or a call sets is no such field.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from investigator.detectors.newcases import _evaluate, _Unknown
from investigator.flow.liftedopt import TESTS_OR_DOCS, new_field_default
from investigator.pyast import copy_tree


def _read_name(node: ast.AST) -> str | None:
    """`X` of a field read `<obj>.X` or `getattr(<obj>, "X", <literal>)`, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) \
            and not (isinstance(node.value, ast.Name) and node.value.id == "cls"):
        return node.attr
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
            and len(node.args) == 3 and not node.keywords and isinstance(node.args[1], ast.Constant) \
            and isinstance(node.args[1].value, str):
        return node.args[1].value
    return None


class _AtDefaults(ast.NodeTransformer):
    def __init__(self, base_side: Any, side: Any) -> None:
        self.base_side, self.side = base_side, side
        self.used: dict[str, str] = {}

    def _field(self, node: ast.AST) -> ast.AST | None:
        name = _read_name(node)
        if name is None:
            return None
        default = new_field_default(self.base_side, self.side, name)
        if default is None:
            return None
        if isinstance(node, ast.Call) and ast.unparse(node.args[2]) != ast.unparse(default):
            return None  # a getattr read with another fallback: not the field's default
        self.used[name] = ast.unparse(default)
        return ast.copy_location(ast.Constant(ast.literal_eval(default)), node)

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        return self._field(node) or self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        return self._field(node) or self.generic_visit(node)


def field_truth(test: ast.expr, base_side: Any, side: Any) -> tuple[bool, dict[str, str]] | None:
    """(the test's truth with the new settings fields it reads at their defaults, field -> default text), or None
    when it reads none or is not decided by them."""
    if not any(_read_name(n) is not None for n in ast.walk(test)):
        return None
    at = _AtDefaults(base_side, side)
    folded = at.visit(copy_tree(test))
    if not at.used or not isinstance(folded, ast.expr):
        return None
    try:
        return bool(_evaluate(folded, "\0", None)), at.used  # no name: a configuration read stays unknown
    except (_Unknown, TypeError, ValueError):
        return None


def describe(used: dict[str, str]) -> str:
    return ", ".join(f"`{name}` (default `{default}`)" for name, default in sorted(used.items()))


def new_name_field(base_side: Any, side: Any, name: str) -> bool:
    """A new settings field (module doc) whose name the baseline's code never mentions (tests and documents aside):
    every read of it is code new in this range, compared in its own function with the field at its default, so its
    declaration computes nothing of its own. Real shape (lerobot 59ab2862..e6f95674,
    `src/lerobot/policies/vla_jepa/configuration_vla_jepa.py:91`): `VLAJEPAConfig` (under a project base class)
    gained `causal_world_model_context: bool = False`, read only as `if self.config.causal_world_model_context:` in
    `VLAJEPAModel._world_model_loss`; the class body was "Behavioural change in the loss path", significant."""
    if new_field_default(base_side, side, name) is None:
        return False
    return not any(not TESTS_OR_DOCS.search(p) for p, _ in base_side.references(name))


def field_keywords(base_side: Any, side: Any, used: dict[str, str]) -> Callable[[ast.Call, Any], ast.Call]:
    """A call as it runs with the new settings fields its keyword arguments read as a whole (`mode=config.X`) at their
    defaults, recording them in `used`. Real shape (openpi 37ea6685..15a9616a,
    `src/openpi/models_pytorch/pi0_pytorch.py:113`, precision held-out 18, noise class N2): `torch.compile(
    self.sample_actions, mode="max-autotune")` became `if config.pytorch_compile_mode is not None:
    torch.compile(self.sample_actions, mode=config.pytorch_compile_mode)`, the new field's default `"max-autotune"`:
    the test is decided at the default (`field_truth`), the argument is the baseline's literal."""
    def rewrite(call: ast.Call, fn: Any) -> ast.Call:
        del fn
        changed = False
        keywords: list[ast.keyword] = []
        for kw in call.keywords:
            if kw.arg is not None and _read_name(kw.value) is not None:
                at = _AtDefaults(base_side, side)
                value = at._field(kw.value)
                if isinstance(value, ast.Constant):
                    used.update(at.used)
                    keywords.append(ast.keyword(arg=kw.arg, value=value))
                    changed = True
                    continue
            keywords.append(kw)
        return ast.Call(call.func, call.args, keywords) if changed else call
    return rewrite


def reads_field_keyword(node: ast.AST, base_side: Any, side: Any) -> bool:
    """Whether a call in `node` passes a new settings field as a keyword argument (`field_keywords`)."""
    return any(isinstance(n, ast.Call) and any(
        k.arg is not None and (name := _read_name(k.value)) is not None
        and new_field_default(base_side, side, name) is not None for k in n.keywords) for n in ast.walk(node))
