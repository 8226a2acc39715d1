"""Follow an entry point to the configuration it builds: the *effective* configuration.

Layers, lowest precedence first (see `EntryKind.precedence`): builder-parameter defaults; class
field defaults, option defaults and module constants (of the reached modules and the constants
they import); composed Hydra files and config files the reached code loads; keyword arguments given
to config constructors and builder calls, literal keyword arguments of the other calls reached code
makes (`PPO(learning_rate=3e-4)`) and the arguments of the one launch command that runs the entry
(`python ppo.py --lr 3e-3` in a shell script or Makefile); attribute assignments made by
recipe/builder functions.
Everything else extracted from the commit is kept as "other" configuration (compared second).
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import replace

from investigator.config.collect import SideData
from investigator.config.entry import TRAIN_WORDS, ResolvedEntry, hydra_of
from investigator.config.extractors.base import ParsedFile
from investigator.config.extractors.launch import LaunchCommand
from investigator.config.extractors.python import (
    CallInfo,
    ClassInfo,
    FunctionFacts,
    ModuleInfo,
    Value,
    flatten,
    main_guard,
)
from investigator.config.hydra import Composition, compose
from investigator.config.hydra_flags import hydra_flags, launched_hydra
from investigator.config.keys import (
    ROOT_PREFIXES,
    builder_segment,
    class_segment,
    join,
    join2,
    normalise_key,
    normalise_segment,
)
from investigator.config.library_args import training_arguments_class
from investigator.config.loading import (
    TOOL_FILES,
    built_patterns,
    fits,
    format_of,
    loaded_names,
    picked_sections,
    runtime_formats,
)
from investigator.config.model import ConfigEntry, EntryKind, EntryPoint, SideConfig
from investigator.pyast import call_name as dotted_call
from investigator.pyast import last_name
from investigator.scope import out_of_scope_kind

_MAX_FUNCTIONS = 3000
_MAX_DEPTH = 8
_IDENT = re.compile(r"^[A-Za-z_][\w.]*$")
# Calls whose keyword arguments describe a setting rather than set one (option and field declarations,
# recorded as such by the extractor) or build a value recorded elsewhere (`dict(lr=...)`, a mapping).
_NOT_SETTINGS = frozenset({"Option", "Argument", "option", "argument", "Field", "field", "ib", "attrib", "dict"})


class _Follower:
    def __init__(self, side: SideData) -> None:
        self.side = side
        self.program = side.program
        self.visited: set[tuple[str, str]] = set()
        self.order: list[tuple[ModuleInfo, FunctionFacts]] = []
        self.instances: list[tuple[ClassInfo, list[tuple[str, ast.AST]], ModuleInfo, FunctionFacts]] = []
        self.builder_calls: list[tuple[str, list[tuple[str, ast.AST]], ModuleInfo, FunctionFacts]] = []
        # calls to library functions and plain classes: `PPO("MlpPolicy", env, learning_rate=3e-4)`
        self.other_calls: list[tuple[CallInfo, ModuleInfo, FunctionFacts]] = []
        self.modules: dict[str, ModuleInfo] = {}
        # modules of the other classes reached code instantiates (`ExperimentManager(args, ...)`): their
        # methods are not followed, but a config file they load by a path built at run time is the entry's
        # (`open(f"hyperparams/{self.algo}.yml")`, rl-baselines3-zoo; `_runtime_candidates`)
        self.instantiated: dict[str, ModuleInfo] = {}
        # classes reached code instantiates or reads an attribute of: their bodies ran at definition, so a
        # config file a class body loads is the entry's (`agt.Agent.configs['defaults']`, dreamerv3)
        self.classes: dict[tuple[str, str], ClassInfo] = {}
        # library `TrainingArguments` classes reached code builds (`HfArgumentParser((Args, DPOConfig))`,
        # `TrainingArguments(...)`): their defaults apply to the keys nobody sets (`library_args`)
        self.library_args: set[str] = set()

    def start(self, path: str, function: str | None) -> None:
        module = self.program.modules.get(path)
        if module is None:
            return
        queue: list[tuple[ModuleInfo, FunctionFacts]] = []
        if module.body is not None:
            queue.append((module, module.body))
        if function and function in module.functions:
            entry_fn = module.functions[function]
            queue.append((module, entry_fn))
            # `def main(cfg: TrainConfig)` (pyrallis, hydra structured configs): the framework builds it
            for annotation in entry_fn.params.values():
                cls = self.program.config_class(annotation, module.path)
                if cls is not None:
                    self.instances.append((cls, [], module, entry_fn))
        elif function is None:
            queue.extend((module, module.functions[c]) for c in module.main_calls if c in module.functions)
        self._run(queue)

    def _run(self, queue: list[tuple[ModuleInfo, FunctionFacts]]) -> None:
        while queue and len(self.visited) < _MAX_FUNCTIONS:
            module, fn = queue.pop(0)
            key = (module.path, fn.name)
            if key in self.visited:
                continue
            self.visited.add(key)
            self.order.append((module, fn))
            self.modules[module.path] = module
            for chain in dict.fromkeys(fn.class_reads):
                self._class_reached(module, chain)
            for call in fn.calls:
                self._library_args(module, [call.callee, *call.class_args])
                for passed in call.class_args:
                    ref = self.program.resolve_call(module, passed)
                    cls = self.program.config_class(ref.name, ref.module) if ref and ref.kind == "class" else None
                    if cls is not None:
                        self.instances.append((cls, [], module, fn))
                ref = self.program.resolve_call(module, call.callee)
                if ref is not None and ref.kind == "class":
                    cls = self.program.config_class(ref.name, ref.module)
                    if cls is not None:
                        self.instances.append((cls, call.kwargs, module, fn))
                        continue
                    if ref.module in self.program.modules:
                        self.instantiated.setdefault(ref.module, self.program.modules[ref.module])
                        self._class_reached(module, call.callee)
                elif ref is not None and ref.kind == "function":
                    target_fn = self.program.function(ref)
                    if target_fn is not None:
                        queue.append((self.program.modules[ref.module], target_fn))
                        self.builder_calls.append((ref.name or "", call.kwargs, module, fn))
                        continue
                if call.kwargs and last_name(call.callee) not in _NOT_SETTINGS:
                    self.other_calls.append((call, module, fn))

    def _library_args(self, module: ModuleInfo, names: list[str]) -> None:
        for name in names:
            head, dot, rest = name.partition(".")
            found = training_arguments_class(module.imports[head] + dot + rest) if head in module.imports else None
            if found is not None:
                self.library_args.add(found)

    def _class_reached(self, module: ModuleInfo, chain: str) -> None:
        ref = self.program.resolve_call(module, chain)
        head, dot, rest = chain.partition(".")
        if ref is None and head in module.local_imports and head not in module.imports:
            ref = self.program.resolve_dotted(module.local_imports[head] + dot + rest)
        if ref is None or ref.kind != "class" or ref.module not in self.program.modules:
            return
        cls = self.program.modules[ref.module].classes.get(ref.name or "")
        if cls is not None and cls.config_files:
            self.classes.setdefault((ref.module, cls.name), cls)


class _Emitter:
    """Turns what the follower saw into prefixed, ordered entries."""

    def __init__(self, side: SideData, follower: _Follower, order_start: int) -> None:
        self.side = side
        self.program = side.program
        self.f = follower
        self.counter = order_start
        self.entries: list[ConfigEntry] = []
        self.paths: dict[str, list[str]] = {}
        self.instantiated: set[str] = set()
        self.consumed: set[tuple[str, str]] = set()  # constants already folded into the values using them

    def _add(self, entry: ConfigEntry) -> None:
        self.counter += 1
        entry.order = self.counter
        self.entries.append(entry)

    def _values(self, key: str, values: list[Value], path: str, kind: EntryKind, owner: str,
                module: ModuleInfo | None, raw: str) -> None:
        mapping = any(v.subkey for v in values)
        replaces = key if mapping and kind in (EntryKind.assignment, EntryKind.kwarg) else None
        for v in values:
            value, is_literal = v.value, v.literal
            if not is_literal and module is not None:
                value, is_literal = self._substitute(module, str(value))
            self._add(ConfigEntry(key=join(key, *(normalise_segment(s) for s in v.subkey)), value=value,
                                  literal=is_literal, path=path, line=v.line, format="python", kind=kind,
                                  owner=owner, raw_key=raw, replaces=replaces))

    def _substitute(self, module: ModuleInfo, text: str) -> tuple[object, bool]:
        """A name that refers to a literal module constant takes that constant's value."""
        if not _IDENT.match(text):
            return text, False
        head, _, rest = text.partition(".")
        constants = module.constants
        name = text
        if head in module.imports:
            target = module.imports[head] + (f".{rest}" if rest else "")
            mod_name, _, name = target.rpartition(".")
            path = self.program.module_for(mod_name)
            constants = self.program.modules[path].constants if path else []
        wanted = normalise_key(name)
        for const in constants:
            if const.key == wanted and const.literal:
                self.consumed.add((const.path, const.key))
                return const.value, True
        return text, False

    # -- classes --------------------------------------------------------------------------------
    def class_paths(self) -> None:
        instantiated = {cls.name: cls for cls, *_ in self.f.instances}
        self.instantiated = set(instantiated)
        contained: set[str] = set()
        for cls in instantiated.values():
            stack, seen = [cls], set()
            while stack:
                current = stack.pop()
                if current.name in seen:
                    continue
                seen.add(current.name)
                for fld in self.program.all_fields(current):
                    child = self.program.config_class(fld.nested, current.path)
                    if child is not None and child.name != cls.name:
                        contained.add(child.name)
                        stack.append(child)
        roots = [c for n, c in instantiated.items() if n not in contained] or list(instantiated.values())[:1]
        for root in roots:
            base = "" if len(roots) == 1 else class_segment(root.name)
            self._walk_class(root, base, 0, set())

    def _walk_class(self, cls: ClassInfo, prefix: str, depth: int, stack: set[str]) -> None:
        if depth > _MAX_DEPTH or cls.name in stack:
            return
        self.paths.setdefault(cls.name, []).append(prefix)
        owners = self.program.field_owners(cls)
        for fld in self.program.all_fields(cls):
            key = join(prefix, normalise_segment(fld.name))
            # an inherited field is written in its base class's file: its value is read and shown there
            owner = owners.get(id(fld), cls)
            module = self.program.modules.get(owner.path)
            child = self.program.config_class(fld.nested, owner.path)
            if child is not None and not fld.values:
                self._walk_class(child, key, depth + 1, stack | {cls.name})
                self._call_kwargs(child, fld.nested_kwargs, key, owner.path, owner.name, module,
                                  EntryKind.field_default)
            elif fld.values:
                self._values(key, fld.values, owner.path, EntryKind.field_default, owner.name, module,
                             f"{owner.name}.{fld.name}")

    def _call_kwargs(self, cls: ClassInfo, kwargs: list, prefix: str, path: str, owner: str,
                     module: ModuleInfo | None, kind: EntryKind, depth: int = 0) -> None:
        for name, node in kwargs:
            key = join(prefix, normalise_segment(name))
            if isinstance(node, ast.Call) and depth < _MAX_DEPTH:
                callee = last_name(ast.unparse(node.func))
                child = self.program.config_class(callee, cls.path)
                if child is not None:
                    sub = [(kw.arg, kw.value) for kw in node.keywords if kw.arg]
                    self._call_kwargs(child, sub, key, path, owner, module, kind, depth + 1)
                    continue
            values = self._local_mapping(module, owner, node) or flatten(node)
            self._values(key, values, path, kind, owner, module, f"{cls.name}({name}=...)")

    def _local_mapping(self, module: ModuleInfo | None, owner: str, node: ast.AST) -> list[Value] | None:
        """`rewards=rewards` where `rewards` is a dict literal bound in the same function."""
        if module is None or not isinstance(node, ast.Name):
            return None
        fn = module.functions.get(owner) or (module.body if owner == "<module>" else None)
        if fn is None:
            return None
        hits = [e for e in fn.mappings if e.raw_key == node.id]
        if not hits:
            return None
        base = normalise_segment(node.id)
        return [Value(tuple(e.key.split(".")[len(base.split(".")):]), e.value, e.literal, e.line or 0)
                for e in hits]

    # -- functions ------------------------------------------------------------------------------
    def _var_prefix(self, module: ModuleInfo, fn: FunctionFacts, var: str, depth: int = 0) -> str:
        if depth > 4:
            return class_segment(var)
        annotation = fn.params.get(var)
        cls = self.program.config_class(annotation, module.path)
        if cls is not None:
            return self._first_path(cls)
        binding = fn.bindings.get(var, "")
        if binding.startswith("call:"):
            ref = self.program.resolve_call(module, binding[5:])
            if ref is not None and ref.kind == "class":
                target = self.program.config_class(ref.name, ref.module)
                if target is not None:
                    return self._first_path(target)
            if ref is not None and ref.kind == "function":
                target_fn = self.program.function(ref)
                ret = self.program.config_class(target_fn.returns if target_fn else None, ref.module)
                if ret is not None:
                    return self._first_path(ret)
        elif binding.startswith("chain:"):
            head, *rest = binding[6:].split(".")
            if head != var:
                return join(self._var_prefix(module, fn, head, depth + 1), *(normalise_segment(r) for r in rest))
        return "" if var in ROOT_PREFIXES else class_segment(var)

    def _first_path(self, cls: ClassInfo) -> str:
        paths = self.paths.get(cls.name)
        return paths[0] if paths else class_segment(cls.name)

    def functions(self) -> None:
        """Entries of the reached code, in this order: instance and builder kwargs, other calls'
        literal kwargs, each reached function's own settings, then the module constants it reaches."""
        self._instance_kwargs()
        self._builder_kwargs()
        self._other_call_kwargs()
        for module, fn in self.f.order:
            self._function_settings(module, fn)
        for const in self._reached_constants():
            if (const.path, const.key) not in self.consumed:
                self._add(replace(const))

    def _instance_kwargs(self) -> None:
        for cls, kwargs, module, fn in self.f.instances:
            for prefix in self.paths.get(cls.name, [class_segment(cls.name)])[:4]:
                self._call_kwargs(cls, kwargs, prefix, module.path, fn.name, module, EntryKind.kwarg)

    def _builder_kwargs(self) -> None:
        for name, kwargs, module, fn in self.f.builder_calls:
            segment = builder_segment(name)
            for kw, node in kwargs:
                values = [v for v in (self._local_mapping(module, fn.name, node) or flatten(node)) if v.literal]
                self._values(join(segment, normalise_segment(kw)), values, module.path, EntryKind.kwarg,
                             fn.name, module, f"{name}({kw}=...)")

    def _other_call_kwargs(self) -> None:
        for call, module, fn in self.f.other_calls:
            root = call.callee.split(".", 1)[0]
            if module.imports.get(root, root).split(".", 1)[0] in NOT_TRAINING_CALLS:
                continue  # `subprocess.check_output(timeout=5)`, `wandb.init(project=...)`: not training
            segment = builder_segment(last_name(call.callee))
            for kw, node in call.kwargs:
                # a name or expression is not a setting, except a local the function binds once to a literal
                # (`TOP_P = 1.0` ... `SamplingParams(top_p=TOP_P)`: a training script's block of constants)
                if isinstance(node, ast.Name) and node.id in fn.keyword_literals:
                    node = fn.keyword_literals[node.id]
                values = [v for v in flatten(node) if v.literal]
                if values:
                    self._values(join(segment, normalise_segment(kw)), values, module.path, EntryKind.call_kwarg,
                                 fn.name, module, f"{call.callee}({kw}=...)")

    def _function_settings(self, module: ModuleInfo, fn: FunctionFacts) -> None:
        """Parameter defaults, CLI options, assignments and local mappings of one reached function."""
        if fn.name != "<module>":
            segment = builder_segment(fn.name)
            for name, value in fn.defaults:
                self._values(join(segment, normalise_segment(name)), [value], module.path,
                             EntryKind.param_default, fn.name, module, f"{fn.name}({name}=...)")
        for option in fn.options:
            self._add(replace(option))
        used_mappings: set[str] = set()
        for assignment in fn.assignments:
            root, *attrs = assignment.chain
            prefix = self._var_prefix(module, fn, root)
            key = join(prefix, *(normalise_segment(a) for a in attrs))
            values = assignment.values
            if len(values) == 1 and not values[0].literal and _IDENT.match(str(values[0].value)):
                local = self._local_mapping(module, fn.name, _name_node(str(values[0].value)))
                if local:
                    used_mappings.add(str(values[0].value))
                    values = local
            kind = EntryKind.conditional if assignment.conditional else EntryKind.assignment
            self._values(key, values, module.path, kind, fn.name, module, ".".join(assignment.chain))
        for mapping in fn.mappings:
            if mapping.raw_key not in used_mappings:
                self._add(replace(mapping))

    def _reached_constants(self) -> list[ConfigEntry]:
        """Module constants of the reached modules, and those they import from repository modules
        (`from constants import LR`: the one named; `import hparams as H`: all of `hparams`'s)."""
        out: list[ConfigEntry] = []
        reached = self.f.modules
        seen: set[object] = set()
        for module in reached.values():
            out.extend(module.constants)
        for module in list(reached.values()):
            for target in module.imports.values():
                path = self.program.module_for(target)
                if path is not None:  # `import hparams`: the module itself
                    if path not in reached and path not in seen:
                        seen.add(path)
                        out.extend(self.program.modules[path].constants)
                    continue
                mod_name, _, name = target.rpartition(".")
                path = self.program.module_for(mod_name) if mod_name else None
                if path is None or path in reached or (path, name) in seen:
                    continue
                seen.add((path, name))
                table = name + "."  # a dict table (`REWARDS = {...}`) is flattened into `REWARDS.win`, ...
                out.extend(c for c in self.program.modules[path].constants
                           if c.raw_key == name or c.raw_key.startswith(table))
        return out


# Modules and builtins whose calls' keyword arguments are not training configuration: standard-library
# utilities, logging and experiment trackers (`subprocess.run(capture_output=True)`, `print(flush=True)`).
NOT_TRAINING_CALLS = frozenset({
    "subprocess", "argparse", "logging", "os", "sys", "json", "shutil", "time", "datetime", "re", "warnings",
    "pathlib", "glob", "pickle", "csv", "io", "tqdm", "wandb", "tensorboardX", "mlflow", "neptune", "yaml",
    "threading", "multiprocessing", "signal", "socket", "platform", "psutil", "faulthandler", "traceback",
    "print", "open", "isinstance", "getattr", "setattr", "hasattr", "sorted", "range", "enumerate", "zip",
    "format", "str", "int", "float", "dict", "list", "tuple", "set", "super", "round", "min", "max", "len",
})

# Defaults that can name the recipe or the config file to load (then they select, they do not configure).
_SELECTOR_KINDS = (EntryKind.option_default, EntryKind.param_default)


def _name_node(name: str) -> ast.Name:
    return ast.Name(id=name, ctx=ast.Load())


def _path_prefix(path: str) -> str:
    stem = path.rsplit(".", 1)[0]
    return normalise_key(stem.replace("/", "."))


def _loaded_files(side: SideData, follower: _Follower, already: set[str]) -> list[str]:
    """Structured config files named by string literals in code the entry reaches."""
    found: list[str] = []
    named = [(module.path, [*fn.config_files, *(o.value for o in fn.options if isinstance(o.value, str)),
                            *(v.value for _, v in fn.defaults if isinstance(v.value, str))])  # `def main(path="x.yaml")`
             for module, fn in follower.order]
    named.extend((path, cls.config_files) for (path, _), cls in follower.classes.items())
    for module_path, names in named:
        base = module_path.rsplit("/", 1)[0] if "/" in module_path else ""
        for name in names:
            rel = name.removeprefix("./")
            candidates = [rel]
            parts = base.split("/") if base else []
            while parts:
                candidates.append("/".join([*parts, rel]))
                parts.pop()
            for path in candidates:
                parsed = side.parsed.get(path)
                if parsed is not None and parsed.format not in ("python", "shell") and path not in already \
                        and path not in found:
                    found.append(path)
                    break
    return found


def _picked_at_run_time(side: SideData, follower: _Follower) -> tuple[str, frozenset[str]] | None:
    """(module, sections every run reads) when reached code picks top-level sections of a loaded document
    by a name known at run time (`config[env_name]`); see `loading.picked_sections`."""
    # documents bound in a class body reached code reads (`class Agent: configs = yaml.load(...)`)
    names = {name for path, _ in follower.classes for name in loaded_names(side.sources.get(path) or "")}
    for path in follower.modules:
        text = side.sources.get(path)
        if text and (always := picked_sections(text, names)) is not None:
            return path, frozenset(normalise_segment(s) for s in always)
    return None


def _runtime_candidates(side: SideData, follower: _Follower, effective: set[str], *,
                        hydra: bool) -> tuple[str, set[str], list[str]] | None:
    """(module, formats, files) when reached code loads a config file whose path is known only at run
    time (`yaml.safe_load(open(args.file))`, rl_games' `runner.py --file ...`) and names no file of
    that format itself: every file of that format at this commit may be the one a run uses, so each
    is part of the comparison, under its path (`configs.ppo_pong.params.config.max_epochs`).

    Not when the entry composes a Hydra config or loads a file it names: the loader then most
    likely reads that file."""
    if hydra:
        return None
    named = {format_of(p) for p in effective}
    for path in [*follower.modules, *(p for p in follower.instantiated if p not in follower.modules)]:
        text = side.sources.get(path)
        if not text:
            continue
        formats = runtime_formats(text) - named
        if formats:
            files = sorted(p for p, parsed in side.parsed.items() if p not in effective
                           and parsed.format in formats and parsed.entries
                           and p.rsplit("/", 1)[-1] not in TOOL_FILES)
            patterns = [p for p in built_patterns(text) if format_of(p) in formats]
            if patterns:  # `open(f"conf/{env}.yaml")`: only the files that fit the name it builds
                files = [f for f in files if any(fits(p, f) for p in patterns)]
            return (path, formats, files) if files else None
    return None


_DYNAMIC_IMPORTS = {"__import__", "import_module"}
_MODULE_DATA = (EntryKind.mapping, EntryKind.constant)


def imported_attributes(tree: ast.Module) -> set[str]:
    """The attributes read on a module imported by a name known only at run time (`module =
    __import__(config_path, fromlist=[None])` then `module.agent`): what such a module must define."""
    held: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Call) and last_name(dotted_call(node.value)) in _DYNAMIC_IMPORTS \
                and node.value.args and not isinstance(node.value.args[0], ast.Constant):
            held.add(node.targets[0].id)
    if not held:
        return set()
    return {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load)
            and isinstance(n.value, ast.Name) and n.value.id in held}


def _module_data(parsed: ParsedFile) -> set[str]:
    """Top-level names a Python module binds to literals (`agent = {...}`, `LR = 3e-4`)."""
    return {e.key.split(".", 1)[0] for e in parsed.entries if e.owner == "<module>" and e.kind in _MODULE_DATA}


def _runtime_modules(side: SideData, follower: _Follower, effective: set[str]) -> tuple[str, list[str]] | None:
    """(loader, modules) when reached code imports a Python module by a name known only at run time and reads
    attributes of it that are data: every module of this commit that binds all those names to literals, and
    that the entry does not import itself, may be the one a run uses (JORLDY: `main.py --config
    config.ppo.mujoco`; `ConfigManager` does `__import__(config_path)` and reads `module.agent`,
    `module.optim`, ..., dict literals of each `config/<algo>/<env>.py`). Compared as candidates, as YAML
    files opened from a run-time path are (`_runtime_candidates`)."""
    for path in [*follower.modules, *(p for p in follower.instantiated if p not in follower.modules)]:
        text = side.sources.get(path)
        if not text or ("__import__(" not in text and "import_module(" not in text):
            continue
        tree = side.parse(path, text) if side.parse is not None else None
        names = {normalise_segment(a) for a in imported_attributes(tree)} if tree is not None else set()
        if not names:
            continue
        files = sorted(p for p, parsed in side.parsed.items() if parsed.format == "python"
                       and p not in follower.modules and p not in effective and names <= _module_data(parsed))
        if files:
            return path, files
    return None


_ALIAS_HOPS = 4


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Top-level `a = b` and `a = wrap(b, ...)` bindings (`main_config = EasyDict(pendulum_ppo_config)`): a -> b."""
    out: dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            value = stmt.value
            if isinstance(value, ast.Call) and value.args:
                value = value.args[0]
            if isinstance(value, ast.Name) and value.id != stmt.targets[0].id:
                out[stmt.targets[0].id] = value.id
    return out


def _handed_names(guard: ast.If) -> set[str]:
    """Names handed to calls under the main guard, directly or inside a list/tuple
    (`serial_pipeline([main_config, create_config], seed=0)`)."""
    out: set[str] = set()
    for node in ast.walk(guard):
        if not isinstance(node, ast.Call):
            continue
        for arg in [*node.args, *(kw.value for kw in node.keywords)]:
            items = arg.elts if isinstance(arg, ast.List | ast.Tuple) else [arg]
            out.update(i.id for i in items if isinstance(i, ast.Name))
    return out


def experiment_script(side: SideData, path: str) -> bool:
    """A module run as an experiment of its own: its `__main__` block hands a module-level mapping (`x = {...}` /
    `x = dict(...)`, possibly through aliases) to a call. Real shape: DI-engine v0.5.1..v0.5.2 retuned PPO in
    `dizoo/<env>/config/<env>_ppo_config.py` (`learning_rate` 3e-5 -> 1e-3, `n_sample` 200 -> 5000), each
    ending in `serial_pipeline_onpolicy([main_config, create_config], seed=0)`; the detected entry was one of
    16 other scripts and never reached them. Tests, docs and examples are never one (`scope`)."""
    parsed = side.parsed.get(path)
    text = side.sources.get(path)
    if parsed is None or parsed.format != "python" or not text or "__main__" not in text \
            or out_of_scope_kind(path) is not None:
        return False
    mappings = {e.key.split(".", 1)[0] for e in parsed.entries if e.owner == "<module>" and e.kind is EntryKind.mapping}
    if not mappings:
        return False
    tree = side.parse(path, text) if side.parse is not None else None
    guard = main_guard(tree) if tree is not None else None
    if guard is None:
        return False
    aliases = _aliases(tree)  # type: ignore[arg-type]
    for name in _handed_names(guard):
        for _ in range(_ALIAS_HOPS):
            if normalise_segment(name) in mappings or name in mappings:
                return True
            if name not in aliases:
                break
            name = aliases[name]
    return False


def _experiment_scripts(side: SideData, effective: set[str], reached: set[str], script: str | None) -> list[str]:
    """Experiment scripts (`experiment_script`) the entry neither is nor reaches: each is a run of its own, so
    its module-level mappings are compared as a run-time candidate, as files the entry loads from a path chosen at
    run time are (severity capped, grouped across files, new scripts no-effect)."""
    return sorted(p for p in side.parsed if p != script and p not in effective and p not in reached
                  and experiment_script(side, p))


def _layer_entries(side: SideData, path: str, layers: list[ConfigEntry], keep: Callable[[ConfigEntry], bool]) -> None:
    """Layer the entries of one run-time candidate file that `keep` selects, under the file's path prefix."""
    prefix = _path_prefix(path)
    layers.extend(replace(e, key=join2(prefix, e.key), order=len(layers) + i + 1)
                  for i, e in enumerate(x for x in side.parsed[path].entries if keep(x)))


def _add_experiments(side: SideData, experiments: list[str], entry: EntryPoint, layers: list[ConfigEntry],
                     effective_files: set[str], runtime_files: dict[str, str]) -> None:
    """Layer the module-level mappings of each experiment script as a run-time candidate (its own loader)."""
    if not experiments:
        return
    entry.notes.append(f"{len(experiments)} experiment scripts (a `__main__` block that runs its own module-level "
                       "configuration) are compared as runs of their own")
    for path in experiments:
        _layer_entries(side, path, layers, lambda x: x.owner == "<module>" and x.kind is EntryKind.mapping)
        runtime_files[path] = path
    effective_files.update(experiments)


# Words that name a script which reads or shows a trained agent rather than training one: such a rival is no run.
_NOT_TRAINING = re.compile(r"eval|test|plot|render|visuali[sz]|video|record|demo|bench|analy[sz]|export|download|convert|"
                           r"summar|inspect|playback|enjoy", re.IGNORECASE)


def _training_rival(side: SideData, path: str, entry_script: str | None) -> bool:
    """Whether a rival script (as likely an entry as the one followed) is a training run of its own.

    Its file name carries a training word (`train`, `learn`, `fit`, `run`, `main`, `launch`: `run_combo.py`
    beside `run_cql.py`) and no word of evaluation or display (`run_eval.py`, `plot.py`), and it lies in the
    entry's own kind of folder: a rival in `examples/` counts when the followed entry is itself an example
    (rljax: `examples/mujoco/train_ppo.py` followed, `examples/dm_control/train_slac.py` as likely), never
    beside a library entry. A `@hydra.main` script needs no training word: the decorator is the evidence
    (og-marl's `offline/continuous_bc.py`)."""
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    if _NOT_TRAINING.search(stem) or not (TRAIN_WORDS.search(stem) or hydra_of(side, path, None) is not None):
        return False
    kind = out_of_scope_kind(path)
    return kind is None or (entry_script is not None and kind == out_of_scope_kind(entry_script) and kind == "example")


MAX_MANDATORY_OPTIONS = 80  # options of a mandatory group composed as runs of their own


def _add_mandatory_options(side: SideData, composition: Composition, entry: EntryPoint, layers: list[ConfigEntry],
                           effective_files: set[str], runtime_files: dict[str, str], runs: dict[str, str]) -> None:
    """Each option of a mandatory Hydra group (`- exp: ???`: every run names one) composed as a run of its own:
    what it composes beyond the entry's own composition (its files' keys, and the keys whose value it changes)
    is layered under the option file's path prefix, a run-time candidate of that option (severity capped, a new
    option no-effect). Real shape: sheeprl 62b3da0f..33b63668, `sheeprl/configs/config.yaml` lists `- exp: ???`;
    `exp/a2c.yaml` selects `override /algo: a2c`, and `configs/algo/a2c.yaml:9-18` (`gae_lambda` 1.0 -> 0.95,
    `rollout_steps` 5 -> 128, `max_grad_norm` 0.5 -> 0.0) was other configuration: no finding."""
    primary = entry.hydra_config
    if not composition.mandatory or not primary:
        return
    config_dir = posixpath.dirname(primary)
    own = {(e.key, repr(e.value)) for e in composition.entries}
    base_files = set(composition.files)
    for group in composition.mandatory:
        folder = posixpath.join(config_dir, group) + "/" if config_dir else group + "/"
        options = sorted(p for p in side.parsed if p.startswith(folder) and "/" not in p[len(folder):]
                         and p.endswith((".yaml", ".yml")))[:MAX_MANDATORY_OPTIONS]
        for path in options:
            option = path[len(folder):].rsplit(".", 1)[0]
            try:
                run = compose(side.load, primary, [f"{group}={option}"])
            except Exception:  # one option that does not compose loses only that option
                continue
            prefix = _path_prefix(path)
            runs[prefix] = path
            picked = [e for e in run.entries if e.path not in base_files or (e.key, repr(e.value)) not in own]
            layers.extend(replace(e, key=join2(prefix, e.key), order=len(layers) + i + 1) for i, e in enumerate(picked))
            for f in run.files:
                if f not in base_files:
                    runtime_files.setdefault(f, path)
            effective_files.update(f for f in run.files if f not in base_files)
    entry.notes.append("the options of mandatory group(s) " + ", ".join(f"`{g}`" for g in composition.mandatory)
                       + " are composed as runs of their own")


def _add_rival_scripts(side: SideData, resolved: ResolvedEntry, reached: set[str], entry: EntryPoint,
                       layers: list[ConfigEntry], effective_files: set[str], runtime_files: dict[str, str],
                       runs: dict[str, str]) -> None:
    """The other training scripts, as likely an entry as the one followed and named for training
    (`train_finetune.py` beside `train_offline.py`), or named as the entry in another folder (`ResolvedEntry.siblings`),
    are runs of their own: their option defaults (argparse,
    absl flags) are layered as a run-time candidate, like experiment scripts (severity capped, new scripts
    no-effect). Real shape: implicit_q_learning 09d7002 raised `replay_buffer_size` in `train_finetune.py`'s
    flags; `train_offline.py` was followed and the retune was other configuration, no finding.

    A training word other than `train` names a run too (`_training_rival`): OfflineRL-Kit 91e5ac00..e3ce6979
    followed `run_example/run_cql.py`, and `run_example/run_combo.py:63-64` (`--uniform-rollout` True -> False,
    `--rho-s` "model" -> "mix") was other configuration. A rival with its own `@hydra.main` runs its own
    composed config (`_add_rival_hydra`): og-marl e9d10280..c6e6974c followed `online/qmix.py`, and
    `offline/configs/continuous_bc.yaml:7-10` (the default task) was other configuration."""
    named = [p for p in resolved.rivals if _training_rival(side, p, resolved.script)]
    # scripts named as the entry in other folders (one `run.py` per agent): bsuite 0.3.2..0.3.3 changed the jax
    # Bootstrapped DQN's `flags.DEFINE_integer('num_ensemble', 20 -> 1)` in `baselines/jax/boot_dqn/run.py` while
    # the detected entry was `baselines/random/run.py` (shallower): the retune was no finding
    rivals = [p for p in [*named, *resolved.siblings] if p not in effective_files
              and p not in reached and (out_of_scope_kind(p) is None or p in named) and p in side.parsed]
    if not rivals:
        return
    entry.notes.append(f"{len(rivals)} other training script{'s' if len(rivals) > 1 else ''} as likely as the entry "
                       f"({', '.join(f'`{p}`' for p in rivals[:3])}{', ...' if len(rivals) > 3 else ''}): "
                       "their option defaults are compared as runs of their own")
    for path in rivals:
        _layer_entries(side, path, layers, lambda x: x.kind is EntryKind.option_default)
        runtime_files[path] = path
        runs[_path_prefix(path)] = path
        _add_rival_hydra(side, path, entry, layers, effective_files, runtime_files)
    effective_files.update(rivals)


def _add_rival_hydra(side: SideData, path: str, entry: EntryPoint, layers: list[ConfigEntry],
                     effective_files: set[str], runtime_files: dict[str, str]) -> None:
    """A rival script's own `@hydra.main` config, composed and layered under the script's path prefix as a run
    of its own (each config file it composes is a run-time candidate file of that script). A file the followed
    entry composes too stays the entry's (its keys are compared there)."""
    hydra = hydra_of(side, path, None)
    if hydra is None:
        return
    directory, name = hydra
    primary = f"{directory}/{name}.yaml" if directory else f"{name}.yaml"
    try:
        composition = compose(side.load, primary, [])
    except Exception:  # a rival's config that does not compose is no reason to lose the entry's comparison
        return
    files = [f for f in composition.files if f not in effective_files]
    if not files:
        return
    prefix = _path_prefix(path)
    own = set(files)
    layers.extend(replace(e, key=join2(prefix, e.key), order=len(layers) + i + 1)
                  for i, e in enumerate(x for x in composition.entries if x.path in own))
    for f in files:
        runtime_files[f] = path
    effective_files.update(files)


def _script_paths(command: LaunchCommand, side: SideData) -> set[str]:
    """Repository paths a launch command's target can be (relative to the script or the repository)."""
    if command.module:
        found = side.program.module_for(command.module)
        return {found} if found else set()
    script = command.script or ""
    here = posixpath.dirname(command.path)
    return {posixpath.normpath(p) for p in (script, posixpath.join(here, script)) if not p.startswith("/")}


def launch_commands(side: SideData, resolved: ResolvedEntry) -> list[LaunchCommand]:
    """The launch-script commands that run the entry's script at this commit."""
    script = resolved.script
    if not script:
        return []
    return [c for parsed in side.parsed.values() if parsed.format == "shell"
            for c in (parsed.data if isinstance(parsed.data, list) else ()) if script in _script_paths(c, side)]


def launch_command(side: SideData, resolved: ResolvedEntry, launch_in: str | None = None) -> LaunchCommand | None:
    """The launch-script command that runs the entry's script (`python ppo.py --lr 3e-3` in
    `scripts/run.sh`), when exactly one does at this commit: its arguments are a layer of the
    effective configuration. Several commands running the entry (one per experiment) are ambiguous:
    none is applied, and all stay "other" configuration, unless exactly one of them is in `launch_in`,
    the launch script whose command runs the entry at the other commit (`analyzer.compare_configs`):
    a second script added beside it (Online-RLHF's `run_loop2.sh` beside `run_loop.sh`) starts another
    run, and the run of the script both commits have is the one compared."""
    found = launch_commands(side, resolved)
    if len(found) > 1 and launch_in is not None:
        found = [c for c in found if c.path == launch_in]
    return found[0] if len(found) == 1 else None


def _place_overrides(entries: list[ConfigEntry], launch: LaunchCommand | None) -> None:
    """Hydra overrides taken from a launch command point at its line, not at `<command line>`."""
    if launch is None:
        return
    lines = {a.key: a.line for a in launch.args if a.override}
    for e in entries:
        if e.path == "<command line>" and e.key in lines:
            e.path, e.line, e.format = launch.path, lines[e.key], "shell"


# The function a Python config file defines (ml_collections `config_flags.DEFINE_config_file`).
CONFIG_FUNCTION = "get_config"


def _config_modules(side: SideData, follower: _Follower) -> list[str]:
    """Python config files named by string literals in reached code that define `get_config()`
    (`config_flags.DEFINE_config_file("config", "configs/sac_default.py")`)."""
    found: list[str] = []
    for module, fn in list(follower.order):
        base = module.path.rsplit("/", 1)[0] if "/" in module.path else ""
        for name in fn.config_files:
            if not name.endswith(".py"):
                continue
            rel = posixpath.normpath(name.removeprefix("./"))
            for path in (rel, posixpath.join(base, rel) if base else rel, _only_config_module_below(side, base, rel)):
                target = side.program.modules.get(path) if path else None
                if path and target is not None and CONFIG_FUNCTION in target.functions and path not in found \
                        and path not in follower.modules:
                    found.append(path)
                    break
    return found


def _only_config_module_below(side: SideData, base: str, rel: str) -> str | None:
    """The one config module under the naming module's folder whose path ends with the name: the name was joined
    to a folder the code computes (octo's `os.path.join(config_dir, "config.py:transformer_bc")` with
    `config_dir = os.path.join(os.path.dirname(__file__), "configs")`); two candidates are not guessed between."""
    suffix = "/" + rel
    prefix = base + "/" if base else ""
    hits = [path for path, module in side.program.modules.items()
            if path.endswith(suffix) and path.startswith(prefix) and CONFIG_FUNCTION in module.functions]
    return hits[0] if len(hits) == 1 else None


def _replace_subtree(config: SideConfig, root: str, by: ConfigEntry) -> None:
    """A whole mapping assigned to `root` drops the keys it no longer contains."""
    prefix = root + "."
    for key in [k for k in config.effective if k.startswith(prefix)]:
        config.shadowed.setdefault(key, []).append(config.effective.pop(key))
        config.replaced[key] = by


def _compose_entry(side: SideData, resolved: ResolvedEntry, hydra: tuple[str, str], launch: LaunchCommand | None,
                   entry: EntryPoint) -> Composition:
    """The Hydra composition of the entry's `@hydra.main` config, with the overrides it is run with
    (the resolved ones, else the launch command's)."""
    directory, name = hydra
    primary = f"{directory}/{name}.yaml" if directory else f"{name}.yaml"
    overrides = resolved.overrides
    if launch is not None and not overrides:
        overrides = [f"{a.raw}={a.text}" for a in launch.args if a.override]
    composition = compose(side.load, primary, overrides)
    if overrides is not resolved.overrides:
        _place_overrides(composition.entries, launch)
    entry.hydra_config = primary
    entry.notes.extend(composition.notes)
    return composition


def _add_loaded(side: SideData, path: str, entry: EntryPoint, layers: list[ConfigEntry], effective_files: set[str],
                targets: dict[str, str]) -> None:
    """A config file the reached code loads: its entries (a Hydra-style defaults list composed first)."""
    parsed = side.parsed[path]
    if isinstance(parsed.data, dict) and isinstance(parsed.data.get("defaults"), list):
        # a Hydra-style defaults list, composed by the project's own loader: compose it the same way
        composition = compose(side.load, path)
        entry.notes.append(f"`{path}` is loaded by code the entry reaches; its defaults list was composed")
        entry.notes.extend(composition.notes)
        for e in composition.entries:
            layers.append(replace(e, order=len(layers) + 1))
        effective_files.update(composition.files)
        targets.update(composition.targets)
        entry.hydra_config = entry.hydra_config or path
    else:
        entry.notes.append(f"`{path}` is loaded by code the entry reaches")
        for e in parsed.entries:
            layers.append(replace(e, order=len(layers) + 1))


def _apply_layers(config: SideConfig, layers: list[ConfigEntry]) -> None:
    """Stack the layers by precedence, then order: later values win, earlier ones are kept as shadowed."""
    replaced: set[tuple[str, str, int | None]] = set()
    for item in sorted(layers, key=lambda e: (e.kind.precedence, e.order)):
        if item.replaces is not None and (group := (item.replaces, item.path, item.line)) not in replaced:
            replaced.add(group)
            _replace_subtree(config, item.replaces, item)
        previous = config.effective.get(item.key)
        if previous is not None:
            config.shadowed.setdefault(item.key, []).append(previous)
        config.effective[item.key] = item


def _add_other(config: SideConfig, path: str, parsed: ParsedFile, class_paths: Mapping[str, object],
               reached_modules: set[str]) -> None:
    """Configuration of a file the entry does not use (`SideConfig.other`): every entry of a config
    file; of a Python module, defaults of classes the entry does not instantiate and options of
    modules it does not reach."""
    if parsed.format != "python":
        prefix = _path_prefix(path)
        for e in parsed.entries:
            key = join2(prefix, e.key)
            config.other[key] = e.with_key(key)
        return
    for e in parsed.entries:
        if e.kind is EntryKind.field_default and e.owner not in class_paths:
            key = join2(class_segment(e.owner or ""), e.key)
            config.other[key] = e.with_key(key)
        elif e.kind is EntryKind.option_default and path not in reached_modules:
            key = join(normalise_segment(e.owner or ""), e.key) if e.owner != "<module>" else e.key
            config.other[key] = e.with_key(key)


def overridden_defaults(side: SideData, entries: list[tuple[str, ConfigEntry]]) -> dict[str, str]:
    """{key: class} of the field defaults that every construction of their class in the tree passes by
    keyword (`MAPPOConfig(batch_size=batch_size, ...)`, the only call): what runs use is the argument, never
    the default (Mava 0.1.2..0.1.3: `MAPPOConfig.batch_size` 32 -> 512, a false critical; the system passes
    its own `batch_size=512` at both commits). A call that spreads `**kwargs` or passes positional arguments
    may or may not pass it: the default then counts."""
    fields: dict[str, list[tuple[str, str]]] = {}
    for key, e in entries:
        if e.kind is EntryKind.field_default and e.owner and e.raw_key == f"{e.owner}.{e.raw_key.rsplit('.', 1)[-1]}":
            fields.setdefault(e.owner, []).append((key, e.raw_key.rsplit(".", 1)[-1]))
    if not fields:
        return {}
    pattern = re.compile(r"\b(" + "|".join(re.escape(c) for c in sorted(fields)) + r")\(")
    made: dict[str, list[ast.Call]] = {}
    for path, text in side.sources.items():
        if not pattern.search(text):
            continue
        tree = side.parse(path, text) if side.parse is not None else None
        if tree is None:
            return {}  # a construction we cannot read: every default may be used
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and (name := last_name(dotted_call(node))) in fields:
                made.setdefault(name, []).append(node)
    out: dict[str, str] = {}
    for cls, keys in fields.items():
        calls = made.get(cls, [])
        if not calls or any(c.args or any(k.arg is None for k in c.keywords) for c in calls):
            continue
        for key, name in keys:
            if all(any(k.arg == name for k in c.keywords) for c in calls):
                out[key] = cls
    return out


def _entry_hydra(side: SideData, resolved: ResolvedEntry, launch: LaunchCommand | None,
                 entry: EntryPoint) -> tuple[str, str] | None:
    """The (directory, name) of the primary config the entry composes: the decorator's, unless the launch command's
    Hydra flags name another config file of this commit (config/hydra_flags.py)."""
    hydra = resolved.hydra
    if hydra is not None and (picked := launched_hydra(hydra, launch, resolved.script, side.parsed)) is not None:
        if picked != hydra:
            entry.notes.append(f"the launch command's Hydra flags select `{picked[0]}/{picked[1]}.yaml` as the "
                               f"primary config (the decorator names `{hydra[0]}/{hydra[1]}.yaml`)")
        hydra = picked
    return hydra


def build_side(side: SideData, resolved: ResolvedEntry,
               launch_in: str | None = None) -> tuple[SideConfig, dict[str, str]]:
    """The effective configuration at one commit, plus `_target_`s of composed sections. `launch_in`:
    the launch script whose command runs the entry at the other commit (`launch_command`)."""
    entry = EntryPoint(spec=resolved.spec, script=resolved.script, function=resolved.function,
                       how=resolved.how, recipe=resolved.recipe, notes=list(resolved.notes),
                       rivals=list(resolved.rivals))
    layers: list[ConfigEntry] = []
    effective_files: set[str] = set()
    targets: dict[str, str] = {}
    launch = launch_command(side, resolved, launch_in)
    if launch is not None:
        effective_files.add(launch.path)
        entry.notes.append(f"`{launch.path}:{launch.line}` runs the entry; its arguments are applied")
    runtime_files: dict[str, str] = {}
    runs: dict[str, str] = {}  # key prefix -> the file that defines a run of its own
    missing: set[str] = set()
    hydra = _entry_hydra(side, resolved, launch, entry)
    flags = {id(a) for a in hydra_flags(launch)} if hydra is not None else set()
    if hydra is not None:
        composition = _compose_entry(side, resolved, hydra, launch, entry)
        missing.update(composition.missing)
        layers.extend(composition.entries)
        effective_files.update(composition.files)
        targets.update(composition.targets)
        _add_mandatory_options(side, composition, entry, layers, effective_files, runtime_files, runs)
    if launch is not None:
        # a config file the script writes and hands to the command, then the command's own options
        layers.extend(replace(e, order=len(layers) + i) for i, e in enumerate(launch.files))
        layers.extend(ConfigEntry(key=a.key, raw_key=a.raw, value=a.value, literal=a.literal, path=launch.path,
                                  line=a.line, format="shell", kind=EntryKind.cli_arg, order=len(layers) + i,
                                  owner=launch.script or launch.module)
                      for i, a in enumerate(launch.args) if not a.override and id(a) not in flags)
    follower = _Follower(side)
    for path, function in resolved.starts:
        follower.start(path, function)
    for path in _config_modules(side, follower):
        entry.notes.append(f"`{path}` is named by code the entry reaches; its `{CONFIG_FUNCTION}()` was followed")
        follower.start(path, CONFIG_FUNCTION)
    loaded = _loaded_files(side, follower, effective_files)
    for path in loaded:
        _add_loaded(side, path, entry, layers, effective_files, targets)
    effective_files.update(loaded)
    sections = _picked_at_run_time(side, follower) if loaded else None
    runtime = _runtime_candidates(side, follower, effective_files, hydra=resolved.hydra is not None)
    if runtime:
        module, formats, files = runtime
        entry.notes.append(f"`{module}` loads a {'/'.join(sorted(f.upper() for f in formats))} config chosen at "
                           f"run time; the {len(files)} such files of this commit are compared as candidates")
        for path in files:
            prefix = _path_prefix(path)
            for e in side.parsed[path].entries:
                layers.append(replace(e, key=join2(prefix, e.key), order=len(layers) + 1))
        effective_files.update(files)
    modules = _runtime_modules(side, follower, effective_files)
    runtime_files.update({path: runtime[0] for path in runtime[2]} if runtime else {})
    if modules:
        loader, found = modules
        entry.notes.append(f"`{loader}` imports a Python config module named at run time; the {len(found)} "
                           "modules of this commit that define what it reads are compared as candidates")
        for path in found:
            _layer_entries(side, path, layers, lambda x: x.owner == "<module>" and x.kind in _MODULE_DATA)
            runtime_files[path] = loader
        effective_files.update(found)
    _add_experiments(side, _experiment_scripts(side, effective_files, set(follower.modules), resolved.script),
                     entry, layers, effective_files, runtime_files)
    _add_rival_scripts(side, resolved, set(follower.modules), entry, layers, effective_files, runtime_files, runs)
    emitter = _Emitter(side, follower, order_start=len(layers))
    emitter.class_paths()
    emitter.functions()
    layers.extend(emitter.entries)

    # options that only select the recipe or the config file are not training configuration
    selectors = {resolved.recipe, *loaded} - {None}
    # a selector is a string; a value of any other type (a list, a mapping) selects nothing and is
    # never looked up in the set (a list-valued option default is unhashable)
    layers = [e for e in layers
              if not (e.kind in _SELECTOR_KINDS and isinstance(e.value, str) and e.value in selectors)]
    config = SideConfig(entry=entry)
    config.missing_files = missing
    config.launch = launch.path if launch is not None else None
    config.library_args = set(follower.library_args)
    config.runtime_files = runtime_files
    config.run_prefixes = runs
    if sections is not None:
        module, always = sections
        config.runtime_sections = {path: (module, always) for path in loaded}
        entry.notes.append(f"`{module}` picks sections of the loaded document at run time; only "
                           + (", ".join(f"`{s}`" for s in sorted(always)) or "none") + " serve every run")
    _apply_layers(config, layers)

    reached_modules = set(follower.modules)
    for path, parsed in side.parsed.items():
        if path not in effective_files:
            _add_other(config, path, parsed, emitter.paths, reached_modules)
    config.files = len(side.parsed)
    # a run of its own outside the training scope (an example beside an example entry) has its settings compared,
    # but is no training file of the entry's: the scope rule keeps judging its code (PARL c5a4a771..02a99f68: the
    # `examples/PPO/` scripts beside the followed `examples/ES/train.py` would otherwise keep their rewrite's findings)
    peers = {p for p in runs.values() if out_of_scope_kind(p) is not None}
    config.training_files = {*(effective_files - peers), *reached_modules, *([resolved.script] if resolved.script else [])}
    return config, targets
