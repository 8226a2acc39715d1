"""What a function *does*, as a multiset of observable effects with every local value expanded.

Two versions of a function behave alike when they produce the same effects: calls made for their
side effect (`loss.backward()`, `optimizer.step()`, `writer.add_scalar(...)`), stores into
anything but a plain local (`advantages[t] = ...`, `self.x = ...`), and the returned value, each
under the conditions and loops that guard it. Local names are replaced by the expression that
defines them (a named intermediate such as `entropy_bonus = coef * entropy` is no effect), calls
to project functions are inlined with their parameters bound (an extracted helper is the code it
replaced), a name assigned in both branches of an `if` becomes a conditional expression (the
`if`/`else` and the ternary style are one value), and an early `return` in a helper makes the rest
of its body the `else` branch.

`Effect.stmts` records which statements of the analysed function contributed, so a differing
effect can be traced back to the changed statements that cause it. Names assigned inside a loop
stay symbols inside it (their value depends on the iteration). Expressions larger than
`MAX_NODES` become a name with a digest of the value (still distinct when it differs). This is a comparison aid, not a proof: it errs towards "different".
"""

from __future__ import annotations

import ast
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, overload

from investigator.detectors.flow import Flow, alias_value, class_imports
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.patterns import equivalent_form, has_detach, without_detach
from investigator.flow.abstracted import abstract_body
from investigator.flow.accessors import accessed
from investigator.flow.choicearm import Decider
from investigator.flow.containers import FIELDS, ContainerChange, loop_bindings, loop_change
from investigator.flow.declared import size_cast, sizes_unpacked, type_decided
from investigator.flow.diff import VALIDATION_TOGGLES
from investigator.flow.identityopt import IDENTITY
from investigator.flow.inferred import same_but_inferred
from investigator.flow.liftedopt import constant_truth
from investigator.flow.optin import callee_default
from investigator.flow.passthrough import passthrough_argument
from investigator.flow.wrappers import container_fields, field_argument, returned_container
from investigator.pyast import as_load, copy_tree, default_values, method_name

CHECK_WORDS = frozenset({"check", "validate", "verify", "assert"})  # a function named as a check (`_validation_call`)
MAX_NODES = 60  # a larger value becomes a digest name (hash-consing keeps the cost linear)
MAX_CALLEE_STMTS = 60  # larger callees are not inlined (their own pair reports their changes)
MAX_STEPS = 20_000  # expansions per function; beyond it the function is not compared
MAX_DEPTH = 3
MAX_EFFECTS = 5000


# calls that act on the world or on training state even when their result is kept in a local:
# `obs = env.reset()` is an effect (what `env` was built from matters), `x = torch.exp(y)` is not
STATEFUL_CALLS = {"step", "reset", "step_async", "step_wait", "send", "recv", "sample", "rsample", "rollout",
                  "collect", "collect_rollouts", "update", "learn", "train_step", "backward", "load_state_dict",
                  "sample_batch", "get_batch"}


def _stateful_call(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute | ast.Name) and \
        (value.func.attr if isinstance(value.func, ast.Attribute) else value.func.id) in STATEFUL_CALLS


@dataclass(frozen=True)
class Effect:
    text: str
    stmts: frozenset[int]  # id() of the analysed function's statements that contributed


@dataclass
class _Val:
    expr: ast.expr
    stmts: frozenset[int] = frozenset()


@dataclass
class _State:
    env: dict[str, _Val] = field(default_factory=dict)
    effects: list[Effect] = field(default_factory=list)
    guard: tuple[str, ...] = ()
    returned: list[tuple[tuple[ast.expr, ...], _Val]] = field(default_factory=list)
    conds: tuple[ast.expr, ...] = ()  # branch conditions inside the current function
    # the analysed function's statements the guards read (an `if` test, a loop header, a `with`): an effect
    # under a changed test differs because of that test, which is then one of its causes
    guard_stmts: frozenset[int] = frozenset()
    # a name an enclosing loop reassigns: the statements of the value it held when that loop started
    entry_stmts: dict[str, frozenset[int]] = field(default_factory=dict)


class Expander:
    def __init__(self, resolver: Flow) -> None:
        self.resolver = resolver
        self._sizes: dict[int, int] = {}
        self._loads: dict[int, list[tuple[int, str]]] = {}
        self._read_counts: dict[int, dict[str, int]] = {}
        self._steps = 0
        self._renames: tuple[str, dict[str, str]] = ("", {})
        # opt-in options at their defaults (flow/optin.py): a branch test's truth, and the options'
        # own stores to leave out; only set for one `effects` call
        self._assume: Callable[[ast.expr, FunctionInfo], bool | None] | None = None
        self._silent: frozenset[str] = frozenset()
        # "<name>.<attr>" of attributes only this commit has (set per function pair, flow/heldattrs.py): the
        # analysed function holds them like locals (`self._obs_buf, r, d, i = env.step(a); return self._obs_buf, ...`,
        # `args.num_iterations = ...` then `range(args.num_iterations)`), under the env key "<name>.<attr>" (no
        # local's name has a dot): a store is no effect of its own and a later read in the function is the
        # stored value; what the attribute carries to other functions is their change, where they read it
        self.held_attributes: frozenset[str] = frozenset()
        # a selector that gained new alternatives, decided over the baseline's asserted values (set per function
        # pair, flow/choicearm.py): arms no baseline value takes do not run, a split test reads as the values it keeps
        self.selector: Decider | None = None
        self._fielded = False  # a loop bound a container item whose fields are held like locals (`_loop`)
        self._by_name: frozenset[str] = frozenset()  # unpacked values read by name (`realigned`, flow/containers.py)
        self.unpack_by_name: frozenset[str] = frozenset()  # the pair's default for `by_name` (set per function pair)
        # calls as they run with the options at their defaults (flow/optin.py `neutral_arguments`)
        self._arguments: Callable[[ast.Call, FunctionInfo], ast.Call] | None = None
        self._capture: frozenset[str] = frozenset()
        self._passed: frozenset[str] = frozenset()
        self._unwrap = True  # a returned result container reads as its first field (flow/wrappers.py)
        self.captured: dict[str, ast.expr] = {}  # expanded values of the `capture` locals of the last call
        self.yields: list[tuple[tuple[str, ...], ast.expr]] = []  # (guard, expanded value) of the last call's yields
        # producers that yield a container where they yielded tuples, by name (flow/containers.py): loops over
        # them read the item by position on both sides
        self.producers: dict[str, ContainerChange] = {}
        self.passed_through: set[str] = set()  # pass-through wrappers read as what they wrap (flow/passthrough.py)
        # `<module>` only: each public top-level name's expanded value after the last `effects` call, read or not
        # by the module's own functions (flow/falsequiet.py: what "same effects" did not compare)
        self.module_values: dict[str, str] = {}
        self.module_values_of = ""  # the path of the module `module_values` describes
        self.module_stmts: dict[str, frozenset[int]] = {}  # id() of the statements that made each of `module_values`
        # ids of the analysed function's expression nodes whose expanded text is recorded in `probed`
        # (the edited parts of changed statements, flow/sameparts.py)
        self.probes: frozenset[int] = frozenset()
        self.probed: dict[int, set[str]] = {}
        # expression text -> the class the baseline declares it holds (set per function pair, flow/declared.py):
        # `isinstance` tests on it are decided at both commits
        self.declared: dict[str, str] = {}

    def handed_counts(self, fn: FunctionInfo) -> dict[str, int]:
        """How many times each name is handed to a call in `fn` as an argument (a positional or keyword value, or
        an element of a list/tuple argument; nested definitions included): the consumers an object has. A
        receiver (`imitator.to(device)`) or a `return imitator` is the one object used on, not shared."""
        key = id(fn)
        found = self._read_counts.get(key)
        if found is None:
            found = {}
            stores: dict[str, int] = {}
            for node in ast.walk(fn.node):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    stores[node.id] = stores.get(node.id, 0) + 1
                if not isinstance(node, ast.Call):
                    continue
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    items = arg.elts if isinstance(arg, ast.List | ast.Tuple) else [arg]
                    for item in items:
                        if isinstance(item, ast.Name):
                            found[item.id] = found.get(item.id, 0) + 1
            # a name bound again holds another object each time (`env = Wrapper(env)` chains): only a name bound
            # once names one object
            found = {k: v for k, v in found.items() if stores.get(k, 0) == 1}
            self._read_counts[key] = found
        return found

    def _carried_effects(self, loop: ast.stmt, fn: FunctionInfo, inner: _State, assigned: set[str]) -> None:
        """What the loop leaves in an accumulator is an effect when it is read on."""
        for name in sorted(assigned & self._carried(loop, fn)):
            value = inner.env.get(name)
            if value is not None:
                self._effect(f"carried {name} =", value, inner, frozenset())

    def _carried(self, loop: ast.stmt, fn: FunctionInfo) -> set[str]:
        """Names a loop hands on: accumulated in it (`td_sum += ...`) or read after it. A change that
        only feeds such a value (a masked mean summed over an ensemble) is a change of the function."""
        key = id(fn)
        if key not in self._loads:
            self._loads[key] = [(n.lineno, n.id) for n in ast.walk(fn.node)
                                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
        end = getattr(loop, "end_lineno", None) or loop.lineno
        out = {n.target.id for n in ast.walk(loop) if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name)}
        out.update(name for line, name in self._loads[key] if line > end)
        # read in the loop above its first store: the next iteration reads what this one leaves (a rollout's
        # `tensordict=reset_batch` fed by `reset_batch = step_mdp(batch[..., -1], reward_keys=...)` at its end)
        # A plain alias (`available_actions = new_available_actions`) hands on a value its producer made, and that
        # producer is compared where it is (HARL: counting the alias as a change of its own split one real change).
        first: dict[str, int] = {}
        computed: set[str] = set()
        for n in ast.walk(loop):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                first[n.id] = min(first.get(n.id, n.lineno), n.lineno)
            if not (isinstance(n, ast.Assign) and isinstance(n.value, ast.Name)):
                targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AnnAssign) else []
                computed.update(t.id for t in targets if isinstance(t, ast.Name))
        out.update(name for line, name in self._loads[key]
                   if name in computed and loop.lineno <= line < first.get(name, loop.lineno))
        return out

    def _statements(self, fn: FunctionInfo) -> int:
        key = id(fn)
        if key not in self._sizes:
            self._sizes[key] = sum(isinstance(n, ast.stmt) for n in ast.walk(fn.node))
        return self._sizes[key]

    def effects(self, fn: FunctionInfo, renames: dict[str, str] | None = None,
                assume: Callable[[ast.expr, FunctionInfo], bool | None] | None = None,
                silent: frozenset[str] = frozenset(), bound: dict[str, ast.expr] | None = None,
                capture: frozenset[str] = frozenset(), passed: frozenset[str] = frozenset(),
                unwrap: bool = True, by_name: frozenset[str] = frozenset(),
                arguments: Callable[[ast.Call, FunctionInfo], ast.Call] | None = None) -> list[Effect] | None:
        """The function's effects; None when it is too large or deep to compare. `renames` (old -> new
        instance attribute names, renamed consistently in `fn`'s module) reads `self.<old>` of that
        module as `self.<new>`: the baseline is compared under the candidate's names. `assume` decides
        branch tests (only the branch it picks runs) and `silent` names instance attributes whose
        stores are no effect: opt-in options at their defaults (flow/optin.py). `bound` gives parameters a
        value (a parameter whose value the baseline computed here, moved to a caller: flow/wrappers.py);
        `capture` names locals whose expanded value is kept in `self.captured`; arguments named in `passed`
        (parameters the function only hands on, flow/wrappers.py) are left out of its calls; `unwrap`
        reads a returned result container as its first field (only when the other commit returns none);
        tuple unpackings of the values whose source text is in `by_name` bind each name to the value's
        item of that name (`realigned_unpackings`);
        `arguments` rewrites each call's keyword arguments as they are with opt-in options at their
        defaults (flow/optin.py). Instance attributes named in `held_attributes` are held like locals."""
        state = _State({k: _Val(v) for k, v in (bound or {}).items()})
        self.captured = {}
        self.yields = []
        self.passed_through = set()
        self._capture, self._passed, self._unwrap = capture, passed, unwrap
        self._by_name = by_name or self.unpack_by_name
        self._steps = 0
        self._fielded = False
        self._renames = (fn.module.path, dict(renames or {}))
        self._assume, self._silent, self._arguments = assume, silent, arguments
        try:
            self._body(fn.body, fn, state, depth=0, root=True)
        except (RecursionError, _Budget):
            return None
        finally:
            self._assume, self._silent, self._arguments = None, frozenset(), None
        value = _returned_value(state.returned)
        if value is not None:
            state.effects.append(Effect(f"return {_text(_shown(value.expr))}", value.stmts))
        if fn.is_module:
            state.effects.extend(_module_globals(fn, state))
        self.module_values = {name: _text(_shown(v.expr)) for name, v in state.env.items()
                              if fn.is_module and name.isidentifier() and not name.startswith("_")}
        self.module_stmts = {name: state.env[name].stmts for name in self.module_values}
        self.module_values_of = fn.path if fn.is_module else ""
        return state.effects

    @staticmethod
    def _closure(node: ast.FunctionDef | ast.AsyncFunctionDef, st: _State) -> None:
        """A nested function holds the values of the enclosing locals it reads: its name is bound to
        `name(captured=value, ...)`, so the call that hands it on (`Agent(network=network)`) differs where a
        captured value changed. Real shape: bsuite 0.3.2..0.3.3 `baselines/jax/boot_dqn/run.py:run` changed
        `prior_scale = 3.` -> `5.` and `hidden_sizes = [64, 64]` -> `[50, 50]`, read only by the nested
        `def network(inputs)`; the two statements were "restructured code, same effects"."""
        bound = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
        bound |= {n.id for sub in node.body for n in ast.walk(sub) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, ast.Store | ast.Del)}
        # only literal values (a scale, layer sizes): what the function is configured with. A captured value computed
        # from parameters (`env_kwargs = env_kwargs or {}` read by a nested `make_thunk`) reaches the nested
        # function's own pair and its callers already (baselines fabbf2c6..ff8d36a7 `make_vec_env`: a new option at
        # its default read as an environment-path change)
        free = sorted({n.id for sub in node.body for n in ast.walk(sub) if isinstance(n, ast.Name)
                       and isinstance(n.ctx, ast.Load) and n.id in st.env and n.id not in bound and n.id != node.name
                       and _literal(st.env[n.id].expr)})
        if not free:
            st.env.pop(node.name, None)  # a later definition of the name shadows an earlier value
            return
        values = [st.env[n] for n in free]
        call = ast.Call(func=ast.Name(id=node.name, ctx=ast.Load()), args=[],
                        keywords=[ast.keyword(arg=n, value=v.expr) for n, v in zip(free, values, strict=True)])
        st.env[node.name] = _Val(call, frozenset().union(*(v.stmts for v in values)))

    # -- statements --------------------------------------------------------------------------------
    def _body(self, body: list[ast.stmt], fn: FunctionInfo, st: _State, depth: int, root: bool) -> bool:
        """Walk statements; True when the block ends with a return (the rest is unreachable)."""
        for i, stmt in enumerate(body):
            if len(st.effects) > MAX_EFFECTS:
                return False
            if isinstance(stmt, ast.Return):
                val = self._expr(stmt.value, fn, st, depth, stmt if root else None) if stmt.value is not None \
                    else _Val(ast.Constant(None))
                if root and self._unwrap:  # an inlined callee keeps its container: a caller reading `.f` gets that field
                    val = _Val(_unwrapped(val.expr, fn), val.stmts)
                st.returned.append((st.conds, val))
                return True
            if isinstance(stmt, ast.If):
                consumed, ended = self._if(stmt, body[i + 1:], fn, st, depth, root)
                if consumed:
                    return ended
                continue
            self._stmt(stmt, fn, st, depth, root)
        return False

    def _stmt(self, stmt: ast.stmt, fn: FunctionInfo, st: _State, depth: int, root: bool) -> None:
        sid = frozenset({id(stmt)}) if root else frozenset()
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
            self._closure(stmt, st)
            return
        if isinstance(stmt, ast.ClassDef | ast.Import | ast.ImportFrom | ast.Pass):
            return
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            return  # docstring
        if isinstance(stmt, ast.Assign | ast.AnnAssign | ast.AugAssign):
            self._assignment(stmt, fn, st, depth, root, sid)
            return
        if isinstance(stmt, ast.Expr):
            if isinstance(stmt.value, ast.Call) and self._validation_call(stmt.value, fn):
                self._effect_text("check", _substitute(stmt, st.env, fn), st, sid)
                return
            if isinstance(stmt.value, ast.Call):
                inlined = self._inline(stmt.value, fn, st, depth, sid)
                if inlined is not None:
                    # a helper returning an argument it was handed (`return config` of `update_config(config,
                    # delta)`) makes no call of its own by returning it: the caller built that value already
                    handed = any(isinstance(a, ast.Name) and a.id in st.env
                                 and ast.dump(inlined.expr) == ast.dump(st.env[a.id].expr) for a in stmt.value.args)
                    if _makes_calls(inlined.expr) and not handed:
                        # the value is discarded, the calls it is built from still run: TF-Agents'
                        # `normalizer.update(t)` is `return tf.group(self._update_ops(t))`
                        self._effect("call", inlined, st, sid)
                    return
            val = self._expr(stmt.value, fn, st, depth, stmt if root else None)
            if root and isinstance(val.expr, ast.Yield) and val.expr.value is not None:
                self.yields.append((st.guard, val.expr.value))
            self._effect("call", val, st, sid)
            return
        if isinstance(stmt, ast.For | ast.AsyncFor | ast.While):
            self._loop(stmt, fn, st, depth, root, sid)
            return
        if isinstance(stmt, ast.With | ast.AsyncWith):
            heads = [self._expr(item.context_expr, fn, st, depth, stmt if root else None) for item in stmt.items]
            text = ", ".join(_text(h.expr) for h in heads)
            inner = _State(st.env, st.effects, (*st.guard, f"with {text}"), st.returned, st.conds,
                           st.guard_stmts.union(*(h.stmts for h in heads)), st.entry_stmts)
            self._body(stmt.body, fn, inner, depth, root)
            return
        if isinstance(stmt, ast.Try):
            self._try(stmt, fn, st, depth, root)
            return
        if isinstance(stmt, ast.Assert):  # `assert c, msg` and `if not c: raise E(msg)` are one check
            self._assert(stmt, fn, st, depth, root, sid)
            return
        # anything else (raise, del, break, continue, global, match...): its own text is the effect
        self._effect_text(type(stmt).__name__.lower(), _substitute(stmt, st.env, fn), st, sid)

    def _assert(self, stmt: ast.Assert, fn: FunctionInfo, st: _State, depth: int, root: bool,
                sid: frozenset[int]) -> None:
        """A check; one every value of an asserted selector passes checks nothing (flow/choicearm.py)."""
        if self.selector is None or not self.selector.assertion_holds(stmt, fn):
            self._effect("check", self._expr(stmt.test, fn, st, depth, stmt if root else None), st, sid)

    def _assignment(self, stmt: ast.Assign | ast.AnnAssign | ast.AugAssign, fn: FunctionInfo, st: _State,
                    depth: int, root: bool, sid: frozenset[int]) -> None:
        """`x = v`, `x: T = v` and `x op= v` bind their targets to the expanded value."""
        if isinstance(stmt, ast.Assign):
            val = self._expr(stmt.value, fn, st, depth, stmt if root else None)
            if root and self._capture and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                    and stmt.targets[0].id in self._capture:
                self.captured[stmt.targets[0].id] = val.expr
            if _stateful_call(stmt.value):  # `obs, r, d, i = env.step(a)` acts as well as it defines
                self._effect("call", val, st, sid)
            for target in stmt.targets:
                if root and isinstance(target, ast.Tuple) and ast.unparse(stmt.value) in self._by_name:
                    for elt in target.elts:  # `(a, b) = data` read as `data['a']`, `data['b']`
                        if isinstance(elt, ast.Name):
                            self._assign(elt, _Val(ast.Subscript(val.expr, ast.Constant(elt.id), ast.Load()), val.stmts),
                                         fn, st, depth, sid)
                    continue
                self._assign(target, val, fn, st, depth, sid)
            return
        if isinstance(stmt, ast.AnnAssign):
            if stmt.value is not None:
                self._assign(stmt.target, self._expr(stmt.value, fn, st, depth, stmt if root else None), fn, st, depth, sid)
            return
        cur = self._expr(as_load(stmt.target), fn, st, depth, None)
        rhs = self._expr(stmt.value, fn, st, depth, stmt if root else None)
        val = _Val(ast.BinOp(cur.expr, stmt.op, rhs.expr), cur.stmts | rhs.stmts | sid)
        self._assign(stmt.target, val, fn, st, depth, sid)

    def _loop(self, stmt: ast.For | ast.AsyncFor | ast.While, fn: FunctionInfo, st: _State, depth: int, root: bool,
              sid: frozenset[int]) -> None:
        """The body runs under the loop's guard, without the values it reassigns (they differ per
        iteration); afterwards those names are unknown."""
        head = self._expr(stmt.iter if isinstance(stmt, ast.For | ast.AsyncFor) else stmt.test, fn, st, depth,
                          stmt if root else None)
        assigned = _assigned(stmt.body)
        assigned |= {f"{n.value.id}.{n.attr}" for s in stmt.body for n in ast.walk(s) if isinstance(n, ast.Attribute)
                     and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name)} & self.held_attributes
        if isinstance(stmt, ast.For | ast.AsyncFor):
            assigned |= {n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)}
        inner = _State({k: v for k, v in st.env.items() if k not in assigned}, st.effects,
                       (*st.guard, f"loop {_text(head.expr)}"), st.returned, st.conds, st.guard_stmts | head.stmts,
                       {**st.entry_stmts, **{k: st.env[k].stmts for k in assigned if k in st.env}})
        change = loop_change(head.expr, self.producers) if self.producers and isinstance(stmt, ast.For | ast.AsyncFor) \
            else None
        if change is not None and isinstance(stmt, ast.For | ast.AsyncFor):
            inner.env.update({k: _Val(v) for k, v in loop_bindings(stmt.target, head.expr, change).items()})
            held = _item_fields(inner.env)
            inner.env.update(held)  # `batch.advantages = ...` then rebinds the field, as `advantages_batch = ...` did
            assigned |= set(held)
            self._fielded = self._fielded or bool(held)
        self._effect("loop", head, st, sid)
        for name in _read_on_entry(stmt):  # what a loop-carried name holds when the loop starts
            start = st.env.get(name)
            if start is None:  # carried over from an enclosing loop: caused by where that loop's value was set
                start = _Val(ast.Name(id=name, ctx=ast.Load()), st.entry_stmts.get(name, frozenset()))
            elif _zero_start(start.expr):
                continue  # a fresh accumulator's neutral start is no effect of its own (a carried-over value is)
            self._effect("entry value", start, st, frozenset())
        self._body(stmt.body, fn, inner, depth, root)
        self._carried_effects(stmt, fn, inner, assigned)
        self._body(stmt.orelse, fn, st, depth, root)
        for k in assigned:
            st.env.pop(k, None)

    def _try(self, stmt: ast.Try, fn: FunctionInfo, st: _State, depth: int, root: bool) -> None:
        """Every block in order; a handler's effects are guarded by `except`."""
        self._body(stmt.body, fn, st, depth, root)
        for handler in stmt.handlers:
            self._body(handler.body, fn, _State(st.env, st.effects, (*st.guard, "except"), st.returned, st.conds,
                                                st.guard_stmts, st.entry_stmts),
                       depth, root)
        self._body(stmt.orelse, fn, st, depth, root)
        self._body(stmt.finalbody, fn, st, depth, root)

    def decided(self, test: ast.expr, fn: FunctionInfo) -> bool | None:
        """A branch test's truth by `assume` (an option at its default), else by the selector's baseline values
        (flow/choicearm.py); None when neither decides it."""
        decided = self._assume(test, fn) if self._assume is not None else None
        if decided is None and self.selector is not None:
            decided = self.selector.truth(test, fn)
        return decided

    def _if(self, stmt: ast.If, rest: list[ast.stmt], fn: FunctionInfo, st: _State, depth: int,
            root: bool) -> tuple[bool, bool]:
        """Both branches; a name assigned differently becomes a conditional value. When one branch
        returns, the statements after the `if` belong to the other. Returns (rest consumed, ended)."""
        decided = self.decided(stmt.test, fn)
        if decided is not None:  # an opt-in option at its default: only the branch it takes runs
            ended = self._body(stmt.body if decided else stmt.orelse, fn, st, depth, root)
            return ended, ended
        table = _lookup_table(stmt)
        if table is not None:  # a selection by key: one lookup in a table, whichever way it is written
            self._lookup(stmt, table, fn, st, depth, root)
            return False, False
        test = self._expr(stmt.test, fn, st, depth, stmt if root else None)
        literal = constant_truth(test.expr)  # a literal once expanded (a callee's parameter at its default)
        if literal is not None:
            ended = self._body(stmt.body if literal else stmt.orelse, fn, st, depth, root)
            return ended, ended
        typed = type_decided(test.expr, self.declared) if self.declared else None
        if typed is not None:  # a type dispatch at the baseline's declared type (flow/declared.py)
            ended = self._body(stmt.body if typed else stmt.orelse, fn, st, depth, root)
            return ended, ended
        if not stmt.orelse and len(stmt.body) == 1 and isinstance(stmt.body[0], ast.Raise):
            check = _negate(test.expr)
            self._effect("check", _Val(check, test.stmts | (frozenset({id(stmt.body[0])}) if root else frozenset())),
                         st, frozenset({id(stmt)}) if root else frozenset())
            return False, False
        t = _text(test.expr)
        labels = self.selector.labels(stmt.test, fn) if self.selector is not None else None
        guard_a, guard_b, flipped = f"if {t}", f"not {t}", False
        if labels is not None:  # a split of the selector's values: named by the values each arm keeps
            canonical, guard_a, guard_b, flipped = labels
            test = _Val(canonical, test.stmts)
        not_test = ast.UnaryOp(ast.Not(), test.expr)
        guarded = st.guard_stmts | test.stmts
        a = _State(dict(st.env), st.effects, (*st.guard, guard_a), st.returned,
                   (*st.conds, not_test if flipped else test.expr), guarded, st.entry_stmts)
        b = _State(dict(st.env), st.effects, (*st.guard, guard_b), st.returned,
                   (*st.conds, test.expr if flipped else not_test), guarded, st.entry_stmts)
        ended_a = self._body(stmt.body, fn, a, depth, root)
        ended_b = self._body(stmt.orelse, fn, b, depth, root)
        if ended_a and ended_b:
            return True, True
        if ended_a or ended_b:
            live = b if ended_a else a
            ended = self._body(rest, fn, live, depth, root)
            st.env.clear()
            st.env.update(live.env)
            return True, ended
        merged: dict[str, _Val] = {}
        for name in set(a.env) | set(b.env):
            va, vb = a.env.get(name), b.env.get(name)
            if va is not None and vb is not None and (va is vb or _text(va.expr) == _text(vb.expr)):
                merged[name] = va
                continue
            ea = va.expr if va else ast.Name(id=name, ctx=ast.Load())
            eb = vb.expr if vb else ast.Name(id=name, ctx=ast.Load())
            if flipped:
                ea, eb = eb, ea
            merged[name] = _Val(ast.IfExp(test.expr, ea, eb),
                                test.stmts | (va.stmts if va else frozenset()) | (vb.stmts if vb else frozenset()))
        st.env.clear()
        st.env.update(merged)
        return False, False

    def _lookup(self, stmt: ast.If, table: tuple[ast.expr, ast.expr, ast.expr], fn: FunctionInfo, st: _State,
                depth: int, root: bool) -> None:
        """`target = table[key]` after the check `key in table` (see `_lookup_table`); the error raised for
        an unknown key is that check, its message no effect."""
        target, key, mapping = table
        # every statement of the selection contributes: an edited entry is traced to its own line
        sid = frozenset(id(n) for n in ast.walk(stmt) if isinstance(n, ast.stmt)) if root else frozenset()
        check = self._expr(ast.Compare(key, [ast.In()], [mapping]), fn, st, depth, None)
        self._effect("check", check, st, sid)
        value = self._expr(ast.Subscript(mapping, key, ast.Load()), fn, st, depth, None)
        self._assign(target, _Val(value.expr, value.stmts | sid), fn, st, depth, sid)

    def _assign(self, target: ast.expr, val: _Val, fn: FunctionInfo, st: _State, depth: int, sid: frozenset[int]) -> None:
        if isinstance(target, ast.Name):
            form = _large_form(val.expr)
            st.env[target.id] = val if form is None else _Val(_digest(target.id, val.expr, form), val.stmts)
            if self.held_attributes or self._fielded:  # a rebound object's held fields are gone with it
                for key in [k for k in st.env if k.startswith(target.id + ".")]:
                    del st.env[key]
            return
        if isinstance(target, ast.Tuple | ast.List):
            starred = [k for k, elt in enumerate(target.elts) if isinstance(elt, ast.Starred)]
            if len(starred) == 1 and isinstance(target.elts[starred[0]].value, ast.Name):  # type: ignore[attr-defined]
                self._assign_starred(target.elts, starred[0], val, fn, st, depth, sid)
                return
            for k, elt in enumerate(target.elts):
                self._assign(elt, _Val(_project(val.expr, k, len(target.elts)), val.stmts), fn, st, depth, sid)
            return
        if isinstance(target, ast.Attribute) and target.attr in self._silent and isinstance(target.value, ast.Name) \
                and target.value.id == "self":
            return  # an opt-in option's own store: what it does is which branches run
        if isinstance(target, ast.Attribute) and depth == 0 and isinstance(target.value, ast.Name) \
                and (f"{target.value.id}.{target.attr}" in self.held_attributes
                     or (self._fielded and _is_item(st.env.get(target.value.id))
                         and f"{target.value.id}.{target.attr}" in st.env)):
            key = f"{target.value.id}.{target.attr}"  # held like a local (`held_attributes`, `_item_fields`)
            form = _large_form(val.expr) if key not in self.held_attributes else None  # digested as a local's value is
            st.env[key] = _Val(_digest(key, val.expr, form), val.stmts) if form is not None else val
            return
        where = self._expr(as_load(target), fn, st, depth, None)
        self._effect(f"store {_text(where.expr)}", val, st, sid)

    def _assign_starred(self, elts: list[ast.expr], star: int, val: _Val, fn: FunctionInfo, st: _State, depth: int,
                        sid: frozenset[int]) -> None:
        """`a, b, *rest = v`: the names before the star are `v[0]`, `v[1]` and those after it count from the end,
        as `a, b = v` binds them where `v` has exactly those items; `rest` is the slice between, a plain local
        (no store effect). So `device, dtype, non_blocking, *_ = _parse_to(...)` binds the three names as
        `device, dtype, non_blocking = _parse_to(...)` did wherever that ran (`*_` takes what a newer library
        returns beyond them). Real seat: cherry v0.1.3..v0.1.4 `cherry/experience_replay.py:113` (`Transition.to`,
        torch 1.5's `_parse_to` returns a fourth value; significant "sampling path", #2 of set 15's cherry)."""
        after = len(elts) - star - 1
        for k, elt in enumerate(elts):
            if k == star:
                assert isinstance(elt, ast.Starred) and isinstance(elt.value, ast.Name)
                part: ast.expr = ast.Subscript(val.expr, ast.Slice(ast.Constant(k) if k else None,
                                                                   ast.Constant(-after) if after else None, None),
                                               ast.Load())
                st.env[elt.value.id] = _Val(part, val.stmts)
                continue
            index = k if k < star else k - len(elts)
            self._assign(elt, _Val(_item(val.expr, index, len(elts) - 1), val.stmts), fn, st, depth, sid)

    def _effect(self, kind: str, val: _Val, st: _State, sid: frozenset[int]) -> None:
        if _checking_switch(kind, val.expr):
            return  # run-time argument checking switched on or off: a check, like an assert (flow/diff.py)
        self._effect_text(kind, val.expr, st, val.stmts | sid)

    def _effect_text(self, kind: str, node: ast.AST, st: _State, stmts: frozenset[int]) -> None:
        """An effect whose subject is any node (a whole statement, for those without a value)."""
        guard = " / ".join(st.guard)
        st.effects.append(Effect(f"{guard} :: {kind} {_text(node)}", stmts | st.guard_stmts))

    # -- expressions -------------------------------------------------------------------------------
    def _expr(self, expr: ast.expr | None, fn: FunctionInfo, st: _State, depth: int, stmt: ast.stmt | None) -> _Val:
        if expr is None:
            return _Val(ast.Constant(None))
        self._steps += 1
        if self._steps > MAX_STEPS:
            raise _Budget
        used: set[int] = set()
        # the effects of a project call inlined in the value a statement returns or assigns come from that
        # statement (a loop header's or a test's calls keep their callee's effects their own)
        sid = frozenset({id(stmt)}) if isinstance(stmt, ast.Return | ast.Assign | ast.AnnAssign | ast.AugAssign) \
            else frozenset()
        out = _Expand(st.env, used, self, fn, st, depth, sid).sub(expr)
        stmts = frozenset(used) | (frozenset({id(stmt)}) if stmt is not None else frozenset())
        return _Val(_distribute(out), stmts)

    def _validation_call(self, call: ast.Call, fn: FunctionInfo) -> bool:
        """A call statement to a project function named as a check (`update_config_check`, `_validate_args`,
        `check_shapes`: a word `check`, `validate`, `verify` or `assert` in its name) that returns no value: it
        asserts or raises, or passes; compared as a check (`assert`), which computes nothing training uses.
        Real shape: HighwayEnv cd1242c7..07b824f9, `utils.update_config(config, delta)` runs
        `update_config_check(config, delta)` (nested asserts under a `with track_config_path(key)`) before the
        `config.update(delta)` that every `default_config` called directly at the baseline."""
        callee = self.resolver.resolve(call, fn)
        if callee is None or callee.is_module or not isinstance(callee.node, ast.FunctionDef):
            return False
        if not CHECK_WORDS & {w.lower() for w in callee.name.strip("_").split("_")}:
            return False
        return not any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(callee.node)) \
            and not any(isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(callee.node))

    def _inline(self, call: ast.Call, fn: FunctionInfo, st: _State, depth: int, sid: frozenset[int]) -> _Val | None:
        """The value of a call to a project function, its effects added; None when not inlinable."""
        if depth >= MAX_DEPTH:
            return None
        if self._arguments is not None:
            call = self._arguments(call, fn)
        callee = self.resolver.resolve(call, fn)
        if callee is None or callee.is_module or callee is fn or not isinstance(callee.node, ast.FunctionDef):
            return None
        if self._statements(callee) > MAX_CALLEE_STMTS:
            return None
        if callee.class_name and abstract_body(callee):
            # an abstract method (a docstring, `pass`, `raise NotImplementedError`) is not what the call runs: its
            # subclasses' overrides are. Inlined, `if step % k == 0: self.learn(step)` -> `self.learn(step)` had no
            # effect at either commit and was "restructured code, same effects" (oat v0.2.2..v0.2.3,
            # `OfflineLearner.run` now learning on every step; `LearnerBase.learn` is abstract)
            return None
        args = callee.node.args
        params = [a.arg for a in [*args.posonlyargs, *args.args]]
        env: dict[str, _Val] = {}
        stmts: frozenset[int] = sid
        if params and params[0] in ("self", "cls") and isinstance(call.func, ast.Attribute):
            if params[0] == "self" and callee.class_name:
                # a method of another object (`self.storage.compute_returns(...)`, `st.f()` with `st =
                # self.storage`): its `self` is that object, so the callee's `self.values` is the
                # caller's `self.storage.values`; a method of the same object keeps `self` as it is bound
                this = self._expr(call.func.value, fn, st, depth, None)
                if not (isinstance(this.expr, ast.Name) and this.expr.id == "self"):
                    env["self"] = this
                    stmts |= this.stmts
            params = params[1:]
        for name, arg in zip(params, call.args, strict=False):
            v = self._expr(arg, fn, st, depth, None)
            env[name] = v
            stmts |= v.stmts
        for kw in call.keywords:
            if kw.arg:
                v = self._expr(kw.value, fn, st, depth, None)
                env[kw.arg] = v
                stmts |= v.stmts
        for name, default in default_values(args).items():
            env.setdefault(name, _Val(default))
        inner = _State(env, [], st.guard, [], guard_stmts=st.guard_stmts)
        self._body(callee.node.body, callee, inner, depth + 1, root=False)
        for e in inner.effects:
            st.effects.append(Effect(e.text, e.stmts | stmts))
        return self._returned(_returned_value(inner.returned), stmts)

    def _returned(self, value: _Val | None, stmts: frozenset[int]) -> _Val:
        """An inlined call's value: None for a procedure without a return. With options at their defaults
        (flow/fieldswitch.py), `if not self.config.use_memory: return None` returns None, a value the caller hands on
        (lerobot 59ab2862..e6f95674 `_prepare_memory_states`), not the nothing of a procedure (`_RETURNED_NONE`)."""
        if value is None:
            return _Val(ast.Constant(None), stmts)
        if self._assume is not None and isinstance(value.expr, ast.Constant) and value.expr.value is None:
            return _Val(_RETURNED_NONE, stmts | value.stmts)
        return _Val(_distribute(value.expr), stmts | value.stmts)


# a negated comparison written with the opposite operator: `not a == b` is `a != b`
_NEGATED: dict[type, type] = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
                              ast.In: ast.NotIn, ast.NotIn: ast.In}


_RETURNED_NONE = ast.Constant(None)  # a callee's explicit `return None` in the opt-in comparison (`_inline`)


class _Budget(Exception):
    """The expansion budget of one function is spent."""


class _Expand:
    """Substitute local values and inline project calls, building new nodes only where something
    changes (the source tree is shared with the detectors and never mutated)."""

    def __init__(self, env: dict[str, _Val], used: set[int], owner: Expander, fn: FunctionInfo, st: _State,
                 depth: int, sid: frozenset[int] = frozenset()) -> None:
        self.env, self.used, self.owner, self.fn, self.st, self.depth = env, used, owner, fn, st, depth
        self.sid = sid  # the analysed function's statement this expression is part of (its calls' effects come from it)

    @overload
    def sub(self, node: ast.expr) -> ast.expr: ...
    @overload
    def sub(self, node: ast.AST) -> ast.AST: ...

    def sub(self, node: ast.AST) -> ast.AST:
        """`node` with local values substituted; an expression stays an expression (a name or a call is
        replaced by a value, other nodes are rebuilt as their own type). The expansion of a node of the
        analysed function named in the expander's `probes` is recorded (flow/sameparts.py)."""
        if self.owner.probes and self.depth == 0 and id(node) in self.owner.probes:
            out = self._sub(node)
            self.owner.probed.setdefault(id(node), set()).add(_text(out))
            return out
        return self._sub(node)

    def _sub(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and node.id in self.env:
                val = self.env[node.id]
                self.used.update(val.stmts)
                if _constructed(val.expr) and self.owner.handed_counts(self.fn).get(node.id, 0) > 1:
                    # one object handed to several calls is shared: `init = GlorotUniform()` handed to two
                    # layers is not `GlorotUniform()` written at each (dice_rl 4855e16a..0adb2e0f
                    # `scripts/run_neural_bayes_dice.py:main`: Keras >= 2.10 repeats a shared unseeded
                    # initializer's values; one per layer was "restructured code, same effects")
                    return ast.Call(func=ast.Name(id=SHARED, ctx=ast.Load()), args=[val.expr], keywords=[])
                return val.expr  # shared, never mutated (`_distribute` builds new nodes)
            return node
        if isinstance(node, ast.Lambda):
            return node  # its parameters are not the enclosing function's names
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.sub(node.operand)
            if isinstance(inner, ast.Compare) and len(inner.ops) == 1 and type(inner.ops[0]) in _NEGATED:
                # `not is_last` with `is_last = i == n - 1` reads as `i != n - 1` (brax's MLP)
                return ast.Compare(inner.left, [_NEGATED[type(inner.ops[0])]()], inner.comparators)
            return node if inner is node.operand else ast.UnaryOp(node.op, inner)
        if isinstance(node, ast.IfExp) and (decided := self.owner.decided(node.test, self.fn)) is not None:
            return self.sub(node.body if decided else node.orelse)  # an option at its default, as `_if` does
        if isinstance(node, ast.IfExp) and self.owner.declared:
            return self._typed_branch(node)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and isinstance(node.ctx, ast.Load) \
                and self.depth == 0 and (held := self.env.get(f"{node.value.id}.{node.attr}")) is not None:
            self.used.update(held.stmts)  # an attribute held like a local (`Expander.held_attributes`)
            return held.expr
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
            return self._renamed(node)
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            return self._field_read(node)
        source: ast.Call | None = None
        if isinstance(node, ast.Call):
            node = self._prepared(node)
            called = self._call(node)
            if called is not None:
                return called
            source = node
        rebuilt = self._rebuilt(node)
        if source is not None and isinstance(rebuilt, ast.Call) and self.owner._assume is not None:
            rebuilt = self._defaults_left_out(source, rebuilt)
        return sizes_unpacked(rebuilt) if isinstance(rebuilt, ast.Call) else rebuilt

    def _defaults_left_out(self, source: ast.Call, call: ast.Call) -> ast.Call:
        """Options at their defaults (flow/fieldswitch.py): a keyword argument written as a name or expression whose
        value became a literal that is the callee's own default for that parameter is left out, as the baseline's
        call without it. Real shape (lerobot 59ab2862..e6f95674, `modeling_pi05.py:1244`): `self.model.forward(...,
        states=states, state_masks=state_masks)` with both None while the memory option is off, parameters
        defaulting to None."""
        keep: list[ast.keyword] = []
        for written, kw in zip(source.keywords, call.keywords, strict=False):
            if kw.arg and not isinstance(written.value, ast.Constant) and isinstance(kw.value, ast.Constant):
                default = callee_default(self.owner.resolver, source, self.fn, kw.arg)
                if isinstance(default, bool | int | float | str | type(None)) and type(default) is type(kw.value.value) \
                        and default == kw.value.value:
                    continue
            keep.append(kw)
        if len(keep) == len(call.keywords) or len(source.keywords) != len(call.keywords):
            return call
        return ast.Call(call.func, call.args, keep)

    def _rebuilt(self, node: ast.AST) -> ast.AST:
        """`node` with its children substituted: itself when none changed, else a new node of its type."""
        changed: dict[str, object] = {}
        for name, value in ast.iter_fields(node):
            if isinstance(value, ast.AST):
                new = self.sub(value)
                if new is not value:
                    changed[name] = new
            elif isinstance(value, list) and any(isinstance(v, ast.AST) for v in value):
                items = [self.sub(v) if isinstance(v, ast.AST) else v for v in value]  # Dict keys hold None
                if any(a is not b for a, b in zip(items, value, strict=True)):
                    changed[name] = items
        if not changed:
            return node
        fields = {name: getattr(node, name, None) for name in node._fields}
        fields.update(changed)
        return type(node)(**fields)

    def _typed_branch(self, node: ast.IfExp) -> ast.expr:
        """The branch a type dispatch takes at the baseline's declared type (flow/declared.py), else the
        conditional with its test expanded once (its calls' effects too)."""
        test = self.sub(node.test)
        typed = type_decided(test, self.owner.declared)
        if typed is not None:
            return self.sub(node.body if typed else node.orelse)
        body, orelse = self.sub(node.body), self.sub(node.orelse)
        if test is node.test and body is node.body and orelse is node.orelse:
            return node
        return ast.IfExp(test, body, orelse)


    def _prepared(self, node: ast.Call) -> ast.Call:
        """The call without handed-on arguments and as it runs with new options at their defaults."""
        if self.owner._passed:
            node = _without(node, self.owner._passed)
        if self.owner._arguments is not None:
            node = self.owner._arguments(node, self.fn)
        return node

    def _field_read(self, node: ast.Attribute) -> ast.expr:
        """The attribute read with its value substituted, where `C(x, ...).f` is the argument for field
        `f` and `g(...).f` with `g` annotated to return `C` whose first field is `f` is `g(...)`
        (flow/wrappers.py)."""
        value = self.sub(node.value)
        plain = node if value is node.value else ast.Attribute(value=value, attr=node.attr, ctx=node.ctx)
        if not isinstance(value, ast.Call):
            return plain
        if isinstance(value.func, ast.Name) and value.func.id == FIELDS:  # a container item of a loop (containers.py)
            return next((kw.value for kw in value.keywords if kw.arg == node.attr), plain)
        name = value.func.id if isinstance(value.func, ast.Name) else \
            value.func.attr if isinstance(value.func, ast.Attribute) else None
        fields = container_fields(name, self.fn) if name and name[:1].isupper() else None
        if fields:
            return field_argument(value, fields, node.attr) or plain
        callee = self.owner.resolver.resolve(value, self.fn)
        wrapper = returned_container(callee) if callee is not None else None
        if callee is not None and wrapper is not None and (container_fields(wrapper, callee) or ("",))[0] == node.attr:
            return value
        return plain

    def _renamed(self, node: ast.Attribute) -> ast.AST:
        """`self.<old>` read as `self.<new>` for an attribute the pair renamed in this module."""
        path, renames = self.owner._renames
        if isinstance(node.ctx, ast.Load) and node.attr in class_imports(self.fn):
            return ast.Name(id=node.attr, ctx=ast.Load())  # `self.ray` of a class-body `import ray`
        this = self.env.get("self")
        if this is not None:  # a method inlined on another object: `self` is that object
            self.used.update(this.stmts)
            return ast.Attribute(value=this.expr, attr=node.attr, ctx=node.ctx)
        if node.attr in renames and self.fn.module.path == path:
            return ast.Attribute(value=node.value, attr=renames[node.attr], ctx=node.ctx)
        return node

    def _call(self, node: ast.Call) -> ast.AST | None:
        """The value of an inlined project call, or of a call through an `__init__` alias of library
        functions (`self.clip(...)` with `self.clip = torch.clamp`), or the environment a pass-through
        wrapper wraps (flow/passthrough.py); None to substitute inside it."""
        if isinstance(node.func, ast.Name) and node.func.id == IDENTITY and len(node.args) == 1:
            return self.sub(node.args[0])  # a new hook at its identity default (flow/identityopt.py)
        wrapped = passthrough_argument(node, self.fn)
        if wrapped is not None:
            self.owner.passed_through.add(ast.unparse(node.func))
            return self.sub(wrapped)
        value = self.owner._inline(node, self.fn, self.st, self.depth, self.sid)
        if value is not None and value.expr is _RETURNED_NONE:
            self.used.update(value.stmts)
            return ast.Constant(None)
        if value is not None and not (isinstance(value.expr, ast.Constant) and value.expr.value is None):
            self.used.update(value.stmts)
            return value.expr
        size = size_cast(node) if value is None else None
        if size is not None:
            return self.sub(size)  # `int(x.shape[k])` is `x.shape[k]` (flow/declared.py)
        read = accessed(node, self.fn, self.owner.resolver) if value is None else None
        if read is not None:
            return self.sub(read)  # a one-parameter module's parameter (flow/accessors.py)
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            alias = alias_value(self.fn, func.attr)
            if isinstance(alias, ast.IfExp):
                # one call per branch; calls that compute alike (`torch.clamp` / `np.clip` to the same
                # bounds) are one value, as two branches assigning alike are (`_merge`)
                calls = [self.sub(ast.Call(f, node.args, node.keywords)) for f in (alias.body, alias.orelse)]
                if _text(calls[0]) == _text(calls[1]):
                    return calls[0]
                return ast.IfExp(self.sub(alias.test), calls[0], calls[1])
            if alias is not None:
                return self.sub(ast.Call(alias, node.args, node.keywords))
        return None


def _makes_calls(expr: ast.expr) -> bool:
    """A returned value computed by calls (which may act on state), not a name or a constant."""
    return any(isinstance(n, ast.Call) for n in ast.walk(expr))


def _is_item(val: _Val | None) -> bool:
    """A loop's container item (`for batch in storage.generator()` over a changed producer, containers.py)."""
    return val is not None and isinstance(val.expr, ast.Call) and isinstance(val.expr.func, ast.Name) \
        and val.expr.func.id == FIELDS


def _item_fields(env: dict[str, _Val]) -> dict[str, _Val]:
    """Each field of the loop's container items held like a local (`batch.advantages`): a consumer that
    writes a field back (`batch.advantages = (batch.advantages - m) / s`) rebinds it, as the baseline
    rebound the name it unpacked (`advantages_batch = ...`); real shape: rsl_rl v5's `PPO.update`."""
    out: dict[str, _Val] = {}
    for name, val in env.items():
        if _is_item(val):
            assert isinstance(val.expr, ast.Call)
            out.update({f"{name}.{kw.arg}": _Val(kw.value, val.stmts) for kw in val.expr.keywords if kw.arg})
    return out


def _without(call: ast.Call, names: frozenset[str]) -> ast.Call:
    """`call` without the arguments that are one of `names` (handed-on parameters)."""
    args = [a for a in call.args if not (isinstance(a, ast.Name) and a.id in names)]
    keywords = [k for k in call.keywords if not (isinstance(k.value, ast.Name) and k.value.id in names)]
    if len(args) == len(call.args) and len(keywords) == len(call.keywords):
        return call
    return ast.Call(call.func, args, keywords)


def _unwrapped(expr: ast.expr, fn: FunctionInfo) -> ast.expr:
    """A returned container `C(x, ...)` as its first field's value `x` (flow/wrappers.py)."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id[:1].isupper():
        fields = container_fields(expr.func.id, fn)
        inner = field_argument(expr, fields, fields[0]) if fields else None
        if inner is not None:
            return inner
    return expr


def _distribute(expr: ast.expr) -> ast.expr:
    """`op(a, IfExp(c, x, y))` -> `IfExp(c, op(a, x), op(a, y))`: the branch and ternary styles agree.

    Pure: builds new nodes where something changes and shares the rest (values in the environment
    are shared between expressions); a node already distributed is marked and not walked again."""
    if getattr(expr, "_flow_done", False) or not isinstance(expr, ast.AST):
        return expr
    if isinstance(expr, ast.BinOp):
        left, right = _distribute(expr.left), _distribute(expr.right)
        if isinstance(right, ast.IfExp):
            out: ast.expr = ast.IfExp(right.test, _distribute(ast.BinOp(left, expr.op, right.body)),
                                      _distribute(ast.BinOp(left, expr.op, right.orelse)))
        elif isinstance(left, ast.IfExp):
            out = ast.IfExp(left.test, _distribute(ast.BinOp(left.body, expr.op, right)),
                            _distribute(ast.BinOp(left.orelse, expr.op, right)))
        else:
            out = expr if (left is expr.left and right is expr.right) else ast.BinOp(left, expr.op, right)
    elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.IfExp):
        # `(torch.clamp if c else np.clip)(x, lo, hi)`: the call of each branch
        func = expr.func
        out = ast.IfExp(func.test, _distribute(ast.Call(func.body, expr.args, expr.keywords)),
                        _distribute(ast.Call(func.orelse, expr.args, expr.keywords)))
    elif isinstance(expr, ast.UnaryOp):
        operand = _distribute(expr.operand)
        if isinstance(operand, ast.IfExp):
            out = ast.IfExp(operand.test, _distribute(ast.UnaryOp(expr.op, operand.body)),
                            _distribute(ast.UnaryOp(expr.op, operand.orelse)))
        else:
            out = expr if operand is expr.operand else ast.UnaryOp(expr.op, operand)
    else:
        changed: dict[str, object] = {}
        for name, value in ast.iter_fields(expr):
            if isinstance(value, ast.expr):
                new = _distribute(value)
                if new is not value:
                    changed[name] = new
            elif isinstance(value, list) and any(isinstance(v, ast.expr) for v in value):
                items = [_distribute(v) if isinstance(v, ast.expr) else v for v in value]
                if any(a is not b for a, b in zip(items, value, strict=True)):
                    changed[name] = items
        if changed:
            fields: dict[str, Any] = {name: getattr(expr, name, None) for name in expr._fields}
            fields.update(changed)
            out = type(expr)(**fields)
        else:
            out = expr
    out._flow_done = True  # type: ignore[attr-defined]
    return out


_INVERSE: dict[type, type] = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE,
                              ast.LtE: ast.Gt, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}


def _checking_switch(kind: str, value: ast.AST) -> bool:
    """`Normal.set_default_validate_args(False)` (a call effect) or `Normal.set_default_validate_args = False`
    (a store effect): see `flow.diff.validation_toggle`."""
    if kind == "call":
        return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
            and value.func.attr in VALIDATION_TOGGLES
    return kind.startswith("store ") and kind.rsplit(".", 1)[-1] in VALIDATION_TOGGLES


def _lookup_table(stmt: ast.If) -> tuple[ast.expr, ast.expr, ast.expr] | None:
    """(target, key, table) of a selection by key that raises for an unknown key, in either spelling:
    `if k == "a": t = A elif k == "b": t = B else: raise E` (the table is the literal `{"a": A, "b": B}`)
    or `if k in table: t = table[k] else: raise E`. Real shape (rsl_rl): `Distillation.__init__` turned
    its `if loss_type == "mse": ... elif loss_type == "huber": ...` into `loss_fn_dict[loss_type]`, which
    led the description of a change whose edit that mattered was the optimizer's parameters."""
    if not (len(stmt.body) == 1 and isinstance(stmt.body[0], ast.Assign) and len(stmt.body[0].targets) == 1):
        return None
    test, assign = stmt.test, stmt.body[0]
    target = assign.targets[0]
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.In) \
            and len(stmt.orelse) == 1 and isinstance(stmt.orelse[0], ast.Raise):
        value = assign.value
        if isinstance(value, ast.Subscript) and ast.dump(value.value) == ast.dump(test.comparators[0]) \
                and ast.dump(value.slice) == ast.dump(test.left):
            return target, test.left, test.comparators[0]
        return None
    keys: list[ast.expr | None] = []
    values: list[ast.expr] = []
    node: ast.stmt = stmt
    key: ast.expr | None = None
    while True:
        if not (isinstance(node, ast.If) and len(node.body) == 1 and isinstance(node.body[0], ast.Assign)
                and len(node.body[0].targets) == 1 and ast.dump(node.body[0].targets[0]) == ast.dump(target)):
            return None
        t = node.test
        if not (isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], ast.Eq)
                and isinstance(t.comparators[0], ast.Constant) and (key is None or ast.dump(t.left) == ast.dump(key))):
            return None
        key = t.left
        keys.append(t.comparators[0])
        values.append(node.body[0].value)
        if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.If):
            node = node.orelse[0]
            continue
        if len(node.orelse) == 1 and isinstance(node.orelse[0], ast.Raise) and len(keys) >= 2:
            return target, key, ast.Dict(keys=keys, values=values)
        return None


def _negate(test: ast.expr) -> ast.expr:
    """`not test`, simplified the way people write it (`not (a != b)` is `a == b`)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _INVERSE:
        return ast.Compare(test.left, [_INVERSE[type(test.ops[0])]()], test.comparators)
    return ast.UnaryOp(ast.Not(), test)


def _literal(expr: ast.expr) -> bool:
    try:
        ast.literal_eval(expr)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return False
    return True


SHARED = "<shared>"  # an object constructed once and read at several places (`_Expand._sub`)


def _constructed(expr: ast.expr) -> bool:
    """A call that builds an object: its callee's last name is a class name (`GlorotUniform()`, `nn.Linear(...)`)."""
    if not isinstance(expr, ast.Call):
        return False
    name = method_name(expr)
    return name[:1].isupper() and not name.isupper()


def _module_globals(fn: FunctionInfo, st: _State) -> list[Effect]:
    """A module-level name that the module's functions or classes read is what the module hands them: its
    final value is an effect of the module body, as a function's return is. Real shape: pytorch-rl
    b9b87d89..8f953c0a `utils/options.py` changed row 7 of the module-level `CONFIGS` table (the default
    `config = 7`) from `acer, gym, CartPole-v1, acer-mlp-dis` to `acer, atari, SpaceInvaders-v0, acer-cnn-dis`;
    `Params.__init__` unpacks `CONFIGS[self.config]`, and the change was "restructured code, same effects"."""
    read: set[str] = set()
    fallbacks: set[str] = set()  # names whose module-level value is a fallback of what the machine provides
    for node in fn.module.tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            read.update(_free_reads(node))
        elif isinstance(node, ast.Try | ast.If):  # `try: from x import f` / `except ImportError: f = stub`
            fallbacks.update((a.asname or a.name).split(".")[0] for sub in ast.walk(node)
                             if isinstance(sub, ast.Import | ast.ImportFrom) for a in sub.names)
        if isinstance(node, ast.Try):  # `try: x = int(os.environ["X"])` / `except KeyError: x = 4`
            fallbacks.update(sub.id for sub in ast.walk(node) if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store))
    # a name an import binds is what runs where the dependency is installed; the assignment is its fallback
    # (tdmpc2 add30b5a..7992fa19 `envs/__init__.py`: `except: make_mujoco_env = missing_dependencies`); a name a `try`
    # binds depends on the machine it runs on (an environment variable, an installed package) and its fallback is a
    # default: sample-factory b14ae00b..00694e3c `envs/doom/multiplayer/doom_multiagent.py`'s new
    # `try: vizdoom_env_timeout = int(os.environ[...])` / `except KeyError: vizdoom_env_timeout = 4`, read where the
    # literal 4 was, became a significant "environment path: `<module>`" seat
    read -= fallbacks
    # an empty container is a registry the functions fill (`REWARD_SCALER_LIST = {}` + `register_*`): its initial
    # value says nothing of what they read (d3rlpy v1.1.1..v2.0.2 moved its registries into
    # `generate_config_registration`, a significant "reward path" seat while this was an effect)
    read = {name for name in read if name in st.env and not _empty_container(st.env[name].expr)}
    return [Effect(f"global {name} = {_text(_shown(st.env[name].expr))}", st.env[name].stmts)
            for name in sorted(read & set(st.env)) if name.isidentifier()]


def _empty_container(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Dict):
        return not expr.keys
    if isinstance(expr, ast.List | ast.Tuple | ast.Set):
        return not expr.elts
    if not isinstance(expr, ast.Call):
        return False
    name = method_name(expr)
    return name == "defaultdict" or (name in {"dict", "list", "set", "OrderedDict"} and not expr.args
                                     and not expr.keywords)


def _free_reads(node: ast.AST) -> set[str]:
    """Names the functions under `node` read without binding them (a parameter or a local of the same name is
    not the module's: purejaxrl's `def make_train(config)` reads its own `config`)."""
    out: set[str] = set()
    for fn in ast.walk(node):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        bound = {a.arg for a in ast.walk(fn.args) if isinstance(a, ast.arg)}
        body = fn.body if isinstance(fn.body, list) else [fn.body]
        names = [n for sub in body for n in ast.walk(sub) if isinstance(n, ast.Name)]
        bound |= {n.id for n in names if isinstance(n.ctx, ast.Store | ast.Del)}
        out.update(n.id for n in names if isinstance(n.ctx, ast.Load) and n.id not in bound)
    if isinstance(node, ast.ClassDef):  # class-body statements (field defaults) read module names directly
        out.update(n.id for stmt in node.body if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
                   for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load))
    return out


def _returned_value(returned: list[tuple[tuple[ast.expr, ...], _Val]]) -> _Val | None:
    """The value a function returns: later returns are the `else` of earlier conditional ones."""
    value: _Val | None = None
    for conds, val in reversed(returned):
        if value is None or not conds:
            value = val
            continue
        test = conds[0] if len(conds) == 1 else ast.BoolOp(ast.And(), list(conds))
        value = _Val(ast.IfExp(test, val.expr, value.expr), val.stmts | value.stmts)
    return value


def _item(expr: ast.expr, index: int, least: int) -> ast.expr:
    """Item `index` (negative: from the end) of a value with at least `least` items, as `_project` reads it."""
    if isinstance(expr, ast.Tuple | ast.List) and len(expr.elts) >= least \
            and not any(isinstance(e, ast.Starred) for e in expr.elts):
        return expr.elts[index]
    if isinstance(expr, ast.IfExp):
        return ast.IfExp(expr.test, _item(expr.body, index, least), _item(expr.orelse, index, least))
    return ast.Subscript(expr, ast.Constant(index), ast.Load())


def _project(expr: ast.expr, k: int, n: int) -> ast.expr:
    """Element k of a tuple-valued expression (through conditional values)."""
    if isinstance(expr, ast.Tuple | ast.List) and len(expr.elts) == n:
        return expr.elts[k]
    if isinstance(expr, ast.IfExp):
        return ast.IfExp(expr.test, _project(expr.body, k, n), _project(expr.orelse, k, n))
    return ast.Subscript(expr, ast.Constant(k), ast.Load())


def _substitute(stmt: ast.stmt, env: dict[str, _Val], fn: FunctionInfo) -> ast.AST:
    class _S(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            if isinstance(node.ctx, ast.Load) and node.id in env:
                return copy_tree(env[node.id].expr)
            return node

    return _S().visit(copy_tree(stmt))


_ZERO_MAKERS = frozenset({"zeros", "zeros_like"})
_ZERO_WRAPPERS = frozenset({"Variable", "tensor", "as_tensor", "float", "to", "cuda", "float32", "float64"})


def _zero_start(expr: ast.expr) -> bool:
    """An accumulator's start at zero, however spelled: `0`, `0.`, `torch.zeros(1, 1)`, `Variable(torch.zeros(1, 1))`
    (an additive zero: the sums the loop builds have the same values). Such a start is no entry effect: the common
    fresh counter or sum, recorded by its absence, so a new counter started at zero (CORL's `episode_step = 0` beside
    `data_ = defaultdict(list)`, tuned case corl-dt-traj-len) adds no cause to a rewrite, while a start carried over
    from an outer loop (the symbol) or a non-zero one still differs. Real shape: pytorch-rl b9b87d89..8f953c0a
    `A3CLearner._backward` `policy_loss_vb = Variable(torch.zeros(1, 1))` -> `policy_loss_vb = 0.` before the loop
    that subtracts each step's policy loss."""
    if isinstance(expr, ast.Constant):
        return type(expr.value) in (int, float) and expr.value == 0
    if isinstance(expr, ast.Call):
        name = expr.func.attr if isinstance(expr.func, ast.Attribute) else expr.func.id \
            if isinstance(expr.func, ast.Name) else ""
        if name in _ZERO_MAKERS:
            return True
        if name not in _ZERO_WRAPPERS:
            return False
        if isinstance(expr.func, ast.Attribute) and name not in ("tensor", "as_tensor"):
            return _zero_start(expr.func.value)  # `z.to(device)`, `z.cuda()`
        return bool(expr.args) and _zero_start(expr.args[0])  # `Variable(z)`, `torch.tensor(0.)`
    return False


def _read_on_entry(loop: ast.For | ast.AsyncFor | ast.While) -> list[str]:
    """Names the loop reassigns and reads before (or where) it first stores them, in source order (a
    `while` test, `x += 1`, `if horizon_id % n == 0: ...; horizon_id += 1`): each iteration starts from what
    the previous one left, the first from the value the name holds when the loop starts. Inside the loop
    such a name stays a symbol (its value depends on the iteration), so that starting value is an effect of
    its own: where it is set decides the values the loop computes. Real shape (EfficientZero
    b7cb6293..468bb030, core/reanalyze_worker.py:353 `_prepare_reward_value`): `horizon_id, value_index = 0, 0`
    before the loop over trajectories became `horizon_id = 0` inside it, so the value-prefix reset every
    `lstm_horizon_len` steps restarts per trajectory; compared without it, "Restructured code, same effects"
    (a false verified-identical)."""
    targets = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)} \
        if isinstance(loop, ast.For | ast.AsyncFor) else set()
    first_store: dict[str, tuple[int, int]] = {}
    first_load: dict[str, tuple[int, int]] = {}
    nodes: list[ast.AST] = [loop.test] if isinstance(loop, ast.While) else []
    nodes += loop.body
    for part in nodes:
        for n in ast.walk(part):
            if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name):
                at = (n.lineno, -1)  # `x += 1` reads `x` before it stores it
                first_load[n.target.id] = min(first_load.get(n.target.id, at), at)
            elif isinstance(n, ast.Name):
                at = (n.lineno, 0 if isinstance(n.ctx, ast.Load) else 1)  # `x = f(x)`: read first
                book = first_load if isinstance(n.ctx, ast.Load) else first_store
                book[n.id] = min(book.get(n.id, at), at)
    return sorted(name for name, at in first_store.items()
                  if name not in targets and name in first_load and first_load[name] <= at)


def _assigned(body: list[ast.stmt]) -> set[str]:
    out: set[str] = set()
    for stmt in body:
        for sub in ast.walk(stmt):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                out.add(sub.id)
    return out


def _shown(expr: ast.expr) -> ast.expr:
    """A returned value as compared: a large value (or tuple element) as its digest, the way a local
    holding it reads (`return loss` after `loss = <value>` is `return <value>`)."""
    if isinstance(expr, ast.Tuple):
        return ast.Tuple([_shown(e) for e in expr.elts], ast.Load())
    whole = _undigested(expr)
    if whole is not None:
        expr = whole
    form = _large_form(expr)
    return expr if form is None else _digest("", expr, form)


_DIGESTS: dict[str, ast.expr] = {}  # digest name -> the value it stands for (`_undigested`)
MAX_UNDIGESTED = 4000  # nodes: a returned value larger once its digests are expanded keeps them


def _undigested(expr: ast.expr) -> ast.expr | None:
    """The returned value with the digests inside it expanded to what they stand for, so that where a large value is
    cut into a digest does not decide the comparison: the baseline's `return (loss * w * (1 - m)).mean()` and the
    candidate's `loss = loss * w * (1 - m); return loss.mean()` return one value (CleanDiffuser a24084a4..05f17fc9
    `cleandiffuser/diffusion/diffusionsde.py:112`: the named intermediate digested at its store, the baseline's
    whole return digested at once). None when it holds no digest, or is too large expanded."""
    if not any(isinstance(n, ast.Name) and n.id in _DIGESTS for n in ast.walk(expr)):
        return None
    budget = [MAX_UNDIGESTED]

    class _Expand(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            stood = _DIGESTS.get(node.id)
            if stood is None:
                return node
            budget[0] -= _size(stood)
            if budget[0] < 0:
                raise _TooLarge
            return self.visit(copy_tree(stood))

    try:
        return _Expand().visit(copy_tree(expr))
    except _TooLarge:
        return None


class _TooLarge(Exception):
    pass


def _digest(name: str, expr: ast.expr, form: ast.AST | None = None) -> ast.Name:
    """A name standing for a large value, still distinct when the value differs. The local's name is
    not part of it: `loss = <value>; return loss` and `return <value>` return one value. `form`: the
    value's `equivalent_form` where the caller has it already (`_large_form`)."""
    del name
    text = _text(expr, form)
    bare = _text(without_detach(expr)) if has_detach(expr) else text
    digest = f"value@{_hash(bare)}" + (f"_d{_hash(text)}" if bare != text else "")
    _DIGESTS.setdefault(digest, expr)
    return ast.Name(id=digest, ctx=ast.Load())  # a `.detach()` applied later can still see the ones inside


def _hash(text: str) -> str:
    return hashlib.blake2s(text.encode(), digest_size=6).hexdigest()


def _large_form(expr: ast.AST) -> ast.AST | None:
    """The equivalent form of a value read as its digest, None for a value that is not. Measured in its
    equivalent form, so that two spellings of one value (a nested min/max and a clamp) become a digest at
    the same point on both commits; the digest's text is that form's, so the value is rewritten once,
    not once to measure and again to print."""
    if _size(expr) <= MAX_NODES:
        return None
    form = equivalent_form(expr)
    return form if _size(form) > MAX_NODES else None


def _size(expr: ast.AST) -> int:
    n = 0
    for _ in ast.walk(expr):
        n += 1
        if n > MAX_NODES:
            break
    return n


def _text(expr: ast.AST, form: ast.AST | None = None) -> str:
    """The comparison text of a value: equivalent spellings (`1 * x`, `torch.relu(x)` /
    `nn.ReLU()(x)`) read alike, through the detectors' own normalisation (`form`: the value's
    `equivalent_form`, where the caller has it already)."""
    try:
        return ast.unparse(equivalent_form(expr) if form is None else form)
    except Exception:
        return ast.dump(expr)


def value_text(expr: ast.AST) -> str:
    """How a value reads in effects (`_text`): for comparing values outside an expansion."""
    return _text(expr)


def differing(base: list[Effect], cand: list[Effect]) -> tuple[list[Effect], list[Effect]]:
    """Effects present at one side only (as multisets)."""
    cb, cc = Counter(e.text for e in base), Counter(e.text for e in cand)
    only_b, only_c = cb - cc, cc - cb
    out_b, out_c = [], []
    for e in base:
        if only_b[e.text] > 0:
            only_b[e.text] -= 1
            out_b.append(e)
    for e in cand:
        if only_c[e.text] > 0:
            only_c[e.text] -= 1
            out_c.append(e)
    return _without_inferred_dims(out_b, out_c)


def _without_inferred_dims(eb: list[Effect], ec: list[Effect]) -> tuple[list[Effect], list[Effect]]:
    """Pairs of differing effects alike but for a reshape's `-1` dimension (flow/inferred.py) dropped."""
    if not eb or not ec or len(eb) * len(ec) > 400:
        return eb, ec
    left = list(ec)
    kept: list[Effect] = []
    for e in eb:
        twin = next((c for c in left if same_but_inferred(e.text, c.text)), None)
        if twin is None:
            kept.append(e)
        else:
            left.remove(twin)
    return kept, left
