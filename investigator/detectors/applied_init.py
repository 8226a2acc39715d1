"""Initialisation applied to every module: `self.apply(init_fn)` read layer by layer.

Real shape (d3rlpy, within the `d3-dt-loss-reduction` benchmark range): `DiscreteDecisionTransformer`
initialised its action embedding with `nn.init.normal_(self._action_embed.weight, mean=0.0, std=0.02)`;
later that call was removed and `self.apply(_init_weights)` added, where `_init_weights(module)` draws
`normal_(mean=0.0, std=0.02)` into every `nn.Linear` / `nn.Embedding` weight, zeroes Linear biases
and sets LayerNorm to ones and zeros. It was "Initialisation call removed", significant, above the
range's regression: the embedding gets the same init (moved), while the other layers registered
before the `apply` (the output head, the transformer blocks) gain one: a real change of those
layers, which is what the finding should say.

`nn.Module.apply` visits the modules registered *at that point*: the layers assigned to `self.<x>`
above the call in `__init__` (a layer assigned after it keeps PyTorch's default). Per layer, the
init function's statements under `isinstance(module, (nn.Linear, nn.Embedding))` tests (an `elif`
is its own test; other conditions such as `module.bias is not None` are assumed to hold) give what
each library layer type receives. A norm layer set to ones and zeros keeps its default and is left
out. A project module or one passed in is named as a whole ("the layers inside `_gpt2`").
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from investigator.pyast import dotted, last_name

NORM_LAYERS = {"LayerNorm", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "GroupNorm", "InstanceNorm1d",
               "InstanceNorm2d", "RMSNorm"}
_DEFAULT_NORM = {("weight", "fill_(1.0)"), ("weight", "ones_()"), ("bias", "zero_()"), ("bias", "zeros_()"),
                 ("bias", "fill_(0.0)"), ("weight", "fill_(1)"), ("bias", "fill_(0)")}
ANY = "*"


@dataclass(frozen=True)
class LayerInit:
    """One init a layer receives through `apply`: the layer attribute, its type, the parameter, the call."""

    layer: str  # `_output`
    kind: str  # `Linear`, or `GPT2 (its layers)` for a module of unknown layers
    param: str  # `weight`, `bias`, or `*` for a whole module of unknown layers
    call: ast.Call  # the init call in the init function (`module.weight.data.normal_(mean=0.0, std=0.02)`)

    @property
    def method(self) -> str:
        return last_name(dotted(self.call.func) or "")

    def text(self) -> str:
        args = [ast.unparse(a) for a in self.call.args] + [f"{k.arg}={ast.unparse(k.value)}" for k in self.call.keywords
                                                           if k.arg]
        return f"{self.method}({', '.join(args)})"


def _types(test: ast.expr, param: str) -> set[str] | None:
    """Layer type names an `isinstance(param, ...)` test (first conjunct of an `and`) admits."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        test = test.values[0]
    if not (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance"
            and len(test.args) == 2 and isinstance(test.args[0], ast.Name) and test.args[0].id == param):
        return None
    kinds = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
    return {last_name(dotted(k) or "") for k in kinds}


def _init_call(stmt: ast.stmt, param: str) -> tuple[str, ast.Call] | None:
    """(`weight`, call) for `param.weight[.data].normal_(...)` or `nn.init.normal_(param.weight, ...)`."""
    call = stmt.value if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) else None
    if call is None:
        return None
    target = call.func.value if isinstance(call.func, ast.Attribute) else None
    if call.args and (dotted(call.func) or "").split(".")[-2:-1] == ["init"]:
        target = call.args[0]
        call = ast.Call(call.func, call.args[1:], call.keywords)
    while isinstance(target, ast.Attribute) and target.attr == "data":
        target = target.value
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == param:
        return target.attr, call
    return None


def type_inits(fn: ast.FunctionDef) -> dict[str, list[tuple[str, ast.Call]]]:
    """Layer type -> [(parameter, init call)] that `fn(module)` applies (see the module doc)."""
    if not fn.args.args:
        return {}
    param = fn.args.args[-1].arg if fn.args.args[0].arg != "self" or len(fn.args.args) > 1 else ""
    out: dict[str, list[tuple[str, ast.Call]]] = {}

    def walk(body: list[ast.stmt], kinds: set[str]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.If):
                admitted = _types(stmt.test, param)
                inner = kinds if admitted is None else (admitted if ANY in kinds else kinds & admitted)
                walk(stmt.body, inner)
                walk(stmt.orelse, kinds)
                continue
            found = _init_call(stmt, param)
            if found is not None:
                for kind in kinds:
                    out.setdefault(kind, []).append(found)
    walk(fn.body, {ANY})
    return out


def _layer_kind(value: ast.expr) -> tuple[str, bool] | None:
    """(type name, a library layer) of `nn.Linear(...)`; (class, False) of a project module call;
    ("passed in", False) of a parameter."""
    if isinstance(value, ast.Call):
        name = dotted(value.func) or ""
        tail = last_name(name)
        if not tail[:1].isupper():
            return None
        return tail, name.split(".")[0] in ("nn", "torch") or name.startswith("torch.nn")
    if isinstance(value, ast.Name):
        return "passed in", False
    return None


def _bias_off(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and any(k.arg == "bias" and isinstance(k.value, ast.Constant)
                                               and k.value.value is False for k in value.keywords)


def _default_norm(kind: str, inits: list[tuple[str, ast.Call]]) -> bool:
    """A norm layer set to ones and zeros: its own default."""
    return kind in NORM_LAYERS and {(p, LayerInit("", kind, p, c).text()) for p, c in inits} <= _DEFAULT_NORM


def applied_inits(init: ast.FunctionDef, apply_stmt: ast.stmt, init_fn: ast.FunctionDef) -> list[LayerInit]:
    """What `self.apply(init_fn)` at `apply_stmt` of `__init__` gives each layer registered above it."""
    table = type_inits(init_fn)
    if not table:
        return []
    out: list[LayerInit] = []
    for stmt in init.body:
        if stmt is apply_stmt or stmt.lineno >= apply_stmt.lineno:
            break
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Attribute)
                and isinstance(stmt.targets[0].value, ast.Name) and stmt.targets[0].value.id == "self"):
            continue
        kind = _layer_kind(stmt.value)
        if kind is None:
            continue
        name, library = kind
        layer = stmt.targets[0].attr
        if not library:
            calls = {ast.dump(c): c for inits in table.values() for _, c in inits}
            kinds = "/".join(sorted(k for k in table if k != ANY and not _default_norm(k, table[k]))) or "all"
            owner = "passed in" if name == "passed in" else name
            out += [LayerInit(layer, f"{owner}: its {kinds} layers", ANY, c) for c in calls.values()]
            continue
        inits = table.get(name, []) + table.get(ANY, [])
        pairs = [(p, c) for p, c in inits if not (p == "bias" and _bias_off(stmt.value))]
        if _default_norm(name, pairs):
            continue  # ones and zeros: a norm layer's own default
        out += [LayerInit(layer, name, p, c) for p, c in pairs]
    return out
