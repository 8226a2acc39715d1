"""Which training command builds the configuration: given by the user, or detected.

A given entry is `"path/to/script.py [args]"` or a dotted `pkg.module[.function]` path; arguments
that are dotted paths of repository modules/functions select a recipe, `key=value` arguments are
Hydra overrides. Without one, candidates are ranked by a small table of detection rules
(`DETECTORS`): a `@hydra.main` function, a `[project.scripts]` console script, a script with a
`__main__` guard; names that mention training rank first. A CLI's default recipe (an option default
that names a repository module/function) is followed as well.
"""

from __future__ import annotations

import ast
import re
import shlex
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field

from investigator.config.collect import SideData
from investigator.config.program import Ref

TRAIN_WORDS = re.compile(r"train|learn|fit|run|main|launch", re.IGNORECASE)
_DOTTED = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+(:[A-Za-z_]\w*)?$")


@dataclass
class ResolvedEntry:
    """Where to start following: functions (module path, function name or None for the body)."""

    spec: str | None
    how: str
    starts: list[tuple[str, str | None]] = field(default_factory=list)
    hydra: tuple[str, str] | None = None  # (config directory, config name)
    overrides: list[str] = field(default_factory=list)
    recipe: str | None = None
    notes: list[str] = field(default_factory=list)
    # Detected entries only: other scripts as likely to be the entry as the one taken (same rule, same
    # name class, same depth: only the path's length or spelling chose). A repository of standalone
    # scripts (one `__main__` training loop each) has many; none of them is off the training path.
    rivals: list[str] = field(default_factory=list)
    # Detected entries only: scripts of the same file name and name class as the entry in other folders
    # (one `run.py` per algorithm: bsuite's `baselines/random/run.py`, `baselines/jax/boot_dqn/run.py`, ...),
    # deeper or shallower than it: each is a run of its own (`effective._add_rival_scripts`).
    siblings: list[str] = field(default_factory=list)

    @property
    def script(self) -> str | None:
        return self.starts[0][0] if self.starts else None

    @property
    def function(self) -> str | None:
        return self.starts[0][1] if self.starts else None


def _resolve_dotted_entry(side: SideData, text: str) -> tuple[str, str | None] | None:
    text = text.replace(":", ".")
    program = side.program
    ref = program.resolve_dotted(text)
    if ref is None:
        return None
    if ref.kind == "module":
        return ref.module, None
    return (ref.module, ref.name) if ref.kind in ("function", "class") else None


def _main_function(side: SideData, path: str) -> str | None:
    module = side.program.modules.get(path)
    if module is None:
        return None
    for callee in module.main_calls:
        if callee in module.functions:
            return callee
    return None


def hydra_of(side: SideData, path: str, function: str | None) -> tuple[str, str] | None:
    module = side.program.modules.get(path)
    if module is None:
        return None
    candidates = [module.functions[function]] if function and function in module.functions else list(
        module.functions.values())
    for fn in candidates:
        if fn.hydra is not None:
            config_path, config_name = fn.hydra
            base = path.rsplit("/", 1)[0] if "/" in path else ""
            directory = _join_path(base, config_path or "")
            return directory, config_name or "config"
    return None


def _join_path(base: str, rel: str) -> str:
    parts = [p for p in base.split("/") if p]
    for piece in rel.split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if parts:
                parts.pop()
        else:
            parts.append(piece)
    return "/".join(parts)


def parse_spec(side: SideData, spec: str) -> ResolvedEntry:
    """Resolve a user-given entry at one commit."""
    try:
        tokens = shlex.split(spec)
    except ValueError:
        tokens = spec.split()
    out = ResolvedEntry(spec=spec, how="given")
    if not tokens:
        out.notes.append("empty entry")
        return out
    if tokens[0] in ("python", "python3", "-m") or tokens[0].endswith("/python"):
        tokens = [t for t in tokens[1:] if t != "-m"]
    head, args = tokens[0], tokens[1:]
    if head.endswith(".py") and head.lstrip("./") in side.parsed:
        path = head.lstrip("./")
        out.starts.append((path, _main_function(side, path)))
    elif (hit := _resolve_dotted_entry(side, head)) is not None:
        path, function = hit
        out.starts.append((path, function or _main_function(side, path)))
    else:
        out.notes.append(f"entry `{head}` not found at this commit")
        return out
    for arg in args:
        if arg.startswith("-") and "=" in arg and arg.split("=", 1)[0] in ("--config-name", "-cn"):
            continue
        if "=" in arg and not arg.startswith("-"):
            out.overrides.append(arg)
        elif _DOTTED.match(arg) and (hit := _resolve_dotted_entry(side, arg)) is not None:
            out.starts.append(hit)
            out.recipe = arg
    _attach_hydra(side, out, args)
    return out


def _attach_hydra(side: SideData, out: ResolvedEntry, args: list[str]) -> None:
    if not out.starts:
        return
    hydra = hydra_of(side, *out.starts[0])
    if hydra is None:
        return
    name = hydra[1]
    for i, arg in enumerate(args):
        if arg.startswith(("--config-name=", "-cn=")):
            name = arg.split("=", 1)[1]
        elif arg in ("--config-name", "-cn") and i + 1 < len(args):
            name = args[i + 1]
    out.hydra = (hydra[0], name)


# ---- detection of a default entry ----------------------------------------------------------------

Candidate = tuple[int, str, str | None, str]  # (rule rank, path, function, how)


def _hydra_candidates(side: SideData) -> list[Candidate]:
    out: list[Candidate] = []
    for path, module in side.program.modules.items():
        for fn in module.functions.values():
            if fn.hydra is not None:
                out.append((0, path, fn.name, "@hydra.main"))
    return out


def _main_guards(side: SideData) -> list[Candidate]:
    out = []
    for path, module in side.program.modules.items():
        if module.main_calls or (module.body and module.body.options):
            if "/test" in f"/{path}" or path.startswith(("tests/", "test_")):
                continue
            out.append((2, path, _main_function(side, path), "`__main__` script"))
    return out


# Detection rules, strongest first; console scripts from pyproject are added in `detect`.
DETECTORS: list[Callable[[SideData], list[Candidate]]] = [_hydra_candidates, _main_guards]


def _score(candidate: Candidate) -> tuple[int, int, int, int, str]:
    rank, path, function, _ = candidate
    # a function called `main` is what nearly every script runs: no evidence of training on its own
    # (dreamerv3: `plot.py:main()` and `example.py:main()` ranked above `dreamerv3/main.py:main()`)
    name = path.rsplit("/", 1)[-1] + " " + (function if function and function != "main" else "")
    train_hit = 0 if re.search("train", name, re.IGNORECASE) else 1 if TRAIN_WORDS.search(name) else 2
    return (train_hit, rank, path.count("/"), len(path), path)


def _candidates(side: SideData, scripts: dict[str, str] | None) -> list[Candidate]:
    candidates: list[Candidate] = []
    for detector in DETECTORS:
        candidates.extend(detector(side))
    for name, target in (scripts or {}).items():
        module, _, function = target.partition(":")
        path = side.program.module_for(module)
        if path:
            candidates.append((1, path, function or None, f"console script `{name}`"))
    return candidates


def detect(side: SideData, scripts: dict[str, str] | None = None, prefer: str | None = None) -> ResolvedEntry:
    """Find the default training entry at one commit.

    `prefer`: the script detected at the other commit. When it is an entry candidate here too, it is
    taken, so that both commits are followed from the same script (a new `simple_demo.py` that ranks
    above the old `demo.py` would otherwise compare two unrelated scripts)."""
    candidates = _candidates(side, scripts)
    if not candidates:
        return ResolvedEntry(spec=None, how="none", notes=["no entry point detected"])
    best = min(candidates, key=_score)
    same = [c for c in candidates if prefer is not None and c[1] == prefer]
    if same and best[1] != prefer:
        best = min(same, key=_score)
        best = (best[0], best[1], best[2], f"{best[3]}, the entry detected at the other commit")
    _, path, function, how = best
    rivals = sorted({c[1] for c in candidates if _score(c)[:3] == _score(best)[:3] and c[1] != path})
    if rivals:
        how += f"; as likely: {len(rivals)} other script{'s' if len(rivals) > 1 else ''} ({', '.join(rivals[:3])}" \
               f"{', ...' if len(rivals) > 3 else ''})"
    base_name = path.rsplit("/", 1)[-1]
    siblings = sorted({c[1] for c in candidates if c[1] != path and c[1] not in rivals
                       and c[1].rsplit("/", 1)[-1] == base_name and _score(c)[:2] == _score(best)[:2]})
    out = ResolvedEntry(spec=path + (f":{function}" if function else ""), how=f"detected: {how}",
                        starts=[(path, function)], rivals=rivals, siblings=siblings)
    _attach_hydra(side, out, [])
    _follow_default_recipe(side, out)
    _follow_selected_function(side, out)
    return out


def _follow_default_recipe(side: SideData, out: ResolvedEntry) -> None:
    """A CLI whose option default names a repository module/function selects that recipe."""
    path, function = out.starts[0]
    module = side.program.modules.get(path)
    if module is None:
        return
    scopes = [module.body] + ([module.functions[function]] if function in module.functions else [])
    for scope in scopes:
        if scope is None:
            continue
        for option in scope.options:
            if isinstance(option.value, str) and _DOTTED.match(option.value):
                hit = _resolve_dotted_entry(side, option.value)
                if hit is not None:
                    out.starts.append(hit)
                    out.recipe = option.value
                    out.how += f"; default recipe `{option.value}` from option `{option.raw_key}`"
                    return


def _follow_selected_function(side: SideData, out: ResolvedEntry) -> None:
    """`getattr(configs, args.config)(config, params)` in the entry script, where `configs` is a repository module
    and the option `--config` defaults to the name of one of its functions: that function builds the run's
    configuration; it is followed as a start of its own. Real shape: planet 27e776cd..c04226b6,
    planet/scripts/train.py `config = getattr(configs, args.config)(config, args.params)` with `--config` default
    `'default'`; `configs.default` and the helpers it calls (`_loss_functions`: `free_nats`, the divergence scales)
    were never followed, so their retuned values were no finding."""
    if not out.starts:
        return
    path = out.starts[0][0]
    module = side.program.modules.get(path)
    text = side.sources.get(path)
    if module is None or not text or "getattr(" not in text:
        return
    defaults = {o.raw_key.lstrip("-").replace("-", "_"): o.value
                for scope in [module.body, *module.functions.values()] if scope is not None
                for o in scope.options if isinstance(o.value, str)}
    if not defaults:
        return
    tree = side.parse(path, text) if side.parse is not None else None
    if tree is None:
        return
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
                and len(node.args) >= 2 and isinstance(node.args[0], ast.Name)
                and isinstance(node.args[1], ast.Attribute)):
            continue
        chosen = defaults.get(node.args[1].attr)
        target = module.imports.get(node.args[0].id)
        found = side.program.module_for(target) if target and chosen else None
        if found and chosen and chosen in side.program.modules[found].functions and (found, chosen) not in out.starts:
            out.starts.append((found, chosen))
            out.how += f"; `{found}:{chosen}` selected by option `{node.args[1].attr}` (getattr)"
            return


def pyproject_scripts(raw: bytes | None) -> dict[str, str]:
    """`[project.scripts]` and `[tool.poetry.scripts]` of a pyproject.toml."""
    if not raw:
        return {}
    try:
        data = tomllib.loads(raw.decode("utf-8", errors="replace"))
    except tomllib.TOMLDecodeError:
        return {}
    scripts = dict(data.get("project", {}).get("scripts", {}) or {})
    scripts.update(data.get("tool", {}).get("poetry", {}).get("scripts", {}) or {})
    return {str(k): str(v) for k, v in scripts.items()}


def resolve(side: SideData, spec: str | None, scripts: dict[str, str] | None = None,
            prefer: str | None = None) -> ResolvedEntry:
    """`prefer`: the script detected at the other commit (see `detect`)."""
    if spec:
        out = parse_spec(side, spec)
        if out.starts:
            if out.recipe is None and len(out.starts) == 1:
                _follow_default_recipe(side, out)
            return out
        detected = detect(side, scripts, prefer)
        detected.notes = out.notes + detected.notes
        return detected
    return detect(side, scripts, prefer)


__all__ = ["Ref", "ResolvedEntry", "detect", "parse_spec", "pyproject_scripts", "resolve"]
