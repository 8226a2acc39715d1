"""Find, statically, the Stable-Baselines3-style algorithm a project trains with.

Why: a project built on SB3 has no adapter but needs none for most probes: its algorithm class
already exposes the agent (`model.policy`), the optimizer, the learning-rate schedule, the rollout
buffer's GAE, save/load and `learn`. This module reads the sources (nothing is imported) for

- an SB3 / sb3-contrib algorithm class (`PPO`, `SAC`, `RecurrentPPO`, ...) or a project class
  deriving from one or from `OnPolicyAlgorithm` / `OffPolicyAlgorithm` / `BaseAlgorithm` (a project
  that extends or vendors SB3), and
- the one call that instantiates it with a policy and an environment (entry scripts first), with
  its arguments as value specs (`sb3_values`) and the `learn(total_timesteps=...)` budget.

Precision first: importing SB3 for a wrapper or a buffer, or mentioning it in a comment, is not
training with it; several different instantiations are ambiguous and give nothing (say so).
Which adapter functions the detection makes possible is `sb3_capabilities`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from investigator.probes.discovery import MAX_BYTES, eligible
from investigator.probes.sb3_values import Resolver, describe, module_of

Kind = Literal["on_policy", "off_policy", "other"]
LIBRARIES = ("stable_baselines3", "sb3_contrib")


@dataclass(frozen=True)
class AlgoInfo:
    """What the SB3 API of an algorithm family allows (see `sb3_capabilities`)."""

    kind: Kind
    one_optimizer: bool = True  # `policy.optimizer` is the optimizer of every trained parameter
    plain_policy: bool = True  # predict_values(obs) / predict(obs) need no recurrent state or action mask


ON, OFF = AlgoInfo("on_policy"), AlgoInfo("off_policy")
KNOWN: dict[str, AlgoInfo] = {
    "PPO": ON, "A2C": ON, "TRPO": ON,
    "RecurrentPPO": AlgoInfo("on_policy", plain_policy=False), "MaskablePPO": AlgoInfo("on_policy", plain_policy=False),
    "DQN": OFF, "QRDQN": OFF,
    "SAC": AlgoInfo("off_policy", one_optimizer=False), "TD3": AlgoInfo("off_policy", one_optimizer=False),
    "DDPG": AlgoInfo("off_policy", one_optimizer=False), "TQC": AlgoInfo("off_policy", one_optimizer=False),
    "CrossQ": AlgoInfo("off_policy", one_optimizer=False),
    "ARS": AlgoInfo("other", one_optimizer=False),
}
BASES: dict[str, AlgoInfo] = {"OnPolicyAlgorithm": ON, "OffPolicyAlgorithm": OFF,
                              "BaseAlgorithm": AlgoInfo("other", one_optimizer=False)}


@dataclass(frozen=True)
class Sb3Detection:
    """The algorithm class and, when found, the call that builds it."""

    cls: str  # "PPO", or the project's class name
    cls_spec: dict[str, Any] | None  # how the child imports it (None: not importable without running a script)
    info: AlgoInfo
    where: str  # "train.py:12": the instantiation, or the class definition when none was found
    instantiated: bool = False
    policy: dict[str, Any] | None = None
    env: dict[str, Any] | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)  # name -> value spec
    unrecorded: list[str] = field(default_factory=list)  # arguments that could not be recorded, as written
    total_timesteps: int | None = None  # learn(total_timesteps=...) when a literal
    notes: list[str] = field(default_factory=list)

    def label(self) -> str:
        return f"Stable-Baselines3 {self.cls}"

    def child_spec(self) -> dict[str, Any]:
        """What the child adapter rebuilds the algorithm from (JSON)."""
        return {"cls": self.cls_spec, "name": self.cls, "kind": self.info.kind, "policy": self.policy, "env": self.env,
                "kwargs": self.kwargs, "total_timesteps": self.total_timesteps, "where": self.where}

    def describe_args(self) -> str:
        shown = [f"{k}={describe(v)}" for k, v in self.kwargs.items()]
        return ", ".join([describe(self.policy), describe(self.env), *shown, *self.unrecorded])


@dataclass
class _Project:
    """Every parsed source file and the algorithm classes the project defines ("module:Name" -> info)."""

    files: dict[str, Resolver] = field(default_factory=dict)
    classes: dict[str, tuple[AlgoInfo, str, str]] = field(default_factory=dict)  # -> (info, name, "path:line")


def detect(paths: list[str], read: Callable[[str], str | None], entries: list[str] | None = None) -> Sb3Detection | None:
    """The project's SB3-style algorithm, or None (not SB3, or ambiguous: see `detect_with_notes`)."""
    return detect_with_notes(paths, read, entries)[0]


def detect_with_notes(paths: list[str], read: Callable[[str], str | None], entries: list[str] | None = None,
                      prefer: tuple[str, ...] = ()) -> tuple[Sb3Detection | None, list[str]]:
    """The detection and notes on why none was taken. `entries`: the project's entry scripts (given or
    found by config forensics): an instantiation they do not reach is not theirs. `prefer`: usual entry
    names (train.py), preferred among several instantiations but never excluding others."""
    project = _parse(paths, read)
    if not project.files:
        return None, []
    _project_classes(project)
    calls = [c for path, r in project.files.items() for c in _instantiations(path, r, project)]
    present = [e for e in dict.fromkeys(entries or []) if e in set(paths)]
    wanted = [e for e in [*present, *prefer] if e in project.files]
    preferred = [c for c in calls if c[0] in wanted] or calls
    if present and not any(c[0] in wanted for c in calls):
        # the entry scripts exist and build no SB3 algorithm: only what they import can be theirs
        reached = _reached(present, read)
        outside = [c for c in preferred if module_of(c[0]) not in reached]
        preferred = [c for c in preferred if module_of(c[0]) in reached]
        if outside and not preferred:
            where = ", ".join(f"{c[1].cls} at {c[1].where}" for c in outside[:3])
            return None, [f"Stable-Baselines3 used outside the entry scripts ({where}; entries: {', '.join(present)}): "
                          "not taken as the training algorithm"]
    distinct = {(c[1].cls, c[1].where): c[1] for c in preferred}
    if len(distinct) > 1:
        which = ", ".join(f"{d.cls} at {d.where}" for d in distinct.values())
        return None, [f"several Stable-Baselines3 algorithm instantiations ({which}): none is used without an adapter"]
    if distinct:
        return next(iter(distinct.values())), []
    if len(project.classes) == 1 and not calls:  # a project class deriving from SB3, never built with a policy and an env
        qualified, (info, name, where) = next(iter(project.classes.items()))
        return Sb3Detection(cls=name, cls_spec={"import": qualified}, info=info, where=where,
                            notes=["no call building it with a policy and an environment was found"]), []
    return None, []


def _reached(entries: list[str], read: Callable[[str], str | None]) -> set[str]:
    """The project modules the entry scripts import directly (`pkg.mod` for `from pkg import mod` too)."""
    out: set[str] = set()
    for entry in entries:
        text = read(entry)
        try:
            tree = ast.parse(text or "")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        for spec in Resolver.of(entry, tree).imports.values():
            module, _, attr = spec.partition(":")
            out |= {module, f"{module}.{attr.split('.')[0]}"} if attr else {module}
    return out


def _parse(paths: list[str], read: Callable[[str], str | None]) -> _Project:
    project = _Project()
    for path in sorted(p for p in paths if eligible(p)):
        text = read(path)
        if not text or len(text) > MAX_BYTES or not any(lib in text for lib in LIBRARIES):
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        project.files[path] = Resolver.of(path, tree)
    # files that extend a project algorithm class need not name SB3: they are read on demand
    project.files.update(_extenders(paths, read, project))
    return project


def _extenders(paths: list[str], read: Callable[[str], str | None], project: _Project) -> dict[str, Resolver]:
    """Other source files importing from a module that mentions SB3 (a project class defined there)."""
    modules = {module_of(p) for p in project.files}
    out: dict[str, Resolver] = {}
    for path in sorted(p for p in paths if eligible(p) and p not in project.files):
        text = read(path)
        if not text or len(text) > MAX_BYTES or not any(m.rpartition(".")[2] in text for m in modules if m):
            continue
        try:
            r = Resolver.of(path, ast.parse(text))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        if any(spec.partition(":")[0] in modules for spec in r.imports.values()):
            out[path] = r
    return out


def _library_info(qualified: str | None, table: dict[str, AlgoInfo]) -> AlgoInfo | None:
    if qualified is None:
        return None
    module, _, attr = qualified.partition(":")
    if module.split(".")[0] not in LIBRARIES or not attr or "." in attr:
        return None
    return table.get(attr)


def _project_classes(project: _Project) -> None:
    """Classes deriving (through project classes too) from an SB3 algorithm class or base."""
    for _ in range(5):
        before = len(project.classes)
        for path, r in project.files.items():
            module = module_of(path)
            if module.split(".")[0] in LIBRARIES:  # a vendored copy of the library is the library, not a project class
                continue
            for node in r.tree.body:
                if not isinstance(node, ast.ClassDef) or f"{module}:{node.name}" in project.classes:
                    continue
                for base in node.bases:
                    info = _class_info(base, r, path, project, {**KNOWN, **BASES})
                    if info is not None:
                        project.classes[f"{module}:{node.name}"] = (info, node.name, f"{path}:{node.lineno}")
                        break
        if len(project.classes) == before:
            return


def _class_info(node: ast.expr, r: Resolver, path: str, project: _Project,
                table: dict[str, AlgoInfo]) -> AlgoInfo | None:
    """The algorithm family a class expression names (an SB3 class, or a project algorithm class)."""
    qualified = r.qualified(node)
    if qualified is None and isinstance(node, ast.Name):
        qualified = f"{module_of(path)}:{node.id}"
    found = _library_info(qualified, table)
    if found is not None:
        return found
    entry = project.classes.get(qualified or "")
    return entry[0] if entry else None


def _instantiations(path: str, r: Resolver, project: _Project) -> list[tuple[str, Sb3Detection]]:
    out: list[tuple[str, Sb3Detection]] = []
    for node in ast.walk(r.tree):
        if not isinstance(node, ast.Call):
            continue
        info = _class_info(node.func, r, path, project, KNOWN)
        if info is None:
            continue
        policy = node.args[0] if node.args else _kwarg(node, "policy")
        env = node.args[1] if len(node.args) > 1 else _kwarg(node, "env")
        if policy is None or env is None:
            continue  # PPO.load(...) / a class used without a policy and an environment: not the training algorithm
        out.append((path, _detection(path, r, node, info, policy, env, project)))
    return out


def _kwarg(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _detection(path: str, r: Resolver, call: ast.Call, info: AlgoInfo, policy: ast.expr, env: ast.expr,
               project: _Project) -> Sb3Detection:
    qualified = r.qualified(call.func)
    name = (qualified or "").rpartition(":")[2].rpartition(".")[2] or ast.unparse(call.func)
    notes: list[str] = []
    cls_spec: dict[str, Any] | None = {"import": qualified} if qualified else None
    if qualified is None:  # a class defined in this very file: importing it would run the file
        notes.append(f"{name} is defined in {path}, which cannot be imported without running it")
    elif qualified.partition(":")[0] in {module_of(p) for p in project.files} and not _importable(project, qualified):
        cls_spec = None
        notes.append(f"{name}'s module runs code at import time")
    kwargs: dict[str, Any] = {}
    unrecorded: list[str] = []
    for k in call.keywords:
        if k.arg in ("policy", "env"):
            continue
        spec = r.resolve(k.value) if k.arg else None
        if spec is None or k.arg is None:
            unrecorded.append(ast.unparse(k) if k.arg is None else f"{k.arg}={ast.unparse(k.value)}")
        else:
            kwargs[k.arg] = spec
    unrecorded += [ast.unparse(a) for a in call.args[2:]]
    return Sb3Detection(cls=name, cls_spec=cls_spec, info=info, where=f"{path}:{call.lineno}", instantiated=True,
                        policy=r.resolve(policy), env=r.resolve(env), kwargs=kwargs, unrecorded=unrecorded,
                        total_timesteps=_learn_budget(r), notes=notes)


def _importable(project: _Project, qualified: str) -> bool:
    """Whether the module defining a project class only defines things at import time."""
    module = qualified.partition(":")[0]
    r = next((res for p, res in project.files.items() if module_of(p) == module), None)
    if r is None:
        return True
    for node in r.tree.body:
        if isinstance(node, (ast.For, ast.While, ast.With, ast.AsyncFor, ast.AsyncWith)):
            return False
        if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant):
            return False
    return True


def _learn_budget(r: Resolver) -> int | None:
    """`total_timesteps` of the file's `.learn(...)` calls, when they agree on a literal (or a name bound to one)."""
    budgets: set[int] = set()
    for node in ast.walk(r.tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "learn":
            arg = node.args[0] if node.args else _kwarg(node, "total_timesteps")
            spec = r.resolve(arg) if arg is not None else None
            value = spec.get("literal") if spec else None
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                budgets.add(int(value))
    return budgets.pop() if len(budgets) == 1 else None
