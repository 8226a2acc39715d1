"""Which structured configuration files can code load at one commit? (files nothing loads are not training)

A YAML/JSON/TOML file that no code can load (an example only the README mentions, a leftover of an
old layout) cannot change what training does, whatever its keys are called: its changes are
no-effect. The question is answered conservatively, from the commit's Python sources (tests
excluded), launch scripts and the other configuration files; a file counts as loaded when any of
these could reach it:
- a path reference: a string literal naming it (`"configs/train.yaml"`, `"train.yaml"`, relative to
  any directory), a glob (`"configs/*.yaml"`, `Path(d).glob("*.yml")`), a name built by formatting
  (`f"configs/{algo}.yaml"`, `"conf/%s.yml" % env`, `name + ".yaml"`: any file that fits the literal
  parts), a launch-script argument (`--config configs/x.yaml`) or a value of another config file
  (`base: configs/base.yaml`);
- a Hydra config directory (`@hydra.main(config_path="conf")`, `initialize(config_path=...)`) and,
  under a loaded file with a `defaults:` list, its directory (the project's own composer);
- a loader call whose path is only known at run time (`yaml.safe_load(open(args.file))`,
  `OmegaConf.load(path)`, `json.load(f)`): then every file of that format may be the one loaded;
- the files the entry's effective configuration was built from.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

STRUCTURED_FORMATS = frozenset({"yaml", "json", "toml", "gin"})
# files read by tools, not by the project's code: never judged by this rule
TOOL_FILES = frozenset({"pyproject.toml", "setup.cfg"})

_SUFFIX_FORMAT = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".toml": "toml", ".gin": "gin"}
_SUFFIX_HINTS = (".yaml", ".yml", ".json", ".toml", ".gin")
# a quoted literal ending with a config suffix (also inside f-strings: `f"conf/{x}.yaml"`)
_LITERAL = re.compile(r"""(?P<q>['"])(?P<text>[^'"\n]{0,400}?\.(?:ya?ml|json|toml|gin))(?P=q)""", re.IGNORECASE)
_HOLES = re.compile(r"\{[^{}]*\}|%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdrfi]")
# loader calls (the format they read); a call whose argument is not a literal path loads a file chosen at run time
_LOADER_CALLS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:yaml|omegaconf|OmegaConf|ruamel\.yaml|YAML\(\w*\))\s*\.\s*(?:safe_|full_|unsafe_)?"
                r"load(?:_all)?\s*\("), "yaml"),
    (re.compile(r"\b(?:safe_load|full_load|load_yaml|read_yaml|yaml_load)\s*\("), "yaml"),
    # CLI frameworks that read a config file named on the command line (`--config_path x.yaml`)
    (re.compile(r"\bpyrallis\s*\.\s*(?:wrap|parse)\s*\(|\bdefault_config_files\s*="), "yaml"),
    (re.compile(r"\bjson\s*\.\s*loads?\s*\(|\b(?:load_json|read_json)\s*\("), "json"),
    (re.compile(r"\b(?:toml|tomllib|tomli|tomlkit)\s*\.\s*loads?\s*\("), "toml"),
    # gin-config: `gin.parse_config_files_and_bindings(FLAGS.gin_files, ...)`, `gin.parse_config_file(path)`
    (re.compile(r"\bgin\s*\.\s*parse_config_files?(?:_and_bindings)?\s*\("), "gin"),
)
_CONFIG_PATH = re.compile(r"""\bconfig_(?:path|dir)\s*=\s*(?:(?P<q>['"])(?P<dir>[^'"\n]*)(?P=q)|(?P<expr>[\w.]+))""")
_HYDRA_MAIN = re.compile(r"""\bhydra\.main\s*\(\s*(?:(?P<q>['"])(?P<dir>[^'"\n]*)(?P=q))?""")


_LITERAL_ARG = re.compile(r"""\s*(?:(?:open|Path|pathlib\.Path)\s*\(\s*)?[rb]?['"]""")


def runtime_formats(text: str) -> set[str]:
    """Formats some loader call in `text` reads from a path that is not a literal (`yaml.safe_load(f)`
    with `f = open(args.file)`, or `open(f"conf/{env}.yaml")`): the file is chosen at run time."""
    out: set[str] = set()
    for regex, fmt in _LOADER_CALLS:
        if fmt in out:
            continue
        for m in regex.finditer(text):
            if not _LITERAL_ARG.match(text, m.end()):
                out.add(fmt)
                break
    return out


def built_patterns(text: str) -> list[str]:
    """The patterns of config file names a module builds by formatting (`f"conf/{env}.yaml"` ->
    `conf/*.yaml`), which narrow the files a run-time loader may read."""
    out = []
    for m in _LITERAL.finditer(text):
        pattern = pattern_of(m.group("text"))
        if pattern and "*" in pattern:
            out.append(pattern)
    return out


# `x = yaml.safe_load(...)`, also ruamel's `x = yaml.YAML(typ='safe').load(...)` (dreamerv3)
_LOADED_VAR = re.compile(r"\b(\w+)\s*=\s*(?:yaml|json|OmegaConf|omegaconf|toml|tomllib|tomli)\s*\.\s*"
                         r"(?:YAML\s*\([^()]*\)\s*\.\s*)?\w*load\w*\s*\(")


def loaded_names(text: str) -> set[str]:
    """Names a module binds to a loaded document (`config = yaml.safe_load(f)`)."""
    return {m.group(1) for m in _LOADED_VAR.finditer(text)}


def picked_sections(text: str, names: set[str] | None = None) -> frozenset[str] | None:
    """When a module picks top-level sections of a loaded document at run time (`config = yaml.safe_load(f)`
    then `config[env_name]`), the sections it always reads by a literal name (`config["default"]`);
    None when it picks none at run time. Then each other section serves only the runs that name it.
    `names`: names bound to a loaded document elsewhere (a class attribute another module loads,
    `agt.Agent.configs[name]`), read here besides this module's own."""
    always: set[str] = set()
    picked = False
    for name in loaded_names(text) | (names or set()):
        for m in re.finditer(rf"\b{re.escape(name)}\s*\[\s*(?P<q>['\"])?(?P<key>[^\]'\"]*)", text):
            if m.group("q"):
                always.add(m.group("key"))
            elif m.group("key").strip() and not m.group("key").strip().isdigit():
                picked = True
    return frozenset(always) if picked else None


def format_of(path: str) -> str | None:
    dot = path.rfind(".")
    return _SUFFIX_FORMAT.get(path[dot:].lower()) if dot >= 0 else None


def pattern_of(text: str) -> str | None:
    """A literal naming a config file as a glob: holes of formatting become `*` (`conf/{x}.yaml` ->
    `conf/*.yaml`); a bare suffix (`".yaml"`, joined to a name elsewhere) fits every file of the format."""
    text = _HOLES.sub("*", text.strip()).removeprefix("./")
    while text.startswith("../"):
        text = text[3:]
    if not text or text.startswith("/") and "*" not in text:
        text = text.rsplit("/", 1)[-1]  # an absolute path: its name may still be a repository file's
    if text.startswith("."):
        return "*" + text  # `".yaml"`, `".json"`
    return text


def fits(pattern: str, path: str) -> bool:
    """Whether a file-name pattern (`configs/*.yaml`, `train.yaml`) can be the repository file `path`."""
    if "*" in pattern or "?" in pattern or "[" in pattern:
        return fnmatchcase(path, pattern) or fnmatchcase(path, "*/" + pattern)
    return path == pattern or path.endswith("/" + pattern)


@dataclass
class LoadIndex:
    """Answers `loaded(path)` for one commit; built lazily on the first question."""

    sources: dict[str, str]  # Python sources (tests excluded, as the analyzer reads them)
    references: list[str] = field(default_factory=list)  # literal names from launch scripts and config values
    hydra_files: dict[str, list[str]] = field(default_factory=dict)  # module path -> Hydra config dirs it gives
    known: set[str] = field(default_factory=set)  # files the effective configuration was built from
    composers: dict[str, str] = field(default_factory=dict)  # file with a `defaults:` list -> its directory
    _patterns: list[str] | None = None
    _runtime: set[str] = field(default_factory=set)  # formats some loader reads from a run-time path
    _dirs: list[str] = field(default_factory=list)  # Hydra config directories
    _any_hydra_dir: bool = False  # a Hydra config directory that is not a literal: every YAML file
    _memo: dict[str, str | None] = field(default_factory=dict)

    def _build(self) -> None:
        patterns: list[str] = []
        for path, text in self.sources.items():
            here = posixpath.dirname(path)
            lowered = text.lower()
            if any(s in lowered for s in _SUFFIX_HINTS):  # most modules name no config file at all
                for m in _LITERAL.finditer(text):
                    pattern = pattern_of(m.group("text"))
                    if pattern:
                        patterns.append(pattern)
            if "load" in text or "pyrallis" in text or "default_config_files" in text or "parse_config" in text:
                self._runtime |= runtime_formats(text)
            if "config_path" in text or "config_dir" in text or "hydra" in text:
                for m in (*_CONFIG_PATH.finditer(text), *_HYDRA_MAIN.finditer(text)):
                    if m.group("dir") is not None:
                        self._dirs.append(posixpath.normpath(posixpath.join(here, m.group("dir"))))
                    elif m.groupdict().get("expr") not in (None, "None"):
                        self._any_hydra_dir = True  # a directory computed at run time
            for directory in self.hydra_files.get(path, ()):
                self._dirs.append(directory)
        for name in self.references:
            pattern = pattern_of(name)
            if pattern:
                patterns.append(pattern)
        self._patterns = patterns

    def why_not_loaded(self, path: str) -> str | None:
        """None when some code can load `path` (or the question does not apply), else why nothing does."""
        if path in self._memo:
            return self._memo[path]
        self._memo[path] = "cycle"  # a composer under its own directory asks about itself
        answer = self._answer(path)
        self._memo[path] = answer
        return answer

    def loaded(self, path: str) -> bool:
        return self.why_not_loaded(path) is None

    def _answer(self, path: str) -> str | None:
        fmt = format_of(path)
        if fmt is None or path.rsplit("/", 1)[-1] in TOOL_FILES or path in self.known:
            return None
        if self._patterns is None:
            self._build()
        assert self._patterns is not None
        if fmt in self._runtime:
            return None  # a loader reads a path known only at run time: this file may be it
        if fmt == "yaml" and (self._any_hydra_dir or any(_under(path, d) for d in self._dirs)):
            return None
        if any(fits(p, path) for p in self._patterns):
            return None
        # a file under the directory of a loaded file with a Hydra-style defaults list (its groups)
        if any(owner != path and _under(path, d) and self.loaded(owner) for owner, d in self.composers.items()):
            return None
        return (f"no code loads `{path}` (no path, glob or Hydra config directory names it, and no "
                f"{fmt.upper()} loader reads a path chosen at run time)")


def _under(path: str, directory: str) -> bool:
    directory = directory.strip("/")
    if directory in ("", "."):
        return True
    return path.startswith(directory + "/") or f"/{directory}/" in f"/{path}"


def string_values(values: Iterable[object]) -> list[str]:
    """Values of config entries and launch arguments that name a config file (`base: conf/base.yaml`)."""
    return [v for v in values if isinstance(v, str) and format_of(v.strip()) is not None and len(v) < 400]
