"""YAML, JSON and TOML extractors: every leaf becomes an entry with its line number.

YAML and JSON are read with the (C) YAML composer so each key keeps its line; TOML lines are
recovered by scanning `[section]` headers and `key =` lines. `null` stays a real value (None),
distinct from a key that is absent.
"""

from __future__ import annotations

import math
import re
import tomllib

import yaml

from investigator.config.extractors.base import (
    ExtractError,
    Extractor,
    LimitError,
    ParsedFile,
    register_extractor,
)
from investigator.config.keys import ROOT_PREFIXES, join, normalise_key, normalise_segment
from investigator.config.model import ConfigEntry, EntryKind

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAGS_MAX = 100_000
# Nodes a document may expand to once its aliases are followed. Composing keeps an alias as a shared
# node, but reading values copies it: nested anchors ("billion laughs": ten aliases of ten aliases
# of ...) turn a few hundred bytes into billions of nodes. A 2 MB file without aliases has well
# under a million nodes.
MAX_EXPANDED_NODES = 1_000_000


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader with its scalar tag resolution memoised.

    The (Python) resolver runs a regex per plain scalar; with no path resolvers (the safe loader has
    none) a scalar's tag depends only on its text and implicit flags, and config files repeat both."""

    _tags: dict[tuple[str, tuple[bool, bool]], str] = {}

    def resolve(self, kind, value, implicit):
        if kind is not yaml.ScalarNode or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._tags.get(key)
        if tag is None:
            if len(self._tags) >= _TAGS_MAX:
                self._tags.clear()
            tag = self._tags[key] = (_FLOAT_TAG if implicit[0] and _EXPONENT.fullmatch(value)
                                     else super().resolve(kind, value, implicit))
        return tag


# A plain scalar with an exponent and no dot or exponent sign (`3e-4`, `1.0e5`) is a string to YAML 1.1
# but a number to OmegaConf/Hydra (which add this float resolver) and to JSON: read it as a number, so
# `lr: 0.0003` -> `lr: 3e-4` is the same value.
_EXPONENT = re.compile(r"[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+")
_FLOAT_TAG = "tag:yaml.org,2002:float"
YamlLoader = _Loader  # the safe loader with the numbers OmegaConf reads (`3e-4`), for single values
_PACKAGE_HEADER = re.compile(r"^#\s*@package\s+(\S+)", re.MULTILINE)
_BOOL = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
TARGET_KEY = "_target_"
DEFAULTS_KEY = "defaults"


def _scalar(node: yaml.ScalarNode) -> object:
    tag, text = node.tag, node.value
    if tag.endswith(":null"):
        return None
    if tag.endswith(":bool"):
        return _BOOL.get(text.lower(), bool(text))
    if tag.endswith(":int"):
        try:
            return int(text.replace("_", ""), 0)
        except ValueError:
            return text
    if tag.endswith(":float"):
        lowered = text.lower().replace("_", "")
        if lowered in (".inf", "+.inf"):
            return math.inf
        if lowered == "-.inf":
            return -math.inf
        if lowered == ".nan":
            return math.nan
        try:
            return float(lowered)
        except ValueError:
            return text
    return text


def node_value(node: yaml.Node, scalars: dict[int, object] | None = None) -> object:
    """The plain Python value of a composed node (lists/dicts recursively).

    `scalars` (id of a scalar node -> its value) is filled on the way, so the walk that follows
    reads each scalar once (scalars are immutable: sharing them is exact)."""
    if isinstance(node, yaml.ScalarNode):
        value = _scalar(node)
        if scalars is not None:
            scalars[id(node)] = value
        return value
    if isinstance(node, yaml.SequenceNode):
        return [node_value(n, scalars) for n in node.value]
    if isinstance(node, yaml.MappingNode):
        return {str(node_value(k, scalars)): node_value(v, scalars) for k, v in node.value}
    return None


def expanded_size(root: yaml.Node) -> int:
    """How many nodes `root` holds with every alias expanded, counted over its distinct nodes (so
    in time linear in the document, however far the aliases expand).

    Raises LimitError past `MAX_EXPANDED_NODES` or for an alias inside its own anchor (a cycle
    that no reader can expand)."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        if isinstance(node, yaml.ScalarNode):
            return 1
        key = id(node)
        known = sizes.get(key)
        if known is not None:
            return known
        if key in active:
            raise LimitError("recursive alias (an anchor used inside itself): not read")
        active.add(key)
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in node.value)
        else:
            total = 1 + sum(size(n) for n in node.value)
        active.discard(key)
        sizes[key] = total
        return total

    total = size(root)
    if total > MAX_EXPANDED_NODES:
        raise LimitError(f"document expands to {total:,} nodes with its aliases followed "
                           f"(limit {MAX_EXPANDED_NODES:,}): not read")
    return total


def compose_bounded(text: str) -> list[yaml.Node]:
    """Every document of a YAML (or JSON) text composed, each checked by `expanded_size`, so that
    reading values from them is bounded. Raises ExtractError for text that does not parse or is
    over the bounds."""
    try:
        roots = [root for root in yaml.compose_all(text, Loader=_Loader) if root is not None]
        for root in roots:
            expanded_size(root)
    except yaml.YAMLError as exc:
        raise ExtractError(f"does not parse: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise LimitError("nested too deeply to read") from None
    return roots


def load_documents(text: str) -> list[object]:
    """The plain values of every document of a YAML or JSON text, bounded (see `compose_bounded`)."""
    try:
        return [node_value(root) for root in compose_bounded(text)]
    except RecursionError:
        raise LimitError("nested too deeply to read") from None


def _known(node: yaml.Node, scalars: dict[int, object]) -> object:
    if isinstance(node, yaml.ScalarNode):
        value = scalars.get(id(node), scalars)
        if value is not scalars:
            return value
    return node_value(node)


def _walk(node: yaml.Node, prefix: list[str], path: str, fmt: str, out: list[ConfigEntry],
          scalars: dict[int, object]) -> None:
    pairs = node.value
    # YAML merge keys (`<<: *base`) first, so the mapping's own keys override what they bring in
    if any(getattr(k, "value", None) == "<<" for k, _ in pairs):
        pairs = sorted(pairs, key=lambda kv: 0 if getattr(kv[0], "value", None) == "<<" else 1)
    # `normalise_key([*prefix, key])` is the normalised prefix plus the normalised key, unless the
    # prefix is empty or starts with a container name that normalisation drops: then it is called.
    normal = [normalise_segment(p) for p in prefix if p != ""]
    head = ".".join(normal) if normal and normal[0] not in ROOT_PREFIXES else None
    for key_node, value_node in pairs:
        key = str(_known(key_node, scalars))
        if key == "<<":
            merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            for base in merged:
                if isinstance(base, yaml.MappingNode):
                    _walk(base, prefix, path, fmt, out, scalars)
            continue
        if not prefix and key == DEFAULTS_KEY and isinstance(value_node, yaml.SequenceNode):
            continue  # Hydra defaults list: composition instruction, not a value
        segs = [*prefix, key]
        if isinstance(value_node, yaml.MappingNode) and value_node.value:
            _walk(value_node, segs, path, fmt, out, scalars)
            continue
        out.append(
            ConfigEntry(
                key=(join(normalise_key(prefix), TARGET_KEY) if key == TARGET_KEY
                     else f"{head}.{normalise_segment(key)}" if head is not None and key != "" else normalise_key(segs)),
                raw_key=".".join(segs),
                value=_known(value_node, scalars),
                path=path,
                line=key_node.start_mark.line + 1,
                format=fmt,  # type: ignore[arg-type]
                kind=EntryKind.target if key == TARGET_KEY else EntryKind.file_value,
            )
        )


def _compose_tree(path: str, text: str, fmt: str) -> ParsedFile:
    try:
        root = yaml.compose(text, Loader=_Loader)
        if root is not None:
            expanded_size(root)
    except yaml.YAMLError as exc:
        raise ExtractError(f"{fmt.upper()} does not parse: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise LimitError(f"{fmt.upper()} nested too deeply to read") from None
    parsed = ParsedFile(path=path, format=fmt)
    header = _PACKAGE_HEADER.search(text[:2000])
    parsed.package = header.group(1) if header else None
    if root is None:
        parsed.data = {}
        return parsed
    if not isinstance(root, yaml.MappingNode):
        parsed.data = node_value(root)
        return parsed
    scalars: dict[int, object] = {}
    parsed.data = node_value(root, scalars)
    _walk(root, [], path, fmt, parsed.entries, scalars)
    return parsed


def extract_yaml(path: str, text: str) -> ParsedFile:
    return _compose_tree(path, text, "yaml")


def relaxed_json(text: str) -> str:
    """`text` with what lenient JSON readers (ujson, json5, VS Code's JSONC) accept and the strict parser
    does not - `//` and `/* */` comments, a comma before `}` or `]` - blanked out, outside strings only.
    Blanks keep every other character at its line and column, so parse errors and key lines still point
    at the file. Projects keep such files on purpose (a loader that reads them); they are configuration."""
    out = list(text)
    i, n = 0, len(text)
    pending: int | None = None  # index of the last comma seen outside a string, cleared by any value
    while i < n:
        ch = text[i]
        if ch == '"':
            pending = None
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            continue
        if ch == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            out[i:end] = " " * (end - i)
            i = end
            continue
        if ch == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out[i:end] = [c if c == "\n" else " " for c in text[i:end]]
            i = end
            continue
        if ch in "}]" and pending is not None:
            out[pending] = " "
        if ch == ",":
            pending = i
        elif not ch.isspace():
            pending = None
        i += 1
    return "".join(out)


def json_loads(text: str) -> object:
    """The value of a JSON text, strict first and then `relaxed_json` (comments, trailing commas) before
    giving up; raises the strict parser's ValueError when neither reads it."""
    import json

    try:
        return json.loads(text)
    except ValueError as strict:
        relaxed = relaxed_json(text)
        if relaxed == text:
            raise
        try:
            return json.loads(relaxed)
        except ValueError:
            raise strict from None


def extract_json(path: str, text: str) -> ParsedFile:
    import json

    try:
        json.loads(text)
    except ValueError as exc:
        try:
            json_loads(text)
        except ValueError:
            raise ExtractError(f"JSON does not parse: {exc}") from None
        text = relaxed_json(text)  # read leniently, as the project's loader (ujson, json5) does
    except RecursionError:
        raise LimitError("JSON nested too deeply to read") from None
    return _compose_tree(path, yaml_escapes(text), "json")


# A JSON string escape of a UTF-16 surrogate pair (`"\ud83d\udd0e"`, an emoji), after an even run of
# backslashes (so not itself escaped), or a lone surrogate; YAML's double-quoted scalars reject both.
_SURROGATES = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})(?:\\u(d[c-f][0-9a-f]{2}))?", re.IGNORECASE)


def yaml_escapes(text: str) -> str:
    """JSON text YAML composes: each surrogate-pair escape becomes the one code point's `\\U` escape and a
    lone surrogate U+FFFD. Real shape (JaxMARL's mkdocs `search_index.json`, valid JSON with `\\ud83d\\udd0e`):
    a recorded "JSON does not parse" failure for a file `json.loads` reads."""
    if "\\u" not in text:
        return text

    def joined(m: re.Match[str]) -> str:
        high, low = m.group(2), m.group(3)
        if low is None:
            return m.group(1) + "\\ufffd"
        point = 0x10000 + ((int(high, 16) - 0xD800) << 10) + (int(low, 16) - 0xDC00)
        return f"{m.group(1)}\\U{point:08x}"

    return _SURROGATES.sub(joined, text)


_TOML_SKIP_TOP = frozenset({"project", "build-system"})
_TOML_SKIP_TOOLS = frozenset({"ruff", "black", "isort", "mypy", "pytest", "coverage", "setuptools",
                              "setuptools_scm", "poetry", "pylint", "pyright", "flake8", "hatch",
                              "uv", "pdm", "codespell", "bumpversion", "towncrier", "cibuildwheel"})
_TOML_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")


def _toml_lines(text: str) -> dict[str, int]:
    lines: dict[str, int] = {}
    section: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        header = _TOML_HEADER.match(line)
        if header:
            section = [s.strip().strip("\"'") for s in header.group(1).split(".")]
            continue
        key = _TOML_KEY.match(line)
        if key:
            parts = [s.strip().strip("\"'") for s in key.group(1).split(".")]
            lines.setdefault(normalise_key(section + parts), number)
    return lines


def _flatten(data: dict, prefix: list[str], out: list[tuple[list[str], object]]) -> None:
    for key, value in data.items():
        if isinstance(value, dict) and value:
            _flatten(value, [*prefix, str(key)], out)
        else:
            out.append(([*prefix, str(key)], value))


def _jsonable(value: object) -> object:
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # TOML dates and times


def extract_toml(path: str, text: str) -> ParsedFile:
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise LimitError("TOML nested too deeply to read") from None
    except tomllib.TOMLDecodeError as exc:
        raise ExtractError(f"TOML does not parse: {exc}") from None
    if path.rsplit("/", 1)[-1] == "pyproject.toml":
        tools = {k: v for k, v in data.get("tool", {}).items() if k not in _TOML_SKIP_TOOLS}
        data = {k: v for k, v in data.items() if k not in _TOML_SKIP_TOP and k != "tool"}
        if tools:
            data["tool"] = tools
    lines = _toml_lines(text)
    flat: list[tuple[list[str], object]] = []
    _flatten(data, [], flat)
    parsed = ParsedFile(path=path, format="toml", data=data)
    for segs, value in flat:
        key = normalise_key(segs)
        parsed.entries.append(
            ConfigEntry(key=key, raw_key=".".join(segs), value=_jsonable(value), path=path,
                        line=lines.get(key), format="toml", kind=EntryKind.file_value)
        )
    return parsed


register_extractor(Extractor("yaml", (".yaml", ".yml"), extract_yaml, title="YAML configuration (Hydra, OmegaConf, plain)"))
register_extractor(Extractor("json", (".json",), extract_json, max_bytes=512_000, title="JSON configuration"))
register_extractor(Extractor("toml", (".toml",), extract_toml, title="TOML configuration"))
