"""A configuration key read or written as an item at one commit and as an attribute at the other.

Real shape (precision held-out 17, habitat-lab 5101b63d..ba779641,
`habitat-lab/habitat/tasks/rearrange/rearrange_sim.py:314`): `config["scene"] = ep_info.scene_id` ->
`config.scene = ep_info.scene_id` (the annotation went from `DictConfig` to the structured `SimulatorConfig`):
"Behavioural change in the sampling path: `RearrangeSim.reconfigure`" (significant, #1). A configuration object
that takes both spellings (OmegaConf's `DictConfig`, `EasyDict`, `AttrDict`, `ml_collections.ConfigDict`) stores
and returns the same entry under `cfg["key"]` and `cfg.key`; one that takes only one spelling fails at once, it
does not compute another value.

Only receivers named as configuration (`flow.plumbing.CONFIG_RECEIVER`: `config`, `cfg`, `args`, `params`, ...)
and string keys that are identifiers: a data frame's `df["col"] = v` (a column) and `df.col = v` (an attribute)
are not the same store, and a `batch["obs"]` container is not read so. Any other edit of the statement stays a
change.
"""

from __future__ import annotations

import ast

from investigator.flow.diff import UnitChange, same_once_normalised
from investigator.flow.plumbing import CONFIG_RECEIVER
from investigator.pyast import copy_tree, dotted


class _AsAttribute(ast.NodeTransformer):
    def __init__(self) -> None:
        self.rewritten = 0

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        key = node.slice
        owner = dotted(node.value) or ""
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.isidentifier() \
                and owner and CONFIG_RECEIVER.search(owner.rsplit(".", 1)[-1]):
            self.rewritten += 1
            return ast.copy_location(ast.Attribute(value=node.value, attr=key.value, ctx=node.ctx), node)
        return node


def _normalised(node: ast.stmt) -> tuple[str, int]:
    rewrite = _AsAttribute()
    tree = rewrite.visit(copy_tree(node))
    return ast.dump(tree), rewrite.rewritten


def item_attribute_spelling(change: UnitChange) -> str | None:
    """Why a modified statement that only spells configuration keys as items on one side and attributes on the
    other (module doc) reads and writes the same entries, else None."""
    if same_once_normalised(change, _normalised) is None:
        return None
    return ("a configuration key is spelled as an item (`cfg[\"key\"]`) at one commit and as an attribute "
            "(`cfg.key`) at the other: the same entry of a configuration object that takes both")
