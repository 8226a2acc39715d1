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
import re

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import SideIndex
from investigator.flow.graph import LearningFlow, Placement
from investigator.flow.units import name_label
from investigator.scope import out_of_scope_kind

API_PATHS = ("loss", "target", "advantage", "reward")

# Textbook learning-signal helpers whose names carry no role word (OpenRLHF's `masked_normalize`, fix b3d2927:
# its per-row mean broadcast along the wrong axis; trl's `masked_whiten`; `discount_cumsum`, `compute_gae`,
# `lambda_returns`, `vtrace`): what they return is an advantage or a target in their users' training.
_HELPER_LABELS = (
    (re.compile(r"(^|_)(gae|generali[sz]ed_advantage)(_|$)|whiten|(^|_)normali[sz]e$"), "advantage"),
    (re.compile(r"discount(ed)?_(cumsum|return|sum)|(^|_)(td|n_?step|lambda)_returns?($|_)|(^|_)v_?trace($|_)"
                r"|(^|_)retrace($|_)"), "target"),
)


def helper_label(name: str) -> str | None:
    """The path a public learning-signal helper returns into, from its name alone (or None)."""
    bare = name.lower()
    return next((label for pattern, label in _HELPER_LABELS if pattern.search(bare)), None)


def api_label(fn: FunctionInfo, side: SideIndex | None = None) -> str | None:
    """The learning-signal path a public library function returns into (see the module doc), else None."""
    if fn.class_name or fn.is_module or fn.name.startswith("_") or out_of_scope_kind(fn.path) is not None:
        return None
    label = name_label(fn.name) or helper_label(fn.name)
    if label not in API_PATHS or "__main__" in fn.module.text:
        return None
    index = side if side is not None else fn.module.index
    if index is None:
        return None
    init = posixpath.join(posixpath.dirname(fn.path), "__init__.py")
    return label if init in index.tree.paths() else None


NO_CALLER = re.compile(r"^no caller of `(?P<qualname>[^`]+)` found in the \w+ tree$")


def api_reached(placement: Placement, flow: LearningFlow) -> tuple[str, FunctionInfo] | None:
    """(path, function) when the flow stopped at the return of a library API function nothing in the
    repository calls: the changed statement's own function, or one it reaches (`vmpo_loss` returning what
    its helper `vmpo_compute_weights_and_temperature_loss` computes)."""
    for stop in placement.stops:
        m = NO_CALLER.match(stop)
        if m is None:
            continue
        qualname = m.group("qualname")
        for fn in flow.side.find_defs(qualname.rsplit(".", 1)[-1]):
            if fn.qualname == qualname and (label := api_label(fn)) is not None:
                return label, fn
    return None
