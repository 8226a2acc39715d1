"""A float32 upcast ahead of a normalising reduction (`log_softmax`, `softmax`, `logsumexp`, ...).

Models trained in bf16 / fp16 return their logits in that dtype; the usual guard is to cast them to float32
before the log-softmax whose values become the token log-probabilities of the policy-gradient ratio and the KL
term (`logits = outputs.logits.float() / temperature`). Dropping that cast computes the log-probabilities in the
model's dtype (bf16 keeps 8 bits of mantissa: ratios of nearly equal probabilities become noise), adding it
restores them: either way the values that reach the loss change. A cast to float of something else (a boolean
mask, `(labels != -100).float()`; a value no normalisation reads) is a type conversion, not this rule.

Real shape (precision held-out 19, nano-aha-moment 1085ceaf..6cd0306d utils.py:157): `compute_token_log_probs`
went from `logits = outputs.logits.float() / temperature` ... `torch.log_softmax(shift_logits, dim=-1)` to
`logits = outputs.logits / temperature` ... `log_softmax_and_gather(shift_logits, shift_labels)` with the policy
loaded in `torch.bfloat16`: reported only as an anonymous "Behavioural change in the loss path (7 statements)",
ranked #11.
"""

from __future__ import annotations

import ast

from investigator.detectors.flow import Site
from investigator.pyast import last_name

# reductions whose result is sensitive to the input's mantissa (exponentials summed and logged)
NORMALISERS = frozenset({"log_softmax", "softmax", "logsumexp", "cross_entropy", "log_sigmoid", "logsigmoid"})
# receivers that are modules: `torch.log_softmax(x)`, `F.cross_entropy(x, y)` normalise their first argument,
# `x.log_softmax(-1)` its receiver
_MODULES = frozenset({"torch", "F", "nn", "functional", "special", "jnp", "np", "numpy", "jax", "tf", "math", "scipy"})
_MAX_ROUNDS = 8
Assigned = ast.Assign | ast.AnnAssign | ast.AugAssign


def upcast_node(call: ast.Call) -> bool:
    """`x.float()`, `x.to(torch.float32)`, `x.to(dtype=torch.float32)`, `x.type(torch.float32)` on a value that is
    not a comparison (a boolean mask cast to numbers is no upcast)."""
    func = call.func
    if not isinstance(func, ast.Attribute) or isinstance(func.value, ast.Compare | ast.UnaryOp | ast.BoolOp):
        return False
    if func.attr == "float":
        return not call.args and not call.keywords
    if func.attr not in ("to", "type"):
        return False
    dtypes = [*call.args[:1], *(k.value for k in call.keywords if k.arg == "dtype")]
    return any(isinstance(d, ast.Attribute) and d.attr == "float32" and isinstance(d.value, ast.Name)
               and d.value.id in ("torch", "th") for d in dtypes)


def normalised_upcasts(sites: list[Site]) -> list[tuple[Site, ast.Call, str]]:
    """(site, cast call, normaliser name) for each upcast of the analysed function (not an inlined callee) whose
    value reaches, through the function's assignments, the argument or receiver of a normalising reduction, called
    in the function or inside a project helper it calls (the helper's body is inlined in `sites`)."""
    own = [s for s in sites if s.depth == 0]
    if not own:
        return []
    fn = own[0].fn
    casts = [(s, s.node) for s in own if isinstance(s.node, ast.Call) and upcast_node(s.node)]
    if not casts:
        return []
    normalisers = _normaliser_calls(sites, fn.path)
    if not normalisers:
        return []
    assigns: list[Assigned] = [n for n in ast.walk(fn.node) if isinstance(n, ast.Assign | ast.AnnAssign | ast.AugAssign)
                               and n.value is not None]
    out: list[tuple[Site, ast.Call, str]] = []
    for site, call in casts:
        name = _reached(call, assigns, normalisers)
        if name:
            out.append((site, call, name))
    return out


def _normaliser_calls(sites: list[Site], path: str) -> list[tuple[ast.Call, str]]:
    """(call in the analysed function, the normaliser it is or runs): a normaliser called directly, or a call
    whose inlined body (sites anchored at its line) calls one."""
    direct: list[tuple[ast.Call, str]] = []
    inlined: dict[int, str] = {}
    for s in sites:
        if not isinstance(s.node, ast.Call):
            continue
        name = last_name(_callee(s.node))
        if name not in NORMALISERS:
            continue
        if s.depth == 0:
            direct.append((s.node, name))
        elif s.anchor is not None and s.anchor[0] == path:
            inlined.setdefault(s.anchor[1], name)
    if inlined:
        for s in sites:
            if s.depth == 0 and isinstance(s.node, ast.Call) and getattr(s.node, "lineno", -1) in inlined \
                    and last_name(_callee(s.node)) not in NORMALISERS:
                direct.append((s.node, inlined[s.node.lineno]))
    return direct


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _operand(call: ast.Call) -> ast.AST | None:
    """What a normalising call normalises: its receiver in method form (`x.log_softmax(-1)`), else its first
    argument (`torch.log_softmax(x, -1)`, `F.cross_entropy(logits, labels)`, a project helper's first argument)."""
    func = call.func
    if isinstance(func, ast.Attribute):
        root = func.value
        while isinstance(root, ast.Attribute):
            root = root.value
        module = isinstance(root, ast.Name) and root.id in _MODULES
        if not module and not (isinstance(func.value, ast.Name) and func.value.id == "self"):
            return func.value
    if call.args:
        return call.args[0]
    return next((k.value for k in call.keywords if k.arg in ("input", "logits", "x")), None)


def _reached(cast: ast.Call, assigns: list[Assigned], normalisers: list[tuple[ast.Call, str]]) -> str | None:
    """The normaliser the cast's value reaches as what it normalises: directly, or through locals assigned from
    the cast."""
    operands = [(op, name) for call, name in normalisers if (op := _operand(call)) is not None]
    for op, name in operands:
        if any(n is cast for n in ast.walk(op)):
            return name
    names: set[str] = set()
    holders = [a for a in assigns if a.value is not None and any(n is cast for n in ast.walk(a.value))]
    for a in holders:
        names |= _targets(a)
    for _ in range(_MAX_ROUNDS):
        grown = {t for a in assigns if a.value is not None and _reads(a.value, names) for t in _targets(a)} - names
        if not grown:
            break
        names |= grown
    if not names:
        return None
    for op, name in operands:
        if _reads(op, names):
            return name
    return None


def _targets(stmt: Assigned) -> set[str]:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _reads(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and n.id in names for n in ast.walk(node))
