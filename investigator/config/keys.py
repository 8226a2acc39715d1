"""Key-path normalisation: one spelling for `Trainer.Learning-Rate`, `trainer.learning_rate`, ..."""

from __future__ import annotations

import re
from functools import lru_cache

# Leading segments that only name the container object, never the setting.
ROOT_PREFIXES: frozenset[str] = frozenset(
    {"cfg", "config", "conf", "self", "args", "opts", "options", "params", "hparams", "hp",
     "hyperparameters", "settings", "flags", "c", "kwargs"}
)
# Class-name suffixes dropped when a class name becomes a key segment (`PPOConfig` -> `ppo`).
CLASS_SUFFIXES: tuple[str, ...] = ("configuration", "config", "settings", "options", "params",
                                   "hparams", "args", "cfg", "spec")

_CAMEL_1 = re.compile(r"(.)([A-Z][a-z]+)")
_CAMEL_2 = re.compile(r"([a-z0-9])([A-Z])")


@lru_cache(maxsize=131072)
def normalise_segment(segment: str) -> str:
    """Lower-case, `-`/space to `_`, camelCase to snake_case."""
    segment = _CAMEL_2.sub(r"\1_\2", _CAMEL_1.sub(r"\1_\2", segment.strip()))
    return re.sub(r"[-\s_]+", "_", segment).lower().strip("_") or segment.lower()


def normalise_key(raw: str | list[str] | tuple[str, ...]) -> str:
    """Normalised dotted path; container prefixes (`cfg.`, `self.`, `args.`) dropped."""
    parts = raw.split(".") if isinstance(raw, str) else list(raw)
    segments = [normalise_segment(p) for p in parts if p != ""]
    while len(segments) > 1 and segments[0] in ROOT_PREFIXES:
        segments.pop(0)
    return ".".join(segments)


@lru_cache(maxsize=65536)
def class_segment(class_name: str) -> str:
    """`PPOConfig` -> `ppo`, `TrainerSettings` -> `trainer`, `Config` -> `` (root)."""
    name = normalise_segment(class_name)
    for suffix in CLASS_SUFFIXES:
        if name == suffix:
            return ""
        if name.endswith("_" + suffix):
            return name[: -len(suffix) - 1]
    return name


_BUILDER_PREFIX = re.compile(r"^(make|build|create|get|setup|init|configure|default|new)_")


def builder_segment(function_name: str) -> str:
    """`make_env` -> `env`, `build_trainer_config` -> `trainer`, `get_config` -> `` (root)."""
    return class_segment(_BUILDER_PREFIX.sub("", normalise_segment(function_name)))


def join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def join2(prefix: str, key: str) -> str:
    """`join(prefix, key)` for two parts, without the generic version's overhead (hot in `build_side`)."""
    return f"{prefix}.{key}" if prefix and key else prefix or key


def tokens(segment: str) -> set[str]:
    return {t for t in segment.split("_") if t}
