"""A changed count of a loop that slices minibatches and trains on each.

An update epoch cuts its batch into minibatches with a counted loop whose index sets the slice bounds
(`for i in range(n // mb): start = i * mb; x[start:start + mb]`) and trains on each slice. Its count decides how
many gradient updates an epoch makes and which samples are trained on at all: `n // mb` leaves the last partial
minibatch out, `ceil(n / mb)` trains on it too. When the training call is one the code cannot follow (a
framework's session run behind an object of unknown class), the flow stopped at the loop body's accessors and the
change was placed by whatever project method shared one of their names.

Real shape (precision held-out 19, coach ba20396f..2c60cb5a rl_coach/agents/clipped_ppo_agent.py:226):
`ClippedPPOAgent.train_network`'s `for i in range(int(batch.size / self.ap.network_wrappers['main'].batch_size)):`
-> `range(math.ceil(...))`, the body slicing `batch.actions()[start:end]` and calling
`self.networks['main'].train_and_sync_networks(inputs, ...)` (TensorFlow): filed low, "Behavioural change in the
environment path" (through `Batch.states`, a name of the body, followed into the acting loop).

The rule: the header of a `for` over `range(...)` changed its count; the loop index (or a local computed from it)
is a bound of a slice in the loop body; the body calls a method named for training (`train*`, `learn*`, `fit`,
`*_update`, `apply_gradients`, `minimize`, `backward`); and the function is not evaluation or logging code by its
role (`LearningFlow.off_path`). Then the change acts on minibatch sampling: placed on the sampling path as a
followed change. An evaluation loop that slices batches and only predicts is not this rule, nor a loop over agents
or environments (no slice), nor a loop whose count is unchanged.
"""

from __future__ import annotations

import ast
import re

from investigator.flow.graph import LearningFlow
from investigator.flow.units import Unit
from investigator.pyast import unparse

TRAINING_CALL = re.compile(r"^(train|learn|fit|optimi[sz]e|minimize|backward|apply_gradients)(_\w*)?$|"
                           r"_(train|update|learn)$|^update_\w+$", re.IGNORECASE)
_CEIL = frozenset({"ceil"})


def _range_count(node: ast.stmt) -> ast.expr | None:
    """The count of `for i in range(...)` (its argument tuple), else None."""
    if not isinstance(node, ast.For | ast.AsyncFor) or not isinstance(node.iter, ast.Call):
        return None
    func = node.iter.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    return ast.Tuple(list(node.iter.args), ast.Load()) if name in ("range", "trange") and node.iter.args else None


def _slicing_names(loop: ast.For | ast.AsyncFor) -> set[str]:
    """The loop's index and the locals computed from it (two assignments deep) that bound a slice in its body."""
    names = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
    body = ast.Module(body=loop.body, type_ignores=[])
    for _ in range(2):
        for node in ast.walk(body):
            if isinstance(node, ast.Assign) and any(isinstance(n, ast.Name) and n.id in names
                                                    for n in ast.walk(node.value)):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    bounds = {n.id for s in ast.walk(body) if isinstance(s, ast.Slice)
              for part in (s.lower, s.upper) if part is not None for n in ast.walk(part) if isinstance(n, ast.Name)}
    return names & bounds


def _training_call(loop: ast.For | ast.AsyncFor) -> str | None:
    """The first call of the loop body whose method name says it trains."""
    for node in ast.walk(ast.Module(body=loop.body, type_ignores=[])):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if TRAINING_CALL.search(name):
                return unparse(node.func, 70)
    return None


def _rounding(count: ast.expr) -> str:
    """"ceil" when the count rounds a quotient up, "floor" for `//` or `int(a / b)`, "" otherwise."""
    for n in ast.walk(count):
        if isinstance(n, ast.Call):
            func = n.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in _CEIL:
                return "ceil"
            if name == "int" and n.args and isinstance(n.args[0], ast.BinOp) and isinstance(n.args[0].op, ast.Div):
                return "floor"
        if isinstance(n, ast.BinOp) and isinstance(n.op, ast.FloorDiv):
            return "floor"
    return ""


def minibatch_count(base: Unit | None, cand: Unit | None, flow: LearningFlow) -> str | None:
    """Why the changed loop header `cand` (paired with `base`) sets how many minibatches are trained on, in words;
    None when it is not such a header (see the module docstring)."""
    if base is None or cand is None:
        return None
    old, new = _range_count(base.node), _range_count(cand.node)
    if old is None or new is None or ast.dump(old) == ast.dump(new):
        return None
    loop = cand.node
    assert isinstance(loop, ast.For | ast.AsyncFor)
    if flow.off_path(cand.fn) is not None or flow.evaluation_only(cand.fn):
        return None
    sliced = _slicing_names(loop)
    trains = _training_call(loop) if sliced else None
    if not trains:
        return None
    rounding = (_rounding(old), _rounding(new))
    before, after = unparse(base.node.iter, 60) if isinstance(base.node, ast.For | ast.AsyncFor) else "", \
        unparse(loop.iter, 60)
    tail = ""
    if rounding == ("floor", "ceil"):
        tail = " The count now rounds up: the last, partial minibatch, left out at the baseline, is trained on."
    elif rounding == ("ceil", "floor"):
        tail = " The count now rounds down: the last, partial minibatch is no longer trained on."
    return (f"It sets how many minibatches the loop slices from the batch (`{', '.join(sorted(sliced))}` bound the "
            f"slices) and trains on, each through `{trains}(...)`: `{before}` -> `{after}` "
            f"changes the number of updates per epoch and which samples are trained on.{tail}")
