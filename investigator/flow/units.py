"""Statement units of one function with what they define and read: the nodes of the data flow.

A *unit* is a simple statement, or the header of a compound one (`if` test, `for` target and
iterable, `while` test, `with` items): the smallest piece a diff can change and a value can pass
through. Names are as precise as a static read allows: `x` for locals and globals, `self.attr`
for instance attributes (so a value stored in `__init__` reaches the method that reads it), the
root name for stores into `x[i]` / `x.attr` (a weak update), and the receiver of a mutating
method call (`optimizer.step()` defines `optimizer`; `np.random.shuffle(idx)` defines `idx`).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from investigator.detectors.attrs import self_aliases
from investigator.detectors.functions import FunctionInfo
from investigator.detectors.roles import role
from investigator.flow.classbody import body_statements, field_statement, is_class_body
from investigator.flow.typeonly import DIRECTORY_CALLS
from investigator.pyast import call_name, default_values, dotted, last_name, method_name, receiver
from investigator.trainstep import differentiated, sink_of_call

RETURN = "<return>"
# calls whose first argument is changed in place
IN_PLACE_ARG = {"shuffle", "fill_", "copy_", "zero_", "clamp_", "orthogonal_", "constant_", "normal_", "uniform_",
                "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "setattr"}
LOG_CALLS = {"print", "pprint", "add_scalar", "add_scalars", "add_histogram", "add_text", "add_image", "add_video",
             "add_figure", "log", "log_dict", "log_metrics", "info", "debug", "warning", "warn", "error",
             "exception", "set_description", "set_postfix", "set_postfix_str", "dump_tabular", "record_tabular",
             "log_tabular", "record", "flush", "save_video", "write_scalars"}
LOG_RECEIVER = re.compile(r"writer|logger|logging|wandb|(^|[._])tb($|[._])|tensorboard|summary|pbar|tqdm|console|"
                          r"mlflow|neptune|comet|(^|[._])log($|[._])", re.IGNORECASE)
# a method of a logger object named like what loggers do (`logger.add_metric(name, v)`, `writer.write_row`)
LOG_VERB = re.compile(r"^(add|log|record|write|dump|push|report|track|commit)(_|$)|metric|scalar", re.IGNORECASE)
# a `print` method of any object writes text for people to read and changes nothing training reads
# (accelerate's `self.accelerator.print(...)`, Lightning's `fabric.print`, rich's `console.print`). Real shape:
# AgentGym bf4340f5..5ca3c3b8, trainers renamed and `self.accelerator.print("[SFT Trainer] Start training.")`
# relabelled "[BC Trainer]": the call read as a change of `self.accelerator`, which `self.accelerator.backward(loss)`
# reads, and was filed "Behavioural change in the loss path" (significant)
PRINT_METHODS = frozenset({"print", "pprint"})
# calls that write model parameters without an optimizer (besides in-place ops on `p.data`)
PARAM_WRITES = {"vector_to_parameters"}
# a method that writes its object out (a checkpoint, a pretrained model): it reads the object, changes none of it
# (trlx's `self.accelerator.save_state(dst_dir)` made the checkpoint directory "reach" `self.accelerator.backward(loss)`)
WRITE_OUT = re.compile(r"^(save|dump|export)($|_)|_(save|dump|export)$", re.IGNORECASE)
LOG_MODULES = {"wandb", "logging", "tensorboard", "tensorboardX", "mlflow", "neptune", "comet_ml", "loguru", "swanlab"}
LOG_HANDLE = re.compile(r"^(SummaryWriter|FileWriter|getLogger|Logger|\w+Logger)$")
# a project function named for making a logging handle (`args.wandb = init_wandb(args, name, id=args.exp_id)`,
# `self.writer = make_writer(log_dir)`): what it makes only logs, wherever it is handed. Real shape: PufferLib
# 9aa817f7..d4d17e69, demo.py's `train` gained `if args.track: args.wandb = init_wandb(...)` (moved in from the
# module, its `id=` renamed), and `create(config, vecenv, policy, wandb=args.wandb)` carried it to the trainer's
# optimizer: "Behavioural change in the optimizer path"
LOG_HANDLE_MAKER = re.compile(r"^(init|make|setup|set_up|create|get|build|start|new|open)_?(wandb|w_and_b|logger|"
                              r"writer|summary_writer|tb_writer|tensorboard|tb|mlflow|neptune|comet|swanlab)s?$|"
                              r"^(wandb|logger|writer)_(init|setup|start)$", re.IGNORECASE)
SAMPLING_CALLS = {"sample", "rsample", "shuffle", "permutation", "randperm", "multinomial", "sample_batch",
                  "random_split", "choice"}
OPTIMIZER_CTOR = re.compile(r"(^|\.)(optim\.|lr_scheduler\.)|Optimizer$|^(Adam|AdamW|SGD|RMSprop|Adagrad|LBFGS|"
                            r"LambdaLR|StepLR|MultiStepLR|ExponentialLR|CosineAnnealing\w*|OneCycleLR|LinearLR)$")
ENV_RECEIVER = re.compile(r"env|sim|game|world", re.IGNORECASE)
ENV_CTOR = re.compile(r"(^|\.)(make|make_vec|make_env|make_vec_env|vector\.\w+|\w*VecEnv|\w*VectorEnv|\w*Wrapper)$")
SAMPLING_NAME = re.compile(r"(^|_)(inds|indices|idx|idxs|perm|permutation|batch_ids|minibatch_ids)($|_)", re.IGNORECASE)
MINIBATCH_LOOP = re.compile(r"mini_?batch|sampler|batch_generator|\.batches\b|num_batches", re.IGNORECASE)
LAYER_CTOR = re.compile(r"(^|\.)nn\.[A-Z]\w*$")  # nn.Linear, torch.nn.ELU, nn.MSELoss
BOOTSTRAP_NAME = re.compile(r"bootstrap", re.IGNORECASE)
DEVICE_NAME = re.compile(r"(^|_)(device|devices|gpu|gpus|gpu_ids|cuda|dev)($|_)", re.IGNORECASE)
ROLE_LABEL = {"advantages": "advantage", "returns": "target", "rewards": "reward", "loss": "loss",
              "entropy": "loss", "ratio": "loss", "logprob": "loss", "kl": "loss", "new_values": "loss"}


@dataclass(eq=False)
class Unit:
    fn: FunctionInfo
    index: int
    node: ast.stmt  # the statement (a compound statement stands for its header)
    parts: list[ast.AST]  # the nodes this unit evaluates (header expressions, or the statement)
    defs: frozenset[str]
    uses: frozenset[str]
    calls: list[ast.Call]
    loops: tuple[int, ...]  # indexes of the enclosing loop headers
    controls: list[int] = field(default_factory=list)  # units executed under this header
    sink: str | None = None  # loss | optimizer | environment | sampling | logging (a terminal of the flow)
    own: str | None = None  # the flow place this unit is, from its own content (None: from downstream)
    default: bool = False  # a parameter's default value (`alpha=2.5`), read as `alpha = 2.5` on entry

    @property
    def line(self) -> int:
        return getattr(self.node, "lineno", self.fn.lineno)

    @property
    def end_line(self) -> int:
        if self.header:
            first = self.parts[-1] if self.parts else self.node
            return getattr(first, "end_lineno", None) or self.line
        return getattr(self.node, "end_lineno", None) or self.line

    @property
    def header(self) -> bool:
        return isinstance(self.node, ast.If | ast.For | ast.AsyncFor | ast.While | ast.With | ast.AsyncWith | ast.Match
                          | ast.Try)

    def text(self, limit: int = 100) -> str:
        from investigator.pyast import unparse

        if isinstance(self.node, ast.If):
            return f"if {unparse(self.node.test, limit)}:"
        if isinstance(self.node, ast.While):
            return f"while {unparse(self.node.test, limit)}:"
        if isinstance(self.node, ast.For | ast.AsyncFor):
            return f"for {unparse(self.node.target, 40)} in {unparse(self.node.iter, limit)}:"
        if isinstance(self.node, ast.With | ast.AsyncWith):
            return "with " + ", ".join(unparse(i.context_expr, 60) for i in self.node.items) + ":"
        return unparse(self.node, limit)


def units_of(fn: FunctionInfo) -> list[Unit]:
    """Every unit of a function body in source order (nested definitions are their own functions)."""
    out: list[Unit] = []
    for stmt in parameter_defaults(fn):
        unit = _unit(fn, len(out), stmt, None, ())
        unit.default = True
        out.append(unit)
    if is_class_body(fn):  # fields: attributes of the class's objects (`config.num_epochs`, `self.alpha`)
        assert isinstance(fn.node, ast.ClassDef)
        fields = [(field_statement(s), s) for s in body_statements(fn.node, fn.module.tree)]
        compared = {id(f): s for f, s in fields}
        _collect(fn, [f for f, _ in fields], (), out)
        for u in out:
            u.defs = frozenset(f"self.{d}" for d in u.defs)
            u.node = compared.get(id(u.node), u.node)  # shown as written, compared by its coerced kind
    else:
        _collect(fn, fn.body, (), out)
        _through_aliases(fn, out)
        _through_loop_items(out)
    imports = set(fn.module.imports)
    envs = _env_aliases(out)
    losses = not fn.is_module and fn.name in differentiated(fn.module.tree)
    for u in out:
        u.own, u.sink = _place(u, imports, envs)
        if losses and RETURN in u.defs and u.sink is None:
            u.own, u.sink = u.own or "loss", "loss"  # what a function handed to `jax.grad` returns is the loss it differentiates
    return out


def _through_aliases(fn: FunctionInfo, units: list[Unit]) -> None:
    """A store or a mutating call through a local alias of an instance attribute (`st.returns[t] = r`
    with `st = self.storage`) writes that attribute's object: the unit defines `self.storage` too, so
    the value reaches the methods that read `self.storage` (rsl_rl's GAE written through `st`)."""
    aliases = self_aliases(fn)
    if not aliases:
        return
    for u in units:
        binding = isinstance(u.node, ast.Assign) and len(u.node.targets) == 1 \
            and isinstance(u.node.targets[0], ast.Name) and u.node.targets[0].id in aliases
        written = {f"self.{aliases[d]}" for d in u.defs if d in aliases}
        if written and not binding:
            u.defs = u.defs | written


def _through_loop_items(units: list[Unit]) -> None:
    """A store or a mutating call through the target of a loop over a literal tuple or list of local names
    (`for ds in (train_dataset, eval_dataset): ds.meta.stats[key] = ...`) writes each of those objects: the unit
    defines them too, so the value goes on with them (to `return train_dataset, eval_dataset`). Real shape: lerobot
    59ab2862..e6f95674 src/lerobot/datasets/factory.py:258, `make_train_eval_datasets` stores the ImageNet stats
    into both datasets' `meta.stats` through the loop target `ds`. A rebinding of the target (`ds = ...`) is
    not a write into the items."""
    for loop in units:
        node = loop.node
        if not isinstance(node, ast.For):
            continue
        for target, items in _looped_items(node):
            for u in units:
                if loop.index not in u.loops or target not in u.defs or _rebinds(u.node, target):
                    continue
                u.defs = u.defs | items


def _looped_items(node: ast.For) -> list[tuple[str, frozenset[str]]]:
    """(loop target, the local names whose items it is) for a loop whose target is an item of named objects: a
    literal tuple or list of local names (`for ds in (train_dataset, eval_dataset)`), or a local container
    walked item by item (`for entry in dataset`, `for i, entry in enumerate(dataset)`, `for k, entry in
    zip(keys, dataset)`, `for entry in batch.values()`): a store through the target writes into that container's
    items. Real shape of the second: PipelineRL 67654d79..a77dbd72 pipelinerl/finetune/rl/__init__.py:517,
    `populate_rl_data` writes the leave-one-out advantages back with `for i, entry in enumerate(dataset):
    entry["advantages"] = advantages_list[i]` and returns `dataset`; the advantage change was "no statement
    that uses its value was found", low (#16)."""
    it, target = node.iter, node.target
    if isinstance(target, ast.Name) and isinstance(it, ast.Tuple | ast.List) and it.elts \
            and all(isinstance(e, ast.Name) for e in it.elts):
        return [(target.id, frozenset(e.id for e in it.elts if isinstance(e, ast.Name)))]
    call = it if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and not it.keywords else None
    name = call.func.id if call is not None and isinstance(call.func, ast.Name) else None
    pairs: list[tuple[ast.expr, ast.expr]]
    if call is not None and name == "enumerate" and len(call.args) == 1 and isinstance(target, ast.Tuple) \
            and len(target.elts) == 2:
        pairs = [(target.elts[1], call.args[0])]
    elif call is not None and name == "zip" and isinstance(target, ast.Tuple) and len(target.elts) == len(call.args):
        pairs = list(zip(target.elts, call.args, strict=True))
    elif isinstance(it, ast.Call) and isinstance(it.func, ast.Attribute) and it.func.attr == "values" \
            and not it.args and not it.keywords:
        pairs = [(target, it.func.value)]
    else:
        pairs = [(target, it)]
    return [(t.id, frozenset({source.id})) for t, source in pairs
            if isinstance(t, ast.Name) and isinstance(source, ast.Name)]


def _rebinds(node: ast.stmt, name: str) -> bool:
    """The statement binds `name` itself (an assignment or a loop target), not through an attribute or item."""
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor):
        targets = [node.target]
    elif isinstance(node, ast.With | ast.AsyncWith):
        targets = [i.optional_vars for i in node.items if i.optional_vars is not None]
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store)
               for t in targets for n in ast.walk(t))


def parameter_defaults(fn: FunctionInfo) -> list[ast.stmt]:
    """`def __init__(self, alpha: float = 2.5)` -> `alpha = 2.5` at the default's position: what a
    caller that does not pass the argument gets (a hyperparameter default is configuration)."""
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return []
    out: list[ast.stmt] = []
    for name, default in default_values(node).items():
        stmt = ast.Assign(targets=[ast.Name(id=name, ctx=ast.Store())], value=default)
        out.append(ast.copy_location(stmt, default))
    return out


def _env_aliases(units: list[Unit]) -> frozenset[str]:
    """Local names bound to an environment taken from an env-named collection: `for i, e in
    enumerate(self.envs)` or `e = self.envs[i]` make `e.step(actions)` an environment step."""
    out: set[str] = set()
    for u in units:
        node = u.node
        if isinstance(node, ast.For | ast.AsyncFor):
            source, targets = node.iter, [node.target]
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Subscript | ast.Attribute | ast.Name):
            source, targets = node.value, list(node.targets)
        else:
            continue
        if ENV_RECEIVER.search(ast.unparse(source)):
            out.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return frozenset(out)


def _collect(fn: FunctionInfo, body: list[ast.stmt], loops: tuple[int, ...], out: list[Unit]) -> list[int]:
    made: list[int] = []
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str):
            continue  # a docstring or a bare string
        if isinstance(stmt, ast.With) and graph_context(stmt):
            made.extend(_collect(fn, stmt.body, loops, out))  # flow/units.py `graph_context`: its body, as written
            continue
        if keras_function_builder(stmt) or default_graph_store(stmt):
            continue
        parts = _header_parts(stmt)
        unit = _unit(fn, len(out), stmt, parts, loops)
        out.append(unit)
        made.append(unit.index)
        inner_loops = (*loops, unit.index) if isinstance(stmt, ast.For | ast.AsyncFor | ast.While) else loops
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, name, None)
            if inner and parts is not None:
                made_inner = _collect(fn, inner, inner_loops, out)
                if name == "orelse" and isinstance(stmt, ast.If):
                    made_inner = _dependent_arms(stmt.test, made_inner, out)
                unit.controls.extend(made_inner)
        for handler in getattr(stmt, "handlers", []) or []:
            unit.controls.extend(_collect(fn, handler.body, inner_loops, out))
        for case in getattr(stmt, "cases", []) or []:
            unit.controls.extend(_collect(fn, case.body, inner_loops, out))
        if unit.controls and isinstance(stmt, ast.With | ast.AsyncWith | ast.Try):
            made.extend(unit.controls)  # a `with`/`try` does not decide whether its body runs
            unit.controls = []
    return made


GRAPH_OWNER = re.compile(r"graph", re.IGNORECASE)
KERAS_BUILDERS = {"_make_predict_function", "_make_train_function", "_make_test_function"}


def graph_context(stmt: ast.stmt) -> bool:
    """`with self.graph.as_default():` (every item a TensorFlow 1 graph's `as_default()`, bound to no name): it
    picks the graph the body's operations are added to, not what they compute, so its body is read as
    statements of the enclosing block. Real shape (precision held-out 17, alpha-zero-general f0f1106b..1db83a7f,
    gobang/keras/NNet.py:54): the tf.keras 2 port unwrapped `with self.graph.as_default():
    self.nnet.model._make_predict_function(); pi, v = self.nnet.model.predict(board)` and dropped `self.graph =
    tf.get_default_graph()` from `__init__`: "Behavioural change in the sampling path: `NNetWrapper.predict`" and
    "... architecture path: `NNetWrapper.__init__`" (significant, #2 and #5). A session's `as_default()` (which
    values `.eval()` reads) is not one: only an owner named as a graph."""
    if not isinstance(stmt, ast.With) or not stmt.items:
        return False
    for item in stmt.items:
        call = item.context_expr
        if item.optional_vars is not None or not isinstance(call, ast.Call) or call.args or call.keywords \
                or not isinstance(call.func, ast.Attribute) or call.func.attr != "as_default":
            return False
        owner = call.func.value
        if not GRAPH_OWNER.search(call_name(owner) if isinstance(owner, ast.Call) else dotted(owner) or ""):
            return False
    return True


def keras_function_builder(stmt: ast.stmt) -> bool:
    """`model._make_predict_function()` (Keras 2.2's private builder of the function `predict` builds lazily on
    first use; gone from tf.keras 2): a bare call that computes no value of the run (alpha-zero-general, above)."""
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and not stmt.value.args \
        and not stmt.value.keywords and isinstance(stmt.value.func, ast.Attribute) \
        and stmt.value.func.attr in KERAS_BUILDERS


def default_graph_store(stmt: ast.stmt) -> bool:
    """`self.graph = tf.get_default_graph()` (also `tf.compat.v1.`): a handle on the graph operations are added to,
    kept for `graph_context`; removing it changes no value (a later read of the attribute fails loudly). Real shape:
    alpha-zero-general gobang/keras/NNet.py:30 (above), filed as "part of the network `NNetWrapper`" once the
    `with` that read it was gone."""
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.value, ast.Call) \
        and not stmt.value.args and not stmt.value.keywords \
        and last_name(call_name(stmt.value)) == "get_default_graph"


def _dependent_arms(test: ast.expr, made: list[int], out: list[Unit]) -> list[int]:
    """The units of an `if`'s `else` that run or not depending on its test. In a dispatch chain on one
    subject (`if mode == 'train': ... elif mode == 'sweep': ...`) an `elif` arm testing the subject
    against another constant runs by its own test alone: when the first test held, it could not have
    held either. Those arms are skipped (their `else` is walked on); the first arm that is not such a
    test, or a plain `else`, stays controlled. Real shape: PufferLib's `--mode` dispatch gained an
    `elif args.mode == 'evaluate':` arm above `elif args.mode == 'sweep': sweep(...)`, and the new header
    was reported as an optimizer-path change through the sweep's training run."""
    first = _equalities(test)
    if not first:
        return made
    made_by: dict[int, int] | None = None
    while len(made) == 1 and isinstance(out[made[0]].node, ast.If):
        arm = out[made[0]].node
        tested = _equalities(arm.test)  # type: ignore[attr-defined]
        if not any(s == subject and c != value for s, c in tested for subject, value in first):
            break
        if made_by is None:  # the arm's own controls may have been narrowed already: find its `else` by node
            made_by = {id(u.node): u.index for u in out}
        made = [made_by[id(n)] for n in arm.orelse if id(n) in made_by]  # type: ignore[attr-defined]
    return made


def _equalities(test: ast.expr) -> list[tuple[str, object]]:
    """(subject, constant) of each `subject == constant` the test implies (itself, or a conjunct of an
    `and`), the subject a plain name or attribute chain (evaluated again, it is the same value)."""
    conjuncts = test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]
    out: list[tuple[str, object]] = []
    for c in conjuncts:
        if not (isinstance(c, ast.Compare) and len(c.ops) == 1 and isinstance(c.ops[0], ast.Eq)):
            continue
        left, right = c.left, c.comparators[0]
        if isinstance(left, ast.Constant):
            left, right = right, left
        if isinstance(right, ast.Constant) and _plain_chain(left):
            out.append((ast.dump(left), right.value))
    return out


def _plain_chain(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _header_parts(stmt: ast.stmt) -> list[ast.AST] | None:
    """The expressions a compound statement evaluates itself; None for a simple statement."""
    if isinstance(stmt, ast.If | ast.While):
        return [stmt.test]
    if isinstance(stmt, ast.For | ast.AsyncFor):
        return [stmt.iter, stmt.target]
    if isinstance(stmt, ast.With | ast.AsyncWith):
        return [n for item in stmt.items for n in (item.context_expr, item.optional_vars) if n is not None]
    if isinstance(stmt, ast.Match):
        return [stmt.subject]
    if isinstance(stmt, ast.Try):
        return []
    return None


def _unit(fn: FunctionInfo, index: int, stmt: ast.stmt, parts: list[ast.AST] | None, loops: tuple[int, ...]) -> Unit:
    nodes: list[ast.AST] = [stmt] if parts is None else parts
    bases = _store_bases(stmt) if parts is None else set()
    defs, uses, calls = _names(nodes, bases)
    if isinstance(stmt, ast.AugAssign):
        uses |= defs
    if isinstance(stmt, ast.Return | ast.Expr) and isinstance(getattr(stmt, "value", None), ast.Yield | ast.YieldFrom):
        defs.add(RETURN)
    if isinstance(stmt, ast.Return) and stmt.value is not None:
        defs.add(RETURN)
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        defs |= _mutated(stmt.value, set(fn.module.imports))
    return Unit(fn, index, stmt, nodes, frozenset(defs), frozenset(uses), calls, loops)


def _names(nodes: list[ast.AST], bases: set[int]) -> tuple[set[str], set[str], list[ast.Call]]:
    """The names (and `self.x` keys) the nodes define and use, and their calls; `bases` are the
    `_store_bases` of the statement, which are not uses."""
    defs: set[str] = set()
    uses: set[str] = set()
    calls: list[ast.Call] = []
    for top in nodes:
        for sub in ast.walk(top):
            if isinstance(sub, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            if isinstance(sub, ast.Call):
                calls.append(sub)
            if isinstance(sub, ast.Name):
                if isinstance(sub.ctx, ast.Store | ast.Del):
                    defs.add(sub.id)
                elif sub.id != "self" and id(sub) not in bases:
                    uses.add(sub.id)
            elif isinstance(sub, ast.Attribute):
                key = _self_attr(sub)
                if key is not None:
                    (defs if isinstance(sub.ctx, ast.Store | ast.Del) else uses).add(key)
                elif isinstance(sub.ctx, ast.Store | ast.Del):
                    defs |= _stored(sub)
            elif isinstance(sub, ast.Subscript) and isinstance(sub.ctx, ast.Store | ast.Del):
                defs |= _stored(sub)
    return defs, uses, calls


def _stored(target: ast.Attribute | ast.Subscript) -> set[str]:
    """What a store into an attribute or an element defines: the root object; `agent.clip_param = v` also
    the field, which a method called on `agent` reads as `self.clip_param`; `self.x[i] = v` the container
    `self.x` (as `self.x.append(v)` does, `_mutated`)."""
    if isinstance(target, ast.Subscript):
        container = target.value
        while isinstance(container, ast.Subscript):
            container = container.value
        key = _self_attr(container) if isinstance(container, ast.Attribute) else None
        root = key or _root(target)
        return {root} if root else set()
    root = _root(target)
    if not root:
        return set()
    return {root, f"{root}.{target.attr}"} if isinstance(target.value, ast.Name) else {root}


def _store_bases(stmt: ast.stmt) -> set[int]:
    """id() of the root names of `x.a = v` / `x[i] = v` targets: storing into `x` does not read it, so
    `state.label = "a"` does not flow into `state.actions = b` below it (indexes still count as reads)."""
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, ast.AnnAssign):
        targets = [stmt.target]
    else:
        return set()
    out: set[int] = set()
    for target in targets:
        for t in target.elts if isinstance(target, ast.Tuple | ast.List) else [target]:
            node = t.value if isinstance(t, ast.Starred) else t
            if not isinstance(node, ast.Attribute | ast.Subscript):
                continue
            while isinstance(node, ast.Attribute | ast.Subscript):
                node = node.value
            if isinstance(node, ast.Name):
                out.add(id(node))
    return out


def _self_attr(node: ast.Attribute) -> str | None:
    """`self.x` (also the head of `self.x.y`) as the key `self.x`."""
    chain = node
    while isinstance(chain.value, ast.Attribute):
        chain = chain.value
    if isinstance(chain.value, ast.Name) and chain.value.id == "self":
        return f"self.{chain.attr}"
    return None


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Starred):
        node = node.value
    if isinstance(node, ast.Name):
        return node.id
    return None


def _mutated(call: ast.Call, imports: set[str]) -> set[str]:
    """What an expression-statement call may change: its receiver (unless it is a module), the
    first argument of a known in-place function."""
    out: set[str] = set()
    name = call_name(call)
    if isinstance(call.func, ast.Attribute):
        recv = call.func.value
        key = _self_attr(recv) if isinstance(recv, ast.Attribute) else None
        root = key or _root(recv)
        if root and root not in imports and not _is_logger(call) and not WRITE_OUT.search(call.func.attr) \
                and call.func.attr not in DIRECTORY_CALLS:  # `logdir.mkdir()` makes a directory, not a new path
            out.add(root)
    if last_name(name) in IN_PLACE_ARG and call.args:
        arg = call.args[0]
        key = _self_attr(arg) if isinstance(arg, ast.Attribute) else None
        root = key or _root(arg)
        if root:
            out.add(root)
    return out


def _is_logger(call: ast.Call) -> bool:
    name = call_name(call)
    if isinstance(call.func, ast.Attribute) and LOG_VERB.search(call.func.attr) and not call.func.attr.endswith("_") \
            and LOG_RECEIVER.search(receiver(call)):
        return True  # d3rlpy's `logger.add_metric(name, val)`: the losses an update returns, logged
    return last_name(name) in LOG_CALLS and (not isinstance(call.func, ast.Attribute)
                                             or bool(LOG_RECEIVER.search(receiver(call)))
                                             or last_name(name) in PRINT_METHODS)


def is_logging_unit(unit: Unit) -> bool:
    """A statement whose only effect is a log/print/progress-bar call (its arguments may compute)."""
    node = unit.node
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and _is_logger(node.value)


def _logged_store(node: ast.stmt) -> bool:
    """`self.body.tb_tracker['policy_loss'] = policy_loss`: a value written into a key of a record the logger
    owns (a container named as a logger's: tensorboard, summary, writer) only logs, like a `writer.add_scalar`
    call. Real shape (SLM-Lab `SoftActorCritic.calc_*_loss`, held-out 4 `slm-gumbel-straight-through`, used):
    three such stores added in the range were each "Behavioural change in the sampling path" (the store reads
    as a change of `self.body`, which the exploration's `body.action_space.sample()` reads), significant, above
    the culprit."""
    if not isinstance(node, ast.Assign | ast.AugAssign):
        return False
    targets = _targets(node)
    return bool(targets) and all(isinstance(t, ast.Subscript) and LOG_RECEIVER.search(dotted(t.value) or "")
                                 for t in targets)


def _write_or_step(last: str, recv: str, envs: frozenset[str]) -> str | None:
    """Parameters written directly (a line search, a soft update: optimizer) or an environment stepped
    (by its name, or through a local taken from an env collection)."""
    if last in PARAM_WRITES or (last.endswith("_") and recv.endswith(".data")):
        return "optimizer"
    if last in {"step", "step_async", "step_wait", "reset"} and (ENV_RECEIVER.search(recv) or recv.split(".")[0] in envs):
        return "environment"
    return None


def _display(node: ast.Assign | ast.AugAssign) -> bool:
    """`handle.data = (x_data, y_data)`: a tuple, list, dict, set, string or number written to an attribute named
    `data` is some object's data field, never a tensor's storage (`p.data = ...` takes a tensor), so it writes no
    parameter. Real shape: mjlab ebfd43e2..0eda4e73 src/mjlab/viewer/viser_reward_plotter.py:125, a web viewer's
    `self._plot_handles[name].data = (x_data, y_data)`, made `ViserViewer.setup`'s body test "Behavioural change
    in the optimizer path", ranked first."""
    return isinstance(node, ast.Assign) and isinstance(node.value, ast.Tuple | ast.List | ast.Dict | ast.Set
                                                       | ast.Constant | ast.JoinedStr)


def _targets(node: ast.Assign | ast.AugAssign) -> list[ast.expr]:
    return list(node.targets) if isinstance(node, ast.Assign) else [node.target]


def _place(u: Unit, imports: set[str], envs: frozenset[str] = frozenset()) -> tuple[str | None, str | None]:
    """(own place, sink kind) from the unit's content."""
    if is_logging_unit(u) or _logged_store(u.node):
        return "logging", "logging"
    sink: str | None = None
    own: str | None = None
    for call in u.calls:
        name = call_name(call)
        last = method_name(call)
        recv = receiver(call)
        if (step := sink_of_call(call)) is not None:
            sink = sink or step
        elif (kind := _write_or_step(last, recv, envs)) is not None:
            sink = sink or kind
        elif last in SAMPLING_CALLS:
            sink = sink or "sampling"
        if OPTIMIZER_CTOR.search(name):
            own = own or "optimizer"
        elif ENV_CTOR.search(name) and (recv.split(".")[0] in imports or not recv or ENV_RECEIVER.search(name)):
            own = own or "environment"
        elif LAYER_CTOR.search(name):
            own = own or ("loss" if last.endswith("Loss") else "architecture")
    if isinstance(u.node, ast.For | ast.AsyncFor) and MINIBATCH_LOOP.search(ast.unparse(u.node.iter)):
        own = own or "sampling"  # the loop that draws minibatches
    if isinstance(u.node, ast.Assign | ast.AugAssign) and ("param_groups" in ast.unparse(u.node) or any(
            isinstance(t, ast.Attribute) and t.attr == "data" for t in _targets(u.node)) and not _display(u.node)):
        sink = sink or "optimizer"
    if _logging_handle(u):
        return "logging", "logging"
    # what the defined names say comes first: `loss = nn.MSELoss()(x, y)` is loss; in an unpacking the
    # names are positions, so they speak only when they agree (`obs, rewards, dones = env.step(a)` is
    # the environment step, not a reward computation)
    labels = [name_label(name.removeprefix("self.")) for name in sorted(u.defs - {RETURN})]
    if _unpacks(u.node):
        named = labels[0] if labels and len(set(labels)) == 1 else None
    else:
        named = next((label for label in labels if label), None)
    return named or _viewed_label(u.node) or own or sink, sink


def _viewed_label(node: ast.stmt) -> str | None:
    """The place of the buffer a statement keeps views of: `half = (buf.rewards[:h], buf.rewards[h:])`
    holds slices of `rewards`, so what is written through it lands in the rewards. Only when the whole
    value is views of one buffer (subscripts, alone or in a tuple): a computation on a slice is not a view.
    Real shape: rlpyt's alternating sampler halves of its shared samples buffer, written by a mixin's
    action server through the attribute (the flow follows names, not the aliased buffer)."""
    if not isinstance(node, ast.Assign):
        return None
    value = node.value
    parts = value.elts if isinstance(value, ast.Tuple | ast.List) else [value]
    bases = {dotted(p.value) for p in parts if isinstance(p, ast.Subscript)}
    if len(bases) != 1 or len(parts) != sum(isinstance(p, ast.Subscript) for p in parts):
        return None
    base = bases.pop()
    return name_label(base.rsplit(".", 1)[-1]) if base else None


def _unpacks(node: ast.stmt) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.For) else []
    return any(isinstance(t, ast.Tuple | ast.List) for t in targets)


def name_label(bare: str) -> str | None:
    if BOOTSTRAP_NAME.search(bare):
        return "target"  # the value a return or TD target bootstraps from (`bootstrap_value`, `bootstrapped_q`)
    r = role(bare)
    if r in ROLE_LABEL:
        return ROLE_LABEL[r]
    if DEVICE_NAME.search(bare):
        # before the sampling words: an index of a device (`curr_gpu_idx`, `device_ids`) picks where a worker runs,
        # not which samples are drawn. Real shape: coach ba20396f..2c60cb5a, `CoachLauncher.start_multi_process`
        # pins workers round-robin, `curr_gpu_idx = (curr_gpu_idx + 1) % len(CoachLauncher.gpus)`: "Behavioural
        # change in the sampling path"
        return "device"
    if SAMPLING_NAME.search(bare):
        return "sampling"
    return None


def _logging_handle(u: Unit) -> bool:
    """`run = wandb.init(...)`, `return SummaryWriter(log_dir)`, `self.logger = logging.getLogger(...)`:
    the value made is a logging handle, so whatever it flows into, it only logs."""
    node = u.node
    value = node.value if isinstance(node, ast.Assign | ast.AnnAssign | ast.Return | ast.Expr) else None
    if isinstance(value, ast.Name) and not isinstance(node, ast.Expr):
        # `return wandb` after `import wandb` (PufferLib's `init_wandb` returned the module, then read as
        # "the optimizer path" through the trainer it was handed to)
        return value.id in LOG_MODULES and u.fn.module.imports.get(value.id, "").split(".")[0] in LOG_MODULES \
            or value.id in _local_imports(u.fn)
    if not isinstance(value, ast.Call):
        return False
    recv = receiver(value) if isinstance(value.func, ast.Attribute) else ""
    if "config" in recv:
        return False  # `wandb.config.get("lr")`: a sweep's hyperparameter, not a handle
    name = last_name(call_name(value))
    return bool(LOG_HANDLE.search(name) or LOG_HANDLE_MAKER.search(name)) or recv.split(".")[0] in LOG_MODULES


def _local_imports(fn: FunctionInfo) -> set[str]:
    """Logging modules imported inside the function (`import wandb` in the body)."""
    return {(a.asname or a.name).split(".")[0] for n in ast.walk(fn.node) if isinstance(n, ast.Import)
            for a in n.names if a.name.split(".")[0] in LOG_MODULES}
