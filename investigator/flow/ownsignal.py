"""What a statement builds for the learning signal, read from its own content: for a flow that stops.

When the flow from a change cannot be followed to a sink (a method bound to an attribute in a base
class, an object of unknown class, a method called through an interface), the change is not "no
effect" if its value reaches a statement, close by, that by its content builds the learning signal:
a TD target (`q_label = reward + mask * next_q`), a replay store (`self.memory.store(...)`),
or the value returned by a method named for a learning quantity (`def log_prob(...)`). The change is
then reported at that place, with the stop named, instead of being filed under no-effect.

Only used where the flow stops: a followed flow keeps its sink.
"""

from __future__ import annotations

import ast
import re

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.roles import generic_mask, is_coefficient, role
from investigator.flow.evaluation import named_like_evaluation
from investigator.flow.units import RETURN, Unit, name_label
from investigator.pyast import dotted, last_name

SIGNAL_PLACES = frozenset({"loss", "target", "advantage", "reward", "sampling"})
MAX_OWN_HOPS = 4  # statements from the change to the one that builds the signal
STORE_CALLS = frozenset({"store", "add", "push", "append", "extend", "insert", "put", "add_batch", "store_transition",
                         "push_transition"})
STORE_RECEIVER = re.compile(r"(^|_)(memory|buffer|replay|storage|rollouts?)($|_)", re.IGNORECASE)
METRIC = re.compile(r"scor(e|er|ing)|metric|evaluat|(^|_|\.|/)(stats?|statistics)($|_|\.)|summar|report", re.IGNORECASE)
_BOOTSTRAP_ROLES = frozenset({"dones", "values", "next_values", "returns"})


def signal_label(u: Unit, home: FunctionInfo | None = None) -> str | None:
    """The learning-signal place a statement builds by its content (its form, not the names it defines: a
    local named `ret` is no return), None when it builds none. `home`: the function the changed statement is
    in (a callable object's return is named by its class only there)."""
    node = u.node
    if METRIC.search(u.fn.qualname) or METRIC.search(u.fn.path) or named_like_evaluation(u.fn):
        return None  # a TD error scored by an evaluator, a metric's return: reported, not trained on
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign) and node.value is not None \
            and td_target_form(node.value):
        return "target"
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _replay_store(node.value):
        return "sampling"
    if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None and episode_end_test(node):
        return "environment"
    if isinstance(node, ast.Return) and RETURN in u.defs and not u.fn.is_module:
        named = name_label(u.fn.name)
        if named is None and u.fn is home and u.fn.name == "__call__" and u.fn.class_name:
            # a callable object is named by its class: what `CustomRewardManager.__call__` returns is the reward
            # (EasyR1 bfeb4d5 verl/workers/reward/custom.py:57, held-out 9, used: the manager is built in
            # `main.py` and called as `self.reward_fn(batch)`, so the flow stops at "no caller of `__call__`").
            # Only for a change inside `__call__`: set-up in `__init__` (an alias `self.clip = torch.clamp`) is
            # judged by what it is, not named a reward change by its class
            named = name_label(u.fn.class_name)
        if named in SIGNAL_PLACES:
            return named
    return None


def episode_end_test(node: ast.Assign | ast.AnnAssign) -> bool:
    """`time_out = self.progress_buf >= self.max_episode_length - 1`, `done = height < 0.7`: a termination or
    time-limit flag set from a comparison: the episode boundary the environment step hands back (and the
    bootstrap masks by). Real shape: OmniIsaacGymEnvs 7d08cd3 (bug re-applied), omniisaacgymenvs/tasks/
    anymal.py:268 `AnymalTask.is_done`, called by the task's base class from a vector env the training
    library steps: the flow stops, and the changed time-out was filed as no effect."""
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = [last_name(dotted(t.value if isinstance(t, ast.Subscript) else t)) for t in targets]
    if not names or not all(n and role(n) in {"dones", "truncations"} and not generic_mask(n) for n in names):
        return False
    return node.value is not None and any(isinstance(sub, ast.Compare) for sub in ast.walk(node.value))


def td_target_form(value: ast.expr) -> bool:
    """`reward + mask * next_q`, `r + gamma * (1 - done) * v_next`: a sum of a reward term and a term
    that bootstraps (reads a done mask, a value or a return)."""
    if not isinstance(value, ast.BinOp) or not isinstance(value.op, ast.Add | ast.Sub):
        return False
    terms = _terms(value)
    rewarded = [t for t in terms if "rewards" in _roles(t)]
    return bool(rewarded) and any(t not in rewarded and _roles(t) & _BOOTSTRAP_ROLES for t in terms)


def _terms(expr: ast.expr) -> list[ast.expr]:
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add | ast.Sub):
        return _terms(expr.left) + _terms(expr.right)
    return [expr]


def _roles(expr: ast.AST) -> set[str]:
    out: set[str] = set()
    for sub in ast.walk(expr):
        name = sub.id if isinstance(sub, ast.Name) else sub.attr if isinstance(sub, ast.Attribute) else None
        if name and not is_coefficient(name) and (r := role(name)):
            out.add(r)
    return out


def _replay_store(call: ast.Call) -> bool:
    """`self.memory.store(transitions)`, `replay_buffer.add(obs, action, reward, ...)`: transitions
    written into the store that training samples from."""
    if not isinstance(call.func, ast.Attribute) or call.func.attr not in STORE_CALLS or not call.args:
        return False
    recv = call.func.value
    name = last_name(recv.attr if isinstance(recv, ast.Attribute) else recv.id if isinstance(recv, ast.Name) else "")
    return bool(name) and bool(STORE_RECEIVER.search(name))
