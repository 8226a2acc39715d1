"""Configuration plumbing: statements that only declare, load or reshape configuration.

Why: when config forensics compared the effective configuration of both commits, the values these
statements carry (a `--config` option, a YAML load, `asdict(train_config())`) are already compared
key by key, and a changed value is its finding there. Reporting the statement again as "behavioural
change in the environment path" turns every configuration refactor (YAML files into Python classes)
into a code regression. A statement is plumbing only when every call in it is a configuration call;
one other call (`torch.load`, `make_env`, a model constructor) keeps it on the flow.
"""

from __future__ import annotations

import ast
import re

from investigator.detectors.functions import FunctionInfo
from investigator.detectors.pairs import PY_SUFFIXES, SideIndex, enclosing_function
from investigator.flow.units import Unit
from investigator.pyast import call_name, last_name, receiver
from investigator.scope import out_of_scope_kind

# argparse declarations and parsing
ARGPARSE_CALLS = {"add_argument", "add_argument_group", "add_mutually_exclusive_group", "parse_args",
                  "parse_known_args", "set_defaults", "ArgumentParser"}
# document loaders, only on a configuration-format module (`torch.load` is a checkpoint, not configuration)
LOADER_CALLS = {"load", "safe_load", "full_load", "loads", "create", "merge", "structured", "to_container",
                "to_object", "to_yaml", "compose", "initialize", "initialize_config_dir", "cli"}
# (`tyro.cli(Args)`: command-line options parsed into a configuration dataclass, as `parser.parse_args()`)
LOADER_RECEIVER = re.compile(r"^(yaml|json|toml|tomllib|tomli|omegaconf|OmegaConf|hydra|ruamel\.yaml|tyro)$")
# whole-object views of a configuration object
VIEW_CALLS = {"asdict", "model_dump", "dict", "vars", "replace", "model_copy", "copy", "deepcopy"}
# project helpers named for configuration: load_config(), get_args(), train_config(), parse_cfg()
CONFIG_HELPER = re.compile(
    r"^(load|read|parse|get|make|build|default|create)_?(config|cfg|conf|args|arguments|params|hparams|"
    r"hyperparams|settings|options)$|(^|_)(config|cfg|conf|settings|hparams|arguments)$",
    re.IGNORECASE,
)
# project helpers that register options on a parser handed to them (sample-factory's `parser =
# add_slurm_args(parser)`, `add_ppo_args(parser)`): what they add is an option, compared as configuration
OPTION_REGISTRAR = re.compile(r"^add_\w*(args|arguments|options|flags|params)$", re.IGNORECASE)
CONFIG_RECEIVER = re.compile(r"(^|[._])(cfg|config|conf|args|settings|hparams|params|parser)($|[._])", re.IGNORECASE)
# value conversions and paths that only spell the configuration's location
NEUTRAL_CALLS = {"open", "Path", "str", "int", "float", "bool", "join", "format", "expanduser", "abspath",
                 "dirname", "basename", "exists", "isfile"}


# modules whose functions take the object viewed as their first argument (`dataclasses.replace(cfg, ...)`)
VIEW_MODULES = {"dataclasses", "copy", "attr", "attrs"}


def _view_of_configuration(call: ast.Call, recv: str) -> bool:
    """A whole-object view (`replace`, `copy`, `asdict`) is plumbing only of a configuration object:
    `storage.replace(returns=...)` (a flax dataclass of rollout storage) or `copy.deepcopy(model)` carry
    training values that config forensics never compares."""
    if recv and recv not in VIEW_MODULES:
        return bool(CONFIG_RECEIVER.search(recv))
    if not call.args:
        return True  # `dict(lr=3e-4, ...)`: a configuration literal
    first = call.args[0]
    if isinstance(first, ast.Call):
        return _is_config_call(first)
    if isinstance(first, ast.Name | ast.Attribute | ast.Subscript):
        return bool(CONFIG_RECEIVER.search(ast.unparse(first)))
    return True


def _is_config_call(call: ast.Call) -> bool:
    name = last_name(call_name(call))
    recv = receiver(call)
    if name in ARGPARSE_CALLS or name in NEUTRAL_CALLS:
        return True
    if name in VIEW_CALLS:
        return _view_of_configuration(call, recv)
    if name in LOADER_CALLS:
        return bool(LOADER_RECEIVER.match(recv))
    if name == "get":  # cfg.get("lr", 3e-4): a configuration read, compared by config forensics
        return bool(CONFIG_RECEIVER.search(recv))
    if OPTION_REGISTRAR.match(name):
        return bool(call.args) and all(CONFIG_RECEIVER.search(ast.unparse(a)) for a in call.args)
    return bool(CONFIG_HELPER.search(name))


def is_config_plumbing(unit: Unit) -> bool:
    """Whether the statement only declares, loads or reshapes configuration (see the module doc)."""
    if isinstance(unit.node, ast.Import | ast.ImportFrom):
        return False  # an import is judged by what uses it
    calls = [n for part in unit.parts for n in ast.walk(part) if isinstance(n, ast.Call)]
    return bool(calls) and all(_is_config_call(c) for c in calls)


# calls that only read an object's shape or signature: a helper made of these builds no environment or model
INTROSPECTION = {"isinstance", "issubclass", "hasattr", "getattr", "callable", "signature", "getfullargspec",
                 "items", "keys", "values", "len", "type", "get", "append", "update"}
MAX_REFERENCES = 40
MAX_DEPTH = 3


def only_introspects(unit: Unit) -> bool:
    """A statement whose calls (if any) are configuration calls or introspection (`isinstance(fn, partial)`,
    `inspect.signature(fn)`): inside a configuration helper it computes configuration, nothing else."""
    if isinstance(unit.node, ast.Import | ast.ImportFrom):
        return False
    calls = [n for part in unit.parts for n in ast.walk(part) if isinstance(n, ast.Call)]
    return all(_is_config_call(c) or last_name(call_name(c)) in INTROSPECTION for c in calls)


def configuration_helper(fn: FunctionInfo, side: SideIndex) -> bool:
    """Whether every use of `fn`'s name in product code lies in a function named for configuration
    (`load_config`, `parse_args`) or in another helper of which this holds, and there is one. Real shape
    (PufferLib 9aa817f7..d4d17e69): `get_init_args(fn)`, which reads a function's keyword defaults for
    the `--help` of `load_config`, gained `if isinstance(fn, functools.partial): return fn.keywords`
    ("Behavioural change in the optimizer path"); what it returns is the configuration config forensics
    compares, as the `load_config(...)` call that uses it is."""
    return _configuration_helper(fn, side, 0, set())


def _configuration_helper(fn: FunctionInfo, side: SideIndex, depth: int, seen: set[tuple[str, str]]) -> bool:
    if fn.is_module or depth > MAX_DEPTH or CONFIG_HELPER.search(fn.name):
        return False  # a helper named for configuration is judged statement by statement (`is_config_plumbing`)
    seen.add((fn.path, fn.qualname))
    mentions = side.references(fn.name)
    users: list[FunctionInfo] = []
    for path, line in mentions[:MAX_REFERENCES + 1]:
        if not path.endswith(PY_SUFFIXES) or out_of_scope_kind(path) in ("test", "documentation"):
            continue
        module = side.module(path)
        user = enclosing_function(module, line) if module is not None else None
        if user is None:
            return False
        users.append(user)
    if not users or len(mentions) > MAX_REFERENCES:
        return False
    checked = 0
    for user in users:
        if (user.path, user.qualname) in seen:
            continue  # a recursive helper
        if not CONFIG_HELPER.search(user.name) and not _configuration_helper(user, side, depth + 1, seen):
            return False
        checked += 1
    # every user already seen: a chain that reaches no configuration code (a framework hook such as
    # `Trainer.prediction_step`, named only inside itself) is no evidence of configuration use
    return checked > 0


def helper_fed(base: Unit, cand: Unit, base_side: SideIndex, cand_side: SideIndex) -> bool:
    """A local assigned at both commits from configuration only: each side's calls are configuration or
    introspection calls, or calls of a project helper that only configuration code uses
    (`configuration_helper`), at least one side calls such a helper, and both assign the same plain
    names. Real shape (PufferLib 9aa817f7..d4d17e69, `load_config`): `policy_args = env_module.Policy.keywords`
    -> `policy_args = pufferlib.utils.get_init_args(env_module.Policy)`, the keyword defaults shown by `--help`
    ("Behavioural change in the optimizer path")."""
    targets = [_plain_targets(u) for u in (base, cand)]
    if not targets[0] or targets[0] != targets[1]:
        return False
    fed = [_helper_calls(u, side) for u, side in ((base, base_side), (cand, cand_side))]
    return all(f is not None for f in fed) and any(fed)


def _plain_targets(unit: Unit) -> frozenset[str]:
    node = unit.node
    if not (isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets)):
        return frozenset()
    return frozenset(t.id for t in node.targets if isinstance(t, ast.Name))


def _helper_calls(unit: Unit, side: SideIndex) -> int | None:
    """How many calls of the statement go to configuration-only project helpers; None when one of its
    calls is neither that nor a configuration or introspection call."""
    count = 0
    for call in (n for part in unit.parts for n in ast.walk(part) if isinstance(n, ast.Call)):
        name = last_name(call_name(call))
        if _is_config_call(call) or name in INTROSPECTION:
            continue
        defs = side.find_defs(name) if name else []
        if not defs or not all(configuration_helper(fn, side) for fn in defs):
            return None
        count += 1
    return count
