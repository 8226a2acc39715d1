"""Reward functions registered with a framework: on the flow of the training that calls them.

LLM RL frameworks take their rewards as functions handed over as values: TRL's `GRPOTrainer(reward_funcs=[...])`,
verifiers' `rubric.add_reward_func(check_answer_reward_func)`, `reward_fn=` of many trainers. The framework calls
them and trains on what they return, but the repository never shows that call: the flow stops at "handed on as a
value" (flow/graph.py `_handed_as_value`), and a change whose value builds the function's returned reward was low.

Real shape: verifiers 0305d0a8..39f0675a, environments/reasoning_gym_env/reasoning_gym_env.py:33: the reward
function's `self.rg_dataset[answer]` -> `self.rg_dataset[int(answer)]` (reward fix #401), registered with
`rubric.add_reward_func(check_answer_reward_func)`, was a low "reward path" item (#6).

Only a registration named for a reward counts (the callee, `add_reward_func` / `register_reward`, or the keyword,
`reward_funcs=` / `reward_fn=`): a callback handed to anything else (`on_step=`, `map(fn, ...)`) stays unfollowed.
"""

from __future__ import annotations

import ast
import re

from investigator.flow.graph import LearningFlow, Placement
from investigator.pyast import call_name, dotted, last_name

HANDED = re.compile(r"^`(?P<qualname>[^`]+)` is handed on as a value \(")
# `add_reward_func`, `register_reward`, `reward_funcs=`, `reward_fn=`, `reward_function=`, `rewards=`
REWARD_WORD = re.compile(r"(^|_)rewards?($|_)|(^|_)reward_?f(n|uncs?|unctions?)($|_)", re.IGNORECASE)


def registered_reward(placement: Placement, flow: LearningFlow, own: str | None = None) -> tuple[str, str] | None:
    """(registration call, path:line) when the flow stopped at a function whose return builds the reward (or the
    changed statement's `own` place is the reward) and which is handed as a value to a call or keyword named for a
    reward; else None."""
    if (own or placement.built_place) != "reward":
        return None
    for stop in placement.stops:
        m = HANDED.match(stop)
        if m is None:
            continue
        qualname = m.group("qualname")
        name = qualname.rsplit(".", 1)[-1]
        for fn in flow.side.find_defs(name):
            if fn.qualname != qualname:
                continue
            for w in flow.callers(fn):
                for call in w.calls:
                    if _registers(call, name):
                        return f"{call_name(call)}(...)", f"{w.fn.path}:{w.line}"
    return None


def _registers(call: ast.Call, name: str) -> bool:
    """`call` hands the function `name` to a reward registration: as an argument of a callee named for a reward,
    or as (an element of) a keyword named for one."""
    if REWARD_WORD.search(last_name(call_name(call))) and any(_names(arg, name) for arg in call.args):
        return True
    return any(kw.arg is not None and REWARD_WORD.search(kw.arg) and _names(kw.value, name) for kw in call.keywords)


def _names(node: ast.expr, name: str) -> bool:
    """`node` is the function (`fn`, `self.fn`) or a list/tuple holding it."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return any(_names(e, name) for e in node.elts)
    return isinstance(node, ast.Name | ast.Attribute) and last_name(dotted(node)) == name
