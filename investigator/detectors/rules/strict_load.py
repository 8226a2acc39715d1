"""Partial weight loading: `load_state_dict(strict=False)` and state-dict key remapping."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from investigator.detectors.base import (
    DetectorContext,
    DetectorMeta,
    Feature,
    FeatureDetector,
    Hit,
    feature_hit,
)
from investigator.detectors.flow import Site
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import calls, canon
from investigator.detectors.rules.target_network import TARGET, TargetNetworkDetector
from investigator.flow.orchestration import import_graph
from investigator.models import Severity
from investigator.pyast import call_name, kwarg, last_name, unparse

KEY_OPS = {"replace", "removeprefix", "removesuffix", "startswith", "endswith", "lstrip", "split", "sub", "strip"}


STATE_SOURCE = re.compile(r"state|ckpt|checkpoint|weights|params|(^|\W)sd(\W|$)|dict", re.IGNORECASE)


def _key_var(target: ast.AST) -> str | None:
    """The key name of `for k, v in d.items()` / `for k in d` / `{k: v for k, v in d.items()}`."""
    if isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
        return target.elts[0].id
    return target.id if isinstance(target, ast.Name) else None


def _rewrites_key(tree: ast.AST, key: str) -> bool:
    """A string operation or a slice applied to the key variable (`k.replace("module.", "")`, `k[7:]`,
    `re.sub(pattern, repl, k)`). The key as the operand of another string's method (`name.split(marker)`:
    the loop variable is a separator, the string cut is `name`) rewrites nothing of the key."""
    for sub in ast.walk(tree):
        if isinstance(sub, ast.Call) and last_name(call_name(sub)) in KEY_OPS:
            receiver = sub.func.value if isinstance(sub.func, ast.Attribute) else None
            operands = [receiver, *sub.args] if last_name(call_name(sub)) == "sub" else [receiver]
            if any(isinstance(o, ast.Name) and o.id == key for o in operands):
                return True
        if (
            isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Slice)
            and isinstance(sub.value, ast.Name) and sub.value.id == key
        ):
            return True
    return False


def _names_state(source: ast.expr) -> bool:
    """The iterated expression names a state dict by its identifiers (`state_dict.items()`, `ckpt["model"]`,
    `torch.load(path)`'s name), not by the text of string constants in it: a list literal of task-name markers
    (`["_view", "_initstate", "_noise", ...]`) is no state dict. Real shape: RLinf a4b6abe2..8aa19aae,
    rlinf/envs/libero/libero_env.py:339, the LIBERO-Plus task filter `for marker in [..., "_initstate", ...]:
    clean_name = clean_name.split(marker)[0]` was "State-dict key mapping changed" (#1, significant)."""
    words = []
    for sub in ast.walk(source):
        if isinstance(sub, ast.Name):
            words.append(sub.id)
        elif isinstance(sub, ast.Attribute):
            words.append(sub.attr)
    return any(STATE_SOURCE.search(w) for w in words)


def _is_remap(node: ast.AST) -> bool:
    """A dict comprehension or loop over a state dict's keys that rewrites the keys. A training loop
    that slices minibatches or carries an `lstm_state` is not one: the rewrite must apply to the
    key variable of a loop over a state-dict-like mapping."""
    if isinstance(node, ast.DictComp):
        gen = node.generators[0]
        key = _key_var(gen.target)
        return key is not None and _names_state(gen.iter) and _rewrites_key(node.key, key)
    if isinstance(node, ast.For):
        key = _key_var(node.target)
        if key is None or not _names_state(node.iter):
            return False
        return _rewrites_key(ast.Module(body=node.body, type_ignores=[]), key)
    return False


class StrictLoadDetector(FeatureDetector):
    meta = DetectorMeta(
        id="strict_load",
        title="Weight loading (strictness and key mapping)",
        subsystem="checkpointing",
        severity=Severity.significant,
        rationale=(
            "`load_state_dict(strict=False)` silently skips keys that do not match: with a changed "
            "key prefix or remapping, pretrained layers stay randomly initialised (e.g. 58 of 82 "
            "tensors loaded) and training starts from a worse point."
        ),
        fix="Load with strict=True (or assert that missing/unexpected keys are empty) and restore the baseline key mapping.",
        hypotheses=["checkpointing.partial_weight_loading"],
        confidence=0.8,
        keywords=r"load_state_dict",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        for site, call, name in calls(sites):
            if last_name(name) == "load_state_dict":
                strict = kwarg(call, "strict")
                source = _live_source(call)
                if source is not None:
                    # `target.load_state_dict(online.state_dict())`: a copy between two live networks (a
                    # target network or an old-policy copy synchronised), not a checkpoint read from disk
                    into = name.rsplit(".", 1)[0] if "." in name else name
                    out.append(Feature(("sync", into, source), site, unparse(call, 90)))
                    if strict is None:
                        continue
                value = unparse(strict) if strict is not None else "True"
                out.append(Feature(("strict", value), site, f"{name}(..., strict={value})"))
        for site in sites:
            pair_sync = _parameter_sync(site.node) or _deepcopy_sync(site.node)
            if pair_sync is not None:
                shown = site.node.iter if isinstance(site.node, ast.For) else site.node
                out.append(Feature(("sync", *pair_sync), site, unparse(shown, 90)))
            if _is_remap(site.node):
                out.append(Feature(("remap", canon(site.node, site)), site, unparse(site.node, 90)))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        sync = _sync_hit(pair, only_base, only_cand, ctx.side("candidate"))
        if sync is not None:
            return [sync]
        loose = [f for f in only_cand if f.key == ("strict", "False")]
        if loose:
            return [feature_hit("load_state_dict(strict=False) introduced: missing keys are skipped silently",
                                pair, [f for f in only_base if f.key[0] == "strict"], loose)]
        if any(f.key[0] == "remap" for f in only_base + only_cand):
            return [feature_hit("State-dict key mapping changed", pair, [f for f in only_base if f.key[0] == "remap"],
                                [f for f in only_cand if f.key[0] == "remap"])]
        return [feature_hit("Weight loading changed", pair, only_base, only_cand, severity=Severity.low, confidence=0.5)]


_IN_PLACE = {"copy_", "lerp_", "mul_", "add_", "set_"}


def _parameter_sync(node: ast.AST) -> tuple[str, str] | None:
    """(into, source) for `for tp, p in zip(into.parameters(), source.parameters()): tp.data.copy_(...)`: a
    per-parameter copy (or Polyak blend) between two live networks is the same sync as
    `into.load_state_dict(source.state_dict())`; how it blends is the target-network rule's question
    (cleanrl's DQN replaced the hard copy by a blend whose rate defaults to 1: "Network sync removed")."""
    if not isinstance(node, ast.For) or not isinstance(node.iter, ast.Call) or call_name(node.iter) != "zip" \
            or len(node.iter.args) != 2 or not isinstance(node.target, ast.Tuple) or len(node.target.elts) != 2:
        return None
    nets = []
    for arg in node.iter.args:
        if not (isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "parameters"):
            return None
        nets.append(unparse(arg.func.value, 60))
    names = [e.id if isinstance(e, ast.Name) else None for e in node.target.elts]
    for sub in ast.walk(ast.Module(body=node.body, type_ignores=[])):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in _IN_PLACE:
            root = sub.func.value
            while isinstance(root, ast.Attribute | ast.Call | ast.Subscript):
                root = root.func if isinstance(root, ast.Call) else root.value
            if isinstance(root, ast.Name) and root.id in names:
                # the copied-into parameter may come first or second (TD3: `for param, target_param in
                # zip(online.parameters(), target.parameters()): target_param.data.copy_(...)`)
                into = names.index(root.id)
                return nets[into], nets[1 - into]
    return None


def _deepcopy_sync(node: ast.AST) -> tuple[str, str] | None:
    """(into, source) for `into = copy.deepcopy(source)`: a fresh copy of a live network starts with its
    weights, the same initial sync as building `into` and loading `source.state_dict()` into it (TD3
    c717e75..34770cc replaced the second by the first: a false critical "Target-network update removed")."""
    if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.value, ast.Call):
        return None
    target, call = node.targets[0], node.value
    if last_name(call_name(call)) != "deepcopy" or len(call.args) != 1 or call.keywords \
            or not isinstance(target, ast.Name | ast.Attribute) or not isinstance(call.args[0], ast.Name | ast.Attribute):
        return None
    into, source = unparse(target, 60), unparse(call.args[0], 60)
    if not TARGET.search(last_name(into)) or TARGET.search(last_name(source)):
        return None  # a copy of data or of another target network: no network sync
    return into, source


def frozen_target(into: str, tree: ast.Module) -> bool:
    """Whether `into` is a target network (by name) that its module still reads but no longer updates: no
    per-parameter copy into it, no `load_state_dict` on it, and it is handed to no call (a `soft_update(target,
    online, tau)` helper) outside its set-up (`__init__`: the initial copy) and checkpoint loading (a one-time
    copy at restore). Its reads (the TD target's next action or value) then use its initial weights."""
    if not TARGET.search(last_name(into)):
        return False
    read = False
    for node in _outside_setup(tree):
        if _updates(node, lambda name: name == into):
            return False
        read = read or (isinstance(node, ast.Call) and call_name(node) == into)
    return read


def _updates(node: ast.AST, names_target: Callable[[str], bool]) -> bool:
    """Whether `node` may update the network `names_target` accepts: a per-parameter copy into it, its
    `load_state_dict`, or a call it is handed to (a `soft_update(target, online, tau)` helper)."""
    sync = _parameter_sync(node)
    if sync is not None and names_target(sync[0]):
        return True
    if not isinstance(node, ast.Call):
        return False
    name = call_name(node)
    if name.endswith(".load_state_dict") and names_target(name[:-len(".load_state_dict")]):
        return True
    return any(names_target(unparse(a, 80)) for a in [*node.args, *(k.value for k in node.keywords)])


def _synced_elsewhere(into: str, path: str, side: Any) -> bool:
    """Whether a module that `path` imports or that imports it (a base class, a trainer) copies into an
    attribute of the target's name or hands it to a call (`soft_update(self.target_actor, self.actor, tau)`
    in the base class's file): the target may still follow its network, so its removed sync in `path` is
    not shown frozen. Unrelated modules with their own `target_actor` (a sibling algorithm) do not count."""
    if side is None:
        return False
    attr = last_name(into)
    graph = import_graph(side)
    near = graph.edges.get(path, set()) | graph.importers.get(path, set())
    for other in sorted(near):
        if other == path or not other.endswith(".py"):
            continue
        text = side.texts()[other]
        if attr not in text:
            continue
        module = side.module(other)
        if module is None:
            continue
        if any(_updates(node, lambda name: last_name(name) == attr) for node in _outside_setup(module.tree)):
            return True
    return False


SETUP = re.compile(r"^(__init__|_?(load|restore)($|_))")  # run once: set-up, checkpoint restore (not `reload_target`)


def _outside_setup(tree: ast.Module) -> list[ast.AST]:
    """Every node of a module outside the functions that run once (`__init__`, checkpoint loading)."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and SETUP.search(node.name):
            continue
        out.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return out


def _live_source(call: ast.Call) -> str | None:
    """`online.state_dict()` as the loaded argument: the network whose live weights are copied."""
    arg = call.args[0] if call.args else kwarg(call, "state_dict")
    if isinstance(arg, ast.Call) and last_name(call_name(arg)) == "state_dict" and isinstance(arg.func, ast.Attribute):
        return unparse(arg.func.value, 60)
    return None


def _sync_hit(pair: FunctionPair, only_base: list[Feature], only_cand: list[Feature], side: Any = None) -> Hit | None:
    """A copy between two live networks removed, added or redirected: the copy (an old-policy or target
    network) starts from or follows other weights than the trained network's. Significant: with the
    initial sync gone, PPO's old policy samples and scores actions with other random weights than the
    policy it is compared to, and a target network bootstraps from random weights (DOMAIN.md: target
    networks, importance ratios). Not a checkpoint's strictness: nothing is read from disk."""
    gone = [f for f in only_base if f.key[0] == "sync"]
    new = [f for f in only_cand if f.key[0] == "sync"]
    if not gone and not new:
        return None
    if gone and not new:
        into, source = gone[0].key[1], gone[0].key[2]
        if pair.cand is not None and frozen_target(str(into), pair.cand.module.tree) \
                and not _synced_elsewhere(str(into), pair.cand.path, side):
            hit = feature_hit(f"Target-network update removed: `{into}` no longer follows `{source}` and keeps its "
                              f"initial weights", pair, gone, [], severity=Severity.critical, confidence=0.8)
            hit.meta = TargetNetworkDetector.meta  # the target-network rule's meaning, not a checkpoint's
            return hit
        title = f"Network sync removed: `{into}` no longer copies the weights of `{source}`"
    elif new and not gone:
        into, source = new[0].key[1], new[0].key[2]
        title = f"Network sync added: `{into}` now copies the weights of `{source}`"
    else:
        title = f"Network sync changed: `{gone[0].text}` -> `{new[0].text}`"
    return feature_hit(title, pair, gone, new, severity=Severity.significant, confidence=0.65)
