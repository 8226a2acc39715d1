"""Is a function named like evaluation really evaluation-only? Decided by what it writes.

`evaluate`, `test`, `play` usually run the policy without learning from it, and the flow treats
sinks reached there as evaluation (no effect on training). Some libraries use the name for the
rollout itself: PufferLib's `evaluate(data)` steps the environments and stores every transition in
`data.experience`, which `train(data)` samples minibatches from. A name alone would call that
rollout evaluation-only and bury a change to the data training learns from.

The rule, conservative in both directions: a function named like evaluation is evaluation-only
unless it writes into shared state (an attribute of `self` or of a parameter, directly, through a
local alias `buf = data.experience`, or by calling a method on it such as `buf.store(...)`) that a
function of the same module computing a loss (`backward()`, `jax.grad`) reads by the same attribute name. A
write only printed, logged or kept in an evaluation-local object does not count.

The same role, by the same test, for code that writes values out for people (`named_like_logging`: TensorBoard
summaries, metrics, debug dumps; rlgraph's `_write_rewards_summary`) and for validation (`run_validation`). The
flow (`LearningFlow.off_path`) does not follow what such code stores into shared state, and what it calls runs on
its behalf; only its return value goes on to its callers, so a validation loss that sets the learning rate stays
on the flow. Objects held for evaluation (`eval_env`, `eval_callback`: `holds_for_evaluation`) and logging
settings (`LOG_LEVEL`: `names_log_setting`) are read by evaluation and logging alone.
"""

from __future__ import annotations

import ast
import functools
import re

from investigator.detectors.functions import FunctionInfo
from investigator.trainstep import computes_loss

EVAL_FUNCTION = re.compile(r"(^|_|\.)(eval|evaluate|evaluation|evaluator|validation|test|enjoy|render|record_video|"
                           r"visuali[sz]e|plot|demo|play)($|_|\.|s$)", re.IGNORECASE)
# a module named for evaluation only (`pokemon_red_eval.py`, `evaluate.py`): not `demo`, `play` or `test`,
# which name training scripts too (PufferLib's `demo.py` trains)
# `enjoy.py` is the replay script of rl-baselines-zoo / rl-zoo3 / sample-factory (watch a trained agent)
EVAL_MODULE = re.compile(r"(^|_)(eval|evaluate|evaluation|evaluator|enjoy)($|_)", re.IGNORECASE)
# exporting a trained model (TorchScript, ONNX, a deployment copy) is not training
EXPORT_WORDS = {"export", "exporter", "exported", "onnx", "jit", "torchscript", "tflite", "coreml", "tensorrt"}
WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
# a function named for what it writes out: TensorBoard summaries, metrics, debug dumps (`_write_rewards_summary`,
# `log_metrics`, `dump_train_data`, `Model.log`). Not `log_prob`, `log_softmax`: `log` counts only as the whole
# name or followed by what is logged
LOG_WORDS = {"summary", "summaries", "tensorboard", "wandb", "mlflow", "dump", "dumps", "histogram", "histograms"}
# what `log_*`, `write_*`, `record_*`, `print_*` names as logged: not `data`, `episode`, `rewards` or `step`,
# which name stores into a replay buffer too (`write_data`, `record_episode`)
LOGGED_WORDS = {"metrics", "metric", "info", "infos", "scalar", "scalars", "summary", "summaries", "stats",
                "statistics", "images", "image", "video", "videos", "results", "progress", "text", "table", "eval",
                "evaluation", "validation"}
# an object held for evaluation: `eval_env`, `self._eval_env`, `eval_callback`, `val_dataset`, `test_loader`
HOLDER_EVAL_WORDS = {"eval", "evaluation", "evaluator", "test", "val", "valid", "validation"}
HOLDER_OBJECT_WORDS = {"env", "envs", "environment", "environments", "callback", "callbacks", "dataset", "datasets",
                       "loader", "loaders", "dataloader", "dataloaders"}
# a name that also names training (`make_train_eval_datasets`, `train_and_evaluate`, `train_eval.py`): code that
# serves training as well as evaluation is not evaluation-only, whatever else its name says
TRAIN_WORDS = {"train", "training"}
MAX_MODULE_FUNCTIONS = 400  # beyond this the module is not scanned: the name decides


def _params(fn: FunctionInfo) -> set[str]:
    node = fn.node
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return set()
    args = node.args
    return {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}


def _shared_attr(expr: ast.AST, holders: set[str], aliases: dict[str, str]) -> str | None:
    """The attribute of shared state an expression designates: `self.buf[...]`, `data.experience.x`
    -> `buf`, `experience`; a local alias of one -> the aliased attribute."""
    node = expr
    first: str | None = None
    while isinstance(node, ast.Attribute | ast.Subscript):
        if isinstance(node, ast.Attribute):
            first = node.attr
        node = node.value
    if isinstance(node, ast.Name):
        if node.id in holders and first is not None:
            return first
        return aliases.get(node.id)
    return None


def writes_by_statement(fn: FunctionInfo, include_self: bool = True) -> dict[int, set[str]]:
    """id() of each statement of the function that stores into, or calls a method on, shared state
    -> the attribute names it writes (`buf = data.experience; buf.store(x)` writes `experience`).
    Without `include_self`, only state reached through a parameter (an object passed in)."""
    holders = _params(fn) - {"self", "cls"} | ({"self"} if include_self else set())
    aliases: dict[str, str] = {}
    out: dict[int, set[str]] = {}

    def note(stmt: ast.stmt, target: ast.AST) -> None:
        attr = _shared_attr(target, holders, aliases)
        if attr:
            out.setdefault(id(stmt), set()).add(attr)

    for stmt in ast.walk(fn.node):
        if isinstance(stmt, ast.Assign):
            pairs = [(stmt.targets[0], stmt.value)] if len(stmt.targets) == 1 else []
            if pairs and isinstance(pairs[0][0], ast.Tuple) and isinstance(pairs[0][1], ast.Tuple) \
                    and len(pairs[0][0].elts) == len(pairs[0][1].elts):
                pairs = list(zip(pairs[0][0].elts, pairs[0][1].elts, strict=True))
            for target, value in pairs:
                if isinstance(target, ast.Name) and isinstance(value, ast.Attribute):
                    attr = _shared_attr(value, holders, aliases)
                    if attr:
                        aliases[target.id] = attr
            for target in stmt.targets:
                if isinstance(target, ast.Attribute | ast.Subscript):
                    note(stmt, target)
        elif isinstance(stmt, ast.AugAssign | ast.AnnAssign) and isinstance(stmt.target, ast.Attribute | ast.Subscript):
            note(stmt, stmt.target)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and isinstance(stmt.value.func, ast.Attribute):
            note(stmt, stmt.value.func.value)
    return out


def written_state(fn: FunctionInfo) -> set[str]:
    """Attribute names of shared state the function stores into or calls a method on."""
    return {a for attrs in writes_by_statement(fn).values() for a in attrs}


def loss_functions(fn: FunctionInfo) -> list[FunctionInfo]:
    """The other functions of `fn`'s module that compute a loss (`backward()`, a function differentiated by `jax.grad`) (none beyond the scan limit)."""
    others = [o for o in fn.module.functions.values() if o is not fn and not o.is_module]
    if len(others) > MAX_MODULE_FUNCTIONS:
        return []
    return [o for o in others if _computes_loss(o)]


def _computes_loss(fn: FunctionInfo) -> bool:
    return computes_loss(fn.node, fn.module.tree)


def reads(fn: FunctionInfo, attrs: set[str]) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr in attrs and isinstance(n.ctx, ast.Load)
               for n in ast.walk(fn.node))


def feeds_training(fn: FunctionInfo) -> bool:
    """What the function writes into shared state is read by a loss-computing function of its module."""
    written = written_state(fn)
    return bool(written) and any(reads(o, written) for o in loss_functions(fn))


# the names of `EVAL_FUNCTION` that never name a training rollout: not `play` (rl_games's `SACAgent.play_steps`
# collects the replay data), `demo` (PufferLib's `demo.py` trains)
STRICT_EVAL_FUNCTION = re.compile(r"(^|_|\.)(eval|evaluate|evaluation|evaluator|validation|test|enjoy|render|"
                                  r"record_video|visuali[sz]e|plot)($|_|\.|s$)", re.IGNORECASE)


def _names_training(name: str) -> bool:
    """`make_train_eval_datasets`, `train_and_evaluate`, `TrainEval`: the name says the code serves training."""
    return bool({w.lower() for w in WORD.findall(name)} & TRAIN_WORDS)


def _named_for_evaluation(fn: FunctionInfo, function_pattern: re.Pattern[str]) -> bool:
    """The qualname or the module's stem matches, and neither the function's own name nor that stem also names
    training. Real shape: lerobot 59ab2862..e6f95674 src/lerobot/datasets/factory.py:258
    `make_train_eval_datasets` (builds the TRAIN dataset and the held-out one; lerobot_train.py normalises every
    training batch with the train dataset's stats) skips depth cameras for the ImageNet stats now: filed
    "reaches only evaluation-only code" by the `eval` in its name."""
    if fn.is_module or _names_training(fn.name):
        return False
    stem = fn.path.rsplit("/", 1)[-1].removesuffix(".py")
    return bool(function_pattern.search(fn.qualname) or (EVAL_MODULE.search(stem) and not _names_training(stem)))


def named_only_for_evaluation(fn: FunctionInfo) -> bool:
    """`named_like_evaluation` by a name that never names a training rollout (`STRICT_EVAL_FUNCTION`): code whose
    callees and writes the flow treats as the evaluation's (`LearningFlow.off_path`)."""
    return _named_for_evaluation(fn, STRICT_EVAL_FUNCTION)


def named_like_evaluation(fn: FunctionInfo) -> bool:
    """`evaluate`, `Evaluator.run`, or any function of a module named like evaluation
    (`pokemon_red_eval.py`'s `rollout`, which a script calls only for `--mode evaluate`); still
    evaluation-only only when it feeds no training (`feeds_training`). Not a name that also names training
    (`make_train_eval_datasets`, `train_eval.py`: `_named_for_evaluation`)."""
    return _named_for_evaluation(fn, EVAL_FUNCTION)


def named_like_logging(fn: FunctionInfo) -> bool:
    """`_write_rewards_summary`, `log_metrics`, `Model.log`, `dump_debug_data`: a function that writes values out
    for people to read (TensorBoard, a logger, a file). Still off the flow only when it feeds no training
    (`feeds_training`), as for evaluation."""
    if fn.is_module:
        return False
    return _logging_name(fn.name)


@functools.lru_cache(maxsize=4096)
def _logging_name(name: str) -> bool:
    """`named_like_logging` by the name alone (kept per name: the precision rule and the flow's off-path test ask
    for the same few hundred names again and again)."""
    words = [w.lower() for w in WORD.findall(name)]
    if not words:
        return False
    if set(words) & LOG_WORDS:
        return True
    return words[0] == "log" and (len(words) == 1 or words[1] in LOGGED_WORDS) \
        or (len(words) > 1 and words[0] in ("write", "record", "print") and words[-1] in LOGGED_WORDS)


def holds_for_evaluation(name: str) -> bool:
    """A variable or attribute named as an object kept for evaluation (`eval_env`, `self._eval_env`,
    `eval_callback`, `val_dataset`): what is stored there is the evaluation's, not training's. Only objects:
    `val_loss` or `eval_return` may drive early stopping or a schedule."""
    words = {w.lower() for w in WORD.findall(name.rsplit(".", 1)[-1])}
    return bool(words & HOLDER_EVAL_WORDS) and bool(words & HOLDER_OBJECT_WORDS)


def names_log_setting(name: str) -> bool:
    """`_DEFAULT_SERVICE_LOG_LEVEL`, `log_level`, `logging_level`, `loglevel`, `verbosity`: how much a program
    logs. Real shape: AReaL 19fec3bd..4aef98d8
    areal/experimental/inference_service/controller/controller.py:43 `_DEFAULT_SERVICE_LOG_LEVEL = "warning"`
    (handed to the gateway's command line as `--log-level`), filed as "the architecture path"."""
    words = [w.lower() for w in WORD.findall(name.rsplit(".", 1)[-1])]
    return "verbosity" in words or "loglevel" in words or "level" in words and bool(
        {"log", "logging", "logger"} & set(words))


def named_like_export(fn: FunctionInfo) -> bool:
    """`export_onnx`, `as_jit`, `_OnnxPolicy.forward`: code that writes a trained model out."""
    words = {w.lower() for w in WORD.findall(fn.qualname)}
    return bool(words & EXPORT_WORDS) and not fn.is_module
