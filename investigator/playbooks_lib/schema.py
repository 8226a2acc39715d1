"""Playbook schema: subsystem checklists as data, validated at load time."""

from __future__ import annotations

import fnmatch
import keyword
import os
import re
from collections.abc import Iterator
from functools import cached_property, lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from investigator.models import SUBSYSTEMS, Severity
from investigator.playbooks_lib.keyrules import KeyGlob, KeyRules, glob_problem

# libyaml's C parser when PyYAML was built with it (about 10x faster), the pure-Python one otherwise
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PLAYBOOK_DIR = Path(os.environ.get("INVESTIGATOR_PLAYBOOKS", Path(__file__).resolve().parents[2] / "playbooks"))


# A glob `*w*` whose word is this short (`*amp*`, `*log*`, `*env*`, `*ppo*`) matches where the word starts or ends
# a word of the path (a word boundary: `/ _ - .`, a digit, the path's ends, a lower-to-upper case change): `amp.py`,
# `use_amp`, `logger`, `isaacgymenvs`, `mappo`, `maa2c`. Matched anywhere, such a word is inside other words: OSRL
# dbe3a1fd..03a45864 mapped `examples/eval/eval_bc.py` to device by `*amp*` (ex-amp-les), and `sampler.py`,
# `sampling_utils.py` (device), `support.py` (ppo), `pylogger.py` went the same way.
_SHORT_WORD_GLOB = re.compile(r"\*([a-z0-9]{1,3})\*")
_WORD_START = r"(?:(?<![A-Za-z])|(?<=[a-z])(?=[A-Z]))"
_WORD_END = r"(?:s?(?![A-Za-z])|(?<=[a-z])s?(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z]))"  # a plural; `AMPPPOLow`


def path_glob_regex(glob: str) -> str:
    """Regex source matching a repository path (its original case) as the path glob `glob` does: fnmatch,
    case-insensitive, except that a short word glob (`_SHORT_WORD_GLOB`) matches at a word's start only."""
    short = _SHORT_WORD_GLOB.fullmatch(glob.lower())
    if short is not None:
        word = f"(?i:{re.escape(short.group(1))})"
        return rf"(?s:.*(?:{_WORD_START}{word}|{word}{_WORD_END}).*)\Z"
    return f"(?i:{fnmatch.translate(glob.lower())})"


def path_glob_matches(glob: str, path: str) -> bool:
    """Whether the path glob `glob` matches `path` (`path_glob_regex`)."""
    return _compiled_glob(glob).match(path) is not None


@lru_cache(maxsize=512)
def _compiled_glob(glob: str) -> re.Pattern[str]:
    return re.compile(path_glob_regex(glob))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hypothesis(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    statement: str
    supports: str  # evidence that supports it
    refutes: str  # evidence that refutes it
    severity: Severity
    fix: str
    checks: list[str] = Field(default_factory=list)  # unit ids (validated by `check_unit_references`)
    # Case-insensitive regexes (git grep -E and Python re alike: no \b, no lookaround): the hypothesis
    # applies only to code or configuration that mentions one at either commit; otherwise, with no
    # finding or analyzer verdict on it, its status is "not applicable" (a PPO clip in a DQN codebase).
    applies_if: list[str] = Field(default_factory=list)

    @field_validator("applies_if")
    @classmethod
    def _portable_patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"applies_if pattern {pattern!r} does not compile: {exc}") from None
            if "\\b" in pattern or "(?" in pattern or "\\d" in pattern or "\\w" in pattern:
                raise ValueError(f"applies_if pattern {pattern!r} uses syntax git grep -E does not share "
                                 "(\\b, \\d, \\w, (?...)); spell it with [^a-z_] and classes")
        return value


class ConfigKeyRule(_Strict):
    """Severity of a configuration key change; `keys` are dotted globs on the normalised key path
    (syntax and the precedence between rules: `investigator.playbooks_lib.keyrules`)."""

    keys: list[str] = Field(min_length=1)
    severity: Severity
    kind: str = "learning_dynamics"  # learning_dynamics | interval | resource | cosmetic
    hypothesis: str | None = None

    @field_validator("keys")
    @classmethod
    def _valid_globs(cls, value: list[str]) -> list[str]:
        for glob in value:
            if (problem := glob_problem(glob)) is not None:
                raise ValueError(problem)
        return value

    @cached_property
    def globs(self) -> list[KeyGlob]:
        return [KeyGlob.compile(glob) for glob in self.keys]

    @cached_property
    def literal_keys(self) -> frozenset[str]:
        """The globs without wildcards, lower case: the key names this rule names exactly."""
        return frozenset(glob.lower() for glob in self.keys if "*" not in glob and "?" not in glob)

    def matches(self, key_path: str) -> bool:
        """Whether one of the rule's globs matches the normalised key path."""
        parts = key_path.split(".")
        return any(glob.matches(parts) for glob in self.globs)

    def describe(self) -> str:
        return " | ".join(self.keys)


class Signals(_Strict):
    """What maps a change to this subsystem."""

    paths: list[str] = Field(default_factory=list)  # fnmatch globs on the repository path
    identifiers: list[str] = Field(default_factory=list)  # regexes searched in changed lines / names
    config_keys: list[ConfigKeyRule] = Field(default_factory=list)
    # Config section names that belong to this subsystem (the subsystem id always does): when rules of
    # several playbooks match a key, the one whose section encloses the key wins (`env.max_steps` is
    # an episode length, `trainer.max_steps` a training budget).
    sections: list[str] = Field(default_factory=list)

    @field_validator("identifiers")
    @classmethod
    def _identifiers_compile(cls, value: list[str]) -> list[str]:
        """Compile the combined pattern (the one matching uses, so re's cache holds it for
        `identifier_regex`); only on an error compile them one by one to name the bad one."""
        if not value:
            return value
        try:
            re.compile(_combined(value))
        except re.error:
            for pattern in value:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"identifier pattern {pattern!r} does not compile: {exc}") from None
            raise ValueError(f"identifier patterns do not combine into one regex: {value}") from None
        return value


class Playbook(_Strict):
    subsystem: str
    title: str
    description: str
    signals: Signals
    hypotheses: list[Hypothesis] = Field(min_length=3)
    aliases: dict[str, list[str]] = Field(default_factory=dict)  # canonical key -> other names

    @cached_property
    def section_names(self) -> frozenset[str]:
        """Config section names of this subsystem, lower case (its id and `signals.sections`)."""
        return frozenset(name.lower() for name in (self.subsystem, *self.signals.sections))

    @field_validator("subsystem")
    @classmethod
    def _known_subsystem(cls, value: str) -> str:
        if value not in SUBSYSTEMS:
            raise ValueError(f"unknown subsystem {value!r}; expected one of {', '.join(SUBSYSTEMS)}")
        return value

    @model_validator(mode="after")
    def _unique_ids(self) -> Playbook:
        ids = [h.id for h in self.hypotheses]
        if len(ids) != len(set(ids)):
            raise ValueError(f"duplicate hypothesis ids in playbook {self.subsystem}")
        for rule in self.signals.config_keys:
            if rule.hypothesis and rule.hypothesis not in ids:
                raise ValueError(f"config key rule {rule.describe()!r} names unknown hypothesis {rule.hypothesis}")
        return self

    @cached_property
    def identifier_regex(self) -> re.Pattern[str] | None:
        """All identifier patterns as one regex (raw: Python keywords are not filtered out here;
        `identifier_hits` does that)."""
        if not self.signals.identifiers:
            return None
        return re.compile(_combined(self.signals.identifiers))

    @cached_property
    def _identifier_prefilter(self) -> re.Pattern[str] | None:
        """A literal alternation every identifier match starts with (None: not derivable).

        Python's regex engine tries each `\\b(...)` alternative at every position; a plain literal
        alternation is scanned several times faster, so texts without any candidate are rejected
        cheaply and the full regex starts at the first candidate.
        """
        prefixes: set[str] = set()
        for pattern in self.signals.identifiers:
            found = literal_prefixes(pattern)
            if found is None:
                return None
            prefixes |= found
        return re.compile(_trie_pattern(prefixes)) if prefixes else None

    def identifier_hits(self, text: str, language: str | None = None, pos: int = 0, endpos: int | None = None,
                        limit: int = 5) -> list[str]:
        """Up to `limit` distinct identifier matches in `text[pos:endpos]` (searched in place, so
        `\\b` sees the real neighbours), sorted.

        Identifier signals are about names, so a match that is a keyword of the file's `language`
        is not counted: Python's `return` statement is not the RL "returns" (`keyword.iskeyword`;
        soft keywords such as `match`/`case`/`type` only where they open a statement, elsewhere
        they are ordinary names). C-family keywords count as syntax in native sources. In
        configuration and other text (YAML, JSON, TOML, docs) every word is a key or value somebody
        chose, so `return:` there is a real name and counts. Names that are identifiers by
        construction (qualified names of definitions) are passed with `language=None`.
        """
        regex = self.identifier_regex
        if regex is None:
            return []
        end = len(text) if endpos is None else endpos
        prefilter = self._identifier_prefilter
        if prefilter is None:
            matches: Iterator[re.Match[str]] = regex.finditer(text, pos, end)
        elif (first := prefilter.search(text, pos, end)) is None:
            return []  # the common case: one fast scan, nothing else
        else:
            matches = _candidate_matches(regex, prefilter, text, first.start(), end)
        keywords = IDENTIFIER_KEYWORDS.get(language or "", frozenset())
        python = language == "python"
        hits: list[str] = []
        for match in matches:
            word = match.group()
            if word in keywords or (python and word in _SOFT_KEYWORDS and _opens_statement(text, match.start(), match.end())):
                continue
            if word not in hits:
                hits.append(word)
                if len(hits) == limit:
                    break
        return sorted(hits)

    @cached_property
    def _path_regex(self) -> re.Pattern[str] | None:
        """All path globs as one regex (`fnmatch.translate`), built once instead of one fnmatch per glob and path."""
        if not self.signals.paths:
            return None
        return re.compile("|".join(path_glob_regex(p) for p in self.signals.paths))

    def matches_path(self, path: str) -> str | None:
        """The first glob that matches `path` (case-insensitively; a short word at a word's start,
        `path_glob_regex`), or None."""
        regex = self._path_regex
        if regex is None or regex.match(path) is None:
            return None
        return next(p for p in self.signals.paths if path_glob_matches(p, path))

    def hypothesis(self, hypothesis_id: str) -> Hypothesis | None:
        return next((h for h in self.hypotheses if h.id == hypothesis_id), None)


class PlaybookSet(BaseModel):
    model_config = ConfigDict(frozen=True)
    playbooks: dict[str, Playbook]

    def __iter__(self) -> Iterator[Playbook]:  # type: ignore[override]  # pydantic's yields (field, value) pairs
        return iter(self.playbooks[s] for s in SUBSYSTEMS if s in self.playbooks)

    def get(self, subsystem: str) -> Playbook | None:
        return self.playbooks.get(subsystem)

    @cached_property
    def _any_path_regex(self) -> re.Pattern[str] | None:
        globs = [p.lower() for playbook in self.playbooks.values() for p in playbook.signals.paths]
        return re.compile("|".join(path_glob_regex(g) for g in globs)) if globs else None

    def matching_globs(self, path: str) -> dict[str, str]:
        """Subsystem -> the first of its path globs that matches `path`; most paths match none, which
        one regex over every playbook's globs settles."""
        regex = self._any_path_regex
        if regex is None or regex.match(path) is None:
            return {}
        return {playbook.subsystem: pattern for playbook in self if (pattern := playbook.matches_path(path))}

    @cached_property
    def key_rules(self) -> KeyRules:
        return KeyRules(self)

    def config_rule_for(self, key_path: str) -> tuple[Playbook, ConfigKeyRule] | None:
        """The rule for a normalised config key path (precedence: `keyrules`)."""
        hit = self.key_rules.rule_for(key_path)
        return (hit.playbook, hit.rule) if hit is not None else None

    def aliases(self) -> dict[str, list[str]]:
        merged: dict[str, list[str]] = {}
        for playbook in self:
            for canonical, others in playbook.aliases.items():
                merged.setdefault(canonical, []).extend(others)
        return merged


class PlaybookError(Exception):
    pass


def _candidate_matches(regex: re.Pattern[str], prefilter: re.Pattern[str], text: str, pos: int,
                       end: int) -> Iterator[re.Match[str]]:
    """What `regex.finditer(text, pos, end)` yields, trying only the positions where the literal
    prefilter finds a candidate (every match of `regex` starts with one of its literals)."""
    search, match_at = prefilter.search, regex.match
    while (candidate := search(text, pos, end)) is not None:
        start = candidate.start()
        found = match_at(text, start, end)
        if found is None:
            pos = start + 1
            continue
        yield found
        pos = found.end() if found.end() > start else start + 1


def _combined(patterns: list[str]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


def _trie_pattern(words: set[str]) -> str:
    """A regex matching where any of `words` starts, shaped as a trie (`nn\\.(?:GRU|L(?:STM|inear))`):
    the engine rejects a position on its first character instead of trying every word. A word
    that extends a shorter one is dropped ("lr" already finds every "lr_scheduler")."""
    trie: dict[str, dict] = {}
    for word in sorted(words, key=len):
        node = trie
        for char in word:
            if "" in node:  # a shorter word ends here
                break
            node = node.setdefault(char, {})
        else:
            node.clear()
            node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [(char if char.isalnum() or char == "_" else re.escape(char)) + build(child)
                    for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return build(trie)


# Keywords are syntax, not names: per language of the changed file (see `Playbook.identifier_hits`).
_C_FAMILY_KEYWORDS = frozenset({
    "auto", "bool", "break", "case", "catch", "char", "class", "const", "constexpr", "continue", "default",
    "delete", "do", "double", "else", "enum", "explicit", "extern", "false", "float", "for", "goto", "if",
    "inline", "int", "long", "namespace", "new", "nullptr", "operator", "private", "protected", "public",
    "register", "return", "short", "signed", "sizeof", "static", "struct", "switch", "template", "this",
    "throw", "true", "try", "typedef", "typename", "union", "unsigned", "using", "virtual", "void",
    "volatile", "while",
})  # fmt: skip
IDENTIFIER_KEYWORDS: dict[str, frozenset[str]] = {
    "python": frozenset(keyword.kwlist),
    "native": _C_FAMILY_KEYWORDS,
}
_SOFT_KEYWORDS = frozenset(keyword.softkwlist) | {"type"}  # `type X = ...` (3.12) is a soft keyword too
_TYPE_ALIAS_REST = re.compile(r"\s+[A-Za-z_]\w*\s*(\[[^\]]*\])?\s*=(?!=)")


def _opens_statement(text: str, start: int, end: int) -> bool:
    """Whether the soft keyword at text[start:end] is used as a keyword: first on its line and
    opening `match ...:` / `case ...:` / `type X = ...`; anywhere else it is an ordinary name."""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        return False
    line_end = text.find("\n", end)
    rest = text[end : line_end if line_end >= 0 else len(text)].split("#", 1)[0].rstrip()
    if text[start:end] == "type":
        return _TYPE_ALIAS_REST.match(rest) is not None
    return rest.endswith(":") and rest[:1] in (" ", "\t", "(", "[", "{", "-", "'", '"')


_MAX_PREFIXES = 256


def literal_prefixes(pattern: str) -> frozenset[str] | None:
    """Literal strings one of which every match of `pattern` starts with (zero-width assertions such
    as `\\b` skipped), or None when that cannot be derived (case-insensitive parts, classes like `\\w`
    first, too many alternatives). Uses the standard library's regex parser; anything unexpected
    means None, which only costs speed (no prefilter), never a missed match."""
    try:
        # private modules, stable in 3.11-3.13 (typeshed does not describe them)
        from re import _constants as sre  # type: ignore[attr-defined]
        from re import _parser as parser  # type: ignore[attr-defined]

        parsed = parser.parse(pattern)
        if parsed.state.flags & re.IGNORECASE:
            return None
        found = _sequence_prefixes(parsed.data, sre)
    except Exception:
        return None
    if found is None or "" in found[0]:
        return None
    return frozenset(found[0])


def _sequence_prefixes(items, sre) -> tuple[set[str], bool] | None:
    """(prefixes, complete): every match of the item sequence starts with one of `prefixes`;
    complete means the sequence matches exactly those strings (so later items may extend them)."""
    current = {""}
    for op, av in items:
        if op is sre.AT:
            continue
        sub = _item_prefixes(op, av, sre)
        if sub is None:
            return current, False
        strings, complete = sub
        product = {a + b for a in current for b in strings}
        if len(product) > _MAX_PREFIXES:
            return current, False
        current = product
        if not complete:
            return current, False
    return current, True


def _item_prefixes(op, av, sre) -> tuple[set[str], bool] | None:
    if op is sre.LITERAL:
        return {chr(av)}, True
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        return None if add_flags & re.IGNORECASE else _sequence_prefixes(sub.data, sre)
    if op is sre.ATOMIC_GROUP:
        return _sequence_prefixes(av.data, sre)
    if op is sre.BRANCH:
        strings: set[str] = set()
        complete = True
        for alternative in av[1]:
            found = _sequence_prefixes(alternative.data, sre)
            if found is None:
                return None
            strings |= found[0]
            complete = complete and found[1]
        return strings, complete
    if op is sre.IN:
        if all(kind is sre.LITERAL for kind, _ in av):
            return {chr(value) for _, value in av}, True
        return None
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, sub = av
        found = _sequence_prefixes(sub.data, sre)
        if low == 0:
            return ({""} | found[0] if found else {""}), bool(found and found[1] and high == 1)
        if found is None:
            return None
        return found[0], found[1] and low == high == 1
    return None


def read_playbooks(directory: Path = PLAYBOOK_DIR) -> PlaybookSet:
    """Read and validate every `*.yaml` playbook against the schema; raise PlaybookError naming the
    bad file. The unit registry validates its metadata against this (`load_playbooks` also checks
    the playbooks' references to units, which needs the registry)."""
    if not directory.is_dir():
        raise PlaybookError(f"playbook directory not found: {directory}")
    loaded: dict[str, Playbook] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = yaml.load(path.read_text(), Loader=YAML_LOADER)
            playbook = Playbook.model_validate(data)
        except (yaml.YAMLError, ValidationError) as exc:
            raise PlaybookError(f"invalid playbook {path.name}: {exc}") from None
        if playbook.subsystem in loaded:
            raise PlaybookError(f"two playbooks for subsystem {playbook.subsystem}")
        loaded[playbook.subsystem] = playbook
    return PlaybookSet(playbooks=loaded)


@lru_cache(maxsize=4)
def load_playbooks(directory: Path = PLAYBOOK_DIR) -> PlaybookSet:
    """Load and validate every `*.yaml` playbook; raise PlaybookError naming the bad file, also for
    a hypothesis whose `checks:` names no unit (detector, metric rule, extractor, analyzer)."""
    playbooks = read_playbooks(directory)
    check_unit_references(playbooks)
    return playbooks


def check_unit_references(playbooks: PlaybookSet) -> None:
    """Every name in a hypothesis's `checks:` is the id of a registered unit."""
    import difflib

    from investigator.units.registry import unit_ids

    known = unit_ids()
    for playbook in playbooks:
        for hypothesis in playbook.hypotheses:
            for name in hypothesis.checks:
                if name not in known:
                    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
                    hint = f" (did you mean {', '.join(close)}?)" if close else ""
                    raise PlaybookError(f"invalid playbook {playbook.subsystem}: hypothesis {hypothesis.id} checks "
                                        f"{name!r}, which is no unit id{hint} (`investigate explain --list`)")
