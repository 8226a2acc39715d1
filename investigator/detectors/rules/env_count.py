"""How the number of environments / workers is computed."""

from __future__ import annotations

import ast
import re

from investigator.detectors.base import (
    DetectorContext,
    DetectorMeta,
    Feature,
    FeatureDetector,
    Hit,
    feature_hit,
)
from investigator.detectors.ctordefault import is_constructor_default
from investigator.detectors.flow import Site
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import assigned_names, assigns, calls, canon
from investigator.models import Severity
from investigator.pyast import call_name, last_name, unparse

COUNT = re.compile(
    r"^(num_envs|n_envs|nenvs|num_env|num_workers|n_workers|workers|num_procs|n_procs|num_processes|"
    r"envs_per_worker|rollout_workers|num_cpus|n_cpus|num_actors|n_actors|batch_envs)$"
)
# a value holding objects, not a number: `workers = []` (dreamerv3's worker process list, filled by a loop over the
# environment count) is no count even though `workers = 8` is
_COLLECTIONS = (ast.List, ast.ListComp, ast.Tuple, ast.Set, ast.SetComp, ast.Dict, ast.DictComp)
VECTOR = re.compile(r"VectorEnv|VecEnv|vector|make_vec|Vec$", re.IGNORECASE)


class EnvCountDetector(FeatureDetector):
    meta = DetectorMeta(
        id="env_count",
        title="Environment / worker count",
        subsystem="vecenv",
        severity=Severity.significant,
        rationale=(
            "The number of environments sets the batch collected per step and, with a fixed step "
            "budget, the number of updates; a count computed from the machine (GPU memory, CPU count) "
            "also differs between machines."
        ),
        fix="Restore the baseline computation of the environment/worker count (or pin it in the config).",
        hypotheses=["vecenv.env_count_changed"],
        confidence=0.75,
        keywords=r"num_envs|num_workers|n_envs|cpu_count",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        handed: set[str] = set()  # literal locals handed on as the keyword of their name
        sides = {"baseline": ctx.side("baseline"), "candidate": ctx.side("candidate")}
        out = _keyword_counts(sites, fn, handed)
        for site, node, value in assigns(sites):
            names = assigned_names(node)
            if len(names) != 1 or not COUNT.match(names[0]):
                continue  # no count (asked first: which locals only feed checks is a scan of the function)
            if isinstance(value, _COLLECTIONS):
                continue  # `workers = [Process(...) for i in range(n)]`: the workers themselves, not their count
            if names[0] in check_only_names(site.fn):
                continue  # `workers = kwargs['num_workers']` read only by `if ...: raise`: validation, not a count
            if isinstance(node, ast.Assign) and is_constructor_default(site.fn, node.targets[0], value, sides):
                continue  # `config.num_workers = 1` where `Config()` already stores 1: the same count either way
            if not (site.fn is fn and names[0] in handed) \
                    and not _forwarded(names[0], value):  # `self.num_envs = num_envs`: stored as handed in
                text = canon(value, site)
                out.append(Feature(("count", names[0], text), site, unparse(node, 100)))
        for site, call, name in calls(sites):
            if VECTOR.search(last_name(name)):
                for arg in call.args:
                    if isinstance(arg, ast.ListComp) and arg.generators:
                        it = arg.generators[0].iter
                        if isinstance(it, ast.Call) and last_name(call_name(it)) == "range":
                            text = canon(it, site)
                            count = _count(text[len("range("):-1]) if len(it.args) == 1 else None
                            out.append(Feature(("range", text if count is None else f"count={count}"), site,
                                               f"{last_name(name)}([... for _ in {text}])"))
                    elif isinstance(arg, ast.List) and arg.elts \
                            and all(isinstance(e, ast.Call | ast.Lambda) for e in arg.elts):
                        # `SyncVectorEnv([make_env(...)])`: a literal list of environment builders, its length the
                        # count (not `VectorEncoderFactory([750, 750])`, d3rlpy's layer sizes)
                        out.append(Feature(("range", f"count={len(arg.elts)}"), site,
                                           f"{last_name(name)}([{len(arg.elts)} environment(s)])"))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        only_base, only_cand = _implied(base, cand, only_base), _implied(base, cand, only_cand)
        if not only_base and not only_cand:
            return []
        return [feature_hit("Environment/worker count computation changed", pair, only_base, only_cand)]


_VALUE = re.compile(r"^(?:config\[\w+=)?(\d+)\]?$")


def _count(text: str) -> int | None:
    """The number a count's canonical text stands for: a literal (`4`) or a configuration value
    (`config[num_envs=4]`); None otherwise."""
    found = _VALUE.match(text.strip())
    return int(found.group(1)) if found else None


def _implied(base: list[Feature], cand: list[Feature], one_sided: list[Feature]) -> list[Feature]:
    """`one_sided` less the count keywords present at one side only whose value is the environment count both
    sides build (a `("range", "count=N")` feature at both commits). Real shape (cleanrl e421c2e5..9d709007):
    `SyncVectorEnv([make_env(...)])` -> `SyncVectorEnv([... for i in range(args.num_envs)])` with `num_envs = 1`,
    and `ReplayBuffer(..., n_envs=args.num_envs)` where the baseline passed none: the baseline's buffer was
    built for its one environment, so its default count was that count; both read as a changed count."""
    shared = {f.key[1] for f in base if f.key[0] == "range"} & {f.key[1] for f in cand if f.key[0] == "range"}
    counts = {int(k[len("count="):]) for k in shared if isinstance(k, str) and k.startswith("count=")}
    if not counts:
        return one_sided
    return [f for f in one_sided if not (f.key[0] == "kwarg" and _count(str(f.key[2])) in counts)]


def _keyword_counts(sites: list[Site], fn: FunctionInfo, handed: set[str]) -> list[Feature]:
    """Count keywords of calls (`make(num_envs=...)`); the literal locals handed on as the keyword of
    their name are added to `handed`."""
    out = []
    literals: dict[str, ast.expr] | None = None  # scanned for the first count keyword handed on (rare)
    for site, call, name in calls(sites):
        for k in call.keywords:
            if not (k.arg and COUNT.match(k.arg)):
                continue
            forwarded = _forwarded(k.arg, k.value)
            local = None
            if forwarded and site.fn is fn and isinstance(k.value, ast.Name):
                if literals is None:
                    literals = _literal_locals(fn)
                local = literals.get(k.arg)
            if local is not None:
                handed.add(k.arg)  # `num_envs = 1` ... `f(num_envs=num_envs)` is `f(num_envs=1)`
                text = canon(local, site)
            elif forwarded:
                continue  # `f(num_envs=self.num_envs)`: the count handed on, not computed here
            else:
                text = canon(k.value, site)
            out.append(Feature(("kwarg", k.arg, text), site, f"{last_name(name)}({k.arg}={text})"))
    return out


def _forwarded(keyword: str, value: ast.expr) -> bool:
    """`num_envs=num_envs`, `num_envs=self.num_envs`, `num_envs=cfg.num_envs`: a count of that name
    handed on. Real shape (PufferLib 73aaa5a8..cb116bca): a new `PolicyPool(num_envs=self.num_envs)`
    beside the environments read as a changed environment count. The same for a store,
    `self.num_envs = num_envs`: the count is computed by whoever hands it in (skrl 1.4.3 -> 2.0.0: the
    tabular model mixin stopped taking `num_envs` and storing it, read as a changed count). A number conversion of
    it is the same count (autonomous-learning-library v0.7.0..v0.7.1, all/experiments/parallel_env_experiment.py:66:
    the loop moved into a vector environment and `train` reads `num_envs = int(self._env.num_envs)` back from the
    environments the constructor built from the same `n_envs`)."""
    while isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _CONVERSIONS \
            and len(value.args) == 1 and not value.keywords:
        value = value.args[0]
    return (isinstance(value, ast.Name) and value.id == keyword) or (
        isinstance(value, ast.Attribute) and value.attr == keyword)


_CONVERSIONS = frozenset({"int", "float", "round"})


def _literal_locals(fn: FunctionInfo) -> dict[str, ast.expr]:
    """Names the function (or script) binds exactly once, to a literal (`num_envs = 1`)."""
    stores: dict[str, int] = {}
    literal: list[ast.Assign] = []  # one walk: the stores counted, the literal assignments kept in walk order
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                stores[node.id] = stores.get(node.id, 0) + 1
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Constant)):
            literal.append(node)
    out: dict[str, ast.expr] = {}
    for node in literal:
        if stores.get(node.targets[0].id, 0) == 1:  # type: ignore[attr-defined]
            out[node.targets[0].id] = node.value  # type: ignore[attr-defined]
    return out


def check_only_names(fn: FunctionInfo) -> frozenset[str]:
    """Locals whose every read decides only whether the function raises: a test of an `if` whose body
    raises, an `assert`, the raised error, or the value of another such local. Real shape (PufferLib ac69f82c..2f9b68e0):
    `vector.make` gained `num_workers = kwargs['num_workers']; envs_per_worker = num_envs / num_workers`
    read only by `if envs_per_worker != int(envs_per_worker): raise ...`, reported as the environment
    count computed anew; the count handed to the backend is another statement."""
    cache: dict[int, frozenset[str]] = fn.module.__dict__.setdefault("_check_only", {})
    key = id(fn.node)
    if key not in cache:
        cache[key] = _check_only(fn.node)
    return cache[key]


def _check_only(root: ast.AST) -> frozenset[str]:
    parents: dict[int, ast.AST] = {}
    stored: set[str] = set()
    loads: list[ast.Name] = []  # one walk: parents, stored names and the loads (in walk order)
    for node in ast.walk(root):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                stored.add(node.id)
            elif isinstance(node.ctx, ast.Load):
                loads.append(node)
    reads: dict[str, list[str | None]] = {}  # name -> per read: the local it feeds, "" for a check, None otherwise
    for node in loads:
        if node.id in stored:
            reads.setdefault(node.id, []).append(_read_context(node, parents))
    alive = {name for name, uses in reads.items() if all(u is not None for u in uses)}
    changed = True
    while changed:  # the largest set whose reads are checks or feed members of the set
        changed = False
        for name in sorted(alive):
            if any(u and u not in alive for u in reads[name]):
                alive.discard(name)
                changed = True
    return frozenset(alive)


def _read_context(node: ast.AST, parents: dict[int, ast.AST]) -> str | None:
    child, parent = node, parents.get(id(node))
    while parent is not None and not isinstance(parent, ast.stmt):
        child, parent = parent, parents.get(id(parent))
    if isinstance(parent, ast.Raise) or (isinstance(parent, ast.Assert) and child is parent.test):
        return ""  # the error's message, or the check itself
    if isinstance(parent, ast.If) and child is parent.test and parent.body \
            and all(isinstance(s, ast.Raise) for s in parent.body):
        return ""
    if isinstance(parent, ast.Assign) and child is parent.value and len(parent.targets) == 1 \
            and isinstance(parent.targets[0], ast.Name):
        return parent.targets[0].id
    return None
