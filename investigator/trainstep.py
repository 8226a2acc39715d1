"""The forms a training step takes in code: one registry for the flow's sinks, the modules that compute
a loss and the detectors that look for an optimizer.

PyTorch marks a loss by `loss.backward()` and steps with `optimizer.step()` (`zero_grad()`, gradient
clipping around it). JAX has neither: the loss is whatever a function handed to `jax.grad` /
`jax.value_and_grad` returns (equinox's `filter_grad` / `filter_value_and_grad`, flax.nnx's
`nnx.grad` alike), and the step is optax's `optimizer.update(grads, opt_state)` followed by
`optax.apply_updates(params, updates)`, or flax's `TrainState.apply_gradients(grads=...)`; TensorFlow's
are `tape.gradient(loss, variables)` / `optimizer.minimize(loss)` and `optimizer.apply_gradients(...)`. Without these
a change inside a JAX loss closure reached "no caller" and an optax update was "dynamic dispatch":
acme, sbx, skrl's JAX agents and purejaxrl-style code had no loss or optimizer sink at all.
"""

from __future__ import annotations

import ast
import re
import weakref

from investigator.pyast import dotted, last_name, method_name, receiver

# an object named for its optimizer algorithm counts too: baselines' ppo1 `adam = MpiAdam(var_list)`, then
# `adam.update(g, optim_stepsize * cur_lrmult)` (fabbf2c6..ff8d36a7: the minibatch `Dataset` feeding it read as
# reaching only logging)
OPTIMIZER_RECEIVER = re.compile(r"optim|(^|[._])opt($|[._\d])|(^|[._])tx($|[._])|scaler|solver|"
                                r"(^|[._])(adam|adamw|sgd|rmsprop|adagrad)($|[._\d])", re.IGNORECASE)
SCHEDULER_RECEIVER = re.compile(r"sched|lr_|warmup", re.IGNORECASE)
LOSS_NAME = re.compile(r"(^|_)loss$", re.IGNORECASE)
LOSS_METHODS = frozenset({"backward"})
TAPE_RECEIVER = re.compile(r"tape$", re.IGNORECASE)  # `with tf.GradientTape() as tape:`
# function transforms whose first argument is the loss function being differentiated
GRAD_TRANSFORMS = frozenset({"grad", "value_and_grad", "filter_grad", "filter_value_and_grad"})
# calls that change parameters or optimizer state whatever their receiver is called
OPTIMIZER_CALLS = frozenset({"zero_grad", "clip_grad_norm_", "clip_grad_value_", "apply_updates", "apply_gradients"})
# a module that computes a loss, read from its text (`loss.backward(`, `jax.value_and_grad(loss_fn`)
LOSS_TEXT = re.compile(r"\.backward\(|tape\.gradient\(|(?<!optimize)\.minimize\(|\b(value_and_grad|grad|filter_value_and_grad|filter_grad)\(\s*[A-Za-z_]")
# a module that trains: it computes a loss, or applies gradients (`state.apply_gradients(grads=...)`,
# `optax.apply_updates(...)`, a `tf.GradientTape()` block)
TRAINING_TEXT = re.compile(LOSS_TEXT.pattern + r"|\bapply_gradients\(|\bapply_updates\(|\bGradientTape\(")


def sink_of_call(call: ast.Call) -> str | None:
    """"loss" or "optimizer" when the call is a training-step event, else None. optax's `update` takes
    the gradients and the optimizer state (two positional arguments at least), which tells it from a
    dict's `update(other)` on an `optim_kwargs` mapping."""
    last = method_name(call)
    recv = receiver(call)
    if last in LOSS_METHODS or (last == "gradient" and TAPE_RECEIVER.search(recv)) or (
            last == "minimize" and OPTIMIZER_RECEIVER.search(recv) and not recv.endswith("optimize")):
        return "loss"  # TF2's `tape.gradient(loss, variables)`, TF1's `optimizer.minimize(loss)`
    if OPTIMIZER_RECEIVER.search(recv) and not recv.endswith("optimize") and _hands_loss(call):
        return "loss"  # rllab/garage's `self._optimizer.update_opt(loss=pol_loss, target=policy, ...)`
    if last in OPTIMIZER_CALLS:
        return "optimizer"
    if last == "step" and (OPTIMIZER_RECEIVER.search(recv) or SCHEDULER_RECEIVER.search(recv)):
        return "optimizer"
    if last == "update" and len(call.args) >= 2 and OPTIMIZER_RECEIVER.search(recv):
        return "optimizer"
    return None


def _hands_loss(call: ast.Call) -> bool:
    """Whether a call hands a loss over: a `loss=` keyword, or a first argument named like a loss. An optimizer
    object that takes the loss builds its own update from it (TF1-era optimizers: rllab/garage's
    `update_opt(loss=..., target=..., inputs=...)`, then `optimize(inputs)`), as `minimize(loss)` does."""
    if any(k.arg == "loss" for k in call.keywords):
        return True
    return bool(call.args) and isinstance(call.args[0], ast.Name) and LOSS_NAME.search(call.args[0].id) is not None


def differentiated(tree: ast.Module) -> frozenset[str]:
    """Names of the functions of a module handed to a gradient transform (`jax.value_and_grad(loss_fn,
    has_aux=True)`, `jax.grad(partial(loss, net))`, `jax.grad(self._loss)`): what each returns is the
    loss. Only names the module defines as functions count: `torch.autograd.grad(loss, params)` takes a
    tensor, not a function."""
    if tree not in _MEMO:
        _MEMO[tree] = _differentiated(tree)
    return _MEMO[tree]


_MEMO: weakref.WeakKeyDictionary[ast.Module, frozenset[str]] = weakref.WeakKeyDictionary()


def _differentiated(tree: ast.Module) -> frozenset[str]:
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    if not defined:
        return frozenset()
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and method_name(node) in GRAD_TRANSFORMS:
            name = _function_named(node.args[0])
            if name in defined:
                out.add(name)
    return frozenset(out)


def _function_named(arg: ast.expr) -> str:
    """`loss_fn`, `self._loss` -> the function's own name; `partial(loss_fn, ...)` -> `loss_fn`."""
    if isinstance(arg, ast.Call) and last_name(dotted(arg.func)) == "partial" and arg.args:
        arg = arg.args[0]
    if isinstance(arg, ast.Name | ast.Attribute):
        return last_name(dotted(arg))
    return ""


def computes_loss(fn_node: ast.AST, tree: ast.Module) -> bool:
    """The function (or block) computes a loss: it calls `backward()`, or differentiates one of the
    module's functions (`jax.value_and_grad(loss_fn)(params)`)."""
    names = differentiated(tree)
    for node in ast.walk(fn_node):
        if not isinstance(node, ast.Call):
            continue
        last = method_name(node)
        if last in LOSS_METHODS or (last in GRAD_TRANSFORMS and node.args and _function_named(node.args[0]) in names):
            return True
    return False
