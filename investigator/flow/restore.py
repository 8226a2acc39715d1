"""Checkpoint restore: a statement that reads a loaded checkpoint acts only when a run resumes.

Real shape (rl_games v1.6.0..v1.6.1): `set_full_state_weights(self, weights, set_epoch=True)` restores
the frame counter (`self.frame = weights['frame']`), which later reaches the environment
(`vec_env.set_train_info(self.frame, ...)`): reported as "Behavioural change in the environment
path", as if every run's environment changed. The change is real, but it is what a resumed run
restores: the finding says so ("checkpoint restore") and keeps the place its value reaches.

A parameter is a checkpoint when the function passes it, or an item of it, to `load_state_dict`
(`self.optimizer.load_state_dict(weights['optimizer'])`), or it is assigned from `torch.load(...)`.
"""

from __future__ import annotations

import ast

from investigator.detectors.functions import FunctionInfo

_LOADS = {"load_state_dict", "set_state_dict", "load_state"}


def _root(node: ast.expr) -> str | None:
    """The name an item read is rooted at: `weights`, `weights['x']`, `weights.get('x')`."""
    while True:
        if isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            node = node.func.value
        else:
            break
    return node.id if isinstance(node, ast.Name) else None


def checkpoint_names(fn: FunctionInfo) -> set[str]:
    """Names of `fn` that hold a loaded checkpoint (see the module doc)."""
    out: set[str] = set()
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name in _LOADS and node.args:
                root = _root(node.args[0])
                if root is not None and root != "self":
                    out.add(root)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr == "load" and isinstance(func.value, ast.Name) \
                    and func.value.id == "torch":
                out.add(node.targets[0].id)
    return out


def reads_checkpoint(statement: ast.AST, names: set[str]) -> bool:
    """Whether the statement's value comes from an item of a checkpoint (`self.frame = weights['frame']`)."""
    if not names:
        return False
    value = statement.value if isinstance(statement, ast.Assign | ast.AnnAssign | ast.AugAssign) else statement
    return value is not None and any(isinstance(n, ast.Name) and n.id in names and isinstance(n.ctx, ast.Load)
                                     for n in ast.walk(value))
