"""Distributed-only plumbing: a function change that a single-process run does not see.

Noise class N2 ("a new option whose default reproduces the baseline"), its distributed form: a range adds
multi-process support (DDP, a per-rank data partition, rank-0-only logging, a broadcast from rank 0) to a
trainer that runs as ONE process unless launched otherwise. In that run `rank` is 0, `world_size` is 1 and
`torch.distributed.is_initialized()` is False, so a guard `if rank == 0:` always runs, `if
dist.is_initialized():` never does, and a partition `arange(rank, n, world_size)` is every index.

`single_process_reason(f, sides)` judges one code finding by its enclosing function: every statement that
differs between the commits (compared as text, a compound statement by its header, so code only re-indented
under a new guard is unchanged) must read a distributed quantity - a `rank` / `world_size` name or attribute,
a `torch.distributed` call, a project function whose own body reads one (a `broadcast_if_needed` helper), or
a local assigned from such a statement - and a rewritten statement that keeps its assignment target must
equal the baseline's once `rank` -> 0 and `world_size` -> 1 are put in and folded (`x and 0 == 0` -> `x`);
where it still reads such a local (a partition) it is the distributed plumbing itself. Nothing applies when
a file of the candidate launches several processes (`torchrun`, `--nproc_per_node`, `accelerate launch`,
`deepspeed`, `mpirun`, `horovodrun`, `srun`, `world_size: N>1` in a configuration): there the entry's
configuration enables multiple processes and the change keeps its severity.

Real examples (diamond 54961839..17c77643): `Trainer.run` (src/trainer.py:216-266) wraps collection and
logging in `if self._rank == 0:` and adds `broadcast_if_needed(self.train_dataset.state_dict())` (src/utils.py:97,
a no-op unless `dist.is_initialized()`) and `self.train_dataset.load_state_dict(...)` of that result;
`BatchSampler.sample` (src/data/batch_sampler.py:53-55) draws from `np.arange(self.rank, num_episodes,
self.world_size)` with `weights[self.rank::self.world_size]`: both "significant", #3/#4 of the range, for a run
that main.py starts as one process (`if world_size < 2: run(cfg, root_dir)`). Lowering only, never removal.
"""

from __future__ import annotations

import ast
import copy
import re
from collections import Counter
from typing import TYPE_CHECKING

from investigator.pyast import dotted

if TYPE_CHECKING:
    from investigator.detectors.guards import Side
    from investigator.models import Finding, Location

RANK_NAMES = {"rank", "local_rank", "global_rank", "node_rank", "world_rank"}
SIZE_NAMES = {"world_size", "local_world_size", "num_replicas"}
_DIST_CALLS = {"is_initialized", "get_rank", "get_world_size", "barrier", "broadcast", "broadcast_object_list",
               "all_reduce", "all_gather", "all_gather_object", "reduce_scatter", "init_process_group"}
_DIST_MODULES = {"dist", "distributed"}
# Launch commands and configuration entries that start several processes.
_MULTI = re.compile(r"\btorchrun\b|torch\.distributed\.(?:launch|run)\b|--?nproc[_-]per[_-]node\b|"
                    r"\baccelerate\s+launch\b|^\s*deepspeed\s|\bmpirun\b|\bhorovodrun\b|\bsrun\b|"
                    r"\b(?:world_size|n_?gpus\w*|num_gpus\w*|\w*gpus_per_node|num_processes|nnodes|num_nodes)"
                    r"\s*[:=]\s*(?:int\s*=\s*)?(?:[2-9]|\d\d)\b|"
                    r"--(?:n_?gpus|num[_-]gpus|gpus|num[_-]processes|nnodes|num[_-]nodes|world[_-]size)[ =](?:[2-9]|\d\d)\b",
                    re.M)
# Python files count too: a settings class or argparse default may start several processes (`num_gpus: int = 8`).
_LAUNCH_SUFFIXES = (".sh", ".bash", ".slurm", ".yaml", ".yml", ".py")


def _leaf(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _kind(node: ast.expr) -> str | None:
    """'rank' / 'size' for a read of a per-process quantity, 'dist' for a torch.distributed call."""
    leaf = _leaf(node)
    if leaf is not None and isinstance(getattr(node, "ctx", None), ast.Load):
        bare = leaf.lstrip("_")
        if bare in RANK_NAMES:
            return "rank"
        if bare in SIZE_NAMES:
            return "size"
    if isinstance(node, ast.Call):
        parts = dotted(node.func).split(".")
        if parts and parts[-1] in _DIST_CALLS and (len(parts) == 1 or set(parts[:-1]) & _DIST_MODULES):
            return "dist"
    return None


def _header(stmt: ast.stmt) -> list[ast.AST]:
    """The parts of a statement that belong to it and not to its nested bodies."""
    if isinstance(stmt, ast.If | ast.While):
        return [stmt.test]
    if isinstance(stmt, ast.For | ast.AsyncFor):
        return [stmt.target, stmt.iter]
    if isinstance(stmt, ast.With | ast.AsyncWith):
        return list(stmt.items)
    if isinstance(stmt, ast.Try | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return []
    return [stmt]


def _key(stmt: ast.stmt) -> str:
    parts = _header(stmt)
    head = type(stmt).__name__
    return head + ":" + " | ".join(ast.unparse(p) for p in parts)


def _statements(fn: ast.AST) -> list[ast.stmt]:
    out: list[ast.stmt] = []

    def walk(body: list[ast.stmt]) -> None:
        for s in body:
            out.append(s)
            if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue  # a nested definition is its own function
            for name in ("body", "orelse", "finalbody"):
                walk(getattr(s, name, []) or [])
            for h in getattr(s, "handlers", []) or []:
                walk(h.body)

    walk(getattr(fn, "body", []))
    return out


def _targets(stmt: ast.stmt) -> set[str]:
    names: set[str] = set()
    tgts: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        tgts = list(stmt.targets)
    elif isinstance(stmt, ast.AugAssign | ast.AnnAssign):
        tgts = [stmt.target]
    for t in tgts:
        for n in ast.walk(t):
            if isinstance(n, ast.Name | ast.Attribute) and isinstance(n.ctx, ast.Store):
                names.add(ast.unparse(n))
    return names


def _nodes(stmt: ast.stmt) -> list[ast.AST]:
    return [n for part in _header(stmt) for n in ast.walk(part)]


class _Fold(ast.NodeTransformer):
    """Put in rank 0 / world size 1 / no process group, then fold what that decides."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        k = _kind(node)
        return ast.Constant(0 if k == "rank" else 1) if k in ("rank", "size") else node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        k = _kind(node)
        if k in ("rank", "size"):
            return ast.Constant(0 if k == "rank" else 1)
        self.generic_visit(node)
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if _kind(node) == "dist":
            leaf = dotted(node.func).split(".")[-1]
            if leaf == "is_initialized":
                return ast.Constant(False)
            if leaf == "get_rank":
                return ast.Constant(0)
            if leaf == "get_world_size":
                return ast.Constant(1)
        self.generic_visit(node)
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) == 1 and isinstance(node.left, ast.Constant) and isinstance(node.comparators[0], ast.Constant):
            a, b, op = node.left.value, node.comparators[0].value, node.ops[0]
            try:
                value = {ast.Eq: a == b, ast.NotEq: a != b, ast.Gt: a > b, ast.GtE: a >= b,  # type: ignore[operator]
                         ast.Lt: a < b, ast.LtE: a <= b}.get(type(op))  # type: ignore[operator]
            except TypeError:
                return node
            if value is not None:
                return ast.Constant(bool(value))
        return node

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and isinstance(node.operand, ast.Constant):
            return ast.Constant(not node.operand.value)
        return node

    def visit_BoolOp(self, node: ast.BoolOp) -> ast.AST:
        self.generic_visit(node)
        neutral = isinstance(node.op, ast.And)
        kept = [v for v in node.values if not (isinstance(v, ast.Constant) and bool(v.value) is neutral)]
        if any(isinstance(v, ast.Constant) for v in kept):
            return node  # a deciding constant: leave it (not needed for the shapes judged here)
        if not kept:
            return ast.Constant(neutral)
        if len(kept) == 1:
            return kept[0]
        node.values = kept
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        r = node.right
        if isinstance(r, ast.Constant) and not isinstance(r.value, bool) and (
                (r.value == 1 and isinstance(node.op, ast.Mult | ast.Div | ast.FloorDiv))
                or (r.value == 0 and isinstance(node.op, ast.Add | ast.Sub))):
            return node.left
        return node

    def visit_IfExp(self, node: ast.IfExp) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.test, ast.Constant):
            return node.body if node.test.value else node.orelse
        return node


def _folded(stmt: ast.stmt) -> str:
    parts = [_Fold().visit(copy.deepcopy(p)) for p in _header(stmt)]
    return type(stmt).__name__ + ":" + " | ".join(ast.unparse(p) for p in parts)


def _function_at(tree: ast.Module, line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    best = None
    for n in ast.walk(tree):
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.lineno <= line <= (
                n.end_lineno or n.lineno) and (best is None or n.lineno >= best.lineno):
            best = n
    return best


def _owner(tree: ast.Module, fn: ast.AST) -> str:
    for n in ast.walk(tree):
        if isinstance(n, ast.ClassDef) and fn in n.body:
            return n.name
    return ""


def _same_function(tree: ast.Module, name: str, owner: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for n in ast.walk(tree):
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == name and _owner(tree, n) == owner:
            return n
    return None


def _distributed_helpers(side: Side, names: set[str]) -> set[str]:
    """The names among `names` of project functions whose own body reads a distributed quantity."""
    from investigator.detectors.guards import _naming_paths

    out: set[str] = set()
    for name in names:
        for path in _naming_paths(side, name):
            tree = side.tree(path)
            for n in ast.walk(tree) if tree is not None else ():
                if isinstance(n, ast.FunctionDef) and n.name == name and any(
                        _kind(m) for s in n.body for m in ast.walk(s) if isinstance(m, ast.expr)):
                    out.add(name)
            if name in out:
                break
    return out


def multi_process_launch(side: Side) -> str | None:
    """A candidate file (launch script or configuration) that starts several processes, or None."""
    cached = getattr(side, "_multi_launch", "?")
    if cached != "?":
        return str(cached) if cached is not None else None
    from investigator.scope import out_of_scope_kind

    found = None
    side.prefetch()
    for path in side.paths:
        if path.endswith(_LAUNCH_SUFFIXES) and out_of_scope_kind(path) != "test":
            text = side.text(path)
            if text and _MULTI.search(text):
                found = path
                break
    side._multi_launch = found  # type: ignore[attr-defined]
    return found


def python_trees_at(f: Finding, sides: dict[str, Side]) -> tuple[Location, ast.Module, ast.Module] | None:
    """The candidate place of code finding `f` and both commits' trees of its files, when it has a line at each
    commit in a Python file (the guards' lowering rules judge such findings only)."""
    cand, base = f.location_at("candidate"), f.location_at("baseline")
    if cand is None or base is None or cand.line is None or base.line is None or not cand.path.endswith(".py"):
        return None
    tree, btree = sides["candidate"].tree(cand.path), sides["baseline"].tree(base.path)
    return None if tree is None or btree is None else (cand, tree, btree)


def single_process_reason(f: Finding, sides: dict[str, Side]) -> str | None:  # noqa: C901
    """Why code finding `f` does not change a single-process run (module docstring), or None."""
    located = python_trees_at(f, sides)
    if located is None:
        return None
    cand, tree, btree = located
    side = sides["candidate"]
    fn = _function_at(tree, cand.line or 0)
    if fn is None:
        return None
    bfn = _same_function(btree, fn.name, _owner(tree, fn))
    if bfn is None:
        return None
    stmts, bstmts = _statements(fn), _statements(bfn)
    base_keys = Counter(_key(s) for s in bstmts)
    cand_keys = Counter(_key(s) for s in stmts)
    added = [s for s in stmts if cand_keys[_key(s)] > base_keys.get(_key(s), 0)]
    removed = [s for s in bstmts if base_keys[_key(s)] > cand_keys.get(_key(s), 0)]
    if not added:
        return None
    calls = {n.func.id for s in added for n in _nodes(s) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    helpers = _distributed_helpers(side, calls)

    def direct(s: ast.stmt) -> bool:
        return any((isinstance(n, ast.expr) and _kind(n)) or (
            isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in helpers) for n in _nodes(s))

    tainted: set[str] = set()
    for _ in range(4):  # locals assigned from distributed reads, to a fixpoint
        for s in stmts:
            if isinstance(s, ast.Assign | ast.AugAssign | ast.AnnAssign) and (direct(s) or any(
                    isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in tainted for n in _nodes(s))):
                tainted |= {t for t in _targets(s) if "." not in t}

    def reads_tainted(s: ast.stmt) -> bool:
        return any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in tainted for n in _nodes(s))

    folded_removed = {_key(s) for s in removed}
    matched: set[str] = set()
    for s in added:
        if not (direct(s) or reads_tainted(s)):
            return None
        folded = _folded(s)
        if folded in folded_removed:
            matched.add(folded)
            continue
        same_target = _targets(s) and any(_targets(r) == _targets(s) for r in removed)
        if same_target and not reads_tainted(s):
            return None  # the same value computed otherwise even at rank 0 / world size 1
    replaced = {t for s in added for t in _targets(s)}
    for r in removed:
        if _key(r) in matched:
            continue
        if not (_targets(r) and _targets(r) <= replaced):
            return None  # baseline code that no distributed statement stands for
    launch = multi_process_launch(side)
    if launch is not None:
        return None
    owner = _owner(tree, fn)
    name = f"{owner}.{fn.name}" if owner else fn.name
    return (f"every statement of `{name}` ({cand.path}:{fn.lineno}) that changed reads the process rank / world size "
            "or torch.distributed (distributed-only plumbing); a single-process run (rank 0, world size 1, no "
            "process group, and no launch script or configuration of the repository starts several) computes "
            "the baseline's values")
