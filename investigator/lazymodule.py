"""A module imported on first use: heavy libraries that only some runs need (pandas: reading training
logs) stay out of the start-up of the runs that never touch them (a static code comparison)."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module `name`; the first attribute read imports it (Python's import lock makes
    that safe from any thread)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def _load(self) -> ModuleType:
        return importlib.import_module(self._name)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)
