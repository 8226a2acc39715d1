"""Code moved where the detectors cannot follow it: a compiled extension (Cython, C/C++, CUDA, Rust).

When a computation (the GAE recursion, done masking, a return target) leaves a Python function for a
call into a compiled module that the repository builds (`from c_gae import compute_gae` with
`c_gae.pyx` in the tree), its features vanish from the Python side. That is "moved, not verifiable
here", never "removed": the detectors that compare such computations ask this module first."""

from __future__ import annotations

import ast
import re
from collections import Counter
from dataclasses import dataclass

from investigator.detectors.flow import Site
from investigator.detectors.functions import FunctionInfo, self_calls
from investigator.detectors.pairs import SideIndex
from investigator.detectors.patterns import assigned_names, calls, mentions_role
from investigator.pyast import call_name, last_name

COMPILED = (".pyx", ".pxd", ".c", ".cc", ".cpp", ".cxx", ".cu", ".so", ".pyd", ".rs")


@dataclass(frozen=True)
class NativeCall:
    site: Site
    name: str  # the called name, as written
    path: str  # the native source (or binary) in the tree


def _stems(side: SideIndex) -> tuple[dict[str, str], set[str]]:
    """Dotted module name -> native file, and the dotted names of Python modules (built once per side)."""
    cached = getattr(side, "_native_stems", None)
    if cached is None:
        native: dict[str, str] = {}
        python: set[str] = set()
        for path in side.tree.paths():
            lower = path.lower()
            if lower.endswith(COMPILED):
                stem = path.rsplit(".", 1)[0].split(".cpython")[0].replace("/", ".")
                native.setdefault(stem, path)
            elif lower.endswith(".py"):
                python.add(path[:-3].removesuffix("/__init__").replace("/", "."))
        cached = (native, python)
        side._native_stems = cached  # type: ignore[attr-defined]
    return cached


def native_source(call: ast.Call, fn: FunctionInfo, side: SideIndex) -> str | None:
    """The compiled module file a call goes into, when its name is imported from one."""
    func = call.func
    head = func.id if isinstance(func, ast.Name) else None
    while isinstance(func, ast.Attribute):
        func = func.value
        head = func.id if isinstance(func, ast.Name) else None
    if head is None:
        return None
    imported = fn.module.imports.get(head)
    if not imported:
        return None
    native, python = _stems(side)
    for mod in dict.fromkeys([imported.lstrip("."), imported.lstrip(".").rsplit(".", 1)[0]]):
        if not mod:
            continue
        if any(p == mod or p.endswith("." + mod) for p in python):
            return None  # a Python module of that name: the walk follows it
        for stem, path in native.items():
            if stem == mod or stem.endswith("." + mod):
                return path
    return None


def native_calls(sites: list[Site], side: SideIndex, roles: set[str]) -> list[NativeCall]:
    """Calls into compiled modules that take a value with one of `roles` (dones, values, ...)."""
    out: list[NativeCall] = []
    for site, call, name in calls(sites):
        args = [*call.args, *(k.value for k in call.keywords)]
        if not any(mentions_role(a, roles) for a in args):
            continue
        path = native_source(call, site.fn, side)
        if path is not None:
            out.append(NativeCall(site, name, path))
    return out


def moved_to_native_hit(what: str, pair, ctx, only_base: list, roles: set[str]):
    """A low 'moved, not verifiable here' hit when the candidate hands `roles` to a compiled module,
    or None. `only_base`: the baseline features that vanished (the computation that moved)."""
    from investigator.detectors.base import Hit, restore_functions, site_loc
    from investigator.models import Severity

    if not only_base or pair.cand is None:
        return None
    moved = native_calls(ctx.sites(pair.cand), ctx.side("candidate"), roles)
    if not moved:
        return None
    first, b = moved[0], only_base[0].site
    return Hit(
        title=f"{what} moved into compiled extension `{first.path}` (`{first.name}`): not verifiable here",
        summary=(
            f"baseline computes it in Python ({'; '.join(dict.fromkeys(f'`{f.text}`' for f in only_base[:3]))}); "
            f"the candidate passes {', '.join(sorted(roles & _roles_of(first.site)))} to `{first.name}` "
            f"from `{first.path}`, which this analysis does not read: compare the extension by hand"
        ),
        base=site_loc(b),
        cand=site_loc(first.site),
        pair=pair,
        severity=Severity.low,
        confidence=0.5,
        details={"moved_to": first.path, "callee": first.name},
        restore=restore_functions(pair, b, first.site),
        base_anchor=b.anchor,
        cand_anchor=first.site.anchor,
    )


def _roles_of(site: Site) -> set[str]:
    from investigator.detectors.patterns import roles_in

    return roles_in(site.node)


# -- code moved into a method of another object ---------------------------------------------------
MAX_HOMES = 12


def dynamic_callees(pair, ctx) -> list[tuple[Site, ast.Call, FunctionInfo]]:
    """Calls of the candidate function the walk cannot inline, with where they go: a method called on
    an object whose class the code does not show (`self.distribution.init_mlp_weights(self.mlp)`),
    found by name, or a project class's constructor (`MLP(obs, actions, dims, activation)`), both
    among the candidate's changed files: where code that left the function may now live."""
    memo = _memo(ctx, "_dynamic_callees")  # per pair: the same for every detector that asks
    if id(pair) not in memo:
        memo[id(pair)] = _dynamic_callees(pair, ctx)
    return memo[id(pair)]


def _memo(ctx, name: str) -> dict:
    return ctx.memo(name)


def _dynamic_callees(pair, ctx) -> list[tuple[Site, ast.Call, FunctionInfo]]:
    flow = ctx.flows["candidate"]
    side = ctx.side("candidate")
    out: list[tuple[Site, ast.Call, FunctionInfo]] = []
    for site, call, name in calls(ctx.sites(pair.cand)):
        tail = name.rsplit(".", 1)[-1]
        parent = _base_class_method(call, site.fn, flow, ctx)
        if parent is not None:
            out.append((site, call, parent))
            continue
        if not tail or tail.startswith("__") or flow.resolve(call, site.fn) is not None:
            continue  # `object.__init__`, dunders by name: every class has one, none is where code went
        out.extend((site, call, fn) for fn in _homes_of(tail, call, side, ctx))
        if len(out) >= MAX_HOMES:
            break
    return out[:MAX_HOMES]


def _base_class_method(call: ast.Call, fn: FunctionInfo, flow, ctx) -> FunctionInfo | None:
    """`super().m(...)` in a method of a project class: the base class's `m` it runs, when that base is
    a class of the candidate's changed files. Real shape (d3rlpy's policy refactor): the body of
    `SquashedNormalPolicy` moved into a new base `NormalPolicy`, the old name became a subclass whose
    `__init__` only calls `super().__init__(..., squash_distribution=True)`: its layers are inherited,
    not removed."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name) and func.value.func.id == "super" and fn.class_name):
        return None
    home = flow.inherited(fn.module, fn.class_name, func.attr)
    if home is None or ctx.pairs.change_for(home.path, "candidate") is None:
        return None
    return home


def _homes_of(tail: str, call: ast.Call, side: SideIndex, ctx) -> list[FunctionInfo]:
    cache: dict[str, list[FunctionInfo]] = _memo(ctx, "_moved_homes")
    if tail not in cache:
        if tail[0].isupper():
            cache[tail] = _constructors(tail, side, ctx)
        elif isinstance(call.func, ast.Attribute):
            cache[tail] = [fn for fn in side.find_defs(tail)
                           if fn.class_name and ctx.pairs.change_for(fn.path, "candidate") is not None]
        else:
            cache[tail] = []
    return cache[tail]


def _constructors(class_name: str, side: SideIndex, ctx) -> list[FunctionInfo]:
    """`Name.__init__` of the project classes of that name in the candidate's changed files (a
    constructor call the walk does not inline: `MLP(obs, actions, dims, activation)`)."""
    pattern = re.compile(rf"^[ \t]*class[ \t]+{re.escape(class_name)}\b", re.MULTILINE)
    out: list[FunctionInfo] = []
    texts = side.texts()
    for path in side.def_paths("__init__"):
        text = texts.get(path, "")
        if ctx.pairs.change_for(path, "candidate") is None or class_name not in text or not pattern.search(text):
            continue
        module = side.module(path)
        init = module.functions.get(f"{class_name}.__init__") if module else None
        if init is not None:
            out.append(init)
    return out


def _earlier(ctx, home: FunctionInfo) -> FunctionInfo | None:
    """The baseline side of the first pair whose candidate is `home` (indexed once per pair list)."""
    pairs = ctx.pairs.pairs
    memo = _memo(ctx, "_earlier_index")
    built: tuple[int, dict[int, FunctionInfo | None]] | None = memo.get("built")
    if built is None or built[0] != len(pairs):  # (re)built when pairs were added since
        index: dict[int, FunctionInfo | None] = {}
        for p in pairs:
            if p.cand is not None:
                index.setdefault(id(p.cand), p.base)
        built = (len(pairs), index)
        memo["built"] = built
    return built[1].get(id(home))


def _new_at_home(detector, ctx, site: Site, call: ast.Call, home: FunctionInfo, depth: int = 2,
                 seen: tuple[FunctionInfo, ...] = ()) -> Counter:
    """Keys of the home's features as this call runs it (parameters bound to its arguments), for the
    features that are new there (not in the home's baseline counterpart); with those of the project
    constructors the home itself calls (`depth` levels): code moved two constructors deep. Real shape
    (sac-discrete.pytorch d48f9e10..cf2295cd, sacd/model.py): `create_conv`'s Conv/ReLU trunk and
    Linear/ReLU head, built twice by `TwinnedQNetwork.__init__`, went into `QNetwork.__init__` (the
    heads) and the `DQNBase(num_channels)` it builds (the trunk); read one level deep, the trunk's
    ReLUs were "Nonlinearity changed: relu -> -" while the no-effect list said the ReLU moved."""
    unbound = detector.features(ctx.sites(home), home, ctx)
    before = _earlier(ctx, home)
    old = Counter(f.key for f in detector.features(ctx.sites(before), before, ctx)) if before is not None else Counter()
    new_nodes: set[int] = set()
    for f in unbound:
        if old[f.key] > 0:
            old[f.key] -= 1
        else:
            new_nodes.add(id(f.site.node))
    bound_sites = ctx.flows["candidate"].call_sites(call, site, home)
    bound = detector.features(bound_sites, home, ctx)
    out = Counter(f.key for f in bound if id(f.site.node) in new_nodes)
    if depth > 1:
        flow, side = ctx.flows["candidate"], ctx.side("candidate")
        for inner_site, inner_call, name in calls(bound_sites):
            tail = name.rsplit(".", 1)[-1]
            if not tail or not tail[0].isupper() or flow.resolve(inner_call, inner_site.fn) is not None:
                continue
            inner: Counter = Counter()
            for nested in _homes_of(tail, inner_call, side, ctx):
                if nested is not home and nested not in seen:  # alternatives: the most any of them has
                    inner |= _new_at_home(detector, ctx, inner_site, inner_call, nested, depth - 1, (*seen, home))
            out += inner
    return out


def moved_into_callees(detector, pair, ctx, base: list, only_base: list) -> tuple[list, list, list[FunctionInfo]]:
    """Split baseline-only features into (kept, moved, homes): a feature is moved when an equal one
    (instance attributes read as locals: `self.mlp` there is the `mlp` argument here) is new in a
    function the candidate calls where the walk cannot follow (`dynamic_callees`), as that call
    runs it. Compared there, it is no change; a changed gain or formula still differs.
    `base`: every baseline feature of the pair, in extraction order (`only_base` is a subset)."""
    from investigator.detectors.patterns import LOOSE_ATTRIBUTES

    if not only_base or pair.cand is None or pair.base is None:
        return only_base, [], []
    homes = dynamic_callees(pair, ctx)
    if not homes:
        return only_base, [], []
    token = LOOSE_ATTRIBUTES.set(True)
    try:
        base_loose = detector.features(ctx.sites(pair.base), pair.base, ctx)
        per_call: dict[int, Counter] = {}
        used: list[FunctionInfo] = []
        for site, call, home in homes:
            new = _new_at_home(detector, ctx, site, call, home)
            if new:
                # the homes found for one call are alternatives (the most any of them has); calls add up
                per_call[id(call)] = per_call.get(id(call), Counter()) | new
                used.extend([home] if home not in used else [])
        available: Counter = sum(per_call.values(), Counter())
    finally:
        LOOSE_ATTRIBUTES.reset(token)
    if len(base_loose) != len(base) or not available:
        return only_base, [], []
    loose_key = {id(f): g.key for f, g in zip(base, base_loose, strict=True)}
    moved, kept = [], []
    for f in only_base:  # counted: two equal layers removed, one now in the callee, leaves one removed
        if available[loose_key[id(f)]] > 0:
            available[loose_key[id(f)]] -= 1
            moved.append(f)
        else:
            kept.append(f)
    return kept, moved, used


def moved_into_callers(detector, pair, ctx, only_base: list) -> tuple[list, list, list[FunctionInfo]]:
    """Split baseline-only features of a method into (kept, moved, homes): a feature is moved when an
    equal one is new in a method that calls this one on `self` and that the class runs (its own, or
    inherited from a base class). Real shape (tianshou): `if self.lr_scheduler is not None:
    self.lr_scheduler.step()` left every policy's `learn` for `BasePolicy.update`, which calls
    `self.learn(batch)` once per update: "Learning-rate schedule no longer applied (5 places)", while
    the schedule is stepped as often as before. A caller the class does not run (an unrelated class's
    method of the same name, one the class overrides) is no home."""
    if not only_base or pair.cand is None or pair.base is None or not pair.cand.class_name:
        return only_base, [], []
    homes = calling_methods(pair, ctx)
    if not homes:
        return only_base, [], []
    kept, moved, found = _split_by_homes(detector, ctx, only_base, homes)
    return kept, moved, [home for home, _ in found]


def _split_by_homes(detector, ctx, only_base: list, homes: list[FunctionInfo], *, own_counterpart: bool = False
                    ) -> tuple[list, list, list[tuple[FunctionInfo, Counter]]]:
    """(kept, moved, the homes with new features and those features): each baseline-only feature is moved while
    one equal feature new in a home is left (counted: removed twice and new once leaves one removed).
    `own_counterpart`: a home's features are new unless its baseline counterpart is the same method (same
    qualified name), not a function of another class that the pairing matched it with by similarity."""
    available: Counter = Counter()
    found: list[tuple[FunctionInfo, Counter]] = []
    for home in homes:
        new = _new_features(detector, ctx, home, own_counterpart=own_counterpart)
        if new:
            available |= new
            found.append((home, new))
    moved, kept = [], []
    for f in only_base:
        if available[f.key] > 0:
            available[f.key] -= 1
            moved.append(f)
        else:
            kept.append(f)
    return kept, moved, found


def moved_into_siblings(detector, pair, ctx, only_base: list) -> tuple[list, list, list[FunctionInfo]]:
    """Split baseline-only features of a method into (kept, moved, homes): a feature is moved when an equal
    one is new in a method of the same class that a caller of this method now also calls on `self` (a
    step split out into a sibling method). Real shape (omnisafe 89717ba9..15603dd7,
    omnisafe/adapter/online_adapter.py): `OnlineAdapter._wrapper` wrapped both the training and the
    evaluation environment; the evaluation env's `TimeLimit`/`AutoReset`/`ObsNormalize`/`ActionScale` went
    into a new `_wrapper_eval`, which `__init__` calls after `self._wrapper(...)`: "Normalisation wrapper
    removed: `ObsNormalize`" (significant), while the evaluation env is still normalised. Counted: a
    feature removed twice and new once in the sibling leaves one removed."""
    if not only_base or pair.cand is None or pair.base is None or not pair.cand.class_name:
        return only_base, [], []
    fn: FunctionInfo = pair.cand
    short = (fn.class_name or "").rsplit(".", 1)[-1]
    flow = ctx.flows["candidate"]
    homes: list[FunctionInfo] = []
    for caller in calling_methods(pair, ctx):
        for name in sorted(self_calls(caller) - {fn.name, caller.name}):
            sibling = fn.module.functions.get(f"{fn.class_name}.{name}") or flow.inherited(fn.module, short, name)
            if sibling is not None and sibling is not fn and sibling not in homes \
                    and ctx.pairs.change_for(sibling.path, "candidate") is not None:
                homes.append(sibling)
    kept, moved, found = _split_by_homes(detector, ctx, only_base, homes[:MAX_HOMES])
    if not found:
        return only_base, [], []
    used = [home for home, _ in found]
    return kept, moved, [home for home, new in found if any(f.key in new for f in moved)] or used


def moved_into_hooks(detector, pair, ctx, only_base: list) -> tuple[list, list, list[FunctionInfo]]:
    """Split baseline-only features of a method into (kept, moved, homes): a feature is moved when an equal one
    is new in a method that the class runs as a hook of a base-class method the pair's method reaches through
    `super()` (the base calls `self.<hook>()`, which dispatches to the class's own override). Real shape
    (xuance a2c27bd8..febfe494, xuance/torch/learners/multi_agent_rl/iddpg_learner.py:19): `IDDPG_Learner.__init__`
    built its per-group actor and critic `Adam` optimizers itself; at the candidate they are built, verbatim, in
    `IDDPG_Learner.build_optimizer`, which the new base `OffPolicyMultiAgentLearner.__init__` calls after
    `super().__init__`: "Optimizer changed: `torch.optim.Adam(...)` -> `-` (3 places)", significant, while every
    learner builds the same optimizers at construction. Base methods are followed through their own `super()`
    calls (`MAX_HOOK_DEPTH` levels); a hook the class does not run (another class's override) is no home.
    Counted: a feature removed twice and new once in the hook leaves one removed."""
    if not only_base or pair.cand is None or pair.base is None or not pair.cand.class_name:
        return only_base, [], []
    homes = template_hooks(pair, ctx)
    if not homes:
        return only_base, [], []
    kept, moved, found = _split_by_homes(detector, ctx, only_base, homes, own_counterpart=True)
    if not found:
        return only_base, [], []
    return kept, moved, [home for home, new in found if any(f.key in new for f in moved)] or [h for h, _ in found]


def changed_in_hooks(detector, pair, ctx, only_base: list) -> list:
    """The features new in the pair's template hooks (`template_hooks`) of the same kind (first key element) as
    baseline-only features left after the move search: code moved into the hook AND changed there, compared with
    what the baseline built instead of reported as gone. Real shape (xuance a2c27bd8..febfe494, qmix_learner.py):
    `QMIX_Learner.__init__` built `Adam(self.model.parameters_model, lr, eps=1e-5)`; at the candidate its
    `build_optimizer` hook runs the base's `Adam(self.model.parameters(), lr=..., eps=1e-5, weight_decay=...)`:
    "Optimizer changed: `Adam(...)` -> `-`" said no optimizer was built any more."""
    if not only_base or pair.cand is None or pair.base is None or not pair.cand.class_name:
        return []
    kinds = {f.key[0] for f in only_base if isinstance(f.key, tuple) and f.key}
    out: list = []
    for home in template_hooks(pair, ctx):
        new = _new_features(detector, ctx, home, own_counterpart=True)
        if not new:
            continue
        for f in detector.features(ctx.sites(home), home, ctx):
            if new[f.key] > 0 and isinstance(f.key, tuple) and f.key and f.key[0] in kinds:
                new[f.key] -= 1
                out.append(f)
    return out


MAX_HOOK_DEPTH = 3


def template_hooks(pair, ctx) -> list[FunctionInfo]:
    """The methods of the pair's class (its own or inherited) that the base-class methods it reaches through
    `super().m(...)` call on `self`, in changed candidate files (memoised per pair)."""
    memo = _memo(ctx, "_template_hooks")
    if id(pair) not in memo:
        memo[id(pair)] = _template_hooks(pair, ctx)
    return memo[id(pair)]


def _template_hooks(pair, ctx) -> list[FunctionInfo]:
    fn: FunctionInfo = pair.cand
    short = (fn.class_name or "").rsplit(".", 1)[-1]
    flow = ctx.flows["candidate"]
    bases: list[FunctionInfo] = []
    frontier = [fn]
    for _ in range(MAX_HOOK_DEPTH):
        found: list[FunctionInfo] = []
        for caller in frontier:
            for node in ast.walk(caller.node):
                if isinstance(node, ast.Call):
                    base = _base_class_method(node, caller, flow, ctx)
                    if base is not None and base is not fn and base not in bases and base not in found:
                        found.append(base)
        bases += found
        frontier = found
        if not frontier:
            break
    homes: list[FunctionInfo] = []
    for base in bases:
        for name in sorted(self_calls(base) - {fn.name}):
            hook = fn.module.functions.get(f"{fn.class_name}.{name}") or flow.inherited(fn.module, short, name)
            if hook is not None and hook is not fn and hook not in bases and hook not in homes \
                    and ctx.pairs.change_for(hook.path, "candidate") is not None:
                homes.append(hook)
    return homes[:MAX_HOMES]


def handed_in(detector, pair, ctx, only_base: list) -> tuple[list, list, list[FunctionInfo]]:
    """Split baseline-only features into (kept, moved, homes): a feature is moved when it ran in a callee
    whose call the function no longer makes because its callers now make it and hand the result in. The
    baseline assigned the call's result (`exps, logs = self.collect_experiences()`), the candidate has a
    parameter of one of those names (`def update_parameters(self, exps)`) and calls nothing of the
    callee's name, and the callee still exists at the candidate with the feature (its home). Real shape
    (torch-ac 312edb4..b6602c8): A2C's and PPO's `update_parameters` stopped collecting the rollout
    themselves; the training script calls `collect_experiences()` and passes `exps`: the done-masked GAE
    of `collect_experiences`, unchanged, was "Done masking removed from the return/advantage computation"
    (critical) and "Done flag no longer includes dones, truncations". A callee removed at the candidate,
    or one whose feature changed there, is no home: that stays a change."""
    if not only_base or pair.base is None or pair.cand is None or pair.base.is_module:
        return only_base, [], []
    gained = _parameters(pair.cand) - _parameters(pair.base)
    if not gained:
        return only_base, [], []
    called = {last_name(call_name(n)) for n in ast.walk(pair.cand.node) if isinstance(n, ast.Call)}
    side = ctx.side("candidate")
    kept, moved, homes = [], [], []
    for f in only_base:
        site: Site = f.site
        callee = site.chain[1] if site.depth >= 1 and len(site.chain) > 1 else None
        home = None
        if callee is not None and callee.name not in called and site.anchor is not None \
                and _assigned_from(pair.base, site.anchor[1], callee.name) & gained:
            module = side.module(callee.path)
            home = module.functions.get(callee.qualname) if module is not None else None
        if home is not None and f.key in {g.key for g in detector.features(ctx.sites(home), home, ctx)}:
            moved.append(f)
            homes += [] if home in homes else [home]
        else:
            kept.append(f)
    return kept, moved, homes


def _parameters(fn: FunctionInfo) -> set[str]:
    args = getattr(fn.node, "args", None)
    return {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]} if args is not None else set()


def _assigned_from(fn: FunctionInfo, line: int, callee: str) -> set[str]:
    """The names the statement at `line` of `fn` assigns from a call of `callee` (`exps, logs = self.f()`)."""
    for node in ast.walk(fn.node):
        if isinstance(node, ast.Assign) and node.lineno == line and isinstance(node.value, ast.Call) \
                and last_name(call_name(node.value)) == callee:
            return set(assigned_names(node))
    return set()


def calling_methods(pair, ctx) -> list[FunctionInfo]:
    """The methods of changed candidate files that call `self.<m>(...)` (m: the pair's method) and that
    the pair's class runs: defined on it, or inherited from a base class (memoised per pair)."""
    memo = _memo(ctx, "_calling_methods")
    if id(pair) not in memo:
        memo[id(pair)] = _calling_methods(pair, ctx)
    return memo[id(pair)]


def _calling_methods(pair, ctx) -> list[FunctionInfo]:
    fn: FunctionInfo = pair.cand
    short = (fn.class_name or "").rsplit(".", 1)[-1]
    side = ctx.side("candidate")
    flow = ctx.flows["candidate"]
    needle = f"self.{fn.name}("
    out: list[FunctionInfo] = []
    for path, text in side.texts().items():
        if needle not in text or not path.endswith(".py") or ctx.pairs.change_for(path, "candidate") is None:
            continue
        module = side.module(path)
        for caller in module.functions.values() if module is not None else ():
            if caller is fn or not caller.class_name or not _calls_self(caller, fn.name):
                continue
            runs = fn.module.functions.get(f"{fn.class_name}.{caller.name}") or \
                flow.inherited(fn.module, short, caller.name)
            if runs is caller:
                out.append(caller)
        if len(out) >= MAX_HOMES:
            break
    return out[:MAX_HOMES]


def _calls_self(fn: FunctionInfo, method: str) -> bool:
    return method in self_calls(fn)


def _new_features(detector, ctx, home: FunctionInfo, *, own_counterpart: bool = False) -> Counter:
    """Keys of the home's features that its baseline counterpart does not have (counted)."""
    now = Counter(f.key for f in detector.features(ctx.sites(home), home, ctx))
    before = _earlier(ctx, home)
    if before is not None and own_counterpart and before.qualname != home.qualname:
        before = None  # a new hook the pairing matched with another class's method (xuance: MADDPG's `__init__`)
    if before is not None:
        now -= Counter(f.key for f in detector.features(ctx.sites(before), before, ctx))
    return now


def moved_hit(what: str, pair, moved: list, homes: list[FunctionInfo], *, caller: bool = False,
              handed: bool = False, sibling: bool = False, hook: bool = False):
    """A no-effect hit saying where the baseline's code went and that it was compared there."""
    from investigator.detectors.base import Hit, site_loc

    first = moved[0].site
    where = ", ".join(f"`{h.qualname}` ({h.path}:{h.lineno})" for h in homes[:3])
    shown = "; ".join(dict.fromkeys(f"`{f.text}`" for f in moved[:3]))
    if hook:
        reason = (f"moved, not removed: {shown} now runs in {where}, which a base-class method that "
                  f"`{pair.cand.qualname}` runs through `super()` calls on the same object (a template method's hook); "
                  "compared there, the same")
    elif sibling:
        reason = (f"moved, not removed: {shown} now runs in {where}, which the callers of `{pair.cand.qualname}` "
                  "now also call on the same object (a step split out into a method of its own); compared there, "
                  "the same")
    elif handed:
        reason = (f"moved, not removed: {shown} still runs in {where}, whose call `{pair.cand.qualname}` no longer "
                  "makes: its callers make it and hand the result in as a parameter; compared there, the same")
    elif caller:
        reason = (f"moved, not removed: {shown} now runs in {where}, which calls `{pair.cand.qualname}` on the same "
                  "object (a method its class defines or inherits), once per call as before; compared there, the same")
    else:
        reason = (f"moved, not removed: {shown} now runs in {where} (or a project constructor it calls), which "
                  f"`{pair.cand.qualname}` calls (a constructor, a base-class method through `super()`, or a method of "
                  "an object its code does not name); compared there (instance attributes read as the arguments they came from), the same")
    return Hit(
        title=f"{what} moved into {'a hook' if hook else 'a sibling' if sibling else 'the calling' if caller or handed else 'a called'} method",
        summary=f"baseline {shown} now in {where}",
        base=site_loc(first),
        cand=(homes[0].path, homes[0].lineno),
        pair=pair,
        no_effect_reason=reason,
        base_anchor=first.anchor,
    )
