"""A literal replaced by a configuration field whose code default is that literal: identical at the default.

Real shape (CORL, within the `corl-dt-traj-len` benchmark range): IQL's
`torch.optim.Adam(v_network.parameters(), lr=3e-4)` became `lr=config.vf_lr`, with a new dataclass
field `vf_lr: float = 3e-4` (and `qf_lr`, `actor_lr` alike). Every run computes what it computed
before unless its configuration sets the key to another value; it was "Optimizer changed", significant,
the first finding of the range, above the real regression.

Two halves:
* detectors (`split`): a feature detector's differing features that become equal once each
  configuration read `config[<key>=<default>]` (detectors/configref.py) is read as its code default
  are split off; their hit records the keys and defaults (`AT_CODE_DEFAULT` in its details), by the
  side that reads the configuration.
* before ranking (`verdict`, applied with the branch guards): what the configuration says about each
  key at that side: config forensics' effective values where it compared any for that key, else the
  configuration files of the commit (YAML / JSON / TOML keys, `--key value` in launch scripts). A
  repository with one script per algorithm keeps their files apart by name (`configs/offline/iql/*.yaml`
  for `algorithms/offline/iql.py`, `configs/finetune/spot/*.yaml` for another script): when some of the
  files that set the key are named after the changed script (its stem is a directory or file name of
  theirs), only those that share the most path names with it count. No value other than the default: a
  no-effect item ("identical at the code default; no configuration
  sets it" / "configurations X set it to the same value"). Another value anywhere: the finding stays,
  and says which configurations set what.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

AT_CODE_DEFAULT = "at_code_default"  # hit / evidence detail: side -> {key: default text}
_CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".toml", ".sh")
_MAX_FILES = 4000
_MAX_SHOWN = 3


# -- detectors: features equal at the code defaults ----------------------------------------------

def _defaulted(text: str, found: dict[str, str]) -> str:
    """`text` with every `config[<key>=<default>]` replaced by `<default>` (recorded in `found`)."""
    out: list[str] = []
    i = 0
    while True:
        j = text.find("config[", i)
        if j < 0:
            out.append(text[i:])
            return "".join(out)
        head = re.match(r"config\[([\w.]+)=", text[j:])
        if head is None:
            out.append(text[i:j + 7])
            i = j + 7
            continue
        k = j + head.end()
        depth = 0
        while k < len(text):
            ch = text[k]
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                if depth == 0:
                    break
                depth -= 1
            k += 1
        default = text[j + head.end():k]
        found[head.group(1)] = default
        out.append(text[i:j] + default)
        i = k + 1


def at_code_defaults(text: str, found: dict[str, str]) -> str:
    """Public form of `_defaulted`: the text read at the code defaults of its configuration reads."""
    return _defaulted(text, found)


def _key_at_defaults(key: Hashable, found: dict[str, str]) -> Hashable:
    if isinstance(key, str):
        return _defaulted(key, found)
    if isinstance(key, tuple):
        return tuple(_key_at_defaults(k, found) for k in key)
    return key


def split(only_base: list[Any], only_cand: list[Any]) -> tuple[list[Any], list[Any], list[Any], list[Any],
                                                               dict[str, dict[str, str]]]:
    """(kept baseline, kept candidate, neutral baseline, neutral candidate, side -> {key: default}):
    the features whose keys match once configuration reads are read as their code defaults."""
    if not only_base or not only_cand:
        return only_base, only_cand, [], [], {}
    reads: dict[int, dict[str, str]] = {}
    at_default: dict[int, Hashable] = {}
    for f in (*only_base, *only_cand):
        found: dict[str, str] = {}
        at_default[id(f)] = _key_at_defaults(f.key, found)
        reads[id(f)] = found
    neutral_b: list[Any] = []
    neutral_c: list[Any] = []
    keys: dict[str, dict[str, str]] = {}
    free = list(only_cand)
    for fb in only_base:
        match = next((fc for fc in free if at_default[id(fc)] == at_default[id(fb)]
                      and (reads[id(fb)] or reads[id(fc)])), None)
        if match is None:
            continue
        free.remove(match)
        neutral_b.append(fb)
        neutral_c.append(match)
        # a key read at one side only is where the configuration decides
        for side, own, other in (("baseline", reads[id(fb)], reads[id(match)]),
                                 ("candidate", reads[id(match)], reads[id(fb)])):
            for k, d in own.items():
                if other.get(k) != d:
                    keys.setdefault(side, {})[k] = d
    if not keys:
        return only_base, only_cand, [], [], {}
    kept_b = [f for f in only_base if not any(f is n for n in neutral_b)]
    kept_c = [f for f in only_cand if not any(f is n for n in neutral_c)]
    return kept_b, kept_c, neutral_b, neutral_c, keys


# -- before ranking: what the configuration says ---------------------------------------------------

def _number(text: object) -> object:
    """A configuration value as a comparable Python value (`3e-4` and `0.0003` are one number)."""
    if isinstance(text, bool) or text is None:
        return text
    if isinstance(text, int | float):
        return float(text)
    s = str(text).strip().strip("'\"")
    low = s.lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null", "~"):
        return None
    try:
        return float(s.replace("_", ""))
    except ValueError:
        return s


def _owned(settings: list[tuple[str, object]], script: str) -> list[tuple[str, object]]:
    """The settings in files named after `script` (see the module doc); all when none is."""
    stem = script.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    here = set(script.split("/")[:-1])
    scored: list[tuple[int, tuple[str, object]]] = []
    for where, value in settings:
        parts = where.split(":", 1)[0].split("/")
        names = set(parts[:-1]) | {parts[-1].rsplit(".", 1)[0]}
        if stem in names:
            scored.append((len(names & here), (where, value)))
    if not scored:
        return settings
    best = max(score for score, _ in scored)
    return [s for score, s in scored if score == best]


def _settings(side: Any, key: str, script: str) -> list[tuple[str, object]]:
    """(where, value) of every configuration that sets `key` at this commit for `script` (see the
    module doc)."""
    effective = getattr(side, "effective", None) or {}
    named = [k for k in effective if k.rsplit(".", 1)[-1] == key]
    if named:
        where = getattr(side, "where", {}) or {}
        return _owned([(where.get(k, k), effective[k]) for k in named], script)
    line = re.compile(rf"^[ \t]*[\"']?{re.escape(key)}[\"']?[ \t]*[:=][ \t]*([^\n#,]+)", re.MULTILINE)
    flag = re.compile(rf"--{re.escape(key).replace('_', '[-_]')}(?:=|[ \t]+)([^\s\\]+)")
    out: list[tuple[str, object]] = []
    prefetch = getattr(side, "prefetch", None)
    if prefetch is not None:
        prefetch()
    for path in [p for p in side.paths if p.endswith(_CONFIG_SUFFIXES)][:_MAX_FILES]:
        text = side.text(path)
        if not text or key not in text and key.replace("_", "-") not in text:
            continue
        pattern = flag if path.endswith(".sh") else line
        for m in pattern.finditer(text):
            value = m.group(1).strip()
            if value:
                out.append((f"{path}:{text.count(chr(10), 0, m.start()) + 1}", value))
    return _owned(out, script)


def verdict(details: dict[str, Any], sides: dict[str, Any], scripts: dict[str, str]) -> tuple[bool, str] | None:
    """(neutral, what the configuration says) for a finding whose hit recorded `AT_CODE_DEFAULT`; None
    when it recorded none. `scripts`: the finding's file at each side."""
    recorded = details.get(AT_CODE_DEFAULT)
    if not isinstance(recorded, dict) or not recorded:
        return None
    said: list[str] = []
    neutral = True
    for side_name, keys in sorted(recorded.items()):
        side = sides.get(side_name)
        if side is None or not isinstance(keys, dict):
            return None
        for key, default in sorted(keys.items()):
            settings = _settings(side, key, scripts.get(side_name, ""))
            other = [(w, v) for w, v in settings if _number(v) != _number(default)]
            if other:
                neutral = False
                shown = ", ".join(f"`{w}` sets it to {v}" for w, v in other[:_MAX_SHOWN])
                more = f" (+{len(other) - _MAX_SHOWN} more)" if len(other) > _MAX_SHOWN else ""
                said.append(f"`{key}` (code default {default}, {side_name}): {shown}{more}")
            elif settings:
                files = ", ".join(f"`{w}`" for w, _ in settings[:_MAX_SHOWN])
                more = f" (+{len(settings) - _MAX_SHOWN} more)" if len(settings) > _MAX_SHOWN else ""
                said.append(f"`{key}` (code default {default}, {side_name}): {files}{more} set it to the same value")
            else:
                said.append(f"`{key}` (code default {default}, {side_name}): no configuration sets it")
    return neutral, "; ".join(said)


# -- the flow analyzer: a configuration read handed to a callee as the callee's own default -----------

class TreeSide:
    """A commit's configuration as `_settings` reads it: config forensics' effective values and the
    tree's files (a `SourceTree`)."""

    def __init__(self, tree: Any, effective: dict[str, Any] | None, where: dict[str, str] | None) -> None:
        self.tree = tree
        self.effective = effective or {}
        self.where = where or {}
        self.paths = list(tree.paths())
        self._texts: dict[str, str | None] = {}
        self._fetched = False

    def prefetch(self) -> None:
        if not self._fetched:
            self._fetched = True
            fetch = getattr(self.tree, "prefetch", None)
            if fetch is not None:
                fetch([p for p in self.paths if p.endswith(_CONFIG_SUFFIXES)][:_MAX_FILES])

    def text(self, path: str) -> str | None:
        if path not in self._texts:
            self._texts[path] = self.tree.read_text(path)
        return self._texts[path]


def same_value(a: object, b: object) -> bool:
    """Two literal texts (or values) of one configuration value (`3e-4`, `0.0003`)."""
    return _number(a) == _number(b)


def callee_default_arguments(resolve: Any, default_of: Any, judge: Any) -> Any:
    """A rewrite of calls (for `Expander.effects(arguments=...)`): an argument that is a configuration
    read (`config.q_n_hidden_layers`) whose code default (`default_of(key, fn)`, a literal text) is
    the default of the callee's parameter it binds, and which no configuration sets otherwise
    (`judge(key, default)`), is left out: the callee receives its own default at the code default.
    Only keyword arguments and trailing positional ones are left out (the others keep their places).
    `resolve(call, fn)`: the project function a call runs (a class call: its `__init__`)."""
    import ast

    from investigator.detectors.configref import config_read

    def param_default(callee: Any, call: ast.Call, position: int | None, name: str | None) -> str | None:
        node = callee.node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return None
        a = node.args
        positional = [*a.posonlyargs, *a.args]
        if positional and positional[0].arg in ("self", "cls") and (callee.class_name or "") != "":
            positional = positional[1:]
        defaults = dict(zip([p.arg for p in positional[len(positional) - len(a.defaults):]], a.defaults, strict=False))
        defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=True) if d is not None})
        if position is not None:
            if position >= len(positional):
                return None
            name = positional[position].arg
        value = defaults.get(name or "")
        return ast.unparse(value) if isinstance(value, ast.Constant | ast.UnaryOp) else None

    def neutral(arg: ast.expr, callee: Any, call: ast.Call, fn: Any, position: int | None, name: str | None) -> bool:
        read = config_read(arg)
        if read is None:
            return False
        key, fallback = read
        default = ast.unparse(fallback) if fallback is not None else default_of(key, fn)
        theirs = param_default(callee, call, position, name)
        return default is not None and theirs is not None and same_value(default, theirs) and judge(key, default)

    def rewrite(call: ast.Call, fn: Any) -> ast.Call:
        if not call.args and not call.keywords:
            return call
        if not any(config_read(a) is not None for a in [*call.args, *(k.value for k in call.keywords)]):
            return call
        callee = resolve(call, fn)
        if callee is None:
            return call
        keywords = [k for k in call.keywords if k.arg is None or not neutral(k.value, callee, call, fn, None, k.arg)]
        args = list(call.args)
        while args and not any(isinstance(a, ast.Starred) for a in args) and \
                neutral(args[-1], callee, call, fn, len(args) - 1, None):
            args.pop()
        if len(args) == len(call.args) and len(keywords) == len(call.keywords):
            return call
        return ast.Call(call.func, args, keywords)

    return rewrite


def configured(side: Any, key: str, default: str, script: str) -> tuple[bool, str]:
    """(no configuration sets `key` to anything but `default`, what the configuration says) at one side."""
    found = verdict({AT_CODE_DEFAULT: {"candidate": {key: default}}}, {"candidate": side}, {"candidate": script})
    assert found is not None
    return found
