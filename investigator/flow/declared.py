"""A type dispatch decided by the baseline's declared types: new inputs, the old ones computed as before.

Real shape: d3rlpy v2.3.0..v2.4.0 let observations be a tuple of tensors. Functions whose parameter was
`x: torch.Tensor` became `x: TorchObservation` and read the batch size as `x[0].shape[0] if isinstance(x,
(list, tuple)) else x.shape[0]`, or through `get_batch_size(x)` (`if isinstance(x, torch.Tensor): return
int(x.shape[0])`), `batch.observations.shape[0]` as `get_batch_size(batch.observations)` with the field
`observations: torch.Tensor` of `TorchMiniBatch` widened alike. Each was a loss-path change (four of the
range's top five once the accessor rewrites were read), while for every input the baseline took the
candidate computes what it computed.

The baseline's declared class of a parameter of the analysed function (its annotation, one class), or of a
field of such a parameter (the field's annotation in the parameter's class, the repository's own), decides
`isinstance(<it>, T)` tests at both commits once expanded: true when `T` names that class, false when `T`
names only builtin containers or scalars and not that class. Anything else stays a condition. Both commits
are read under the baseline's declarations, so a test both make stays alike. `int(x.shape[k])` is
`x.shape[k]` (a size is an int), and `x.expand((a, b))` is `x.expand(a, b)` (`view`, `reshape`, `expand`,
`permute` take the sizes as one tuple or as arguments alike)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from investigator.detectors.attrs import annotated_classes, class_attributes
from investigator.detectors.functions import FunctionInfo
from investigator.pyast import dotted, last_name

if TYPE_CHECKING:
    from investigator.detectors.flow import Flow

_BUILTIN = frozenset({"list", "tuple", "dict", "set", "str", "bytes", "int", "float", "bool", "complex",
                      "List", "Tuple", "Dict", "Set", "Sequence", "Mapping", "MutableMapping", "MutableSequence",
                      "Iterable", "ndarray", "Number"})


def declared_types(base_fn: FunctionInfo, cand_fn: FunctionInfo, resolver: Flow) -> dict[str, str]:
    """Expression text (`x`, `batch.observations`) -> the class the baseline declares it holds, for the
    parameters of the pair's function and the fields of them the candidate reads."""
    node = base_fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return {}
    args = node.args
    out: dict[str, str] = {}
    classes: dict[str, tuple] = {}
    for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]:
        written = annotated_classes(arg.annotation)
        container = _container(arg.annotation)
        if len(written) != 1 and container is None:
            continue
        name = next(iter(written)) if len(written) == 1 else str(container)
        out[arg.arg] = name
        found = resolver.class_def(base_fn.module, name) if container is None else None
        if found is not None:
            classes[arg.arg] = found
    if classes:
        for sub in ast.walk(cand_fn.node):
            if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id in classes:
                known = _field(classes[sub.value.id], sub.attr, resolver)
                if known:
                    out[f"{sub.value.id}.{sub.attr}"] = known
    return out


_CONTAINERS: dict[str, str] = {"List": "list", "list": "list", "Sequence": "list", "Tuple": "tuple", "tuple": "tuple",
               "Dict": "dict", "dict": "dict", "Mapping": "dict"}


_CONTAINER_KINDS = frozenset(_CONTAINERS.values())


def _container(annotation: ast.expr | None) -> str | None:
    """`list` for `List[Episode]` / `list[Episode]` / `Sequence[Episode]` (a builtin container of anything),
    `dict`, `tuple` alike; None otherwise (a union, an optional, a class)."""
    if isinstance(annotation, ast.Subscript):
        return _CONTAINERS.get(last_name(dotted(annotation.value)))
    return None


def _field(owner: tuple, attr: str, resolver: Flow, hops: int = 3) -> str | None:
    """The declared class of field `attr` of the class `owner`, or of its bases."""
    module, cls = owner
    known = class_attributes(cls).get(attr)
    if known is not None:
        return known.written or None
    for base in cls.bases if hops > 0 else []:
        up = resolver.class_def(module, dotted(base))
        found = _field(up, attr, resolver, hops - 1) if up is not None else None
        if found:
            return found
    return None


def type_decided(test: ast.expr, declared: dict[str, str]) -> bool | None:
    """The truth of an expanded `isinstance(E, T)` under the declared class of `E`; None when unknown."""
    if not (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance"
            and len(test.args) == 2 and not test.keywords):
        return None
    held = declared.get(ast.unparse(test.args[0]))
    if held is None:
        return None
    kinds = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
    names = {last_name(dotted(k)) for k in kinds}
    if "" in names:
        return None
    if last_name(held) in names:
        return True
    if names <= _BUILTIN and last_name(held) not in _BUILTIN:
        return False
    if held in _CONTAINER_KINDS and not names & _BUILTIN and all(n[:1].isupper() for n in names):
        # `dataset: List[Episode]` at the baseline, `isinstance(dataset, MDPDataset)` at the candidate: a list
        # is not the project's dataset class (d3rlpy d6dca78c..3f459e65, `LearnableBase.fitter` widened to take an
        # `MDPDataset`; the list its callers handed takes the `else` arm, as before)
        return False
    return None


def size_cast(call: ast.Call) -> ast.expr | None:
    """`x.shape[k]` for `int(x.shape[k])`."""
    if isinstance(call.func, ast.Name) and call.func.id == "int" and len(call.args) == 1 and not call.keywords:
        arg = call.args[0]
        if isinstance(arg, ast.Subscript) and isinstance(arg.value, ast.Attribute) and arg.value.attr == "shape":
            return arg
    return None


_SIZED = frozenset({"view", "reshape", "expand", "permute"})


def sizes_unpacked(call: ast.Call) -> ast.Call:
    """`x.m(a, b)` for `x.m((a, b))` with `m` a method that takes sizes either way; the call itself otherwise."""
    if isinstance(call.func, ast.Attribute) and call.func.attr in _SIZED and len(call.args) == 1 \
            and not call.keywords and isinstance(call.args[0], ast.Tuple):
        return ast.Call(call.func, list(call.args[0].elts), [])
    return call
