"""Network layers and nonlinearities: layer sizes, layer types and activation functions."""

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
from investigator.detectors.flow import Site
from investigator.detectors.forwarding import applied, forwarded
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.injected import injected_layer
from investigator.detectors.pairs import FunctionPair
from investigator.detectors.patterns import (
    ACTIVATION,
    FUNCTIONAL_OWNER,
    activation_key,
    calls,
    canon,
    known_call_arguments,
    parent_map,
)
from investigator.detectors.renames import renamed_pairs
from investigator.detectors.unusedlayer import unused_layer
from investigator.models import Severity
from investigator.pyast import dotted, last_name, unparse


def _swish_lambda(node: ast.AST) -> bool:
    """`lambda x: x * torch.sigmoid(x)`: swish written out."""
    if not isinstance(node, ast.Lambda) or len(node.args.args) != 1:
        return False
    x, body = node.args.args[0].arg, node.body
    if not (isinstance(body, ast.BinOp) and isinstance(body.op, ast.Mult)):
        return False
    sides = (body.left, body.right)
    return any(isinstance(a, ast.Name) and a.id == x for a in sides) and any(
        isinstance(c, ast.Call) and last_name(dotted(c.func)) == "sigmoid"
        and len(c.args) == 1 and isinstance(c.args[0], ast.Name) and c.args[0].id == x
        for c in sides
    )
def _option_name(site: Site) -> str | None:
    """The name a lookup selects this activation by: the string key of a dict entry
    (`{"elu": nn.ELU(), ...}`) or the string an enclosing `if name == "elu":` tests. An if/elif
    chain and a dict of the same names and modules are one table; an entry added to it is an
    option (`option` in the key), not a nonlinearity the network uses."""
    parents = parent_map(site.fn)
    node: ast.AST = site.node
    cur = parents.get(id(node))
    while cur is not None and not isinstance(cur, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
        if isinstance(cur, ast.Dict) and node in cur.values:
            key = cur.keys[cur.values.index(node)]
            return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
        if isinstance(cur, ast.If) and node in cur.body:
            return _tested_string(cur.test)
        node, cur = cur, parents.get(id(cur))
    return None


def _activation(key: str, site: Site) -> tuple[str, ...]:
    option = _option_name(site)
    return ("activation", key, option) if option else ("activation", key)


def _same_nonlinearity_dropped(acts_b: list[Feature], acts_c: list[Feature]) -> tuple[list[Feature], list[Feature]]:
    """Pairs of the same nonlinearity on both sides taken out: `action = torch.tanh(z)` moved into an
    `if self.action_type == "continuous":` branch is keyed with that branch's string as an option, yet it
    is the same tanh (JORLDY's SAC rewrite: "Nonlinearity changed: tanh -> tanh"). A nonlinearity is
    only changed when its function differs."""
    left = list(acts_c)
    kept_b = []
    for f in acts_b:
        match = next((g for g in left if g.key[1] == f.key[1]), None)
        if match is None:
            kept_b.append(f)
        else:
            left.remove(match)
    return kept_b, left


def _exclusive(a: Site, b: Site) -> bool:
    """The two sites lie in different arms of one `if`: no single run builds both."""
    arms = dict(a.branches)
    return any(k in arms and arms[k] != v for k, v in b.branches)


def _per_run(features: list[Feature], name: object) -> int:
    """How many copies of nonlinearity `name` one run builds at most: copies in exclusive arms of one `if` are
    alternatives, not a stack (each copy counts those it can run beside, itself included)."""
    copies = [f for f in features if f.key[0] == "activation" and f.key[1] == name]
    return max((sum(1 for g in copies if not _exclusive(f.site, g.site)) for f in copies), default=0)


def _alternative_copies_dropped(acts_b: list[Feature], acts_c: list[Feature], base: list[Feature],
                                cand: list[Feature]) -> tuple[list[Feature], list[Feature]]:
    """Differing copies of a nonlinearity taken out where every run still builds as many of it as before: a layer
    stack moved into one arm of a new `if option: ... else: ...` and written again (the same nonlinearity) into
    the other arm is one copy per run, not a new one. Real shape: FastTD3 51c55d4a..229ed59b
    `fast_td3/fast_td3.py:270-283`: the actor's `fc_mu = nn.Sequential(nn.Linear(h // 4, n_act), nn.Tanh())`
    moved into the `else:` (default `sim_type == ""`) of a new `if sim_type in ["sim_both", "sim_actor"]:` whose
    body builds `nn.Sequential(nn.Linear(seq_len * sim_dimension, n_act), nn.Tanh())`: "Nonlinearity changed:
    - -> tanh" (significant, #1 of its range, precision set 16). A nonlinearity added to the default arm (two per
    run) or another nonlinearity there still differs. Not the arms of a name table (`if kind == "relu": ...`, keys
    with an option): each arm there is a named choice, and its nonlinearity swapped is a change of that choice."""
    names = {f.key[1] for f in (*acts_b, *acts_c)} - {f.key[1] for f in (*acts_b, *acts_c) if len(f.key) > 2}
    same = {n for n in names if _per_run(base, n) == _per_run(cand, n)}
    return [f for f in acts_b if f.key[1] not in same], [f for f in acts_c if f.key[1] not in same]


def _clamp_under_root(call: ast.Call, site: Site) -> bool:
    """`sqrt(relu(v))`: a relu whose result goes straight into a square root keeps a variance estimate
    non-negative (`std = jnp.sqrt(jax.nn.relu(sqrs / corr - mean ** 2))`, dreamerv3's return normaliser); no layer's
    output is square-rooted. Real shape: dreamerv3 ec433ce1..e3f02248 moved that normaliser to another package and it
    was read as "Nonlinearity changed: relu -> -" (significant)."""
    if activation_key(last_name(dotted(call.func))) != "relu" or len(call.args) != 1:
        return False
    parent = parent_map(site.fn).get(id(call))
    return isinstance(parent, ast.Call) and last_name(dotted(parent.func)) == "sqrt" and parent.args[:1] == [call]


def _tested_string(test: ast.expr) -> str | None:
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
        for side in (test.left, test.comparators[0]):
            if isinstance(side, ast.Constant) and isinstance(side.value, str):
                return side.value
    return None


LAYER = re.compile(
    r"^(Linear|Conv1d|Conv2d|Conv3d|ConvTranspose2d|LSTM|GRU|RNN|LSTMCell|GRUCell|Embedding|LayerNorm|"
    r"BatchNorm1d|BatchNorm2d|GroupNorm|Dropout|MultiheadAttention|Bilinear|Flatten)$"
)


# leading parameters of common layers, so `Linear(64, n)` and `Linear(in_features=64, out_features=n)` agree
POSITIONAL = {
    "Linear": ("in_features", "out_features"),
    "Bilinear": ("in1_features", "in2_features", "out_features"),
    "Conv1d": ("in_channels", "out_channels", "kernel_size"),
    "Conv2d": ("in_channels", "out_channels", "kernel_size"),
    "Conv3d": ("in_channels", "out_channels", "kernel_size"),
    "LSTM": ("input_size", "hidden_size", "num_layers"),
    "GRU": ("input_size", "hidden_size", "num_layers"),
    "RNN": ("input_size", "hidden_size", "num_layers"),
    "Embedding": ("num_embeddings", "embedding_dim"),
    "LayerNorm": ("normalized_shape",),
}


def _arguments(call: ast.Call, layer: str, site: Site) -> str:
    bound = known_call_arguments(call)  # a known torch.nn signature: defaults dropped, positions named
    if bound is not None:
        call = ast.Call(func=call.func, args=[], keywords=bound)
    names = POSITIONAL.get(layer, ())
    args = [canon(a, site) for a in call.args]
    keywords = {k.arg: k.value for k in call.keywords if k.arg}
    for name in names[len(args) :]:
        if name not in keywords:
            break
        args.append(canon(keywords.pop(name), site))
    return ", ".join(args + sorted(f"{k}={canon(v, site)}" for k, v in keywords.items()))


MAX_REPEATS = 16  # a counted loop unrolled at most this often (a deeper stack is not written out by hand)


def repeats(site: Site) -> int:
    """How many layers a call inside counted loops builds: `for _ in range(n_hidden_layers - 1):
    layers.append(nn.Linear(256, 256))` with the parameter's default `n_hidden_layers=3` builds two.
    Real shape (CORL's CQL critic): `nn.Sequential(Linear, ReLU, Linear, ReLU, Linear, ReLU, Linear)`
    rewritten as such a loop, the same network at the default, read as "Nonlinearity changed: relu
    -> -". A loop over anything else, or a count that does not evaluate, counts once (as before)."""
    n = 1
    for loop in site.loops:
        count = _range_count(loop, site)
        if count is None:
            continue
        n *= count
        if n > MAX_REPEATS or n == 0:
            return 1
    return n


def _range_count(loop: ast.AST, site: Site) -> int | None:
    if not (isinstance(loop, ast.For) and isinstance(loop.iter, ast.Call) and isinstance(loop.iter.func, ast.Name)
            and loop.iter.func.id == "range" and 1 <= len(loop.iter.args) <= 2 and not loop.iter.keywords):
        return None
    if not any(node is loop for node in ast.walk(site.fn.node)):
        return None  # a caller's loop, reached through inlining: its names are not this function's
    values = [_int_at_defaults(a, site) for a in loop.iter.args]
    if any(v is None for v in values):
        return None
    lo, hi = (0, values[0]) if len(values) == 1 else (values[0], values[1])
    assert lo is not None and hi is not None
    return max(0, hi - lo)


def _int_at_defaults(expr: ast.expr, site: Site) -> int | None:
    """`expr` (`+`, `-`, `*`, `//` of integers) evaluated with the function's parameters at their
    literal defaults (or at the literal a caller binds them to); None when anything else is in it."""
    if isinstance(expr, ast.Constant):
        return expr.value if type(expr.value) is int else None
    if isinstance(expr, ast.Name):
        bound = site.bindings.get(expr.id)
        if bound is not None:
            return bound.value if isinstance(bound, ast.Constant) and type(bound.value) is int else None
        return _literal_defaults(site.fn.node).get(expr.id)
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.USub):
        inner = _int_at_defaults(expr.operand, site)
        return None if inner is None else -inner
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add | ast.Sub | ast.Mult | ast.FloorDiv):
        left, right = _int_at_defaults(expr.left, site), _int_at_defaults(expr.right, site)
        if left is None or right is None or (isinstance(expr.op, ast.FloorDiv) and right == 0):
            return None
        ops = {ast.Add: int.__add__, ast.Sub: int.__sub__, ast.Mult: int.__mul__, ast.FloorDiv: int.__floordiv__}
        return ops[type(expr.op)](left, right)
    return None


def _literal_defaults(node: ast.AST) -> dict[str, int]:
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return {}
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults, strict=True))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None]
    return {a.arg: d.value for a, d in pairs if isinstance(d, ast.Constant) and type(d.value) is int}


def _unused(only: list[Feature], every: list[Feature], side: object) -> list[tuple[Feature, str]]:
    """The differing layers that are stores on `self` no method of their class reads, each with that attribute
    (detectors/unusedlayer.py); a layer of the same build as an unused one stands for it (which of two equal
    builds is "the one left" is arbitrary)."""
    out: list[tuple[Feature, str]] = []
    taken: set[int] = set()
    for f in only:
        if f.key[0] != "layer":
            continue
        for g in [f, *(g for g in every if g.key == f.key and g is not f)]:
            attr = unused_layer(g.site.node, g.site.fn, side) if id(g) not in taken else None
            if attr is not None:
                taken.add(id(g))
                out.append((f, attr))
                break
    return out


def _forwarding(features: list[Feature], this: list[Site], other: list[Site]) -> list[Feature]:
    """The layers of `features` built by a project callable that only forwards to a library call which the other
    commit's function makes with the same arguments and this one no longer makes (`detectors/forwarding.py`:
    coach's `Flatten()(x)` for `tf.contrib.layers.flatten(x)`)."""
    out = []
    for f in features:
        if f.key[0] != "layer" or not isinstance(f.site.node, ast.Call):
            continue
        call = forwarded(applied(f.site.node, f.site.fn) or f.site.node, f.site.fn)
        if call is None:
            continue
        key = ast.dump(call)
        if any(ast.dump(c) == key for _s, c, _n in calls(other)) and not any(
                ast.dump(c) == key for _s, c, _n in calls(this)):
            out.append(f)
    return out


class LayersDetector(FeatureDetector):
    meta = DetectorMeta(
        id="layers",
        title="Network layers and nonlinearities",
        subsystem="architecture",
        severity=Severity.significant,
        rationale=(
            "Layer widths, layer types and nonlinearities define the function class the policy and "
            "critic can represent; PPO defaults (e.g. tanh hidden activations, 64-unit layers) are "
            "tuned together with the learning rate and initialisation."
        ),
        fix="Restore the baseline layer sizes and activation functions.",
        hypotheses=["architecture.layer_sizes_changed", "architecture.connectivity_changed"],
        confidence=0.75,
        keywords=r"nn\.\w+\(|torch\.(relu|tanh)|F\.\w+\(",
    )

    def features(self, sites: list[Site], fn: FunctionInfo, ctx: DetectorContext) -> list[Feature]:
        out = []
        called = {id(call.func) for _s, call, _n in calls(sites)}
        for site in sites:
            node = site.node
            if isinstance(node, ast.Attribute) and id(node) not in called and ACTIVATION.match(node.attr):
                if FUNCTIONAL_OWNER.match(dotted(node.value) or ""):
                    out.append(Feature(_activation(activation_key(node.attr), site), site, unparse(node, 60)))
            elif isinstance(node, ast.Return | ast.Assign) and node.value is not None and _swish_lambda(node.value):
                out.append(Feature(_activation("swish", site), site, unparse(node.value, 60)))
        for site, call, name in calls(sites):
            tail = last_name(name)
            if ACTIVATION.match(tail) and _clamp_under_root(call, site):
                continue
            if ACTIVATION.match(tail):
                found = Feature(_activation(activation_key(tail), site), site, unparse(call, 60))
            elif LAYER.match(tail) and ("nn" in name.split(".") or name == tail):
                found = Feature(("layer", tail, _arguments(call, tail, site)), site, unparse(call, 60))
            else:
                continue
            out.extend([found] * repeats(site))
        return out

    def describe(self, pair: FunctionPair, base, cand, only_base, only_cand, ctx) -> list[Hit]:
        acts_b = [f for f in only_base if f.key[0] == "activation"]
        acts_c = [f for f in only_cand if f.key[0] == "activation"]
        if not only_base and acts_c and len(acts_c) == len(only_cand) and all(len(f.key) > 2 for f in acts_c):
            names = ", ".join(dict.fromkeys(f"`{f.key[2]}`" for f in acts_c))
            hit = feature_hit(f"Activation options added to a name lookup: {names}", pair, [], acts_c)
            hit.no_effect_reason = (
                f"new entries {names} of a table that selects an activation by name; the existing names "
                "select the same modules, and a new one acts only where a caller passes its name"
            )
            return [hit]
        acts_b, acts_c = _same_nonlinearity_dropped(*_alternative_copies_dropped(acts_b, acts_c, base, cand))
        if acts_b or acts_c:
            b = acts_b[0].key[1] if acts_b else "-"
            c = acts_c[0].key[1] if acts_c else "-"
            return [feature_hit(f"Nonlinearity changed: {b} -> {c}", pair, acts_b, acts_c)]
        only_base = [f for f in only_base if f.key[0] != "activation"]
        only_cand = [f for f in only_cand if f.key[0] != "activation"]
        base_sites, cand_sites = ctx.sites(pair.base), ctx.sites(pair.cand)
        same = {id(f) for f in _forwarding(only_base, base_sites, cand_sites) + _forwarding(only_cand, cand_sites, base_sites)}
        only_base = [f for f in only_base if id(f) not in same]
        only_cand = [f for f in only_cand if id(f) not in same]
        hits = []
        for fb, fc, said in renamed_pairs(only_base, only_cand, POSITIONAL):  # detectors/renames.py
            only_base, only_cand = [f for f in only_base if f is not fb], [f for f in only_cand if f is not fc]
            hits.append(feature_hit(
                f"Layer size read through a renamed attribute: `{fb.text}` -> `{fc.text}`", pair, [fb], [fc],
                severity=Severity.low, confidence=0.4,
                summary=(f"{said}: the module no longer reads the old name anywhere (a consistent rename, e.g. "
                         "a single environment's space read from a vector environment's per-agent space); "
                         "the same size if the object handed in describes the same space")))
        if not only_base and not only_cand:
            return hits
        if not only_base and all(f.key[0] == "layer" for f in only_cand):
            built = injected_layer(pair, str(only_cand[0].key[1]), ctx.pairs.base)
            if built is not None and len({f.key for f in only_cand}) == 1:
                return [feature_hit(
                    f"Layer built inside instead of passed in: `{only_cand[0].text}`", pair, [], only_cand,
                    severity=Severity.low, confidence=0.4,
                    summary=(f"{built}; the candidate builds it from the same parameters, so its sizes are "
                             "still what callers pass (detectors/injected.py)")), *hits]
        unused = _unused(only_base, base, ctx.pairs.base) + _unused(only_cand, cand, ctx.pairs.cand)
        if unused:  # built in `__init__`, read by nothing of its class (detectors/unusedlayer.py)
            gone = {id(f) for f, _a in unused}
            only_base = [f for f in only_base if id(f) not in gone]
            only_cand = [f for f in only_cand if id(f) not in gone]
            names = ", ".join(dict.fromkeys(f"`self.{a}`" for _f, a in unused))
            hits.append(feature_hit(
                f"Unused layer removed or added: {names} (never read by its class)", pair,
                [f for f, _a in unused if f.site.fn.side == "baseline"],
                [f for f, _a in unused if f.site.fn.side != "baseline"], severity=Severity.low, confidence=0.3,
                summary=(f"{names} is built in `__init__` but no method of its class reads it (nor reaches an "
                         "attribute by name, nor a subclass): the network computes the same outputs; only its "
                         "parameter list and the initialisation draws of the layers built after it change")))
            if not only_base and not only_cand:
                return hits
        b = only_base[0].text if only_base else "-"
        c = only_cand[0].text if only_cand else "-"
        return [feature_hit(f"Layer changed: `{b}` -> `{c}`", pair, only_base, only_cand), *hits]
