"""Hydra's own command-line flags in a launch command: `--config-path` / `-cp`, `--config-name` / `-cn`.

Why: they choose the primary config the `@hydra.main` entry composes; they are no settings of the run. Real shape
(rl-swarm e1b2de80..22bb5475 `run_rl_swarm.sh`): `python -m rgym_exp.runner.swarm_launcher --config-path
"$ROOT/rgym_exp/config" --config-name "rg-swarm.yaml"` -> the `code_gen_exp` launcher with `code-gen-swarm.yaml`.
The decorator's `config.yaml` (absent) was composed instead, so both commits had an empty effective configuration,
`config_path` / `config_name` were "configured, but no code reads it", and a swap of the whole experiment (data
manager, reward stores, model pools) drew no finding.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Container

from investigator.config.extractors.launch import LaunchArg, LaunchCommand

# normalised keys of the flags (`--config-name`, `-cn` -> `config_name`); `--config-dir` only adds a search path
NAME_KEYS = frozenset({"config_name"})
PATH_KEYS = frozenset({"config_path"})
FLAG_KEYS = NAME_KEYS | PATH_KEYS | {"config_dir"}
_LEADING_VARIABLE = re.compile(r"^(\$\{?\w+\}?|~)/")


def hydra_flags(launch: LaunchCommand | None) -> list[LaunchArg]:
    """The launch command's Hydra flags (long form as `--flag value` or `--flag=value`, or the short `-cn`)."""
    if launch is None:
        return []
    return [a for a in launch.args if not a.override and a.key in FLAG_KEYS]


def _directories(text: str, script_dir: str) -> list[str]:
    """Repository-relative folders a `--config-path` value can name: relative to the entry script (Hydra's rule for
    a relative path), else the path under a leading variable (`$ROOT/conf`, `${PWD}/conf`) or as written."""
    text = text.strip().strip("\"'")
    rel = _LEADING_VARIABLE.sub("", text).removeprefix("./").rstrip("/")
    if "$" in rel or rel.startswith("/"):
        return []
    as_written = posixpath.normpath(rel)
    from_script = posixpath.normpath(posixpath.join(script_dir, rel)) if script_dir else as_written
    # a path under a variable names the repository's folder; a plain relative one is Hydra's, from the script
    order = [as_written, from_script] if _LEADING_VARIABLE.match(text) else [from_script, as_written]
    return [d if d != "." else "" for d in dict.fromkeys(order)]


def launched_hydra(hydra: tuple[str, str], launch: LaunchCommand | None, script: str | None,
                   files: Container[str]) -> tuple[str, str] | None:
    """(config directory, config name) the launch command makes the entry compose, when its flags name a config
    file of this commit; None when it passes no such flag or the file they name is not found (then the
    decorator's config stays)."""
    flags = {a.key: a for a in hydra_flags(launch)}
    if not flags.keys() & (NAME_KEYS | PATH_KEYS):
        return None
    directory, name = hydra
    if (arg := flags.get("config_name")) is not None:
        if not arg.literal or "$" in arg.text:
            return None
        name = arg.text.strip("\"'").removesuffix(".yaml").removesuffix(".yml")
    choices = [directory]
    if (arg := flags.get("config_path")) is not None:
        script_dir = posixpath.dirname(script or "")
        choices = _directories(arg.text, script_dir)
    for folder in choices:
        if (f"{folder}/{name}.yaml" if folder else f"{name}.yaml") in files:
            return folder, name
    return None
