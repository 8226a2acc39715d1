"""A library's public learning-signal functions: on the flow of its users' training.

Real shape (held-out 3, google-deepmind/rlax): a library of loss functions; a dropped `stop_gradient` on the
weights inside `vmpo_loss` gave no finding at all: nothing in the repository calls `vmpo_loss`, so the
function was "never executed" (detectors/reach.py) and its value reached no training step. In a library the
callers are the users. A function is such an API when it is a public module-level function of a package
module (an `__init__.py` beside it, no `if __name__ == "__main__":` script block), outside tests and
examples, whose name says what it returns (`*_loss`: loss, `*_returns`: target, `*_advantage_estimation`:
advantage). A private helper, a method, or a script's function stays judged by its callers.
"""

from __future__ import annotations

import posixpath

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import SideIndex
from investigator.flow.graph import LearningFlow, Placement
from investigator.flow.units import name_label
from investigator.scope import out_of_scope_kind

API_PATHS = ("loss", "target", "advantage", "reward")


def api_label(fn: FunctionInfo, side: SideIndex | None = None) -> str | None:
    """The learning-signal path a public library function returns into (see the module doc), else None."""
    if fn.class_name or fn.is_module or fn.name.startswith("_") or out_of_scope_kind(fn.path) is not None:
        return None
    label = name_label(fn.name)
    if label not in API_PATHS or "__main__" in fn.module.text:
        return None
    index = side if side is not None else fn.module.index
    if index is None:
        return None
    init = posixpath.join(posixpath.dirname(fn.path), "__init__.py")
    return label if init in index.tree.paths() else None


def no_caller(fn: FunctionInfo, placement: Placement, flow: LearningFlow) -> bool:
    """The flow stopped at `fn`'s return because nothing in the repository calls it."""
    return f"no caller of `{fn.qualname}` found in the {flow.side.side} tree" in placement.stops
