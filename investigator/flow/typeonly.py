"""Statements and rewrites that compute nothing training uses: type-checker casts, process barriers, narrowed
protocol checks.

Real shapes (precision held-out set 7, fourteenth session):
- tianshou `psrl.py`: `obs = cast(np.ndarray, obs)` added before `trans_count[obs, act, obs_next] += 1`, reported
  as a significant sampling-path change. `typing.cast` returns its second argument unchanged: `x = cast(T, x)` is
  a no-op and `cast(T, e)` is `e` wherever it appears.
- trlx `accelerate_base_trainer.py`: `self.accelerator.wait_for_everyone()` added to `save_pretrained`, reported as a
  loss-path change. A barrier (`wait_for_everyone()`, `dist.barrier()`) only makes processes wait for each other; it
  computes no value and changes no state training reads, like an `assert`.
- tianshou `batch.py`: `isinstance(x, BatchProtocol)` -> `isinstance(x, Batch)` where `BatchProtocol` is a
  `Protocol` of the same module and `Batch` the one class of the module deriving from it: the check takes the same
  branch for every object the library builds (the narrowed form only skips the structural check).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from investigator.pyast import copy_tree, last_name, same_once_rewritten

# methods whose bare call only synchronises processes or devices: no value, no state training reads
BARRIERS = frozenset({"wait_for_everyone", "barrier", "Barrier"})
# calls whose bare statement only creates a directory (`logdir.mkdir()`, `os.makedirs(d, exist_ok=True)`): it decides
# whether a later write there fails, never what is read from it. Real shape: dreamerv3 ec433ce1..e3f02248 dropped
# `logdir.mkdir()` from `train()`, read as defining `logdir` and followed into the replay it loads (significant)
DIRECTORY_CALLS = frozenset({"mkdir", "makedirs"})


def _is_cast(node: ast.AST) -> bool:
    """`cast(T, e)` or `typing.cast(T, e)` (two positional arguments, no keywords)."""
    return isinstance(node, ast.Call) and len(node.args) == 2 and not node.keywords \
        and (isinstance(node.func, ast.Name) and node.func.id == "cast"
             or isinstance(node.func, ast.Attribute) and node.func.attr == "cast"
             and isinstance(node.func.value, ast.Name) and node.func.value.id in ("typing", "t"))


def identity_statement(node: ast.stmt) -> bool:
    """`x = cast(T, x)` (the name re-bound to itself), a bare barrier call or a bare directory creation: nothing
    training reads changes."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
            and _is_cast(node.value):
        value = node.value.args[1]  # type: ignore[attr-defined]
        return isinstance(value, ast.Name) and value.id == node.targets[0].id
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and not node.value.args \
            and not node.value.keywords:
        return last_name(ast.unparse(node.value.func)) in BARRIERS
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
            and not any(isinstance(a, ast.Starred) for a in node.value.args):
        return last_name(ast.unparse(node.value.func)) in DIRECTORY_CALLS
    return False


class _Uncast(ast.NodeTransformer):
    """`cast(T, e)` -> `e`, and `isinstance(x, P)` -> `isinstance(x, C)` for the protocols of `narrowed`."""

    def __init__(self, narrowed: dict[str, str]) -> None:
        self.narrowed = narrowed
        self.count = 0

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if _is_cast(node):
            self.count += 1
            return node.args[1]
        if isinstance(node.func, ast.Name) and node.func.id == "isinstance" and len(node.args) == 2:
            for sub in ast.walk(node.args[1]):  # `isinstance(x, P | dict)` too
                if isinstance(sub, ast.Name) and sub.id in self.narrowed:
                    self.count += 1
                    sub.id = self.narrowed[sub.id]
        return node


def sole_implementers(tree: ast.Module) -> dict[str, str]:
    """Protocol classes of the module (a base named `Protocol`) with exactly one class of the module deriving
    from them: protocol name -> that class's name."""
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    protocols = {c.name for c in classes
                 if any(last_name(ast.unparse(b.value if isinstance(b, ast.Subscript) else b)) == "Protocol"
                        for b in c.bases)}
    out: dict[str, str] = {}
    for proto in protocols:
        derived = [c.name for c in classes if c.name != proto and any(
            last_name(ast.unparse(b.value if isinstance(b, ast.Subscript) else b)) == proto for b in c.bases)]
        if len(derived) == 1:
            out[proto] = derived[0]
    return out


def same_but_types(base: Sequence[ast.AST], cand: Sequence[ast.AST], base_tree: ast.Module,
                   cand_tree: ast.Module) -> bool:
    """The two statements (their evaluated parts) are the same once casts are read as their argument and an
    `isinstance` check against a protocol is read against the protocol's only implementing class (see the
    module doc)."""
    if len(base) != len(cand) or any(type(b) is not type(c) for b, c in zip(base, cand, strict=True)):
        return False
    if widened_ints(base, cand):
        return True
    if not any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name | ast.Attribute)
               and last_name(ast.unparse(n.func)) in ("cast", "isinstance") for p in (*base, *cand) for n in ast.walk(p)):
        return False
    narrowed = {**_narrowed(base_tree), **_narrowed(cand_tree)}
    return same_once_rewritten(base, cand, _Uncast(narrowed), _Uncast(narrowed))


def _narrowed(tree: ast.Module) -> dict[str, str]:
    """`sole_implementers` of the module, kept on the parsed tree (it does not change during an analysis)."""
    found: dict[str, str] | None = tree.__dict__.get("_sole_implementers")
    if found is None:
        found = tree.__dict__["_sole_implementers"] = sole_implementers(tree)
    return found


class _Widen(ast.NodeTransformer):
    """`<module>.int32` read as `<module>.int64` (the baseline's dtype widened the way the candidate has it)."""

    def __init__(self) -> None:
        self.count = 0

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        if node.attr == "int32" and isinstance(node.value, ast.Name | ast.Attribute):
            self.count += 1
            return ast.Attribute(value=node.value, attr="int64", ctx=node.ctx)
        return node


def widened_ints(base: Sequence[ast.AST], cand: Sequence[ast.AST]) -> bool:
    """The statements differ only where the baseline names a 32-bit integer dtype and the candidate the 64-bit one
    of the same module (`tf.int32` -> `tf.int64`, `torch.int32` -> `torch.int64`). Real shape (stable-baselines
    v2.8.0..v2.9.0): `CategoricalProbabilityDistributionType.sample_dtype` returned `tf.int32`, now `tf.int64`, the
    dtype of the action placeholders, "Behavioural change in the loss path". Every int32 value is an int64 value with
    the same arithmetic (both promote alike against floats), so only a computation that overflowed 32 bits, or a
    consumer that rejects the wider type (an error, not another number), tells them apart. The narrowing direction
    (int64 -> int32) can wrap values and stays a change."""
    widen = _Widen()
    b = [ast.dump(widen.visit(copy_tree(p)), annotate_fields=False) for p in base]
    if not widen.count:
        return False
    return b == [ast.dump(p, annotate_fields=False) for p in cand]
