"""Playbook schema: subsystem checklists as data, validated at load time."""

from __future__ import annotations

import fnmatch
import os
import re
from functools import cached_property, lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from investigator.models import SUBSYSTEMS, Severity

# libyaml's C parser when PyYAML was built with it (about 10x faster), the pure-Python one otherwise
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PLAYBOOK_DIR = Path(os.environ.get("INVESTIGATOR_PLAYBOOKS", Path(__file__).resolve().parents[2] / "playbooks"))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hypothesis(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    statement: str
    supports: str  # evidence that supports it
    refutes: str  # evidence that refutes it
    severity: Severity
    fix: str
    checks: list[str] = Field(default_factory=list)  # ids of detectors, metric rules, probes


class ConfigKeyRule(_Strict):
    """Severity of a configuration key change, matched by regex on the normalised key path."""

    pattern: str
    severity: Severity
    kind: str = "learning_dynamics"  # learning_dynamics | interval | resource | cosmetic
    hypothesis: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        re.compile(value)
        return value


class Signals(_Strict):
    """What maps a change to this subsystem."""

    paths: list[str] = Field(default_factory=list)  # fnmatch globs on the repository path
    identifiers: list[str] = Field(default_factory=list)  # regexes searched in changed lines / names
    config_keys: list[ConfigKeyRule] = Field(default_factory=list)

    @field_validator("identifiers")
    @classmethod
    def _identifiers_compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            re.compile(pattern)
        return value


class Playbook(_Strict):
    subsystem: str
    title: str
    description: str
    signals: Signals
    hypotheses: list[Hypothesis] = Field(min_length=3)
    aliases: dict[str, list[str]] = Field(default_factory=dict)  # canonical key -> other names

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
                raise ValueError(f"config key rule {rule.pattern!r} names unknown hypothesis {rule.hypothesis}")
        return self

    @cached_property
    def identifier_regex(self) -> re.Pattern[str] | None:
        if not self.signals.identifiers:
            return None
        return re.compile("|".join(f"(?:{p})" for p in self.signals.identifiers))

    def matches_path(self, path: str) -> str | None:
        lowered = path.lower()
        for pattern in self.signals.paths:
            if fnmatch.fnmatch(lowered, pattern):
                return pattern
        return None

    def hypothesis(self, hypothesis_id: str) -> Hypothesis | None:
        return next((h for h in self.hypotheses if h.id == hypothesis_id), None)


class PlaybookSet(BaseModel):
    model_config = ConfigDict(frozen=True)
    playbooks: dict[str, Playbook]

    def __iter__(self):  # type: ignore[override]
        return iter(self.playbooks[s] for s in SUBSYSTEMS if s in self.playbooks)

    def get(self, subsystem: str) -> Playbook | None:
        return self.playbooks.get(subsystem)

    def config_rule_for(self, key_path: str) -> tuple[Playbook, ConfigKeyRule] | None:
        """The first playbook rule whose pattern matches a normalised config key path."""
        best: tuple[Playbook, ConfigKeyRule] | None = None
        for playbook in self:
            for rule in playbook.signals.config_keys:
                if re.search(rule.pattern, key_path, flags=re.IGNORECASE) and (
                    best is None or rule.severity.weight > best[1].severity.weight
                ):
                    best = (playbook, rule)
        return best

    def aliases(self) -> dict[str, list[str]]:
        merged: dict[str, list[str]] = {}
        for playbook in self:
            for canonical, others in playbook.aliases.items():
                merged.setdefault(canonical, []).extend(others)
        return merged


class PlaybookError(Exception):
    pass


@lru_cache(maxsize=4)
def load_playbooks(directory: Path = PLAYBOOK_DIR) -> PlaybookSet:
    """Load and validate every `*.yaml` playbook; raise PlaybookError naming the bad file."""
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
