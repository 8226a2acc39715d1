"""Extractors: one per file format, registered by file suffix (see `base.EXTRACTORS`).

Every module of this package is imported here through the unit registry, which is how each one
registers its extractors (adding a format is adding a module).
"""

from investigator.config.extractors.base import EXTRACTORS, ExtractError, ParsedFile, extractor_for
from investigator.units.registry import load

load("extractor")

__all__ = ["EXTRACTORS", "ExtractError", "ParsedFile", "extractor_for"]
