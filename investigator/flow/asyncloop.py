"""`asyncio.get_event_loop()` and `asyncio.get_running_loop()` inside a coroutine: the same loop.

Inside an `async def` a loop is running, and `get_event_loop()` returns it, as `get_running_loop()` does (the
latter is the spelling Python 3.10+ asks for; the former warns or fails outside a coroutine only). An edit that
swaps one for the other in a coroutine hands on the same object. Real shape: ms-swift 302b074d..3602360a,
`TransformersEngine.infer_async` queued `(queue, asyncio.get_event_loop())` -> `(queue, asyncio.get_running_loop())`:
"Behavioural change in the sampling path" (significant, second of its range). Outside a coroutine the two differ
(no running loop: one makes or returns the policy's loop, the other raises), and the edit stays a change.
"""

from __future__ import annotations

import ast

from investigator.flow.diff import UnitChange, same_once_normalised
from investigator.pyast import copy_tree

LOOP_GETTERS = frozenset({"get_event_loop", "get_running_loop"})


class _OneSpelling(ast.NodeTransformer):
    def __init__(self) -> None:
        self.rewritten = 0

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in LOOP_GETTERS and not node.args and not node.keywords \
                and isinstance(func.value, ast.Name) and func.value.id == "asyncio":
            self.rewritten += func.attr == "get_running_loop"
            node.func = ast.Attribute(value=func.value, attr="get_event_loop", ctx=ast.Load())
        return node


def _normalised(node: ast.stmt) -> tuple[str, int]:
    rewrite = _OneSpelling()
    tree = rewrite.visit(copy_tree(node))
    return ast.dump(tree), rewrite.rewritten


def running_loop_spelling(change: UnitChange) -> str | None:
    """Why a modified statement of a coroutine that only swaps `asyncio.get_event_loop()` for
    `asyncio.get_running_loop()` (or back) hands on the same loop, else None."""
    if change.base is None or change.cand is None or not isinstance(change.base.fn.node, ast.AsyncFunctionDef) \
            or not isinstance(change.cand.fn.node, ast.AsyncFunctionDef):
        return None
    if same_once_normalised(change, _normalised) is None:
        return None
    return ("inside a coroutine a loop is running: `asyncio.get_event_loop()` returns it, as "
            "`asyncio.get_running_loop()` does, the same loop at both commits")
