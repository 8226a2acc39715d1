"""Propose a training command from the entry script's argument parser, when the user gives none.

Why: most RL scripts already take a seed, a step budget, a log directory and a device on the
command line; reading their parser (statically, with `ast`: nothing of the script runs) gives the
`training_run` probe a command the user only has to confirm. What was found and what is missing is
said, because a command without a log-dir flag cannot be compared (the probe is then unavailable).

Three parser styles: argparse `add_argument` calls anywhere in the file (flags as written, also
dotted `--train.seed`), a dataclass passed to `tyro.cli` (fields become `--field-name`: tyro turns
underscores into hyphens) and a dataclass taken by a `@pyrallis.wrap()` function (`--field_name`).
Boolean flags (`--cuda`, store_true) are never put in the template: a CPU slot hides the GPUs
(`CUDA_VISIBLE_DEVICES=""`), so the usual `cuda and torch.cuda.is_available()` picks the CPU there.
"""

from __future__ import annotations

import ast
import shlex
from typing import Literal

from pydantic import BaseModel, Field

from investigator.pyast import last_name, name_chain, parse_python

Role = Literal["seed", "steps", "logdir", "device"]
ROLE_PLACEHOLDER: dict[str, str] = {"seed": "{seed}", "steps": "{steps}", "logdir": "{logdir}", "device": "{device}"}
# Destination names per role, most specific first (matched on the flag's last dotted segment, with
# hyphens read as underscores). `num_steps` comes last: in CleanRL-style scripts it is the rollout length.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "seed": ("seed", "random_seed", "rng_seed"),
    "steps": ("total_timesteps", "total_steps", "total_env_steps", "num_timesteps", "max_timesteps", "max_env_steps",
              "num_env_steps", "n_timesteps", "train_steps", "training_steps", "max_steps", "timesteps", "steps",
              "num_steps"),
    "logdir": ("logdir", "log_dir", "log_path", "logging_dir", "tensorboard_log", "tb_log_dir", "tb_dir", "log",
               "run_dir", "output_dir", "out_dir", "outdir", "output", "exp_dir", "experiment_dir", "results_dir",
               "train_dir", "work_dir", "save_dir", "save_path"),
    "device": ("device",),
}
# Switches that choose the GPU: never filled with {device} (whatever their type), left at their default.
DEVICE_SWITCHES = ("cuda", "use_cuda", "no_cuda", "gpu", "use_gpu", "cpu")
ROLE_WORDS: dict[str, str] = {"seed": "seed", "steps": "step-budget", "logdir": "log-dir", "device": "device"}
_BOOL_ACTIONS = frozenset({"store_true", "store_false", "store_const", "count", "BooleanOptionalAction"})


class CliOption(BaseModel):
    """One command-line option of the entry: its flag as written and whether it takes a value."""

    flag: str
    takes_value: bool = True
    required: bool = False


class ProposedCommand(BaseModel):
    """A training-command template read from the entry's parser, and what it could not find."""

    entry: str
    style: Literal["argparse", "tyro", "pyrallis"]
    template: str
    flags: dict[str, str] = Field(default_factory=dict)  # role -> flag used
    missing: list[str] = Field(default_factory=list)  # roles without a flag
    notes: list[str] = Field(default_factory=list)

    @property
    def usable(self) -> bool:
        """Logs can be compared only when the run writes them where the probe looks."""
        return "logdir" in self.flags

    def describe(self) -> str:
        """One sentence for the report."""
        text = f"proposed from the {self.style} parser of {self.entry}: `{self.template}`"
        if "logdir" in self.missing:
            text += "; no log-dir flag found, so logs cannot be compared (give --probe-command)"
        if "steps" in self.missing:
            text += "; no step-budget flag found, so each run trains for the script's default budget"
        if "seed" in self.missing:
            text += "; no seed flag found, so the seeds of a side are not distinct runs"
        return text + "".join(f"; {n}" for n in self.notes)


def propose_command(entry_source: str, entry_path: str) -> ProposedCommand | None:
    """The command for `entry_path` (relative to the checkout), or None when its source has no
    parser this module reads, none of the four flags, or does not parse."""
    tree, _ = parse_python(entry_source)
    if tree is None:
        return None
    found = _argparse_options(tree)
    style: Literal["argparse", "tyro", "pyrallis"] = "argparse"
    if not found:
        dataclass_cli = _dataclass_options(tree)
        if dataclass_cli is None:
            return None
        style, found = dataclass_cli
    proposed = _propose(entry_path, style, found)
    return proposed if proposed.flags else None  # a parser without any of the four: nothing to propose


def _propose(entry: str, style: Literal["argparse", "tyro", "pyrallis"], options: list[CliOption]) -> ProposedCommand:
    by_name: dict[str, CliOption] = {}
    for opt in options:
        by_name.setdefault(_key(opt.flag), opt)
    flags: dict[str, str] = {}
    notes: list[str] = []
    parts = ["{python}", shlex.quote(entry)]
    for role, names in ROLE_NAMES.items():
        chosen = next((by_name[n] for n in names if n in by_name and by_name[n].takes_value), None)
        if chosen is None:
            switch = next((by_name[n] for n in DEVICE_SWITCHES if n in by_name), None) if role == "device" else None
            if switch is not None:
                notes.append(f"`{switch.flag}` is a GPU switch, left at its default (a CPU slot hides the GPUs)")
            continue
        flags[role] = chosen.flag
        parts += [chosen.flag, ROLE_PLACEHOLDER[role]]
        if _key(chosen.flag) == "num_steps":
            notes.append(f"`{chosen.flag}` taken as the step budget (in some scripts it is the rollout length: check)")
    used = set(flags.values())
    required = [o.flag for o in options if o.required and o.flag not in used]
    if required:
        notes.append("required option(s) not filled: " + ", ".join(f"`{f}`" for f in required))
    missing = [role for role in ROLE_NAMES if role not in flags]
    return ProposedCommand(entry=entry, style=style, template=" ".join(parts), flags=flags, missing=missing, notes=notes)


def _key(flag: str) -> str:
    """`--train.total-timesteps` -> `total_timesteps`."""
    return flag.lstrip("-").rsplit(".", 1)[-1].replace("-", "_").lower()


def _argparse_options(tree: ast.Module) -> list[CliOption]:
    """Every `*.add_argument("--flag", ...)` in the file, in source order (positionals left out)."""
    out: list[CliOption] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and last_name(name_chain(node.func)) == "add_argument"):
            continue
        flags = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        longs = [f for f in flags if f.startswith("--")] or [f for f in flags if f.startswith("-")]
        if not longs:
            continue
        keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        action = keywords.get("action")
        action_name = (action.value if isinstance(action, ast.Constant) else last_name(name_chain(action))) if action else ""
        required = keywords.get("required")
        out.append(CliOption(flag=longs[0], takes_value=action_name not in _BOOL_ACTIONS,
                             required=isinstance(required, ast.Constant) and required.value is True))
    out.sort(key=lambda o: o.flag)  # ast.walk is breadth-first: a stable order independent of nesting
    return out


def _dataclass_fields(cls: ast.ClassDef) -> list[tuple[str, bool, bool]]:
    """(name, is_bool, has_default) of the annotated fields of a class body."""
    fields = []
    for stmt in cls.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and not stmt.target.id.startswith("_"):
            is_bool = isinstance(stmt.annotation, ast.Name) and stmt.annotation.id == "bool"
            fields.append((stmt.target.id, is_bool, stmt.value is not None))
    return fields


def _dataclass_options(tree: ast.Module) -> tuple[Literal["tyro", "pyrallis"], list[CliOption]] | None:
    """The options of a dataclass given to `tyro.cli(Args)` or taken by a `@pyrallis.wrap()` function."""
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and name_chain(node.func) in ("tyro.cli", "cli") and node.args:
            cls = classes.get(name_chain(node.args[0]))
            if cls is not None:
                return "tyro", [CliOption(flag="--" + name.replace("_", "-"), takes_value=not is_bool, required=not default)
                                for name, is_bool, default in _dataclass_fields(cls)]
        if isinstance(node, ast.FunctionDef) and any(
                name_chain(d.func if isinstance(d, ast.Call) else d) == "pyrallis.wrap" for d in node.decorator_list):
            annotation = node.args.args[0].annotation if node.args.args else None
            cls = classes.get(name_chain(annotation)) if annotation is not None else None
            if cls is not None:
                return "pyrallis", [CliOption(flag="--" + name, takes_value=not is_bool, required=False)
                                    for name, is_bool, _ in _dataclass_fields(cls)]
    return None
