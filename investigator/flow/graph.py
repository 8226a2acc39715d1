"""The learning-signal flow of one commit, followed on demand from the statements that changed.

From a unit the flow goes forward along def-use edges inside its function (loop-carried uses
included), from a branch or loop header to the statements it controls, from `self.x = ...` to
every method of the class that reads `self.x`, from a module-level name to the module's functions
that read it, from a call's arguments into the resolved callee's parameters, and from a `return`
to the statements that call the function (found by name, as far as the text shows them). It ends
at a *sink*: `backward()` (loss), an optimizer / scheduler step or `zero_grad` (optimizer), an
environment `step`/`reset` (environment), a sampling call (`sample`, `shuffle`, `randperm`, ...),
or a logging call (logging: no effect on training). Where it cannot go on it records why: a
callee in a compiled extension (C/Cython/CUDA: not readable here), a method called on an object
whose class is not known statically (dynamic dispatch), no caller found.

Limits, stated plainly: names, not objects (two variables holding one tensor are two names;
`x = y` then `x.add_(1)` does not reach `y`); no kill sets (a later re-assignment does not cut an
earlier definition: the flow over-approximates, which can only make more statements look
reachable, never fewer); calls through object attributes other than `self` are followed back
from a function's `return` by name but not forward into the callee; dynamic `getattr`, registries
and `nn.Module.__call__` -> `forward` are dispatch the text does not show.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from dataclasses import dataclass, field

from investigator.detectors.attrs import attribute_class
from investigator.detectors.flow import Flow, attribute_receiver
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import PY_SUFFIXES, PairIndex, SideIndex, enclosing_function
from investigator.flow.abstracted import abstract_body
from investigator.flow.byname import by_name_callers
from investigator.flow.classbody import is_class_body
from investigator.flow.combinators import differentiated_operands, invocations
from investigator.flow.evaluation import (
    feeds_training,
    holds_for_evaluation,
    loss_functions,
    named_like_evaluation,
    named_like_export,
    named_like_logging,
    named_only_for_evaluation,
    names_log_setting,
    writes_by_statement,
)
from investigator.flow.fieldstores import field_store_roots, reads_fields
from investigator.flow.ownsignal import MAX_OWN_HOPS, signal_label
from investigator.flow.units import RETURN, Unit, _is_logger, units_of
from investigator.pyast import call_name, class_base, dotted, last_name, super_method
from investigator.scope import out_of_scope_kind
from investigator.trainstep import LOSS_NAME

REAL_SINKS = ("loss", "optimizer", "environment", "sampling", "architecture")
# a function that hands out experience: what it returns is the data training learns from (`_handed_up`). Not
# `collect`: prime-rl's `collect_pipeline_view` gathers metrics gauges
SAMPLER_NAME = re.compile(r"rollout|sample|trajector|experience", re.IGNORECASE)
ENV_METHODS = frozenset({"step", "reset"})
CONFIG_CLASS = re.compile(r"(Config|Configs|Args|Arguments|Params|HParams|Hyperparameters|Settings)$")
SENSOR_CLASS = re.compile(r"Sensor$")  # allenact's and habitat-lab's `Sensor`: `get_observation` is what the agent sees
ENV_CLASS = re.compile(r"(Env|Environment)$")  # `gym.Env`, `AbstractEnv`, jumanji's `Environment`, `MultiAgentEnv`
MODULE_CLASS = re.compile(r"(Module|Sequential|ModuleList|ModuleDict|Net|Network|Model|Policy|Actor|Critic|"
                          r"Encoder|Decoder|Layer|Block|Head)$")
NATIVE_SUFFIXES = (".pyx", ".pxd", ".so", ".pyd", ".c", ".cc", ".cpp", ".cu", ".rs")
MAX_VISITS = 3000
# bases of a class that call no loss-named hook of it (`LearningFlow.library_loss_hook`)
NO_HOOK_BASES = {"object", "ABC", "Generic", "Protocol", "NamedTuple", "TypedDict", "Enum", "Module", "nn.Module"}
MAX_CALLERS = 40
MAX_HANDED = 2  # calls a field store is followed through where the object is handed on whole (`_handed_only`)
MAX_OVERRIDES = 8  # subclass overrides an abstract method's call is followed into (`LearningFlow.dispatched`)
# iteration protocol: the values these return reach whoever iterates the object, i.e. the statements
# that construct it (the object carries them: `loader = DataLoader(Dataset(...))`, `next(iter(loader))`)
ITER_PROTOCOL = ("__iter__", "__next__", "__getitem__")
MAX_CONTEXT = 3  # call sites remembered when a value enters a callee through an argument
MIN_RECORD = 4  # fields of a positional record linked to its unpackers by name (`_record_unpackers`)
MASKING = re.compile(r"mask|weight", re.I)  # a value that masks or weights the terms it multiplies


@dataclass
class Placement:
    """Where a change sits in the flow: the sink it reaches first and the way there."""

    sink: str | None  # loss | optimizer | environment | sampling | logging | evaluation | None (not reached)
    chain: list[Unit] = field(default_factory=list)  # from the changed unit to the sink
    stops: list[str] = field(default_factory=list)  # where the flow could not be followed
    visited: int = 0
    complete: bool = False  # logging/evaluation only: the search ended before its visit limit, nothing escaped
    # no sink and the flow stopped: the way to the nearest statement that builds the learning signal by its own
    # content (a TD target, a loss, a replay store: flow/ownsignal.py) and that place
    built: list[Unit] = field(default_factory=list)
    built_place: str | None = None
    # logging seen, but the value is also returned by this function, which no code of the tree calls (`_handed_up`)
    returned_by: str = ""
    # no sink and the flow stopped: the item stores under a constant key met on the way (`entry["advantages"] =
    # ...`), which training may read by that name past what the flow follows (flow/keyed.py)
    keyed: list[tuple[str, Unit]] = field(default_factory=list)

    @property
    def on_flow(self) -> bool:
        return self.sink in REAL_SINKS

    def describe(self, limit: int = 5) -> str:
        steps = self.chain if len(self.chain) <= limit else [*self.chain[:2], None, *self.chain[-2:]]
        parts = []
        for u in steps:
            parts.append("..." if u is None else f"`{u.text(70)}` ({u.fn.path}:{u.line})")
        return " -> ".join(parts)


def linked_flows(index: PairIndex) -> dict[str, LearningFlow]:
    """Both commits' flows, their call resolution linked (`Flow.link`)."""
    flows = {"baseline": LearningFlow(index.base), "candidate": LearningFlow(index.cand)}
    flows["baseline"].resolver.link(flows["candidate"].resolver, index.counterpart)
    flows["candidate"].resolver.link(flows["baseline"].resolver, index.counterpart)
    return flows


@dataclass
class _SideMemo:
    """What the flow derives from one commit's code alone, whoever asks: units, readers, class and
    module indexes, base classes, constructors. Kept on the `SideIndex` (`side.memo`), so the code
    detectors' off-path check and the behavioural-change analyzer, which read one shared index, build
    each function's units once (the same `Unit` objects) instead of once per `LearningFlow`. What goes
    through name resolution (`Flow`, whose caches depend on the order of questions) stays per flow."""

    units: dict[int, list[Unit]] = field(default_factory=dict)
    class_uses: dict[tuple[str, str], dict[str, list[Unit]]] = field(default_factory=dict)
    global_uses: dict[str, dict[str, list[Unit]]] = field(default_factory=dict)
    constructors: dict[str, FunctionInfo | None] = field(default_factory=dict)
    arch: dict[tuple[str, str], bool] = field(default_factory=dict)
    reader_index: dict[int, dict[str, list[Unit]]] = field(default_factory=dict)
    eval_only: dict[int, bool] = field(default_factory=dict)
    bases: dict[str, set[str]] = field(default_factory=dict)
    header_bases: dict[str, list[str]] = field(default_factory=dict)
    defined_classes: dict[str, bool] = field(default_factory=dict)
    ancestor_paths: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)  # base names -> modules
    state_writes: dict[int, dict[int, set[str]]] = field(default_factory=dict)
    state_reads: dict[tuple[str, frozenset[str]], list[Unit]] = field(default_factory=dict)
    reads: dict[int, tuple[ast.AST, frozenset[str]]] = field(default_factory=dict)
    attribute_read: dict[str, bool] = field(default_factory=dict)
    record_unpackers: dict[tuple[str, int], list[Unit]] = field(default_factory=dict)
    pinned: dict[int, FunctionInfo] = field(default_factory=dict)

    def pin(self, fn: FunctionInfo) -> int:
        """The cache key of `fn` (its id), with `fn` kept alive as long as the memo: an id is never
        reused by another function while entries are keyed by it (class bodies are ad-hoc objects)."""
        key = id(fn)
        self.pinned[key] = fn
        return key

    @staticmethod
    def of(side: SideIndex) -> _SideMemo:
        memo = side.memo.get("learning_flow")
        if not isinstance(memo, _SideMemo):
            memo = side.memo["learning_flow"] = _SideMemo()
        return memo


class LearningFlow:
    """One commit's flow, built lazily per function and cached."""

    def __init__(self, side: SideIndex) -> None:
        self.side = side
        self.resolver = Flow(side)
        self._callers: dict[int, list[Unit]] = {}
        self._native: set[str] | None = None
        self._export_only: dict[int, bool] = {}
        # `_next` by state (`_key`), with the state's unit and context held so that their ids stay unique
        self._successors: dict[tuple[int, ...], tuple[Unit, tuple[Unit, ...], list[tuple[Unit, tuple[Unit, ...]]]]] = {}
        memo = self._memo = _SideMemo.of(side)  # caches of what depends on the code alone: shared (see `_SideMemo`)
        self._units = memo.units
        self._class_uses = memo.class_uses
        self._global_uses = memo.global_uses
        self._nested: dict[int, dict[str, list[Unit]]] = {}  # `_nested_uses`, by pinned function
        self._constructors = memo.constructors
        self._arch = memo.arch
        self._reader_index = memo.reader_index
        self._eval_only = memo.eval_only
        self._reported: dict[int, tuple[Unit, bool]] = {}  # `reported_only`, by statement
        self._bases = memo.bases
        self._header_bases = memo.header_bases
        self._state_writes = memo.state_writes
        self._state_reads = memo.state_reads
        self._reads = memo.reads  # expression -> the names it reads (`_uses`)
        self._registered: dict[str, FunctionInfo | None] = {}
        self._env_classes: dict[tuple[str, str, str], bool] = {}  # `environment_return`, by (module, class)
        self._dispatch: dict[tuple[str, str], list[FunctionInfo]] = {}  # `dispatched`, by (module, method)
        self._local_methods: dict[tuple[int, str, str], FunctionInfo | None] = {}  # `_local_object_method`

    # -- units -----------------------------------------------------------------------------------
    def units(self, fn: FunctionInfo) -> list[Unit]:
        key = self._memo.pin(fn)
        if key not in self._units:
            try:
                self._units[key] = units_of(fn)
            except RecursionError:
                self._units[key] = []
        return self._units[key]

    def unit_at(self, fn: FunctionInfo, line: int) -> Unit | None:
        """The innermost unit whose own lines contain `line` (a header only for its header lines)."""
        best: Unit | None = None
        for u in self.units(fn):
            if u.line <= line <= u.end_line and (best is None or u.line >= best.line):
                best = u
        return best

    # -- classification --------------------------------------------------------------------------
    def in_model_class(self, fn: FunctionInfo) -> bool:
        """A method of a network class (`nn.Module` subclass or a class named like a network)."""
        if not fn.class_name:
            return False
        key = (fn.path, fn.class_name)
        if key not in self._arch:
            cls = fn.class_name.rsplit(".", 1)[-1]
            node = next((n for n in ast.walk(fn.module.tree) if isinstance(n, ast.ClassDef) and n.name == cls), None)
            bases = [class_base(b) for b in node.bases] if node is not None else []
            self._arch[key] = any(MODULE_CLASS.search(last_name(b)) for b in bases if b) or bool(
                MODULE_CLASS.search(cls) and bases)
        return self._arch[key]

    def attribute_read(self, attr: str) -> bool:
        """Whether any Python file of this commit may read attribute `attr`: `x.attr` loaded other than
        as a called method (`optimizer.step()`), or the name as a string (`getattr(m, "attr")`, a state
        key). Files are searched as text first, and only those whose text may read it are parsed (the
        name in a docstring or comment is not a read). A file that does not parse counts as reading it."""
        memo = self._memo.attribute_read
        if attr not in memo:
            text_read = re.compile(rf"\.{re.escape(attr)}\b(?!\s*\()(?!\s*=[^=])|[\"']{re.escape(attr)}[\"']")
            memo[attr] = any(self._reads_attribute(path, attr) for path, text in self.side.texts().items()
                             if path.endswith(PY_SUFFIXES) and text_read.search(text))
        return memo[attr]

    def _reads_attribute(self, path: str, attr: str) -> bool:
        module = self.side.module(path)
        if module is None:
            return True
        called = {id(n.func) for n in ast.walk(module.tree) if isinstance(n, ast.Call)}
        return any((isinstance(n, ast.Attribute) and n.attr == attr and isinstance(n.ctx, ast.Load)
                    and id(n) not in called) or (isinstance(n, ast.Constant) and n.value == attr)
                   for n in ast.walk(module.tree))

    def network_computation(self, u: Unit) -> bool:
        """A statement of what a network computes: a layer constructor, or any statement of a network
        class's methods other than `__init__` (`forward`, the observation decoding it calls)."""
        if u.own == "architecture":
            return True
        if u.fn.name == "__init__" and self.in_model_class(u.fn) and _base_constructor_call(u.node):
            # the network's own base built with these arguments (`super().__init__(config, ..., rotary_base=
            # config.rotary_base)` of megatron's `GPTModel` in ROLL e1362d7e..8eb27cc2 mcore_adapter/.../
            # model_factory.py:352): what the base builds, layers and their sizes and encodings, is the network
            return True
        return u.fn.name != "__init__" and not u.fn.is_module and self.in_model_class(u.fn) and u.sink != "logging"

    def evaluation_only(self, fn: FunctionInfo) -> bool:
        """Named like evaluation and writing nothing a loss-computing function reads (see
        `flow.evaluation`): a rollout called `evaluate` is training's data source."""
        if out_of_scope_kind(fn.path) in ("test", "documentation"):
            return True  # a test's `space.sample()` or `env.step()` is not training
        return named_like_evaluation(fn) and self._feeds_no_training(fn)

    def _called_by_evaluation(self, ctx: tuple[Unit, ...]) -> bool:
        """A call site the state was entered through is a statement of evaluation-only code (`evaluation_only`):
        the sink is reached in a callee on that code's behalf, as a sink in its own body would be. Real shape:
        mjlab ebfd43e2..0eda4e73 src/mjlab/scripts/play.py: `run_play` (a script that loads a checkpoint and
        runs the inference policy in a viewer) wraps its environment in `RslRlVecEnvWrapper(env, ...)`, whose
        constructor calls `self.env.reset()`; `PlayConfig`'s viewer default `"native"` -> `"auto"` was filed
        "Behavioural change in the environment path", significant, third of the range."""
        return any(self.evaluation_only(w.fn) for w in ctx)

    def _evaluation_object(self, u: Unit, ctx: tuple[Unit, ...]) -> bool:
        """`u` is a statement of a constructor entered from evaluation-only code (`_called_by_evaluation`): what it
        stores into `self` is state of an object that code made, read by the class's methods when called on that
        object, i.e. by the evaluation; the search marks what it reaches from here as held by that object (the
        flow follows attributes by class, not by object, so the class's methods would otherwise read it as the
        training's instance). Real shape: mjlab ebfd43e2..0eda4e73 src/mjlab/scripts/play.py:154 `env =
        RslRlVecEnvWrapper(env, ...)` in `run_play`: the play environment stored as `self.env` reached the
        wrapper's `reset` (`self.env.reset()`), the environment sink of training's instances."""
        return bool(ctx) and u.fn.name == "__init__" and bool(u.fn.class_name) and self._called_by_evaluation(ctx)

    def _feeds_no_training(self, fn: FunctionInfo) -> bool:
        """`fn` writes nothing a loss-computing function of its module reads (`feeds_training`), memoised."""
        key = self._memo.pin(fn)
        if key not in self._eval_only:
            self._eval_only[key] = not feeds_training(fn)
        return self._eval_only[key]

    def off_path(self, fn: FunctionInfo) -> str | None:
        """"evaluation" or "logging" for a function off the training flow by its role, else None: named like
        evaluation (validation included) or like writing values out (summaries, metrics, debug dumps: see
        `named_like_logging`), and writing nothing a loss-computing function of its module reads (`feeds_training`).
        What such a function stores into shared state (an attribute, a method call on one) is not followed on,
        and what code it calls does on its behalf is its own (`_search`, `_next_uncached`): only its return value
        reaches its callers. Real shape: rlgraph 70b14a64..428fc136, rlgraph/agents/agent.py:559 (baseline
        593): `Agent._write_rewards_summary` summed `episode_reward += rewards[i]` for the TensorBoard tags
        `reward/episode_reward` and handed it back to the graph (`graph_executor.execute(("set_episode_reward",
        ...))`), which the flow followed by name into the Ape-X executor's sampling: its removal was filed as a
        critical "Reward term(s) removed" although no loss reads the sum."""
        if out_of_scope_kind(fn.path) in ("test", "documentation"):
            return "evaluation"
        kind = "evaluation" if named_only_for_evaluation(fn) else "logging" if named_like_logging(fn) else None
        return kind if kind is not None and self._feeds_no_training(fn) else None

    def off_path_context(self, u: Unit, ctx: tuple[Unit, ...]) -> str | None:
        """The state's function, or a call site it was entered through, is off the flow (`off_path`)."""
        for w in (u, *reversed(ctx)):
            kind = self.off_path(w.fn)
            if kind is not None:
                return kind
        return None

    def reported_only(self, u: Unit, depth: int = 0) -> bool:
        """What the statement defines is read, in its function, only to be returned as statistics beside a loss
        (`return loss, {"v_mean": v.mean(), ...}`: `_in_metrics_dict`), logged, or by statements whose own
        results are read only so: the `has_aux` output of `jax.grad`, the reduced-metrics dict of a Megatron
        `loss_func`, not the loss. Decided from the statement's definitions and their readers after it, whatever
        way the search reached it. Real shapes: ogbench v1.1.2..v1.1.3 impls/agents/crl.py:53 `v = jnp.exp(v)`
        under "Compute additional statistics", returned only as `v_mean`/`v_max`/`v_min` (filed as the loss
        path); NeMo-Aligner 3b51a3cb..af2b3bd9 nemo_aligner/models/nlp/gpt/megatron_gpt_reward_model.py:204, the
        validation loss and accuracy all-reduced into `{"avg": reduced_loss, "acc": reduced_acc}` (filed as
        "Device placement changed" and "Gradient cut removed")."""
        key = id(u.node)
        hit = self._reported.get(key)
        if hit is not None and hit[0] is u:
            return hit[1]
        answer = self._reported_uncached(u, depth)
        self._reported[key] = (u, answer)
        return answer

    def _reported_uncached(self, u: Unit, depth: int) -> bool:
        data = u.defs - {RETURN}
        if not data or depth > MAX_REPORTED_DEPTH or any("." in d for d in data) or u.fn.is_module \
                or isinstance(u.node, ast.Return) or u.sink in REAL_SINKS:
            return False
        readers = self._readers(u.fn)
        nested = self._nested_uses(u.fn)
        found = False
        for d in sorted(data):
            if nested.get(d):
                return False  # a closure reads it
            for v in readers.get(d, ()):
                if v is u or not (v.index > u.index or set(u.loops) & set(v.loops)):
                    continue
                if v.sink == "logging" or isinstance(v.node, ast.Return) and _in_metrics_dict(v.node, d):
                    found = True
                elif isinstance(v.node, ast.Expr) and not (v.defs - {RETURN}) and v.sink is None:
                    continue  # a call of a module function, its result discarded (`dist.all_reduce(t)`)
                elif isinstance(v.node, ast.Return) or not self.reported_only(v, depth + 1):
                    return False
                else:
                    found = True
        return found

    def export_only(self, fn: FunctionInfo) -> bool:
        """Code that writes a trained model out (TorchScript, ONNX): named like export, or a method
        of a class that only export code instantiates (`as_jit()` returning `_TorchLSTMModel(self)`).
        Exporting is not training: what changes there does not change learning."""
        if named_like_export(fn):
            return True
        if not fn.class_name:
            return False
        key = self._memo.pin(fn)
        if key not in self._export_only:
            init = fn.module.functions.get(f"{fn.class_name}.__init__")
            sites = self.callers(init) if init is not None else []
            self._export_only[key] = bool(sites) and all(named_like_export(u.fn) for u in sites)
        return self._export_only[key]

    # -- following the flow ----------------------------------------------------------------------
    def place(self, start: list[Unit], edited: frozenset[str] | None = None) -> Placement:
        """Breadth-first from `start` to the nearest sink (a start unit may be a sink itself).

        A state is a unit with its call context: the call sites entered to reach it. A `return`
        inside a callee entered through an argument goes back to that call site only (whose
        assignment already carries the value on); with no context it goes to every caller. `edited`: the
        keyword names (or `#<position>`) of a changed call statement's arguments that differ between the
        commits (`_own_call_arguments`), None when not known."""
        if edited == frozenset() and all(isinstance(u.node, ast.Expr) and u.sink not in REAL_SINKS for u in start):
            # a call statement the other commit makes alike, moved or re-aligned by the diff: its own outputs
            # (the arguments it fills) are what they were; only its order against the statements around it may
            # differ, which `flow/diff.py`'s crossed check compares (PufferLib 9aa817f7..d4d17e69 demo.py:237
            # `train(args, env_module, make_env)`, which fills `args.wandb` as it did before)
            return Placement(None, list(start[:1]), visited=len(start))
        return self._search(start, edited)

    def _search(self, start: list[Unit], edited: frozenset[str] | None) -> Placement:
        parent: dict[tuple, tuple | None] = {}
        queue: deque[tuple[Unit, tuple[Unit, ...]]] = deque()
        self._seed(start, edited, parent, queue)
        saw_logging = saw_eval = False
        network: tuple[Unit, tuple[Unit, ...]] | None = None  # the first statement of a network's computation
        visited = 0
        seen: list[Unit] = []
        states: list[tuple[Unit, tuple[Unit, ...]]] = []
        escaped = False  # the value was stored into an object the caller passed in (`buffer.add(obs, reward)`)
        # the value is returned by a function whose callers the text does not show (`__call__`, `forward`)
        handed_back = False
        via: dict[tuple, frozenset[str]] = {}  # states reached through info positions only: the names carried
        # states reached from a tuple packed with the value in some of its positions (`_packed`): its size, those
        # positions and the name packed, for an unpacking of it (`_unpacked_names`)
        shapes: dict[tuple, Shape] = {}
        # a change that defines a mask or a weight, first met at a sampler through the data it returns: the
        # sampler's placement, kept while the search goes on to a loss the value multiplies (`_multiplies`)
        masking = any(MASKING.search(d) for u in start for d in u.defs)
        sampled: Placement | None = None
        reported = False  # the value met a returned metrics dict (`_reported_only`)
        # states holding the value in an object evaluation-only code constructed (`_evaluation_object`)
        held: set[tuple] = set()
        while queue and visited < MAX_VISITS:
            u, ctx = queue.popleft()
            visited += 1
            seen.append(u)
            states.append((u, ctx))
            off = self.off_path_context(u, ctx)
            in_eval_object = _key(u, ctx) in held or self._evaluation_object(u, ctx)
            # what evaluation or reporting code stores into an object it was handed is its own (`flow.evaluation`)
            escaped = escaped or (off is None and _escapes(u))
            handed_back = handed_back or (u.sink != "logging" and RETURN in u.defs and _returns_implicitly(u.fn))
            if network is None and off is None and self.network_computation(u):
                network = (u, ctx)  # (a network built or run by evaluation is the evaluation's)
            came = parent.get(_key(u, ctx))
            carried: frozenset[str] = via.get(_key(u, ctx)) or (
                came[0].defs if came is not None and came[0].fn is u.fn else frozenset())
            quiet, stop = _by_role(u, off, off is None and self.reported_only(u))
            saw_eval = saw_eval or quiet == "evaluation"
            saw_logging = saw_logging or quiet == "logging"
            reported = reported or stop and quiet == "logging" and off is None
            if stop:
                continue
            if u.sink in REAL_SINKS or (not ctx and self.library_loss_hook(u)):
                if self.evaluation_only(u.fn) or self._called_by_evaluation(ctx) or in_eval_object:
                    saw_eval = True
                    continue
                here = Placement(self._sink_label(u), self._chain((u, ctx), parent), visited=visited)
                choice = _sink_choice(here, u, ctx, parent, masking, sampled is not None)
                sampled = here if choice == "hold" else sampled  # the sampler's data: on to what consumes it
                if choice != "stop":
                    continue
                return here
            if u.sink == "logging":
                saw_logging = True
                continue
            if not ctx and not in_eval_object and (self.environment_return(u) and not self.callers(u.fn)
                            or off is None and self.observation_return(u)):
                return Placement("environment", self._chain((u, ctx), parent), visited=visited)
            if self._differentiates(u, carried):
                # the value is an operand of a differentiated loss (`grads = grad_fn(params, traj_batch)`): it
                # reaches the loss inside, whatever the gradients then reach first (the optimizer's update)
                return Placement("loss", self._chain((u, ctx), parent), visited=visited)
            info, pack = self._positional(u, ctx, carried, shapes.get(_key(u, ctx)))
            successors = self._next(u, ctx) if info is None else info[0]
            # a mask or weight goes on through the records it is packed into (`_record_unpackers`)
            records = [(w, ()) for w in self._record_unpackers(u)] if masking else []
            for v, vctx in [*successors, *records]:
                key = _key(v, vctx)
                if key not in parent:
                    parent[key] = (u, ctx)
                    queue.append((v, vctx))
                    _remember(key, info, _handed(pack, v, vctx), via, shapes)
                    if in_eval_object:
                        held.add(key)
        if sampled is not None:
            return sampled
        if network is not None and not (reported and not handed_back):
            # what a network computes reaches the loss through `nn.Module.__call__`, which the code does not show
            # (not a value the search saw handed back only as a reported statistic, `_reported_only`)
            return Placement("architecture", self._chain(network, parent), visited=visited)
        # a value also returned where the flow cannot follow (a reward manager's `__call__` returning the reward
        # tensor the score was written into, beside `print("[score]", score)`) is not shown to reach only
        # logging (EasyR1 bfeb4d5 verl/workers/reward/custom.py:57, held-out 9 `easyr1-reward-scores-prompt-and-
        # response`, used: the re-applied bug was filed as "its values reach only logging")
        sink = "evaluation" if saw_eval else "logging" if saw_logging and not handed_back else None
        return self._unsunk(start, sink, seen, states, parent, truncated=bool(queue) and visited >= MAX_VISITS,
                            escaped=escaped, visited=visited)

    def _unsunk(self, start: list[Unit], sink: str | None, seen: list[Unit],
                states: list[tuple[Unit, tuple[Unit, ...]]], parent: dict[tuple, tuple | None], *, truncated: bool,
                escaped: bool, visited: int) -> Placement:
        """The placement of a search that met no real sink: logging, evaluation, or none (with where it stopped)."""
        # the value also leaves through a return of a sampler the tree never calls: logging seen, not logging only.
        # Only a sampler: metrics a library API returns to its user (d3rlpy's `update` returning the losses as
        # floats, `float(loss.cpu())`) are logging however the user reads them
        # Evaluation seen, the same: a function named like evaluation whose return a rollout hands back to a trainer
        # the tree does not show is that rollout's reward (`_handed_up`'s `through_evaluation`)
        handed_up = self._handed_up(states, parent, through_evaluation=sink == "evaluation") \
            if sink in ("logging", "evaluation") else None
        if handed_up is not None and not SAMPLER_NAME.search(handed_up[0].fn.name):
            handed_up = None
        stops = [] if sink and handed_up is None else self.stops_of(seen[:200])
        if not sink:
            stops = [*self._handed_as_value(seen[:200]), *stops][:4]
        if truncated:
            stops.append(f"flow not followed beyond {MAX_VISITS} statements")
        # the search over-approximates (names, no kill sets; a call's result carries every argument on),
        # so a search that ended before the visit limit without a real sink did not miss one it can read
        # A value stored into an object passed in may be read wherever that object goes (a replay buffer the
        # caller's training loop samples): not seeing a sink there does not show there is none.
        complete = bool(sink) and not truncated and not escaped and handed_up is None
        placement = Placement(sink, list(start[:1]), stops=stops, visited=visited, complete=complete,
                              returned_by=handed_up[0].fn.qualname if handed_up is not None else "")
        if stops and not sink:
            from investigator.flow.keyed import stored_keys
            placement.keyed = stored_keys(seen[:200])
        if stops and (not sink or handed_up is not None):
            placement.built, placement.built_place = self._built_signal(states, parent)
            up = handed_up if handed_up is not None or sink else self._handed_up(states, parent, referenced=True)
            if placement.built_place is None and up is not None and SAMPLER_NAME.search(up[0].fn.name):
                # what a sampler that the tree runs only through a name (a plugin path, a function passed as a
                # value) hands back is data the training learns from or acts with: unfollowed, not no effect
                placement.built, placement.built_place = self._chain(up, parent), "sampling"
        return placement

    def _handed_as_value(self, units: list[Unit]) -> list[str]:
        """Stops for a function the value is returned from whose only "callers" hand it on as a value (a callback
        registered, `rubric.add_reward_func(check_answer_reward_func)`): the search went on through the object it
        was handed to, not through what calls it and reads its return, so meeting no sink there shows nothing.
        Named as a stop, so that a return named for a learning quantity is placed there (flow/ownsignal.py)
        instead of "reaches no loss, target, reward". Real shape: verifiers 0305d0a8..39f0675a,
        environments/reasoning_gym_env/reasoning_gym_env.py:33: the reward function's `self.rg_dataset[answer]`
        -> `self.rg_dataset[int(answer)]` (reward fix #401), filed "reach no loss, target, reward"."""
        out: list[str] = []
        for u in units:
            if RETURN not in u.defs or u.fn.is_module:
                continue
            callers = self.callers(u.fn)
            if callers and not any(last_name(call_name(c)) == u.fn.name for w in callers for c in w.calls):
                w = callers[0]
                why = (f"`{u.fn.qualname}` is handed on as a value ({w.fn.path}:{w.line}), not called there: "
                       "what calls it and reads its return is not followed")
                if why not in out:
                    out.append(why)
        return out

    def _handed_up(self, states: list[tuple[Unit, tuple[Unit, ...]]], parent: dict[tuple, tuple | None],
                   referenced: bool = False, through_evaluation: bool = False) -> tuple[Unit, tuple[Unit, ...]] | None:
        """The first state that returns the value from a function no code of the tree calls (entered with no call
        context): a plugin or API entry whose caller the tree does not show. Its logging on the way (a progress
        line reading `len(collected)`) does not make the value a logged one. Real shape: slime
        fb393e59..41014d1f, slime/rollout/fully_async_rollout.py:232: the groups a rollout keeps (surplus left
        queued for the next rollout instead of dropped) are returned by `generate_rollout_fully_async`, loaded by
        `--rollout-function-path`; filed as "reaches only logging".

        With `referenced`, only a module-level function whose name the tree mentions outside its definition
        (passed as a value, `sample_fn=n_step_guided_p_sample`, or listed in `__all__`): code nothing mentions is
        dead. Real shape: diffuser c26d1d37..7ea42286, diffuser/sampling/functions.py: the guided sampler's
        `grad = model_std * grad` -> `model_var * grad`, filed as no effect ("no caller of
        `n_step_guided_p_sample` found"; scripts/plan_guided.py passes it as `sample_fn=`).

        With `through_evaluation` (the search saw evaluation code), the value may have passed through a function
        named like evaluation on its way: what that function returns to a caller outside evaluation, which hands
        it up, is not evaluation output. Real shape: agent-lightning 087c7d35..68a47d50,
        contrib/recipes/search_r1/qa_em.py:78 `extract_solution`'s `len(matches) <= 1` -> `== 0` (the EM reward
        now scores a single `<answer>`): `compute_score_em` is called by search_r1_agent.py's `eval(prediction,
        ground_truth)`, whose score `SearchR1Agent.rollout` returns to the trainer as the reward; filed "reaches
        only evaluation-only code". The handing function itself must not be evaluation (`evaluation_only`), and
        only a sampler's counts (`rollout`; `LitAgent.training_rollout` returning `self.rollout(...)`)."""
        for u, ctx in states:
            if RETURN in u.defs and not ctx and not u.fn.is_module and not self.evaluation_only(u.fn) \
                    and not self.callers(u.fn):
                if referenced and (u.fn.class_name or not self.side.references(u.fn.name)):
                    continue
                if through_evaluation and not SAMPLER_NAME.search(u.fn.name):
                    continue  # an unused sibling scorer (`compute_score_subem`) hands nothing to a trainer
                # what evaluation code computes and hands back through a shared entry is evaluation output
                # (through evaluation: an evaluation rollout's, `eval_rollout` handed back by slime's shared
                # `generate_rollout`; not a scorer named `eval` whose score a training rollout returns)
                if any(named_like_evaluation(w.fn) and (not through_evaluation or SAMPLER_NAME.search(w.fn.name))
                       for w in self._chain((u, ctx), parent)):
                    return None
                return u, ctx
        return None

    def _seed(self, start: list[Unit], edited: frozenset[str] | None, parent: dict[tuple, tuple | None],
              queue: deque[tuple[Unit, tuple[Unit, ...]]]) -> None:
        """The search's first states: the start units, then what a changed call statement hands its callee
        (`_own_call_arguments`, entered with the statement as call context)."""
        for u in start:
            parent[_key(u, ())] = None
            queue.append((u, ()))
        for u in start:
            for w in self._skipped_by_continue(u):
                if _key(w, ()) not in parent:
                    parent[_key(w, ())] = (u, ())
                    queue.append((w, ()))
        for u in start:
            for w in self._own_call_arguments(u, edited):
                if _key(w, (u,)) not in parent:
                    parent[_key(w, (u,))] = (u, ())
                    queue.append((w, (u,)))

    def _skipped_by_continue(self, u: Unit) -> list[Unit]:
        """A changed `continue`, or a changed `if` over one, decides which iterations run the rest of the loop's
        body: those statements are where the change acts. Only from the change itself (a search's start), not
        for every `continue` a value meets on its way, which would widen every search through a long loop (ROLL
        e1362d7e..8eb27cc2 `RLVRPipeline.run`). Real shape: lerobot 59ab2862..e6f95674
        src/lerobot/datasets/factory.py:258, `make_train_eval_datasets` now skips depth cameras (`if key in
        ds.meta.depth_keys: continue`) when storing the ImageNet stats into the train dataset's `meta.stats`:
        "reach no loss" once its name no longer made it evaluation. Not under a type check (`_type_guarded`)."""
        units = self.units(u.fn)
        if isinstance(u.node, ast.Continue):
            skips = [u]
        elif isinstance(u.node, ast.If):
            skips = [units[i] for i in u.controls if i < len(units) and isinstance(units[i].node, ast.Continue)]
        else:
            return []
        out: list[Unit] = []
        for c in skips:
            if not c.loops or c.loops[-1] >= len(units) or _type_guarded(c, units):
                continue
            out.extend(units[i] for i in units[c.loops[-1]].controls if c.index < i < len(units))
        return out

    def _sink_label(self, u: Unit) -> str:
        """The sink a sink unit names; `self.action_space.sample()` inside an environment's own `step` is its
        dynamics (HighwayEnv's `AbstractEnv.step` reading the observation table beside a sampled action)."""
        sink = u.sink or "loss"
        if sink == "sampling" and u.fn.name in ENV_METHODS and self.environment_class(u.fn):
            return "environment"
        return sink

    def _built_signal(self, states: list[tuple[Unit, tuple[Unit, ...]]], parent: dict[tuple, tuple | None]
                      ) -> tuple[list[Unit], str | None]:
        """The way to the first statement reached (breadth-first, within MAX_OWN_HOPS) that builds the
        learning signal by its own content, and its place; ([], None) when none."""
        if not states:
            return [], None
        home = states[0][0].fn
        for state in states[:200]:
            u = state[0]
            # the change's own function or class: a value handed on to other code is that code's concern
            if u.fn is not home and (not home.class_name or u.fn.class_name != home.class_name or u.fn.path != home.path):
                continue
            label = signal_label(u, home)
            if label is None:
                continue
            chain = self._chain(state, parent)
            if len(chain) <= MAX_OWN_HOPS + 1:
                return chain, label
        return [], None

    @staticmethod
    def _chain(end: tuple, parent: dict[tuple, tuple | None]) -> list[Unit]:
        out = [end[0]]
        cur = parent.get(_key(*end))
        while cur is not None:
            out.append(cur[0])
            cur = parent.get(_key(*cur))
        return list(reversed(out))

    def _next(self, u: Unit, ctx: tuple[Unit, ...]) -> list[tuple[Unit, tuple[Unit, ...]]]:
        """The successors of a state, computed once per state of this flow (the list is shared: read it, never
        change it). Each placement searches from its own start, and later searches reach most states again
        (skrl 1.4.3..2.0.0: 79 % of the asks, d3rlpy v1.1.1..v2.0.2: 66 %). What `_next_uncached` looks up is
        itself kept once computed (units, readers, callers, uses, the resolver's answers), so a second ask
        gave the first one's list."""
        key = _key(u, ctx)
        hit = self._successors.get(key)
        if hit is not None:  # the held unit and context keep their ids from being reused: the same state
            return hit[2]
        # a value handed to `raise` stops the run with it: it reaches no training, whatever the exception holds
        # (tensorforce 0.6.1..0.6.2, tensorforce/exception.py:54: `TensorforceError.mismatch` reworded its message;
        # `raise TensorforceError.mismatch(...)` in a network module read as the architecture path)
        out = [s for s in self._next_uncached(u, ctx) if not isinstance(s[0].node, ast.Raise)]
        self._successors[key] = (u, ctx, out)
        return out

    def _next_uncached(self, u: Unit, ctx: tuple[Unit, ...]) -> list[tuple[Unit, tuple[Unit, ...]]]:
        fn = u.fn
        units = self.units(fn)
        out = self._controlled(u, units, ctx)
        data = (u.defs - {RETURN}) | self._mutated_arguments(u)
        if data:
            loops = set(u.loops)
            readers = self._readers(fn)
            narrowed = field_store_roots(u)  # `args.n = v` is seen by readers of `args.n`, not of `args.lr`
            candidates = sorted({v.index: v for d in data for v in readers.get(d, ())
                                 if d not in narrowed or reads_fields(v, d, narrowed[d])}.items())
            carried = _carried_across_calls(u, data)
            for _, v in candidates:
                if v is u:
                    continue
                if v.index > u.index or loops & set(v.loops) or v.index in loops or carried & v.uses:
                    out.append((v, ctx))
                    if len(ctx) < MAX_CONTEXT:
                        fields = {d for d in data if "." in d and d.split(".", 1)[0] in v.uses}
                        closures: list[Unit] = []  # a callee's closures return to their own callers
                        passed = (data & v.uses) | fields
                        for root in narrowed.keys() & passed:  # `args.n = v` then `train(args)`: `args.n` handed
                            passed = (passed - {root}) | {f"{root}.{f}" for f in narrowed[root]}
                        out.extend((w, (*ctx, v)) for w in self._into_callees(v, frozenset(passed), closures))
                        out.extend((w, ()) for w in closures)
            out.extend(self._attribute_edges(u, data))
            if fn.is_module:
                out.extend(self._global_readers(fn, data, narrowed))
            else:
                nested = self._nested_uses(fn)
                for d in data:
                    out.extend((w, ()) for w in nested.get(d, ()))
                written = self._writes(fn).get(id(u.node))
                if written:
                    out.extend((w, ()) for w in self._state_readers(fn, frozenset(written)))
        if RETURN in u.defs:
            if ctx:
                out.append((ctx[-1], ctx[:-1]))  # back to the call site that passed the value in
            else:
                out.extend((w, ()) for w in self.callers(fn))
                return out if self.off_path(fn) is None else self._kept_off_path(fn, out, self.callers(fn), ctx)
        return out if self.off_path_context(u, ctx) is None else self._kept_off_path(fn, out, [], ctx)

    def _kept_off_path(self, fn: FunctionInfo, out: list[tuple[Unit, tuple[Unit, ...]]], callers: list[Unit],
                       ctx: tuple[Unit, ...] = ()) -> list[tuple[Unit, tuple[Unit, ...]]]:
        """The successors of a state in code off the flow by its role (`off_path`), or entered from it: its own
        statements, what it calls on its behalf (entered with a call context), and, by a
        return, its callers. Not what it stores into shared state, a closure or a global: an evaluation's or a
        summary's writes are its own (read back by it or by other reporting code).

        "On its behalf" is a call made by a statement of this function, in this state's context (`ctx` plus that
        statement), or the way back to a call site of `ctx`. Not the callee of a statement elsewhere entered
        with a fresh context of its own: the methods of a class reading an attribute the state stores, and what
        they call (`_attribute_edges`), are that class's use of the store, not a call the evaluation makes.
        Real shape: RLinf a4b6abe2..8aa19aae rlinf/workers/env/env_worker.py:1162, `EnvWorker.evaluate`'s
        `self.send_to(..., route_key=...)`: the evaluation's send stored `self._works = list(works)` in the
        channel's work object, whose `__add__` (a fresh context) led into the actor's `recv_rollout_trajectories`
        and `torch.randperm` of training: filed "Behavioural change in the sampling path", significant."""
        keep = {id(w) for w in callers}
        return [(w, c) for w, c in out if w.fn is fn or id(w) in keep or c and _within(c, ctx, fn)]

    def _global_readers(self, fn: FunctionInfo, data: frozenset[str], narrowed: dict[str, frozenset[str]]
                        ) -> list[tuple[Unit, tuple[Unit, ...]]]:
        """The statements of functions reading module globals in `data` (`args` of `def sweep(): def main():
        train(args)`), and, for a global stored through a field (`args.lr = 0.2`), what a call among them hands
        its callee: the callee's readers of that field (`_fields_handed`), as for a local handed on
        (tests/flow/test_mode_dispatch.py; before `_fields_handed` the nested `args.run_id = str(args.lr)` handed
        `train` the whole `args`)."""
        out: list[tuple[Unit, tuple[Unit, ...]]] = []
        uses = self._uses_of_globals(fn)
        for d in data:
            for w in uses.get(d, []):
                if d in narrowed and not reads_fields(w, d, narrowed[d]):
                    continue
                out.append((w, ()))
                if d in narrowed:  # before: every callee handed the whole object read the field (`_fields_handed`)
                    out.extend((x, (w,)) for x in self._into_callees(w, frozenset(f"{d}.{f}" for f in narrowed[d])))
        return out

    def environment_return(self, u: Unit) -> bool:
        """`u` returns the result of an environment's `step` / `reset` (a method of a class with a base named
        `...Env` / `...Environment`, itself or an ancestor) and the class is named outside its own module and
        outside tests and documentation (registered: `register(id=..., entry_point="pkg:PacMan")`, or
        constructed): what it returns is what the agent observes and is rewarded with, the environment sink
        that a caller's `env.step(a)` is. Used where no caller is found (`place`): such callers are reached
        through a registry (`jumanji.make(...)`, `gym.make(...)`) or a wrapper the text does not resolve, so "no
        caller found" there is dynamic dispatch, not "no effect"; callers it finds are followed as before (an
        episode statistic returned as `info` is not the step). Real shapes: jumanji 1f38fe66..ea23c441, PacMan's ghost collision
        (`invert_mask * jnp.inf` -> `jnp.where`, pac_man/utils.py:328) reaching `PacMan.step`'s return;
        HighwayEnv cd1242c7..07b824f9, `MultiAgentIntersectionEnv.default_config`'s observation table read by
        `AbstractEnv.step`. A class no other module names (an unused toy environment) is not this rule."""
        fn = u.fn
        return isinstance(u.node, ast.Return) and RETURN in u.defs and fn.name in ENV_METHODS \
            and self.environment_class(fn)

    def observation_return(self, u: Unit) -> bool:
        """`u` returns what a sensor's `get_observation` reads (a method of a class with a base named `...Sensor`,
        itself or an ancestor, that another module names: constructed in an experiment's sensor list): the
        observation the agent acts on and learns from, as an environment's `step` returns it. Sensors are called
        through a suite by dynamic dispatch (`{uuid: sensor.get_observation(env=env, task=task) for ...}`), which
        the flow cannot resolve. Real shape: allenact 5b2b70a0..97620944
        allenact/embodiedai/sensors/vision_sensors.py:53, `VisionSensor.__init__`'s `self._norm_means =
        np.array(mean)` -> `np.array(mean) if mean is not None else None` (`np.array(None) is not None`, so
        `_should_normalize` was always on): filed "reach no loss ..." (flow stops: `sensor.get_observation(...)`:
        dynamic dispatch). A class no other module names (an unused sensor) is not this rule."""
        return isinstance(u.node, ast.Return) and RETURN in u.defs and u.fn.name == "get_observation" \
            and self.environment_class(u.fn, SENSOR_CLASS)

    def environment_class(self, fn: FunctionInfo, pattern: re.Pattern[str] | None = None) -> bool:
        """`fn` is a method of an environment class (`environment_return`) that another module names; with
        `pattern`, of a class so named (a sensor: `observation_return`)."""
        if not fn.class_name:
            return False
        pattern = pattern or ENV_CLASS
        cls = fn.class_name.rsplit(".", 1)[-1]
        key = (fn.path, cls, pattern.pattern)
        found = self._env_classes.get(key)
        if found is None:
            names = {cls} | self._ancestors(cls)
            found = any(pattern.search(n) for n in names) and any(
                path != fn.path and out_of_scope_kind(path) is None for path, _ in self.side.mentions(cls))
            self._env_classes[key] = found
        return found

    def dispatched(self, callee: FunctionInfo) -> list[FunctionInfo]:
        """The functions a call resolved to `callee` runs: `callee` itself, or, when it is an abstract method (its
        body only a docstring, `pass`, `...` or `raise NotImplementedError`), the overrides of the project's
        subclasses (at most MAX_OVERRIDES): `self.learn(step)` in a base class's training loop runs the
        subclass's `learn`, dynamic dispatch the resolver stops at. Real shape: oat v0.2.2..v0.2.3,
        `OfflineLearner.run` now calls `self.learn(self.steps)` on every step (the `if self.steps %
        self.update_interval == 0:` guard removed); `LearnerBase.learn` is abstract, so the flow saw nothing
        the call runs and the change was filed under "reaches only evaluation-only code"."""
        if not callee.class_name or not abstract_body(callee):
            return [callee]
        key = (callee.path, f"<overrides of {callee.qualname}>")
        found = self._dispatch.get(key)
        if found is None:
            cls = callee.class_name.rsplit(".", 1)[-1]
            found = []
            for path in self.side.def_paths(callee.name):
                module = self.side.module(path) if path.endswith(PY_SUFFIXES) else None
                if module is None or out_of_scope_kind(path) is not None:
                    continue
                for other in module.functions.values():
                    if other.name == callee.name and other.class_name and other is not callee \
                            and cls in self._ancestors(other.class_name.rsplit(".", 1)[-1]) \
                            and not abstract_body(other) and len(found) < MAX_OVERRIDES:
                        found.append(other)
            self._dispatch[key] = found
        return found or [callee]

    def _configuration_class(self, fn: FunctionInfo) -> bool:
        """`fn`'s class, or a base of it, is named as a configuration (`BaseConfig`, `AtariConfig`, `TrainArgs`,
        `HParams`): an object built once and handed around, whose fields are read off it as `config.<field>`
        in other modules that never name the class."""
        cls = (fn.class_name or "").rsplit(".", 1)[-1]
        return any(CONFIG_CLASS.search(n) for n in {cls} | self._ancestors(cls))

    def _config_field_readers(self, fn: FunctionInfo, attr: str) -> list[Unit]:
        """Statements outside tests and documentation reading `<obj>.attr` off an object other than `self`
        that can be this configuration (`_config_holder`): `self.config.max_moves`, `cfg.max_moves`, or any
        object in a module that names the class or a class of its family. Real shape: EfficientZero
        b7cb6293..468bb030, the `self.max_moves = max_moves` of `BaseConfig.__init__` read as
        `self.config.max_moves` by `DataWorker.run`'s self-play loop (core/selfplay_worker.py:165), a module
        that never names the class; `max_moves` 108000 -> 12000 was "no effect". By the field's name alone any
        object's `.max_moves` (`env.max_moves`, `game.max_moves`) was read as this one."""
        key = (fn.path, f"<config field {attr}>")
        if key not in self._class_uses:
            cls = (fn.class_name or "").rsplit(".", 1)[-1]
            family = {cls} | self._ancestors(cls)
            found: list[Unit] = []
            naming: dict[str, bool] = {}  # path -> the module names a class of the family (one text search per file)
            for path, line in _own_module_first(self.side.references(attr), fn)[:MAX_CALLERS]:
                if not path.endswith(PY_SUFFIXES) or out_of_scope_kind(path) is not None:
                    continue
                module = self.side.module(path)
                caller = enclosing_function(module, line) if module is not None else None
                if caller is None:
                    continue
                if path not in naming:
                    text = self.side.texts().get(path, "")
                    naming[path] = any(re.search(rf"\b{re.escape(c)}\b", text) for c in family if c)
                names_class = naming[path]
                found.extend(w for w in self.units(caller) if w.line <= line <= w.end_line and w not in found
                             and any(names_class or _config_holder(h, family) for h in _object_holders(w, attr)))
            self._class_uses[key] = {attr: found}
        return self._class_uses[key].get(attr, [])

    def bound_callee(self, call: ast.Call, fn: FunctionInfo, constructors: bool = True
                     ) -> tuple[FunctionInfo, list[str]] | None:
        """The project function `call` in `fn` runs (the flow's resolver, else, with `constructors`, a class's
        `__init__` by the class's name) and its positional parameter names as the call binds them: a leading
        `self`/`cls` dropped for a method called on an object or a constructor. None for a module, an
        unresolved callee or a lambda. One reading for `_into_callees`, `_own_call_arguments` and
        `_mutated_arguments`."""
        callee = self.resolve(call, fn)
        constructor = callee is None and constructors
        if constructor:
            callee = self.constructor(call)
        if callee is None or callee.is_module or not isinstance(callee.node, ast.FunctionDef | ast.AsyncFunctionDef):
            return None
        params = [a.arg for a in [*callee.node.args.posonlyargs, *callee.node.args.args]]
        if params and params[0] in ("self", "cls") and (constructor or isinstance(call.func, ast.Attribute)):
            params = params[1:]
        return callee, params

    def _own_call_arguments(self, u: Unit, edited: frozenset[str] | None = None) -> list[Unit]:
        """For a changed call statement whose value is discarded (`super(AtariConfig, self).__init__(...,
        max_moves=12000, ...)`, `register_options(..., lr=1e-4)`): the statements of the resolved project callee
        that read a parameter bound to an argument that differs between the commits (`edited`: keyword names,
        `#<position>`). The edit is in the arguments, whose values enter the callee, and nothing the statement
        defines carries them on (its own `defs` are empty). Real shape: EfficientZero b7cb6293..468bb030,
        `AtariConfig.__init__`'s `max_moves` 108000 -> 12000 in the base-constructor call, stored as
        `self.max_moves` and read by the self-play loop (`while ... step_counter <= self.config.max_moves`):
        "reaches no loss, ..." at the baseline engine.

        `edited` None (a new call statement, or one now calling another function): every bound parameter is
        followed; empty (the same call made at the other commit, moved or re-aligned by the diff:
        `analyzer._edited_arguments`): none. Real shape of the latter: PufferLib 9aa817f7..d4d17e69, demo.py's mode
        dispatch re-ordered, `train(args, env_module, make_env)` (demo.py:237) paired with a removed line:
        "Behavioural change in the optimizer path: `<module>`" at #1 through every `args` read of `train`."""
        node = u.node
        if edited == frozenset() or not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            return []
        call = node.value
        # `dynamics.train(..., max_epochs=n)`: the object the method is called on may change too (its own
        # defs, followed on), but the edited argument enters the method all the same
        receiver = {call.func.value.id} if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) \
            else set()
        if u.defs - {RETURN} - receiver:
            return []
        bound = self.bound_callee(call, u.fn)
        if bound is None or bound[0] is u.fn:
            return []
        callee, params = bound
        wanted = {params[i] for i, a in enumerate(call.args) if i < len(params) and not isinstance(a, ast.Starred)
                  and (edited is None or f"#{i}" in edited)}
        wanted |= {k.arg for k in call.keywords if k.arg and (edited is None or k.arg in edited)}
        if edited is None and (
                any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args)):
            wanted |= set(params)
        return [w for w in self.units(callee) if w.uses & wanted]

    def _mutated_arguments(self, u: Unit) -> frozenset[str]:
        """The names a call statement hands to a project function that changes them in place: its result
        discarded (`utils.update_config(config, {...})`), the callee's own code stores into, or calls a
        mutating method on, the parameter bound to a bare name or `self.<attr>` (`config.update(delta)`,
        `config[key] = value`); a parameter rebound first is not. Real shape: HighwayEnv cd1242c7..07b824f9,
        every `default_config` went from `config.update({...})` (which defines `config`) to
        `utils.update_config(config, {...})`, read as defining nothing: MultiAgentIntersectionEnv's new
        observation table (15 vehicles, 7 features, absolute) and target speeds were "no effect"."""
        node = u.node
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            return frozenset()
        call = node.value
        bound = self.bound_callee(call, u.fn, constructors=False)
        if bound is None or bound[0] is u.fn:
            return frozenset()
        callee, params = bound
        rebound = {t.id for w in self.units(callee) if isinstance(w.node, ast.Assign | ast.AugAssign | ast.AnnAssign)
                   for t in (w.node.targets if isinstance(w.node, ast.Assign) else [w.node.target])
                   if isinstance(t, ast.Name)}
        changed = {d for w in self.units(callee) if _fills_container(w.node) for d in w.defs if d in params} - rebound
        out: set[str] = set()
        for k, arg in enumerate(call.args):
            if k < len(params) and params[k] in changed:
                name = dotted(arg)
                if name and (name.count(".") == 0 or (name.startswith("self.") and name.count(".") == 1)):
                    out.add(name)
        for kw in call.keywords:
            if kw.arg in changed:
                name = dotted(kw.value)
                if name and (name.count(".") == 0 or (name.startswith("self.") and name.count(".") == 1)):
                    out.add(name)
        return frozenset(out)

    def _record_unpackers(self, u: Unit) -> list[Unit]:
        """The statements of other functions that unpack a positional record by the name it is built under:
        `current_batch = [obs_list, action_list, mask_list, ...]` in a replay buffer and `obs, action,
        mask_batch, ... = current_batch` in the policy that learns from it (same name, same number of
        fields, at least `MIN_RECORD` of them). The record travels between them through code the text
        does not show (a library's learner calling the policy), so the name and the layout are the link.
        Real shape (LightZero `MuZeroGameBuffer._make_batch`): the unroll mask was placed on the sampling
        path, the first sink the flow met on its way back through `sample()`, not on the loss it masks."""
        node = u.node
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.List | ast.Tuple) and len(node.value.elts) >= MIN_RECORD
                and not any(isinstance(e, ast.Starred) for e in node.value.elts)):
            return []
        name, size = node.targets[0].id, len(node.value.elts)
        memo = self._memo.record_unpackers
        if (name, size) not in memo:
            found: list[Unit] = []
            for path, line in self.side.references(name)[:MAX_CALLERS]:
                module = self.side.module(path) if path.endswith(PY_SUFFIXES) else None
                caller = enclosing_function(module, line) if module is not None else None
                if caller is None:
                    continue
                found.extend(w for w in self.units(caller) if w.line <= line <= w.end_line and _unpacks(w.node, name, size))
            memo[(name, size)] = found
        return [w for w in memo[(name, size)] if w.fn is not u.fn]

    def _info_returns(self, u: Unit, ctx: tuple[Unit, ...], carried: frozenset[str]
                      ) -> tuple[list[tuple[Unit, tuple[Unit, ...]]], frozenset[str]] | None:
        """A value returned only in the positions of a tuple that every caller unpacks into info-named
        locals (`obs, reward, done, info = env.step(a)`) goes on from those locals alone: it is the
        episode information returned beside the observation, reward and done flag, not what the step
        acts on (the caller's sink) or what the other positions carry. Real shape (PufferLib
        73aaa5a8..cb116bca): episode statistics written into `infos['episode']` were "the target path"
        through the environment's `return obs, rewards, dones, infos`. None when the rule does not apply
        (then the ordinary successors are taken); else the successors and the names they carry."""
        if not carried:
            return None
        if isinstance(u.node, ast.Return) and RETURN in u.defs and isinstance(u.node.value, ast.Tuple):
            elts = u.node.value.elts
        else:
            appended = self._appended_result(u)
            if appended is None:
                return None
            elts = appended
        positions = [k for k, e in enumerate(elts) if _names_of(e) & carried]
        if not positions or len(positions) == len(elts) or any(isinstance(e, ast.Starred) for e in elts):
            return None
        callers = [ctx[-1]] if ctx else self.callers(u.fn)
        plain, unpacked = self._info_callers(callers, positions, len(elts), 0)
        if not unpacked:
            return None
        back = ctx[:-1] if ctx else ()
        out: list[tuple[Unit, tuple[Unit, ...]]] = [(w, back) for w in plain]  # callers keeping the tuple: as before
        names: set[str] = set()
        for w, targets in unpacked:
            names |= targets
            readers = self._readers(w.fn)
            out.extend((v, back if w in callers else ()) for d in sorted(targets) for v in readers.get(d, ())
                       if v.index > w.index or set(w.loops) & set(v.loops))
        return out, frozenset(names)

    def _scanned_ys(self, u: Unit, ctx: tuple[Unit, ...], carried: frozenset[str]
                    ) -> tuple[list[tuple[Unit, tuple[Unit, ...]]], frozenset[str]] | None:
        """A value a scanned step returns only as its output `y` (`return carry, y`) goes on from the
        stacked outputs alone where every caller is `carry, ys = jax.lax.scan(step, ...)`: `jax.lax.scan`
        hands the carry to the next step and returns it first, the outputs second, never one as the other.
        Real shape (Stoix's recurrent PPO, held-out 4): the step's transition stores `done` instead of
        `last_done`; carried to both targets, it met the carry's PRNG key split first and was placed in the
        sampling path, while `traj_batch.done` builds the GAE masks. None when the rule does not apply."""
        node = u.node
        if not (carried and isinstance(node, ast.Return) and RETURN in u.defs and isinstance(node.value, ast.Tuple)
                and len(node.value.elts) == 2):
            return None
        carry, y = node.value.elts
        if _names_of(carry) & carried or not _names_of(y) & carried or isinstance(y, ast.Starred):
            return None
        callers = [ctx[-1]] if ctx else self.callers(u.fn)
        targets = [_scan_output_target(w, u.fn) for w in callers]
        if not callers or any(t is None for t in targets):
            return None
        back = ctx[:-1] if ctx else ()
        out: list[tuple[Unit, tuple[Unit, ...]]] = []
        for w, name in zip(callers, targets, strict=True):
            assert name is not None
            readers = self._readers(w.fn)
            out.extend((v, back) for v in readers.get(name, ()) if v.index > w.index or set(w.loops) & set(v.loops))
        return out, frozenset(t for t in targets if t)

    def _positional(self, u: Unit, ctx: tuple[Unit, ...], carried: frozenset[str],
                    shape: Shape | None
                    ) -> tuple[tuple[list[tuple[Unit, tuple[Unit, ...]]], frozenset[str]] | None, Shape | None]:
        """(the successors and names carried when only some positions of a tuple carry the value: info
        returns, a scanned step's outputs, an unpacking of a packed tuple; the packed tuple's shape handed to
        the successors: packed here, or handed through a JAX combinator's call)."""
        unpacked = _unpacked_names(u, shape) if shape is not None else None
        info = self._info_returns(u, ctx, carried & u.uses) or self._scanned_ys(u, ctx, carried & u.uses) or (
            None if unpacked is None else (self._readers_after(u, unpacked), unpacked))
        pack = _packed(u, carried) or (
            (*shape[:3], None) if shape is not None and unpacked is None and any(invocations(c, u.fn) for c in u.calls)
            else None)
        return info, pack

    def _differentiates(self, u: Unit, names: frozenset[str]) -> bool:
        """`u` calls a differentiated function (`jax.grad(f)`, `jax.value_and_grad(f)`) with an operand
        reading `names`. Real shape (Stoix's recurrent PPO, held-out 4): `traj_batch` handed to
        `actor_grad_fn(params, traj_batch, advantages)` reached the optimizer's update through the returned
        gradients before the loss inside the differentiated function: "the optimizer path", low."""
        names = names & u.uses
        if not names:
            return False
        memo = self._reads
        return any(_uses(op, names, memo) for c in u.calls for op in differentiated_operands(c, u.fn)) \
            and not self.evaluation_only(u.fn)

    def _readers_after(self, u: Unit, names: frozenset[str]) -> list[tuple[Unit, tuple[Unit, ...]]]:
        """The statements of `u`'s function that read `names` after `u` (or in a loop with it), and the
        functions nested in it that read them, with no call context."""
        readers = self._readers(u.fn)
        out: list[tuple[Unit, tuple[Unit, ...]]] = [
            (v, ()) for d in sorted(names) for v in readers.get(d, ())
            if v is not u and (v.index > u.index or set(u.loops) & set(v.loops))]
        if not u.fn.is_module:
            nested = self._nested_uses(u.fn)
            out.extend((w, ()) for d in sorted(names) for w in nested.get(d, ()))
        return out

    def _appended_result(self, u: Unit) -> list[ast.expr] | None:
        """The elements of the tuple `u` appends to a local list that its function only fills and returns
        (`returns = []`, `returns.append((obs, rewards, dones, infos))`, `return returns`): each caller
        receives such tuples as the function's result, one per element. Real shape (PufferLib
        73aaa5a8..cb116bca): a vectorised environment's `step` returns one step result per environment
        this way, and a changed `infos` read as "the environment path". None for any other statement, or a
        list read otherwise (indexed, handed to a call) before it is returned."""
        node = u.node
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and len(node.value.args) == 1
                and not node.value.keywords and isinstance(node.value.func, ast.Attribute)
                and node.value.func.attr == "append" and isinstance(node.value.func.value, ast.Name)
                and isinstance(node.value.args[0], ast.Tuple)):
            return None
        name = node.value.func.value.id
        returned = False
        for v in self.units(u.fn):
            if v is u or name not in v.uses and name not in v.defs:
                continue
            if isinstance(v.node, ast.Return) and isinstance(v.node.value, ast.Name) and v.node.value.id == name:
                returned = True
            elif not _appends_only(v.node, name):
                return None
        return node.value.args[0].elts if returned else None

    def _info_callers(self, callers: list[Unit], positions: list[int], size: int, depth: int
                      ) -> tuple[list[Unit], list[tuple[Unit, set[str]]]]:
        """(callers that use the returned tuple otherwise, callers that unpack its `positions` into
        info-named locals with those names); a caller that returns the call's result as it is
        (`return self.env.step(actions)`) hands the tuple on to its own callers."""
        plain: list[Unit] = []
        unpacked: list[tuple[Unit, set[str]]] = []
        for w in callers:
            targets = _info_targets(w, positions, size)
            if targets is not None:
                unpacked.append((w, targets))
            elif depth < MAX_CONTEXT and isinstance(w.node, ast.Return) and isinstance(w.node.value, ast.Call):
                more_plain, more = self._info_callers(self.callers(w.fn), positions, size, depth + 1)
                plain.extend(more_plain)
                unpacked.extend(more)
            else:
                plain.append(w)
        return plain, unpacked

    def _controlled(self, u: Unit, units: list[Unit], ctx: tuple[Unit, ...]) -> list[tuple[Unit, tuple[Unit, ...]]]:
        """The statements a header controls; with control dependence, a call made for its effect
        under the header (`update_model(actor, params)`) runs or not with it: its callee too."""
        out: list[tuple[Unit, tuple[Unit, ...]]] = [(units[i], ctx) for i in u.controls if i < len(units)]
        if isinstance(u.node, ast.Break) and u.loops and u.loops[-1] < len(units):
            # `if max_epochs and epoch >= max_epochs: break` decides how often the loop's body runs: what decides
            # the break reaches the body (OfflineRL-Kit 91e5ac00..e3ce6979: `EnsembleDynamics.train`'s epoch cap,
            # offlinerlkit/dynamics/ensemble_dynamics.py; the cap "reached no loss")
            loop = units[u.loops[-1]]
            out.extend((units[i], ctx) for i in loop.controls if i < len(units) and units[i] is not u)
        if len(ctx) < MAX_CONTEXT:
            for v, _ in list(out):
                out.extend((w, (*ctx, v)) for w in self._effect_callee(v))
        return out

    def _attribute_edges(self, u: Unit, data: frozenset[str]) -> list[tuple[Unit, tuple[Unit, ...]]]:
        """Attributes: a class-body field to the readers of `<obj>.field`, `self.x` to the methods of
        the class reading it (and on into the callees they pass it to), `obj.x = v` on an object of
        unknown class to the methods of the module's classes reading `self.x`."""
        fn = u.fn
        out: list[tuple[Unit, tuple[Unit, ...]]] = []
        attrs = sorted(d for d in data if d.startswith("self."))
        if attrs and is_class_body(fn):
            out.extend((w, ()) for a in attrs for w in self._field_readers(fn, a[5:]))
        # a dataclass's `__post_init__` runs at construction as `__init__` does: what it sets are the object's fields
        # (ROLL e1362d7e..8eb27cc2 mcore_adapter/.../model_config.py:357, `McaModelConfig.__post_init__`'s
        # `self.rotary_base = self.rope_parameters.get("rope_theta", ...)`, read as `config.rotary_base` by the
        # model factory, was "reach no loss")
        if attrs and fn.name in ("__init__", "__post_init__") and fn.class_name and self._configuration_class(fn):
            out.extend((w, ()) for a in attrs if a.count(".") == 1 for w in self._config_field_readers(fn, a[5:]))
        if attrs and fn.class_name:
            uses = self._uses_in_class(fn)
            for a in attrs:
                for w in uses.get(a, []):
                    if w.fn is not fn:
                        out.append((w, ()))
                        out.extend((x, (w,)) for x in self._into_callees(w, frozenset({a})))
        foreign = _foreign_stores(u.node)
        if foreign:
            uses = self._self_uses_in_module(fn)
            out.extend((w, ()) for a in sorted(foreign) for w in uses.get(f"self.{a}", []) if w.fn is not fn)
        return out

    def _readers(self, fn: FunctionInfo) -> dict[str, list[Unit]]:
        """Name -> the units of `fn` that read it (built once per function)."""
        key = self._memo.pin(fn)
        if key not in self._reader_index:
            index: dict[str, list[Unit]] = {}
            for v in self.units(fn):
                for name in v.uses:
                    index.setdefault(name, []).append(v)
            self._reader_index[key] = index
        return self._reader_index[key]

    def constructor(self, call: ast.Call) -> FunctionInfo | None:
        """`Impl(alpha=a)` -> `Impl.__init__`, when exactly one class of the commit has that name."""
        name = last_name(call_name(call))
        if not name or not name[:1].isupper():
            return None
        if name not in self._constructors:
            pattern = re.compile(rf"^\s*class\s+{re.escape(name)}\b", re.MULTILINE)
            found: list[FunctionInfo] = []
            for path, text in self.side.texts().items():
                if path.endswith(PY_SUFFIXES) and f"class {name}" in text and pattern.search(text):
                    module = self.side.module(path)
                    if module is not None:
                        found.extend(f for f in module.functions.values()
                                     if f.name == "__init__" and (f.class_name or "").rsplit(".", 1)[-1] == name)
            self._constructors[name] = found[0] if len(found) == 1 else None
        return self._constructors[name]

    def resolve(self, call: ast.Call, fn: FunctionInfo) -> FunctionInfo | None:
        """The callee of `call` in `fn` for the flow: a bare name defined in `fn` or an enclosing function
        first (closures, as JAX scripts nest `_calculate_gae` in `make_train.train._update_step`), else the
        detectors' resolver. Kept to the flow: the detectors' comparisons walk nested helpers as before."""
        if isinstance(call.func, ast.Name):
            nested = enclosing_definition(fn, call.func.id)
            if nested is not None:
                return nested
        if super_method(call.func) and fn.class_name:
            # `super().__init__(policy, batch_size=batch_size)`: the base's method, whose parameters receive
            # the values (SB3's `TD3.__init__` hands its `batch_size` default to `OffPolicyAlgorithm.__init__`,
            # which stores `self.batch_size` for the replay sampling; the changed default 100 -> 256 "reached
            # nothing"). Kept to the flow: the detectors compare a base's code in the base's own pair.
            return self.resolver.inherited(fn.module, fn.class_name, call.func.attr)  # type: ignore[attr-defined]
        found = self.resolver.resolve(call, fn)
        if found is None and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) \
                and call.func.value.id != "self" and not _is_logger(call):
            # a logger's own class (`logger = D3RLPyLogger(...)`, `logger.add_metric(...)`) stays a logging sink:
            # its adapters' stores are not where training reads the values
            found = self._local_object_method(fn, call.func.value.id, call.func.attr)
        return found

    def _local_object_method(self, fn: FunctionInfo, name: str, method: str) -> FunctionInfo | None:
        """`obj.m(...)` where every assignment of the local `obj` in `fn` builds it by calling one class of the
        repository (`dynamics = EnsembleDynamics(model, optim, ...)`): that class's `m` (its own or inherited).
        Real shape: OfflineRL-Kit 91e5ac00..e3ce6979, run_example/run_mobile.py:244: `dynamics.train(...,
        max_epochs=args.dynamics_max_epochs)` caps how long the dynamics model trains (the model-based rollouts
        the policy learns from); the call read as dynamic dispatch, the cap "reached no loss"."""
        key = (self._memo.pin(fn), name, method)
        if key in self._local_methods:
            return self._local_methods[key]
        found: FunctionInfo | None = None
        written: set[str] = set()
        other = False
        if not fn.is_module and name in fn.local_names:
            for node in ast.walk(fn.node):
                value: ast.expr | None = None
                if isinstance(node, ast.Assign):
                    targets, value = list(node.targets), node.value
                elif isinstance(node, ast.AnnAssign):
                    targets, value = [node.target], node.value
                elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor | ast.NamedExpr | ast.comprehension):
                    targets = [node.target]
                elif isinstance(node, ast.withitem):
                    targets = [node.optional_vars] if node.optional_vars is not None else []
                elif isinstance(node, ast.arg):
                    other = other or node.arg == name
                    continue
                else:
                    continue
                for t in targets:
                    if not any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(t)):
                        continue
                    if isinstance(t, ast.Name) and isinstance(value, ast.Call) \
                            and last_name(call_name(value))[:1].isupper():
                        written.add(call_name(value))
                    else:
                        other = True
        if len(written) == 1 and not other:
            found = self.resolver.class_method(fn.module, next(iter(written)), method)
        self._local_methods[key] = found
        return found

    def _effect_callee(self, v: Unit) -> list[Unit]:
        """The units of the project function a call statement (`update_model(actor, p)`) runs; a call whose
        result is stored (`result = self.learn()`) runs its callee all the same (JORLDY's agents: `if
        self.learn_stamp >= self.n_step: result = self.learn()`, the update guarded by a step counter; its
        reset changed, and even a changed threshold, read as reaching nothing the training does)."""
        node = v.node
        value = node.value if isinstance(node, ast.Expr | ast.Assign | ast.AnnAssign) else None
        if not isinstance(value, ast.Call):
            return []
        callee = self.resolve(value, v.fn)
        if callee is None or callee.is_module or callee is v.fn:
            return []
        return [w for f in self.dispatched(callee) for w in self.units(f)]

    def _into_callees(self, v: Unit, names: frozenset[str], closures: list[Unit] | None = None, depth: int = 0
                      ) -> list[Unit]:
        """Units of resolved callees that read a parameter bound to an argument using `names`; the units of
        the functions nested in a callee that read such a parameter go to `closures` when given."""
        out: list[Unit] = []
        for call in v.calls:
            memo = self._reads
            out.extend(self._into_method_of(v, call, names))
            out.extend(self._into_combined(v, call, names))
            bound = [i for i, a in enumerate(call.args) if _uses(a, names, memo) or _fields_of(a, names)]
            kw = {k.arg for k in call.keywords if k.arg and (_uses(k.value, names, memo) or _fields_of(k.value, names))}
            spread = any(k.arg is None and _uses(k.value, names, memo) for k in call.keywords)
            if not bound and not kw and not spread:
                continue
            bound_to = self.bound_callee(call, v.fn)
            if bound_to is None:
                continue
            callee, params = bound_to
            wanted = {params[i] for i in bound if i < len(params)} | kw
            if any(k.arg is None and _uses(k.value, names, memo) for k in call.keywords) or any(
                    isinstance(a, ast.Starred) and _uses(a, names, memo) for a in call.args):
                wanted |= set(params)  # `Trainer(**kwargs)`: which parameter gets the value is not known
            fielded = _fields_handed(call, params, names) if wanted else {}
            whole = wanted - set(fielded)
            for f in self.dispatched(callee):
                for w in self.units(f):
                    if w.uses & whole:
                        out.append(w)
                        continue
                    hit = {p: fs for p, fs in fielded.items() if p in w.uses and reads_fields(w, p, fs)}
                    if hit and depth < MAX_HANDED and all(self._handed_only(w, p) for p in hit):
                        # `make_policy(env, args)` inside: on to its readers of the field, not its result
                        out.extend(self._into_callees(w, frozenset(f"{p}.{x}" for p, fs in hit.items() for x in fs),
                                                      depth=depth + 1))
                    elif hit:
                        out.append(w)
            if closures is not None:
                closures.extend(w for d in wanted for w in self._nested_uses(callee).get(d, ())
                                if d not in fielded or reads_fields(w, d, fielded[d]))
        return out

    def _handed_only(self, w: Unit, name: str) -> bool:
        """`name` appears in `w` only as a bare argument of calls to project functions (`policy =
        make_policy(env, args)`): what a field of it carries goes where those callees read the field."""
        handed: set[int] = set()
        for call in w.calls:
            args = [*call.args, *(k.value for k in call.keywords)]
            mine = [a for a in args if isinstance(a, ast.Name) and a.id == name]
            if mine:
                if self.bound_callee(call, w.fn) is None:
                    return False
                handed.update(id(a) for a in mine)
        return bool(handed) and all(id(n) in handed for part in w.parts for n in ast.walk(part)
                                    if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load))

    def _nested_uses(self, fn: FunctionInfo) -> dict[str, list[Unit]]:
        """Name -> the units of the functions nested in `fn` that read `fn`'s own name (a parameter or local
        of `fn` none of them, nor a function between, binds again): closures run what `fn` holds. Real shape
        (cleanrl's `ppo_atari_envpool_xla_jax_scan.py`): `update_ppo(agent_state, storage, key)` reads
        `storage` only in its nested, scanned `update_epoch`; a free name bound by the enclosing function is
        not the module's global of that name (`enclosing_names`), so without this edge the returns of
        `compute_gae` reached no loss."""
        key = self._memo.pin(fn)
        found = self._nested.get(key)
        if found is not None:
            return found
        index: dict[str, list[Unit]] = {}
        if not fn.is_module and fn.local_names:
            prefix = fn.qualname + "."
            outside = enclosing_names(fn) | fn.local_names  # what `fn` and the functions around it bind
            for other in fn.module.functions.values():
                if not other.qualname.startswith(prefix) or other.class_name != fn.class_name:
                    continue
                rebound = other.local_names | (enclosing_names(other) - outside)
                for w in self.units(other):
                    for name in (w.uses & fn.local_names) - rebound:
                        index.setdefault(name, []).append(w)
        self._nested[key] = index
        return index

    def _into_combined(self, v: Unit, call: ast.Call, names: frozenset[str]) -> list[Unit]:
        """Units of the functions a JAX combinator calls (`jax.lax.scan(f, init, xs)`: `f(carry, x)`) that
        read a parameter bound to an operand using `names` (`flow/combinators.py`)."""
        out: list[Unit] = []
        memo = self._reads
        for inv in invocations(call, v.fn):
            positions = {i for i, op in inv.positional if _uses(op, names, memo)}
            keywords = {k for k, op in inv.keywords if _uses(op, names, memo)}
            if not positions and not keywords:
                continue
            callee = self.resolve(ast.Call(func=inv.function, args=[], keywords=[]), v.fn)
            if callee is None and isinstance(inv.function, ast.Attribute):
                callee = self.registered(inv.function.attr)
            if callee is None or callee.is_module or not isinstance(callee.node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            params = [a.arg for a in [*callee.node.args.posonlyargs, *callee.node.args.args]]
            if params and params[0] in ("self", "cls") and isinstance(inv.function, ast.Attribute):
                params = params[1:]
            wanted = {params[i] for i in positions if i < len(params)} | keywords
            out.extend(w for w in self.units(callee) if w.uses & wanted)
        return out

    def registered(self, attr: str) -> FunctionInfo | None:
        """The project function that product code stores into an attribute `attr` of some object
        (`trainer.store.epoch_update_fn = model_update_epoch`), when it is the only one: what a
        combinator handed `<obj>.attr` runs. Real shape: Mava's components register their update
        functions in `trainer.store`, and the trainer scans `trainer.store.epoch_update_fn`."""
        if attr in self._registered:
            return self._registered[attr]
        pattern = re.compile(rf"\.{re.escape(attr)}\s*=\s*([A-Za-z_]\w*)\s*$", re.MULTILINE)
        found: dict[int, FunctionInfo] = {}
        for path, text in self.side.texts().items():
            if not path.endswith(PY_SUFFIXES) or f".{attr}" not in text or out_of_scope_kind(path) in TEST_KINDS:
                continue
            module = self.side.module(path)
            if module is None:
                continue
            for m in pattern.finditer(text):
                where = enclosing_function(module, text.count("\n", 0, m.start()) + 1)
                named = ast.Call(func=ast.Name(id=m.group(1), ctx=ast.Load()), args=[], keywords=[])
                target = self.resolve(named, where) if where is not None else None
                if target is not None and not target.is_module:
                    found[id(target)] = target
        self._registered[attr] = next(iter(found.values())) if len(found) == 1 else None
        return self._registered[attr]

    def _into_method_of(self, v: Unit, call: ast.Call, names: frozenset[str]) -> list[Unit]:
        """`agent.clip_param = v` then `agent.update(...)`: the units of the method that read `self.clip_param`
        (a field set from outside, read by the object's own method)."""
        func = call.func
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)) or func.value.id == "self":
            return []
        prefix = func.value.id + "."
        wanted = {"self." + d[len(prefix):] for d in names if d.startswith(prefix)}
        if not wanted:
            return []
        resolved = self.resolver.resolve(call, v.fn)
        callees = [resolved] if resolved is not None else self._local_object_methods(v.fn, func.value.id, func.attr)
        return [w for callee in callees if not callee.is_module and callee.class_name
                for w in self.units(callee) if w.uses & wanted]

    def _local_object_methods(self, fn: FunctionInfo, name: str, method: str) -> list[FunctionInfo]:
        """`method` of each project class a local is built from in `fn` (`agent = algo.PPO(...)` in one
        branch, `agent = algo.A2C_ACKTR(...)` in another; then `agent.update(...)`): any of them may run."""
        found: dict[int, FunctionInfo] = {}
        for n in ast.walk(fn.node):
            if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) \
                    and n.targets[0].id == name and isinstance(n.value, ast.Call):
                written = dotted(n.value.func) or ""
                callee = self.resolver.class_method(fn.module, written, method) \
                    if last_name(written)[:1].isupper() else None
                if callee is not None:
                    found[id(callee)] = callee
        return list(found.values())

    def callers(self, fn: FunctionInfo) -> list[Unit]:
        """Statements that call `fn` (by name; a class's `__init__` through the class name)."""
        key = self._memo.pin(fn)
        if key in self._callers:
            return self._callers[key]
        self._callers[key] = []
        if fn.is_module:
            return []
        name = fn.name
        arity = _arity(fn)
        if name in ITER_PROTOCOL and fn.class_name:
            # what a dataset yields is what its objects carry: `DataLoader(SequenceDataset(...))`
            name, arity = fn.class_name.rsplit(".", 1)[-1], (0, None)
        elif name == "__init__" and fn.class_name:
            name = fn.class_name.rsplit(".", 1)[-1]
        elif name.startswith("__") and name.endswith("__"):
            return []  # `forward`-like implicit calls are dispatch the text does not show
        out: list[Unit] = []
        in_scope = out_of_scope_kind(fn.path) not in TEST_KINDS
        for path, line in _own_module_kept(self.side.references(name), fn, self._ancestor_paths(fn)):
            if not path.endswith(PY_SUFFIXES) or (in_scope and out_of_scope_kind(path) in TEST_KINDS):
                continue  # a test that calls product code is not where training uses its value
            module = self.side.module(path)
            if module is None:
                continue
            caller = enclosing_function(module, line)
            if caller is None:
                continue
            for u in self.units(caller):
                if not u.line <= line <= u.end_line:
                    continue
                if isinstance(u.node, ast.Expr) and isinstance(u.node.value, ast.Call) \
                        and last_name(call_name(u.node.value)) == name:
                    continue  # the returned value is discarded (`self.model.train()` is not our `train`)
                calls = [c for c in u.calls if last_name(call_name(c)) == name and not self._other_owner(c, fn)
                         and not self._calls_another(c, fn, caller)]
                if any(_fits(c, arity) for c in calls) or (not calls and _passed_on(u, name, fn, caller)
                                                            and not self._names_another(name, fn, caller)) \
                        or (not calls and self._method_passed_on(u, name, fn, caller)):
                    out.append(u)  # a call that fits the signature, or the function passed on as a value
        if not out and in_scope:  # looked up by name: `getattr(module, name_from_config)(...)` (flow/byname.py)
            out = by_name_callers(fn, self.side, self.units, _class_methods)
        self._callers[key] = out
        return out

    def _ancestor_paths(self, fn: FunctionInfo) -> frozenset[str]:
        """The modules that define a base class of `fn`'s class (by name): a base's method calling `self.<name>()`
        runs the override, and the mentions there are kept past the `MAX_CALLERS` cut (`_own_module_kept`). Real
        shape: verifiers 0305d0a8..39f0675a: `MultiTurnEnv.rollout` had "no caller" while `Environment`
        (verifiers/envs/environment.py) calls `self.rollout(...)`: the first 40 mentions of `rollout` were the
        repository's environments and tests."""
        if not fn.class_name:
            return frozenset()
        ancestors = self._ancestors(fn.class_name.rsplit(".", 1)[-1])
        if not ancestors:
            return frozenset()
        key = tuple(sorted(ancestors))
        found = self._memo.ancestor_paths.get(key)
        if found is None:
            header = re.compile(r"^\s*class\s+(" + "|".join(re.escape(a) for a in sorted(ancestors)) + r")\b", re.MULTILINE)
            # a text naming none of the bases cannot match: not searched (most texts of a large range)
            found = frozenset(path for path, text in self.side.texts().items()
                              if path.endswith(PY_SUFFIXES) and any(a in text for a in ancestors)
                              and header.search(text) is not None)
            self._memo.ancestor_paths[key] = found
        return found

    def _method_passed_on(self, u: Unit, name: str, fn: FunctionInfo, caller: FunctionInfo) -> bool:
        """The method `fn` handed as a value, `self.<name>`, in an argument of a call at `u` (`maybe_await(
        self.env_response, rollout, state)`, `executor.submit(self.step, ...)`), where `self.<name>()` at the
        same place would call `fn` (`_calls_another`: the caller's class is `fn`'s, a subclass or a base of
        it): the helper runs it, and what it returns comes back through that call. Real shape: verifiers
        0305d0a8..39f0675a verifiers/envs/tool_env.py:73 `ToolEnv.env_response` (dict tool calls now parsed)
        was "no caller found": `MultiTurnEnv.rollout` runs it as `await maybe_await(self.env_response, ...)`."""
        if not fn.class_name or not caller.class_name:
            return False
        for call in u.calls:
            for arg in [*call.args, *(k.value for k in call.keywords)]:
                if isinstance(arg, ast.Attribute) and arg.attr == name and isinstance(arg.value, ast.Name) \
                        and arg.value.id == "self" and not self._calls_another(
                            ast.Call(func=arg, args=[], keywords=[]), fn, caller):
                    return True
        return False

    def _names_another(self, name: str, fn: FunctionInfo, caller: FunctionInfo) -> bool:
        """A function passed on by name (`jax.lax.scan(_env_step, ...)`) that resolves, in the caller's
        scope, to another function than `fn`: each of a repository's JAX scripts nests its own `_env_step`,
        and one script's scan is not where another's returns go."""
        target = self.resolve(ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=[], keywords=[]), caller)
        return target is not None and target is not fn

    def _calls_another(self, call: ast.Call, fn: FunctionInfo, caller: FunctionInfo) -> bool:
        """The call resolves, by its receiver, to another function than `fn`. `self.m()` in class C
        calls `fn` of class F only when C is F, inherits from F, or is a base of F (a base method
        dispatching to the override): d3rlpy's `BCBaseImpl.inner_update` calling
        `self.compute_loss` is not where `DiscreteCQLImpl.compute_loss` returns to. A bare `m()`
        calls the module's own `m` or the one it imports: a single-file script's `train()` is not
        another script's `train`."""
        func = call.func
        if isinstance(func, ast.Name) or (isinstance(func, ast.Attribute) and attribute_receiver(func.value, caller)):
            # `self.storage.compute_returns(...)` calls the method of the class `self.storage` holds
            target = self.resolver.resolve(call, caller)
            if isinstance(func, ast.Name) or target is not None:
                return target is not None and target is not fn
        if super_method(func):
            # `super().m()` in class C runs a base's `m`: never C's own, a sibling's or a subclass's
            if not fn.class_name or not caller.class_name:
                return True
            return fn.class_name.rsplit(".", 1)[-1] not in self._ancestors(caller.class_name.rsplit(".", 1)[-1])
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"):
            return False
        if not fn.class_name or not caller.class_name:
            return not fn.class_name and bool(caller.class_name)
        own = fn.class_name.rsplit(".", 1)[-1]
        there = caller.class_name.rsplit(".", 1)[-1]
        if own != there and there in self._ancestors(own) and self._overrides_caller(fn, caller):
            return True
        return own != there and own not in self._ancestors(there) and there not in self._ancestors(own)

    def _overrides_caller(self, fn: FunctionInfo, caller: FunctionInfo) -> bool:
        """A base method dispatching `self.m()` to `fn`, an override in a subclass, never runs on the
        subclass's objects when the subclass overrides that base method too without calling it
        through `super()`. Real shape: d3rlpy's `DQNImpl.update` calls `self.compute_loss`, and
        `DiscreteCQLImpl` overrides both `compute_loss` and `update`: only its own `update` reads
        its `compute_loss`."""
        for other in fn.module.functions.values():
            if other.class_name == fn.class_name and other.name == caller.name and other is not fn:
                return not any(isinstance(n, ast.Attribute) and n.attr == caller.name and super_method(n)
                               for n in ast.walk(other.node))
        return False

    def _other_owner(self, call: ast.Call, fn: FunctionInfo) -> bool:
        """The call's receiver is named after another class that defines the method: a reward
        scaler's `reverse_transform` is not what `self._action_scaler.reverse_transform(a)` calls
        when an `ActionScaler` class defines it too (real shape: d3rlpy). Names, not types: a
        receiver whose words match no class, or match `fn`'s, keeps the call."""
        if not fn.class_name or not isinstance(call.func, ast.Attribute):
            return False
        receiver = _words(last_name(dotted(call.func.value) or ""))
        if not receiver or receiver <= _words(fn.class_name.rsplit(".", 1)[-1]):
            return False
        owners = {f.class_name.rsplit(".", 1)[-1] for f in self.side.find_defs(fn.name) if f.class_name}
        named = {o for o in owners if receiver <= _words(o)}
        # a receiver named after a base class (`explorer.sample` with `NormalNoise(Explorer)`) is polymorphic
        return bool(named) and not named & self._ancestors(fn.class_name.rsplit(".", 1)[-1])

    def library_loss_hook(self, u: Unit) -> bool:
        """`u` returns the value of a public method named like a loss (`compute_loss`) of a class derived,
        through project bases or not, from a library class: a hook the library's training step calls and
        differentiates (`transformers.Trainer.training_step` does `loss = self.compute_loss(...)` then
        `accelerator.backward(loss)`), so what it returns is the loss though no project code backpropagates it.
        Real shape (trl GRPO, held-out 7 `trl-grpo-logits-temperature`): `logits = logits / self.temperature`
        removed from `_get_per_token_logps`, whose log-probs `compute_loss` turns into the returned loss; the
        only project caller of `compute_loss` is `prediction_step` (evaluation), so the change was filed as
        reaching only logging and the run had no finding. `torch.nn.Module` and plain bases are no such library
        class (nothing calls a module's `compute_loss` for the project)."""
        fn = u.fn
        if RETURN not in u.defs or not fn.class_name or fn.name.startswith("_") or not LOSS_NAME.search(fn.name):
            return False
        cls = fn.class_name.rsplit(".", 1)[-1]
        return any(b not in NO_HOOK_BASES and not self._defines_class(b) for b in self._ancestors(cls))

    def _defines_class(self, name: str) -> bool:
        """Whether some project module has a `class <name>` header (cached per name)."""
        found = self._memo.defined_classes.get(name)
        if found is None:
            header = re.compile(rf"^\s*class\s+{re.escape(name)}\b", re.MULTILINE)
            found = self._memo.defined_classes[name] = any(
                path.endswith(PY_SUFFIXES) and name in text and header.search(text) is not None
                for path, text in self.side.texts().items())
        return found

    def _ancestors(self, cls: str, depth: int = 6) -> set[str]:
        """Base class names of `cls`, transitively (by name, through every module's class headers)."""
        if cls not in self._bases:
            found: set[str] = set()
            work = [cls]
            for _ in range(depth):
                nxt = [b for c in work for b in self._class_bases(c) if b not in found]
                found.update(nxt)
                work = nxt
            self._bases[cls] = found
        return self._bases[cls]

    def _class_bases(self, cls: str) -> list[str]:
        """The base names in the headers of every class named `cls` (all modules; cached per name:
        `_ancestors` asks for `ABC` or `Agent` hundreds of times on a large range)."""
        found = self._header_bases.get(cls)
        if found is None:
            found = self._header_bases[cls] = self._class_bases_uncached(cls)
        return found

    def _class_bases_uncached(self, cls: str) -> list[str]:
        header = re.compile(rf"^\s*class\s+{re.escape(cls)}\s*\(([^)]*)\)", re.MULTILINE)
        out: list[str] = []
        for path, text in self.side.texts().items():
            if path.endswith(PY_SUFFIXES) and cls in text:
                for m in header.finditer(text):
                    out.extend(w.rsplit(".", 1)[-1].strip() for w in _unsubscripted(m.group(1)).split(",") if "=" not in w)
        return [b for b in out if b.isidentifier()]

    def _writes(self, fn: FunctionInfo) -> dict[int, set[str]]:
        key = self._memo.pin(fn)
        if key not in self._state_writes:
            # through parameters only: `self.x` already flows to the methods of its class that read it
            self._state_writes[key] = writes_by_statement(fn, include_self=False)
        return self._state_writes[key]

    def _state_readers(self, fn: FunctionInfo, attrs: frozenset[str]) -> list[Unit]:
        """Statements of the loss-computing functions of `fn`'s module that read one of `attrs`:
        `evaluate(data)` storing into `data.experience` reaches `train(data)` reading it."""
        key = (fn.path, attrs)
        if key not in self._state_reads:
            out: list[Unit] = []
            for other in loss_functions(fn):
                for w in self.units(other):
                    if any(isinstance(n, ast.Attribute) and n.attr in attrs and isinstance(n.ctx, ast.Load)
                           for part in w.parts for n in ast.walk(part)):
                        out.append(w)
            self._state_reads[key] = out
        return self._state_reads[key]

    def _uses_in_class(self, fn: FunctionInfo) -> dict[str, list[Unit]]:
        """`self.x` -> the units reading it in the methods of `fn`'s class and of the classes of its
        module related to it by inheritance (a base class's `play_steps` fills an attribute its
        subclass's `train` reads)."""
        key = (fn.path, fn.class_name or "")
        if key not in self._class_uses:
            family = class_family(fn)
            index: dict[str, list[Unit]] = {}
            for other in fn.module.functions.values():
                if other.class_name in family:
                    for w in self.units(other):
                        for name in w.uses:
                            if name.startswith("self."):
                                index.setdefault(name, []).append(w)
            self._class_uses[key] = index
        return self._class_uses[key]

    def _field_readers(self, body: FunctionInfo, attr: str) -> list[Unit]:
        """Statements reading `<obj>.attr` (not `self`) in the class's module and the modules that name
        the class: where a configuration object's field is used (`range(config.num_epochs)`)."""
        cls = (body.class_name or "").rsplit(".", 1)[-1]
        key = (body.path, f"<fields of {cls}>")
        if key not in self._class_uses:
            paths = {body.path} | {p for p, _ in self.side.references(cls)[:MAX_CALLERS] if p.endswith(PY_SUFFIXES)}
            index: dict[str, list[Unit]] = {}
            for path in sorted(paths):
                module = self.side.module(path)
                if module is None or (path != body.path and _defines_class(module.tree, cls)):
                    continue  # its own `TrainConfig`: CORL's scripts each declare one, read by their own loop
                for other in module.functions.values():
                    for w in self.units(other):
                        for name in _object_attrs(w):
                            index.setdefault(name, []).append(w)
            self._class_uses[key] = index
        return self._class_uses[key].get(attr, [])

    def _self_uses_in_module(self, fn: FunctionInfo) -> dict[str, list[Unit]]:
        """`self.x` -> the units of every method of `fn`'s module that read it."""
        key = (fn.path, "<module classes>")
        if key not in self._class_uses:
            index: dict[str, list[Unit]] = {}
            for other in fn.module.functions.values():
                if other.class_name:
                    for w in self.units(other):
                        for name in w.uses:
                            if name.startswith("self."):
                                index.setdefault(name, []).append(w)
            self._class_uses[key] = index
        return self._class_uses[key]

    def _uses_of_globals(self, fn: FunctionInfo) -> dict[str, list[Unit]]:
        if fn.path not in self._global_uses:
            index: dict[str, list[Unit]] = {}
            for other in fn.module.functions.values():
                if other.is_module:
                    continue
                local = other.local_names | enclosing_names(other)
                for w in self.units(other):
                    for name in w.uses - local:
                        index.setdefault(name, []).append(w)
            self._global_uses[fn.path] = index
        return self._global_uses[fn.path]

    # -- where the flow stops ----------------------------------------------------------------------
    def stops_of(self, units: list[Unit]) -> list[str]:
        """Why the flow from these units could not be followed further (calls it cannot read)."""
        out: list[str] = []
        for u in units:
            for call in u.calls:
                why = self.stop_reason(call, u.fn)
                if why and why not in out:
                    out.append(why)
            if RETURN in u.defs and not self.callers(u.fn) and not u.fn.is_module:
                out.append(f"no caller of `{u.fn.qualname}` found in the {self.side.side} tree")
        for u in units if len(out) < 4 else ():  # then, where room is left, objects of an unknown class
            for call in u.calls:
                why = self.attribute_stop(call, u.fn)
                if why and why not in out:
                    out.append(why)
        return out[:4]

    def attribute_stop(self, call: ast.Call, fn: FunctionInfo) -> str | None:
        """Why `self.<attr>.m(...)` (or `st.m(...)` with `st = self.<attr>`) is not followed, when the
        project defines some `m`: the class's code does not say which class the attribute holds, or
        names a class the repository does not define (detectors/attrs.py)."""
        func = call.func
        if not isinstance(func, ast.Attribute) or not fn.class_name:
            return None
        attr = attribute_receiver(func.value, fn)
        if not attr or not self.side.def_paths(func.attr) or self.resolver.resolve(call, fn) is not None:
            return None
        known = attribute_class(fn, attr)
        owner = fn.class_name.rsplit(".", 1)[-1]
        if known is None:
            why = f"`{owner}`'s code never assigns it"
        elif not known.written:
            why = known.why
        else:
            why = f"`{known.written}` is not a class of this repository that defines `{func.attr}`"
        return f"`{call_name(call)}(...)`: the class of `self.{attr}` is not known from `{owner}`'s code ({why})"

    def stop_reason(self, call: ast.Call, fn: FunctionInfo) -> str | None:
        name = call_name(call)
        if not name or name.startswith("super()") or self.resolve(call, fn) is not None:
            return None
        head = name.split(".")[0]
        imported = fn.module.imports.get(head if "." in name else name)
        if imported and self._is_native(imported if "." not in name else imported + "." + name.split(".", 1)[1]):
            return f"`{name}(...)` is in a compiled extension (C/Cython/CUDA): not readable here"
        if isinstance(call.func, ast.Attribute) and head not in fn.module.imports and head != "self" \
                and self.side.find_defs(last_name(name)):
            return f"`{name}(...)`: method of an object whose class is not known statically (dynamic dispatch)"
        return None

    def _is_native(self, dotted_name: str) -> bool:
        if self._native is None:
            self._native = set()
            for p in self.side.tree.paths():
                if p.endswith(NATIVE_SUFFIXES):
                    stem = p.rsplit(".", 1)[0].replace("/", ".")
                    self._native.add(stem)
        parts = dotted_name.lstrip(".").split(".")
        for k in range(len(parts), 0, -1):
            mod = ".".join(parts[:k])
            if any(s == mod or s.endswith("." + mod) for s in self._native):
                return True
        return False


def enclosing_definition(fn: FunctionInfo, name: str) -> FunctionInfo | None:
    """A function `name` defined in `fn` or in a function enclosing it (Python's scoping; a class body is no
    enclosing scope for its methods' names)."""
    module = fn.module
    scope = fn.qualname
    while scope and scope in module.functions:
        found = module.functions.get(f"{scope}.{name}")
        if found is not None and found.class_name is None:
            return found
        scope = scope.rpartition(".")[0]
    return None


def _carried_across_calls(u: Unit, data: frozenset[str]) -> frozenset[str]:
    """The instance attributes `u` stores that outlive the call: the method's statements above the store
    read them on its next call (rlkit's `self._n_train_steps_total += 1` at the end of `train_from_torch`
    and `if self._n_train_steps_total % self.target_update_period == 0:` above it, guarding the target
    update). `__init__` runs once per object: nothing above its stores reads them again."""
    if u.fn.name == "__init__" or u.fn.is_module or not u.fn.class_name:
        return frozenset()
    return frozenset(d for d in data if d.startswith("self."))


def _class_methods(fn: FunctionInfo) -> list[FunctionInfo]:
    """The functions of `fn`'s class (`fn` itself when it is not a method)."""
    if not fn.class_name:
        return [fn]
    return [other for other in fn.module.functions.values() if other.class_name == fn.class_name]


def enclosing_names(fn: FunctionInfo) -> frozenset[str]:
    """The names the functions enclosing a nested function bind (parameters, locals): a free name of
    `sweep.main` that `sweep` binds is `sweep`'s, not the module's global. Real shape: PufferLib's
    `def sweep(args, ...): def main(): ... train(args, ...)` was a reader of the module-level `args`,
    so every store into the script's `args.<field>` "reached the optimizer" through the sweep's training
    run. Class bodies enclose nothing (a method's free name is a global)."""
    parts = fn.qualname.split(".")
    out: frozenset[str] = frozenset()
    for k in range(1, len(parts)):
        outer = fn.module.functions.get(".".join(parts[:k]))
        if outer is not None and isinstance(outer.node, ast.FunctionDef | ast.AsyncFunctionDef):
            out |= outer.local_names
    return out


def _base_constructor_call(node: ast.stmt) -> bool:
    """`super().__init__(...)` or `Base.__init__(self, ...)` with arguments besides `self`: the statement hands values
    to the base class's constructor."""
    if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
        return False
    call = node.value
    if not isinstance(call.func, ast.Attribute) or call.func.attr != "__init__":
        return False
    receiver = call.func.value
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Name) and receiver.func.id == "super":
        return bool(call.args or call.keywords)
    return len(call.args) > 1 or bool(call.keywords)


def _stores_into_argument(u: Unit) -> bool:
    """The unit stores into, or calls a method on, an object a parameter holds (`buffer.add(obs, r)`,
    `data.rewards[i] = r`): the value leaves with that object to code the flow does not see."""
    node = u.fn.node
    if u.fn.is_module or not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    params = {a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]} - {"self", "cls"}
    stmt = u.node
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, ast.AugAssign | ast.AnnAssign):
        targets = [stmt.target]
    elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute):
        targets = [stmt.value.func]
    return any(isinstance(t, ast.Attribute | ast.Subscript) and _root_name(t) in params for t in targets)


def _returns_implicitly(fn: FunctionInfo) -> bool:
    """A function whose callers the text does not show: `__call__`, `forward`, `__getitem__`, a
    property (skrl's running scaler normalises in `__call__`): its value goes where the flow cannot see."""
    name = fn.name
    if (name.startswith("__") and name.endswith("__") and name != "__init__") or name == "forward":
        return True
    node = fn.node
    decorators = node.decorator_list if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else []
    return any(last_name(dotted(d)) in ("property", "cached_property", "getter") for d in decorators)


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _defines_class(tree: ast.Module, name: str) -> bool:
    return any(isinstance(n, ast.ClassDef) and n.name == name for n in tree.body)


def _object_attrs(u: Unit) -> set[str]:
    """Attributes the unit reads from an object other than `self` (`config.lr`, `args.env.name`)."""
    out: set[str] = set()
    for part in u.parts:
        for n in ast.walk(part):
            if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load) and not (
                    isinstance(n.value, ast.Name) and n.value.id in ("self", "cls")):
                out.add(n.attr)
    return out


def _object_holders(u: Unit, attr: str) -> list[ast.expr]:
    """The objects the unit reads `attr` off (`self.config` of `self.config.max_moves`), other than `self`."""
    return [n.value for part in u.parts for n in ast.walk(part)
            if isinstance(n, ast.Attribute) and n.attr == attr and isinstance(n.ctx, ast.Load)
            and not (isinstance(n.value, ast.Name) and n.value.id in ("self", "cls"))]


CONFIG_HOLDER = frozenset({"config", "configs", "cfg", "conf", "args", "arguments", "params", "hparams", "hp",
                           "hyperparameters", "settings", "opt", "opts", "options"})


def _config_holder(holder: ast.expr, family: set[str]) -> bool:
    """The object is named as a configuration (`config`, `self.cfg`, `args`, `game_config`, `atari_config`,
    `self.train_args`): its last name has a configuration word, or is a class of the family in snake case."""
    last = holder.attr if isinstance(holder, ast.Attribute) else holder.id if isinstance(holder, ast.Name) else ""
    words = set(last.lower().strip("_").split("_"))
    snakes = {re.sub(r"(?<!^)(?=[A-Z])", "_", c).lower() for c in family if c}
    return bool(words & CONFIG_HOLDER) or last.lower().strip("_") in snakes


def _fields_handed(call: ast.Call, params: list[str], names: frozenset[str]) -> dict[str, frozenset[str]]:
    """Parameter -> the fields of it the value is in, for an argument that is a bare name whose fields only
    carry the value (`args.exp_name = ...` then `train(args)`: `train` sees the value where it reads
    `args.exp_name`, or uses `args` whole, not where it reads `args.wandb`). Real shape: PufferLib
    9aa817f7..d4d17e69 demo.py:233, the removed `args.exp_name = args.wandb.id` (read by the wandb set-up only)
    placed on the optimizer path through `train`'s `clean_pufferl.create(..., wandb=args.wandb)`."""
    out: dict[str, frozenset[str]] = {}
    handed = [(params[i], a) for i, a in enumerate(call.args) if i < len(params)]
    handed += [(k.arg, k.value) for k in call.keywords if k.arg]
    for param, arg in handed:
        fields = _fields_of(arg, names)
        if fields:
            out[param] = fields
    return out


def _fields_of(arg: ast.expr, names: frozenset[str]) -> frozenset[str]:
    """The fields of a bare-name argument (`args`) that carry the value (`args.exp_name` among `names`), when
    the name itself does not (`args` not among them); empty otherwise."""
    if not isinstance(arg, ast.Name) or arg.id in names or arg.id in ("self", "cls"):
        return frozenset()
    prefix = arg.id + "."
    return frozenset(d[len(prefix):].split(".", 1)[0] for d in names if d.startswith(prefix))


def _foreign_stores(node: ast.stmt) -> set[str]:
    """Attributes stored into an object held in a local (`state.x = v`, not `self.x`): its class is not
    known statically, so the value goes to whichever class of the module reads `self.x`."""
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    else:
        return set()
    return {t.attr for t in targets if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
            and t.value.id not in ("self", "cls")}
def class_family(fn: FunctionInfo) -> set[str | None]:
    """The qualified names of `fn`'s class and of the classes of its module that inherit from it or
    that it inherits from, directly or not (by simple base name, inside the module only)."""
    bases: dict[str, set[str]] = {}
    for node in ast.walk(fn.module.tree):
        if isinstance(node, ast.ClassDef):
            bases.setdefault(node.name, set()).update(last_name(class_base(b) or "") for b in node.bases)
    family = {(fn.class_name or "").rsplit(".", 1)[-1]}
    grew = True
    while grew:  # a subclass of a member, or a base of a member, is a member
        related = {n for n, parents in bases.items() if parents & family}
        related |= {p for member in family for p in bases.get(member, set()) if p in bases}
        grew = not related <= family
        family |= related
    return {fn.class_name} | {other.class_name for other in fn.module.functions.values()
                              if other.class_name and other.class_name.rsplit(".", 1)[-1] in family}


TYPE_CHECKS = frozenset({"isinstance", "hasattr", "callable"})


def _type_guarded(u: Unit, units: list[Unit]) -> bool:
    """The `continue` is under an `if` that tests an item's type (`if isinstance(value, zarr.Group): continue`):
    it skips items the rest of the body could not process (it would have raised on them), not values the body
    computed before. Real shape: diffusion_policy 27395b75..5ba07ac6 diffusion_policy/common/replay_buffer.py:161,
    `ReplayBuffer.copy_from_store` now skips zarr groups before `value.shape` (held-out 16: a robustness guard
    raised to significant once a `continue` reached the rest of its loop)."""
    guard = next((w for w in reversed(units[:u.index]) if u.index in w.controls and isinstance(w.node, ast.If)), None)
    if guard is None:
        return False
    assert isinstance(guard.node, ast.If)
    test = guard.node.test
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    tests = test.values if isinstance(test, ast.BoolOp) else [test]
    return all(isinstance(t, ast.Call) and isinstance(t.func, ast.Name) and t.func.id in TYPE_CHECKS for t in tests)


def _by_role(u: Unit, off: str | None, reported: bool) -> tuple[str | None, bool]:
    """(the quiet place the state gives the value by its role, whether the search stops there). In code off the
    flow by its role (`off` from `LearningFlow.off_path_context`: evaluation, validation, summaries, dumps) what is
    computed or called is its own: a sink there is that code's, and only a return to a caller outside it goes on
    (`_kept_off_path`). A statement storing into an object held for evaluation (`eval_callback =
    EvalCallback(create_env(1), ...)`) hands the value to the evaluation."""
    if off is not None:
        return off, u.sink in REAL_SINKS or u.sink == "logging"
    if _holds_for_evaluation(u):
        return "evaluation", True
    if reported or _sets_logging(u):
        return "logging", True
    return None, False


# keys of a returned dict that training may read back: priorities for a replay buffer, carried model state
FED_BACK_KEY = re.compile(r"priorit|td_err|state|carry|hidden|param|mask|weight|target|grad|rng|key", re.IGNORECASE)
MAX_REPORTED_DEPTH = 8


def _in_metrics_dict(node: ast.Return, name: str) -> bool:
    """`return loss, {"v_mean": v.mean(), ...}`: `name` is read only among the values of a dict literal after
    the loss (the first position reads a name with `loss` in it), under string keys training does not read back
    (`FED_BACK_KEY`). Not an environment step's `return obs, reward, done, {"bonus": bonus}`, whose info dict the
    training loop may read."""
    value = node.value
    if not (isinstance(value, ast.Tuple) and len(value.elts) > 1
            and any("loss" in n.lower() for n in _names_of(value.elts[0]))):
        return False
    found = False
    for k, elt in enumerate(value.elts):
        if name not in _names_of(elt):
            continue
        if k == 0 or not isinstance(elt, ast.Dict):
            return False
        for key, item in zip(elt.keys, elt.values, strict=True):
            if name not in _names_of(item):
                continue
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)) or FED_BACK_KEY.search(key.value):
                return False
            found = True
    return found


def _holds_for_evaluation(u: Unit) -> bool:
    """Every name the statement defines is an object held for evaluation (`eval_env`, `self._eval_env`,
    `eval_callback`: `flow.evaluation.holds_for_evaluation`). Real shapes: rl-baselines-zoo v1.5..v1.6 train.py:292
    `eval_callback = EvalCallback(create_env(1, eval_env=True), ...)` (filed as "Environment/worker count
    computation changed" and "Normalisation wrapper added"); omnisafe 89717ba9..15603dd7
    omnisafe/adapter/online_adapter.py:132 `self._eval_env = AutoReset(self._eval_env, ...)`."""
    names = {d for d in u.defs if d != RETURN}
    return bool(names) and all(holds_for_evaluation(d) for d in names)


def _sets_logging(u: Unit) -> bool:
    """Every name the statement defines is a logging setting (`LOG_LEVEL`, `verbosity`:
    `flow.evaluation.names_log_setting`): what it holds decides what is logged."""
    names = {d for d in u.defs if d != RETURN}
    return bool(names) and all(names_log_setting(d) for d in names)


def _escapes(u: Unit) -> bool:
    """The value is stored into an object the caller passed in, or returned implicitly through it."""
    return u.sink != "logging" and (_stores_into_argument(u) or (RETURN in u.defs and _returns_implicitly(u.fn)))


def _sink_choice(here: Placement, u: Unit, ctx: tuple[Unit, ...], parent: dict[tuple, tuple | None], masking: bool,
                 held: bool) -> str:
    """"stop" at this sink, "hold" it (a mask or weight first met at a sampler as the data it returns: kept
    while the search goes on to a loss it multiplies) or "skip" it (past such a sampler, a sink that is not
    that loss)."""
    if held:
        return "stop" if u.sink == "loss" and _multiplies(here.chain) else "skip"
    return "hold" if masking and u.sink == "sampling" and _returned_into(u, ctx, parent) else "stop"


def _returned_into(u: Unit, ctx: tuple[Unit, ...], parent: dict[tuple, tuple | None]) -> bool:
    """`u` was reached from a `return` of another function: the value is what the call in `u` returns
    (`train_data = replay_buffer.sample(batch_size)` receiving the batch), not what it is called with."""
    came = parent.get(_key(u, ctx))
    return came is not None and RETURN in came[0].defs and came[0].fn is not u.fn


def _multiplies(chain: list[Unit]) -> bool:
    """Some statement of the chain multiplies by the value the previous one defined (`loss * mask_batch[:, k]`):
    the value masks or weights a term on its way to the loss."""
    for prev, cur in zip(chain, chain[1:], strict=False):
        names = {d.rsplit(".", 1)[-1] for d in prev.defs}
        for sub in ast.walk(cur.node):
            if isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Mult) \
                    and (_names_of(sub.left) | _names_of(sub.right)) & names:
                return True
    return False


def _unpacks(node: ast.AST, name: str, size: int) -> bool:
    """`a, b, c = name` with `size` plain targets."""
    return isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple | ast.List) \
        and len(node.targets[0].elts) == size and all(isinstance(t, ast.Name) for t in node.targets[0].elts) \
        and isinstance(node.value, ast.Name) and node.value.id == name


def _within(c: tuple[Unit, ...], ctx: tuple[Unit, ...], fn: FunctionInfo) -> bool:
    """`c` is the context of a call made by a statement of `fn` from the state's context `ctx`, or a way back
    to one of `ctx`'s call sites (`LearningFlow._kept_off_path`)."""
    if len(c) == len(ctx) + 1:
        return c[-1].fn is fn and all(a is b for a, b in zip(c, ctx, strict=False))
    return len(c) < len(ctx) and all(a is b for a, b in zip(c, ctx, strict=False))


def _key(u: Unit, ctx: tuple[Unit, ...]) -> tuple[int, ...]:
    return (id(u), *(id(c) for c in ctx))


CONTAINER_FILLS = frozenset({"update", "append", "extend", "insert", "setdefault", "pop", "add", "clear", "remove"})


def _fills_container(node: ast.stmt) -> bool:
    """A store into an item or attribute (`config[key] = v`, `cfg.lr = v`) or a container's filling method
    (`config.update(delta)`, `out.append(x)`): what a helper does to a dict or list it is handed. A method
    call on an object (`optimizer.zero_grad()`) is that object's business, not a value handed back."""
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(isinstance(t, ast.Subscript | ast.Attribute) for t in targets)
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) \
        and isinstance(node.value.func, ast.Attribute) and node.value.func.attr in CONTAINER_FILLS


def _own_module_kept(refs: list[tuple[str, int]], fn: FunctionInfo, also: frozenset[str] = frozenset()
                     ) -> list[tuple[str, int]]:
    """The first `MAX_CALLERS` mentions of `fn`'s name (file order), then those of `fn`'s own module the cut
    left out: a name is resolved in its own scope first, and a common name (`move`, `step`, `update`) has more
    mentions across a repository than `MAX_CALLERS` reads. Real shape (jumanji 1f38fe66..ea23c441): PacMan's
    nested `ghost_move.move`, passed to `jax.vmap(move, ...)` in pac_man/utils.py:156, was the 131st mention of
    `move` (game_2048, rubiks_cube and sokoban come first in file order), so "no caller of `ghost_move.move`
    found" filed the ghost collision fix (`invert_mask * jnp.inf` -> `jnp.where`) as no effect. The order of
    the mentions read before is kept (which sink a search meets first depends on it)."""
    head = refs[:MAX_CALLERS]
    return head + [ref for ref in refs[MAX_CALLERS:] if ref[0] == fn.path or ref[0] in also]


def _own_module_first(refs: list[tuple[str, int]], fn: FunctionInfo) -> list[tuple[str, int]]:
    """The mentions of `fn`'s name with those in `fn`'s own module first, then the rest (file order)."""
    return sorted(refs, key=lambda ref: ref[0] != fn.path)


def _passed_on(u: Unit, name: str, fn: FunctionInfo, caller: FunctionInfo) -> bool:
    """`fn` used as a value at `u` (`apply(fn)`): a bare name that is not a local of the caller. A
    method is never a bare name, and a local `delta = r + gamma * v` is not the property `delta`."""
    return not fn.class_name and name in u.uses and name not in caller.local_names


TEST_KINDS = ("test", "documentation")
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _words(name: str) -> frozenset[str]:
    """`_action_scaler` and `MinMaxActionScaler` -> lower-case words ({action, scaler} is a subset
    of {min, max, action, scaler})."""
    return frozenset(w.lower() for w in _WORD.findall(name))


_SUBSCRIPT = re.compile(r"\[[^\[\]]*\]")


def _unsubscripted(bases: str) -> str:
    """A class header's base list without type arguments: `QLearningAlgoBase[AWACImpl, AWACConfig]` is
    the base `QLearningAlgoBase` (d3rlpy v2's generic algorithm bases; split at `,` inside the brackets,
    no base was found, so `self.inner_update(...)` in the base's `update` was no caller of any override)."""
    while True:
        stripped = _SUBSCRIPT.sub("", bases)
        if stripped == bases:
            return bases
        bases = stripped


def _arity(fn: FunctionInfo) -> tuple[int, int | None]:
    """(required, maximum) positional arguments of a function as called (None: no maximum)."""
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return 0, None
    params = [a.arg for a in [*node.args.posonlyargs, *node.args.args]]
    if params and params[0] in ("self", "cls") and fn.class_name:
        params = params[1:]
    required = max(0, len(params) - len(node.args.defaults))
    return required, None if node.args.vararg else len(params)


def _fits(call: ast.Call, arity: tuple[int, int | None]) -> bool:
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return True
    given = len(call.args) + len(call.keywords)
    required, most = arity
    return given >= required and (most is None or len(call.args) <= most)


def _uses(expr: ast.AST, names: frozenset[str], memo: dict[int, tuple[ast.AST, frozenset[str]]]) -> bool:
    """Whether `expr` reads one of `names` (a plain name, or `self.x`). What an expression reads is
    collected once per expression in `memo` (a call's arguments are asked about again for every value
    that reaches the call); the node is kept with its entry, so an id is never reused while cached."""
    hit = memo.get(id(expr))
    if hit is None or hit[0] is not expr:
        read: set[str] = set()
        for sub in ast.walk(expr):
            if isinstance(sub, ast.Name):
                read.add(sub.id)
            elif isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id == "self":
                read.add(f"self.{sub.attr}")
        hit = memo[id(expr)] = (expr, frozenset(read))
    return not hit[1].isdisjoint(names)


# the locals a caller unpacks a returned tuple's side positions into: episode information (`obs, reward, done, info =
# env.step(a)`) or the statistics an update step returns beside its loss (`loss, this_step_rl_metrics = rl_step(...)`,
# `loss, stats = compute_loss(...)`): what goes on from there is what reads those locals (an adaptive KL controller
# reading `stats["kl"]` is followed), not the loss in the other position. Real shape: PipelineRL 67654d79..a77dbd72
# pipelinerl/finetune/rl/__init__.py:368, `rl_step`'s new `approx_kl_new_old` metric, read only by the `stats` dict
# returned as `final_loss, stats`, reached `backward(loss)` through the caller's unpacking: "the loss path"
INFO_NAME = re.compile(r"^(infos?|.*_infos?|metrics|.*_metrics|stats|.*_stats|statistics|.*_statistics)$")


def _appends_only(node: ast.AST, name: str) -> bool:
    """`name = []` or `name.append(<tuple>)`: a statement that only starts or fills the list `name`."""
    if isinstance(node, ast.Assign):
        return len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and node.targets[0].id == name \
            and isinstance(node.value, ast.List) and not node.value.elts
    call = node.value if isinstance(node, ast.Expr) else None
    return isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "append" \
        and isinstance(call.func.value, ast.Name) and call.func.value.id == name and len(call.args) == 1 \
        and isinstance(call.args[0], ast.Tuple) and name not in {n.id for n in ast.walk(call.args[0]) if isinstance(n, ast.Name)}


def _names_of(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _handed(pack: Shape | None, v: Unit, vctx: tuple[Unit, ...]) -> Shape | None:
    """The packed tuple's shape as `v` sees it: entered into a function a JAX combinator calls with it
    (`jax.lax.scan(_update_epoch, update_state, ...)`, the call site last in `vctx`), read by position there."""
    if pack is None or pack[3] is None or v.fn is pack[3]:
        return pack
    site = vctx[-1] if vctx else None
    return (*pack[:3], None) if site is not None and any(invocations(c, site.fn) for c in site.calls) else pack


def _remember(key: tuple, info: tuple[list, frozenset[str]] | None, pack: Shape | None,
              via: dict[tuple, frozenset[str]], shapes: dict[tuple, Shape]) -> None:
    """A successor state first reached: the names it carries (positions of a tuple) and the packed tuple's shape."""
    if info is not None:
        via[key] = info[1]
    if pack is not None:
        shapes[key] = pack


# a packed tuple (`_packed`): its size, the positions carrying the value, its name, and the function whose own
# unpackings of it are read by position (None past a JAX combinator: the scanned function's parameter)
Shape = tuple[int, frozenset[int], str, FunctionInfo | None]


def _packed(u: Unit, carried: frozenset[str]) -> Shape | None:
    """`state = (params, opt_state, traj_batch, key)` carrying the value in some positions only: the tuple's
    size, those positions and its name. An unpacking of the same size (`params, opt_state, traj_batch, key =
    state`, also as the parameter of a scanned function handed `state`) binds the value to the names at those
    positions alone. Real shape (Stoix's recurrent PPO, held-out 4): a stored done flag in `traj_batch`, packed
    into the update state beside the PRNG key, reached the key's split (the sampling path) before the GAE."""
    node = u.node
    if not (carried and isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Tuple)) or any(isinstance(e, ast.Starred) for e in node.value.elts):
        return None
    positions = frozenset(k for k, e in enumerate(node.value.elts) if _names_of(e) & carried)
    if not positions or len(positions) == len(node.value.elts):
        return None
    return len(node.value.elts), positions, node.targets[0].id, u.fn


def _unpacked_names(u: Unit, shape: Shape) -> frozenset[str] | None:
    """The names an unpacking of a packed tuple (`_packed`) binds at the packed value's positions: `u`
    unpacks the packed name in the packing function, or a parameter of the function a JAX combinator hands
    the tuple to, into as many plain names; None for any other statement. A tuple handed to another call stays
    whole (as before): its callee's callers are then followed by name, which a cap on references cuts short
    (Stoix's `apply_fns` read by `get_learner_fn`, whose nested `_env_step` is one of dozens)."""
    size, positions, name, home = shape
    if home is not None and u.fn is not home:
        return None
    node = u.node
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.value, ast.Name)
            and _unpacks(node, node.value.id, size)):
        return None
    fn_node = u.fn.node
    params = {a.arg for a in [*fn_node.args.posonlyargs, *fn_node.args.args]} \
        if isinstance(fn_node, ast.FunctionDef | ast.AsyncFunctionDef) else set()
    if node.value.id != name and node.value.id not in params:
        return None
    target = node.targets[0]
    assert isinstance(target, ast.Tuple | ast.List)
    return frozenset(e.id for k, e in enumerate(target.elts) if k in positions and isinstance(e, ast.Name))


def _scan_output_target(w: Unit, step: FunctionInfo) -> str | None:
    """`ys` of `carry, ys = jax.lax.scan(step, ...)` at `w` (`lax.scan`, `scan` imported from `jax.lax`), the
    scanned function named as `step`; None for any other statement."""
    node = w.node
    if not (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Tuple | ast.List)
            and len(node.targets[0].elts) == 2 and isinstance(node.value, ast.Call)):
        return None
    ys = node.targets[0].elts[1]
    if not isinstance(ys, ast.Name):
        return None
    called = [inv.function for inv in invocations(node.value, w.fn)]
    if last_name(call_name(node.value)) != "scan" or len(called) != 1 or not isinstance(called[0], ast.Name) \
            or called[0].id != step.name:
        return None
    return ys.id


def _info_targets(w: Unit, positions: list[int], size: int) -> set[str] | None:
    """The info-named locals a caller unpacks the returned tuple's `positions` into, or None when it
    does not unpack a tuple of that size there into such names."""
    node = w.node
    if not isinstance(node, ast.Assign) or len(node.targets) != 1 or not isinstance(node.targets[0], ast.Tuple | ast.List):
        return None
    elts = node.targets[0].elts
    if len(elts) != size:
        return None
    out: set[str] = set()
    for k in positions:
        e = elts[k]
        if not (isinstance(e, ast.Name) and INFO_NAME.match(e.id)):
            return None
        out.add(e.id)
    return out
